// Every list route pages: docs/openapi.json names the routes (every GET whose 200 answer
// has `items`), and each of them, with at least two items, answers ?limit=1 with one
// item and a next_cursor that leads to the next one.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

const json::value& resolve(const json::value& doc, const json::value& v) {
    const json::value* at = &v;
    while (at->is_object() && at->as_object().contains("$ref")) {
        std::string ref(at->at("$ref").as_string());
        at = &doc;
        for (std::size_t from = 2; from <= ref.size();) { // "#/a/b"
            const auto to = std::min(ref.find('/', from), ref.size());
            at = &at->at(ref.substr(from, to - from));
            from = to + 1;
        }
    }
    return *at;
}

std::set<std::string> properties(const json::value& doc, const json::value& schema) {
    const auto& s = resolve(doc, schema);
    std::set<std::string> out;
    if (!s.is_object()) return out;
    if (const auto* p = s.as_object().if_contains("properties"))
        for (const auto& kv : p->as_object()) out.insert(std::string(kv.key()));
    if (const auto* all = s.as_object().if_contains("allOf"))
        for (const auto& sub : all->as_array())
            for (auto& name : properties(doc, sub)) out.insert(name);
    return out;
}

// GET routes whose 200 answer is JSON with `items`, with whether it has next_cursor.
std::map<std::string, bool> list_routes() {
    const auto doc = json::parse(read_file(std::string(COPSCHED_SOURCE_DIR) + "/docs/openapi.json"));
    std::map<std::string, bool> out;
    for (const auto& [path, ops] : doc.at("paths").as_object()) {
        const auto* get = ops.as_object().if_contains("get");
        if (!get) continue;
        const auto* ok = get->at("responses").as_object().if_contains("200");
        if (!ok) continue;
        const auto& answer = resolve(doc, *ok);
        const auto* content = answer.as_object().if_contains("content");
        if (!content || !content->as_object().contains("application/json")) continue;
        const auto names = properties(doc, content->at("application/json").at("schema"));
        if (names.count("items")) out[std::string(path)] = names.count("next_cursor") > 0;
    }
    return out;
}

std::string str(const json::value& v, const char* field) { return std::string(v.at(field).as_string()); }

std::string url_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

// Two busy periods or blackouts, as an iCalendar file.
const char* two_periods = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//copsched tests//EN\r\n"
                          "BEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20190101T000000Z\r\nSUMMARY:Een\r\n"
                          "DTSTART:20190304T090000Z\r\nDTEND:20190304T100000Z\r\nEND:VEVENT\r\n"
                          "BEGIN:VEVENT\r\nUID:b@test\r\nDTSTAMP:20190101T000000Z\r\nSUMMARY:Twee\r\n"
                          "DTSTART:20190305T090000Z\r\nDTEND:20190305T100000Z\r\nEND:VEVENT\r\n"
                          "END:VCALENDAR\r\n";

// Lists whose items are computed from a request, bounded by its parameters, not stored
// resources: no paging expected.
const std::set<std::string> not_stored_lists{"/api/v1/working-groups/{id}/suggestions"};

// A date `days` from today (UTC), as YYYY-MM-DD: reminders are only planned for events to come.
std::string date_in(int days) {
    const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

} // namespace

TEST_CASE("every list route in the OpenAPI document pages with limit and next_cursor", "[lists]") {
    server_process s;
    const auto& admin = s.admin_token;
    auto post = [&](const std::string& path, const std::string& body) {
        auto r = s.call("POST", path, admin, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        return r.json();
    };
    auto get_items = [&](const std::string& path, const std::string& token) {
        auto r = s.call("GET", path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=200", token);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 200);
        return r.json().at("items").as_array();
    };
    // Data for the lists the demo leaves short.
    post("/api/v1/tokens", R"({"name":"a","role":"admin"})");
    post("/api/v1/tokens", R"({"name":"b","role":"admin"})");
    post("/api/v1/programmes",
         R"({"slug":"lijst-een","name":"Lijst een","starts_on":"2019-01-01","ends_on":"2020-12-31"})");
    post("/api/v1/programmes",
         R"({"slug":"lijst-twee","name":"Lijst twee","starts_on":"2019-01-01","ends_on":"2020-12-31"})");
    auto import = s.request("POST", "/api/v1/programmes/gdci-2/blackouts?name=twee", two_periods,
                            {{"Authorization", "Bearer " + admin}, {"Content-Type", "text/calendar"}});
    INFO(import.body);
    REQUIRE(import.status == 201);
    const auto people = get_items("/api/v1/programmes/gdci-2/people", admin);
    REQUIRE(people.size() >= 2);
    const auto person = str(people.at(0), "id");
    auto busy = s.request("PUT", "/api/v1/people/" + person + "/busy", two_periods,
                          {{"Authorization", "Bearer " + admin}, {"Content-Type", "text/calendar"}});
    INFO(busy.body);
    REQUIRE(busy.status / 100 == 2);
    // A working group with two members, an event with two attendance rows, and a
    // participant with attendance of two events, from the demo.
    std::string group, event, participant;
    for (const auto& g : get_items("/api/v1/programmes/gdci-2/working-groups", admin))
        if (group.empty() && get_items("/api/v1/working-groups/" + str(g, "id") + "/members", admin).size() >= 2)
            group = str(g, "id");
    REQUIRE(!group.empty());
    // Two sessions of that group: each invites its members.
    post("/api/v1/programmes/gdci-2/venues", R"({"name":"Tweede zaal","capacity":20})");
    for (const char* day : {"2019-03-12", "2019-03-19"}) {
        const auto booked = post("/api/v1/programmes/gdci-2/events",
                                 R"({"kind":"working_group_session","title":"Lijst","working_group_id":")" + group +
                                     R"(","start":")" + day + R"(T10:00","end":")" + day + R"(T11:00"})");
        if (event.empty())
            event = booked.as_object().contains("event") ? str(booked.at("event"), "id") : str(booked, "id");
    }
    // Books an event, accepting the soft conflicts the first answer lists (school holidays
    // and the like, which depend on the day the test runs).
    auto book = [&](std::string body) {
        auto r = s.call("POST", "/api/v1/programmes/gdci-2/events", admin, body);
        if (r.status == 409) {
            boost::json::array accept;
            const auto refused = r.json(); // kept: a range over a temporary's member dangles
            for (const auto& c : refused.at("conflicts").as_array()) accept.push_back(c.at("type"));
            body.insert(body.size() - 1, R"(,"accept_conflicts":)" + boost::json::serialize(accept));
            r = s.call("POST", "/api/v1/programmes/gdci-2/events", admin, body);
        }
        INFO(body << " " << r.body);
        REQUIRE(r.status == 201);
    };
    // Reminders: two sessions to come invite the group's members (the demo programme is
    // extended so that they fall inside it whenever the test runs).
    REQUIRE(s.call("PATCH", "/api/v1/programmes/gdci-2", admin, R"({"ends_on":"2099-12-31"})").status == 200);
    for (const int days : {60, 67}) {
        const auto day = date_in(days);
        book(R"({"kind":"working_group_session","title":"Later","working_group_id":")" + group + R"(","start":")" +
             day + R"(T10:00","end":")" + day + R"(T11:00"})");
    }
    // Absent organisations: a CoP meeting held in 2019 that nobody attended.
    book(
        R"({"kind":"cop_meeting","title":"CoP zonder aanwezigen","start":"2019-03-26T10:00","end":"2019-03-26T13:00"})");
    const auto member = get_items("/api/v1/working-groups/" + group + "/members", admin).at(0);
    participant = str(post("/api/v1/tokens", R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" +
                                                 str(member, "person_id") + "\"}"),
                      "token");
    REQUIRE(!group.empty());
    REQUIRE(!event.empty());
    REQUIRE(!participant.empty());
    // Two replies handed in (refused: no such event), for GET /api/v1/replies.
    for (const char* uid : {"a@elsewhere", "b@elsewhere"})
        post("/api/v1/replies",
             std::string(R"({"raw_ical":"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:)") + uid +
                 R"(\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",)"
                 R"("envelope_to":"rsvp+x@cop.example.org"})");
    // Own memberships: the participant joins a second working group.
    bool joined = false;
    for (const auto& g : get_items("/api/v1/programmes/gdci-2/working-groups", admin))
        if (!joined && str(g, "id") != group)
            joined =
                s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":")" + str(g, "id") + "\"}")
                    .status == 201;
    REQUIRE(joined);
    // Membership requests: with approval by an organiser the participant asks to join two
    // groups they are not in.
    REQUIRE(s.call("PATCH", "/api/v1/programmes/gdci-2", admin, R"({"memberships":{"approval":"organiser"}})").status ==
            200);
    int requested = 0;
    for (const auto& g : get_items("/api/v1/programmes/gdci-2/working-groups", admin))
        if (requested < 2 &&
            s.call("POST", "/api/v1/me/memberships", participant, R"({"working_group_id":")" + str(g, "id") + "\"}")
                    .status == 202)
            ++requested;
    REQUIRE(requested == 2);

    // How to reach each list route with at least two items: the concrete path and token.
    const std::map<std::string, std::pair<std::string, std::string>> concrete{
        {"/api/v1/tokens", {"/api/v1/tokens", admin}},
        {"/api/v1/programmes", {"/api/v1/programmes", admin}},
        {"/api/v1/programmes/{slug}/organisations", {"/api/v1/programmes/gdci-2/organisations", admin}},
        {"/api/v1/programmes/{slug}/people", {"/api/v1/programmes/gdci-2/people", admin}},
        {"/api/v1/programmes/{slug}/working-groups", {"/api/v1/programmes/gdci-2/working-groups", admin}},
        {"/api/v1/working-groups/{id}/members", {"/api/v1/working-groups/" + group + "/members", admin}},
        {"/api/v1/programmes/{slug}/venues", {"/api/v1/programmes/gdci-2/venues", admin}},
        {"/api/v1/programmes/{slug}/events", {"/api/v1/programmes/gdci-2/events", admin}},
        {"/api/v1/audit", {"/api/v1/audit", admin}},
        {"/api/v1/programmes/{slug}/blackouts", {"/api/v1/programmes/gdci-2/blackouts", admin}},
        {"/api/v1/people/{id}/busy", {"/api/v1/people/" + person + "/busy", admin}},
        {"/api/v1/events/{id}/attendance", {"/api/v1/events/" + event + "/attendance", admin}},
        {"/api/v1/me/attendance", {"/api/v1/me/attendance?year=2019", participant}},
        {"/api/v1/me/memberships", {"/api/v1/me/memberships", participant}},
        {"/api/v1/me/membership-requests", {"/api/v1/me/membership-requests", participant}},
        {"/api/v1/programmes/{slug}/membership-requests", {"/api/v1/programmes/gdci-2/membership-requests", admin}},
        {"/api/v1/programmes/{slug}/reports/attendance", {"/api/v1/programmes/gdci-2/reports/attendance", admin}},
        {"/api/v1/programmes/{slug}/reports/commitments", {"/api/v1/programmes/gdci-2/reports/commitments", admin}},
        {"/api/v1/programmes/{slug}/reports/absent-organisations",
         {"/api/v1/programmes/gdci-2/reports/absent-organisations?meetings=1", admin}},
        {"/api/v1/reminders", {"/api/v1/reminders", admin}},
        {"/api/v1/replies", {"/api/v1/replies", admin}},
    };

    const auto routes = list_routes();
    REQUIRE(routes.size() >= concrete.size());
    for (const auto& [route, has_cursor] : routes) {
        if (not_stored_lists.count(route)) continue;
        DYNAMIC_SECTION(route) {
            INFO("a list route must have next_cursor in its OpenAPI answer");
            REQUIRE(has_cursor);
            const auto found = concrete.find(route);
            INFO("no way to fill this list route in tests/integration/lists_test.cpp");
            REQUIRE(found != concrete.end());
            const auto& [path, token] = found->second;
            const auto all = get_items(path, token);
            INFO(path << " has " << all.size() << " items");
            REQUIRE(all.size() >= 2);
            const auto sep = path.find('?') == std::string::npos ? "?" : "&";
            auto first = s.call("GET", path + sep + "limit=1", token);
            INFO(first.body.substr(0, 2000));
            REQUIRE(first.status == 200);
            const auto page1 = first.json();
            REQUIRE(page1.at("items").as_array().size() == 1);
            REQUIRE(page1.at("items").at(0) == all.at(0));
            REQUIRE(page1.at("next_cursor").is_string());
            auto second = s.call("GET", path + sep + "limit=1&cursor=" + url_encode(str(page1, "next_cursor")), token);
            INFO(second.body.substr(0, 2000));
            REQUIRE(second.status == 200);
            const auto page2 = second.json();
            REQUIRE(page2.at("items").as_array().size() == 1);
            REQUIRE(page2.at("items").at(0) == all.at(1));
            // A limit out of range is refused, like every list.
            REQUIRE(s.call("GET", path + sep + "limit=0", token).status == 422);
        }
    }
}
