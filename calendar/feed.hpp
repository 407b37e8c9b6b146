#pragma once
// iCalendar (RFC 5545) feeds and single-event files: one VCALENDAR with METHOD:PUBLISH,
// the programme zone's VTIMEZONE, generated from the tz database for the years the items
// cover (calendar/vtimezone.hpp), and one VEVENT per item.
// What the output contains and why is in docs/ICALENDAR.md, section Feeds.
//
// The output is a pure function of the arguments: no clock, no randomness, no global
// state, so the same data gives the same bytes (and so the same strong ETag). Any number
// of threads may render at once; nothing needs to be initialised first.
//
// Guarantees on every successful result, whatever the text fields contain:
//  - lines end in CRLF; no other CR or LF appears;
//  - every physical line is at most 75 octets without its CRLF, folded between whole
//    UTF-8 characters and never inside an escape such as "\;";
//  - TEXT values (the items' uid, summary, description, location and categories, the
//    header's name and description, also in their X-WR- copies) escape '\' ';' ','
//    and line breaks. A line break in the input may be LF, CRLF or a lone CR; each
//    becomes one "\n". Tabs are kept; other control characters (U+0000-U+001F, U+007F)
//    are dropped, since RFC 5545 allows none in TEXT; bytes that are not well-formed
//    UTF-8 become U+FFFD. So user text can never add, end or split a component or
//    property.

#include "scheduler/model.hpp"
#include "scheduler/result.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::calendar {

// The PRODID of everything copsched renders.
inline constexpr std::string_view product_id = "-//copsched//copsched//EN";

// One VEVENT. Text fields are UTF-8; an empty optional field leaves its property out, as
// does one of only spaces, tabs and control characters (so is a CATEGORIES value):
// libical reads such a value as missing and reports an error.
struct feed_item {
    std::string uid;  // UID: stable for the life of the event, e.g. "<event id>@copsched"; required
    int sequence = 0; // SEQUENCE, >= 0: grows on every significant change
    // "YYYY-MM-DDTHH:MM:SSZ", taken from the data (e.g. the event's updated_at), never
    // "now": rendered as both DTSTAMP and LAST-MODIFIED.
    std::string stamp_utc;
    // Timed: start_local and end_local are wall-clock times "YYYY-MM-DDTHH:MM" (":SS"
    // allowed) in the feed's zone, rendered with TZID=<zone>; end after start. Local times
    // in the zone's summer-time gap or overlap are rendered as given: avoiding them is
    // the booking rules' job.
    // All-day: both are dates "YYYY-MM-DD", end exclusive (a one-day event on 5 March has
    // end 6 March), rendered with VALUE=DATE; end after start.
    bool all_day = false;
    std::string start_local;
    std::string end_local;
    std::string summary;     // SUMMARY
    std::string description; // DESCRIPTION
    std::string location;    // LOCATION
    // URL: an absolute URI, printable ASCII without spaces (percent-encode the rest).
    std::string url;
    // CATEGORIES, e.g. the working group's name; one property, values in the given order.
    // Empty strings are skipped; no non-empty value leaves the property out.
    std::vector<std::string> categories;
    // STATUS: TENTATIVE, CONFIRMED or CANCELLED. Cancelled events stay in feeds for a
    // grace period with a bumped sequence so clients strike them through.
    scheduler::event_status status = scheduler::event_status::confirmed;
};

// The VCALENDAR's own properties.
struct feed_header {
    // NAME (RFC 7986) and X-WR-CALNAME, both escaped as TEXT. Empty leaves both out.
    std::string name;
    // The IANA zone of every timed item: X-WR-TIMEZONE, the TZID of DTSTART/DTEND and the
    // VTIMEZONE. Any zone of the tz database (supported_zone()).
    std::string time_zone = "Europe/Amsterdam";
    // DESCRIPTION (RFC 7986) and X-WR-CALDESC. Empty leaves both out.
    std::string description;
    // A positive RFC 5545 duration without sign ("PT1H", "P1D", "PT30M", "P1W"): how often
    // clients should re-fetch. Rendered as REFRESH-INTERVAL;VALUE=DURATION and
    // X-PUBLISHED-TTL.
    std::string refresh_interval = "PT1H";
};

// The feed: VCALENDAR with VERSION, PRODID (product_id), CALSCALE, METHOD:PUBLISH, the
// header's properties, the zone's VTIMEZONE exactly once when at least one item is timed
// (none when all are all-day), then one VEVENT per item in the given order. An empty
// span gives a valid calendar without events.
//
// Errors, all errc::invalid_input with one field problem, the first one found:
//  - "time_zone": not supported by vtimezone_for();
//  - "refresh_interval": not a positive duration;
//  - "items[i].<member>" for item i: empty uid (or one of only spaces, tabs and control characters);
//    negative sequence; malformed stamp_utc; start_local or end_local malformed, not of
//    the form all_day asks for, or end not after start; a url with anything but printable
//    ASCII (spaces, control characters, non-ASCII).
//
// Cost: linear in the total size of the items; 1,000 typical events (0.5 MB) take a few
// ms (tests/bench/feeds.sh). The VTIMEZONE text is generated once per zone and range of
// years and then cached.
[[nodiscard]] scheduler::result<std::string> render_feed(const feed_header& header, std::span<const feed_item> items);

// A single-event file (.ics download or e-mail attachment without iTIP): render_feed with
// exactly this item. Same output guarantees and errors.
[[nodiscard]] scheduler::result<std::string> render_event(const feed_header& header, const feed_item& item);

} // namespace copsched::calendar
