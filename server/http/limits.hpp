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
    std::size_t pipeline_limit = 16;
};

} // namespace copsched::server
