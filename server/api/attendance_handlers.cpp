// Attendance routes. Reads run on a reader, changes in one writer job each (all or nothing,
// with their audit entries); nothing here touches the database on an I/O thread.
#include "server/api/attendance_handlers.hpp"

#include "scheduler/attendance.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/time_zone.hpp"
#include "server/api/auth.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/membership_changes.hpp"
#include "server/api/membership_request_handlers.hpp"
#include "server/api/services.hpp"
#include "server/api/views.hpp"
#include "server/options/config.hpp"

#include <boost/json.hpp>
#include <boost/url/params_view.hpp>

#include <algorithm>
#include <memory>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::errc;
using scheduler::error;
using scheduler::event;
using scheduler::invitation;
using scheduler::result;
using scheduler::store;

// Limits (docs/openapi.json).
constexpr std::size_t max_bulk_records = 5000;

result<event> managed_event(store& s, const std::string& id, const scheduler::api_token& caller) {
    auto e = visible_event(s, id, caller);
    if (!e) return e;
    if (!may_write_event(caller, *e))
        return error{errc::forbidden, "Only the event's organisers and admins can do this.", {}};
    return e;
}

// The attendance view of an event: everyone for organisers, only their own record for
// a participant (who never sees other people's answers or the counts).
result<json::object> attendance_view(store& s, const event& e, const scheduler::api_token& caller) {
    auto list = s.event_invitations(e.id);
    if (!list) return list.err();
    const bool organiser = may_write_event(caller, e);
    json::object out{{"event", event_brief(e)}, {"started", e.start_utc <= scheduler::now_utc()}};
    json::array items;
    for (const auto& i : *list)
        if (organiser || (caller.person_id && *caller.person_id == i.person_id)) items.push_back(invitation_view(i));
    if (organiser) {
        const auto counts = scheduler::count_attendance(*list);
        out["counts"] = counts_view(counts);
        json::array warnings;
        json::value capacity = nullptr;
        if (e.venue_id) {
            if (auto v = s.get_venue(*e.venue_id)) {
                capacity = v->capacity;
                if (v->capacity > 0 && counts.accepted > static_cast<std::size_t>(v->capacity))
                    warnings.push_back(
                        json::object{{"type", "over_capacity"},
                                     {"detail", std::to_string(counts.accepted) + " people accepted; the venue '" +
                                                    v->name + "' holds " + std::to_string(v->capacity) + "."}});
            }
        }
        out["capacity"] = capacity;
        out["warnings"] = std::move(warnings);
    }
    out["items"] = std::move(items);
    out["next_cursor"] = nullptr;
    return out;
}

task<response> get_attendance(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller](store& s) -> result<json::object> {
        auto e = visible_event(s, id, caller);
        if (!e) return e.err();
        if (!may_write_event(caller, *e) && !is_participant(caller))
            return error{errc::forbidden,
                         "Only the event's organisers, admins and invited participants can see attendance.",
                         {}};
        return attendance_view(s, *e, caller);
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return paged_json(ctx, std::move(*r), "person_id");
}

// What one record of presence says, read from a body (or an item of a bulk body).
struct presence_input {
    std::optional<std::string> person_id; // bulk items only
    std::optional<scheduler::rsvp_answer> rsvp;
    std::optional<std::string> rsvp_comment;
    std::optional<scheduler::presence_state> presence;
    std::optional<scheduler::attendance_mode> mode;
};

presence_input read_presence(object_reader& in, bool with_person, bool with_rsvp) {
    presence_input p;
    if (with_person) p.person_id = in.required_string("person_id", 64);
    if (with_rsvp) {
        p.rsvp = in.optional_enum<scheduler::rsvp_answer>("rsvp", "accepted, tentative, declined");
        p.rsvp_comment = in.optional_string("rsvp_comment", rsvp_comment_max_chars, true);
        if (p.rsvp_comment && !in.has("rsvp")) in.problem("rsvp_comment", "is only stored together with rsvp");
    }
    p.presence = with_rsvp ? in.optional_enum<scheduler::presence_state>("presence", "present, absent, excused")
                           : in.required_enum<scheduler::presence_state>("presence", "present, absent, excused");
    p.mode = in.optional_enum<scheduler::attendance_mode>("mode", "onsite, online");
    if (with_rsvp && !in.has("rsvp") && !in.has("presence") && !in.has("mode"))
        in.problem("presence", "give rsvp, presence or mode");
    return p;
}

// Checks that presence may be recorded for `e` now.
scheduler::status presence_allowed(const event& e, const std::string& now, const std::string& field) {
    if (e.status == scheduler::event_status::cancelled)
        return error::invalid(field, "cannot be recorded: the event was cancelled");
    if (e.start_utc > now)
        return error::invalid(field, "can be recorded once the event has started (" + e.start_local + ")");
    return scheduler::ok();
}

json::object state_json(const std::optional<invitation>& i) {
    if (!i) return {{"invited", false}};
    return {{"invited", true},
            {"invited_via", std::string(scheduler::to_string(i->source))},
            {"rsvp", optional_enum_json(i->rsvp)},
            {"presence", optional_enum_json(i->presence)},
            {"mode", optional_enum_json(i->mode)}};
}

// Applies one record on the writer; appends the audit entry with the state before and
// after, so that corrections stay visible.
result<invitation> apply_record(store& s, const event& e, const std::string& person_id, const presence_input& p,
                                const std::string& now, scheduler::audit_entry a, const std::string& field_prefix) {
    std::optional<invitation> before;
    if (auto b = s.get_invitation(e.id, person_id))
        before = *b;
    else if (b.err().code != errc::not_found)
        return b.err();
    if (p.presence || p.mode) {
        if (auto st = presence_allowed(e, now, field_prefix + (p.presence ? "presence" : "mode")); !st) return st.err();
        auto presence = p.presence;
        if (!presence && before && before->presence) presence = before->presence;
        if (!presence) return error::invalid(field_prefix + "mode", "record presence first, or together with mode");
        auto mode = p.mode;
        if (!p.mode && before) mode = before->mode;
        if (*presence != scheduler::presence_state::present && !p.mode) mode.reset();
        auto r = s.record_presence(e.id, person_id, *presence, mode, now);
        if (!r) {
            if (r.err().code == errc::invalid_input) return error::invalid(field_prefix + "person_id", r.err().detail);
            return r.err();
        }
    }
    if (p.rsvp) {
        auto r = s.set_rsvp(e.id, person_id, *p.rsvp, p.rsvp_comment, now);
        if (!r) {
            if (r.err().code == errc::not_found)
                return error{errc::not_found, "Person '" + person_id + "' is not invited to this event.", {}};
            return r.err();
        }
    }
    auto after = s.get_invitation(e.id, person_id);
    if (!after) return after.err();
    a.detail = json::serialize(
        json::object{{"person_id", person_id}, {"before", state_json(before)}, {"after", state_json(*after)}});
    if (auto st = s.append_audit(a, now); !st) return st.err();
    return after;
}

task<response> put_attendance(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto input = read_presence(in, false, true);
    auto invalid = in.finish(); // reported after the authorization check
    auto job = [id = std::string(ctx.param("id")), person = std::string(ctx.param("person_id")), caller = *ctx.caller,
                input, invalid, a = audit(ctx, "attendance.record", "event", std::string(ctx.param("id")))](
                   store& s) -> result<std::pair<invitation, std::string>> {
        auto e = managed_event(s, id, caller);
        if (!e) return e.err();
        if (!invalid) return invalid.err();
        auto r = apply_record(s, *e, person, input, scheduler::now_utc(), a, "");
        if (!r) return r.err();
        return std::pair{*r, e->programme_id};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->second, {person_content_key(r->first.person_id)}, // a walk-in becomes a guest
                          feed_cache::change::content);
    co_return ok_json(ctx, http::status::ok, invitation_view(r->first));
}

// POST /api/v1/events/{id}/attendance: presence of many people at once, all or nothing.
task<response> bulk_attendance(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    std::vector<presence_input> records;
    scheduler::status invalid = scheduler::ok();
    {
        const json::object top_level; // "records" is read by hand below
        object_reader in(top_level);
        for (const auto& [k, v] : *body)
            if (k != "records") in.problem(std::string(k), "is not a known field");
        const auto* list = body->if_contains("records");
        if (!list || !list->is_array() || list->as_array().empty()) {
            in.problem("records", "must be a non-empty array of {person_id, presence, mode}");
        } else if (list->as_array().size() > max_bulk_records) {
            in.problem("records", "at most " + std::to_string(max_bulk_records) + " records per request");
        } else {
            std::size_t k = 0;
            for (const auto& item : list->as_array()) {
                const auto name = "records[" + std::to_string(k++) + "]";
                if (!item.is_object()) {
                    in.problem(name, "must be an object");
                    continue;
                }
                object_reader nested(item.as_object(), name + ".");
                records.push_back(read_presence(nested, true, false));
                in.merge(std::move(nested));
            }
        }
        invalid = in.finish(); // reported after the authorization check
    }
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller, records = std::move(records), invalid,
                a = audit(ctx, "attendance.record", "event", std::string(ctx.param("id")))](
                   store& s) -> result<std::pair<json::object, std::string>> {
        auto e = managed_event(s, id, caller);
        if (!e) return e.err();
        if (!invalid) return invalid.err();
        const auto now = scheduler::now_utc();
        for (std::size_t k = 0; k < records.size(); ++k) {
            const auto prefix = "records[" + std::to_string(k) + "].";
            if (!records[k].person_id) return error::invalid(prefix + "person_id", "is required");
            if (auto r = apply_record(s, *e, *records[k].person_id, records[k], now, a, prefix); !r) return r.err();
        }
        auto view = attendance_view(s, *e, caller);
        if (!view) return view.err();
        (*view)["recorded"] = records.size();
        return std::pair{std::move(*view), e->programme_id};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->second, {programme_anything_key(r->second)}, feed_cache::change::content);
    co_return ok_json(ctx, http::status::ok, r->first);
}

// POST /api/v1/events/{id}/attendance/accepted-present: everyone who accepted and has no
// presence recorded yet is marked present, as a starting point to correct.
task<response> accepted_present(request_context& ctx) {
    std::optional<scheduler::attendance_mode> mode;
    scheduler::status invalid = scheduler::ok();
    if (!ctx.req.body().empty()) {
        auto body = parse_json_object(ctx.req);
        if (!body) co_return fail(ctx, body.err());
        object_reader in(*body);
        mode = in.optional_enum<scheduler::attendance_mode>("mode", "onsite, online");
        invalid = in.finish();
    }
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller, mode, invalid,
                a = audit(ctx, "attendance.accepted_present", "event", std::string(ctx.param("id")))](
                   store& s) mutable -> result<json::object> {
        auto e = managed_event(s, id, caller);
        if (!e) return e.err();
        if (!invalid) return invalid.err();
        const auto now = scheduler::now_utc();
        if (auto st = presence_allowed(*e, now, "presence"); !st) return st.err();
        // Default mode: onsite when the event has a venue, online when it only has a link.
        const auto m = mode ? *mode
                            : (!e->venue_id && !e->online_url.empty() ? scheduler::attendance_mode::online
                                                                      : scheduler::attendance_mode::onsite);
        auto list = s.event_invitations(id);
        if (!list) return list.err();
        json::array marked;
        for (const auto& i : *list) {
            if (i.rsvp != scheduler::rsvp_answer::accepted || i.presence) continue;
            if (auto r = s.record_presence(id, i.person_id, scheduler::presence_state::present, m, now); !r)
                return r.err();
            marked.emplace_back(i.person_id);
        }
        a.detail = json::serialize(json::object{{"mode", std::string(scheduler::to_string(m))}, {"marked", marked}});
        if (auto st = s.append_audit(a, now); !st) return st.err();
        auto view = attendance_view(s, *e, caller);
        if (!view) return view.err();
        (*view)["marked"] = marked.size();
        return view;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, *r);
}

task<response> add_guest(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto person = in.required_string("person_id", 64);
    auto invalid = in.finish();
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller, person = person.value_or(""), invalid,
                a = audit(ctx, "attendance.guest_add", "event", std::string(ctx.param("id")),
                          json::object{{"person_id", person.value_or("")}})](
                   store& s) -> result<std::pair<invitation, std::string>> {
        auto e = managed_event(s, id, caller);
        if (!e) return e.err();
        if (!invalid) return invalid.err();
        const auto now = scheduler::now_utc();
        if (e->start_utc <= now)
            return error::invalid("person_id", "the event has started: record the presence of who came instead");
        auto g = s.add_guest(id, person, now);
        if (!g) return g.err();
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return std::pair{*g, e->programme_id};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->second, {person_content_key(r->first.person_id)}, feed_cache::change::content);
    auto res = ok_json(ctx, http::status::created, invitation_view(r->first));
    res.set(http::field::location, "/api/v1/events/" + std::string(ctx.param("id")) + "/guests/" + r->first.person_id);
    co_return res;
}

task<response> remove_guest(request_context& ctx) {
    auto job =
        [id = std::string(ctx.param("id")), person = std::string(ctx.param("person_id")), caller = *ctx.caller,
         a = audit(ctx, "attendance.guest_remove", "event", std::string(ctx.param("id")),
                   json::object{{"person_id", std::string(ctx.param("person_id"))}})](store& s) -> result<std::string> {
        auto e = managed_event(s, id, caller);
        if (!e) return e.err();
        const auto now = scheduler::now_utc();
        if (e->start_utc <= now)
            return error{errc::conflict, "The event has started: its invitations are kept as they were.", {}};
        if (auto st = s.remove_guest(id, person); !st) return st.err();
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return e->programme_id;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(*r, {person_content_key(std::string(ctx.param("person_id")))}, feed_cache::change::content);
    co_return no_content(ctx);
}

// --- the participant's own RSVP ------------------------------------------------------------

scheduler::status rsvp_allowed(const event& e, const std::string& now) {
    if (e.status == scheduler::event_status::cancelled) return error::invalid("rsvp", "the event was cancelled");
    if (e.end_utc <= now) return error::invalid("rsvp", "the event has ended");
    return scheduler::ok();
}

json::object own_rsvp_json(const request_context& ctx, const invitation& i) {
    auto o = invitation_view(i);
    o["rsvp_url"] = rsvp_url(ctx.svc.cfg, ctx.svc.feed_secret, i.event_id, i.person_id);
    return o;
}

task<response> put_my_rsvp(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto answer = in.required_enum<scheduler::rsvp_answer>("rsvp", "accepted, tentative, declined");
    auto comment = in.optional_string("comment", rsvp_comment_max_chars, true);
    auto invalid = in.finish();
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller, answer, comment, invalid,
                a = audit(ctx, "attendance.rsvp", "event", std::string(ctx.param("id")))](
                   store& s) mutable -> result<invitation> {
        auto e = visible_event(s, id, caller);
        if (!e) return e.err();
        if (auto st = need_person(caller); !st) return st.err();
        if (!invalid) return invalid.err();
        if (!answer) return error::invalid("rsvp", "is required: one of accepted, tentative, declined");
        const auto now = scheduler::now_utc();
        if (auto st = rsvp_allowed(*e, now); !st) return st.err();
        auto r = s.set_rsvp(id, *caller.person_id, *answer, comment, now);
        if (!r) {
            if (r.err().code == errc::not_found) return not_found("You are not invited to event '" + id + "'.");
            return r.err();
        }
        a.detail = json::serialize(json::object{
            {"person_id", *caller.person_id}, {"rsvp", std::string(scheduler::to_string(*answer))}, {"via", "api"}});
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, own_rsvp_json(ctx, *r));
}

task<response> get_my_rsvp(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller](store& s) -> result<invitation> {
        auto e = visible_event(s, id, caller);
        if (!e) return e.err();
        if (auto st = need_person(caller); !st) return st.err();
        auto r = s.get_invitation(id, *caller.person_id);
        if (!r && r.err().code == errc::not_found) return not_found("You are not invited to event '" + id + "'.");
        return r;
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, own_rsvp_json(ctx, *r));
}

// GET /api/v1/me/attendance?year=: the participant's own invitations and records.
task<response> my_attendance(request_context& ctx) {
    if (auto st = need_person(*ctx.caller); !st) co_return fail(ctx, st.err());
    int year = 0;
    if (auto y = ctx.query("year")) {
        if (y->size() != 4 || !std::all_of(y->begin(), y->end(), [](char c) { return c >= '0' && c <= '9'; }))
            co_return fail(ctx, error::invalid("year", "must be a year such as 2026"));
        year = std::stoi(*y);
    } else {
        year = std::stoi(scheduler::now_utc().substr(0, 4));
    }
    auto job = [caller = *ctx.caller, year](store& s) -> result<json::object> {
        auto person = s.get_person(*caller.person_id);
        if (!person) return person.err();
        auto p = s.get_programme_by_id(person->programme_id);
        if (!p) return p.err();
        auto zone = programme_zone(*p);
        if (!zone) return zone.err();
        const auto [from, to] = year_window(**zone, year);
        auto list = s.person_invitations(person->id, from, to);
        if (!list) return list.err();
        json::array items;
        for (const auto& i : *list) {
            auto o = invitation_view(i);
            if (auto e = s.get_event(i.event_id)) o["event"] = event_brief(*e);
            items.push_back(std::move(o));
        }
        return json::object{
            {"person_id", person->id}, {"year", year}, {"items", std::move(items)}, {"next_cursor", nullptr}};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return paged_json(ctx, std::move(*r), "event_id");
}

// --- memberships: end dates --------------------------------------------------------------

// The membership with this id and its group's programme id, when `caller` may read that
// programme; else not_found.
result<std::pair<scheduler::membership, std::string>> visible_membership(store& s, const std::string& id,
                                                                         const scheduler::api_token& caller) {
    auto m = s.get_membership(id);
    if (!m) return not_found("No membership with id '" + id + "'.");
    auto g = s.get_working_group(m->working_group_id);
    if (!g || !may_read(caller, g->programme_id)) return not_found("No membership with id '" + id + "'.");
    return std::pair{std::move(*m), g->programme_id};
}

task<response> get_membership(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller](store& s) -> result<scheduler::membership> {
        auto m = visible_membership(s, id, caller);
        if (!m) return m.err();
        return m->first;
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return ok_json(ctx, http::status::ok, to_json(*r));
}

// PATCH /api/v1/memberships/{id} {until, role}: someone leaves a group (or stays longer).
// Sessions after `until` no longer invite them; sessions that have started keep their
// records.
task<response> patch_membership(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    const auto until = in.nullable_date("until"); // null: open-ended again
    auto role = in.optional_enum<scheduler::membership_role>("role", "member, chair, facilitator");
    if (!in.has("until") && !in.has("role")) in.problem("until", "give until (a date or null) or role");
    auto invalid = in.finish();
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller, until, role, body = *body, invalid,
                a = audit(ctx, "membership.update", "membership", std::string(ctx.param("id")))](
                   store& s) mutable -> result<std::pair<scheduler::membership, std::string>> {
        auto found = visible_membership(s, id, caller);
        if (!found) return found.err();
        auto& [m, programme_id] = *found;
        if (!may_write_group(caller, programme_id, m.working_group_id)) return forbidden_write();
        if (!invalid) return invalid.err();
        if (until) m.until = *until;
        if (role) m.role = *role;
        const auto now = scheduler::now_utc();
        auto r = s.update_membership(m, now);
        if (!r) return r.err();
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return std::pair{*r, programme_id};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    ctx.svc.feeds.changed(r->second,
                          {person_content_key(r->first.person_id), group_content_key(r->first.working_group_id)});
    co_return ok_json(ctx, http::status::ok, to_json(r->first));
}

// --- a participant's own working groups -----------------------------------------------------

// A participant's own join or leave: the membership changed, or the request made instead.
struct membership_change {
    std::optional<scheduler::membership> membership;
    scheduler::working_group group;
    std::optional<scheduler::membership_request> request;
};

json::object own_membership_json(const scheduler::membership& m, const scheduler::working_group& g,
                                 const std::string& today) {
    auto o = to_json(m);
    o["working_group"] = json::object{{"id", g.id}, {"slug", g.slug}, {"name", g.name}};
    o["current"] = current_on(m, today) || m.from > today;
    return o;
}

// GET /api/v1/me/memberships: the caller's working groups, current and past.
task<response> my_memberships(request_context& ctx) {
    if (auto st = need_person(*ctx.caller); !st) co_return fail(ctx, st.err());
    auto job = [person = *ctx.caller->person_id](store& s) { return own_memberships(s, person); };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    const auto today = scheduler::now_utc().substr(0, 10);
    json::array items;
    for (const auto& [m, g] : *r) items.push_back(own_membership_json(m, g, today));
    co_return paged_json(ctx, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}}, "id");
}

// POST /api/v1/me/memberships {working_group_id, comment}: the caller joins a working group
// of their programme from today; with the programme's memberships.approval `organiser`,
// the same checks run and a request waits for an organiser instead (202).
task<response> join_group(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    object_reader in(*body);
    auto group = in.required_string("working_group_id", 100);
    auto comment = in.optional_string("comment", request_comment_max_chars, true);
    auto invalid = in.finish();
    if (auto st = need_person(*ctx.caller); !st) co_return fail(ctx, st.err());
    if (!invalid) co_return fail(ctx, invalid.err());
    if (!group) co_return fail(ctx, error::invalid("working_group_id", "is required"));
    auto job = [gid = *group, caller = *ctx.caller, comment,
                a = audit(ctx, "membership.join", "working group", *group, json::object{{"via", "self"}}),
                requested = audit(ctx, "membership_request.create", "membership request", "")](
                   store& s) mutable -> result<membership_change> {
        const auto now = scheduler::now_utc();
        auto g = check_join(s, *caller.person_id, *caller.programme_id, gid, now.substr(0, 10));
        if (!g) return g.err();
        auto p = s.get_programme_by_id(g->programme_id);
        if (!p) return p.err();
        if (p->approval == scheduler::membership_approval::organiser) {
            scheduler::membership_request r;
            r.programme_id = g->programme_id;
            r.person_id = *caller.person_id;
            r.working_group_id = gid;
            r.kind = scheduler::membership_request_kind::join;
            r.comment = comment;
            auto made = request_membership_change(s, r, std::move(requested), now);
            if (!made) return made.err();
            return membership_change{{}, std::move(*g), std::move(*made)};
        }
        auto m = apply_join(s, *caller.person_id, gid, now);
        if (!m) return m.err();
        a.detail = json::serialize(json::object{{"person_id", *caller.person_id}, {"via", "self"}});
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return membership_change{std::move(*m), std::move(*g), {}};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    if (r->request) co_return membership_request_accepted(ctx, *r->request);
    const auto& m = *r->membership;
    const auto& g = r->group;
    ctx.svc.feeds.changed(g.programme_id, {group_content_key(g.id), person_content_key(m.person_id)});
    auto res = ok_json(ctx, http::status::created, own_membership_json(m, g, scheduler::now_utc().substr(0, 10)));
    res.set(http::field::location, "/api/v1/memberships/" + m.id);
    co_return res;
}

// DELETE /api/v1/me/memberships/{id}: the caller leaves a working group (the membership
// ends yesterday, or today when it began today; its history stays). Everyone stays in at
// least one working group: leaving the last one is refused. With approval `organiser`, a
// request waits for an organiser instead (202).
task<response> leave_group(request_context& ctx) {
    // Only a person has memberships: for any other caller there is none with this id.
    if (!is_participant(*ctx.caller))
        co_return fail(ctx, not_found("You have no membership with id '" + std::string(ctx.param("id")) + "'."));
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller,
                a = audit(ctx, "membership.leave", "membership", std::string(ctx.param("id"))),
                requested = audit(ctx, "membership_request.create", "membership request", "")](
                   store& s) mutable -> result<membership_change> {
        const auto now = scheduler::now_utc();
        auto found = check_leave(s, *caller.person_id, id, now.substr(0, 10));
        if (!found) return found.err();
        auto& [m, g] = *found;
        auto p = s.get_programme_by_id(g.programme_id);
        if (!p) return p.err();
        if (p->approval == scheduler::membership_approval::organiser) {
            scheduler::membership_request r;
            r.programme_id = g.programme_id;
            r.person_id = *caller.person_id;
            r.working_group_id = g.id;
            r.kind = scheduler::membership_request_kind::leave;
            r.membership_id = m.id;
            auto made = request_membership_change(s, r, std::move(requested), now);
            if (!made) return made.err();
            return membership_change{{}, std::move(g), std::move(*made)};
        }
        auto left = apply_leave(s, m, now);
        if (!left) return left.err();
        a.detail = json::serialize(json::object{{"until", *left->until}, {"via", "self"}});
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return membership_change{std::move(*left), std::move(g), {}};
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    if (r->request) co_return membership_request_accepted(ctx, *r->request);
    const auto& m = *r->membership;
    const auto& g = r->group;
    ctx.svc.feeds.changed(g.programme_id, {group_content_key(g.id), person_content_key(m.person_id)});
    co_return ok_json(ctx, http::status::ok, own_membership_json(m, g, scheduler::now_utc().substr(0, 10)));
}

} // namespace

std::pair<std::string, std::string> year_window(const scheduler::time_zone& zone, int year) {
    return {scheduler::format_instant(zone.to_utc({{year, 1, 1}, 0, 0, 0}).first),
            scheduler::format_instant(zone.to_utc({{year + 1, 1, 1}, 0, 0, 0}).first)};
}

std::string rsvp_url(const config& cfg, const feed_key& key, const std::string& event_id,
                     const std::string& person_id) {
    return base_url(cfg) + "/rsvp/" + key.rsvp_token(event_id, person_id);
}

std::string personal_page_url(const config& cfg, const feed_key& key, const scheduler::person& p) {
    return base_url(cfg) + "/my/" + key.page_token(p.id, p.feed_generation);
}

std::string rsvp_line(scheduler::language lang, const std::string& url) {
    return (lang == scheduler::language::en ? "Will you come? Answer here: " : "Komt u? Geef het hier door: ") + url;
}

void add_attendance_routes(router& r) {
    using v = http::verb;
    r.add(v::get, "/api/v1/events/{id}/attendance", access::any_token, get_attendance);
    r.add(v::post, "/api/v1/events/{id}/attendance", access::any_token, bulk_attendance);
    r.add(v::put, "/api/v1/events/{id}/attendance/{person_id}", access::any_token, put_attendance);
    r.add(v::post, "/api/v1/events/{id}/attendance/accepted-present", access::any_token, accepted_present);
    r.add(v::post, "/api/v1/events/{id}/guests", access::any_token, add_guest);
    r.add(v::delete_, "/api/v1/events/{id}/guests/{person_id}", access::any_token, remove_guest);
    r.add(v::get, "/api/v1/me/events/{id}/rsvp", access::any_token, get_my_rsvp);
    r.add(v::put, "/api/v1/me/events/{id}/rsvp", access::any_token, put_my_rsvp);
    r.add(v::get, "/api/v1/me/attendance", access::any_token, my_attendance);
    r.add(v::get, "/api/v1/me/memberships", access::any_token, my_memberships);
    r.add(v::post, "/api/v1/me/memberships", access::any_token, join_group);
    r.add(v::delete_, "/api/v1/me/memberships/{id}", access::any_token, leave_group);
    r.add(v::get, "/api/v1/memberships/{id}", access::any_token, get_membership);
    r.add(v::patch, "/api/v1/memberships/{id}", access::any_token, patch_membership);
}

} // namespace copsched::server
