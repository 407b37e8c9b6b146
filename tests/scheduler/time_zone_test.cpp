#include "scheduler/time_zone.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace copsched::scheduler;

namespace {

std::string_view kind_name(local_kind k) {
    switch (k) {
    case local_kind::unique: return "unique";
    case local_kind::ambiguous: return "ambiguous";
    case local_kind::nonexistent: return "nonexistent";
    }
    return "?";
}

sys_seconds utc(std::string_view text) {
    const auto t = parse_instant(text);
    INFO("instant " << text);
    REQUIRE(t.has_value());
    return *t;
}

civil_time local(std::string_view text) {
    const auto t = parse_local_time(text);
    INFO("local time " << text);
    REQUIRE(t.has_value());
    return *t;
}

// The system's tzdata is a hard requirement: a missing zone fails, never skips.
const time_zone& zone(std::string_view name) {
    const time_zone* z = find_time_zone(name);
    INFO("zone " << name << " under " << default_zoneinfo_dir << " (Debian package tzdata)");
    REQUIRE(z != nullptr);
    return *z;
}

void check_unique(const time_zone& z, std::string_view local_text, std::string_view utc_text) {
    INFO(z.name() << " " << local_text);
    const local_result r = z.to_utc(local(local_text));
    CHECK(kind_name(r.kind) == "unique");
    CHECK(format_instant(r.first) == utc_text);
    CHECK(r.second == r.first);
    CHECK(z.to_local(utc(utc_text)) == local(local_text));
}

void check_ambiguous(const time_zone& z, std::string_view local_text, std::string_view earlier,
                     std::string_view later) {
    INFO(z.name() << " " << local_text);
    const local_result r = z.to_utc(local(local_text));
    CHECK(kind_name(r.kind) == "ambiguous");
    CHECK(format_instant(r.first) == earlier);
    CHECK(format_instant(r.second) == later);
    CHECK(z.to_local(r.first) == local(local_text));
    CHECK(z.to_local(r.second) == local(local_text));
}

void check_nonexistent(const time_zone& z, std::string_view local_text, std::string_view jump) {
    INFO(z.name() << " " << local_text);
    const local_result r = z.to_utc(local(local_text));
    CHECK(kind_name(r.kind) == "nonexistent");
    CHECK(format_instant(r.first) == jump);
    CHECK(r.second == r.first);
    // The wall clock jumps from before local_text to after it at that instant.
    CHECK(z.to_local(r.first - std::chrono::seconds{1}) < local(local_text));
    CHECK(z.to_local(r.first) > local(local_text));
}

std::int64_t offset_seconds(const time_zone& z, std::string_view instant) { return z.offset_at(utc(instant)).count(); }

// A zone that follows one POSIX TZ rule at all times: the rule load()'s zones follow
// after the last transition their file lists.
time_zone rule_zone(std::string_view tz) {
    auto z = time_zone::from_posix_rule(tz);
    INFO("rule " << tz);
    REQUIRE(z.ok());
    return std::move(z).value();
}

// 01:00 UTC on the last Sunday of the month: when EU summer time starts and ends.
sys_seconds eu_change(int year, int month) {
    civil_date d{year, month, days_in_month(year, month)};
    while (weekday_of(d) != weekday::sunday) d = add_days(d, -1);
    return seconds_from_civil({d, 1, 0, 0});
}

} // namespace

TEST_CASE("Europe/Amsterdam: the facts the booking API relies on", "[scheduler][time_zone]") {
    const time_zone& ams = zone("Europe/Amsterdam");
    CHECK(ams.name() == "Europe/Amsterdam");

    check_unique(ams, "2018-06-07T12:00", "2018-06-07T10:00:00Z");
    check_unique(ams, "2019-01-15T10:00", "2019-01-15T09:00:00Z");
    check_nonexistent(ams, "2019-03-31T02:30", "2019-03-31T01:00:00Z");
    check_ambiguous(ams, "2019-10-27T02:30", "2019-10-27T00:30:00Z", "2019-10-27T01:30:00Z");

    CHECK(offset_seconds(ams, "2019-01-15T09:00:00Z") == 3600);
    CHECK(offset_seconds(ams, "2018-06-07T10:00:00Z") == 7200);
}

TEST_CASE("Europe/Amsterdam: the edges of the DST gap and overlap are exact to the second", "[scheduler][time_zone]") {
    const time_zone& ams = zone("Europe/Amsterdam");
    CHECK(offset_seconds(ams, "2019-03-31T00:59:59Z") == 3600);
    CHECK(offset_seconds(ams, "2019-03-31T01:00:00Z") == 7200);
    CHECK(offset_seconds(ams, "2019-10-27T00:59:59Z") == 7200);
    CHECK(offset_seconds(ams, "2019-10-27T01:00:00Z") == 3600);

    check_unique(ams, "2019-03-31T01:59:59", "2019-03-31T00:59:59Z");
    check_nonexistent(ams, "2019-03-31T02:00", "2019-03-31T01:00:00Z");
    check_nonexistent(ams, "2019-03-31T02:59:59", "2019-03-31T01:00:00Z");
    check_unique(ams, "2019-03-31T03:00", "2019-03-31T01:00:00Z");

    check_unique(ams, "2019-10-27T01:59:59", "2019-10-26T23:59:59Z");
    check_ambiguous(ams, "2019-10-27T02:00", "2019-10-27T00:00:00Z", "2019-10-27T01:00:00Z");
    check_ambiguous(ams, "2019-10-27T02:59:59", "2019-10-27T00:59:59Z", "2019-10-27T01:59:59Z");
    check_unique(ams, "2019-10-27T03:00", "2019-10-27T02:00:00Z");
}

TEST_CASE("Europe/Amsterdam beyond the file's transitions follows the POSIX footer rule", "[scheduler][time_zone]") {
    const time_zone& ams = zone("Europe/Amsterdam");
    check_unique(ams, "2040-07-01T12:00", "2040-07-01T10:00:00Z");
    check_unique(ams, "2040-01-15T12:00", "2040-01-15T11:00:00Z");
    check_nonexistent(ams, "2040-03-25T02:30", "2040-03-25T01:00:00Z"); // last Sunday of March 2040
    check_ambiguous(ams, "2040-10-28T02:30", "2040-10-28T00:30:00Z", "2040-10-28T01:30:00Z");
    CHECK(offset_seconds(ams, "2040-03-25T00:59:59Z") == 3600);
    CHECK(offset_seconds(ams, "2040-03-25T01:00:00Z") == 7200);
    // Far future: the rule repeats every 400 years and is computed, not tabulated.
    check_unique(ams, "2400-07-01T12:00", "2400-07-01T10:00:00Z");
    check_unique(ams, "9999-12-31T23:59:59", "9999-12-31T22:59:59Z");
}

TEST_CASE("Europe/Amsterdam and Europe/London change on the EU dates in every year 1996-2199",
          "[scheduler][time_zone]") {
    const time_zone& ams = zone("Europe/Amsterdam");
    const time_zone& lon = zone("Europe/London");
    const std::chrono::seconds s{1};
    const std::chrono::minutes half_hour{30};
    for (int year = 1996; year <= 2199; ++year) {
        INFO("year " << year);
        const sys_seconds spring = eu_change(year, 3);
        const sys_seconds autumn = eu_change(year, 10);
        CHECK(ams.offset_at(spring - s).count() == 3600);
        CHECK(ams.offset_at(spring).count() == 7200);
        CHECK(ams.offset_at(autumn - s).count() == 7200);
        CHECK(ams.offset_at(autumn).count() == 3600);
        CHECK(lon.offset_at(spring - s).count() == 0);
        CHECK(lon.offset_at(spring).count() == 3600);
        CHECK(lon.offset_at(autumn).count() == 0);

        const civil_date spring_day = civil_from_seconds(spring).date;
        const civil_date autumn_day = civil_from_seconds(autumn).date;
        const local_result gap = ams.to_utc({spring_day, 2, 30, 0});
        CHECK(kind_name(gap.kind) == "nonexistent");
        CHECK(gap.first == spring);
        const local_result overlap = ams.to_utc({autumn_day, 2, 30, 0});
        CHECK(kind_name(overlap.kind) == "ambiguous");
        CHECK(overlap.first == autumn - half_hour);
        CHECK(overlap.second == autumn + half_hour);
    }
}

TEST_CASE("to_local and to_utc round-trip every quarter hour of a year", "[scheduler][time_zone]") {
    for (const char* name : {"Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe"}) {
        const time_zone& z = zone(name);
        for (const int year : {2019, 2040}) {
            INFO(name << " " << year);
            int failures = 0, ambiguous = 0;
            const sys_seconds begin = seconds_from_civil({{year, 1, 1}, 0, 0, 0});
            const sys_seconds end = seconds_from_civil({{year + 1, 1, 1}, 0, 0, 0});
            for (sys_seconds t = begin; t < end; t += std::chrono::minutes{15}) {
                const local_result r = z.to_utc(z.to_local(t));
                if (r.kind == local_kind::ambiguous) ++ambiguous;
                const bool found = r.kind != local_kind::nonexistent && (r.first == t || r.second == t);
                if (!found) ++failures;
            }
            CHECK(failures == 0);
            CHECK(ambiguous > 0); // each of these zones sets its clocks back once a year
        }
    }
}

TEST_CASE("Europe/London, America/New_York, Europe/Dublin and Australia give the known answers",
          "[scheduler][time_zone]") {
    const time_zone& lon = zone("Europe/London");
    check_unique(lon, "2019-01-15T12:00", "2019-01-15T12:00:00Z");
    check_unique(lon, "2019-07-01T12:00", "2019-07-01T11:00:00Z");
    check_nonexistent(lon, "2019-03-31T01:30", "2019-03-31T01:00:00Z");
    check_ambiguous(lon, "2019-10-27T01:30", "2019-10-27T00:30:00Z", "2019-10-27T01:30:00Z");

    const time_zone& nyc = zone("America/New_York");
    check_unique(nyc, "2019-07-04T12:00", "2019-07-04T16:00:00Z");
    check_unique(nyc, "2019-01-15T12:00", "2019-01-15T17:00:00Z");
    check_nonexistent(nyc, "2019-03-10T02:30", "2019-03-10T07:00:00Z");
    check_ambiguous(nyc, "2019-11-03T01:30", "2019-11-03T05:30:00Z", "2019-11-03T06:30:00Z");

    // Irish "negative DST": winter is the daylight-saving period in the file.
    const time_zone& dub = zone("Europe/Dublin");
    CHECK(offset_seconds(dub, "2019-01-15T12:00:00Z") == 0);
    CHECK(offset_seconds(dub, "2040-07-01T12:00:00Z") == 3600);
    check_ambiguous(dub, "2019-10-27T01:30", "2019-10-27T00:30:00Z", "2019-10-27T01:30:00Z");

    // Southern hemisphere, from the footer rule: summer time spans the new year.
    const time_zone& syd = zone("Australia/Sydney");
    CHECK(offset_seconds(syd, "2040-01-15T00:00:00Z") == 11 * 3600);
    CHECK(offset_seconds(syd, "2040-07-01T00:00:00Z") == 10 * 3600);
    check_ambiguous(syd, "2040-04-01T02:30", "2040-03-31T15:30:00Z", "2040-03-31T16:30:00Z");
    check_nonexistent(syd, "2040-10-07T02:30", "2040-10-06T16:00:00Z");

    // Lord Howe Island moves its clocks by half an hour.
    const time_zone& lhi = zone("Australia/Lord_Howe");
    check_ambiguous(lhi, "2040-04-01T01:45", "2040-03-31T14:45:00Z", "2040-03-31T15:15:00Z");
    check_nonexistent(lhi, "2040-10-07T02:15", "2040-10-06T15:30:00Z");
    check_unique(lhi, "2040-10-07T02:30", "2040-10-06T15:30:00Z");
}

TEST_CASE("UTC and Asia/Kolkata have one fixed offset", "[scheduler][time_zone]") {
    for (const char* name : {"UTC", "Etc/UTC"}) {
        const time_zone& z = zone(name);
        CHECK(offset_seconds(z, "1950-01-01T00:00:00Z") == 0);
        CHECK(offset_seconds(z, "2019-03-31T01:00:00Z") == 0);
        CHECK(offset_seconds(z, "2100-07-01T00:00:00Z") == 0);
        check_unique(z, "2019-03-31T02:30", "2019-03-31T02:30:00Z");
        check_unique(z, "2019-10-27T02:30", "2019-10-27T02:30:00Z");
    }
    const time_zone& kol = zone("Asia/Kolkata");
    CHECK(offset_seconds(kol, "2019-06-01T00:00:00Z") == 5 * 3600 + 30 * 60);
    CHECK(offset_seconds(kol, "2060-12-01T00:00:00Z") == 5 * 3600 + 30 * 60);
    check_unique(kol, "2019-06-01T12:00", "2019-06-01T06:30:00Z");
    check_unique(kol, "2019-01-01T00:00", "2018-12-31T18:30:00Z");
}

TEST_CASE("historical offsets come from the TZif transitions", "[scheduler][time_zone]") {
    const time_zone& ams = zone("Europe/Amsterdam");
    CHECK(offset_seconds(ams, "1930-01-01T00:00:00Z") == 1172); // Amsterdam Mean Time, +0:19:32
    CHECK(offset_seconds(ams, "1942-07-01T00:00:00Z") == 7200); // occupation, German summer time
    CHECK(offset_seconds(ams, "1970-01-01T00:00:00Z") == 3600);
}

TEST_CASE("invalid zone names are rejected as invalid input", "[scheduler][time_zone]") {
    const std::vector<std::string> bad{"Mars/Olympus",
                                       "../etc/passwd",
                                       "",
                                       "/etc/passwd",
                                       "/usr/share/zoneinfo/Europe/Amsterdam",
                                       "Europe/../Europe/Amsterdam",
                                       "Europe//Amsterdam",
                                       "Europe/Amsterdam/",
                                       "Europe/Amsterdam ",
                                       " Europe/Amsterdam",
                                       "Europe/Amsterdam\n",
                                       std::string("Europe/Amsterdam\0x", 18),
                                       "Europe\\Amsterdam",
                                       "europe/amsterdam",
                                       "Europe",
                                       "zone.tab",
                                       "leapseconds",
                                       "CET-1CEST",
                                       std::string(300, 'A')};
    for (const auto& name : bad) {
        INFO("name '" << name << "'");
        const auto z = time_zone::load(name);
        REQUIRE_FALSE(z.ok());
        CHECK(z.err().code == errc::invalid_input);
        REQUIRE(z.err().fields.size() == 1);
        CHECK(z.err().fields[0].field == "timezone");
        CHECK(find_time_zone(name) == nullptr);
    }
    CHECK(is_valid_zone_name("America/Argentina/Buenos_Aires"));
    CHECK(is_valid_zone_name("Etc/GMT+5"));
    CHECK(is_valid_zone_name("America/Port-au-Prince"));
    CHECK_FALSE(is_valid_zone_name(".."));
    CHECK_FALSE(is_valid_zone_name("Europe/./Amsterdam"));
}

TEST_CASE("find_time_zone loads each zone once and is safe from many threads", "[scheduler][time_zone]") {
    const time_zone* ams = find_time_zone("Europe/Amsterdam");
    REQUIRE(ams != nullptr);
    CHECK(find_time_zone("Europe/Amsterdam") == ams);
    CHECK(ams->name() == "Europe/Amsterdam");
    CHECK(find_time_zone("Mars/Olympus") == nullptr);

    const std::vector<std::string> names{"Europe/Berlin", "Europe/Paris", "America/Chicago", "Asia/Tokyo",
                                         "Mars/Olympus"};
    std::vector<std::vector<const time_zone*>> seen(8);
    std::vector<std::thread> threads;
    for (auto& mine : seen)
        threads.emplace_back([&names, &mine] {
            for (int round = 0; round < 50; ++round)
                for (const auto& n : names) mine.push_back(find_time_zone(n));
        });
    for (auto& t : threads) t.join();
    for (const auto& mine : seen) CHECK(mine == seen.front());
    for (std::size_t i = 0; i < names.size(); ++i) {
        INFO("zone " << names[i]);
        const time_zone* z = seen.front()[i];
        if (names[i] == "Mars/Olympus") {
            CHECK(z == nullptr);
        } else {
            REQUIRE(z != nullptr);
            CHECK(z->name() == names[i]);
        }
    }
}

TEST_CASE("the zone file's transitions up to its last one, the footer rule after it", "[scheduler][time_zone]") {
    // Debian's files list transitions up to 2037; a slimmer file gives the same answers.
    const time_zone& ams = zone("Europe/Amsterdam");
    CHECK(offset_seconds(ams, "2037-10-25T00:59:59Z") == 7200);
    CHECK(offset_seconds(ams, "2037-10-25T01:00:00Z") == 3600);
    CHECK(offset_seconds(ams, "2038-03-28T00:59:59Z") == 3600);
    CHECK(offset_seconds(ams, "2038-03-28T01:00:00Z") == 7200);
    check_ambiguous(ams, "2037-10-25T02:30", "2037-10-25T00:30:00Z", "2037-10-25T01:30:00Z");
    check_unique(ams, "2037-10-26T02:30", "2037-10-26T01:30:00Z");
    check_nonexistent(ams, "2038-03-28T02:30", "2038-03-28T01:00:00Z");

    const time_zone& syd = zone("Australia/Sydney");
    check_nonexistent(syd, "2037-10-04T02:30", "2037-10-03T16:00:00Z");
    check_ambiguous(syd, "2038-04-04T02:30", "2038-04-03T15:30:00Z", "2038-04-03T16:30:00Z");

    // The file's last entry is a no-op at 2038-01-19T03:14:07Z; the rule goes on after it.
    const time_zone& lhi = zone("Australia/Lord_Howe");
    CHECK(offset_seconds(lhi, "2038-01-19T03:14:06Z") == 11 * 3600);
    CHECK(offset_seconds(lhi, "2038-01-19T03:14:08Z") == 11 * 3600);
    check_ambiguous(lhi, "2038-04-04T01:45", "2038-04-03T14:45:00Z", "2038-04-03T15:15:00Z");
}

TEST_CASE("zones follow the RFC 8536 extensions of POSIX TZ rules", "[scheduler][time_zone]") {
    SECTION("negative rule times: Greenland's America/Nuuk, <-02>2<-01>,M3.5.0/-1,M10.5.0/0") {
        for (const time_zone& z : {zone("America/Nuuk"), rule_zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")}) {
            INFO(z.name());
            CHECK(offset_seconds(z, "2040-03-25T00:59:59Z") == -2 * 3600);
            CHECK(offset_seconds(z, "2040-03-25T01:00:00Z") == -3600);
            CHECK(offset_seconds(z, "2040-10-28T00:59:59Z") == -3600);
            CHECK(offset_seconds(z, "2040-10-28T01:00:00Z") == -2 * 3600);
            check_nonexistent(z, "2040-03-24T23:30", "2040-03-25T01:00:00Z");
            check_ambiguous(z, "2040-10-27T23:30", "2040-10-28T00:30:00Z", "2040-10-28T01:30:00Z");
        }
    }
    SECTION("summer time all year: 0/0,J365/25 never returns to standard time") {
        const time_zone z = rule_zone("EST5EDT,0/0,J365/25");
        for (const auto* t : {"2019-01-01T00:00:00Z", "2019-01-01T05:00:00Z", "2019-07-01T00:00:00Z",
                              "2019-12-31T23:59:59Z", "2020-01-01T04:59:59Z", "2020-01-01T05:00:00Z"}) {
            INFO("instant " << t);
            CHECK(offset_seconds(z, t) == -4 * 3600);
        }
        check_unique(z, "2020-01-01T00:30", "2020-01-01T04:30:00Z");
    }
    SECTION("Jn counts days 1..365 and never counts 29 February") {
        const time_zone z = rule_zone("<-03>3<-02>,J60/2,J300/2");
        CHECK(offset_seconds(z, "2024-03-01T04:59:59Z") == -3 * 3600); // J60 is 1 March, leap year or not
        CHECK(offset_seconds(z, "2024-03-01T05:00:00Z") == -2 * 3600);
        CHECK(offset_seconds(z, "2023-03-01T05:00:00Z") == -2 * 3600);
        CHECK(offset_seconds(z, "2024-10-27T03:59:59Z") == -2 * 3600); // J300 is 27 October
        CHECK(offset_seconds(z, "2024-10-27T04:00:00Z") == -3 * 3600);
    }
    SECTION("n counts days 0..365 including 29 February") {
        const time_zone z = rule_zone("<-03>3<-02>,59/2,299/2");
        CHECK(offset_seconds(z, "2024-02-29T04:59:59Z") == -3 * 3600); // day 59 of 2024: 29 February
        CHECK(offset_seconds(z, "2024-02-29T05:00:00Z") == -2 * 3600);
        CHECK(offset_seconds(z, "2023-02-28T23:00:00Z") == -3 * 3600); // day 59 of 2023: 1 March
        CHECK(offset_seconds(z, "2023-03-01T05:00:00Z") == -2 * 3600);
    }
    SECTION("a rule without daylight saving time is one fixed offset: Asia/Kathmandu, <+0545>-5:45") {
        for (const time_zone& z : {zone("Asia/Kathmandu"), rule_zone("<+0545>-5:45")}) {
            INFO(z.name());
            CHECK(offset_seconds(z, "2030-01-01T00:00:00Z") == 5 * 3600 + 45 * 60);
            check_unique(z, "2030-01-01T05:45", "2030-01-01T00:00:00Z");
        }
    }
    SECTION("a string that is not a rule is invalid input") {
        for (const std::string_view bad : {"", "CET-1CEST", "Europe/Amsterdam", "CET-1CEST,M3.5.0,M10.5.0/3 "}) {
            INFO("TZ '" << bad << "'");
            const auto z = time_zone::from_posix_rule(bad);
            REQUIRE_FALSE(z.ok());
            CHECK(z.err().code == errc::invalid_input);
        }
    }
}

TEST_CASE("files of the zoneinfo directory that are not zones are invalid input", "[scheduler][time_zone]") {
    for (const char* name : {"zone.tab", "zone1970.tab", "iso3166.tab", "leapseconds", "leap-seconds.list", "tzdata.zi",
                             "Europe", "right/UTC", "right/Europe/Amsterdam"}) {
        INFO("name " << name);
        const auto z = time_zone::load(name);
        REQUIRE_FALSE(z.ok());
        CHECK(z.err().code == errc::invalid_input);
        REQUIRE(z.err().fields.size() == 1);
        CHECK(z.err().fields[0].field == "timezone");
        CHECK(find_time_zone(name) == nullptr);
    }
}

TEST_CASE("POSIX TZ strings parse into offsets east of UTC and rule days", "[scheduler][time_zone]") {
    const auto cet = detail::parse_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3");
    REQUIRE(cet.has_value());
    CHECK(cet->std_offset == 3600);
    CHECK(cet->dst_offset == 7200);
    CHECK(cet->has_dst);
    CHECK(cet->start.kind == detail::rule_day::form::month_week_day);
    CHECK(cet->start.month == 3);
    CHECK(cet->start.week == 5);
    CHECK(cet->start.wday == 0);
    CHECK(cet->start.time == 7200); // the default 02:00
    CHECK(cet->end.month == 10);
    CHECK(cet->end.time == 3 * 3600);

    const auto ist = detail::parse_posix_rule("IST-5:30");
    REQUIRE(ist.has_value());
    CHECK(ist->std_offset == 19800);
    CHECK_FALSE(ist->has_dst);

    const auto nyc = detail::parse_posix_rule("EST5EDT,M3.2.0,M11.1.0");
    REQUIRE(nyc.has_value());
    CHECK(nyc->std_offset == -5 * 3600);
    CHECK(nyc->dst_offset == -4 * 3600); // one hour ahead when not given

    const auto lhi = detail::parse_posix_rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    REQUIRE(lhi.has_value());
    CHECK(lhi->std_offset == 37800);
    CHECK(lhi->dst_offset == 39600);

    const auto all_year = detail::parse_posix_rule("EST5EDT,0/0,J365/25");
    REQUIRE(all_year.has_value());
    CHECK(all_year->start.kind == detail::rule_day::form::julian_0);
    CHECK(all_year->end.kind == detail::rule_day::form::julian_1);
    CHECK(all_year->end.time == 25 * 3600);

    for (const std::string_view good : {"UTC0", "<-03>3", "<+00>0<+02>-2,M3.5.0/-2,M10.5.0/-1",
                                        "IST-1GMT0,M10.5.0,M3.5.0/1", "XXX-24:59:59", "AAA0BBB,J1/-167,J365/167"}) {
        INFO("TZ '" << good << "'");
        CHECK(detail::parse_posix_rule(good).has_value());
    }
    for (const std::string_view bad : {"",
                                       "CET",
                                       "CE-1",
                                       "CET-1CEST",
                                       "CET-1CEST,M3.5.0",
                                       "CET-1CEST,M3.5.0,",
                                       "CET-1CEST,M13.5.0,M10.5.0",
                                       "CET-1CEST,M0.5.0,M10.5.0",
                                       "CET-1CEST,M3.6.0,M10.5.0",
                                       "CET-1CEST,M3.0.0,M10.5.0",
                                       "CET-1CEST,M3.5.7,M10.5.0",
                                       "CET-1CEST,M3.5.0/168,M10.5.0",
                                       "CET-1CEST,J0,J365",
                                       "CET-1CEST,366,J365",
                                       "CET-25",
                                       "CET-1:60",
                                       "CET-1:00:60",
                                       "CET-1 ",
                                       "<CE>-1",
                                       "<CET-1",
                                       "<C T>-1",
                                       "CET-1CEST,M3.5.0,M10.5.0x"}) {
        INFO("TZ '" << bad << "'");
        CHECK_FALSE(detail::parse_posix_rule(bad).has_value());
    }
}

TEST_CASE("transitions lists each change with offsets, flags and abbreviation", "[scheduler][time_zone]") {
    const auto& ams = zone("Europe/Amsterdam");
    const auto changes = ams.transitions(utc("2019-01-01T00:00:00Z"), utc("2020-01-01T00:00:00Z"));
    REQUIRE(changes.size() == 2);
    CHECK(changes[0] == zone_transition{utc("2019-03-31T01:00:00Z"), std::chrono::hours(1), std::chrono::hours(2),
                                        false, true, "CEST"});
    CHECK(changes[1] == zone_transition{utc("2019-10-27T01:00:00Z"), std::chrono::hours(2), std::chrono::hours(1), true,
                                        false, "CET"});
    // A change exactly at `from` is in, one exactly at `to` is out.
    CHECK(ams.transitions(utc("2019-03-31T01:00:00Z"), utc("2019-10-27T01:00:00Z")).size() == 1);
    CHECK(ams.transitions(utc("2019-04-01T00:00:00Z"), utc("2019-04-01T00:00:00Z")).empty());
    // Past the file's table (2037), the footer rule's changes, abbreviations included.
    const auto late = ams.transitions(utc("2150-01-01T00:00:00Z"), utc("2151-01-01T00:00:00Z"));
    REQUIRE(late.size() == 2);
    CHECK(late[0].at == utc("2150-03-29T01:00:00Z"));
    CHECK(late[0].abbreviation_after == "CEST");
    CHECK(late[1].at == utc("2150-10-25T01:00:00Z"));
    CHECK(late[1].abbreviation_after == "CET");
    CHECK(ams.period_at(utc("2150-07-01T00:00:00Z")) == zone_period{std::chrono::hours(2), true, "CEST"});

    // Dublin: the database flags winter as (negative) summer time.
    const auto& dublin = zone("Europe/Dublin");
    CHECK(dublin.period_at(utc("2019-01-15T12:00:00Z")) == zone_period{std::chrono::hours(0), true, "GMT"});
    CHECK(dublin.period_at(utc("2019-07-15T12:00:00Z")) == zone_period{std::chrono::hours(1), false, "IST"});
    // Morocco: Ramadan's +00 comes and goes within the year.
    const auto morocco =
        zone("Africa/Casablanca").transitions(utc("2019-01-01T00:00:00Z"), utc("2020-01-01T00:00:00Z"));
    REQUIRE(morocco.size() == 2);
    CHECK(morocco[0].offset_after == std::chrono::hours(0));
    CHECK(morocco[1].offset_after == std::chrono::hours(1));
    CHECK(zone("Asia/Kathmandu").transitions(utc("2000-01-01T00:00:00Z"), utc("2100-01-01T00:00:00Z")).empty());
}

TEST_CASE("footer_rule gives the zone's current POSIX rule", "[scheduler][time_zone]") {
    const auto* rule = zone("America/Santiago").footer_rule();
    REQUIRE(rule != nullptr);
    CHECK(rule->has_dst);
    CHECK(rule->std_offset == -4 * 3600);
    CHECK(rule->dst_offset == -3 * 3600);
    CHECK(rule->std_abbreviation == "-04");
    CHECK(rule->dst_abbreviation == "-03");
    CHECK(rule->start.month == 9);
    CHECK(rule->start.time == 24 * 3600);
    const auto* fixed = zone("Asia/Kathmandu").footer_rule();
    REQUIRE(fixed != nullptr);
    CHECK_FALSE(fixed->has_dst);
    CHECK(fixed->std_offset == 5 * 3600 + 45 * 60);
    // A zone built from a rule follows it from the start.
    const auto z = time_zone::from_rule("test", *zone("Europe/Amsterdam").footer_rule());
    CHECK(z.name() == "test");
    CHECK(z.transitions(utc("1970-01-01T00:00:00Z"), utc("1971-01-01T00:00:00Z")).size() == 2);
}
