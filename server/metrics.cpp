#include "server/metrics.hpp"

#include <cstdio>

namespace copsched::server {

void metrics::record_request(std::string_view method, std::string_view route, unsigned status,
                             std::chrono::nanoseconds duration) {
    const double seconds = std::chrono::duration<double>(duration).count();
    std::size_t bucket = 0;
    while (bucket < buckets.size() && seconds > buckets[bucket]) ++bucket;
    std::lock_guard lock(mutex_);
    ++requests_[{method, route, status}];
    ++histogram_[bucket];
    latency_sum_ += seconds;
    ++latency_count_;
}

std::string metrics::render(std::size_t db_queue_depth) const {
    std::string out;
    out.reserve(4096);
    char line[512];
    out += "# HELP copsched_http_requests_total HTTP requests by method, route template and status.\n"
           "# TYPE copsched_http_requests_total counter\n";
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : requests_) {
        const auto& [method, route, status] = key;
        std::snprintf(line, sizeof line, "copsched_http_requests_total{method=\"%.*s\",route=\"%.*s\",status=\"%u\"} %llu\n",
                      static_cast<int>(method.size()), method.data(), static_cast<int>(route.size()), route.data(),
                      status, static_cast<unsigned long long>(count));
        out += line;
    }
    out += "# HELP copsched_http_request_duration_seconds Time from a complete request to its response.\n"
           "# TYPE copsched_http_request_duration_seconds histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += histogram_[i];
        std::snprintf(line, sizeof line, "copsched_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
                      static_cast<unsigned long long>(cumulative));
        out += line;
    }
    cumulative += histogram_.back();
    std::snprintf(line, sizeof line,
                  "copsched_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "copsched_http_request_duration_seconds_sum %.6f\n"
                  "copsched_http_request_duration_seconds_count %llu\n",
                  static_cast<unsigned long long>(cumulative), latency_sum_,
                  static_cast<unsigned long long>(latency_count_));
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
