#include "server/pages/api_call.hpp"

#include "server/api/routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

namespace copsched::server::pages {

namespace {

const router& api_routes() {
    static const router table = make_routes();
    return table;
}

} // namespace

boost::json::value api_answer::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) return nullptr;
    return v;
}

std::string api_answer::problem_text() const {
    const auto v = json();
    if (!v.is_object()) return "HTTP " + std::to_string(status);
    const auto& o = v.as_object();
    std::string out;
    if (const auto* d = o.if_contains("detail"); d && d->is_string()) out = std::string(d->as_string());
    if (const auto* errors = o.if_contains("errors"); errors && errors->is_array() && !errors->as_array().empty()) {
        const auto& first = errors->as_array().front();
        if (first.is_object()) {
            const auto* field = first.as_object().if_contains("field");
            const auto* problem = first.as_object().if_contains("problem");
            if (field && problem && field->is_string() && problem->is_string())
                out += (out.empty() ? "" : " ") + std::string(field->as_string()) + ": " +
                       std::string(problem->as_string());
        }
    }
    return out.empty() ? "HTTP " + std::to_string(status) : out;
}

task<api_answer> call_api(const request_context& ctx, const scheduler::api_token& caller, http::verb method,
                          std::string target, std::string body, std::string accept) {
    request req{method, target, 11};
    req.keep_alive(true);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    if (!accept.empty()) req.set(http::field::accept, accept);
    req.body() = std::move(body);
    req.prepare_payload();
    api_answer out;
    const auto url = boost::urls::parse_origin_form(req.target());
    if (!url) {
        out.status = 400;
        co_return out;
    }
    auto m = api_routes().match(method, url->encoded_path());
    if (!m.found || (m.found->who == access::admin && caller.role != scheduler::token_role::admin)) {
        out.status = m.found ? 403 : 404;
        co_return out;
    }
    request_context inner{req, ctx.svc, std::move(m.params), *url, ctx.client_address, caller};
    auto res = co_await m.found->fn(inner);
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    out.content_disposition = std::string(res[http::field::content_disposition]);
    out.body = res.body().str();
    co_return out;
}

scheduler::api_token participant_caller(const scheduler::person& p) {
    scheduler::api_token t;
    t.id = "personal-link";
    t.name = "personal link";
    t.role = scheduler::token_role::participant;
    t.programme_id = p.programme_id;
    t.person_id = p.id;
    return t;
}

std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

} // namespace copsched::server::pages
