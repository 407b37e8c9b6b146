// Membership requests over HTTP: the participant's own, and the organisers' decisions.
// Reads run on a reader; each decision in one writer job with the change it makes and its
// audit entries (all or nothing).
#include "server/api/membership_request_handlers.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/store.hpp"
#include "server/api/db_call.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/membership_changes.hpp"
#include "server/api/views.hpp"

#include <boost/json.hpp>

namespace copsched::server {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::membership_request;
using scheduler::membership_request_state;
using scheduler::result;
using scheduler::store;

namespace {

// A request with the names an organiser reads it by.
struct request_details {
    membership_request request;
    std::optional<scheduler::person> person;
    std::optional<scheduler::organisation> organisation;
    std::optional<scheduler::working_group> group;
};

json::object request_json(const membership_request& r) {
    return {{"id", r.id},
            {"programme_id", r.programme_id},
            {"person_id", r.person_id},
            {"working_group_id", r.working_group_id},
            {"kind", scheduler::to_string(r.kind)},
            {"membership_id", optional_json(r.membership_id)},
            {"state", scheduler::to_string(r.state)},
            {"comment", optional_json(r.comment)},
            {"reason", optional_json(r.reason)},
            {"created_at", r.created_at},
            {"decided_at", optional_json(r.decided_at)},
            {"decided_by", optional_json(r.decided_by)}};
}

json::object details_json(const request_details& d) {
    auto o = request_json(d.request);
    if (d.person) o["person"] = json::object{{"id", d.person->id}, {"name", d.person->name}};
    if (d.organisation) o["organisation"] = json::object{{"id", d.organisation->id}, {"name", d.organisation->name}};
    if (d.group)
        o["working_group"] = json::object{{"id", d.group->id}, {"slug", d.group->slug}, {"name", d.group->name}};
    return o;
}

request_details with_details(store& s, membership_request r) {
    request_details d{std::move(r), {}, {}, {}};
    if (auto p = s.get_person(d.request.person_id)) {
        if (auto o = s.get_organisation(p->organisation_id)) d.organisation = std::move(*o);
        d.person = std::move(*p);
    }
    if (auto g = s.get_working_group(d.request.working_group_id)) d.group = std::move(*g);
    return d;
}

result<scheduler::page<request_details>> with_details(store& s, result<scheduler::page<membership_request>> p) {
    if (!p) return p.err();
    scheduler::page<request_details> out;
    out.next_cursor = p->next_cursor;
    for (auto& r : p->items) out.items.push_back(with_details(s, std::move(r)));
    return out;
}

bool is_own(const scheduler::api_token& caller, const membership_request& r) {
    return is_participant(caller) && *caller.person_id == r.person_id;
}

// The request when the caller may see it: its person, or an organiser who may change its
// group; otherwise not_found, as for a request that does not exist.
result<membership_request> visible_request(store& s, const std::string& id, const scheduler::api_token& caller) {
    auto r = s.get_membership_request(id);
    if (!r || !(is_own(caller, *r) || may_write_group(caller, r->programme_id, r->working_group_id)))
        return not_found("No membership request with id '" + id + "'.");
    return r;
}

result<membership_request_state> state_filter(const request_context& ctx) {
    auto v = ctx.query("state");
    if (!v) return membership_request_state::pending; // never used: see the callers
    auto st = scheduler::parse<membership_request_state>(*v);
    if (!st) return error::invalid("state", "must be pending, approved, declined or withdrawn");
    return *st;
}

// GET /api/v1/me/membership-requests[?state=]: the caller's own requests, oldest first.
task<response> my_requests(request_context& ctx) {
    if (auto st = need_person(*ctx.caller); !st) co_return fail(ctx, st.err());
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    scheduler::membership_request_filter f;
    f.person_id = *ctx.caller->person_id;
    if (ctx.query("state")) {
        auto st = state_filter(ctx);
        if (!st) co_return fail(ctx, st.err());
        f.state = *st;
    }
    auto job = [f, pr = *pr](store& s) { return with_details(s, s.list_membership_requests(f, pr)); };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return page_response(ctx, *r, details_json);
}

// GET /api/v1/programmes/{slug}/membership-requests[?state=]: organisers; a scoped
// organiser sees the requests for their groups only.
task<response> programme_requests(request_context& ctx) {
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    scheduler::membership_request_filter f;
    if (ctx.query("state")) {
        auto st = state_filter(ctx);
        if (!st) co_return fail(ctx, st.err());
        f.state = *st;
    }
    auto job = [f, pr = *pr, slug = std::string(ctx.param("slug")),
                caller = *ctx.caller](store& s) mutable -> result<scheduler::page<request_details>> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        if (caller.role == scheduler::token_role::participant)
            return error{errc::forbidden, "Only the programme's organisers see its membership requests.", {}};
        f.programme_id = p->id;
        if (!caller.working_group_ids.empty()) f.scope_token_id = caller.id;
        return with_details(s, s.list_membership_requests(f, pr));
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return page_response(ctx, *r, details_json);
}

// GET /api/v1/membership-requests/{id}
task<response> get_request(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller](store& s) -> result<request_details> {
        auto r = visible_request(s, id, caller);
        if (!r) return r.err();
        return with_details(s, std::move(*r));
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, details_json(*r));
}

// DELETE /api/v1/me/membership-requests/{id}: the caller withdraws their pending request.
task<response> withdraw_request(request_context& ctx) {
    // Only a person makes requests: for any other caller there is none with this id.
    if (!is_participant(*ctx.caller))
        co_return fail(ctx,
                       not_found("You have no membership request with id '" + std::string(ctx.param("id")) + "'."));
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller,
                a = audit(ctx, "membership_request.withdraw", "membership request", std::string(ctx.param("id")))](
                   store& s) mutable -> result<request_details> {
        auto r = s.get_membership_request(id);
        if (!r || !is_own(caller, *r)) return not_found("You have no membership request with id '" + id + "'.");
        const auto now = scheduler::now_utc();
        auto decided =
            s.decide_membership_request(id, membership_request_state::withdrawn, std::nullopt, *caller.person_id, now);
        if (!decided) return decided.err();
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return with_details(s, std::move(*decided));
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, details_json(*r));
}

// The optional {reason} of a decision; an empty body gives none.
result<std::optional<std::string>> decision_reason(const request_context& ctx) {
    if (ctx.req.body().empty()) return std::optional<std::string>{};
    auto body = parse_json_object(ctx.req);
    if (!body) return body.err();
    object_reader in(*body);
    auto reason = in.optional_string("reason", request_comment_max_chars, true);
    if (auto st = in.finish(); !st) return st.err();
    return reason;
}

// What an approval changed, for the feeds.
struct decided {
    request_details details;
    bool changed = false;
};

// POST /api/v1/membership-requests/{id}/approve and /decline.
task<response> decide(request_context& ctx, membership_request_state to) {
    auto reason = decision_reason(ctx);
    if (!reason) co_return fail(ctx, reason.err());
    const bool approve = to == membership_request_state::approved;
    const std::string id(ctx.param("id"));
    auto job = [id, to, approve, reason = *reason, caller = *ctx.caller,
                a = audit(ctx, approve ? "membership_request.approve" : "membership_request.decline",
                          "membership request", id),
                change = audit(ctx, "", "", "")](store& s) mutable -> result<decided> {
        auto r = visible_request(s, id, caller);
        if (!r) return r.err();
        if (!may_write_group(caller, r->programme_id, r->working_group_id)) return forbidden_write();
        if (r->state != membership_request_state::pending)
            return error{errc::conflict,
                         "This request was " + std::string(scheduler::to_string(r->state)) + " already.",
                         {{"state", "is " + std::string(scheduler::to_string(r->state))}}};
        const auto now = scheduler::now_utc();
        const auto today = now.substr(0, 10);
        bool changed = false;
        if (approve) {
            // The rules again: the memberships may have changed since the request was made.
            const auto no_longer = [](const error& e) {
                const auto why = e.fields.empty() ? e.detail : e.fields.front().field + " " + e.fields.front().problem;
                return error{errc::conflict, "The request can no longer be approved: " + why, e.fields};
            };
            if (r->kind == scheduler::membership_request_kind::join) {
                auto g = check_join(s, r->person_id, r->programme_id, r->working_group_id, today);
                if (!g) return no_longer(g.err());
                auto m = apply_join(s, r->person_id, r->working_group_id, now);
                if (!m) return m.err();
                change.action = "membership.join";
                change.object_type = "working group";
                change.object_id = r->working_group_id;
                change.detail = json::serialize(
                    json::object{{"person_id", r->person_id}, {"via", "approval"}, {"request_id", r->id}});
            } else {
                auto found = check_leave(s, r->person_id, r->membership_id.value_or(""), today);
                if (!found) return no_longer(found.err());
                auto left = apply_leave(s, found->first, now);
                if (!left) return left.err();
                change.action = "membership.leave";
                change.object_type = "membership";
                change.object_id = left->id;
                change.detail =
                    json::serialize(json::object{{"until", *left->until}, {"via", "approval"}, {"request_id", r->id}});
            }
            if (auto st = s.append_audit(change, now); !st) return st.err();
            changed = true;
        }
        auto done = s.decide_membership_request(id, to, reason, caller.id, now);
        if (!done) return done.err();
        json::object detail{{"person_id", done->person_id},
                            {"working_group_id", done->working_group_id},
                            {"kind", scheduler::to_string(done->kind)}};
        if (reason) detail["reason"] = *reason;
        a.detail = json::serialize(detail);
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return decided{with_details(s, std::move(*done)), changed};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    const auto& req = r->details.request;
    if (r->changed)
        ctx.svc.feeds.changed(req.programme_id,
                              {group_content_key(req.working_group_id), person_content_key(req.person_id)});
    co_return ok_json(ctx, http::status::ok, details_json(r->details));
}

task<response> approve_request(request_context& ctx) { return decide(ctx, membership_request_state::approved); }
task<response> decline_request(request_context& ctx) { return decide(ctx, membership_request_state::declined); }

} // namespace

result<membership_request> request_membership_change(store& s, const membership_request& r, scheduler::audit_entry a,
                                                     const std::string& now) {
    auto made = s.create_membership_request(r, now);
    if (!made) return made.err();
    a.object_id = made->id;
    a.detail = json::serialize(json::object{{"person_id", made->person_id},
                                            {"working_group_id", made->working_group_id},
                                            {"kind", scheduler::to_string(made->kind)}});
    if (auto st = s.append_audit(a, now); !st) return st.err();
    return made;
}

response membership_request_accepted(const request_context& ctx, const membership_request& r) {
    auto res = ok_json(ctx, http::status::accepted, request_json(r));
    res.set(http::field::location, "/api/v1/membership-requests/" + r.id);
    return res;
}

void add_membership_request_routes(router& r) {
    using v = http::verb;
    r.add(v::get, "/api/v1/me/membership-requests", access::any_token, my_requests);
    r.add(v::delete_, "/api/v1/me/membership-requests/{id}", access::any_token, withdraw_request);
    r.add(v::get, "/api/v1/programmes/{slug}/membership-requests", access::any_token, programme_requests);
    r.add(v::get, "/api/v1/membership-requests/{id}", access::any_token, get_request);
    r.add(v::post, "/api/v1/membership-requests/{id}/approve", access::any_token, approve_request);
    r.add(v::post, "/api/v1/membership-requests/{id}/decline", access::any_token, decline_request);
}

} // namespace copsched::server
