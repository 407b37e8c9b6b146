// Events over HTTP. A booking, a reschedule and a restore all run their conflict check
// and their write in one job on the single database writer, so two concurrent bookings
// of one venue and time cannot both succeed.
#include "server/api/event_handlers.hpp"

#include "calendar/recurrence.hpp"
#include "scheduler/booking.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/conflicts.hpp"
#include "scheduler/time_zone.hpp"
#include "server/api/db_call.hpp"
#include "server/api/errors.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/api/handler_support.hpp"
#include "server/api/json_input.hpp"
#include "server/api/views.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace copsched::server {
namespace {

namespace json = boost::json;
using scheduler::conflict;
using scheduler::conflict_type;
using scheduler::errc;
using scheduler::error;
using scheduler::event;
using scheduler::event_kind;
using scheduler::event_status;
using scheduler::result;
using scheduler::store;

constexpr std::size_t url_max_chars = 2000;
constexpr std::size_t reason_max_chars = 1000;

// One occurrence a series booking or change could not place, for the 409's `occurrences`
// (occurrences not stored yet have no id).
json::object occurrence_conflicts(const std::string& id, const std::string& start,
                                  const std::vector<conflict>& blocking) {
    json::object o;
    if (!id.empty()) o["id"] = id;
    o["start"] = start;
    o["conflicts"] = conflicts_view(blocking);
    return o;
}

// The answer to a series job that failed: 409 with the conflicts per occurrence when
// there are any, else the error itself.
response series_failure(const request_context& ctx, const error& e, const json::array& per_occurrence) {
    if (e.code == errc::conflict && !per_occurrence.empty())
        return problem(http::status::conflict, public_error(e).detail, ctx.version(), ctx.keep_alive(),
                       json::object{{"occurrences", per_occurrence}});
    return fail(ctx, e);
}

// A booking attempt as the event routes answer it: with the zone its times are shown in
// and, for series changes, the later occurrences changed with it.
struct booking : scheduler::booking_outcome {
    std::string timezone;
    std::vector<std::string> also_cancelled; // later occurrences cancelled with this one
    std::vector<std::string> also_updated;   // later occurrences changed with this one
};

// The fields an organiser sends for an event, read into `e`. On create every required
// field must be present; on update only those given change. Times are left as text in
// *start/*end for the caller to place in the programme's zone.
struct event_input {
    std::optional<std::string> start, end;
    std::optional<std::vector<conflict_type>> accept;
};

// What only a new event sets (kind, group, all_day); a change that names them is refused.
void read_event_identity(object_reader& in, event& e, bool create) {
    if (!create) {
        const char* fixed = "cannot change; cancel this event and book a new one";
        in.refuse("all_day", fixed);
        in.refuse("kind", fixed);
        in.refuse("working_group_id", fixed);
        return;
    }
    auto k = in.required_enum<event_kind>("kind", "cop_meeting, working_group_session, other");
    if (k) e.kind = *k;
    if (auto g = in.optional_string("working_group_id", 100)) e.working_group_id = *g;
    if (k && e.kind == event_kind::working_group_session && !e.working_group_id && !in.has("working_group_id"))
        in.problem("working_group_id", "is required for a working group session");
    if (k && e.kind != event_kind::working_group_session && e.working_group_id)
        in.problem("working_group_id", "only working group sessions belong to a group");
    if (auto a = in.optional_bool("all_day")) e.all_day = *a;
}

// Whole days: "start" is the first day, "end" the last (inclusive), both dates; stored as
// local midnight to the midnight after the last day.
void read_all_day_dates(object_reader& in, event_input& out) {
    if (out.start) {
        if (auto d = scheduler::parse_date(*out.start))
            out.start = scheduler::format_date(*d) + "T00:00";
        else
            in.problem("start", "must be a date YYYY-MM-DD for an all-day event");
    }
    if (out.end) {
        if (auto d = scheduler::parse_date(*out.end))
            out.end = scheduler::format_date(scheduler::add_days(*d, 1)) + "T00:00";
        else
            in.problem("end", "must be a date YYYY-MM-DD (the last day) for an all-day event");
    }
}

// The soft conflicts the organiser accepts; a hard one or an unknown name is refused.
std::optional<std::vector<conflict_type>> read_accepted_conflicts(object_reader& in) {
    auto a = in.optional_string_array("accept_conflicts", 10, 40);
    if (!a) return std::nullopt;
    std::vector<conflict_type> types;
    for (const auto& name : *a) {
        auto c = scheduler::parse<conflict_type>(name);
        if (!c)
            in.problem("accept_conflicts", "'" + name + "' is not a conflict type");
        else if (scheduler::severity_of(*c) == scheduler::conflict_severity::hard)
            in.problem("accept_conflicts", "'" + name + "' is a hard conflict and cannot be accepted");
        else
            types.push_back(*c);
    }
    return types;
}

event_input read_event(object_reader& in, event& e, bool create) {
    event_input out;
    read_event_identity(in, e, create);
    if (auto t = in.nonempty_string("title", name_max_chars, create)) e.title = *t;
    if (auto d = in.optional_string("description", text_max_chars, true)) e.description = *d;
    out.start = create ? in.required_string("start", 40) : in.optional_string("start", 40);
    out.end = create ? in.required_string("end", 40) : in.optional_string("end", 40);
    if (e.all_day) read_all_day_dates(in, out);
    // null (or "") for no venue; on update, null removes the venue.
    if (auto v = in.nullable_string("venue_id", 100)) e.venue_id = *v && !(*v)->empty() ? *v : std::nullopt;
    if (auto u = in.optional_string("online_url", url_max_chars)) {
        if (!u->empty() && !u->starts_with("https://") && !u->starts_with("http://"))
            in.problem("online_url", "must be an http:// or https:// URL");
        e.online_url = *u;
    }
    if (auto s = in.optional_enum<event_status>("status", "tentative, confirmed")) {
        if (*s == event_status::cancelled)
            in.problem("status", "use POST /api/v1/events/{id}/cancel to cancel");
        else
            e.status = *s;
    }
    out.accept = read_accepted_conflicts(in);
    return out;
}

// scheduler::book, answered with the programme's zone.
result<booking> book(store& s, const scheduler::programme& p, event e, const std::optional<std::string>& start_text,
                     const std::optional<std::string>& end_text, const std::vector<conflict_type>& accept,
                     scheduler::expected_version expected, bool significant) {
    auto r = scheduler::book(s, p, std::move(e), start_text, end_text, accept, expected, significant);
    if (!r) return r.err();
    return booking{std::move(*r), p.timezone, {}, {}};
}

response booking_response(const request_context& ctx, const booking& b, http::status ok_status) {
    if (!b.blocking.empty()) {
        const bool hard = std::any_of(b.blocking.begin(), b.blocking.end(), [](const conflict& c) {
            return scheduler::severity_of(c.type) == scheduler::conflict_severity::hard;
        });
        return problem(http::status::conflict,
                       hard ? "The booking conflicts with the calendar; see conflicts."
                            : "The booking has soft conflicts; accept them with accept_conflicts to book anyway.",
                       ctx.version(), ctx.keep_alive(), json::object{{"conflicts", conflicts_view(b.blocking)}});
    }
    auto body = event_view(*b.stored, b.timezone);
    body["conflicts"] = conflicts_view(b.accepted);
    for (const auto& [name, list] :
         {std::pair{"also_cancelled", &b.also_cancelled}, std::pair{"also_updated", &b.also_updated}}) {
        if (list->empty()) continue;
        json::array ids;
        for (const auto& id : *list) ids.emplace_back(id);
        body[name] = std::move(ids);
    }
    auto res = resource_response(ctx, ok_status, body, b.stored->id, b.stored->version);
    if (ok_status == http::status::created) res.set(http::field::location, "/api/v1/events/" + b.stored->id);
    return res;
}

// The soft conflicts an event was booked through, as types.
std::vector<conflict_type> accepted_types(const event& e) {
    std::vector<conflict_type> out;
    for (const auto& name : e.accepted_conflicts)
        if (auto c = scheduler::parse<conflict_type>(name)) out.push_back(*c);
    return out;
}

// Tells the feed cache what a change to `e` invalidates: its group's feeds, or for CoP
// meetings and other events, every feed of the programme.
void feeds_changed(request_context& ctx, const event& e) {
    if (e.kind == event_kind::working_group_session && e.working_group_id)
        ctx.svc.feeds.changed(e.programme_id, {group_content_key(*e.working_group_id)}, feed_cache::change::content);
    else
        ctx.svc.feeds.changed(e.programme_id, {programme_content_key(e.programme_id)}, feed_cache::change::content);
}

task<response> create_event(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto job = [body = std::move(*body), slug = std::string(ctx.param("slug")), caller = *ctx.caller,
                a = audit(ctx, "event.create", "event", "")](store& s) mutable -> result<booking> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        event e;
        e.programme_id = p->id;
        object_reader in(body);
        auto input = read_event(in, e, true);
        if (!may_write_event(caller, e)) return forbidden_write();
        if (auto st = in.finish(); !st) return st.err();
        auto r = book(s, *p, e, input.start, input.end, input.accept.value_or(std::vector<conflict_type>{}),
                      std::nullopt, false);
        if (!r || !r->stored) return r;
        a.object_id = r->stored->id;
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    if (r->stored) feeds_changed(ctx, *r->stored);
    co_return booking_response(ctx, *r, http::status::created);
}

// Loads an event and its programme for a change by `caller`.
result<std::pair<event, scheduler::programme>> load_for_change(store& s, const std::string& id,
                                                               const scheduler::api_token& caller) {
    auto e = visible_event(s, id, caller);
    if (!e) return e.err();
    if (!may_write_event(caller, *e)) return forbidden_write();
    auto p = s.get_programme_by_id(e->programme_id);
    if (!p) return p.err();
    return std::pair{*e, *p};
}

// "scope" of a change to a series occurrence: "this" (default) or "this_and_following".
std::optional<bool> read_scope(object_reader& in) {
    auto scope = in.optional_string("scope", 40);
    if (!scope || *scope == "this") return false;
    if (*scope == "this_and_following") return true;
    in.problem("scope", "must be this or this_and_following");
    return std::nullopt;
}

// Shifts a stored local time by the wall-clock difference `by` (10:00 moved to 14:00
// moves every later occurrence to 14:00, across a DST change too).
std::string shifted(const std::string& local, std::chrono::seconds by) {
    const auto t = scheduler::parse_local_time(local);
    if (!t) return local;
    return scheduler::format_local_time(scheduler::civil_from_seconds(scheduler::seconds_from_civil(*t) + by));
}

// Whether a change is one attendees must hear about (a new SEQUENCE in their calendars):
// times, venue, online link or status.
bool significant_change(const event_input& input, const event& before, const event& after) {
    return input.start || input.end || after.venue_id != before.venue_id || after.online_url != before.online_url ||
           after.status != before.status;
}

// The edit in `body` applied to every later occurrence of `current`'s series that is not
// cancelled, each time moved by the wall-clock difference this occurrence moved by. The
// ones that conflict go to `per_occurrence`, the others to r.also_updated.
scheduler::status change_following(store& s, const scheduler::programme& p, const event& current,
                                   const json::object& body, const event_input& input, booking& r,
                                   json::array& per_occurrence) {
    auto zone = programme_zone(p);
    if (!zone) return zone.err();
    const auto moved = [&](const std::string& before, const std::optional<std::string>& text) {
        const auto from = scheduler::parse_local_time(before);
        const auto to = text ? scheduler::place_in_zone(*text, **zone) : std::nullopt;
        return from && to ? scheduler::seconds_from_civil(to->local) - scheduler::seconds_from_civil(*from)
                          : std::chrono::seconds(0);
    };
    const auto start_by = moved(current.start_local, input.start);
    const auto end_by = moved(current.end_local, input.end);
    auto series = s.series_events(*current.series_id);
    if (!series) return series.err();
    for (const auto& later : *series) {
        if (later.id == current.id || later.start_utc <= current.start_utc || later.status == event_status::cancelled)
            continue;
        auto next = later;
        object_reader again(body);
        (void)read_event(again, next, false);
        (void)read_scope(again);
        std::optional<std::string> start, end;
        if (input.start) start = shifted(later.start_local, start_by);
        if (input.end) end = shifted(later.end_local, end_by);
        auto b = book(s, p, next, start, end, input.accept ? *input.accept : accepted_types(later), std::nullopt,
                      significant_change(input, later, next));
        if (!b) return b.err();
        if (!b->blocking.empty()) {
            per_occurrence.push_back(occurrence_conflicts(later.id, later.start_local, b->blocking));
            continue;
        }
        r.also_updated.push_back(later.id);
    }
    return scheduler::ok();
}

// PATCH /api/v1/events/{id}: reschedule or edit. With "scope": "this_and_following" on a
// series occurrence, the same edit applies to every later occurrence that is not
// cancelled, and a time change moves each of them by the same wall-clock difference.
// All or nothing: when any occurrence conflicts, nothing changes and the answer lists
// the conflicts per occurrence.
task<response> patch_event(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto per_occurrence = std::make_shared<json::array>(); // written on the writer, read after it answers
    auto job =
        [body = std::move(*body), id = std::string(ctx.param("id")), caller = *ctx.caller, per_occurrence,
         tag = std::string(ctx.req[http::field::if_match]),
         a = audit(ctx, "event.update", "event", std::string(ctx.param("id")))](store& s) mutable -> result<booking> {
        auto loaded = load_for_change(s, id, caller);
        if (!loaded) return loaded.err();
        auto& [current, p] = *loaded;
        if (current.status == event_status::cancelled)
            return error{errc::conflict, "The event is cancelled; restore it before changing it.", {}};
        const auto expected = parse_if_match(tag, id);
        // Checked before the conflict check, so a stale client gets 412, not a 409 about old data.
        if (expected && *expected != current.version) return scheduler::stale_version(current.version);
        auto e = current;
        object_reader in(body);
        auto input = read_event(in, e, false);
        const auto following = read_scope(in);
        if (auto st = in.finish(); !st) return st.err();
        if (!following) return error::invalid("scope", "must be this or this_and_following");
        const auto accept = input.accept ? *input.accept : accepted_types(current);
        auto r = book(s, p, e, input.start, input.end, accept, expected, significant_change(input, current, e));
        if (!r) return r;
        const bool with_following = *following && current.series_id;
        if (!r->blocking.empty() && !with_following) return r;
        if (with_following) {
            if (!r->blocking.empty())
                per_occurrence->push_back(occurrence_conflicts(current.id, current.start_local, r->blocking));
            if (auto st = change_following(s, p, current, body, input, *r, *per_occurrence); !st) return st.err();
            if (!per_occurrence->empty())
                return error{errc::conflict, "Some occurrences conflict with the calendar; nothing was changed.", {}};
        }
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return series_failure(ctx, r.err(), *per_occurrence);
    if (r->stored) feeds_changed(ctx, *r->stored);
    co_return booking_response(ctx, *r, http::status::ok);
}

// Cancels `e` and, with `following`, the later occurrences of its series that are not
// cancelled yet (each with a new SEQUENCE, so calendars show the cancellation).
result<booking> cancel_event(store& s, const scheduler::programme& p, event e, const std::optional<std::string>& reason,
                             bool following, scheduler::expected_version expected, const std::string& now) {
    booking out;
    out.timezone = p.timezone;
    e.status = event_status::cancelled;
    e.cancelled_at = now;
    e.cancel_reason = reason;
    ++e.sequence;
    auto r = s.update_event(e, expected, now);
    if (!r) return r.err();
    out.stored = *r;
    if (!following || !e.series_id) return out;
    auto rest = s.series_events(*e.series_id);
    if (!rest) return rest.err();
    for (auto later : *rest) {
        if (later.start_utc <= e.start_utc || later.status == event_status::cancelled) continue;
        later.status = event_status::cancelled;
        later.cancelled_at = now;
        later.cancel_reason = reason;
        ++later.sequence;
        if (auto u = s.update_event(later, std::nullopt, now); !u) return u.err();
        out.also_cancelled.push_back(later.id);
    }
    return out;
}

// Restoring books the event again: the calendar may have filled up meanwhile.
result<booking> restore_event(store& s, const scheduler::programme& p, event e, scheduler::expected_version expected) {
    e.status = event_status::confirmed;
    e.cancelled_at.reset();
    e.cancel_reason.reset();
    return book(s, p, e, std::nullopt, std::nullopt, accepted_types(e), expected, true);
}

// POST /api/v1/events/{id}/cancel and /restore.
// Cancelling takes "scope": "this" (default) or "this_and_following" (the later
// occurrences of the same series too).
template <bool Cancel>
task<response> set_cancelled(request_context& ctx) {
    std::optional<std::string> reason;
    bool following = false;
    if (!ctx.req.body().empty()) {
        auto body = parse_json_object(ctx.req);
        if (!body) co_return fail(ctx, body.err());
        object_reader in(*body);
        reason = in.optional_string("reason", reason_max_chars, true);
        if (Cancel) {
            if (auto scope = in.optional_string("scope", 40)) {
                if (*scope != "this" && *scope != "this_and_following")
                    in.problem("scope", "must be this or this_and_following");
                following = *scope == "this_and_following";
            }
        }
        if (auto st = in.finish(); !st) co_return fail(ctx, st.err());
    }
    auto job = [reason, following, id = std::string(ctx.param("id")), caller = *ctx.caller,
                tag = std::string(ctx.req[http::field::if_match]),
                a = audit(ctx, Cancel ? "event.cancel" : "event.restore", "event", std::string(ctx.param("id")),
                          json::object{{"reason", reason ? json::value(*reason) : json::value(nullptr)}})](
                   store& s) -> result<booking> {
        auto loaded = load_for_change(s, id, caller);
        if (!loaded) return loaded.err();
        auto& [e, p] = *loaded;
        const auto expected = parse_if_match(tag, id);
        if (Cancel == (e.status == event_status::cancelled))
            return error{
                errc::conflict, Cancel ? "The event is already cancelled." : "The event is not cancelled.", {}};
        const auto now = scheduler::now_utc();
        auto r = Cancel ? cancel_event(s, p, e, reason, following, expected, now) : restore_event(s, p, e, expected);
        if (!r || !r->stored) return r;
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return r;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    if (r->stored) feeds_changed(ctx, *r->stored);
    co_return booking_response(ctx, *r, http::status::ok);
}

task<response> get_event(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")),
                caller = *ctx.caller](store& s) -> result<std::pair<event, std::string>> {
        auto e = visible_event(s, id, caller);
        if (!e) return e.err();
        auto p = s.get_programme_by_id(e->programme_id);
        if (!p) return p.err();
        return std::pair{*e, p->timezone};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    co_return resource_response(ctx, http::status::ok, event_view(r->first, r->second), r->first.id, r->first.version);
}

task<response> delete_event(request_context& ctx) {
    auto job = [id = std::string(ctx.param("id")), caller = *ctx.caller,
                tag = std::string(ctx.req[http::field::if_match]),
                a = audit(ctx, "event.delete", "event", std::string(ctx.param("id")))](store& s) -> result<event> {
        auto loaded = load_for_change(s, id, caller);
        if (!loaded) return loaded.err();
        if (auto st = s.delete_event(id, parse_if_match(tag, id)); !st) return st.err();
        if (auto st = s.append_audit(a, scheduler::now_utc()); !st) return st.err();
        return loaded->first;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    feeds_changed(ctx, *r);
    co_return no_content(ctx);
}

// ?from= and ?to=: a date (local midnight in the programme's zone) or an instant.
std::optional<std::string> bound(const std::optional<std::string>& text, const scheduler::time_zone& zone) {
    if (!text) return std::nullopt;
    if (auto d = scheduler::parse_date(*text)) return scheduler::format_instant(zone.to_utc({*d, 0, 0, 0}).first);
    if (auto t = scheduler::place_in_zone(*text, zone)) return scheduler::format_instant(t->utc);
    return std::string("invalid");
}

task<response> list_events(request_context& ctx) {
    auto pr = page_params(ctx);
    if (!pr) co_return fail(ctx, pr.err());
    scheduler::event_filter f;
    if (auto k = ctx.query("kind")) {
        f.kind = scheduler::parse<event_kind>(*k);
        if (!f.kind) co_return fail(ctx, error::invalid("kind", "must be cop_meeting, working_group_session or other"));
    }
    if (auto st = ctx.query("status")) {
        f.status = scheduler::parse<event_status>(*st);
        if (!f.status) co_return fail(ctx, error::invalid("status", "must be tentative, confirmed or cancelled"));
    }
    f.working_group_id = ctx.query("working_group");
    auto job = [slug = std::string(ctx.param("slug")), caller = *ctx.caller, f, pr = *pr, from = ctx.query("from"),
                to = ctx.query("to")](store& s) mutable -> result<std::pair<scheduler::page<event>, std::string>> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        auto zone = programme_zone(*p);
        if (!zone) return zone.err();
        f.from_utc = bound(from, **zone);
        f.to_utc = bound(to, **zone);
        if (f.from_utc == "invalid") return error::invalid("from", "must be a date YYYY-MM-DD or a time");
        if (f.to_utc == "invalid") return error::invalid("to", "must be a date YYYY-MM-DD or a time");
        auto page = s.list_events(p->id, f, pr);
        if (!page) return page.err();
        return std::pair{std::move(*page), p->timezone};
    };
    auto r = co_await db_read(ctx.svc.db, std::move(job));
    if (!r) co_return fail(ctx, r.err());
    const auto& tz = r->second;
    co_return page_response(ctx, r->first, [&](const event& e) { return event_view(e, tz); });
}

// The first occurrence of a series, local times; every occurrence has its length.
struct first_occurrence_times {
    scheduler::civil_time start, end;
    std::chrono::seconds length{};
};

result<first_occurrence_times> first_occurrence(const event_input& input, const scheduler::time_zone& zone) {
    const auto first_start = scheduler::place_in_zone(*input.start, zone);
    const auto first_end = scheduler::place_in_zone(*input.end, zone);
    if (!first_start) return error::invalid("start", "must be a local time YYYY-MM-DDTHH:MM or an instant");
    if (!first_end) return error::invalid("end", "must be a local time YYYY-MM-DDTHH:MM or an instant");
    const auto length =
        scheduler::seconds_from_civil(first_end->local) - scheduler::seconds_from_civil(first_start->local);
    if (length.count() <= 0) return error::invalid("end", "must be after start");
    return first_occurrence_times{first_start->local, first_end->local, length};
}

// Books `e` at each of `starts` for `length`; the occurrences that conflict go to
// `per_occurrence`, the others to `booked`.
scheduler::status book_occurrences(store& s, const scheduler::programme& p, const event& e,
                                   const std::vector<scheduler::civil_time>& starts, std::chrono::seconds length,
                                   const std::vector<conflict_type>& accept, std::vector<event>& booked,
                                   json::array& per_occurrence) {
    for (const auto& start : starts) {
        const auto end = scheduler::civil_from_seconds(scheduler::seconds_from_civil(start) + length);
        auto b = book(s, p, e, scheduler::format_local_time(start), scheduler::format_local_time(end), accept,
                      std::nullopt, false);
        if (!b) return b.err();
        if (!b->blocking.empty()) {
            per_occurrence.push_back(occurrence_conflicts({}, scheduler::format_local_time(start), b->blocking));
            continue;
        }
        booked.push_back(*b->stored);
    }
    return scheduler::ok();
}

// POST /api/v1/programmes/{slug}/series: an RRULE in local time expanded into stored
// occurrences, each booked with the conflict check. All or nothing: when any occurrence
// conflicts, nothing is stored and the answer lists the conflicts per occurrence.
task<response> create_series(request_context& ctx) {
    auto body = parse_json_object(ctx.req);
    if (!body) co_return fail(ctx, body.err());
    auto per_occurrence = std::make_shared<json::array>(); // written on the writer, read after it answers
    struct created {
        std::string series_id, rrule, timezone;
        std::vector<event> occurrences;
    };
    auto job = [body = std::move(*body), slug = std::string(ctx.param("slug")), caller = *ctx.caller, per_occurrence,
                a = audit(ctx, "series.create", "series", "")](store& s) mutable -> result<created> {
        auto p = visible_programme(s, slug, caller);
        if (!p) return p.err();
        event e;
        e.programme_id = p->id;
        object_reader in(body);
        auto rrule = in.required_string("rrule", calendar::max_rrule_length);
        auto input = read_event(in, e, true);
        if (!may_write_event(caller, e)) return forbidden_write();
        if (auto st = in.finish(); !st) return st.err();
        if (!rrule || !input.start || !input.end)
            return error::invalid(!rrule ? "rrule" : !input.start ? "start" : "end", "is required");
        auto zone = programme_zone(*p);
        if (!zone) return zone.err();
        auto first = first_occurrence(input, **zone);
        if (!first) return first.err();
        auto starts = calendar::expand_rrule(*rrule, first->start);
        if (!starts) return starts.err();
        const auto now = scheduler::now_utc();
        auto series_id =
            s.create_series(p->id, *rrule, scheduler::format_local_time(first->start),
                            scheduler::format_local_time(first->end), json::serialize(json::value(body)), now);
        if (!series_id) return series_id.err();
        e.series_id = *series_id;
        created out{*series_id, *rrule, p->timezone, {}};
        const auto accept = input.accept.value_or(std::vector<conflict_type>{});
        if (auto st = book_occurrences(s, *p, e, *starts, first->length, accept, out.occurrences, *per_occurrence); !st)
            return st.err();
        if (!per_occurrence->empty())
            return error{errc::conflict, "Some occurrences conflict with the calendar; nothing was booked.", {}};
        a.object_id = *series_id;
        a.detail = json::serialize(json::value(body));
        if (auto st = s.append_audit(a, now); !st) return st.err();
        return out;
    };
    auto r = co_await db_write(ctx.svc.db, std::move(job));
    if (!r) co_return series_failure(ctx, r.err(), *per_occurrence);
    if (!r->occurrences.empty()) feeds_changed(ctx, r->occurrences.front());
    json::array occurrences;
    for (const auto& e : r->occurrences) occurrences.push_back(event_view(e, r->timezone));
    co_return ok_json(ctx, http::status::created,
                      json::object{{"id", r->series_id}, {"rrule", r->rrule}, {"occurrences", std::move(occurrences)}});
}

} // namespace

void add_event_routes(router& r) {
    using v = http::verb;
    r.add(v::post, "/api/v1/programmes/{slug}/events", access::any_token, create_event);
    r.add(v::get, "/api/v1/programmes/{slug}/events", access::any_token, list_events);
    r.add(v::post, "/api/v1/programmes/{slug}/series", access::any_token, create_series);
    r.add(v::get, "/api/v1/events/{id}", access::any_token, get_event);
    r.add(v::patch, "/api/v1/events/{id}", access::any_token, patch_event);
    r.add(v::delete_, "/api/v1/events/{id}", access::any_token, delete_event);
    r.add(v::post, "/api/v1/events/{id}/cancel", access::any_token, set_cancelled<true>);
    r.add(v::post, "/api/v1/events/{id}/restore", access::any_token, set_cancelled<false>);
}

} // namespace copsched::server
