// Planning data on SQLite: blackout imports, busy times and the facts the year planner
// and the slot suggestions read. The semantics are the contract in
// scheduler/store/planning_store.hpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace copsched::storage {

using detail::earliest_overlapping_start;
using detail::guarded;
using scheduler::errc;
using scheduler::error;
using scheduler::result;
using scheduler::status;

namespace {

scheduler::sys_seconds instant(const std::string& text) {
    return scheduler::parse_instant(text).value_or(scheduler::sys_seconds{});
}

scheduler::blackout_import read_import(statement& s) {
    return {s.text(0), s.text(1), s.text(2), static_cast<std::size_t>(s.integer(3)), s.text(4)};
}

// The query of busy_by_person for a selection of people (one column, person ids,
// parameters ?1 = programme id, ?4 = group id).
std::string busy_sql(const std::string& people_sql) {
    return "SELECT b.person_id, b.start_utc, b.end_utc FROM (" + people_sql +
           ") AS sel CROSS JOIN busy_times b ON b.person_id = sel.id"
           " WHERE b.start_utc < ?3 AND b.end_utc > ?2 ORDER BY b.person_id, b.start_utc";
}

// Busy times of the people busy_sql(...) selects, overlapping [?2, ?3), keyed by person.
// `sql` must live as long as the connection: its address is the statement cache's key.
std::map<std::string, std::vector<scheduler::interval>> busy_by_person(connection& db, const std::string& sql,
                                                                       const std::string& programme_id,
                                                                       const std::string& from, const std::string& to,
                                                                       const std::string& group) {
    std::map<std::string, std::vector<scheduler::interval>> out;
    // An interval overlaps the window when it starts before its end and ends after its
    // start; busy intervals are short, so a start bound one year before the window keeps
    // the scan on the index without losing long ones in practice, and the end check drops
    // what does not overlap.
    auto s = db.prepare(sql.c_str());
    s.bind_all(programme_id, from, to, group);
    while (s.step()) out[s.text(0)].push_back({instant(s.text(1)), instant(s.text(2))});
    return out;
}

} // namespace

result<scheduler::blackout_import> sql_store::import_blackouts(const std::string& programme_id, const std::string& name,
                                                               const std::vector<scheduler::named_interval>& periods,
                                                               const std::string& now) {
    return guarded([&]() -> result<scheduler::blackout_import> {
        auto dup = db_.prepare("SELECT 1 FROM blackout_imports WHERE programme_id = ? AND name = ?");
        dup.bind_all(programme_id, name);
        if (dup.step())
            return error::invalid("name",
                                  "an import named '" + name + "' exists already; delete it first to replace it");
        scheduler::blackout_import imp{new_id("bli"), programme_id, name, periods.size(), now};
        db_.prepare("INSERT INTO blackout_imports(id, programme_id, name, periods, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind_all(imp.id, programme_id, name, static_cast<std::int64_t>(periods.size()), now)
            .run();
        // Prepared once and cached by the connection; each statement object resets on release.
        for (const auto& p : periods)
            db_.prepare("INSERT INTO blackouts(id, programme_id, name, start_utc, end_utc, import_id, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind_all(new_id("blk"), programme_id, p.name, scheduler::format_instant(p.when.start),
                          scheduler::format_instant(p.when.end), imp.id, now)
                .run();
        return imp;
    });
}

result<std::vector<scheduler::blackout_import>> sql_store::list_blackout_imports(const std::string& programme_id) {
    return guarded([&]() -> result<std::vector<scheduler::blackout_import>> {
        auto s = db_.prepare("SELECT id, programme_id, name, periods, created_at FROM blackout_imports "
                             "WHERE programme_id = ? ORDER BY created_at, id");
        s.bind(1, programme_id);
        std::vector<scheduler::blackout_import> out;
        while (s.step()) out.push_back(read_import(s));
        return out;
    });
}

result<std::vector<scheduler::blackout_period>> sql_store::list_blackouts(const std::string& programme_id,
                                                                          const std::optional<std::string>& import_id) {
    return guarded([&]() -> result<std::vector<scheduler::blackout_period>> {
        auto s = db_.prepare("SELECT id, import_id, name, start_utc, end_utc FROM blackouts WHERE programme_id = ?1 "
                             "AND (?2 IS NULL OR import_id = ?2) ORDER BY start_utc, id");
        s.bind_all(programme_id, import_id);
        std::vector<scheduler::blackout_period> out;
        while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
        return out;
    });
}

result<scheduler::page<scheduler::blackout_period>> sql_store::page_blackouts(
    const std::string& programme_id, const std::optional<std::string>& import_id, const scheduler::page_request& pr) {
    return guarded([&]() -> result<scheduler::page<scheduler::blackout_period>> {
        // The cursor is "<start_utc> <id>" of the last period of the previous page.
        std::string after_start, after_id;
        if (pr.after) {
            const auto space = pr.after->find(' ');
            if (space == std::string::npos) return error::invalid("cursor", "is not a cursor this service gave out");
            after_start = pr.after->substr(0, space);
            after_id = pr.after->substr(space + 1);
        }
        auto s = db_.prepare("SELECT id, import_id, name, start_utc, end_utc FROM blackouts WHERE programme_id = ?1 "
                             "AND (?2 IS NULL OR import_id = ?2) "
                             "AND (?3 = '' OR start_utc > ?3 OR (start_utc = ?3 AND id > ?4)) "
                             "ORDER BY start_utc, id LIMIT ?5");
        s.bind_all(programme_id, import_id, after_start, after_id, static_cast<std::int64_t>(pr.limit + 1));
        scheduler::page<scheduler::blackout_period> out;
        while (s.step()) out.items.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
        if (out.items.size() > pr.limit) {
            out.items.resize(pr.limit);
            out.next_cursor = out.items.back().start_utc + " " + out.items.back().id;
        }
        return out;
    });
}

status sql_store::delete_blackout_import(const std::string& programme_id, const std::string& import_id) {
    return guarded([&]() -> status {
        auto s = db_.prepare("SELECT 1 FROM blackout_imports WHERE id = ? AND programme_id = ?");
        s.bind_all(import_id, programme_id);
        if (!s.step()) return error{errc::not_found, "No blackout import with id '" + import_id + "'.", {}};
        db_.prepare("DELETE FROM blackouts WHERE import_id = ?").bind_all(import_id).run();
        db_.prepare("DELETE FROM blackout_imports WHERE id = ?").bind_all(import_id).run();
        return scheduler::ok();
    });
}

result<std::size_t> sql_store::replace_busy_times(const std::string& person_id,
                                                  const std::vector<scheduler::interval>& busy) {
    return guarded([&]() -> result<std::size_t> {
        auto s = db_.prepare("SELECT 1 FROM people WHERE id = ?");
        s.bind(1, person_id);
        if (!s.step()) return error{errc::not_found, "No person with id '" + person_id + "'.", {}};
        db_.prepare("DELETE FROM busy_times WHERE person_id = ?").bind_all(person_id).run();
        for (const auto& b : busy)
            db_.prepare("INSERT INTO busy_times(person_id, start_utc, end_utc) VALUES (?, ?, ?)")
                .bind_all(person_id, scheduler::format_instant(b.start), scheduler::format_instant(b.end))
                .run();
        return busy.size();
    });
}

result<std::vector<scheduler::interval>> sql_store::busy_times(const std::string& person_id) {
    return guarded([&]() -> result<std::vector<scheduler::interval>> {
        auto s = db_.prepare("SELECT start_utc, end_utc FROM busy_times WHERE person_id = ? ORDER BY start_utc");
        s.bind(1, person_id);
        std::vector<scheduler::interval> out;
        while (s.step()) out.push_back({instant(s.text(0)), instant(s.text(1))});
        return out;
    });
}

namespace {

// The window of a planning query as stored instants, and the group ("" for none).
struct planning_window {
    std::string from;
    std::string to;
    std::string group;
};

std::vector<scheduler::named_interval> planning_blackouts(connection& db, const std::string& programme_id,
                                                          const planning_window& w) {
    std::vector<scheduler::named_interval> out;
    auto b = db.prepare("SELECT id, name, start_utc, end_utc FROM blackouts WHERE programme_id = ? "
                        "AND start_utc < ? AND end_utc > ? ORDER BY start_utc, id");
    b.bind_all(programme_id, w.to, w.from);
    while (b.step()) out.push_back({b.text(0), b.text(1), {instant(b.text(2)), instant(b.text(3))}});
    return out;
}

// Events overlapping the window; for a group query, whether a session of another group
// shares a member with it on the session's local date.
std::vector<scheduler::planning_event> planning_events(connection& db, const scheduler::planning_query& q,
                                                       const planning_window& w) {
    std::vector<scheduler::planning_event> out;
    const auto earliest = earliest_overlapping_start(db, q.window.start, q.programme_id);
    auto e = db.prepare(
        "SELECT e.id, e.title, e.start_utc, e.end_utc, e.kind, e.working_group_id,"
        " CASE WHEN ?4 = '' OR e.working_group_id IS NULL OR e.working_group_id = ?4 THEN 0 WHEN EXISTS ("
        "  SELECT 1 FROM memberships a WHERE a.working_group_id = ?4"
        "   AND a.valid_from <= substr(e.start_local, 1, 10)"
        "   AND (a.valid_until IS NULL OR a.valid_until >= substr(e.start_local, 1, 10))"
        "   AND EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = a.person_id"
        "    AND m.working_group_id = e.working_group_id AND m.valid_from <= substr(e.start_local, 1, 10)"
        "    AND (m.valid_until IS NULL OR m.valid_until >= substr(e.start_local, 1, 10)))) THEN 1 ELSE 0 END"
        " FROM events e WHERE e.programme_id = ?1 AND e.start_utc >= ?5 AND e.start_utc < ?3 AND e.end_utc > ?2"
        " AND e.status <> 'cancelled' ORDER BY e.start_utc, e.id");
    e.bind_all(q.programme_id, w.from, w.to, w.group, earliest);
    while (e.step()) {
        scheduler::planning_event pe;
        pe.what = {e.text(0), e.text(1), {instant(e.text(2)), instant(e.text(3))}};
        pe.kind = scheduler::parse<scheduler::event_kind>(e.text(4)).value_or(scheduler::event_kind::other);
        pe.working_group_id = e.optional_text(5);
        pe.shares_members = e.integer(6) != 0;
        out.push_back(std::move(pe));
    }
    return out;
}

// The programme's active people with their busy times in the window (a query without a
// group).
std::vector<scheduler::planner_person> planning_people(connection& db, const std::string& programme_id,
                                                       const planning_window& w) {
    static const std::string people_sql =
        busy_sql("SELECT id FROM people WHERE programme_id = ?1 AND active = 1 AND ?4 = ''");
    auto busy = busy_by_person(db, people_sql, programme_id, w.from, w.to, w.group);
    std::vector<scheduler::planner_person> out;
    auto p = db.prepare("SELECT id, organisation_id FROM people WHERE programme_id = ? AND active = 1 ORDER BY id");
    p.bind(1, programme_id);
    while (p.step()) {
        scheduler::planner_person person{p.text(0), p.text(1), {}};
        if (auto it = busy.find(person.id); it != busy.end()) person.busy = std::move(it->second);
        out.push_back(std::move(person));
    }
    return out;
}

// The group's memberships overlapping the window's local dates (a day either side covers
// every zone), of active people, with their busy times in the window.
std::vector<scheduler::group_member> planning_members(connection& db, const scheduler::planning_query& q,
                                                      const planning_window& w) {
    const auto first_date =
        scheduler::format_date(scheduler::civil_from_seconds(q.window.start - std::chrono::days(1)).date);
    const auto last_date =
        scheduler::format_date(scheduler::civil_from_seconds(q.window.end + std::chrono::days(1)).date);
    static const std::string members_sql =
        busy_sql("SELECT DISTINCT m.person_id AS id FROM memberships m JOIN people p ON p.id = m.person_id"
                 " WHERE m.working_group_id = ?4 AND p.active = 1 AND p.programme_id = ?1");
    auto busy = busy_by_person(db, members_sql, q.programme_id, w.from, w.to, w.group);
    std::vector<scheduler::group_member> out;
    auto m = db.prepare("SELECT m.person_id, p.organisation_id, m.valid_from, m.valid_until FROM memberships m"
                        " JOIN people p ON p.id = m.person_id"
                        " WHERE m.working_group_id = ?1 AND p.active = 1 AND m.valid_from <= ?3"
                        " AND (m.valid_until IS NULL OR m.valid_until >= ?2) ORDER BY m.person_id, m.valid_from");
    m.bind_all(w.group, first_date, last_date);
    while (m.step()) {
        scheduler::group_member gm;
        gm.person = {m.text(0), m.text(1), {}};
        if (auto it = busy.find(gm.person.id); it != busy.end()) gm.person.busy = it->second;
        gm.from = scheduler::parse_date(m.text(2)).value_or(scheduler::civil_date{1970, 1, 1});
        if (auto until = m.optional_text(3)) gm.until = scheduler::parse_date(*until);
        out.push_back(std::move(gm));
    }
    return out;
}

} // namespace

result<scheduler::planning_facts> sql_store::planning_facts_for(const scheduler::planning_query& q) {
    return guarded([&]() -> result<scheduler::planning_facts> {
        scheduler::planning_facts out;
        const planning_window w{scheduler::format_instant(q.window.start), scheduler::format_instant(q.window.end),
                                q.working_group_id.value_or("")};
        out.blackouts = planning_blackouts(db_, q.programme_id, w);
        out.events = planning_events(db_, q, w);
        if (!q.working_group_id) {
            out.people = planning_people(db_, q.programme_id, w);
            return out;
        }
        out.members = planning_members(db_, q, w);
        return out;
    });
}

} // namespace copsched::storage
