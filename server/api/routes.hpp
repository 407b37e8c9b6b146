#pragma once
// The service's routes. Each handler is a function of the request context: it parses
// input, runs a store job on the database threads and maps the result to a response.

#include "server/http/router.hpp"

namespace copsched::server {

// The complete route table; docs/openapi.json must describe exactly these routes.
router make_routes();

} // namespace copsched::server
