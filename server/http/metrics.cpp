#include "server/http/metrics.hpp"

#include <cstdio>

namespace copsched::server {

namespace {
std::atomic<std::uint64_t> next_metrics_id{1};
}

metrics::metrics() : id_(next_metrics_id.fetch_add(1)) {}

metrics::shard& metrics::local_shard() {
    // This thread's shard of each metrics object it has recorded into, by object id.
    thread_local std::vector<std::pair<std::uint64_t, shard*>> mine;
    for (const auto& [id, s] : mine)
        if (id == id_) return *s;
    std::lock_guard lock(shards_mutex_);
    shards_.push_back(std::make_unique<shard>());
    mine.emplace_back(id_, shards_.back().get());
    return *shards_.back();
}

void metrics::record_request(std::string_view method, std::string_view route, unsigned status,
                             std::chrono::nanoseconds duration) {
    const double seconds = std::chrono::duration<double>(duration).count();
    std::size_t bucket = 0;
    while (bucket < buckets.size() && seconds > buckets[bucket]) ++bucket;
    auto& s = local_shard();
    std::lock_guard lock(s.mutex);
    const auto same = [](std::string_view a, std::string_view b) {
        return a.data() == b.data() && a.size() == b.size();
    };
    if (!s.last_count || status != s.last_status || !same(route, s.last_route) || !same(method, s.last_method)) {
        s.last_count = &s.requests[{method, route, status}];
        s.last_method = method;
        s.last_route = route;
        s.last_status = status;
    }
    ++*s.last_count;
    ++s.histogram[bucket];
    s.latency_sum += seconds;
    ++s.latency_count;
}

std::string metrics::render(std::size_t db_queue_depth) const {
    std::string out;
    out.reserve(4096);
    char line[512];
    out += "# HELP copsched_http_requests_total HTTP requests by method, route template and status.\n"
           "# TYPE copsched_http_requests_total counter\n";
    std::map<std::tuple<std::string_view, std::string_view, unsigned>, std::uint64_t> requests;
    std::array<std::uint64_t, buckets.size() + 1> histogram{};
    double latency_sum = 0;
    std::uint64_t latency_count = 0;
    {
        std::lock_guard all(shards_mutex_);
        for (const auto& s : shards_) {
            std::lock_guard lock(s->mutex);
            for (const auto& [key, n] : s->requests) requests[key] += n;
            for (std::size_t i = 0; i < histogram.size(); ++i) histogram[i] += s->histogram[i];
            latency_sum += s->latency_sum;
            latency_count += s->latency_count;
        }
    }
    for (const auto& [key, count] : requests) {
        const auto& [method, route, status] = key;
        std::snprintf(line, sizeof line,
                      "copsched_http_requests_total{method=\"%.*s\",route=\"%.*s\",status=\"%u\"} %llu\n",
                      static_cast<int>(method.size()), method.data(), static_cast<int>(route.size()), route.data(),
                      status, static_cast<unsigned long long>(count));
        out += line;
    }
    out += "# HELP copsched_http_request_duration_seconds Time from a complete request to its response.\n"
           "# TYPE copsched_http_request_duration_seconds histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += histogram[i];
        std::snprintf(line, sizeof line, "copsched_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
                      static_cast<unsigned long long>(cumulative));
        out += line;
    }
    cumulative += histogram.back();
    std::snprintf(line, sizeof line,
                  "copsched_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "copsched_http_request_duration_seconds_sum %.6f\n"
                  "copsched_http_request_duration_seconds_count %llu\n",
                  static_cast<unsigned long long>(cumulative), latency_sum,
                  static_cast<unsigned long long>(latency_count));
    out += line;
    std::snprintf(line, sizeof line,
                  "# HELP copsched_open_connections Open HTTP connections.\n"
                  "# TYPE copsched_open_connections gauge\n"
                  "copsched_open_connections %lld\n"
                  "# HELP copsched_rejected_connections_total Connections refused at the connection cap.\n"
                  "# TYPE copsched_rejected_connections_total counter\n"
                  "copsched_rejected_connections_total %llu\n"
                  "# HELP copsched_db_queue_depth Database jobs waiting for a connection.\n"
                  "# TYPE copsched_db_queue_depth gauge\n"
                  "copsched_db_queue_depth %zu\n",
                  static_cast<long long>(open_connections_.load()),
                  static_cast<unsigned long long>(rejected_connections_.load()), db_queue_depth);
    out += line;
    return out;
}

} // namespace copsched::server
