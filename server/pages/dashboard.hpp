#pragma once
// The organisers' dashboard (/dashboard): signed in once with an API token, which is
// exchanged for a session cookie (HttpOnly, SameSite=Strict, Secure behind https, ending
// after session_lifetime or at sign-out; only its hash is stored, migration 9), every form
// carrying the session's form token. Pages: the programme's year on one screen, the year
// plan preview with its booking, an event with its invitations and presence marking,
// reports as SVG charts with their CSV downloads and the commitments table, the outbox
// summary. Everything is read and changed through the API's handlers as the signed-in
// token (server/pages/api_call.hpp), so a scoped organiser sees and may do here exactly
// what the API allows them.

#include "server/http/router.hpp"

#include <chrono>

namespace copsched::server::pages {

// How long a dashboard session lasts after sign-in.
inline constexpr std::chrono::hours session_lifetime{8};

void add_dashboard_routes(router& r);

} // namespace copsched::server::pages
