#include "storage/sql_database.hpp"

#include "scheduler/clock.hpp"
#include "storage/postgres.hpp"
#include "storage/sql_store.hpp"
#include "storage/sqlite.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

namespace copsched::storage {

using scheduler::errc;
using scheduler::error;
using scheduler::status;

sql_database::sql_database(options o) : options_(std::move(o)) {
    if (is_postgresql_url(options_.path)) {
        writer_conn_ = std::make_unique<pg_connection>(options_.path);
        // The writer runs the same short statements of every write (a booking's 15), each
        // prepared once and executed thousands of times. Once a database has statistics,
        // PostgreSQL's default (auto) plans many of them afresh at every execution, as the
        // plan for the values at hand looks cheaper than the generic one: one instance
        // booked 737/s that way, 1,145/s with generic plans (tests/bench/booking.sh's
        // database after ANALYZE). The readers keep auto: reports and feeds gain from plans
        // for their values.
        writer_conn_->exec("SET plan_cache_mode = force_generic_plan");
        for (int i = 0; i < options_.readers; ++i)
            reader_conns_.push_back(std::make_unique<pg_connection>(options_.path));
    } else {
        open_sqlite();
    }
    if (options_.after_commit)
        writer_conn_->set_change_listener([this](std::string_view table) { changed_tables_.emplace(table); });
    // Fault injection for the crash tests (tests/integration/idempotency_audit_test.cpp):
    // "N:PATH" kills the process with SIGKILL just before the Nth COMMIT on the database
    // PATH (so the commands a test runs on other databases are not affected).
    if (const char* fault = std::getenv("TEST_COPSCHED_KILL_BEFORE_COMMIT")) {
        const std::string f(fault);
        if (const auto colon = f.find(':'); colon != std::string::npos && f.substr(colon + 1) == options_.path)
            kill_before_commit_ = std::atoi(f.substr(0, colon).c_str());
    }
    threads_.emplace_back([this] { writer_loop(); });
    for (std::size_t i = 0; i < reader_conns_.size(); ++i) threads_.emplace_back([this, i] { reader_loop(i); });
}

void sql_database::open_sqlite() {
    auto writer = std::make_unique<sqlite_connection>(options_.path, sqlite_connection::mode::read_write,
                                                      options_.busy_timeout_ms);
    for (int i = 0; i < options_.readers; ++i)
        reader_conns_.push_back(std::make_unique<sqlite_connection>(options_.path, sqlite_connection::mode::read_only,
                                                                    options_.busy_timeout_ms));
    const auto cache = "PRAGMA cache_size=-" + std::to_string(std::max(1, options_.cache_mib) * 1024);
    writer->exec(cache.c_str());
    // Each job of a batch runs in a SAVEPOINT, whose sub-journal keeps the original of every
    // page the job touches. With the default temp_store it spills to a temporary file after
    // 64 KiB and, once spilled, grows for the whole batch: three page writes per booking
    // that nothing ever reads back. In memory it is dropped at each RELEASE.
    writer->exec("PRAGMA temp_store=MEMORY");
    if (options_.max_mib > 0) {
        auto size = writer->prepare("PRAGMA page_size");
        size.step();
        const auto page_size = std::max<std::int64_t>(512, size.integer(0));
        const auto pages = static_cast<std::int64_t>(options_.max_mib) * 1024 * 1024 / page_size;
        writer->exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str());
    }
    // Replaces SQLite's automatic checkpoint inside COMMIT (see checkpoint_if_due).
    sqlite3_wal_hook(writer->handle(), &sql_database::on_wal_commit, this);
    const auto reader_cache = "PRAGMA cache_size=-" + std::to_string(std::max(1, options_.reader_cache_mib) * 1024);
    for (auto& c : reader_conns_) c->exec(reader_cache.c_str());
    writer_conn_ = std::move(writer);
}

sql_database::~sql_database() { stop(); }

void sql_database::read(read_job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        reads_.push_back(std::move(job));
    }
    read_ready_.notify_one();
}

void sql_database::write(write_work work, write_done done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        writes_.push_back({std::move(work), std::move(done)});
    }
    write_ready_.notify_one();
}

std::size_t sql_database::queue_depth() const {
    std::lock_guard lock(mutex_);
    return reads_.size() + writes_.size();
}

void sql_database::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    read_ready_.notify_all();
    write_ready_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    reader_conns_.clear();
    writer_conn_.reset();
}

void sql_database::reader_loop(std::size_t index) {
    pthread_setname_np(pthread_self(), ("db-reader-" + std::to_string(index)).c_str()); // shown by top -H, perf
    sql_store store(*reader_conns_[index]);
    for (;;) {
        read_job job;
        {
            std::unique_lock lock(mutex_);
            read_ready_.wait(lock, [&] { return stopping_ || !reads_.empty(); });
            if (reads_.empty()) return; // stopping and drained
            job = std::move(reads_.front());
            reads_.pop_front();
        }
        try {
            job(store);
        } catch (...) {
            // A job must not take the reader down; its own code reports its errors.
        }
    }
}

void sql_database::writer_loop() {
    pthread_setname_np(pthread_self(), "db-writer");
    std::vector<write_job> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            write_ready_.wait(lock, [&] { return stopping_ || !writes_.empty(); });
            if (writes_.empty()) return;
            while (!writes_.empty() && batch.size() < options_.max_batch) {
                batch.push_back(std::move(writes_.front()));
                writes_.pop_front();
            }
        }
        run_batch(batch);
        batch.clear();
        checkpoint_if_due();
    }
}

int sql_database::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
    static_cast<sql_database*>(self)->wal_pages_ = pages;
    return SQLITE_OK;
}

// Runs on the writer between batches, after the committed batch has been answered: the
// jobs of that batch do not wait for the checkpoint, only the ones queued behind it.
void sql_database::checkpoint_if_due() {
    if (wal_pages_ < options_.checkpoint_pages) return; // never on PostgreSQL: no WAL hook
    wal_pages_ = 0;
    if (sqlite3_wal_checkpoint_v2(static_cast<sqlite_connection&>(*writer_conn_).handle(), nullptr,
                                  SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK)
        checkpoints_.fetch_add(1, std::memory_order_relaxed);
}

status sql_database::begin_batch(connection& db) {
    db.allow_lock_wait(true); // nothing held yet: the freeze below may wait
    try {
        db.begin();
    } catch (const database_error& e) {
        return to_error(e);
    }
    if (!options_.freeze_started_events) return scheduler::ok();
    auto frozen = sql_store(db).freeze_started_events(scheduler::now_utc());
    if (frozen) return scheduler::ok();
    try {
        if (db.in_transaction()) db.exec("ROLLBACK");
    } catch (...) {}
    return frozen.err();
}

void sql_database::answer(write_job& job, const status& outcome) {
    try {
        job.done(outcome);
    } catch (...) {}
}

void sql_database::answer_all(std::vector<write_job>& batch, const status& outcome) {
    for (auto& job : batch) answer(job, outcome);
}

sql_database::job_outcome sql_database::run_in_savepoint(connection& db, scheduler::store& store, write_job& job) {
    status outcome = scheduler::ok();
    bool refused = false;
    try {
        db.exec_later("SAVEPOINT job"); // on PostgreSQL, in the round trip of the job's first read
        try {
            outcome = job.work(store);
        } catch (const database_error& e) {
            outcome = to_error(e);
        } catch (const std::exception& e) {
            outcome = error{errc::internal, e.what(), {}};
        }
        refused = db.lock_refused();
        if (!db.in_transaction()) return {std::move(outcome), true, refused};
        if (outcome.ok()) {
            try {
                db.exec("RELEASE job"); // with the job's queued writes: their errors are the job's
                return {std::move(outcome), false, false};
            } catch (const database_error& e) {
                outcome = to_error(e);
            }
        }
        try {
            db.flush(); // what the failed job still had queued, undone by the rollback
        } catch (const database_error&) {}
        db.exec("ROLLBACK TO job; RELEASE job");
    } catch (const database_error& e) {
        outcome = to_error(e);
    }
    return {std::move(outcome), false, refused};
}

bool sql_database::restart_after_lost_transaction(connection& db, std::vector<write_job>& batch,
                                                  std::vector<status>& outcomes, status last) {
    // The jobs before the one that saw the loss are lost too: report them all.
    const error lost{errc::unavailable, "The transaction was rolled back by the database.", {}};
    for (auto& o : outcomes) o = lost;
    outcomes.push_back(last.ok() ? status(lost) : last);
    for (std::size_t j = 0; j < outcomes.size(); ++j) answer(batch[j], outcomes[j]);
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(outcomes.size()));
    outcomes.clear();
    if (batch.empty()) return false;
    if (auto begun = begin_batch(db); !begun) {
        answer_all(batch, begun.err());
        return false;
    }
    return true;
}

bool sql_database::commit_before_refused_job(connection& db, std::vector<write_job>& batch,
                                             std::vector<status>& outcomes) {
    const auto n = static_cast<std::ptrdiff_t>(outcomes.size());
    std::vector<write_job> done(std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.begin() + n));
    batch.erase(batch.begin(), batch.begin() + n);
    if (commit_batch(db, done)) // else commit_batch answered them with its error
        for (std::size_t j = 0; j < done.size(); ++j) answer(done[j], outcomes[j]);
    outcomes.clear();
    if (auto begun = begin_batch(db); !begun) {
        answer_all(batch, begun.err());
        return false;
    }
    return true;
}

bool sql_database::commit_batch(connection& db, std::vector<write_job>& batch) {
    try {
        if (kill_before_commit_ > 0 && --kill_before_commit_ == 0) std::raise(SIGKILL);
        db.exec("COMMIT");
        commits_.fetch_add(1, std::memory_order_relaxed);
        if (options_.after_commit && !changed_tables_.empty()) {
            try {
                options_.after_commit(changed_tables_);
            } catch (...) {}
        }
        changed_tables_.clear();
    } catch (const database_error& e) {
        try {
            if (db.in_transaction()) db.exec("ROLLBACK");
        } catch (...) {}
        answer_all(batch, to_error(e));
        return false;
    }
    return true;
}

void sql_database::run_batch(std::vector<write_job>& batch) {
    changed_tables_.clear();
    connection& db = *writer_conn_;
    sql_store store(db);
    std::vector<status> outcomes;
    outcomes.reserve(batch.size());

    if (auto begun = begin_batch(db); !begun) {
        answer_all(batch, begun.err());
        return;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        // Only the transaction's first job may wait for another transaction's lock: the
        // later ones hold the locks of the jobs before them (connection::allow_lock_wait).
        db.allow_lock_wait(outcomes.empty());
        auto [outcome, transaction_lost, lock_refused] = run_in_savepoint(db, store, batch[i]);
        if (transaction_lost) {
            if (!restart_after_lost_transaction(db, batch, outcomes, std::move(outcome))) return;
            i = static_cast<std::size_t>(-1); // the rest of the batch, from its new first job
            continue;
        }
        if (lock_refused && !outcomes.empty()) {
            if (!commit_before_refused_job(db, batch, outcomes)) return;
            lock_refusals_.fetch_add(1, std::memory_order_relaxed);
            i = static_cast<std::size_t>(-1); // the refused job again, first in the new transaction
            continue;
        }
        outcomes.push_back(std::move(outcome));
    }
    if (!commit_batch(db, batch)) return;
    for (std::size_t i = 0; i < batch.size(); ++i) answer(batch[i], outcomes[i]);
}

writer_lock::writer_lock(const std::string& database_path) : path_(database_path + ".lock") {}

writer_lock::~writer_lock() {
    if (fd_ >= 0) ::close(fd_); // closing releases the flock
}

bool writer_lock::acquire() {
    if (fd_ >= 0) return true;
    if (is_postgresql_url(path_)) return true; // instances share a PostgreSQL database by design
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return false;
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
        return false;
    }
    return true;
}

} // namespace copsched::storage
