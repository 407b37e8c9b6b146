#include "server/http/problem.hpp"

#include "server/http/text.hpp"

#include <boost/json/serialize.hpp>

#include <string_view>
#include <utility>

namespace copsched::server {
namespace {

std::string type_for(http::status s) {
    return "https://copsched.invalid/problems/" + std::to_string(static_cast<unsigned>(s));
}

} // namespace

response problem(http::status s, std::string detail, unsigned version, bool keep_alive,
                 const boost::json::value& extra) {
    boost::json::object body;
    body["type"] = type_for(s);
    body["title"] = std::string(http::obsolete_reason(s));
    body["status"] = static_cast<unsigned>(s);
    // Details may quote client input: keep them valid UTF-8 (and so valid JSON text).
    body["detail"] = text_problem(detail, detail.size(), true).empty() ? std::move(detail) : valid_utf8(detail);
    if (const auto* o = extra.if_object())
        for (const auto& [k, v] : *o) body[k] = v;
    response res{s, version};
    res.set(http::field::content_type, "application/problem+json");
    res.keep_alive(keep_alive);
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response json_response(http::status s, const boost::json::value& body, unsigned version, bool keep_alive) {
    response res{s, version};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(keep_alive);
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

} // namespace copsched::server
