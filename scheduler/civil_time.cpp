#include "scheduler/civil_time.hpp"

#include <array>
#include <cstdio>

namespace copsched::scheduler {
namespace {

constexpr std::array<std::string_view, 7> weekday_names{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

constexpr std::int64_t seconds_per_day = 86400;

// Reads exactly `width` ASCII digits at text[pos]; nullopt if any is not a digit.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t width) noexcept {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// "YYYY-MM-DD" at the start of text; does not look past character 10.
std::optional<civil_date> read_date(std::string_view text) noexcept {
    if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const auto y = read_digits(text, 0, 4);
    const auto m = read_digits(text, 5, 2);
    const auto d = read_digits(text, 8, 2);
    if (!y || !m || !d) return std::nullopt;
    const civil_date date{*y, *m, *d};
    if (!is_valid(date)) return std::nullopt;
    return date;
}

// "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" as the whole of text.
std::optional<civil_time> read_time(std::string_view text) noexcept {
    if (text.size() != 16 && text.size() != 19) return std::nullopt;
    const auto date = read_date(text);
    if (!date || text[10] != 'T' || text[13] != ':') return std::nullopt;
    const auto h = read_digits(text, 11, 2);
    const auto mi = read_digits(text, 14, 2);
    if (!h || !mi) return std::nullopt;
    int s = 0;
    if (text.size() == 19) {
        const auto sec = read_digits(text, 17, 2);
        if (text[16] != ':' || !sec) return std::nullopt;
        s = *sec;
    }
    const civil_time t{*date, *h, *mi, s};
    if (!is_valid(t)) return std::nullopt;
    return t;
}

} // namespace

std::string_view to_string(weekday w) noexcept {
    const auto i = static_cast<std::size_t>(w);
    return i < weekday_names.size() ? weekday_names[i] : "unknown";
}

std::optional<weekday> parse_weekday(std::string_view name) noexcept {
    for (std::size_t i = 0; i < weekday_names.size(); ++i)
        if (weekday_names[i] == name) return static_cast<weekday>(i);
    return std::nullopt;
}

sys_seconds seconds_from_civil(const civil_time& t) noexcept {
    const std::int64_t s = days_from_civil(t.date) * seconds_per_day + std::int64_t{t.hour} * 3600 +
                           std::int64_t{t.minute} * 60 + t.second;
    return sys_seconds{std::chrono::seconds{s}};
}

civil_time civil_from_seconds(sys_seconds s) noexcept {
    const std::int64_t total = s.time_since_epoch().count();
    std::int64_t days = total / seconds_per_day;
    std::int64_t rest = total % seconds_per_day;
    if (rest < 0) {
        rest += seconds_per_day;
        --days;
    }
    const auto secs = static_cast<int>(rest);
    return {civil_from_days(days), secs / 3600, secs / 60 % 60, secs % 60};
}

std::optional<civil_date> parse_date(std::string_view text) noexcept {
    if (text.size() != 10) return std::nullopt;
    return read_date(text);
}

std::string format_date(const civil_date& d) {
    char buf[48];
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::optional<civil_time> parse_local_time(std::string_view text) noexcept { return read_time(text); }

std::string format_local_time(const civil_time& t) {
    char buf[64];
    const int n = t.second == 0 ? std::snprintf(buf, sizeof buf, "T%02d:%02d", t.hour, t.minute)
                                : std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d", t.hour, t.minute, t.second);
    return format_date(t.date) + std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::optional<sys_seconds> parse_instant(std::string_view text) noexcept {
    if (text.size() != 20 || text.back() != 'Z') return std::nullopt;
    const auto t = read_time(text.substr(0, 19));
    if (!t) return std::nullopt;
    return seconds_from_civil(*t);
}

std::string format_instant(sys_seconds s) {
    const civil_time t = civil_from_seconds(s);
    char buf[64];
    const int n = std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", t.hour, t.minute, t.second);
    return format_date(t.date) + std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

} // namespace copsched::scheduler
