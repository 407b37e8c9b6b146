#include "server/api/feed_cache.hpp"

#include <algorithm>
#include <mutex>

namespace copsched::server {

std::string programme_content_key(const std::string& programme_id) { return "p:" + programme_id; }
std::string group_content_key(const std::string& working_group_id) { return "g:" + working_group_id; }
std::string person_content_key(const std::string& person_id) { return "u:" + person_id; }
std::string programme_anything_key(const std::string& programme_id) { return "a:" + programme_id; }

void feed_cache::changed(const std::string& programme_id, const std::vector<std::string>& keys) {
    std::unique_lock lock(mutex_);
    changes_.fetch_add(1, std::memory_order_acq_rel);
    for (const auto& k : keys) ++versions_[k];
    ++versions_[programme_anything_key(programme_id)];
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

std::shared_ptr<const feed_cache::entry> feed_cache::find(const std::string& feed) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(feed);
    if (it == entries_.end()) return nullptr;
    const auto& e = it->second;
    if (clock::now() >= e->stale_at) return nullptr;
    for (const auto& [key, version] : e->depends_on) {
        auto v = versions_.find(key);
        if ((v == versions_.end() ? 0 : v->second) != version) return nullptr;
    }
    return e;
}

void feed_cache::put(const std::string& feed, std::shared_ptr<const entry> e) {
    std::unique_lock lock(mutex_);
    auto& slot = entries_[feed];
    if (slot) bytes_ -= slot->body.size();
    bytes_ += e->body.size();
    slot = std::move(e);
    if (bytes_ > max_bytes_) {
        entries_.clear();
        bytes_ = 0;
    }
}

feed_cache::clock::time_point feed_cache::monotonic_last_modified(const std::string& feed,
                                                                  clock::time_point candidate) {
    std::unique_lock lock(mutex_);
    auto& floor = last_modified_[feed];
    floor = std::max(floor, candidate);
    return floor;
}

} // namespace copsched::server
