#include "server/api/routes.hpp"

#include "server/api/attendance_handlers.hpp"
#include "server/api/event_handlers.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/membership_request_handlers.hpp"
#include "server/api/outbox_handlers.hpp"
#include "server/api/planning_handlers.hpp"
#include "server/api/programme_handlers.hpp"
#include "server/api/reply_handlers.hpp"

#include "scheduler/clock.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/errors.hpp"
#include "server/api/feed_cache.hpp"
#include "server/api/json_input.hpp"
#include "server/api/views.hpp"
#include "server/http/metrics.hpp"

#include <boost/json.hpp>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::token_role;

task<response> healthz(request_context& ctx) { co_return ok_json(ctx, http::status::ok, {{"status", "ok"}}); }

task<response> readyz(request_context& ctx) {
    auto job = [](scheduler::store& s) { return s.ping(); };
    auto st = co_await db_read(ctx.svc.db, std::move(job));
    if (!st) co_return fail(ctx, error{errc::unavailable, "The database is not reachable.", {}});
    co_return ok_json(ctx, http::status::ok, {{"status", "ready"}});
}

task<response> metrics_text(request_context& ctx) {
    response res{http::status::ok, ctx.version()};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.keep_alive(ctx.keep_alive());
    auto text = ctx.svc.stats.render(ctx.svc.db.queue_depth());
    ctx.svc.feeds.append_metrics(text);
    res.body() = std::move(text);
    res.prepare_payload();
    co_return res;
}

task<response> openapi(request_context& ctx) {
    response res{http::status::ok, ctx.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "public, max-age=300");
    res.keep_alive(ctx.keep_alive());
    res.body() = std::string(openapi_document());
    res.prepare_payload();
    co_return res;
}

task<response> me(request_context& ctx) { co_return ok_json(ctx, http::status::ok, token_json(*ctx.caller)); }

task<response> list_tokens(request_context& ctx) {
    auto job = [](scheduler::store& s) { return s.list_tokens(); };
    auto tokens = co_await db_read(ctx.svc.db, std::move(job));
    if (!tokens) co_return fail(ctx, tokens.err());
    json::array items;
    for (const auto& t : *tokens) items.push_back(token_json(t));
    co_return paged_json(ctx, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}}, "id");
}

task<response> create_token(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    scheduler::new_api_token t;
    auto name = in.required_string("name", name_max_chars);
    auto role = in.required_string("role", 20);
    auto programme = in.optional_string("programme", 100);
    auto groups = in.optional_string_array("working_groups", 100, 100);
    auto person = in.optional_string("person_id", 100);
    std::optional<token_role> parsed_role;
    if (role && !(parsed_role = scheduler::parse<token_role>(*role)))
        in.problem("role", "must be one of admin, organiser, participant");
    if (parsed_role == token_role::admin && (programme || groups || person))
        in.problem("role", "an admin token has no programme, working groups or person");
    if (parsed_role && *parsed_role != token_role::admin && !programme)
        in.problem("programme", "is required for organiser and participant tokens");
    if (parsed_role == token_role::participant && !person)
        in.problem("person_id", "is required for participant tokens");
    if (parsed_role != token_role::organiser && groups && !groups->empty())
        in.problem("working_groups", "only organiser tokens are scoped to working groups");
    if (auto st = in.finish(); !st) co_return fail(ctx, st.err());
    if (!name || !parsed_role) co_return fail(ctx, error::invalid(name ? "role" : "name", "is required"));

    const auto issued = generate_token();
    t.name = *name;
    t.role = *parsed_role;
    t.programme_slug = programme;
    t.working_group_ids = groups.value_or(std::vector<std::string>{});
    t.person_id = person;
    t.lookup_prefix = issued.prefix;
    t.secret_hash = issued.secret_hash;
    auto job = [t, actor = ctx.caller->id](scheduler::store& s) {
        const auto now = scheduler::now_utc();
        auto r = s.create_token(t, now);
        if (r) {
            auto a = s.append_audit(
                {actor, "token.create", "api_token", r->id,
                 json::serialize(json::object{{"role", scheduler::to_string(r->role)}, {"name", r->name}})},
                now);
            if (!a) return scheduler::result<scheduler::api_token>(a.err());
        }
        return r;
    };
    auto created = co_await db_write(ctx.svc.db, std::move(job));
    if (!created) co_return fail(ctx, created.err());
    auto out = token_json(*created);
    out["token"] = issued.secret; // shown once
    auto res = ok_json(ctx, http::status::created, out);
    res.set(http::field::location, "/api/v1/tokens/" + created->id);
    res.set(http::field::cache_control, "no-store");
    co_return res;
}

task<response> revoke_token(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), actor = ctx.caller->id](scheduler::store& s) {
        const auto now = scheduler::now_utc();
        auto r = s.revoke_token(id, now);
        if (!r) return r;
        return s.append_audit({actor, "token.revoke", "api_token", id, "{}"}, now);
    };
    auto st = co_await db_write(ctx.svc.db, std::move(job));
    if (!st) co_return fail(ctx, st.err());
    response res{http::status::no_content, ctx.version()};
    res.keep_alive(ctx.keep_alive());
    co_return res;
}

task<response> list_programmes(request_context& ctx) {
    auto job = [](scheduler::store& s) { return s.list_programmes(); };
    auto all = co_await db_read(ctx.svc.db, std::move(job));
    if (!all) co_return fail(ctx, all.err());
    json::array items;
    for (const auto& p : *all)
        if (may_read(*ctx.caller, p.id)) items.push_back(to_json(p));
    co_return paged_json(ctx, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}}, "id");
}

task<response> get_programme(request_context& ctx) {
    auto job = [slug = std::string(ctx.param("slug"))](scheduler::store& s) { return s.get_programme(slug); };
    auto p = co_await db_read(ctx.svc.db, std::move(job));
    if (!p) co_return fail(ctx, p.err());
    if (!may_read(*ctx.caller, p->id))
        co_return fail(ctx,
                       error{errc::not_found, "No programme with slug '" + std::string(ctx.param("slug")) + "'.", {}});
    co_return ok_json(ctx, http::status::ok, to_json(*p));
}

task<response> list_audit(request_context& ctx) {
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    scheduler::audit_filter f{ctx.query("object_type"), ctx.query("object_id"), ctx.query("actor")};
    auto job = [f, pr = *pr](scheduler::store& s) { return s.list_audit(f, pr); };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return page_response(ctx, *r, [](const scheduler::audit_record& a) {
        boost::system::error_code ec;
        auto detail = json::parse(a.entry.detail, ec);
        return json::object{{"id", a.id},
                            {"at", a.at},
                            {"actor", a.entry.actor},
                            {"action", a.entry.action},
                            {"object_type", a.entry.object_type},
                            {"object_id", a.entry.object_id},
                            {"detail", ec ? json::value(a.entry.detail) : detail}};
    });
}

} // namespace

router make_routes() {
    router r;
    using v = http::verb;
    r.add(v::get, "/healthz", access::public_route, healthz);
    r.add(v::get, "/readyz", access::public_route, readyz);
    r.add(v::get, "/metrics", access::public_route, metrics_text);
    r.add(v::get, "/openapi.json", access::public_route, openapi);
    r.add(v::get, "/api/v1/me", access::any_token, me);
    r.add(v::get, "/api/v1/tokens", access::admin, list_tokens);
    r.add(v::post, "/api/v1/tokens", access::admin, create_token);
    r.add(v::delete_, "/api/v1/tokens/{id}", access::admin, revoke_token);
    r.add(v::get, "/api/v1/programmes", access::any_token, list_programmes);
    r.add(v::get, "/api/v1/programmes/{slug}", access::any_token, get_programme);
    r.add(v::get, "/api/v1/audit", access::admin, list_audit);
    add_programme_routes(r);
    add_feed_routes(r); // before the event routes: "/api/v1/events/{id}.ics" before "{id}"
    add_event_routes(r);
    add_planning_routes(r);
    add_attendance_routes(r);
    add_membership_request_routes(r);
    add_report_routes(r);
    add_reminder_routes(r);
    add_reply_routes(r);
    return r;
}

} // namespace copsched::server
