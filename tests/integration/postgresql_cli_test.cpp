// The commands an operator runs, against a PostgreSQL database (issue 19): migrate,
// seed-demo, token create/list/revoke and plan work as on SQLite; backup refuses and names
// pg_dump; serve wants the shared feed key file. Each test on a database of its own on the
// postgres_server fixture's server.
#include "tests/support/harness.hpp"
#include "tests/support/postgres_database.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace copsched::testing;

TEST_CASE("postgresql: migrate, seed-demo, tokens and plan work from the command line", "[postgresql]") {
    scratch_database db;
    const auto& url = db.url();

    auto migrated = run_copsched({"--database", url, "migrate"});
    INFO(migrated.out << migrated.err);
    REQUIRE(migrated.exit_code == 0);
    CHECK(migrated.out.find("schema version 11 (applied 11") != std::string::npos);
    auto again = run_copsched({"--database", url, "migrate"});
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("applied 0") != std::string::npos);
    CHECK(db.scalar("SELECT MAX(version) FROM schema_migrations") == "11");

    REQUIRE(run_copsched({"--database", url, "seed-demo"}).exit_code == 0);
    REQUIRE(run_copsched({"--database", url, "seed-demo", "--if-empty"}).exit_code == 0);
    CHECK(db.scalar("SELECT COUNT(*) FROM programmes") == "1");
    CHECK(std::stoi(db.scalar("SELECT COUNT(*) FROM people")) > 40);

    auto created = run_copsched({"--database", url, "token", "create", "--role", "admin", "--name", "ops"});
    INFO(created.out << created.err);
    REQUIRE(created.exit_code == 0);
    CHECK(created.out.find("cps_") != std::string::npos);
    const auto id = db.scalar("SELECT id FROM api_tokens WHERE name = 'ops'");
    REQUIRE(id.starts_with("tok_"));
    auto listed = run_copsched({"--database", url, "token", "list"});
    REQUIRE(listed.exit_code == 0);
    CHECK(listed.out.find(id) != std::string::npos);
    REQUIRE(run_copsched({"--database", url, "token", "revoke", id}).exit_code == 0);
    CHECK_FALSE(db.scalar("SELECT revoked_at FROM api_tokens WHERE id = '" + id + "'").empty());

    auto plan = run_copsched({"--database", url, "plan", "--programme", "gdci-2", "--year", "2026"});
    INFO(plan.out << plan.err);
    REQUIRE(plan.exit_code == 0);
    CHECK(plan.out.find("Jaarplan 2026") != std::string::npos);
    CHECK(plan.out.find("2026-") != std::string::npos);
}

TEST_CASE("postgresql: backup points to pg_dump and serve wants the shared feed key file", "[postgresql]") {
    scratch_database db;
    REQUIRE(run_copsched({"--database", db.url(), "migrate"}).exit_code == 0);
    const auto target = std::filesystem::temp_directory_path() / ("copsched-pg-backup-" + std::to_string(::getpid()));
    std::filesystem::remove(target);
    auto backup = run_copsched({"--database", db.url(), "backup", target.string()});
    INFO(backup.out << backup.err);
    CHECK(backup.exit_code == 1);
    CHECK(backup.err.find("pg_dump --format=custom") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(target));

    auto serve = run_copsched({"--database", db.url(), "--port", "0", "serve"});
    INFO(serve.out << serve.err);
    CHECK(serve.exit_code == 1);
    CHECK(serve.err.find("--feed-key-file is required with a PostgreSQL database") != std::string::npos);
}
