// Calendar feeds over HTTP, read back by three independent parsers (ical.js, node-ical,
// python3-icalendar with recurring-ical-events; tests/feeds/compare.sh fails unless they
// agree), whose every occurrence must start and end at the UTC instants the API stores.
// Also: conditional requests, HEAD, invalidation per working group, SEQUENCE, rotation
// of the personal feed URL, Last-Modified after a deletion, and no token in the log.
#include "tests/support/harness.hpp"
#include "tests/support/shell.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <string>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

struct world {
    server_process s;
    std::string organiser, participant;
    std::string person, group_a, group_b, venue;
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(s.port) + path; }

    std::string make(const std::string& token, const std::string& path, const std::string& body,
                     const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    }
    json::value book(const std::string& body) {
        auto r = s.call("POST", "/api/v1/programmes/gdci-2/events", organiser, body);
        INFO(body << "\n" << r.body);
        REQUIRE(r.status == 201);
        return r.json();
    }

    world() {
        organiser =
            make(s.admin_token, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"gdci-2"})", "token");
        const std::string p = "/api/v1/programmes/gdci-2";
        // These tests are about feeds; the school-holiday rule of the demo (bookings in school
        // holidays are a soft conflict) is tested in school_year_test.cpp.
        REQUIRE(s.call("PATCH", p, organiser, R"({"meeting_rules":{"school_holiday_regions":[]}})").status == 200);
        const auto org =
            make(organiser, p + "/organisations", R"({"name":"Gemeente Test","kind":"government","level":"starter"})");
        person = make(organiser, p + "/people",
                      R"({"name":"Anna","email":"anna@example.org","organisation_id":")" + org +
                          R"(","role":"buyer","language":"en"})");
        participant =
            make(s.admin_token, "/api/v1/tokens",
                 R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + person + "\"}", "token");
        group_a = make(organiser, p + "/working-groups", R"({"slug":"feeds-a","name":"Textiel; mode, \\ zorg"})");
        group_b = make(organiser, p + "/working-groups", R"({"slug":"feeds-b","name":"Groep B"})");
        make(organiser, "/api/v1/working-groups/" + group_a + "/members",
             R"({"person_id":")" + person + R"(","from":"2018-06-07"})", "person_id");
        venue = make(organiser, p + "/venues",
                     R"({"name":"Zaal Één","address":"Stationsplein 1, Utrecht","capacity":300})");
    }
};

// compare.sh output for a served feed: one object per occurrence.
json::array occurrences(const world& w, const std::string& path) {
    const auto out = run_shell("bash " COPSCHED_SOURCE_DIR "/tests/feeds/compare.sh '" + w.url(path) +
                               "' --from 2018-01-01T00:00:00Z --to 2027-01-01T00:00:00Z");
    return json::parse(out).as_array();
}

} // namespace

TEST_CASE("feeds: three parsers agree with the database on every occurrence", "[feeds]") {
    world w;
    const auto accept =
        std::string(R"(,"accept_conflicts":["public_holiday","school_holiday","members_busy","venue_capacity"])");
    // The weeks of both DST changes in 2019 (31 March, 27 October).
    w.book(
        R"({"kind":"cop_meeting","title":"CoP voorjaar","start":"2019-03-28T10:00","end":"2019-03-28T15:00","venue_id":")" +
        w.venue + "\"" + accept + "}");
    w.book(R"({"kind":"working_group_session","title":"A na de klok","working_group_id":")" + w.group_a +
           R"(","start":"2019-04-02T10:00","end":"2019-04-02T12:00"})");
    w.book(R"({"kind":"working_group_session","title":"B oktober","working_group_id":")" + w.group_b +
           R"(","start":"2019-10-29T10:00","end":"2019-10-29T12:00"})");
    // Text that needs escaping and folding: ; , \ newlines and multi-byte characters.
    std::string long_text;
    for (int i = 0; i < 40; ++i) long_text += "Circulair inkopen; é€😀, \\\\ "; // a JSON-escaped backslash
    const auto text_event = w.book(
        R"({"kind":"other","title":"Tekst; met, \\ tekens é€😀","description":"Regel 1\nRegel 2; )" + long_text +
        R"(","start":"2019-10-24T13:00","end":"2019-10-24T16:00","online_url":"https://meet.example.org/abc?x=1&y=2"})");
    // A series across the DST change, one occurrence cancelled, one moved.
    auto series =
        w.s.call("POST", "/api/v1/programmes/gdci-2/series", w.organiser,
                 R"({"kind":"working_group_session","title":"Reeks A","working_group_id":")" + w.group_a +
                     R"(","start":"2019-03-19T14:00","end":"2019-03-19T15:30","rrule":"FREQ=WEEKLY;COUNT=4"})");
    REQUIRE(series.status == 201);
    const auto occ = series.json().at("occurrences").as_array();
    REQUIRE(w.s.call("POST", "/api/v1/events/" + str(occ[1], "id") + "/cancel", w.organiser).status == 200);
    REQUIRE(w.s.call("PATCH", "/api/v1/events/" + str(occ[2], "id"), w.organiser,
                     R"({"start":"2019-04-02T15:00","end":"2019-04-02T16:30"})")
                .status == 200);
    // An all-day event over two days (the API takes the last day; iCalendar's end is the day after).
    const auto congress =
        w.book(R"({"kind":"other","title":"Congres","all_day":true,"start":"2019-06-06","end":"2019-06-07"})");
    REQUIRE(str(congress, "start") == "2019-06-06T00:00");
    REQUIRE(str(congress, "end") == "2019-06-08T00:00");
    REQUIRE(congress.at("all_day").as_bool());
    // A cancelled event (recently, so within the grace period).
    const auto gone =
        w.book(R"({"kind":"other","title":"Vervalt","start":"2019-05-07T10:00","end":"2019-05-07T11:00"})");
    REQUIRE(w.s.call("POST", "/api/v1/events/" + str(gone, "id") + "/cancel", w.organiser,
                     R"({"reason":"te weinig aanmeldingen"})")
                .status == 200);

    // The person resource gives the feed URL to the person.
    const auto me = w.s.call("GET", "/api/v1/people/" + w.person, w.participant).json();
    const auto feed_url = str(me, "feed_url");
    REQUIRE(feed_url.find("/feeds/people/") != std::string::npos);
    REQUIRE(str(me, "webcal_url").starts_with("webcal://"));
    REQUIRE(me.as_object().contains("subscribe_google"));
    const auto personal_path = feed_url.substr(feed_url.find("/feeds/"));

    std::map<std::string, std::set<std::string>> titles;
    std::map<std::string, std::set<std::string>> utc_times; // path -> "title start_utc end_utc"
    const std::vector<std::string> paths{personal_path, "/feeds/working-groups/" + w.group_a + ".ics",
                                         "/feeds/programmes/gdci-2.ics"};
    for (const auto& path : paths) {
        INFO(path);
        const auto list = occurrences(w, path);
        REQUIRE(!list.empty());
        for (const auto& o : list) {
            const auto uid = str(o, "uid");
            REQUIRE(uid.ends_with("@copsched"));
            const auto id = uid.substr(0, uid.size() - 9);
            const auto stored = w.s.call("GET", "/api/v1/events/" + id, w.organiser).json();
            INFO(uid);
            if (o.at("all_day").as_bool()) {
                CHECK(stored.at("all_day").as_bool());
                CHECK(str(o, "start") == str(stored, "start").substr(0, 10));
                CHECK(str(o, "end") == str(stored, "end").substr(0, 10));
            } else {
                CHECK(o.at("start_utc") == stored.at("start_utc"));
                CHECK(o.at("end_utc") == stored.at("end_utc"));
                utc_times[path].insert(str(stored, "title") + " " + str(o, "start_utc") + " " + str(o, "end_utc"));
            }
            CHECK(o.at("sequence") == stored.at("sequence"));
            CHECK(str(o, "status") == (stored.at("status") == "cancelled"   ? "CANCELLED"
                                       : stored.at("status") == "tentative" ? "TENTATIVE"
                                                                            : "CONFIRMED"));
            titles[path].insert(str(stored, "title"));
        }
    }
    // The UTC instants of the DST weeks, worked out by hand (CET = UTC+1 until 31 March and
    // from 27 October 2019, CEST = UTC+2 between), not taken from the API.
    const std::set<std::string> dst_weeks{
        "CoP voorjaar 2019-03-28T09:00:00Z 2019-03-28T14:00:00Z",              // Thursday before, CET
        "Reeks A 2019-03-19T13:00:00Z 2019-03-19T14:30:00Z",                   // 14:00 CET
        "Reeks A 2019-03-26T13:00:00Z 2019-03-26T14:30:00Z",                   // cancelled, still listed
        "Reeks A 2019-04-02T13:00:00Z 2019-04-02T14:30:00Z",                   // moved to 15:00 CEST
        "Reeks A 2019-04-09T12:00:00Z 2019-04-09T13:30:00Z",                   // 14:00 CEST
        "A na de klok 2019-04-02T08:00:00Z 2019-04-02T10:00:00Z",              // Tuesday after, CEST
        "Tekst; met, \\ tekens é€😀 2019-10-24T11:00:00Z 2019-10-24T14:00:00Z", // Thursday before, CEST
        "B oktober 2019-10-29T09:00:00Z 2019-10-29T11:00:00Z",                 // Tuesday after, CET
    };
    for (const auto& expected : dst_weeks) {
        INFO(expected);
        CHECK(utc_times["/feeds/programmes/gdci-2.ics"].count(expected) == 1);
    }
    CHECK(utc_times[personal_path].count("A na de klok 2019-04-02T08:00:00Z 2019-04-02T10:00:00Z") == 1);

    // Who sees what: Anna is in group A, not B; CoP meetings and other events are for all.
    const auto& mine = titles[personal_path];
    CHECK(mine.count("A na de klok") == 1);
    CHECK(mine.count("Reeks A") == 1);
    CHECK(mine.count("CoP voorjaar") == 1);
    CHECK(mine.count("B oktober") == 0);
    CHECK(mine.count("Congres") == 1);
    const auto& group = titles["/feeds/working-groups/" + w.group_a + ".ics"];
    CHECK(group.count("B oktober") == 0);
    CHECK(group.count("CoP voorjaar") == 0);
    CHECK(titles["/feeds/programmes/gdci-2.ics"].count("B oktober") == 1);
    CHECK(titles["/feeds/programmes/gdci-2.ics"].count("Vervalt") == 1); // cancelled, still within its grace period

    // The escaped text comes back intact (python3-icalendar reads the summary).
    const auto personal = occurrences(w, personal_path);
    bool found = false;
    for (const auto& o : personal)
        if (str(o, "uid") == str(text_event, "id") + "@copsched")
            found = str(o, "summary") == "Tekst; met, \\ tekens é€😀";
    CHECK(found);
}

TEST_CASE("feeds: conditional requests, HEAD, headers and per-group invalidation", "[feeds]") {
    world w;
    const auto a = w.book(R"({"kind":"working_group_session","title":"A1","working_group_id":")" + w.group_a +
                          R"(","start":"2019-06-04T10:00","end":"2019-06-04T12:00"})");
    w.book(R"({"kind":"working_group_session","title":"B1","working_group_id":")" + w.group_b +
           R"(","start":"2019-06-05T10:00","end":"2019-06-05T12:00"})");
    const auto feed_a = "/feeds/working-groups/" + w.group_a + ".ics";
    const auto feed_b = "/feeds/working-groups/" + w.group_b + ".ics";

    auto first = w.s.request("GET", feed_a, "", {{"Accept", "application/json"}}); // never 406
    REQUIRE(first.status == 200);
    CHECK(first.header("content-type") == "text/calendar; charset=utf-8");
    const auto etag = first.header("etag");
    const auto modified = first.header("last-modified");
    REQUIRE(etag.size() > 2);
    REQUIRE(etag.front() == '"'); // strong
    REQUIRE(!modified.empty());
    CHECK(first.body.find("\r\nSEQUENCE:0\r\n") != std::string::npos);
    CHECK(first.body.find("BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\n") != std::string::npos);

    auto again = w.s.request("GET", feed_a);
    CHECK(again.body == first.body); // the same data gives the same bytes
    auto by_tag = w.s.request("GET", feed_a, "", {{"If-None-Match", etag}});
    CHECK(by_tag.status == 304);
    CHECK(by_tag.header("etag") == etag);
    CHECK(by_tag.header("last-modified") == modified);
    CHECK(by_tag.body.empty());
    CHECK(w.s.request("GET", feed_a, "", {{"If-Modified-Since", modified}}).status == 304);
    CHECK(w.s.request("GET", feed_a, "", {{"If-None-Match", "\"other\""}, {"If-Modified-Since", modified}}).status ==
          200);
    auto head = w.s.request("HEAD", feed_a);
    CHECK(head.status == 200);
    CHECK(head.header("etag") == etag);

    // One event as a file, for API tokens.
    auto file = w.s.call("GET", "/api/v1/events/" + str(a, "id") + ".ics", w.organiser);
    CHECK(file.status == 200);
    CHECK(file.header("content-type") == "text/calendar; charset=utf-8");
    CHECK(file.body.find("\r\nUID:" + str(a, "id") + "@copsched\r\n") != std::string::npos);
    CHECK(file.body.find("CATEGORIES:Textiel\\; mode\\, \\\\ zorg\r\n") != std::string::npos);
    CHECK(w.s.request("GET", "/api/v1/events/" + str(a, "id") + ".ics").status == 401);

    // Reschedule A's session: A's feed changes (SEQUENCE 1), B's stays byte for byte.
    const auto b_before = w.s.request("GET", feed_b);
    REQUIRE(w.s.call("PATCH", "/api/v1/events/" + str(a, "id"), w.organiser,
                     R"({"start":"2019-06-04T13:00","end":"2019-06-04T15:00"})")
                .status == 200);
    auto changed = w.s.request("GET", feed_a, "", {{"If-None-Match", etag}});
    CHECK(changed.status == 200);
    CHECK(changed.header("etag") != etag);
    CHECK(changed.body.find("\r\nSEQUENCE:1\r\n") != std::string::npos);
    CHECK(w.s.request("GET", feed_b, "", {{"If-None-Match", b_before.header("etag")}}).status == 304);
    // Cancel it: SEQUENCE 2 and STATUS:CANCELLED.
    REQUIRE(w.s.call("POST", "/api/v1/events/" + str(a, "id") + "/cancel", w.organiser).status == 200);
    const auto cancelled = w.s.request("GET", feed_a);
    CHECK(cancelled.body.find("\r\nSEQUENCE:2\r\n") != std::string::npos);
    CHECK(cancelled.body.find("\r\nSTATUS:CANCELLED\r\n") != std::string::npos);

    // Deleting an event never moves Last-Modified back.
    const auto b_event = w.book(
        R"({"kind":"working_group_session","title":"B2","working_group_id":")" + w.group_b +
        R"(","start":"2026-12-16T10:00","end":"2026-12-16T12:00"})"); // a future session: past ones are history and cannot be deleted
    const auto with_b2 = w.s.request("GET", feed_b);
    REQUIRE(w.s.call("DELETE", "/api/v1/events/" + str(b_event, "id"), w.organiser).status == 204);
    const auto without_b2 = w.s.request("GET", feed_b);
    CHECK(without_b2.body.find("B2") == std::string::npos);
    CHECK(without_b2.header("etag") != with_b2.header("etag"));
    CHECK(without_b2.header("last-modified") >= with_b2.header("last-modified")); // same day: the text orders
    CHECK(w.s.request("GET", feed_b, "", {{"If-Modified-Since", with_b2.header("last-modified")}}).status ==
          (without_b2.header("last-modified") == with_b2.header("last-modified") ? 304 : 200));
}

TEST_CASE("feeds: the personal URL rotates, the old one fails at once, and no token reaches the log", "[feeds]") {
    world w;
    const auto before = str(w.s.call("GET", "/api/v1/people/" + w.person, w.participant).json(), "feed_url");
    const auto old_path = before.substr(before.find("/feeds/"));
    REQUIRE(w.s.request("GET", old_path).status == 200);
    REQUIRE(w.s.request("GET", "/feeds/people/not-a-real-token.ics").status == 404);

    // Only the person and admins may rotate.
    REQUIRE(w.s.call("POST", "/api/v1/people/" + w.person + "/feed-token", w.organiser).status == 403);
    auto rotated = w.s.call("POST", "/api/v1/people/" + w.person + "/feed-token", w.participant);
    REQUIRE(rotated.status == 200);
    const auto after = str(rotated.json(), "feed_url");
    REQUIRE(after != before);
    CHECK(w.s.request("GET", old_path).status == 404);
    CHECK(w.s.request("GET", after.substr(after.find("/feeds/"))).status == 200);
    CHECK(str(w.s.call("GET", "/api/v1/people/" + w.person, w.participant).json(), "feed_url") == after);

    const auto token = old_path.substr(std::string("/feeds/people/").size(), 43);
    const auto log = w.s.log();
    CHECK(log.find(token) == std::string::npos);
    CHECK(log.find(after.substr(after.find("/feeds/people/") + 14, 43)) == std::string::npos);
}

TEST_CASE("feeds: a programme that protects its feeds wants a personal feed token of its own people",
          "[feeds][authz]") {
    world w;
    REQUIRE(w.s.call("PATCH", "/api/v1/programmes/gdci-2", w.organiser, R"({"feeds_public":false})").status == 200);
    const auto feed_url = str(w.s.call("GET", "/api/v1/people/" + w.person, w.participant).json(), "feed_url");
    const auto token = feed_url.substr(feed_url.find("/feeds/people/") + 14, 43);
    for (const auto& path :
         {std::string("/feeds/programmes/gdci-2.ics"), "/feeds/working-groups/" + w.group_a + ".ics"}) {
        INFO(path);
        CHECK(w.s.request("GET", path).status == 404);
        CHECK(w.s.request("GET", path + "?token=nonsense").status == 404);
        const auto ok = w.s.request("GET", path + "?token=" + token);
        CHECK(ok.status == 200);
        CHECK(ok.header("cache-control").starts_with("private"));
    }
    // A token of another programme's person does not open them.
    REQUIRE(w.s.call("POST", "/api/v1/programmes", w.s.admin_token,
                     R"({"slug":"ander","name":"Ander","starts_on":"2019-01-01","ends_on":"2020-12-31"})")
                .status == 201);
    CHECK(w.s.request("GET", "/feeds/programmes/ander.ics").status == 200); // public by default
    REQUIRE(w.s.call("PATCH", "/api/v1/programmes/gdci-2", w.organiser, R"({"feeds_public":true})").status == 200);
    CHECK(w.s.request("GET", "/feeds/programmes/gdci-2.ics").header("cache-control").starts_with("public"));
}
