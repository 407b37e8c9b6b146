// POST and GET /api/v1/replies over HTTP: who may hand in replies, the problems a bad body
// gets (problem+json naming the field), and what an organiser of another programme sees.
// The whole path with real e-mail and IMAP is tests/inbox/inbox_test.py.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::set<std::string> problem_fields(const http_reply& r) {
    std::set<std::string> out;
    const auto doc = r.json(); // the loop below must not range over a temporary's member
    for (const auto& e : doc.at("errors").as_array()) out.insert(std::string(e.at("field").as_string()));
    return out;
}

const std::string reply_ical = R"(BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:evt_nope@copsched\r\n)"
                               R"(ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n)";

} // namespace

TEST_CASE("a bad reply body gets a problem naming each field, and nothing is recorded", "[replies][http]") {
    server_process s;
    const auto& admin = s.admin_token;
    auto empty = s.call("POST", "/api/v1/replies", admin, "{}");
    INFO(empty.body);
    REQUIRE(empty.status == 422);
    CHECK(empty.header("content-type").find("application/problem+json") == 0);
    CHECK(problem_fields(empty) == std::set<std::string>{"raw_ical", "envelope_to"});
    auto wrong = s.call("POST", "/api/v1/replies", admin,
                        R"({"raw_ical":"BEGIN:VCALENDAR\u0000","envelope_to":"x@y.example","colour":"red"})");
    REQUIRE(wrong.status == 422);
    CHECK(problem_fields(wrong) == std::set<std::string>{"raw_ical", "colour"});
    auto not_text = s.call("POST", "/api/v1/replies", admin, R"({"raw_ical":42,"envelope_to":"x@y.example"})");
    REQUIRE(not_text.status == 422);
    CHECK(problem_fields(not_text) == std::set<std::string>{"raw_ical"});
    auto list = s.call("GET", "/api/v1/replies", admin);
    REQUIRE(list.status == 200);
    CHECK(list.json().at("items").as_array().empty());
    auto bad_state = s.call("GET", "/api/v1/replies?state=lost", admin);
    REQUIRE(bad_state.status == 422);
    CHECK(problem_fields(bad_state) == std::set<std::string>{"state"});
}

TEST_CASE("only admins and organisers of a whole programme hand in replies, and each sees its own", "[replies][http]") {
    server_process s;
    const auto& admin = s.admin_token;
    auto token = [&](const std::string& body) {
        auto r = s.call("POST", "/api/v1/tokens", admin, body);
        INFO(r.body);
        REQUIRE(r.status == 201);
        return std::string(r.json().at("token").as_string());
    };
    const auto people = s.call("GET", "/api/v1/programmes/gdci-2/people?limit=1", admin).json();
    const std::string person(people.at("items").at(0).at("id").as_string());
    const auto participant =
        token(R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + person + "\"}");
    auto refused = s.call("POST", "/api/v1/replies", participant,
                          R"({"raw_ical":")" + reply_ical + R"(","envelope_to":"rsvp+x@cop.example.org"})");
    CHECK(refused.status == 403);
    CHECK(s.call("GET", "/api/v1/replies", participant).status == 403);

    REQUIRE(s.call("POST", "/api/v1/programmes", admin,
                   R"({"slug":"ander","name":"Ander","starts_on":"2020-01-01","ends_on":"2030-12-31"})")
                .status == 201);
    const auto organiser = token(R"({"name":"o","role":"organiser","programme":"ander"})");
    auto handed = s.call("POST", "/api/v1/replies", organiser,
                         R"({"raw_ical":")" + reply_ical + R"(","envelope_to":"rsvp+x@cop.example.org"})");
    INFO(handed.body);
    REQUIRE(handed.status == 201);
    const auto reply = handed.json();
    CHECK(reply.at("state") == "refused");
    CHECK(reply.at("reason") == "unknown_event");
    CHECK(reply.at("rsvp").is_null());
    CHECK(!reply.at("detail").as_string().empty());
    // The admin's own reply is not the organiser's to see.
    REQUIRE(s.call("POST", "/api/v1/replies", admin,
                   R"({"raw_ical":"not a calendar","envelope_to":"","message_id":"<m@x>"})")
                .status == 201);
    CHECK(s.call("GET", "/api/v1/replies", organiser).json().at("items").as_array().size() == 1);
    const auto refused_list = s.call("GET", "/api/v1/replies?state=refused", admin).json();
    const auto& all = refused_list.at("items").as_array();
    REQUIRE(all.size() == 2);
    CHECK(all.at(0).at("reason") == "malformed"); // newest first
    CHECK(all.at(0).at("envelope_to") == "");
    const auto audit_list = s.call("GET", "/api/v1/audit?object_type=reply", admin).json();
    const auto& audit = audit_list.at("items").as_array();
    CHECK(audit.size() == 2);
    CHECK(audit.at(0).at("action") == "reply.refused");
}
