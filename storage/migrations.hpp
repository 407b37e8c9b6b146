#pragma once
// Numbered schema migrations. Each runs in its own transaction together with its row
// in schema_migrations, so a crash leaves the schema at a recorded version.

#include "storage/sqlite.hpp"

#include <span>
#include <string_view>

namespace copsched::storage {

struct migration {
    int version;
    std::string_view name;
    const char* sql;
};

// All migrations in ascending version order.
std::span<const migration> all_migrations();

struct migrate_outcome {
    int from_version = 0;
    int to_version = 0;
    int applied = 0;
};

// Applies every migration newer than the recorded version. Throws sqlite_error; on
// failure the failing migration is rolled back and earlier ones stay applied.
// Refuses (throws) a database recorded at a version newer than this binary knows.
migrate_outcome migrate(connection& c);

// The highest applied version; 0 for an empty database.
int schema_version(connection& c);

} // namespace copsched::storage
