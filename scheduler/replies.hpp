#pragma once
// Answers that arrive by e-mail: the iMIP REPLY a participant's mail client sends when they
// click Accept, Tentative or Decline in an invitation (RFC 6047, iTIP RFC 5546 section
// 3.2.3), and what the service did with each one. `copsched inbox` reads them from the
// programme's reply mailbox and hands each to POST /api/v1/replies.
//
// Pure values and one pure decision (decide_reply): any thread may call them; same input,
// same output. Parsing the iCalendar text is calendar/imip_reply.hpp's; the store keeps
// every outcome (scheduler/store/reply_store.hpp) and the audit trail one entry per reply.

#include "scheduler/attendance.hpp"
#include "scheduler/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace copsched::scheduler {

// The fields of an iMIP message that decide what a reply does. Filled by
// calendar::parse_imip_reply from the first VEVENT of the object.
struct imip_reply {
    std::string method;                 // METHOD, upper case ("REPLY", "COUNTER", ...); empty when absent
    std::string uid;                    // UID of the first VEVENT; empty when absent
    int sequence = 0;                   // SEQUENCE; 0 when absent (RFC 5545 3.8.7.4)
    std::size_t attendees = 0;          // ATTENDEE properties of that VEVENT
    std::string attendee_email;         // the first ATTENDEE's address without "mailto:", lower case
    std::string partstat;               // its PARTSTAT, upper case; empty when absent
    bool delegated = false;             // PARTSTAT=DELEGATED or a DELEGATED-TO parameter
    std::optional<std::string> comment; // COMMENT of the VEVENT (the participant's note), UTF-8
};

enum class reply_state { applied, refused };

// Why a reply was refused (reply_reason::none when it was applied). The API names are the
// `reason` of GET /api/v1/replies; README "Answers by e-mail" explains each.
enum class reply_reason {
    none,            // applied
    malformed,       // not iCalendar, no VEVENT, no UID, or not exactly one ATTENDEE
    not_a_reply,     // METHOD other than REPLY (REQUEST, CANCEL, PUBLISH, ...)
    counter,         // METHOD:COUNTER: a proposal of another time, which copsched does not take
    unknown_event,   // the UID is no event of copsched (or of the caller's programme)
    not_invited,     // the ATTENDEE is no person invited to the event
    forged_tag,      // the recipient address carries no tag, or one not made for this event and person
    delegation,      // PARTSTAT=DELEGATED or DELEGATED-TO: delegation is not supported
    no_answer,       // PARTSTAT missing or other than ACCEPTED, TENTATIVE, DECLINED
    event_cancelled, // the event was cancelled
    event_started,   // the event has started (its invitations are frozen)
    event_ended,     // the event has ended
    stale_sequence,  // SEQUENCE older than the event's: an answer to an invitation since changed
};

std::string_view to_string(reply_state) noexcept;
std::string_view to_string(reply_reason) noexcept;
template <>
std::optional<reply_state> parse(std::string_view) noexcept;
template <>
std::optional<reply_reason> parse(std::string_view) noexcept;

// A sentence for the reply's `detail`, in English, for the organiser reading the list.
std::string describe(reply_reason r);

// PARTSTAT -> rsvp: ACCEPTED, TENTATIVE, DECLINED; nullopt for anything else.
std::optional<rsvp_answer> rsvp_of_partstat(std::string_view partstat) noexcept;

// What the service knows when it decides on a reply whose event and person were found.
struct reply_facts {
    const imip_reply* reply = nullptr;
    const event* ev = nullptr; // the event the UID names
    bool invited = false;      // the ATTENDEE is a person invited to it
    bool tag_matches = false;  // the recipient tag is the HMAC of this event and person
    std::string now_utc;       // YYYY-MM-DDTHH:MM:SSZ
};

// The checks after the event and the person were looked up, in this order: not_invited,
// forged_tag, delegation, no_answer, event_cancelled, event_ended, event_started,
// stale_sequence; reply_reason::none when the reply may be applied. (malformed,
// not_a_reply, counter and unknown_event are decided before the lookup.)
reply_reason decide_reply(const reply_facts& f);

// The local part's tag of a reply address: "rsvp+TAG@example.org" -> "TAG"; empty when
// the address has no '+' before its '@'. Surrounding "<...>" and a display name are
// ignored.
std::string reply_tag_of(std::string_view address);

// "rsvp@example.org" + "TAG" -> "rsvp+TAG@example.org"; the address unchanged when it has
// no '@'.
std::string tagged_address(std::string_view reply_address, std::string_view tag);

// One reply as the service recorded it.
struct reply_record {
    std::string id; // decimal, grows with each reply
    std::string received_at;
    std::optional<std::string> programme_id;
    std::optional<std::string> event_id;
    std::optional<std::string> person_id;
    reply_state state = reply_state::refused;
    reply_reason reason = reply_reason::none;
    std::string detail;
    std::string method;
    std::string attendee;               // the ATTENDEE address as sent (lower case)
    std::optional<rsvp_answer> rsvp;    // what was applied (applied replies only)
    std::optional<std::string> comment; // the COMMENT stored as rsvp_comment (applied replies only)
    std::optional<int> sequence;
    std::string envelope_to;
    std::string from;
    std::string message_id;
    std::string actor; // the token id of the job that handed it in
};

struct reply_filter {
    std::optional<std::string> programme_id; // nullopt: every programme (admin)
    std::optional<reply_state> state;
    std::optional<std::string> event_id;
};

} // namespace copsched::scheduler
