// API tokens over HTTP: 401 versus 403, revocation on the very next request, roles,
// throttling of repeated failures.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <thread>

using namespace copsched::testing;

namespace {

std::string create(const server_process& s, const std::string& body, std::string* id = nullptr) {
    auto r = s.call("POST", "/api/v1/tokens", s.admin_token, body);
    INFO(r.body);
    REQUIRE(r.status == 201);
    REQUIRE(r.header("cache-control") == "no-store");
    if (id) *id = std::string(r.json().at("id").as_string());
    return std::string(r.json().at("token").as_string());
}

} // namespace

TEST_CASE("no, malformed or unknown tokens get 401 with WWW-Authenticate", "[auth]") {
    server_process s;
    for (const auto& header : std::vector<std::string>{"", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-token",
                                                       "Bearer cps_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
        INFO("Authorization: " << header);
        std::map<std::string, std::string> h;
        if (!header.empty()) h["Authorization"] = header;
        auto r = s.request("GET", "/api/v1/me", "", h);
        REQUIRE(r.status == 401);
        REQUIRE(r.header("www-authenticate").find("Bearer") == 0);
        REQUIRE(r.header("content-type") == "application/problem+json");
    }
    REQUIRE(s.call("GET", "/api/v1/me", s.admin_token).json().at("role") == "admin");
}

TEST_CASE("a token created over the API works, is listed without its secret and shows last use", "[auth]") {
    server_process s;
    std::string id;
    const auto secret = create(s, R"({"name":"organiser of gdci","role":"organiser","programme":"gdci-2"})", &id);
    REQUIRE(secret.rfind("cps_", 0) == 0);
    REQUIRE(secret.size() == 47);
    auto me = s.call("GET", "/api/v1/me", secret);
    REQUIRE(me.status == 200);
    REQUIRE(me.json().at("role") == "organiser");
    REQUIRE(me.json().at("programme") == "gdci-2");

    const auto list = s.call("GET", "/api/v1/tokens", s.admin_token);
    REQUIRE(list.status == 200);
    REQUIRE(list.body.find(secret) == std::string::npos);
    bool found = false;
    const auto listed = list.json();
    for (const auto& t : listed.at("items").as_array())
        if (t.at("id") == id.c_str()) {
            found = true;
            REQUIRE(t.at("last_used_at").is_string());
            REQUIRE(!t.as_object().contains("token"));
        }
    REQUIRE(found);
}

TEST_CASE("a revoked token fails on the very next request", "[auth]") {
    server_process s;
    std::string id;
    const auto secret = create(s, R"({"name":"short-lived","role":"admin"})", &id);
    REQUIRE(s.call("GET", "/api/v1/me", secret).status == 200);
    REQUIRE(s.call("DELETE", "/api/v1/tokens/" + id, s.admin_token).status == 204);
    REQUIRE(s.call("GET", "/api/v1/me", secret).status == 401);
    REQUIRE(s.call("DELETE", "/api/v1/tokens/tok_doesnotexist", s.admin_token).status == 404);
}

TEST_CASE("a valid token without the role gets 403, not 401", "[auth]") {
    server_process s;
    const auto organiser = create(s, R"({"name":"o","role":"organiser","programme":"gdci-2"})");
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/v1/tokens"}, {"POST", "/api/v1/tokens"}, {"DELETE", "/api/v1/tokens/tok_x"}}) {
        INFO(method << " " << path);
        auto r = s.call(method, path, organiser, method == "POST" ? R"({"name":"x","role":"admin"})" : "");
        REQUIRE(r.status == 403);
        REQUIRE(r.header("content-type") == "application/problem+json");
    }
    // The organiser sees its own programme only.
    auto programmes = s.call("GET", "/api/v1/programmes", organiser);
    REQUIRE(programmes.status == 200);
    REQUIRE(programmes.json().at("items").as_array().size() == 1);
    REQUIRE(s.call("GET", "/api/v1/programmes/gdci-2", organiser).status == 200);
    REQUIRE(s.call("GET", "/api/v1/programmes/unknown", organiser).status == 404);
}

TEST_CASE("creating tokens validates every field and stores nothing on error", "[auth][validation]") {
    server_process s;
    struct bad {
        std::string body;
        int status;
        std::string field;
    };
    const std::vector<bad> cases{
        {R"({"name":"x","role":"emperor"})", 422, "role"},
        {R"({"name":"x","role":"organiser"})", 422, "programme"},
        {R"({"name":"x","role":"organiser","programme":"nope"})", 422, "programme"},
        {R"({"name":"x","role":"participant","programme":"gdci-2"})", 422, "person_id"},
        {R"({"name":"x","role":"participant","programme":"gdci-2","person_id":"per_unknown"})", 422, "person_id"},
        {R"({"name":"x","role":"admin","colour":"red"})", 422, "colour"},
        {R"({"name":7,"role":"admin"})", 422, "name"},
        {R"({"name":"line\nbreak","role":"admin"})", 422, "name"},
        {R"({"role":"admin"})", 422, "name"},
        {"{\"name\":\"" + std::string(201, 'n') + "\",\"role\":\"admin\"}", 422, "name"},
        {R"({"name":"x","role":"organiser","programme":"gdci-2","working_groups":["wg_nope"]})", 422, "working_groups"},
        {R"(["not","an","object"])", 400, ""},
        {R"({"name":"x",)", 400, ""},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        auto r = s.call("POST", "/api/v1/tokens", s.admin_token, c.body);
        REQUIRE(r.status == c.status);
        REQUIRE(r.header("content-type") == "application/problem+json");
        if (!c.field.empty()) {
            bool named = false;
            const auto problem = r.json();
            for (const auto& e : problem.at("errors").as_array()) named |= e.at("field") == c.field.c_str();
            REQUIRE(named);
        }
    }
    auto wrong_type = s.request("POST", "/api/v1/tokens", R"({"name":"x","role":"admin"})",
                                {{"Authorization", "Bearer " + s.admin_token}, {"Content-Type", "text/plain"}});
    REQUIRE(wrong_type.status == 400);
    REQUIRE(s.call("GET", "/api/v1/tokens", s.admin_token).json().at("items").as_array().size() == 1);
}

TEST_CASE("repeated failed authentication from one address is answered 429", "[auth][limits]") {
    server_process s({"--auth-failure-limit", "5", "--auth-failure-window", "2s"});
    for (int i = 0; i < 5; ++i) REQUIRE(s.call("GET", "/api/v1/me", "cps_wrong").status == 401);
    auto limited = s.call("GET", "/api/v1/me", "cps_wrong");
    REQUIRE(limited.status == 429);
    REQUIRE(!limited.header("retry-after").empty());
    // Blocked even with a good token until the window ends; public routes stay open.
    REQUIRE(s.call("GET", "/api/v1/me", s.admin_token).status == 429);
    REQUIRE(s.request("GET", "/healthz").status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    REQUIRE(s.call("GET", "/api/v1/me", s.admin_token).status == 200);
}

TEST_CASE("behind a trusted proxy, throttling counts the forwarded client address", "[auth][limits]") {
    server_process s({"--auth-failure-limit", "3", "--trust-forwarded-for", "true"});
    auto as = [&](const std::string& client, const std::string& token) {
        return s
            .request("GET", "/api/v1/me", "",
                     {{"Authorization", "Bearer " + token}, {"X-Forwarded-For", "198.51.100.7, " + client}})
            .status;
    };
    for (int i = 0; i < 3; ++i) REQUIRE(as("203.0.113.1", "cps_wrong") == 401);
    REQUIRE(as("203.0.113.1", s.admin_token) == 429);
    REQUIRE(as("203.0.113.2", s.admin_token) == 200); // another client behind the same proxy
}
