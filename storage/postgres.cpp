#include "storage/postgres.hpp"

#include <libpq-fe.h>
#include <sqlite3.h> // the result codes only (sql.hpp)

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <unordered_map>
#include <vector>

namespace copsched::storage {

std::string postgresql_parameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int highest = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'' || c == '"') { // quoted text or name: copy through the closing quote
            const auto end = sql.find(c, i + 1);
            const auto stop = end == std::string_view::npos ? sql.size() : end + 1;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') { // comment to the end of the line
            const auto end = sql.find('\n', i);
            const auto stop = end == std::string_view::npos ? sql.size() : end;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '?') {
            std::size_t j = i + 1;
            while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
            int n = 0;
            if (j > i + 1)
                std::from_chars(sql.data() + i + 1, sql.data() + j, n);
            else
                n = highest + 1;
            highest = std::max(highest, n);
            out += '$';
            out += std::to_string(n);
            i = j - 1;
        } else {
            out += c;
        }
    }
    return out;
}

std::string written_table(std::string_view sql) {
    const auto skip_space = [&](std::size_t i) {
        while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\n' || sql[i] == '\t')) ++i;
        return i;
    };
    const auto word = [&](std::size_t& i) {
        i = skip_space(i);
        const auto start = i;
        while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
        std::string w(sql.substr(start, i - start));
        for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return w;
    };
    std::size_t i = 0;
    const auto verb = word(i);
    if (verb == "update") return word(i);
    if (verb == "insert" || verb == "delete") {
        const auto next = word(i); // INTO or FROM
        return next == "into" || next == "from" ? word(i) : std::string();
    }
    return {};
}

std::string postgresql_statement(std::string_view sql) {
    auto out = postgresql_parameters(sql);
    static constexpr std::string_view cross = " CROSS JOIN ";
    for (auto at = out.find(cross); at != std::string::npos; at = out.find(cross, at))
        out.replace(at, cross.size(), " JOIN ");
    return out;
}

int sqlite_code_of_sqlstate(std::string_view s) {
    if (s == "23505") return SQLITE_CONSTRAINT_UNIQUE;
    if (s == "23503") return SQLITE_CONSTRAINT_FOREIGNKEY;
    if (s == "23502") return SQLITE_CONSTRAINT_NOTNULL;
    if (s == "23514") return SQLITE_CONSTRAINT_CHECK;
    if (s.starts_with("23")) return SQLITE_CONSTRAINT;
    if (s == "40001" || s == "40P01" || s == "55P03") return SQLITE_BUSY; // serialisation, deadlock, lock
    if (s == "53100") return SQLITE_FULL;                                 // disk full
    if (s.starts_with("53") || s.starts_with("08") || s.starts_with("57P") || s == "25006")
        return SQLITE_IOERR; // out of resources, connection, shutdown, read-only transaction
    if (s == "57014") return SQLITE_INTERRUPT;
    return SQLITE_ERROR;
}

namespace {

struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

constexpr Oid int8_oid = 20;
constexpr Oid text_oid = 25;

} // namespace

class pg_connection::pg_statement final : public statement_impl {
public:
    pg_statement(const char* sql, pg_connection& c)
        : sql_(postgresql_statement(sql)), table_(written_table(sql)), conn_(c) {}

    void bind_text(int index, std::string_view v) override { slot(index) = {std::string(v), true, text_oid}; }
    void bind_integer(int index, std::int64_t v) override { slot(index) = {std::to_string(v), true, int8_oid}; }
    void bind_null(int index, null_of type) override {
        slot(index) = {{}, false, type == null_of::integer ? int8_oid : text_oid};
    }

    bool step() override {
        if (!result_) {
            execute();
            row_ = 0;
        } else {
            ++row_;
        }
        return row_ < PQntuples(result_.get());
    }
    std::string text(int col) const override {
        return std::string(PQgetvalue(result_.get(), row_, col),
                           static_cast<std::size_t>(PQgetlength(result_.get(), row_, col)));
    }
    std::int64_t integer(int col) const override {
        const char* v = PQgetvalue(result_.get(), row_, col);
        const auto len = static_cast<std::size_t>(PQgetlength(result_.get(), row_, col));
        if (len == 1 && (v[0] == 't' || v[0] == 'f')) return v[0] == 't'; // a boolean
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(v, v + len, n);
        if (ec == std::errc() && end == v + len) return n;
        double d = 0; // numeric results (ROUND, AVG) read as SQLite reads them: truncated
        std::from_chars(v, v + len, d);
        return static_cast<std::int64_t>(d);
    }
    bool is_null(int col) const override { return PQgetisnull(result_.get(), row_, col) == 1; }
    void reset() noexcept override {
        result_.reset();
        params_.clear();
    }

private:
    struct param {
        std::string value;
        bool present = false;
        Oid type = 0;
    };
    param& slot(int index) {
        if (static_cast<std::size_t>(index) > params_.size()) params_.resize(static_cast<std::size_t>(index));
        return params_[static_cast<std::size_t>(index) - 1];
    }
    void execute() {
        std::vector<const char*> values(params_.size());
        std::vector<Oid> types(params_.size());
        for (std::size_t i = 0; i < params_.size(); ++i) {
            values[i] = params_[i].present ? params_[i].value.c_str() : nullptr;
            types[i] = params_[i].type;
        }
        // Prepared once per connection and per parameter types (an integer NULL and a text
        // NULL type a parameter differently), then executed: the server parses and plans
        // each statement once instead of on every call.
        std::string signature(params_.size(), 't');
        for (std::size_t i = 0; i < types.size(); ++i)
            if (types[i] == int8_oid) signature[i] = 'i';
        auto name = prepared_.find(signature);
        if (name == prepared_.end()) {
            const auto fresh = conn_.next_statement_name();
            conn_.check(
                PQprepare(conn_.handle(), fresh.c_str(), sql_.c_str(), static_cast<int>(types.size()), types.data()),
                sql_, true);
            name = prepared_.emplace(signature, fresh).first;
        }
        PGresult* r = PQexecPrepared(conn_.handle(), name->second.c_str(), static_cast<int>(params_.size()),
                                     values.data(), nullptr, nullptr, 0);
        conn_.check(r, sql_);
        result_.reset(r);
        const char* n = PQcmdTuples(r);
        conn_.set_changes(n && *n ? std::atoll(n) : 0);
        if (!table_.empty()) conn_.report_change(table_);
    }

    std::string sql_;
    std::string table_; // written by the statement, for the change listener
    pg_connection& conn_;
    std::vector<param> params_;
    std::unordered_map<std::string, std::string> prepared_; // parameter types -> server-side name
    result_ptr result_;
    int row_ = 0;
};

pg_connection::pg_connection(const std::string& url) {
    conn_ = PQconnectdb(url.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        PQfinish(conn_);
        conn_ = nullptr;
        throw database_error(SQLITE_CANTOPEN, "cannot connect to PostgreSQL: " + msg);
    }
    // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    exec("SET client_min_messages = warning");
}

pg_connection::~pg_connection() {
    cache_.clear();
    if (conn_) PQfinish(conn_);
}

bool pg_connection::in_transaction() const noexcept {
    const auto s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

std::string pg_connection::next_statement_name() { return "copsched_" + std::to_string(++statements_); }

void pg_connection::check(PGresult* r, std::string_view context, bool clear) {
    const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        if (clear) PQclear(r);
        return;
    }
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const int code = state ? sqlite_code_of_sqlstate(state) : SQLITE_IOERR; // no state: the connection is gone
    PQclear(r);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw database_error(code, msg + " (" + std::string(context) + ")");
}

void pg_connection::exec(const char* sql) {
    PGresult* r = PQexec(conn_, sql);
    check(r, sql);
    const char* n = PQcmdTuples(r);
    changes_ = n && *n ? std::atoll(n) : 0;
    PQclear(r);
}

statement pg_connection::prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<pg_statement>(sql, *this)).first;
    return statement(*it->second);
}

void pg_connection::lock_key(const std::string& key) {
    static_assert(advisory_lock_class == 1668247667);
    prepare("SELECT pg_advisory_xact_lock(1668247667, hashtext(?))").bind(1, key).run();
}

} // namespace copsched::storage
