#pragma once
// What the HTTP layer needs of the configuration: where to listen and the limits every
// connection is held to. server/options/config.hpp fills it from the flags
// (connection_limits_of); constant after start-up.

#include <chrono>
#include <cstddef>
#include <string>

namespace copsched::server {

struct connection_limits {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::size_t body_limit = 1024 * 1024; // bytes -> 413
    std::size_t header_limit = 8 * 1024;  // bytes -> 431
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds body_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::size_t max_connections = 1024;
    // One client address (IPv6: one /64) holds at most this many connections; more: 503.
    std::size_t max_connections_per_address = 128;
    // From this share of max_connections on, each new connection closes the longest-idle
    // one (keep-alive or not yet sent a byte), so idle clients cannot fill the cap.
    unsigned idle_evict_percent = 90;
    // A request (header and body) must arrive at this average rate, counted from its
    // first byte once `min_receive_grace` has passed; slower: the connection is closed.
    // 0: no minimum.
    std::size_t min_receive_rate = 240; // bytes per second
    std::chrono::milliseconds min_receive_grace{5'000};
    std::size_t pipeline_limit = 16;
};

} // namespace copsched::server
