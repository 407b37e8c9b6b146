#include "storage/postgres.hpp"

#include <libpq-fe.h>
#include <sqlite3.h> // the result codes only (sql.hpp)

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
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
            if (!queued_) send();
            conn_.flush(); // takes this statement's rows with the rest of the round trip
            if (!result_) throw database_error(SQLITE_INTERNAL, "no result for a sent statement (" + sql_ + ")");
        }
        // The rows may have come with an earlier round trip: row_ is -1 until the first step.
        ++row_;
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
        if (queued_) conn_.forget_reader(this); // sent for its rows, which nobody reads now
        queued_ = false;
        result_.reset();
        row_ = -1;
        params_.clear();
    }
    void send() override {
        if (result_ || queued_) return;
        conn_.enqueue(make_queued(this));
        queued_ = true;
    }
    void run_later() override { conn_.enqueue(make_queued(nullptr)); }

    // The rows of a round trip (flush), or none when it failed.
    void take(PGresult* r) noexcept {
        queued_ = false;
        result_.reset(r);
        row_ = -1;
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
    // Prepared once per connection and per parameter types (an integer NULL and a text NULL
    // type a parameter differently), then executed: the server parses and plans each
    // statement once instead of on every call. Preparing is a round trip of its own, once.
    const std::string& prepared_name() {
        std::string signature(params_.size(), 't');
        for (std::size_t i = 0; i < params_.size(); ++i)
            if (params_[i].type == int8_oid) signature[i] = 'i';
        auto name = prepared_.find(signature);
        if (name == prepared_.end()) {
            conn_.flush(); // PQprepare is not allowed between a pipeline's sends
            std::vector<Oid> types(params_.size());
            for (std::size_t i = 0; i < params_.size(); ++i) types[i] = params_[i].type;
            const auto fresh = conn_.next_statement_name();
            conn_.check(
                PQprepare(conn_.handle(), fresh.c_str(), sql_.c_str(), static_cast<int>(types.size()), types.data()),
                sql_, true);
            name = prepared_.emplace(signature, fresh).first;
        }
        return name->second;
    }
    queued make_queued(pg_statement* reader) {
        queued q;
        q.name = prepared_name();
        q.sql = sql_;
        q.values.reserve(params_.size());
        q.present.reserve(params_.size());
        for (auto& p : params_) {
            q.values.push_back(p.value);
            q.present.push_back(p.present);
        }
        q.table = table_;
        q.reader = reader;
        return q;
    }

    std::string sql_;
    std::string table_; // written by the statement, for the change listener
    pg_connection& conn_;
    std::vector<param> params_;
    std::unordered_map<std::string, std::string> prepared_; // parameter types -> server-side name
    result_ptr result_;
    int row_ = -1;
    bool queued_ = false; // sent for its rows, not yet taken
};

void pg_connection::forget_reader(const pg_statement* s) noexcept {
    for (auto& q : queue_)
        if (q.reader == s) q.reader = nullptr;
}

// Prepared like any statement (a savepoint's name is part of its text), so that the
// server parses it once per connection, not once per job. Like prepare(), it takes the
// text's address as the cache key: a string literal.
void pg_connection::exec_later(const char* sql) { prepare(sql).run_later(); }

// One round trip for everything queued: libpq's pipeline mode sends each statement
// (Bind/Execute of a prepared one), then one Sync, and reads the results in order. After
// a failed statement the server skips the rest up to the Sync (PGRES_PIPELINE_ABORTED);
// the first error is thrown once every result is read, so the connection is ready for
// the next statement whatever happened.
void pg_connection::flush() {
    if (queue_.empty()) return;
    auto batch = std::move(queue_);
    queue_.clear();
    const auto lost = [&](std::string_view what) {
        for (auto& q : batch)
            if (q.reader) q.reader->take(nullptr);
        std::string msg = PQerrorMessage(conn_);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        return database_error(SQLITE_IOERR, std::string(what) + ": " + msg);
    };
    if (PQenterPipelineMode(conn_) != 1) throw lost("cannot enter pipeline mode");
    for (const auto& q : batch) {
        int sent = 0;
        if (q.name.empty()) {
            sent = PQsendQueryParams(conn_, q.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
        } else {
            std::vector<const char*> values(q.values.size());
            for (std::size_t i = 0; i < values.size(); ++i) values[i] = q.present[i] ? q.values[i].c_str() : nullptr;
            sent = PQsendQueryPrepared(conn_, q.name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                       nullptr, 0);
        }
        if (sent != 1) {
            PQexitPipelineMode(conn_);
            throw lost("cannot send a statement (" + q.sql + ")");
        }
    }
    if (PQpipelineSync(conn_) != 1) throw lost("cannot send a pipeline's sync");
    std::optional<database_error> first_error;
    bool broken = false;
    for (auto& q : batch) {
        PGresult* r = broken ? nullptr : PQgetResult(conn_);
        if (!r) { // the connection is gone: no more results will come
            broken = true;
            if (!first_error) first_error = lost("no result from the server (" + q.sql + ")");
            if (q.reader) q.reader->take(nullptr);
            continue;
        }
        while (PGresult* more = PQgetResult(conn_)) PQclear(more); // the end of this statement's results
        if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {         // skipped after an earlier error
            PQclear(r);
            if (q.reader) q.reader->take(nullptr);
            continue;
        }
        try {
            check(r, q.sql);
        } catch (const database_error& e) { // check cleared r
            if (!first_error) first_error = e;
            if (q.reader) q.reader->take(nullptr);
            continue;
        }
        const char* n = PQcmdTuples(r);
        const std::int64_t changed = n && *n ? std::atoll(n) : 0;
        if (listener_ && changed > 0 && !q.table.empty()) listener_(q.table);
        if (q.reader) {
            changes_ = changed;
            q.reader->take(r);
        } else {
            if (q.name.empty()) changes_ = changed;
            PQclear(r);
        }
    }
    if (!broken) {
        if (PGresult* sync = PQgetResult(conn_)) PQclear(sync); // PGRES_PIPELINE_SYNC
    }
    PQexitPipelineMode(conn_);
    if (first_error) throw *first_error;
}

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
    if (!queue_.empty()) {
        if (std::string_view(sql).find(';') == std::string_view::npos) { // one statement: in the same round trip
            queued q; // not prepared: exec's text may be built for this one call
            q.sql = sql;
            q.table = written_table(sql);
            enqueue(std::move(q));
            flush();
            return;
        }
        flush();
    }
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

void pg_connection::refuse_lock() {
    lock_refused_ = true;
    throw database_error(SQLITE_BUSY, "a lock is held by another transaction; the job runs again in a new one");
}

void pg_connection::lock_key(const std::string& key) { lock_keys({key}, {}); }

// Waiting, the locks are queued (run_later) and taken in the round trip of the job's next
// read: the server takes them in order before it runs that read. Not waiting, they are
// tried in a round trip of their own; a busy one refuses (see allow_lock_wait).
void pg_connection::lock_keys(const std::vector<std::string>& exclusive, const std::vector<std::string>& shared) {
    static_assert(advisory_lock_class == 1668247667);
    const auto lines = [](const std::vector<std::string>& keys) {
        std::string out;
        for (const auto& k : keys) {
            if (!out.empty()) out += '\n';
            out += k;
        }
        return out;
    };
    if (may_wait_) {
        prepare("SELECT pg_advisory_xact_lock(1668247667, hashtext(k)) FROM string_to_table(?1, E'\\n') AS k"
                " UNION ALL SELECT pg_advisory_xact_lock_shared(1668247667, hashtext(k))"
                " FROM string_to_table(?2, E'\\n') AS k")
            .bind_all(lines(exclusive), lines(shared))
            .run_later();
        return;
    }
    auto tried =
        prepare("SELECT (SELECT COUNT(*) FILTER (WHERE NOT pg_try_advisory_xact_lock(1668247667, hashtext(k)))"
                " FROM string_to_table(?1, E'\\n') AS k) + (SELECT COUNT(*) FILTER (WHERE NOT"
                " pg_try_advisory_xact_lock_shared(1668247667, hashtext(k))) FROM string_to_table(?2, E'\\n') AS k)");
    tried.bind_all(lines(exclusive), lines(shared));
    if (tried.step() && tried.integer(0) > 0) refuse_lock();
}

} // namespace copsched::storage
