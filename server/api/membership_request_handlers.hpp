#pragma once
// Approval of membership changes over HTTP (docs/openapi.json, README "Working groups"):
// with the programme's memberships.approval `organiser`, a participant's own join or leave
// (POST and DELETE /api/v1/me/memberships) answers 202 with a membership request instead
// of changing the membership. The participant lists (GET /api/v1/me/membership-requests)
// and withdraws (DELETE /api/v1/me/membership-requests/{id}) their pending requests;
// organisers list a programme's (GET /api/v1/programmes/{slug}/membership-requests) and
// approve or decline each (POST /api/v1/membership-requests/{id}/approve, /decline).
// Approval checks the join or leave rules again (server/api/membership_changes.hpp) and
// makes the change; when they no longer hold it answers 409 and the request stays pending.
//
// Who may: a request is seen by its person and by the organisers who may change its
// working group (an organiser scoped to other groups neither sees nor decides it: 404).

#include "scheduler/membership_requests.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/audit_store.hpp"
#include "server/api/dispatch.hpp"
#include "server/http/router.hpp"

#include <cstddef>
#include <string>

namespace copsched::scheduler {
class store;
}

namespace copsched::server {

// Longest comment with a request and reason with a decision, in characters.
inline constexpr std::size_t request_comment_max_chars = 1000;

// Stores the pending request `r` and its audit entry `a` (object id and detail filled in),
// inside a store job; errc::conflict when one is pending already for the person and group.
scheduler::result<scheduler::membership_request> request_membership_change(scheduler::store& s,
                                                                           const scheduler::membership_request& r,
                                                                           scheduler::audit_entry a,
                                                                           const std::string& now);

// The 202 answer for a request made: the request, Location /api/v1/membership-requests/{id}.
response membership_request_accepted(const request_context& ctx, const scheduler::membership_request& r);

void add_membership_request_routes(router& r);

} // namespace copsched::server
