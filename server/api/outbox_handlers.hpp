#pragma once
// The e-mail outbox over HTTP (docs/openapi.json, README "Reminders"): reminder jobs
// claim due messages with a lease, rendered and ready to send, and report each one sent
// or failed; admins and the programme's organisers see counts per state, list messages
// (the dead ones, say) and retry one; a participant opts out of reminders.
//
// Who may claim and report: admin tokens (every programme) and organiser tokens of a
// whole programme (that programme's messages only).

#include "scheduler/store/outbox_store.hpp"
#include "server/http/router.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace copsched::server {

struct config;
class feed_key;

void add_reminder_routes(router& r);

// A claimed message as the job receives it: recipient, sender, subject, text and, for
// invitations, updates and cancellations, the iMIP calendar part; errc::invalid_input
// when it cannot be rendered (the message is then dead). Pure apart from its arguments.
scheduler::result<boost::json::object> render_claimed(const scheduler::claimed_message& c, const config& cfg,
                                                      const feed_key& key);

// The Message-ID of an outbox message: stable across retries, "<msg-id@host>".
std::string message_id_for(const config& cfg, const std::string& message_id);

} // namespace copsched::server
