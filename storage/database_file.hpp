#pragma once
// One-shot operations on a database, for the CLI and start-up: a SQLite file, or a
// PostgreSQL database when the name is a postgresql:// URL (storage/postgres.hpp). None
// of them needs a driver's headers; failures come back as scheduler::error.

#include "scheduler/store.hpp"
#include "storage/sql.hpp" // is_postgresql_url

#include <functional>
#include <string>

namespace copsched::storage {

// The database as logs may show it: a PostgreSQL URL without its password.
std::string describe_database(const std::string& database);

struct schema_state {
    int from_version = 0;
    int to_version = 0;
    int applied = 0;
};

// Creates the file if needed, sets WAL mode and applies pending migrations, each in
// its own transaction. errc::unavailable when the file cannot be opened;
// errc::internal when the database is newer than this binary.
scheduler::result<schema_state> migrate_file(const std::string& path, int busy_timeout_ms);

// Runs `work` in one IMMEDIATE transaction on a fresh read-write connection; commits
// when it succeeds, rolls back otherwise. The caller must hold the writer_lock.
scheduler::status write_once(const std::string& path, int busy_timeout_ms,
                             const std::function<scheduler::status(scheduler::store&)>& work);

// Runs `work` on a fresh read-only connection.
scheduler::status read_once(const std::string& path, int busy_timeout_ms,
                            const std::function<scheduler::status(scheduler::store&)>& work);

// Writes a compact copy of the live database to `target` (VACUUM INTO through a
// read-only connection: consistent as of one instant, safe while the server writes).
// Refuses an existing target, and PostgreSQL (pointing to pg_dump).
scheduler::status backup_file(const std::string& path, const std::string& target, int busy_timeout_ms);

// "ok" or the problems PRAGMA integrity_check reports.
scheduler::result<std::string> integrity_check(const std::string& path, int busy_timeout_ms);

} // namespace copsched::storage
