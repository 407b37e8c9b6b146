#pragma once
// Routes for programme data: programmes, organisations, people, working groups and
// their members, venues (see docs/openapi.json).

#include "server/http/router.hpp"

namespace copsched::server {

void add_programme_routes(router& r);

} // namespace copsched::server
