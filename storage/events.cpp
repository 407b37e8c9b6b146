// Events on SQLite, and the facts a booking is checked against. The error semantics are
// the contract in scheduler/store/event_store.hpp. Every write runs inside the caller's
// savepoint on the single writer connection, so a conflict check and the insert that
// follows it see the same data: of two concurrent bookings of one venue, exactly one gets
// through.
#include "storage/sql_store.hpp"
#include "storage/sql_store_internal.hpp"

#include "scheduler/clock.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace copsched::storage {

using detail::earliest_overlapping_start;
using detail::event_columns;
using detail::guarded;
using detail::read_event;
using scheduler::errc;
using scheduler::error;
using scheduler::expected_version;
using scheduler::page;
using scheduler::page_request;
using scheduler::result;
using scheduler::status;

namespace {

std::string to_json_array(const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return boost::json::serialize(a);
}

std::vector<std::string> from_json_array(const std::string& text) {
    std::vector<std::string> out;
    // Nearly every event has no accepted conflicts: feeds read a thousand at once.
    if (text == "[]") return out;
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& x : v.get_array())
        if (x.is_string()) out.emplace_back(x.get_string());
    return out;
}

} // namespace

namespace detail {

scheduler::event read_event(statement& s) {
    scheduler::event e;
    e.id = s.text(0);
    e.programme_id = s.text(1);
    e.series_id = s.optional_text(2);
    e.kind = scheduler::parse<scheduler::event_kind>(s.text(3)).value_or(scheduler::event_kind::other);
    e.title = s.text(4);
    e.description = s.text(5);
    e.working_group_id = s.optional_text(6);
    e.start_local = s.text(7);
    e.end_local = s.text(8);
    e.start_utc = s.text(9);
    e.end_utc = s.text(10);
    e.venue_id = s.optional_text(11);
    e.online_url = s.text(12);
    e.status = scheduler::parse<scheduler::event_status>(s.text(13)).value_or(scheduler::event_status::confirmed);
    e.sequence = static_cast<int>(s.integer(14));
    e.accepted_conflicts = from_json_array(s.text(15));
    e.cancelled_at = s.optional_text(16);
    e.cancel_reason = s.optional_text(17);
    e.created_at = s.text(18);
    e.updated_at = s.text(19);
    e.version = static_cast<int>(s.integer(20));
    e.all_day = s.integer(21) != 0;
    return e;
}

} // namespace detail

namespace {

const std::string& select_event_sql() {
    static const std::string sql = std::string("SELECT ") + event_columns + " FROM events WHERE id = ?";
    return sql;
}

// References of an event's own fields: the group and venue must be the programme's. Both
// reads go out in one round trip.
status check_references(connection& db, const scheduler::event& e) {
    auto g = db.prepare("SELECT archived_at FROM working_groups WHERE id = ? AND programme_id = ?");
    auto v = db.prepare("SELECT 1 FROM venues WHERE id = ? AND programme_id = ?");
    if (e.working_group_id) g.bind_all(*e.working_group_id, e.programme_id).send();
    if (e.venue_id) v.bind_all(*e.venue_id, e.programme_id).send();
    if (e.working_group_id && !g.step())
        return error::invalid("working_group_id", "no such working group in this programme");
    if (e.venue_id && !v.step()) return error::invalid("venue_id", "no such venue in this programme");
    return scheduler::ok();
}

// Keeps programme_stats.longest_event_seconds at least as long as any stored event of the
// programme, so overlap queries may start their range scan that far before the start.
void note_event_length(connection& db, const scheduler::event& e) {
    const auto start = scheduler::parse_instant(e.start_utc);
    const auto end = scheduler::parse_instant(e.end_utc);
    if (!start || !end) return;
    const auto seconds = std::max<std::int64_t>(0, (*end - *start).count());
    // Writes only when the event is the longest yet: an upsert would lock the programme's
    // row until the commit, and every booking of the programme on another instance (on
    // PostgreSQL) would wait for it.
    db.prepare("INSERT INTO programme_stats(programme_id, longest_event_seconds) SELECT ?1, ?2 WHERE NOT EXISTS "
               "(SELECT 1 FROM programme_stats WHERE programme_id = ?1 AND longest_event_seconds >= ?2) "
               "ON CONFLICT(programme_id) DO UPDATE SET longest_event_seconds = "
               "CASE WHEN excluded.longest_event_seconds > programme_stats.longest_event_seconds "
               "THEN excluded.longest_event_seconds ELSE programme_stats.longest_event_seconds END")
        .bind_all(e.programme_id, seconds)
        .run_later();
}

} // namespace

namespace detail {

// The earliest start an event overlapping one that starts at `start` can have, as stored
// text: `start` minus the longest event of the programme (or of any programme).
std::string earliest_overlapping_start(connection& db, scheduler::sys_seconds start,
                                       const std::optional<std::string>& programme_id) {
    auto s = programme_id ? db.prepare("SELECT longest_event_seconds FROM programme_stats WHERE programme_id = ?")
                          : db.prepare("SELECT COALESCE(MAX(longest_event_seconds), 0) FROM programme_stats");
    if (programme_id) s.bind(1, *programme_id);
    const std::int64_t longest = s.step() ? s.integer(0) : 0;
    return scheduler::format_instant(start - std::chrono::seconds(longest));
}

} // namespace detail

result<scheduler::event> sql_store::create_event(const scheduler::event& in, const std::string& now) {
    return guarded([&]() -> result<scheduler::event> {
        if (auto st = check_references(db_, in); !st) return st.err();
        auto e = in;
        e.id = new_id("evt");
        e.version = 1;
        e.created_at = e.updated_at = now;
        db_.prepare("INSERT INTO events(id, programme_id, series_id, kind, title, description, working_group_id, "
                    "start_local, end_local, start_utc, end_utc, venue_id, online_url, status, sequence, "
                    "accepted_conflicts, cancelled_at, cancel_reason, created_at, updated_at, version, all_day) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)")
            .bind_all(e.id, e.programme_id, e.series_id, scheduler::to_string(e.kind), e.title, e.description,
                      e.working_group_id, e.start_local, e.end_local, e.start_utc, e.end_utc, e.venue_id, e.online_url,
                      scheduler::to_string(e.status), e.sequence, to_json_array(e.accepted_conflicts), e.cancelled_at,
                      e.cancel_reason, now, now, e.all_day ? 1 : 0)
            .run_later();
        note_event_length(db_, e);
        detail::note_outbox_change(db_, e.id, std::nullopt);
        return e;
    });
}

result<scheduler::event> sql_store::get_event(const std::string& id) {
    return guarded([&]() -> result<scheduler::event> {
        auto s = db_.prepare(select_event_sql().c_str());
        s.bind(1, id);
        if (!s.step()) return error{errc::not_found, "No event with id '" + id + "'.", {}};
        return read_event(s);
    });
}

result<page<scheduler::event>> sql_store::list_events(const std::string& programme_id, const scheduler::event_filter& f,
                                                      const page_request& pr) {
    return guarded([&]() -> result<page<scheduler::event>> {
        // The cursor is "<start_utc> <id>" of the last event of the previous page.
        std::string after_start, after_id;
        if (pr.after) {
            const auto space = pr.after->find(' ');
            if (space == std::string::npos) return error::invalid("cursor", "is not a cursor this service gave out");
            after_start = pr.after->substr(0, space);
            after_id = pr.after->substr(space + 1);
        }
        static const std::string sql =
            std::string("SELECT ") + event_columns +
            " FROM events WHERE programme_id = ?1"
            " AND (?2 IS NULL OR end_utc > ?2) AND (?3 IS NULL OR start_utc < ?3)"
            " AND (?4 IS NULL OR kind = ?4) AND (?5 IS NULL OR working_group_id = ?5) AND (?6 IS NULL OR status = ?6)"
            " AND (?7 = '' OR start_utc > ?7 OR (start_utc = ?7 AND id > ?8))"
            " ORDER BY start_utc, id LIMIT ?9";
        auto s = db_.prepare(sql.c_str());
        std::optional<std::string> kind, status;
        if (f.kind) kind = std::string(scheduler::to_string(*f.kind));
        if (f.status) status = std::string(scheduler::to_string(*f.status));
        s.bind_all(programme_id, f.from_utc, f.to_utc, kind, f.working_group_id, status, after_start, after_id,
                   static_cast<std::int64_t>(pr.limit + 1));
        page<scheduler::event> out;
        while (s.step()) out.items.push_back(read_event(s));
        if (out.items.size() > pr.limit) {
            out.items.resize(pr.limit);
            out.next_cursor = out.items.back().start_utc + " " + out.items.back().id;
        }
        return out;
    });
}

result<scheduler::event> sql_store::update_event(const scheduler::event& e, expected_version expected,
                                                 const std::string& now) {
    return guarded([&]() -> result<scheduler::event> {
        if (auto st = check_references(db_, e); !st) return st.err();
        auto s = db_.prepare(
            "UPDATE events SET title = ?, description = ?, working_group_id = ?, start_local = ?, end_local = ?, "
            "start_utc = ?, end_utc = ?, venue_id = ?, online_url = ?, status = ?, sequence = ?, accepted_conflicts = "
            "?, "
            "cancelled_at = ?, cancel_reason = ?, updated_at = ?, version = version + 1 "
            "WHERE id = ? AND (? IS NULL OR version = ?)");
        std::optional<std::int64_t> v;
        if (expected) v = *expected;
        s.bind_all(e.title, e.description, e.working_group_id, e.start_local, e.end_local, e.start_utc, e.end_utc,
                   e.venue_id, e.online_url, scheduler::to_string(e.status), e.sequence,
                   to_json_array(e.accepted_conflicts), e.cancelled_at, e.cancel_reason, now, e.id, v, v)
            .run();
        if (db_.changes() == 0) {
            auto cur = get_event(e.id);
            if (!cur) return cur.err();
            return detail::stale(cur->version);
        }
        note_event_length(db_, e);
        detail::note_outbox_change(db_, e.id, std::nullopt);
        return get_event(e.id);
    });
}

status sql_store::delete_event(const std::string& id, expected_version expected) {
    return guarded([&]() -> status {
        auto cur = get_event(id);
        if (!cur) return cur.err();
        if (expected && *expected != cur->version) return detail::stale(cur->version);
        {
            auto s = db_.prepare("SELECT 1 FROM attendance WHERE event_id = ? LIMIT 1");
            s.bind(1, id);
            if (s.step())
                return error{errc::conflict,
                             "The event has invitations or messages; cancel it instead (POST /api/v1/events/" + id +
                                 "/cancel).",
                             {}};
        }
        if (auto st = detail::forget_unsent_messages(db_, "event_id", id); !st) return st.err();
        db_.prepare("DELETE FROM events WHERE id = ?").bind(1, id).run();
        // A deletion leaves no row to date a feed's Last-Modified by: remember it. MAX, so
        // that a clock stepped back cannot move it backwards.
        db_.prepare("INSERT INTO programme_stats(programme_id, last_event_deletion) VALUES (?1, ?2) "
                    "ON CONFLICT(programme_id) DO UPDATE SET last_event_deletion = "
                    "CASE WHEN COALESCE(programme_stats.last_event_deletion, '') > excluded.last_event_deletion "
                    "THEN programme_stats.last_event_deletion ELSE excluded.last_event_deletion END")
            .bind_all(cur->programme_id, scheduler::now_utc())
            .run();
        return scheduler::ok();
    });
}

namespace {

// A booking candidate as the booking queries compare it: its span as stored instants and
// its local date.
struct candidate_span {
    std::string start;
    std::string end;
    std::string date;
};

// The locks that keep a booking's check and write apart from every other booking that
// could conflict with it (connection::lock_keys), on PostgreSQL where instances share the
// database. Two bookings conflict only when their times overlap, in the same programme
// (members, groups, CoP meetings) or at the same venue (any programme). So each scope
// (the programme, the venue) is locked by time: a booking of less than a day takes the
// 30-minute slots it touches exclusively and their days shared; one of up to 62 days takes
// its days exclusively; a longer one the whole scope; every booking shares the whole scope
// it does not take. Overlapping bookings share a slot, a day or the scope in a mode that
// excludes, and wait for each other; bookings at other times of the same programme, which
// the old per-programme lock made take turns, go on side by side.
constexpr std::int64_t lock_slot_seconds = 1800;
constexpr std::int64_t lock_days_at_most = 62;

void add_booking_locks(const std::string& scope, std::int64_t start, std::int64_t end,
                       std::vector<std::string>& exclusive, std::vector<std::string>& shared) {
    constexpr std::int64_t day = 86400;
    const auto floor_div = [](std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); };
    const auto last = std::max(start, end - 1); // the span is [start, end); an empty one its start
    const auto length = end - start;
    if (length > lock_days_at_most * day) {
        exclusive.push_back(scope);
        return;
    }
    shared.push_back(scope);
    auto& days = length <= day ? shared : exclusive;
    for (auto d = floor_div(start, day); d <= floor_div(last, day); ++d)
        days.push_back(scope + " day " + std::to_string(d));
    if (length > day) return;
    for (auto k = floor_div(start, lock_slot_seconds); k <= floor_div(last, lock_slot_seconds); ++k)
        exclusive.push_back(scope + " slot " + std::to_string(k));
}

void lock_booking(connection& db, const scheduler::programme& p, const scheduler::booking_candidate& c) {
    const auto start = c.start_utc.time_since_epoch().count();
    const auto end = c.end_utc.time_since_epoch().count();
    std::vector<std::string> exclusive, shared;
    add_booking_locks("programme " + p.id, start, end, exclusive, shared);
    if (c.venue_id) add_booking_locks("venue " + *c.venue_id, start, end, exclusive, shared);
    std::sort(exclusive.begin(), exclusive.end());
    std::sort(shared.begin(), shared.end());
    db.lock_keys(exclusive, shared);
}

// On PostgreSQL the overlap queries compute their earliest start themselves: the
// candidate's start (parameter `start`) less the longest event of the programme (or of any
// programme, `from` names which rows), so that they need not wait for a round trip that
// reads it first. SQLite, in the process, binds it (detail::earliest_overlapping_start).
std::string postgresql_earliest(const std::string& start, const std::string& from) {
    return "to_char((" + start + "::timestamptz - make_interval(secs => COALESCE((SELECT " + from +
           "), 0))) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

// The programme's events overlapping the candidate (not cancelled, `ignore_event_id`
// excluded), with the members each shares with the candidate's group at its date.
statement programme_overlaps_query(connection& db, const scheduler::programme& p, const scheduler::booking_candidate& c,
                                   const candidate_span& span, const std::string& ignore_event_id,
                                   const std::string& earliest) {
    const auto text = [](const std::string& earliest) {
        return "SELECT e.id, e.kind, e.title, e.working_group_id, e.venue_id, "
               " CASE WHEN ?4 = '' OR e.working_group_id IS NULL OR e.working_group_id = ?4 THEN 0 ELSE ("
               "  SELECT COUNT(*) FROM memberships a"
               "  WHERE a.working_group_id = ?4 AND a.valid_from <= ?5 AND (a.valid_until IS NULL OR a.valid_until >= "
               "?5)"
               "   AND EXISTS (SELECT 1 FROM memberships b WHERE b.person_id = a.person_id"
               "    AND b.working_group_id = e.working_group_id"
               "    AND b.valid_from <= ?5 AND (b.valid_until IS NULL OR b.valid_until >= ?5))) END"
               " FROM events e WHERE e.programme_id = ?1 AND e.start_utc >= " +
               earliest +
               " AND e.start_utc < ?3 AND e.end_utc > ?2 AND e.status <> 'cancelled' AND e.id <> ?6"
               " ORDER BY e.start_utc, e.id";
    };
    static const std::string sqlite_sql = text("?7");
    static const std::string postgresql_sql =
        text(postgresql_earliest("?2", "longest_event_seconds FROM programme_stats WHERE programme_id = ?1"));
    auto s = db.prepare(sqlite_sql.c_str(), postgresql_sql.c_str());
    s.bind_all(p.id, span.start, span.end, c.working_group_id.value_or(""), span.date, ignore_event_id, earliest);
    return s;
}

void read_programme_overlaps(statement& s, std::vector<scheduler::overlapping_event>& out) {
    while (s.step()) {
        scheduler::overlapping_event e;
        e.id = s.text(0);
        e.kind = scheduler::parse<scheduler::event_kind>(s.text(1)).value_or(scheduler::event_kind::other);
        e.title = s.text(2);
        e.working_group_id = s.optional_text(3);
        e.venue_id = s.optional_text(4);
        e.shared_members = static_cast<int>(s.integer(5));
        out.push_back(std::move(e));
    }
}

// A venue is one place whatever programme books it: the other programmes' events at the
// candidate's venue that overlap it.
statement venue_overlaps_query(connection& db, const scheduler::programme& p, const scheduler::booking_candidate& c,
                               const candidate_span& span, const std::string& ignore_event_id,
                               const std::string& earliest) {
    const auto text = [](const std::string& earliest) {
        return "SELECT e.id, e.kind, e.title, e.working_group_id, e.venue_id FROM events e"
               " WHERE e.venue_id = ?1 AND e.start_utc >= " +
               earliest +
               " AND e.start_utc < ?4 AND e.end_utc > ?3 AND e.status <> 'cancelled' AND e.programme_id <> ?2"
               " AND e.id <> ?5";
    };
    static const std::string sqlite_sql = text("?6");
    static const std::string postgresql_sql =
        text(postgresql_earliest("?3", "MAX(longest_event_seconds) FROM programme_stats"));
    auto v = db.prepare(sqlite_sql.c_str(), postgresql_sql.c_str());
    v.bind_all(*c.venue_id, p.id, span.start, span.end, ignore_event_id, earliest);
    return v;
}

void read_venue_overlaps(statement& v, std::vector<scheduler::overlapping_event>& out) {
    while (v.step())
        out.push_back({v.text(0),
                       scheduler::parse<scheduler::event_kind>(v.text(1)).value_or(scheduler::event_kind::other),
                       v.text(2), std::nullopt, v.optional_text(4), 0});
}

statement venue_capacity_query(connection& db, const std::string& venue_id) {
    auto cap = db.prepare("SELECT capacity FROM venues WHERE id = ?");
    cap.bind(1, venue_id);
    return cap;
}

statement blackouts_query(connection& db, const std::string& programme_id, const candidate_span& span) {
    auto b = db.prepare("SELECT id, name FROM blackouts WHERE programme_id = ? AND start_utc < ? AND end_utc > ? "
                        "ORDER BY start_utc, id");
    b.bind_all(programme_id, span.end, span.start);
    return b;
}

// The number invited, which only matters against a venue's capacity: none when the
// candidate has no venue or is neither a CoP meeting nor a group's session.
std::optional<statement> invited_count_query(connection& db, const scheduler::programme& p,
                                             const scheduler::booking_candidate& c, const candidate_span& span) {
    if (c.venue_id && c.kind == scheduler::event_kind::cop_meeting) {
        auto n = db.prepare("SELECT COUNT(*) FROM people WHERE programme_id = ? AND active = 1");
        n.bind(1, p.id);
        return n;
    }
    if (c.venue_id && c.kind == scheduler::event_kind::working_group_session && c.working_group_id) {
        // A person has at most one membership of a group at a date (add_membership refuses
        // overlaps), so rows are people. The members at that date, less the inactive ones:
        // both counts read only indexes, and the second visits inactive people only.
        auto n = db.prepare(
            "SELECT (SELECT COUNT(*) FROM memberships m WHERE m.working_group_id = ?1 AND m.valid_from <= ?2"
            "  AND (m.valid_until IS NULL OR m.valid_until >= ?2))"
            " - (SELECT COUNT(*) FROM people p CROSS JOIN memberships m ON m.person_id = p.id" // people first
            "  WHERE p.programme_id = ?3 AND p.active = 0 AND m.working_group_id = ?1 AND m.valid_from <= ?2"
            "  AND (m.valid_until IS NULL OR m.valid_until >= ?2))");
        n.bind_all(*c.working_group_id, span.date, p.id);
        return n;
    }
    return std::nullopt;
}

} // namespace

// One round trip on PostgreSQL, whatever the candidate: the locks, then the five reads.
result<scheduler::booking_context> sql_store::booking_facts(const scheduler::programme& p,
                                                            const scheduler::booking_candidate& c,
                                                            const std::optional<std::string>& ignore_event_id) {
    return guarded([&]() -> result<scheduler::booking_context> {
        // The check and the write that follows it must not interleave with another
        // instance's booking that could conflict with it (PostgreSQL; see lock_booking).
        lock_booking(db_, p, c);
        scheduler::booking_context ctx;
        ctx.programme_starts_on = scheduler::parse_date(p.starts_on).value_or(scheduler::civil_date{1970, 1, 1});
        ctx.programme_ends_on = scheduler::parse_date(p.ends_on).value_or(scheduler::civil_date{9999, 12, 31});
        const candidate_span span{scheduler::format_instant(c.start_utc), scheduler::format_instant(c.end_utc),
                                  scheduler::format_date(c.local_start.date)};
        const std::string ignore = ignore_event_id.value_or("");
        // The earliest start an overlapping event can have: bound on SQLite only (see
        // postgresql_earliest).
        std::string own_earliest, any_earliest;
        if (db_.engine() == engine::sqlite) {
            own_earliest = detail::earliest_overlapping_start(db_, c.start_utc, p.id);
            if (c.venue_id) any_earliest = detail::earliest_overlapping_start(db_, c.start_utc, std::nullopt);
        }
        auto overlaps = programme_overlaps_query(db_, p, c, span, ignore, own_earliest);
        overlaps.send();
        std::optional<statement> venue, capacity;
        if (c.venue_id) {
            venue.emplace(venue_overlaps_query(db_, p, c, span, ignore, any_earliest));
            venue->send();
            capacity.emplace(venue_capacity_query(db_, *c.venue_id));
            capacity->send();
        }
        auto blackouts = blackouts_query(db_, p.id, span);
        blackouts.send();
        auto invited = invited_count_query(db_, p, c, span);
        if (invited) invited->send();

        read_programme_overlaps(overlaps, ctx.overlapping);
        if (venue) read_venue_overlaps(*venue, ctx.overlapping);
        if (capacity && capacity->step()) ctx.venue_capacity = static_cast<int>(capacity->integer(0));
        while (blackouts.step()) ctx.blackouts.push_back({blackouts.text(0), blackouts.text(1)});
        if (invited && invited->step()) ctx.invited = static_cast<int>(invited->integer(0));
        return ctx;
    });
}

result<std::string> sql_store::create_series(const std::string& programme_id, const std::string& rrule,
                                             const std::string& start_local, const std::string& end_local,
                                             const std::string& template_json, const std::string& now) {
    return guarded([&]() -> result<std::string> {
        const auto id = new_id("ser");
        db_.prepare(
               "INSERT INTO series(id, programme_id, rrule, start_local, end_local, template, created_at, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(id, programme_id, rrule, start_local, end_local, template_json, now, now)
            .run();
        return id;
    });
}

result<std::vector<scheduler::event>> sql_store::series_events(const std::string& series_id) {
    return guarded([&]() -> result<std::vector<scheduler::event>> {
        static const std::string sql =
            std::string("SELECT ") + event_columns + " FROM events WHERE series_id = ? ORDER BY start_utc, id";
        auto s = db_.prepare(sql.c_str());
        s.bind(1, series_id);
        std::vector<scheduler::event> out;
        while (s.step()) out.push_back(read_event(s));
        return out;
    });
}

} // namespace copsched::storage
