#pragma once
// Planning over HTTP: the CoP year plan, working-group slot suggestions, blackout
// calendar imports and personal busy times (docs/openapi.json). The year plan as a use
// case (shared with `copsched plan`) is scheduler/year_planning.hpp; these routes read
// requests into it and map its results to JSON.

#include "server/http/router.hpp"

namespace copsched::server {

void add_planning_routes(router& r);

} // namespace copsched::server
