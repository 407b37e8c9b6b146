// What only PostgreSQL needs, because several copsched instances may share one database:
// changes heard across instances (storage::change_channel), Idempotency-Keys and bookings
// serialised across connections. Tagged [postgresql]: these run in ctest's
// unit-postgresql run only, against the server its postgres_server fixture starts.
#include "storage/change_channel.hpp"
#include "storage/migrations.hpp"
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
