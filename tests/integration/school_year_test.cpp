// The Dutch school year in the planner, over HTTP and the command line (issue 23): the
// demo programme's year plans keep every CoP meeting out of every region's school
// holidays, switching the rule off restores the plan that ignores them, prefer_not states
// its penalty, bookings get a school_holiday conflict, and bad settings are refused with
// the field at fault. The holiday dates come from tests/scheduler/school_holidays_reference.csv
// (the second listing, not the data file the service reads).
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

struct holiday_period {
    std::string school_year, region, holiday, first, last; // dates "YYYY-MM-DD", inclusive
};

const std::vector<holiday_period>& reference_holidays() {
    static const std::vector<holiday_period> all = [] {
        std::ifstream in(std::string(COPSCHED_SOURCE_DIR) + "/tests/scheduler/school_holidays_reference.csv");
        REQUIRE(in.good());
        std::vector<holiday_period> out;
        std::string line;
        bool header = false;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            if (!header) {
                header = true;
                continue;
            }
            std::stringstream fields(line);
            holiday_period p;
            std::getline(fields, p.school_year, ',');
            std::getline(fields, p.region, ',');
            std::getline(fields, p.holiday, ',');
            std::getline(fields, p.first, ',');
            std::getline(fields, p.last, ',');
            out.push_back(p);
        }
        return out;
    }();
    return all;
}

// "zomervakantie zuid" for every reference period that holds the date.
std::vector<std::string> holidays_on(const std::string& day) {
    std::vector<std::string> out;
    for (const auto& p : reference_holidays())
        if (p.first <= day && day <= p.last) out.push_back(p.holiday + " " + p.region);
    return out;
}

// The last day the reference listing covers (the end of its last summer holidays).
std::string reference_until() {
    std::string last;
    for (const auto& p : reference_holidays()) last = std::max(last, p.last);
    return last;
}

struct school_fixture {
    server_process s;
    std::string organiser;

    // The admin token: these tests create a programme of their own besides the demo's.
    school_fixture() : organiser(s.admin_token) {}
    http_reply plan(const std::string& slug, int year) {
        return s.call("POST", "/api/v1/programmes/" + slug + "/plans", organiser,
                      R"({"year":)" + std::to_string(year) + "}");
    }
    http_reply patch(const std::string& slug, const std::string& body) {
        return s.call("PATCH", "/api/v1/programmes/" + slug, organiser, body);
    }
};

std::string problem_fields(const http_reply& r) {
    std::string out;
    const auto body = r.json();
    if (const auto* errors = body.as_object().if_contains("errors"))
        for (const auto& e : errors->as_array()) out += str(e, "field") + " ";
    return out;
}

} // namespace

TEST_CASE("school year: the demo's plans for 2019 to 2026 have no CoP meeting in any region's school holiday",
          "[planning][school-year]") {
    school_fixture f;
    REQUIRE(reference_until() >= "2027-01-01"); // the listing covers every year planned here
    for (int year = 2019; year <= 2026; ++year) {
        INFO(year);
        auto r = f.plan("gdci-2", year);
        INFO(r.body);
        REQUIRE(r.status == 200);
        const auto body = r.json();
        CHECK(body.at("notes").as_array().empty()); // the data covers the whole year
        const auto& meetings = body.at("meetings").as_array();
        REQUIRE(meetings.size() == 4);
        for (std::size_t i = 0; i < 4; ++i) {
            const auto start = str(meetings[i], "start");
            INFO(start);
            CHECK(holidays_on(start.substr(0, 10)).empty());
            CHECK(start.substr(0, 4) == std::to_string(year));
            CHECK((std::stoi(start.substr(5, 2)) - 1) / 3 == static_cast<int>(i)); // each in its quarter
            CHECK(meetings[i].at("score").at("school_holiday_points").to_number<int>() == 0);
        }
        // The middle of Q3 is always in the summer holidays: the reasons say why it moved.
        bool said = false;
        for (const auto& reason : meetings[2].at("reasons").as_array())
            said = said || reason.as_string().find("vallen dagen af: zomervakantie (regio") != json::string::npos;
        CHECK(said);
        bool excluded_summer = false;
        for (const auto& e : meetings[2].at("excluded").as_array())
            excluded_summer = excluded_summer || e.at("reason").as_string().find("zomervakantie") != json::string::npos;
        CHECK(excluded_summer);
    }
}

TEST_CASE("school year: switching school holidays off restores the plan in the summer holidays, null restores the "
          "default",
          "[planning][school-year]") {
    school_fixture f;
    auto off = f.patch("gdci-2", R"({"meeting_rules":{"school_holiday_regions":[]}})");
    INFO(off.body);
    REQUIRE(off.status == 200);
    CHECK(off.json().at("meeting_rules").at("school_holiday_regions").as_array().empty());
    auto r = f.plan("gdci-2", 2019);
    REQUIRE(r.status == 200);
    const auto q3 = str(r.json().at("meetings").at(2), "start").substr(0, 10);
    INFO(q3);
    CHECK(holidays_on(q3).size() == 3); // in all three regions' summer holidays, near 16 August
    CHECK(q3 >= "2019-08-06");
    CHECK(q3 <= "2019-08-26");

    auto back = f.patch("gdci-2", R"({"meeting_rules":{"school_holiday_regions":null}})");
    REQUIRE(back.status == 200);
    const auto restored = back.json();
    CHECK(restored.at("meeting_rules").at("school_holiday_regions").as_array().size() == 3);
    CHECK(str(restored.at("meeting_rules"), "school_holidays") == "avoid");
    CHECK(holidays_on(str(f.plan("gdci-2", 2019).json().at("meetings").at(2), "start").substr(0, 10)).empty());
}

TEST_CASE("school year: prefer_not plans inside the holidays at a stated penalty where avoid finds no day",
          "[planning][school-year]") {
    school_fixture f;
    // A programme whose whole period lies in some region's summer holidays.
    auto created = f.s.call("POST", "/api/v1/programmes", f.s.admin_token,
                            R"({"slug":"zomer","name":"Zomer","timezone":"Europe/Amsterdam","language":"nl",)"
                            R"("starts_on":"2019-07-22","ends_on":"2019-08-16","meeting_rules":{"per_year":1}})");
    INFO(created.body);
    REQUIRE(created.status == 201);
    CHECK(created.json().at("meeting_rules").at("school_holiday_regions").as_array().size() == 3);
    CHECK(created.json().at("holidays").at("country") == "NL");
    auto avoid = f.plan("zomer", 2019);
    INFO(avoid.body);
    REQUIRE(avoid.status == 409);
    CHECK(avoid.body.find("in a school holiday") != std::string::npos);

    REQUIRE(f.patch("zomer", R"({"meeting_rules":{"school_holidays":"prefer_not"}})").status == 200);
    auto prefer_not = f.plan("zomer", 2019);
    INFO(prefer_not.body);
    REQUIRE(prefer_not.status == 200);
    const auto body = prefer_not.json();
    CHECK(body.at("weights").at("school_holiday").to_number<int>() == 400);
    const auto& m = body.at("meetings").at(0);
    CHECK(m.at("score").at("school_holiday_points").to_number<int>() == -400);
    bool stated = false;
    for (const auto& reason : m.at("reasons").as_array())
        stated = stated || reason.as_string().find("-400 punten (schoolvakanties: liever niet)") != json::string::npos;
    CHECK(stated);

    // Only regio zuid: its summer ends on 18 August, after the programme's period.
    REQUIRE(f.patch("zomer", R"({"ends_on":"2019-08-30","meeting_rules":{"school_holidays":"avoid",)"
                             R"("school_holiday_regions":["zuid"]}})")
                .status == 200);
    auto south = f.plan("zomer", 2019);
    REQUIRE(south.status == 200);
    CHECK(str(south.json().at("meetings").at(0), "start").substr(0, 10) >= "2019-08-19");
}

TEST_CASE("school year: a booking in the holidays is a soft school_holiday conflict until accepted",
          "[events][school-year]") {
    school_fixture f;
    const std::string meeting =
        R"({"kind":"cop_meeting","title":"Zomer-CoP","start":"2019-08-15T10:00","end":"2019-08-15T13:00")";
    auto refused = f.s.call("POST", "/api/v1/programmes/gdci-2/events", f.organiser, meeting + "}");
    INFO(refused.body);
    REQUIRE(refused.status == 409);
    const auto conflicts = refused.json().at("conflicts").as_array();
    REQUIRE(conflicts.size() == 1);
    CHECK(str(conflicts[0], "type") == "school_holiday");
    CHECK(str(conflicts[0], "severity") == "soft");
    CHECK(str(conflicts[0], "detail").find("zomervakantie (regio noord, regio midden, regio zuid)") !=
          std::string::npos);
    auto booked = f.s.call("POST", "/api/v1/programmes/gdci-2/events", f.organiser,
                           meeting + R"(,"accept_conflicts":["school_holiday"]})");
    INFO(booked.body);
    CHECK(booked.status == 201);
}

TEST_CASE("school year: bad school holiday and holiday settings are refused with the field at fault",
          "[programmes][school-year]") {
    school_fixture f;
    auto region = f.patch("gdci-2", R"({"meeting_rules":{"school_holiday_regions":["west"]}})");
    CHECK(region.status == 422);
    CHECK(problem_fields(region).find("meeting_rules.school_holiday_regions") != std::string::npos);
    CHECK(region.body.find("noord, midden, zuid") != std::string::npos);
    auto twice = f.patch("gdci-2", R"({"meeting_rules":{"school_holiday_regions":["zuid","zuid"]}})");
    CHECK(twice.status == 422);
    auto mode = f.patch("gdci-2", R"({"meeting_rules":{"school_holidays":"sometimes"}})");
    CHECK(mode.status == 422);
    CHECK(problem_fields(mode).find("meeting_rules.school_holidays") != std::string::npos);
    auto country = f.patch("gdci-2", R"({"holidays":{"country":"nl"}})");
    CHECK(country.status == 422);
    CHECK(problem_fields(country).find("holidays.country") != std::string::npos);
    auto unknown = f.patch("gdci-2", R"({"holidays":{"country":"ZZ"}})");
    CHECK(unknown.status == 422);
    CHECK(problem_fields(unknown).find("holidays.country") != std::string::npos);
    // Nothing of it was stored.
    const auto now = f.s.call("GET", "/api/v1/programmes/gdci-2", f.organiser).json();
    CHECK(now.at("meeting_rules").at("school_holiday_regions").as_array().size() == 3);
    CHECK(now.at("holidays").at("country") == "NL");
}

TEST_CASE("school year: copsched plan lists the excluded school holidays and plans around them",
          "[planning][cli][school-year]") {
    school_fixture f;
    REQUIRE(f.s.stop(SIGTERM) == 0); // the command line works on the database file alone
    auto dry = run_copsched({"--database", f.s.database, "plan", "--programme", "gdci-2", "--year", "2019"});
    INFO(dry.out << dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("uitgesloten dagen") != std::string::npos);
    CHECK(dry.out.find("zomervakantie (regio noord, regio midden, regio zuid)") != std::string::npos);
    CHECK(dry.out.find("dichter bij het midden (2019-08-16) vallen dagen af: zomervakantie") != std::string::npos);
}
