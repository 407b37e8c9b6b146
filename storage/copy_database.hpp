#pragma once
// Moving a deployment from SQLite to PostgreSQL (`copsched copy-database`): copies every
// table of a live SQLite file into an empty PostgreSQL database, checks the copy and
// commits it, or leaves the target as it was. Like database_file.hpp it needs no
// driver's headers; failures come back as scheduler::error.
//
// What copy_database promises:
//  - the target is migrated first; it refuses (errc::conflict, nothing copied) unless
//    every table of the target is empty and both databases are at the same schema
//    version, and when the source has a table it does not know;
//  - the source is opened read-only and read in one read transaction: a consistent
//    snapshot while a server keeps writing to it (WAL);
//  - everything is inserted in one PostgreSQL transaction, which holds the migration
//    lock, so a copsched server starting on the target meanwhile waits for the outcome;
//  - before COMMIT it compares the row count of every table and a sample of rows spread
//    over each table (up to copy_sample_rows, column by column as text); on any mismatch
//    it rolls back (errc::internal, naming table, row and column);
//  - reminders keep their order (reminders.seq follows the source's rowid order) and
//    audit_log its ids, with the id sequence moved past the largest id ever used.

#include "scheduler/result.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace copsched::storage {

// Rows compared column by column per table before COMMIT.
inline constexpr int copy_sample_rows = 200;

struct copy_progress {
    enum class phase { copying, table_copied, checking };
    phase at = phase::copying;
    std::string table;
    std::int64_t table_rows = 0;  // copied from this table so far
    std::int64_t table_total = 0; // rows of this table in the source
    std::int64_t rows = 0;        // copied from all tables so far
    std::int64_t total = 0;       // rows of all tables in the source
};

struct copy_request {
    std::string source; // a SQLite file
    std::string target; // a postgresql:// URL
    int busy_timeout_ms = 5000;
    // Called on the copying thread after every batch (phase copying), when a table is
    // done (table_copied) and before the checks of each table (checking). May be empty.
    std::function<void(const copy_progress&)> progress;
};

struct copy_summary {
    int tables = 0;
    std::int64_t rows = 0;
    std::int64_t rows_compared = 0; // sampled rows checked column by column
    int schema_version = 0;
    double seconds = 0; // from opening the source to COMMIT
};

// Runs the copy described above. errc::invalid_input for a source that is not a file or
// a target that is not a PostgreSQL URL, errc::unavailable when either cannot be opened
// or reached, errc::conflict for the refusals, errc::internal for a mismatch found by the
// checks or a value PostgreSQL cannot hold; the message says which table and why.
scheduler::result<copy_summary> copy_database(const copy_request& request);

} // namespace copsched::storage
