#include "calendar/import_zones_internal.hpp"

#include "calendar/vtimezone.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string_view>
#include <utility>

namespace copsched::calendar::detail {
namespace {

using scheduler::civil_time;
using scheduler::sys_seconds;
using scheduler::time_zone;

// libical expands a VTIMEZONE's rules year by year (through ICU) from each observance's
// DTSTART up to the year looked up, some milliseconds per century and zone. Two bounds
// keep that small: observances with a rule that start before first_observance_year
// (Outlook writes 1601) are read as starting then, and instants after the horizon's year
// plus one are looked up 28 years (a whole number of weekday-and-leap-year cycles)
// earlier, as often as needed. Both are exact for the yearly rules accepted here, except
// across 2100 (not a leap year), where a DST change may move by a week. What remains is
// bounded by import_limits::max_vtimezone_rule_years.
constexpr int first_observance_year = 1900;
// libical expands no further than 2582 and re-expands on every lookup past its last year.
constexpr int last_expanded_year = 2500;

std::int64_t secs(sys_seconds s) { return s.time_since_epoch().count(); }
sys_seconds at(std::int64_t s) { return sys_seconds{std::chrono::seconds{s}}; }

// Values in one of libical's BY arrays (terminated by ICAL_RECURRENCE_ARRAY_MAX).
template <std::size_t N>
std::size_t by_count(const short (&values)[N]) {
    std::size_t n = 0;
    while (n < N && values[n] != ICAL_RECURRENCE_ARRAY_MAX) ++n;
    return n;
}

// A VTIMEZONE that libical can use cheaply: observances with DTSTART and TZOFFSETTO,
// rules in the shapes real zones use (FREQ=YEARLY; at most one BYMONTH, one BYDAY and
// seven BYMONTHDAYs, a month given when a day is; no BYWEEKNO, BYYEARDAY, BYSETPOS,
// BYHOUR, BYMINUTE, BYSECOND), so each rule gives at most seven changes a year.
std::optional<std::string> vtimezone_problem(icalcomponent* tz) {
    std::size_t observances = 0;
    for (icalcomponent* o : children(tz)) {
        const icalcomponent_kind k = icalcomponent_isa(o);
        if (k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT) continue;
        ++observances;
        if (first_property(o, ICAL_DTSTART_PROPERTY) == nullptr ||
            first_property(o, ICAL_TZOFFSETTO_PROPERTY) == nullptr)
            return "has a STANDARD or DAYLIGHT without DTSTART or TZOFFSETTO";
        for (icalproperty* r : properties(o, ICAL_RRULE_PROPERTY)) {
            const icalrecurrencetype rule = icalproperty_get_rrule(r);
            const std::size_t months = by_count(rule.by_month), days = by_count(rule.by_day),
                              month_days = by_count(rule.by_month_day);
            if (rule.freq != ICAL_YEARLY_RECURRENCE || by_count(rule.by_second) != 0 || by_count(rule.by_minute) != 0 ||
                by_count(rule.by_hour) != 0 || by_count(rule.by_year_day) != 0 || by_count(rule.by_week_no) != 0 ||
                by_count(rule.by_set_pos) != 0 || months > 1 || days > 1 || month_days > 7 ||
                ((days != 0 || month_days != 0) && months != 1) || (rule.rscale != nullptr && *rule.rscale != '\0'))
                return "has a STANDARD or DAYLIGHT rule unlike a time zone's (FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU)";
        }
    }
    if (observances == 0) return "has no STANDARD or DAYLIGHT";
    return std::nullopt;
}

// An IANA zone copsched knows by this name, also behind a "/vendor/.../" prefix
// ("/freeassociation.sourceforge.net/Europe/Amsterdam"), or nullptr.
const time_zone* known_zone(const std::string& tzid) {
    const time_zone* known = scheduler::find_time_zone(tzid);
    for (std::size_t slash = 0;
         known == nullptr && tzid.starts_with('/') && (slash = tzid.find('/', slash + 1)) != std::string::npos;)
        known = scheduler::find_time_zone(std::string_view(tzid).substr(slash + 1));
    return known;
}

} // namespace

void prepare_libical() {
    static std::once_flag once;
    std::call_once(once, [] {
        (void)icaltimezone_get_utc_timezone(); // loads the builtin zone table once
        // One offset lookup sets libical's static minimum expansion year.
        const auto published = vtimezone_for("Europe/Amsterdam", 2020, 2020);
        if (!published) return;
        const std::string& text = *published;
        icalcomponent* c = icalparser_parse_string(text.c_str());
        if (c == nullptr) return;
        zone_ptr z(icaltimezone_new());
        if (!z || icaltimezone_set_component(z.get(), c) != 1) {
            icalcomponent_free(c);
            return;
        }
        icaltimetype t = icaltime_null_time();
        t.year = 2020;
        t.month = 1;
        t.day = 1;
        (void)icaltimezone_get_utc_offset_of_utc_time(z.get(), &t, nullptr);
    });
}

// --- zone_ref ----------------------------------------------------------------------------------

zone_ref zone_ref::ical(icaltimezone* z, int last_exact_year) {
    zone_ref r;
    r.ical_ = z;
    r.last_exact_year_ = std::min(last_exact_year, last_expanded_year);
    return r;
}

sys_seconds zone_ref::to_utc(const civil_time& local) const {
    if (iana_ != nullptr) return iana_->to_utc(local).first;
    const std::int64_t wall = secs(scheduler::seconds_from_civil(local));
    if (ical_ == nullptr) return at(wall);
    // t shows `wall` iff t + offset(t) == wall. Offsets a day and a half either side
    // bound the candidates; two changes within three days do not occur in real zones.
    constexpr std::int64_t margin = 36 * 3600;
    const std::int64_t before = offset_at(wall - margin), after = offset_at(wall + margin);
    std::optional<std::int64_t> first;
    for (const std::int64_t o : {before, after, offset_at(wall)}) {
        const std::int64_t t = wall - o;
        if (offset_at(t) == o && (!first || t < *first)) first = t;
    }
    if (first) return at(*first);
    // A gap: the first instant whose wall clock is past `wall` is the jump.
    std::int64_t lo = wall - std::max(before, after), hi = wall - std::min(before, after);
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (mid + offset_at(mid) > wall)
            hi = mid;
        else
            lo = mid + 1;
    }
    return at(lo);
}

civil_time zone_ref::to_local(sys_seconds utc) const {
    if (iana_ != nullptr) return iana_->to_local(utc);
    const std::int64_t s = secs(utc);
    return scheduler::civil_from_seconds(at(ical_ == nullptr ? s : s + offset_at(s)));
}

// See last_expanded_year: years past last_exact_year_ are moved back by 28-year cycles.
std::int64_t zone_ref::offset_at(std::int64_t utc) const {
    civil_time c = scheduler::civil_from_seconds(at(utc));
    if (c.date.year > last_exact_year_) {
        c.date.year -= 28 * ((c.date.year - last_exact_year_ + 27) / 28);
        c.date.day = std::min(c.date.day, scheduler::days_in_month(c.date.year, c.date.month));
    }
    icaltimetype t = floating_time(c);
    return icaltimezone_get_utc_offset_of_utc_time(ical_, &t, nullptr);
}

// --- the file's zones --------------------------------------------------------------------------

std::optional<problem> too_many_vtimezones(const text_index& index, std::size_t max) {
    std::size_t vtimezones = 0;
    for (const text_component& c : index.components)
        if (c.name == "VTIMEZONE" && ++vtimezones > max)
            return problem{index.lines[c.begin].number,
                           "the file has more than " + std::to_string(max) + " VTIMEZONEs"};
    return std::nullopt;
}

void file_zones::collect(icalcomponent* calendar) {
    for (icalcomponent* tz : children(calendar, ICAL_VTIMEZONE_COMPONENT)) {
        icalproperty* p = first_property(tz, ICAL_TZID_PROPERTY);
        const char* tzid = p != nullptr ? icalproperty_get_tzid(p) : nullptr;
        if (tzid == nullptr || *tzid == '\0') {
            problems_.add(source_.begin_line(tz), "VTIMEZONE without TZID");
            continue;
        }
        // libical stores VTIMEZONEs last first: keep the first in the text.
        const auto [it, added] = vtimezones_.emplace(tzid, tz);
        if (!added && source_.begin_line(tz) < source_.begin_line(it->second)) it->second = tz;
    }
}

std::optional<zone_ref> file_zones::resolve(const std::string& tzid, icalcomponent* owner, const std::string& prop) {
    if (const auto it = resolved_.find(tzid); it != resolved_.end()) return it->second;
    std::optional<zone_ref> z;
    if (const auto v = vtimezones_.find(tzid); v != vtimezones_.end())
        z = build_vtimezone(tzid, v->second);
    else if (const time_zone* known = known_zone(tzid))
        z = zone_ref::iana(known);
    else
        problems_.add(source_.property_line(owner, prop, tzid),
                      "TZID=" + tzid + " has no VTIMEZONE in the file and is not a known IANA time zone");
    resolved_.emplace(tzid, z);
    return z;
}

// A checked clone of the file's VTIMEZONE, its rules counted against the limit.
std::optional<zone_ref> file_zones::build_vtimezone(const std::string& tzid, icalcomponent* tz) {
    if (auto why = vtimezone_problem(tz)) {
        problems_.add(source_.begin_line(tz), "VTIMEZONE " + tzid + " " + *why);
        return std::nullopt;
    }
    component_ptr clone(icalcomponent_new_clone(tz));
    if (clone) rule_years_ += start_observances_late(clone.get());
    if (rule_years_ > static_cast<std::int64_t>(limits_.max_vtimezone_rule_years)) {
        problems_.add(source_.begin_line(tz), "VTIMEZONE " + tzid + " exceeds the limit on time zone rules (" +
                                                  std::to_string(limits_.max_vtimezone_rule_years) +
                                                  " years of yearly rules over all VTIMEZONEs used)");
        return std::nullopt;
    }
    zone_ptr owned(clone ? icaltimezone_new() : nullptr);
    if (owned && icaltimezone_set_component(owned.get(), clone.get()) == 1) {
        (void)clone.release(); // the zone owns it now
        zones_.push_back(std::move(owned));
        return zone_ref::ical(zones_.back().get(), scheduler::civil_from_seconds(limits_.horizon_end).date.year + 1);
    }
    problems_.add(source_.begin_line(tz), "VTIMEZONE " + tzid + " cannot be used");
    return std::nullopt;
}

// See first_observance_year: rules that end before it are dropped (their DTSTART stays
// a single change), rules that start before it start then. Returns the years of rules
// libical will expand, up to the horizon's year plus libical's five years of margin.
std::int64_t file_zones::start_observances_late(icalcomponent* tz) const {
    const int last_year =
        std::min(scheduler::civil_from_seconds(limits_.horizon_end).date.year + 1, last_expanded_year) + 5;
    std::int64_t years = 0;
    for (icalcomponent* o : children(tz)) {
        icalproperty* start = first_property(o, ICAL_DTSTART_PROPERTY);
        if (start == nullptr) continue;
        for (icalproperty* rule : properties(o, ICAL_RRULE_PROPERTY)) {
            const icaltimetype until = icalproperty_get_rrule(rule).until;
            if (!icaltime_is_null_time(until) && until.year < first_observance_year) {
                icalcomponent_remove_property(o, rule);
                icalproperty_free(rule);
                continue;
            }
            icaltimetype t = icalproperty_get_dtstart(start);
            if (t.year < first_observance_year) {
                t.year = first_observance_year;
                t.day = std::min(t.day, scheduler::days_in_month(t.year, t.month));
                icalproperty_set_dtstart(start, t);
            }
            const int end = icaltime_is_null_time(until) ? last_year : std::min(until.year, last_year);
            years += std::max(0, end - t.year + 1);
        }
    }
    return years;
}

} // namespace copsched::calendar::detail
