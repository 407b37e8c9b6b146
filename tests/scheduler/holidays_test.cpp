#include "scheduler/holidays.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

civil_date date(std::string_view text) {
    const auto d = parse_date(text);
    INFO("date " << text);
    REQUIRE(d.has_value());
    return *d;
}

// The date of the holiday with this Dutch name in the list; fails when it is missing.
std::string date_of(const std::vector<holiday>& list, std::string_view name_nl) {
    const auto it = std::find_if(list.begin(), list.end(), [&](const holiday& h) { return h.name_nl == name_nl; });
    INFO("holiday " << name_nl);
    REQUIRE(it != list.end());
    return format_date(it->date);
}

const holiday& find(const std::vector<holiday>& list, std::string_view name_nl) {
    const auto it = std::find_if(list.begin(), list.end(), [&](const holiday& h) { return h.name_nl == name_nl; });
    INFO("holiday " << name_nl);
    REQUIRE(it != list.end());
    return *it;
}

// Knuth's Easter algorithm (The Art of Computer Programming, 1.3.2 exercise 14): an
// independent route to the same Gregorian computus.
civil_date knuth_easter(int year) {
    const int golden = year % 19 + 1;
    const int century = year / 100 + 1;
    const int skipped_leap_years = 3 * century / 4 - 12;
    const int moon_correction = (8 * century + 5) / 25 - 5;
    const int sunday = 5 * year / 4 - skipped_leap_years - 10;
    int epact = (11 * golden + 20 + moon_correction - skipped_leap_years) % 30;
    if ((epact == 25 && golden > 11) || epact == 24) ++epact;
    int full_moon = 44 - epact;
    if (full_moon < 21) full_moon += 30;
    full_moon = full_moon + 7 - (sunday + full_moon) % 7;
    return full_moon > 31 ? civil_date{year, 4, full_moon - 31} : civil_date{year, 3, full_moon};
}

struct year_facts {
    int year;
    const char* goede_vrijdag;
    const char* pasen;
    const char* tweede_paasdag;
    const char* koningsdag;
    const char* hemelvaart;
    const char* pinksteren;
    const char* tweede_pinksterdag;
};

// Easter Sundays as published; the rest derived by hand from them.
const std::vector<year_facts> facts_2018_2030{
    {2018, "2018-03-30", "2018-04-01", "2018-04-02", "2018-04-27", "2018-05-10", "2018-05-20", "2018-05-21"},
    {2019, "2019-04-19", "2019-04-21", "2019-04-22", "2019-04-27", "2019-05-30", "2019-06-09", "2019-06-10"},
    {2020, "2020-04-10", "2020-04-12", "2020-04-13", "2020-04-27", "2020-05-21", "2020-05-31", "2020-06-01"},
    {2021, "2021-04-02", "2021-04-04", "2021-04-05", "2021-04-27", "2021-05-13", "2021-05-23", "2021-05-24"},
    {2022, "2022-04-15", "2022-04-17", "2022-04-18", "2022-04-27", "2022-05-26", "2022-06-05", "2022-06-06"},
    {2023, "2023-04-07", "2023-04-09", "2023-04-10", "2023-04-27", "2023-05-18", "2023-05-28", "2023-05-29"},
    {2024, "2024-03-29", "2024-03-31", "2024-04-01", "2024-04-27", "2024-05-09", "2024-05-19", "2024-05-20"},
    {2025, "2025-04-18", "2025-04-20", "2025-04-21", "2025-04-26", "2025-05-29", "2025-06-08", "2025-06-09"},
    {2026, "2026-04-03", "2026-04-05", "2026-04-06", "2026-04-27", "2026-05-14", "2026-05-24", "2026-05-25"},
    {2027, "2027-03-26", "2027-03-28", "2027-03-29", "2027-04-27", "2027-05-06", "2027-05-16", "2027-05-17"},
    {2028, "2028-04-14", "2028-04-16", "2028-04-17", "2028-04-27", "2028-05-25", "2028-06-04", "2028-06-05"},
    {2029, "2029-03-30", "2029-04-01", "2029-04-02", "2029-04-27", "2029-05-10", "2029-05-20", "2029-05-21"},
    {2030, "2030-04-19", "2030-04-21", "2030-04-22", "2030-04-27", "2030-05-30", "2030-06-09", "2030-06-10"},
};

} // namespace

TEST_CASE("every Dutch holiday of 2018-2030 falls on its known date", "[scheduler][holidays]") {
    for (const auto& f : facts_2018_2030) {
        INFO("year " << f.year);
        const auto list = dutch_holidays(f.year);
        CHECK(list.size() == 11);
        CHECK(format_date(easter_sunday(f.year)) == f.pasen);
        CHECK(date_of(list, "Nieuwjaarsdag") == std::to_string(f.year) + "-01-01");
        CHECK(date_of(list, "Goede Vrijdag") == f.goede_vrijdag);
        CHECK(date_of(list, "Eerste Paasdag") == f.pasen);
        CHECK(date_of(list, "Tweede Paasdag") == f.tweede_paasdag);
        CHECK(date_of(list, "Koningsdag") == f.koningsdag);
        CHECK(date_of(list, "Bevrijdingsdag") == std::to_string(f.year) + "-05-05");
        CHECK(date_of(list, "Hemelvaartsdag") == f.hemelvaart);
        CHECK(date_of(list, "Eerste Pinksterdag") == f.pinksteren);
        CHECK(date_of(list, "Tweede Pinksterdag") == f.tweede_pinksterdag);
        CHECK(date_of(list, "Eerste Kerstdag") == std::to_string(f.year) + "-12-25");
        CHECK(date_of(list, "Tweede Kerstdag") == std::to_string(f.year) + "-12-26");
        CHECK(find(list, "Bevrijdingsdag").day_off == (f.year % 5 == 0));
    }
}

TEST_CASE("the 2025 list in full: names, dates, order and days off", "[scheduler][holidays]") {
    const std::vector<holiday> expected{
        {{2025, 1, 1}, "Nieuwjaarsdag", "New Year's Day", true},
        {{2025, 4, 18}, "Goede Vrijdag", "Good Friday", true},
        {{2025, 4, 20}, "Eerste Paasdag", "Easter Sunday", true},
        {{2025, 4, 21}, "Tweede Paasdag", "Easter Monday", true},
        {{2025, 4, 26}, "Koningsdag", "King's Day", true},        // 27 April 2025 is a Sunday
        {{2025, 5, 5}, "Bevrijdingsdag", "Liberation Day", true}, // a lustrum year
        {{2025, 5, 29}, "Hemelvaartsdag", "Ascension Day", true},
        {{2025, 6, 8}, "Eerste Pinksterdag", "Whit Sunday", true},
        {{2025, 6, 9}, "Tweede Pinksterdag", "Whit Monday", true},
        {{2025, 12, 25}, "Eerste Kerstdag", "Christmas Day", true},
        {{2025, 12, 26}, "Tweede Kerstdag", "Boxing Day", true},
    };
    const auto list = dutch_holidays(2025);
    REQUIRE(list.size() == expected.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        INFO("holiday " << expected[i].name_nl);
        CHECK(format_date(list[i].date) == format_date(expected[i].date));
        CHECK(list[i].name_nl == expected[i].name_nl);
        CHECK(list[i].name_en == expected[i].name_en);
        CHECK(list[i].day_off == expected[i].day_off);
    }
    CHECK(list == expected);
}

TEST_CASE("Bevrijdingsdag is a day off in lustrum years, or every year when asked", "[scheduler][holidays]") {
    for (const int year : {2019, 2021, 2022, 2023, 2024, 2026}) {
        INFO("year " << year);
        CHECK_FALSE(find(dutch_holidays(year), "Bevrijdingsdag").day_off);
        CHECK(find(dutch_holidays(year, true), "Bevrijdingsdag").day_off);
        CHECK_FALSE(is_dutch_day_off({year, 5, 5}));
        CHECK(is_dutch_day_off({year, 5, 5}, true));
        const auto listed = dutch_holiday_on({year, 5, 5});
        REQUIRE(listed.has_value());
        CHECK(listed->name_nl == "Bevrijdingsdag");
        CHECK(listed->name_en == "Liberation Day");
    }
    for (const int year : {1995, 2000, 2020, 2025, 2030, 2045}) {
        INFO("year " << year);
        CHECK(find(dutch_holidays(year), "Bevrijdingsdag").day_off);
        CHECK(is_dutch_day_off({year, 5, 5}));
    }
    // Only from 1946: the first Bevrijdingsdag after the war.
    CHECK(dutch_holidays(1945).size() == 10);
    CHECK(dutch_holidays(1946).size() == 11);
}

TEST_CASE("Koningsdag and Koninginnedag follow the monarchs and never fall on a Sunday", "[scheduler][holidays]") {
    const std::vector<std::pair<int, std::string>> koningsdag{
        {2014, "2014-04-26"}, {2015, "2015-04-27"}, {2025, "2025-04-26"}, {2031, "2031-04-26"}, {2036, "2036-04-26"}};
    for (const auto& [year, expected] : koningsdag) {
        INFO("year " << year);
        const auto list = dutch_holidays(year);
        const auto& h = find(list, "Koningsdag");
        CHECK(format_date(h.date) == expected);
        CHECK(h.name_en == "King's Day");
    }
    const std::vector<std::pair<int, std::string>> koninginnedag{
        {1906, "1906-08-31"},                                             // Wilhelmina's birthday
        {1913, "1913-09-01"},                                             // 31 August a Sunday: the Monday, before 1980
        {1947, "1947-09-01"}, {1948, "1948-08-31"}, {1949, "1949-04-30"}, // Juliana's birthday from 1949
        {1950, "1950-05-01"}, {1967, "1967-05-01"}, {1978, "1978-05-01"},
        {1989, "1989-04-29"},                                             // a Sunday: the Saturday, from 1980
        {1995, "1995-04-29"}, {2006, "2006-04-29"}, {2013, "2013-04-30"}, // Beatrix kept 30 April
    };
    for (const auto& [year, expected] : koninginnedag) {
        INFO("year " << year);
        const auto list = dutch_holidays(year);
        const auto& h = find(list, "Koninginnedag");
        CHECK(format_date(h.date) == expected);
        CHECK(h.name_en == "Queen's Day");
        CHECK(std::none_of(list.begin(), list.end(), [](const holiday& x) { return x.name_nl == "Koningsdag"; }));
    }
}

TEST_CASE("Easter agrees with Knuth's algorithm and the recorded extremes", "[scheduler][holidays]") {
    for (int year = 1583; year <= 4099; ++year) {
        INFO("year " << year);
        CHECK(easter_sunday(year) == knuth_easter(year));
    }
    CHECK(easter_sunday(1818) == date("1818-03-22")); // earliest possible
    CHECK(easter_sunday(2285) == date("2285-03-22"));
    CHECK(easter_sunday(1943) == date("1943-04-25")); // latest possible
    CHECK(easter_sunday(2038) == date("2038-04-25"));
    CHECK(easter_sunday(1900) == date("1900-04-15"));
    CHECK(easter_sunday(2000) == date("2000-04-23"));
    CHECK(easter_sunday(2008) == date("2008-03-23"));
    CHECK(easter_sunday(2011) == date("2011-04-24"));
}

TEST_CASE("every year 1900-2199 has its holidays sorted, on the right weekdays", "[scheduler][holidays]") {
    for (int year = first_holiday_year; year <= last_holiday_year; ++year) {
        INFO("year " << year);
        const auto list = dutch_holidays(year);
        CHECK(list.size() == (year >= 1946 ? 11u : 10u));
        CHECK(std::is_sorted(list.begin(), list.end(),
                             [](const holiday& a, const holiday& b) { return a.date < b.date; }));
        for (const auto& h : list) {
            CHECK(h.date.year == year);
            CHECK(is_valid(h.date));
            CHECK_FALSE(h.name_nl.empty());
            CHECK_FALSE(h.name_en.empty());
        }
        const civil_date easter = find(list, "Eerste Paasdag").date;
        CHECK(easter >= civil_date{year, 3, 22});
        CHECK(easter <= civil_date{year, 4, 25});
        CHECK(weekday_of(easter) == weekday::sunday);
        CHECK(weekday_of(find(list, "Goede Vrijdag").date) == weekday::friday);
        CHECK(weekday_of(find(list, "Tweede Paasdag").date) == weekday::monday);
        CHECK(weekday_of(find(list, "Hemelvaartsdag").date) == weekday::thursday);
        CHECK(weekday_of(find(list, "Eerste Pinksterdag").date) == weekday::sunday);
        CHECK(weekday_of(find(list, "Tweede Pinksterdag").date) == weekday::monday);
        const auto monarch = std::find_if(list.begin(), list.end(), [](const holiday& h) {
            return h.name_nl == "Koningsdag" || h.name_nl == "Koninginnedag";
        });
        REQUIRE(monarch != list.end());
        CHECK(weekday_of(monarch->date) != weekday::sunday);
    }
}

TEST_CASE("a date shared by two holidays reports the day off first", "[scheduler][holidays]") {
    // 2016: Hemelvaartsdag on 5 May, not a lustrum year.
    const auto list = dutch_holidays(2016);
    const auto may5 = dutch_holiday_on({2016, 5, 5});
    REQUIRE(may5.has_value());
    CHECK(may5->name_nl == "Hemelvaartsdag");
    CHECK(may5->day_off);
    CHECK(is_dutch_day_off({2016, 5, 5}));
    CHECK(find(list, "Bevrijdingsdag").date == find(list, "Hemelvaartsdag").date);
    CHECK(std::is_sorted(list.begin(), list.end(), [](const holiday& a, const holiday& b) { return a.date < b.date; }));
}

TEST_CASE("dutch_holiday_on and is_dutch_day_off answer for single dates", "[scheduler][holidays]") {
    const auto second_christmas = dutch_holiday_on(date("2019-12-26"));
    REQUIRE(second_christmas.has_value());
    CHECK(second_christmas->name_nl == "Tweede Kerstdag");
    CHECK(is_dutch_day_off(date("2019-12-26")));
    CHECK(is_dutch_day_off(date("2019-05-30"))); // Hemelvaartsdag
    CHECK(is_dutch_day_off(date("2025-04-26"))); // Koningsdag on the Saturday
    CHECK_FALSE(is_dutch_day_off(date("2025-04-27")));
    CHECK_FALSE(dutch_holiday_on(date("2019-12-24")).has_value());
    CHECK_FALSE(is_dutch_day_off(date("2019-12-24")));
    CHECK_FALSE(is_dutch_day_off(date("2018-06-07"))); // the programme's first meeting
    CHECK_FALSE(is_dutch_day_off(date("2019-12-29"))); // a Sunday, but no holiday
}

TEST_CASE("years outside 1900-2199 have no holiday list", "[scheduler][holidays]") {
    CHECK(dutch_holidays(1899).empty());
    CHECK(dutch_holidays(2200).empty());
    CHECK_FALSE(dutch_holidays(1900).empty());
    CHECK_FALSE(dutch_holidays(2199).empty());
    CHECK_FALSE(dutch_holiday_on({1899, 12, 25}).has_value());
    CHECK_FALSE(is_dutch_day_off({2200, 1, 1}));
}
