// Planning data on the SQLite store: blackout imports (list, duplicate names, delete),
// busy times (replace, read back) and the facts the planner reads: only what overlaps the
// window, only active people, memberships by date, and which sessions share members.
#include "storage/sql_store.hpp"

#include "scheduler/civil_time.hpp"
#include "storage/migrations.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace copsched;
using scheduler::errc;
using scheduler::event_kind;
using storage::sqlite_connection;

namespace {

constexpr const char* t0 = "2026-01-05T09:00:00Z";

scheduler::sys_seconds at(const char* instant) { return *scheduler::parse_instant(instant); }
scheduler::interval span(const char* a, const char* b) { return {at(a), at(b)}; }

struct fixture {
    test::temp_dir dir;
    test::store_database database{dir};
    storage::connection& db = database.connection();
    storage::sql_store store{db};
    std::string prg, other, org;

    fixture() {
        (void)storage::migrate(db);
        prg = programme("cop");
        other = programme("other");
        scheduler::organisation o;
        o.programme_id = prg;
        o.name = "Org";
        org = store.create_organisation(o, t0)->id;
    }
    std::string programme(const std::string& slug) {
        scheduler::programme p;
        p.slug = slug;
        p.name = slug;
        p.starts_on = "2026-01-01";
        p.ends_on = "2027-12-31";
        auto r = store.create_programme(p, t0);
        REQUIRE(r.ok());
        return r->id;
    }
    std::string person(const std::string& email, bool active = true) {
        scheduler::person p;
        p.programme_id = prg;
        p.organisation_id = org;
        p.name = email;
        p.email = email;
        p.active = active;
        auto r = store.create_person(p, t0);
        REQUIRE(r.ok());
        return r->id;
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
    void member(const std::string& g, const std::string& p, const std::string& from,
                std::optional<std::string> until = {}) {
        scheduler::membership m;
        m.working_group_id = g;
        m.person_id = p;
        m.from = from;
        m.until = std::move(until);
        REQUIRE(store.create_membership(m, t0).ok());
    }
    std::string event(const std::string& title, event_kind kind, const std::string& start_local,
                      std::optional<std::string> g = {}) {
        // Winter time: UTC+1.
        const auto local = scheduler::seconds_from_civil(*scheduler::parse_local_time(start_local));
        scheduler::event e;
        e.programme_id = prg;
        e.kind = kind;
        e.title = title;
        e.working_group_id = std::move(g);
        e.start_local = start_local;
        e.end_local = scheduler::format_local_time(scheduler::civil_from_seconds(local + std::chrono::hours(2)));
        e.start_utc = scheduler::format_instant(local - std::chrono::hours(1));
        e.end_utc = scheduler::format_instant(local + std::chrono::hours(1));
        auto r = store.create_event(e, t0);
        REQUIRE(r.ok());
        return r->id;
    }
};

} // namespace

TEST_CASE("blackout imports are stored, listed by programme, named uniquely and deleted whole",
          "[store][storage][planning]") {
    fixture f;
    std::vector<scheduler::named_interval> periods{
        {"", "Kerstvakantie", span("2026-12-18T23:00:00Z", "2027-01-03T23:00:00Z")},
        {"", "Herfstvakantie", span("2026-10-16T22:00:00Z", "2026-10-25T23:00:00Z")}};
    auto imp = f.store.import_blackouts(f.prg, "Regio midden", periods, t0);
    INFO((imp.ok() ? std::string() : imp.err().detail));
    REQUIRE(imp.ok());
    CHECK(imp->periods == 2);
    auto again = f.store.import_blackouts(f.prg, "Regio midden", periods, t0);
    REQUIRE_FALSE(again.ok());
    CHECK(again.err().code == errc::invalid_input);
    CHECK(again.err().fields.at(0).field == "name");
    // The same name in another programme is another import.
    REQUIRE(f.store.import_blackouts(f.other, "Regio midden", periods, t0).ok());

    auto listed = f.store.list_blackouts(f.prg, std::nullopt);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 2);
    CHECK(listed->at(0).name == "Herfstvakantie"); // by start
    CHECK(listed->at(0).start_utc == "2026-10-16T22:00:00Z");
    CHECK(listed->at(1).import_id == imp->id);
    CHECK(f.store.list_blackout_imports(f.prg)->size() == 1);

    CHECK(f.store.delete_blackout_import(f.other, imp->id).err().code == errc::not_found); // not its programme
    REQUIRE(f.store.delete_blackout_import(f.prg, imp->id).ok());
    CHECK(f.store.list_blackouts(f.prg, std::nullopt)->empty());
    CHECK(f.store.list_blackouts(f.other, std::nullopt)->size() == 2);
    CHECK(f.store.delete_blackout_import(f.prg, imp->id).err().code == errc::not_found);
}

TEST_CASE("busy times are replaced as a whole and read back by start", "[store][storage][planning]") {
    fixture f;
    const auto p = f.person("a@example.org");
    REQUIRE(f.store
                .replace_busy_times(p, {span("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
                                        span("2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z")})
                .ok());
    auto busy = f.store.busy_times(p);
    REQUIRE(busy->size() == 2);
    CHECK(busy->at(0) == span("2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"));
    REQUIRE(f.store.replace_busy_times(p, {span("2026-04-01T09:00:00Z", "2026-04-01T10:00:00Z")}).value() == 1);
    CHECK(f.store.busy_times(p)->size() == 1);
    CHECK(f.store.replace_busy_times("per_nobody", {}).err().code == errc::not_found);
}

TEST_CASE("planning facts: what overlaps the window, active people, members by date, shared members",
          "[store][storage][planning]") {
    fixture f;
    const auto a = f.person("a@example.org"), b = f.person("b@example.org"), gone = f.person("c@example.org", false);
    const auto g = f.group("g"), h = f.group("h"), k = f.group("k");
    f.member(g, a, "2026-01-01");
    f.member(g, b, "2026-01-01", "2026-02-28");
    f.member(g, gone, "2026-01-01");
    f.member(h, a, "2026-03-01"); // shares a with g only from March
    f.member(k, b, "2026-01-01");
    REQUIRE(f.store
                .replace_busy_times(a, {span("2026-02-10T09:00:00Z", "2026-02-10T10:00:00Z"),
                                        span("2026-06-10T09:00:00Z", "2026-06-10T10:00:00Z")})
                .ok());
    REQUIRE(f.store
                .import_blackouts(f.prg, "x",
                                  {{"", "Voorjaarsvakantie", span("2026-02-13T23:00:00Z", "2026-02-22T23:00:00Z")}}, t0)
                .ok());
    const auto h_feb = f.event("H in februari", event_kind::working_group_session, "2026-02-10T10:00", h);
    const auto h_mar = f.event("H in maart", event_kind::working_group_session, "2026-03-10T10:00", h);
    const auto k_feb = f.event("K in februari", event_kind::working_group_session, "2026-02-11T10:00", k);
    const auto cop = f.event("CoP", event_kind::cop_meeting, "2026-03-12T10:00");
    f.event("CoP in juni", event_kind::cop_meeting, "2026-06-12T10:00"); // outside the window

    const scheduler::interval window = span("2026-01-31T23:00:00Z", "2026-03-31T22:00:00Z");
    auto plan = f.store.planning_facts_for({f.prg, window, std::nullopt});
    REQUIRE(plan.ok());
    REQUIRE(plan->people.size() == 2); // the inactive person is left out
    const auto& pa = *std::find_if(plan->people.begin(), plan->people.end(), [&](const auto& p) { return p.id == a; });
    REQUIRE(pa.busy.size() == 1); // June is outside the window
    CHECK(pa.organisation_id == f.org);
    REQUIRE(plan->blackouts.size() == 1);
    CHECK(plan->blackouts[0].name == "Voorjaarsvakantie");
    CHECK(plan->events.size() == 4);
    CHECK(plan->members.empty());

    auto facts = f.store.planning_facts_for({f.prg, window, g});
    REQUIRE(facts.ok());
    CHECK(facts->people.empty());
    REQUIRE(facts->members.size() == 2); // a and b; the inactive one is left out
    for (const auto& m : facts->members) {
        if (m.person.id == b) CHECK(m.until == scheduler::civil_date{2026, 2, 28});
        if (m.person.id == a) CHECK(m.person.busy.size() == 1);
    }
    auto shares = [&](const std::string& id) {
        for (const auto& e : facts->events)
            if (e.what.id == id) return e.shares_members;
        FAIL("event " << id << " missing");
        return false;
    };
    CHECK_FALSE(shares(h_feb)); // a joined h only in March
    CHECK(shares(h_mar));
    CHECK(shares(k_feb)); // b is in g until the end of February and in k
    CHECK_FALSE(shares(cop));
}
