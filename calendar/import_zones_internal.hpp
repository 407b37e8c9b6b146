#pragma once
// The zone layer of the iCalendar import (calendar/import.hpp): which instant a wall-clock
// time of the file means. A TZID resolves to the file's VTIMEZONE of that name (checked,
// then built as a libical zone owned by this import), else to an IANA zone copsched knows
// (scheduler::find_time_zone, also behind a "/vendor/.../" prefix); times without a TZID
// are UTC or the caller's zone. Internal to calendar/: only calendar/import*.cpp include it.
//
// Thread safety rests on these facts about libical 3.0.16 on Debian 12:
//  - the parser fetches libical's UTC zone for every "...Z" time, and the first fetch
//    loads the builtin zone table (zone.tab) with a check outside libical's lock. The first
//    import does that once under std::call_once (prepare_libical), before any parse;
//  - libical's builtin zones are never looked up: a TZID goes through file_zones only;
//  - a VTIMEZONE of the file becomes an icaltimezone of this call (a clone of the
//    component), freed with its file_zones; libical guards its change tables with a mutex
//    and keeps one static (the minimum expansion year), also set in prepare_libical.

#include "calendar/import.hpp"
#include "calendar/import_lines_internal.hpp"
#include "calendar/libical_internal.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/time_zone.hpp"

#include <libical/ical.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace copsched::calendar::detail {

// Initialises libical's UTC zone and its minimum expansion year once per process; every
// import calls it before the parser runs. Safe to call from any thread at once.
void prepare_libical();

// Where a wall-clock time is read: UTC, an IANA zone of copsched, or a VTIMEZONE of the file.
// Local times that occur twice map to the earlier instant, times in a gap to the instant
// of the jump (the rule scheduler::time_zone::to_utc reports), whatever the source.
// A copyable reference: the zone it names must outlive it.
class zone_ref {
public:
    static zone_ref utc() { return {}; }
    static zone_ref iana(const scheduler::time_zone* z) {
        zone_ref r;
        r.iana_ = z;
        return r;
    }
    // Offsets after last_exact_year are read from an earlier year with the same calendar
    // (see import_zones.cpp); the year is capped at the last one libical expands.
    static zone_ref ical(icaltimezone* z, int last_exact_year);

    [[nodiscard]] scheduler::sys_seconds to_utc(const scheduler::civil_time& local) const;
    [[nodiscard]] scheduler::civil_time to_local(scheduler::sys_seconds utc) const;

private:
    [[nodiscard]] std::int64_t offset_at(std::int64_t utc) const;

    const scheduler::time_zone* iana_ = nullptr;
    icaltimezone* ical_ = nullptr;
    int last_exact_year_ = 0;
};

// The problem when the text holds more than max VTIMEZONEs (libical frees them in
// quadratic time: each removal searches its zone array), placed at the first one too many.
[[nodiscard]] std::optional<problem> too_many_vtimezones(const text_index& index, std::size_t max);

// The zones of one file. Owns the libical zones it builds (the file's tree keeps the
// VTIMEZONE components they were cloned from); the zone_refs it returns live as long as
// it does. Problems go to `problems`, placed with `source`; both must outlive it.
class file_zones {
public:
    file_zones(const source_map& source, const import_limits& limits, problem_list& problems)
        : source_(source), limits_(limits), problems_(problems) {}
    file_zones(const file_zones&) = delete;
    file_zones& operator=(const file_zones&) = delete;

    // Records the VTIMEZONEs of a VCALENDAR by TZID; the first of a TZID in the text wins.
    // A VTIMEZONE without TZID is a problem.
    void collect(icalcomponent* calendar);

    // The zone a TZID names (see the top of this file), else nullopt with one problem per
    // TZID: a VTIMEZONE without the parts a zone needs, with rules unlike a time zone's, or
    // beyond limits.max_vtimezone_rule_years over all VTIMEZONEs used; an unknown TZID
    // (placed on the line of `prop` in `owner` that names it). Answers are cached by TZID.
    std::optional<zone_ref> resolve(const std::string& tzid, icalcomponent* owner, const std::string& prop);

private:
    std::optional<zone_ref> build_vtimezone(const std::string& tzid, icalcomponent* tz);
    [[nodiscard]] std::int64_t start_observances_late(icalcomponent* tz) const;

    const source_map& source_;
    const import_limits& limits_;
    problem_list& problems_;
    std::map<std::string, icalcomponent*> vtimezones_; // in the file's tree
    std::map<std::string, std::optional<zone_ref>> resolved_;
    std::vector<zone_ptr> zones_; // own clones of the file's components only
    std::int64_t rule_years_ = 0; // of the VTIMEZONEs built so far
};

} // namespace copsched::calendar::detail
