// The database as the operator meets it: migrations, the writer lock, backups while
// the service writes, the demo programme.
#include "tests/support/harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace copsched::testing;

namespace {

std::string scalar(const std::string& db, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

std::string temp_path(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("copsched-st-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto p = dir / name;
    std::filesystem::remove(p);
    return p.string();
}

} // namespace

TEST_CASE("migrate creates the schema on an empty database and is a no-op the second time", "[storage][cli]") {
    const auto db = temp_path("migrate.db");
    auto first = run_copsched({"--database", db, "migrate"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(first.out.find("applied 11 migrations") != std::string::npos);
    REQUIRE(scalar(db, "SELECT COUNT(*) FROM schema_migrations") == "11");
    REQUIRE(scalar(db, "PRAGMA journal_mode") == "wal");
    for (const auto* table :
         {"programmes", "organisations",    "people",       "working_groups",   "memberships",
          "venues",     "events",           "series",       "attendance",       "reminders",
          "api_tokens", "idempotency_keys", "audit_log",    "blackout_imports", "blackouts",
          "busy_times", "replies",          "web_sessions", "outbox_counts",    "membership_requests"}) {
        INFO(table);
        REQUIRE(scalar(db, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='") + table +
                               "'") == "1");
    }
    auto second = run_copsched({"--database", db, "migrate"});
    REQUIRE(second.exit_code == 0);
    REQUIRE(second.out.find("applied 0 migrations") != std::string::npos);
    REQUIRE(scalar(db, "SELECT COUNT(*) FROM schema_migrations") == "11");
}

TEST_CASE("a database from a newer copsched is refused, not damaged", "[storage][cli]") {
    const auto db = temp_path("newer.db");
    REQUIRE(run_copsched({"--database", db, "migrate"}).exit_code == 0);
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "INSERT INTO schema_migrations VALUES (999, 'from the future', 'x')", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(h);
    auto r = run_copsched({"--database", db, "migrate"});
    REQUIRE(r.exit_code != 0);
    REQUIRE(r.err.find("newer") != std::string::npos);
    REQUIRE(scalar(db, "SELECT MAX(version) FROM schema_migrations") == "999");
}

TEST_CASE("the demo programme is seeded once with its groups, organisations and the signing ceremony",
          "[storage][cli]") {
    const auto db = temp_path("demo.db");
    auto first = run_copsched({"--database", db, "seed-demo", "--if-empty"});
    REQUIRE(first.exit_code == 0);
    REQUIRE(scalar(db, "SELECT name FROM programmes") == "Green Deal Circulair Inkopen 2.0");
    REQUIRE(scalar(db, "SELECT COUNT(*) FROM working_groups") == "8");
    REQUIRE(std::stoi(scalar(db, "SELECT COUNT(*) FROM organisations")) >= 18);
    REQUIRE(scalar(db, "SELECT COUNT(DISTINCT kind) FROM organisations") == "3");
    REQUIRE(scalar(db, "SELECT start_utc || ' ' || end_utc FROM events") ==
            "2018-06-07T10:00:00Z 2018-06-07T12:00:00Z");
    REQUIRE(
        scalar(
            db,
            "SELECT COUNT(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id)") ==
        "0");
    const auto people = scalar(db, "SELECT COUNT(*) FROM people");
    auto second = run_copsched({"--database", db, "seed-demo", "--if-empty"});
    REQUIRE(second.exit_code == 0);
    REQUIRE(second.out.find("nothing seeded") != std::string::npos);
    REQUIRE(scalar(db, "SELECT COUNT(*) FROM people") == people);
}

TEST_CASE("commands that write refuse while the server holds the database, reads work", "[storage][cli]") {
    server_process s;
    auto w = run_copsched({"--database", s.database, "token", "create", "--role", "admin"});
    REQUIRE(w.exit_code != 0);
    REQUIRE(w.err.find("in use") != std::string::npos);
    REQUIRE(run_copsched({"--database", s.database, "seed-demo"}).exit_code != 0);
    auto second_server = run_copsched({"--database", s.database, "--port", "0", "serve"});
    REQUIRE(second_server.exit_code != 0);
    auto list = run_copsched({"--database", s.database, "token", "list"});
    REQUIRE(list.exit_code == 0);
    REQUIRE(list.out.find("admin") != std::string::npos);
}

TEST_CASE("backup while writes go on yields a file that passes integrity_check", "[storage][cli][backup]") {
    server_process s;
    std::atomic<bool> stop{false};
    std::atomic<int> written{0}, failed{0};
    std::thread writer([&] {
        while (!stop) {
            try {
                auto r = s.call("POST", "/api/v1/tokens", s.admin_token, R"({"name":"load","role":"admin"})");
                (r.status == 201 ? written : failed)++;
            } catch (...) {
                failed++;
            }
        }
    });
    while (written < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto target = s.dir + "/backup.db";
    auto b = run_copsched({"--database", s.database, "backup", target});
    const int during = written;
    while (written < during + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop = true;
    writer.join();
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
    REQUIRE(failed == 0);
    REQUIRE(scalar(target, "PRAGMA integrity_check") == "ok");
    const int in_backup = std::stoi(scalar(target, "SELECT COUNT(*) FROM api_tokens"));
    REQUIRE(in_backup >= 21); // the harness's admin token and the writes before the backup
    REQUIRE(in_backup <= written + 1);
    REQUIRE(scalar(target, "SELECT COUNT(*) FROM working_groups") == "8");
    // A second backup to the same file is refused rather than overwriting it.
    REQUIRE(run_copsched({"--database", s.database, "backup", target}).exit_code != 0);
}

TEST_CASE("version and help describe the tool and its configuration", "[cli]") {
    auto v = run_copsched({"version"});
    REQUIRE(v.exit_code == 0);
    REQUIRE(v.out.rfind("copsched ", 0) == 0);
    auto h = run_copsched({"--help"});
    REQUIRE(h.exit_code == 0);
    for (const auto* word : {"serve", "migrate", "token create", "seed-demo", "backup", "COPSCHED_BODY_LIMIT",
                             "--max-connections", "--header-timeout"}) {
        INFO(word);
        REQUIRE(h.out.find(word) != std::string::npos);
    }
    auto bad = run_copsched({"--port", "notaport", "serve"});
    REQUIRE(bad.exit_code == 2);
    REQUIRE(bad.err.find("--port") != std::string::npos);
}
