#pragma once
// The VTIMEZONE copsched publishes for an IANA zone, generated from the system's tz
// database (scheduler/time_zone.hpp) under the plain IANA name as TZID. libical's own
// Debian zones are named "/freeassociation.sourceforge.net/..." and carry the full
// history, which other parsers mishandle (docs/ICALENDAR.md, section Feeds, "Time zones").
//
// Three forms, the first that fits (docs/ICALENDAR.md says why):
//  - fixed: no offset change in the covered years: one STANDARD with the offset;
//  - rule: the zone's current POSIX rule (its TZif footer) has summer time one hour ahead
//    of standard time, both offsets whole hours, both changes expressible as a yearly
//    RRULE (BYMONTH with BYDAY=nXX or -1XX, or BYDAY=XX with seven BYMONTHDAYs for a
//    change at 24:00), and that rule gives exactly the database's changes over the
//    covered years: one DAYLIGHT and one STANDARD with RRULE:FREQ=YEARLY, DTSTART in
//    1970 (Europe/Amsterdam gives the text copsched shipped by hand before, byte for byte);
//  - transitions: everything else (Morocco, Lord Howe's half hour, Dublin's negative
//    summer time, Chatham's 45 minutes, zones whose rules changed within the covered
//    years): one STANDARD or DAYLIGHT per change, DTSTART only (no RRULE, no RDATE), the
//    first one opening the covered range without a change (TZOFFSETFROM = TZOFFSETTO).
//
// Covered: the local years first_year..last_year (clamped to 1900..2500) and two days
// either side. Every instant in them converts exactly as scheduler::time_zone does; past
// them the rule form keeps following the rule, the other forms keep the last offset.
//
// Threads: any thread may call these at once. The texts are cached per (zone, first_year,
// last_year), at most max_cached_vtimezones of them (the cache is emptied when full); a
// returned text stays valid as long as its shared_ptr is held.

#include <memory>
#include <string>
#include <string_view>

namespace copsched::calendar {

inline constexpr std::size_t max_cached_vtimezones = 1024;

// The VTIMEZONE component (CRLF line ends, lines under 75 octets, BEGIN to END) of an IANA
// zone for local times in the years first_year..last_year (first_year <= last_year), or
// nullptr when the name is not a zone of the database (scheduler::find_time_zone).
[[nodiscard]] std::shared_ptr<const std::string> vtimezone_for(std::string_view iana_zone, int first_year,
                                                               int last_year);

// True when vtimezone_for() knows the zone: it is in the tz database.
[[nodiscard]] bool supported_zone(std::string_view iana_zone);

} // namespace copsched::calendar
