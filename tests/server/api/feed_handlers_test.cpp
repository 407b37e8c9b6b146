#include "server/api/feed_handlers.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace copsched::server;

namespace {

std::shared_ptr<const feed_cache::entry> rendered(const feed_cache& cache, const std::vector<std::string>& keys,
                                                  std::size_t bytes = 10) {
    auto e = std::make_shared<feed_cache::entry>();
    e->gzip = std::make_shared<const std::string>(bytes, 'x');
    e->stale_at = feed_cache::clock::time_point::max();
    e->depends_on = cache.versions(keys);
    return e;
}

} // namespace

TEST_CASE("feed_cache: a change in one group leaves the other group's feed cached", "[server][feeds]") {
    feed_cache cache;
    const auto a = group_content_key("wg_a"), b = group_content_key("wg_b"), p = programme_content_key("prg");
    cache.put(feed_kind::working_group, "group:a", rendered(cache, {p, a}));
    cache.put(feed_kind::working_group, "group:b", rendered(cache, {p, b}));
    cache.put(feed_kind::working_group, "programme", rendered(cache, {programme_anything_key("prg")}));
    REQUIRE(cache.find(feed_kind::working_group, "group:a"));

    const auto before = cache.changes();
    cache.changed("prg", {a});
    CHECK(cache.changes() == before + 1);
    CHECK_FALSE(cache.find(feed_kind::working_group, "group:a"));
    CHECK(cache.find(feed_kind::working_group, "group:b"));
    CHECK_FALSE(cache.find(feed_kind::working_group, "programme")); // every change touches the programme-wide key

    cache.changed("prg", {p}); // a CoP meeting: every feed of the programme
    CHECK_FALSE(cache.find(feed_kind::working_group, "group:b"));
    cache.changed("other", {programme_content_key("other")}); // another programme
    cache.put(feed_kind::working_group, "group:b", rendered(cache, {p, b}));
    CHECK(cache.find(feed_kind::working_group, "group:b"));
}

TEST_CASE("feed_cache: stale_at ends a feed, Last-Modified never goes back", "[server][feeds]") {
    feed_cache cache;
    auto e = std::make_shared<feed_cache::entry>(*rendered(cache, {"k"}));
    e->stale_at = feed_cache::clock::now() - std::chrono::seconds(1); // a cancelled event's grace ended
    cache.put(feed_kind::working_group, "f", e);
    CHECK_FALSE(cache.find(feed_kind::working_group, "f"));

    const auto t0 = feed_cache::clock::now();
    CHECK(cache.monotonic_last_modified("f", t0) == t0);
    CHECK(cache.monotonic_last_modified("f", t0 - std::chrono::hours(1)) == t0); // after a deletion
    CHECK(cache.monotonic_last_modified("f", t0 + std::chrono::hours(1)) == t0 + std::chrono::hours(1));
}

TEST_CASE("feed_cache: the budget counts the bytes held and CLOCK evicts a feed not hit since the hand passed",
          "[server][feeds]") {
    // One entry's cost, as the cache counts it: at least its compressed bytes.
    std::size_t cost = 0;
    {
        feed_cache probe;
        probe.put(feed_kind::person, "person:a", rendered(probe, {"k"}, 1000));
        cost = probe.bytes();
    }
    REQUIRE(cost >= 1000);
    feed_cache cache(3 * cost);
    for (const char* f : {"person:a", "person:b", "person:c"})
        cache.put(feed_kind::person, f, rendered(cache, {"k"}, 1000));
    CHECK(cache.bytes() == 3 * cost);
    CHECK(cache.size() == 3);
    REQUIRE(cache.find(feed_kind::person, "person:a")); // a is used: it gets a second chance

    cache.put(feed_kind::person, "person:d", rendered(cache, {"k"}, 1000));
    CHECK(cache.find(feed_kind::person, "person:a"));
    CHECK_FALSE(cache.find(feed_kind::person, "person:b")); // the oldest not hit goes
    CHECK(cache.find(feed_kind::person, "person:c"));
    CHECK(cache.find(feed_kind::person, "person:d"));
    CHECK(cache.bytes() == 3 * cost);

    // Replacing a feed frees its old bytes; an out-of-date feed goes before a hit one.
    cache.put(feed_kind::person, "person:d", rendered(cache, {"k"}, 1000));
    CHECK(cache.bytes() == 3 * cost);
    // (A content change keeps the old version for serving while the new one renders, so it
    // still holds bytes; it goes first. An access change would erase it at once.)
    cache.put(feed_kind::person, "person:old", rendered(cache, {"gone"}, 1000));
    cache.changed("prg", {"gone"}, feed_cache::change::content);
    cache.find(feed_kind::person, "person:a");
    cache.find(feed_kind::person, "person:c");
    cache.put(feed_kind::person, "person:e", rendered(cache, {"k"}, 1000));
    CHECK(cache.find(feed_kind::person, "person:a"));
    CHECK(cache.find(feed_kind::person, "person:c"));
    CHECK(cache.find(feed_kind::person, "person:e"));
    CHECK(cache.size() == 3);
    CHECK(cache.bytes() <= 3 * cost);

    // A feed larger than the whole budget is not kept, and evicts nothing.
    const auto before = cache.size();
    cache.put(feed_kind::person, "person:huge", rendered(cache, {"k"}, 4 * cost));
    CHECK_FALSE(cache.find(feed_kind::person, "person:huge"));
    CHECK(cache.size() == before);

    std::string text;
    cache.append_metrics(text);
    INFO(text);
    CHECK(text.find("copsched_feed_cache_evictions_total{kind=\"person\"} 3\n") != std::string::npos);
    CHECK(text.find("copsched_feed_cache_entries{kind=\"person\"} 3\n") != std::string::npos);
    CHECK(text.find("copsched_feed_cache_bytes{kind=\"person\"} " + std::to_string(cache.bytes()) + "\n") !=
          std::string::npos);
    CHECK(text.find("copsched_feed_cache_entries{kind=\"programme\"} 0\n") != std::string::npos);
}

TEST_CASE("feed_cache: hits and misses are counted by kind", "[server][feeds]") {
    feed_cache cache;
    CHECK_FALSE(cache.find(feed_kind::organisation, "organisation:o"));
    cache.put(feed_kind::organisation, "organisation:o", rendered(cache, {"k"}));
    CHECK(cache.find(feed_kind::organisation, "organisation:o"));
    CHECK(cache.find(feed_kind::organisation, "organisation:o"));
    cache.record_render(feed_kind::organisation, std::chrono::milliseconds(3));
    std::string text;
    cache.append_metrics(text);
    INFO(text);
    CHECK(text.find("copsched_feed_cache_hits_total{kind=\"organisation\"} 2\n") != std::string::npos);
    CHECK(text.find("copsched_feed_cache_misses_total{kind=\"organisation\"} 1\n") != std::string::npos);
    CHECK(text.find("copsched_feed_cache_hits_total{kind=\"person\"} 0\n") != std::string::npos);
    CHECK(text.find("copsched_feed_renders_total{kind=\"organisation\"} 1\n") != std::string::npos);
    CHECK(text.find("copsched_feed_render_seconds_sum{kind=\"organisation\"} 0.003000\n") != std::string::npos);
    CHECK(text.find("copsched_feed_render_seconds_count{kind=\"organisation\"} 1\n") != std::string::npos);
}

TEST_CASE("feed_cache: concurrent misses of one feed share one render", "[server][feeds]") {
    feed_cache cache;
    auto first = cache.join_render("person:x");
    CHECK(first.leader);
    auto second = cache.join_render("person:x");
    CHECK_FALSE(second.leader);
    CHECK(second.flight == first.flight);
    CHECK(cache.join_render("person:y").leader); // another feed renders on its own

    std::vector<std::shared_ptr<const feed_cache::entry>> seen;
    second.flight->then([&](std::shared_ptr<const feed_cache::entry> e) { seen.push_back(std::move(e)); });
    CHECK(seen.empty());
    const auto e = rendered(cache, {"k"});
    cache.end_render("person:x", first.flight, e);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == e);
    // Joined after the landing: called at once with the same entry.
    second.flight->then([&](std::shared_ptr<const feed_cache::entry> got) { seen.push_back(std::move(got)); });
    CHECK(seen.size() == 2);
    // The next miss leads a new render.
    CHECK(cache.join_render("person:x").leader);
}

TEST_CASE("feeds: gzip round trip and the ETag of the gzip encoding", "[server][feeds]") {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "BEGIN:VEVENT\r\nUID:" + std::to_string(i) + "@copsched\r\nEND:VEVENT\r\n";
    for (int level : {1, 6, 9}) {
        const auto gz = gzip_compress(text, level);
        REQUIRE(gz.size() > 18);
        CHECK(static_cast<unsigned char>(gz[0]) == 0x1f); // the gzip magic (RFC 1952)
        CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
        CHECK(gz.size() < text.size() / 5);
        CHECK(gz.capacity() == gz.size());
        CHECK(gzip_decompress(gz) == text);
    }
    CHECK(gzip_decompress("not gzip").empty());
    CHECK(gzip_decompress(gzip_compress(text).substr(0, 100)).empty()); // truncated
    CHECK(gzip_decompress(gzip_compress("")).empty());
    CHECK(feed_cache::gzip_etag_of("\"0123abcd\"") == "\"0123abcd-gz\"");
}
