#include "server/pages/site.hpp"

#include "server/api/dispatch.hpp"
#include "server/api/routes.hpp"
#include "server/pages/dashboard.hpp"
#include "server/pages/html.hpp"
#include "server/pages/participant.hpp"

namespace copsched::server::pages {
namespace {

response asset(const request_context& ctx, std::string_view content_type, std::string_view bytes) {
    response res{http::status::ok, ctx.version()};
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "public, max-age=3600");
    set_security_headers(res);
    res.keep_alive(ctx.keep_alive());
    res.body() = std::string(bytes);
    res.prepare_payload();
    return res;
}

task<response> css(request_context& ctx) { co_return asset(ctx, "text/css; charset=utf-8", stylesheet()); }
task<response> js(request_context& ctx) { co_return asset(ctx, "text/javascript; charset=utf-8", script()); }

} // namespace

router make_site_routes() {
    auto r = make_routes();
    using v = http::verb;
    r.add(v::get, "/assets/copsched.css", access::public_route, css);
    r.add(v::get, "/assets/copsched.js", access::public_route, js);
    add_participant_routes(r);
    add_dashboard_routes(r);
    return r;
}

} // namespace copsched::server::pages
