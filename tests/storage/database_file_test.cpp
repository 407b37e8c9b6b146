#include "storage/database_file.hpp"

#include "scheduler/demo.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

using namespace copsched;
using storage::sqlite_connection;

namespace {

constexpr int busy_ms = 2000;
constexpr const char* now = "2026-01-05T09:00:00Z";

std::int64_t count_rows(sqlite_connection& c, const char* sql) {
    auto s = c.prepare(sql);
    REQUIRE(s.step());
    return s.integer(0);
}

std::string pragma_text(sqlite_connection& c, const char* sql) {
    auto s = c.prepare(sql);
    REQUIRE(s.step());
    return s.text(0);
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t programmes_in(const std::string& path) {
    std::size_t n = 0;
    auto st = storage::read_once(path, busy_ms, [&](scheduler::store& s) -> scheduler::status {
        auto c = s.count_programmes();
        if (!c) return c.err();
        n = *c;
        return scheduler::ok();
    });
    REQUIRE(st.ok());
    return n;
}

scheduler::status seed(const std::string& path) {
    return storage::write_once(path, busy_ms, [](scheduler::store& s) -> scheduler::status {
        auto r = s.seed_demo(scheduler::demo_programme(), now);
        if (!r) return r.err();
        return scheduler::ok();
    });
}

} // namespace

TEST_CASE("migrate applies every migration to an empty database and records it", "[storage][migrations]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    const auto all = storage::all_migrations();
    REQUIRE_FALSE(all.empty());

    sqlite_connection c(path, sqlite_connection::mode::read_write, busy_ms);
    CHECK(storage::schema_version(c) == 0);
    const auto first = storage::migrate(c);
    CHECK(first.from_version == 0);
    CHECK(first.to_version == all.back().version);
    CHECK(first.applied == static_cast<int>(all.size()));
    CHECK(storage::schema_version(c) == all.back().version);

    CHECK(count_rows(c, "SELECT COUNT(*) FROM schema_migrations") == static_cast<std::int64_t>(all.size()));
    {
        auto s = c.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
        for (const auto& m : all) {
            REQUIRE(s.step());
            CHECK(s.integer(0) == m.version);
            CHECK(s.text(1) == std::string(m.name));
            const auto at = s.text(2);
            CHECK(at.size() == 20);
            CHECK(at.back() == 'Z');
        }
        CHECK_FALSE(s.step());
    }

    SECTION("running it again applies nothing") {
        const auto again = storage::migrate(c);
        CHECK(again.applied == 0);
        CHECK(again.from_version == all.back().version);
        CHECK(again.to_version == all.back().version);
        CHECK(count_rows(c, "SELECT COUNT(*) FROM schema_migrations") == static_cast<std::int64_t>(all.size()));
    }
}

TEST_CASE("the schema has every table the service needs", "[storage][migrations]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    sqlite_connection c(path, sqlite_connection::mode::read_write, busy_ms);
    (void)storage::migrate(c);

    std::set<std::string> tables;
    auto s = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    while (s.step()) tables.insert(s.text(0));
    for (const char* t :
         {"schema_migrations", "programmes", "organisations", "people", "working_groups", "memberships", "venues",
          "events", "series", "attendance", "reminders", "api_tokens", "idempotency_keys", "audit_log"}) {
        INFO("table " << t);
        CHECK(tables.count(t) == 1);
    }
}

TEST_CASE("connections use WAL, full sync and enforce foreign keys", "[storage][sqlite]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    sqlite_connection writer(path, sqlite_connection::mode::read_write, busy_ms);
    (void)storage::migrate(writer);
    sqlite_connection reader(path, sqlite_connection::mode::read_only, busy_ms);

    for (sqlite_connection* c : {&writer, &reader}) {
        CHECK(pragma_text(*c, "PRAGMA journal_mode") == "wal");
        CHECK(count_rows(*c, "PRAGMA foreign_keys") == 1);
        CHECK(count_rows(*c, "PRAGMA synchronous") == 2); // FULL
    }

    // A row pointing at a programme that does not exist is refused.
    try {
        writer.exec("INSERT INTO organisations(id, programme_id, name, kind, level, created_at, updated_at) "
                    "VALUES ('org_x', 'prg_missing', 'X', 'company', 'starter', 'now', 'now')");
        FAIL("the foreign key was not enforced");
    } catch (const storage::sqlite_error& e) {
        CHECK(e.primary_code() == SQLITE_CONSTRAINT);
    }
    CHECK(count_rows(writer, "SELECT COUNT(*) FROM organisations") == 0);

    // The read-only connection cannot write.
    CHECK_THROWS_AS(reader.exec("DELETE FROM schema_migrations"), storage::sqlite_error);
}

TEST_CASE("migrate_file creates, migrates once and reports the schema state", "[storage][database_file]") {
    test::temp_dir dir;
    const auto path = dir.file("sub-dir-free.db");
    REQUIRE_FALSE(std::filesystem::exists(path));

    auto first = storage::migrate_file(path, busy_ms);
    REQUIRE(first.ok());
    CHECK(std::filesystem::exists(path));
    CHECK(first->from_version == 0);
    CHECK(first->to_version == storage::all_migrations().back().version);
    CHECK(first->applied == static_cast<int>(storage::all_migrations().size()));

    auto second = storage::migrate_file(path, busy_ms);
    REQUIRE(second.ok());
    CHECK(second->applied == 0);
    CHECK(second->from_version == first->to_version);
    CHECK(second->to_version == first->to_version);
}

TEST_CASE("migrate_file refuses a database newer than this binary", "[storage][database_file]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    REQUIRE(storage::migrate_file(path, busy_ms).ok());
    {
        sqlite_connection c(path, sqlite_connection::mode::read_write, busy_ms);
        c.exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, 'future', 'x')");
    }
    auto r = storage::migrate_file(path, busy_ms);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == scheduler::errc::internal);
    CHECK(r.err().detail.find("9999") != std::string::npos);
}

TEST_CASE("migrate_file reports an unopenable path as unavailable", "[storage][database_file]") {
    test::temp_dir dir;
    auto r = storage::migrate_file(dir.file("no/such/dir/copsched.db"), busy_ms);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == scheduler::errc::unavailable);
}

TEST_CASE("write_once commits on success and rolls back on an error result", "[storage][database_file]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    REQUIRE(storage::migrate_file(path, busy_ms).ok());

    SECTION("an error result leaves nothing behind") {
        auto st = storage::write_once(path, busy_ms, [](scheduler::store& s) -> scheduler::status {
            auto r = s.seed_demo(scheduler::demo_programme(), now);
            REQUIRE(r.ok());
            REQUIRE(*r);
            return scheduler::error{scheduler::errc::conflict, "changed my mind", {}};
        });
        REQUIRE_FALSE(st.ok());
        CHECK(st.err().code == scheduler::errc::conflict);
        CHECK(st.err().detail == "changed my mind");
        CHECK(programmes_in(path) == 0);
    }
    SECTION("success is committed") {
        REQUIRE(seed(path).ok());
        CHECK(programmes_in(path) == 1);
    }
}

TEST_CASE("read_once reads, cannot write and does not create a missing file", "[storage][database_file]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");

    auto missing = storage::read_once(path, busy_ms, [](scheduler::store&) { return scheduler::ok(); });
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.err().code == scheduler::errc::unavailable);
    CHECK_FALSE(std::filesystem::exists(path));

    REQUIRE(storage::migrate_file(path, busy_ms).ok());
    REQUIRE(seed(path).ok());
    CHECK(programmes_in(path) == 1);

    auto write_attempt = storage::read_once(path, busy_ms, [](scheduler::store& s) -> scheduler::status {
        scheduler::new_api_token t;
        t.name = "sneaky";
        t.role = scheduler::token_role::admin;
        t.lookup_prefix = "abcdefgh";
        t.secret_hash = std::string(64, 'a');
        auto r = s.create_token(t, now);
        if (!r) return r.err();
        return scheduler::ok();
    });
    REQUIRE_FALSE(write_attempt.ok());
    CHECK(write_attempt.err().code == scheduler::errc::unavailable);
}

TEST_CASE("backup_file writes a consistent copy and refuses an existing target", "[storage][database_file]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    const auto target = dir.file("backup.db");
    REQUIRE(storage::migrate_file(path, busy_ms).ok());
    REQUIRE(seed(path).ok());

    SECTION("a fresh target gets a copy that passes integrity_check") {
        REQUIRE(storage::backup_file(path, target, busy_ms).ok());
        REQUIRE(std::filesystem::exists(target));
        auto check = storage::integrity_check(target, busy_ms);
        REQUIRE(check.ok());
        CHECK(*check == "ok");
        CHECK(programmes_in(target) == 1);

        SECTION("a second backup to the same file is refused and leaves it alone") {
            const auto before = read_all(target);
            auto again = storage::backup_file(path, target, busy_ms);
            REQUIRE_FALSE(again.ok());
            CHECK(again.err().code == scheduler::errc::invalid_input);
            CHECK(read_all(target) == before);
        }
    }
    SECTION("an existing unrelated file is never overwritten") {
        { std::ofstream(target) << "my notes"; }
        auto st = storage::backup_file(path, target, busy_ms);
        REQUIRE_FALSE(st.ok());
        CHECK(st.err().code == scheduler::errc::invalid_input);
        CHECK(read_all(target) == "my notes");
    }
    SECTION("a missing source is unavailable and writes no target") {
        auto st = storage::backup_file(dir.file("missing.db"), target, busy_ms);
        REQUIRE_FALSE(st.ok());
        CHECK(st.err().code == scheduler::errc::unavailable);
        CHECK_FALSE(std::filesystem::exists(target));
    }
}

TEST_CASE("integrity_check says ok for a healthy database and not for garbage", "[storage][database_file]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    REQUIRE(storage::migrate_file(path, busy_ms).ok());
    REQUIRE(seed(path).ok());
    auto ok = storage::integrity_check(path, busy_ms);
    REQUIRE(ok.ok());
    CHECK(*ok == "ok");

    const auto garbage = dir.file("garbage.db");
    { std::ofstream(garbage, std::ios::binary) << std::string(8192, 'x'); }
    auto bad = storage::integrity_check(garbage, busy_ms);
    CHECK((!bad.ok() || *bad != "ok"));
}
