// The feed handlers through the real dispatcher, without a socket: what a cached feed's
// answer shares with the cache (no copy), the two encodings, their ETags, 304, HEAD,
// Vary and the feed metrics.
#include "server/api/feed_handlers.hpp"

#include "scheduler/clock.hpp"
#include "scheduler/demo.hpp"
#include "server/api/auth.hpp"
#include "server/api/dispatch.hpp"
#include "server/api/services.hpp"
#include "server/http/metrics.hpp"
#include "server/options/config.hpp"
#include "server/pages/site.hpp"
#include "storage/database_file.hpp"
#include "storage/sql_database.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace copsched;
using namespace copsched::server;
using namespace std::chrono_literals;

namespace {

constexpr int busy_ms = 2000;

// The demo programme behind the real route table, and one person's feed token.
struct feed_app {
    test::temp_dir dir;
    std::string path = dir.file("copsched.db");
    config cfg;
    std::unique_ptr<storage::sql_database> db;
    metrics stats;
    auth_throttle throttle{cfg.auth_failure_limit, cfg.auth_failure_window};
    touch_debouncer touches{cfg.token_touch_interval};
    token_cache tokens;
    feed_key feed_secret{std::array<unsigned char, 32>{}};
    feed_cache feeds;
    std::unique_ptr<services> svc;
    std::unique_ptr<dispatcher> dispatch;
    std::string person_id;
    std::string token;

    feed_app() {
        cfg.access_log = false;
        REQUIRE(storage::migrate_file(path, busy_ms).ok());
        const auto st = storage::write_once(path, busy_ms, [&](scheduler::store& s) -> scheduler::status {
            auto seeded = s.seed_demo(scheduler::demo_programme(), scheduler::now_utc());
            if (!seeded) return seeded.err();
            auto people = s.feed_token_states();
            if (!people) return people.err();
            REQUIRE_FALSE(people->empty());
            person_id = people->front().person_id;
            const int generation = people->front().generation;
            token = feed_secret.token(person_id, generation);
            return s.set_feed_token(person_id, generation, feed_secret.token_hash(person_id, generation));
        });
        REQUIRE(st.ok());
        db = std::make_unique<storage::sql_database>(
            storage::sql_database::options{path, cfg.db_readers, busy_ms, cfg.db_write_batch, 32, 1000, {}});
        svc = std::make_unique<services>(services{cfg, *db, stats, throttle, touches, tokens, feed_secret, feeds});
        dispatch = std::make_unique<dispatcher>(*svc, pages::make_site_routes());
    }

    // The answer with its canned fields (a cached feed's, written once) among its fields,
    // as a client reads it.
    response send(http::verb method, const std::string& target, const std::map<http::field, std::string>& fields) {
        auto res = send_raw(method, target, fields);
        expand_canned_fields(res);
        return res;
    }
    // The answer as the dispatcher gives it to http_server.
    response send_raw(http::verb method, const std::string& target, const std::map<http::field, std::string>& fields) {
        request req{method, target, 11};
        req.set(http::field::host, "localhost");
        for (const auto& [f, v] : fields) req.set(f, v);
        req.keep_alive(true);
        asio::io_context ioc;
        auto result = asio::co_spawn(ioc, dispatch->handle(std::move(req), "127.0.0.1"), asio::use_future);
        ioc.run();
        REQUIRE(result.wait_for(0s) == std::future_status::ready);
        return result.get();
    }
    std::string feed_path() const { return "/feeds/people/" + token + ".ics"; }
    std::shared_ptr<const feed_cache::entry> cached() const { return feeds.find(feed_kind::person, "person:" + token); }
    std::string metrics_text() {
        auto res = send(http::verb::get, "/metrics", {});
        REQUIRE(res.result_int() == 200);
        return res.body();
    }
};

bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

} // namespace

TEST_CASE("personal feed: gzip and plain answers share the cached bytes, one ETag per encoding", "[server][feeds]") {
    feed_app a;
    const std::map<http::field, std::string> gzip{{http::field::accept_encoding, "gzip, deflate, br"}};

    auto gz = a.send(http::verb::get, a.feed_path(), gzip);
    INFO(gz.body());
    REQUIRE(gz.result_int() == 200);
    CHECK(gz[http::field::content_encoding] == "gzip");
    CHECK(gz[http::field::vary] == "Accept-Encoding");
    const std::string gz_etag(gz[http::field::etag]);
    CHECK(gz_etag.ends_with("-gz\""));
    auto entry = a.cached();
    REQUIRE(entry);
    CHECK_FALSE(entry->plain); // asked with gzip: only the compressed bytes are held
    // No copy: the answer points at the cache's bytes.
    REQUIRE(gz.body().shared());
    CHECK(gz.body().shared() == entry->gzip);
    CHECK(gz.body().data() == entry->gzip->data());
    CHECK(gz[http::field::content_length] == std::to_string(entry->gzip->size()));
    {
        // A hit inserts no field: they were written once with the entry (canned fields),
        // and a 304 sends their tail.
        auto raw = a.send_raw(http::verb::get, a.feed_path(), gzip);
        CHECK(raw.begin() == raw.end());
        REQUIRE(entry->gzip_head.lines);
        CHECK(raw.body().canned_fields() == *entry->gzip_head.lines);
        CHECK(raw.body().data() == entry->gzip->data());
        auto raw_304 = a.send_raw(http::verb::get, a.feed_path(),
                                  {{http::field::accept_encoding, "gzip"}, {http::field::if_none_match, gz_etag}});
        CHECK(raw_304.result_int() == 304);
        CHECK(raw_304.begin() == raw_304.end());
        CHECK(raw_304.body().canned_fields().starts_with("ETag: " + gz_etag + "\r\n"));
        CHECK(raw_304.body().empty());
    }

    auto plain = a.send(http::verb::get, a.feed_path(), {});
    REQUIRE(plain.result_int() == 200);
    CHECK(plain[http::field::content_encoding].empty());
    CHECK(plain[http::field::vary] == "Accept-Encoding");
    const std::string plain_etag(plain[http::field::etag]);
    CHECK(feed_cache::gzip_etag_of(plain_etag) == gz_etag);
    CHECK(plain.body().str().starts_with("BEGIN:VCALENDAR\r\n"));
    CHECK(gzip_decompress(gz.body()) == plain.body().str());
    entry = a.cached();
    REQUIRE(entry->plain); // kept once a client without gzip asked
    CHECK(plain.body().shared() == entry->plain);
    CHECK(a.send(http::verb::get, a.feed_path(), {}).body().data() == entry->plain->data());
    CHECK(a.send(http::verb::get, a.feed_path(), gzip).body().data() == entry->gzip->data());

    SECTION("If-None-Match matches only the representation asked for") {
        auto with = [](std::map<http::field, std::string> m, const std::string& tag) {
            m[http::field::if_none_match] = tag;
            return m;
        };
        auto nm = a.send(http::verb::get, a.feed_path(), with(gzip, gz_etag));
        CHECK(nm.result_int() == 304);
        CHECK(nm.body().empty());
        CHECK(nm[http::field::etag] == gz_etag);
        CHECK(nm[http::field::vary] == "Accept-Encoding");
        CHECK(nm[http::field::content_type].empty()); // RFC 9110, 15.4.5: no representation metadata
        CHECK_FALSE(nm[http::field::last_modified].empty());
        CHECK(a.send(http::verb::get, a.feed_path(), with(gzip, plain_etag)).result_int() == 200);
        CHECK(a.send(http::verb::get, a.feed_path(), with(gzip, "W/" + gz_etag)).result_int() == 304);
        auto nm_plain = a.send(http::verb::get, a.feed_path(), with({}, plain_etag));
        CHECK(nm_plain.result_int() == 304);
        CHECK(nm_plain[http::field::etag] == plain_etag);
        CHECK(nm_plain[http::field::vary] == "Accept-Encoding");
        CHECK(a.send(http::verb::get, a.feed_path(), with({}, gz_etag)).result_int() == 200);
        // gzip;q=0 refuses gzip: the plain representation and its tag.
        auto refused = a.send(http::verb::get, a.feed_path(), {{http::field::accept_encoding, "gzip;q=0, *"}});
        CHECK(refused[http::field::content_encoding].empty());
        CHECK(refused[http::field::etag] == plain_etag);
    }
    SECTION("HEAD gives the length of the chosen encoding and no body") {
        auto head_gz = a.send(http::verb::head, a.feed_path(), gzip);
        CHECK(head_gz.result_int() == 200);
        CHECK(head_gz.body().empty());
        CHECK(head_gz[http::field::content_encoding] == "gzip");
        CHECK(head_gz[http::field::content_length] == std::to_string(entry->gzip->size()));
        CHECK(head_gz[http::field::etag] == gz_etag);
        auto head = a.send(http::verb::head, a.feed_path(), {});
        CHECK(head[http::field::content_length] == std::to_string(entry->plain->size()));
        CHECK(head[http::field::etag] == plain_etag);
        CHECK(head[http::field::vary] == "Accept-Encoding");
    }
}

TEST_CASE("personal feed: a plain request of a feed held compressed inflates it once", "[server][feeds]") {
    feed_app a;
    const auto gz = a.send(http::verb::get, a.feed_path(), {{http::field::accept_encoding, "gzip"}});
    REQUIRE(gz.result_int() == 200);
    const auto before = a.cached();
    REQUIRE_FALSE(before->plain);
    const auto held_compressed = a.feeds.bytes();
    auto plain = a.send(http::verb::get, a.feed_path(), {{http::field::accept_encoding, "identity"}});
    REQUIRE(plain.result_int() == 200);
    const auto after = a.cached();
    REQUIRE(after->plain);
    CHECK(after->gzip == before->gzip); // the compressed bytes stay shared, not copied
    CHECK(*after->plain == gzip_decompress(*before->gzip));
    // The budget counts both (give or take the spare capacity of the copied bookkeeping).
    CHECK(a.feeds.bytes() + 64 >= held_compressed + after->plain->size());
}

TEST_CASE("feed metrics: a miss renders, then hits, by kind, and a change renders again", "[server][feeds]") {
    feed_app a;
    REQUIRE(a.send(http::verb::get, a.feed_path(), {}).result_int() == 200);
    REQUIRE(a.send(http::verb::get, a.feed_path(), {}).result_int() == 200);
    REQUIRE(a.send(http::verb::get, a.feed_path(), {{http::field::accept_encoding, "gzip"}}).result_int() == 200);
    auto text = a.metrics_text();
    INFO(text);
    CHECK(has_line(text, "copsched_feed_cache_misses_total{kind=\"person\"} 1"));
    CHECK(has_line(text, "copsched_feed_cache_hits_total{kind=\"person\"} 2"));
    CHECK(has_line(text, "copsched_feed_renders_total{kind=\"person\"} 1"));
    CHECK(has_line(text, "copsched_feed_render_seconds_count{kind=\"person\"} 1"));
    CHECK(has_line(text, "copsched_feed_cache_entries{kind=\"person\"} 1"));
    CHECK(has_line(text, "copsched_feed_cache_bytes{kind=\"person\"} " + std::to_string(a.feeds.bytes())));
    CHECK(has_line(text, "copsched_feed_cache_misses_total{kind=\"working_group\"} 0"));
    CHECK(text.find("# TYPE copsched_feed_render_seconds summary\n") != std::string::npos);

    a.feeds.changed("any", {person_content_key(a.person_id)});
    REQUIRE(a.send(http::verb::get, a.feed_path(), {}).result_int() == 200);
    text = a.metrics_text();
    CHECK(has_line(text, "copsched_feed_cache_misses_total{kind=\"person\"} 2"));
    CHECK(has_line(text, "copsched_feed_renders_total{kind=\"person\"} 2"));
}

TEST_CASE("personal feed: concurrent misses of one feed render it once and share its bytes", "[server][feeds]") {
    feed_app a;
    // All requests start before the first render is back: one leads, the others wait.
    asio::io_context ioc;
    std::vector<std::future<response>> answers;
    for (int i = 0; i < 8; ++i) {
        request req{http::verb::get, a.feed_path(), 11};
        req.set(http::field::host, "localhost");
        if (i % 2) req.set(http::field::accept_encoding, "gzip");
        answers.push_back(asio::co_spawn(ioc, a.dispatch->handle(std::move(req), "127.0.0.1"), asio::use_future));
    }
    ioc.run();
    const auto entry = a.cached();
    REQUIRE(entry);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        REQUIRE(answers[i].wait_for(0s) == std::future_status::ready);
        auto res = answers[i].get();
        CHECK(res.result_int() == 200);
        CHECK(res.body().data() == (i % 2 ? entry->gzip->data() : entry->plain->data()));
    }
    const auto text = a.metrics_text();
    INFO(text);
    CHECK(has_line(text, "copsched_feed_renders_total{kind=\"person\"} 1"));
    CHECK(has_line(text, "copsched_feed_cache_misses_total{kind=\"person\"} 8"));
}

namespace {

// Runs `sql` on the database file (a second connection, as another writer would).
void exec_sql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, busy_ms);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    INFO((message ? message : ""));
    sqlite3_free(message);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

std::string programme_of(const std::string& path, const std::string& person_id) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT programme_id FROM people WHERE id = ?", -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_text(st, 1, person_id.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string id(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return id;
}

} // namespace

TEST_CASE("feeds after a change of events: the previous version while the new one renders, none after an access "
          "change",
          "[server][feeds]") {
    feed_app a;
    const auto first = a.send(http::verb::get, a.feed_path(), {});
    REQUIRE(first.result_int() == 200);
    const std::string old_body = first.body().str();
    REQUIRE(old_body.find("(verplaatst)") == std::string::npos);
    const auto programme = programme_of(a.path, a.person_id);
    exec_sql(a.path, "UPDATE events SET title = title || ' (verplaatst)'");
    auto content_changed = [&] {
        a.feeds.changed(programme, {programme_content_key(programme)}, feed_cache::change::content);
    };

    SECTION("--feed-refresh-wait 0: the previous version at once, the new one once rendered in the background") {
        a.cfg.feed_refresh_wait = 0ms;
        content_changed();
        const auto during = a.send(http::verb::get, a.feed_path(), {});
        REQUIRE(during.result_int() == 200);
        CHECK(during.body().str() == old_body);
        CHECK(during[http::field::etag] == first[http::field::etag]);
        const auto text = a.metrics_text();
        INFO(text);
        CHECK(has_line(text, "copsched_feed_previous_served_total{kind=\"person\"} 1"));
        // The background render lands in the cache without another request.
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!a.cached() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
        REQUIRE(a.cached());
        const auto after = a.send(http::verb::get, a.feed_path(), {});
        REQUIRE(after.result_int() == 200);
        CHECK(after.body().str().find("(verplaatst)") != std::string::npos);
        CHECK(after[http::field::etag] != first[http::field::etag]);
        CHECK(has_line(a.metrics_text(), "copsched_feed_background_renders{state=\"waiting\"} 0"));
    }
    SECTION("a re-render that begins at once is waited for (up to --feed-refresh-wait)") {
        a.cfg.feed_refresh_wait = 30s;
        content_changed();
        const auto now = a.send(http::verb::get, a.feed_path(), {{http::field::accept_encoding, "gzip"}});
        REQUIRE(now.result_int() == 200);
        CHECK(gzip_decompress(now.body()).find("(verplaatst)") != std::string::npos);
        CHECK(has_line(a.metrics_text(), "copsched_feed_previous_served_total{kind=\"person\"} 0"));
    }
    SECTION("an access change (the person leaves) drops the previous version at once") {
        a.cfg.feed_refresh_wait = 0ms;
        content_changed();
        exec_sql(a.path, "UPDATE people SET active = 0 WHERE id = '" + a.person_id + "'");
        a.feeds.changed(programme, {person_content_key(a.person_id)}); // as the people handlers report it
        CHECK(a.send(http::verb::get, a.feed_path(), {}).result_int() == 404);
        CHECK_FALSE(a.feeds.previous("person:" + a.token));
    }
    SECTION("a background render that finds the feed gone drops the previous version") {
        a.cfg.feed_refresh_wait = 0ms;
        exec_sql(a.path, "UPDATE people SET active = 0 WHERE id = '" + a.person_id + "'");
        content_changed(); // a change reported as content only: the render finds no feed
        CHECK(a.send(http::verb::get, a.feed_path(), {}).result_int() == 200); // the previous, once
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (a.feeds.previous("person:" + a.token) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        CHECK(a.send(http::verb::get, a.feed_path(), {}).result_int() == 404);
    }
}

TEST_CASE("render queue: at most its limit runs, the others start in order as renders end", "[server][feeds]") {
    render_queue q(2);
    std::vector<int> started;
    std::vector<std::function<void()>> done;
    for (int i = 0; i < 5; ++i) {
        const bool now = q.submit([&, i](std::function<void()> d) {
            started.push_back(i);
            done.push_back(std::move(d));
        });
        CHECK(now == (i < 2));
    }
    CHECK(started == std::vector<int>{0, 1});
    CHECK(q.running() == 2);
    CHECK(q.waiting() == 3);
    done[1](); // the second ends: the third takes its place
    CHECK(started == std::vector<int>{0, 1, 2});
    done[0]();
    done[2]();
    CHECK(started == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(q.waiting() == 0);
    done[3]();
    done[4]();
    CHECK(q.running() == 0);
    CHECK(q.submit([&](std::function<void()> d) { d(); }));
    CHECK(q.running() == 0);
}
