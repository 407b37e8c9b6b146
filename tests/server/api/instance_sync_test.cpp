// What instances sharing a PostgreSQL database tell each other: a change published by one
// instance's caches, carried as a payload (storage::change_channel carries it in
// tests/storage/change_channel_test.cpp), outdates the same feeds and tokens in another.
#include "server/api/instance_sync.hpp"

#include "server/api/feed_handlers.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace copsched::server;

namespace {

std::shared_ptr<const feed_cache::entry> rendered(const feed_cache& cache, const std::vector<std::string>& keys) {
    auto e = std::make_shared<feed_cache::entry>();
    e->gzip = std::make_shared<const std::string>(10, 'x');
    e->stale_at = feed_cache::clock::time_point::max();
    e->depends_on = cache.versions(keys);
    return e;
}

// Two instances' feed caches and token caches; what A publishes is applied to B.
struct two_instances {
    feed_cache a_feeds, b_feeds;
    token_cache a_tokens, b_tokens;
    std::vector<std::string> wire;

    two_instances() {
        a_feeds.set_publisher([this](const std::string& p, const std::vector<std::string>& keys,
                                     feed_cache::change how) { wire.push_back(feed_change_payload(p, keys, how)); });
    }
    void deliver() {
        for (const auto& payload : wire) apply_instance_change(payload, b_feeds, b_tokens);
        wire.clear();
    }
};

} // namespace

TEST_CASE("instance sync: a feed change on one instance outdates the same feeds on another, and only those",
          "[server][feeds][instances]") {
    two_instances i;
    const auto a = group_content_key("wg_a"), b = group_content_key("wg_b"), p = programme_content_key("prg");
    i.b_feeds.put(feed_kind::working_group, "group:a", rendered(i.b_feeds, {p, a}));
    i.b_feeds.put(feed_kind::working_group, "group:b", rendered(i.b_feeds, {p, b}));

    i.a_feeds.changed("prg", {a}, feed_cache::change::content);
    REQUIRE(i.wire.size() == 1);
    CHECK(i.b_feeds.find(feed_kind::working_group, "group:a")); // not delivered yet
    i.deliver();
    CHECK_FALSE(i.b_feeds.find(feed_kind::working_group, "group:a"));
    CHECK(i.b_feeds.find(feed_kind::working_group, "group:b"));
    // Content changes keep the previous version to serve while it renders anew; access
    // changes drop it.
    CHECK(i.b_feeds.previous("group:a"));
    i.a_feeds.changed("prg", {b}, feed_cache::change::access);
    i.deliver();
    CHECK_FALSE(i.b_feeds.previous("group:b"));

    // What B applies is not published again (no echo between instances).
    feed_cache c;
    int echoed = 0;
    c.set_publisher([&](const std::string&, const std::vector<std::string>&, feed_cache::change) { ++echoed; });
    apply_instance_change(feed_change_payload("prg", {a}, feed_cache::change::content), c, i.b_tokens);
    CHECK(echoed == 0);
}

TEST_CASE("instance sync: a token table change reaches the other token cache, nothing else does",
          "[server][auth][instances]") {
    token_cache tokens;
    feed_cache feeds;
    copsched::scheduler::token_credentials c;
    c.token.id = "tok_1";
    c.secret_hash = "abc";
    tokens.put("ABCDEFGH", {c}, tokens.generation());
    apply_instance_change(tables_payload({"events", "audit_log"}), feeds, tokens);
    CHECK(tokens.find("ABCDEFGH"));
    apply_instance_change(tables_payload({"api_tokens", "audit_log"}), feeds, tokens);
    CHECK_FALSE(tokens.find("ABCDEFGH"));
}

TEST_CASE("instance sync: an empty or unreadable payload drops every cached feed and token",
          "[server][feeds][auth][instances]") {
    for (const std::string payload : {"", "f:{not json", "x:whatever"}) {
        token_cache tokens;
        feed_cache feeds;
        copsched::scheduler::token_credentials c;
        c.token.id = "tok_1";
        tokens.put("ABCDEFGH", {c}, tokens.generation());
        feeds.put(feed_kind::person, "person:a", rendered(feeds, {"k"}));
        apply_instance_change(payload, feeds, tokens);
        CHECK_FALSE(tokens.find("ABCDEFGH"));
        CHECK_FALSE(feeds.find(feed_kind::person, "person:a"));
        CHECK_FALSE(feeds.previous("person:a"));
        CHECK(feeds.size() == 0);
    }
}
