#include "storage/copy_database.hpp"

#include "storage/database_file.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres.hpp"
#include "storage/sqlite.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace copsched::storage {
namespace {

using scheduler::errc;
using scheduler::error;

// Each table after the tables its foreign keys reference; checked against the source's
// PRAGMA foreign_key_list before anything is written. A table missing here stops the
// copy: a new table may need more than its rows copied (as audit_log's id sequence does).
constexpr std::array<std::string_view, 23> table_order{"programmes",
                                                       "organisations",
                                                       "people",
                                                       "working_groups",
                                                       "memberships",
                                                       "venues",
                                                       "series",
                                                       "events",
                                                       "attendance",
                                                       "blackout_imports",
                                                       "blackouts",
                                                       "busy_times",
                                                       "reminders",
                                                       "api_tokens",
                                                       "api_token_working_groups",
                                                       "web_sessions",
                                                       "idempotency_keys",
                                                       "audit_log",
                                                       "programme_stats",
                                                       "outbox_changes",
                                                       "replies",
                                                       "outbox_counts",
                                                       "membership_requests"};

// COPY ... FROM STDIN in its text format rather than multi-row INSERTs: the 1.27 million
// rows of docs/POSTGRESQL.md's measurement copy at about 50,000 rows/s, against 25,000 to
// 45,000 as 500-row INSERTs with parameters (the server parses and plans every
// 5,000-parameter statement). The text format needs four escapes (copy_escaped), and a
// refused value is reported with its table, line and column. Data goes to the server in
// chunks of copy_chunk_bytes, a table in COPY statements of copy_rows_per_statement rows:
// the server checks foreign keys at the end of each, so the progress shown keeps pace with
// the server and the queue of those checks stays small.
constexpr std::size_t copy_chunk_bytes = 256 * 1024;
constexpr std::int64_t copy_rows_per_statement = 10000;

// A value in COPY's text format: backslash, tab, newline and carriage return escaped.
void copy_escaped(std::string& out, std::string_view v) {
    for (const char c : v) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
        }
    }
}

// A refusal or a mismatch found on the way; copy_database turns it into its error.
class copy_stopped : public std::runtime_error {
public:
    copy_stopped(errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
    errc code() const noexcept { return code_; }

private:
    errc code_;
};

std::string identifier(std::string_view name) {
    std::string out = "\"";
    for (const char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) {
        if (!out.empty()) out += ", ";
        out += identifier(c);
    }
    return out;
}

// A value as the messages show it: quoted, shortened.
std::string shown(const std::optional<std::string>& v) {
    if (!v) return "NULL";
    return "'" + (v->size() > 60 ? v->substr(0, 57) + "..." : *v) + "'";
}

// One statement of dynamic SQL on the source (the connection's cache is for literals).
class source_query {
public:
    source_query(sqlite_connection& c, const std::string& sql) : c_(c) {
        sqlite3_stmt* s = nullptr;
        const int rc = sqlite3_prepare_v2(c.handle(), sql.c_str(), static_cast<int>(sql.size()), &s, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(s);
            c.fail(rc, sql);
        }
        stmt_.reset(s);
    }
    bool step() {
        const int rc = sqlite3_step(stmt_.get());
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        c_.fail(rc, sqlite3_sql(stmt_.get()));
    }
    int type(int col) const { return sqlite3_column_type(stmt_.get(), col); }
    std::string_view text(int col) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
        return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col)))
                 : std::string_view();
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_.get(), col); }

private:
    struct finalizer {
        void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
    };
    sqlite_connection& c_;
    std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
};

bool source_has_table(sqlite_connection& c, const std::string& name) {
    source_query q(c, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = " + std::string("'") + name + "'");
    return q.step();
}

struct result_clearer {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using target_result = std::unique_ptr<PGresult, result_clearer>;

// Parameters go untyped: the server gives each the type of the column it meets, so a
// row's "42" becomes a BIGINT and its "abc" a TEXT without this code knowing which is
// which (the driver's statements type every parameter as text or int8).
target_result query(pg_connection& c, const std::string& sql, const std::vector<const char*>& values = {},
                    std::string_view context = {}) {
    PGresult* r = PQexecParams(c.handle(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0);
    c.check(r, context.empty() ? std::string_view(sql) : context);
    return target_result(r);
}

std::string value(const target_result& r, int row, int col) {
    return std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col)));
}

std::int64_t to_integer(std::string_view text) {
    std::int64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
}

struct table_plan {
    std::string name;
    std::vector<std::string> columns;    // the source's, in its order; every one exists in the target
    std::vector<std::size_t> key;        // positions in columns: the primary key, or every column
    bool ordered_by_rowid = true;        // false for WITHOUT ROWID tables (read in key order)
    std::int64_t rows = 0;               // in the source snapshot
    std::vector<std::string> identities; // copied columns that are identity columns in the target
    std::vector<std::string> generated;  // target-only identity columns: they number rows in copy order
};

struct sampled_row {
    std::vector<std::optional<std::string>> values;
};

table_plan plan_table(sqlite_connection& src, pg_connection& dst, const std::string& name) {
    table_plan t;
    t.name = name;
    std::vector<std::pair<int, std::size_t>> key; // (position in the primary key, column)
    {
        source_query q(src, "PRAGMA table_info(" + identifier(name) + ")");
        while (q.step()) {
            t.columns.emplace_back(q.text(1));
            if (const auto pk = q.integer(5); pk > 0) key.emplace_back(static_cast<int>(pk), t.columns.size() - 1);
        }
    }
    std::sort(key.begin(), key.end());
    for (const auto& k : key) t.key.push_back(k.second);
    if (t.key.empty())
        for (std::size_t i = 0; i < t.columns.size(); ++i) t.key.push_back(i);

    const auto target = query(dst,
                              "SELECT column_name, is_identity FROM information_schema.columns"
                              " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                              {name.c_str()});
    if (PQntuples(target.get()) == 0)
        throw copy_stopped(errc::conflict, "the target has no table " + name + " although its schema version matches");
    std::vector<std::string> target_columns;
    for (int i = 0; i < PQntuples(target.get()); ++i) {
        const auto column = value(target, i, 0);
        const bool identity = value(target, i, 1) == "YES";
        const bool copied = std::find(t.columns.begin(), t.columns.end(), column) != t.columns.end();
        if (identity) (copied ? t.identities : t.generated).push_back(column);
        target_columns.push_back(column);
    }
    // A column only the source has would be lost: refuse rather than copy part of a row.
    for (const auto& c : t.columns)
        if (std::find(target_columns.begin(), target_columns.end(), c) == target_columns.end())
            throw copy_stopped(errc::conflict, "the source's column " + name + "." + c +
                                                   " is missing in the target; its values would be lost");
    {
        sqlite3_stmt* probe = nullptr; // WITHOUT ROWID tables have no rowid to order by
        t.ordered_by_rowid = sqlite3_prepare_v2(src.handle(), ("SELECT rowid FROM " + identifier(name)).c_str(), -1,
                                                &probe, nullptr) == SQLITE_OK;
        sqlite3_finalize(probe);
    }
    source_query count(src, "SELECT COUNT(*) FROM " + identifier(name));
    count.step();
    t.rows = count.integer(0);
    return t;
}

// One COPY ... FROM STDIN. A COPY left unfinished by an exception is ended with an error,
// so that the connection can roll back.
class copy_statement {
public:
    copy_statement(pg_connection& c, const std::string& sql, std::string context)
        : c_(c), context_(std::move(context)) {
        PGresult* started = PQexec(c_.handle(), sql.c_str());
        if (PQresultStatus(started) != PGRES_COPY_IN) c_.check(started, context_); // throws
        PQclear(started);
    }
    copy_statement(const copy_statement&) = delete;
    copy_statement& operator=(const copy_statement&) = delete;
    ~copy_statement() {
        if (!open_) return;
        PQputCopyEnd(c_.handle(), "copy-database stopped");
        while (PGresult* r = PQgetResult(c_.handle())) PQclear(r);
    }

    void put(const std::string& lines) {
        if (PQputCopyData(c_.handle(), lines.data(), static_cast<int>(lines.size())) != 1)
            throw database_error(SQLITE_IOERR, context_ + ": " + PQerrorMessage(c_.handle()));
    }
    // Ends the COPY (the server checks the rows' foreign keys now); the rows it took.
    std::int64_t end() {
        open_ = false;
        if (PQputCopyEnd(c_.handle(), nullptr) != 1)
            throw database_error(SQLITE_IOERR, context_ + ": " + PQerrorMessage(c_.handle()));
        target_result done;
        for (PGresult* r = PQgetResult(c_.handle()); r; r = PQgetResult(c_.handle())) {
            c_.check(r, context_); // a refused value: clears it and throws
            if (done)
                PQclear(r);
            else
                done.reset(r);
        }
        const char* rows = done ? PQcmdTuples(done.get()) : nullptr;
        return rows && *rows ? to_integer(rows) : -1;
    }

private:
    pg_connection& c_;
    std::string context_;
    bool open_ = true;
};

class copier {
public:
    copier(sqlite_connection& src, pg_connection& dst, const copy_request& request, std::int64_t total)
        : src_(src), dst_(dst), request_(request) {
        progress_.total = total;
    }

    // Copies the table in the source's rowid (or key) order; returns the rows sampled
    // for the checks, spread evenly over the table.
    std::vector<sampled_row> copy(const table_plan& t) {
        progress_.table = t.name;
        progress_.table_rows = 0;
        progress_.table_total = t.rows;
        const std::int64_t stride = std::max<std::int64_t>(1, (t.rows + copy_sample_rows - 1) / copy_sample_rows);
        std::vector<sampled_row> samples;
        const auto copy_sql = "COPY " + identifier(t.name) + " (" + column_list(t.columns) + ") FROM STDIN";
        std::optional<copy_statement> statement;
        std::string context;
        std::string chunk; // lines of COPY's text format not sent yet
        std::int64_t read = 0, in_statement = 0;
        const auto finish = [&] {
            if (!chunk.empty()) statement->put(chunk);
            chunk.clear();
            if (const auto took = statement->end(); took != in_statement)
                throw copy_stopped(errc::internal, context + ": PostgreSQL took " + std::to_string(took) + " of " +
                                                       std::to_string(in_statement) + " rows");
            statement.reset();
            progress_.table_rows += in_statement;
            progress_.rows += in_statement;
            in_statement = 0;
            report(copy_progress::phase::copying);
        };

        source_query q(src_, "SELECT " + column_list(t.columns) + " FROM " + identifier(t.name) +
                                 (t.ordered_by_rowid ? " ORDER BY rowid" : ""));
        while (q.step()) {
            if (!statement) {
                context = "COPY " + t.name + " from row " + std::to_string(read + 1) + " of the source";
                statement.emplace(dst_, copy_sql, context);
            }
            const bool sample = read % stride == 0 && samples.size() < static_cast<std::size_t>(copy_sample_rows);
            if (sample) samples.emplace_back();
            for (std::size_t c = 0; c < t.columns.size(); ++c) {
                const int col = static_cast<int>(c);
                if (c) chunk += '\t';
                if (q.type(col) == SQLITE_NULL) {
                    chunk += "\\N";
                    if (sample) samples.back().values.emplace_back();
                    continue;
                }
                if (q.type(col) == SQLITE_BLOB)
                    throw copy_stopped(errc::internal, t.name + "." + t.columns[c] + " holds a BLOB in row " +
                                                           std::to_string(read + 1) + "; copsched stores text only");
                const auto v = q.text(col);
                if (v.find('\0') != std::string_view::npos)
                    throw copy_stopped(errc::internal, t.name + "." + t.columns[c] + " in row " +
                                                           std::to_string(read + 1) +
                                                           " holds a NUL character, which PostgreSQL text cannot");
                copy_escaped(chunk, v);
                if (sample) samples.back().values.emplace_back(std::string(v));
            }
            chunk += '\n';
            ++read;
            if (chunk.size() >= copy_chunk_bytes) {
                statement->put(chunk);
                chunk.clear();
            }
            if (++in_statement == copy_rows_per_statement) finish();
        }
        if (statement) finish();
        if (read != t.rows)
            throw copy_stopped(errc::internal, "the source's table " + t.name + " gave " + std::to_string(read) +
                                                   " rows, but counted " + std::to_string(t.rows) +
                                                   " in the same snapshot");
        report(copy_progress::phase::table_copied);
        return samples;
    }

    // Row count and sampled rows of the copied table against the source; throws
    // copy_stopped (errc::internal) naming the first difference. Returns the rows compared.
    std::int64_t check(const table_plan& t, const std::vector<sampled_row>& samples) {
        progress_.table = t.name;
        progress_.table_rows = progress_.table_total = t.rows;
        report(copy_progress::phase::checking);
        const auto count = query(dst_, "SELECT COUNT(*) FROM " + identifier(t.name));
        if (const auto n = to_integer(value(count, 0, 0)); n != t.rows)
            throw copy_stopped(errc::internal, "the copy does not match the source: " + t.name + " has " +
                                                   std::to_string(t.rows) + " rows in the source and " +
                                                   std::to_string(n) + " in PostgreSQL");
        std::optional<std::int64_t> previous_number; // of the target-only identity, in source order
        for (const auto& s : samples) {
            std::string sql = "SELECT " + column_list(t.columns);
            for (const auto& g : t.generated) sql += ", " + identifier(g);
            sql += " FROM " + identifier(t.name) + " WHERE ";
            std::vector<const char*> params;
            std::string key_text;
            for (std::size_t k = 0; k < t.key.size(); ++k) {
                const auto& column = t.columns[t.key[k]];
                const auto& v = s.values[t.key[k]];
                if (k) {
                    sql += " AND ";
                    key_text += ", ";
                }
                key_text += column + "=" + shown(v);
                if (!v) {
                    sql += identifier(column) + " IS NULL";
                    continue;
                }
                params.push_back(v->c_str());
                sql += identifier(column) + " = $" + std::to_string(params.size());
            }
            const auto where = "the copy does not match the source: " + t.name + " row (" + key_text + ")";
            const auto r = query(dst_, sql + " LIMIT 1", params, "sampled row of " + t.name);
            if (PQntuples(r.get()) == 0) throw copy_stopped(errc::internal, where + " is missing in PostgreSQL");
            for (std::size_t c = 0; c < t.columns.size(); ++c) {
                const int col = static_cast<int>(c);
                std::optional<std::string> copied;
                if (!PQgetisnull(r.get(), 0, col)) copied = value(r, 0, col);
                if (copied != s.values[c])
                    throw copy_stopped(errc::internal, where + ", column " + t.columns[c] + ": source " +
                                                           shown(s.values[c]) + ", PostgreSQL " + shown(copied));
            }
            if (!t.generated.empty()) { // reminders.seq must keep the source's rowid order
                const auto number = to_integer(value(r, 0, static_cast<int>(t.columns.size())));
                if (previous_number && number <= *previous_number)
                    throw copy_stopped(errc::internal,
                                       where + ": " + t.generated.front() + " does not follow the source's order");
                previous_number = number;
            }
        }
        return static_cast<std::int64_t>(samples.size());
    }

private:
    void report(copy_progress::phase at) {
        if (!request_.progress) return;
        progress_.at = at;
        request_.progress(progress_);
    }

    sqlite_connection& src_;
    pg_connection& dst_;
    const copy_request& request_;
    copy_progress progress_;
};

// The tables to copy, in table_order; refuses a table it does not know or an order that
// would break a foreign key.
std::vector<std::string> tables_to_copy(sqlite_connection& src) {
    std::vector<std::string> present;
    source_query q(src, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE "
                        "'\\' AND name <> 'schema_migrations' ORDER BY name");
    while (q.step()) present.emplace_back(q.text(0));
    const auto position = [](std::string_view name) {
        return static_cast<std::size_t>(std::find(table_order.begin(), table_order.end(), name) - table_order.begin());
    };
    for (const auto& name : present)
        if (position(name) == table_order.size())
            throw copy_stopped(errc::conflict, "the source has a table copy-database does not know: " + name +
                                                   " (a copsched newer than this one, or a table added by hand)");
    std::sort(present.begin(), present.end(),
              [&](const std::string& a, const std::string& b) { return position(a) < position(b); });
    for (const auto& name : present) {
        source_query fk(src, "PRAGMA foreign_key_list(" + identifier(name) + ")");
        while (fk.step()) {
            const std::string parent(fk.text(2));
            if (parent != name && position(parent) > position(name))
                throw copy_stopped(errc::internal,
                                   "table " + name + " references " + parent +
                                       ", which copy-database copies after it (storage/copy_database.cpp)");
        }
    }
    return present;
}

// Refuses a target with rows in any table (schema_migrations aside).
void require_empty(pg_connection& dst) {
    const auto tables = query(dst, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                   "current_schema() AND table_type = 'BASE TABLE' AND table_name <> "
                                   "'schema_migrations' ORDER BY table_name");
    std::string filled;
    for (int i = 0; i < PQntuples(tables.get()); ++i) {
        const auto name = value(tables, i, 0);
        const auto any = query(dst, "SELECT EXISTS (SELECT 1 FROM " + identifier(name) + ")");
        if (value(any, 0, 0) == "t") filled += (filled.empty() ? "" : ", ") + name;
    }
    if (!filled.empty())
        throw copy_stopped(errc::conflict, "the target database is not empty (rows in " + filled +
                                               "); copy-database copies into an empty database only, nothing was "
                                               "written");
}

int source_version(sqlite_connection& src, const std::string& path) {
    if (!source_has_table(src, "schema_migrations"))
        throw copy_stopped(errc::conflict, path + " is not a copsched database (it has no schema_migrations table)");
    auto s = src.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.integer(0));
}

// Moves each identity sequence of a copied key past the largest id the source ever
// used: its rows' and, for AUTOINCREMENT, sqlite_sequence's (ids of deleted rows are
// not handed out again either).
void move_sequences(sqlite_connection& src, pg_connection& dst, const table_plan& t) {
    for (const auto& column : t.identities) {
        std::int64_t highest = 0;
        const auto max = query(dst, "SELECT MAX(" + identifier(column) + ") FROM " + identifier(t.name));
        if (!PQgetisnull(max.get(), 0, 0)) highest = to_integer(value(max, 0, 0));
        if (source_has_table(src, "sqlite_sequence")) {
            source_query q(src, "SELECT seq FROM sqlite_sequence WHERE name = '" + t.name + "'");
            if (q.step()) highest = std::max(highest, q.integer(0));
        }
        if (highest <= 0) continue; // nothing used: the sequence starts at 1
        const auto table_identifier = identifier(t.name);
        const auto n = std::to_string(highest);
        query(dst, "SELECT setval(pg_get_serial_sequence($1, $2), $3)",
              {table_identifier.c_str(), column.c_str(), n.c_str()});
    }
}

copy_summary run_copy(const copy_request& request) {
    const auto started = std::chrono::steady_clock::now();
    sqlite_connection src(request.source, sqlite_connection::mode::read_only, request.busy_timeout_ms);
    pg_connection dst(request.target);
    dst.exec("SET client_encoding = 'UTF8'"); // SQLite's text is UTF-8

    copy_summary summary;
    summary.schema_version = migrate(dst).to_version;
    // One read transaction: its first read fixes the snapshot every later read sees.
    src.exec("BEGIN");
    const int from_version = source_version(src, request.source);
    if (from_version < summary.schema_version)
        throw copy_stopped(errc::conflict, "the source is at schema version " + std::to_string(from_version) +
                                               " and the target at " + std::to_string(summary.schema_version) +
                                               ": run `copsched migrate --database " + request.source +
                                               "` first (stop its server, "
                                               "or let the server migrate it on its next start), then copy again");
    if (from_version > summary.schema_version)
        throw copy_stopped(errc::conflict, "the source is at schema version " + std::to_string(from_version) +
                                               ", newer than this copsched knows (" +
                                               std::to_string(summary.schema_version) +
                                               "): copy with the copsched that wrote it");
    const auto names = tables_to_copy(src);

    transaction tx(dst);
    // The migration lock until COMMIT: a copsched server starting on the target waits.
    dst.exec("SELECT pg_advisory_xact_lock(1668247667, 0)");
    static_assert(advisory_lock_class == 1668247667);
    require_empty(dst);

    std::vector<table_plan> plans;
    std::int64_t total = 0;
    for (const auto& name : names) {
        plans.push_back(plan_table(src, dst, name));
        total += plans.back().rows;
    }
    copier c(src, dst, request, total);
    std::vector<std::vector<sampled_row>> samples;
    for (const auto& t : plans) {
        samples.push_back(c.copy(t));
        move_sequences(src, dst, t);
    }
    for (std::size_t i = 0; i < plans.size(); ++i) summary.rows_compared += c.check(plans[i], samples[i]);
    tx.commit();
    src.exec("COMMIT");

    summary.tables = static_cast<int>(plans.size());
    summary.rows = total;
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

} // namespace

scheduler::result<copy_summary> copy_database(const copy_request& request) {
    if (is_postgresql_url(request.source))
        return error::invalid("--from", "the source is a SQLite file; copy-database copies from SQLite only");
    if (!is_postgresql_url(request.target))
        return error::invalid("--to", "the target must be a PostgreSQL URL (postgresql://...)");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(request.source, ec))
        return error{errc::unavailable, "the source database " + request.source + " does not exist", {}};
    try {
        return run_copy(request);
    } catch (const copy_stopped& e) {
        return error{e.code(), std::string(e.what()), {}};
    } catch (const database_error& e) {
        // The transaction was rolled back as run_copy unwound.
        const bool reaching = e.primary_code() == SQLITE_CANTOPEN || e.primary_code() == SQLITE_NOTADB;
        return error{reaching ? errc::unavailable : errc::internal,
                     std::string("copying ") + request.source + " to " + describe_database(request.target) +
                         " failed, nothing was copied: " + e.what(),
                     {}};
    }
}

} // namespace copsched::storage
