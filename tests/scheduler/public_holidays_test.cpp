#include "scheduler/public_holidays.hpp"

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

// The key of the holiday listed as a day off on that date, or "" when none is.
std::string off_on(std::string_view country, std::string_view subdivision, std::string_view day) {
    const auto h = public_holiday_on(country, subdivision, date(day), "en");
    return h && h->day_off ? h->key : std::string();
}

} // namespace

TEST_CASE("every country's data loads, with English and Dutch names for every holiday",
          "[scheduler][public_holidays]") {
    const std::vector<std::string> expected{"AT", "BE", "CH", "DE", "DK", "FR", "GB", "IE", "NL", "SE", "US"};
    CHECK(public_holiday_countries() == expected);
    for (const auto& country : public_holiday_countries()) {
        std::vector<std::string> parts{""};
        for (const auto& s : public_holiday_subdivisions(country)) parts.push_back(s);
        for (const auto& part : parts) {
            INFO("country " << country << " subdivision " << part);
            CHECK(public_holidays_known(country, part));
            for (int year = 2015; year <= 2040; ++year) {
                const auto en = public_holidays(country, part, year, "en");
                const auto nl = public_holidays(country, part, year, "nl");
                CHECK(en.size() >= 7); // GB without a part: 7 bank holidays in most years
                REQUIRE(en.size() == nl.size());
                CHECK(
                    std::is_sorted(en.begin(), en.end(), [](const auto& a, const auto& b) { return a.date < b.date; }));
                for (std::size_t i = 0; i < en.size(); ++i) {
                    CHECK(en[i].date.year == year);
                    CHECK(en[i].key == nl[i].key);
                    CHECK_FALSE(en[i].name.empty());
                    CHECK(en[i].name != en[i].key); // a name was found, not the key echoed
                    CHECK_FALSE(nl[i].name.empty());
                }
            }
        }
    }
    CHECK(public_holiday_subdivisions("DE").size() == 16);
    CHECK(public_holiday_subdivisions("CH").size() == 26);
    CHECK(public_holiday_subdivisions("GB") == std::vector<std::string>{"GB-ENG", "GB-NIR", "GB-SCT", "GB-WLS"});
    CHECK(public_holiday_subdivisions("US").empty());
    CHECK(public_holiday_subdivisions("XX").empty());
}

TEST_CASE("Koningsdag is a Dutch day off and not a Belgian one, the Belgian national day the reverse",
          "[scheduler][public_holidays]") {
    CHECK(off_on("NL", "", "2020-04-27") == "kings_day");
    CHECK(off_on("BE", "", "2020-04-27").empty());
    CHECK(off_on("BE", "", "2020-07-21") == "belgian_national_day");
    CHECK(off_on("NL", "", "2020-07-21").empty());
    const auto kings_day = public_holiday_on("NL", "", date("2020-04-27"), "nl");
    REQUIRE(kings_day.has_value());
    CHECK(kings_day->name == "Koningsdag");
    const auto national_day = public_holiday_on("BE", "", date("2020-07-21"), "fr");
    REQUIRE(national_day.has_value());
    CHECK(national_day->name == "Fête nationale");
    CHECK(public_holiday_on("BE", "", date("2020-12-25"), "nl")->name == "Kerstmis");
    CHECK(public_holiday_on("NL", "", date("2020-12-25"), "nl")->name == "Eerste Kerstdag");
}

TEST_CASE("US federal holidays: observed days and Thanksgiving", "[scheduler][public_holidays]") {
    // 4 July 2020 was a Saturday: observed on Friday 3 July; the 4th itself stays listed.
    const auto observed = public_holiday_on("US", "", date("2020-07-03"), "en");
    REQUIRE(observed.has_value());
    CHECK(observed->key == "independence_day_observed");
    CHECK(observed->name == "Independence Day (observed)");
    CHECK(observed->day_off);
    CHECK(off_on("US", "", "2020-07-04") == "independence_day");
    CHECK(off_on("US", "", "2020-11-26") == "thanksgiving");
    CHECK(off_on("US", "", "2020-11-27").empty());
    // 1 January 2022 was a Saturday: observed on Friday 31 December 2021, in the 2021 list.
    CHECK(off_on("US", "", "2021-12-31") == "new_year_observed");
    const auto list_2021 = public_holidays("US", "", 2021, "en");
    CHECK(list_2021.back().date == date("2021-12-31"));
    CHECK(off_on("US", "", "2021-06-18") == "juneteenth_observed"); // first year, on a Saturday
    CHECK(off_on("US", "", "2020-06-19").empty());                  // before 2021
    CHECK(off_on("US", "", "2020-01-20") == "martin_luther_king_day");
    CHECK(off_on("US", "", "2020-05-25") == "memorial_day");
}

TEST_CASE("United Kingdom: the parts differ, substitute days and one-off bank holidays",
          "[scheduler][public_holidays]") {
    CHECK(off_on("GB", "GB-SCT", "2020-01-02") == "january_2nd");
    CHECK(off_on("GB", "GB-ENG", "2020-01-02").empty());
    CHECK(off_on("GB", "", "2020-01-02").empty());
    CHECK(off_on("GB", "GB-SCT", "2020-04-13").empty()); // no Easter Monday in Scotland
    CHECK(off_on("GB", "GB-WLS", "2020-04-13") == "easter_monday");
    CHECK(off_on("GB", "GB-SCT", "2020-08-03") == "summer_bank_holiday");
    CHECK(off_on("GB", "GB-ENG", "2020-08-31") == "summer_bank_holiday");
    CHECK(off_on("GB", "GB-NIR", "2020-07-13") == "battle_of_the_boyne_observed"); // the 12th a Sunday
    // 2022: 1 and 2 January on the weekend; England gets Monday 3, Scotland Monday 3 and Tuesday 4.
    CHECK(off_on("GB", "GB-ENG", "2022-01-03") == "new_year_observed");
    CHECK(off_on("GB", "GB-ENG", "2022-01-04").empty());
    CHECK_FALSE(off_on("GB", "GB-SCT", "2022-01-03").empty());
    CHECK_FALSE(off_on("GB", "GB-SCT", "2022-01-04").empty());
    // Christmas 2021 on a Saturday, Boxing Day on the Sunday: Monday 27 and Tuesday 28 off.
    CHECK(off_on("GB", "", "2021-12-27") == "christmas_day_observed");
    CHECK(off_on("GB", "", "2021-12-28") == "boxing_day_observed");
    CHECK(public_holiday_on("GB", "", date("2021-12-27"), "en")->name == "Christmas Day (substitute day)");
    CHECK(off_on("GB", "GB-ENG", "2022-09-19") == "queens_funeral");
    CHECK(off_on("GB", "", "2022-06-02") == "spring_bank_holiday"); // moved for the Platinum Jubilee
    CHECK(off_on("GB", "", "2022-05-30").empty());
    CHECK(off_on("GB", "", "2020-05-08") == "ve_day_bank_holiday");
    CHECK(off_on("GB", "", "2020-05-04").empty());
}

TEST_CASE("Germany: the Länder add their own holidays", "[scheduler][public_holidays]") {
    // Fronleichnam 2020 (11 June): Bavaria, not Berlin nor the whole country.
    CHECK(off_on("DE", "DE-BY", "2020-06-11") == "corpus_christi");
    CHECK(off_on("DE", "DE-BE", "2020-06-11").empty());
    CHECK(off_on("DE", "", "2020-06-11").empty());
    CHECK(public_holiday_on("DE", "DE-BY", date("2020-06-11"), "de")->name == "Fronleichnam");
    CHECK(public_holiday_on("DE", "DE-BY", date("2020-06-11"), "nl")->name == "Sacramentsdag");
    CHECK(off_on("DE", "DE-BE", "2020-03-08") == "womens_day");
    CHECK(off_on("DE", "DE-BE", "2018-03-08").empty()); // from 2019
    CHECK(off_on("DE", "DE-SN", "2020-11-18") == "repentance_day");
    CHECK(off_on("DE", "DE-NI", "2017-10-31") == "reformation_day"); // nationwide in 2017 only...
    CHECK(off_on("DE", "", "2017-10-31") == "reformation_day");
    CHECK(off_on("DE", "", "2018-10-31").empty());
    CHECK(off_on("DE", "DE-NI", "2018-10-31") == "reformation_day"); // ... and in Niedersachsen since 2018
    CHECK(off_on("DE", "", "2020-10-03") == "german_unity_day");
    // DE-BB lists Reformationstag 2017 once, though two rules give it.
    const auto bb = public_holidays("DE", "DE-BB", 2017, "en");
    CHECK(std::count_if(bb.begin(), bb.end(), [](const auto& h) { return h.key == "reformation_day"; }) == 1);
}

TEST_CASE("Switzerland, Ireland, Scandinavia: moved and weekday-bound days", "[scheduler][public_holidays]") {
    CHECK(off_on("CH", "", "2020-08-01") == "swiss_national_day");
    CHECK(off_on("CH", "CH-ZH", "2020-05-01") == "labour_day");
    CHECK(off_on("CH", "CH-BE", "2020-05-01").empty());
    CHECK(off_on("CH", "CH-GE", "2020-09-10") == "jeune_genevois"); // Thursday after the first Sunday of September
    CHECK(off_on("CH", "CH-VD", "2020-09-21") == "federal_fast_monday");
    CHECK(off_on("CH", "CH-GL", "2023-04-13") == "nafels_day"); // the 6th was Maundy Thursday
    CHECK(off_on("IE", "", "2023-02-06") == "st_brigids_day");  // first Monday of February
    CHECK(off_on("IE", "", "2024-02-05") == "st_brigids_day");
    CHECK(off_on("IE", "", "2030-02-01") == "st_brigids_day"); // 1 February, a Friday
    CHECK(off_on("IE", "", "2022-02-07").empty());             // before 2023
    const auto good_friday = public_holiday_on("IE", "", date("2020-04-10"), "en");
    REQUIRE(good_friday.has_value());
    CHECK_FALSE(good_friday->day_off); // listed, not a public holiday
    CHECK(off_on("SE", "", "2020-06-19") == "midsummer_eve");
    CHECK(off_on("SE", "", "2020-06-20") == "midsummer_day");
    CHECK(public_holiday_on("SE", "", date("2020-06-06"), "sv")->name == "Sveriges nationaldag");
    CHECK(off_on("DK", "", "2023-05-05") == "great_prayer_day");
    CHECK(off_on("DK", "", "2024-04-26").empty()); // abolished from 2024
    CHECK(off_on("FR", "FR-57", "2020-12-26") == "st_stephens_day");
    CHECK(off_on("FR", "", "2020-12-26").empty());
    CHECK(off_on("FR", "", "2020-07-14") == "bastille_day");
}

TEST_CASE("the Dutch list is the one dutch_holidays gives, with the options", "[scheduler][public_holidays]") {
    for (int year = first_public_holiday_year; year <= last_public_holiday_year; ++year) {
        for (const bool every_year : {false, true}) {
            INFO("year " << year << " every year " << every_year);
            const auto nl = public_holidays("NL", "", year, "nl", {.liberation_day_every_year = every_year});
            const auto dutch = dutch_holidays(year, every_year);
            REQUIRE(nl.size() == dutch.size());
            for (std::size_t i = 0; i < nl.size(); ++i) {
                CHECK(nl[i].date == dutch[i].date);
                CHECK(nl[i].name == dutch[i].name_nl);
                CHECK(nl[i].day_off == dutch[i].day_off);
            }
        }
    }
    const auto liberation = public_holiday_on("NL", "", date("2023-05-05"), "en");
    REQUIRE(liberation.has_value());
    CHECK(liberation->key == "liberation_day");
    CHECK_FALSE(liberation->day_off);
    CHECK(is_public_holiday_off("NL", "", date("2023-05-05"), {.liberation_day_every_year = true}));
    CHECK_FALSE(is_public_holiday_off("NL", "", date("2023-05-05")));
    CHECK(is_public_holiday_off("NL", "", date("2025-05-05")));
}

TEST_CASE("unknown countries, subdivisions and years give nothing", "[scheduler][public_holidays]") {
    CHECK_FALSE(public_holidays_known("XX", ""));
    CHECK_FALSE(public_holidays_known("DE", "DE-XX"));
    CHECK_FALSE(public_holidays_known("NL", "DE-BY"));
    CHECK_FALSE(public_holidays_known("de", ""));
    CHECK(public_holidays_known("DE", "DE-BY"));
    CHECK(public_holidays("XX", "", 2020, "en").empty());
    CHECK(public_holidays("DE", "DE-XX", 2020, "en").empty());
    CHECK(public_holidays("NL", "", 1899, "en").empty());
    CHECK(public_holidays("NL", "", 2200, "en").empty());
    CHECK_FALSE(public_holiday_on("XX", "", date("2020-01-01"), "en").has_value());
    CHECK_FALSE(is_public_holiday_off("US", "", date("2020-07-05")));
}

TEST_CASE("names: languages, fallbacks, countries and subdivisions", "[scheduler][public_holidays]") {
    CHECK(public_holiday_on("DE", "", date("2020-12-25"), "de-DE")->name == "1. Weihnachtstag");
    CHECK(public_holiday_on("DE", "", date("2020-12-25"), "sv")->name == "Juldagen");      // the shared name
    CHECK(public_holiday_on("DE", "", date("2020-12-25"), "fi")->name == "Christmas Day"); // English fallback
    CHECK(public_holiday_on("DK", "", date("2020-12-26"), "DA")->name == "Anden juledag");
    CHECK(public_holiday_name("AT", "boxing_day", "de") == "Stefanitag");
    CHECK(public_holiday_name("NL", "no_such_key", "en") == "no_such_key");
    CHECK(country_name("DE", "nl") == "Duitsland");
    CHECK(country_name("NL", "en") == "Netherlands");
    CHECK(country_name("CH", "it") == "Svizzera");
    CHECK(country_name("SE", "fi") == "Sweden");
    CHECK(country_name("XX", "en") == "XX");
    CHECK(subdivision_name("DE-BY", "de") == "Bayern");
    CHECK(subdivision_name("DE-BY", "en") == "Bavaria");
    CHECK(subdivision_name("GB-SCT", "nl") == "Schotland");
    CHECK(subdivision_name("XX-YY", "en") == "XX-YY");
}

TEST_CASE("a programme's zone suggests its holiday country", "[scheduler][public_holidays]") {
    CHECK(holiday_country_for_zone("Europe/Amsterdam") == "NL");
    CHECK(holiday_country_for_zone("Europe/Brussels") == "BE");
    CHECK(holiday_country_for_zone("Europe/Berlin") == "DE");
    CHECK(holiday_country_for_zone("Europe/London") == "GB");
    CHECK(holiday_country_for_zone("America/New_York") == "US");
    CHECK(holiday_country_for_zone("Pacific/Honolulu") == "US");
    CHECK(holiday_country_for_zone("Europe/Zurich") == "CH");
    CHECK_FALSE(holiday_country_for_zone("Asia/Kathmandu").has_value());
    CHECK_FALSE(holiday_country_for_zone("Europe/Luxembourg").has_value());
    CHECK_FALSE(holiday_country_for_zone("").has_value());
    CHECK_FALSE(holiday_country_for_zone("europe/amsterdam").has_value());
}
