// What only PostgreSQL needs, because several copsched instances may share one database:
// changes heard across instances (storage::change_channel), Idempotency-Keys and bookings
// serialised across connections. Tagged [postgresql]: these run in ctest's
// unit-postgresql run only, against the server its postgres_server fixture starts.
#include "scheduler/clock.hpp"
#include "storage/change_channel.hpp"
#include "storage/migrations.hpp"
#include "storage/sql_database.hpp"
#include "storage/sql_store.hpp"
#include "tests/support/test_database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace copsched;
using namespace std::chrono_literals;

namespace {

// What a change_channel heard, waited for with a deadline.
struct heard {
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::string> payloads;

    void add(std::string_view p) {
        {
            std::lock_guard lock(m);
            payloads.emplace_back(p);
        }
        cv.notify_all();
    }
    bool wait_for_count(std::size_t n, std::chrono::milliseconds limit) {
        std::unique_lock lock(m);
        return cv.wait_for(lock, limit, [&] { return payloads.size() >= n; });
    }
};

} // namespace

TEST_CASE("change channel: what one instance publishes the others hear within a second, never their own",
          "[postgresql]") {
    const auto url = test::postgres_url();
    REQUIRE_FALSE(url.empty());
    heard a_heard, b_heard, c_heard;
    storage::change_channel a(url, [&](std::string_view p) { a_heard.add(p); });
    storage::change_channel b(url, [&](std::string_view p) { b_heard.add(p); });
    storage::change_channel c(url, [&](std::string_view p) { c_heard.add(p); });

    const auto sent = std::chrono::steady_clock::now();
    a.publish("t:api_tokens");
    REQUIRE(b_heard.wait_for_count(1, 1000ms));
    REQUIRE(c_heard.wait_for_count(1, 1000ms));
    CHECK(std::chrono::steady_clock::now() - sent < 1s);
    CHECK(b_heard.payloads.front() == "t:api_tokens");
    CHECK(c_heard.payloads.front() == "t:api_tokens");
    b.publish("f:{}");
    REQUIRE(a_heard.wait_for_count(1, 1000ms));
    CHECK(a_heard.payloads.front() == "f:{}");
    // A payload over PostgreSQL's limit arrives as "" (anything may have changed).
    a.publish(std::string(storage::change_channel::max_payload + 1, 'x'));
    REQUIRE(b_heard.wait_for_count(2, 1000ms));
    CHECK(b_heard.payloads.at(1).empty());
    std::this_thread::sleep_for(100ms);
    CHECK(a_heard.payloads.size() == 1); // its own two were not handed back to it
    CHECK(a.published() == 2);
    CHECK(b.received() == 2);
}

TEST_CASE("an Idempotency-Key claimed in one transaction makes a second claim wait and then find the answer",
          "[postgresql]") {
    test::temp_dir dir;
    test::store_database database{dir};
    REQUIRE(database.postgresql());
    (void)storage::migrate(database.connection());
    auto first = database.open();
    auto second = database.open();
    storage::sql_store a(*first), b(*second);
    const std::string expired = "2000-01-01T00:00:00Z";

    first->begin();
    auto claimed = a.claim_idempotency_key("tok_1", "key-1", expired);
    REQUIRE(claimed.ok());
    CHECK_FALSE(*claimed);

    // The second instance's claim waits for the first transaction ...
    auto waiting = std::async(std::launch::async, [&] {
        second->begin();
        auto r = b.claim_idempotency_key("tok_1", "key-1", expired);
        second->exec("COMMIT");
        return r;
    });
    CHECK(waiting.wait_for(300ms) == std::future_status::timeout);
    // ... which stores its answer and commits: the second finds that answer.
    REQUIRE(a.store_idempotency_answer("tok_1", "key-1", {"hash", 201, "{\"body\":\"first\"}"}, "2026-01-01T00:00:00Z",
                                       expired)
                .ok());
    first->exec("COMMIT");
    REQUIRE(waiting.wait_for(5s) == std::future_status::ready);
    auto found = waiting.get();
    REQUIRE(found.ok());
    REQUIRE(*found);
    CHECK((*found)->status == 201);
    CHECK((*found)->response == "{\"body\":\"first\"}");

    // Another key does not wait.
    first->begin();
    REQUIRE(a.claim_idempotency_key("tok_1", "key-2", expired).ok());
    auto other = std::async(std::launch::async, [&] {
        second->begin();
        auto r = b.claim_idempotency_key("tok_1", "key-3", expired);
        second->exec("COMMIT");
        return r;
    });
    CHECK(other.wait_for(2s) == std::future_status::ready);
    first->exec("COMMIT");
}

namespace {

// A booking candidate in UTC, as booking_facts takes it.
scheduler::booking_candidate candidate(const std::string& start_utc, const std::string& end_utc,
                                       std::optional<std::string> venue = std::nullopt) {
    scheduler::booking_candidate c;
    c.start_utc = *scheduler::parse_instant(start_utc);
    c.end_utc = *scheduler::parse_instant(end_utc);
    c.local_start = *scheduler::parse_local_time(start_utc.substr(0, 16));
    c.local_end = *scheduler::parse_local_time(end_utc.substr(0, 16));
    c.venue_id = std::move(venue);
    return c;
}

// A migrated database of its own with one programme.
struct programme_database {
    test::temp_dir dir;
    test::store_database database{dir};
    scheduler::programme p;

    programme_database() {
        REQUIRE(database.postgresql());
        (void)storage::migrate(database.connection());
        storage::sql_store setup(database.connection());
        scheduler::programme in;
        in.slug = in.name = "cop";
        in.starts_on = "2026-01-01";
        in.ends_on = "2027-12-31";
        auto r = setup.create_programme(in, "2026-01-05T09:00:00Z");
        REQUIRE(r.ok());
        p = *r;
    }
};

} // namespace

TEST_CASE("booking checks on two connections wait for each other only when their times overlap", "[postgresql]") {
    programme_database db;
    const auto& p = db.p;
    auto first = db.database.open();
    auto second = db.database.open();
    storage::sql_store a(*first), b(*second);

    // A holds the check of 10:00-10:30 (its transaction is open, as a batch's would be).
    first->begin();
    REQUIRE(a.booking_facts(p, candidate("2027-03-02T10:00:00Z", "2027-03-02T10:30:00Z"), std::nullopt).ok());

    const auto check_on_b = [&](std::string start, std::string end) {
        return std::async(std::launch::async, [&, start, end] {
            second->begin();
            auto r = b.booking_facts(p, candidate(start, end), std::nullopt);
            second->exec("COMMIT");
            return r.ok();
        });
    };
    // Later the same day, the next slot, another day: no wait.
    for (const auto& [start, end] :
         std::vector<std::pair<std::string, std::string>>{{"2027-03-02T10:30:00Z", "2027-03-02T11:00:00Z"},
                                                          {"2027-03-02T14:00:00Z", "2027-03-02T15:00:00Z"},
                                                          {"2027-03-09T10:00:00Z", "2027-03-09T10:30:00Z"}}) {
        auto free = check_on_b(start, end);
        CHECK(free.wait_for(3s) == std::future_status::ready);
        CHECK(free.get());
    }
    // Overlapping it, however long: waits until A commits.
    for (const auto& [start, end] : std::vector<std::pair<std::string, std::string>>{
             {"2027-03-02T10:15:00Z", "2027-03-02T10:45:00Z"},    // a shorter one
             {"2027-03-01T08:00:00Z", "2027-03-04T08:00:00Z"},    // three days around it
             {"2027-01-01T00:00:00Z", "2027-06-30T00:00:00Z"}}) { // half a year
        auto waiting = check_on_b(start, end);
        CHECK(waiting.wait_for(300ms) == std::future_status::timeout);
        first->exec("COMMIT");
        REQUIRE(waiting.wait_for(5s) == std::future_status::ready);
        CHECK(waiting.get());
        first->begin();
        REQUIRE(a.booking_facts(p, candidate("2027-03-02T10:00:00Z", "2027-03-02T10:30:00Z"), std::nullopt).ok());
    }
    first->exec("COMMIT");
}

TEST_CASE("a writer whose job would wait for another instance's lock commits and answers the jobs before it first",
          "[postgresql]") {
    programme_database db;
    const auto& p = db.p;

    // Another instance holds the check of 10:00-10:30 in an open transaction.
    auto other = db.database.open();
    storage::sql_store held(*other);
    other->begin();
    REQUIRE(held.booking_facts(p, candidate("2027-03-02T10:00:00Z", "2027-03-02T10:30:00Z"), std::nullopt).ok());

    storage::sql_database::options o;
    o.path = db.database.location();
    o.readers = 1;
    o.max_batch = 256;
    storage::sql_database instance(o);
    // Hold the writer in a job so that the next two are taken as one batch.
    std::promise<void> entered, opened;
    auto open_gate = opened.get_future().share();
    instance.write(
        [&](scheduler::store&) {
            entered.set_value();
            open_gate.wait();
            return scheduler::ok();
        },
        [](const scheduler::status&) {});
    entered.get_future().wait();
    std::promise<bool> free_done, busy_done;
    instance.write(
        [&](scheduler::store& s) {
            auto r = s.booking_facts(p, candidate("2027-03-02T11:00:00Z", "2027-03-02T11:30:00Z"), std::nullopt);
            return r ? scheduler::ok() : scheduler::status(r.err());
        },
        [&](const scheduler::status& st) { free_done.set_value(st.ok()); });
    instance.write(
        [&](scheduler::store& s) {
            auto r = s.booking_facts(p, candidate("2027-03-02T10:15:00Z", "2027-03-02T10:45:00Z"), std::nullopt);
            return r ? scheduler::ok() : scheduler::status(r.err());
        },
        [&](const scheduler::status& st) { busy_done.set_value(st.ok()); });
    opened.set_value();

    // The free job is committed and answered while the other instance still holds its lock;
    // the busy one waits for it, first in a new transaction.
    auto free_answer = free_done.get_future();
    auto busy_answer = busy_done.get_future();
    REQUIRE(free_answer.wait_for(5s) == std::future_status::ready);
    CHECK(free_answer.get());
    CHECK(busy_answer.wait_for(300ms) == std::future_status::timeout);
    CHECK(instance.lock_refusals() == 1);
    other->exec("COMMIT");
    REQUIRE(busy_answer.wait_for(5s) == std::future_status::ready);
    CHECK(busy_answer.get());
    CHECK(instance.lock_refusals() == 1);
}
