#pragma once
// API token secrets and authentication throttling.
//
// A token is "cps_" followed by 43 base64url characters (256 random bits from
// OpenSSL). The store keeps only the first 8 of those characters (an index, not a
// secret) and the SHA-256 of the whole token; comparison is constant-time.

#include "scheduler/store/token_store.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace copsched::server {

struct issued_token {
    std::string secret;      // shown once to the caller, never stored
    std::string prefix;      // lookup index
    std::string secret_hash; // hex SHA-256 of secret
};

// Throws std::runtime_error if the system's random generator fails.
issued_token generate_token();

// `bytes` random bytes from OpenSSL as unpadded base64url. Throws on RNG failure.
std::string random_urlsafe(std::size_t bytes);

std::string sha256_hex(std::string_view data);

bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// The lookup prefix of a presented token, or nullopt when it is not shaped like one.
std::optional<std::string> token_prefix(std::string_view token);

// The bearer token of an Authorization header value, or nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// The secret behind personal feed URLs. A person's feed token is
// base64url(HMAC-SHA256(key, "<person id>:<generation>")), 256 bits: the server can show
// the URL at any time, the database keeps only its SHA-256, and rotating (generation + 1)
// makes the old URL fail at once. The key is a file of its own (0600), so neither the
// database nor its backups give the URLs away. Immutable after load: thread-safe.
class feed_key {
public:
    // Reads the key (64 hex digits) from `path`, or creates the file with a new random key
    // when it does not exist; `created` says which. Throws std::runtime_error when the
    // file cannot be read or written or holds anything else.
    static feed_key load_or_create(const std::string& path, bool& created);
    // A key for tests.
    explicit feed_key(const std::array<unsigned char, 32>& key) : key_(key) {}
    std::string token(const std::string& person_id, int generation) const;
    // What the database keeps of it: the hex SHA-256 of token().
    std::string token_hash(const std::string& person_id, int generation) const;
    // The RSVP link token of a person for an event: "<event_id>.<person_id>.<mac>", the
    // mac an HMAC-SHA256 under this key of both ids (base64url). Nothing is stored: the
    // link is checked by recomputing the mac, so it can be made anywhere (feed, e-mail).
    std::string rsvp_token(const std::string& event_id, const std::string& person_id) const;
    // The ids an RSVP token names when its mac is right (constant-time compare), else nullopt.
    std::optional<std::pair<std::string, std::string>> check_rsvp_token(std::string_view token) const;
    // The tag of a person's reply address for an event ("rsvp+TAG@example.org"): the first
    // 128 bits of an HMAC-SHA256 under this key of both ids, in lower-case base32 (26
    // characters, [a-z2-7]: safe in a local part and unchanged by MTAs that fold case).
    std::string reply_tag(const std::string& event_id, const std::string& person_id) const;
    // Whether `tag` (any case) is reply_tag(event_id, person_id); constant-time compare.
    bool check_reply_tag(std::string_view tag, const std::string& event_id, const std::string& person_id) const;

    // The token of a person's own page (/my/<token>): "<person_id>.<generation>.<mac>", the
    // mac an HMAC-SHA256 of both under this key. It shares the feed token's generation, so
    // rotating the feed URL makes the old page link fail too (the caller compares the
    // generation with the person's). Nothing is stored.
    std::string page_token(const std::string& person_id, int generation) const;
    struct page_owner {
        std::string person_id;
        int generation = 0;
    };
    // The person and generation a page token names when its mac is right, else nullopt.
    std::optional<page_owner> check_page_token(std::string_view token) const;

    // A mac (base64url HMAC-SHA256) of `message` under this key, kept apart from the
    // tokens above: for values the server hands out and checks later (form tokens).
    std::string sign(std::string_view message) const;

private:
    std::array<unsigned char, 32> key_{};
};

// Counts failed authentications per client address in fixed windows; past the limit
// the address is refused with 429 until its window ends. Thread-safe.
class auth_throttle {
public:
    using clock = std::chrono::steady_clock;
    auth_throttle(int limit, std::chrono::milliseconds window, std::size_t max_tracked = 100'000)
        : limit_(limit), window_(window), max_tracked_(max_tracked) {}

    // When the address is blocked: how long until it may try again.
    std::optional<std::chrono::seconds> blocked(const std::string& address, clock::time_point now);
    void record_failure(const std::string& address, clock::time_point now);

private:
    struct window_count {
        clock::time_point start;
        int failures = 0;
    };
    const int limit_;
    const std::chrono::milliseconds window_;
    const std::size_t max_tracked_;
    // Guarded by mutex_.
    std::mutex mutex_;
    std::unordered_map<std::string, window_count> counts_;
};

// API tokens by lookup prefix, so that authenticating a request needs no database read.
// Correct because this process is the only writer (storage::writer_lock): every change
// to tokens, or to the programmes, people and groups they name, commits through it and
// calls invalidate() before the change is answered. Thread-safe.
class token_cache {
public:
    // Most prefixes kept; past it the cache starts empty again (only found tokens are kept,
    // so guessing cannot fill it).
    static constexpr std::size_t max_entries = 10'000;

    // A counter that invalidate() bumps: read it before the database lookup and hand it
    // to put(), which then ignores a result that may predate an invalidation.
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
    std::optional<std::vector<scheduler::token_credentials>> find(const std::string& prefix) const;
    void put(const std::string& prefix, std::vector<scheduler::token_credentials> found, std::uint64_t generation);
    void invalidate();
    // invalidate() when a commit changed a table that find() results come from; meant for
    // storage::sql_database::options::after_commit.
    void tables_changed(const std::set<std::string>& changed_tables);

private:
    mutable std::shared_mutex mutex_;
    std::atomic<std::uint64_t> generation_{0};
    std::unordered_map<std::string, std::vector<scheduler::token_credentials>> entries_; // guarded by mutex_
};

// Decides when a token's last_used_at is worth writing again. Thread-safe.
class touch_debouncer {
public:
    explicit touch_debouncer(std::chrono::milliseconds interval) : interval_(interval) {}
    // True (and remembers now) when the token was not touched within the interval.
    bool due(const std::string& token_id, std::chrono::steady_clock::time_point now);

private:
    const std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_;
};

} // namespace copsched::server
