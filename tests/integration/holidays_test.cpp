// Public holidays per programme over HTTP (issue 24): a programme gets the holidays of its
// country (by default the country of its time zone, settable with a subdivision), in
// booking conflicts and in the year plan; a Belgian and an American programme see their
// own days off and not the Dutch ones. The expected days are typed here from the
// countries' official lists, not read from data/public_holidays.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

struct holidays_fixture {
    server_process s;

    void create(const std::string& slug, const std::string& zone, const std::string& language,
                const std::string& extra = "") {
        auto r =
            s.call("POST", "/api/v1/programmes", s.admin_token,
                   R"({"slug":")" + slug + R"(","name":")" + slug + R"(","timezone":")" + zone + R"(","language":")" +
                       language + R"(","starts_on":"2019-01-01","ends_on":"2021-12-31")" + extra + "}");
        INFO(r.body);
        REQUIRE(r.status == 201);
    }
    // Books a one-hour meeting at 10:00 local on `day`; the answer as it came.
    http_reply book(const std::string& slug, const std::string& day) {
        return s.call("POST", "/api/v1/programmes/" + slug + "/events", s.admin_token,
                      R"({"kind":"other","title":"Overleg","start":")" + day + R"(T10:00","end":")" + day +
                          R"(T11:00"})");
    }
    // The conflict types a booking on `day` meets ("" when it was booked).
    std::set<std::string> conflicts_on(const std::string& slug, const std::string& day, std::string* detail = nullptr) {
        auto r = book(slug, day);
        INFO(slug << " " << day << " " << r.body);
        std::set<std::string> out;
        if (r.status == 201) return out;
        REQUIRE(r.status == 409);
        const auto body = r.json();
        for (const auto& c : body.at("conflicts").as_array()) {
            out.insert(str(c, "type"));
            if (detail && str(c, "type") == "public_holiday") *detail = str(c, "detail");
        }
        return out;
    }
};

} // namespace

TEST_CASE("holidays: a Belgian programme has Belgian public holidays, not Dutch ones", "[holidays][programmes]") {
    holidays_fixture f;
    f.create("be", "Europe/Brussels", "nl");
    const auto p = f.s.call("GET", "/api/v1/programmes/be", f.s.admin_token).json();
    CHECK(p.at("holidays").at("country") == "BE");
    CHECK(p.at("holidays").at("subdivision").is_null());
    CHECK(p.at("meeting_rules").at("school_holiday_regions").as_array().empty()); // no Belgian school data
    std::string detail;
    CHECK(f.conflicts_on("be", "2020-07-21", &detail) == std::set<std::string>{"public_holiday"});
    CHECK(detail == "2020-07-21 is Nationale feestdag, a public holiday in BE.");
    CHECK(f.conflicts_on("be", "2020-11-11") == std::set<std::string>{"public_holiday"}); // Wapenstilstand
    CHECK(f.conflicts_on("be", "2020-04-27").empty());                                    // Koningsdag
    CHECK(f.conflicts_on("be", "2020-05-05").empty()); // Bevrijdingsdag 2020, a Dutch day off
}

TEST_CASE("holidays: an American programme has the federal holidays with observed days", "[holidays][programmes]") {
    holidays_fixture f;
    f.create("us", "America/New_York", "en");
    CHECK(f.s.call("GET", "/api/v1/programmes/us", f.s.admin_token).json().at("holidays").at("country") == "US");
    std::string detail;
    CHECK(f.conflicts_on("us", "2020-07-03", &detail) == std::set<std::string>{"public_holiday"});
    CHECK(detail.find("Independence Day") != std::string::npos);
    CHECK(f.conflicts_on("us", "2020-11-26") == std::set<std::string>{"public_holiday"}); // Thanksgiving
    CHECK(f.conflicts_on("us", "2020-01-20") == std::set<std::string>{"public_holiday"}); // MLK Day
    CHECK(f.conflicts_on("us", "2020-04-13").empty());                                    // Easter Monday
    CHECK(f.conflicts_on("us", "2020-04-27").empty());                                    // Koningsdag
    CHECK(f.conflicts_on("us", "2020-12-26").empty());                                    // Boxing Day
}

TEST_CASE("holidays: a subdivision adds its own days, and settings are checked", "[holidays][programmes]") {
    holidays_fixture f;
    f.create("de", "Europe/Berlin", "en", R"(,"holidays":{"subdivision":"DE-BY"})");
    CHECK(f.conflicts_on("de", "2020-06-11") == std::set<std::string>{"public_holiday"}); // Fronleichnam in Bavaria
    auto berlin =
        f.s.call("PATCH", "/api/v1/programmes/de", f.s.admin_token, R"({"holidays":{"subdivision":"DE-BE"}})");
    INFO(berlin.body);
    REQUIRE(berlin.status == 200);
    CHECK(str(berlin.json().at("holidays"), "subdivision") == "DE-BE");
    CHECK(f.conflicts_on("de", "2020-06-12").empty());                                    // a Friday, no holiday
    CHECK(f.conflicts_on("de", "2020-10-03") == std::set<std::string>{"public_holiday"}); // German Unity Day
    auto wrong = f.s.call("PATCH", "/api/v1/programmes/de", f.s.admin_token, R"({"holidays":{"subdivision":"FR-67"}})");
    CHECK(wrong.status == 422);
    CHECK(wrong.body.find("holidays.subdivision") != std::string::npos);
    // A zone without holiday data has none until a country is set.
    f.create("np", "Asia/Kathmandu", "en");
    CHECK(f.s.call("GET", "/api/v1/programmes/np", f.s.admin_token).json().at("holidays").at("country").is_null());
    auto set = f.s.call("PATCH", "/api/v1/programmes/np", f.s.admin_token, R"({"holidays":{"country":"NL"}})");
    REQUIRE(set.status == 200);
    CHECK(f.conflicts_on("np", "2020-04-27") == std::set<std::string>{"public_holiday"});
}

TEST_CASE("holidays: a Belgian year plan keeps off the Belgian days off and names them", "[holidays][planning]") {
    holidays_fixture f;
    // Every weekday allowed, so that holidays on any weekday could be chosen.
    f.create("be-plan", "Europe/Brussels", "nl", R"(,"meeting_rules":{"weekdays":["mon","tue","wed","thu","fri"]})");
    const std::set<std::string> belgian_2020{"2020-01-01", "2020-04-13", "2020-05-01", "2020-05-21", "2020-06-01",
                                             "2020-07-21", "2020-08-15", "2020-11-01", "2020-11-11", "2020-12-25"};
    auto r = f.s.call("POST", "/api/v1/programmes/be-plan/plans", f.s.admin_token, R"({"year":2020})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    std::set<std::string> excluded_holidays;
    const auto plan = r.json();
    for (const auto& m : plan.at("meetings").as_array()) {
        CHECK_FALSE(belgian_2020.contains(str(m, "start").substr(0, 10)));
        for (const auto& e : m.at("excluded").as_array()) excluded_holidays.insert(str(e, "date"));
    }
    // Nationale feestdag (Tuesday 21 July) is in Q3 and listed; Koningsdag is not.
    CHECK(excluded_holidays.contains("2020-07-21"));
    CHECK_FALSE(excluded_holidays.contains("2020-04-27"));
    CHECK(r.body.find("Nationale feestdag") != std::string::npos);
}
