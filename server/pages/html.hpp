#pragma once
// The pieces every page is made of: the one HTML escaping function, links that may be
// shown (http and https only), the layout around a page's body, and the response with the
// headers every page carries (Content-Security-Policy without inline script, no framing,
// no caching, no referrer). Pure functions, callable from any thread.

#include "server/http/http.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace copsched::server::pages {

// `s` with & < > " ' replaced by their character references: safe as element text and
// inside a quoted attribute value. Every text a user or the database gave goes through it.
std::string escape(std::string_view s);

// `url` when it is an absolute http:// or https:// URL without control characters or
// spaces, else "": a `javascript:`, `data:` or relative online link is never made a link.
std::string safe_link(std::string_view url);

// The language of a page's labels.
enum class lang { nl, en };
inline std::string_view pick(lang l, std::string_view nl, std::string_view en) { return l == lang::en ? en : nl; }

struct page {
    http::status status = http::status::ok;
    lang language = lang::nl;
    std::string title; // plain text: escaped by render
    std::string body;  // HTML, already escaped where it holds user text
    std::string nav;   // HTML of the header's links (may be empty)
    bool wide = false; // the dashboard's pages use the full width
};

// The whole document: doctype, <html lang>, viewport, the stylesheet and script from
// /assets (never inline), a skip link, the header with `nav`, <main> with the body.
std::string render(const page& p);

// The page as a response: text/html, Cache-Control no-store, the security headers.
response html_response(const page& p, unsigned version, bool keep_alive);

// 303 See Other to `location` (a path of this service), after a form was handled.
response see_other(std::string_view location, unsigned version, bool keep_alive);

// The security headers of every page and asset (CSP, frame-ancestors 'none', nosniff,
// no referrer, noindex).
void set_security_headers(response& res);

// application/x-www-form-urlencoded fields (+ as space); nullopt when the body cannot be
// decoded. A field given twice keeps its last value, except that `all` lists every value.
struct form {
    std::vector<std::pair<std::string, std::string>> fields;
    std::string get(std::string_view name) const; // "" when absent
    bool has(std::string_view name) const;
    std::vector<std::string> all(std::string_view name) const;
};
std::optional<form> parse_form(std::string_view body);

} // namespace copsched::server::pages
