#pragma once
// Import of uploaded iCalendar files: a programme's blackout calendars (school holidays of
// a region, a congress week) and a person's busy times. Parsed with libical on the calling
// thread; nothing is shared between calls, so any thread may call these at once (see
// docs/ICALENDAR.md, section "libical 3.0.16", Threads: no builtin time zone is looked
// up after start-up).
//
// Times: DTSTART/DTEND with a TZID are converted with that zone when the file carries its
// VTIMEZONE or the TZID is an IANA name copsched knows (scheduler::find_time_zone); UTC
// times as they are; floating times and all-day dates in the programme's zone (the
// `zone` argument). An all-day event covers whole local days (DTEND exclusive; a missing
// DTEND means one day). A missing DTEND with a DTSTART date-time uses DURATION, else it
// is a zero-length event and is skipped for blackouts.
// Recurring events (RRULE, RDATE, EXDATE) are expanded with libical up to
// limits.horizon_end; cancelled events (STATUS:CANCELLED) and TRANSP:TRANSPARENT events
// are skipped for busy times.
//
// Details the contract above leaves open (added with the implementation):
//  - cancelled events are skipped for blackouts too (a cancelled holiday blocks nothing;
//    a cancelled RECURRENCE-ID override removes its instance); transparency does not
//    matter for blackouts (holiday calendars mark all-day events TRANSPARENT); zero-length
//    events are skipped for busy times too;
//  - the horizon applies to every interval, recurring or not; intervals are kept whole,
//    not cut at the horizon;
//  - local times that occur twice (end of summer time) map to the earlier instant, local
//    times in the gap to the instant of the jump, for IANA zones and VTIMEZONEs alike;
//  - a date-time DTEND gives every instance the same exact length (RFC 5545); an all-day
//    DTEND and a DURATION's days and weeks count local calendar days; an all-day event
//    with DTEND equal to DTSTART covers that one day (clients write that);
//  - DTSTART is always an instance, as RFC 5545 says, also when the RRULE does not match
//    it (libical then leaves it out); RDATE adds instances (a PERIOD with its own length);
//    EXDATE and RECURRENCE-ID match an instance by its start instant, or by its local date
//    when they are dates in a timed series. Floating and date RDATE/EXDATE/RECURRENCE-ID
//    values are read in DTSTART's zone. An override without SUMMARY keeps the master's;
//    an override whose master is not in the file stands alone. EXRULE is ignored;
//  - X-WR-TIMEZONE is ignored (floating times use `zone`); a TZID without VTIMEZONE is
//    also tried without a leading "/vendor/.../" prefix ("/freeassociation.sourceforge.net/
//    Europe/Amsterdam"); a VTIMEZONE must have STANDARD/DAYLIGHT parts with DTSTART and
//    TZOFFSETTO and yearly rules of the usual shapes; its rules are read from 1900 on
//    (Outlook starts them in 1601; changes before 1900 are not needed);
//  - the first call initialises libical's UTC zone once (std::call_once), which libical's
//    parser needs for every "...Z" time and does not initialise thread-safely itself.

#include "scheduler/planner.hpp"
#include "scheduler/result.hpp"
#include "scheduler/time_zone.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::calendar {

struct import_limits {
    std::size_t max_bytes = 1024 * 1024; // of the file
    std::size_t max_intervals = 10000;   // after expansion
    std::size_t max_errors_listed = 20;  // in the error's fields
    std::size_t max_name_length = 200;   // blackout names are cut (at a UTF-8 boundary) to this
    // Recurring events are expanded over [horizon_start, horizon_end); intervals that end
    // before horizon_start or start at or after horizon_end are dropped.
    // horizon_end must be after horizon_start (else errc::internal: a caller's bug).
    scheduler::sys_seconds horizon_start{};
    scheduler::sys_seconds horizon_end{};
    // Recurrence instances libical may generate per file, counting those before
    // horizon_start (a daily rule from 1970 costs one step per day up to the horizon).
    std::size_t max_expansion_steps = 200000;
    // BEGIN nesting (VCALENDAR > VEVENT > VALARM is 3); deeper files are refused.
    std::size_t max_nesting_depth = 8;
    // Years of VTIMEZONE rules (STANDARD/DAYLIGHT RRULEs) libical expands for the zones
    // used, from 1900 or the rule's start to a few years past horizon_end: libical works
    // through each year of each rule (via ICU), about 10 us each. Outlook's zone costs about
    // 260 (two rules since 1601, read from 1900), Google's about 120, a full-history zone
    // from libical or tzurl.org about 200.
    std::size_t max_vtimezone_rule_years = 2000;
    // VTIMEZONE components in the file, used or not (libical frees them in quadratic time;
    // real files carry one per zone their events use).
    std::size_t max_vtimezones = 50;
};

// Blackout periods: every VEVENT (recurrences expanded) as a named interval, named by its
// SUMMARY (unfolded, unescaped, control characters removed; "(no title)" / "(geen titel)"
// is the caller's business: an empty name stays empty). Ids are left empty.
// Sorted by start, then end, then name.
//
// Errors, all errc::invalid_input and nothing returned:
//  - field "body": empty; larger than max_bytes; not UTF-8; no VCALENDAR; libical
//    X-LIC-ERROR properties (each listed as one field problem "line N: ..." where the line
//    is known, at most max_errors_listed, with the total in the detail); a VEVENT without
//    DTSTART; DTEND before DTSTART; a TZID without VTIMEZONE that is not a known IANA
//    zone; an invalid RRULE; more than max_intervals intervals.
//    Also (added with the implementation): a NUL character; text outside VCALENDAR or a
//    BEGIN/END that does not match (checked before libical sees the file: a cut-off file
//    has no END:VCALENDAR); nesting deeper than max_nesting_depth; a date that does not
//    exist; a negative DURATION; a VTIMEZONE without TZID or with the parts above
//    missing or rules unlike a time zone's; more than max_vtimezones VTIMEZONEs; VTIMEZONE
//    rules beyond max_vtimezone_rule_years; an RRULE with RSCALE or needing more than
//    max_expansion_steps.
//    Line numbers: our own index of the text gives the lines of BEGIN/END and of the
//    properties we check; libical's X-LIC-ERROR messages carry no line, so the line
//    holding the text they quote is searched for (first in their component), and the
//    error's detail says so. Problems are listed by line, those without a line last.
[[nodiscard]] scheduler::result<std::vector<scheduler::named_interval>> import_blackouts(
    std::string_view ics, const scheduler::time_zone& zone, const import_limits& limits);

// Busy times: the busy intervals only, no titles. From VEVENTs (not cancelled, not
// transparent; recurrences expanded) and VFREEBUSY FREEBUSY properties (FBTYPE absent,
// BUSY, BUSY-UNAVAILABLE or BUSY-TENTATIVE; FREE skipped; periods as start/end or
// start/duration). Sorted and merged: overlapping or touching intervals become one.
// Errors as for import_blackouts.
[[nodiscard]] scheduler::result<std::vector<scheduler::interval>> import_busy(std::string_view ics,
                                                                              const scheduler::time_zone& zone,
                                                                              const import_limits& limits);

} // namespace copsched::calendar
