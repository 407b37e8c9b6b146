// The school year in planning and booking (scheduler/day_rules.hpp): a programme's
// default school holiday regions, the planner keeping CoP meetings out of school holidays
// (avoid) or paying a stated penalty (prefer_not), suggestions following the same rule,
// and the school_holiday booking conflict. The 2019 holiday dates are typed here from the
// Rijksoverheid's listing, not read from data/school_holidays.
#include "scheduler/conflicts.hpp"
#include "scheduler/day_rules.hpp"
#include "scheduler/planner.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

const time_zone& amsterdam() {
    const time_zone* zone = find_time_zone("Europe/Amsterdam");
    REQUIRE(zone != nullptr);
    return *zone;
}

civil_date date(std::string_view text) {
    const auto d = parse_date(text);
    REQUIRE(d.has_value());
    return *d;
}

struct period {
    const char* region;
    const char* holiday;
    const char* first;
    const char* last;
};

// Every school holiday touching 2019, per region (Rijksoverheid, schooljaren 2018-2019,
// 2019-2020).
const std::vector<period> holidays_2019{
    {"noord", "kerstvakantie", "2018-12-22", "2019-01-06"},
    {"midden", "kerstvakantie", "2018-12-22", "2019-01-06"},
    {"zuid", "kerstvakantie", "2018-12-22", "2019-01-06"},
    {"noord", "voorjaarsvakantie", "2019-02-16", "2019-02-24"},
    {"midden", "voorjaarsvakantie", "2019-02-23", "2019-03-03"},
    {"zuid", "voorjaarsvakantie", "2019-02-23", "2019-03-03"},
    {"noord", "meivakantie", "2019-04-27", "2019-05-05"},
    {"midden", "meivakantie", "2019-04-27", "2019-05-05"},
    {"zuid", "meivakantie", "2019-04-27", "2019-05-05"},
    {"noord", "zomervakantie", "2019-07-13", "2019-08-25"},
    {"midden", "zomervakantie", "2019-07-20", "2019-09-01"},
    {"zuid", "zomervakantie", "2019-07-06", "2019-08-18"},
    {"noord", "herfstvakantie", "2019-10-19", "2019-10-27"},
    {"midden", "herfstvakantie", "2019-10-19", "2019-10-27"},
    {"zuid", "herfstvakantie", "2019-10-12", "2019-10-20"},
    {"noord", "kerstvakantie", "2019-12-21", "2020-01-05"},
    {"midden", "kerstvakantie", "2019-12-21", "2020-01-05"},
    {"zuid", "kerstvakantie", "2019-12-21", "2020-01-05"},
};

// The holidays of the typed list on d (region and holiday).
std::vector<std::string> typed_holidays_on(const civil_date& d) {
    std::vector<std::string> out;
    for (const auto& p : holidays_2019)
        if (!(d < date(p.first)) && !(date(p.last) < d)) out.push_back(std::string(p.holiday) + " " + p.region);
    return out;
}

day_rules dutch(std::vector<std::string> regions = {"noord", "midden", "zuid"},
                school_holiday_mode mode = school_holiday_mode::avoid) {
    day_rules d;
    d.country = "NL";
    d.school_regions = std::move(regions);
    d.school_mode = mode;
    return d;
}

plan_request year_2019(day_rules days) {
    plan_request r;
    r.zone = &amsterdam();
    r.first_day = date("2019-01-01");
    r.last_day = date("2019-12-31");
    r.weekdays = {weekday::tuesday, weekday::wednesday, weekday::thursday};
    r.count = 4;
    r.min_gap_days = 42;
    r.days = std::move(days);
    return r;
}

bool contains_text(const std::vector<std::string>& texts, const std::string& part) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

programme amsterdam_programme(language lang) {
    programme p;
    p.timezone = "Europe/Amsterdam";
    p.lang = lang;
    return p;
}

} // namespace

TEST_CASE("a Dutch-language programme in Amsterdam keeps out of every region's school holidays by default",
          "[school-year]") {
    const auto nl = day_rules_of(amsterdam_programme(language::nl));
    CHECK(nl.country == "NL");
    CHECK(nl.school_regions == std::vector<std::string>{"noord", "midden", "zuid"});
    CHECK(nl.school_mode == school_holiday_mode::avoid);
    // English-language: an international programme opts in itself.
    CHECK(day_rules_of(amsterdam_programme(language::en)).school_regions.empty());
    auto off = amsterdam_programme(language::nl);
    off.rules.school_holiday_regions = std::vector<std::string>{};
    CHECK(day_rules_of(off).school_regions.empty());
    auto south = amsterdam_programme(language::en);
    south.rules.school_holiday_regions = std::vector<std::string>{"zuid"};
    south.rules.school_holidays = school_holiday_mode::prefer_not;
    CHECK(day_rules_of(south).school_regions == std::vector<std::string>{"zuid"});
    CHECK(day_rules_of(south).school_mode == school_holiday_mode::prefer_not);
    CHECK(school_holiday_regions_of("NL") == std::vector<std::string>{"noord", "midden", "zuid"});
}

TEST_CASE("school holidays on a day are named with their regions in the programme's language", "[school-year]") {
    const auto d = dutch();
    CHECK(school_holiday_text(school_holidays_on(d, date("2019-08-15")), language::nl) ==
          "zomervakantie (regio noord, regio midden, regio zuid)");
    CHECK(school_holiday_text(school_holidays_on(d, date("2019-07-09")), language::en) ==
          "summer holidays (region south)");
    CHECK(school_holiday_text(school_holidays_on(d, date("2019-10-15")), language::nl) ==
          "herfstvakantie (regio zuid)");
    CHECK(school_holidays_on(d, date("2019-09-03")).empty());
    CHECK(school_holidays_on(dutch({}), date("2019-08-15")).empty());
    CHECK(school_holidays_on(dutch({"noord"}), date("2019-07-09")).empty());
}

TEST_CASE("the 2019 plan of a Dutch programme has no CoP meeting in any region's school holiday, each in its quarter",
          "[school-year]") {
    const auto plan = plan_year(year_2019(dutch()));
    REQUIRE(plan);
    REQUIRE(plan->meetings.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& m = plan->meetings[i];
        const auto d = m.when.start_local.date;
        INFO(format_date(d));
        CHECK(typed_holidays_on(d).empty());
        CHECK((d.month - 1) / 3 == static_cast<int>(i)); // in its quarter
        CHECK(m.score.school_holiday_points == 0);
    }
    // Q3: the middle (Friday 16 August) is in all three regions' summer holidays; the meeting
    // moved to early July or September, and the reasons name the holidays it moved past (on
    // the Tuesdays to Thursdays after the middle: regio noord and midden, then midden only).
    const auto& q3 = plan->meetings[2];
    const auto day = q3.when.start_local.date;
    CHECK(((day.month == 7 && day.day < 6) || day.month == 9));
    CHECK(contains_text(
        q3.reasons, "dichter bij het midden (2019-08-16) vallen dagen af: zomervakantie (regio noord, regio midden)"));
    CHECK(contains_text(q3.reasons, "geen feestdag, schoolvakantie, blackout of evenement op deze datum"));
    // The excluded days name the holiday and the regions, like the other exclusions.
    const auto excluded = [&](const char* when) {
        for (const auto& e : q3.excluded)
            if (e.date == date(when)) return e.reason;
        return std::string("(not excluded)");
    };
    CHECK(excluded("2019-08-15") == "zomervakantie (regio noord, regio midden, regio zuid)");
    CHECK(excluded("2019-07-09") == "zomervakantie (regio zuid)");
    CHECK(excluded("2019-08-27") == "zomervakantie (regio midden)");
    // No herfstvakantie of any region for Q4 either.
    const auto q4 = plan->meetings[3].when.start_local.date;
    CHECK_FALSE((date("2019-10-12") <= q4 && q4 <= date("2019-10-27")));
    CHECK(plan->notes.empty());
}

TEST_CASE("with school holidays switched off the 2019 plan is the one that ignores them", "[school-year]") {
    const auto plan = plan_year(year_2019(dutch({})));
    REQUIRE(plan);
    // Thursday 15 August, a day from the middle of quarter 3: in the summer holidays.
    CHECK(plan->meetings[2].when.start_local.date == date("2019-08-15"));
    CHECK(contains_text(plan->meetings[2].reasons, "geen feestdag, blackout of evenement op deze datum"));
    CHECK(plan->meetings[2].excluded.empty());
}

TEST_CASE("only the chosen regions count: regio zuid's summer ends on 18 August", "[school-year]") {
    auto r = year_2019(dutch({"zuid"}));
    r.first_day = date("2019-07-08");
    r.last_day = date("2019-08-30");
    r.count = 1;
    const auto plan = plan_year(r);
    REQUIRE(plan);
    CHECK(plan->meetings[0].when.start_local.date == date("2019-08-20"));
}

TEST_CASE("prefer_not plans in a school holiday only at a stated penalty, avoid not at all", "[school-year]") {
    auto r = year_2019(dutch({"noord", "midden", "zuid"}, school_holiday_mode::prefer_not));
    r.first_day = date("2019-07-22"); // every day of the window is in some region's summer holidays
    r.last_day = date("2019-08-16");
    r.count = 1;
    const auto plan = plan_year(r);
    REQUIRE(plan);
    const auto& m = plan->meetings[0];
    CHECK(m.score.school_holiday_points == -400);
    CHECK(m.score.total == m.score.organisations_points + m.score.people_points + m.score.time_points +
                               m.score.spread_points + m.score.school_holiday_points);
    CHECK(contains_text(m.reasons, "in de zomervakantie (regio noord, regio midden, regio zuid): -400 punten"));

    // A day outside the holidays beats a holiday at the middle once the penalty counts.
    auto wider = year_2019(dutch({"noord", "midden", "zuid"}, school_holiday_mode::prefer_not));
    wider.first_day = date("2019-07-22");
    wider.last_day = date("2019-09-30");
    wider.count = 1;
    const auto moved = plan_year(wider);
    REQUIRE(moved);
    CHECK(moved->meetings[0].score.school_holiday_points == 0);
    CHECK(typed_holidays_on(moved->meetings[0].when.start_local.date).empty());
    CHECK(contains_text(moved->meetings[0].reasons, "liever niet (-400 punten)"));

    r.days.school_mode = school_holiday_mode::avoid;
    const auto refused = plan_year(r);
    REQUIRE_FALSE(refused);
    CHECK(refused.err().code == errc::conflict);
    CHECK(refused.err().detail.find("in a school holiday") != std::string::npos);
}

TEST_CASE("a plan beyond the school holiday data says which days were not checked", "[school-year]") {
    auto r = year_2019(dutch());
    r.first_day = date("2040-01-01");
    r.last_day = date("2040-12-31");
    const auto plan = plan_year(r);
    REQUIRE(plan);
    REQUIRE(plan->notes.size() == 1);
    CHECK(plan->notes[0].find("niet op schoolvakanties gecontroleerd") != std::string::npos);
    CHECK(plan->notes[0].find("2040-12-31") != std::string::npos);
}

TEST_CASE("working-group suggestions follow the programme's school holiday rule", "[school-year]") {
    suggestion_request r;
    r.zone = &amsterdam();
    r.first_day = date("2019-07-01");
    r.last_day = date("2019-07-31");
    r.count = 12;
    r.days = dutch();
    auto avoid = suggest_slots(r);
    REQUIRE(avoid);
    REQUIRE_FALSE(avoid->empty());
    for (const auto& s : *avoid) {
        INFO(format_date(s.occurrences[0].when.start_local.date));
        CHECK(typed_holidays_on(s.occurrences[0].when.start_local.date).empty());
        CHECK(s.occurrences[0].when.start_local.date < date("2019-07-06"));
        CHECK(s.school_holidays.empty());
    }
    r.days.school_mode = school_holiday_mode::prefer_not;
    auto prefer_not = suggest_slots(r);
    REQUIRE(prefer_not);
    REQUIRE(prefer_not->size() == 12);
    bool in_holiday = false;
    for (const auto& s : *prefer_not)
        if (!typed_holidays_on(s.occurrences[0].when.start_local.date).empty()) {
            in_holiday = true;
            CHECK(s.score == -400); // no members: 0 points, less the penalty
            REQUIRE(s.school_holidays.size() == 1);
            CHECK(s.school_holidays[0].find("zomervakantie (regio") != std::string::npos);
        }
    CHECK(in_holiday);
    // Outside-holiday days rank first.
    CHECK(typed_holidays_on(prefer_not->front().occurrences[0].when.start_local.date).empty());
}

TEST_CASE("a booking in a school holiday is a soft school_holiday conflict naming the holiday and regions",
          "[school-year]") {
    booking_context ctx;
    ctx.programme_starts_on = date("2018-01-01");
    ctx.programme_ends_on = date("2026-12-31");
    // A CoP meeting 10:00-13:00 on the day.
    const auto meeting_on = [](const char* day) {
        booking_candidate c;
        c.kind = event_kind::cop_meeting;
        c.local_start = {date(day), 10, 0, 0};
        c.local_end = {date(day), 13, 0, 0};
        c.start_utc = amsterdam().to_utc(c.local_start).first;
        c.end_utc = amsterdam().to_utc(c.local_end).first;
        return c;
    };
    const auto summer = meeting_on("2019-08-15");
    const auto all = find_conflicts(summer, ctx, dutch(), language::nl);
    REQUIRE(all.size() == 1);
    CHECK(all[0].type == conflict_type::school_holiday);
    CHECK(severity_of(all[0].type) == conflict_severity::soft);
    CHECK(all[0].detail ==
          "2019-08-15 falls in the school holidays: zomervakantie (regio noord, regio midden, regio zuid).");
    CHECK(find_conflicts(summer, ctx, dutch({}), language::nl).empty());
    CHECK(blocking(all, {conflict_type::school_holiday}).empty());

    // Koningsdag 2019 (Saturday 27 April) is also the first day of the meivakantie.
    const auto both = find_conflicts(meeting_on("2019-04-27"), ctx, dutch(), language::en);
    REQUIRE(both.size() == 2);
    CHECK(both[0].type == conflict_type::public_holiday);
    CHECK(both[0].detail == "2019-04-27 is King's Day, a public holiday in NL.");
    CHECK(both[1].type == conflict_type::school_holiday);
    CHECK(both[1].detail.find("May holidays (region north, region central, region south)") != std::string::npos);
}
