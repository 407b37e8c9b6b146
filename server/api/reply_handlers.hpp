#pragma once
// Answers by e-mail over HTTP (docs/openapi.json, README "Answers by e-mail"):
// POST /api/v1/replies takes one iMIP reply that `copsched inbox` found in the reply
// mailbox and applies it to the invitation it answers, or refuses it with a reason;
// GET /api/v1/replies lists every reply handed in, newest first.
//
// Who may: admin tokens (every programme) and organiser tokens of a whole programme (its
// events only: a reply to another programme's event is refused as unknown_event).
//
// A reply is applied only when the tag in its recipient address (rsvp+TAG@domain) is
// the one the service made for the UID's event and the ATTENDEE's person
// (feed_key::reply_tag): a reply forged from any address changes nothing.

#include "server/http/router.hpp"

namespace copsched::server {

void add_reply_routes(router& r);

} // namespace copsched::server
