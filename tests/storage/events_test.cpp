// Overlap lookups of the SQLite store: booking_facts must find every stored event that
// overlaps a candidate, however long it is, while its range scan stays bounded.
#include "storage/sql_store.hpp"

#include "scheduler/civil_time.hpp"
#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace copsched;
using storage::sqlite_connection;

namespace {

constexpr const char* now = "2026-01-05T09:00:00Z";

struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    scheduler::programme prg;

    fixture() {
        (void)storage::migrate(db);
        scheduler::programme p;
        p.slug = "cop";
        p.name = "CoP";
        p.starts_on = "2026-01-01";
        p.ends_on = "2027-12-31";
        auto r = store.create_programme(p, now);
        REQUIRE(r.ok());
        prg = *r;
    }

    // An event given in UTC; the local fields are not used by the overlap lookup.
    scheduler::event event(const std::string& title, const std::string& start_utc, const std::string& end_utc) {
        scheduler::event e;
        e.programme_id = prg.id;
        e.title = title;
        e.start_utc = start_utc;
        e.end_utc = end_utc;
        e.start_local = start_utc.substr(0, 16);
        e.end_local = end_utc.substr(0, 16);
        auto r = store.create_event(e, now);
        REQUIRE(r.ok());
        return *r;
    }

    std::vector<std::string> overlapping(const std::string& start_utc, const std::string& end_utc) {
        scheduler::booking_candidate c;
        c.start_utc = *scheduler::parse_instant(start_utc);
        c.end_utc = *scheduler::parse_instant(end_utc);
        c.local_start = *scheduler::parse_local_time(start_utc.substr(0, 16));
        c.local_end = *scheduler::parse_local_time(end_utc.substr(0, 16));
        auto facts = store.booking_facts(prg, c, std::nullopt);
        REQUIRE(facts.ok());
        std::vector<std::string> titles;
        for (const auto& e : facts->overlapping) titles.push_back(e.title);
        std::sort(titles.begin(), titles.end());
        return titles;
    }
};

} // namespace

TEST_CASE("booking_facts finds overlapping events however long they are", "[store][storage][events]") {
    fixture f;
    f.event("short before", "2026-03-02T08:00:00Z", "2026-03-02T10:00:00Z");
    auto congress = f.event("three days", "2026-03-02T08:00:00Z", "2026-03-05T08:00:00Z");
    f.event("touching", "2026-03-04T09:00:00Z", "2026-03-04T10:00:00Z"); // ends when the candidate starts
    f.event("inside", "2026-03-04T10:15:00Z", "2026-03-04T10:45:00Z");

    CHECK(f.overlapping("2026-03-04T10:00:00Z", "2026-03-04T11:00:00Z") ==
          std::vector<std::string>{"inside", "three days"});
    CHECK(f.overlapping("2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z").empty());

    // Made longer by an update: still found nine days after its start.
    congress.end_utc = "2026-03-12T08:00:00Z";
    congress.end_local = "2026-03-12T08:00";
    REQUIRE(f.store.update_event(congress, std::nullopt, now).ok());
    CHECK(f.overlapping("2026-03-11T10:00:00Z", "2026-03-11T11:00:00Z") == std::vector<std::string>{"three days"});

    // Made shorter again: the bound stays wide, and the answer is still exact.
    congress.end_utc = "2026-03-02T09:00:00Z";
    congress.end_local = "2026-03-02T09:00";
    REQUIRE(f.store.update_event(congress, std::nullopt, now).ok());
    CHECK(f.overlapping("2026-03-11T10:00:00Z", "2026-03-11T11:00:00Z").empty());
    CHECK(f.overlapping("2026-03-02T08:30:00Z", "2026-03-02T08:45:00Z") ==
          std::vector<std::string>{"short before", "three days"});
}

TEST_CASE("migrating a version 1 database records the longest event of each programme",
          "[store][storage][migrations]") {
    test::temp_dir dir;
    test::store_database database{dir, "v1.db"};
    storage::connection& db = database.connection();
    db.exec(storage::migration_text(storage::all_migrations()[0], db.engine()).c_str());
    db.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"
        "INSERT INTO schema_migrations VALUES (1, 'initial schema', '2026-01-01T00:00:00Z');"
        "INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, created_at, "
        "updated_at)"
        " VALUES ('p1', 'cop', 'CoP', 'Europe/Amsterdam', 'nl', '2026-01-01', '2027-12-31', '{}', 'x', 'x');"
        "INSERT INTO events(id, programme_id, kind, title, start_local, end_local, start_utc, end_utc, status, "
        "created_at, updated_at)"
        " VALUES ('e1', 'p1', 'other', 'week', '2026-03-02T09:00', '2026-03-09T09:00', '2026-03-02T08:00:00Z',"
        " '2026-03-09T08:00:00Z', 'confirmed', 'x', 'x'),"
        " ('e2', 'p1', 'other', 'hour', '2026-03-10T09:00', '2026-03-10T10:00', '2026-03-10T08:00:00Z',"
        " '2026-03-10T09:00:00Z', 'confirmed', 'x', 'x');");
    const auto out = storage::migrate(db);
    CHECK(out.from_version == 1);
    CHECK(out.to_version == storage::all_migrations().back().version);
    auto s = db.prepare("SELECT longest_event_seconds FROM programme_stats WHERE programme_id = 'p1'");
    REQUIRE(s.step());
    CHECK(s.integer(0) == 7 * 24 * 3600);

    // And the store finds the week-long event from its last day.
    storage::sql_store store{db};
    auto p = store.get_programme("cop");
    REQUIRE(p.ok());
    scheduler::booking_candidate c;
    c.start_utc = *scheduler::parse_instant("2026-03-08T10:00:00Z");
    c.end_utc = *scheduler::parse_instant("2026-03-08T11:00:00Z");
    c.local_start = *scheduler::parse_local_time("2026-03-08T11:00");
    c.local_end = *scheduler::parse_local_time("2026-03-08T12:00");
    auto facts = store.booking_facts(*p, c, std::nullopt);
    REQUIRE(facts.ok());
    REQUIRE(facts->overlapping.size() == 1);
    CHECK(facts->overlapping[0].id == "e1");
}

TEST_CASE("booking_facts counts the group's active members at the date as invited", "[store][storage][events]") {
    fixture f;
    scheduler::organisation o;
    o.programme_id = f.prg.id;
    o.name = "Org";
    auto org = f.store.create_organisation(o, now);
    REQUIRE(org.ok());
    scheduler::working_group g;
    g.programme_id = f.prg.id;
    g.slug = "ict";
    g.name = "ICT";
    auto group = f.store.create_working_group(g, now);
    REQUIRE(group.ok());
    scheduler::venue v;
    v.programme_id = f.prg.id;
    v.name = "Zaal";
    v.capacity = 2;
    auto venue = f.store.create_venue(v, now);
    REQUIRE(venue.ok());
    std::vector<scheduler::person> people;
    for (int i = 0; i < 4; ++i) {
        scheduler::person p;
        p.programme_id = f.prg.id;
        p.organisation_id = org->id;
        p.name = "P" + std::to_string(i);
        p.email = "p" + std::to_string(i) + "@example.org";
        auto r = f.store.create_person(p, now);
        REQUIRE(r.ok());
        people.push_back(*r);
        scheduler::membership m;
        m.working_group_id = group->id;
        m.person_id = r->id;
        m.from = "2026-01-01";
        if (i == 3) m.until = "2026-02-28"; // left before the session
        REQUIRE(f.store.create_membership(m, now).ok());
    }
    auto invited = [&] {
        scheduler::booking_candidate c;
        c.kind = scheduler::event_kind::working_group_session;
        c.working_group_id = group->id;
        c.venue_id = venue->id;
        c.start_utc = *scheduler::parse_instant("2026-03-04T10:00:00Z");
        c.end_utc = *scheduler::parse_instant("2026-03-04T11:00:00Z");
        c.local_start = *scheduler::parse_local_time("2026-03-04T11:00");
        c.local_end = *scheduler::parse_local_time("2026-03-04T12:00");
        auto facts = f.store.booking_facts(f.prg, c, std::nullopt);
        REQUIRE(facts.ok());
        CHECK(facts->venue_capacity == 2);
        return facts->invited;
    };
    CHECK(invited() == 3);
    people[0].active = false;
    REQUIRE(f.store.update_person(people[0], std::nullopt, now).ok());
    CHECK(invited() == 2);
}
