#pragma once
// What a participant sees without an account: the signed RSVP link's page
// (/rsvp/{token}) and their own page (/my/{token}, the signed personal link shown in every
// e-mail and in the personal feed): upcoming events with answers and comments, venue or
// online link and add-to-calendar; the subscribe links of their feed; the reminder
// opt-out; their working groups (join, leave); their attendance of the past year. Every
// change goes through the API's handlers as the person (server/pages/api_call.hpp).

#include "server/http/router.hpp"

namespace copsched::server::pages {

void add_participant_routes(router& r);

} // namespace copsched::server::pages
