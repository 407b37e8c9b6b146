#include "storage/sqlite.hpp"

namespace copsched::storage {

class sqlite_connection::sqlite_statement final : public statement_impl {
public:
    sqlite_statement(sqlite3_stmt* s, const sqlite_connection& c) : stmt_(s), conn_(c) {}
    ~sqlite_statement() override { sqlite3_finalize(stmt_); }

    void bind_text(int index, std::string_view v) override {
        check(sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    void bind_integer(int index, std::int64_t v) override { check(sqlite3_bind_int64(stmt_, index, v)); }
    void bind_null(int index, null_of) override { check(sqlite3_bind_null(stmt_, index)); }
    bool step() override {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        conn_.fail(rc, sqlite3_sql(stmt_));
    }
    std::string text(int col) const override {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
    }
    std::int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
    bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    void reset() noexcept override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) conn_.fail(rc, "bind");
    }
    sqlite3_stmt* stmt_;
    const sqlite_connection& conn_;
};

sqlite_connection::sqlite_connection(const std::string& path, mode m, int busy_timeout_ms) {
    const int flags = m == mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw database_error(rc, "cannot open database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    try {
        if (m == mode::read_write) exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    } catch (...) {
        // Not a database, or unreadable: the destructor will not run, so close here.
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

sqlite_connection::~sqlite_connection() {
    cache_.clear(); // finalize statements before closing
    if (db_) sqlite3_close_v2(db_);
}

void sqlite_connection::exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw database_error(sqlite3_extended_errcode(db_), msg);
    }
}

statement sqlite_connection::prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* s = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
        if (rc != SQLITE_OK) fail(rc, sql);
        it = cache_.emplace(sql, std::make_unique<sqlite_statement>(s, *this)).first;
    }
    return statement(*it->second);
}

void sqlite_connection::set_change_listener(change_listener l) {
    listener_ = std::move(l);
    if (!listener_) {
        sqlite3_update_hook(db_, nullptr, nullptr);
        return;
    }
    sqlite3_update_hook(
        db_,
        [](void* self, int, const char*, const char* table, sqlite3_int64) {
            static_cast<sqlite_connection*>(self)->listener_(table);
        },
        this);
}

void sqlite_connection::fail(int rc, std::string_view context) const {
    const int ext = sqlite3_extended_errcode(db_);
    throw database_error(ext ? ext : rc, std::string(sqlite3_errmsg(db_)) + " (" + std::string(context) + ")");
}

} // namespace copsched::storage
