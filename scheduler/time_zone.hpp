#pragma once
// IANA time zones read from the system's compiled TZif files (RFC 8536, versions 1 to 4),
// and the one place where local wall-clock times become UTC instants and back.
// Instants after the file's last transition follow the POSIX TZ rule in the file's footer
// ("CET-1CEST,M3.5.0,M10.5.0/3"), so any future year works.
//
// A time_zone is an immutable value: after load() every member may be called from any
// thread at once. Leap-second ("right/") zones are refused.

#include "scheduler/civil_time.hpp"
#include "scheduler/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

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
    int day = 0;   // julian_1: 1..365 (29 February never counted); julian_0: 0..365
    int month = 0; // month_week_day: 1..12
    int week = 0;  // 1..5, 5 = the last
    int wday = 0;  // 0 = Sunday .. 6
    std::int32_t time = 7200; // seconds after local midnight, -167h..167h
};

// A POSIX TZ string as in a TZif footer, offsets already turned east-positive.
struct posix_rule {
    std::int32_t std_offset = 0;
    std::int32_t dst_offset = 0;
    bool has_dst = false;
    rule_day start; // summer time begins
    rule_day end;   // summer time ends
};

// nullopt unless tz is a whole, valid POSIX TZ string (with the RFC 8536 extensions:
// hours up to 167 and negative in rule times). Exposed for the tests.
[[nodiscard]] std::optional<posix_rule> parse_posix_rule(std::string_view tz) noexcept;

} // namespace detail

class time_zone {
public:
    // Loads zoneinfo_dir/iana_name. Errors:
    //  - errc::invalid_input (field "timezone") when iana_name is not the name of a zone:
    //    empty, longer than 255, characters outside [A-Za-z0-9/_+-], a leading, trailing
    //    or doubled '/', no such file, or a file that is not TZif (zone.tab, leapseconds);
    //    also for leap-second zones, which are not supported.
    //  - errc::internal when the file exists but cannot be read or is a corrupt TZif.
    [[nodiscard]] static result<time_zone> load(std::string_view iana_name,
                                                const std::string& zoneinfo_dir = std::string(default_zoneinfo_dir));

    // The name passed to load(), as given.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    // The UTC offset in effect at the instant (local = utc + offset).
    [[nodiscard]] std::chrono::seconds offset_at(sys_seconds utc) const noexcept;

    // The local wall-clock time at the instant.
    [[nodiscard]] civil_time to_local(sys_seconds utc) const noexcept;

    // The instant(s) at which the wall clock shows local; local must be valid.
    // Callers that book events reject anything but local_kind::unique.
    [[nodiscard]] local_result to_utc(const civil_time& local) const noexcept;

private:
    struct transition {
        std::int64_t at = 0;             // UTC seconds since the epoch
        std::int32_t offset_after = 0;   // UTC offset from `at` on
    };
    time_zone() = default;

    [[nodiscard]] std::int32_t offset_at_seconds(std::int64_t t) const noexcept;
    [[nodiscard]] std::optional<std::int64_t> next_change(std::int64_t after, std::int64_t limit) const noexcept;

    // All members are constant after load().
    std::string name_;
    std::int32_t initial_offset_ = 0;     // before the first transition (time type 0)
    std::vector<transition> transitions_; // strictly ascending
    std::optional<detail::posix_rule> rule_;      // from the footer; after the last transition
};

// True when name has the shape of an IANA zone name (the syntax load() checks before it
// touches the file system); says nothing about whether the zone exists.
[[nodiscard]] bool is_valid_zone_name(std::string_view name) noexcept;

// The zone from default_zoneinfo_dir, loaded on first use and kept for the life of the
// process; nullptr when load() fails (failures are not cached, so a name that appears
// later on disk will be found). Any thread may call it; the pointer stays valid forever.
[[nodiscard]] const time_zone* find_time_zone(std::string_view name);

} // namespace copsched::scheduler
