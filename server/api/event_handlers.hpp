#pragma once
// Routes for events: booking with conflict detection, listing, rescheduling,
// cancelling and restoring (see docs/openapi.json).

#include "server/http/router.hpp"

namespace copsched::server {

void add_event_routes(router& r);

} // namespace copsched::server
