// The authorization matrix over every route the binary serves (from `copsched routes`):
// another programme's organiser gets 404 for every route that names an object or a
// programme, and a participant may not change anything. A new route with a path
// parameter this test does not know fails it, so the matrix cannot fall behind.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

struct world {
    server_process s;
    std::string organiser, stranger, participant;
    std::string org, person, group, venue, event, series_event, token_id, blackout_import, membership;
    std::string membership_request;
    std::string future_event, message;

    std::string make(const std::string& token, const std::string& path, const std::string& body,
                     const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    }

    world() {
        const auto& admin = s.admin_token;
        organiser = make(admin, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"gdci-2"})", "token");
        REQUIRE(s.call("POST", "/api/v1/programmes", admin,
                       R"({"slug":"ander","name":"Ander","starts_on":"2019-01-01","ends_on":"2020-12-31"})")
                    .status == 201);
        stranger = make(admin, "/api/v1/tokens", R"({"name":"x","role":"organiser","programme":"ander"})", "token");
        const std::string p = "/api/v1/programmes/gdci-2";
        org = make(organiser, p + "/organisations", R"({"name":"Org","kind":"company","level":"starter"})");
        person = make(organiser, p + "/people",
                      R"({"name":"Een","email":"een@example.org","organisation_id":")" + org + R"(","role":"buyer"})");
        participant =
            make(admin, "/api/v1/tokens",
                 R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + person + "\"}", "token");
        token_id = make(admin, "/api/v1/tokens", R"({"name":"t","role":"organiser","programme":"gdci-2"})");
        group = make(organiser, p + "/working-groups", R"({"slug":"wg","name":"WG"})");
        venue = make(organiser, p + "/venues", R"({"name":"Zaal","capacity":50})");
        membership =
            make(organiser, "/api/v1/working-groups/" + group + "/members", R"({"person_id":")" + person + "\"}");
        event = make(organiser, p + "/events",
                     R"({"kind":"other","title":"E","start":"2019-03-05T10:00","end":"2019-03-05T11:00"})");
        auto series = s.call(
            "POST", p + "/series", organiser,
            R"({"kind":"other","title":"S","start":"2019-03-12T10:00","end":"2019-03-12T11:00","rrule":"FREQ=WEEKLY;COUNT=2"})");
        REQUIRE(series.status == 201);
        series_event = str(series.json().at("occurrences").at(0), "id");
        const auto ics =
            s.request("POST", p + "/blackouts?name=vakantie",
                      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
                      "DTSTAMP:20190101T000000Z\r\nDTSTART;VALUE=DATE:20190415\r\nDTEND;VALUE=DATE:20190420\r\n"
                      "SUMMARY:Meivakantie\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                      {{"Authorization", "Bearer " + organiser}, {"Content-Type", "text/calendar"}});
        INFO(ics.body);
        REQUIRE(ics.status == 201);
        blackout_import = str(ics.json(), "id");
        // An e-mail in the outbox: a guest invited to an event still to come.
        REQUIRE(s.call("PATCH", p, admin, R"({"ends_on":"2099-12-31"})").status == 200);
        future_event = make(organiser, p + "/events",
                            R"({"kind":"other","title":"F","start":"2098-03-05T10:00","end":"2098-03-05T11:00"})");
        make(organiser, "/api/v1/events/" + future_event + "/guests", R"({"person_id":")" + person + "\"}",
             "person_id");
        // A membership request: with approval by an organiser the participant asks to join
        // another group.
        REQUIRE(s.call("PATCH", p, admin, R"({"memberships":{"approval":"organiser"}})").status == 200);
        const auto other_group = make(organiser, p + "/working-groups", R"({"slug":"wg-twee","name":"WG twee"})");
        auto requested =
            s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":")" + other_group + "\"}");
        INFO(requested.body);
        REQUIRE(requested.status == 202);
        membership_request = str(requested.json(), "id");
        auto outbox = s.call("GET", "/api/v1/reminders?programme=gdci-2", admin);
        REQUIRE(outbox.status == 200);
        message = str(outbox.json().at("items").at(0), "id");
    }

    // The route template with its parameters filled in with this world's objects; empty
    // when the route names no object or programme.
    std::string fill(const std::string& route) const {
        std::string out = route;
        auto replace = [&](const std::string& what, const std::string& with) {
            if (auto at = out.find(what); at != std::string::npos) out.replace(at, what.size(), with);
        };
        replace("{slug}", "gdci-2");
        replace("{import_id}", blackout_import);
        replace("{person_id}", person);
        const std::vector<std::pair<std::string, std::string>> ids{{"/organisations/{id}", org},
                                                                   {"/people/{id}", person},
                                                                   {"/working-groups/{id}", group},
                                                                   {"/venues/{id}", venue},
                                                                   {"/events/{id}", event},
                                                                   {"/tokens/{id}", token_id},
                                                                   {"/memberships/{id}", membership},
                                                                   {"/reminders/{id}", message},
                                                                   {"/membership-requests/{id}", membership_request}};
        for (const auto& [prefix, id] : ids)
            if (out.find(prefix) != std::string::npos) replace("{id}", id);
        return out;
    }
};

struct route {
    std::string method, path;
};

std::vector<route> all_routes() {
    const auto r = run_copsched({"routes"});
    REQUIRE(r.exit_code == 0);
    std::vector<route> out;
    std::istringstream in(r.out);
    route x;
    while (in >> x.method >> x.path) out.push_back(x);
    REQUIRE(out.size() > 30);
    return out;
}

} // namespace

TEST_CASE("authorization matrix over every route: other programmes get 404, participants change nothing", "[authz]") {
    world w;
    int checked = 0;
    for (const auto& r : all_routes()) {
        if (r.path.find('{') == std::string::npos) continue; // names no object
        // Feeds take no API token: they are public or protected by a feed token per
        // programme (tests/integration/feeds_test.cpp).
        if (r.path.starts_with("/feeds/")) continue;
        // The signed RSVP link takes no API token either (tests/integration/attendance_test.cpp).
        if (r.path.starts_with("/rsvp/")) continue;
        // Nor do the web pages: a personal link, or the dashboard's session cookie
        // (tests/integration/pages_test.cpp, tests/pages).
        if (r.path.starts_with("/my/") || r.path.starts_with("/dashboard/")) continue;
        const auto path = w.fill(r.path);
        INFO(r.method << " " << r.path << " -> " << path);
        REQUIRE(path.find('{') == std::string::npos); // a new kind of route: teach fill() about it
        // An empty object: valid JSON, so whatever the route checks first, a stranger must not
        // learn more than "not found".
        const std::string body = r.method == "GET" || r.method == "DELETE" ? "" : "{}";
        const auto stranger = w.s.call(r.method, path, w.stranger, body);
        INFO(stranger.body);
        if (r.path.starts_with("/api/v1/tokens/"))
            REQUIRE(stranger.status == 403); // token management is for admins, whatever the token
        else
            REQUIRE(stranger.status == 404);
        if (r.path.ends_with("/feed-token")) // a participant may rotate their own feed URL
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 200);
        else if (r.path.ends_with("/busy") &&
                 r.method == "PUT") // ... and upload their busy times (a calendar, not JSON)
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 400);
        else if (r.path.ends_with("/busy") && r.method == "DELETE")
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 204);
        else if (r.path == "/api/v1/me/memberships/{id}") // ... and leave a group, but not their only one
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 422);
        else if (r.path == "/api/v1/me/membership-requests/{id}") // ... and withdraw their own request
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 200);
        else if (r.path.starts_with("/api/v1/me/") && r.method == "PUT") // ... and answer invitations ({} lacks rsvp)
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 422);
        else if (r.method != "GET")
            REQUIRE(w.s.call(r.method, path, w.participant, body).status == 403);
        ++checked;
    }
    CHECK(checked >= 25);
    // Nothing the stranger or the participant sent changed anything.
    REQUIRE(w.s.call("GET", "/api/v1/events/" + w.event, w.organiser).json().at("title") == "E");
    REQUIRE(w.s.call("GET", "/api/v1/events/" + w.event, w.organiser).json().at("status") == "confirmed");
    REQUIRE(w.s.call("GET", "/api/v1/events/" + w.series_event, w.organiser).json().at("title") == "S");
    REQUIRE(w.s.call("GET", "/api/v1/venues/" + w.venue, w.organiser).json().at("name") == "Zaal");
    REQUIRE(w.s.call("GET", "/api/v1/programmes/gdci-2/blackouts", w.organiser).json().at("items").as_array().size() ==
            1);
    REQUIRE(w.s.call("GET", "/api/v1/programmes/gdci-2/events?limit=200", w.organiser)
                .json()
                .at("items")
                .as_array()
                .size() == 5); // the demo's signing ceremony, ours, the series' two and the future one

    // The series route with a series occurrence: the stranger cannot change it either.
    const auto occurrence = "/api/v1/events/" + w.series_event;
    REQUIRE(w.s.call("PATCH", occurrence, w.stranger, R"({"title":"x","scope":"this_and_following"})").status == 404);
    REQUIRE(w.s.call("POST", occurrence + "/cancel", w.stranger, R"({"scope":"this_and_following"})").status == 404);
    REQUIRE(
        w.s.call(
               "POST", "/api/v1/programmes/gdci-2/series", w.participant,
               R"({"kind":"other","title":"S","start":"2019-04-12T10:00","end":"2019-04-12T11:00","rrule":"FREQ=WEEKLY;COUNT=2"})")
            .status == 403);
}
