#pragma once
// What handlers may use. Constructed once in main(); everything here outlives the
// HTTP server and is safe to use from any I/O thread. References only: a handler
// includes the header of what it uses (db_call.hpp for the database, auth.hpp,
// feed_cache.hpp, config.hpp, metrics.hpp).

// Only until server/cli/serve.cpp includes it itself: it constructs a feed_cache and
// finds the class through this header.
#include "server/api/feed_cache.hpp"

#include <string_view>

namespace copsched::scheduler {
class store_executor;
}

namespace copsched::server {

struct config;
class metrics;
class auth_throttle;
class touch_debouncer;
class token_cache;
class feed_key;

struct services {
    const config& cfg;
    scheduler::store_executor& db;
    metrics& stats;
    auth_throttle& throttle;
    touch_debouncer& touches;
    token_cache& tokens;
    const feed_key& feed_secret;
    feed_cache& feeds;
};

// The OpenAPI description compiled into the binary (docs/openapi.json).
std::string_view openapi_document() noexcept;

} // namespace copsched::server
