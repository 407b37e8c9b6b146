#pragma once
// Public holidays per country (and per subdivision: German Land, Swiss canton, part of the
// United Kingdom), for conflicts, the year plan and suggestions: the general days off work
// on which a Community of Practice should not meet.
//
// The data are rules, not lists of dates: one file per country,
// data/public_holidays/<COUNTRY>.txt (ISO 3166-1 alpha-2, upper case), plus
// data/public_holidays/names.txt with the names of the holidays by key in several languages.
// They are compiled into the binary at build time (cmake/embed.cmake; scheduler/CMakeLists.txt
// lists every file in that folder), so another country is one more data file. The rules hold
// for any year; tests/holidays checks every day of 2015-2040 of every country and subdivision
// against the npm package date-holidays (see docs/HOLIDAYS.md, and
// tests/holidays/exceptions.txt for where and why copsched differs from it).
//
// A data file is lines; '#' starts a comment, blank lines are skipped; tokens are separated
// by blanks. Names are "<language> <text> | <language> <text> | ..." (language: two or three
// lower-case letters).
//   country <CC> <names>                  first line; CC is the file's name
//   zones <IANA zone> ...                 the zones whose programmes get this country by default
//   subdivision <CC-XXX> <names>          an ISO 3166-2 subdivision, as "DE-BY", "GB-SCT"
//   name <key> <names>                    this country's names for a key (win over names.txt)
//   holiday <scope> <key> <date> [modifier...]
// scope: "*" (the whole country and every subdivision), "*,-DE-BY,-DE-BW" (... but not in
//   those), or "DE-BY,DE-BW" (only in those subdivisions).
// key: a stable id [a-z0-9_], with its names in names.txt or a `name` line.
// date: "MM-DD"; "YYYY-MM-DD" (that year only); "easter", "easter+N", "easter-N" (Gregorian
//   Easter Sunday plus N days); "mon>=MM-DD" or "mon<=MM-DD" (the Monday on or after, on or
//   before that day: "thu>=11-22" is the fourth Thursday of November), optionally "+N"/"-N"
//   days after it ("sun>=09-01+4").
// modifiers: "since:YYYY", "until:YYYY", "years:YYYY-YYYY", "except:YYYY,YYYY" (the years it
//   is kept); "moved:sun-1,sat+2" (on that weekday it is kept N days later or earlier
//   instead); "observed:sat-1,sun+1" (on that weekday an extra day off N days away, key
//   "<key>_observed", named by the `observed` pattern); "not:mon,fri" and "only:mon" (kept only
//   when the date falls on other / these weekdays); "clash:easter-3=+7" (when the date is
//   Easter - 3 days, it is kept 7 days later instead; may be repeated); "not-off" (listed, not a day off);
//   "off-every:N" (a day off in years divisible by N, otherwise listed, not a day off);
//   "option:liberation_day_every_year" (a day off every year when that holiday_options flag is
//   set).
//
// A malformed file is a failure at first use: every function here throws std::runtime_error
// naming the file and the line (the unit tests load every file, so a bad file fails the
// tests). Every file is parsed once, on first use, thread-safely (a function-local static);
// afterwards everything is read-only: any thread may call any function here.

#include "scheduler/civil_time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace copsched::scheduler {

struct public_holiday {
    civil_date date;
    std::string key;     // stable id: "kings_day", "christmas_day_observed"
    std::string name;    // in the asked language ("Koningsdag"), else English
    bool day_off = true; // false: listed but not a general day off (NL Bevrijdingsdag 2023)

    bool operator==(const public_holiday&) const = default;
};

struct holiday_options {
    // NL: Bevrijdingsdag (5 May) a day off every year, not only in lustrum years.
    bool liberation_day_every_year = false;
};

// The years the engine answers for; public_holidays() is empty outside them. Rules describe
// the history they name (NL back to 1900); other countries' rules are checked for 2015-2040.
inline constexpr int first_public_holiday_year = 1900;
inline constexpr int last_public_holiday_year = 2199;

// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm); year >= 1583.
[[nodiscard]] civil_date easter_sunday(int year) noexcept;

// The countries with a data file, sorted: "AT", "BE", ...
[[nodiscard]] const std::vector<std::string>& public_holiday_countries();

// The ISO 3166-2 subdivisions of a country with holidays of their own, sorted ("DE-BB",
// "DE-BE", ...); empty for a country without subdivisions or without data.
[[nodiscard]] const std::vector<std::string>& public_holiday_subdivisions(std::string_view country);

// True when the country has data and the subdivision is "" (the whole country) or one of
// public_holiday_subdivisions(country). Case-sensitive: "NL", "DE-BY".
[[nodiscard]] bool public_holidays_known(std::string_view country, std::string_view subdivision);

// The supported country whose holidays a programme in this IANA zone gets by default, from
// the `zones` lines of the data files (the zone.tab zones of each country and a few old
// aliases): "Europe/Amsterdam" -> "NL", "America/New_York" -> "US"; nullopt for a zone of an
// unsupported country ("Asia/Kathmandu") or an unknown name.
[[nodiscard]] std::optional<std::string> holiday_country_for_zone(std::string_view iana_zone);

// The holidays dated in `year`, sorted by date; on a shared date the days off come first,
// then file order. "" as subdivision gives the whole country's list (the national one:
// what most of the country has off); a subdivision gets the holidays whose scope includes
// it. A substitute day is listed in the year of its own date (US: New Year's Day 2022,
// a Saturday, is observed on Friday 2021-12-31, in the 2021 list). Empty for an unknown
// country or subdivision (see public_holidays_known) and for a year outside
// [first_public_holiday_year, last_public_holiday_year]. `language` picks the names
// ("nl", "de", "en-GB" is "en"); a name missing in it is given in English.
[[nodiscard]] std::vector<public_holiday> public_holidays(std::string_view country, std::string_view subdivision,
                                                          int year, std::string_view language,
                                                          holiday_options options = {});

// The holiday on d (a day off before one that is not); nullopt when none is listed on d.
[[nodiscard]] std::optional<public_holiday> public_holiday_on(std::string_view country, std::string_view subdivision,
                                                              civil_date d, std::string_view language,
                                                              holiday_options options = {});

// True when a holiday with day_off is listed on d. Weekends are the caller's business.
[[nodiscard]] bool is_public_holiday_off(std::string_view country, std::string_view subdivision, civil_date d,
                                         holiday_options options = {});

// Display names in `language` (falling back to English, then to the code or key itself):
//   country_name("DE", "nl") == "Duitsland"; subdivision_name("DE-BY", "de") == "Bayern";
//   public_holiday_name("NL", "kings_day", "en") == "King's Day" (country overrides first).
[[nodiscard]] std::string country_name(std::string_view country, std::string_view language);
[[nodiscard]] std::string subdivision_name(std::string_view subdivision, std::string_view language);
[[nodiscard]] std::string public_holiday_name(std::string_view country, std::string_view key,
                                              std::string_view language);

} // namespace copsched::scheduler
