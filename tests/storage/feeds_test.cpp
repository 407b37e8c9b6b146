// Calendar feeds on the SQLite store: which events each feed scope shows, the personal
// feed tokens, and the deletion time that keeps a feed's Last-Modified from going back.
#include "storage/sql_store.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/clock.hpp"
#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace copsched;
using scheduler::errc;
using scheduler::event_kind;
using scheduler::feed_scope;
using storage::sqlite_connection;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";
constexpr const char* t1 = "2026-01-06T10:30:00Z";

// A migrated database, a store on it, one programme ("cop") and a second one ("other")
// whose events must never leak into the first one's feeds.
struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg;
    std::string other;

    fixture() {
        (void)storage::migrate(db);
        prg = programme("cop");
        other = programme("other");
    }

    std::string programme(const std::string& slug) {
        scheduler::programme p;
        p.slug = slug;
        p.name = "Programme " + slug;
        p.starts_on = "2026-01-01";
        p.ends_on = "2027-12-31";
        auto r = store.create_programme(p, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string organisation(const std::string& name, const std::string& programme_id) {
        scheduler::organisation o;
        o.programme_id = programme_id;
        o.name = name;
        auto r = store.create_organisation(o, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    scheduler::person person(const std::string& email, const std::string& organisation_id, bool active = true,
                             std::string programme_id = {}) {
        scheduler::person p;
        p.programme_id = programme_id.empty() ? prg : programme_id;
        p.organisation_id = organisation_id;
        p.name = "Person " + email;
        p.email = email;
        p.active = active;
        auto r = store.create_person(p, t0);
        REQUIRE(r.ok());
        return *r;
    }
    std::string group(const std::string& slug, std::string programme_id = {}) {
        scheduler::working_group g;
        g.programme_id = programme_id.empty() ? prg : programme_id;
        g.slug = slug;
        g.name = "Group " + slug;
        auto r = store.create_working_group(g, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string venue(const std::string& name, const std::string& address) {
        scheduler::venue v;
        v.programme_id = prg;
        v.name = name;
        v.address = address;
        v.capacity = 20;
        auto r = store.create_venue(v, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    void membership(const std::string& group_id, const std::string& person_id, const std::string& from,
                    std::optional<std::string> until = {}) {
        scheduler::membership m;
        m.working_group_id = group_id;
        m.person_id = person_id;
        m.from = from;
        m.until = std::move(until);
        REQUIRE(store.create_membership(m, t0).ok());
    }
    // An hour from `start_local` in Amsterdam winter time (UTC+1), so that a session at
    // 00:30 local falls on the previous day in UTC.
    scheduler::event event(const std::string& title, event_kind kind, const std::string& start_local,
                           std::optional<std::string> group_id = {}, std::optional<std::string> venue_id = {},
                           std::string programme_id = {}) {
        const auto local = scheduler::seconds_from_civil(*scheduler::parse_local_time(start_local));
        const auto utc = local - std::chrono::hours(1);
        scheduler::event e;
        e.programme_id = programme_id.empty() ? prg : programme_id;
        e.kind = kind;
        e.title = title;
        e.working_group_id = std::move(group_id);
        e.venue_id = std::move(venue_id);
        e.start_local = start_local;
        e.end_local = scheduler::format_local_time(scheduler::civil_from_seconds(local + std::chrono::hours(1)));
        e.start_utc = scheduler::format_instant(utc);
        e.end_utc = scheduler::format_instant(utc + std::chrono::hours(1));
        auto r = store.create_event(e, t0);
        REQUIRE(r.ok());
        return *r;
    }
    // An invitation: the store has no writer for attendance yet.
    void invite(const std::string& event_id, const std::string& person_id) {
        auto s = db.prepare(
            "INSERT INTO attendance(event_id, person_id, invited_via, invited_at) VALUES (?, ?, 'guest', ?)");
        s.bind_all(event_id, person_id, t0).run();
    }

    std::vector<scheduler::feed_event> feed(feed_scope scope, const std::string& id = {},
                                            std::string programme_id = {}) {
        auto r = store.feed_events({scope, programme_id.empty() ? prg : programme_id, id});
        REQUIRE(r.ok());
        return *r;
    }
    std::vector<std::string> titles(feed_scope scope, const std::string& id = {}, std::string programme_id = {}) {
        std::vector<std::string> out;
        for (const auto& f : feed(scope, id, std::move(programme_id))) out.push_back(f.e.title);
        return out;
    }
};

template <class T>
void require_error(const scheduler::result<T>& r, errc code) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == code);
}

using titles = std::vector<std::string>;

} // namespace

// --- which events ---------------------------------------------------------------------------

TEST_CASE("feed_events: the programme feed has every event of the programme, in order, with names",
          "[store][storage][feeds]") {
    fixture f;
    const auto ict = f.group("ict");
    const auto zaal = f.venue("Zaal 1", "Stationsplein 1, Utrecht");
    // Created out of order; the two at 10:00 are ordered by id.
    f.event("late", event_kind::other, "2026-03-20T10:00");
    auto a = f.event("same time a", event_kind::cop_meeting, "2026-03-10T10:00", std::nullopt, zaal);
    auto b = f.event("same time b", event_kind::working_group_session, "2026-03-10T10:00", ict);
    auto cancelled = f.event("cancelled", event_kind::working_group_session, "2026-02-01T10:00", ict);
    cancelled.status = scheduler::event_status::cancelled;
    cancelled.cancelled_at = t1;
    REQUIRE(f.store.update_event(cancelled, std::nullopt, t1).ok());
    f.event("elsewhere", event_kind::cop_meeting, "2026-03-11T10:00", std::nullopt, std::nullopt, f.other);

    const auto feed = f.feed(feed_scope::programme);
    REQUIRE(feed.size() == 4);
    CHECK(feed[0].e.title == "cancelled");
    CHECK(feed[0].e.status == scheduler::event_status::cancelled);
    CHECK(feed[0].e.cancelled_at == std::optional<std::string>(t1));
    const auto& first = a.id < b.id ? a : b;
    const auto& second = a.id < b.id ? b : a;
    CHECK(feed[1].e.id == first.id);
    CHECK(feed[2].e.id == second.id);
    CHECK(feed[3].e.title == "late");

    for (const auto& item : feed) {
        INFO(item.e.title);
        CHECK(item.e.programme_id == f.prg);
        if (item.e.id == a.id) {
            CHECK(item.working_group_name.empty());
            CHECK(item.venue_name == "Zaal 1");
            CHECK(item.venue_address == "Stationsplein 1, Utrecht");
            CHECK(item.e.venue_id == std::optional<std::string>(zaal));
            CHECK(item.e.kind == event_kind::cop_meeting);
        } else if (item.e.id == b.id) {
            CHECK(item.working_group_name == "Group ict");
            CHECK(item.venue_name.empty());
            CHECK(item.venue_address.empty());
            CHECK(item.e.start_local == "2026-03-10T10:00");
            CHECK(item.e.start_utc == "2026-03-10T09:00:00Z");
            CHECK(item.e.version == 1);
        }
    }

    CHECK(f.titles(feed_scope::programme, {}, f.other) == titles{"elsewhere"});
    CHECK(f.titles(feed_scope::programme, {}, "prg_nope").empty());
}

TEST_CASE("feed_events: a working group's feed has its sessions only", "[store][storage][feeds]") {
    fixture f;
    const auto ict = f.group("ict");
    const auto food = f.group("food");
    const auto foreign = f.group("ict", f.other);
    f.event("ict 2", event_kind::working_group_session, "2026-03-10T10:00", ict);
    f.event("ict 1", event_kind::working_group_session, "2026-03-03T10:00", ict);
    f.event("food", event_kind::working_group_session, "2026-03-04T10:00", food);
    f.event("plenary", event_kind::cop_meeting, "2026-03-05T10:00");
    f.event("foreign", event_kind::working_group_session, "2026-03-06T10:00", foreign, std::nullopt, f.other);

    CHECK(f.titles(feed_scope::working_group, ict) == titles{"ict 1", "ict 2"});
    CHECK(f.feed(feed_scope::working_group, ict)[0].working_group_name == "Group ict");
    CHECK(f.titles(feed_scope::working_group, food) == titles{"food"});
    // A group is only found in its own programme.
    CHECK(f.titles(feed_scope::working_group, foreign).empty());
    CHECK(f.titles(feed_scope::working_group, foreign, f.other) == titles{"foreign"});
    CHECK(f.titles(feed_scope::working_group, "wg_nope").empty());
}

TEST_CASE("feed_events: a person's feed follows the membership on the session's local date",
          "[store][storage][feeds]") {
    fixture f;
    const auto org = f.organisation("Gemeente A", f.prg);
    const auto ann = f.person("ann@example.org", org);
    const auto bob = f.person("bob@example.org", org);
    const auto ict = f.group("ict");
    const auto food = f.group("food");
    f.membership(ict, ann.id, "2026-03-02", "2026-03-09");
    f.membership(ict, ann.id, "2026-04-01"); // open-ended
    f.membership(food, bob.id, "2026-01-01");

    f.event("before", event_kind::working_group_session, "2026-03-01T23:30", ict);    // 22:30Z on the 1st
    f.event("first day", event_kind::working_group_session, "2026-03-02T00:30", ict); // 23:30Z on the 1st
    f.event("last day", event_kind::working_group_session, "2026-03-09T23:30", ict);  // 22:30Z on the 9th
    f.event("day after", event_kind::working_group_session, "2026-03-10T00:30", ict); // 23:30Z on the 9th
    f.event("open end", event_kind::working_group_session, "2027-06-01T10:00", ict);
    f.event("food", event_kind::working_group_session, "2026-03-05T10:00", food);
    auto plenary = f.event("plenary", event_kind::cop_meeting, "2026-03-04T10:00");
    plenary.status = scheduler::event_status::cancelled;
    REQUIRE(f.store.update_event(plenary, std::nullopt, t1).ok());
    f.event("borrel", event_kind::other, "2026-03-06T17:00");
    auto guest = f.event("guest at food", event_kind::working_group_session, "2026-03-07T10:00", food);
    auto both = f.event("invited member", event_kind::working_group_session, "2026-03-08T10:00", ict);
    f.invite(guest.id, ann.id);
    f.invite(both.id, ann.id); // a member and invited: listed once
    const auto foreign_org = f.organisation("Gemeente A", f.other);
    const auto foreign = f.person("ann@example.org", foreign_org, true, f.other);
    f.event("foreign plenary", event_kind::cop_meeting, "2026-03-04T11:00", std::nullopt, std::nullopt, f.other);

    CHECK(f.titles(feed_scope::person, ann.id) ==
          titles{"first day", "plenary", "borrel", "guest at food", "invited member", "last day", "open end"});
    CHECK(f.titles(feed_scope::person, bob.id) == titles{"plenary", "food", "borrel", "guest at food"});
    CHECK(f.feed(feed_scope::person, ann.id)[1].e.status == scheduler::event_status::cancelled);

    // Someone unknown, or of another programme, gets nothing: not even the plenaries.
    CHECK(f.titles(feed_scope::person, "per_nope").empty());
    CHECK(f.titles(feed_scope::person, foreign.id).empty());
    CHECK(f.titles(feed_scope::person, foreign.id, f.other) == titles{"foreign plenary"});

    // The groups a personal feed depends on: every group with a membership, at any date.
    auto ann_groups = f.store.person_working_group_ids(ann.id);
    REQUIRE(ann_groups.ok());
    CHECK(*ann_groups == std::vector<std::string>{ict});
    auto bob_groups = f.store.person_working_group_ids(bob.id);
    REQUIRE(bob_groups.ok());
    CHECK(*bob_groups == std::vector<std::string>{food});
    CHECK(f.store.person_working_group_ids("per_nope")->empty());
}

TEST_CASE("feed_events: an organisation's feed takes the groups of its active people", "[store][storage][feeds]") {
    fixture f;
    const auto a = f.organisation("Gemeente A", f.prg);
    const auto b = f.organisation("Gemeente B", f.prg);
    const auto ann = f.person("ann@example.org", a);
    const auto amy = f.person("amy@example.org", a);
    const auto old = f.person("old@example.org", a, false);
    const auto bob = f.person("bob@example.org", b);
    const auto ict = f.group("ict");
    const auto food = f.group("food");
    const auto energy = f.group("energy");
    f.membership(ict, ann.id, "2026-03-01", "2026-03-09");
    f.membership(ict, amy.id, "2026-03-05"); // overlaps ann's: sessions still listed once
    f.membership(food, old.id, "2026-01-01");
    f.membership(energy, bob.id, "2026-01-01");

    f.event("ict before", event_kind::working_group_session, "2026-02-28T10:00", ict);
    f.event("ict ann", event_kind::working_group_session, "2026-03-02T10:00", ict);
    f.event("ict both", event_kind::working_group_session, "2026-03-06T10:00", ict);
    f.event("ict amy", event_kind::working_group_session, "2026-05-01T10:00", ict);
    f.event("food", event_kind::working_group_session, "2026-03-03T10:00", food);
    f.event("energy", event_kind::working_group_session, "2026-03-04T10:00", energy);
    f.event("plenary", event_kind::cop_meeting, "2026-03-05T10:00");
    auto invited = f.event("energy guest", event_kind::working_group_session, "2026-03-07T10:00", energy);
    f.invite(invited.id, ann.id); // invitations are personal: not in the organisation's feed

    CHECK(f.titles(feed_scope::organisation, a) == titles{"ict ann", "plenary", "ict both", "ict amy"});
    CHECK(f.titles(feed_scope::organisation, b) == titles{"energy", "plenary", "energy guest"});
    CHECK(f.titles(feed_scope::organisation, "org_nope").empty());
    CHECK(f.titles(feed_scope::organisation, a, f.other).empty());

    SECTION("an inactive person's groups join when the person is active again") {
        auto p = f.store.get_person(old.id).value();
        p.active = true;
        REQUIRE(f.store.update_person(p, std::nullopt, t1).ok());
        CHECK(f.titles(feed_scope::organisation, a) == titles{"ict ann", "food", "plenary", "ict both", "ict amy"});
    }
}

// --- feed tokens ----------------------------------------------------------------------------

TEST_CASE("feed tokens: set, find by hash, rotate, list", "[store][storage][feeds]") {
    fixture f;
    const auto org = f.organisation("Gemeente A", f.prg);
    const auto ann = f.person("ann@example.org", org);
    const auto bob = f.person("bob@example.org", org);
    CHECK(ann.feed_generation == 0);

    auto states = f.store.feed_token_states();
    REQUIRE(states.ok());
    REQUIRE(states->size() == 2);
    for (const auto& s : *states) {
        CHECK(s.generation == 0);
        CHECK_FALSE(s.hash.has_value());
    }
    require_error(f.store.find_person_by_feed_hash("aaaa"), errc::not_found);

    REQUIRE(f.store.set_feed_token(ann.id, 0, "aaaa").ok());
    auto found = f.store.find_person_by_feed_hash("aaaa");
    REQUIRE(found.ok());
    CHECK(found->id == ann.id);
    CHECK(found->email == "ann@example.org");
    CHECK(found->feed_generation == 0);
    // Not an edit of the person: the ETag stays.
    CHECK(found->version == 1);
    CHECK(found->updated_at == t0);

    // Rotation: the old hash stops working at once.
    REQUIRE(f.store.set_feed_token(ann.id, 1, "bbbb").ok());
    require_error(f.store.find_person_by_feed_hash("aaaa"), errc::not_found);
    found = f.store.find_person_by_feed_hash("bbbb");
    REQUIRE(found.ok());
    CHECK(found->id == ann.id);
    CHECK(found->feed_generation == 1);
    CHECK(f.store.get_person(ann.id)->feed_generation == 1);

    // An ordinary update keeps the token, whatever feed_generation it carries.
    auto edit = f.store.get_person(ann.id).value();
    edit.name = "Ann B.";
    edit.feed_generation = 7;
    auto updated = f.store.update_person(edit, 1, t1);
    REQUIRE(updated.ok());
    CHECK(updated->feed_generation == 1);
    CHECK(updated->version == 2);
    found = f.store.find_person_by_feed_hash("bbbb");
    REQUIRE(found.ok());
    CHECK(found->name == "Ann B.");

    // Creating ignores a feed_generation in the argument.
    scheduler::person draft = bob;
    draft.email = "cy@example.org";
    draft.feed_generation = 5;
    auto cy = f.store.create_person(draft, t0);
    REQUIRE(cy.ok());
    CHECK(cy->feed_generation == 0);

    states = f.store.feed_token_states();
    REQUIRE(states.ok());
    REQUIRE(states->size() == 3);
    CHECK(std::is_sorted(states->begin(), states->end(),
                         [](const auto& x, const auto& y) { return x.person_id < y.person_id; }));
    for (const auto& s : *states) {
        INFO(s.person_id);
        if (s.person_id == ann.id) {
            CHECK(s.generation == 1);
            CHECK(s.hash == std::optional<std::string>("bbbb"));
        } else {
            CHECK(s.generation == 0);
            CHECK_FALSE(s.hash.has_value());
        }
    }

    require_error(f.store.set_feed_token("per_nope", 1, "cccc"), errc::not_found);
    // Two people never share a hash.
    require_error(f.store.set_feed_token(bob.id, 0, "bbbb"), errc::conflict);
    CHECK(f.store.find_person_by_feed_hash("bbbb")->id == ann.id);
}

// --- deletions --------------------------------------------------------------------------------

TEST_CASE("last_event_deletion is empty until an event of the programme is deleted", "[store][storage][feeds]") {
    fixture f;
    CHECK(f.store.last_event_deletion(f.prg).value() == "");
    CHECK(f.store.last_event_deletion("prg_nope").value() == "");

    // Creating events records their length, not a deletion.
    auto kept = f.event("kept", event_kind::cop_meeting, "2026-03-04T10:00");
    auto doomed = f.event("doomed", event_kind::other, "2026-03-05T10:00");
    CHECK(f.store.last_event_deletion(f.prg).value() == "");

    // A refused deletion is no deletion.
    const auto org = f.organisation("Gemeente A", f.prg);
    f.invite(kept.id, f.person("ann@example.org", org).id);
    require_error(f.store.delete_event(kept.id, std::nullopt), errc::conflict);
    CHECK(f.store.last_event_deletion(f.prg).value() == "");

    const auto before = scheduler::now_utc();
    REQUIRE(f.store.delete_event(doomed.id, std::nullopt).ok());
    const auto after = scheduler::now_utc();
    auto at = f.store.last_event_deletion(f.prg);
    REQUIRE(at.ok());
    CHECK(scheduler::parse_instant(*at).has_value());
    CHECK(*at >= before);
    CHECK(*at <= after);
    CHECK(f.store.last_event_deletion(f.other).value() == "");
    CHECK(f.titles(feed_scope::programme) == titles{"kept"});
}

// --- migration --------------------------------------------------------------------------------

TEST_CASE("migrating a version 2 database keeps people, tokens and programme stats",
          "[store][storage][feeds][migrations]") {
    test::temp_dir dir;
    test::store_database database{dir, "v2.db"};
    storage::connection& db = database.connection();
    const auto all = storage::all_migrations();
    REQUIRE(all.size() >= 3);
    db.exec(storage::migration_text(all[0], db.engine()).c_str());
    db.exec(storage::migration_text(all[1], db.engine()).c_str());
    db.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"
        "INSERT INTO schema_migrations VALUES (1, 'initial schema', 'x'), (2, 'overlaps', 'x');"
        "INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, created_at,"
        " updated_at) VALUES ('p1', 'cop', 'CoP', 'Europe/Amsterdam', 'nl', '2026-01-01', '2027-12-31', '{}', 'x', "
        "'x');"
        "INSERT INTO organisations(id, programme_id, name, kind, level, created_at, updated_at)"
        " VALUES ('o1', 'p1', 'Gemeente A', 'government', 'starter', 'x', 'x');"
        "INSERT INTO people(id, programme_id, organisation_id, name, email, role, language, feed_token_hash,"
        " created_at, updated_at, version) VALUES ('per1', 'p1', 'o1', 'Ann', 'ann@example.org', 'buyer', 'nl',"
        " 'hash1', 'x', 'x', 3);"
        "INSERT INTO events(id, programme_id, kind, title, start_local, end_local, start_utc, end_utc, status,"
        " created_at, updated_at) VALUES ('e1', 'p1', 'cop_meeting', 'plenary', '2026-03-02T10:00',"
        " '2026-03-02T12:00', '2026-03-02T09:00:00Z', '2026-03-02T11:00:00Z', 'confirmed', 'x', 'x');"
        "INSERT INTO programme_stats(programme_id, longest_event_seconds) VALUES ('p1', 7200);");

    const auto out = storage::migrate(db);
    CHECK(out.from_version == 2);
    CHECK(out.to_version == all.back().version);
    CHECK(out.applied == static_cast<int>(all.size()) - 2);

    storage::sql_store store{db};
    auto ann = store.find_person_by_feed_hash("hash1");
    REQUIRE(ann.ok());
    CHECK(ann->id == "per1");
    CHECK(ann->feed_generation == 0);
    CHECK(ann->version == 3);
    CHECK(store.last_event_deletion("p1").value() == "");
    auto s = db.prepare("SELECT longest_event_seconds FROM programme_stats WHERE programme_id = 'p1'");
    REQUIRE(s.step());
    CHECK(s.integer(0) == 7200);

    auto feed = store.feed_events({feed_scope::person, "p1", "per1"});
    REQUIRE(feed.ok());
    REQUIRE(feed->size() == 1);
    CHECK(feed->front().e.title == "plenary");

    REQUIRE(store.delete_event("e1", std::nullopt).ok());
    CHECK_FALSE(store.last_event_deletion("p1")->empty());
}
