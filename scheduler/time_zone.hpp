#pragma once
// IANA time zones from the system's tz database (Debian's tzdata in /usr/share/zoneinfo),
// read through Howard Hinnant's date/tz, and the one place where local wall-clock times
// become UTC instants and back. Past the last transition a zone's file lists (2037 in
// Debian's files), the POSIX TZ rule in the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3")
// is followed, so any future year works.
//
// Threads: every function here may be called from any thread at once. The database's list
// of zones is read once, by the first load() or find_time_zone() (date::get_tzdb(), a
// function-local static); a zone's file by load(), which find_time_zone() calls once per
// zone; a time_zone is immutable after load().
// Leap-second ("right/") zones are not in the database.

#include "scheduler/civil_time.hpp"
#include "scheduler/result.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace copsched::scheduler {

// Where the database is: date/tz (built with USE_OS_TZDB) and std::chrono read it there.
inline constexpr std::string_view default_zoneinfo_dir = "/usr/share/zoneinfo";

enum class local_kind {
    unique,      // the wall clock shows this time exactly once
    ambiguous,   // shown twice: the clocks were set back over it (end of summer time)
    nonexistent, // never shown: the clocks jumped over it (start of summer time)
};

// How one local wall-clock time maps to UTC.
struct local_result {
    local_kind kind = local_kind::unique;
    // unique: the instant. ambiguous: the earlier of the two (still summer time).
    // nonexistent: the transition instant the clocks jumped at, the first instant after
    // the gap (2019-03-31T02:30 Amsterdam -> 2019-03-31T01:00:00Z, 03:00 local).
    sys_seconds first{};
    // unique and nonexistent: equal to first. ambiguous: the later instant.
    sys_seconds second{};

    bool operator==(const local_result&) const = default;
};

namespace detail {

// One end of summer time in a POSIX TZ rule: a day of the year and the local time of day,
// in the time in effect before the change, at which it happens.
struct rule_day {
    enum class form { julian_1, julian_0, month_week_day };
    form kind = form::month_week_day;
    int day = 0;              // julian_1: 1..365 (29 February never counted); julian_0: 0..365
    int month = 0;            // month_week_day: 1..12
    int week = 0;             // 1..5, 5 = the last
    int wday = 0;             // 0 = Sunday .. 6
    std::int32_t time = 7200; // seconds after local midnight, -167:59:59..167:59:59 (RFC 8536 3.3.1)
};

// A POSIX TZ string as in a TZif footer, offsets already turned east-positive.
struct posix_rule {
    std::int32_t std_offset = 0;
    std::int32_t dst_offset = 0;
    bool has_dst = false;
    rule_day start; // summer time begins
    rule_day end;   // summer time ends
    // The abbreviations without the <> quotes: "CET" and "CEST", "-04" and "-03".
    std::string std_abbreviation;
    std::string dst_abbreviation; // empty without summer time
};

// nullopt unless tz is a whole, valid POSIX TZ string (with the RFC 8536 extensions:
// hours up to 167 and negative in rule times). Exposed for the tests and for
// time_zone::footer_rule()'s users.
[[nodiscard]] std::optional<posix_rule> parse_posix_rule(std::string_view tz);

} // namespace detail

// One change of a zone's wall clock: its UTC offset, its abbreviation or its summer-time flag.
struct zone_transition {
    sys_seconds at{}; // the first instant of the new period
    std::chrono::seconds offset_before{};
    std::chrono::seconds offset_after{};
    // The database's summer-time flags. Negative summer time counts as summer time there:
    // Europe/Dublin's winter (GMT) and Morocco's Ramadan months (+00) are flagged, the
    // summer's IST and the rest of Morocco's year (+01) are not.
    bool dst_before = false;
    bool dst_after = false;
    std::string abbreviation_after; // "CEST", "+0545"

    bool operator==(const zone_transition&) const = default;
};

// The period of a zone's wall clock in effect at an instant.
struct zone_period {
    std::chrono::seconds offset{};
    bool dst = false; // as zone_transition's flags
    std::string abbreviation;

    bool operator==(const zone_period&) const = default;
};

class time_zone {
public:
    // The zone named iana_name in the system's database. Errors:
    //  - errc::invalid_input (field "timezone") when iana_name is not the name of a zone:
    //    empty, longer than 255, characters outside [A-Za-z0-9/_+-], a leading, trailing
    //    or doubled '/', or not a zone of the database (a directory, zone.tab, leapseconds,
    //    the leap-second zones under right/).
    //  - errc::internal when the database cannot be read or the zone's file is unusable
    //    (unreadable, corrupt, a footer that is not a valid POSIX TZ string).
    [[nodiscard]] static result<time_zone> load(std::string_view iana_name);

    // A zone that follows one POSIX TZ rule at all times, as TZ="CET-1CEST,M3.5.0,M10.5.0/3"
    // does: the rule load()'s zones follow after their table. name() is tz. Error:
    // errc::invalid_input (field "timezone") unless detail::parse_posix_rule accepts tz.
    [[nodiscard]] static result<time_zone> from_posix_rule(std::string_view tz);

    // The name passed to load(), as given.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    // The UTC offset in effect at the instant (local = utc + offset).
    [[nodiscard]] std::chrono::seconds offset_at(sys_seconds utc) const noexcept;

    // The local wall-clock time at the instant.
    [[nodiscard]] civil_time to_local(sys_seconds utc) const noexcept;

    // The instant(s) at which the wall clock shows local; local must be valid.
    // Callers that book events reject anything but local_kind::unique.
    [[nodiscard]] local_result to_utc(const civil_time& local) const noexcept;

    // The period in effect at the instant: offset_at() with its abbreviation and flag.
    [[nodiscard]] zone_period period_at(sys_seconds utc) const;

    // Every change with from <= at < to, in time order: the database's table, then the
    // footer rule's changes. A change of the abbreviation or flag alone is listed too
    // (offset_before == offset_after). Cost: linear in the number of changes (about two
    // a year for a zone with summer time); callers bound the range.
    [[nodiscard]] std::vector<zone_transition> transitions(sys_seconds from, sys_seconds to) const;

    // The rule the zone follows after the last transition of its table (the TZif footer,
    // "CET-1CEST,M3.5.0,M10.5.0/3"), or nullptr when its file has none (a version 1 file
    // or an empty footer). For a from_posix_rule() zone: that rule. Valid as long as the
    // time_zone or a copy of it lives.
    [[nodiscard]] const detail::posix_rule* footer_rule() const noexcept;

    // A zone that follows r at all times, as from_posix_rule() would; name() is `name`.
    [[nodiscard]] static time_zone from_rule(std::string name, const detail::posix_rule& r);

private:
    struct rules; // the zone's transitions (date/tz) and footer rule; in time_zone.cpp
    time_zone(std::string name, std::shared_ptr<const rules> r) noexcept
        : name_(std::move(name)), rules_(std::move(r)) {}

    // Both constant after load(); copies share the rules.
    std::string name_;
    std::shared_ptr<const rules> rules_;
};

// True when name has the shape of an IANA zone name (the syntax load() checks before it
// looks the name up); says nothing about whether the zone exists.
[[nodiscard]] bool is_valid_zone_name(std::string_view name) noexcept;

// The zone load() gives, loaded on first use and kept for the life of the process; nullptr
// when load() fails (failures are not cached). The database's list of zones is read once:
// a zone that a tzdata upgrade adds is found after a restart. Any thread may call it; the
// pointer stays valid forever.
[[nodiscard]] const time_zone* find_time_zone(std::string_view name);

} // namespace copsched::scheduler
