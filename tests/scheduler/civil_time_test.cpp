#include "scheduler/civil_time.hpp"

#include "scheduler/clock.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace copsched::scheduler;

namespace {

sys_seconds at(std::int64_t s) { return sys_seconds{std::chrono::seconds{s}}; }

} // namespace

// Usable at compile time, so rules can be checked by static_assert.
static_assert(days_from_civil({1970, 1, 1}) == 0);
static_assert(civil_from_days(-1) == civil_date{1969, 12, 31});
static_assert(weekday_of({2018, 6, 7}) == weekday::thursday);

TEST_CASE("days_from_civil counts days from 1970-01-01 in the proleptic Gregorian calendar",
          "[scheduler][civil_time]") {
    CHECK(days_from_civil({1970, 1, 1}) == 0);
    CHECK(days_from_civil({1969, 12, 31}) == -1);
    CHECK(days_from_civil({2000, 1, 1}) == 10957);
    CHECK(days_from_civil({2000, 3, 1}) == 11017);
    CHECK(days_from_civil({2018, 6, 7}) == 17689);
    CHECK(days_from_civil({2019, 3, 31}) == 17986);
    CHECK(days_from_civil({1, 1, 1}) == -719162);
    CHECK(days_from_civil({9999, 12, 31}) == 2932896);
}

TEST_CASE("civil_from_days inverts days_from_civil for every day of years 1 to 9999", "[scheduler][civil_time]") {
    civil_date expected{1, 1, 1};
    std::int64_t mismatches = 0;
    for (std::int64_t n = days_from_civil({1, 1, 1}); n <= days_from_civil({9999, 12, 31}); ++n) {
        const civil_date d = civil_from_days(n);
        if (d != expected || days_from_civil(d) != n || !is_valid(d)) ++mismatches;
        // The next day by hand: day + 1, or the first of the next month or year.
        expected.day += 1;
        if (expected.day > days_in_month(expected.year, expected.month)) {
            expected.day = 1;
            if (++expected.month > 12) {
                expected.month = 1;
                ++expected.year;
            }
        }
    }
    CHECK(mismatches == 0);
    CHECK(civil_from_days(days_from_civil({-4713, 11, 24})) == civil_date{-4713, 11, 24});
}

TEST_CASE("leap years and month lengths follow the Gregorian rules", "[scheduler][civil_time]") {
    CHECK(is_leap_year(2020));
    CHECK(is_leap_year(2000));
    CHECK_FALSE(is_leap_year(1900));
    CHECK_FALSE(is_leap_year(2100));
    CHECK_FALSE(is_leap_year(2019));
    CHECK(days_in_month(2020, 2) == 29);
    CHECK(days_in_month(2019, 2) == 28);
    CHECK(days_in_month(2019, 4) == 30);
    CHECK(days_in_month(2019, 12) == 31);
    CHECK(days_in_month(2019, 13) == 0);
    CHECK(days_in_month(2019, 0) == 0);
    CHECK(is_valid(civil_date{2020, 2, 29}));
    CHECK_FALSE(is_valid(civil_date{2019, 2, 29}));
    CHECK_FALSE(is_valid(civil_date{2019, 2, 30}));
    CHECK_FALSE(is_valid(civil_date{2019, 4, 31}));
    CHECK_FALSE(is_valid(civil_date{2019, 0, 1}));
    CHECK_FALSE(is_valid(civil_date{2019, 1, 0}));
    CHECK(is_valid(civil_time{{2019, 1, 1}, 23, 59, 59}));
    CHECK_FALSE(is_valid(civil_time{{2019, 1, 1}, 24, 0, 0}));
    CHECK_FALSE(is_valid(civil_time{{2019, 1, 1}, 12, 60, 0}));
    CHECK_FALSE(is_valid(civil_time{{2019, 1, 1}, 12, 0, 60}));
    CHECK_FALSE(is_valid(civil_time{{2019, 1, 1}, -1, 0, 0}));
}

TEST_CASE("weekday_of numbers Monday 0 to Sunday 6", "[scheduler][civil_time]") {
    CHECK(weekday_of({1970, 1, 1}) == weekday::thursday);
    CHECK(weekday_of({1969, 12, 28}) == weekday::sunday);
    CHECK(weekday_of({1900, 1, 1}) == weekday::monday);
    CHECK(weekday_of({1, 1, 1}) == weekday::monday);
    CHECK(weekday_of({2000, 1, 1}) == weekday::saturday);
    CHECK(weekday_of({2018, 6, 7}) == weekday::thursday); // the programme's first meeting
    CHECK(weekday_of({2025, 4, 27}) == weekday::sunday);
    CHECK(static_cast<int>(weekday::monday) == 0);
    CHECK(static_cast<int>(weekday::sunday) == 6);

    // Seven consecutive days take every value once, in order.
    for (int i = 0; i < 7; ++i)
        CHECK(static_cast<int>(weekday_of(add_days({2024, 1, 1}, i))) == i); // 2024-01-01: Monday
}

TEST_CASE("weekday names are the three-letter lowercase names of meeting_rules", "[scheduler][civil_time]") {
    const std::vector<std::pair<weekday, std::string_view>> names{
        {weekday::monday, "mon"}, {weekday::tuesday, "tue"},  {weekday::wednesday, "wed"}, {weekday::thursday, "thu"},
        {weekday::friday, "fri"}, {weekday::saturday, "sat"}, {weekday::sunday, "sun"}};
    for (const auto& [w, name] : names) {
        INFO("weekday " << name);
        CHECK(to_string(w) == name);
        REQUIRE(parse_weekday(name).has_value());
        CHECK(*parse_weekday(name) == w);
    }
    for (const std::string_view bad : {"", "Mon", "MON", "monday", "mo", " mon", "mon ", "1", "zon"}) {
        INFO("name '" << bad << "'");
        CHECK_FALSE(parse_weekday(bad).has_value());
    }
}

TEST_CASE("add_days crosses months, leap days and years both ways", "[scheduler][civil_time]") {
    CHECK(add_days({2020, 2, 28}, 1) == civil_date{2020, 2, 29});
    CHECK(add_days({2020, 2, 28}, 2) == civil_date{2020, 3, 1});
    CHECK(add_days({2019, 2, 28}, 1) == civil_date{2019, 3, 1});
    CHECK(add_days({2020, 3, 1}, -1) == civil_date{2020, 2, 29});
    CHECK(add_days({2019, 12, 31}, 1) == civil_date{2020, 1, 1});
    CHECK(add_days({2020, 1, 1}, -1) == civil_date{2019, 12, 31});
    CHECK(add_days({2018, 6, 7}, 0) == civil_date{2018, 6, 7});
    CHECK(add_days({2018, 6, 7}, 42) == civil_date{2018, 7, 19}); // min_gap_days
    CHECK(add_days({2018, 6, 7}, 366) == civil_date{2019, 6, 8});
    CHECK(add_days({2018, 6, 7}, -36525) == civil_date{1918, 6, 7});
}

TEST_CASE("civil dates and times order by year, month, day, then time of day", "[scheduler][civil_time]") {
    CHECK(civil_date{2019, 1, 31} < civil_date{2019, 2, 1});
    CHECK(civil_date{2018, 12, 31} < civil_date{2019, 1, 1});
    CHECK(civil_date{2019, 3, 9} < civil_date{2019, 3, 10});
    CHECK(civil_date{2019, 3, 10} == civil_date{2019, 3, 10});
    CHECK(civil_date{2019, 3, 10} != civil_date{2019, 3, 11});
    CHECK(civil_date{2019, 3, 11} >= civil_date{2019, 3, 10});
    const civil_time morning{{2019, 3, 10}, 9, 30, 0};
    CHECK(morning < civil_time{{2019, 3, 10}, 10, 0, 0});
    CHECK(morning < civil_time{{2019, 3, 10}, 9, 30, 1});
    CHECK(morning > civil_time{{2019, 3, 9}, 23, 59, 59});
    CHECK(morning == civil_time{{2019, 3, 10}, 9, 30, 0});
}

TEST_CASE("parse_date accepts exactly YYYY-MM-DD of a real date", "[scheduler][civil_time]") {
    CHECK(parse_date("2018-06-07") == civil_date{2018, 6, 7});
    CHECK(parse_date("2020-02-29") == civil_date{2020, 2, 29});
    CHECK(parse_date("2000-02-29") == civil_date{2000, 2, 29});
    CHECK(parse_date("0001-01-01") == civil_date{1, 1, 1});
    CHECK(parse_date("9999-12-31") == civil_date{9999, 12, 31});
    for (const std::string_view bad : {"",
                                       "2019-02-29",
                                       "2100-02-29",
                                       "2019-02-30",
                                       "2019-04-31",
                                       "2019-13-01",
                                       "2019-00-10",
                                       "2019-01-00",
                                       "2019-01-32",
                                       "2019-4-01",
                                       "2019-04-1",
                                       "19-04-01",
                                       "+2019-04-01",
                                       "2019-04-01x",
                                       " 2019-04-01",
                                       "2019-04-01 ",
                                       "2019/04/01",
                                       "2019-04-01T00:00",
                                       "20190401",
                                       "2019-0a-01"}) {
        INFO("text '" << bad << "'");
        CHECK_FALSE(parse_date(bad).has_value());
    }
}

TEST_CASE("format_date writes zero-padded YYYY-MM-DD and round-trips", "[scheduler][civil_time]") {
    CHECK(format_date({2018, 6, 7}) == "2018-06-07");
    CHECK(format_date({1, 1, 1}) == "0001-01-01");
    CHECK(format_date({2019, 12, 31}) == "2019-12-31");
    for (const civil_date d : {civil_date{2020, 2, 29}, civil_date{1900, 1, 1}, civil_date{2199, 12, 26}})
        CHECK(parse_date(format_date(d)) == d);
}

TEST_CASE("parse_local_time accepts YYYY-MM-DDTHH:MM with optional :SS", "[scheduler][civil_time]") {
    CHECK(parse_local_time("2018-06-07T12:00") == civil_time{{2018, 6, 7}, 12, 0, 0});
    CHECK(parse_local_time("2018-06-07T12:00:00") == civil_time{{2018, 6, 7}, 12, 0, 0});
    CHECK(parse_local_time("2018-06-07T23:59:59") == civil_time{{2018, 6, 7}, 23, 59, 59});
    CHECK(parse_local_time("2019-03-31T02:30") == civil_time{{2019, 3, 31}, 2, 30, 0});
    CHECK(parse_local_time("2020-02-29T00:00") == civil_time{{2020, 2, 29}, 0, 0, 0});
    for (const std::string_view bad : {"",
                                       "2018-06-07",
                                       "2018-06-07T24:00",
                                       "2018-06-07T23:60",
                                       "2018-06-07T23:59:60",
                                       "2018-06-07T12",
                                       "2018-06-07T12:0",
                                       "2018-06-07T1200",
                                       "2018-06-07 12:00",
                                       "2018-06-07t12:00",
                                       "2018-06-07T12:00Z",
                                       "2018-06-07T12:00:00Z",
                                       "2018-06-07T12:00+02:00",
                                       "2018-06-07T12:00:00.5",
                                       "2018-06-07T12:00:0",
                                       "2019-02-29T12:00",
                                       "2018-13-07T12:00",
                                       " 2018-06-07T12:00",
                                       "2018-06-07T12:00 ",
                                       "2018-06-07T-1:00"}) {
        INFO("text '" << bad << "'");
        CHECK_FALSE(parse_local_time(bad).has_value());
    }
}

TEST_CASE("format_local_time omits zero seconds and round-trips", "[scheduler][civil_time]") {
    CHECK(format_local_time({{2018, 6, 7}, 12, 0, 0}) == "2018-06-07T12:00");
    CHECK(format_local_time({{2018, 6, 7}, 9, 5, 0}) == "2018-06-07T09:05");
    CHECK(format_local_time({{2018, 6, 7}, 9, 5, 7}) == "2018-06-07T09:05:07");
    for (const civil_time t : {civil_time{{2019, 10, 27}, 2, 30, 0}, civil_time{{2019, 12, 31}, 23, 59, 59},
                               civil_time{{2020, 1, 1}, 0, 0, 1}})
        CHECK(parse_local_time(format_local_time(t)) == t);
}

TEST_CASE("UTC instants parse from and format to YYYY-MM-DDTHH:MM:SSZ", "[scheduler][civil_time]") {
    CHECK(parse_instant("1970-01-01T00:00:00Z") == at(0));
    CHECK(parse_instant("2018-06-07T10:00:00Z") == at(1528365600));
    CHECK(parse_instant("1969-12-31T23:59:59Z") == at(-1));
    CHECK(format_instant(at(1528365600)) == "2018-06-07T10:00:00Z");
    CHECK(format_instant(at(-1)) == "1969-12-31T23:59:59Z");
    CHECK(format_instant(at(0)) == "1970-01-01T00:00:00Z");
    for (const std::string_view bad :
         {"", "2018-06-07T10:00:00", "2018-06-07T10:00Z", "2018-06-07T10:00:00z", "2018-06-07t10:00:00Z",
          "2018-06-07T10:00:00+00:00", "2018-06-07T10:00:00.000Z", "2018-06-07T24:00:00Z", "2018-06-31T10:00:00Z",
          "2018-06-07T10:00:60Z", "2018-06-07 10:00:00Z", "2018-06-07T10:00:00ZZ", " 2018-06-07T10:00:00Z"}) {
        INFO("text '" << bad << "'");
        CHECK_FALSE(parse_instant(bad).has_value());
    }
}

TEST_CASE("format_instant agrees with the clock's format_utc and round-trips", "[scheduler][civil_time]") {
    for (std::int64_t s = -2208988800; s < 4102444800; s += 7777777) { // 1900 .. 2100
        INFO("seconds " << s);
        const std::string text = format_instant(at(s));
        CHECK(text == format_utc(at(s)));
        CHECK(parse_instant(text) == at(s));
    }
}

TEST_CASE("seconds_from_civil reads a civil time as UTC and civil_from_seconds inverts it", "[scheduler][civil_time]") {
    CHECK(seconds_from_civil({{1970, 1, 1}, 0, 0, 0}) == at(0));
    CHECK(seconds_from_civil({{2018, 6, 7}, 10, 0, 0}) == at(1528365600));
    CHECK(civil_from_seconds(at(-1)) == civil_time{{1969, 12, 31}, 23, 59, 59});
    CHECK(civil_from_seconds(at(-86400)) == civil_time{{1969, 12, 31}, 0, 0, 0});
    CHECK(civil_from_seconds(at(1528365600)) == civil_time{{2018, 6, 7}, 10, 0, 0});
    for (std::int64_t s = -62135596800; s < 253402300800; s += 999999937) // years 1 .. 9999
        CHECK(seconds_from_civil(civil_from_seconds(at(s))) == at(s));
}
