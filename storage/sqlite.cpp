#include "storage/sqlite.hpp"

namespace copsched::storage {

statement::~statement() {
    if (stmt_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

statement& statement::bind(int index, std::string_view v) {
    const int rc = sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) conn_->fail(rc, "bind");
    return *this;
}

statement& statement::bind(int index, std::int64_t v) {
    const int rc = sqlite3_bind_int64(stmt_, index, v);
    if (rc != SQLITE_OK) conn_->fail(rc, "bind");
    return *this;
}

statement& statement::bind(int index, std::nullopt_t) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) conn_->fail(rc, "bind");
    return *this;
}

bool statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    conn_->fail(rc, sqlite3_sql(stmt_));
}

void statement::run() {
    while (step()) {}
}

std::string statement::text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::optional<std::string> statement::optional_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::int64_t statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

bool statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

connection::connection(const std::string& path, mode m, int busy_timeout_ms) {
    const int flags = m == mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw sqlite_error(rc, "cannot open database " + path + ": " + msg);
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

connection::~connection() {
    cache_.clear(); // finalize statements before closing
    if (db_) sqlite3_close_v2(db_);
}

void connection::exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw sqlite_error(sqlite3_extended_errcode(db_), msg);
    }
}

statement connection::prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* s = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
        if (rc != SQLITE_OK) fail(rc, sql);
        it = cache_.emplace(sql, std::unique_ptr<sqlite3_stmt, stmt_deleter>(s)).first;
    }
    return statement(it->second.get(), *this);
}

void connection::fail(int rc, std::string_view context) const {
    const int ext = sqlite3_extended_errcode(db_);
    throw sqlite_error(ext ? ext : rc, std::string(sqlite3_errmsg(db_)) + " (" + std::string(context) + ")");
}

transaction::transaction(connection& c) : conn_(c) { conn_.exec("BEGIN IMMEDIATE"); }

transaction::~transaction() {
    if (!done_ && conn_.in_transaction()) {
        try {
            conn_.exec("ROLLBACK");
        } catch (...) {}
    }
}

void transaction::commit() {
    conn_.exec("COMMIT");
    done_ = true;
}

} // namespace copsched::storage
