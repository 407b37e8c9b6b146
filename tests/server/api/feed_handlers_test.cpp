#include "server/api/feed_handlers.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace copsched::server;

namespace {

std::shared_ptr<const feed_cache::entry> rendered(const feed_cache& cache, const std::vector<std::string>& keys,
                                                  std::size_t bytes = 10) {
    auto e = std::make_shared<feed_cache::entry>();
    e->body = std::string(bytes, 'x');
    e->stale_at = feed_cache::clock::time_point::max();
    e->depends_on = cache.versions(keys);
    return e;
}

} // namespace

TEST_CASE("feed_cache: a change in one group leaves the other group's feed cached", "[server][feeds]") {
    feed_cache cache;
    const auto a = group_content_key("wg_a"), b = group_content_key("wg_b"), p = programme_content_key("prg");
    cache.put("group:a", rendered(cache, {p, a}));
    cache.put("group:b", rendered(cache, {p, b}));
    cache.put("programme", rendered(cache, {programme_anything_key("prg")}));
    REQUIRE(cache.find("group:a"));

    const auto before = cache.changes();
    cache.changed("prg", {a});
    CHECK(cache.changes() == before + 1);
    CHECK_FALSE(cache.find("group:a"));
    CHECK(cache.find("group:b"));
    CHECK_FALSE(cache.find("programme")); // every change touches the programme-wide key

    cache.changed("prg", {p}); // a CoP meeting: every feed of the programme
    CHECK_FALSE(cache.find("group:b"));
    cache.changed("other", {programme_content_key("other")}); // another programme
    cache.put("group:b", rendered(cache, {p, b}));
    CHECK(cache.find("group:b"));
}

TEST_CASE("feed_cache: stale_at ends a feed, the byte limit empties the cache, Last-Modified never goes back",
          "[server][feeds]") {
    feed_cache cache(100);
    auto e = std::make_shared<feed_cache::entry>(*rendered(cache, {"k"}));
    e->stale_at = feed_cache::clock::now() - std::chrono::seconds(1); // a cancelled event's grace ended
    cache.put("f", e);
    CHECK_FALSE(cache.find("f"));

    cache.put("one", rendered(cache, {"k"}, 60));
    CHECK(cache.find("one"));
    cache.put("two", rendered(cache, {"k"}, 60)); // 120 bytes > 100: start again
    CHECK_FALSE(cache.find("one"));
    CHECK_FALSE(cache.find("two"));

    const auto t0 = feed_cache::clock::now();
    CHECK(cache.monotonic_last_modified("f", t0) == t0);
    CHECK(cache.monotonic_last_modified("f", t0 - std::chrono::hours(1)) == t0); // after a deletion
    CHECK(cache.monotonic_last_modified("f", t0 + std::chrono::hours(1)) == t0 + std::chrono::hours(1));
}
