#pragma once
// Prometheus metrics of the HTTP service. Thread-safe: any I/O thread records.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace copsched::server {

class metrics {
public:
    metrics();
    metrics(const metrics&) = delete;
    metrics& operator=(const metrics&) = delete;

    // `route` is the template ("/api/v1/tokens/{id}"), never the raw path, so tokens in
    // paths stay out of the metrics; "(unmatched)" for 404s. Both strings must outlive
    // this object (route templates, Beast's method names, literals): they are not copied.
    void record_request(std::string_view method, std::string_view route, unsigned status,
                        std::chrono::nanoseconds duration);
    void connection_opened() noexcept { open_connections_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() noexcept { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
    void connection_rejected() noexcept { rejected_connections_.fetch_add(1, std::memory_order_relaxed); }
    std::int64_t open_connections() const noexcept { return open_connections_.load(std::memory_order_relaxed); }

    // The Prometheus text exposition; `db_queue_depth` is sampled by the caller.
    std::string render(std::size_t db_queue_depth) const;

    static constexpr std::array<double, 12> buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

private:
    // One per recording thread, so I/O threads never wait for each other: each records
    // into its own shard (its mutex is contended only by render()).
    struct shard {
        std::mutex mutex; // guards the rest
        std::map<std::tuple<std::string_view, std::string_view, unsigned>, std::uint64_t> requests;
        std::array<std::uint64_t, buckets.size() + 1> histogram{}; // last: +Inf
        double latency_sum = 0;
        std::uint64_t latency_count = 0;
        // The key recorded last and its counter (map nodes never move): a thread mostly
        // records the same route again, which then costs no search. The same strings
        // (data and size) are the same key; equal strings elsewhere go through the map.
        std::string_view last_method, last_route;
        unsigned last_status = 0;
        std::uint64_t* last_count = nullptr;
    };
    shard& local_shard();

    const std::uint64_t id_; // unique per metrics object, for the threads' shard caches
    mutable std::mutex shards_mutex_;
    std::vector<std::unique_ptr<shard>> shards_; // guarded by shards_mutex_; only grows

    std::atomic<std::int64_t> open_connections_{0};
    std::atomic<std::uint64_t> rejected_connections_{0};
};

} // namespace copsched::server
