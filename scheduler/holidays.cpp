#include "scheduler/holidays.hpp"

#include <algorithm>
#include <utility>

namespace copsched::scheduler {
namespace {

// The monarch's day: the birthday of the reigning monarch (Juliana's, kept by Beatrix),
// never celebrated on a Sunday.
holiday monarchs_day(int year) {
    if (year >= 2014) {
        civil_date d{year, 4, 27};
        if (weekday_of(d) == weekday::sunday) d = add_days(d, -1);
        return {d, "Koningsdag", "King's Day", true};
    }
    civil_date d = year <= 1948 ? civil_date{year, 8, 31} : civil_date{year, 4, 30};
    if (weekday_of(d) == weekday::sunday) d = add_days(d, year < 1980 ? 1 : -1);
    return {d, "Koninginnedag", "Queen's Day", true};
}

} // namespace

civil_date easter_sunday(int year) noexcept {
    const int a = year % 19;
    const int b = year / 100;
    const int c = year % 100;
    const int d = b / 4;
    const int e = b % 4;
    const int f = (b + 8) / 25;
    const int g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4;
    const int k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const int month = (h + l - 7 * m + 114) / 31;
    const int day = (h + l - 7 * m + 114) % 31 + 1;
    return {year, month, day};
}

std::vector<holiday> dutch_holidays(int year, bool liberation_day_every_year) {
    if (year < first_holiday_year || year > last_holiday_year) return {};
    const civil_date easter = easter_sunday(year);
    std::vector<holiday> out{
        {{year, 1, 1}, "Nieuwjaarsdag", "New Year's Day", true},
        {add_days(easter, -2), "Goede Vrijdag", "Good Friday", true},
        {easter, "Eerste Paasdag", "Easter Sunday", true},
        {add_days(easter, 1), "Tweede Paasdag", "Easter Monday", true},
        monarchs_day(year),
        {add_days(easter, 39), "Hemelvaartsdag", "Ascension Day", true},
        {add_days(easter, 49), "Eerste Pinksterdag", "Whit Sunday", true},
        {add_days(easter, 50), "Tweede Pinksterdag", "Whit Monday", true},
        {{year, 12, 25}, "Eerste Kerstdag", "Christmas Day", true},
        {{year, 12, 26}, "Tweede Kerstdag", "Boxing Day", true},
    };
    // 1946 was the first Bevrijdingsdag; the early moves off Sundays are not modelled.
    if (year >= 1946)
        out.push_back({{year, 5, 5}, "Bevrijdingsdag", "Liberation Day", liberation_day_every_year || year % 5 == 0});
    std::stable_sort(out.begin(), out.end(), [](const holiday& a, const holiday& b) {
        if (a.date != b.date) return a.date < b.date;
        return a.day_off && !b.day_off;
    });
    return out;
}

std::optional<holiday> dutch_holiday_on(const civil_date& d, bool liberation_day_every_year) {
    for (auto& h : dutch_holidays(d.year, liberation_day_every_year))
        if (h.date == d) return std::move(h);
    return std::nullopt;
}

bool is_dutch_day_off(const civil_date& d, bool liberation_day_every_year) {
    const auto h = dutch_holiday_on(d, liberation_day_every_year);
    return h && h->day_off;
}

} // namespace copsched::scheduler
