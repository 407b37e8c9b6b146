#pragma once
// Thin RAII layer over the SQLite C API. A connection is owned by exactly one thread at
// a time (see sqlite_database); nothing here locks.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace copsched::storage {

// Thrown only by this layer, caught at the store boundary and turned into
// scheduler::error (errc::conflict for constraint violations, errc::unavailable for
// busy/IO errors, errc::internal otherwise).
class sqlite_error : public std::runtime_error {
public:
    sqlite_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }
    int primary_code() const noexcept { return code_ & 0xff; }

private:
    int code_;
};

class connection;

// A prepared statement borrowed from a connection's cache. Resets and clears its
// bindings when it goes out of scope, so the next user starts fresh.
class statement {
public:
    statement(sqlite3_stmt* s, connection& c) : stmt_(s), conn_(&c) {}
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    statement(statement&& o) noexcept : stmt_(o.stmt_), conn_(o.conn_) { o.stmt_ = nullptr; }
    ~statement();

    statement& bind(int index, std::string_view v);
    statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    statement& bind(int index, std::int64_t v);
    statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    statement& bind(int index, bool v) { return bind(index, static_cast<std::int64_t>(v ? 1 : 0)); }
    statement& bind(int index, std::nullopt_t);
    template <class T>
    statement& bind(int index, const std::optional<T>& v) {
        return v ? bind(index, *v) : bind(index, std::nullopt);
    }
    template <class... A>
    statement& bind_all(const A&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    // True when a row is available, false when done. Throws sqlite_error.
    bool step();
    // Steps to completion; for statements that return no rows.
    void run();

    std::string text(int col) const;
    std::optional<std::string> optional_text(int col) const;
    std::int64_t integer(int col) const;
    bool is_null(int col) const;

private:
    sqlite3_stmt* stmt_;
    connection* conn_;
};

class connection {
public:
    enum class mode { read_write, read_only };

    // Opens (and for read_write, creates) the database file and applies the pragmas:
    // WAL, synchronous=FULL, foreign_keys=ON, busy timeout. Throws sqlite_error.
    connection(const std::string& path, mode m, int busy_timeout_ms);
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    // Runs one or more statements without results.
    void exec(const char* sql);
    // A cached prepared statement. The pointer is the cache key: pass string literals.
    statement prepare(const char* sql);

    std::int64_t changes() const noexcept { return sqlite3_changes64(db_); }
    bool in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }
    sqlite3* handle() const noexcept { return db_; }
    [[noreturn]] void fail(int rc, std::string_view context) const;

private:
    struct stmt_deleter {
        void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
    };
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, stmt_deleter>> cache_;
};

// Runs `BEGIN IMMEDIATE` and rolls back on destruction unless commit() was called.
class transaction {
public:
    explicit transaction(connection& c);
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction();
    void commit();

private:
    connection& conn_;
    bool done_ = false;
};

} // namespace copsched::storage
