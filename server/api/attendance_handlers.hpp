#pragma once
// Attendance over HTTP (docs/openapi.json): invitations with RSVP and presence per event,
// guests, a participant's own RSVP, the signed RSVP link that works without logging in,
// membership end dates, and the reports (attendance rates, commitments, absent
// organisations) as JSON or CSV. Who is invited is scheduler/attendance.hpp.

#include "scheduler/model.hpp"
#include "server/http/router.hpp"

#include <cstddef>
#include <string>
#include <utility>

namespace copsched::scheduler {
class time_zone;
}

namespace copsched::server {

class feed_key;
struct config;

// Longest RSVP comment, in characters.
inline constexpr std::size_t rsvp_comment_max_chars = 1000;

void add_attendance_routes(router& r);
void add_report_routes(router& r);

// The local calendar year `year` in `zone` as a UTC window [first instant, next year's
// first instant), for the store's window queries.
std::pair<std::string, std::string> year_window(const scheduler::time_zone& zone, int year);

// The absolute RSVP link of a person for an event: <public url>/rsvp/<signed token>. Valid
// until the event ends; anyone holding it can answer for that person and nobody else.
std::string rsvp_url(const config& cfg, const feed_key& key, const std::string& event_id, const std::string& person_id);

// The absolute URL of the person's own page: <public url>/my/<signed token> (see
// feed_key::page_token); it changes when the person's feed URL is rotated.
std::string personal_page_url(const config& cfg, const feed_key& key, const scheduler::person& p);

// The RSVP link line that personal feeds add to an event's description, in `lang`.
std::string rsvp_line(scheduler::language lang, const std::string& url);

} // namespace copsched::server
