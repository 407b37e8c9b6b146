#pragma once
// From a complete request to its response: route matching, authentication and
// authorization, the handler, error mapping, metrics and the access log. Holds no
// per-request state beyond the Idempotency-Keys running now; safe to call from any
// strand concurrently.

#include "scheduler/model.hpp"
#include "server/api/services.hpp"
#include "server/http/request_handler.hpp"
#include "server/http/router.hpp"

#include <boost/url/url_view.hpp>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

namespace copsched::server {

struct request_context {
    const request& req;
    services& svc;
    path_params params;
    // Path and query of the request: parsed only when it has a query (most requests,
    // feed polls among them, have none), else empty.
    boost::urls::url_view target;
    std::string client_address;
    std::optional<scheduler::api_token> caller; // set for any_token and admin routes

    // The value of a path parameter; empty when the route has none of that name.
    std::string_view param(std::string_view name) const;
    // A query parameter's decoded value, or nullopt.
    std::optional<std::string> query(std::string_view name) const;
    bool keep_alive() const { return req.keep_alive(); }
    unsigned version() const { return req.version(); }
};

class dispatcher final : public request_handler {
public:
    dispatcher(services& svc, router routes);
    ~dispatcher() override;

    // Never throws: a handler's exception becomes a logged 500 problem.
    task<response> handle(request req, std::string client_address) override;

    // Records a request that never reached a route (413, 431, 400 from the parser).
    void record_rejected(unsigned status, std::size_t bytes, std::chrono::nanoseconds duration) const override;

    const router& routes() const noexcept { return routes_; }

private:
    task<response> authenticate_and_run(const route& r, request_context& ctx);
    // A POST with an Idempotency-Key: the first answer is stored and replayed for the
    // same key and request; the same key with another request gets 422, and while the
    // first request runs, 409 with Retry-After. The answer commits in the transaction of
    // the request's work, so a crash leaves the key answered or free with nothing done.
    task<response> run_idempotent(const route& r, request_context& ctx, std::string key);
    void log_access(std::string_view method, std::string_view route, unsigned status, std::size_t bytes,
                    std::chrono::nanoseconds duration, const std::string& client) const;

    struct running_keys;

    services& svc_;
    const router routes_;
    std::unique_ptr<running_keys> running_;
};

} // namespace copsched::server
