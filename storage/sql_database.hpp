#pragma once
// The store_executor over SQL connections (storage/sql.hpp), SQLite or PostgreSQL:
// exactly one writer connection on its own thread (Debian's SQLite 3.40 can corrupt a WAL
// database when two connections write or checkpoint at once; on PostgreSQL one writer per
// instance keeps group commit, and instances sharing the database take turns through
// advisory locks, see connection::lock_key), and a few reading connections, each on
// its own thread.
//
// Writes are group-committed: the writer takes every job waiting in its queue (up to
// max_batch), runs each in a savepoint inside one IMMEDIATE transaction, commits once
// with synchronous=FULL, and only then reports each job's outcome. Each transaction first
// freezes the invitations of the events that have started (see options).

#include "scheduler/store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace copsched::storage {

class connection;

class sql_database final : public scheduler::store_executor {
public:
    struct options {
        std::string path; // a SQLite file, or a postgresql:// URL (storage/postgres.hpp)
        int readers = 2;
        int busy_timeout_ms = 5000;
        std::size_t max_batch = 256;
        int cache_mib = 32; // the writer's page cache: the working set of bookings stays in memory
        // WAL size in pages after which the writer copies the WAL into the database,
        // between batches. Each checkpoint holds up the writer's queue for a few ms.
        int checkpoint_pages = 1000;
        // Called on the writer after each commit, before any job of the batch is
        // answered, with the names of the tables whose rows the batch changed (jobs
        // rolled back alone may be included). Lets in-memory caches drop what changed.
        std::function<void(const std::set<std::string>& tables)> after_commit;
        // Freeze the invitations of every event that has started (store::freeze_started_events
        // with the current time) right after each batch's BEGIN, before any of its jobs, so no
        // job can change a started event's invitations before they are kept. A failed freeze
        // fails the batch. Off only for tests and tools that must see the data unfrozen.
        bool freeze_started_events = true;
        // Each reader's page cache in MiB. Readers are several and read through the whole
        // file (feeds, reports), where the kernel's page cache already holds the pages: a
        // large cache per reader mostly holds copies (docs/PERFORMANCE.md, feeds at scale).
        int reader_cache_mib = 8;
        // The database file's largest size in MiB (PRAGMA max_page_count on the writer); 0:
        // no limit but the disk. A write past it fails with SQLITE_FULL, as on a full disk.
        int max_mib = 0;
    };

    // Opens the connections and starts the threads. The schema must already be
    // migrated (see migrate()). Throws database_error when the file cannot be opened or
    // the server cannot be reached.
    explicit sql_database(options o);
    sql_database(const sql_database&) = delete;
    sql_database& operator=(const sql_database&) = delete;
    ~sql_database() override;

    void read(read_job job) override;
    void write(write_work work, write_done done) override;
    std::size_t queue_depth() const override;

    // Finishes every queued job, joins the threads and closes the connections (the
    // writer last, which checkpoints the WAL). Jobs submitted afterwards are destroyed
    // without running. Idempotent.
    void stop();

    // Commits done since start; with group commit this is below the number of writes.
    std::uint64_t commits() const noexcept { return commits_.load(std::memory_order_relaxed); }
    // Checkpoints the writer has run since start (every checkpoint_pages WAL pages).
    std::uint64_t checkpoints() const noexcept { return checkpoints_.load(std::memory_order_relaxed); }
    // Batches committed early because a job needed a lock held by another instance
    // (PostgreSQL; connection::allow_lock_wait).
    std::uint64_t lock_refusals() const noexcept { return lock_refusals_.load(std::memory_order_relaxed); }

private:
    struct write_job {
        write_work work;
        write_done done;
    };

    // The outcome of one job of a batch; transaction_lost when SQLite rolled back the whole
    // transaction while it ran (e.g. disk full), taking the jobs before it along.
    // lock_refused when the job needed a lock another transaction holds and the writer
    // did not allow waiting for it (connection::allow_lock_wait): the job was rolled back,
    // to run again first in a new transaction.
    struct job_outcome {
        scheduler::status result;
        bool transaction_lost = false;
        bool lock_refused = false;
    };

    void reader_loop(std::size_t index);
    void writer_loop();
    // One transaction for the batch, a savepoint per job; answers every job.
    void run_batch(std::vector<write_job>& batch);
    // BEGIN IMMEDIATE, then the freeze (options::freeze_started_events); on failure no
    // transaction is left open.
    scheduler::status begin_batch(connection& db);
    // Runs the job in its own savepoint: released when it succeeds, rolled back alone
    // when it fails.
    static job_outcome run_in_savepoint(connection& db, scheduler::store& store, write_job& job);
    // After a lost transaction: answers the jobs run so far (`outcomes`, then the job that
    // saw the loss, with `last`), drops them from the batch and begins a new transaction
    // for the rest. False when the batch is over: nothing is left, or every remaining job
    // has been answered with the error of the new BEGIN.
    bool restart_after_lost_transaction(connection& db, std::vector<write_job>& batch,
                                        std::vector<scheduler::status>& outcomes, scheduler::status last);
    // Before a job whose lock was refused: commits and answers the jobs run so far
    // (`outcomes`), drops them from the batch and begins a new transaction for the rest.
    // False when the batch is over (every remaining job answered with the BEGIN's error).
    bool commit_before_refused_job(connection& db, std::vector<write_job>& batch,
                                   std::vector<scheduler::status>& outcomes);
    // COMMIT, then after_commit with the changed tables. On failure rolls back, answers
    // every job with the error and returns false.
    bool commit_batch(connection& db, std::vector<write_job>& batch);
    // Answers a job; a callback that throws must not take the writer down.
    static void answer(write_job& job, const scheduler::status& outcome);
    static void answer_all(std::vector<write_job>& batch, const scheduler::status& outcome);
    void checkpoint_if_due();
    // sqlite3_wal_hook on a SQLite writer: records the WAL's size in pages after each commit.
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);
    // Opens a SQLite file's connections with their pragmas and hooks.
    void open_sqlite();

    const options options_;

    // Guarded by mutex_.
    mutable std::mutex mutex_;
    std::condition_variable read_ready_;
    std::condition_variable write_ready_;
    std::deque<read_job> reads_;
    std::deque<write_job> writes_;
    bool stopping_ = false;

    // Each connection is touched only by the thread that owns it.
    std::unique_ptr<connection> writer_conn_;
    std::vector<std::unique_ptr<connection>> reader_conns_;

    std::vector<std::thread> threads_;
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> checkpoints_{0};
    std::atomic<std::uint64_t> lock_refusals_{0};
    int wal_pages_ = 0;                    // only on the writer thread
    int kill_before_commit_ = 0;           // fault injection; set at construction, then only on the writer
    std::set<std::string> changed_tables_; // only on the writer thread, during a batch
};

// An advisory lock on "<database>.lock" held by the one process that may write: the
// server while it runs, or a CLI command that changes data. acquire() fails (returns
// false) when another process holds it. For a PostgreSQL database it always succeeds:
// several instances share one by design.
class writer_lock {
public:
    explicit writer_lock(const std::string& database_path);
    writer_lock(const writer_lock&) = delete;
    writer_lock& operator=(const writer_lock&) = delete;
    ~writer_lock();
    [[nodiscard]] bool acquire();

private:
    std::string path_;
    int fd_ = -1;
};

} // namespace copsched::storage
