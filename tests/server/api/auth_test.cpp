#include "server/api/auth.hpp"

#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace copsched::server;
using namespace std::chrono_literals;

namespace {

bool is_base64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_lower_hex(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

} // namespace

TEST_CASE("generate_token issues cps_ + 43 base64url characters with prefix and hash", "[server][auth]") {
    const auto t = generate_token();
    REQUIRE(t.secret.size() == 4 + 43);
    CHECK(t.secret.starts_with("cps_"));
    CHECK(std::all_of(t.secret.begin() + 4, t.secret.end(), is_base64url));
    CHECK(t.prefix == t.secret.substr(4, 8));
    CHECK(t.secret_hash == sha256_hex(t.secret));
    CHECK(t.secret_hash.size() == 64);
    CHECK(is_lower_hex(t.secret_hash));
    // A token we issue is one we accept.
    CHECK(token_prefix(t.secret) == std::optional<std::string>(t.prefix));
}

TEST_CASE("generated tokens differ", "[server][auth]") {
    std::set<std::string> secrets, prefixes, hashes;
    for (int i = 0; i < 200; ++i) {
        const auto t = generate_token();
        secrets.insert(t.secret);
        prefixes.insert(t.prefix);
        hashes.insert(t.secret_hash);
    }
    CHECK(secrets.size() == 200);
    CHECK(hashes.size() == 200);
    CHECK(prefixes.size() >= 199); // 48 random bits: a collision here would be astonishing
}

TEST_CASE("random_urlsafe encodes n bytes as unpadded base64url", "[server][auth]") {
    CHECK(random_urlsafe(0).empty());
    CHECK(random_urlsafe(1).size() == 2);
    CHECK(random_urlsafe(2).size() == 3);
    CHECK(random_urlsafe(3).size() == 4);
    CHECK(random_urlsafe(32).size() == 43);
    const auto s = random_urlsafe(96);
    CHECK(s.size() == 128);
    CHECK(std::all_of(s.begin(), s.end(), is_base64url));
    CHECK(random_urlsafe(32) != random_urlsafe(32));
}

TEST_CASE("sha256_hex matches the FIPS 180-2 test vectors", "[server][auth]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string_view("a\0b", 3)) != sha256_hex("a")); // binary-safe
}

TEST_CASE("constant_time_equal compares content and length", "[server][auth]") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "ab"));
    CHECK_FALSE(constant_time_equal("ab", "abc"));
    CHECK_FALSE(constant_time_equal("", "a"));
    const auto h = sha256_hex("x");
    CHECK(constant_time_equal(h, sha256_hex("x")));
    CHECK_FALSE(constant_time_equal(h, sha256_hex("y")));
}

TEST_CASE("token_prefix rejects anything not shaped like a token", "[server][auth]") {
    const std::string body(43, 'A');
    CHECK(token_prefix("cps_" + body) == std::optional<std::string>("AAAAAAAA"));
    CHECK(token_prefix("cps_Ab-_0123" + std::string(35, 'z')) == std::optional<std::string>("Ab-_0123"));

    for (const std::string& bad :
         {std::string(), std::string("cps_"), "cps_" + body.substr(1), "cps_" + body + "A", "cpx_" + body,
          "CPS_" + body, "cps-" + body, body + "cps_", "cps_" + body.substr(1) + "+", "cps_" + body.substr(1) + "/",
          "cps_" + body.substr(1) + "=", "cps_" + body.substr(1) + " ", "cps_" + body.substr(1) + "\xC3",
          " cps_" + body.substr(1)}) {
        INFO("token '" << bad << "'");
        CHECK_FALSE(token_prefix(bad).has_value());
    }
}

TEST_CASE("bearer_token reads the Authorization header", "[server][auth]") {
    CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("bearer abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("BEARER abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("BeArEr abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("Bearer   abc  ") == std::optional<std::string_view>("abc"));

    CHECK_FALSE(bearer_token("").has_value());
    CHECK_FALSE(bearer_token("Bearer").has_value());
    CHECK_FALSE(bearer_token("Bearer ").has_value());
    CHECK_FALSE(bearer_token("Bearer     ").has_value());
    CHECK_FALSE(bearer_token("Bearerabc").has_value());
    CHECK_FALSE(bearer_token("Basic dXNlcjpwYXNz").has_value());
    CHECK_FALSE(bearer_token("Token abc").has_value());
    CHECK_FALSE(bearer_token("abc").has_value());
}

TEST_CASE("auth_throttle blocks an address past the limit until its window ends", "[server][auth]") {
    auth_throttle throttle(3, 60s);
    const auto t0 = auth_throttle::clock::time_point{} + 1000h;
    const std::string a = "192.0.2.1", b = "192.0.2.2";

    CHECK_FALSE(throttle.blocked(a, t0).has_value());
    throttle.record_failure(a, t0);
    throttle.record_failure(a, t0 + 1s);
    CHECK_FALSE(throttle.blocked(a, t0 + 2s).has_value()); // two failures: below the limit
    throttle.record_failure(a, t0 + 2s);

    const auto wait = throttle.blocked(a, t0 + 10s);
    REQUIRE(wait.has_value());
    CHECK(*wait == 50s); // the window started with the first failure
    const auto late = throttle.blocked(a, t0 + 59s + 500ms);
    REQUIRE(late.has_value());
    CHECK(*late == 1s); // rounded up: never tell a client to retry too early

    CHECK_FALSE(throttle.blocked(b, t0 + 10s).has_value()); // other addresses are unaffected

    CHECK_FALSE(throttle.blocked(a, t0 + 60s).has_value()); // the window has ended
    throttle.record_failure(a, t0 + 61s);
    CHECK_FALSE(throttle.blocked(a, t0 + 62s).has_value()); // a fresh window, one failure
}

TEST_CASE("auth_throttle starts a new window for failures spread over time", "[server][auth]") {
    auth_throttle throttle(2, 10s);
    const auto t0 = auth_throttle::clock::time_point{} + 1000h;
    const std::string a = "2001:db8::1";
    throttle.record_failure(a, t0);
    throttle.record_failure(a, t0 + 11s); // first window over: counts restart
    CHECK_FALSE(throttle.blocked(a, t0 + 12s).has_value());
    throttle.record_failure(a, t0 + 13s);
    const auto wait = throttle.blocked(a, t0 + 14s);
    REQUIRE(wait.has_value());
    CHECK(*wait == 7s); // window from t0+11s to t0+21s
}

TEST_CASE("touch_debouncer allows one write per token and interval", "[server][auth]") {
    touch_debouncer touches(60s);
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
    CHECK(touches.due("tok_a", t0));
    CHECK_FALSE(touches.due("tok_a", t0));
    CHECK_FALSE(touches.due("tok_a", t0 + 59s));
    CHECK(touches.due("tok_b", t0 + 59s)); // per token
    CHECK(touches.due("tok_a", t0 + 60s));
    CHECK_FALSE(touches.due("tok_a", t0 + 61s)); // remembered the last write, not the first
    CHECK(touches.due("tok_a", t0 + 120s));
}

TEST_CASE("token_cache keeps found tokens until a relevant table changes", "[server][auth]") {
    token_cache cache;
    copsched::scheduler::token_credentials c;
    c.token.id = "tok_1";
    c.secret_hash = "abc";
    CHECK_FALSE(cache.find("ABCDEFGH"));

    cache.put("ABCDEFGH", {c}, cache.generation());
    REQUIRE(cache.find("ABCDEFGH"));
    CHECK(cache.find("ABCDEFGH")->front().token.id == "tok_1");

    cache.put("NOTHING0", {}, cache.generation()); // nothing found: not kept
    CHECK_FALSE(cache.find("NOTHING0"));

    cache.tables_changed({"events", "audit_log"}); // bookings do not touch tokens
    CHECK(cache.find("ABCDEFGH"));
    cache.tables_changed({"events", "api_tokens"}); // a revocation does
    CHECK_FALSE(cache.find("ABCDEFGH"));

    // A lookup that started before an invalidation may have read the old row: ignored.
    const auto before = cache.generation();
    cache.tables_changed({"people"});
    cache.put("ABCDEFGH", {c}, before);
    CHECK_FALSE(cache.find("ABCDEFGH"));
    cache.put("ABCDEFGH", {c}, cache.generation());
    CHECK(cache.find("ABCDEFGH"));
}

TEST_CASE("feed keys: instances starting at once on one key file all get the one key written", "[server][auth]") {
    // Several instances sharing a PostgreSQL database share one --feed-key-file; when the
    // file does not exist yet, they must not each make their own key (or read half of one).
    for (int attempt = 0; attempt < 20; ++attempt) {
        copsched::test::temp_dir dir;
        const auto path = dir.file("feed.key");
        constexpr int instances = 8;
        std::vector<std::string> tokens(instances);
        std::vector<int> created(instances, 0);
        std::vector<std::string> failures(instances);
        {
            std::vector<std::thread> threads;
            for (int i = 0; i < instances; ++i)
                threads.emplace_back([&, i] {
                    try {
                        bool made = false;
                        auto key = feed_key::load_or_create(path, made);
                        created[i] = made ? 1 : 0;
                        tokens[i] = key.token("per_1", 0);
                    } catch (const std::exception& e) {
                        failures[i] = e.what();
                    }
                });
            for (auto& t : threads) t.join();
        }
        for (const auto& f : failures) REQUIRE(f.empty());
        CHECK(std::count(created.begin(), created.end(), 1) == 1);
        for (const auto& t : tokens) CHECK(t == tokens.front());
        bool made = true;
        CHECK(feed_key::load_or_create(path, made).token("per_1", 0) == tokens.front());
        CHECK_FALSE(made);
        CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1); // no temporary left
    }
}

TEST_CASE("a reply tag is 26 lower-case base32 characters, per event and person, checked in any case",
          "[server][auth]") {
    std::array<unsigned char, 32> k{};
    k[0] = 7;
    const feed_key key(k);
    const auto tag = key.reply_tag("evt_1", "per_1");
    REQUIRE(tag.size() == 26);
    CHECK(std::all_of(tag.begin(), tag.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }));
    CHECK(tag == key.reply_tag("evt_1", "per_1"));
    CHECK(tag != key.reply_tag("evt_1", "per_2"));
    CHECK(tag != key.reply_tag("evt_2", "per_1"));
    CHECK(key.check_reply_tag(tag, "evt_1", "per_1"));
    std::string upper = tag;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return static_cast<char>(std::toupper(c)); });
    CHECK(key.check_reply_tag(upper, "evt_1", "per_1")); // an MTA that folds the local part's case
    CHECK_FALSE(key.check_reply_tag(tag, "evt_1", "per_2"));
    CHECK_FALSE(key.check_reply_tag(tag.substr(1), "evt_1", "per_1"));
    CHECK_FALSE(key.check_reply_tag("", "evt_1", "per_1"));
    std::array<unsigned char, 32> other{};
    CHECK(feed_key(other).reply_tag("evt_1", "per_1") != tag);
    CHECK(key.rsvp_token("evt_1", "per_1").find(tag) == std::string::npos);
}
