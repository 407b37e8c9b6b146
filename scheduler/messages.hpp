#pragma once
// The subject and plain-text body of every e-mail copsched sends about an event
// (invitation, update, cancellation, reminder), in the recipient's language (nl or en).
// The MIME/SMTP layer encodes the subject (RFC 2047) and converts the body's line ends;
// the iCalendar part of invitations, updates and cancellations is calendar/imip.hpp's.
//
// A pure function of its argument: no clock, no locale, no global state; any thread may
// call it. It cannot fail: text that cannot be read (a malformed date) is shown as given.
//
// Text guarantees, whatever the fields contain:
//  - the subject is one line: line breaks (LF, CR, U+0085, U+2028, U+2029) and tabs in
//    user text become spaces, other control characters (U+0000-U+001F, U+007F-U+009F) are
//    dropped, runs of spaces collapse into one, and there is no leading or trailing space;
//  - the body's lines end in "\n" (no CR); the event's description and cancel reason keep
//    their line breaks (LF, CRLF, a lone CR, U+2028 and U+2029 each become one "\n") and
//    tabs, the one-line fields (title, names, address, links) are flattened as in the
//    subject, and other control characters are dropped;
//  - both are well-formed UTF-8: malformed bytes become U+FFFD.

#include "scheduler/model.hpp"
#include "scheduler/outbox.hpp" // message_kind

#include <optional>
#include <string>
#include <string_view>

namespace copsched::scheduler {

// Everything one e-mail needs, as plain values; empty strings leave their line out.
struct message_context {
    message_kind kind = message_kind::reminder;
    language lang = language::nl; // the recipient's language
    std::string programme_name;   // named in the closing line
    std::string recipient_name;   // in the greeting; empty: "Beste deelnemer," / "Dear participant,"
    // The event as stored. Used: kind (how it is called), title, description, start_local,
    // end_local and all_day (model.hpp's forms: local times in time_zone; all-day ends are
    // exclusive), status (tentative is flagged), online_url and cancel_reason (shown in a
    // cancellation only).
    event ev;
    std::string working_group_name;
    std::string venue_name;
    std::string venue_address;
    std::string time_zone = "Europe/Amsterdam"; // the zone of ev's local times, shown after them
    std::string rsvp_url;                       // the recipient's RSVP link; never shown in a cancellation
    // The calendar part asks for an answer (RSVP=TRUE, a reply mailbox is set): the text
    // says the calendar's Accept/Decline buttons work too. false: the link is the way.
    bool calendar_buttons = false;
    std::string event_url; // a page about the event ("More information")
    std::string page_url;  // the recipient's own page (answers, subscription, groups, opt-out); empty: none
    // Reminder only: how many days before the event the rule sends it (7, 1, 0); 1 says
    // "tomorrow", 0 or less "today".
    int days_before = 0;
};

struct message_text {
    std::string subject; // one line, no line end
    std::string body;    // lines ending in "\n"
};

// Subjects, e.g. nl "Uitnodiging: <title> op dinsdag 12 maart 2019", "Gewijzigd: ...",
// "Geannuleerd: ...", "Herinnering: <title> over 7 dagen" ("morgen", "vandaag"); en
// "Invitation: <title> on Tuesday 12 March 2019", "Updated: ...", "Cancelled: ...",
// "Reminder: <title> in 7 days" ("tomorrow", "today"). The body: greeting, what happened,
// what (title, working group), when ("dinsdag 12 maart 2019, 10:00–13:00
// (Europe/Amsterdam)"; all-day "dinsdag 12 maart 2019" or "12–13 maart 2019"), where
// (venue, address, online link), more information, the description, the cancel reason,
// the RSVP link, and a closing line with the programme's name.
[[nodiscard]] message_text render_message(const message_context& c);

} // namespace copsched::scheduler
