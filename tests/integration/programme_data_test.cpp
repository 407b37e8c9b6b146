// Programme data over HTTP: create, read, list, change and delete organisations, people,
// working groups, memberships and venues; versions; the authorization matrix.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

struct fixture {
    server_process s;
    std::string organiser, other_organiser, participant, scoped;
    std::string org_id, person_id, group_id, venue_id, other_person_id;

    fixture() {
        REQUIRE(s.call("POST", "/api/v1/programmes", s.admin_token,
                       R"({"slug":"other","name":"Andere Green Deal","starts_on":"2020-01-01","ends_on":"2025-12-31"})")
                    .status == 201);
        organiser = token(R"({"name":"o","role":"organiser","programme":"gdci-2"})");
        other_organiser = token(R"({"name":"x","role":"organiser","programme":"other"})");
        auto org = post("/api/v1/programmes/gdci-2/organisations",
                        R"({"name":"Gemeente Testdorp","kind":"government","level":"starter"})");
        org_id = str(org, "id");
        auto person = post("/api/v1/programmes/gdci-2/people",
                           R"({"name":"Test Persoon","email":"test.persoon@testdorp.example.org","organisation_id":")" +
                               org_id + R"(","role":"buyer","language":"nl"})");
        person_id = str(person, "id");
        auto other = post("/api/v1/programmes/gdci-2/people",
                          R"({"name":"Ander Persoon","email":"ander@testdorp.example.org","organisation_id":")" +
                              org_id + R"(","role":"budget_holder"})");
        other_person_id = str(other, "id");
        group_id =
            str(post("/api/v1/programmes/gdci-2/working-groups", R"({"slug":"textiel","name":"Textiel"})"), "id");
        venue_id = str(
            post("/api/v1/programmes/gdci-2/venues", R"({"name":"Zaal 1","address":"Straat 1","capacity":30})"), "id");
        participant =
            token(R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + person_id + "\"}");
        scoped =
            token(R"({"name":"s","role":"organiser","programme":"gdci-2","working_groups":[")" + group_id + "\"]}");
    }
    std::string token(const std::string& body) {
        auto r = s.call("POST", "/api/v1/tokens", s.admin_token, body);
        INFO(r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), "token");
    }
    json::value post(const std::string& path, const std::string& body) {
        auto r = s.call("POST", path, organiser.empty() ? s.admin_token : organiser, body);
        INFO(path << " " << r.body);
        REQUIRE(r.status == 201);
        REQUIRE(!r.header("etag").empty());
        return r.json();
    }
};

} // namespace

TEST_CASE("organisers create and read programme data and lists page with a cursor", "[programme_data]") {
    fixture f;
    auto& s = f.s;
    auto one = s.call("GET", "/api/v1/organisations/" + f.org_id, f.organiser);
    REQUIRE(one.status == 200);
    REQUIRE(one.json().at("name") == "Gemeente Testdorp");
    REQUIRE(one.header("etag") == "\"" + f.org_id + ".v1\"");

    std::set<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto r = s.call("GET",
                        "/api/v1/programmes/gdci-2/organisations?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor),
                        f.organiser);
        REQUIRE(r.status == 200);
        const auto body = r.json();
        REQUIRE(body.at("items").as_array().size() <= 7);
        for (const auto& o : body.at("items").as_array()) REQUIRE(seen.insert(str(o, "id")).second);
        cursor = body.at("next_cursor").is_null() ? "" : str(body, "next_cursor");
        ++pages;
    } while (!cursor.empty() && pages < 20);
    REQUIRE(seen.size() == 21); // 20 demo organisations and Gemeente Testdorp
    REQUIRE(pages == 3);

    auto companies =
        s.call("GET", "/api/v1/programmes/gdci-2/organisations?kind=company&limit=200", f.organiser).json();
    for (const auto& o : companies.at("items").as_array()) REQUIRE(o.at("kind") == "company");
    REQUIRE(s.call("GET", "/api/v1/programmes/gdci-2/organisations?kind=alien", f.organiser).status == 422);
    REQUIRE(s.call("GET", "/api/v1/programmes/gdci-2/organisations?limit=0", f.organiser).status == 422);
    REQUIRE(s.call("GET", "/api/v1/programmes/gdci-2/organisations?limit=201", f.organiser).status == 422);

    auto members =
        s.call("POST", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser,
               R"({"person_id":")" + f.person_id + R"(","role":"chair","from":"2024-01-01","until":"2024-12-31"})");
    REQUIRE(members.status == 201);
    auto overlap = s.call("POST", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser,
                          R"({"person_id":")" + f.person_id + R"(","from":"2024-06-01"})");
    REQUIRE(overlap.status == 409);
    auto later = s.call("POST", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser,
                        R"({"person_id":")" + f.person_id + R"(","from":"2025-01-01"})");
    REQUIRE(later.status == 201);
    auto backwards = s.call("POST", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser,
                            R"({"person_id":")" + f.other_person_id + R"(","from":"2025-01-01","until":"2024-01-01"})");
    REQUIRE(backwards.status == 422);
    REQUIRE(s.call("GET", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser)
                .json()
                .at("items")
                .as_array()
                .size() == 2);
}

TEST_CASE("changes bump the version and If-Match protects against lost updates", "[programme_data]") {
    fixture f;
    auto& s = f.s;
    const auto path = "/api/v1/venues/" + f.venue_id;
    auto v1 = s.call("GET", path, f.organiser);
    const auto tag1 = v1.header("etag");
    auto changed = s.request(
        "PATCH", path, R"({"capacity":45})",
        {{"Authorization", "Bearer " + f.organiser}, {"Content-Type", "application/json"}, {"If-Match", tag1}});
    REQUIRE(changed.status == 200);
    REQUIRE(changed.json().at("capacity") == 45);
    REQUIRE(changed.json().at("version") == 2);
    REQUIRE(changed.header("etag") != tag1);
    auto stale = s.request(
        "PATCH", path, R"({"capacity":50})",
        {{"Authorization", "Bearer " + f.organiser}, {"Content-Type", "application/json"}, {"If-Match", tag1}});
    REQUIRE(stale.status == 412);
    auto stale_delete = s.request("DELETE", path, "", {{"Authorization", "Bearer " + f.organiser}, {"If-Match", tag1}});
    REQUIRE(stale_delete.status == 412);
    REQUIRE(s.call("GET", path, f.organiser).json().at("capacity") == 45);
    REQUIRE(s.call("PATCH", path, f.organiser, R"({"colour":"red"})").status == 422);
    REQUIRE(s.call("PATCH", path, f.organiser, R"({"capacity":-1})").status == 422);
    REQUIRE(s.call("PATCH", path, f.organiser, R"({"name":"a\u0000b"})").status == 422);
    REQUIRE(s.call("GET", path, f.organiser).json().at("version") == 2);

    auto programme = s.call("PATCH", "/api/v1/programmes/gdci-2", f.organiser, R"({"meeting_rules":{"per_year":5}})");
    REQUIRE(programme.status == 200);
    REQUIRE(programme.json().at("meeting_rules").at("per_year") == 5);
    REQUIRE(s.call("PATCH", "/api/v1/programmes/gdci-2", f.organiser, R"({"timezone":"Mars/Olympus"})").status == 422);
    REQUIRE(s.call("PATCH", "/api/v1/programmes/gdci-2", f.organiser, R"({"meeting_rules":{"weekdays":["someday"]}})")
                .status == 422);
}

TEST_CASE("deleting what history refers to is refused but archiving keeps it", "[programme_data]") {
    fixture f;
    auto& s = f.s;
    auto in_use = s.call("DELETE", "/api/v1/organisations/" + f.org_id, f.organiser);
    REQUIRE(in_use.status == 409);
    REQUIRE(in_use.header("content-type") == "application/problem+json");
    REQUIRE(s.call("GET", "/api/v1/organisations/" + f.org_id, f.organiser).status == 200);

    REQUIRE(s.call("POST", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser,
                   R"({"person_id":")" + f.other_person_id + "\"}")
                .status == 201);
    REQUIRE(s.call("DELETE", "/api/v1/working-groups/" + f.group_id, f.organiser).status == 409);
    auto archived = s.call("POST", "/api/v1/working-groups/" + f.group_id + "/archive", f.organiser);
    REQUIRE(archived.status == 200);
    REQUIRE(archived.json().at("archived") == true);
    const auto listed = s.call("GET", "/api/v1/programmes/gdci-2/working-groups?limit=200", f.organiser).json();
    for (const auto& g : listed.at("items").as_array()) REQUIRE(g.at("id") != f.group_id.c_str());
    REQUIRE(s.call("GET", "/api/v1/working-groups/" + f.group_id + "/members", f.organiser)
                .json()
                .at("items")
                .as_array()
                .size() == 1);

    REQUIRE(s.call("DELETE", "/api/v1/venues/" + f.venue_id, f.organiser).status == 204);
    REQUIRE(s.call("GET", "/api/v1/venues/" + f.venue_id, f.organiser).status == 404);
}

TEST_CASE("duplicates and bad input are refused with the field at fault and nothing is stored", "[programme_data]") {
    fixture f;
    auto& s = f.s;
    auto dup = s.call("POST", "/api/v1/programmes/gdci-2/working-groups", f.organiser,
                      R"({"slug":"textiel","name":"Nog eens"})");
    REQUIRE(dup.status == 409);
    auto dup_mail = s.call("POST", "/api/v1/programmes/gdci-2/people", f.organiser,
                           R"({"name":"Twee","email":"test.persoon@testdorp.example.org","organisation_id":")" +
                               f.org_id + R"(","role":"buyer"})");
    REQUIRE(dup_mail.status == 409);
    struct bad {
        std::string path, body, field;
    };
    const std::vector<bad> cases{
        {"/api/v1/programmes/gdci-2/organisations", R"({"name":"X","kind":"church","level":"starter"})", "kind"},
        {"/api/v1/programmes/gdci-2/organisations", R"({"name":"X","level":"starter"})", "kind"},
        {"/api/v1/programmes/gdci-2/people",
         R"({"name":"X","email":"not-an-address","organisation_id":")" + f.org_id + R"(","role":"buyer"})", "email"},
        {"/api/v1/programmes/gdci-2/people",
         R"({"name":"X","email":"x@y.example.org","organisation_id":"org_nope","role":"buyer"})", "organisation_id"},
        {"/api/v1/programmes/gdci-2/people",
         R"({"name":"X\r\nBcc: evil@example.org","email":"x@y.example.org","organisation_id":")" + f.org_id +
             R"(","role":"buyer"})",
         "name"},
        {"/api/v1/programmes/gdci-2/working-groups", R"({"slug":"Bad Slug","name":"X"})", "slug"},
        {"/api/v1/programmes/gdci-2/venues", R"({"name":"X","capacity":"many"})", "capacity"},
        {"/api/v1/programmes", R"({"slug":"p2","name":"P","starts_on":"2020-02-30","ends_on":"2021-01-01"})",
         "starts_on"},
        {"/api/v1/programmes", R"({"slug":"p2","name":"P","starts_on":"2021-01-01","ends_on":"2020-01-01"})",
         "ends_on"},
        {"/api/v1/programmes",
         R"({"slug":"p2","name":"P","starts_on":"2020-01-01","ends_on":"2021-01-01","timezone":"Europe/Atlantis"})",
         "timezone"},
    };
    for (const auto& c : cases) {
        INFO(c.path << " " << c.body);
        auto r = s.call("POST", c.path, c.path == "/api/v1/programmes" ? s.admin_token : f.organiser, c.body);
        REQUIRE(r.status == 422);
        const auto problem = r.json();
        bool named = false;
        for (const auto& e : problem.at("errors").as_array()) named |= e.at("field") == c.field.c_str();
        REQUIRE(named);
    }
    REQUIRE(s.call("GET", "/api/v1/programmes/p2", s.admin_token).status == 404);
}

TEST_CASE("authorization matrix: other programmes' ids are 404, participants read only and see no one else's e-mail",
          "[programme_data][authz]") {
    fixture f;
    auto& s = f.s;
    const std::vector<std::pair<std::string, std::string>> with_ids{
        {"GET", "/api/v1/organisations/" + f.org_id},
        {"PATCH", "/api/v1/organisations/" + f.org_id},
        {"DELETE", "/api/v1/organisations/" + f.org_id},
        {"GET", "/api/v1/people/" + f.person_id},
        {"PATCH", "/api/v1/people/" + f.person_id},
        {"DELETE", "/api/v1/people/" + f.person_id},
        {"GET", "/api/v1/working-groups/" + f.group_id},
        {"PATCH", "/api/v1/working-groups/" + f.group_id},
        {"DELETE", "/api/v1/working-groups/" + f.group_id},
        {"POST", "/api/v1/working-groups/" + f.group_id + "/archive"},
        {"POST", "/api/v1/working-groups/" + f.group_id + "/members"},
        {"GET", "/api/v1/working-groups/" + f.group_id + "/members"},
        {"GET", "/api/v1/venues/" + f.venue_id},
        {"PATCH", "/api/v1/venues/" + f.venue_id},
        {"DELETE", "/api/v1/venues/" + f.venue_id},
        {"GET", "/api/v1/programmes/gdci-2"},
        {"PATCH", "/api/v1/programmes/gdci-2"},
        {"GET", "/api/v1/programmes/gdci-2/organisations"},
        {"POST", "/api/v1/programmes/gdci-2/organisations"},
        {"GET", "/api/v1/programmes/gdci-2/people"},
        {"POST", "/api/v1/programmes/gdci-2/people"},
        {"GET", "/api/v1/programmes/gdci-2/working-groups"},
        {"POST", "/api/v1/programmes/gdci-2/working-groups"},
        {"GET", "/api/v1/programmes/gdci-2/venues"},
        {"POST", "/api/v1/programmes/gdci-2/venues"},
    };
    for (const auto& [method, path] : with_ids) {
        INFO(method << " " << path);
        const std::string body = method == "GET" || method == "DELETE" ? "" : R"({"name":"hijack"})";
        REQUIRE(s.call(method, path, f.other_organiser, body).status == 404);
        if (method != "GET") REQUIRE(s.call(method, path, f.participant, body).status == 403);
    }
    // Group-scoped organisers change their own group only.
    REQUIRE(s.call("PATCH", "/api/v1/working-groups/" + f.group_id, f.scoped, R"({"name":"Textiel en mode"})").status ==
            200);
    auto bouw = s.call("GET", "/api/v1/programmes/gdci-2/working-groups?limit=200", f.scoped).json();
    std::string bouw_id;
    for (const auto& g : bouw.at("items").as_array())
        if (g.at("slug") == "bouw") bouw_id = str(g, "id");
    REQUIRE(s.call("PATCH", "/api/v1/working-groups/" + bouw_id, f.scoped, R"({"name":"Bouw!"})").status == 403);
    REQUIRE(s.call("POST", "/api/v1/programmes/gdci-2/venues", f.scoped, R"({"name":"Zaal","capacity":1})").status ==
            403);
    REQUIRE(s.call("POST", "/api/v1/programmes", f.organiser,
                   R"({"slug":"p3","name":"P","starts_on":"2020-01-01","ends_on":"2021-01-01"})")
                .status == 403);

    // Participants: their own e-mail, nobody else's, in any listing.
    REQUIRE(s.call("GET", "/api/v1/people/" + f.person_id, f.participant).json().as_object().contains("email"));
    REQUIRE(!s.call("GET", "/api/v1/people/" + f.other_person_id, f.participant).json().as_object().contains("email"));
    const auto people = s.call("GET", "/api/v1/programmes/gdci-2/people?limit=200", f.participant);
    REQUIRE(people.status == 200);
    REQUIRE(people.body.find("ander@testdorp.example.org") == std::string::npos);
    REQUIRE(people.body.find("test.persoon@testdorp.example.org") != std::string::npos);
    REQUIRE(s.call("GET", "/api/v1/programmes/gdci-2/people?email=ander@testdorp.example.org", f.participant).status ==
            403);
}
