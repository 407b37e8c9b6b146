#include "server/api/errors.hpp"

#include "scheduler/clock.hpp"
#include "server/http/problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <iostream>
#include <string_view>
#include <utility>

namespace copsched::server {
namespace {

// What storage puts before the database's own message (storage's to_error): the
// message names tables and columns and ends with the SQL statement, so it stays in the
// operator's log and the client gets a plain sentence.
constexpr std::string_view constraint_prefix = "The change conflicts with stored data: ";
constexpr std::string_view unavailable_prefix = "The database is unavailable: ";
constexpr std::string_view full_prefix = "The database is full: ";

std::string_view after(std::string_view s, std::string_view prefix) {
    return s.starts_with(prefix) ? s.substr(prefix.size()) : std::string_view{};
}

// "people" -> "person": the API's name of a table's rows.
std::string row_name(std::string_view table) {
    static constexpr std::pair<std::string_view, std::string_view> names[] = {{"programmes", "programme"},
                                                                              {"organisations", "organisation"},
                                                                              {"people", "person"},
                                                                              {"working_groups", "working group"},
                                                                              {"memberships", "membership"},
                                                                              {"venues", "venue"},
                                                                              {"events", "event"},
                                                                              {"series", "series"},
                                                                              {"invitations", "invitation"},
                                                                              {"api_tokens", "API token"},
                                                                              {"blackout_imports", "blackout calendar"},
                                                                              {"busy_times", "busy time"}};
    for (const auto& [t, n] : names)
        if (t == table) return std::string(n);
    return "record";
}

// A client-facing error for a constraint violation reported by the database:
// "UNIQUE constraint failed: people.programme_id, people.email (INSERT ...)" becomes
// "Another person in this programme already has this email." with errors [{email, ...}].
scheduler::error constraint_error(std::string_view message) {
    using scheduler::errc;
    constexpr std::string_view unique = "UNIQUE constraint failed: ";
    if (message.starts_with(unique)) {
        // table.column, table.column ... up to the statement in parentheses.
        auto list = message.substr(unique.size());
        list = list.substr(0, list.find(" ("));
        std::string table, column;
        bool scoped = false;
        while (!list.empty()) {
            const auto comma = list.find(", ");
            const auto item = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 2);
            const auto dot = item.find('.');
            if (dot == std::string_view::npos) break; // "index 'name'": no columns to name
            table = std::string(item.substr(0, dot));
            const auto c = item.substr(dot + 1);
            if (c == "programme_id")
                scoped = true;
            else
                column = std::string(c);
        }
        const auto noun = row_name(table);
        if (column == "name" || column == "email" || column == "slug")
            return {errc::conflict,
                    "Another " + noun + (scoped ? " in this programme" : "") + " already has this " + column + ".",
                    {{column, "is already in use"}}};
        return {errc::conflict,
                table.empty() ? std::string("The change would duplicate stored data.")
                              : "The change would duplicate a stored " + noun + ".",
                {}};
    }
    if (message.starts_with("FOREIGN KEY constraint failed"))
        return {errc::conflict,
                "The change refers to something that does not exist, or removes something other data still refers to.",
                {}};
    if (message.starts_with("CHECK constraint failed") || message.starts_with("NOT NULL constraint failed"))
        return {errc::conflict, "The change breaks a rule of the stored data; nothing was changed.", {}};
    return {errc::conflict, "The change conflicts with stored data; nothing was changed.", {}};
}

} // namespace

scheduler::error public_error(const scheduler::error& e) {
    using scheduler::errc;
    if (e.code == errc::conflict) {
        if (const auto m = after(e.detail, constraint_prefix); !m.empty()) {
            std::cerr << scheduler::now_utc() << " constraint violation: " << m << '\n';
            return constraint_error(m);
        }
    }
    if (e.code == errc::unavailable) {
        if (const auto m = after(e.detail, full_prefix); !m.empty()) {
            std::cerr << scheduler::now_utc() << " database full: " << m << '\n';
            return {errc::unavailable,
                    "The database is full (its disk, or the server's --db-max-mib); nothing was stored. Try again "
                    "when the operator has made room.",
                    e.fields};
        }
        if (const auto m = after(e.detail, unavailable_prefix); !m.empty()) {
            std::cerr << scheduler::now_utc() << " database unavailable: " << m << '\n';
            return {errc::unavailable, "The database is busy or unavailable; try again shortly.", e.fields};
        }
    }
    if (e.code == errc::internal) {
        // The client gets no internals; the operator gets them on standard error.
        std::cerr << scheduler::now_utc() << " internal error: " << e.detail << '\n';
        return {errc::internal, "An internal error occurred; it has been logged.", e.fields};
    }
    return e;
}

http::status status_for(scheduler::errc e) noexcept {
    using scheduler::errc;
    switch (e) {
    case errc::malformed: return http::status::bad_request;
    case errc::invalid_input: return http::status::unprocessable_entity;
    case errc::not_found: return http::status::not_found;
    case errc::conflict: return http::status::conflict;
    case errc::precondition_failed: return http::status::precondition_failed;
    case errc::unauthenticated: return http::status::unauthorized;
    case errc::forbidden: return http::status::forbidden;
    case errc::unavailable: return http::status::service_unavailable;
    case errc::internal: return http::status::internal_server_error;
    }
    return http::status::internal_server_error;
}

response problem(const scheduler::error& original, unsigned version, bool keep_alive) {
    const auto e = public_error(original);
    boost::json::value extra = nullptr;
    if (!e.fields.empty()) {
        boost::json::array errors;
        for (const auto& f : e.fields)
            errors.push_back(boost::json::object{{"field", f.field}, {"problem", f.problem}});
        extra = boost::json::object{{"errors", std::move(errors)}};
    }
    return problem(status_for(e.code), e.detail, version, keep_alive, extra);
}

} // namespace copsched::server
