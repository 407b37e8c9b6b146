// Attendance on the SQLite store: who is invited (derived from people and memberships until
// the event starts, frozen from then on), answers, presence, guests, memberships that change,
// the facts the reports read, and the freeze the writer runs at the start of every batch.
#include "storage/sql_store.hpp"

#include "scheduler/civil_time.hpp"
#include "storage/database_file.hpp"
#include "storage/migrations.hpp"
#include "storage/sql_database.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

using namespace copsched;
using scheduler::errc;
using scheduler::event_kind;
using scheduler::invitation;
using scheduler::invitation_source;
using storage::sqlite_connection;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";
// Events "in the future" are in 2098, so that no clock reading of the store (the `frozen`
// flag of a started event) makes them started; the tests pass `now` to the freeze.
constexpr const char* before_2098 = "2097-12-01T00:00:00Z";

struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg, other_prg, org, org_b, other_org;
    int people_made = 0;

    fixture() {
        (void)storage::migrate(db);
        prg = programme("cop");
        other_prg = programme("other");
        org = organisation(prg, "Gemeente Utrecht");
        org_b = organisation(prg, "Bouwbedrijf");
        other_org = organisation(other_prg, "Elders");
    }
    std::string programme(const std::string& slug) {
        scheduler::programme p;
        p.slug = slug;
        p.name = slug;
        p.starts_on = "2026-01-01";
        p.ends_on = "2099-12-31";
        auto r = store.create_programme(p, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string organisation(const std::string& programme_id, const std::string& name) {
        scheduler::organisation o;
        o.programme_id = programme_id;
        o.name = name;
        auto r = store.create_organisation(o, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string person(const std::string& name, bool active = true,
                       scheduler::person_role role = scheduler::person_role::buyer, std::string organisation_id = {},
                       std::string programme_id = {}) {
        scheduler::person p;
        p.programme_id = programme_id.empty() ? prg : programme_id;
        p.organisation_id = organisation_id.empty() ? org : organisation_id;
        p.name = name;
        p.email = std::to_string(people_made++) + "@example.org"; // names may repeat
        p.role = role;
        p.active = active;
        auto r = store.create_person(p, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    void set_active(const std::string& id, bool active) {
        auto p = store.get_person(id);
        REQUIRE(p.ok());
        auto changed = *p;
        changed.active = active;
        REQUIRE(store.update_person(changed, std::nullopt, t0).ok());
    }
    std::string group(const std::string& slug) {
        scheduler::working_group g;
        g.programme_id = prg;
        g.slug = slug;
        g.name = slug;
        auto r = store.create_working_group(g, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string member(const std::string& g, const std::string& p, const std::string& from,
                       std::optional<std::string> until = {}) {
        scheduler::membership m;
        m.working_group_id = g;
        m.person_id = p;
        m.from = from;
        m.until = std::move(until);
        auto r = store.create_membership(m, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    // An event of two hours; winter time, UTC+1.
    std::string event(event_kind kind, const std::string& start_local, std::optional<std::string> g = {},
                      scheduler::event_status status = scheduler::event_status::confirmed) {
        const auto local = scheduler::seconds_from_civil(*scheduler::parse_local_time(start_local));
        scheduler::event e;
        e.programme_id = prg;
        e.kind = kind;
        e.title = std::string(scheduler::to_string(kind)) + " " + start_local;
        e.working_group_id = std::move(g);
        e.start_local = start_local;
        e.end_local = scheduler::format_local_time(scheduler::civil_from_seconds(local + std::chrono::hours(2)));
        e.start_utc = scheduler::format_instant(local - std::chrono::hours(1));
        e.end_utc = scheduler::format_instant(local + std::chrono::hours(1));
        e.status = status;
        auto r = store.create_event(e, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::vector<invitation> invitations(const std::string& event_id) {
        auto r = store.event_invitations(event_id);
        INFO((r.ok() ? std::string() : r.err().detail));
        REQUIRE(r.ok());
        return *r;
    }
    std::vector<std::string> invited(const std::string& event_id) {
        std::vector<std::string> out;
        for (const auto& v : invitations(event_id)) out.push_back(v.person_id);
        return out;
    }
    std::size_t freeze(const std::string& now) {
        auto r = store.freeze_started_events(now);
        INFO((r.ok() ? std::string() : r.err().detail));
        REQUIRE(r.ok());
        return *r;
    }
};

template <class T>
void require_error(const scheduler::result<T>& r, errc code, const std::string& field = {}) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == code);
    if (!field.empty()) {
        REQUIRE(r.err().fields.size() == 1);
        CHECK(r.err().fields[0].field == field);
    }
}

void require_error(const scheduler::status& st, errc code) {
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == code);
}

std::vector<std::string> ids(std::initializer_list<std::string> v) { return v; }

} // namespace

TEST_CASE("invitations are derived from the programme's people and the group's members on the event's date",
          "[store][storage][attendance]") {
    fixture f;
    const auto bram = f.person("Bram", true, scheduler::person_role::consultant, f.org_b);
    const auto anna = f.person("Anna");
    const auto sleeping = f.person("Carla", false); // inactive: never derived
    const auto later = f.person("Daan");
    const auto left = f.person("Eva");
    (void)f.person("Stranger", true, scheduler::person_role::other, f.other_org, f.other_prg);
    const auto g = f.group("inkoop");
    f.member(g, anna, "2098-01-01");
    f.member(g, sleeping, "2098-01-01");
    f.member(g, later, "2098-03-11");              // from the day after the session
    f.member(g, left, "2097-01-01", "2098-03-10"); // up to and including the session's date

    const auto cop = f.event(event_kind::cop_meeting, "2098-03-10T10:00");
    const auto session = f.event(event_kind::working_group_session, "2098-03-10T14:00", g);
    const auto other = f.event(event_kind::other, "2098-03-10T18:00");

    const auto meeting = f.invitations(cop);
    CHECK(f.invited(cop) == ids({anna, bram, later, left})); // by name; Carla inactive, Stranger elsewhere
    REQUIRE(meeting.size() == 4);
    CHECK(meeting[1].person_name == "Bram");
    CHECK(meeting[1].organisation_id == f.org_b);
    CHECK(meeting[1].role == scheduler::person_role::consultant);
    CHECK(meeting[1].event_id == cop);
    CHECK_FALSE(meeting[1].frozen);
    CHECK_FALSE(meeting[1].rsvp);
    CHECK_FALSE(meeting[1].presence);
    for (const auto& v : meeting) CHECK(v.source == invitation_source::programme);

    CHECK(f.invited(session) == ids({anna, left}));
    for (const auto& v : f.invitations(session)) CHECK(v.source == invitation_source::working_group);

    CHECK(f.invitations(other).empty());
    REQUIRE(f.store.add_guest(other, bram, t0).ok());
    const auto guests = f.invitations(other);
    REQUIRE(guests.size() == 1);
    CHECK(guests[0].person_id == bram);
    CHECK(guests[0].source == invitation_source::guest);
    CHECK(guests[0].person_name == "Bram");

    // Same names are ordered by id.
    const auto anna2 = f.person("Anna");
    const auto both = f.invited(cop);
    REQUIRE(both.size() == 5);
    CHECK(both[0] == std::min(anna, anna2));
    CHECK(both[1] == std::max(anna, anna2));

    require_error(f.store.event_invitations("evt_unknown"), errc::not_found);
    CHECK(f.store.get_invitation(session, anna)->person_name == "Anna");
    require_error(f.store.get_invitation(session, later), errc::not_found);
    require_error(f.store.get_invitation("evt_unknown", anna), errc::not_found);
}

TEST_CASE("a future event's invitations follow memberships and people as they change", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto g = f.group("inkoop");
    const auto cop = f.event(event_kind::cop_meeting, "2098-05-01T10:00");
    const auto session = f.event(event_kind::working_group_session, "2098-05-01T14:00", g);
    CHECK(f.invited(session).empty());

    // A membership created later, starting before the session: invited.
    const auto anna_in_g = f.member(g, anna, "2098-04-01");
    CHECK(f.invited(session) == ids({anna}));
    // Ending it before the session's date: no longer invited.
    auto m = f.store.get_membership(anna_in_g);
    REQUIRE(m.ok());
    m->until = "2098-04-30";
    REQUIRE(f.store.update_membership(*m, t0).ok());
    CHECK(f.invited(session).empty());
    m->until = "2098-05-01";
    REQUIRE(f.store.update_membership(*m, t0).ok());
    CHECK(f.invited(session) == ids({anna}));

    // Setting a person inactive removes them from future CoP meetings and sessions.
    CHECK(f.invited(cop) == ids({anna, bram}));
    f.set_active(anna, false);
    CHECK(f.invited(cop) == ids({bram}));
    CHECK(f.invited(session).empty());
    f.set_active(anna, true);
    CHECK(f.invited(cop) == ids({anna, bram}));
}

TEST_CASE("the freeze keeps a started event's invitations whatever changes later", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto carla = f.person("Carla");
    const auto g = f.group("inkoop");
    const auto anna_in_g = f.member(g, anna, "2098-01-01");
    const auto bram_in_g = f.member(g, bram, "2098-01-01");
    const auto past_cop = f.event(event_kind::cop_meeting, "2098-02-01T10:00");
    const auto past_session = f.event(event_kind::working_group_session, "2098-02-01T14:00", g);
    const auto cancelled =
        f.event(event_kind::cop_meeting, "2098-02-02T10:00", std::nullopt, scheduler::event_status::cancelled);
    const auto future_cop = f.event(event_kind::cop_meeting, "2098-06-01T10:00");
    const auto future_session = f.event(event_kind::working_group_session, "2098-06-01T14:00", g);

    // Answers given before the start; Bram's membership then ends before the session, so
    // his answer is of someone no longer invited.
    REQUIRE(f.store.set_rsvp(past_session, anna, scheduler::rsvp_answer::accepted, "graag", t0).ok());
    REQUIRE(f.store.set_rsvp(past_session, bram, scheduler::rsvp_answer::declined, std::nullopt, t0).ok());
    auto bm = f.store.get_membership(bram_in_g);
    bm->until = "2098-01-15";
    REQUIRE(f.store.update_membership(*bm, t0).ok());
    CHECK(f.invited(past_session) == ids({anna}));
    REQUIRE(f.store.add_guest(past_session, carla, t0).ok());

    CHECK(f.freeze(before_2098) == 0);
    const char* freeze_at = "2098-02-10T00:00:00Z";
    CHECK(f.freeze(freeze_at) == 3); // both past events and the cancelled one
    CHECK(f.freeze(freeze_at) == 0); // nothing left to freeze

    const auto session_list = f.invitations(past_session);
    REQUIRE(session_list.size() == 2);
    CHECK(session_list[0].person_id == anna);
    CHECK(session_list[0].frozen);
    CHECK(session_list[0].source == invitation_source::working_group);
    CHECK(session_list[0].rsvp == scheduler::rsvp_answer::accepted); // answers are kept
    CHECK(session_list[0].rsvp_comment == "graag");
    CHECK(session_list[1].person_id == carla);
    CHECK(session_list[1].source == invitation_source::guest); // guests are kept
    CHECK(f.invited(cancelled) == ids({anna, bram, carla}));
    {
        // Bram's answer was dropped: no stored row is left for him.
        auto s = f.db.prepare("SELECT COUNT(*) FROM attendance WHERE event_id = ? AND person_id = ?");
        s.bind_all(past_session, bram);
        REQUIRE(s.step());
        CHECK(s.integer(0) == 0);
    }
    {
        auto s = f.db.prepare("SELECT invitations_frozen_at FROM events WHERE id = ?");
        s.bind(1, past_cop);
        REQUIRE(s.step());
        CHECK(s.text(0) == freeze_at);
    }

    // Later changes: a new person, a deactivated one, a new member, an ended membership.
    const auto daan = f.person("Daan");
    f.set_active(bram, false);
    f.member(g, daan, "2097-06-01");
    auto am = f.store.get_membership(anna_in_g);
    am->until = "2098-01-20";
    REQUIRE(f.store.update_membership(*am, t0).ok());

    CHECK(f.invited(past_cop) == ids({anna, bram, carla}));
    CHECK(f.invited(past_session) == ids({anna, carla}));
    CHECK(f.invited(cancelled) == ids({anna, bram, carla}));
    // The future still follows the data.
    CHECK(f.invited(future_cop) == ids({anna, carla, daan}));
    CHECK(f.invited(future_session) == ids({daan}));
    // Answers and presence can still be recorded on a frozen event.
    REQUIRE(f.store.set_rsvp(past_cop, bram, scheduler::rsvp_answer::tentative, std::nullopt, t0).ok());
    CHECK(f.store.get_invitation(past_cop, bram)->rsvp == scheduler::rsvp_answer::tentative);
    require_error(f.store.set_rsvp(past_cop, daan, scheduler::rsvp_answer::accepted, std::nullopt, t0),
                  errc::not_found);
}

TEST_CASE("a started event read before the freeze gives the list it is frozen to", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto carla = f.person("Carla");
    const auto g = f.group("inkoop");
    f.member(g, anna, "2020-01-01");
    f.member(g, bram, "2020-01-01", "2021-02-02");
    // Started by the wall clock too, so the store reports its records frozen before the freeze.
    const auto session = f.event(event_kind::working_group_session, "2021-03-01T14:00", g);
    const auto cop = f.event(event_kind::cop_meeting, "2021-03-02T10:00");
    REQUIRE(f.store.set_rsvp(session, anna, scheduler::rsvp_answer::accepted, std::nullopt, t0).ok());
    REQUIRE(f.store.add_guest(session, carla, t0).ok());
    REQUIRE(
        f.store.record_presence(cop, bram, scheduler::presence_state::present, scheduler::attendance_mode::online, t0)
            .ok());

    const auto session_before = f.invitations(session);
    const auto cop_before = f.invitations(cop);
    REQUIRE(session_before.size() == 2);
    CHECK(session_before[0].frozen);
    CHECK(f.freeze("2021-04-01T00:00:00Z") == 2);
    const auto session_after = f.invitations(session);
    const auto cop_after = f.invitations(cop);
    REQUIRE(session_after.size() == session_before.size());
    REQUIRE(cop_after.size() == cop_before.size());
    for (std::size_t i = 0; i < session_after.size(); ++i) {
        CHECK(session_after[i].person_id == session_before[i].person_id);
        CHECK(session_after[i].source == session_before[i].source);
        CHECK(session_after[i].frozen == session_before[i].frozen);
        CHECK(session_after[i].rsvp == session_before[i].rsvp);
        CHECK(session_after[i].rsvp_at == session_before[i].rsvp_at);
    }
    for (std::size_t i = 0; i < cop_after.size(); ++i) {
        CHECK(cop_after[i].person_id == cop_before[i].person_id);
        CHECK(cop_after[i].source == cop_before[i].source);
        CHECK(cop_after[i].presence == cop_before[i].presence);
        CHECK(cop_after[i].mode == cop_before[i].mode);
    }
    CHECK(f.store.person_invitations(bram, "2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z")->size() == 1);
}

TEST_CASE("answers are stored for invited people only and overwrite the previous one", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto g = f.group("inkoop");
    f.member(g, anna, "2098-01-01");
    const auto session = f.event(event_kind::working_group_session, "2098-03-10T14:00", g);

    auto r = f.store.set_rsvp(session, anna, scheduler::rsvp_answer::tentative, "misschien", "2098-01-02T10:00:00Z");
    REQUIRE(r.ok());
    CHECK(r->rsvp == scheduler::rsvp_answer::tentative);
    CHECK(r->rsvp_comment == "misschien");
    CHECK(r->rsvp_at == "2098-01-02T10:00:00Z");
    CHECK(r->source == invitation_source::working_group);

    r = f.store.set_rsvp(session, anna, scheduler::rsvp_answer::declined, std::nullopt, "2098-01-03T10:00:00Z");
    REQUIRE(r.ok());
    CHECK(f.store.get_invitation(session, anna)->rsvp == scheduler::rsvp_answer::declined);
    CHECK_FALSE(f.store.get_invitation(session, anna)->rsvp_comment); // none clears it
    CHECK(f.store.get_invitation(session, anna)->rsvp_at == "2098-01-03T10:00:00Z");
    CHECK(f.invitations(session).size() == 1); // the stored answer does not add a second row

    require_error(f.store.set_rsvp(session, bram, scheduler::rsvp_answer::accepted, std::nullopt, t0), errc::not_found);
    require_error(f.store.set_rsvp("evt_unknown", anna, scheduler::rsvp_answer::accepted, std::nullopt, t0),
                  errc::not_found);
}

TEST_CASE("presence is recorded, and someone of the programme who came uninvited becomes a guest",
          "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto sleeping = f.person("Carla", false);
    const auto stranger = f.person("Stranger", true, scheduler::person_role::other, f.other_org, f.other_prg);
    const auto g = f.group("inkoop");
    f.member(g, anna, "2098-01-01");
    const auto session = f.event(event_kind::working_group_session, "2098-03-10T14:00", g);

    auto r = f.store.record_presence(session, anna, scheduler::presence_state::present,
                                     scheduler::attendance_mode::onsite, "2098-03-10T15:00:00Z");
    REQUIRE(r.ok());
    CHECK(r->presence == scheduler::presence_state::present);
    CHECK(r->mode == scheduler::attendance_mode::onsite);
    CHECK(r->recorded_at == "2098-03-10T15:00:00Z");
    CHECK(r->source == invitation_source::working_group);
    r = f.store.record_presence(session, anna, scheduler::presence_state::excused, std::nullopt,
                                "2098-03-10T16:00:00Z");
    REQUIRE(r.ok());
    CHECK(r->presence == scheduler::presence_state::excused);
    CHECK_FALSE(r->mode);
    CHECK(r->recorded_at == "2098-03-10T16:00:00Z");

    // Not invited, same programme: added as a guest first (inactive people too: they came).
    r = f.store.record_presence(session, bram, scheduler::presence_state::present, scheduler::attendance_mode::online,
                                t0);
    REQUIRE(r.ok());
    CHECK(r->source == invitation_source::guest);
    CHECK(r->presence == scheduler::presence_state::present);
    REQUIRE(f.store.record_presence(session, sleeping, scheduler::presence_state::present, std::nullopt, t0).ok());
    CHECK(f.invited(session) == ids({anna, bram, sleeping}));

    require_error(f.store.record_presence(session, stranger, scheduler::presence_state::present, std::nullopt, t0),
                  errc::invalid_input, "person_id");
    require_error(f.store.record_presence(session, "per_unknown", scheduler::presence_state::present, std::nullopt, t0),
                  errc::invalid_input, "person_id");
    require_error(f.store.record_presence("evt_unknown", anna, scheduler::presence_state::present, std::nullopt, t0),
                  errc::not_found);
}

TEST_CASE("guests are added once, only from the active people of the programme, and removed until present",
          "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto carla = f.person("Carla");
    const auto sleeping = f.person("Dirk", false);
    const auto stranger = f.person("Stranger", true, scheduler::person_role::other, f.other_org, f.other_prg);
    const auto g = f.group("inkoop");
    f.member(g, anna, "2098-01-01");
    const auto session = f.event(event_kind::working_group_session, "2098-03-10T14:00", g);
    const auto cop = f.event(event_kind::cop_meeting, "2098-03-11T10:00");

    auto guest = f.store.add_guest(session, bram, t0);
    REQUIRE(guest.ok());
    CHECK(guest->source == invitation_source::guest);
    require_error(f.store.add_guest(session, bram, t0), errc::conflict); // already a guest
    require_error(f.store.add_guest(session, anna, t0), errc::conflict); // a member
    require_error(f.store.add_guest(cop, carla, t0), errc::conflict);    // the programme's meeting
    require_error(f.store.add_guest(session, sleeping, t0), errc::invalid_input, "person_id");
    require_error(f.store.add_guest(session, stranger, t0), errc::invalid_input, "person_id");
    require_error(f.store.add_guest("evt_unknown", carla, t0), errc::not_found);

    // A guest who becomes a member stays a guest until removed as one, then is a member.
    f.member(g, bram, "2098-02-01");
    CHECK(f.store.get_invitation(session, bram)->source == invitation_source::guest);
    CHECK(f.invited(session) == ids({anna, bram}));

    require_error(f.store.remove_guest(session, anna), errc::not_found); // a member, not a guest
    require_error(f.store.remove_guest(session, carla), errc::not_found);
    REQUIRE(f.store.remove_guest(session, bram).ok());
    CHECK(f.store.get_invitation(session, bram)->source == invitation_source::working_group);
    require_error(f.store.remove_guest(session, bram), errc::not_found);

    REQUIRE(f.store.add_guest(session, carla, t0).ok());
    REQUIRE(f.store.set_rsvp(session, carla, scheduler::rsvp_answer::accepted, std::nullopt, t0).ok());
    REQUIRE(f.store.remove_guest(session, carla).ok()); // an answer does not keep a guest
    REQUIRE(f.store.add_guest(session, carla, t0).ok());
    CHECK_FALSE(f.store.get_invitation(session, carla)->rsvp);
    REQUIRE(f.store.record_presence(session, carla, scheduler::presence_state::absent, std::nullopt, t0).ok());
    require_error(f.store.remove_guest(session, carla), errc::conflict);
    CHECK(f.invited(session) == ids({anna, bram, carla}));
}

TEST_CASE("memberships are read and their role and end changed", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto g = f.group("inkoop");
    const auto first = f.member(g, anna, "2098-01-01", "2098-03-31");
    const auto second = f.member(g, anna, "2098-06-01");

    auto m = f.store.get_membership(first);
    REQUIRE(m.ok());
    CHECK(m->person_id == anna);
    CHECK(m->working_group_id == g);
    CHECK(m->from == "2098-01-01");
    CHECK(m->until == "2098-03-31");
    require_error(f.store.get_membership("mem_unknown"), errc::not_found);

    auto changed = *m;
    changed.role = scheduler::membership_role::chair;
    changed.until = "2098-05-31";
    changed.from = "2020-01-01"; // fixed: ignored
    auto r = f.store.update_membership(changed, t0);
    REQUIRE(r.ok());
    CHECK(r->role == scheduler::membership_role::chair);
    CHECK(r->until == "2098-05-31");
    CHECK(r->from == "2098-01-01");
    CHECK(f.store.get_membership(first)->role == scheduler::membership_role::chair);

    changed.until = "2097-12-31";
    require_error(f.store.update_membership(changed, t0), errc::invalid_input, "until");
    changed.until = "2098-06-01"; // the second one starts that day
    require_error(f.store.update_membership(changed, t0), errc::conflict);
    changed.until = std::nullopt; // open: overlaps the second too
    require_error(f.store.update_membership(changed, t0), errc::conflict);
    CHECK(f.store.get_membership(first)->until == "2098-05-31");
    // The open second one may end, and its own span does not conflict with itself.
    auto open = f.store.get_membership(second).value();
    open.until = "2098-12-31";
    REQUIRE(f.store.update_membership(open, t0).ok());
    changed.id = "mem_unknown";
    require_error(f.store.update_membership(changed, t0), errc::not_found);
}

TEST_CASE("report facts hold the programme's data and every invitation to the window's events",
          "[store][storage][attendance]") {
    fixture f;
    const auto bram = f.person("Bram", true, scheduler::person_role::consultant, f.org_b);
    const auto anna = f.person("Anna");
    const auto sleeping = f.person("Carla", false);
    (void)f.person("Stranger", true, scheduler::person_role::other, f.other_org, f.other_prg);
    const auto g = f.group("zorg");
    const auto h = f.group("afval");
    REQUIRE(f.store.archive_working_group(h, std::nullopt, t0).ok());
    f.member(g, anna, "2098-01-01", "2098-12-31");
    f.member(h, bram, "2098-01-01");
    const auto early = f.event(event_kind::cop_meeting, "2098-01-05T10:00");
    const auto past = f.event(event_kind::cop_meeting, "2098-02-01T10:00");
    const auto cancelled =
        f.event(event_kind::working_group_session, "2098-03-01T10:00", g, scheduler::event_status::cancelled);
    const auto future = f.event(event_kind::working_group_session, "2098-06-01T10:00", g);
    const auto outside = f.event(event_kind::cop_meeting, "2099-01-05T10:00");
    REQUIRE(
        f.store.record_presence(past, anna, scheduler::presence_state::present, scheduler::attendance_mode::online, t0)
            .ok());
    REQUIRE(f.store.set_rsvp(future, anna, scheduler::rsvp_answer::accepted, std::nullopt, t0).ok());
    REQUIRE(f.store.add_guest(future, bram, t0).ok());
    CHECK(f.freeze("2098-02-02T00:00:00Z") == 2);
    f.set_active(bram, false); // after the freeze: still invited to `past`

    auto r = f.store.report_facts_for(f.prg, "2098-01-10T00:00:00Z", "2099-01-01T00:00:00Z");
    INFO((r.ok() ? std::string() : r.err().detail));
    REQUIRE(r.ok());
    REQUIRE(r->organisations.size() == 2);
    CHECK(r->organisations[0].name == "Bouwbedrijf");
    CHECK(r->organisations[1].id == f.org);
    REQUIRE(r->people.size() == 3);
    CHECK(r->people[0].id == anna);
    CHECK(r->people[1].id == bram);
    CHECK_FALSE(r->people[1].active);
    CHECK(r->people[1].role == scheduler::person_role::consultant);
    CHECK(r->people[1].organisation_id == f.org_b);
    CHECK(r->people[2].id == sleeping);
    REQUIRE(r->groups.size() == 2);
    CHECK(r->groups[0].id == h); // by name: afval, zorg
    CHECK(r->groups[0].archived);
    CHECK_FALSE(r->groups[1].archived);
    REQUIRE(r->memberships.size() == 2);
    for (const auto& m : r->memberships)
        if (m.person_id == anna) {
            CHECK(m.working_group_id == g);
            CHECK(m.until == "2098-12-31");
        } else {
            CHECK(m.working_group_id == h);
            CHECK_FALSE(m.until);
        }
    REQUIRE(r->events.size() == 3); // `early` and `outside` are not in the window
    CHECK(r->events[0].id == past);
    CHECK(r->events[1].id == cancelled);
    CHECK(r->events[1].status == scheduler::event_status::cancelled);
    CHECK(r->events[1].working_group_id == g);
    CHECK(r->events[1].start_local == "2098-03-01T10:00");
    CHECK(r->events[2].id == future);

    auto find = [&](const std::string& e, const std::string& p) -> const scheduler::report_invitation* {
        for (const auto& v : r->invitations)
            if (v.event_id == e && v.person_id == p) return &v;
        return nullptr;
    };
    CHECK(r->invitations.size() == 2 + 1 + 2); // past: Anna, Bram; cancelled: Anna; future: Anna, guest Bram
    REQUIRE(find(past, anna));
    CHECK(find(past, anna)->presence == scheduler::presence_state::present);
    CHECK(find(past, anna)->mode == scheduler::attendance_mode::online);
    CHECK(find(past, anna)->source == invitation_source::programme);
    CHECK(find(past, bram));
    CHECK(find(cancelled, anna));
    REQUIRE(find(future, anna));
    CHECK(find(future, anna)->rsvp == scheduler::rsvp_answer::accepted);
    CHECK(find(future, anna)->source == invitation_source::working_group);
    REQUIRE(find(future, bram));
    CHECK(find(future, bram)->source == invitation_source::guest);
    CHECK_FALSE(find(early, anna));
    CHECK_FALSE(find(outside, anna));

    auto none = f.store.report_facts_for("prg_unknown", "2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    REQUIRE(none.ok());
    CHECK(none->people.empty());
    CHECK(none->invitations.empty());
}

TEST_CASE("a person's invitations in a window, by event start", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto bram = f.person("Bram");
    const auto g = f.group("inkoop");
    f.member(g, anna, "2098-01-01", "2098-04-30");
    const auto late_session = f.event(event_kind::working_group_session, "2098-04-20T14:00", g);
    const auto cop = f.event(event_kind::cop_meeting, "2098-03-01T10:00");
    (void)f.event(event_kind::working_group_session, "2098-05-20T14:00", g); // after the membership
    const auto other = f.event(event_kind::other, "2098-03-15T10:00");
    (void)f.event(event_kind::cop_meeting, "2098-07-01T10:00"); // after the window
    REQUIRE(f.store.add_guest(other, anna, t0).ok());
    REQUIRE(f.store.set_rsvp(cop, anna, scheduler::rsvp_answer::declined, std::nullopt, t0).ok());

    auto r = f.store.person_invitations(anna, "2098-01-01T00:00:00Z", "2098-07-01T00:00:00Z");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK(r->at(0).event_id == cop);
    CHECK(r->at(0).rsvp == scheduler::rsvp_answer::declined);
    CHECK(r->at(0).person_name == "Anna");
    CHECK(r->at(1).event_id == other);
    CHECK(r->at(1).source == invitation_source::guest);
    CHECK(r->at(2).event_id == late_session);
    CHECK(f.store.person_invitations(bram, "2098-01-01T00:00:00Z", "2098-07-01T00:00:00Z")->size() == 1);
    CHECK(f.store.person_invitations(anna, "2098-03-02T00:00:00Z", "2098-04-01T00:00:00Z")->size() == 1);
    // Frozen rows count the same.
    CHECK(f.freeze("2098-06-01T00:00:00Z") == 4);
    f.set_active(anna, false);
    CHECK(f.store.person_invitations(anna, "2098-01-01T00:00:00Z", "2098-07-01T00:00:00Z")->size() == 3);
}

TEST_CASE("event and person deletion stay refused once invitations are frozen", "[store][storage][attendance]") {
    fixture f;
    const auto anna = f.person("Anna");
    const auto cop = f.event(event_kind::cop_meeting, "2098-03-01T10:00");
    CHECK(f.freeze("2098-03-02T00:00:00Z") == 1);
    require_error(f.store.delete_event(cop, std::nullopt), errc::conflict);
    require_error(f.store.delete_person(anna, std::nullopt), errc::conflict);
}

namespace {

// The event's invitations_frozen_at, read by a connection of its own.
std::optional<std::string> frozen_at(const std::string& path, const std::string& event_id) {
    sqlite_connection c(path, sqlite_connection::mode::read_only, 2000);
    auto s = c.prepare("SELECT invitations_frozen_at FROM events WHERE id = ?");
    s.bind(1, event_id);
    REQUIRE(s.step());
    return s.optional_text(0);
}

} // namespace

TEST_CASE("the writer freezes started events at the start of each batch, unless told not to",
          "[storage][attendance][sql_database]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    REQUIRE(storage::migrate_file(path, 2000).ok());
    std::string started, future, anna;
    REQUIRE(storage::write_once(path, 2000, [&](scheduler::store& s) -> scheduler::status {
                scheduler::programme p;
                p.slug = "cop";
                p.name = "CoP";
                p.starts_on = "2020-01-01";
                p.ends_on = "2040-12-31";
                auto prg = s.create_programme(p, t0);
                if (!prg) return prg.err();
                scheduler::organisation o;
                o.programme_id = prg->id;
                o.name = "Org";
                auto org = s.create_organisation(o, t0);
                if (!org) return org.err();
                scheduler::person person;
                person.programme_id = prg->id;
                person.organisation_id = org->id;
                person.name = "Anna";
                person.email = "anna@example.org";
                auto created = s.create_person(person, t0);
                if (!created) return created.err();
                anna = created->id;
                scheduler::event e;
                e.programme_id = prg->id;
                e.kind = event_kind::cop_meeting;
                e.title = "Started";
                e.start_local = "2021-03-01T10:00";
                e.end_local = "2021-03-01T12:00";
                e.start_utc = "2021-03-01T09:00:00Z";
                e.end_utc = "2021-03-01T11:00:00Z";
                auto a = s.create_event(e, t0);
                if (!a) return a.err();
                started = a->id;
                e.title = "Future";
                e.start_local = "2099-03-01T10:00";
                e.end_local = "2099-03-01T12:00";
                e.start_utc = "2099-03-01T09:00:00Z";
                e.end_utc = "2099-03-01T11:00:00Z";
                auto b = s.create_event(e, t0);
                if (!b) return b.err();
                future = b->id;
                return scheduler::ok();
            }).ok());
    REQUIRE_FALSE(frozen_at(path, started));

    auto write_nothing = [](storage::sql_database& db) {
        std::promise<bool> done;
        db.write([](scheduler::store&) { return scheduler::ok(); },
                 [&](const scheduler::status& st) { done.set_value(st.ok()); });
        auto fut = done.get_future();
        REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        REQUIRE(fut.get());
    };
    storage::sql_database::options o;
    o.path = path;
    o.readers = 1;
    o.busy_timeout_ms = 2000;
    {
        auto off = o;
        off.freeze_started_events = false;
        storage::sql_database db(off);
        write_nothing(db);
        db.stop();
        CHECK_FALSE(frozen_at(path, started));
    }
    {
        // The batch's first job sets Anna inactive: the freeze ran before it, so she stays
        // invited to the started meeting, and only to that one.
        storage::sql_database db(o);
        std::promise<bool> done;
        db.write(
            [&](scheduler::store& s) -> scheduler::status {
                auto p = s.get_person(anna);
                if (!p) return p.err();
                p->active = false;
                auto r = s.update_person(*p, std::nullopt, t0);
                return r ? scheduler::ok() : scheduler::status(r.err());
            },
            [&](const scheduler::status& st) { done.set_value(st.ok()); });
        auto fut = done.get_future();
        REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        REQUIRE(fut.get());
        db.stop();
    }
    CHECK(frozen_at(path, started));
    CHECK_FALSE(frozen_at(path, future));
    sqlite_connection c(path, sqlite_connection::mode::read_write, 2000);
    storage::sql_store store(c);
    auto invited = store.event_invitations(started);
    REQUIRE(invited.ok());
    REQUIRE(invited->size() == 1);
    CHECK(invited->at(0).person_id == anna);
    CHECK(store.event_invitations(future)->empty());
}

// The report facts of a programme's year are the same whether the invitations are still
// derived from the data or frozen: the freeze stores exactly what the derivation gave.
// tests/bench/reports.sh measures the same at 1,000 people and 200 events.
TEST_CASE("freezing a year of events keeps the report facts exactly as derived", "[store][storage][attendance]") {
    fixture f;
    std::vector<std::string> people, groups;
    {
        storage::transaction tx(f.db);
        for (int i = 0; i < 120; ++i)
            people.push_back(f.person("Person " + std::to_string(i), i % 20 != 0, scheduler::person_role::buyer,
                                      i % 2 ? f.org : f.org_b));
        for (int g = 0; g < 4; ++g) groups.push_back(f.group("g" + std::to_string(g)));
        for (int i = 0; i < 100; ++i) f.member(groups[i % 4], people[i], "2097-01-01");
        for (int i = 0; i < 40; ++i) {
            const auto day = scheduler::civil_from_seconds(*scheduler::parse_instant("2098-01-01T00:00:00Z") +
                                                           std::chrono::hours(200 * i));
            const auto start = scheduler::format_date(day.date) + "T10:00";
            if (i < 4)
                f.event(event_kind::cop_meeting, start);
            else
                f.event(event_kind::working_group_session, start, groups[i % 4]);
        }
        tx.commit();
    }
    using row = std::tuple<std::string, std::string, int>;
    const auto rows = [&] {
        auto r = f.store.report_facts_for(f.prg, "2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        REQUIRE(r.ok());
        CHECK(r->events.size() == 40);
        std::vector<row> out;
        for (const auto& i : r->invitations) out.emplace_back(i.event_id, i.person_id, static_cast<int>(i.source));
        std::sort(out.begin(), out.end());
        return out;
    };
    const auto derived = rows();
    // CoP meetings invite the 114 active people; a session its group's active members: 20 in
    // group 0 (people 0, 20, 40, 60 and 80 are inactive), 25 in the others (9 sessions each).
    CHECK(derived.size() == 4 * 114 + 9 * 20 + 27 * 25);
    {
        storage::transaction tx(f.db); // as in a write batch
        CHECK(f.freeze("2099-01-01T00:00:00Z") == 40);
        tx.commit();
    }
    CHECK(f.freeze("2099-01-01T00:00:00Z") == 0);
    CHECK(rows() == derived);
}
