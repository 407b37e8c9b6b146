#include "scheduler/year_planning.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

// A planning store with no blackouts, events or people: every allowed day is free.
class empty_planning_store final : public planning_store {
public:
    std::vector<planning_query> asked;

    result<blackout_import> import_blackouts(const std::string&, const std::string&, const std::vector<named_interval>&,
                                             const std::string&) override {
        return blackout_import{};
    }
    result<std::vector<blackout_import>> list_blackout_imports(const std::string&) override {
        return std::vector<blackout_import>{};
    }
    result<std::vector<blackout_period>> list_blackouts(const std::string&,
                                                        const std::optional<std::string>&) override {
        return std::vector<blackout_period>{};
    }
    status delete_blackout_import(const std::string&, const std::string&) override { return ok(); }
    result<std::size_t> replace_busy_times(const std::string&, const std::vector<interval>&) override {
        return std::size_t{0};
    }
    result<std::vector<interval>> busy_times(const std::string&) override { return std::vector<interval>{}; }
    result<planning_facts> planning_facts_for(const planning_query& q) override {
        asked.push_back(q);
        return planning_facts{};
    }
};

// An event store that books everything asked of it, or refuses everything.
class simple_event_store final : public event_store {
public:
    bool refuse = false;
    std::vector<event> created;

    result<event> create_event(const event& e, const std::string&) override {
        event stored = e;
        stored.id = "ev" + std::to_string(created.size() + 1);
        created.push_back(stored);
        return stored;
    }
    result<event> get_event(const std::string& id) override { return error{errc::not_found, id, {}}; }
    result<page<event>> list_events(const std::string&, const event_filter&, const page_request&) override {
        return page<event>{};
    }
    result<event> update_event(const event& e, expected_version, const std::string&) override { return e; }
    status delete_event(const std::string&, expected_version) override { return ok(); }
    result<booking_context> booking_facts(const programme&, const booking_candidate&,
                                          const std::optional<std::string>&) override {
        booking_context c;
        c.programme_starts_on = {2020, 1, 1};
        c.programme_ends_on = refuse ? civil_date{2020, 1, 2} : civil_date{2030, 12, 31};
        return c;
    }
    result<std::string> create_series(const std::string&, const std::string&, const std::string&, const std::string&,
                                      const std::string&, const std::string&) override {
        return std::string("series");
    }
    result<std::vector<event>> series_events(const std::string&) override { return std::vector<event>{}; }
};

programme green_deal() {
    programme p;
    p.id = "p1";
    p.name = "Green Deal";
    p.starts_on = "2025-01-01";
    p.ends_on = "2027-12-31";
    return p;
}

} // namespace

TEST_CASE("parse_clock_minutes reads HH:MM and nothing else") {
    CHECK(parse_clock_minutes("10:30") == 630);
    CHECK(parse_clock_minutes("00:00") == 0);
    CHECK(parse_clock_minutes("23:59") == 1439);
    CHECK_FALSE(parse_clock_minutes("24:00"));
    CHECK_FALSE(parse_clock_minutes("9:30"));
    CHECK_FALSE(parse_clock_minutes("10:60"));
    CHECK_FALSE(parse_clock_minutes("1a:00"));
}

TEST_CASE("local_midnight is the start of the local day") {
    const auto* zone = find_time_zone("Europe/Amsterdam");
    REQUIRE(zone != nullptr);
    CHECK(format_instant(local_midnight(*zone, {2024, 6, 12})) == "2024-06-11T22:00:00Z");
    CHECK(format_instant(local_midnight(*zone, {2024, 1, 12})) == "2024-01-11T23:00:00Z");
}

TEST_CASE("make_year_plan plans the rules' number of meetings in the year and asks for that window") {
    empty_planning_store s;
    plan_options o;
    o.year = 2026;
    auto plan = make_year_plan(s, green_deal(), o);
    REQUIRE(plan);
    CHECK(plan->meetings.size() == 4);
    REQUIRE(s.asked.size() == 1);
    CHECK(s.asked.front().programme_id == "p1");
    CHECK_FALSE(s.asked.front().working_group_id);
}

TEST_CASE("make_year_plan refuses a year outside the programme period") {
    empty_planning_store s;
    plan_options o;
    o.year = 2030;
    auto plan = make_year_plan(s, green_deal(), o);
    REQUIRE_FALSE(plan);
    CHECK(plan.err().code == errc::invalid_input);
    REQUIRE(plan.err().fields.size() == 1);
    CHECK(plan.err().fields.front().field == "year");
    CHECK(plan.err().fields.front().problem == "2030 is outside the programme period 2025-01-01 to 2027-12-31");
}

TEST_CASE("apply_year_plan books every meeting as a numbered CoP meeting") {
    empty_planning_store planning;
    plan_options o;
    o.year = 2026;
    o.count = 2;
    auto plan = make_year_plan(planning, green_deal(), o);
    REQUIRE(plan);
    simple_event_store s;
    std::vector<plan_booking_failure> blocked;
    auto events = apply_year_plan(s, green_deal(), *plan, 2026, event_status::tentative, blocked);
    REQUIRE(events);
    CHECK(blocked.empty());
    REQUIRE(events->size() == 2);
    CHECK(events->front().title == "CoP-bijeenkomst 1 van 2, 2026");
    CHECK(events->front().kind == event_kind::cop_meeting);
    CHECK(events->back().status == event_status::tentative);
}

TEST_CASE("apply_year_plan reports each blocked meeting and books none") {
    empty_planning_store planning;
    plan_options o;
    o.year = 2026;
    o.count = 2;
    auto plan = make_year_plan(planning, green_deal(), o);
    REQUIRE(plan);
    simple_event_store s;
    s.refuse = true;
    std::vector<plan_booking_failure> blocked;
    auto events = apply_year_plan(s, green_deal(), *plan, 2026, event_status::confirmed, blocked);
    REQUIRE_FALSE(events);
    CHECK(events.err().code == errc::conflict);
    CHECK(blocked.size() == 2);
    CHECK(s.created.empty());
}

TEST_CASE("plan_table heads the table in the programme's language") {
    empty_planning_store planning;
    plan_options o;
    o.year = 2026;
    auto p = green_deal();
    auto plan = make_year_plan(planning, p, o);
    REQUIRE(plan);
    CHECK(plan_table(*plan, p, 2026).starts_with("Jaarplan 2026 - Green Deal (Europe/Amsterdam)\n"));
    p.lang = language::en;
    const auto table = plan_table(*plan, p, 2026);
    CHECK(table.starts_with("Year plan 2026 - Green Deal (Europe/Amsterdam)\n"));
    CHECK(table.find("#   date       from  until") != std::string::npos);
}
