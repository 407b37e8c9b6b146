#pragma once
// Internal to calendar/*.cpp: the hand-written iCalendar line writer that feeds
// (feed.cpp) and iMIP messages (imip.cpp) share, with TEXT escaping, parameter values,
// folding and the checks every VEVENT's data passes. Why lines are written by hand rather
// than by libical is explained at the top of feed.cpp. Pure functions; any thread.

#include "calendar/feed.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::calendar::detail {

// Length of the well-formed UTF-8 sequence at s[i] (1 to 4 bytes), or 0 when the bytes
// there are not one (no overlong forms, surrogates or values above U+10FFFF).
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Appends text as an RFC 5545 TEXT value (3.3.11): escapes '\' ';' ',' and line breaks
// (LF, CRLF or lone CR each become "\n"), keeps tabs, drops other control characters,
// replaces malformed UTF-8 by U+FFFD.
void append_text(std::string& out, std::string_view text);

// Appends text as an RFC 5545 parameter value (3.1, param-value), e.g. a CN. Parameter
// values have no escapes and may not contain '"' or control characters, so: line breaks
// and tabs become one space each, other control characters are dropped, '"' becomes '\'',
// '^' becomes "^^" (RFC 6868, which libical and ical.js decode), malformed UTF-8 becomes
// U+FFFD; the value is double-quoted when it contains ':', ';' or ','. Appends nothing
// when nothing printable is left (the caller then leaves the parameter out).
void append_param_value(std::string& out, std::string_view text);

// Appends one content line, folded at 75 octets (RFC 5545 3.1: CRLF and a space) between
// whole UTF-8 characters and outside "\x" escape pairs, and its CRLF. The line must be
// well-formed UTF-8 in which every '\' is followed by an ASCII character.
void append_folded(std::string& out, std::string_view line);

// Builds the output one content line at a time.
class ical_writer {
public:
    explicit ical_writer(std::size_t reserve) { out_.reserve(reserve); }

    // A line whose name, parameters and value need no escaping.
    void line(std::string_view name, std::string_view value);
    // name:value with value escaped as TEXT.
    void text(std::string_view name, std::string_view value);
    // name:a,b,c with each value escaped as TEXT; nothing when every value is empty.
    void text_list(std::string_view name, const std::vector<std::string>& values);
    // Lines already in their final form (CRLF ends, folded).
    void verbatim(std::string_view lines) { out_ += lines; }

    std::string take() && { return std::move(out_); }

private:
    std::string out_;
    std::string line_; // one unfolded line, reused
};

// "YYYYMMDD" and "YYYYMMDDTHHMMSS" (four-digit years, as the parsers accept).
[[nodiscard]] std::string basic_date(const scheduler::civil_date& d);
[[nodiscard]] std::string basic_time(const scheduler::civil_time& t);

// "TENTATIVE", "CONFIRMED" or "CANCELLED".
[[nodiscard]] std::string_view status_name(scheduler::event_status s);

// A feed_item's checked values in the form the VEVENT lines need.
struct checked_item {
    std::string stamp;      // "YYYYMMDDTHHMMSSZ", for DTSTAMP (and LAST-MODIFIED)
    std::string start_name; // "DTSTART;TZID=Europe/Amsterdam" or "DTSTART;VALUE=DATE"
    std::string end_name;
    std::string start;
    std::string end;
};

// Checks the item as feed.hpp documents (uid, sequence, stamp_utc, start_local and
// end_local for its all_day, url), in that order; the first problem is an
// errc::invalid_input naming field_prefix + member, e.g. "items[3].uid" or "item.uid".
// zone is the TZID for timed items and must already be supported.
[[nodiscard]] scheduler::result<checked_item> check_item(const feed_item& item, std::string_view field_prefix,
                                                         std::string_view zone);

// The VEVENT properties feeds and iMIP share, in the order feeds write them: UID, SEQUENCE,
// DTSTAMP, LAST-MODIFIED (when `last_modified`), DTSTART, DTEND, SUMMARY, DESCRIPTION,
// LOCATION, URL (the optional ones when not empty), CATEGORIES, STATUS (`status`).
void write_item_properties(ical_writer& w, const feed_item& item, const checked_item& checked, bool last_modified,
                           std::string_view status);

} // namespace copsched::calendar::detail
