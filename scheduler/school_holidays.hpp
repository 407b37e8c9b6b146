#pragma once
// School holidays per country, region and school year, for the year planner: the periods
// in which many participants are away. The data are files, not code: one CSV per country,
// data/school_holidays/<COUNTRY>.csv (ISO 3166-1 alpha-2, upper case), compiled into the
// binary at build time (cmake/embed.cmake; scheduler/CMakeLists.txt lists every file in that
// folder), so another country's school calendar is one more data file.
//
// The CSV: lines starting with '#' are comments, blank lines are skipped; the first other
// line is the header, exactly
//   school_year,region,holiday,first_day,last_day,status,source
// then one row per (school year, region, holiday): school_year "YYYY-YYYY" (consecutive
// years); region and holiday as lower-case names ([a-z0-9_-]); first_day and last_day
// inclusive, YYYY-MM-DD, first <= last, within the school year's two calendar years; status
// "definitive" or "advisory"; source a non-empty text naming the publication (no commas:
// fields are never quoted). A (school year, region, holiday) appears at most once. The last
// school year of a file may be listed in part, up to some holiday (its header says so).
//
// A malformed file is a failure at first use: school_holidays() throws std::runtime_error
// naming the file and the line (the data test in ctest loads every country, so a bad file
// fails the build's tests). Every file is parsed once, on first use, thread-safely
// (function-local statics); afterwards everything here is read-only: any thread may call it.

#include "scheduler/civil_time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

struct school_holiday {
    std::string country;     // "NL"
    std::string school_year; // "2019-2020"
    std::string region;      // "noord", "midden", "zuid" for NL
    std::string holiday;     // "zomervakantie"
    civil_date first;        // first day off, inclusive
    civil_date last;         // last day off, inclusive
    bool advisory = false;   // advice ("adviesdata"), schools may deviate; false: fixed by the government
    std::string source;      // the publication, with its address

    bool operator==(const school_holiday&) const = default;
};

// The countries with a data file, sorted ("NL").
[[nodiscard]] const std::vector<std::string>& school_holiday_countries();

// Every school holiday of a country in file order (NL: by school year, then holiday, then
// region); empty for a country without data. Throws std::runtime_error when a data file
// is malformed (all files are parsed together on first use, so any bad file fails every call).
[[nodiscard]] const std::vector<school_holiday>& school_holidays(std::string_view country);

// The last day the country's data covers (the latest last day of any holiday: the end of
// the last covered school year's summer holidays, or, when that school year is covered only
// in part, of its last listed holiday); days after it are unknown, not holiday-free. nullopt
// for a country without data.
[[nodiscard]] std::optional<civil_date> school_holiday_data_until(std::string_view country);

// The holidays of the country that contain `day` in any of `regions` (region names as in
// the data; an empty list gives nothing, which is how a programme switches the check off),
// in file order.
[[nodiscard]] std::vector<school_holiday> school_holidays_on(std::string_view country, civil_date day,
                                                             const std::vector<std::string>& regions);

// Display names. language "nl" gives Dutch, anything else English. An unknown holiday or
// region name is returned as it is.
//   school_holiday_name("zomervakantie", "en") == "summer holidays"
//   school_holiday_region_name("noord", "nl") == "regio noord"; ("noord", "en") == "region north"
[[nodiscard]] std::string school_holiday_name(std::string_view holiday, std::string_view language);
[[nodiscard]] std::string school_holiday_region_name(std::string_view region, std::string_view language);

namespace detail {
// Parses one country's CSV text as described above; `file` names it in errors
// ("data/school_holidays/NL.csv line 7: ..."). Throws std::runtime_error on the first
// malformed line.
[[nodiscard]] std::vector<school_holiday> parse_school_holidays_csv(std::string_view country, std::string_view file,
                                                                    std::string_view text);
} // namespace detail

} // namespace copsched::scheduler
