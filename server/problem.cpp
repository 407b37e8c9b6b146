#include "server/problem.hpp"

#include "scheduler/clock.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace copsched::server {
namespace {

std::string type_for(http::status s) {
    return "https://copsched.invalid/problems/" + std::to_string(static_cast<unsigned>(s));
}

} // namespace

http::status status_for(scheduler::errc e) noexcept {
    using scheduler::errc;
    switch (e) {
    case errc::malformed: return http::status::bad_request;
    case errc::invalid_input: return http::status::unprocessable_entity;
    case errc::not_found: return http::status::not_found;
    case errc::conflict: return http::status::conflict;
    case errc::precondition_failed: return http::status::precondition_failed;
    case errc::unauthenticated: return http::status::unauthorized;
    case errc::forbidden: return http::status::forbidden;
    case errc::unavailable: return http::status::service_unavailable;
    case errc::internal: return http::status::internal_server_error;
    }
    return http::status::internal_server_error;
}

response problem(http::status s, std::string detail, unsigned version, bool keep_alive,
                 const boost::json::value& extra) {
    boost::json::object body;
    body["type"] = type_for(s);
    body["title"] = std::string(http::obsolete_reason(s));
    body["status"] = static_cast<unsigned>(s);
    body["detail"] = std::move(detail);
    if (const auto* o = extra.if_object())
        for (const auto& [k, v] : *o) body[k] = v;
    response res{s, version};
    res.set(http::field::content_type, "application/problem+json");
    res.keep_alive(keep_alive);
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response problem(const scheduler::error& e, unsigned version, bool keep_alive) {
    boost::json::value extra = nullptr;
    if (!e.fields.empty()) {
        boost::json::array errors;
        for (const auto& f : e.fields) errors.push_back(boost::json::object{{"field", f.field}, {"problem", f.problem}});
        extra = boost::json::object{{"errors", std::move(errors)}};
    }
    auto detail = e.detail;
    if (e.code == scheduler::errc::internal) {
        // The client gets no internals; the operator gets them on standard error.
        std::cerr << scheduler::now_utc() << " internal error: " << e.detail << '\n';
        detail = "An internal error occurred; it has been logged.";
    }
    return problem(status_for(e.code), std::move(detail), version, keep_alive, extra);
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
