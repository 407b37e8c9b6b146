#include "storage/database_file.hpp"

#include "storage/migrations.hpp"
#include "storage/postgres.hpp"
#include "storage/sql_store.hpp"
#include "storage/sqlite.hpp"

#include <filesystem>
#include <memory>

namespace copsched::storage {

using scheduler::errc;
using scheduler::error;

namespace {

std::unique_ptr<connection> open(const std::string& database, sqlite_connection::mode m, int busy_timeout_ms) {
    if (is_postgresql_url(database)) return std::make_unique<pg_connection>(database);
    return std::make_unique<sqlite_connection>(database, m, busy_timeout_ms);
}

} // namespace

std::string describe_database(const std::string& database) {
    if (!is_postgresql_url(database)) return database;
    // postgresql://user:secret@host/db -> postgresql://user:***@host/db
    const auto scheme_end = database.find("://") + 3;
    const auto at = database.find('@', scheme_end);
    if (at == std::string::npos) return database;
    const auto colon = database.find(':', scheme_end);
    if (colon == std::string::npos || colon > at) return database;
    return database.substr(0, colon + 1) + "***" + database.substr(at);
}

scheduler::result<schema_state> migrate_file(const std::string& path, int busy_timeout_ms) {
    try {
        auto c = open(path, sqlite_connection::mode::read_write, busy_timeout_ms);
        const auto m = migrate(*c);
        return schema_state{m.from_version, m.to_version, m.applied};
    } catch (const database_error& e) {
        if (is_postgresql_url(path)) {
            if (e.primary_code() == SQLITE_MISMATCH) return error{errc::internal, e.what(), {}};
            return error{errc::unavailable, "database " + describe_database(path) + ": " + e.what(), {}};
        }
        // At start the operator reads this: say which file and what to do about it.
        switch (e.primary_code()) {
        case SQLITE_MISMATCH: return error{errc::internal, e.what(), {}};
        case SQLITE_NOTADB:
            return error{errc::unavailable,
                         "database " + path + " is not an SQLite database (" + e.what() +
                             "): check --database, or restore the file from a backup",
                         {}};
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
            return error{errc::unavailable,
                         "database " + path + " cannot be written (" + e.what() +
                             "): copsched needs write access to the file and to its directory (for the -wal and "
                             "-shm files)",
                         {}};
        case SQLITE_FULL:
            return error{errc::unavailable, "database " + path + ": the disk is full (" + e.what() + ")", {}};
        default: return to_error(e);
        }
    }
}

scheduler::status write_once(const std::string& path, int busy_timeout_ms,
                             const std::function<scheduler::status(scheduler::store&)>& work) {
    try {
        auto c = open(path, sqlite_connection::mode::read_write, busy_timeout_ms);
        bool changed = false;
        c->set_change_listener([&changed](std::string_view) { changed = true; });
        sql_store s(*c);
        transaction tx(*c);
        auto st = work(s);
        // Instances serving a PostgreSQL database keep caches of it: a change made here (a
        // token revoked, the demo seeded) tells them that anything may have changed, on
        // commit (storage/change_channel.hpp). A SQLite file has no server running meanwhile.
        if (st.ok() && changed && c->engine() == engine::postgresql) c->exec("NOTIFY copsched_changes");
        if (st.ok()) tx.commit();
        return st;
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

scheduler::status read_once(const std::string& path, int busy_timeout_ms,
                            const std::function<scheduler::status(scheduler::store&)>& work) {
    try {
        if (!is_postgresql_url(path) && !std::filesystem::exists(path))
            return error{errc::unavailable, "database " + path + " does not exist", {}};
        auto c = open(path, sqlite_connection::mode::read_only, busy_timeout_ms);
        sql_store s(*c);
        return work(s);
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

scheduler::status backup_file(const std::string& path, const std::string& target, int busy_timeout_ms) {
    if (is_postgresql_url(path))
        return error::invalid("database",
                              "copsched backs up SQLite files only; back up PostgreSQL with its own tools, e.g. "
                              "pg_dump --format=custom --file=" +
                                  target + " '" + describe_database(path) + "' (docs/POSTGRESQL.md)");
    if (std::filesystem::exists(target))
        return error::invalid("FILE", "the backup target " + target + " already exists");
    if (!std::filesystem::exists(path)) return error{errc::unavailable, "database " + path + " does not exist", {}};
    try {
        sqlite_connection source(path, sqlite_connection::mode::read_only, busy_timeout_ms);
        source.prepare("VACUUM INTO ?").bind(1, target).run();
        return scheduler::ok();
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

scheduler::result<std::string> integrity_check(const std::string& path, int busy_timeout_ms) {
    if (is_postgresql_url(path))
        return error::invalid("database", "integrity_check reads SQLite files; PostgreSQL checks with pg_amcheck");
    try {
        sqlite_connection c(path, sqlite_connection::mode::read_only, busy_timeout_ms);
        auto s = c.prepare("PRAGMA integrity_check");
        std::string out;
        while (s.step()) {
            if (!out.empty()) out += '\n';
            out += s.text(0);
        }
        return out;
    } catch (const sqlite_error& e) {
        return to_error(e);
    }
}

} // namespace copsched::storage
