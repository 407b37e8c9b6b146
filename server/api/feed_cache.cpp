#include "server/api/feed_cache.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace copsched::server {

std::string programme_content_key(const std::string& programme_id) { return "p:" + programme_id; }
std::string group_content_key(const std::string& working_group_id) { return "g:" + working_group_id; }
std::string person_content_key(const std::string& person_id) { return "u:" + person_id; }
std::string programme_anything_key(const std::string& programme_id) { return "a:" + programme_id; }

std::string_view feed_kind_name(feed_kind k) noexcept {
    switch (k) {
    case feed_kind::person: return "person";
    case feed_kind::working_group: return "working_group";
    case feed_kind::organisation: return "organisation";
    case feed_kind::programme: return "programme";
    case feed_kind::event: return "event";
    }
    return "unknown";
}

std::string gzip_compress(std::string_view bytes, int level) {
    z_stream z{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    const auto written = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    out.resize(written);
    out.shrink_to_fit(); // held for as long as the feed is cached
    return out;
}

std::string gzip_decompress(std::string_view gz) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) return {};
    std::string out;
    // The gzip trailer ends with the input's length modulo 2^32: the right size at once.
    if (gz.size() >= 4) {
        const auto* t = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
        out.reserve(t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<std::size_t>(t[3]) << 24));
    }
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    char chunk[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) break;
        out.append(chunk, sizeof chunk - z.avail_out);
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return {};
    return out;
}

std::size_t feed_cache::entry::held_bytes() const noexcept {
    // A heap block costs its bytes plus malloc's header; a shared string, its control
    // block and string object besides its characters.
    constexpr std::size_t shared_string_overhead = 64;
    std::size_t n = sizeof(entry) + 16;
    if (gzip) n += gzip->capacity() + shared_string_overhead;
    if (plain) n += plain->capacity() + shared_string_overhead;
    if (plain_file) n += plain_file->size() + sizeof(sealed_file) + 16; // pages in the kernel, not the heap
    for (const auto* s : {&etag, &gzip_etag, &last_modified, &cache_control}) n += s->capacity() + 1;
    for (const auto* h : {&gzip_head, &plain_head})
        if (h->lines) n += h->lines->capacity() + 1 + shared_string_overhead;
    for (const auto& [k, v] : depends_on) n += sizeof(std::pair<std::string, std::uint64_t>) + k.capacity();
    return n;
}

std::string feed_cache::gzip_etag_of(const std::string& etag) {
    if (etag.size() < 2 || etag.back() != '"') return etag + "-gz";
    return etag.substr(0, etag.size() - 1) + "-gz\"";
}

namespace {
// Changes reported by a handler that runs inside a write transaction (an idempotent
// request finishes on the writer thread before its commit), applied again after the commit.
thread_local bool recording_changes = false;
struct recorded_change {
    std::string programme_id;
    std::vector<std::string> keys;
    feed_cache::change how;
};
thread_local std::vector<recorded_change> recorded_changes;
} // namespace

feed_cache::record_changes::record_changes() noexcept { recording_changes = true; }
feed_cache::record_changes::~record_changes() { recording_changes = false; }

void feed_cache::changed(const std::string& programme_id, const std::vector<std::string>& keys, change how) {
    change_versions(programme_id, keys, how);
    if (recording_changes) recorded_changes.push_back({programme_id, keys, how});
    if (publisher_) publisher_(programme_id, keys, how);
}

void feed_cache::apply_remote(const std::string& programme_id, const std::vector<std::string>& keys, change how) {
    change_versions(programme_id, keys, how);
}

void feed_cache::forget_all() {
    std::unique_lock lock(mutex_);
    changes_.fetch_add(1, std::memory_order_acq_rel);
    for (auto& [key, version] : versions_) ++version;
    while (!entries_.empty()) erase(entries_.begin());
}

void feed_cache::change_versions(const std::string& programme_id, const std::vector<std::string>& keys, change how) {
    {
        std::unique_lock lock(mutex_);
        changes_.fetch_add(1, std::memory_order_acq_rel);
        for (const auto& k : keys) ++versions_[k];
        ++versions_[programme_anything_key(programme_id)];
        if (how == change::access && !keys.empty()) {
            // Rare (people, tokens, programme settings): a pass over the entries is fine.
            for (auto it = entries_.begin(); it != entries_.end();) {
                const auto& deps = it->second.e->depends_on;
                const bool hit = std::any_of(deps.begin(), deps.end(), [&](const auto& d) {
                    return std::find(keys.begin(), keys.end(), d.first) != keys.end();
                });
                auto next = std::next(it);
                if (hit) erase(it);
                it = next;
            }
        }
    }
}

void feed_cache::replay_recorded_changes() {
    auto pending = std::move(recorded_changes);
    recorded_changes.clear();
    for (const auto& c : pending) changed(c.programme_id, c.keys, c.how);
}

std::vector<std::pair<std::string, std::uint64_t>> feed_cache::versions(const std::vector<std::string>& keys) const {
    std::shared_lock lock(mutex_);
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& k : keys) {
        auto it = versions_.find(k);
        out.emplace_back(k, it == versions_.end() ? 0 : it->second);
    }
    return out;
}

bool feed_cache::valid(const entry& e) const {
    if (clock::now() >= e.stale_at) return false;
    for (const auto& [key, version] : e.depends_on) {
        auto v = versions_.find(key);
        if ((v == versions_.end() ? 0 : v->second) != version) return false;
    }
    return true;
}

std::shared_ptr<const feed_cache::entry> feed_cache::find(feed_kind kind, const std::string& feed) const {
    auto& counters = kinds_[static_cast<std::size_t>(kind)];
    {
        std::shared_lock lock(mutex_);
        auto it = entries_.find(feed);
        if (it != entries_.end() && valid(*it->second.e)) {
            // Written only when unset, so hits on a hot feed do not bounce its cache line.
            if (!it->second.referenced.load(std::memory_order_relaxed))
                it->second.referenced.store(true, std::memory_order_relaxed);
            counters.hits.fetch_add(1, std::memory_order_relaxed);
            return it->second.e;
        }
    }
    counters.misses.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
}

std::shared_ptr<const feed_cache::entry> feed_cache::previous(const std::string& feed) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(feed);
    return it == entries_.end() ? nullptr : it->second.e;
}

void feed_cache::record_previous_served(feed_kind kind) noexcept {
    kinds_[static_cast<std::size_t>(kind)].previous_served.fetch_add(1, std::memory_order_relaxed);
}

void feed_cache::erase(std::unordered_map<std::string, slot>::iterator it) {
    auto& s = it->second;
    auto& k = kinds_[static_cast<std::size_t>(s.kind)];
    k.bytes -= s.bytes;
    --k.entries;
    bytes_ -= s.bytes;
    if (hand_ == s.ring_pos) ++hand_;
    ring_.erase(s.ring_pos);
    entries_.erase(it);
}

void feed_cache::evict_until_fits(std::size_t incoming) {
    // Each pass over the ring unmarks what it passes, so two passes find a victim.
    while (!ring_.empty() && bytes_ + incoming > max_bytes_) {
        if (hand_ == ring_.end()) hand_ = ring_.begin();
        auto it = entries_.find(**hand_);
        auto& s = it->second;
        if (s.referenced.load(std::memory_order_relaxed) && valid(*s.e)) {
            s.referenced.store(false, std::memory_order_relaxed);
            ++hand_;
            continue;
        }
        kinds_[static_cast<std::size_t>(s.kind)].evictions.fetch_add(1, std::memory_order_relaxed);
        erase(it); // advances the hand past the victim
    }
}

void feed_cache::put(feed_kind kind, const std::string& feed, std::shared_ptr<const entry> e) {
    const std::size_t cost = e->held_bytes() + feed.capacity() + sizeof(slot) + 64;
    std::unique_lock lock(mutex_);
    if (auto it = entries_.find(feed); it != entries_.end()) erase(it);
    if (cost > max_bytes_) return;
    evict_until_fits(cost);
    auto [it, inserted] = entries_.try_emplace(feed);
    auto& s = it->second;
    s.e = std::move(e);
    s.kind = kind;
    s.bytes = cost;
    // New entries go just behind the hand: the last the hand reaches.
    s.ring_pos = ring_.insert(hand_, &it->first);
    bytes_ += cost;
    auto& k = kinds_[static_cast<std::size_t>(kind)];
    k.bytes += cost;
    ++k.entries;
}

void feed_cache::forget(const std::string& feed) {
    std::unique_lock lock(mutex_);
    if (auto it = entries_.find(feed); it != entries_.end()) erase(it);
}

void feed_cache::replace(const std::string& feed, const std::shared_ptr<const entry>& was,
                         std::shared_ptr<const entry> with) {
    std::unique_lock lock(mutex_);
    auto it = entries_.find(feed);
    if (it == entries_.end() || it->second.e != was) return;
    const auto kind = it->second.kind;
    lock.unlock();
    put(kind, feed, std::move(with));
}

feed_cache::clock::time_point feed_cache::monotonic_last_modified(const std::string& feed,
                                                                  clock::time_point candidate) {
    std::unique_lock lock(mutex_);
    auto& floor = last_modified_[feed];
    floor = std::max(floor, candidate);
    return floor;
}

void feed_cache::render_flight::then(waiter w) {
    std::unique_lock lock(mutex_);
    if (!landed_) {
        waiters_.push_back(std::move(w));
        return;
    }
    auto e = entry_;
    lock.unlock();
    w(std::move(e));
}

void feed_cache::render_flight::land(std::shared_ptr<const entry> e) {
    std::vector<waiter> waiting;
    {
        std::lock_guard lock(mutex_);
        landed_ = true;
        entry_ = e;
        waiting.swap(waiters_);
    }
    for (auto& w : waiting) w(e);
}

feed_cache::flight_ticket feed_cache::join_render(const std::string& feed) {
    std::lock_guard lock(flights_mutex_);
    auto& f = flights_[feed];
    if (f) return {f, false};
    f = std::make_shared<render_flight>();
    return {f, true};
}

void feed_cache::end_render(const std::string& feed, const std::shared_ptr<render_flight>& flight,
                            std::shared_ptr<const entry> e) {
    {
        std::lock_guard lock(flights_mutex_);
        if (auto it = flights_.find(feed); it != flights_.end() && it->second == flight) flights_.erase(it);
    }
    flight->land(std::move(e));
}

bool render_queue::submit(job j) {
    {
        std::lock_guard lock(mutex_);
        if (running_ >= max_running_) {
            queue_.push_back(std::move(j));
            return false;
        }
        ++running_;
    }
    start(std::move(j));
    return true;
}

void render_queue::start(job j) {
    try {
        j([this] { finished(); });
    } catch (...) {
        finished(); // the job could not start (out of memory): its slot goes to the next
    }
}

void render_queue::finished() {
    job next;
    {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) {
            --running_;
            return;
        }
        next = std::move(queue_.front());
        queue_.pop_front();
    }
    start(std::move(next)); // keeps the slot
}

std::size_t render_queue::waiting() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t render_queue::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

void feed_cache::record_render(feed_kind kind, std::chrono::nanoseconds took) noexcept {
    auto& k = kinds_[static_cast<std::size_t>(kind)];
    k.renders.fetch_add(1, std::memory_order_relaxed);
    k.render_ns.fetch_add(static_cast<std::uint64_t>(took.count()), std::memory_order_relaxed);
}

std::size_t feed_cache::bytes() const {
    std::shared_lock lock(mutex_);
    return bytes_;
}

std::size_t feed_cache::size() const {
    std::shared_lock lock(mutex_);
    return entries_.size();
}

void feed_cache::append_metrics(std::string& out) const {
    std::array<std::size_t, feed_kind_count> bytes{}, entries{};
    {
        std::shared_lock lock(mutex_);
        for (std::size_t i = 0; i < feed_kind_count; ++i) {
            bytes[i] = kinds_[i].bytes;
            entries[i] = kinds_[i].entries;
        }
    }
    char line[256];
    auto family = [&](const char* name, const char* type, const char* help, auto value) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type;
        out += '\n';
        for (std::size_t i = 0; i < feed_kind_count; ++i) {
            const auto kind = feed_kind_name(static_cast<feed_kind>(i));
            std::snprintf(line, sizeof line, "%s{kind=\"%.*s\"} %s\n", name, static_cast<int>(kind.size()), kind.data(),
                          value(i).c_str());
            out += line;
        }
    };
    auto count = [](std::uint64_t n) { return std::to_string(n); };
    family("copsched_feed_cache_hits_total", "counter", "Feed requests answered from the cache, by feed kind.",
           [&](std::size_t i) { return count(kinds_[i].hits.load(std::memory_order_relaxed)); });
    family("copsched_feed_cache_misses_total", "counter",
           "Feed requests the cache could not answer (absent, out of date or evicted), by feed kind.",
           [&](std::size_t i) { return count(kinds_[i].misses.load(std::memory_order_relaxed)); });
    family("copsched_feed_renders_total", "counter",
           "Feeds rendered (concurrent misses of one feed render once), by feed kind.",
           [&](std::size_t i) { return count(kinds_[i].renders.load(std::memory_order_relaxed)); });
    out += "# HELP copsched_feed_render_seconds Time to render a feed: database read, rendering, compression.\n"
           "# TYPE copsched_feed_render_seconds summary\n";
    for (std::size_t i = 0; i < feed_kind_count; ++i) {
        const auto kind = feed_kind_name(static_cast<feed_kind>(i));
        std::snprintf(line, sizeof line,
                      "copsched_feed_render_seconds_sum{kind=\"%.*s\"} %.6f\n"
                      "copsched_feed_render_seconds_count{kind=\"%.*s\"} %llu\n",
                      static_cast<int>(kind.size()), kind.data(),
                      static_cast<double>(kinds_[i].render_ns.load(std::memory_order_relaxed)) / 1e9,
                      static_cast<int>(kind.size()), kind.data(),
                      static_cast<unsigned long long>(kinds_[i].renders.load(std::memory_order_relaxed)));
        out += line;
    }
    family("copsched_feed_previous_served_total", "counter",
           "Out-of-date feeds served while their new version rendered in the background "
           "(--feed-refresh-wait passed), by feed kind.",
           [&](std::size_t i) { return count(kinds_[i].previous_served.load(std::memory_order_relaxed)); });
    family("copsched_feed_cache_evictions_total", "counter",
           "Cached feeds dropped to stay within --feed-cache-mib, by feed kind.",
           [&](std::size_t i) { return count(kinds_[i].evictions.load(std::memory_order_relaxed)); });
    family("copsched_feed_cache_bytes", "gauge",
           "Bytes held by cached feeds (compressed and plain bytes, bookkeeping), by feed kind.",
           [&](std::size_t i) { return count(bytes[i]); });
    family("copsched_feed_cache_entries", "gauge", "Feeds held in the cache, by feed kind.",
           [&](std::size_t i) { return count(entries[i]); });
    std::snprintf(line, sizeof line,
                  "# HELP copsched_feed_cache_limit_bytes The cache's budget (--feed-cache-mib).\n"
                  "# TYPE copsched_feed_cache_limit_bytes gauge\n"
                  "copsched_feed_cache_limit_bytes %zu\n",
                  max_bytes_);
    out += line;
    out += "# HELP copsched_feed_background_renders Re-renders of out-of-date feeds running and waiting "
           "(--feed-background-renders run at once).\n"
           "# TYPE copsched_feed_background_renders gauge\n";
    out += "copsched_feed_background_renders{state=\"running\"} " + std::to_string(background_.running()) + '\n';
    out += "copsched_feed_background_renders{state=\"waiting\"} " + std::to_string(background_.waiting()) + '\n';
    out += "# HELP copsched_feed_sendfile_files Plain feeds held in sealed memory files and sent with sendfile "
           "(--feed-sendfile-files at most).\n"
           "# TYPE copsched_feed_sendfile_files gauge\n"
           "copsched_feed_sendfile_files " +
           std::to_string(sealed_file::alive()) + '\n';
}

} // namespace copsched::server
