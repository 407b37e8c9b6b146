#pragma once
// The SQLite driver of storage/sql.hpp: a thin RAII layer over the SQLite C API. A
// connection is owned by exactly one thread at a time (see sql_database); nothing here
// locks.

#include "storage/sql.hpp"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace copsched::storage {

class sqlite_connection final : public connection {
public:
    enum class mode { read_write, read_only };

    // Opens (and for read_write, creates) the database file and applies the pragmas:
    // WAL, synchronous=FULL, foreign_keys=ON, busy timeout. Throws database_error.
    sqlite_connection(const std::string& path, mode m, int busy_timeout_ms);
    ~sqlite_connection() override;

    storage::engine engine() const noexcept override { return storage::engine::sqlite; }
    void exec(const char* sql) override;
    statement prepare(const char* sql) override;
    using connection::prepare;
    std::int64_t changes() const noexcept override { return sqlite3_changes64(db_); }
    bool in_transaction() const noexcept override { return sqlite3_get_autocommit(db_) == 0; }
    void begin() override { exec("BEGIN IMMEDIATE"); }
    // One writer at a time already holds the whole database.
    void lock_key(const std::string&) override {}
    void lock_keys(const std::vector<std::string>&, const std::vector<std::string>&) override {}
    void set_change_listener(change_listener l) override;

    sqlite3* handle() const noexcept { return db_; }
    [[noreturn]] void fail(int rc, std::string_view context) const;

private:
    class sqlite_statement;
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, std::unique_ptr<sqlite_statement>> cache_;
    change_listener listener_;
};

// The name the SQLite-only code (files, backups, the tests) used before PostgreSQL.
using sqlite_error = database_error;

} // namespace copsched::storage
