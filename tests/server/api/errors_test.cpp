// Errors as clients see them: database messages (SQL, tables, columns) never leave the
// service; a UNIQUE violation names the duplicate field when it is one clients send.
#include "server/api/errors.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

using namespace copsched;
using namespace copsched::server;
using scheduler::errc;

namespace {

// What storage's to_error makes of an SQLite constraint error: its prefix, SQLite's
// message and, in parentheses, the statement.
scheduler::error from_database(errc code, const std::string& prefix, const std::string& message) {
    return {code, prefix + message, {}};
}

const std::string conflict_prefix = "The change conflicts with stored data: ";

bool leaks(const std::string& text) {
    for (const char* word : {"INSERT", "UPDATE", "SELECT", "constraint", "people.", "venues.", "database is locked",
                             "secret_hash", "api_tokens"})
        if (text.find(word) != std::string::npos) return true;
    return false;
}

} // namespace

TEST_CASE("a UNIQUE violation becomes a 409 naming the duplicate field, without SQL", "[server][problem]") {
    const auto e = public_error(from_database(
        errc::conflict, conflict_prefix,
        "UNIQUE constraint failed: people.programme_id, people.email (INSERT INTO people(id, programme_id, email) "
        "VALUES (?, ?, ?))"));
    CHECK(e.code == errc::conflict);
    CHECK(e.detail == "Another person in this programme already has this email.");
    REQUIRE(e.fields.size() == 1);
    CHECK(e.fields[0].field == "email");
    CHECK(e.fields[0].problem == "is already in use");

    const auto slug = public_error(from_database(
        errc::conflict, conflict_prefix, "UNIQUE constraint failed: programmes.slug (INSERT INTO programmes ...)"));
    CHECK(slug.detail == "Another programme already has this slug.");
    REQUIRE(slug.fields.size() == 1);
    CHECK(slug.fields[0].field == "slug");

    // Columns clients never send are not named.
    const auto hidden =
        public_error(from_database(errc::conflict, conflict_prefix,
                                   "UNIQUE constraint failed: api_tokens.secret_hash (INSERT INTO api_tokens ...)"));
    CHECK(hidden.detail == "The change would duplicate a stored API token.");
    CHECK(hidden.fields.empty());
    const auto index = public_error(from_database(
        errc::conflict, conflict_prefix, "UNIQUE constraint failed: index 'events_unique' (UPDATE events ...)"));
    CHECK(index.detail == "The change would duplicate stored data.");
    CHECK(index.fields.empty());
}

TEST_CASE("other constraint and database errors lose their SQL on the way to the client", "[server][problem]") {
    for (const auto& message :
         {std::string("FOREIGN KEY constraint failed (INSERT INTO events(id, venue_id) VALUES (?, ?))"),
          std::string(
              "CHECK constraint failed: rsvp IN ('accepted','tentative','declined') (UPDATE invitations SET rsvp = ?)"),
          std::string("NOT NULL constraint failed: people.name (UPDATE people SET name = ?)"),
          std::string("something else entirely (DELETE FROM venues WHERE id = ?)")}) {
        INFO(message);
        const auto e = public_error(from_database(errc::conflict, conflict_prefix, message));
        CHECK(e.code == errc::conflict);
        CHECK_FALSE(leaks(e.detail));
        CHECK(e.fields.empty());
        const auto res = problem(from_database(errc::conflict, conflict_prefix, message), 11, true);
        CHECK(res.result_int() == 409);
        CHECK_FALSE(leaks(res.body()));
    }
    const auto busy = problem(
        from_database(errc::unavailable, "The database is unavailable: ", "database is locked (BEGIN IMMEDIATE)"), 11,
        true);
    CHECK(busy.result_int() == 503);
    CHECK_FALSE(leaks(busy.body()));
    const auto internal =
        problem(scheduler::error{errc::internal, "no such column: x (SELECT x FROM people)", {}}, 11, true);
    CHECK(internal.result_int() == 500);
    CHECK_FALSE(leaks(internal.body()));
}

TEST_CASE("conflicts the service words itself pass unchanged", "[server][problem]") {
    const scheduler::error own{
        errc::conflict, "A programme with slug 'x' already exists.", {{"slug", "is already in use"}}};
    const auto e = public_error(own);
    CHECK(e.detail == own.detail);
    REQUIRE(e.fields.size() == 1);
    CHECK(e.fields[0].field == "slug");
    const auto res = problem(own, 11, false);
    const auto body = boost::json::parse(res.body()).as_object();
    CHECK(body.at("detail") == "A programme with slug 'x' already exists.");
    CHECK(body.at("errors").as_array().size() == 1);
}
