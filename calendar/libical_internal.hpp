#pragma once
// RAII owners for libical's handles and the small walks over its components that the
// import (import.cpp, import_lines.cpp, import_zones.cpp) and the RRULE expansion
// (recurrence.cpp) share. Internal to calendar/: only calendar/*.cpp include it, so
// libical's headers never reach calendar's callers.
//
// libical components iterate with one internal cursor each, so a component may be walked
// by one loop at a time: children() and properties() copy the pointers out first, and
// the caller may then recurse or remove properties while it goes through the copy.

#include "scheduler/civil_time.hpp"

#include <libical/ical.h>

#include <memory>
#include <vector>

namespace copsched::calendar::detail {

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;

// Frees the zone and the VTIMEZONE component it was given.
struct zone_deleter {
    void operator()(icaltimezone* z) const noexcept { icaltimezone_free(z, 1); }
};
using zone_ptr = std::unique_ptr<icaltimezone, zone_deleter>;

struct iterator_deleter {
    void operator()(icalrecur_iterator* it) const noexcept { icalrecur_iterator_free(it); }
};
using iterator_ptr = std::unique_ptr<icalrecur_iterator, iterator_deleter>;

// The direct children of c (of one kind, or all), in libical's order.
inline std::vector<icalcomponent*> children(icalcomponent* c, icalcomponent_kind kind = ICAL_ANY_COMPONENT) {
    std::vector<icalcomponent*> out;
    for (icalcomponent* k = icalcomponent_get_first_component(c, kind); k != nullptr;
         k = icalcomponent_get_next_component(c, kind))
        out.push_back(k);
    return out;
}

// The properties of one kind directly in c, in libical's order.
inline std::vector<icalproperty*> properties(icalcomponent* c, icalproperty_kind kind) {
    std::vector<icalproperty*> out;
    for (icalproperty* p = icalcomponent_get_first_property(c, kind); p != nullptr;
         p = icalcomponent_get_next_property(c, kind))
        out.push_back(p);
    return out;
}

// The first property of a kind in c, or nullptr.
inline icalproperty* first_property(icalcomponent* c, icalproperty_kind kind) {
    return icalcomponent_get_first_property(c, kind);
}

// A floating date-time (no zone, not a date): the only kind of time the import and the
// RRULE expansion hand to libical, so that it never looks up a zone of its own.
inline icaltimetype floating_time(const scheduler::civil_time& t) {
    icaltimetype r = icaltime_null_time();
    r.year = t.date.year;
    r.month = t.date.month;
    r.day = t.date.day;
    r.hour = t.hour;
    r.minute = t.minute;
    r.second = t.second;
    r.is_date = 0;
    r.zone = nullptr;
    return r;
}

// The wall-clock fields of t, whatever its zone; not checked (scheduler::is_valid).
inline scheduler::civil_time civil_of(const icaltimetype& t) {
    return {{t.year, t.month, t.day}, t.hour, t.minute, t.second};
}

} // namespace copsched::calendar::detail
