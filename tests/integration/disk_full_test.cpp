// A full database (issue 17): with --db-max-mib the file cannot grow past its limit, as
// on a full disk. A write that does not fit answers 503 problem+json with a plain reason,
// stores nothing of itself, leaves the database consistent, and the writer goes on once
// room is made. A file that is not a database is refused at start with a clear message.
#include "tests/support/harness.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// One value of a query on the database file (the server stopped).
std::string scalar(const std::string& database, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

std::string big_event(int i) {
    return R"({"kind":"other","title":"Vol )" + std::to_string(i) + R"(","description":")" + std::string(9000, 'x') +
           R"(","start":"2020-0)" + std::to_string(1 + i % 9) + "-" + std::to_string(10 + i % 18) +
           R"(T10:00","end":"2020-0)" + std::to_string(1 + i % 9) + "-" + std::to_string(10 + i % 18) +
           R"(T11:00","accept_conflicts":["public_holiday","school_holiday","blackout"]})";
}

} // namespace

TEST_CASE("a database at its size limit answers 503 with a plain reason and stores nothing half",
          "[storage][robustness]") {
    server_process s({"--db-max-mib", "1"});
    const std::string events = "/api/v1/programmes/gdci-2/events";
    std::vector<std::string> booked;
    http_reply full;
    for (int i = 0; i < 400 && full.status == 0; ++i) {
        auto r = s.call("POST", events, s.admin_token, big_event(i));
        if (r.status == 201)
            booked.push_back(str(r.json(), "id"));
        else
            full = r;
    }
    INFO(full.body);
    REQUIRE(full.status == 503);
    REQUIRE_FALSE(booked.empty());
    CHECK(full.header("content-type") == "application/problem+json");
    CHECK(full.body.find("The database is full") != std::string::npos);
    CHECK(full.body.find("SQLITE") == std::string::npos); // no internals
    CHECK(full.body.find("INSERT") == std::string::npos);
    CHECK(s.log().find("database full") != std::string::npos); // the operator sees why

    // Reads still work, and every acknowledged booking is there.
    std::size_t listed = 0;
    std::string cursor;
    do {
        auto page =
            s.call("GET", events + "?from=2020-01-01&to=2021-01-01&kind=other&limit=100" + cursor, s.admin_token);
        INFO(page.body);
        REQUIRE(page.status == 200);
        const auto body = page.json();
        listed += body.at("items").as_array().size();
        cursor = body.at("next_cursor").is_null() ? "" : "&cursor=" + str(body, "next_cursor");
    } while (!cursor.empty());
    CHECK(listed == booked.size());

    // The writer is not wedged: a later write that does not fit is refused the same way.
    CHECK(s.call("POST", events, s.admin_token, big_event(1000)).status == 503);

    REQUIRE(s.stop(SIGTERM) == 0);
    CHECK(scalar(s.database, "PRAGMA integrity_check") == "ok");
    // Nothing half-written: every stored event of the test has its audit entry.
    CHECK(scalar(s.database, "SELECT COUNT(*) FROM events e WHERE e.title LIKE 'Vol %' AND NOT EXISTS "
                             "(SELECT 1 FROM audit_log a WHERE a.object_id = e.id)") == "0");
}

// A real full disk: the service's directory on a 3 MiB tmpfs (mounting needs root, as CI
// runs; the test fails, not skips, without it), filled with a ballast file. When the
// ballast is removed the same server books again.
TEST_CASE("a full disk answers 503 and the writer books again once space returns", "[storage][robustness]") {
    const copsched::test::temp_dir dir;
    const auto mountpoint = (dir.path() / "small-disk").string();
    std::filesystem::create_directories(mountpoint);
    const auto mounted = std::system(("mount -t tmpfs -o size=3m tmpfs " + mountpoint).c_str());
    REQUIRE(mounted == 0); // needs root (CAP_SYS_ADMIN)
    struct unmount {
        std::string at;
        ~unmount() { (void)std::system(("umount -l " + at).c_str()); }
    } unmount_later{mountpoint};

    server_process s({}, mountpoint);
    const std::string events = "/api/v1/programmes/gdci-2/events";
    // Ballast: fill the disk but for a little room.
    const auto ballast = mountpoint + "/ballast";
    (void)std::system(("dd if=/dev/zero of=" + ballast + " bs=64k 2>/dev/null").c_str());
    std::vector<std::string> booked;
    http_reply full;
    for (int i = 0; i < 400 && full.status == 0; ++i) {
        auto r = s.call("POST", events, s.admin_token, big_event(i));
        if (r.status == 201)
            booked.push_back(str(r.json(), "id"));
        else
            full = r;
    }
    INFO(full.body);
    REQUIRE(full.status == 503);
    CHECK(full.body.find("The database is full") != std::string::npos);

    std::filesystem::remove(ballast); // the operator makes room
    auto again = s.call("POST", events, s.admin_token, big_event(1000));
    INFO(again.body);
    CHECK(again.status == 201);
    REQUIRE(s.stop(SIGTERM) == 0);
    CHECK(scalar(s.database, "PRAGMA integrity_check") == "ok");
    CHECK(scalar(s.database, "SELECT COUNT(*) FROM events WHERE title LIKE 'Vol %'") ==
          std::to_string(booked.size() + 1));
}

TEST_CASE("a file that is not a database is refused at start with a clear message", "[storage][robustness]") {
    const copsched::test::temp_dir dir;
    const auto path = (dir.path() / "not-a-database.db").string();
    {
        std::ofstream f(path);
        f << std::string(8192, 'z');
    }
    auto r = run_copsched({"--database", path, "serve", "--port", "0"});
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("is not an SQLite database") != std::string::npos);
    CHECK(r.err.find(path) != std::string::npos);
}
