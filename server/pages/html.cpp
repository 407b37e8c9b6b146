#include "server/pages/html.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>

#include <algorithm>

namespace copsched::server::pages {

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string safe_link(std::string_view url) {
    const auto starts = [&](std::string_view scheme) {
        if (url.size() <= scheme.size()) return false;
        for (std::size_t i = 0; i < scheme.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
        return true;
    };
    if (!starts("https://") && !starts("http://")) return "";
    const bool clean = std::all_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u != 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '\\';
    });
    return clean ? std::string(url) : "";
}

std::string render(const page& p) {
    const bool en = p.language == lang::en;
    std::string h;
    h.reserve(p.body.size() + 1024);
    h += "<!DOCTYPE html>\n<html lang=\"";
    h += en ? "en" : "nl";
    h += "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\"><title>";
    h += escape(p.title);
    h += " \xc2\xb7 copsched</title><link rel=\"stylesheet\" href=\"/assets/copsched.css\">"
         "<script src=\"/assets/copsched.js\" defer></script></head><body";
    if (p.wide) h += " class=\"wide\"";
    h += "><a class=\"skip\" href=\"#main\">";
    h += en ? "Skip to content" : "Naar de inhoud";
    h += "</a><header class=\"top\"><span class=\"brand\">copsched</span>";
    if (!p.nav.empty()) {
        h += "<nav aria-label=\"";
        h += en ? "Main" : "Hoofdmenu";
        h += "\">" + p.nav + "</nav>";
    }
    h += "</header><main id=\"main\">";
    h += p.body;
    h += "</main></body></html>\n";
    return h;
}

void set_security_headers(response& res) {
    // Styles and scripts only from this service's /assets: no inline script or style, no
    // other site; forms post here only; nobody may frame a page (clickjacking).
    res.set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    res.set("X-Frame-Options", "DENY");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer"); // page URLs of participants are credentials
    res.set("X-Robots-Tag", "noindex");
}

response html_response(const page& p, unsigned version, bool keep_alive) {
    response res{p.status, version};
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    set_security_headers(res);
    res.keep_alive(keep_alive);
    res.body() = render(p);
    res.prepare_payload();
    return res;
}

response see_other(std::string_view location, unsigned version, bool keep_alive) {
    response res{http::status::see_other, version};
    res.set(http::field::location, location);
    res.set(http::field::cache_control, "no-store");
    set_security_headers(res);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

std::string form::get(std::string_view name) const {
    std::string v;
    for (const auto& [k, value] : fields)
        if (k == name) v = value;
    return v;
}

bool form::has(std::string_view name) const {
    return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
}

std::vector<std::string> form::all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, value] : fields)
        if (k == name) out.push_back(value);
    return out;
}

std::optional<form> parse_form(std::string_view body) {
    form f;
    try {
        boost::urls::encoding_opts opts;
        opts.space_as_plus = true;
        for (const auto& p : boost::urls::params_view(body, opts)) f.fields.emplace_back(p.key, p.value);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return f;
}

} // namespace copsched::server::pages
