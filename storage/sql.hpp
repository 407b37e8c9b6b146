#pragma once
// The SQL connection every store file writes against, whichever engine is behind it:
// SQLite (storage/sqlite.hpp, the embedded default) or PostgreSQL (storage/postgres.hpp).
// A connection is owned by exactly one thread at a time; nothing here locks.
//
// One SQL text serves both engines where it can (docs/POSTGRESQL.md lists the rules:
// `?` or `?N` parameters, ON CONFLICT rather than INSERT OR, no rowid); where the engines
// differ, prepare() takes one text per engine.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace copsched::storage {

// Thrown only by this layer, caught at the store boundary and turned into
// scheduler::error (errc::conflict for constraint violations, errc::unavailable for
// busy/IO errors, errc::internal otherwise). The code is one of SQLite's result codes
// (SQLITE_CONSTRAINT, SQLITE_BUSY, ...), the vocabulary both drivers share: the
// PostgreSQL driver maps SQLSTATE classes onto them (storage/postgres.cpp).
class database_error : public std::runtime_error {
public:
    database_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }
    int primary_code() const noexcept { return code_ & 0xff; }

private:
    int code_;
};

enum class engine { sqlite, postgresql };

// True when `database` (--database) names a PostgreSQL database (a postgresql:// or
// postgres:// URL) rather than a SQLite file.
inline bool is_postgresql_url(std::string_view database) {
    return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

// What a driver implements for one prepared statement. Owned by its connection.
class statement_impl {
public:
    virtual ~statement_impl() = default;
    virtual void bind_text(int index, std::string_view v) = 0;
    virtual void bind_integer(int index, std::int64_t v) = 0;
    // A NULL of the type the parameter has when it is not null (PostgreSQL types every
    // parameter, also `? IS NULL`; SQLite ignores it).
    enum class null_of { text, integer };
    virtual void bind_null(int index, null_of type) = 0;
    virtual bool step() = 0;
    virtual std::string text(int col) const = 0;
    virtual std::int64_t integer(int col) const = 0;
    virtual bool is_null(int col) const = 0;
    // Back to before the first step, bindings cleared.
    virtual void reset() noexcept = 0;
    // PostgreSQL: queues the bound statement to go out in the connection's next round trip
    // (its first step() sends everything queued at once: libpq pipeline mode). SQLite, in
    // the process, has no round trips: step() runs it.
    virtual void send() {}
    // Runs a statement whose rows and changes() nobody reads. PostgreSQL queues it like
    // send() and reports its error in the round trip that carries it: the next step(),
    // exec() or flush() on the connection, at the latest the job's RELEASE. SQLite runs it
    // now.
    virtual void run_later() {
        while (step()) {}
    }
};

// A prepared statement borrowed from a connection's cache. Resets and clears its
// bindings when it goes out of scope, so the next user starts fresh.
class statement {
public:
    explicit statement(statement_impl& s) : impl_(&s) {}
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    statement(statement&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
    ~statement() {
        if (impl_) impl_->reset();
    }

    statement& bind(int index, std::string_view v) {
        impl_->bind_text(index, v);
        return *this;
    }
    statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    statement& bind(int index, std::int64_t v) {
        impl_->bind_integer(index, v);
        return *this;
    }
    statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    statement& bind(int index, bool v) { return bind(index, static_cast<std::int64_t>(v ? 1 : 0)); }
    // A text NULL; an empty std::optional of an integer binds an integer NULL.
    statement& bind(int index, std::nullopt_t) {
        impl_->bind_null(index, statement_impl::null_of::text);
        return *this;
    }
    template <class T>
    statement& bind(int index, const std::optional<T>& v) {
        if (v) return bind(index, *v);
        impl_->bind_null(index,
                         std::is_integral_v<T> ? statement_impl::null_of::integer : statement_impl::null_of::text);
        return *this;
    }
    template <class... A>
    statement& bind_all(const A&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    // True when a row is available, false when done. Throws database_error.
    bool step() { return impl_->step(); }
    // Steps to completion; for statements that return no rows.
    void run() {
        while (step()) {}
    }
    // See statement_impl::send: reads that do not depend on each other go out together.
    statement& send() {
        impl_->send();
        return *this;
    }
    // See statement_impl::run_later: a write whose outcome only matters at the end of the job.
    void run_later() { impl_->run_later(); }

    std::string text(int col) const { return impl_->text(col); }
    std::optional<std::string> optional_text(int col) const {
        if (is_null(col)) return std::nullopt;
        return text(col);
    }
    // An integer column; a boolean expression reads as 0 or 1 on both engines.
    std::int64_t integer(int col) const { return impl_->integer(col); }
    bool is_null(int col) const { return impl_->is_null(col); }

private:
    statement_impl* impl_;
};

class connection {
public:
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    virtual ~connection() = default;

    virtual storage::engine engine() const noexcept = 0;
    // Runs one or more statements without parameters or results (after what is queued).
    virtual void exec(const char* sql) = 0;
    // exec() of one statement, queued like statement::run_later on PostgreSQL. A string
    // literal, as for prepare().
    virtual void exec_later(const char* sql) { exec(sql); }
    // Sends what send() and run_later() queued and waits for it; throws the first error.
    // Nothing is queued on SQLite.
    virtual void flush() {}
    // A cached prepared statement. The pointer is the cache key: pass string literals
    // (or strings that live as long as the connection).
    virtual statement prepare(const char* sql) = 0;
    // The same statement in each engine's dialect, where they differ.
    statement prepare(const char* sqlite_sql, const char* postgresql_sql) {
        return prepare(engine() == storage::engine::sqlite ? sqlite_sql : postgresql_sql);
    }
    // Rows changed by the last INSERT, UPDATE or DELETE.
    virtual std::int64_t changes() const noexcept = 0;
    virtual bool in_transaction() const noexcept = 0;
    // Starts a write transaction: SQLite's BEGIN IMMEDIATE (takes the write lock now),
    // PostgreSQL's BEGIN (READ COMMITTED; writers that must not interleave take an
    // advisory lock, see lock_key).
    virtual void begin() = 0;
    // Serialises, until the end of the transaction, the writers that check and then write
    // the same thing (a programme's bookings, an Idempotency-Key). SQLite has one writer at
    // a time already; PostgreSQL takes a transaction-scoped advisory lock on the key's
    // hash, so instances sharing the database take turns (two keys that share a hash
    // merely wait for each other).
    virtual void lock_key(const std::string& key) = 0;
    // Several keys at once, in one round trip: `exclusive` ones, then `shared` ones (held
    // together by any number of transactions, excluding an exclusive holder). Each list in
    // an order every caller uses (sorted), so that two transactions waiting for each other's
    // keys cannot both be waiting. The booking check locks time slots this way
    // (storage/events.cpp, booking_locks).
    virtual void lock_keys(const std::vector<std::string>& exclusive, const std::vector<std::string>& shared) = 0;
    // Whether a lock held by another transaction may be waited for. The writer allows it
    // only for the first job of its transaction: a later job's transaction holds the locks
    // of the jobs before it, and two instances each holding some and waiting for the
    // other's would deadlock. Not allowed, a busy key makes lock_key/lock_keys throw
    // database_error(SQLITE_BUSY) and set lock_refused(): the writer then commits the jobs
    // before, and runs the job again first in a new transaction, where it may wait.
    virtual void allow_lock_wait(bool) {}
    // True (once: reading clears it) when a lock was refused since the last call.
    virtual bool lock_refused() noexcept { return false; }
    // Called with a table's name for every row an INSERT, UPDATE or DELETE changes (on
    // SQLite, per row; on PostgreSQL, once per statement that changed rows), so the
    // executor can tell caches which tables a commit touched. Empty: none.
    using change_listener = std::function<void(std::string_view table)>;
    virtual void set_change_listener(change_listener l) = 0;
};

// Begins a write transaction and rolls back on destruction unless commit() was called.
class transaction {
public:
    explicit transaction(connection& c) : conn_(c) { conn_.begin(); }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction() {
        if (!done_ && conn_.in_transaction()) {
            try {
                conn_.exec("ROLLBACK");
            } catch (...) {}
        }
    }
    void commit() {
        conn_.exec("COMMIT");
        done_ = true;
    }

private:
    connection& conn_;
    bool done_ = false;
};

} // namespace copsched::storage
