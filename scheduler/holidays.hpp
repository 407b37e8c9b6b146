#pragma once
// Dutch public holidays (nationale feestdagen), for the year plan and slot suggestions:
// the days a Community of Practice meeting should not be planned on. The Dutch view of
// scheduler/public_holidays.hpp (country "NL", data/public_holidays/NL.txt), with both the
// Dutch and the English name; kept as the API of the callers that know only the Netherlands.
// Pure functions: any thread may call them.

#include "scheduler/civil_time.hpp"
#include "scheduler/public_holidays.hpp" // easter_sunday

#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

struct holiday {
    civil_date date;
    std::string name_nl; // "Tweede Paasdag"
    std::string name_en; // "Easter Monday"
    // False only for Bevrijdingsdag outside lustrum years (see dutch_holidays).
    bool day_off = true;

    bool operator==(const holiday&) const = default;
};

inline constexpr int first_holiday_year = first_public_holiday_year; // 1900
inline constexpr int last_holiday_year = last_public_holiday_year;   // 2199

// The holidays of one year, sorted by date; empty for a year outside
// [first_holiday_year, last_holiday_year]. On a shared date (Hemelvaartsdag on 5 May, as
// in 2016) the day off comes first. Listed:
//   Nieuwjaarsdag, Goede Vrijdag, Eerste and Tweede Paasdag, Hemelvaartsdag (Easter + 39),
//   Eerste and Tweede Pinksterdag (Easter + 49, + 50), Eerste and Tweede Kerstdag;
//   Koningsdag from 2014: 27 April, 26 April when that is a Sunday;
//   Koninginnedag until 2013: 31 August until 1948, 30 April from 1949; on a Sunday moved
//   to the Monday until 1979 and to the Saturday from 1980;
//   Bevrijdingsdag on 5 May from 1946: a day off in lustrum years (year % 5 == 0), or every
//   year when liberation_day_every_year; otherwise listed with day_off = false.
[[nodiscard]] std::vector<holiday> dutch_holidays(int year, bool liberation_day_every_year = false);

// The holiday on d (the day off first when two share it); nullopt when d is none.
[[nodiscard]] std::optional<holiday> dutch_holiday_on(const civil_date& d, bool liberation_day_every_year = false);

// True when d is a listed holiday with day_off. Weekends are the caller's business.
[[nodiscard]] bool is_dutch_day_off(const civil_date& d, bool liberation_day_every_year = false);

} // namespace copsched::scheduler
