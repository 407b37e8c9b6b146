#pragma once
// What handlers may use. Constructed once in main(); everything here outlives the
// HTTP server and is safe to use from any I/O thread.

#include "scheduler/store.hpp"
#include "server/api/auth.hpp"
#include "server/options/config.hpp"
#include "server/api/feed_handlers.hpp"
#include "server/http/metrics.hpp"

#include <string_view>

namespace copsched::server {

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
