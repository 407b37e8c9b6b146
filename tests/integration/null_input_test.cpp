// null in request bodies against the real binary: a field the API does not document as
// nullable, sent as null, is refused with 422 naming it (never read as "absent", never
// used as an empty value), and nothing is stored or changed.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// One row of text per query result, "|" between columns, "\n" between rows.
std::string rows(const std::string& db, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
            const auto* text = sqlite3_column_text(st, c);
            out += (c ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
        }
        out += "\n";
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

// Everything a refused request could have touched: the rows and versions of the data,
// invitations with their answers, people's opt-out, tokens and the audit trail.
std::string stored_state(const std::string& db) {
    std::string out;
    for (const char* sql :
         {"SELECT id, version, name, ends_on FROM programmes ORDER BY id",
          "SELECT id, version, name, kind, level FROM organisations ORDER BY id",
          "SELECT id, version, name, role, active, reminders_opt_out FROM people ORDER BY id",
          "SELECT id, version, name FROM working_groups ORDER BY id",
          "SELECT id, version, name, capacity FROM venues ORDER BY id", "SELECT * FROM memberships ORDER BY id",
          "SELECT id, version, kind, title, status FROM events ORDER BY id", "SELECT COUNT(*) FROM series",
          "SELECT event_id, person_id, rsvp, rsvp_comment, presence FROM attendance "
          "ORDER BY event_id, person_id",
          "SELECT id, revoked_at FROM api_tokens ORDER BY id", "SELECT COUNT(*) FROM audit_log"})
        out += rows(db, sql) + "--\n";
    return out;
}

// The 422 answer's problems by field.
std::map<std::string, std::string> problems_of(const http_reply& r) {
    std::map<std::string, std::string> out;
    const auto body = r.json();
    for (const auto& e : body.at("errors").as_array()) out[str(e, "field")] = str(e, "problem");
    return out;
}

// A JSON object text with `field` set to null (added when the body lacks it).
std::string with_null(const std::string& body, const std::string& field) {
    auto o = json::parse(body).as_object();
    o[field] = nullptr;
    return json::serialize(o);
}

} // namespace

TEST_CASE("null for each required field of the main routes is refused with 422 naming it and stores nothing",
          "[null][validation]") {
    server_process s;
    const auto& admin = s.admin_token;
    auto make = [&](const std::string& token, const std::string& path, const std::string& body,
                    const char* field = "id") {
        const auto r = s.call("POST", path, token, body);
        INFO(path << " " << body << " -> " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), field);
    };
    const std::string base = "/api/v1/programmes/nul";
    REQUIRE(
        s.call(
             "POST", "/api/v1/programmes", admin,
             R"({"slug":"nul","name":"Nul","timezone":"Europe/Amsterdam","starts_on":"2020-01-01","ends_on":"2199-12-31"})")
            .status == 201);
    const auto organiser =
        make(admin, "/api/v1/tokens", R"({"name":"o","role":"organiser","programme":"nul"})", "token");
    const auto org =
        make(organiser, base + "/organisations", R"({"name":"Gemeente Nul","kind":"government","level":"starter"})");
    const auto person =
        make(organiser, base + "/people",
             R"({"name":"Noor","email":"noor@example.org","organisation_id":")" + org + R"(","role":"buyer"})");
    const auto participant =
        make(admin, "/api/v1/tokens",
             R"({"name":"p","role":"participant","programme":"nul","person_id":")" + person + "\"}", "token");
    const auto group = make(organiser, base + "/working-groups", R"({"slug":"ict","name":"ICT"})");
    const auto venue = make(organiser, base + "/venues", R"({"name":"Zaal","capacity":50})");
    const auto membership =
        make(organiser, "/api/v1/working-groups/" + group + "/members", R"({"person_id":")" + person + "\"}");
    const auto meeting =
        make(organiser, base + "/events",
             R"({"kind":"cop_meeting","title":"CoP","start":"2098-03-10T10:00","end":"2098-03-10T12:00",)"
             R"("venue_id":")" +
                 venue + R"(","accept_conflicts":["public_holiday","school_holiday","blackout"]})");
    // The link of the RSVP e-mail, as the participant's own RSVP view gives it.
    const auto link = s.call("GET", "/api/v1/me/events/" + meeting + "/rsvp", participant);
    REQUIRE(link.status == 200);
    const auto rsvp_url = str(link.json(), "rsvp_url");
    const auto rsvp_path = rsvp_url.substr(rsvp_url.find("/rsvp/"));

    struct route {
        std::string method, path, token, valid_body;
        std::vector<std::string> required;
    };
    const std::vector<route> routes = {
        {"POST", "/api/v1/tokens", admin, R"({"name":"t","role":"admin"})", {"name", "role"}},
        {"POST",
         "/api/v1/programmes",
         admin,
         R"({"slug":"nul-2","name":"Nul 2","starts_on":"2026-01-01","ends_on":"2026-12-31"})",
         {"slug", "name", "starts_on", "ends_on"}},
        {"POST",
         base + "/organisations",
         organiser,
         R"({"name":"Bedrijf","kind":"company","level":"advanced"})",
         {"name", "kind", "level"}},
        {"POST",
         base + "/people",
         organiser,
         R"({"name":"Piet","email":"piet@example.org","organisation_id":")" + org + R"(","role":"consultant"})",
         {"name", "email", "organisation_id", "role"}},
        {"POST", base + "/working-groups", organiser, R"({"slug":"bouw","name":"Bouw"})", {"slug", "name"}},
        {"POST", base + "/venues", organiser, R"({"name":"Kamer","capacity":8})", {"name", "capacity"}},
        {"POST",
         "/api/v1/working-groups/" + group + "/members",
         organiser,
         R"({"person_id":")" + person + R"(","role":"chair"})",
         {"person_id"}},
        {"POST",
         base + "/events",
         organiser,
         R"({"kind":"other","title":"Borrel","start":"2098-04-01T16:00","end":"2098-04-01T18:00"})",
         {"kind", "title", "start", "end"}},
        {"POST",
         base + "/series",
         organiser,
         R"({"kind":"working_group_session","working_group_id":")" + group +
             R"(","title":"ICT","start":"2098-05-05T10:00","end":"2098-05-05T11:00","rrule":"FREQ=WEEKLY;COUNT=2"})",
         {"kind", "title", "start", "end", "rrule"}},
        {"POST", base + "/plans", organiser, R"({"year":2098})", {"year"}},
        {"POST",
         "/api/v1/events/" + meeting + "/guests",
         organiser,
         R"({"person_id":")" + person + "\"}",
         {"person_id"}},
        {"POST", "/api/v1/events/" + meeting + "/attendance", organiser, R"({"records":[]})", {"records"}},
        {"PUT",
         "/api/v1/me/events/" + meeting + "/rsvp",
         participant,
         R"({"rsvp":"accepted","comment":"graag"})",
         {"rsvp"}},
        {"POST", rsvp_path, "", R"({"rsvp":"accepted"})", {"rsvp"}},
        {"PUT", "/api/v1/me/reminders", participant, R"({"opt_out":true})", {"opt_out"}},
        // Updates: every field is optional, none of these is nullable.
        {"PATCH", "/api/v1/programmes/nul", organiser, "{}", {"name", "ends_on", "feeds_public"}},
        {"PATCH", "/api/v1/organisations/" + org, organiser, "{}", {"name", "kind", "level"}},
        {"PATCH",
         "/api/v1/people/" + person,
         organiser,
         "{}",
         {"name", "email", "role", "active", "reminders_opt_out"}},
        {"PATCH", "/api/v1/working-groups/" + group, organiser, "{}", {"name", "description"}},
        {"PATCH", "/api/v1/venues/" + venue, organiser, "{}", {"name", "capacity", "address"}},
        {"PATCH", "/api/v1/events/" + meeting, organiser, "{}", {"title", "start", "end", "status", "online_url"}},
        {"PATCH", "/api/v1/memberships/" + membership, organiser, "{}", {"role"}},
        {"PUT", "/api/v1/events/" + meeting + "/attendance/" + person, organiser, "{}", {"rsvp", "presence", "mode"}},
    };

    const auto before = stored_state(s.database);
    for (const auto& r : routes) {
        for (const auto& field : r.required) {
            const auto body = with_null(r.valid_body, field);
            INFO(r.method << " " << r.path << " " << body);
            const auto reply = r.token.empty()
                                   ? s.request(r.method, r.path, body, {{"Content-Type", "application/json"}})
                                   : s.call(r.method, r.path, r.token, body);
            INFO(reply.body);
            REQUIRE(reply.status == 422);
            CHECK(reply.header("content-type") == "application/problem+json");
            const auto problems = problems_of(reply);
            REQUIRE(problems.count(field) == 1);
            if (field != "records") CHECK(problems.at(field) == "must not be null");
            CHECK(reply.body.find("INSERT") == std::string::npos);
            CHECK(reply.body.find("UPDATE") == std::string::npos);
        }
    }
    // A null inside a bulk record is named with its place.
    const auto bulk = s.call("POST", "/api/v1/events/" + meeting + "/attendance", organiser,
                             R"({"records":[{"person_id":null,"presence":"present"},{"person_id":")" + person +
                                 R"(","presence":null}]})");
    REQUIRE(bulk.status == 422);
    CHECK(problems_of(bulk) == std::map<std::string, std::string>{{"records[0].person_id", "must not be null"},
                                                                  {"records[1].presence", "must not be null"}});
    CHECK(stored_state(s.database) == before);

    // The fields the API documents as nullable still take null: no venue, open-ended.
    const auto cleared = s.call("PATCH", "/api/v1/events/" + meeting, organiser, R"({"venue_id":null})");
    REQUIRE(cleared.status == 200);
    CHECK(cleared.json().at("venue_id").is_null());
    const auto open = s.call("PATCH", "/api/v1/memberships/" + membership, organiser, R"({"until":null})");
    REQUIRE(open.status == 200);
    CHECK(open.json().at("until").is_null());
    // And the participant's own answers were untouched by the refused requests.
    const auto mine = s.call("GET", "/api/v1/me/events/" + meeting + "/rsvp", participant);
    REQUIRE(mine.status == 200);
    CHECK(mine.json().at("rsvp").is_null());
    const auto opt = s.call("GET", "/api/v1/me/reminders", participant);
    REQUIRE(opt.status == 200);
    CHECK_FALSE(opt.json().at("opt_out").as_bool());
}
