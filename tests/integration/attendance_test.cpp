// Attendance over HTTP against the real binary: invitations derived from the data and
// following membership and people changes until an event starts, frozen afterwards; RSVP
// with the participant's token and through the signed link (forged, altered, other
// person's and expired links fail); presence only once an event has started, one at a
// time, in bulk and "everyone who accepted", with corrections in the audit trail; guests;
// the reports as JSON and CSV; and who may see what.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// A UTC instant `hours` from the current hour, as the API takes it: "2026-11-28T09:00:00Z".
std::string at_hours(long hours) {
    const auto now = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now());
    const std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::hours(hours));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
// The local date in Amsterdam is never more than a day off UTC; "YYYY-MM-DD" of an instant.
std::string date_of(const std::string& instant) { return instant.substr(0, 10); }

std::set<std::string> invited(const http_reply& r) {
    std::set<std::string> out;
    const auto body = r.json(); // kept: a range-for over a temporary's member dangles
    for (const auto& i : body.at("items").as_array()) out.insert(str(i, "person_id"));
    return out;
}

const json::value* item_of(const json::value& attendance, const std::string& person) {
    for (const auto& i : attendance.at("items").as_array())
        if (str(i, "person_id") == person) return &i;
    return nullptr;
}

const char* accept_all =
    R"("accept_conflicts":["members_busy","public_holiday","school_holiday","blackout","venue_capacity"])";

struct world {
    server_process s;
    std::string organiser, p1_token, p3_token, other_organiser;
    std::string org_a, org_b, p1, p2, p3, p4, group, other_group, venue, m1, m3;
    std::string past_cop, future_cop, past_session, live_session, future_session, other_session;
    const std::string base = "/api/v1/programmes/cop";

    std::string make(const std::string& token, const std::string& path, const std::string& body,
                     const char* field = "id") {
        auto r = s.call("POST", path, token, body);
        INFO(path << " " << body << " -> " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    }
    std::string event(const std::string& kind, const std::string& title, long from_h, long to_h,
                      const std::string& group_id = "", const std::string& venue_id = "") {
        std::string body = R"({"kind":")" + kind + R"(","title":")" + title + R"(","start":")" + at_hours(from_h) +
                           R"(","end":")" + at_hours(to_h) + "\"," + accept_all;
        if (!group_id.empty()) body += R"(,"working_group_id":")" + group_id + "\"";
        if (!venue_id.empty()) body += R"(,"venue_id":")" + venue_id + "\"";
        return make(organiser, base + "/events", body + "}");
    }
    std::string person(const std::string& name, const std::string& org, const char* role, const char* lang = "nl") {
        return make(organiser, base + "/people",
                    R"({"name":")" + name + R"(","email":")" + name + R"(@example.org","organisation_id":")" + org +
                        R"(","role":")" + role + R"(","language":")" + lang + "\"}");
    }
    std::string participant(const std::string& person_id) {
        return make(s.admin_token, "/api/v1/tokens",
                    R"({"name":"p","role":"participant","programme":"cop","person_id":")" + person_id + "\"}", "token");
    }

    world() {
        const auto& admin = s.admin_token;
        REQUIRE(s.call("POST", "/api/v1/programmes", admin,
                       R"({"slug":"cop","name":"CoP","timezone":"Europe/Amsterdam","language":"nl",)"
                       R"("starts_on":"2020-01-01","ends_on":"2035-12-31"})")
                    .status == 201);
        organiser = make(admin, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"cop"})", "token");
        org_a =
            make(organiser, base + "/organisations", R"({"name":"Gemeente Aa","kind":"government","level":"starter"})");
        org_b =
            make(organiser, base + "/organisations", R"({"name":"Bedrijf Bee","kind":"company","level":"advanced"})");
        p1 = person("Anna", org_a, "buyer");
        p2 = person("Bram", org_a, "budget_holder");
        p3 = person("Cees", org_b, "buyer", "en");
        p4 = person("Dirk", org_b, "consultant");
        group = make(organiser, base + "/working-groups", R"({"slug":"ict","name":"ICT"})");
        other_group = make(organiser, base + "/working-groups", R"({"slug":"bouw","name":"Bouw"})");
        venue = make(organiser, base + "/venues", R"({"name":"Zaal","capacity":1})");
        m1 = make(organiser, "/api/v1/working-groups/" + group + "/members",
                  R"({"person_id":")" + p1 + R"(","from":"2020-01-01"})");
        m3 = make(organiser, "/api/v1/working-groups/" + group + "/members",
                  R"({"person_id":")" + p3 + R"(","from":"2020-01-01"})");
        past_cop = event("cop_meeting", "CoP verleden", -24 * 10, -24 * 10 + 3);
        future_cop = event("cop_meeting", "CoP toekomst", 24 * 40, 24 * 40 + 3);
        past_session = event("working_group_session", "ICT verleden", -24 * 5, -24 * 5 + 2, group);
        live_session = event("working_group_session", "ICT nu", -1, 3, group, venue);
        future_session = event("working_group_session", "ICT toekomst", 24 * 20, 24 * 20 + 2, group);
        other_session = event("working_group_session", "Bouw toekomst", 24 * 21, 24 * 21 + 2, other_group);
        p1_token = participant(p1);
        p3_token = participant(p3);
        REQUIRE(s.call("POST", "/api/v1/programmes", admin,
                       R"({"slug":"ander","name":"Ander","starts_on":"2020-01-01","ends_on":"2035-12-31"})")
                    .status == 201);
        other_organiser =
            make(admin, "/api/v1/tokens", R"({"name":"x","role":"organiser","programme":"ander"})", "token");
    }

    http_reply attendance(const std::string& event_id, const std::string& token = "") const {
        return s.call("GET", "/api/v1/events/" + event_id + "/attendance", token.empty() ? organiser : token);
    }
};

std::string unfold(const std::string& ics) {
    std::string out;
    for (std::size_t i = 0; i < ics.size(); ++i) {
        if (ics.compare(i, 3, "\r\n ") == 0) {
            i += 2;
            continue;
        }
        out += ics[i];
    }
    return out;
}

} // namespace

TEST_CASE("invitations follow memberships and people until the event starts, then stay as they were", "[attendance]") {
    world w;
    // CoP meetings invite every active person; sessions the group's members on their date.
    CHECK(invited(w.attendance(w.future_cop)) == std::set<std::string>{w.p1, w.p2, w.p3, w.p4});
    CHECK(invited(w.attendance(w.past_cop)) == std::set<std::string>{w.p1, w.p2, w.p3, w.p4});
    CHECK(invited(w.attendance(w.past_session)) == std::set<std::string>{w.p1, w.p3});
    CHECK(invited(w.attendance(w.future_session)) == std::set<std::string>{w.p1, w.p3});
    CHECK(invited(w.attendance(w.other_session)).empty());
    const auto past = w.attendance(w.past_session).json();
    CHECK(past.at("started").as_bool());
    CHECK(str(*item_of(past, w.p1), "invited_via") == "working_group");
    CHECK(item_of(past, w.p1)->as_object().contains("email") == false);

    // Bram joins ICT today: invited to the future session, not to the past one.
    REQUIRE(w.s.call("POST", "/api/v1/working-groups/" + w.group + "/members", w.organiser,
                     R"({"person_id":")" + w.p2 + R"(","from":")" + date_of(at_hours(0)) + "\"}")
                .status == 201);
    CHECK(invited(w.attendance(w.future_session)) == std::set<std::string>{w.p1, w.p2, w.p3});
    CHECK(invited(w.attendance(w.past_session)) == std::set<std::string>{w.p1, w.p3});

    // Cees leaves ICT the day before yesterday: no longer invited to the future session,
    // still on record for the past one.
    auto left =
        w.s.call("PATCH", "/api/v1/memberships/" + w.m3, w.organiser, R"({"until":")" + date_of(at_hours(-48)) + "\"}");
    INFO(left.body);
    REQUIRE(left.status == 200);
    CHECK(str(left.json(), "until") == date_of(at_hours(-48)));
    CHECK(invited(w.attendance(w.future_session)) == std::set<std::string>{w.p1, w.p2});
    CHECK(invited(w.attendance(w.past_session)) == std::set<std::string>{w.p1, w.p3});
    // Even moving his membership's end back before the past session leaves that record.
    REQUIRE(w.s.call("PATCH", "/api/v1/memberships/" + w.m3, w.organiser,
                     R"({"until":")" + date_of(at_hours(-24 * 8)) + "\"}")
                .status == 200);
    CHECK(invited(w.attendance(w.past_session)) == std::set<std::string>{w.p1, w.p3});
    // A bad end date is refused naming the field, and nothing changes.
    auto bad = w.s.call("PATCH", "/api/v1/memberships/" + w.m3, w.organiser, R"({"until":"2019-01-01"})");
    CHECK(bad.status == 422);
    CHECK(bad.body.find("until") != std::string::npos);
    CHECK(str(w.s.call("GET", "/api/v1/memberships/" + w.m3, w.organiser).json(), "until") ==
          date_of(at_hours(-24 * 8)));

    // Dirk leaves the programme: not invited to the future CoP meeting, still on the past one.
    REQUIRE(w.s.call("PATCH", "/api/v1/people/" + w.p4, w.organiser, R"({"active":false})").status == 200);
    CHECK(invited(w.attendance(w.future_cop)) == std::set<std::string>{w.p1, w.p2, w.p3});
    CHECK(invited(w.attendance(w.past_cop)) == std::set<std::string>{w.p1, w.p2, w.p3, w.p4});
    // A new person is invited to the future meeting only.
    const auto p5 = w.person("Eva", w.org_a, "project_leader");
    CHECK(invited(w.attendance(w.future_cop)).count(p5) == 1);
    CHECK(invited(w.attendance(w.past_cop)).count(p5) == 0);
}

TEST_CASE("participants answer with their own token and organisers see counts and a capacity warning", "[attendance]") {
    world w;
    auto r = w.s.call("PUT", "/api/v1/me/events/" + w.live_session + "/rsvp", w.p1_token,
                      R"({"rsvp":"accepted","comment":"Ik neem koffie mee\nen koek"})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(str(r.json(), "rsvp") == "accepted");
    CHECK(str(r.json(), "rsvp_url").find("/rsvp/" + w.live_session + "." + w.p1 + ".") != std::string::npos);
    REQUIRE(
        w.s.call("PUT", "/api/v1/me/events/" + w.live_session + "/rsvp", w.p3_token, R"({"rsvp":"accepted"})").status ==
        200);

    // The organiser sees both answers, the counts and that the room (capacity 1) is too small.
    const auto view = w.attendance(w.live_session).json();
    CHECK(view.at("counts").at("accepted").as_int64() == 2);
    CHECK(view.at("counts").at("invited").as_int64() == 2);
    CHECK(view.at("capacity").as_int64() == 1);
    REQUIRE(view.at("warnings").as_array().size() == 1);
    CHECK(str(view.at("warnings").at(0), "type") == "over_capacity");
    CHECK(str(*item_of(view, w.p1), "rsvp_comment") == "Ik neem koffie mee\nen koek");

    // A participant sees only their own record and no counts.
    const auto own = w.attendance(w.live_session, w.p1_token);
    REQUIRE(own.status == 200);
    CHECK(invited(own) == std::set<std::string>{w.p1});
    CHECK(!own.json().as_object().contains("counts"));

    // Changing the answer overwrites it.
    REQUIRE(
        w.s.call("PUT", "/api/v1/me/events/" + w.live_session + "/rsvp", w.p1_token, R"({"rsvp":"declined"})").status ==
        200);
    CHECK(str(*item_of(w.attendance(w.live_session).json(), w.p1), "rsvp") == "declined");
    CHECK(item_of(w.attendance(w.live_session).json(), w.p1)->at("rsvp_comment").is_null());

    // Not invited, ended, bad answers and control characters: refused, nothing stored.
    CHECK(w.s.call("PUT", "/api/v1/me/events/" + w.other_session + "/rsvp", w.p1_token, R"({"rsvp":"accepted"})")
              .status == 404);
    auto ended = w.s.call("PUT", "/api/v1/me/events/" + w.past_session + "/rsvp", w.p1_token, R"({"rsvp":"accepted"})");
    CHECK(ended.status == 422);
    CHECK(ended.body.find("ended") != std::string::npos);
    auto wrong = w.s.call("PUT", "/api/v1/me/events/" + w.future_session + "/rsvp", w.p1_token, R"({"rsvp":"ja"})");
    CHECK(wrong.status == 422);
    CHECK(wrong.body.find("\"field\":\"rsvp\"") != std::string::npos);
    auto control = w.s.call("PUT", "/api/v1/me/events/" + w.future_session + "/rsvp", w.p1_token,
                            R"({"rsvp":"accepted","comment":"a\u0007b"})");
    CHECK(control.status == 422);
    CHECK(control.body.find("comment") != std::string::npos);
    CHECK(item_of(w.attendance(w.future_session).json(), w.p1)->at("rsvp").is_null());
    // Another programme's event does not exist for this participant; admins have no person.
    CHECK(w.s.call("PUT", "/api/v1/me/events/" + w.live_session + "/rsvp", w.s.admin_token, R"({"rsvp":"accepted"})")
              .status == 403);
}

TEST_CASE("the signed RSVP link works without logging in, only for its own person and event, until the event ends",
          "[attendance]") {
    world w;
    const auto own = w.s.call("GET", "/api/v1/me/events/" + w.future_session + "/rsvp", w.p1_token);
    REQUIRE(own.status == 200);
    const auto url = str(own.json(), "rsvp_url");
    const auto path = url.substr(url.find("/rsvp/"));

    // The page shows the event and changes nothing.
    auto page = w.s.request("GET", path);
    REQUIRE(page.status == 200);
    CHECK(page.header("content-type").find("text/html") == 0);
    CHECK(page.header("cache-control") == "no-store");
    CHECK(page.body.find("ICT toekomst") != std::string::npos);
    CHECK(page.body.find("name=\"rsvp\" value=\"accepted\"") != std::string::npos);
    CHECK(item_of(w.attendance(w.future_session).json(), w.p1)->at("rsvp").is_null());

    // The form answers; the API shows it.
    auto posted = w.s.request("POST", path, "rsvp=tentative&comment=Misschien+later+%F0%9F%99%82",
                              {{"Content-Type", "application/x-www-form-urlencoded"}});
    INFO(posted.body);
    REQUIRE(posted.status == 200);
    CHECK(posted.body.find("opgeslagen") != std::string::npos);
    const auto stored = *item_of(w.attendance(w.future_session).json(), w.p1);
    CHECK(str(stored, "rsvp") == "tentative");
    CHECK(str(stored, "rsvp_comment") == "Misschien later \xF0\x9F\x99\x82");
    // JSON works too.
    auto as_json = w.s.request("POST", path, R"({"rsvp":"accepted"})", {{"Content-Type", "application/json"}});
    REQUIRE(as_json.status == 200);
    CHECK(str(as_json.json(), "rsvp") == "accepted");
    // The audit trail says it came through the link.
    auto audit = w.s.call("GET", "/api/v1/audit?object_id=" + w.future_session, w.s.admin_token);
    CHECK(audit.body.find("rsvp-link") != std::string::npos);

    // Altered, forged or someone else's: 404, and nothing changes.
    auto altered = path;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    CHECK(w.s.request("GET", altered).status == 404);
    CHECK(
        w.s.request("POST", altered, "rsvp=declined", {{"Content-Type", "application/x-www-form-urlencoded"}}).status ==
        404);
    auto other_person = path;
    other_person.replace(other_person.find(w.p1), w.p1.size(), w.p3);
    CHECK(w.s.request("POST", other_person, "rsvp=declined", {{"Content-Type", "application/x-www-form-urlencoded"}})
              .status == 404);
    auto other_event = path;
    other_event.replace(other_event.find(w.future_session), w.future_session.size(), w.future_cop);
    CHECK(w.s.request("POST", other_event, "rsvp=declined", {{"Content-Type", "application/x-www-form-urlencoded"}})
              .status == 404);
    CHECK(w.s.request("GET", "/rsvp/nonsense").status == 404);
    CHECK(str(*item_of(w.attendance(w.future_session).json(), w.p1), "rsvp") == "accepted");
    CHECK(item_of(w.attendance(w.future_cop).json(), w.p1)->at("rsvp").is_null());
    // A bad answer names the field.
    auto bad = w.s.request("POST", path, "rsvp=yes", {{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(bad.status == 422);
    CHECK(bad.body.find("rsvp") != std::string::npos);

    // After the event has ended the link is closed.
    const auto ended =
        str(w.s.call("GET", "/api/v1/me/events/" + w.past_session + "/rsvp", w.p1_token).json(), "rsvp_url");
    const auto ended_path = ended.substr(ended.find("/rsvp/"));
    CHECK(w.s.request("GET", ended_path).status == 410);
    CHECK(w.s.request("POST", ended_path, "rsvp=accepted", {{"Content-Type", "application/x-www-form-urlencoded"}})
              .status == 410);
    CHECK(item_of(w.attendance(w.past_session).json(), w.p1)->at("rsvp").is_null());

    // The personal feed carries the link for the events the person is invited to.
    const auto me = w.s.call("GET", "/api/v1/people/" + w.p1, w.organiser).json();
    const auto feed_url = str(me, "feed_url");
    const auto feed = unfold(w.s.request("GET", feed_url.substr(feed_url.find("/feeds/"))).body);
    CHECK(feed.find(path.substr(0, 20)) != std::string::npos);
    CHECK(feed.find(path) != std::string::npos);
    CHECK(feed.find("/rsvp/" + w.other_session) == std::string::npos); // Bouw: not her group
}

TEST_CASE(
    "presence is recorded once an event has started (one, in bulk, everyone who accepted) and corrections are audited",
    "[attendance]") {
    world w;
    // Not before the start.
    auto early = w.s.call("PUT", "/api/v1/events/" + w.future_session + "/attendance/" + w.p1, w.organiser,
                          R"({"presence":"present"})");
    CHECK(early.status == 422);
    CHECK(early.body.find("\"field\":\"presence\"") != std::string::npos);

    // Everyone who accepted was present, as a starting point: the live session has a venue: onsite.
    REQUIRE(
        w.s.call("PUT", "/api/v1/me/events/" + w.live_session + "/rsvp", w.p1_token, R"({"rsvp":"accepted"})").status ==
        200);
    auto marked =
        w.s.call("POST", "/api/v1/events/" + w.live_session + "/attendance/accepted-present", w.organiser, "");
    INFO(marked.body);
    REQUIRE(marked.status == 200);
    CHECK(marked.json().at("marked").as_int64() == 1);
    CHECK(str(*item_of(marked.json(), w.p1), "presence") == "present");
    CHECK(str(*item_of(marked.json(), w.p1), "mode") == "onsite");
    CHECK(item_of(marked.json(), w.p3)->at("presence").is_null());

    // A correction: she followed online after all; it is kept in the audit trail.
    REQUIRE(
        w.s.call("PUT", "/api/v1/events/" + w.live_session + "/attendance/" + w.p1, w.organiser, R"({"mode":"online"})")
            .status == 200);
    const auto audit = w.s.call("GET", "/api/v1/audit?object_id=" + w.live_session, w.s.admin_token).json();
    int records = 0;
    for (const auto& e : audit.at("items").as_array()) {
        if (str(e, "action") != "attendance.record") continue;
        ++records;
        const auto detail = e.at("detail");
        CHECK(str(detail.at("before"), "mode") == "onsite");
        CHECK(str(detail.at("after"), "mode") == "online");
    }
    CHECK(records == 1);

    // Bulk, all or nothing: a bad record stores none.
    auto bad = w.s.call("POST", "/api/v1/events/" + w.past_session + "/attendance", w.organiser,
                        R"({"records":[{"person_id":")" + w.p1 + R"(","presence":"present"},{"person_id":")" + w.p3 +
                            R"(","presence":"maybe"}]})");
    CHECK(bad.status == 422);
    CHECK(bad.body.find("records[1].presence") != std::string::npos);
    CHECK(item_of(w.attendance(w.past_session).json(), w.p1)->at("presence").is_null());
    auto bulk =
        w.s.call("POST", "/api/v1/events/" + w.past_session + "/attendance", w.organiser,
                 R"({"records":[{"person_id":")" + w.p1 + R"(","presence":"present","mode":"online"},{"person_id":")" +
                     w.p3 + R"(","presence":"excused"}]})");
    INFO(bulk.body);
    REQUIRE(bulk.status == 200);
    CHECK(bulk.json().at("counts").at("present").as_int64() == 1);
    CHECK(bulk.json().at("counts").at("excused").as_int64() == 1);

    // Someone who came without an invitation is added as a guest.
    auto walk_in = w.s.call("PUT", "/api/v1/events/" + w.past_session + "/attendance/" + w.p2, w.organiser,
                            R"({"presence":"present","mode":"onsite"})");
    REQUIRE(walk_in.status == 200);
    CHECK(str(walk_in.json(), "invited_via") == "guest");
    // ... but not a person of another programme.
    const auto stranger = w.make(w.other_organiser, "/api/v1/programmes/ander/organisations",
                                 R"({"name":"X","kind":"company","level":"starter"})");
    const auto outsider =
        w.make(w.other_organiser, "/api/v1/programmes/ander/people",
               R"({"name":"Xander","email":"x@example.org","organisation_id":")" + stranger + R"(","role":"buyer"})");
    auto foreign = w.s.call("PUT", "/api/v1/events/" + w.past_session + "/attendance/" + outsider, w.organiser,
                            R"({"presence":"present"})");
    CHECK(foreign.status == 422);
    CHECK(foreign.body.find("person_id") != std::string::npos);

    // Cancelled events take no presence.
    REQUIRE(w.s.call("POST", "/api/v1/events/" + w.past_cop + "/cancel", w.organiser, R"({"reason":"storm"})").status ==
            200);
    CHECK(w.s.call("PUT", "/api/v1/events/" + w.past_cop + "/attendance/" + w.p1, w.organiser,
                   R"({"presence":"present"})")
              .status == 422);
    // Participants record nothing.
    CHECK(w.s.call("PUT", "/api/v1/events/" + w.live_session + "/attendance/" + w.p1, w.p1_token,
                   R"({"presence":"absent"})")
              .status == 403);
}

TEST_CASE("guests can be invited to any event before it starts", "[attendance]") {
    world w;
    auto g = w.s.call("POST", "/api/v1/events/" + w.other_session + "/guests", w.organiser,
                      R"({"person_id":")" + w.p1 + "\"}");
    INFO(g.body);
    REQUIRE(g.status == 201);
    CHECK(str(g.json(), "invited_via") == "guest");
    CHECK(invited(w.attendance(w.other_session)) == std::set<std::string>{w.p1});
    CHECK(w.s.call("POST", "/api/v1/events/" + w.other_session + "/guests", w.organiser,
                   R"({"person_id":")" + w.p1 + "\"}")
              .status == 409);
    CHECK(w.s.call("POST", "/api/v1/events/" + w.future_session + "/guests", w.organiser,
                   R"({"person_id":")" + w.p1 + "\"}")
              .status == 409);
    CHECK(w.s.call("POST", "/api/v1/events/" + w.past_session + "/guests", w.organiser,
                   R"({"person_id":")" + w.p2 + "\"}")
              .status == 422);
    CHECK(
        w.s.call("POST", "/api/v1/events/" + w.other_session + "/guests", w.organiser, R"({"person_id":"per_nobody"})")
            .status == 422);
    // The guest can answer.
    CHECK(w.s.call("PUT", "/api/v1/me/events/" + w.other_session + "/rsvp", w.p1_token, R"({"rsvp":"accepted"})")
              .status == 200);
    REQUIRE(w.s.call("DELETE", "/api/v1/events/" + w.other_session + "/guests/" + w.p1, w.organiser).status == 204);
    CHECK(invited(w.attendance(w.other_session)).empty());
    CHECK(w.s.call("DELETE", "/api/v1/events/" + w.other_session + "/guests/" + w.p1, w.organiser).status == 404);
}

TEST_CASE("reports: attendance rates as JSON and CSV, commitments, absent organisations, and who may see them",
          "[attendance][reports]") {
    world w;
    // Past CoP meeting: Anna present, Bram absent, Cees excused, Dirk not recorded.
    REQUIRE(w.s.call("POST", "/api/v1/events/" + w.past_cop + "/attendance", w.organiser,
                     R"({"records":[{"person_id":")" + w.p1 + R"(","presence":"present"},{"person_id":")" + w.p2 +
                         R"(","presence":"absent"},{"person_id":")" + w.p3 + R"(","presence":"excused"}]})")
                .status == 200);
    const std::string year = at_hours(-24 * 10).substr(0, 4);
    auto by_org = w.s.call("GET", w.base + "/reports/attendance?by=organisation&year=" + year, w.organiser);
    INFO(by_org.body);
    REQUIRE(by_org.status == 200);
    std::map<std::string, json::value> rows;
    const auto by_org_body = by_org.json();
    for (const auto& r : by_org_body.at("items").as_array()) rows[str(r, "key")] = r;
    REQUIRE(rows.count(w.org_a) == 1);
    REQUIRE(rows.count(w.org_b) == 1);
    // The sessions 5 days ago and now count when they fall in the same year as the meeting.
    const int extra = (at_hours(-24 * 5).substr(0, 4) == year ? 1 : 0) + (at_hours(-1).substr(0, 4) == year ? 1 : 0);
    // Gemeente Aa: Anna and Bram at the CoP meeting (present, absent), Anna at the ICT
    // sessions (no presence recorded).
    const auto a = rows[w.org_a].at("year");
    CHECK(a.at("present").as_int64() == 1);
    CHECK(a.at("absent").as_int64() == 1);
    CHECK(a.at("invited").as_int64() == 2 + extra);
    CHECK(a.at("rate").as_double() == Approx(1.0 / (2 + extra)));
    // Bedrijf Bee: Cees excused at the CoP meeting, Dirk unrecorded, Cees at the ICT sessions.
    const auto b = rows[w.org_b].at("year");
    CHECK(b.at("excused").as_int64() == 1);
    CHECK(b.at("invited").as_int64() == 2 + extra);
    CHECK(b.at("rate").as_double() == Approx(0.0));
    // The future events do not count.
    CHECK(by_org.json().at("total").at("invited").as_int64() == 4 + 2 * extra);

    // CSV for Excel: BOM, header row, semicolons and decimal commas in a Dutch programme.
    auto csv = w.s.call("GET", w.base + "/reports/attendance?by=organisation&format=csv&year=" + year, w.organiser);
    REQUIRE(csv.status == 200);
    CHECK(csv.header("content-type").find("text/csv") == 0);
    REQUIRE(csv.body.substr(0, 3) == "\xEF\xBB\xBF");
    const auto header = csv.body.substr(3, csv.body.find("\r\n") - 3);
    CHECK(header.find("naam;") != std::string::npos);
    CHECK(csv.body.find("Gemeente Aa") != std::string::npos);
    char rate[16];
    std::snprintf(rate, sizeof rate, ";%.1f", 100.0 / (2 + extra));
    std::string dutch_rate = rate;
    dutch_rate[dutch_rate.find('.')] = ',';
    CHECK(csv.body.find(dutch_rate) != std::string::npos);
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = csv.body.find("\r\n", at)) != std::string::npos; at += 2) ++lines;
    CHECK(lines == 3); // header and two organisations
    auto en = w.s.call("GET", w.base + "/reports/attendance?by=role&format=csv&lang=en&year=" + year, w.organiser);
    REQUIRE(en.status == 200);
    CHECK(en.body.find("Buyer,") != std::string::npos);

    // Per person: personal data, admins only, and audited.
    CHECK(w.s.call("GET", w.base + "/reports/attendance?by=person&year=" + year, w.organiser).status == 403);
    auto people = w.s.call("GET", w.base + "/reports/attendance?by=person&year=" + year, w.s.admin_token);
    REQUIRE(people.status == 200);
    CHECK(people.json().at("items").as_array().size() == 4);
    CHECK(w.s.call("GET", "/api/v1/audit", w.s.admin_token).body.find("report.export") != std::string::npos);
    // Participants see no reports; other programmes' organisers see nothing at all.
    CHECK(w.s.call("GET", w.base + "/reports/attendance?year=" + year, w.p1_token).status == 403);
    CHECK(w.s.call("GET", w.base + "/reports/commitments?year=" + year, w.other_organiser).status == 404);
    // A token scoped to a working group sees its group's row only.
    const auto scoped =
        w.make(w.s.admin_token, "/api/v1/tokens",
               R"({"name":"s","role":"organiser","programme":"cop","working_groups":[")" + w.group + "\"]}", "token");
    CHECK(w.s.call("GET", w.base + "/reports/attendance?by=organisation&year=" + year, scoped).status == 403);
    auto groups = w.s.call("GET", w.base + "/reports/attendance?by=working_group&year=" + year, scoped);
    REQUIRE(groups.status == 200);
    REQUIRE(groups.json().at("items").as_array().size() == 1);
    CHECK(str(groups.json().at("items").at(0), "key") == w.group);
    // Bad parameters name themselves.
    auto bad = w.s.call("GET", w.base + "/reports/attendance?by=shoe", w.organiser);
    CHECK(bad.status == 422);
    CHECK(bad.body.find("\"field\":\"by\"") != std::string::npos);

    // Commitments with the threshold at 1 CoP meeting: Aa was there and is in ICT; Bee was not.
    auto c = w.s.call("GET", w.base + "/reports/commitments?min_cop_meetings=1&year=" + year, w.organiser);
    INFO(c.body);
    REQUIRE(c.status == 200);
    std::map<std::string, json::value> orgs;
    const auto c_body = c.json();
    for (const auto& r : c_body.at("items").as_array()) orgs[str(r, "organisation_id")] = r;
    CHECK(str(orgs[w.org_a], "status") == "meets");
    CHECK(orgs[w.org_a].at("reasons").as_array().empty());
    CHECK(str(orgs[w.org_b], "status") != "meets");
    CHECK(!orgs[w.org_b].at("reasons").as_array().empty());

    // Absent from the last CoP meeting held: Bee.
    auto absent = w.s.call("GET", w.base + "/reports/absent-organisations?meetings=1", w.organiser);
    REQUIRE(absent.status == 200);
    REQUIRE(absent.json().at("items").as_array().size() == 1);
    CHECK(str(absent.json().at("items").at(0), "organisation_id") == w.org_b);
    CHECK(absent.json().at("meetings").as_array().size() == 1);
}
