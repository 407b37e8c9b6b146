#include "storage/sql_database.hpp"

#include "scheduler/demo.hpp"
#include "storage/database_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace copsched;
using scheduler::errc;
using storage::sql_database;

namespace {

constexpr const char* now = "2026-01-05T09:00:00Z";

// Counts rows with an independent read-only connection, as another process would.
class observer {
public:
    explicit observer(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            sqlite3_close(db_);
            throw std::runtime_error("cannot open " + path);
        }
        sqlite3_busy_timeout(db_, 2000);
    }
    observer(const observer&) = delete;
    observer& operator=(const observer&) = delete;
    ~observer() { sqlite3_close(db_); }

    // Audit rows written by the test for `object_id` (or all of them for "").
    long long audit_rows(const std::string& object_id = {}) const {
        sqlite3_stmt* s = nullptr;
        const char* sql =
            object_id.empty() ? "SELECT COUNT(*) FROM audit_log" : "SELECT COUNT(*) FROM audit_log WHERE object_id = ?";
        if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
        if (!object_id.empty()) sqlite3_bind_text(s, 1, object_id.c_str(), -1, SQLITE_TRANSIENT);
        long long n = -1;
        if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return n;
    }
    std::set<std::string> audit_ids() const {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db_, "SELECT object_id FROM audit_log", -1, &s, nullptr);
        std::set<std::string> out;
        while (sqlite3_step(s) == SQLITE_ROW) out.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
        sqlite3_finalize(s);
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

scheduler::status audit(scheduler::store& s, const std::string& id) {
    return s.append_audit({"test", "test.write", "job", id, "{}"}, now);
}

// Holds the writer thread inside one job until open() is called, so the jobs
// submitted meanwhile are all waiting together.
class writer_gate {
public:
    // Submits the blocking job and returns once the writer is inside it.
    void close(sql_database& db) {
        auto opened = opened_.get_future().share();
        db.write(
            [this, opened](scheduler::store&) {
                entered_.set_value();
                opened.wait();
                return scheduler::ok();
            },
            [](const scheduler::status&) {});
        entered_.get_future().wait();
    }
    void open() { opened_.set_value(); }

private:
    std::promise<void> entered_;
    std::promise<void> opened_;
};

// Counts completions and lets the test wait for all of them.
class completions {
public:
    explicit completions(std::size_t expected) : expected_(expected) {}
    void record(const scheduler::status& st) {
        std::lock_guard lock(mutex_);
        results_.push_back(st.ok() ? std::nullopt : std::optional<errc>(st.err().code));
        if (results_.size() == expected_) all_.set_value();
    }
    bool wait() { return all_.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready; }
    std::size_t ok_count() const {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& r : results_) n += !r.has_value();
        return n;
    }

private:
    const std::size_t expected_;
    mutable std::mutex mutex_;
    std::vector<std::optional<errc>> results_;
    std::promise<void> all_;
};

struct fixture {
    test::temp_dir dir;
    std::string path = dir.file("copsched.db");

    fixture() { REQUIRE(storage::migrate_file(path, 2000).ok()); }

    sql_database::options options(std::size_t max_batch = 256) const {
        sql_database::options o;
        o.path = path;
        o.readers = 2;
        o.busy_timeout_ms = 2000;
        o.max_batch = max_batch;
        return o;
    }
};

} // namespace

TEST_CASE("reads run on a reader thread and return their result", "[storage][sql_database]") {
    fixture f;
    REQUIRE(storage::write_once(f.path, 2000, [](scheduler::store& s) -> scheduler::status {
                auto r = s.seed_demo(scheduler::demo_programme(), now);
                return r ? scheduler::ok() : scheduler::status(r.err());
            }).ok());
    sql_database db(f.options());

    std::promise<std::pair<std::size_t, std::thread::id>> result;
    db.read([&](scheduler::store& s) {
        auto n = s.count_programmes();
        result.set_value({n ? *n : 999, std::this_thread::get_id()});
    });
    auto fut = result.get_future();
    REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    const auto [count, thread] = fut.get();
    CHECK(count == 1);
    CHECK(thread != std::this_thread::get_id());

    std::promise<bool> slug;
    db.read([&](scheduler::store& s) { slug.set_value(s.get_programme("gdci-2").ok()); });
    CHECK(slug.get_future().get());
}

TEST_CASE("reads cannot write", "[storage][sql_database]") {
    fixture f;
    sql_database db(f.options());
    std::promise<std::optional<errc>> result;
    db.read([&](scheduler::store& s) {
        auto st = audit(s, "from-a-reader");
        result.set_value(st ? std::nullopt : std::optional<errc>(st.err().code));
    });
    const auto code = result.get_future().get();
    REQUIRE(code.has_value());
    CHECK(*code == errc::unavailable);
}

TEST_CASE("concurrent writes all commit, grouped into few transactions", "[storage][sql_database]") {
    fixture f;
    constexpr std::size_t max_batch = 100;
    constexpr int threads = 4;
    constexpr int per_thread = 125;
    constexpr std::size_t total = threads * per_thread;
    sql_database db(f.options(max_batch));

    writer_gate gate;
    gate.close(db);
    const auto commits_before = db.commits();

    completions done(total);
    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t)
        submitters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const auto id = "w" + std::to_string(t) + "-" + std::to_string(i);
                db.write([id](scheduler::store& s) { return audit(s, id); },
                         [&done](const scheduler::status& st) { done.record(st); });
            }
        });
    for (auto& t : submitters) t.join();
    CHECK(db.queue_depth() == total); // all waiting behind the gate
    gate.open();
    REQUIRE(done.wait());

    CHECK(done.ok_count() == total);
    CHECK(db.queue_depth() == 0);
    // The gate's own transaction, then the waiting jobs in batches of max_batch.
    const auto commits = db.commits() - commits_before;
    CHECK(commits < total);
    CHECK(commits <= 1 + (total + max_batch - 1) / max_batch);

    observer o(f.path);
    CHECK(o.audit_rows() == static_cast<long long>(total));
    const auto ids = o.audit_ids();
    CHECK(ids.size() == total);
    CHECK(ids.count("w0-0") == 1);
    CHECK(ids.count("w3-124") == 1);
}

TEST_CASE("writes submitted from several threads without a pause all commit", "[storage][sql_database]") {
    fixture f;
    constexpr int threads = 4;
    constexpr int per_thread = 125;
    constexpr std::size_t total = threads * per_thread;
    sql_database db(f.options());

    completions done(total);
    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t)
        submitters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                db.write([id = "u" + std::to_string(t) + "-" +
                               std::to_string(i)](scheduler::store& s) { return audit(s, id); },
                         [&done](const scheduler::status& st) { done.record(st); });
        });
    for (auto& t : submitters) t.join();
    REQUIRE(done.wait());
    CHECK(done.ok_count() == total);
    CHECK(db.commits() >= 1);
    CHECK(db.commits() <= total);
    CHECK(observer(f.path).audit_rows() == static_cast<long long>(total));
}

TEST_CASE("a failing write is rolled back alone while its batch commits", "[storage][sql_database]") {
    fixture f;
    sql_database db(f.options());
    writer_gate gate;
    gate.close(db);
    const auto commits_before = db.commits();

    std::promise<scheduler::status> a, b, c, d;
    db.write([](scheduler::store& s) { return audit(s, "a"); }, [&](const scheduler::status& st) { a.set_value(st); });
    db.write(
        [](scheduler::store& s) -> scheduler::status {
            (void)audit(s, "b"); // written, then undone by the error result
            return scheduler::error{errc::conflict, "clash", {}};
        },
        [&](const scheduler::status& st) { b.set_value(st); });
    db.write(
        [](scheduler::store& s) -> scheduler::status {
            (void)audit(s, "d");
            throw std::runtime_error("boom");
        },
        [&](const scheduler::status& st) { d.set_value(st); });
    db.write([](scheduler::store& s) { return audit(s, "c"); }, [&](const scheduler::status& st) { c.set_value(st); });
    gate.open();

    const auto ra = a.get_future().get();
    const auto rb = b.get_future().get();
    const auto rc = c.get_future().get();
    const auto rd = d.get_future().get();
    CHECK(ra.ok());
    CHECK(rc.ok());
    REQUIRE_FALSE(rb.ok());
    CHECK(rb.err().code == errc::conflict);
    CHECK(rb.err().detail == "clash");
    REQUIRE_FALSE(rd.ok());
    CHECK(rd.err().code == errc::internal);
    CHECK(db.commits() - commits_before == 2); // the gate, then one batch for all four

    observer o(f.path);
    CHECK(o.audit_rows("a") == 1);
    CHECK(o.audit_rows("b") == 0);
    CHECK(o.audit_rows("c") == 1);
    CHECK(o.audit_rows("d") == 0);
}

TEST_CASE("done runs only after the write is committed and visible to others", "[storage][sql_database]") {
    fixture f;
    sql_database db(f.options());
    writer_gate gate;
    gate.close(db);

    constexpr int jobs = 5;
    completions done(jobs);
    std::mutex m;
    std::vector<long long> visible;
    for (int i = 0; i < jobs; ++i) {
        const auto id = "v" + std::to_string(i);
        db.write([id](scheduler::store& s) { return audit(s, id); },
                 [&, id](const scheduler::status& st) {
                     long long n = -1;
                     try {
                         n = observer(f.path).audit_rows(id);
                     } catch (...) {}
                     {
                         std::lock_guard lock(m);
                         visible.push_back(n);
                     }
                     done.record(st);
                 });
    }
    gate.open();
    REQUIRE(done.wait());
    CHECK(done.ok_count() == jobs);
    std::lock_guard lock(m);
    CHECK(visible == std::vector<long long>(jobs, 1));
}

TEST_CASE("stop finishes queued jobs and drops later ones", "[storage][sql_database]") {
    fixture f;
    auto db = std::make_unique<sql_database>(f.options(7));
    writer_gate gate;
    gate.close(*db);

    constexpr std::size_t jobs = 50;
    completions done(jobs);
    for (std::size_t i = 0; i < jobs; ++i)
        db->write([id = "s" + std::to_string(i)](scheduler::store& s) { return audit(s, id); },
                  [&done](const scheduler::status& st) { done.record(st); });
    std::promise<bool> read_ran;
    db->read([&](scheduler::store& s) { read_ran.set_value(s.ping().ok()); });

    // stop() waits for the writer, which is still held by the gate.
    std::thread stopper([&] { db->stop(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.open();
    stopper.join();

    REQUIRE(done.wait());
    CHECK(done.ok_count() == jobs);
    CHECK(read_ran.get_future().get());
    CHECK(observer(f.path).audit_rows() == static_cast<long long>(jobs));

    // Later jobs are destroyed without running.
    auto token = std::make_shared<int>(0);
    bool ran = false;
    db->write(
        [token, &ran](scheduler::store&) {
            ran = true;
            return scheduler::ok();
        },
        [token, &ran](const scheduler::status&) { ran = true; });
    db->read([token, &ran](scheduler::store&) { ran = true; });
    CHECK_FALSE(ran);
    CHECK(token.use_count() == 1);
    CHECK(db->queue_depth() == 0);

    db->stop(); // idempotent
    db.reset();
}

TEST_CASE("writer_lock admits one holder per database", "[storage][writer_lock]") {
    test::temp_dir dir;
    const auto path = dir.file("copsched.db");
    {
        storage::writer_lock first(path);
        REQUIRE(first.acquire());
        CHECK(first.acquire()); // already held by this object
        CHECK(std::filesystem::exists(path + ".lock"));

        storage::writer_lock second(path);
        CHECK_FALSE(second.acquire());
        CHECK_FALSE(second.acquire());

        storage::writer_lock other_db(dir.file("other.db"));
        CHECK(other_db.acquire());
    }
    storage::writer_lock after(path);
    CHECK(after.acquire());
}

TEST_CASE("writer_lock fails cleanly where the lock file cannot be created", "[storage][writer_lock]") {
    test::temp_dir dir;
    storage::writer_lock lock(dir.file("missing-dir/copsched.db"));
    CHECK_FALSE(lock.acquire());
}

TEST_CASE("the writer checkpoints between batches and keeps the WAL small", "[storage][sql_database]") {
    fixture f;
    auto o = f.options(1); // one commit per write: the WAL grows fastest
    o.checkpoint_pages = 20;
    sql_database db(o);
    const auto wal = f.path + "-wal";
    constexpr std::size_t total = 400;
    std::uintmax_t largest = 0;
    for (std::size_t i = 0; i < total; ++i) {
        std::promise<void> committed;
        db.write([i](scheduler::store& s) { return audit(s, "c" + std::to_string(i) + std::string(2000, 'x')); },
                 [&committed](const scheduler::status& st) {
                     CHECK(st.ok());
                     committed.set_value();
                 });
        committed.get_future().wait();
        if (std::filesystem::exists(wal)) largest = std::max(largest, std::filesystem::file_size(wal));
    }
    // Each write adds a few pages (a 2 KB audit row and its index entries): without
    // checkpoints the WAL would pass 1,000 pages; with them it starts over every 20.
    CHECK(db.checkpoints() > 10);
    CHECK(largest < 100 * 4096);
    {
        observer obs(f.path);
        CHECK(obs.audit_rows() == static_cast<long long>(total));
    }
    db.stop();
    CHECK_FALSE(std::filesystem::exists(wal)); // the last connection to close checkpoints and removes it
}

TEST_CASE("after_commit hears which tables a batch changed, before any job is answered", "[storage][sql_database]") {
    fixture f;
    auto o = f.options();
    std::mutex m;
    std::vector<std::set<std::string>> heard;
    std::atomic<int> answered{0};
    std::atomic<int> answered_when_heard{-1};
    o.after_commit = [&](const std::set<std::string>& tables) {
        std::lock_guard lock(m);
        heard.push_back(tables);
        answered_when_heard = answered.load();
    };
    sql_database db(o);
    auto write = [&](scheduler::store_executor::write_work work) {
        std::promise<scheduler::status> done;
        auto result = done.get_future();
        db.write(std::move(work), [&](const scheduler::status& st) {
            ++answered;
            done.set_value(st);
        });
        return result.get();
    };
    REQUIRE(write([](scheduler::store& s) { return audit(s, "a1"); }).ok());
    {
        std::lock_guard lock(m);
        REQUIRE(heard.size() == 1);
        CHECK(heard[0] == std::set<std::string>{"audit_log"});
        CHECK(answered_when_heard == 0);
    }
    // A batch that changes nothing is not heard of.
    REQUIRE(write([](scheduler::store& s) { return s.ping(); }).ok());
    {
        std::lock_guard lock(m);
        CHECK(heard.size() == 1);
    }
}
