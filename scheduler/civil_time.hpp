#pragma once
// Civil dates and wall-clock times in the proleptic Gregorian calendar, with no time zone
// attached, and their ISO-8601 text forms. Conversion to and from UTC instants for a real
// zone lives in scheduler/time_zone.hpp; here a civil_time is only ever read "as if UTC".
// Everything here is a pure function of its arguments: any thread may call it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace copsched::scheduler {

// An instant, UTC, whole seconds since 1970-01-01T00:00:00Z (leap seconds not counted).
using sys_seconds = std::chrono::sys_seconds;

struct civil_date {
    int year = 1970;
    int month = 1; // 1..12
    int day = 1;   // 1..days_in_month(year, month)

    auto operator<=>(const civil_date&) const = default;
};

struct civil_time {
    civil_date date;
    int hour = 0;   // 0..23
    int minute = 0; // 0..59
    int second = 0; // 0..59; a leap second (60) is never valid

    auto operator<=>(const civil_time&) const = default;
};

// ISO order: the underlying value is 0 for Monday up to 6 for Sunday.
enum class weekday { monday, tuesday, wednesday, thursday, friday, saturday, sunday };

[[nodiscard]] constexpr bool is_leap_year(int year) noexcept {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// 28..31, or 0 for a month outside 1..12.
[[nodiscard]] constexpr int days_in_month(int year, int month) noexcept {
    constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

[[nodiscard]] constexpr bool is_valid(const civil_date& d) noexcept {
    return d.day >= 1 && d.day <= days_in_month(d.year, d.month);
}

[[nodiscard]] constexpr bool is_valid(const civil_time& t) noexcept {
    return is_valid(t.date) && t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 && t.second >= 0 &&
           t.second <= 59;
}

// Days since 1970-01-01 (negative before it) for a valid date of any int year.
// Howard Hinnant's days_from_civil, in 64-bit arithmetic.
[[nodiscard]] constexpr std::int64_t days_from_civil(const civil_date& d) noexcept {
    const std::int64_t y = static_cast<std::int64_t>(d.year) - (d.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;                          // [0, 399]
    const std::int64_t mp = d.month > 2 ? d.month - 3 : d.month + 9; // March = 0
    const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;         // [0, 365]
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
    return era * 146097 + doe - 719468;
}

// The inverse of days_from_civil, for any day count it can return.
[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t days) noexcept {
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;                                      // [0, 146096]
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // [0, 399]
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
    const std::int64_t mp = (5 * doy + 2) / 153;                                    // [0, 11]
    const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const auto year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
    return {year, month, day};
}

[[nodiscard]] constexpr weekday weekday_of(const civil_date& d) noexcept {
    const std::int64_t days = days_from_civil(d);
    // 1970-01-01 was a Thursday (3 in Monday-based numbering).
    const std::int64_t w = (days % 7 + 7 + 3) % 7;
    return static_cast<weekday>(w);
}

// d moved by n days (negative n moves back); d must be valid.
[[nodiscard]] constexpr civil_date add_days(const civil_date& d, std::int64_t n) noexcept {
    return civil_from_days(days_from_civil(d) + n);
}

// "mon", "tue", "wed", "thu", "fri", "sat", "sun": the names meeting_rules uses.
[[nodiscard]] std::string_view to_string(weekday w) noexcept;
// nullopt for anything but exactly one of those seven lowercase names.
[[nodiscard]] std::optional<weekday> parse_weekday(std::string_view name) noexcept;

// The instant whose UTC wall clock shows t; t must be valid.
[[nodiscard]] sys_seconds seconds_from_civil(const civil_time& t) noexcept;
// The UTC wall clock at instant s.
[[nodiscard]] civil_time civil_from_seconds(sys_seconds s) noexcept;

// "YYYY-MM-DD", exactly: four-digit year 0000..9999, nothing before or after.
// nullopt for any other text or a date that does not exist (2019-02-29, 2019-13-01).
[[nodiscard]] std::optional<civil_date> parse_date(std::string_view text) noexcept;
// "YYYY-MM-DD" for years 0..9999 (zero-padded; other years get more digits or a '-').
[[nodiscard]] std::string format_date(const civil_date& d);

// A local wall-clock time "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS", exactly (upper-case
// 'T', no zone designator, no fraction). nullopt for other text or an invalid value
// (hour 24, minute 60, second 60).
[[nodiscard]] std::optional<civil_time> parse_local_time(std::string_view text) noexcept;
// "YYYY-MM-DDTHH:MM", with ":SS" appended only when the seconds are not zero, so that
// parse_local_time(format_local_time(t)) == t.
[[nodiscard]] std::string format_local_time(const civil_time& t);

// A UTC instant "YYYY-MM-DDTHH:MM:SSZ", exactly (seconds required, upper-case 'T' and 'Z',
// no fraction, no numeric offset). nullopt for any other text or an invalid value.
[[nodiscard]] std::optional<sys_seconds> parse_instant(std::string_view text) noexcept;
// "YYYY-MM-DDTHH:MM:SSZ", the form model.hpp keeps in start_utc and end_utc.
[[nodiscard]] std::string format_instant(sys_seconds s);

} // namespace copsched::scheduler
