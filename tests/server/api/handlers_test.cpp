#include "server/pages/site.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/demo.hpp"
#include "server/api/auth.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/services.hpp"
#include "server/http/metrics.hpp"
#include "server/options/config.hpp"
#include "storage/database_file.hpp"
#include "storage/sql_database.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace copsched;
using namespace copsched::server;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr int busy_ms = 2000;
constexpr int auth_limit = 3;

void exec_sql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    INFO(message);
    REQUIRE(rc == SQLITE_OK);
}

long long count_sql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

config test_config() {
    config c;
    c.access_log = false; // keep the test output readable
    c.auth_failure_limit = auth_limit;
    return c;
}

// The whole service minus the socket: a seeded database with an admin and an organiser
// token, the database executor and the dispatcher with the real route table.
struct app {
    test::temp_dir dir;
    std::string path = dir.file("copsched.db");
    issued_token admin = generate_token();
    issued_token organiser = generate_token();
    std::string admin_id;
    std::string organiser_id;
    config cfg = test_config();
    std::unique_ptr<storage::sql_database> db;
    metrics stats;
    auth_throttle throttle{cfg.auth_failure_limit, cfg.auth_failure_window};
    touch_debouncer touches{cfg.token_touch_interval};
    token_cache tokens;
    feed_key feed_secret{std::array<unsigned char, 32>{}};
    feed_cache feeds;
    std::unique_ptr<services> svc;
    std::unique_ptr<dispatcher> dispatch;

    app() {
        REQUIRE(storage::migrate_file(path, busy_ms).ok());
        const auto st = storage::write_once(path, busy_ms, [&](scheduler::store& s) -> scheduler::status {
            const auto now = scheduler::now_utc();
            auto seeded = s.seed_demo(scheduler::demo_programme(), now);
            if (!seeded) return seeded.err();
            scheduler::new_api_token a;
            a.name = "admin";
            a.role = scheduler::token_role::admin;
            a.lookup_prefix = admin.prefix;
            a.secret_hash = admin.secret_hash;
            auto ra = s.create_token(a, now);
            if (!ra) return ra.err();
            admin_id = ra->id;
            scheduler::new_api_token o;
            o.name = "organiser";
            o.role = scheduler::token_role::organiser;
            o.programme_slug = "gdci-2";
            o.lookup_prefix = organiser.prefix;
            o.secret_hash = organiser.secret_hash;
            auto ro = s.create_token(o, now);
            if (!ro) return ro.err();
            organiser_id = ro->id;
            return scheduler::ok();
        });
        REQUIRE(st.ok());
        // A second programme; there is no API to create one yet.
        exec_sql(path, "INSERT INTO programmes(id, slug, name, timezone, language, starts_on, ends_on, meeting_rules, "
                       "created_at, updated_at) VALUES ('prg_other', 'other', 'Another programme', "
                       "'Europe/Amsterdam', 'en', '2025-01-01', '2025-12-31', '{}', '2025-01-01T00:00:00Z', "
                       "'2025-01-01T00:00:00Z')");
        db = std::make_unique<storage::sql_database>(
            storage::sql_database::options{path, cfg.db_readers, busy_ms, cfg.db_write_batch, 32, 1000,
                                           [this](const std::set<std::string>& t) { tokens.tables_changed(t); }});
        svc = std::make_unique<services>(services{cfg, *db, stats, throttle, touches, tokens, feed_secret, feeds});
        dispatch = std::make_unique<dispatcher>(*svc, pages::make_site_routes());
    }

    response send(request req, std::string client = "127.0.0.1") {
        asio::io_context ioc;
        auto result = asio::co_spawn(ioc, dispatch->handle(std::move(req), std::move(client)), asio::use_future);
        ioc.run();
        REQUIRE(result.wait_for(0s) == std::future_status::ready);
        return result.get();
    }

    // Returns once every write queued before it has committed.
    void drain_writes() {
        std::promise<void> done;
        db->write([](scheduler::store&) { return scheduler::ok(); },
                  [&](const scheduler::status&) { done.set_value(); });
        REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
    }
};

request make(http::verb method, std::string target, std::optional<std::string> token = std::nullopt,
             std::optional<std::string> body = std::nullopt) {
    request req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (token) req.set(http::field::authorization, "Bearer " + *token);
    if (body) {
        req.set(http::field::content_type, "application/json");
        req.body() = *body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
}

json::value body_of(const response& res) {
    boost::system::error_code ec;
    auto v = json::parse(res.body(), ec);
    INFO(res.body());
    REQUIRE_FALSE(ec);
    return v;
}

// Checks an error response: status, problem+json content type and a matching body.
json::object expect_problem(const response& res, unsigned status) {
    INFO(res.body());
    CHECK(res.result_int() == status);
    CHECK(res[http::field::content_type] == "application/problem+json");
    auto body = body_of(res);
    REQUIRE(body.is_object());
    CHECK(body.at("status").to_number<unsigned>() == status);
    CHECK(body.at("title").is_string());
    CHECK(body.at("type").is_string());
    CHECK(body.at("detail").is_string());
    return body.as_object();
}

json::object expect_json(const response& res, unsigned status) {
    INFO(res.body());
    CHECK(res.result_int() == status);
    CHECK(res[http::field::content_type] == "application/json");
    auto body = body_of(res);
    REQUIRE(body.is_object());
    return body.as_object();
}

std::set<std::string> field_names(const json::object& problem) {
    std::set<std::string> out;
    for (const auto& e : problem.at("errors").as_array()) out.insert(std::string(e.at("field").as_string()));
    return out;
}

} // namespace

TEST_CASE("health endpoints answer without a token", "[server][handlers]") {
    app a;
    const auto health = a.send(make(http::verb::get, "/healthz"));
    CHECK(expect_json(health, 200) == json::object{{"status", "ok"}});
    CHECK(health.keep_alive());

    CHECK(expect_json(a.send(make(http::verb::get, "/healthz?verbose=1")), 200) == json::object{{"status", "ok"}});
    CHECK(expect_json(a.send(make(http::verb::get, "/readyz")), 200) == json::object{{"status", "ready"}});
}

TEST_CASE("HEAD has the headers of GET and no body", "[server][handlers]") {
    app a;
    const auto get = a.send(make(http::verb::get, "/healthz"));
    const auto head = a.send(make(http::verb::head, "/healthz"));
    REQUIRE_FALSE(get.body().empty());
    CHECK(head.result_int() == 200);
    CHECK(head.body().empty());
    CHECK(head[http::field::content_length] == std::to_string(get.body().size()));
    CHECK(head[http::field::content_type] == get[http::field::content_type]);
}

TEST_CASE("unknown paths are 404 and unsupported methods 405 with Allow", "[server][handlers]") {
    app a;
    expect_problem(a.send(make(http::verb::get, "/nope")), 404);
    expect_problem(a.send(make(http::verb::get, "/api/v1/tokens/x/y", a.admin.secret)), 404);

    const auto put = a.send(make(http::verb::put, "/healthz"));
    expect_problem(put, 405);
    const std::string allow(put[http::field::allow]);
    CHECK(allow.find("GET") != std::string::npos);
    CHECK(allow.find("HEAD") != std::string::npos);
    CHECK(allow.find("PUT") == std::string::npos);

    const auto del = a.send(make(http::verb::delete_, "/api/v1/tokens", a.admin.secret));
    expect_problem(del, 405);
    const std::string allow_tokens(del[http::field::allow]);
    CHECK(allow_tokens.find("GET") != std::string::npos);
    CHECK(allow_tokens.find("POST") != std::string::npos);
    CHECK(allow_tokens.find("DELETE") == std::string::npos);

    // An absolute-form target is not a path this service answers.
    expect_problem(a.send(make(http::verb::get, "http://localhost/healthz")), 400);
}

TEST_CASE("token routes need a valid bearer token", "[server][handlers]") {
    app a;
    int client = 0; // a fresh address each time, so the failures are not throttled
    auto unauthorized = [&](request req) {
        const auto res = a.send(std::move(req), "192.0.2." + std::to_string(++client));
        expect_problem(res, 401);
        CHECK(std::string(res[http::field::www_authenticate]).starts_with("Bearer"));
    };
    unauthorized(make(http::verb::get, "/api/v1/me"));
    unauthorized(make(http::verb::get, "/api/v1/me", "not-a-token"));
    unauthorized(make(http::verb::get, "/api/v1/me", generate_token().secret)); // well-formed, unknown
    auto altered = a.admin.secret;                                              // same prefix, different secret
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    unauthorized(make(http::verb::get, "/api/v1/me", altered));
    auto basic = make(http::verb::get, "/api/v1/me");
    basic.set(http::field::authorization, "Basic YWRtaW46YWRtaW4=");
    unauthorized(std::move(basic));
    unauthorized(make(http::verb::get, "/api/v1/programmes"));
    unauthorized(make(http::verb::get, "/api/v1/tokens"));
}

TEST_CASE("GET /api/v1/me describes the caller", "[server][handlers]") {
    app a;
    const auto admin = expect_json(a.send(make(http::verb::get, "/api/v1/me", a.admin.secret)), 200);
    CHECK(admin.at("role") == "admin");
    CHECK(admin.at("id") == json::value(a.admin_id));
    CHECK(admin.at("programme").is_null());
    CHECK_FALSE(admin.contains("token"));

    auto lower = make(http::verb::get, "/api/v1/me");
    lower.set(http::field::authorization, "bearer " + a.organiser.secret);
    const auto organiser = expect_json(a.send(std::move(lower)), 200);
    CHECK(organiser.at("role") == "organiser");
    CHECK(organiser.at("id") == json::value(a.organiser_id));
    CHECK(organiser.at("programme") == "gdci-2");
}

TEST_CASE("token administration is for admin tokens only", "[server][handlers]") {
    app a;
    expect_problem(a.send(make(http::verb::get, "/api/v1/tokens", a.organiser.secret)), 403);
    expect_problem(
        a.send(make(http::verb::post, "/api/v1/tokens", a.organiser.secret, R"({"name":"mine","role":"admin"})")), 403);
    expect_problem(a.send(make(http::verb::delete_, "/api/v1/tokens/" + a.admin_id, a.organiser.secret)), 403);
    // The refused revocation did nothing.
    CHECK(a.send(make(http::verb::get, "/api/v1/me", a.admin.secret)).result_int() == 200);

    const auto list = a.send(make(http::verb::get, "/api/v1/tokens", a.admin.secret));
    const auto body = expect_json(list, 200);
    const auto& items = body.at("items").as_array();
    std::set<std::string> ids;
    for (const auto& t : items) {
        ids.insert(std::string(t.at("id").as_string()));
        CHECK_FALSE(t.as_object().contains("token"));
    }
    CHECK(ids == std::set<std::string>{a.admin_id, a.organiser_id});
    // Neither secrets nor their hashes ever leave the service.
    CHECK(list.body().find(a.admin.secret) == std::string::npos);
    CHECK(list.body().find(a.admin.secret_hash) == std::string::npos);
    CHECK(list.body().find(a.organiser.secret_hash) == std::string::npos);
}

TEST_CASE("a created token works at once and fails on the very next request after revocation", "[server][handlers]") {
    app a;
    const auto created = a.send(make(http::verb::post, "/api/v1/tokens", a.admin.secret,
                                     R"({"name":"CI robot","role":"organiser","programme":"gdci-2"})"));
    const auto body = expect_json(created, 201);
    const std::string id(body.at("id").as_string());
    const std::string secret(body.at("token").as_string());
    CHECK(std::string(created[http::field::location]) == "/api/v1/tokens/" + id);
    CHECK(created[http::field::cache_control] == "no-store");
    CHECK(body.at("name") == "CI robot");
    CHECK(body.at("role") == "organiser");
    CHECK(body.at("programme") == "gdci-2");
    CHECK(token_prefix(secret).has_value());

    const auto me = expect_json(a.send(make(http::verb::get, "/api/v1/me", secret)), 200);
    CHECK(me.at("id") == json::value(id));
    CHECK(me.at("name") == "CI robot");

    // Listed afterwards, without its secret.
    const auto list = a.send(make(http::verb::get, "/api/v1/tokens", a.admin.secret));
    CHECK(expect_json(list, 200).at("items").as_array().size() == 3);
    CHECK(list.body().find(secret) == std::string::npos);

    const auto revoked = a.send(make(http::verb::delete_, "/api/v1/tokens/" + id, a.admin.secret));
    CHECK(revoked.result_int() == 204);
    CHECK(revoked.body().empty());
    expect_problem(a.send(make(http::verb::get, "/api/v1/me", secret)), 401);

    // The others are unaffected; the trail records both changes.
    CHECK(a.send(make(http::verb::get, "/api/v1/me", a.admin.secret)).result_int() == 200);
    CHECK(count_sql(a.path, "SELECT COUNT(*) FROM audit_log WHERE action = 'token.create'") == 1);
    CHECK(count_sql(a.path, "SELECT COUNT(*) FROM audit_log WHERE action = 'token.revoke'") == 1);

    expect_problem(a.send(make(http::verb::delete_, "/api/v1/tokens/tok_unknown", a.admin.secret)), 404);
}

TEST_CASE("token creation reports invalid requests by field", "[server][handlers]") {
    app a;
    auto post = [&](std::string body) {
        return a.send(make(http::verb::post, "/api/v1/tokens", a.admin.secret, std::move(body)));
    };

    auto wrong_type = make(http::verb::post, "/api/v1/tokens", a.admin.secret, R"({"name":"x","role":"admin"})");
    wrong_type.set(http::field::content_type, "text/plain");
    wrong_type.prepare_payload();
    expect_problem(a.send(std::move(wrong_type)), 400);
    expect_problem(post("{not json"), 400);
    expect_problem(post(R"(["name","role"])"), 400);

    auto p = expect_problem(post(R"({"name":"x","role":"boss","colour":"red"})"), 422);
    CHECK(field_names(p) == std::set<std::string>{"role", "colour"});

    p = expect_problem(post(R"({"role":"organiser"})"), 422);
    CHECK(field_names(p) == std::set<std::string>{"name", "programme"});

    p = expect_problem(post(R"({"name":"x","role":"admin","programme":"gdci-2"})"), 422);
    CHECK(field_names(p) == std::set<std::string>{"role"});

    p = expect_problem(post(R"({"name":"x","role":"participant","programme":"gdci-2"})"), 422);
    CHECK(field_names(p) == std::set<std::string>{"person_id"});

    p = expect_problem(post(R"({"name":"x","role":"organiser","programme":"no-such-programme"})"), 422);
    CHECK(field_names(p) == std::set<std::string>{"programme"});

    p = expect_problem(post(R"({"name":"x","role":"organiser","programme":"gdci-2","working_groups":["wg_nope"]})"),
                       422);
    CHECK(field_names(p) == std::set<std::string>{"working_groups"});

    p = expect_problem(post(R"({"name":"line\nbreak","role":"admin"})"), 422);
    CHECK(field_names(p) == std::set<std::string>{"name"});

    // None of these created anything.
    CHECK(count_sql(a.path, "SELECT COUNT(*) FROM api_tokens") == 2);
}

TEST_CASE("callers see only the programmes they belong to", "[server][handlers]") {
    app a;
    const auto own = expect_json(a.send(make(http::verb::get, "/api/v1/programmes/gdci-2", a.organiser.secret)), 200);
    CHECK(own.at("slug") == "gdci-2");
    CHECK(own.at("name") == "Green Deal Circulair Inkopen 2.0");
    CHECK(own.at("timezone") == "Europe/Amsterdam");
    CHECK(own.at("meeting_rules").at("per_year") == 4);

    // Another programme is "not found" for an organiser, never "forbidden".
    expect_problem(a.send(make(http::verb::get, "/api/v1/programmes/other", a.organiser.secret)), 404);
    const auto other = expect_json(a.send(make(http::verb::get, "/api/v1/programmes/other", a.admin.secret)), 200);
    CHECK(other.at("name") == "Another programme");
    expect_problem(a.send(make(http::verb::get, "/api/v1/programmes/nope", a.admin.secret)), 404);

    auto slugs = [&](const std::string& secret) {
        std::set<std::string> out;
        const auto body = expect_json(a.send(make(http::verb::get, "/api/v1/programmes", secret)), 200);
        for (const auto& p : body.at("items").as_array()) out.insert(std::string(p.at("slug").as_string()));
        return out;
    };
    CHECK(slugs(a.organiser.secret) == std::set<std::string>{"gdci-2"});
    CHECK(slugs(a.admin.secret) == std::set<std::string>{"gdci-2", "other"});
}

TEST_CASE("repeated authentication failures from one address are throttled", "[server][handlers]") {
    app a;
    const std::string attacker = "198.51.100.7";
    for (int i = 0; i < auth_limit; ++i)
        expect_problem(a.send(make(http::verb::get, "/api/v1/me", generate_token().secret), attacker), 401);

    // Even a valid token is refused from that address until the window ends...
    const auto blocked = a.send(make(http::verb::get, "/api/v1/me", a.admin.secret), attacker);
    expect_problem(blocked, 429);
    const auto retry = std::stoll(std::string(blocked[http::field::retry_after]));
    CHECK(retry > 0);
    CHECK(retry <= std::chrono::duration_cast<std::chrono::seconds>(a.cfg.auth_failure_window).count());
    // ...public routes stay open, and other addresses are not affected.
    CHECK(a.send(make(http::verb::get, "/healthz"), attacker).result_int() == 200);
    CHECK(a.send(make(http::verb::get, "/api/v1/me", a.admin.secret), "192.0.2.10").result_int() == 200);
}

TEST_CASE("X-Forwarded-For decides the throttled address only when trusted", "[server][handlers]") {
    app a;
    auto with_forwarded = [&](const std::string& secret, const std::string& forwarded) {
        auto req = make(http::verb::get, "/api/v1/me", secret);
        req.set("X-Forwarded-For", forwarded);
        return req;
    };
    const std::string proxy = "127.0.0.1";

    SECTION("not trusted: a client cannot dodge the throttle by inventing addresses") {
        REQUIRE_FALSE(a.cfg.trust_forwarded_for);
        for (int i = 0; i < auth_limit; ++i)
            expect_problem(
                a.send(with_forwarded(generate_token().secret, "203.0.113." + std::to_string(i)), "10.9.9.9"), 401);
        expect_problem(a.send(with_forwarded(a.admin.secret, "203.0.113.200"), "10.9.9.9"), 429);
    }
    SECTION("trusted: the last entry, the one the proxy appended, is the client") {
        a.cfg.trust_forwarded_for = true;
        for (int i = 0; i < auth_limit; ++i)
            expect_problem(
                a.send(with_forwarded(generate_token().secret, "198.51.100." + std::to_string(i) + ", 203.0.113.5"),
                       proxy),
                401);
        // The same client is blocked whatever it puts in front of the proxy's entry...
        expect_problem(a.send(with_forwarded(a.admin.secret, "192.0.2.77, 203.0.113.5"), proxy), 429);
        // ...while other clients behind the same proxy are not.
        CHECK(a.send(with_forwarded(a.admin.secret, "203.0.113.6"), proxy).result_int() == 200);
        CHECK(a.send(make(http::verb::get, "/api/v1/me", a.admin.secret), proxy).result_int() == 200);
    }
}

TEST_CASE("authenticated use records last_used_at", "[server][handlers]") {
    app a;
    CHECK(a.send(make(http::verb::get, "/api/v1/me", a.organiser.secret)).result_int() == 200);
    a.drain_writes();
    const auto body = expect_json(a.send(make(http::verb::get, "/api/v1/tokens", a.admin.secret)), 200);
    for (const auto& t : body.at("items").as_array())
        if (t.at("id") == json::value(a.organiser_id)) {
            REQUIRE(t.at("last_used_at").is_string());
            CHECK(t.at("last_used_at").as_string().size() == 20);
        }
}

TEST_CASE("metrics count requests by route template, never the raw path", "[server][handlers]") {
    app a;
    CHECK(a.send(make(http::verb::get, "/healthz")).result_int() == 200);
    CHECK(a.send(make(http::verb::get, "/no/such/thing")).result_int() == 404);
    CHECK(a.send(make(http::verb::delete_, "/api/v1/tokens/" + a.organiser_id, a.admin.secret)).result_int() == 204);

    const auto res = a.send(make(http::verb::get, "/metrics"));
    CHECK(res.result_int() == 200);
    CHECK(std::string(res[http::field::content_type]).starts_with("text/plain"));
    const auto& text = res.body();
    CHECK(text.find("copsched_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("route=\"(unmatched)\",status=\"404\"} 1\n") != std::string::npos);
    CHECK(
        text.find("copsched_http_requests_total{method=\"DELETE\",route=\"/api/v1/tokens/{id}\",status=\"204\"} 1\n") !=
        std::string::npos);
    CHECK(text.find(a.organiser_id) == std::string::npos);
    CHECK(text.find("no/such") == std::string::npos);
}

TEST_CASE("the OpenAPI document describes exactly the served routes", "[server][handlers]") {
    app a;
    const auto res = a.send(make(http::verb::get, "/openapi.json"));
    const auto doc = expect_json(res, 200);
    REQUIRE(doc.contains("paths"));
    const auto& paths = doc.at("paths").as_object();

    std::set<std::pair<std::string, std::string>> served, documented;
    const auto table = pages::make_site_routes();
    for (const auto& r : table.routes()) {
        std::string method(http::to_string(r.method));
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        served.insert({method, r.path});
    }
    static const std::set<std::string> methods{"get", "put", "post", "delete", "patch", "head", "options"};
    for (const auto& [path, item] : paths)
        for (const auto& [key, op] : item.as_object())
            if (methods.count(std::string(key))) documented.insert({std::string(key), std::string(path)});
    // Named as "method path" so a failure says which route is missing where.
    std::set<std::string> undocumented, not_served;
    for (const auto& [m, p] : served)
        if (!documented.count({m, p})) undocumented.insert(m + " " + p);
    for (const auto& [m, p] : documented)
        if (!served.count({m, p})) not_served.insert(m + " " + p);
    CHECK(undocumented == std::set<std::string>{});
    CHECK(not_served == std::set<std::string>{});
}

// --- null, empty names, database conflicts, media types --------------------------------

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// field -> problem of a 422 answer.
std::map<std::string, std::string> field_problems(const json::object& problem) {
    std::map<std::string, std::string> out;
    for (const auto& e : problem.at("errors").as_array())
        out[std::string(e.at("field").as_string())] = std::string(e.at("problem").as_string());
    return out;
}

long long count_of(const app& a, const std::string& sql) { return count_sql(a.path, sql.c_str()); }

std::string created_id(app& a, const std::string& path, const std::string& body, const char* field = "id") {
    const auto res = a.send(make(http::verb::post, path, a.admin.secret, body));
    INFO(path << " " << body);
    return str(expect_json(res, 201), field);
}

// The first person of the demo programme.
std::string demo_person(app& a) {
    const auto list =
        expect_json(a.send(make(http::verb::get, "/api/v1/programmes/gdci-2/people?limit=1", a.admin.secret)), 200);
    REQUIRE_FALSE(list.at("items").as_array().empty());
    return str(list.at("items").as_array().front(), "id");
}

std::string participant_token(app& a, const std::string& person_id) {
    return created_id(a, "/api/v1/tokens",
                      R"({"name":"p","role":"participant","programme":"gdci-2","person_id":")" + person_id + "\"}",
                      "token");
}

// A CoP meeting far ahead (the programme is extended to reach it): everyone is invited.
std::string future_meeting(app& a) {
    REQUIRE(a.send(make(http::verb::patch, "/api/v1/programmes/gdci-2", a.admin.secret, R"({"ends_on":"2199-12-31"})"))
                .result_int() == 200);
    return created_id(
        a, "/api/v1/programmes/gdci-2/events",
        R"({"kind":"cop_meeting","title":"CoP 2098","start":"2098-03-10T10:00","end":"2098-03-10T12:00",)"
        R"("accept_conflicts":["members_busy","public_holiday","school_holiday","blackout","venue_capacity"]})");
}

bool mentions_sql(const std::string& text) {
    for (const char* word : {"INSERT", "UPDATE", "SELECT", "DELETE FROM", "constraint", "CONSTRAINT", "venues.",
                             "organisations.", "attendance."})
        if (text.find(word) != std::string::npos) return true;
    return false;
}

} // namespace

TEST_CASE("a null opt_out, rsvp or event kind is refused with 422 naming the field and changes nothing",
          "[server][handlers][null]") {
    app a;
    const auto person = demo_person(a);
    const auto participant = participant_token(a, person);
    const auto opt_out_sql = "SELECT reminders_opt_out FROM people WHERE id = '" + person + "'";
    REQUIRE(count_of(a, opt_out_sql) == 0);

    // Before: the empty optional<bool> was dereferenced, answered 200 and opted the person out.
    auto p =
        expect_problem(a.send(make(http::verb::put, "/api/v1/me/reminders", participant, R"({"opt_out":null})")), 422);
    CHECK(field_problems(p) == std::map<std::string, std::string>{{"opt_out", "must not be null"}});
    p = expect_problem(a.send(make(http::verb::put, "/api/v1/me/reminders", participant, "{}")), 422);
    CHECK(field_names(p) == std::set<std::string>{"opt_out"});
    CHECK(count_of(a, opt_out_sql) == 0);
    CHECK_FALSE(
        expect_json(a.send(make(http::verb::get, "/api/v1/me/reminders", participant)), 200).at("opt_out").as_bool());
    CHECK(count_of(a, "SELECT COUNT(*) FROM audit_log WHERE action = 'person.reminders'") == 0);

    // Before: a garbage answer reached SQLite and the 409 showed the SQL statement.
    const auto meeting = future_meeting(a);
    const auto rsvp_path = "/api/v1/me/events/" + meeting + "/rsvp";
    const auto rsvp = a.send(make(http::verb::put, rsvp_path, participant, R"({"rsvp":null,"comment":"x"})"));
    p = expect_problem(rsvp, 422);
    CHECK(field_problems(p) == std::map<std::string, std::string>{{"rsvp", "must not be null"}});
    CHECK_FALSE(mentions_sql(rsvp.body()));
    CHECK(count_of(a, "SELECT COUNT(*) FROM attendance WHERE rsvp IS NOT NULL OR rsvp_comment IS NOT NULL") == 0);
    // A real answer still works.
    CHECK(
        expect_json(a.send(make(http::verb::put, rsvp_path, participant, R"({"rsvp":"declined"})")), 200).at("rsvp") ==
        "declined");

    // Before: booked as "other".
    const auto events = count_of(a, "SELECT COUNT(*) FROM events");
    p = expect_problem(
        a.send(make(http::verb::post, "/api/v1/programmes/gdci-2/events", a.admin.secret,
                    R"({"kind":null,"title":"Borrel","start":"2098-04-10T10:00","end":"2098-04-10T12:00"})")),
        422);
    CHECK(field_problems(p) == std::map<std::string, std::string>{{"kind", "must not be null"}});
    CHECK(count_of(a, "SELECT COUNT(*) FROM events") == events);
}

TEST_CASE("null for a field that is not nullable is refused on every JSON route that reads one",
          "[server][handlers][null]") {
    app a;
    const auto person = demo_person(a);
    const auto organisation = str(
        expect_json(a.send(make(http::verb::get, "/api/v1/people/" + person, a.admin.secret)), 200), "organisation_id");
    const auto group = created_id(a, "/api/v1/programmes/gdci-2/working-groups", R"({"slug":"nulls","name":"Nulls"})");
    const auto venue = created_id(a, "/api/v1/programmes/gdci-2/venues", R"({"name":"Zaal N","capacity":10})");
    const auto membership =
        created_id(a, "/api/v1/working-groups/" + group + "/members", R"({"person_id":")" + person + "\"}");
    const auto meeting = future_meeting(a);
    struct refused {
        http::verb method;
        std::string path, body, field;
    };
    const std::vector<refused> cases = {
        {http::verb::post, "/api/v1/tokens", R"({"name":"t","role":null})", "role"},
        {http::verb::post, "/api/v1/tokens",
         R"({"name":"t","role":"organiser","programme":"gdci-2","working_groups":null})", "working_groups"},
        {http::verb::post, "/api/v1/programmes", R"({"slug":"n","name":"N","starts_on":"2026-01-01","ends_on":null})",
         "ends_on"},
        {http::verb::patch, "/api/v1/programmes/gdci-2", R"({"meeting_rules":{"per_year":null}})",
         "meeting_rules.per_year"},
        {http::verb::patch, "/api/v1/programmes/gdci-2", R"({"timezone":null})", "timezone"},
        {http::verb::post, "/api/v1/programmes/gdci-2/organisations", R"({"name":"O","kind":null,"level":"starter"})",
         "kind"},
        {http::verb::post, "/api/v1/programmes/gdci-2/organisations", R"({"name":"O","kind":"company","level":null})",
         "level"},
        {http::verb::patch, "/api/v1/organisations/" + organisation, R"({"level":null})", "level"},
        {http::verb::post, "/api/v1/programmes/gdci-2/people",
         R"({"name":"P","email":"p@example.org","organisation_id":")" + organisation + R"(","role":null})", "role"},
        {http::verb::patch, "/api/v1/people/" + person, R"({"active":null})", "active"},
        {http::verb::patch, "/api/v1/people/" + person, R"({"name":null})", "name"},
        {http::verb::post, "/api/v1/programmes/gdci-2/venues", R"({"name":"V","capacity":null})", "capacity"},
        {http::verb::patch, "/api/v1/venues/" + venue, R"({"capacity":null})", "capacity"},
        {http::verb::post, "/api/v1/programmes/gdci-2/working-groups", R"({"slug":"x","name":null})", "name"},
        {http::verb::patch, "/api/v1/working-groups/" + group, R"({"description":null})", "description"},
        {http::verb::post, "/api/v1/working-groups/" + group + "/members",
         R"({"person_id":")" + person + R"(","role":null})", "role"},
        {http::verb::patch, "/api/v1/memberships/" + membership, R"({"role":null})", "role"},
        {http::verb::post, "/api/v1/programmes/gdci-2/events",
         R"({"kind":"other","title":null,"start":"2098-05-01T10:00","end":"2098-05-01T11:00"})", "title"},
        {http::verb::post, "/api/v1/programmes/gdci-2/series",
         R"({"kind":"other","title":"S","start":"2098-05-01T10:00","end":"2098-05-01T11:00","rrule":null})", "rrule"},
        {http::verb::patch, "/api/v1/events/" + meeting, R"({"start":null})", "start"},
        {http::verb::patch, "/api/v1/events/" + meeting, R"({"status":null})", "status"},
        {http::verb::post, "/api/v1/events/" + meeting + "/cancel", R"({"reason":null})", "reason"},
        {http::verb::post, "/api/v1/programmes/gdci-2/plans", R"({"year":null})", "year"},
        {http::verb::post, "/api/v1/programmes/gdci-2/plans", R"({"year":2098,"apply":null})", "apply"},
        {http::verb::put, "/api/v1/events/" + meeting + "/attendance/" + person, R"({"rsvp":null})", "rsvp"},
        {http::verb::post, "/api/v1/events/" + meeting + "/attendance",
         R"({"records":[{"person_id":")" + person + R"(","presence":null}]})", "records[0].presence"},
        {http::verb::post, "/api/v1/events/" + meeting + "/guests", R"({"person_id":null})", "person_id"},
        {http::verb::post, "/api/v1/reminders/claim", R"({"limit":null})", "limit"},
    };
    const auto fingerprint = [&] {
        std::string out;
        for (const char* table : {"api_tokens", "programmes", "organisations", "people", "working_groups", "venues",
                                  "memberships", "events", "series", "attendance", "audit_log"})
            out += std::string(table) + "=" +
                   std::to_string(count_of(a, std::string("SELECT COUNT(*) FROM ") + table)) + " ";
        out += "versions=" +
               std::to_string(count_of(
                   a, "SELECT (SELECT SUM(version) FROM programmes) + (SELECT SUM(version) FROM organisations) + "
                      "(SELECT SUM(version) FROM people) + (SELECT SUM(version) FROM venues) + "
                      "(SELECT SUM(version) FROM working_groups) + (SELECT SUM(version) FROM events)"));
        return out;
    };
    const auto before = fingerprint();
    for (const auto& c : cases) {
        INFO(http::to_string(c.method) << " " << c.path << " " << c.body);
        const auto p = expect_problem(a.send(make(c.method, c.path, a.admin.secret, c.body)), 422);
        const auto problems = field_problems(p);
        REQUIRE(problems.count(c.field) == 1);
        CHECK(problems.at(c.field) == "must not be null");
    }
    CHECK(fingerprint() == before);
}

TEST_CASE("venue_id and until may be null where the API documents them as nullable", "[server][handlers][null]") {
    app a;
    const auto person = demo_person(a);
    const auto venue = created_id(a, "/api/v1/programmes/gdci-2/venues", R"({"name":"Zaal V","capacity":500})");
    const auto meeting = future_meeting(a);
    auto e = expect_json(a.send(make(http::verb::patch, "/api/v1/events/" + meeting, a.admin.secret,
                                     R"({"venue_id":")" + venue + "\"}")),
                         200);
    CHECK(e.at("venue_id") == json::value(venue));
    e = expect_json(
        a.send(make(http::verb::patch, "/api/v1/events/" + meeting, a.admin.secret, R"({"venue_id":null})")), 200);
    CHECK(e.at("venue_id").is_null());
    const auto other =
        created_id(a, "/api/v1/programmes/gdci-2/events",
                   R"({"kind":"other","title":"Borrel","start":"2098-06-01T16:00","end":"2098-06-01T18:00",)"
                   R"("venue_id":null})");
    CHECK(count_of(a, "SELECT COUNT(*) FROM events WHERE id = '" + other + "' AND venue_id IS NULL") == 1);

    const auto group = created_id(a, "/api/v1/programmes/gdci-2/working-groups", R"({"slug":"open","name":"Open"})");
    const auto membership = created_id(a, "/api/v1/working-groups/" + group + "/members",
                                       R"({"person_id":")" + person + R"(","from":"2026-01-01","until":null})");
    auto m = expect_json(a.send(make(http::verb::patch, "/api/v1/memberships/" + membership, a.admin.secret,
                                     R"({"until":"2097-12-31"})")),
                         200);
    CHECK(m.at("until") == "2097-12-31");
    m = expect_json(
        a.send(make(http::verb::patch, "/api/v1/memberships/" + membership, a.admin.secret, R"({"until":null})")), 200);
    CHECK(m.at("until").is_null());
}

TEST_CASE("PATCH refuses an empty name or title as create does, and keeps the stored one", "[server][handlers]") {
    app a;
    const auto person = demo_person(a);
    const auto organisation = str(
        expect_json(a.send(make(http::verb::get, "/api/v1/people/" + person, a.admin.secret)), 200), "organisation_id");
    const auto group = created_id(a, "/api/v1/programmes/gdci-2/working-groups", R"({"slug":"named","name":"Named"})");
    const auto venue = created_id(a, "/api/v1/programmes/gdci-2/venues", R"({"name":"Zaal E","capacity":10})");
    const auto meeting = future_meeting(a);
    struct target {
        std::string create_path, create_body, path, field;
    };
    const std::vector<target> targets = {
        {"/api/v1/programmes/gdci-2/organisations", R"({"name":"","kind":"company","level":"starter"})",
         "/api/v1/organisations/" + organisation, "name"},
        {"/api/v1/programmes/gdci-2/people",
         R"({"name":"","email":"e@example.org","organisation_id":")" + organisation + R"(","role":"buyer"})",
         "/api/v1/people/" + person, "name"},
        {"/api/v1/programmes/gdci-2/people",
         R"({"name":"E","email":"e@example.org","organisation_id":"","role":"buyer"})", "/api/v1/people/" + person,
         "organisation_id"},
        {"/api/v1/programmes/gdci-2/working-groups", R"({"slug":"empty","name":""})", "/api/v1/working-groups/" + group,
         "name"},
        {"/api/v1/programmes/gdci-2/venues", R"({"name":"","capacity":1})", "/api/v1/venues/" + venue, "name"},
        {"/api/v1/programmes/gdci-2/events",
         R"({"kind":"other","title":"","start":"2098-07-01T10:00","end":"2098-07-01T11:00"})",
         "/api/v1/events/" + meeting, "title"},
    };
    for (const auto& t : targets) {
        INFO(t.path << " " << t.field);
        const auto stored = a.send(make(http::verb::get, t.path, a.admin.secret));
        const auto before = expect_json(stored, 200);
        auto p = expect_problem(a.send(make(http::verb::post, t.create_path, a.admin.secret, t.create_body)), 422);
        CHECK(field_problems(p).at(t.field) == "must not be empty");
        p = expect_problem(a.send(make(http::verb::patch, t.path, a.admin.secret, "{\"" + t.field + "\":\"\"}")), 422);
        CHECK(field_problems(p) == std::map<std::string, std::string>{{t.field, "must not be empty"}});
        const auto after = expect_json(a.send(make(http::verb::get, t.path, a.admin.secret)), 200);
        CHECK(after.at(t.field) == before.at(t.field));
        CHECK(after.at("version") == before.at("version"));
    }
}

TEST_CASE("a database constraint violation is answered 409 without SQL, naming the duplicate field",
          "[server][handlers]") {
    app a;
    // Safety nets the store's own checks do not know about, so the database itself refuses.
    exec_sql(a.path, "CREATE UNIQUE INDEX test_venue_name ON venues(programme_id, name)");
    exec_sql(a.path, "CREATE TRIGGER test_refuse BEFORE INSERT ON organisations WHEN NEW.name = 'Refused' "
                     "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: organisations.test'); END");
    created_id(a, "/api/v1/programmes/gdci-2/venues", R"({"name":"Zaal Dubbel","capacity":10})");
    const auto duplicate = a.send(make(http::verb::post, "/api/v1/programmes/gdci-2/venues", a.admin.secret,
                                       R"({"name":"Zaal Dubbel","capacity":20})"));
    auto p = expect_problem(duplicate, 409);
    CHECK_FALSE(mentions_sql(duplicate.body()));
    CHECK(str(p, "detail") == "Another venue in this programme already has this name.");
    CHECK(field_problems(p) == std::map<std::string, std::string>{{"name", "is already in use"}});
    CHECK(count_of(a, "SELECT COUNT(*) FROM venues WHERE name = 'Zaal Dubbel'") == 1);

    const auto refused = a.send(make(http::verb::post, "/api/v1/programmes/gdci-2/organisations", a.admin.secret,
                                     R"({"name":"Refused","kind":"company","level":"starter"})"));
    p = expect_problem(refused, 409);
    CHECK_FALSE(mentions_sql(refused.body()));
    CHECK_FALSE(p.contains("errors"));
    CHECK(count_of(a, "SELECT COUNT(*) FROM organisations WHERE name = 'Refused'") == 0);
}

TEST_CASE("POST /rsvp/{token} takes JSON whatever the case of its media type, with parameters", "[server][handlers]") {
    app a;
    const auto person = demo_person(a);
    const auto meeting = future_meeting(a);
    const auto token = a.feed_secret.rsvp_token(meeting, person);
    const std::vector<std::pair<std::string, std::string>> sent = {{"Application/JSON", "accepted"},
                                                                   {"APPLICATION/JSON; charset=UTF-8", "declined"},
                                                                   {"application/json;charset=utf-8", "tentative"}};
    for (const auto& [type, answer] : sent) {
        INFO(type);
        auto req = make(http::verb::post, "/rsvp/" + token, std::nullopt, R"({"rsvp":")" + answer + "\"}");
        req.set(http::field::content_type, type);
        req.prepare_payload();
        const auto body = expect_json(a.send(std::move(req)), 200);
        CHECK(body.at("rsvp") == json::value(answer));
        CHECK(body.at("person_id") == json::value(person));
    }
    // Still JSON rules for JSON: a null answer is named.
    auto req = make(http::verb::post, "/rsvp/" + token, std::nullopt, R"({"rsvp":null})");
    req.set(http::field::content_type, "Application/Json");
    req.prepare_payload();
    const auto p = expect_problem(a.send(std::move(req)), 422);
    CHECK(field_problems(p) == std::map<std::string, std::string>{{"rsvp", "must not be null"}});
    // A form is still a form.
    auto form = make(http::verb::post, "/rsvp/" + token, std::nullopt, "rsvp=accepted");
    form.set(http::field::content_type, "Application/X-WWW-Form-Urlencoded");
    form.prepare_payload();
    const auto page = a.send(std::move(form));
    CHECK(page.result_int() == 200);
    CHECK(std::string(page[http::field::content_type]).starts_with("text/html"));
    CHECK(count_of(a, "SELECT COUNT(*) FROM attendance WHERE person_id = '" + person + "' AND rsvp = 'accepted'") == 1);
}
