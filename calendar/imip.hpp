#pragma once
// The iCalendar body of an iMIP message (RFC 6047, iTIP RFC 5546): the text/calendar part
// of an invitation, update or cancellation e-mail for one event and one attendee. The
// MIME part's "method=" parameter must equal the body's METHOD (imip_method_name()).
// What clients need and why is in docs/ICALENDAR.md, section E-mail.
//
// A pure function of its argument, like the feeds (calendar/feed.hpp): no clock, no
// global state; any number of threads may render at once. A plain reminder is a plain
// e-mail without this part: a REQUEST attached to it would look like an update.
//
// Guarantees on every successful result, whatever the text fields contain: those of
// feed.hpp (CRLF only, lines folded at 75 octets between whole UTF-8 characters, TEXT
// escaped so user text can never add, end or split a component or property), and the
// names are safe parameter values (see mail_party).

#include "calendar/feed.hpp"
#include "scheduler/result.hpp"

#include <string>
#include <string_view>

namespace copsched::calendar {

// REQUEST: an invitation or an update (same UID, higher SEQUENCE). CANCEL: the event is
// off (same UID, higher SEQUENCE, STATUS:CANCELLED).
enum class imip_method { request, cancel };

// "REQUEST" or "CANCEL": the METHOD property and the MIME part's method= parameter.
[[nodiscard]] std::string_view imip_method_name(imip_method m) noexcept;

// A person as ORGANIZER or ATTENDEE: CN=<name> and mailto:<email>.
struct mail_party {
    // The display name, UTF-8; may be empty (no CN then). Rendered as a parameter value:
    // line breaks and tabs become spaces, other control characters are dropped, '"'
    // becomes '\'', '^' becomes "^^" (RFC 6868), and the value is quoted when it contains
    // ':', ';' or ','. A name with nothing printable left is left out like an empty one.
    std::string name;
    // The bare address ("anna@example.org"), not "Name <addr>". Refused when it is empty,
    // has no '@', or contains whitespace, control characters, '"', '<', '>', ',', ';',
    // '\' or malformed UTF-8.
    std::string email;
};

struct imip_message {
    imip_method method = imip_method::request;
    // The IANA zone of a timed item's DTSTART/DTEND: any zone of the tz database (supported_zone()).
    std::string time_zone = "Europe/Amsterdam";
    mail_party organizer; // the programme's sender: must match the e-mail's From
    mail_party attendee;  // the recipient
    // RSVP=TRUE: mail clients show Accept/Decline buttons, whose REPLY goes to the
    // ORGANIZER address (it must reach `copsched inbox`). false: RSVP=FALSE, no buttons.
    bool rsvp = true;
    // The event as in feeds (feed.hpp documents each member). For a CANCEL the caller
    // passes the already-bumped sequence; the item's status is ignored and CANCELLED
    // rendered. For a REQUEST the status must be tentative or confirmed.
    feed_item item;
};

// VCALENDAR with VERSION, PRODID (product_id), CALSCALE, METHOD (REQUEST or CANCEL), the
// zone's VTIMEZONE when the item is timed, and one VEVENT with UID, SEQUENCE, DTSTAMP,
// DTSTART, DTEND, SUMMARY, DESCRIPTION, LOCATION, URL, CATEGORIES (the optional ones
// when not empty), STATUS, one ORGANIZER;CN=..:mailto:.. and one
// ATTENDEE;CN=..;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE (or FALSE):mailto:...
//
// Errors, all errc::invalid_input with one field problem, the first one found:
//  - "time_zone": not supported by vtimezone_for();
//  - "organizer.email", "attendee.email": see mail_party::email;
//  - "item.<member>": as render_feed's "items[i].<member>" (uid, sequence, stamp_utc,
//    start_local, end_local, url), and "item.status" for a cancelled item in a REQUEST.
[[nodiscard]] scheduler::result<std::string> render_imip(const imip_message& m);

} // namespace copsched::calendar
