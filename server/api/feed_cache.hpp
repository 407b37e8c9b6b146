#pragma once
// Rendered iCalendar feeds, kept in memory until the data they show changes: every write
// handler calls feed_cache::changed() with the keys of what it changed (programme-wide
// content, one working group, one person), and a cached feed is valid while the versions
// of the keys it depends on are unchanged. So a change in group A leaves group B's feed
// (and the personal feeds of people outside A) cached, and a conditional request for a
// cached feed (304) touches no database.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace copsched::server {

// What a write changed, as invalidation keys.
std::string programme_content_key(const std::string& programme_id); // shown in every feed of the programme
std::string group_content_key(const std::string& working_group_id); // the group's sessions, name, members
std::string person_content_key(const std::string& person_id);       // the person's data, memberships, feed URL

// Rendered feeds and the versions of the keys they were rendered from. Thread-safe.
class feed_cache {
public:
    using clock = std::chrono::system_clock;
    struct entry {
        std::string body;
        std::string etag;          // strong, from the bytes
        std::string last_modified; // HTTP-date
        clock::time_point last_modified_at;
        std::string cache_control;
        clock::time_point stale_at; // when a shown cancelled event's grace period ends
        std::vector<std::pair<std::string, std::uint64_t>> depends_on;
    };
    // At most `max_bytes` of rendered feeds are kept (--feed-cache-mib); past it the cache
    // starts empty again, and feeds are rendered anew as they are asked for.
    explicit feed_cache(std::size_t max_bytes = 256u << 20) : max_bytes_(max_bytes) {}

    // Marks everything rendered from `keys` out of date. Every change also changes the
    // programme's "anything" key, on which the programme and organisation feeds depend.
    void changed(const std::string& programme_id, const std::vector<std::string>& keys);
    // Counts every changed() call: a render that saw it move may have read old data.
    std::uint64_t changes() const noexcept { return changes_.load(std::memory_order_acquire); }
    std::vector<std::pair<std::string, std::uint64_t>> versions(const std::vector<std::string>& keys) const;
    // The feed when it is still valid (dependencies unchanged, not past stale_at), else null.
    std::shared_ptr<const entry> find(const std::string& feed) const;
    void put(const std::string& feed, std::shared_ptr<const entry> e);
    // The Last-Modified to serve: `candidate`, but never earlier than one served before
    // for this feed (a deletion makes the data's newest time go back).
    clock::time_point monotonic_last_modified(const std::string& feed, clock::time_point candidate);

private:
    const std::size_t max_bytes_;
    mutable std::shared_mutex mutex_;
    std::size_t bytes_ = 0; // guarded by mutex_
    std::atomic<std::uint64_t> changes_{0};
    std::unordered_map<std::string, std::uint64_t> versions_;               // guarded by mutex_
    std::unordered_map<std::string, std::shared_ptr<const entry>> entries_; // guarded by mutex_
    std::unordered_map<std::string, clock::time_point> last_modified_;      // guarded by mutex_
};

// The key of everything in a programme: programme and organisation feeds depend on it.
std::string programme_anything_key(const std::string& programme_id);

} // namespace copsched::server
