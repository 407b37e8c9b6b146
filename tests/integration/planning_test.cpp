// Planning over HTTP and the command line: the CoP year plan (dry run, determinism,
// blackouts and busy times moving it, applying it), blackout and busy-time uploads (good
// and malformed calendars, nothing stored on error), working-group slot suggestions, and
// `copsched plan`.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

std::chrono::year_month_day ymd(const std::string& local) { // "2019-03-12T10:00" or "2019-03-12"
    return {std::chrono::year(std::stoi(local.substr(0, 4))),
            std::chrono::month(static_cast<unsigned>(std::stoi(local.substr(5, 2)))),
            std::chrono::day(static_cast<unsigned>(std::stoi(local.substr(8, 2))))};
}
int day_number(const std::string& local) { return std::chrono::sys_days(ymd(local)).time_since_epoch().count(); }
unsigned iso_weekday(const std::string& local) {
    return std::chrono::weekday(std::chrono::sys_days(ymd(local))).iso_encoding();
}

// Dutch days off in 2019 (Bevrijdingsdag is one only in lustrum years).
const std::set<std::string> days_off_2019{"2019-01-01", "2019-04-19", "2019-04-21", "2019-04-22", "2019-04-27",
                                          "2019-05-30", "2019-06-09", "2019-06-10", "2019-12-25", "2019-12-26"};

const std::string vcal_head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//copsched tests//EN\r\n";
const std::string vcal_tail = "END:VCALENDAR\r\n";

std::string all_day_event(const std::string& uid, const std::string& first, const std::string& after_last,
                          const std::string& summary) {
    return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20190101T000000Z\r\nDTSTART;VALUE=DATE:" + first +
           "\r\nDTEND;VALUE=DATE:" + after_last + "\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\n";
}

std::string compact(const std::string& local_date) { // "2019-03-12..." -> "20190312"
    return local_date.substr(0, 4) + local_date.substr(5, 2) + local_date.substr(8, 2);
}

struct planning_fixture {
    server_process s;
    std::string organiser;

    planning_fixture() {
        auto r =
            s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"o","role":"organiser","programme":"gdci-2"})");
        REQUIRE(r.status == 201);
        organiser = str(r.json(), "token");
    }
    http_reply plan(const std::string& body) {
        return s.call("POST", "/api/v1/programmes/gdci-2/plans", organiser, body);
    }
    http_reply upload(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& ics) {
        return s.request(method, path, ics,
                         {{"Authorization", "Bearer " + token}, {"Content-Type", "text/calendar; charset=utf-8"}});
    }
    std::vector<std::string> people() {
        auto r = s.call("GET", "/api/v1/programmes/gdci-2/people?limit=200", organiser);
        REQUIRE(r.status == 200);
        std::vector<std::string> out;
        const auto body = r.json();
        for (const auto& p : body.at("items").as_array()) out.push_back(str(p, "id"));
        return out;
    }
    std::size_t cop_meetings_2019() {
        auto r =
            s.call("GET", "/api/v1/programmes/gdci-2/events?kind=cop_meeting&from=2019-01-01&to=2020-01-01&limit=200",
                   organiser);
        REQUIRE(r.status == 200);
        return r.json().at("items").as_array().size();
    }
};

// Every hard rule of the programme's meeting rules (tue-thu, 10:00-13:00, 42 days apart,
// no holiday), one meeting per quarter, explanations present.
void check_plan(const json::value& plan, std::size_t count = 4) {
    const auto& meetings = plan.at("meetings").as_array();
    REQUIRE(meetings.size() == count);
    int previous = -100000;
    std::set<int> quarters;
    for (const auto& m : meetings) {
        const auto start = str(m, "start");
        INFO(start);
        CHECK(start.substr(0, 4) == "2019");
        CHECK(start.substr(10) == "T10:00");
        CHECK(str(m, "end") == start.substr(0, 10) + "T13:00");
        const auto wd = iso_weekday(start);
        CHECK((wd >= 2 && wd <= 4));
        CHECK_FALSE(days_off_2019.contains(start.substr(0, 10)));
        CHECK(day_number(start) - previous >= 42);
        previous = day_number(start);
        quarters.insert((std::stoi(start.substr(5, 2)) - 1) / 3);
        CHECK_FALSE(m.at("reasons").as_array().empty());
        const auto& score = m.at("score");
        CHECK(score.at("people_total").to_number<int>() >= 49);
        CHECK(score.at("total").to_number<long long>() == score.at("organisations_points").to_number<long long>() +
                                                              score.at("people_points").to_number<long long>() +
                                                              score.at("time_points").to_number<long long>() +
                                                              score.at("spread_points").to_number<long long>());
        for (const auto& a : m.at("alternatives").as_array()) {
            CHECK(a.at("plan_score_difference").to_number<long long>() <= 0);
            CHECK_FALSE(a.at("why_lost").as_array().empty());
        }
    }
    if (count == 4) CHECK(quarters.size() == 4);
}

} // namespace

TEST_CASE("year plan: a dry run proposes four meetings that keep every rule, the same each time, and stores nothing",
          "[planning]") {
    planning_fixture f;
    const auto before = f.cop_meetings_2019();
    auto r = f.plan(R"({"year":2019})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto plan = r.json();
    check_plan(plan);
    CHECK(plan.at("applied") == false);
    CHECK_FALSE(plan.at("meetings").at(0).at("alternatives").as_array().empty());
    auto again = f.plan(R"({"year":2019})");
    CHECK(again.body == r.body);
    CHECK(f.cop_meetings_2019() == before);

    SECTION("bad input names the field and a year outside the programme is refused") {
        auto bad = f.plan(R"({"year":"2019","count":40,"colour":"red"})");
        CHECK(bad.status == 422);
        std::set<std::string> fields;
        const auto problem = bad.json();
        for (const auto& e : problem.at("errors").as_array()) fields.insert(str(e, "field"));
        CHECK(fields == std::set<std::string>{"year", "count", "colour"});
        CHECK(f.plan(R"({"year":2030})").status == 422);
        CHECK(f.plan(R"({})").status == 422);
    }
    SECTION("participants and other programmes cannot plan") {
        auto people = f.people();
        auto t =
            f.s.call("POST", "/api/v1/tokens", f.s.admin_token,
                     R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + people.front() + "\"}");
        REQUIRE(t.status == 201);
        CHECK(f.s.call("POST", "/api/v1/programmes/gdci-2/plans", str(t.json(), "token"), R"({"year":2019})").status ==
              403);
    }
}

TEST_CASE("year plan: a blackout calendar and people's busy times move the meetings", "[planning]") {
    planning_fixture f;
    const auto first = f.plan(R"({"year":2019})").json();
    const auto q1 = str(first.at("meetings").at(0), "start");
    const auto q2 = str(first.at("meetings").at(1), "start");

    // A congress over the second meeting's whole week (Monday to Sunday).
    const int monday = day_number(q2) - static_cast<int>(iso_weekday(q2)) + 1;
    auto date_of = [](int day) {
        const std::chrono::year_month_day d{std::chrono::sys_days(std::chrono::days(day))};
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                      static_cast<unsigned>(d.day()));
        return std::string(buf);
    };
    const auto congress =
        vcal_head + all_day_event("congres@t", date_of(monday), date_of(monday + 7), "Congresweek") + vcal_tail;
    auto up = f.upload("POST", "/api/v1/programmes/gdci-2/blackouts?name=congres", f.organiser, congress);
    INFO(up.body);
    REQUIRE(up.status == 201);
    CHECK(up.json().at("periods") == 1);
    auto listed = f.s.call("GET", "/api/v1/programmes/gdci-2/blackouts", f.organiser).json();
    REQUIRE(listed.at("items").as_array().size() == 1);
    CHECK(str(listed.at("items").at(0), "name") == "Congresweek");
    CHECK(day_number(str(listed.at("items").at(0), "start")) == monday);
    // The same name twice is refused; nothing more is stored.
    CHECK(f.upload("POST", "/api/v1/programmes/gdci-2/blackouts?name=congres", f.organiser, congress).status == 422);

    // Every person busy on the first meeting's day.
    for (const auto& id : f.people()) {
        const auto busy = vcal_head + "BEGIN:VEVENT\r\nUID:b-" + id +
                          "@t\r\nDTSTAMP:20190101T000000Z\r\nDTSTART;TZID=Europe/Amsterdam:" + compact(q1) +
                          "T090000\r\nDTEND;TZID=Europe/Amsterdam:" + compact(q1) +
                          "T170000\r\nSUMMARY:Geheim overleg\r\nEND:VEVENT\r\n" + vcal_tail;
        auto put = f.upload("PUT", "/api/v1/people/" + id + "/busy", f.s.admin_token, busy);
        INFO(put.body);
        REQUIRE(put.status == 200);
        CHECK(put.json().at("intervals") == 1);
    }
    auto moved = f.plan(R"({"year":2019})");
    INFO(moved.body);
    REQUIRE(moved.status == 200);
    const auto plan = moved.json();
    check_plan(plan);
    std::set<std::string> days;
    for (const auto& m : plan.at("meetings").as_array()) days.insert(str(m, "start").substr(0, 10));
    CHECK_FALSE(days.contains(q1.substr(0, 10)));
    for (const auto& m : plan.at("meetings").as_array()) {
        const int d = day_number(str(m, "start"));
        CHECK((d < monday || d >= monday + 7));
        CHECK(m.at("score").at("people_free") == m.at("score").at("people_total")); // the busy day was avoided
    }
    // Busy times keep no titles; the person reads them back.
    const auto someone = f.people().front();
    auto mine = f.s.call("GET", "/api/v1/people/" + someone + "/busy", f.s.admin_token);
    REQUIRE(mine.status == 200);
    CHECK(mine.body.find("Geheim") == std::string::npos);
    REQUIRE(mine.json().at("items").as_array().size() == 1);
    CHECK(str(mine.json().at("items").at(0), "start") == q1.substr(0, 10) + "T09:00");
    // Organisers may not read or change someone's busy times.
    CHECK(f.s.call("GET", "/api/v1/people/" + someone + "/busy", f.organiser).status == 403);
    CHECK(f.upload("PUT", "/api/v1/people/" + someone + "/busy", f.organiser, vcal_head + vcal_tail).status == 403);

    // Removing the import brings the congress week back into play.
    const auto import_id = str(up.json(), "id");
    CHECK(f.s.call("DELETE", "/api/v1/programmes/gdci-2/blackouts/" + import_id, f.organiser).status == 204);
    CHECK(f.s.call("GET", "/api/v1/programmes/gdci-2/blackouts", f.organiser).json().at("items").as_array().empty());
    CHECK(f.s.call("DELETE", "/api/v1/programmes/gdci-2/blackouts/" + import_id, f.organiser).status == 404);
}

TEST_CASE("calendar uploads: malformed files are refused with their problems listed and nothing is imported",
          "[planning]") {
    planning_fixture f;
    const std::string path = "/api/v1/programmes/gdci-2/blackouts?name=x";
    auto good_event = all_day_event("v@t", "20191019", "20191028", "Herfstvakantie");
    for (const auto& bad :
         {std::string("this is not a calendar"), vcal_head + good_event, // no END:VCALENDAR
          vcal_head + "BEGIN:VEVENT\r\nUID:x@t\r\nSUMMARY:geen start\r\nEND:VEVENT\r\n" + vcal_tail,
          vcal_head +
              "BEGIN:VEVENT\r\nUID:x@t\r\nDTSTART:20191020T100000Z\r\nDTEND:20191019T100000Z\r\nEND:VEVENT\r\n" +
              vcal_tail,
          vcal_head +
              "BEGIN:VEVENT\r\nUID:x@t\r\nDTSTART:20191020T100000Z\r\nDTEND:20191020T110000Z\r\nRRULE:FREQ="
              "SOMETIMES\r\nEND:VEVENT\r\n" +
              vcal_tail,
          vcal_head + good_event +
              "BEGIN:VEVENT\r\nUID:y@t\r\nDTSTART;TZID=Mars/Olympus:20191020T100000\r\nDTEND;TZID=Mars/"
              "Olympus:20191020T110000\r\nEND:VEVENT\r\n" +
              vcal_tail}) {
        auto r = f.upload("POST", path, f.organiser, bad);
        INFO(bad << "\n-> " << r.body);
        CHECK(r.status == 422);
        CHECK(r.header("content-type") == "application/problem+json");
        const auto body = r.json();
        REQUIRE(body.as_object().contains("errors"));
        CHECK(str(body.at("errors").at(0), "field") == "body");
    }
    CHECK(f.upload("POST", path, f.organiser, std::string(1, '\xff') + vcal_head + good_event + vcal_tail).status ==
          422);
    // JSON is not a calendar.
    CHECK(f.s.call("POST", path, f.organiser, R"({"start":"2019-10-19"})").status == 400);
    CHECK(f.s.call("GET", "/api/v1/programmes/gdci-2/blackouts", f.organiser).json().at("items").as_array().empty());
    CHECK(f.s.call("GET", "/api/v1/programmes/gdci-2/blackouts", f.organiser).json().at("imports").as_array().empty());
    // The good one goes in.
    CHECK(f.upload("POST", path, f.organiser, vcal_head + good_event + vcal_tail).status == 201);
}

TEST_CASE("year plan: applying books the meetings as tentative CoP meetings through the booking path", "[planning]") {
    planning_fixture f;
    const auto before = f.cop_meetings_2019();
    auto dry = f.plan(R"({"year":2019})").json();
    auto r = f.plan(R"({"year":2019,"apply":true})");
    INFO(r.body);
    REQUIRE(r.status == 201);
    const auto applied = r.json();
    CHECK(applied.at("applied") == true);
    REQUIRE(applied.at("events").as_array().size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& e = applied.at("events").at(i);
        CHECK(str(e, "kind") == "cop_meeting");
        CHECK(str(e, "status") == "tentative");
        CHECK(str(e, "start") == str(dry.at("meetings").at(i), "start"));
        CHECK(str(e, "title").find("CoP-bijeenkomst") == 0);
    }
    CHECK(f.cop_meetings_2019() == before + 4);
    // A new plan treats the booked meetings as taken.
    auto next = f.plan(R"({"year":2019,"count":2})").json();
    REQUIRE(next.at("meetings").as_array().size() == 2);
    for (const auto& m : next.at("meetings").as_array())
        for (const auto& e : applied.at("events").as_array())
            CHECK(str(m, "start").substr(0, 10) != str(e, "start").substr(0, 10));
    // The audit trail records who applied it.
    auto audit = f.s.call("GET", "/api/v1/audit?object_type=programme", f.s.admin_token);
    CHECK(audit.body.find("plan.apply") != std::string::npos);
}

TEST_CASE("working-group suggestions rank slots by members free and avoid CoP meetings and sharing groups' sessions",
          "[planning]") {
    planning_fixture f;
    auto make = [&](const std::string& path, const std::string& body) {
        auto r = f.s.call("POST", path, f.organiser, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), "id");
    };
    const std::string p = "/api/v1/programmes/gdci-2";
    const auto org = make(p + "/organisations", R"({"name":"Sugg BV","kind":"company","level":"starter"})");
    std::vector<std::string> members;
    for (int i = 0; i < 3; ++i)
        members.push_back(make(p + "/people", R"({"name":"Lid )" + std::to_string(i) + R"(","email":"lid)" +
                                                  std::to_string(i) + R"(@sugg.example.org","organisation_id":")" +
                                                  org + R"(","role":"buyer"})"));
    const auto group = make(p + "/working-groups", R"({"slug":"sugg","name":"Suggesties"})");
    const auto other = make(p + "/working-groups", R"({"slug":"ander","name":"Ander"})");
    for (const auto& m : members)
        make("/api/v1/working-groups/" + group + "/members", R"({"person_id":")" + m + R"(","from":"2019-01-01"})");
    make("/api/v1/working-groups/" + other + "/members",
         R"({"person_id":")" + members[0] + R"(","from":"2019-01-01"})");
    // Tuesday 2019-03-05: a CoP meeting 10:00-13:00. Wednesday: the other group's session
    // 09:00-17:00 (it shares a member). Thursday: member 1 busy all day. Friday: free.
    make(p + "/events", R"({"kind":"cop_meeting","title":"CoP","start":"2019-03-05T10:00","end":"2019-03-05T13:00"})");
    make(p + "/events", R"({"kind":"working_group_session","title":"Ander","working_group_id":")" + other +
                            R"(","start":"2019-03-06T09:00","end":"2019-03-06T17:00"})");
    auto busy = vcal_head +
                "BEGIN:VEVENT\r\nUID:b@t\r\nDTSTAMP:20190101T000000Z\r\nDTSTART:20190307T080000Z\r\nDTEND:"
                "20190307T160000Z\r\nEND:VEVENT\r\n" +
                vcal_tail;
    REQUIRE(f.upload("PUT", "/api/v1/people/" + members[1] + "/busy", f.s.admin_token, busy).status == 200);

    auto r = f.s.call("GET",
                      "/api/v1/working-groups/" + group +
                          "/suggestions?from=2019-03-05&to=2019-03-08&duration_minutes=120&count=4",
                      f.organiser);
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto suggested = r.json();
    const auto& items = suggested.at("items").as_array();
    REQUIRE(items.size() >= 2);
    std::set<std::string> days;
    for (const auto& s : items) {
        const auto start = str(s, "start");
        CHECK(start.substr(0, 10) != "2019-03-06"); // the sharing group's session fills the day
        if (start.substr(0, 10) == "2019-03-05") {  // not during the CoP meeting
            const auto hour = std::stoi(start.substr(11, 2));
            CHECK((hour >= 13 || hour + 2 <= 10));
        }
        CHECK(days.insert(start.substr(0, 10)).second); // one suggestion per day
        CHECK(s.at("members_total") == 3);
    }
    // The best are the full ones (Tuesday afternoon, Friday); Thursday has member 1 busy.
    CHECK(items.at(0).at("members_free") == 3);
    CHECK(items.at(1).at("members_free") == 3);
    bool saw_thursday = false;
    for (const auto& s : items)
        if (str(s, "start").substr(0, 10) == "2019-03-07") {
            saw_thursday = true;
            CHECK(s.at("members_free") == 2);
            REQUIRE(s.at("busy").as_array().size() == 1);
            CHECK(str(s.at("busy").at(0), "id") == members[1]);
            CHECK(str(s.at("busy").at(0), "name") == "Lid 1");
        }
    CHECK(saw_thursday);

    // A recurring pattern is checked occurrence by occurrence. 28 February is in the
    // voorjaarsvakantie of regio midden and zuid: with prefer_not it is suggested, named.
    REQUIRE(f.s.call("PATCH", p, f.organiser, R"({"meeting_rules":{"school_holidays":"prefer_not"}})").status == 200);
    auto rec = f.s.call("GET",
                        "/api/v1/working-groups/" + group +
                            "/suggestions?from=2019-02-28&to=2019-02-28&duration_minutes=60&count=1&occurrences=2&"
                            "interval_weeks=1&day_start=09:00&day_end=10:00",
                        f.organiser);
    INFO(rec.body);
    REQUIRE(rec.status == 200);
    const auto recurring = rec.json();
    REQUIRE(recurring.at("items").as_array().size() == 1);
    const auto& occ = recurring.at("items").at(0).at("occurrences").as_array();
    REQUIRE(occ.size() == 2);
    CHECK(str(occ.at(1), "start") == "2019-03-07T09:00");
    CHECK(recurring.at("items").at(0).at("school_holidays").at(0) == "voorjaarsvakantie (regio midden, regio zuid)");
    CHECK(occ.at(1).at("busy").as_array().size() == 1);

    CHECK(
        f.s.call("GET", "/api/v1/working-groups/" + group + "/suggestions?duration_minutes=abc", f.organiser).status ==
        422);
    CHECK(f.s.call("GET", "/api/v1/working-groups/" + group + "/suggestions?from=2019-03-08&to=2019-03-01", f.organiser)
              .status == 422);
}

TEST_CASE("copsched plan prints the year plan and --apply books it while no server runs", "[planning][cli]") {
    std::string database;
    {
        planning_fixture f;
        database = f.s.database;
        REQUIRE(f.s.stop(SIGTERM) == 0);
        auto dry = run_copsched({"--database", database, "plan", "--programme", "gdci-2", "--year", "2019"});
        INFO(dry.out << dry.err);
        REQUIRE(dry.exit_code == 0);
        CHECK(dry.out.find("Jaarplan 2019") != std::string::npos);
        std::size_t rows = 0;
        for (std::size_t at = dry.out.find("\n1 "); at != std::string::npos; at = dry.out.find('\n', at + 1))
            if (at + 2 < dry.out.size() && std::isdigit(static_cast<unsigned char>(dry.out[at + 1])) &&
                dry.out[at + 2] == ' ')
                ++rows;
        CHECK(rows == 4);
        auto applied =
            run_copsched({"--database", database, "plan", "--programme", "gdci-2", "--year", "2019", "--apply"});
        INFO(applied.out << applied.err);
        REQUIRE(applied.exit_code == 0);
        CHECK(applied.out.find("4 tentative") != std::string::npos);
        CHECK(run_copsched({"--database", database, "plan", "--programme", "nope", "--year", "2019"}).exit_code == 1);
        CHECK(run_copsched({"--database", database, "plan", "--year", "2019"}).exit_code == 2);
    }
}
