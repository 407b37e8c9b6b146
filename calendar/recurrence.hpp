#pragma once
// RFC 5545 recurrence rules (RRULE) for meeting series, expanded with libical.
//
// Expansion works on floating wall-clock times: every occurrence keeps the local time of
// day of the start (10:00 stays 10:00 across summer time), and turning it into a UTC
// instant is the caller's job (scheduler::time_zone::to_utc, which also reports the DST
// gap and overlap). No time zone is ever looked up, so both functions may be called from
// any thread at once; they keep no state between calls.
//
// Supported: FREQ=DAILY, WEEKLY, MONTHLY or YEARLY with COUNT or UNTIL, INTERVAL, WKST and
// BYDAY, BYMONTHDAY, BYYEARDAY, BYMONTH, BYSETPOS. Refused, because a meeting series needs
// none of them: sub-daily frequencies, BYHOUR/BYMINUTE/BYSECOND (the time of day comes from
// the start; they also multiply libical's work per day by up to 86400), RSCALE/SKIP
// (non-Gregorian calendars) and unbounded rules. Refused because libical 3.0.16 gets it
// wrong: BYWEEKNO (dates twice; FREQ=YEARLY;BYWEEKNO=1,53 from 2024-03-21 reads memory it
// does not own and crashed the service; found by tests/fuzz).
//
// UNTIL is inclusive and compared with the local start of each occurrence:
//  - a date (UNTIL=20191231) means the end of that local day, 23:59:59. RFC 5545 wants a
//    date-time when DTSTART is one; clients write dates anyway and mean the whole day;
//  - a date-time without zone (UNTIL=20191231T235959) is a local wall-clock time;
//  - a UTC date-time (UNTIL=20191231T225959Z) is read as if it were local. This is a
//    simplification: it may include or drop an occurrence that starts within the zone's
//    UTC offset (one or two hours in Europe/Amsterdam) of UNTIL.

#include "scheduler/civil_time.hpp"
#include "scheduler/result.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace copsched::calendar {

// Longest rule text accepted, in bytes; real rules are well under 100.
inline constexpr std::size_t max_rrule_length = 500;

// Starts outside these years are refused: libical stops iterating in 2582.
inline constexpr int first_rrule_year = 1900;
inline constexpr int last_rrule_year = 2500;

// How far one rule may reach. Both bound the memory and time one request can cost.
struct recurrence_limits {
    // Most occurrences one rule may produce (COUNT above this, or an UNTIL that admits
    // more, is refused rather than truncated).
    std::size_t max_occurrences = 500;
    // No occurrence may start later than the start plus this many years (same month, day
    // and time; 29 February becomes 28 February). A limit of 0 or less refuses every rule
    // with more than the start itself.
    int max_years = 10;
};

// Expands rrule (the rule text without the "RRULE:" prefix, names and values in any case,
// e.g. "FREQ=WEEKLY;INTERVAL=6;BYDAY=TU;COUNT=8" or "FREQ=MONTHLY;BYDAY=2TH;UNTIL=20191231")
// from dtstart, a local wall-clock time in the programme's zone.
//
// Returns the local start of every occurrence in ascending order, at least one. DTSTART
// is the first occurrence (and counts towards COUNT) when it matches the rule. When it
// does not (BYDAY=TU from a Thursday), RFC 5545 leaves the result undefined; here, as in
// libical, DTSTART is then left out and COUNT counts only the matching dates.
//
// Errors, all errc::invalid_input:
//  - field "rrule": empty; longer than max_rrule_length; spaces, control or non-ASCII
//    characters; an "RRULE:" prefix; an empty part, a part that is not NAME=VALUE or a
//    name given twice; both COUNT and UNTIL; text libical cannot parse; a refused feature
//    (see the top of this file); neither COUNT nor UNTIL; COUNT above
//    limits.max_occurrences; a malformed UNTIL; parts that contradict each other or do not
//    fit FREQ (BYMONTHDAY with FREQ=WEEKLY, BYMONTH=2;BYMONTHDAY=30); UNTIL before dtstart
//    or after dtstart + limits.max_years; a COUNT not reached by then; more than
//    limits.max_occurrences occurrences; no occurrence at all (DTSTART does not match and
//    UNTIL comes first).
//  - field "dtstart": dtstart is not a valid time, or its year is outside
//    first_rrule_year..last_rrule_year.
//
// Cost: proportional to the occurrences returned, except for a rule whose BY parts can
// never match, on which libical spends up to about half a second before giving up.
[[nodiscard]] scheduler::result<std::vector<scheduler::civil_time>> expand_rrule(std::string_view rrule,
                                                                                 const scheduler::civil_time& dtstart,
                                                                                 const recurrence_limits& limits = {});

// Checks rrule without a start: ok() when expand_rrule could accept it for some start.
// Gives the same "rrule" errors as expand_rrule, except those that need a start (UNTIL
// against dtstart + max_years, a COUNT not reached, too many occurrences before UNTIL,
// no occurrence at all); expand_rrule still checks those.
[[nodiscard]] scheduler::status validate_rrule(std::string_view rrule, const recurrence_limits& limits = {});

} // namespace copsched::calendar
