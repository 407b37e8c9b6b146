#include "calendar/vtimezone.hpp"

#include "calendar/ical_writer_internal.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/time_zone.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace copsched::calendar {
namespace {

using scheduler::civil_date;
using scheduler::civil_time;
using scheduler::sys_seconds;
using scheduler::time_zone;
using scheduler::zone_transition;
using scheduler::detail::posix_rule;
using scheduler::detail::rule_day;

constexpr int min_year = 1900;
constexpr int max_year = 2500;
// Margin around the covered years, so that a time at a year's edge is never near the end.
constexpr std::chrono::seconds margin{2 * 86400};
// The rule form's observances start in this year, as most published VTIMEZONEs do.
constexpr int rule_start_year = 1970;
// RFC 5545 weekday names, Sunday first as in POSIX rules.
constexpr std::array<std::string_view, 7> day_names{"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

// "+0100", "-0330", "+001932" (RFC 5545 3.3.14: seconds only when not zero; never "-0000").
std::string offset_text(std::chrono::seconds offset) {
    const std::int64_t v = offset.count();
    const std::int64_t a = v < 0 ? -v : v;
    std::string out(1, v < 0 ? '-' : '+');
    auto two = [&out](std::int64_t n) {
        out += static_cast<char>('0' + n / 10);
        out += static_cast<char>('0' + n % 10);
    };
    two(a / 3600);
    two(a / 60 % 60);
    if (a % 60 != 0) two(a % 60);
    return out;
}

// "YYYYMMDDTHHMMSS": a DTSTART in the observance's TZOFFSETFROM.
std::string basic_local(const civil_time& t) {
    std::array<char, 20> buf{};
    std::snprintf(buf.data(), buf.size(), "%04d%02d%02dT%02d%02d%02d", t.date.year, t.date.month, t.date.day, t.hour,
                  t.minute, t.second);
    return buf.data();
}

civil_time local_at(sys_seconds utc, std::chrono::seconds offset) {
    return scheduler::civil_from_seconds(utc + offset);
}

sys_seconds start_of_year(int year) { return scheduler::seconds_from_civil({{year, 1, 1}, 0, 0, 0}); }

// The changes of the wall clock's offset (abbreviation-only changes do not matter here).
std::vector<zone_transition> offset_changes(const time_zone& z, sys_seconds from, sys_seconds to) {
    auto all = z.transitions(from, to);
    std::erase_if(all, [](const zone_transition& t) { return t.offset_before == t.offset_after; });
    return all;
}

// A POSIX rule day as a yearly RRULE and its first onset in rule_start_year, or nullopt
// when it has no such form (Julian days; a "last weekday" moved to another day).
struct yearly_rule {
    std::string rrule;
    civil_time first;
};

std::optional<yearly_rule> as_rrule(const rule_day& r) {
    if (r.kind != rule_day::form::month_week_day) return std::nullopt;
    constexpr std::int32_t day = 86400;
    const std::int32_t shift = r.time >= 0 ? r.time / day : -((-r.time + day - 1) / day);
    const std::int32_t time_of_day = r.time - shift * day;

    // The week-th wday of the month in rule_start_year, as POSIX counts (5: the last).
    const civil_date first_of_month{rule_start_year, r.month, 1};
    const int first_wday = (static_cast<int>(scheduler::weekday_of(first_of_month)) + 1) % 7; // Sunday = 0
    int d = 1 + (r.wday - first_wday + 7) % 7 + (r.week - 1) * 7;
    if (d > scheduler::days_in_month(rule_start_year, r.month)) d -= 7;
    const civil_date onset = scheduler::add_days({rule_start_year, r.month, d}, shift);

    yearly_rule out;
    out.first = {onset, time_of_day / 3600, time_of_day / 60 % 60, time_of_day % 60};
    out.rrule = "FREQ=YEARLY;BYMONTH=" + std::to_string(r.month) + ";BYDAY=";
    if (shift == 0) {
        out.rrule += (r.week == 5 ? std::string("-1") : std::to_string(r.week)) + std::string(day_names[r.wday]);
        return out;
    }
    // "The Sunday after the first Saturday" (Chile's M9.1.6/24): that weekday on one of
    // seven days of the month, as long as they stay inside every year's month.
    const int first_day = 1 + (r.week - 1) * 7 + shift;
    if (r.week == 5 || first_day < 1 || first_day + 6 > 28) return std::nullopt;
    out.rrule += std::string(day_names[static_cast<std::size_t>(((r.wday + shift) % 7 + 7) % 7)]) + ";BYMONTHDAY=";
    for (int i = 0; i < 7; ++i) out.rrule += (i ? "," : "") + std::to_string(first_day + i);
    return out;
}

void observance(detail::ical_writer& w, bool daylight, std::chrono::seconds from, std::chrono::seconds to,
                std::string_view name, const civil_time& start, std::string_view rrule = {}) {
    const std::string_view kind = daylight ? "DAYLIGHT" : "STANDARD";
    w.line("BEGIN", kind);
    w.line("TZOFFSETFROM", offset_text(from));
    w.line("TZOFFSETTO", offset_text(to));
    if (!name.empty()) w.text("TZNAME", name);
    w.line("DTSTART", basic_local(start));
    if (!rrule.empty()) w.line("RRULE", rrule);
    w.line("END", kind);
}

// The rule form, when the zone's footer rule has one and gives exactly `changes`.
std::optional<std::string> rule_form(const time_zone& z, const std::vector<zone_transition>& changes, sys_seconds from,
                                     sys_seconds to) {
    const posix_rule* rule = z.footer_rule();
    if (rule == nullptr || !rule->has_dst) return std::nullopt;
    // The shape clients implement best: one hour of summer time on whole-hour offsets.
    if (rule->dst_offset - rule->std_offset != 3600 || rule->std_offset % 3600 != 0) return std::nullopt;
    const auto start = as_rrule(rule->start), end = as_rrule(rule->end);
    if (!start || !end) return std::nullopt;
    // The same instants and offsets; abbreviations and flags may differ from the table's.
    const auto by_rule = offset_changes(time_zone::from_rule(z.name(), *rule), from, to);
    const auto same = [](const zone_transition& a, const zone_transition& b) {
        return a.at == b.at && a.offset_before == b.offset_before && a.offset_after == b.offset_after;
    };
    if (!std::equal(by_rule.begin(), by_rule.end(), changes.begin(), changes.end(), same)) return std::nullopt;
    const std::chrono::seconds std_offset{rule->std_offset}, dst_offset{rule->dst_offset};
    detail::ical_writer w(512);
    w.line("BEGIN", "VTIMEZONE");
    w.line("TZID", z.name());
    observance(w, true, std_offset, dst_offset, rule->dst_abbreviation, start->first, start->rrule);
    observance(w, false, dst_offset, std_offset, rule->std_abbreviation, end->first, end->rrule);
    w.line("END", "VTIMEZONE");
    return std::move(w).take();
}

// Summer time or not, as clients expect it: the later offset of a flip of the database's
// flag is summer time, so negative summer time (Dublin, Morocco) reads as the usual kind.
bool is_daylight(const zone_transition& t) {
    if (t.dst_before != t.dst_after) return t.offset_after > t.offset_before;
    return t.dst_after;
}

std::string generate(const time_zone& z, int first_year, int last_year) {
    const sys_seconds from = start_of_year(first_year) - margin, to = start_of_year(last_year + 1) + margin;
    const auto changes = offset_changes(z, from, to);
    const auto opening = z.period_at(from);
    if (changes.empty()) {
        detail::ical_writer w(256);
        w.line("BEGIN", "VTIMEZONE");
        w.line("TZID", z.name());
        observance(w, false, opening.offset, opening.offset, opening.abbreviation, {{rule_start_year, 1, 1}, 0, 0, 0});
        w.line("END", "VTIMEZONE");
        return std::move(w).take();
    }
    if (auto text = rule_form(z, changes, from, to)) return std::move(*text);

    detail::ical_writer w(256 + changes.size() * 128);
    w.line("BEGIN", "VTIMEZONE");
    w.line("TZID", z.name());
    const zone_transition& first = changes.front();
    const bool opening_daylight = first.dst_before != first.dst_after ? !is_daylight(first) : opening.dst;
    observance(w, opening_daylight, opening.offset, opening.offset, opening.abbreviation,
               local_at(from, opening.offset));
    for (const auto& c : changes)
        observance(w, is_daylight(c), c.offset_before, c.offset_after, c.abbreviation_after,
                   local_at(c.at, c.offset_before));
    w.line("END", "VTIMEZONE");
    return std::move(w).take();
}

} // namespace

std::shared_ptr<const std::string> vtimezone_for(std::string_view iana_zone, int first_year, int last_year) {
    const time_zone* z = scheduler::find_time_zone(iana_zone);
    if (z == nullptr) return nullptr;
    first_year = std::clamp(first_year, min_year, max_year);
    last_year = std::clamp(last_year, first_year, max_year);

    struct cache {
        std::mutex mutex;
        std::map<std::string, std::shared_ptr<const std::string>, std::less<>> texts; // guarded by mutex
    };
    static cache* const texts_cache = new cache; // never destroyed: other threads may run at exit
    std::string key(iana_zone);
    key += ' ';
    key += std::to_string(first_year);
    key += ' ';
    key += std::to_string(last_year);
    {
        const std::lock_guard lock(texts_cache->mutex);
        if (const auto it = texts_cache->texts.find(key); it != texts_cache->texts.end()) return it->second;
    }
    // Generated outside the lock: two threads may both generate the same text, once.
    auto text = std::make_shared<const std::string>(generate(*z, first_year, last_year));
    const std::lock_guard lock(texts_cache->mutex);
    if (texts_cache->texts.size() >= max_cached_vtimezones) texts_cache->texts.clear();
    return texts_cache->texts.emplace(std::move(key), std::move(text)).first->second;
}

bool supported_zone(std::string_view iana_zone) { return scheduler::find_time_zone(iana_zone) != nullptr; }

} // namespace copsched::calendar
