#pragma once
// The PostgreSQL driver of storage/sql.hpp, on libpq (Debian's libpq-dev). Small RAII
// wrappers rather than libpqxx: the store needs only text parameters and text results
// through the same statement interface as SQLite, and libpq is what PostgreSQL ships.
//
// SQL is written once for both engines with SQLite's `?` and `?N` parameters; this
// driver numbers them as PostgreSQL's `$N` when it first sees a statement
// (postgresql_statement). Values are sent as text, typed int8 or text as bound (a NULL
// keeps the type of its C++ value), and read back as text; a boolean result reads as 0
// or 1. Errors carry the
// SQLite result code of their SQLSTATE class (sql.hpp).

#include "storage/sql.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace copsched::storage {

// `?` and `?N` parameters as `$N`, outside quoted text and comments.
std::string postgresql_parameters(std::string_view sql);

// A statement as the driver sends it: postgresql_parameters, and SQLite's CROSS JOIN
// (which fixes SQLite's join order; each is followed by ON) as JOIN.
std::string postgresql_statement(std::string_view sql);

// The table an INSERT INTO, UPDATE or DELETE FROM statement writes; "" for others.
std::string written_table(std::string_view sql);

// The advisory-lock class of copsched's locks (pg_advisory_lock(key, id)): "cops".
inline constexpr int advisory_lock_class = 0x636f7073;

class pg_connection final : public connection {
public:
    // Connects (libpq connection string or URL). Throws database_error (SQLITE_CANTOPEN)
    // when the server cannot be reached or refuses.
    explicit pg_connection(const std::string& url);
    ~pg_connection() override;

    storage::engine engine() const noexcept override { return storage::engine::postgresql; }
    void exec(const char* sql) override;
    statement prepare(const char* sql) override;
    using connection::prepare;
    std::int64_t changes() const noexcept override { return changes_; }
    bool in_transaction() const noexcept override;
    void begin() override { exec("BEGIN"); }
    void exec_later(const char* sql) override;
    void flush() override;
    void lock_key(const std::string& key) override;
    void lock_keys(const std::vector<std::string>& exclusive, const std::vector<std::string>& shared) override;
    void allow_lock_wait(bool allowed) override { may_wait_ = allowed; }
    bool lock_refused() noexcept override { return std::exchange(lock_refused_, false); }
    void set_change_listener(change_listener l) override { listener_ = std::move(l); }

    pg_conn* handle() const noexcept { return conn_; }
    // Throws database_error for a failed result (which it clears) or a lost connection;
    // clears a good one too when `clear`.
    void check(pg_result* r, std::string_view context, bool clear = false);
    // A name for a server-side prepared statement, new on this connection.
    std::string next_statement_name();
    void set_changes(std::int64_t n) noexcept { changes_ = n; }
    void report_change(const std::string& table) {
        if (listener_ && changes_ > 0) listener_(table);
    }

private:
    class pg_statement;
    // A statement waiting for the next round trip (send, run_later, exec_later): a prepared
    // statement with its parameters, or (name empty) one SQL text without parameters.
    struct queued {
        std::string name;
        std::string sql; // the text, also for error messages
        std::vector<std::string> values;
        std::vector<bool> present;
        std::string table;              // written by it, for the change listener
        pg_statement* reader = nullptr; // takes the rows (send); none for run_later
    };
    void enqueue(queued q) { queue_.push_back(std::move(q)); }
    void forget_reader(const pg_statement* s) noexcept;
    // Takes the refused-lock answer of a try-lock statement (see lock_keys).
    void refuse_lock();

    pg_conn* conn_ = nullptr;
    std::vector<queued> queue_;
    bool may_wait_ = true;
    bool lock_refused_ = false;
    std::int64_t changes_ = 0;
    std::uint64_t statements_ = 0;
    change_listener listener_;
    std::unordered_map<const char*, std::unique_ptr<pg_statement>> cache_;
};

// The SQLite result code (sql.hpp) of a PostgreSQL SQLSTATE.
int sqlite_code_of_sqlstate(std::string_view sqlstate);

} // namespace copsched::storage
