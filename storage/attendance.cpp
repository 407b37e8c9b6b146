// Attendance on SQLite: invitations, answers, presence, the freeze of started events and
// the facts the reports read. The semantics are the contract in
// scheduler/store/attendance_store.hpp; who is invited is defined once, in the views
// derived_invitations and invitations of migration 5 (storage/migrations.cpp). Every read
// of invitations goes through the view `invitations` with a WHERE on its event_id,
// person_id, programme_id or start_utc, which SQLite pushes into each arm of the view so
// that it runs on indexes.
//
// Memberships (get_membership, update_membership) are programme data
// (scheduler/store/programme_store.hpp): they live next to create_membership, in
// programme_data.cpp.
#include "storage/sql_store.hpp"

#include "storage/sql_store_internal.hpp"

#include "scheduler/clock.hpp"

#include <string>
#include <utility>
#include <vector>

namespace copsched::storage {

using detail::guarded;
using scheduler::errc;
using scheduler::error;
using scheduler::invitation;
using scheduler::result;
using scheduler::status;

namespace {

error no_event(const std::string& id) { return {errc::not_found, "No event with id '" + id + "'.", {}}; }

error not_invited(const std::string& event_id, const std::string& person_id) {
    return {errc::not_found, "The person '" + person_id + "' is not invited to the event '" + event_id + "'.", {}};
}

// The event's programme; nullopt for an unknown event.
std::optional<std::string> event_programme(connection& db, const std::string& event_id) {
    auto s = db.prepare("SELECT programme_id FROM events WHERE id = ?");
    s.bind(1, event_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

// The person's programme and whether they are active; nullopt for an unknown person.
struct person_state {
    std::string programme_id;
    bool active = false;
};
std::optional<person_state> person_of(connection& db, const std::string& person_id) {
    auto s = db.prepare("SELECT programme_id, active FROM people WHERE id = ?");
    s.bind(1, person_id);
    if (!s.step()) return std::nullopt;
    return person_state{s.text(0), s.integer(1) != 0};
}

// The columns read_invitation expects, in its order; ?1 is the current instant: an event
// that has started is reported frozen even before the next write batch freezes it, since
// nothing can change its list until then.
constexpr const char* invitation_select =
    "SELECT i.event_id, i.person_id, p.name, p.organisation_id, p.role, i.invited_via,"
    " CASE WHEN i.frozen = 1 OR i.start_utc <= ?1 THEN 1 ELSE 0 END, i.rsvp, i.rsvp_comment, i.rsvp_at, i.presence, "
    "i.mode, i.recorded_at"
    " FROM invitations i JOIN people p ON p.id = i.person_id ";

invitation read_invitation(statement& s) {
    invitation v;
    v.event_id = s.text(0);
    v.person_id = s.text(1);
    v.person_name = s.text(2);
    v.organisation_id = s.text(3);
    v.role = scheduler::parse<scheduler::person_role>(s.text(4)).value_or(scheduler::person_role::other);
    v.source = scheduler::parse<scheduler::invitation_source>(s.text(5)).value_or(scheduler::invitation_source::guest);
    v.frozen = s.integer(6) != 0;
    if (auto t = s.optional_text(7)) v.rsvp = scheduler::parse<scheduler::rsvp_answer>(*t);
    v.rsvp_comment = s.optional_text(8);
    v.rsvp_at = s.optional_text(9);
    if (auto t = s.optional_text(10)) v.presence = scheduler::parse<scheduler::presence_state>(*t);
    if (auto t = s.optional_text(11)) v.mode = scheduler::parse<scheduler::attendance_mode>(*t);
    v.recorded_at = s.optional_text(12);
    return v;
}

// The person's invitation to the event, if they are invited.
std::optional<invitation> find_invitation(connection& db, const std::string& event_id, const std::string& person_id) {
    static const std::string sql = std::string(invitation_select) + "WHERE i.event_id = ?2 AND i.person_id = ?3";
    auto s = db.prepare(sql.c_str());
    s.bind_all(scheduler::now_utc(), event_id, person_id);
    if (!s.step()) return std::nullopt;
    return read_invitation(s);
}

// Checks for record_presence and add_guest: the event exists (not_found) and the person
// is one of its programme's (invalid_input "person_id"), active when `must_be_active`.
status check_event_and_person(connection& db, const std::string& event_id, const std::string& person_id,
                              bool must_be_active) {
    const auto programme = event_programme(db, event_id);
    if (!programme) return no_event(event_id);
    const auto person = person_of(db, person_id);
    if (!person || person->programme_id != *programme)
        return error::invalid("person_id", "no such person in this event's programme");
    if (must_be_active && !person->active) return error::invalid("person_id", "the person is not active");
    return scheduler::ok();
}

// Stores a guest row for someone not invited. A row of someone no longer invited by the
// data (ignored until the freeze would delete it) becomes the guest row, answers and all.
void insert_guest(connection& db, const std::string& event_id, const std::string& person_id, const std::string& now) {
    db.prepare("INSERT INTO attendance(event_id, person_id, invited_via, invited_at) VALUES (?1, ?2, 'guest', ?3) "
               "ON CONFLICT(event_id, person_id) DO UPDATE SET invited_via = 'guest', invited_at = excluded.invited_at")
        .bind_all(event_id, person_id, now)
        .run();
}

} // namespace

result<std::vector<invitation>> sql_store::event_invitations(const std::string& event_id) {
    return guarded([&]() -> result<std::vector<invitation>> {
        if (!event_programme(db_, event_id)) return no_event(event_id);
        static const std::string sql = std::string(invitation_select) + "WHERE i.event_id = ?2 ORDER BY p.name, p.id";
        auto s = db_.prepare(sql.c_str());
        s.bind_all(scheduler::now_utc(), event_id);
        std::vector<invitation> out;
        while (s.step()) out.push_back(read_invitation(s));
        return out;
    });
}

result<invitation> sql_store::get_invitation(const std::string& event_id, const std::string& person_id) {
    return guarded([&]() -> result<invitation> {
        if (!event_programme(db_, event_id)) return no_event(event_id);
        auto v = find_invitation(db_, event_id, person_id);
        if (!v) return not_invited(event_id, person_id);
        return std::move(*v);
    });
}

result<invitation> sql_store::set_rsvp(const std::string& event_id, const std::string& person_id,
                                       scheduler::rsvp_answer answer, const std::optional<std::string>& comment,
                                       const std::string& now) {
    return guarded([&]() -> result<invitation> {
        if (!event_programme(db_, event_id)) return no_event(event_id);
        const auto v = find_invitation(db_, event_id, person_id);
        if (!v) return not_invited(event_id, person_id);
        db_.prepare("INSERT INTO attendance(event_id, person_id, invited_via, invited_at, rsvp, rsvp_comment, rsvp_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4) ON CONFLICT(event_id, person_id) DO UPDATE SET "
                    "invited_via = excluded.invited_via, rsvp = excluded.rsvp, rsvp_comment = excluded.rsvp_comment, "
                    "rsvp_at = excluded.rsvp_at")
            .bind_all(event_id, person_id, scheduler::to_string(v->source), now, scheduler::to_string(answer), comment)
            .run();
        detail::note_outbox_change(db_, event_id, person_id);
        return get_invitation(event_id, person_id);
    });
}

result<invitation> sql_store::record_presence(const std::string& event_id, const std::string& person_id,
                                              scheduler::presence_state presence,
                                              std::optional<scheduler::attendance_mode> mode, const std::string& now) {
    return guarded([&]() -> result<invitation> {
        if (auto st = check_event_and_person(db_, event_id, person_id, false); !st) return st.err();
        // Someone not invited who came anyway (inactive people included) becomes a guest; a
        // row of someone no longer invited by the data becomes the guest row.
        const auto v = find_invitation(db_, event_id, person_id);
        const std::string source = v ? std::string(scheduler::to_string(v->source)) : "guest";
        std::optional<std::string> mode_text;
        if (mode) mode_text = std::string(scheduler::to_string(*mode));
        db_.prepare("INSERT INTO attendance(event_id, person_id, invited_via, invited_at, presence, mode, recorded_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4) ON CONFLICT(event_id, person_id) DO UPDATE SET "
                    "invited_via = excluded.invited_via, presence = excluded.presence, mode = excluded.mode, "
                    "recorded_at = excluded.recorded_at")
            .bind_all(event_id, person_id, source, now, scheduler::to_string(presence), mode_text)
            .run();
        return get_invitation(event_id, person_id);
    });
}

result<invitation> sql_store::add_guest(const std::string& event_id, const std::string& person_id,
                                        const std::string& now) {
    return guarded([&]() -> result<invitation> {
        if (auto st = check_event_and_person(db_, event_id, person_id, true); !st) return st.err();
        if (auto v = find_invitation(db_, event_id, person_id))
            return error{errc::conflict,
                         "The person is already invited to this event (" +
                             std::string(scheduler::to_string(v->source)) + ").",
                         {{"person_id", "is already invited"}}};
        insert_guest(db_, event_id, person_id, now);
        detail::note_outbox_change(db_, event_id, person_id);
        return get_invitation(event_id, person_id);
    });
}

status sql_store::remove_guest(const std::string& event_id, const std::string& person_id) {
    return guarded([&]() -> status {
        if (!event_programme(db_, event_id)) return no_event(event_id);
        const auto v = find_invitation(db_, event_id, person_id);
        if (!v || v->source != scheduler::invitation_source::guest)
            return error{
                errc::not_found, "The person '" + person_id + "' is not a guest of the event '" + event_id + "'.", {}};
        if (v->presence) return error{errc::conflict, "A presence is recorded for this guest: the record stays.", {}};
        db_.prepare("DELETE FROM attendance WHERE event_id = ? AND person_id = ?").bind_all(event_id, person_id).run();
        detail::note_outbox_change(db_, event_id, person_id);
        return scheduler::ok();
    });
}

result<std::size_t> sql_store::freeze_started_events(const std::string& now) {
    return guarded([&]() -> result<std::size_t> {
        // One probe of the partial index events_unfrozen when nothing has started since the
        // last batch, which is nearly always.
        std::vector<std::string> started;
        {
            auto s = db_.prepare("SELECT id FROM events WHERE invitations_frozen_at IS NULL AND start_utc <= ? "
                                 "ORDER BY start_utc, id");
            s.bind(1, now);
            while (s.step()) started.push_back(s.text(0));
        }
        for (const auto& id : started) {
            // Instances sharing a PostgreSQL database freeze at the start of each of their
            // batches: one event is frozen by one of them, the others find it done.
            db_.lock_key("freeze " + id);
            {
                auto again = db_.prepare("SELECT 1 FROM events WHERE id = ? AND invitations_frozen_at IS NULL");
                if (!again.bind(1, id).step()) continue;
            }
            // Rows of people the data no longer invites go (answers with them); guests stay;
            // the derived people without a row get one. Same order as the view's rule: a
            // guest row wins over a derivation of the same person.
            db_.prepare("DELETE FROM attendance WHERE event_id = ?1 AND invited_via <> 'guest' "
                        "AND person_id NOT IN (SELECT person_id FROM derived_invitations WHERE event_id = ?1)")
                .bind_all(id)
                .run();
            db_.prepare("INSERT INTO attendance(event_id, person_id, invited_via, invited_at) "
                        "SELECT event_id, person_id, invited_via, ?2 FROM derived_invitations WHERE event_id = ?1 "
                        "ON CONFLICT(event_id, person_id) DO NOTHING")
                .bind_all(id, now)
                .run();
            db_.prepare("UPDATE events SET invitations_frozen_at = ?2 WHERE id = ?1").bind_all(id, now).run();
        }
        return started.size();
    });
}

result<std::vector<invitation>> sql_store::person_invitations(const std::string& person_id, const std::string& from_utc,
                                                              const std::string& to_utc) {
    return guarded([&]() -> result<std::vector<invitation>> {
        static const std::string sql = std::string(invitation_select) +
                                       "WHERE i.person_id = ?2 AND i.start_utc >= ?3 AND i.start_utc < ?4"
                                       " ORDER BY i.start_utc, i.event_id";
        auto s = db_.prepare(sql.c_str());
        s.bind_all(scheduler::now_utc(), person_id, from_utc, to_utc);
        std::vector<invitation> out;
        while (s.step()) out.push_back(read_invitation(s));
        return out;
    });
}

namespace {

// The parts of report_facts, each in the order report_facts states.

std::vector<scheduler::report_organisation> report_organisations(connection& db, const std::string& programme_id) {
    std::vector<scheduler::report_organisation> out;
    auto s = db.prepare("SELECT id, name, kind, level FROM organisations WHERE programme_id = ? "
                        "ORDER BY name, id");
    s.bind(1, programme_id);
    while (s.step()) {
        scheduler::report_organisation o;
        o.id = s.text(0);
        o.name = s.text(1);
        o.kind = scheduler::parse<scheduler::organisation_kind>(s.text(2)).value_or(o.kind);
        o.level = scheduler::parse<scheduler::organisation_level>(s.text(3)).value_or(o.level);
        out.push_back(std::move(o));
    }
    return out;
}

std::vector<scheduler::report_person> report_people(connection& db, const std::string& programme_id) {
    std::vector<scheduler::report_person> out;
    auto s = db.prepare("SELECT id, name, organisation_id, role, active FROM people WHERE programme_id = ? "
                        "ORDER BY name, id");
    s.bind(1, programme_id);
    while (s.step()) {
        scheduler::report_person p;
        p.id = s.text(0);
        p.name = s.text(1);
        p.organisation_id = s.text(2);
        p.role = scheduler::parse<scheduler::person_role>(s.text(3)).value_or(p.role);
        p.active = s.integer(4) != 0;
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<scheduler::report_group> report_groups(connection& db, const std::string& programme_id) {
    std::vector<scheduler::report_group> out;
    auto s = db.prepare("SELECT id, name, archived_at IS NOT NULL FROM working_groups WHERE programme_id = ? "
                        "ORDER BY name, id");
    s.bind(1, programme_id);
    while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2) != 0});
    return out;
}

std::vector<scheduler::report_membership> report_memberships(connection& db, const std::string& programme_id) {
    std::vector<scheduler::report_membership> out;
    auto s = db.prepare("SELECT m.person_id, m.working_group_id, m.valid_from, m.valid_until"
                        " FROM working_groups g JOIN memberships m ON m.working_group_id = g.id"
                        " WHERE g.programme_id = ? ORDER BY m.working_group_id, m.person_id, m.valid_from");
    s.bind(1, programme_id);
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.optional_text(3)});
    return out;
}

std::vector<scheduler::report_event> report_events(connection& db, const std::string& programme_id,
                                                   const std::string& from_utc, const std::string& to_utc) {
    std::vector<scheduler::report_event> out;
    auto s = db.prepare("SELECT id, kind, working_group_id, title, start_local, start_utc, end_utc, status"
                        " FROM events WHERE programme_id = ?1 AND start_utc >= ?2 AND start_utc < ?3"
                        " ORDER BY start_utc, id");
    s.bind_all(programme_id, from_utc, to_utc);
    while (s.step()) {
        scheduler::report_event e;
        e.id = s.text(0);
        e.kind = scheduler::parse<scheduler::event_kind>(s.text(1)).value_or(e.kind);
        e.working_group_id = s.optional_text(2);
        e.title = s.text(3);
        e.start_local = s.text(4);
        e.start_utc = s.text(5);
        e.end_utc = s.text(6);
        e.status = scheduler::parse<scheduler::event_status>(s.text(7)).value_or(e.status);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<scheduler::report_invitation> report_invitations(connection& db, const std::string& programme_id,
                                                             const std::string& from_utc, const std::string& to_utc) {
    std::vector<scheduler::report_invitation> out;
    // Tens of thousands of rows for a year: no ORDER BY, the callers count.
    auto s = db.prepare("SELECT event_id, person_id, invited_via, rsvp, presence, mode FROM invitations"
                        " WHERE programme_id = ?1 AND start_utc >= ?2 AND start_utc < ?3");
    s.bind_all(programme_id, from_utc, to_utc);
    while (s.step()) {
        scheduler::report_invitation v;
        v.event_id = s.text(0);
        v.person_id = s.text(1);
        v.source = scheduler::parse<scheduler::invitation_source>(s.text(2)).value_or(v.source);
        if (auto t = s.optional_text(3)) v.rsvp = scheduler::parse<scheduler::rsvp_answer>(*t);
        if (auto t = s.optional_text(4)) v.presence = scheduler::parse<scheduler::presence_state>(*t);
        if (auto t = s.optional_text(5)) v.mode = scheduler::parse<scheduler::attendance_mode>(*t);
        out.push_back(std::move(v));
    }
    return out;
}

} // namespace

result<scheduler::report_facts> sql_store::report_facts_for(const std::string& programme_id,
                                                            const std::string& from_utc, const std::string& to_utc) {
    return guarded([&]() -> result<scheduler::report_facts> {
        scheduler::report_facts out;
        out.organisations = report_organisations(db_, programme_id);
        out.people = report_people(db_, programme_id);
        out.groups = report_groups(db_, programme_id);
        out.memberships = report_memberships(db_, programme_id);
        out.events = report_events(db_, programme_id, from_utc, to_utc);
        out.invitations = report_invitations(db_, programme_id, from_utc, to_utc);
        return out;
    });
}

} // namespace copsched::storage
