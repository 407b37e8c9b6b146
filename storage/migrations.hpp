#pragma once
// Numbered schema migrations. Each runs in its own transaction together with its row
// in schema_migrations, so a crash leaves the schema at a recorded version.

#include "storage/sql.hpp"

#include <string>
#include <utility>

#include <span>
#include <string_view>

namespace copsched::storage {

struct migration {
    int version;
    std::string_view name;
    const char* sql; // SQLite's dialect
    // PostgreSQL runs postgresql_dialect(sql) with, where the translation cannot do, the
    // text postgresql_replace.first replaced by .second, then postgresql_extra.
    std::pair<const char*, const char*> postgresql_replace = {nullptr, nullptr};
    const char* postgresql_extra = nullptr;
};

// All migrations in ascending version order.
std::span<const migration> all_migrations();

// A migration's DDL in PostgreSQL's dialect: every TEXT column compares bytewise
// (COLLATE "C", as SQLite's BINARY, so ISO times and ids order the same on both engines),
// INTEGER is 64-bit (BIGINT) as in SQLite, AUTOINCREMENT keys are identity columns, and
// WITHOUT ROWID is dropped.
std::string postgresql_dialect(std::string_view sqlite_ddl);

// The text `migrate` runs for `m` on `e`.
std::string migration_text(const migration& m, engine e);

struct migrate_outcome {
    int from_version = 0;
    int to_version = 0;
    int applied = 0;
};

// Applies every migration newer than the recorded version. Throws database_error; on
// failure the failing migration is rolled back and earlier ones stay applied. On
// PostgreSQL it holds a session advisory lock meanwhile, so instances starting together
// migrate once: the second waits, then finds nothing left to do.
// Refuses (throws) a database recorded at a version newer than this binary knows.
migrate_outcome migrate(connection& c);

// The highest applied version; 0 for an empty database.
int schema_version(connection& c);

} // namespace copsched::storage
