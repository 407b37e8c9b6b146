#include "server/api/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace copsched::server {
namespace {

constexpr std::string_view token_scheme = "cps_";
constexpr std::size_t token_random_bytes = 32;
constexpr std::size_t token_body_chars = 43; // base64url of 32 bytes, unpadded
constexpr std::size_t prefix_chars = 8;

std::string base64url(const unsigned char* data, std::size_t n) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((n * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < n; i += 3) {
        const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (n - i == 1) {
        const unsigned v = data[i] << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        const unsigned v = (data[i] << 16) | (data[i + 1] << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}

bool is_base64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

} // namespace

std::string random_urlsafe(std::size_t bytes) {
    std::string buf(bytes, '\0');
    auto* p = reinterpret_cast<unsigned char*>(buf.data());
    if (RAND_bytes(p, static_cast<int>(bytes)) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
    auto out = base64url(p, bytes);
    OPENSSL_cleanse(p, bytes);
    return out;
}

issued_token generate_token() {
    issued_token t;
    t.secret = std::string(token_scheme) + random_urlsafe(token_random_bytes);
    t.prefix = t.secret.substr(token_scheme.size(), prefix_chars);
    t.secret_hash = sha256_hex(t.secret);
    return t;
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> token_prefix(std::string_view token) {
    if (!token.starts_with(token_scheme) || token.size() != token_scheme.size() + token_body_chars) return std::nullopt;
    for (char c : token.substr(token_scheme.size()))
        if (!is_base64url(c)) return std::nullopt;
    return std::string(token.substr(token_scheme.size(), prefix_chars));
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
            std::tolower(static_cast<unsigned char>(scheme[i])))
            return std::nullopt;
    auto t = authorization.substr(scheme.size());
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (t.empty()) return std::nullopt;
    return t;
}

std::optional<std::chrono::seconds> auth_throttle::blocked(const std::string& address, clock::time_point now) {
    std::lock_guard lock(mutex_);
    const auto it = counts_.find(address);
    if (it == counts_.end()) return std::nullopt;
    const auto end = it->second.start + window_;
    if (now >= end) {
        counts_.erase(it);
        return std::nullopt;
    }
    if (it->second.failures < limit_) return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(end - now);
}

void auth_throttle::record_failure(const std::string& address, clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (counts_.size() >= max_tracked_) {
        std::erase_if(counts_, [&](const auto& kv) { return now >= kv.second.start + window_; });
        if (counts_.size() >= max_tracked_) counts_.clear(); // under attack from many addresses: start over
    }
    auto& w = counts_[address];
    if (w.failures == 0 || now >= w.start + window_) w = {now, 0};
    ++w.failures;
}

bool touch_debouncer::due(const std::string& token_id, std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = last_.try_emplace(token_id, now);
    if (inserted) return true;
    if (now - it->second < interval_) return false;
    it->second = now;
    return true;
}

std::optional<std::vector<scheduler::token_credentials>> token_cache::find(const std::string& prefix) const {
    std::shared_lock lock(mutex_);
    if (auto it = entries_.find(prefix); it != entries_.end()) return it->second;
    return std::nullopt;
}

void token_cache::put(const std::string& prefix, std::vector<scheduler::token_credentials> found,
                      std::uint64_t generation) {
    if (found.empty()) return;
    std::unique_lock lock(mutex_);
    // Checked under the lock that invalidate() takes too: no stale result slips in after it.
    if (generation != generation_.load(std::memory_order_acquire)) return;
    if (entries_.size() >= max_entries) entries_.clear();
    entries_[prefix] = std::move(found);
}

void token_cache::invalidate() {
    std::unique_lock lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    entries_.clear();
}

void token_cache::tables_changed(const std::set<std::string>& changed_tables) {
    for (const char* t : {"api_tokens", "api_token_working_groups", "programmes", "people", "working_groups"})
        if (changed_tables.contains(t)) return invalidate();
}

namespace {

// The key in the file at `path`, or nullopt when there is no such file.
std::optional<std::array<unsigned char, 32>> read_feed_key(const std::string& path) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string text;
    std::getline(in, text);
    if (text.size() != 64) throw std::runtime_error("the feed key file " + path + " must hold 64 hex digits");
    std::array<unsigned char, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        const int hi = hex(text[2 * i]), lo = hex(text[2 * i + 1]);
        if (hi < 0 || lo < 0) throw std::runtime_error("the feed key file " + path + " must hold 64 hex digits");
        key[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    return key;
}

} // namespace

feed_key feed_key::load_or_create(const std::string& path, bool& created) {
    if (auto key = read_feed_key(path)) {
        created = false;
        return feed_key(*key);
    }
    std::array<unsigned char, 32> key{};
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    std::string text;
    for (auto b : key) {
        static constexpr char digits[] = "0123456789abcdef";
        text += digits[b >> 4];
        text += digits[b & 15];
    }
    text += '\n';
    // Written whole to a file of this process, then linked into place: link(2) fails when
    // the file exists, so of instances starting at once (several sharing a PostgreSQL
    // database and this file) exactly one key wins, and no one reads a half-written file.
    std::string temporary = path + ".new.XXXXXX";
    const int fd = ::mkstemp(temporary.data()); // mode 0600, a name no one else has
    if (fd < 0) throw std::runtime_error("cannot create the feed key file " + path);
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    const bool linked = written && ::link(temporary.c_str(), path.c_str()) == 0;
    const int link_error = errno;
    ::unlink(temporary.c_str());
    if (!written) throw std::runtime_error("cannot write the feed key file " + path);
    if (!linked) {
        if (link_error == EEXIST)
            if (auto theirs = read_feed_key(path)) { // another process created it meanwhile
                created = false;
                return feed_key(*theirs);
            }
        throw std::runtime_error("cannot create the feed key file " + path);
    }
    created = true;
    return feed_key(key);
}

std::string feed_key::token_hash(const std::string& person_id, int generation) const {
    return sha256_hex(token(person_id, generation));
}

namespace {
std::string mac_of(const std::array<unsigned char, 32>& key, const std::string& message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length))
        throw std::runtime_error("OpenSSL HMAC failed");
    return base64url(mac, length);
}
// Ids are made of [a-z0-9_]: a '.' separates them unambiguously.
bool plain_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}
} // namespace

std::string feed_key::rsvp_token(const std::string& event_id, const std::string& person_id) const {
    // "rsvp:" keeps these macs apart from the feed tokens' ("<person id>:<generation>").
    return event_id + "." + person_id + "." + mac_of(key_, "rsvp:" + event_id + ":" + person_id);
}

std::optional<std::pair<std::string, std::string>> feed_key::check_rsvp_token(std::string_view token) const {
    const auto a = token.find('.');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = token.find('.', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    const std::string event_id(token.substr(0, a)), person_id(token.substr(a + 1, b - a - 1));
    if (!plain_id(event_id) || !plain_id(person_id)) return std::nullopt;
    const auto given = token.substr(b + 1);
    const auto expected = mac_of(key_, "rsvp:" + event_id + ":" + person_id);
    if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
        return std::nullopt;
    return std::pair{event_id, person_id};
}

std::string feed_key::reply_tag(const std::string& event_id, const std::string& person_id) const {
    // "reply:" keeps these macs apart from the RSVP links' and the feed tokens'.
    const std::string message = "reply:" + event_id + ":" + person_id;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length))
        throw std::runtime_error("OpenSSL HMAC failed");
    // RFC 4648 base32 of 16 bytes: 128 bits in 26 characters of 5 bits (the last one 3).
    constexpr const char* alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (int i = 0; i < 16; ++i) {
        buffer = (buffer << 8) | mac[i];
        bits += 8;
        while (bits >= 5) {
            out += alphabet[(buffer >> (bits - 5)) & 31U];
            bits -= 5;
        }
    }
    if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31U];
    return out;
}

bool feed_key::check_reply_tag(std::string_view tag, const std::string& event_id, const std::string& person_id) const {
    const auto expected = reply_tag(event_id, person_id);
    if (tag.size() != expected.size()) return false;
    std::string given(tag);
    for (auto& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::string feed_key::page_token(const std::string& person_id, int generation) const {
    const auto ids = person_id + "." + std::to_string(generation);
    return ids + "." + mac_of(key_, "page:" + ids);
}

std::optional<feed_key::page_owner> feed_key::check_page_token(std::string_view token) const {
    const auto a = token.find('.');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = token.find('.', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    const std::string person_id(token.substr(0, a));
    const auto generation = token.substr(a + 1, b - a - 1);
    if (!plain_id(person_id) || generation.empty() || generation.size() > 9 ||
        !std::all_of(generation.begin(), generation.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const auto given = token.substr(b + 1);
    const auto expected = mac_of(key_, "page:" + std::string(token.substr(0, b)));
    if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
        return std::nullopt;
    return page_owner{person_id, std::stoi(std::string(generation))};
}

std::string feed_key::sign(std::string_view message) const { return mac_of(key_, "sign:" + std::string(message)); }

std::string feed_key::token(const std::string& person_id, int generation) const {
    const auto message = person_id + ":" + std::to_string(generation);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length))
        throw std::runtime_error("OpenSSL HMAC failed");
    return base64url(mac, length);
}

} // namespace copsched::server
