#include "server/api/dispatch.hpp"

#include "scheduler/clock.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/http/http_date.hpp"
#include "server/http/metrics.hpp"
#include "server/options/config.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

#include <cstdio>
#include <ctime>
#include <iostream>

namespace copsched::server {

using scheduler::errc;
using scheduler::error;

namespace {

// The answer stored for an Idempotency-Key, replayed to a retry of the same request.
response replayed(const request& req, const scheduler::idempotency_record& previous) {
    response res{static_cast<http::status>(previous.status), req.version()};
    boost::system::error_code ec;
    const auto stored = boost::json::parse(previous.response, ec);
    if (!ec && stored.is_object()) {
        if (const auto* h = stored.as_object().if_contains("headers"); h && h->is_object())
            for (const auto& [name, value] : h->as_object())
                if (value.is_string()) res.set(std::string_view(name), std::string_view(value.as_string()));
        if (const auto* b = stored.as_object().if_contains("body"); b && b->is_string())
            res.body() = std::string(b->as_string());
    }
    res.set("Idempotent-Replayed", "true");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// An answer as stored for replay: the headers a client relies on, and the body.
std::string stored_answer(const response& res) {
    boost::json::object headers;
    for (const auto field :
         {http::field::content_type, http::field::location, http::field::etag, http::field::cache_control})
        if (const auto v = res[field]; !v.empty()) headers[http::to_string(field)] = v;
    return boost::json::serialize(boost::json::object{{"headers", std::move(headers)}, {"body", res.body()}});
}

// Behind a proxy that appends the address it saw to X-Forwarded-For, the last entry is
// the one to trust; `seen` (the socket's peer) when there is none.
std::string forwarded_client(const request& req, std::string seen) {
    const auto forwarded = req["X-Forwarded-For"];
    if (forwarded.empty()) return seen;
    auto last = forwarded.substr(forwarded.rfind(',') == std::string_view::npos ? 0 : forwarded.rfind(',') + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
    if (!last.empty() && last.size() <= 64) seen.assign(last);
    return seen;
}

// 405 with the Allow header (HEAD beside every GET).
response method_not_allowed(const request& req, const std::vector<http::verb>& allowed) {
    std::string allow;
    for (auto v : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(http::to_string(v));
        if (v == http::verb::get) allow += ", HEAD";
    }
    auto res = problem(http::status::method_not_allowed,
                       "This resource does not support " + std::string(req.method_string()) + ".", req.version(),
                       req.keep_alive());
    res.set(http::field::allow, allow);
    return res;
}

} // namespace

std::string_view request_context::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return {};
}

std::optional<std::string> request_context::query(std::string_view name) const {
    auto it = target.params().find(name);
    if (it == target.params().end()) return std::nullopt;
    return std::string((*it).value);
}

void dispatcher::log_access(std::string_view method, std::string_view route, unsigned status, std::size_t bytes,
                            std::chrono::nanoseconds duration, const std::string& client) const {
    if (!svc_.cfg.access_log) return;
    // The route template, never the raw target: tokens in paths and queries stay out.
    char line[512];
    const int n =
        std::snprintf(line, sizeof line, "%s access %s %.*s %.*s %u %.3fms %zuB\n", scheduler::now_utc().c_str(),
                      client.c_str(), static_cast<int>(method.size()), method.data(), static_cast<int>(route.size()),
                      route.data(), status, std::chrono::duration<double, std::milli>(duration).count(), bytes);
    if (n > 0) std::fwrite(line, 1, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1)), stderr);
}

void dispatcher::record_rejected(unsigned status, std::size_t bytes, std::chrono::nanoseconds duration) const {
    svc_.stats.record_request("-", "(rejected)", status, duration);
    log_access("-", "(rejected)", status, bytes, duration, "-");
}

task<response> dispatcher::authenticate_and_run(const route& r, request_context& ctx) {
    const auto& req = ctx.req;
    if (r.who == access::public_route) co_return co_await r.fn(ctx);

    const auto now = auth_throttle::clock::now();
    if (auto wait = svc_.throttle.blocked(ctx.client_address, now)) {
        auto res = problem(http::status::too_many_requests,
                           "Too many failed authentication attempts from this address; try again later.", req.version(),
                           req.keep_alive());
        res.set(http::field::retry_after, std::to_string(wait->count()));
        co_return res;
    }
    auto unauthorized = [&](std::string detail) {
        svc_.throttle.record_failure(ctx.client_address, now);
        auto res = problem(http::status::unauthorized, std::move(detail), req.version(), req.keep_alive());
        res.set(http::field::www_authenticate, "Bearer realm=\"copsched\"");
        return res;
    };
    const auto presented = bearer_token(req[http::field::authorization]);
    if (!presented) co_return unauthorized("This route needs an API token: send Authorization: Bearer <token>.");
    const auto prefix = token_prefix(*presented);
    if (!prefix) co_return unauthorized("The API token is not valid.");

    const auto hash = sha256_hex(*presented);
    auto found = svc_.tokens.find(*prefix);
    if (!found) {
        const auto generation = svc_.tokens.generation();
        auto job = [p = *prefix](scheduler::store& s) { return s.find_tokens_by_prefix(p); };
        auto read = co_await db_read(svc_.db, std::move(job));
        if (!read) co_return problem(read.err(), req.version(), req.keep_alive());
        svc_.tokens.put(*prefix, *read, generation);
        found = std::move(*read);
    }
    std::optional<scheduler::api_token> caller;
    for (auto& c : *found)
        if (constant_time_equal(c.secret_hash, hash) && !c.token.revoked_at) caller = std::move(c.token);
    if (!caller) co_return unauthorized("The API token is not valid or has been revoked.");

    if (svc_.touches.due(caller->id, now)) {
        // At most once per token and interval, so awaiting the commit costs little and
        // last_used_at is true by the time the response is read.
        auto touch = [id = caller->id, at = scheduler::now_utc()](scheduler::store& s) {
            return s.touch_token(id, at);
        };
        (void)co_await db_write(svc_.db, std::move(touch));
    }
    if (r.who == access::admin && caller->role != scheduler::token_role::admin)
        co_return problem(http::status::forbidden, "This route is for admin tokens only.", req.version(),
                          req.keep_alive());
    ctx.caller = std::move(caller);
    if (req.method() == http::verb::post) {
        if (const auto key = req["Idempotency-Key"]; !key.empty())
            co_return co_await run_idempotent(r, ctx, std::string(key));
    }
    co_return co_await r.fn(ctx);
}

task<response> dispatcher::run_idempotent(const route& r, request_context& ctx, std::string key) {
    const auto& req = ctx.req;
    constexpr std::size_t key_max_chars = 200;
    const bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (key.size() > key_max_chars || !printable)
        co_return problem(error::invalid("Idempotency-Key", "must be 1 to 200 printable ASCII characters"),
                          req.version(), req.keep_alive());
    const auto hash = sha256_hex(std::string(req.method_string()) + " " + std::string(req.target()) + "\n" +
                                 std::string(req[http::field::content_type]) + "\n" + req.body());
    const auto now = std::chrono::system_clock::now();
    auto claim = [token = ctx.caller->id, key, hash, at = scheduler::format_utc(now),
                  expired = scheduler::format_utc(now - svc_.cfg.idempotency_ttl)](scheduler::store& s) {
        return s.claim_idempotency_key(token, key, hash, at, expired);
    };
    auto claimed = co_await db_write(svc_.db, std::move(claim));
    if (!claimed) co_return problem(claimed.err(), req.version(), req.keep_alive());
    if (const auto& previous = *claimed) {
        if (previous->request_hash != hash)
            co_return problem(error::invalid("Idempotency-Key", "was used for a different request; use a new key"),
                              req.version(), req.keep_alive());
        if (previous->status == 0) {
            auto res = problem(http::status::conflict, "A request with this Idempotency-Key is still running.",
                               req.version(), req.keep_alive());
            res.set(http::field::retry_after, "1");
            co_return res;
        }
        co_return replayed(req, *previous);
    }
    response res;
    bool failed = false;
    try {
        res = co_await r.fn(ctx);
    } catch (const std::exception&) {
        failed = true;
    }
    if (failed) res = problem(error{errc::internal, "The request failed.", {}}, req.version(), req.keep_alive());
    // Answers that must not be kept (a new token's secret) are not stored: the key is
    // released and a retry runs afresh.
    const bool keep = res[http::field::cache_control].find("no-store") == std::string_view::npos;
    auto finish = [token = ctx.caller->id, key, status = keep ? res.result_int() : 0u,
                   stored = stored_answer(res)](scheduler::store& s) {
        return s.finish_idempotency_key(token, key, static_cast<int>(status), stored);
    };
    (void)co_await db_write(svc_.db, std::move(finish));
    co_return res;
}

task<response> dispatcher::handle(request req, std::string client_address) {
    const auto started = std::chrono::steady_clock::now();
    if (svc_.cfg.trust_forwarded_for) client_address = forwarded_client(req, std::move(client_address));
    std::string_view route_name = "(unmatched)";
    response res;
    try {
        auto target = boost::urls::parse_origin_form(req.target());
        if (!target) {
            res = problem(http::status::bad_request, "The request target is not a valid path.", req.version(),
                          req.keep_alive());
        } else {
            auto m = routes_.match(req.method(), target->encoded_path());
            if (m.found) {
                route_name = m.found->path;
                request_context ctx{req, svc_, std::move(m.params), *target, client_address, std::nullopt};
                try {
                    // Public routes (feeds, health) skip a coroutine frame.
                    if (m.found->who == access::public_route)
                        res = co_await m.found->fn(ctx);
                    else
                        res = co_await authenticate_and_run(*m.found, ctx);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "%s error %s %s: %s\n", scheduler::now_utc().c_str(),
                                 std::string(req.method_string()).c_str(), m.found->path.c_str(), e.what());
                    res = problem(error{errc::internal, e.what(), {}}, req.version(), req.keep_alive());
                }
            } else if (!m.allowed.empty()) {
                res = method_not_allowed(req, m.allowed);
            } else {
                res = problem(http::status::not_found, "No resource at this path.", req.version(), req.keep_alive());
            }
        }
    } catch (const std::exception& e) {
        res = problem(error{errc::internal, e.what(), {}}, req.version(), req.keep_alive());
    }
    res.set(http::field::date, http_date_now());
    if (req.method() == http::verb::head) {
        // Same headers as GET, no body.
        const auto length = res.body().size();
        res.body().clear();
        res.content_length(length);
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    // A static name: metrics keep the view. Unknown methods are counted together.
    const std::string_view method_name = req.method() == http::verb::unknown ? "OTHER" : http::to_string(req.method());
    svc_.stats.record_request(method_name, route_name, res.result_int(), elapsed);
    log_access(req.method_string(), route_name, res.result_int(), res.body().size(), elapsed, client_address);
    co_return res;
}

} // namespace copsched::server
