// Booking over HTTP: the conflict matrix, accepting soft conflicts, reschedule,
// cancel and restore with SEQUENCE, concurrent bookings of one venue.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <set>
#include <thread>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

struct booking_fixture {
    server_process s;
    std::string organiser;
    std::string group_a, group_b, venue, small_venue, person_1, person_2;

    booking_fixture() {
        organiser =
            make(s.admin_token, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"gdci-2"})", "token");
        // These tests are about booking mechanics; the school-holiday rule of the demo (a soft
        // conflict in school holidays) is tested in school_year_test.cpp.
        REQUIRE(s.call("PATCH", "/api/v1/programmes/gdci-2", organiser,
                       R"({"meeting_rules":{"school_holiday_regions":[]}})")
                    .status == 200);
        const auto org = make(organiser, "/api/v1/programmes/gdci-2/organisations",
                              R"({"name":"Org A","kind":"company","level":"advanced"})");
        person_1 =
            make(organiser, "/api/v1/programmes/gdci-2/people",
                 R"({"name":"Een","email":"een@a.example.org","organisation_id":")" + org + R"(","role":"buyer"})");
        person_2 =
            make(organiser, "/api/v1/programmes/gdci-2/people",
                 R"({"name":"Twee","email":"twee@a.example.org","organisation_id":")" + org + R"(","role":"buyer"})");
        group_a = make(organiser, "/api/v1/programmes/gdci-2/working-groups", R"({"slug":"groep-a","name":"Groep A"})");
        group_b = make(organiser, "/api/v1/programmes/gdci-2/working-groups", R"({"slug":"groep-b","name":"Groep B"})");
        for (const auto& [g, p] : {std::pair{group_a, person_1}, {group_a, person_2}, {group_b, person_1}})
            make(organiser, "/api/v1/working-groups/" + g + "/members",
                 R"({"person_id":")" + p + R"(","from":"2018-06-07"})");
        venue = make(organiser, "/api/v1/programmes/gdci-2/venues", R"({"name":"Grote zaal","capacity":500})");
        small_venue = make(organiser, "/api/v1/programmes/gdci-2/venues", R"({"name":"Hokje","capacity":1})");
    }
    std::string make(const std::string& token, const std::string& path, const std::string& body,
                     const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    }
    http_reply book(const std::string& body) {
        return s.call("POST", "/api/v1/programmes/gdci-2/events", organiser, body);
    }
    static std::string session(const std::string& group, const std::string& start, const std::string& end,
                               const std::string& extra = "") {
        return R"({"kind":"working_group_session","title":"Sessie","working_group_id":")" + group + R"(","start":")" +
               start + R"(","end":")" + end + "\"" + extra + "}";
    }
};

std::set<std::string> conflict_types(const http_reply& r, const char* severity = nullptr) {
    std::set<std::string> out;
    const auto body = r.json();
    for (const auto& c : body.at("conflicts").as_array())
        if (!severity || c.at("severity") == severity) out.insert(str(c, "type"));
    return out;
}

} // namespace

TEST_CASE("a booking stores local and UTC times and answers with its sequence", "[events]") {
    booking_fixture f;
    auto r = f.book(booking_fixture::session(f.group_a, "2019-03-12T10:00", "2019-03-12T12:00",
                                             R"(,"venue_id":")" + f.venue + "\""));
    INFO(r.body);
    REQUIRE(r.status == 201);
    const auto e = r.json();
    REQUIRE(e.at("start") == "2019-03-12T10:00");
    REQUIRE(e.at("start_utc") == "2019-03-12T09:00:00Z");
    REQUIRE(e.at("end_utc") == "2019-03-12T11:00:00Z");
    REQUIRE(e.at("sequence") == 0);
    REQUIRE(e.at("status") == "confirmed");
    REQUIRE(r.header("location") == "/api/v1/events/" + str(e, "id"));
    // Summer time: the same wall clock is an hour earlier in UTC; instants are accepted too.
    auto summer = f.book(booking_fixture::session(f.group_a, "2019-06-04T08:00:00Z", "2019-06-04T12:00:00+02:00"));
    REQUIRE(summer.status == 201);
    REQUIRE(summer.json().at("start") == "2019-06-04T10:00");
    REQUIRE(summer.json().at("end_utc") == "2019-06-04T10:00:00Z");
}

TEST_CASE("hard conflicts refuse a booking with the list of conflicts", "[events][conflicts]") {
    booking_fixture f;
    const auto cop = f.book(
        R"({"kind":"cop_meeting","title":"CoP 1","start":"2019-05-14T10:00","end":"2019-05-14T13:00","venue_id":")" +
        f.venue + "\"}");
    REQUIRE(cop.status == 201);
    struct hard_case {
        std::string body, type;
    };
    const std::vector<hard_case> cases{
        {booking_fixture::session(f.group_a, "2019-05-14T12:00", "2019-05-14T14:00"), "cop_meeting_overlap"},
        {R"({"kind":"other","title":"Zaal bezet","start":"2019-05-14T11:00","end":"2019-05-14T12:00","venue_id":")" +
             f.venue + "\"}",
         "venue_overlap"},
        {booking_fixture::session(f.group_a, "2017-01-10T10:00", "2017-01-10T12:00"), "outside_programme"},
        {booking_fixture::session(f.group_a, "2019-02-05T12:00", "2019-02-05T10:00"), "end_before_start"},
        {booking_fixture::session(f.group_a, "2019-03-31T02:30", "2019-03-31T04:00"), "nonexistent_local_time"},
        {booking_fixture::session(f.group_a, "2019-10-27T02:30", "2019-10-27T04:00"), "ambiguous_local_time"},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        auto r = f.book(c.body);
        REQUIRE(r.status == 409);
        REQUIRE(r.header("content-type") == "application/problem+json");
        REQUIRE(conflict_types(r, "hard").count(c.type) == 1);
        // Hard conflicts cannot be accepted.
        auto body = c.body;
        body.insert(body.size() - 1, R"(,"accept_conflicts":[")" + c.type + "\"]");
        REQUIRE(f.book(body).status == 422);
    }
    const auto listed =
        f.s.call("GET", "/api/v1/programmes/gdci-2/events?from=2017-01-01&to=2019-12-31", f.organiser).json();
    REQUIRE(listed.at("items").as_array().size() == 2); // the demo's signing ceremony and the CoP meeting
    REQUIRE(listed.at("items").at(1).at("title") == "CoP 1");
}

TEST_CASE("soft conflicts refuse until accepted, then are stored on the event", "[events][conflicts]") {
    booking_fixture f;
    // Person 1 is in groups A and B: overlapping sessions share a member.
    REQUIRE(f.book(booking_fixture::session(f.group_b, "2019-09-10T10:00", "2019-09-10T12:00")).status == 201);
    auto busy = f.book(booking_fixture::session(f.group_a, "2019-09-10T11:00", "2019-09-10T13:00"));
    REQUIRE(busy.status == 409);
    REQUIRE(conflict_types(busy) == std::set<std::string>{"members_busy"});

    auto easter = f.book(booking_fixture::session(f.group_a, "2019-04-22T10:00", "2019-04-22T12:00"));
    REQUIRE(easter.status == 409);
    REQUIRE(conflict_types(easter, "soft").count("public_holiday") == 1);
    REQUIRE(easter.json().at("conflicts").at(0).at("detail").as_string().find("Tweede Paasdag") != json::string::npos);

    auto crowded = f.book(booking_fixture::session(f.group_a, "2019-09-17T10:00", "2019-09-17T12:00",
                                                   R"(,"venue_id":")" + f.small_venue + "\""));
    REQUIRE(crowded.status == 409);
    REQUIRE(conflict_types(crowded) == std::set<std::string>{"venue_capacity"});

    auto accepted = f.book(booking_fixture::session(f.group_a, "2019-04-22T10:00", "2019-04-22T12:00",
                                                    R"(,"accept_conflicts":["public_holiday"])"));
    INFO(accepted.body);
    REQUIRE(accepted.status == 201);
    REQUIRE(accepted.json().at("accepted_conflicts").as_array().size() == 1);
    REQUIRE(accepted.json().at("accepted_conflicts").at(0) == "public_holiday");
    REQUIRE(conflict_types(accepted) == std::set<std::string>{"public_holiday"});
    REQUIRE(f.book(booking_fixture::session(f.group_a, "2019-09-10T11:00", "2019-09-10T13:00",
                                            R"(,"accept_conflicts":["members_busy"])"))
                .status == 201);
    REQUIRE(f.book(booking_fixture::session(f.group_a, "2019-09-10T11:00", "2019-09-10T13:00",
                                            R"(,"accept_conflicts":["teleport"])"))
                .status == 422);
}

TEST_CASE("reschedule, cancel and restore bump the sequence and cancelled events stay stored", "[events]") {
    booking_fixture f;
    auto created = f.book(booking_fixture::session(f.group_a, "2019-02-12T10:00", "2019-02-12T12:00",
                                                   R"(,"venue_id":")" + f.venue + "\""));
    REQUIRE(created.status == 201);
    const auto id = str(created.json(), "id");
    const auto path = "/api/v1/events/" + id;
    const auto tag = created.header("etag");

    auto renamed = f.s.call("PATCH", path, f.organiser, R"({"title":"Sessie over circulair meubilair"})");
    REQUIRE(renamed.status == 200);
    REQUIRE(renamed.json().at("sequence") == 0); // a title is not a significant change

    auto moved = f.s.request("PATCH", path, R"({"start":"2019-02-19T14:00","end":"2019-02-19T16:00"})",
                             {{"Authorization", "Bearer " + f.organiser},
                              {"Content-Type", "application/json"},
                              {"If-Match", renamed.header("etag")}});
    INFO(moved.body);
    REQUIRE(moved.status == 200);
    REQUIRE(moved.json().at("sequence") == 1);
    REQUIRE(moved.json().at("start_utc") == "2019-02-19T13:00:00Z");
    auto stale = f.s.request(
        "PATCH", path, R"({"title":"x"})",
        {{"Authorization", "Bearer " + f.organiser}, {"Content-Type", "application/json"}, {"If-Match", tag}});
    REQUIRE(stale.status == 412);

    // Rescheduling onto a clash is refused and changes nothing.
    REQUIRE(
        f.book(R"({"kind":"cop_meeting","title":"CoP","start":"2019-03-05T10:00","end":"2019-03-05T13:00"})").status ==
        201);
    auto clash = f.s.call("PATCH", path, f.organiser, R"({"start":"2019-03-05T11:00","end":"2019-03-05T12:00"})");
    REQUIRE(clash.status == 409);
    REQUIRE(f.s.call("GET", path, f.organiser).json().at("start") == "2019-02-19T14:00");

    auto cancelled = f.s.call("POST", path + "/cancel", f.organiser, R"({"reason":"Ziekte"})");
    REQUIRE(cancelled.status == 200);
    REQUIRE(cancelled.json().at("status") == "cancelled");
    REQUIRE(cancelled.json().at("sequence") == 2);
    REQUIRE(cancelled.json().at("cancel_reason") == "Ziekte");
    REQUIRE(f.s.call("POST", path + "/cancel", f.organiser).status == 409);
    REQUIRE(f.s.call("PATCH", path, f.organiser, R"({"title":"x"})").status == 409);
    // The venue is free again while the event is cancelled.
    auto other =
        f.book(R"({"kind":"other","title":"Borrel","start":"2019-02-19T15:00","end":"2019-02-19T17:00","venue_id":")" +
               f.venue + "\"}");
    REQUIRE(other.status == 201);
    const auto cancelled_list =
        f.s.call("GET", "/api/v1/programmes/gdci-2/events?status=cancelled", f.organiser).json();
    REQUIRE(cancelled_list.at("items").as_array().size() == 1);

    // Restoring re-checks the calendar: the venue is now taken.
    REQUIRE(f.s.call("POST", path + "/restore", f.organiser).status == 409);
    REQUIRE(f.s.call("DELETE", "/api/v1/events/" + str(other.json(), "id"), f.organiser).status == 204);
    auto restored = f.s.call("POST", path + "/restore", f.organiser);
    REQUIRE(restored.status == 200);
    REQUIRE(restored.json().at("status") == "confirmed");
    REQUIRE(restored.json().at("sequence") == 3);
}

TEST_CASE("of many concurrent bookings of one venue and time exactly one succeeds", "[events][concurrency]") {
    booking_fixture f;
    constexpr int clients = 16;
    std::atomic<int> created{0}, conflicted{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i)
        threads.emplace_back([&, i] {
            try {
                auto r =
                    f.book(R"({"kind":"other","title":"Gelijktijdig )" + std::to_string(i) +
                           R"(","start":"2019-11-05T10:00","end":"2019-11-05T11:00","venue_id":")" + f.venue + "\"}");
                (r.status == 201 ? created : r.status == 409 ? conflicted : other)++;
            } catch (...) {
                other++;
            }
        });
    for (auto& t : threads) t.join();
    REQUIRE(created == 1);
    REQUIRE(conflicted == clients - 1);
    REQUIRE(other == 0);
    const auto listed =
        f.s.call("GET", "/api/v1/programmes/gdci-2/events?from=2019-11-05&to=2019-11-06", f.organiser).json();
    REQUIRE(listed.at("items").as_array().size() == 1);
}

TEST_CASE("events: bad input is refused with the field at fault and other programmes see 404",
          "[events][validation][authz]") {
    booking_fixture f;
    struct bad {
        std::string body, field;
    };
    const std::vector<bad> cases{
        {R"({"kind":"party","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00"})", "kind"},
        {R"({"kind":"other","title":"x","start":"tomorrow","end":"2019-02-05T11:00"})", "start"},
        {R"({"kind":"other","title":"x","start":"2019-02-30T10:00","end":"2019-02-05T11:00"})", "start"},
        {R"({"kind":"other","start":"2019-02-05T10:00","end":"2019-02-05T11:00"})", "title"},
        {R"({"kind":"working_group_session","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00"})",
         "working_group_id"},
        {R"({"kind":"cop_meeting","title":"x","working_group_id":")" + f.group_a +
             R"(","start":"2019-02-05T10:00","end":"2019-02-05T11:00"})",
         "working_group_id"},
        {R"({"kind":"other","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00","venue_id":"ven_nope"})",
         "venue_id"},
        {R"J({"kind":"other","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00","online_url":"javascript:alert(1)"})J",
         "online_url"},
        {R"({"kind":"other","title":"END:VEVENT\r\nBEGIN:VEVENT","start":"2019-02-05T10:00","end":"2019-02-05T11:00"})",
         "title"},
        {R"({"kind":"other","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00","sneaky":true})", "sneaky"},
        {R"({"kind":"other","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00","status":"cancelled"})",
         "status"},
        {R"({"kind":"other","title":"x","all_day":true,"start":"2019-02-05T10:00","end":"2019-02-05"})", "start"},
        {R"({"kind":"other","title":"x","all_day":"yes","start":"2019-02-05","end":"2019-02-05"})", "all_day"},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        auto r = f.book(c.body);
        REQUIRE(r.status == 422);
        const auto problem = r.json();
        bool named = false;
        for (const auto& e : problem.at("errors").as_array()) named |= e.at("field") == c.field.c_str();
        REQUIRE(named);
    }
    REQUIRE(f.s.call("GET", "/api/v1/programmes/gdci-2/events?limit=200", f.organiser)
                .json()
                .at("items")
                .as_array()
                .size() == 1);

    auto created = f.book(R"({"kind":"other","title":"x","start":"2019-02-05T10:00","end":"2019-02-05T11:00"})");
    REQUIRE(created.status == 201);
    const auto id = str(created.json(), "id");
    REQUIRE(f.s.call("POST", "/api/v1/programmes", f.s.admin_token,
                     R"({"slug":"other","name":"Ander","starts_on":"2019-01-01","ends_on":"2020-12-31"})")
                .status == 201);
    const auto stranger =
        f.make(f.s.admin_token, "/api/v1/tokens", R"({"name":"x","role":"organiser","programme":"other"})", "token");
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/api/v1/events/" + id},
                                                          {"PATCH", "/api/v1/events/" + id},
                                                          {"DELETE", "/api/v1/events/" + id},
                                                          {"POST", "/api/v1/events/" + id + "/cancel"},
                                                          {"POST", "/api/v1/events/" + id + "/restore"},
                                                          {"GET", "/api/v1/programmes/gdci-2/events"},
                                                          {"POST", "/api/v1/programmes/gdci-2/events"}}) {
        INFO(method << " " << path);
        REQUIRE(f.s.call(method, path, stranger,
                         method == "PATCH" || path.ends_with("/events") && method == "POST" ? R"({"title":"y"})" : "")
                    .status == 404);
    }
}

TEST_CASE("a recurring series is stored as occurrences whose conflicts are listed per occurrence and block all",
          "[events][series]") {
    booking_fixture f;
    // Every 6 weeks on Tuesday, 5 times: crosses the start of summer time on 2019-03-31.
    const std::string rule = R"("rrule":"FREQ=WEEKLY;INTERVAL=6;BYDAY=TU;COUNT=5")";
    auto r = f.s.call("POST", "/api/v1/programmes/gdci-2/series", f.organiser,
                      R"({"kind":"working_group_session","title":"Reeks","working_group_id":")" + f.group_a +
                          R"(","start":"2019-01-08T10:00","end":"2019-01-08T12:00",)" + rule + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    const auto series = r.json();
    const auto& occ = series.at("occurrences").as_array();
    REQUIRE(occ.size() == 5);
    const std::vector<std::string> utc{"2019-01-08T09:00:00Z", "2019-02-19T09:00:00Z", "2019-04-02T08:00:00Z",
                                       "2019-05-14T08:00:00Z", "2019-06-25T08:00:00Z"};
    std::set<std::string> ids;
    for (std::size_t i = 0; i < occ.size(); ++i) {
        REQUIRE(occ[i].at("start_utc") == utc[i].c_str());
        REQUIRE(occ[i].at("series_id") == series.at("id"));
        ids.insert(str(occ[i], "id"));
    }
    REQUIRE(ids.size() == 5);

    // Cancel one occurrence: the others stay.
    const auto third = str(occ[2], "id");
    REQUIRE(f.s.call("POST", "/api/v1/events/" + third + "/cancel", f.organiser).status == 200);
    REQUIRE(f.s.call("GET", "/api/v1/events/" + str(occ[1], "id"), f.organiser).json().at("status") == "confirmed");
    // This and following.
    auto rest = f.s.call("POST", "/api/v1/events/" + str(occ[3], "id") + "/cancel", f.organiser,
                         R"({"scope":"this_and_following"})");
    REQUIRE(rest.status == 200);
    REQUIRE(rest.json().at("also_cancelled").as_array().size() == 1);
    REQUIRE(f.s.call("GET", "/api/v1/events/" + str(occ[4], "id"), f.organiser).json().at("status") == "cancelled");
    REQUIRE(f.s.call("GET", "/api/v1/events/" + str(occ[0], "id"), f.organiser).json().at("status") == "confirmed");

    // A CoP meeting on one date makes the whole series fail, with the conflict per occurrence.
    REQUIRE(
        f.book(R"({"kind":"cop_meeting","title":"CoP","start":"2020-02-18T09:00","end":"2020-02-18T13:00"})").status ==
        201);
    auto clash = f.s.call(
        "POST", "/api/v1/programmes/gdci-2/series", f.organiser,
        R"({"kind":"working_group_session","title":"Reeks 2","working_group_id":")" + f.group_a +
            R"(","start":"2020-01-07T10:00","end":"2020-01-07T12:00","rrule":"FREQ=WEEKLY;INTERVAL=6;BYDAY=TU;COUNT=3"})");
    REQUIRE(clash.status == 409);
    const auto problem = clash.json();
    REQUIRE(problem.at("occurrences").as_array().size() == 1);
    REQUIRE(problem.at("occurrences").at(0).at("start") == "2020-02-18T10:00");
    REQUIRE(f.s.call("GET", "/api/v1/programmes/gdci-2/events?from=2020-01-01&to=2020-12-31&kind=working_group_session",
                     f.organiser)
                .json()
                .at("items")
                .as_array()
                .empty());
    // Bad rules name the field.
    auto bad = f.s.call(
        "POST", "/api/v1/programmes/gdci-2/series", f.organiser,
        R"({"kind":"other","title":"x","start":"2020-01-07T10:00","end":"2020-01-07T12:00","rrule":"FREQ=WEEKLY"})");
    REQUIRE(bad.status == 422);
    REQUIRE(bad.json().at("errors").at(0).at("field") == "rrule");
    // This rule made libical read out of bounds, and the service died (found by fuzzing).
    auto weeks = f.s.call("POST", "/api/v1/programmes/gdci-2/series", f.organiser,
                          R"({"kind":"other","title":"x","start":"2024-03-21T10:00","end":"2024-03-21T11:00",)"
                          R"("rrule":"FREQ=YEARLY;BYWEEKNO=1,53;UNTIL=20300101"})");
    REQUIRE(weeks.status == 422);
    REQUIRE(weeks.json().at("errors").at(0).at("field") == "rrule");
    REQUIRE(f.s.request("GET", "/healthz").status == 200);
}

TEST_CASE("changing a series occurrence: this one, or this and following, all or nothing", "[events][series]") {
    booking_fixture f;
    // Every 6 weeks on Tuesday 10:00-12:00, 4 times, across the start of summer time.
    auto r = f.s.call(
        "POST", "/api/v1/programmes/gdci-2/series", f.organiser,
        R"({"kind":"working_group_session","title":"Reeks","working_group_id":")" + f.group_a +
            R"(","start":"2019-01-08T10:00","end":"2019-01-08T12:00","rrule":"FREQ=WEEKLY;INTERVAL=6;BYDAY=TU;COUNT=4"})");
    REQUIRE(r.status == 201);
    const auto series = r.json();
    std::vector<std::string> id;
    for (const auto& o : series.at("occurrences").as_array()) id.push_back(str(o, "id"));
    REQUIRE(id.size() == 4);
    auto get = [&](std::size_t i) { return f.s.call("GET", "/api/v1/events/" + id[i], f.organiser).json(); };

    // "this" (the default): only the one occurrence changes.
    auto one = f.s.call("PATCH", "/api/v1/events/" + id[0], f.organiser, R"({"title":"Alleen deze"})");
    REQUIRE(one.status == 200);
    REQUIRE(get(1).at("title") == "Reeks");

    // This and following, from the second: later ones move by the same wall-clock hours
    // (10:00 -> 14:00 local, also after the DST change) and take the new title.
    auto moved = f.s.call(
        "PATCH", "/api/v1/events/" + id[1], f.organiser,
        R"({"start":"2019-02-19T14:00","end":"2019-02-19T16:30","title":"Verzet","scope":"this_and_following"})");
    INFO(moved.body);
    REQUIRE(moved.status == 200);
    REQUIRE(moved.json().at("also_updated").as_array().size() == 2);
    REQUIRE(get(0).at("start") == "2019-01-08T10:00");
    REQUIRE(get(0).at("title") == "Alleen deze");
    for (std::size_t i = 1; i < 4; ++i) {
        const auto e = get(i);
        REQUIRE(e.at("title") == "Verzet");
        REQUIRE(std::string(e.at("start").as_string()).substr(10) == "T14:00");
        REQUIRE(std::string(e.at("end").as_string()).substr(10) == "T16:30");
        REQUIRE(e.at("sequence").as_int64() == 1);
    }
    REQUIRE(get(2).at("start_utc") == "2019-04-02T12:00:00Z"); // summer time: UTC+2

    // A CoP meeting on the last date blocks the whole change: nothing moves, and the
    // answer names the occurrence.
    REQUIRE(
        f.book(R"({"kind":"cop_meeting","title":"CoP","start":"2019-05-14T09:00","end":"2019-05-14T12:00"})").status ==
        201);
    auto blocked = f.s.call("PATCH", "/api/v1/events/" + id[1], f.organiser,
                            R"({"start":"2019-02-19T10:00","end":"2019-02-19T12:00","scope":"this_and_following"})");
    INFO(blocked.body);
    REQUIRE(blocked.status == 409);
    const auto problem = blocked.json();
    REQUIRE(problem.at("occurrences").as_array().size() == 1);
    REQUIRE(problem.at("occurrences").at(0).at("id") == id[3].c_str());
    for (std::size_t i = 1; i < 4; ++i) REQUIRE(std::string(get(i).at("start").as_string()).substr(10) == "T14:00");

    // Cancelled occurrences are left alone; a bad scope names the field.
    REQUIRE(f.s.call("POST", "/api/v1/events/" + id[2] + "/cancel", f.organiser).status == 200);
    auto retitle = f.s.call("PATCH", "/api/v1/events/" + id[1], f.organiser,
                            R"({"title":"Laatste","scope":"this_and_following"})");
    REQUIRE(retitle.status == 200);
    REQUIRE(get(2).at("title") == "Verzet");
    REQUIRE(get(3).at("title") == "Laatste");
    auto bad = f.s.call("PATCH", "/api/v1/events/" + id[1], f.organiser, R"({"title":"x","scope":"all"})");
    REQUIRE(bad.status == 422);
    REQUIRE(bad.json().at("errors").at(0).at("field") == "scope");
    REQUIRE(get(1).at("title") == "Laatste");
}
