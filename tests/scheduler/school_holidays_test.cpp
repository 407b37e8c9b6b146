#include "scheduler/school_holidays.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace copsched::scheduler;

namespace {

civil_date date(std::string_view text) {
    const auto d = parse_date(text);
    INFO("date " << text);
    REQUIRE(d.has_value());
    return *d;
}

std::string read_source_file(const std::string& relative) {
    const std::string path = std::string(COPSCHED_SOURCE_DIR) + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    INFO("reading " << path);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

using key = std::tuple<std::string, std::string, std::string>; // school year, region, holiday
using period = std::pair<std::string, std::string>;            // first and last day, inclusive

// tests/scheduler/school_holidays_reference.csv: the second, independent listing.
std::map<key, period> reference_listing() {
    std::map<key, period> out;
    std::istringstream in(read_source_file("tests/scheduler/school_holidays_reference.csv"));
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        if (header) {
            REQUIRE(line == "school_year,region,holiday,first_day,last_day");
            header = false;
            continue;
        }
        std::vector<std::string> fields;
        std::istringstream row(line);
        std::string field;
        while (std::getline(row, field, ',')) fields.push_back(field);
        INFO("reference line " << line);
        REQUIRE(fields.size() == 5);
        REQUIRE(out.emplace(key{fields[0], fields[1], fields[2]}, period{fields[3], fields[4]}).second);
    }
    return out;
}

const std::vector<std::string> nl_regions{"noord", "midden", "zuid"};
const std::vector<std::string> nl_holidays{"herfstvakantie", "kerstvakantie", "voorjaarsvakantie", "meivakantie",
                                           "zomervakantie"};

std::set<std::string> nl_school_years() {
    std::set<std::string> years;
    for (const auto& h : school_holidays("NL")) years.insert(h.school_year);
    return years;
}

std::string parse_error(std::string_view text) {
    try {
        (void)detail::parse_school_holidays_csv("XX", "XX.csv", text);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("the Dutch school holiday data equals the second listing row by row", "[scheduler][school_holidays]") {
    const auto reference = reference_listing();
    const auto& data = school_holidays("NL");
    REQUIRE(!data.empty());
    std::set<key> in_data;
    for (const auto& h : data) {
        INFO(h.school_year << " " << h.region << " " << h.holiday);
        CHECK(h.country == "NL");
        const auto it = reference.find(key{h.school_year, h.region, h.holiday});
        REQUIRE(it != reference.end());
        CHECK(format_date(h.first) == it->second.first);
        CHECK(format_date(h.last) == it->second.second);
        in_data.insert(it->first);
    }
    for (const auto& [k, p] : reference) {
        INFO("reference row " << std::get<0>(k) << " " << std::get<1>(k) << " " << std::get<2>(k));
        CHECK(in_data.count(k) == 1);
    }
}

TEST_CASE("every Dutch school holiday runs from a Saturday to a Sunday", "[scheduler][school_holidays]") {
    // The Rijksoverheid publishes every period, fixed or advisory, from a Saturday to a
    // Sunday; no published period of the covered years is an exception.
    for (const auto& h : school_holidays("NL")) {
        INFO(h.school_year << " " << h.region << " " << h.holiday << " " << format_date(h.first) << " - "
                           << format_date(h.last));
        CHECK(weekday_of(h.first) == weekday::saturday);
        CHECK(weekday_of(h.last) == weekday::sunday);
        const auto days = days_from_civil(h.last) - days_from_civil(h.first) + 1;
        if (h.holiday == "zomervakantie") {
            CHECK(days == 44); // six weeks and the weekend before them
        } else if (h.holiday == "kerstvakantie") {
            CHECK(days == 16);
        } else {
            CHECK(days == 9);
        }
    }
}

TEST_CASE("no two Dutch school holidays of one region overlap", "[scheduler][school_holidays]") {
    for (const auto& region : nl_regions) {
        std::vector<school_holiday> list;
        for (const auto& h : school_holidays("NL"))
            if (h.region == region) list.push_back(h);
        std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        REQUIRE(list.size() > 1);
        for (std::size_t i = 1; i < list.size(); ++i) {
            INFO(region << ": " << list[i - 1].holiday << " " << list[i - 1].school_year << " and " << list[i].holiday
                        << " " << list[i].school_year);
            CHECK(list[i - 1].last < list[i].first);
        }
    }
}

TEST_CASE("the 2019 summer holidays are noord 13 Jul-25 Aug, midden 20 Jul-1 Sep, zuid 6 Jul-18 Aug",
          "[scheduler][school_holidays]") {
    // Regeling vaststelling schoolvakanties 2016-2019, article 6: schooljaar 2018-2019.
    const std::map<std::string, period> expected{{"noord", {"2019-07-13", "2019-08-25"}},
                                                 {"midden", {"2019-07-20", "2019-09-01"}},
                                                 {"zuid", {"2019-07-06", "2019-08-18"}}};
    int found = 0;
    for (const auto& h : school_holidays("NL")) {
        if (h.school_year != "2018-2019" || h.holiday != "zomervakantie") continue;
        INFO(h.region);
        REQUIRE(expected.count(h.region) == 1);
        CHECK(format_date(h.first) == expected.at(h.region).first);
        CHECK(format_date(h.last) == expected.at(h.region).second);
        CHECK_FALSE(h.advisory);
        ++found;
    }
    CHECK(found == 3);
}

TEST_CASE("each region has the five Dutch school holidays in every covered school year",
          "[scheduler][school_holidays]") {
    const auto years = nl_school_years();
    REQUIRE(years.count("2018-2019") == 1);
    // The covered school years follow each other without a gap.
    int previous = 0;
    for (const auto& year : years) {
        const int start = std::stoi(year.substr(0, 4));
        if (previous != 0) CHECK(start == previous + 1);
        previous = start;
    }
    std::set<key> present;
    for (const auto& h : school_holidays("NL")) present.insert(key{h.school_year, h.region, h.holiday});
    // Only the last school year may be covered in part, and then only up to some holiday:
    // its first holidays in the order of the school year (nl_holidays), the same for every
    // region. Every earlier school year has all five.
    const std::string& last_year = *years.rbegin();
    std::size_t last_year_holidays = 0;
    while (last_year_holidays < nl_holidays.size() &&
           present.count(key{last_year, nl_regions.front(), nl_holidays[last_year_holidays]}) == 1)
        ++last_year_holidays;
    CHECK(last_year_holidays > 0);
    std::size_t expected_rows = 0;
    for (const auto& year : years) {
        const std::size_t covered = year == last_year ? last_year_holidays : nl_holidays.size();
        for (const auto& region : nl_regions)
            for (std::size_t i = 0; i < nl_holidays.size(); ++i) {
                INFO(year << " " << region << " " << nl_holidays[i]);
                CHECK(present.count(key{year, region, nl_holidays[i]}) == (i < covered ? 1U : 0U));
            }
        expected_rows += covered * nl_regions.size();
    }
    CHECK(school_holidays("NL").size() == expected_rows);
    // Nothing but these regions and holidays.
    for (const auto& [year, region, holiday] : present) {
        CHECK(std::find(nl_regions.begin(), nl_regions.end(), region) != nl_regions.end());
        CHECK(std::find(nl_holidays.begin(), nl_holidays.end(), holiday) != nl_holidays.end());
    }
    // Within a school year and region the holidays come in that order, so a prefix of the
    // list is a prefix of the school year.
    std::map<std::pair<std::string, std::string>, std::map<std::size_t, school_holiday>> by_year_region;
    for (const auto& h : school_holidays("NL")) {
        const auto at = std::find(nl_holidays.begin(), nl_holidays.end(), h.holiday);
        if (at == nl_holidays.end()) continue;
        by_year_region[{h.school_year, h.region}].emplace(
            static_cast<std::size_t>(std::distance(nl_holidays.begin(), at)), h);
    }
    for (const auto& [year_region, holidays] : by_year_region) {
        const school_holiday* before = nullptr;
        for (const auto& [index, h] : holidays) {
            INFO(year_region.first << " " << year_region.second << " " << h.holiday);
            if (before != nullptr) CHECK(before->last < h.first);
            before = &h;
        }
    }
}

TEST_CASE("15 August 2019 is in every region's summer holiday", "[scheduler][school_holidays]") {
    const auto on = school_holidays_on("NL", date("2019-08-15"), nl_regions);
    REQUIRE(on.size() == 3);
    std::set<std::string> regions;
    for (const auto& h : on) {
        CHECK(h.holiday == "zomervakantie");
        CHECK(h.school_year == "2018-2019");
        regions.insert(h.region);
    }
    CHECK(regions == std::set<std::string>{"noord", "midden", "zuid"});

    // Only the regions asked for; none at all switches the check off.
    const auto zuid = school_holidays_on("NL", date("2019-08-15"), {"zuid"});
    REQUIRE(zuid.size() == 1);
    CHECK(zuid.front().region == "zuid");
    CHECK(school_holidays_on("NL", date("2019-08-15"), {}).empty());
    // First and last days are inclusive: 6 July 2019 is zuid's first day, 5 July is not.
    CHECK(school_holidays_on("NL", date("2019-07-06"), nl_regions).size() == 1);
    CHECK(school_holidays_on("NL", date("2019-07-05"), nl_regions).empty());
    CHECK(school_holidays_on("NL", date("2019-09-01"), {"midden"}).size() == 1);
    CHECK(school_holidays_on("NL", date("2019-09-02"), nl_regions).empty());
    // An ordinary school day.
    CHECK(school_holidays_on("NL", date("2019-09-19"), nl_regions).empty());
}

TEST_CASE("Dutch school holidays are advisory for autumn and spring and name their source",
          "[scheduler][school_holidays]") {
    // The summer and Christmas holidays are fixed; so was one week of the May holidays up to
    // 2024-2025 (the Regeling vaststelling schoolvakanties); the open data of 2025-2026 mark
    // that year's May holidays as not compulsory.
    for (const auto& h : school_holidays("NL")) {
        INFO(h.school_year << " " << h.region << " " << h.holiday);
        const bool may_advisory = h.holiday == "meivakantie" && h.school_year >= "2025-2026";
        CHECK(h.advisory == (h.holiday == "herfstvakantie" || h.holiday == "voorjaarsvakantie" || may_advisory));
        CHECK(h.source.rfind("Schoolvakanties " + h.school_year + " https://www.rijksoverheid.nl/", 0) == 0);
    }
}

TEST_CASE("the data file states the last school year it covers", "[scheduler][school_holidays]") {
    const auto years = nl_school_years();
    REQUIRE(!years.empty());
    const std::string& last_year = *years.rbegin();
    const auto text = read_source_file("data/school_holidays/NL.csv");
    for (const auto& year : years) {
        INFO(year);
        CHECK(text.find("#   " + year + "  Rijksoverheid") != std::string::npos);
    }

    // The data end with the latest last day of the last covered school year's last holiday:
    // its summer holidays, or, when that school year is covered only in part (up to a
    // holiday, the same for every region), that holiday; the file says which.
    std::size_t last_index = 0;
    for (const auto& h : school_holidays("NL")) {
        if (h.school_year != last_year) continue;
        const auto at = std::find(nl_holidays.begin(), nl_holidays.end(), h.holiday);
        REQUIRE(at != nl_holidays.end());
        last_index = std::max(last_index, static_cast<std::size_t>(std::distance(nl_holidays.begin(), at)));
    }
    civil_date latest;
    for (const auto& h : school_holidays("NL"))
        if (h.school_year == last_year && h.holiday == nl_holidays[last_index]) latest = std::max(latest, h.last);
    const auto until = school_holiday_data_until("NL");
    REQUIRE(until.has_value());
    CHECK(*until == latest);
    if (last_index + 1 == nl_holidays.size()) {
        CHECK(text.find("# Last school year covered: " + last_year + ".") != std::string::npos);
    } else {
        CHECK(text.find("# Last school year covered: " + last_year + ", up to the end of its " +
                        nl_holidays[last_index] + " (" + format_date(latest) + ").") != std::string::npos);
    }
    CHECK(text.find("Years beyond " + last_year + " are not in the data") != std::string::npos);

    // As the file stands: 2026-2027 up to the end of the voorjaarsvakantie (change with the data).
    CHECK(last_year == "2026-2027");
    CHECK(format_date(*until) == "2027-02-28");
}

TEST_CASE("school holidays are keyed by country, empty for one without data", "[scheduler][school_holidays]") {
    CHECK(std::find(school_holiday_countries().begin(), school_holiday_countries().end(), "NL") !=
          school_holiday_countries().end());
    CHECK(school_holidays("BE").empty());
    CHECK(school_holidays("").empty());
    CHECK(school_holidays("nl").empty());
    CHECK_FALSE(school_holiday_data_until("BE").has_value());
    CHECK(school_holidays_on("BE", date("2019-08-15"), nl_regions).empty());
    // Every file embedded parses (a malformed one throws here).
    for (const auto& country : school_holiday_countries()) {
        INFO(country);
        CHECK_NOTHROW(school_holidays(country));
        CHECK(!school_holidays(country).empty());
    }
}

TEST_CASE("a malformed school holiday file fails naming its line", "[scheduler][school_holidays]") {
    const std::string head = "# comment\nschool_year,region,holiday,first_day,last_day,status,source\n";
    const std::string good = "2019-2020,noord,zomervakantie,2020-07-04,2020-08-16,definitive,Schoolvakanties x\n";

    const auto ok = detail::parse_school_holidays_csv("XX", "XX.csv", head + good + "\r\n\n# end\n");
    REQUIRE(ok.size() == 1);
    CHECK(ok[0].country == "XX");
    CHECK(ok[0].region == "noord");
    CHECK(format_date(ok[0].first) == "2020-07-04");
    CHECK_FALSE(ok[0].advisory);

    CHECK(parse_error("") == "XX.csv line 0: no header line");
    CHECK(parse_error("school_year,region\n") ==
          "XX.csv line 1: expected the header \"school_year,region,holiday,first_day,last_day,status,source\"");
    CHECK(parse_error(head + good + "2019-2020,noord,zomervakantie,2020-07-04\n") ==
          "XX.csv line 4: expected 7 fields, found 4");
    CHECK(parse_error(head + "2019-2021,noord,zomervakantie,2020-07-04,2020-08-16,definitive,s\n") ==
          "XX.csv line 3: school_year \"2019-2021\" is not of the form 2019-2020");
    CHECK(parse_error(head + "2019-2020,Noord,zomervakantie,2020-07-04,2020-08-16,definitive,s\n") ==
          "XX.csv line 3: region \"Noord\" is not a name");
    CHECK(parse_error(head + "2019-2020,noord,,2020-07-04,2020-08-16,definitive,s\n") ==
          "XX.csv line 3: holiday \"\" is not a name");
    CHECK(parse_error(head + "2019-2020,noord,zomervakantie,2020-02-30,2020-08-16,definitive,s\n") ==
          "XX.csv line 3: first_day \"2020-02-30\" is not a YYYY-MM-DD date");
    CHECK(parse_error(head + "2019-2020,noord,zomervakantie,2020-07-04,16-08-2020,definitive,s\n") ==
          "XX.csv line 3: last_day \"16-08-2020\" is not a YYYY-MM-DD date");
    CHECK(parse_error(head + "2019-2020,noord,zomervakantie,2020-08-16,2020-07-04,definitive,s\n") ==
          "XX.csv line 3: last_day is before first_day");
    CHECK(parse_error(head + "2019-2020,noord,zomervakantie,2021-07-04,2021-08-16,definitive,s\n") ==
          "XX.csv line 3: the days are outside school year 2019-2020");
    CHECK(parse_error(head + "2019-2020,noord,zomervakantie,2020-07-04,2020-08-16,fixed,s\n") ==
          "XX.csv line 3: status \"fixed\" is neither definitive nor advisory");
    CHECK(parse_error(head + "2019-2020,noord,zomervakantie,2020-07-04,2020-08-16,advisory,\n") ==
          "XX.csv line 3: source is empty");
    CHECK(parse_error(head + good + good) == "XX.csv line 4: a second row for 2019-2020 noord zomervakantie");
}

TEST_CASE("school holiday and region names for display in Dutch and English", "[scheduler][school_holidays]") {
    CHECK(school_holiday_name("zomervakantie", "nl") == "zomervakantie");
    CHECK(school_holiday_name("zomervakantie", "en") == "summer holidays");
    CHECK(school_holiday_name("herfstvakantie", "en") == "autumn holidays");
    CHECK(school_holiday_name("kerstvakantie", "en") == "Christmas holidays");
    CHECK(school_holiday_name("voorjaarsvakantie", "en") == "spring holidays");
    CHECK(school_holiday_name("meivakantie", "en") == "May holidays");
    CHECK(school_holiday_name("sportferien", "en") == "sportferien");
    CHECK(school_holiday_region_name("noord", "nl") == "regio noord");
    CHECK(school_holiday_region_name("noord", "en") == "region north");
    CHECK(school_holiday_region_name("midden", "en") == "region central");
    CHECK(school_holiday_region_name("zuid", "en") == "region south");
    CHECK(school_holiday_region_name("zuid", "de") == "region south");
    // Every name the NL data uses has both forms.
    for (const auto& h : school_holidays("NL")) {
        CHECK(school_holiday_name(h.holiday, "en") != h.holiday);
        CHECK(school_holiday_region_name(h.region, "nl") != h.region);
    }
}
