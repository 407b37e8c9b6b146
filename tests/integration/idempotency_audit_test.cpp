// Idempotency-Key on POSTs and the admins' audit trail.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

http_reply post(const server_process& s, const std::string& path, const std::string& body, const std::string& key) {
    return s.request(
        "POST", path, body,
        {{"Authorization", "Bearer " + s.admin_token}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
}

// Runs SQL statements on a database no server has open.
void run_sql(const std::string& database, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(database.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &message);
    INFO((message ? message : ""));
    sqlite3_free(message);
    sqlite3_close(h);
    REQUIRE(rc == SQLITE_OK);
}

// The events titled `title` in the demo programme.
std::vector<std::string> event_ids(const server_process& s, const std::string& token, const std::string& title) {
    const auto listed = s.call("GET", "/api/v1/programmes/gdci-2/events?limit=200", token);
    REQUIRE(listed.status == 200);
    std::vector<std::string> ids;
    const auto page = listed.json();
    for (const auto& e : page.at("items").as_array())
        if (e.at("title") == title.c_str()) ids.emplace_back(e.at("id").as_string());
    return ids;
}

// The id of the event a booking answer holds.
std::string booked_id(const http_reply& r) {
    const auto body = r.json();
    if (const auto* e = body.as_object().if_contains("event")) return std::string(e->at("id").as_string());
    return std::string(body.at("id").as_string());
}

// The crash tests run a second server on the first one's database file, with the first
// one's admin token (the second one's own demo database stays unused).
struct restarted {
    server_process s;
    restarted(const server_process& first, const char* kill_before_commit = nullptr)
        : s(with_fault(first, kill_before_commit)) {
        ::unsetenv("TEST_COPSCHED_KILL_BEFORE_COMMIT");
        s.admin_token = first.admin_token;
    }
    static std::vector<std::string> with_fault(const server_process& first, const char* kill_before_commit) {
        if (kill_before_commit)
            ::setenv("TEST_COPSCHED_KILL_BEFORE_COMMIT",
                     (std::string(kill_before_commit) + ":" + first.database).c_str(), 1);
        return {"--database", first.database};
    }
};

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

TEST_CASE("a crash at any commit of an idempotent booking leaves its key answered or free and books once",
          "[idempotency][crash]") {
    // The server dies (SIGKILL) just before its 1st, 2nd, ... commit while it books under an
    // Idempotency-Key; after a restart the retry with the same key gets the first answer
    // or books now, never 409 "still running", and the event exists exactly once.
    for (const char* commit : {"1", "2", "3", "4", "5"}) {
        DYNAMIC_SECTION("killed before commit " << commit) {
            server_process first;
            REQUIRE(first.stop(SIGTERM) == 0);
            const std::string title = std::string("Crash ") + commit;
            const std::string body =
                R"({"kind":"other","title":")" + title + R"(","start":"2019-03-12T10:00","end":"2019-03-12T11:00"})";
            http_reply answered;
            {
                std::optional<restarted> doomed;
                try {
                    doomed.emplace(first, commit);
                } catch (const std::runtime_error&) {
                    ::unsetenv("TEST_COPSCHED_KILL_BEFORE_COMMIT"); // died at start: nothing was asked
                }
                if (doomed) {
                    try {
                        answered = post(doomed->s, "/api/v1/programmes/gdci-2/events", body, "crash-key");
                    } catch (const std::runtime_error&) {} // killed before it answered
                    doomed->s.stop(SIGKILL);
                }
            }
            restarted after(first);
            auto retry = post(after.s, "/api/v1/programmes/gdci-2/events", body, "crash-key");
            INFO("first answer " << answered.status << " " << answered.body << "\nretry " << retry.status << " "
                                 << retry.body);
            REQUIRE(retry.status == 201);
            const auto ids = event_ids(after.s, first.admin_token, title);
            REQUIRE(ids.size() == 1);
            REQUIRE(booked_id(retry) == ids.front());
            if (answered.status == 201) {
                REQUIRE(retry.header("idempotent-replayed") == "true");
                REQUIRE(retry.body == answered.body);
            }
            // And again: now always the stored answer.
            auto again = post(after.s, "/api/v1/programmes/gdci-2/events", body, "crash-key");
            REQUIRE(again.status == 201);
            REQUIRE(again.body == retry.body);
        }
    }
}

TEST_CASE("a key claimed by a request that died before its work is free after a restart", "[idempotency][crash]") {
    // The state a crash between the claim and the work left with a separate claim
    // transaction: the key at status 0, nothing done. It must not answer 409 for ever.
    server_process first;
    const std::string body = R"({"name":"Gemeente Na Crash","kind":"government","level":"starter"})";
    REQUIRE(post(first, "/api/v1/programmes/gdci-2/organisations", body, "claimed-key").status == 201);
    REQUIRE(first.stop(SIGKILL) > 0);
    run_sql(first.database, "DELETE FROM organisations WHERE name = 'Gemeente Na Crash';"
                            "UPDATE idempotency_keys SET status = 0, response = '' WHERE key = 'claimed-key';");
    restarted after(first);
    auto retry = post(after.s, "/api/v1/programmes/gdci-2/organisations", body, "claimed-key");
    INFO(retry.body);
    REQUIRE(retry.status == 201);
    const auto listed = after.s.call("GET", "/api/v1/programmes/gdci-2/organisations?limit=200", first.admin_token);
    int count = 0;
    const auto organisations = listed.json();
    for (const auto& o : organisations.at("items").as_array()) count += o.at("name") == "Gemeente Na Crash";
    REQUIRE(count == 1);
    REQUIRE(post(after.s, "/api/v1/programmes/gdci-2/organisations", body, "claimed-key").body == retry.body);
}

TEST_CASE("a request with the key of a request still running gets 409 with Retry-After", "[idempotency]") {
    // Pipelined requests on one connection run concurrently: the second one with the same
    // key arrives while the first waits for its commit.
    server_process s;
    const std::string body = R"({"name":"Gemeente Tegelijk","kind":"government","level":"starter"})";
    const std::string request = "POST /api/v1/programmes/gdci-2/organisations HTTP/1.1\r\nHost: x\r\n"
                                "Authorization: Bearer " +
                                s.admin_token +
                                "\r\nContent-Type: application/json\r\nIdempotency-Key: same-time\r\n"
                                "Content-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    connection c(s.port);
    std::string many;
    for (int i = 0; i < 8; ++i) many += request;
    c.send(many);
    int created = 0, running = 0, replayed = 0;
    std::string first_body;
    for (int i = 0; i < 8; ++i) {
        auto r = c.read_reply();
        REQUIRE(r);
        if (r->status == 409) {
            REQUIRE(r->header("retry-after") == "1");
            REQUIRE(r->body.find("still running") != std::string::npos);
            ++running;
        } else {
            REQUIRE(r->status == 201);
            if (r->header("idempotent-replayed") == "true") {
                ++replayed;
                REQUIRE(r->body == first_body);
            } else {
                ++created;
                first_body = r->body;
            }
        }
    }
    REQUIRE(created == 1);
    REQUIRE(running >= 1);
    REQUIRE(created + running + replayed == 8);
}
