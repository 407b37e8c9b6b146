#pragma once
// The whole route table the service answers: the API's (server/api/routes.hpp) and the
// web pages' (participants' pages, the organisers' dashboard and their assets).
// docs/openapi.json describes exactly these routes; `copsched routes` prints them.

#include "server/http/router.hpp"

#include <string_view>

namespace copsched::server::pages {

router make_site_routes();

// The stylesheet and script the pages load from /assets (embedded at build time).
std::string_view stylesheet() noexcept;
std::string_view script() noexcept;

} // namespace copsched::server::pages
