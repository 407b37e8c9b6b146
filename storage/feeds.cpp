// Calendar feeds in the SQL store: which events a feed shows, and the personal feed tokens. The
// semantics are the contract in scheduler/store/feed_store.hpp.
//
// A feed reads the events it returns and index entries, never the programme's other
// sessions: a person's or organisation's feed collects event rowids from the programme's
// CoP meetings and other events (events_programme_kind), from its groups' sessions on the
// member's dates (people_organisation, memberships_person_span, events_group_start) and
// from the invitations (attendance_person), then fetches those events by rowid. Without
// statistics SQLite's planner would rather walk every event of the programme and probe the
// memberships for each, so CROSS JOIN fixes the join order and the unary + keeps
// events.programme_id a filter instead of an index choice.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace copsched::storage {

using detail::guarded;
using scheduler::errc;
using scheduler::error;
using scheduler::feed_scope;
using scheduler::result;
using scheduler::status;

namespace {

// "id, name" -> "e.id, e.name": the event columns without ambiguity beside joined tables.
std::string qualified(std::string_view columns, std::string_view alias) {
    std::string out;
    for (std::size_t pos = 0; pos <= columns.size();) {
        auto comma = columns.find(", ", pos);
        if (comma == std::string_view::npos) comma = columns.size();
        if (!out.empty()) out += ", ";
        out.append(alias).append(".").append(columns.substr(pos, comma - pos));
        pos = comma + 2;
    }
    return out;
}

// The number of columns in a list such as detail::event_columns.
constexpr int column_count(std::string_view columns) {
    return 1 + static_cast<int>(std::count(columns.begin(), columns.end(), ','));
}

// A session belongs to a member's feed when the membership is valid on the session's
// local date: valid_from and valid_until are inclusive 'YYYY-MM-DD', start_local begins
// with its date. `m` is the membership, `s` the session.
constexpr const char* on_session_date = "m.valid_from <= substr(s.start_local, 1, 10)"
                                        " AND (m.valid_until IS NULL OR m.valid_until >= substr(s.start_local, 1, 10))";

// The SQL of each scope in one engine's dialect. SQLite steers its planner with rowids,
// CROSS JOIN and unary + (above); PostgreSQL plans from its statistics and knows neither
// rowids nor unary + on text, so it gets ids and the plain column (its driver sends
// CROSS JOIN as JOIN, storage/postgres.hpp).
struct feed_statements {
    std::string programme, working_group, organisation, person;

    explicit feed_statements(engine e) {
        const bool lite = e == engine::sqlite;
        const std::string key = lite ? "rowid" : "id";
        const std::string cross = " CROSS JOIN ";
        const std::string plus = lite ? "+" : "";
        const std::string select = "SELECT " + qualified(detail::event_columns, "e") +
                                   ", COALESCE(g.name, ''), COALESCE(v.name, ''), COALESCE(v.address, '')"
                                   " FROM events e"
                                   " LEFT JOIN working_groups g ON g.id = e.working_group_id"
                                   " LEFT JOIN venues v ON v.id = e.venue_id WHERE ";
        const std::string order = " ORDER BY e.start_utc, e.id";
        // The programme's events that are not sessions: in every personal and organisation feed.
        const std::string programme_wide_events =
            "SELECT " + key + " FROM events WHERE programme_id = ?1 AND kind IN ('cop_meeting', 'other')";

        programme = select + "e.programme_id = ?1" + order;
        working_group = select + "e.working_group_id = ?2 AND e.programme_id = ?1" + order;
        // An unknown organisation or person, or one of another programme, gets nothing rather
        // than the programme-wide events. IN (...) also drops the duplicates UNION ALL leaves.
        organisation = select + "EXISTS (SELECT 1 FROM organisations WHERE id = ?2 AND programme_id = ?1) AND e." +
                       key + " IN (" + programme_wide_events + " UNION ALL SELECT s." + key + " FROM people p" + cross +
                       "memberships m ON m.person_id = p.id" + cross +
                       "events s ON s.working_group_id = m.working_group_id"
                       " WHERE p.organisation_id = ?2 AND p.active = 1 AND " +
                       plus + "s.programme_id = ?1 AND " + on_session_date + ")" + order;
        person = select + "EXISTS (SELECT 1 FROM people WHERE id = ?2 AND programme_id = ?1) AND e." + key + " IN (" +
                 programme_wide_events + " UNION ALL SELECT s." + key + " FROM memberships m" + cross +
                 "events s ON s.working_group_id = m.working_group_id"
                 " WHERE m.person_id = ?2 AND " +
                 plus + "s.programme_id = ?1 AND " + on_session_date + " UNION ALL SELECT i." + key +
                 " FROM attendance a" + cross +
                 "events i ON i.id = a.event_id"
                 " WHERE a.person_id = ?2 AND i.programme_id = ?1)" +
                 order;
    }

    const std::string& of(feed_scope scope) const {
        switch (scope) {
        case feed_scope::programme: return programme;
        case feed_scope::working_group: return working_group;
        case feed_scope::organisation: return organisation;
        case feed_scope::person: return person;
        }
        return programme; // not reached: every scope is handled above
    }
};

// The statement for a scope: ?1 is the programme, ?2 the group, organisation or person.
// Built once per engine; connection::prepare caches by the pointer, so these stay put.
const std::string& feed_sql(feed_scope scope, engine e) {
    static const feed_statements sqlite_statements(engine::sqlite);
    static const feed_statements postgresql_statements(engine::postgresql);
    return (e == engine::sqlite ? sqlite_statements : postgresql_statements).of(scope);
}

} // namespace

result<std::vector<scheduler::feed_event>> sql_store::feed_events(const scheduler::feed_query& q) {
    return guarded([&]() -> result<std::vector<scheduler::feed_event>> {
        auto s = db_.prepare(feed_sql(q.scope, db_.engine()).c_str());
        s.bind(1, q.programme_id);
        if (q.scope != feed_scope::programme) s.bind(2, q.id);
        // A deque first: growing a vector of these large values by doubling moved each one
        // again and faulted in twice the memory, over half the time of a 1,000-event feed.
        std::deque<scheduler::feed_event> rows;
        constexpr int names = column_count(detail::event_columns); // the first column after read_event's
        while (s.step()) {
            auto& f = rows.emplace_back();
            f.e = detail::read_event(s);
            f.working_group_name = s.text(names);
            f.venue_name = s.text(names + 1);
            f.venue_address = s.text(names + 2);
        }
        std::vector<scheduler::feed_event> out;
        out.reserve(rows.size());
        std::move(rows.begin(), rows.end(), std::back_inserter(out));
        return out;
    });
}

result<scheduler::person> sql_store::find_person_by_feed_hash(const std::string& hash) {
    return guarded([&]() -> result<scheduler::person> {
        static const std::string sql =
            std::string("SELECT ") + detail::person_columns + " FROM people WHERE feed_token_hash = ?";
        auto s = db_.prepare(sql.c_str());
        s.bind(1, hash);
        // The hash stays out of the message: it stands for a secret URL.
        if (!s.step()) return error{errc::not_found, "No person has this feed token.", {}};
        return detail::read_person(s);
    });
}

// Not an edit of the person: version and updated_at stay, so a token rotation or a
// re-hash under a new server key does not invalidate anyone's If-Match.
status sql_store::set_feed_token(const std::string& person_id, int generation, const std::string& hash) {
    return guarded([&]() -> status {
        db_.prepare("UPDATE people SET feed_generation = ?, feed_token_hash = ? WHERE id = ?")
            .bind_all(generation, hash, person_id)
            .run();
        if (db_.changes() == 0) return error{errc::not_found, "No person with id '" + person_id + "'.", {}};
        return scheduler::ok();
    });
}

result<std::vector<scheduler::feed_token_state>> sql_store::feed_token_states() {
    return guarded([&]() -> result<std::vector<scheduler::feed_token_state>> {
        auto s = db_.prepare("SELECT id, feed_generation, feed_token_hash FROM people ORDER BY id");
        std::vector<scheduler::feed_token_state> out;
        while (s.step()) out.push_back({s.text(0), static_cast<int>(s.integer(1)), s.optional_text(2)});
        return out;
    });
}

result<std::string> sql_store::last_event_deletion(const std::string& programme_id) {
    return guarded([&]() -> result<std::string> {
        auto s = db_.prepare("SELECT COALESCE(last_event_deletion, '') FROM programme_stats WHERE programme_id = ?");
        s.bind(1, programme_id);
        return s.step() ? s.text(0) : std::string();
    });
}

result<std::vector<std::string>> sql_store::person_working_group_ids(const std::string& person_id) {
    return guarded([&]() -> result<std::vector<std::string>> {
        auto s = db_.prepare(
            "SELECT DISTINCT working_group_id FROM memberships WHERE person_id = ? ORDER BY working_group_id");
        s.bind(1, person_id);
        std::vector<std::string> out;
        while (s.step()) out.push_back(s.text(0));
        return out;
    });
}

} // namespace copsched::storage
