// Moving over: `copsched copy-database` copies a live SQLite deployment into an empty
// PostgreSQL database, after which the service answers the same from PostgreSQL; what it
// refuses leaves the target as it was. The PostgreSQL tests run on the server of ctest's
// postgres_server fixture (tests/support/postgres.sh), each in a database of its own.
#include "tests/support/harness.hpp"
#include "tests/support/postgres_database.hpp"
#include "tests/support/shell.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string sqlite_scalar(const std::string& db, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

void run_sqlite(const std::string& db, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(h);
    REQUIRE(rc == SQLITE_OK);
}

// Books an event, accepting the soft conflicts (school holidays and the like, which
// depend on the day the test runs) that the first answer lists.
json::value book(const server_process& s, std::string body) {
    auto r = s.call("POST", "/api/v1/programmes/gdci-2/events", s.admin_token, body);
    if (r.status == 409) {
        json::array accept;
        const auto refused = r.json(); // kept: a range over a temporary's member dangles
        for (const auto& c : refused.at("conflicts").as_array()) accept.push_back(c.at("type"));
        body.insert(body.size() - 1, R"(,"accept_conflicts":)" + json::serialize(accept));
        r = s.call("POST", "/api/v1/programmes/gdci-2/events", s.admin_token, body);
    }
    INFO(body << " " << r.body);
    REQUIRE(r.status == 201);
    return r.json();
}

json::value get(const server_process& s, const std::string& target, const std::string& token) {
    const auto r = s.call("GET", target, token);
    INFO(target << " " << r.body);
    REQUIRE(r.status == 200);
    return r.json();
}

// An answer as both services give it: their URLs (feed links) differ in the port only.
json::value answer(const server_process& s, const std::string& target, const std::string& token) {
    auto text = json::serialize(get(s, target, token));
    const auto own = "127.0.0.1:" + std::to_string(s.port);
    for (auto at = text.find(own); at != std::string::npos; at = text.find(own, at))
        text.replace(at, own.size(), "127.0.0.1:PORT");
    return json::parse(text);
}

std::string missing_file() {
    return (std::filesystem::temp_directory_path() / ("copsched-no-such-" + std::to_string(::getpid()) + ".db"))
        .string();
}

} // namespace

TEST_CASE("copy-database moves a live SQLite deployment to PostgreSQL, which then answers the same",
          "[postgresql][copy]") {
    server_process source;
    // Data beyond the demo: people, a group session, a CoP meeting, future sessions with
    // e-mail in the outbox (reminders), and the audit trail of it all.
    REQUIRE(
        source.call("PATCH", "/api/v1/programmes/gdci-2", source.admin_token, R"({"ends_on":"2099-12-31"})").status ==
        200);
    const auto orgs = get(source, "/api/v1/programmes/gdci-2/organisations", source.admin_token);
    const auto org = std::string(orgs.at("items").as_array().at(0).at("id").as_string());
    for (const char* name : {"Anna", "Bram", "Chris"}) {
        const auto r = source.call("POST", "/api/v1/programmes/gdci-2/people", source.admin_token,
                                   R"({"name":")" + std::string(name) + R"(","email":")" + name +
                                       R"(@copy.example.org","organisation_id":")" + org + R"(","role":"buyer"})");
        INFO(r.body);
        REQUIRE(r.status == 201);
    }
    const auto groups = get(source, "/api/v1/programmes/gdci-2/working-groups", source.admin_token);
    const auto group = std::string(groups.at("items").as_array().at(0).at("id").as_string());
    // Text that COPY's format must escape: tab, newline, backslash, \N (the API refuses CR).
    book(source, R"({"kind":"cop_meeting","title":"CoP in 2019","start":"2019-03-26T10:00","end":"2019-03-26T13:00",)"
                 R"("description":"Agenda:\n\tpunt 1\n\\N is geen NULL, C:\\pad\\ \u20ac"})");
    for (const char* day : {"2098-03-12", "2098-03-19", "2098-03-26"})
        book(source, R"({"kind":"working_group_session","title":"Sessie","working_group_id":")" + group +
                         R"(","start":")" + day + R"(T10:00","end":")" + day + R"(T11:00"})");

    // The outbox plans its messages (reminders) when it is read.
    REQUIRE(source.call("GET", "/api/v1/reminders/summary", source.admin_token).status == 200);

    scratch_database target;
    // While the source's server runs: the copy reads one snapshot of the live file.
    const auto copied = run_copsched({"copy-database", "--from", source.database, "--to", target.url()});
    INFO(copied.out << copied.err);
    REQUIRE(copied.exit_code == 0);
    CHECK(copied.out.find("copied 23 tables") != std::string::npos);
    CHECK(copied.err.find("copied events: ") != std::string::npos); // not a terminal: a line per table
    // Reminders keep their order (seq follows the source's rowid); audit_log keeps its ids,
    // and the next id follows the largest.
    const auto reminders = sqlite_scalar(source.database, "SELECT group_concat(id, ',') FROM (SELECT id FROM "
                                                          "reminders ORDER BY rowid)");
    REQUIRE(reminders.find(',') != std::string::npos);
    CHECK(target.scalar("SELECT string_agg(id, ',' ORDER BY seq) FROM reminders") == reminders);
    CHECK(target.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM audit_log") ==
          sqlite_scalar(source.database, "SELECT group_concat(id, ',') FROM (SELECT id FROM audit_log ORDER BY id)"));
    const auto audit_max = target.scalar("SELECT MAX(id) FROM audit_log");
    REQUIRE(audit_max != "");
    CHECK(target.scalar("SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) - 1") == audit_max);

    // The service on PostgreSQL. The harness seeds a SQLite file of its own first; the later
    // --database replaces it. The source's feed key keeps the personal feed URLs.
    server_process moved({"--database", target.url(), "--feed-key-file", source.database + ".feed-key"});
    for (const auto& path : std::vector<std::string>{
             "/api/v1/programmes", "/api/v1/programmes/gdci-2", "/api/v1/programmes/gdci-2/people?limit=200",
             "/api/v1/programmes/gdci-2/organisations?limit=200", "/api/v1/programmes/gdci-2/working-groups",
             "/api/v1/programmes/gdci-2/events?limit=200", "/api/v1/programmes/gdci-2/venues",
             "/api/v1/working-groups/" + group + "/members", "/api/v1/audit?limit=200", "/api/v1/reminders?limit=200",
             "/api/v1/reminders/summary"}) {
        INFO(path);
        // The source's admin token was copied too.
        CHECK(answer(moved, path, source.admin_token) == answer(source, path, source.admin_token));
    }
    // Copying again into the now filled database is refused and changes nothing.
    const auto rows = target.rows();
    const auto again = run_copsched({"copy-database", "--from", source.database, "--to", target.url()});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("not empty") != std::string::npos);
    CHECK(target.rows() == rows);

    // A source that does not exist is refused before the target is touched.
    scratch_database fresh;
    const auto none = run_copsched({"copy-database", "--from", missing_file(), "--to", fresh.url()});
    CHECK(none.exit_code == 1);
    CHECK(none.err.find("does not exist") != std::string::npos);
    CHECK(fresh.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()") == "0");
}

TEST_CASE("copy-database refuses an out-of-date source or an unknown table and copies all or nothing",
          "[postgresql][copy]") {
    const auto dir = std::filesystem::temp_directory_path() / ("copsched-copy-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir); // each SECTION starts from a new file (and no old -wal)
    std::filesystem::create_directories(dir);
    const auto db = (dir / "source.db").string();
    REQUIRE(run_copsched({"--database", db, "seed-demo"}).exit_code == 0);

    SECTION("a source at an older schema version: migrate it first") {
        run_sqlite(db, "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)");
        scratch_database target;
        const auto r = run_copsched({"copy-database", "--from", db, "--to", target.url()});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("copsched migrate --database " + db) != std::string::npos);
        CHECK(target.rows() == "0");
    }
    SECTION("a table copy-database does not know") {
        run_sqlite(db, "CREATE TABLE notes (id TEXT PRIMARY KEY); INSERT INTO notes VALUES ('n1')");
        scratch_database target;
        const auto r = run_copsched({"copy-database", "--from", db, "--to", target.url()});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("does not know: notes") != std::string::npos);
        CHECK(target.rows() == "0");
    }
    SECTION("a value PostgreSQL refuses, in a table copied after others: nothing is kept") {
        // SQLite keeps text that does not look like a number in an INTEGER column.
        run_sqlite(db, "UPDATE events SET sequence = 'seven'");
        scratch_database target;
        const auto r = run_copsched({"copy-database", "--from", db, "--to", target.url()});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("COPY events") != std::string::npos);
        CHECK(r.err.find("seven") != std::string::npos);
        CHECK(r.err.find("nothing was copied") != std::string::npos);
        CHECK(target.rows() == "0");
        CHECK(target.scalar("SELECT COUNT(*) FROM schema_migrations") != "0"); // the migration stays
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("copy-database takes --from FILE and --to postgresql://... and nothing else", "[copy][cli]") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"copy-database"},
             {"copy-database", "--from", "a.db"},
             {"copy-database", "--to", "postgresql://localhost/x"},
             {"copy-database", "--from", "a.db", "--to", "b.db"},
             {"copy-database", "--from", "postgresql://localhost/a", "--to", "postgresql://localhost/x"},
             {"copy-database", "--from", "a.db", "--to", "postgresql://localhost/x", "extra"}}) {
        const auto r = run_copsched(args);
        INFO(args.size() << " " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("copsched: ") == 0);
    }
    const auto help = run_copsched({"--help"});
    CHECK(help.out.find("copy-database --from FILE --to postgresql://") != std::string::npos);
}
