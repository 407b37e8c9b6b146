#include "server/handlers.hpp"

#include "scheduler/clock.hpp"
#include "server/db_call.hpp"
#include "server/dispatch.hpp"
#include "server/json_input.hpp"
#include "server/problem.hpp"

#include <boost/json.hpp>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::token_role;

response ok_json(const request_context& ctx, http::status s, const json::value& body) {
    return json_response(s, body, ctx.version(), ctx.keep_alive());
}

response fail(const request_context& ctx, const error& e) { return problem(e, ctx.version(), ctx.keep_alive()); }

json::value optional_json(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object token_json(const scheduler::api_token& t) {
    json::array groups;
    for (const auto& g : t.working_group_ids) groups.emplace_back(g);
    return {
        {"id", t.id},
        {"name", t.name},
        {"role", scheduler::to_string(t.role)},
        {"programme", optional_json(t.programme_slug)},
        {"working_groups", std::move(groups)},
        {"person_id", optional_json(t.person_id)},
        {"created_at", t.created_at},
        {"last_used_at", optional_json(t.last_used_at)},
        {"revoked_at", optional_json(t.revoked_at)},
    };
}

json::object programme_json(const scheduler::programme& p) {
    json::array days;
    for (const auto& d : p.rules.weekdays) days.emplace_back(d);
    return {
        {"id", p.id},
        {"slug", p.slug},
        {"name", p.name},
        {"timezone", p.timezone},
        {"language", scheduler::to_string(p.lang)},
        {"starts_on", p.starts_on},
        {"ends_on", p.ends_on},
        {"meeting_rules",
         {{"per_year", p.rules.per_year},
          {"weekdays", std::move(days)},
          {"start_time", p.rules.start_time},
          {"duration_minutes", p.rules.duration_minutes},
          {"min_gap_days", p.rules.min_gap_days}}},
        {"feeds_public", p.feeds_public},
        {"created_at", p.created_at},
        {"updated_at", p.updated_at},
    };
}

// Non-admin callers see only their own programme; anything else is "not found".
bool may_see_programme(const scheduler::api_token& caller, const scheduler::programme& p) {
    return caller.role == token_role::admin || caller.programme_id == p.id;
}

task<response> healthz(request_context& ctx) {
    co_return ok_json(ctx, http::status::ok, {{"status", "ok"}});
}

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
    res.body() = ctx.svc.stats.render(ctx.svc.db.queue_depth());
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

task<response> me(request_context& ctx) {
    co_return ok_json(ctx, http::status::ok, token_json(*ctx.caller));
}

task<response> list_tokens(request_context& ctx) {
    auto job = [](scheduler::store& s) { return s.list_tokens(); };
    auto tokens = co_await db_read(ctx.svc.db, std::move(job));
    if (!tokens) co_return fail(ctx, tokens.err());
    json::array items;
    for (const auto& t : *tokens) items.push_back(token_json(t));
    co_return ok_json(ctx, http::status::ok, {{"items", std::move(items)}, {"next_cursor", nullptr}});
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
    if (parsed_role == token_role::participant && !person) in.problem("person_id", "is required for participant tokens");
    if (parsed_role != token_role::organiser && groups && !groups->empty())
        in.problem("working_groups", "only organiser tokens are scoped to working groups");
    if (auto st = in.finish(); !st) co_return fail(ctx, st.err());

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
            auto a = s.append_audit({actor, "token.create", "api_token", r->id,
                                     json::serialize(json::object{{"role", scheduler::to_string(r->role)},
                                                                  {"name", r->name}})},
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
        if (may_see_programme(*ctx.caller, p)) items.push_back(programme_json(p));
    co_return ok_json(ctx, http::status::ok, {{"items", std::move(items)}, {"next_cursor", nullptr}});
}

task<response> get_programme(request_context& ctx) {
    auto job = [slug = std::string(ctx.param("slug"))](scheduler::store& s) {
        return s.get_programme(slug);
    };
    auto p = co_await db_read(ctx.svc.db, std::move(job));
    if (!p) co_return fail(ctx, p.err());
    if (!may_see_programme(*ctx.caller, *p))
        co_return fail(ctx, error{errc::not_found, "No programme with slug '" + std::string(ctx.param("slug")) + "'.", {}});
    co_return ok_json(ctx, http::status::ok, programme_json(*p));
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
    return r;
}

} // namespace copsched::server
