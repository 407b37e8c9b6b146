// The HTTP core as a client sees it: limits, deadlines, connection cap, keep-alive,
// pipelining, graceful shutdown, routing errors, observability endpoints.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <csignal>
#include <set>
#include <sstream>
#include <thread>

using namespace copsched::testing;
using namespace std::chrono_literals;

namespace {

void require_problem(const http_reply& r, int status) {
    REQUIRE(r.status == status);
    REQUIRE(r.header("content-type") == "application/problem+json");
    const auto body = r.json().as_object();
    REQUIRE(body.at("status").as_int64() == status);
    REQUIRE(body.at("title").is_string());
    REQUIRE(body.at("type").is_string());
    REQUIRE(!body.at("detail").as_string().empty());
}

} // namespace

TEST_CASE("health, readiness, metrics and the OpenAPI document answer", "[http]") {
    server_process s;
    auto h = s.request("GET", "/healthz");
    REQUIRE(h.status == 200);
    REQUIRE(h.json().at("status") == "ok");
    REQUIRE(!h.header("date").empty());
    auto r = s.request("GET", "/readyz");
    REQUIRE(r.status == 200);
    REQUIRE(r.json().at("status") == "ready");

    auto m = s.request("GET", "/metrics");
    REQUIRE(m.status == 200);
    REQUIRE(m.header("content-type").rfind("text/plain", 0) == 0);
    CHECK(m.body.find("copsched_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1") !=
          std::string::npos);
    CHECK(m.body.find("copsched_http_request_duration_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
    // This request's own connection at least (earlier ones may still be closing).
    const auto gauge = m.body.find("\ncopsched_open_connections ");
    REQUIRE(gauge != std::string::npos);
    CHECK(std::stoi(m.body.substr(gauge + 27)) >= 1);
    CHECK(m.body.find("copsched_db_queue_depth") != std::string::npos);

    auto o = s.request("GET", "/openapi.json");
    REQUIRE(o.status == 200);
    REQUIRE(o.json().at("openapi").as_string().starts_with("3."));
}

TEST_CASE("every registered route is documented in the OpenAPI file and nothing else is", "[http][openapi]") {
    server_process s;
    const auto spec = s.request("GET", "/openapi.json").json().as_object();
    std::set<std::string> documented;
    for (const auto& [path, item] : spec.at("paths").as_object())
        for (const auto& [method, op] : item.as_object()) {
            std::string m(method);
            for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(m + " " + std::string(path));
            REQUIRE(op.as_object().contains("responses"));
        }
    const auto listed = run_copsched({"routes"});
    REQUIRE(listed.exit_code == 0);
    std::set<std::string> registered;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) registered.insert(line);
    REQUIRE(registered.size() >= 10);
    for (const auto& r : registered) {
        INFO("registered but undocumented: " << r);
        CHECK(documented.count(r) == 1);
    }
    for (const auto& d : documented) {
        INFO("documented but not registered: " << d);
        CHECK(registered.count(d) == 1);
    }
}

TEST_CASE("every operation documents its parameters, body and errors", "[http][openapi]") {
    server_process s;
    const auto spec = s.request("GET", "/openapi.json").json().as_object();
    for (const auto& [path_view, item] : spec.at("paths").as_object()) {
        const std::string path(path_view);
        for (const auto& [method_view, op_value] : item.as_object()) {
            const std::string method(method_view);
            const auto& op = op_value.as_object();
            INFO(method << " " << path);
            const auto& responses = op.at("responses").as_object();
            std::set<std::string> params;
            if (auto* list = op.if_contains("parameters"))
                for (const auto& x : list->as_array()) params.insert(std::string(x.at("name").as_string()));
            // Every {name} in the path is a declared parameter.
            for (auto open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
                const auto name = path.substr(open + 1, path.find('}', open) - open - 1);
                INFO("path parameter " << name);
                CHECK(params.count(name) == 1);
                CHECK(responses.contains("404"));
            }
            // The API needs a token: 401, and the limits every request has.
            if (path.starts_with("/api/")) {
                CHECK(responses.contains("401"));
                CHECK(responses.contains("429"));
            }
            for (const char* status : {"413", "431", "503"}) CHECK(responses.contains(status));
            // Writes: a documented body with its errors; POSTs take Idempotency-Key.
            if (method == "post" || method == "patch") {
                if (path.find("/archive") == std::string::npos) CHECK(op.contains("requestBody"));
                CHECK(responses.contains("400"));
                CHECK(responses.contains("422"));
            }
            if (method == "post" && path.starts_with("/api/")) CHECK(params.count("Idempotency-Key") == 1);
            // Versioned resources; tokens, blackout imports, busy times, memberships,
            // membership requests and guest invitations have no versions.
            const bool versioned =
                path.find("/tokens/") == std::string::npos && path.find("/blackouts/") == std::string::npos &&
                !path.ends_with("/busy") && path.find("/memberships/") == std::string::npos &&
                path.find("/membership-requests/") == std::string::npos && path.find("/guests/") == std::string::npos;
            if ((method == "patch" || method == "delete") && versioned) {
                CHECK(params.count("If-Match") == 1);
                CHECK(responses.contains("412"));
            }
            if (method != "get" && path.starts_with("/api/")) CHECK(responses.contains("403"));
        }
    }
}

TEST_CASE("unknown paths answer 404 and wrong methods 405 with Allow, as problem+json", "[http]") {
    server_process s;
    require_problem(s.request("GET", "/nope"), 404);
    auto r = s.request("DELETE", "/healthz");
    require_problem(r, 405);
    REQUIRE(r.header("allow").find("GET") != std::string::npos);
    auto t = s.request("PUT", "/api/v1/tokens");
    require_problem(t, 405);
    REQUIRE(t.header("allow").find("POST") != std::string::npos);
    REQUIRE(t.header("allow").find("GET") != std::string::npos);
}

TEST_CASE("HEAD answers like GET without a body", "[http]") {
    server_process s;
    const auto get = s.request("GET", "/openapi.json");
    const auto head = s.request("HEAD", "/openapi.json");
    REQUIRE(head.status == 200);
    REQUIRE(head.body.empty());
    REQUIRE(head.header("content-length") == std::to_string(get.body.size()));
}

TEST_CASE("a body over the limit gets 413 and nothing is stored", "[http][limits]") {
    server_process s({"--body-limit", "4096"});
    const std::string big = "{\"name\":\"" + std::string(5000, 'x') + "\",\"role\":\"admin\"}";
    auto r = s.call("POST", "/api/v1/tokens", s.admin_token, big);
    require_problem(r, 413);
    REQUIRE(r.json().at("detail").as_string().find("4096") != std::string::npos);

    SECTION("also when the body is chunked and the size is not announced") {
        connection c(s.port);
        std::string req = "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.admin_token +
                          "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 3; ++i) req += "800\r\n" + std::string(2048, 'y') + "\r\n";
        req += "0\r\n\r\n";
        c.send(req);
        auto reply = c.read_reply();
        REQUIRE(reply);
        require_problem(*reply, 413);
    }
    const auto tokens = s.call("GET", "/api/v1/tokens", s.admin_token).json().at("items").as_array();
    REQUIRE(tokens.size() == 1); // only the harness's admin token
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("a header over the limit gets 431", "[http][limits]") {
    server_process s;
    auto r = s.request("GET", "/healthz", "", {{"X-Padding", std::string(9000, 'a')}});
    require_problem(r, 431);
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("a client that never finishes its header is disconnected after the deadline", "[http][timeouts]") {
    server_process s({"--header-timeout", "1s"});
    connection silent(s.port);
    connection slow(s.port);
    slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never the blank line
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(slow.closed_within(5s));
    REQUIRE(silent.closed_within(5s));
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 800ms);
    // Trickling bytes does not extend the deadline.
    connection trickle(s.port);
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
        try {
            trickle.send("X");
        } catch (const std::exception&) {
            closed = true;
            break;
        }
        closed = trickle.closed_within(100ms);
    }
    REQUIRE(closed);
    REQUIRE(s.request("GET", "/healthz").status == 200);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout", "[http][timeouts]") {
    server_process s({"--idle-timeout", "1s"});
    connection c(s.port);
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.read_reply();
    REQUIRE(r);
    REQUIRE(r->status == 200);
    REQUIRE(c.closed_within(5s));
}

TEST_CASE("keep-alive and pipelined requests are answered in order on one connection", "[http]") {
    server_process s({"--pipeline-limit", "2"});
    connection c(s.port);
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(c.read_reply()->status == 200);
    // Five requests in one write, more than the pipeline limit; mixed routes so a
    // slower database-backed answer must not overtake a fast one.
    std::string burst;
    const std::vector<std::string> targets{"/readyz", "/healthz", "/nope", "/readyz", "/healthz"};
    for (const auto& t : targets) burst += "GET " + t + " HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(burst);
    for (const auto& t : targets) {
        auto r = c.read_reply();
        REQUIRE(r);
        if (t == "/nope") {
            REQUIRE(r->status == 404);
        } else {
            REQUIRE(r->status == 200);
            REQUIRE(r->json().at("status") == (t == "/readyz" ? "ready" : "ok"));
        }
    }
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    REQUIRE(c.read_reply()->status == 200);
    REQUIRE(c.closed_within(5s));
}

TEST_CASE("connections over the cap get 503 and are closed, freed slots are reused", "[http][limits]") {
    // Idle connections would be closed to make room (hostile_clients_test): these are busy.
    // Eviction is off (100%): a held connection whose partial request the server has not
    // read yet still counts as idle, and the next one could close it (it did, under load).
    server_process s({"--max-connections", "3", "--max-connections-per-address", "3", "--min-receive-rate", "0",
                      "--idle-evict-percent", "100"});
    std::vector<std::unique_ptr<connection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<connection>(s.port));
        held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(held.back()->read_reply()->status == 200); // accepted and kept open
        held.back()->send("GET /healthz HTTP/1.1\r\n");    // and in the middle of a request
    }
    std::this_thread::sleep_for(200ms);
    connection extra(s.port);
    auto r = extra.read_reply(5s);
    REQUIRE(r);
    require_problem(*r, 503);
    REQUIRE(extra.closed_within(5s));

    held.pop_back();
    bool served = false;
    for (int attempt = 0; attempt < 50 && !served; ++attempt) {
        connection again(s.port);
        again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        auto a = again.read_reply(5s);
        served = a && a->status == 200;
        if (!served) std::this_thread::sleep_for(20ms);
    }
    REQUIRE(served);
}

TEST_CASE("SIGTERM finishes the in-flight request, refuses new work and exits 0", "[http][shutdown]") {
    server_process s;
    connection idle(s.port);
    idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(idle.read_reply()->status == 200);

    // Half a request: the header and part of the body.
    const std::string body = R"({"name":"during shutdown","role":"admin"})";
    connection inflight(s.port);
    inflight.send("POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.admin_token +
                  "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                  body.substr(0, 10));
    std::this_thread::sleep_for(200ms);

    int exit_code = -2;
    std::thread stopper([&] { exit_code = s.stop(SIGTERM, 20s); }); // Catch2 asserts on this thread only
    std::this_thread::sleep_for(300ms);
    REQUIRE(idle.closed_within(5s)); // idle connections are closed at once
    inflight.send(body.substr(10));
    auto r = inflight.read_reply(10s);
    if (!r) stopper.join();
    REQUIRE(r);
    REQUIRE(r->status == 201);
    REQUIRE(r->header("connection") == "close");
    REQUIRE(inflight.closed_within(5s));
    stopper.join();
    REQUIRE(exit_code == 0);
    REQUIRE(s.log().find("stopped cleanly") != std::string::npos);

    // The write was committed before the answer: it is in the database.
    auto listed = run_copsched({"--database", s.database, "token", "list"});
    REQUIRE(listed.exit_code == 0);
    REQUIRE(listed.out.find("during shutdown") != std::string::npos);
}

TEST_CASE("the access log has one line per request with the route template and never a token", "[http]") {
    server_process s;
    REQUIRE(s.call("GET", "/api/v1/me", s.admin_token).status == 200);
    auto created = s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"logged","role":"admin"})");
    REQUIRE(created.status == 201);
    const std::string id(created.json().at("id").as_string());
    const std::string secret(created.json().at("token").as_string());
    REQUIRE(s.call("DELETE", "/api/v1/tokens/" + id, s.admin_token).status == 204);
    REQUIRE(s.call("GET", "/api/v1/me", secret).status == 401);
    std::this_thread::sleep_for(100ms);
    const auto log = s.log();
    CHECK(log.find("GET /api/v1/me 200") != std::string::npos);
    CHECK(log.find("POST /api/v1/tokens 201") != std::string::npos);
    CHECK(log.find("DELETE /api/v1/tokens/{id} 204") != std::string::npos);
    CHECK(log.find("GET /api/v1/me 401") != std::string::npos);
    CHECK(log.find(s.admin_token) == std::string::npos);
    CHECK(log.find(secret) == std::string::npos);
    CHECK(log.find(id) == std::string::npos); // paths are logged as templates
}
