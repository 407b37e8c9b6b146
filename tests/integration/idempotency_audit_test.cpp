// Idempotency-Key on POSTs and the admins' audit trail.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

http_reply post(const server_process& s, const std::string& path, const std::string& body, const std::string& key) {
    return s.request(
        "POST", path, body,
        {{"Authorization", "Bearer " + s.admin_token}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
}

} // namespace

TEST_CASE("the same Idempotency-Key and body replays the first answer and another body gets 422", "[idempotency]") {
    server_process s;
    const std::string body = R"({"name":"Gemeente Herhaal","kind":"government","level":"starter"})";
    auto first = post(s, "/api/v1/programmes/gdci-2/organisations", body, "key-1");
    REQUIRE(first.status == 201);
    auto again = post(s, "/api/v1/programmes/gdci-2/organisations", body, "key-1");
    REQUIRE(again.status == 201);
    REQUIRE(again.body == first.body);
    REQUIRE(again.header("location") == first.header("location"));
    REQUIRE(again.header("etag") == first.header("etag"));
    REQUIRE(again.header("idempotent-replayed") == "true");
    const auto listed = s.call("GET", "/api/v1/programmes/gdci-2/organisations?limit=200", s.admin_token);
    REQUIRE(listed.body.find("Gemeente Herhaal") != std::string::npos);
    int count = 0;
    const auto organisations = listed.json();
    for (const auto& o : organisations.at("items").as_array()) count += o.at("name") == "Gemeente Herhaal";
    REQUIRE(count == 1);

    auto other = post(s, "/api/v1/programmes/gdci-2/organisations",
                      R"({"name":"Iets anders","kind":"company","level":"starter"})", "key-1");
    REQUIRE(other.status == 422);
    REQUIRE(other.header("content-type") == "application/problem+json");
    // A failed request is replayed too (the client sees the same answer).
    const std::string bad = R"({"name":"Gemeente Herhaal","kind":"government","level":"starter"})";
    auto dup = post(s, "/api/v1/programmes/gdci-2/organisations", bad, "key-2");
    REQUIRE(dup.status == 409);
    REQUIRE(post(s, "/api/v1/programmes/gdci-2/organisations", bad, "key-2").status == 409);
    REQUIRE(post(s, "/api/v1/programmes/gdci-2/organisations", body, std::string(201, 'k')).status == 422);

    // New token secrets are never stored for replay: a retry makes a new token.
    auto t1 = post(s, "/api/v1/tokens", R"({"name":"t","role":"admin"})", "token-key");
    auto t2 = post(s, "/api/v1/tokens", R"({"name":"t","role":"admin"})", "token-key");
    REQUIRE(t1.status == 201);
    REQUIRE(t2.status == 201);
    REQUIRE(t1.json().at("token") != t2.json().at("token"));
}

TEST_CASE("admins read the audit trail of changes and others may not", "[audit]") {
    server_process s;
    auto created =
        s.call("POST", "/api/v1/programmes/gdci-2/venues", s.admin_token, R"({"name":"Zaal","capacity":10})");
    REQUIRE(created.status == 201);
    const std::string id(created.json().at("id").as_string());
    REQUIRE(s.call("PATCH", "/api/v1/venues/" + id, s.admin_token, R"({"capacity":12})").status == 200);
    REQUIRE(s.call("DELETE", "/api/v1/venues/" + id, s.admin_token).status == 204);
    auto trail = s.call("GET", "/api/v1/audit?object_id=" + id, s.admin_token);
    REQUIRE(trail.status == 200);
    const auto items = trail.json().at("items").as_array();
    REQUIRE(items.size() == 3);
    REQUIRE(items.at(0).at("action") == "venue.delete");
    REQUIRE(items.at(1).at("action") == "venue.update");
    REQUIRE(items.at(1).at("detail").at("capacity") == 12);
    REQUIRE(items.at(2).at("action") == "venue.create");
    REQUIRE(!items.at(0).at("actor").as_string().empty());
    auto organiser =
        s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"o","role":"organiser","programme":"gdci-2"})");
    REQUIRE(s.call("GET", "/api/v1/audit", std::string(organiser.json().at("token").as_string())).status == 403);
    // Token secrets never enter the trail.
    const auto all = s.call("GET", "/api/v1/audit?limit=200", s.admin_token);
    REQUIRE(all.body.find(std::string(organiser.json().at("token").as_string())) == std::string::npos);
}
