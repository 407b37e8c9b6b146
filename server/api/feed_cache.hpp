#pragma once
// Rendered iCalendar feeds, kept in memory until the data they show changes: every write
// handler calls feed_cache::changed() with the keys of what it changed (programme-wide
// content, one working group, one person), and a cached feed is valid while the versions
// of the keys it depends on are unchanged. So a change in group A leaves group B's feed
// (and the personal feeds of people outside A) cached, and a conditional request for a
// cached feed (304) touches no database.
//
// A cached feed is held gzip-compressed; the plain bytes are held beside them only once a
// client without gzip asked for the feed. Both are shared, immutable strings: responses
// point at them (server/http/http.hpp), so serving a cached feed copies nothing.

#include "server/http/http.hpp" // sealed_file

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace copsched::server {

// What a write changed, as invalidation keys.
std::string programme_content_key(const std::string& programme_id); // shown in every feed of the programme
std::string group_content_key(const std::string& working_group_id); // the group's sessions, name, members
std::string person_content_key(const std::string& person_id);       // the person's data, memberships, feed URL

// The kinds of feed, for the metrics (labels `kind="person"`...). Events are not cached
// (one event renders in microseconds), but their renders are counted.
enum class feed_kind : std::uint8_t { person, working_group, organisation, programme, event };
inline constexpr std::size_t feed_kind_count = 5;
std::string_view feed_kind_name(feed_kind k) noexcept;

// The level feeds are compressed with. Measured on this machine (zlib 1.2.13, median of 21):
// a 70 KB personal feed gives 9718 / 8947 / 8744 bytes in 0.22 / 0.48 / 0.64 ms at
// levels 1 / 6 / 9, a 1 MB programme feed 76859 / 55304 / 50607 bytes in 6.3 / 12.9 /
// 24.7 ms. 6 keeps 8% (70 KB) to 28% (1 MB) fewer bytes than 1 for a render done once
// per change on a reader thread; 9 saves 2-8% more at twice the time.
inline constexpr int feed_gzip_level = 6;
// gzip (RFC 1952) of `bytes` at `level`; the result's capacity is its size.
std::string gzip_compress(std::string_view bytes, int level = feed_gzip_level);
// The bytes a gzip member holds; empty on corrupt input (never for our own output).
std::string gzip_decompress(std::string_view gz);

// Renders that no request waits for (re-renders of feeds whose previous version is still
// served): at most `max_running` run at once, the others wait in order, so a change that
// touches every feed never fills the database readers with renders and an API read waits
// for at most one render ahead of it. Thread-safe.
class render_queue {
public:
    // A job starts a render and calls `done` exactly once when it has ended.
    using job = std::function<void(std::function<void()> done)>;
    explicit render_queue(std::size_t max_running) : max_running_(max_running == 0 ? 1 : max_running) {}
    render_queue(const render_queue&) = delete;
    render_queue& operator=(const render_queue&) = delete;
    // Starts `j` now when fewer than max_running run (true), else queues it (false).
    bool submit(job j);
    std::size_t waiting() const;
    std::size_t running() const;

private:
    void start(job j);
    void finished();
    const std::size_t max_running_;
    mutable std::mutex mutex_;
    std::size_t running_ = 0; // guarded by mutex_
    std::deque<job> queue_;   // guarded by mutex_
};

// Rendered feeds and the versions of the keys they were rendered from. Thread-safe.
class feed_cache {
public:
    using clock = std::chrono::system_clock;
    struct entry {
        std::shared_ptr<const std::string> gzip;       // the feed gzip-compressed; null for an uncached event file
        std::shared_ptr<const std::string> plain;      // the feed itself; null until a client without gzip asks
        std::shared_ptr<const sealed_file> plain_file; // the plain bytes again, sent with sendfile; may be null
        std::string etag;                              // strong, from the plain bytes, quoted
        std::string gzip_etag;                         // the same with "-gz" inside the quotes (RFC 9110, 8.8.3)
        std::string last_modified;                     // HTTP-date
        clock::time_point last_modified_at;
        std::string cache_control;
        clock::time_point stale_at; // when a shown cancelled event's grace period ends
        std::vector<std::pair<std::string, std::uint64_t>> depends_on;
        // The header fields of the answers, written once (shared_text_body's canned
        // fields): per encoding, the 200's lines; its tail from `not_modified_from` on
        // (ETag, Last-Modified, Cache-Control, Vary) is the 304's. The plain one holds
        // only the 304's lines (not_modified_from 0) until the plain bytes are held.
        struct head {
            std::shared_ptr<const std::string> lines;
            std::size_t not_modified_from = 0;
        };
        head gzip_head, plain_head;
        // What holding this entry costs: the bytes of both encodings, strings, bookkeeping.
        std::size_t held_bytes() const noexcept;
    };
    // The ETag of the gzip encoding of a feed whose plain ETag is `etag` ("abc" -> "abc-gz").
    static std::string gzip_etag_of(const std::string& etag);

    // At most `max_bytes` (--feed-cache-mib) of entries are held, counted by
    // entry::held_bytes() plus the key. Past it, CLOCK eviction (second chance): a hit
    // marks its entry; the hand passes marked entries once, unmarking them, and evicts the
    // first unmarked or out-of-date entry, until the new one fits. An entry larger than
    // the whole budget is served but not kept.
    // `background_renders` (--feed-background-renders) bounds the re-renders of feeds whose
    // previous version is still served (render_queue).
    explicit feed_cache(std::size_t max_bytes = 256u << 20, std::size_t background_renders = 2)
        : max_bytes_(max_bytes), background_(background_renders) {}
    feed_cache(const feed_cache&) = delete;
    feed_cache& operator=(const feed_cache&) = delete;

    // What a change did to the feeds that show it. `content`: events, plans, attendance;
    // until the new version is rendered the previous one may still be served (serve_feed,
    // --feed-refresh-wait). `access`: anything else, such as who may read a feed (a person
    // leaves, a feed token is rotated, feeds stop being public): the feeds rendered from
    // its keys are dropped, so nothing rendered before it is served again.
    enum class change : std::uint8_t { content, access };
    // Marks everything rendered from `keys` out of date. Every change also changes the
    // programme's "anything" key, on which the programme and organisation feeds depend.
    void changed(const std::string& programme_id, const std::vector<std::string>& keys, change how = change::access);
    // While one lives on a thread, the changes reported on that thread are also recorded;
    // replay_recorded_changes(), on the same thread, reports them again. For handlers that
    // run inside a write transaction (idempotent requests, server/api/dispatch.cpp): a feed
    // rendered between their report and the commit read the data from before the commit
    // under the new versions, and the replay after the commit marks it out of date.
    class record_changes {
    public:
        record_changes() noexcept;
        ~record_changes();
        record_changes(const record_changes&) = delete;
        record_changes& operator=(const record_changes&) = delete;
    };
    void replay_recorded_changes();
    // Instances that share a database (PostgreSQL) tell each other of their changes
    // (server/api/instance_sync.hpp): the publisher hears every change reported here with
    // changed(), on the thread that reports it, but not those applied with apply_remote().
    // Set before serving.
    using change_publisher =
        std::function<void(const std::string& programme_id, const std::vector<std::string>& keys, change how)>;
    void set_publisher(change_publisher p) { publisher_ = std::move(p); }
    // A change another instance made: as changed(), without publishing it again.
    void apply_remote(const std::string& programme_id, const std::vector<std::string>& keys, change how);
    // Drops every entry and outdates every version: anything may have changed (another
    // instance's changes may have been missed while the connection to it was down).
    void forget_all();
    // Counts every changed() call: a render that saw it move may have read old data.
    std::uint64_t changes() const noexcept { return changes_.load(std::memory_order_acquire); }
    std::vector<std::pair<std::string, std::uint64_t>> versions(const std::vector<std::string>& keys) const;
    // The feed when it is still valid (dependencies unchanged, not past stale_at), else
    // null; counted as a hit or a miss of `kind`.
    std::shared_ptr<const entry> find(feed_kind kind, const std::string& feed) const;
    // The feed as last rendered, also when out of date (null when never rendered or
    // evicted): served while its new version renders in the background. Not counted.
    std::shared_ptr<const entry> previous(const std::string& feed) const;
    // An out-of-date version of a feed of `kind` was served (counted in the metrics).
    void record_previous_served(feed_kind kind) noexcept;
    render_queue& background() noexcept { return background_; }
    void put(feed_kind kind, const std::string& feed, std::shared_ptr<const entry> e);
    // Drops the feed (its render failed: it is gone or no longer readable).
    void forget(const std::string& feed);
    // `with` (the entry `was` plus its plain bytes) replaces `was` if `was` is still the
    // cached entry of `feed`; the bytes it adds count against the budget.
    void replace(const std::string& feed, const std::shared_ptr<const entry>& was, std::shared_ptr<const entry> with);
    // The Last-Modified to serve: `candidate`, but never earlier than one served before
    // for this feed (a deletion makes the data's newest time go back).
    clock::time_point monotonic_last_modified(const std::string& feed, clock::time_point candidate);

    // Single flight: concurrent misses of one feed render it once. The first miss leads
    // (join_render gives `leader` true) and must end_render() with what it rendered, or
    // null when it failed or may have read data older than a waiter's request; the others
    // register a waiter with then(), called once with that entry (on the thread that ends
    // the render, or at once if it has ended), and render themselves on null.
    class render_flight {
    public:
        using waiter = std::function<void(std::shared_ptr<const entry>)>;
        void then(waiter w);
        // The leader marks the moment its render begins (a background render may wait in
        // the render_queue first): only then is waiting for it worth a short while.
        void mark_started() noexcept { started_.store(true, std::memory_order_release); }
        bool started() const noexcept { return started_.load(std::memory_order_acquire); }

    private:
        friend class feed_cache;
        void land(std::shared_ptr<const entry> e);
        std::mutex mutex_;
        bool landed_ = false;                // guarded by mutex_
        std::shared_ptr<const entry> entry_; // guarded by mutex_
        std::vector<waiter> waiters_;        // guarded by mutex_
        std::atomic<bool> started_{false};
    };
    struct flight_ticket {
        std::shared_ptr<render_flight> flight;
        bool leader = false;
    };
    flight_ticket join_render(const std::string& feed);
    void end_render(const std::string& feed, const std::shared_ptr<render_flight>& flight,
                    std::shared_ptr<const entry> e);

    // A render of `kind` took `took` (database read, rendering and compression).
    void record_render(feed_kind kind, std::chrono::nanoseconds took) noexcept;
    // Appends the cache's Prometheus metrics (hits, misses, renders and their time,
    // evictions, held bytes and entries, each by kind) to `out`.
    void append_metrics(std::string& out) const;
    // Held bytes and entries in all (what the budget counts).
    std::size_t bytes() const;
    std::size_t size() const;

private:
    struct slot {
        std::shared_ptr<const entry> e;
        feed_kind kind{};
        std::size_t bytes = 0;
        std::list<const std::string*>::iterator ring_pos; // this slot's place on the clock
        mutable std::atomic<bool> referenced{false};      // set by hits under the shared lock
    };
    struct per_kind {
        mutable std::atomic<std::uint64_t> hits{0}, misses{0};
        std::atomic<std::uint64_t> previous_served{0};
        std::atomic<std::uint64_t> renders{0}, render_ns{0}, evictions{0};
        std::size_t bytes = 0, entries = 0; // guarded by mutex_
    };
    bool valid(const entry& e) const;                               // mutex_ held
    void evict_until_fits(std::size_t incoming);                    // mutex_ held exclusively
    void erase(std::unordered_map<std::string, slot>::iterator it); // mutex_ held exclusively

    const std::size_t max_bytes_;
    mutable std::shared_mutex mutex_;
    std::size_t bytes_ = 0; // guarded by mutex_
    std::atomic<std::uint64_t> changes_{0};
    std::unordered_map<std::string, std::uint64_t> versions_;          // guarded by mutex_
    std::unordered_map<std::string, slot> entries_;                    // guarded by mutex_
    std::list<const std::string*> ring_;                               // guarded by mutex_; keys of entries_
    std::list<const std::string*>::iterator hand_ = ring_.end();       // guarded by mutex_
    std::unordered_map<std::string, clock::time_point> last_modified_; // guarded by mutex_
    std::array<per_kind, feed_kind_count> kinds_;
    render_queue background_;
    std::mutex flights_mutex_;
    std::unordered_map<std::string, std::shared_ptr<render_flight>> flights_; // guarded by flights_mutex_
    change_publisher publisher_;                                              // set before serving, then only read
    void change_versions(const std::string& programme_id, const std::vector<std::string>& keys, change how);
};

// The key of everything in a programme: programme and organisation feeds depend on it.
std::string programme_anything_key(const std::string& programme_id);

} // namespace copsched::server
