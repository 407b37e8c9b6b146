#include "calendar/vtimezone.hpp"

#include "scheduler/civil_time.hpp"
#include "scheduler/time_zone.hpp"

#include <catch2/catch.hpp>

#include <libical/ical.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using copsched::calendar::supported_zone;
using copsched::calendar::vtimezone_for;
namespace sched = copsched::scheduler;

namespace {

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;

struct zone_deleter {
    void operator()(icaltimezone* z) const noexcept { icaltimezone_free(z, 1); }
};
using zone_ptr = std::unique_ptr<icaltimezone, zone_deleter>;

// The VTIMEZONE copsched shipped by hand before it generated them: the generator must give
// these bytes for Europe/Amsterdam, so feeds and their ETags do not change.
constexpr std::string_view hand_written_amsterdam = "BEGIN:VTIMEZONE\r\n"
                                                    "TZID:Europe/Amsterdam\r\n"
                                                    "BEGIN:DAYLIGHT\r\n"
                                                    "TZOFFSETFROM:+0100\r\n"
                                                    "TZOFFSETTO:+0200\r\n"
                                                    "TZNAME:CEST\r\n"
                                                    "DTSTART:19700329T020000\r\n"
                                                    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
                                                    "END:DAYLIGHT\r\n"
                                                    "BEGIN:STANDARD\r\n"
                                                    "TZOFFSETFROM:+0200\r\n"
                                                    "TZOFFSETTO:+0100\r\n"
                                                    "TZNAME:CET\r\n"
                                                    "DTSTART:19701025T030000\r\n"
                                                    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
                                                    "END:STANDARD\r\n"
                                                    "END:VTIMEZONE\r\n";

std::string text_of(std::string_view zone, int first = 2019, int last = 2021) {
    const auto v = vtimezone_for(zone, first, last);
    INFO(zone);
    REQUIRE(v != nullptr);
    return *v;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// A libical zone built from our VTIMEZONE, the way a calendar client reads it.
zone_ptr ical_zone(const std::string& text) {
    icalcomponent* c = icalcomponent_new_from_string(text.c_str());
    REQUIRE(c != nullptr);
    REQUIRE(icalcomponent_count_errors(c) == 0);
    zone_ptr z(icaltimezone_new());
    REQUIRE(icaltimezone_set_component(z.get(), c) == 1); // takes ownership of c
    return z;
}

// "YYYYMMDDTHHMMSS" local in the zone -> "YYYYMMDDTHHMMSSZ".
std::string local_to_utc(icaltimezone* zone, const char* local) {
    icaltimetype t = icaltime_from_string(local);
    t = icaltime_set_timezone(&t, zone);
    const icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
    return icaltime_as_ical_string(u);
}

std::string basic(const sched::civil_time& t) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d", t.date.year, t.date.month, t.date.day, t.hour, t.minute,
                  t.second);
    return buf;
}

// Every line CRLF-terminated and at most 75 octets; nothing but VTIMEZONE from BEGIN to END.
void check_lines(const std::string& text) {
    CHECK(text.starts_with("BEGIN:VTIMEZONE\r\n"));
    CHECK(text.ends_with("END:VTIMEZONE\r\n"));
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            INFO("offset " << i);
            REQUIRE(i > 0);
            CHECK(text[i - 1] == '\r');
            CHECK(i - 1 - line_start <= 75);
            line_start = i + 1;
        } else if (text[i] == '\r') {
            REQUIRE(i + 1 < text.size());
            CHECK(text[i + 1] == '\n');
        }
    }
}

enum class form { rule, transitions, fixed };

form form_of(const std::string& text) {
    if (count(text, "RRULE:") > 0) return form::rule;
    if (count(text, "BEGIN:STANDARD") + count(text, "BEGIN:DAYLIGHT") == 1) return form::fixed;
    return form::transitions;
}

// libical, reading our VTIMEZONE, places local times around every offset change of the
// years 2019-2021 (and the middle of every month) where scheduler::time_zone does. Local
// times the clocks skip or repeat are left out: libical and RFC 5545 read them differently.
void check_against_scheduler(std::string_view name, const std::string& text) {
    const auto* zone = sched::find_time_zone(name);
    REQUIRE(zone != nullptr);
    auto ical = ical_zone(text);
    const auto from = sched::seconds_from_civil({{2019, 1, 1}, 0, 0, 0});
    const auto to = sched::seconds_from_civil({{2022, 1, 1}, 0, 0, 0});
    std::vector<sched::sys_seconds> instants;
    for (const auto& t : zone->transitions(from, to))
        for (int minutes : {-24 * 60, -90, -61, -31, -1, 0, 1, 31, 61, 90, 24 * 60})
            instants.push_back(t.at + std::chrono::minutes(minutes));
    for (int year = 2019; year <= 2021; ++year)
        for (int month = 1; month <= 12; ++month)
            instants.push_back(sched::seconds_from_civil({{year, month, 15}, 10, 0, 0}));
    std::size_t compared = 0;
    for (const auto instant : instants) {
        const auto local = zone->to_local(instant);
        const auto placed = zone->to_utc(local);
        if (placed.kind != sched::local_kind::unique) continue;
        INFO(name << " local " << basic(local));
        CHECK(local_to_utc(ical.get(), basic(local).c_str()) == basic(sched::civil_from_seconds(placed.first)) + "Z");
        ++compared;
    }
    CHECK(compared >= 36);
}

} // namespace

TEST_CASE("Europe/Amsterdam's VTIMEZONE is byte for byte the one written by hand before", "[calendar][vtimezone]") {
    for (const auto& [first, last] : {std::pair{2019, 2021}, {2018, 2018}, {2026, 2040}, {1997, 2099}}) {
        INFO(first << "-" << last);
        CHECK(text_of("Europe/Amsterdam", first, last) == hand_written_amsterdam);
    }
}

TEST_CASE("the generated VTIMEZONEs parse with libical without errors, one TZID each", "[calendar][vtimezone]") {
    for (const char* zone : {"Europe/Amsterdam", "Europe/Brussels", "America/New_York", "America/Santiago",
                             "Africa/Casablanca", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/Dublin",
                             "Asia/Kathmandu", "Asia/Kolkata", "Etc/GMT+5", "UTC"}) {
        INFO(zone);
        const auto text = text_of(zone);
        check_lines(text);
        component_ptr c(icalparser_parse_string(text.c_str()));
        REQUIRE(c);
        CHECK(icalcomponent_isa(c.get()) == ICAL_VTIMEZONE_COMPONENT);
        CHECK(icalcomponent_count_errors(c.get()) == 0);
        CHECK(text.find("X-LIC-ERROR") == std::string::npos);
        icalproperty* tzid = icalcomponent_get_first_property(c.get(), ICAL_TZID_PROPERTY);
        REQUIRE(tzid != nullptr);
        CHECK(std::string(icalproperty_get_tzid(tzid)) == zone);
        CHECK(count(text, "TZID:") == 1);
    }
}

TEST_CASE("zones with one yearly pair of changes get the short RRULE form", "[calendar][vtimezone]") {
    const auto brussels = text_of("Europe/Brussels");
    CHECK(form_of(brussels) == form::rule);
    CHECK(brussels.find("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n") != std::string::npos);

    const auto new_york = text_of("America/New_York");
    CHECK(form_of(new_york) == form::rule);
    CHECK(new_york.find("TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nDTSTART:19700308T020000\r\n"
                        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n") != std::string::npos);
    CHECK(new_york.find("DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n") != std::string::npos);

    // Chile changes at 24:00 on the first Saturday of April and September: at 00:00 on the
    // Sunday that follows, one of days 2 to 8.
    const auto santiago = text_of("America/Santiago");
    CHECK(form_of(santiago) == form::rule);
    CHECK(
        santiago.find("DTSTART:19700906T000000\r\nRRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8\r\n") !=
        std::string::npos);
    CHECK(count(santiago, "BEGIN:DAYLIGHT") == 1);
    CHECK(count(santiago, "BEGIN:STANDARD") == 1);
}

TEST_CASE("zones whose rules changed in the covered years, or unusual ones, list every change",
          "[calendar][vtimezone]") {
    for (const char* zone : {"Africa/Casablanca", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/Dublin"}) {
        INFO(zone);
        const auto text = text_of(zone);
        CHECK(form_of(text) == form::transitions);
        CHECK(text.find("RDATE") == std::string::npos);
        // Each change of 2019-2021 is one observance, plus the one opening the range.
        const auto* z = copsched::scheduler::find_time_zone(zone);
        REQUIRE(z != nullptr);
        std::size_t changes = 0;
        for (const auto& t : z->transitions(sched::seconds_from_civil({{2018, 12, 30}, 0, 0, 0}),
                                            sched::seconds_from_civil({{2022, 1, 3}, 0, 0, 0})))
            changes += t.offset_before != t.offset_after ? 1 : 0;
        CHECK(changes >= 6);
        CHECK(count(text, "BEGIN:STANDARD") + count(text, "BEGIN:DAYLIGHT") == changes + 1);
    }
    // Dublin's winter is negative summer time in the database; clients get IST as DAYLIGHT.
    const auto dublin = text_of("Europe/Dublin");
    CHECK(dublin.find("BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:IST\r\n"
                      "DTSTART:20190331T010000\r\n") != std::string::npos);
    // DTSTART is local time in TZOFFSETFROM: Dublin's clocks go back at 02:00 IST.
    CHECK(dublin.find("BEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\n"
                      "DTSTART:20191027T020000\r\n") != std::string::npos);
    // Lord Howe: half an hour of summer time, from 02:00 to 02:30 in October.
    CHECK(text_of("Australia/Lord_Howe")
              .find("TZOFFSETFROM:+1030\r\nTZOFFSETTO:+1100\r\nTZNAME:+11\r\n"
                    "DTSTART:20191006T020000\r\n") != std::string::npos);
    // Chile's rule changed in 2022 (summer time began a week late, on 11 September):
    // covering 2022, the rule form would be wrong there.
    const auto santiago = text_of("America/Santiago", 2021, 2023);
    CHECK(form_of(santiago) == form::transitions);
    CHECK(santiago.find("DTSTART:20220911T000000\r\n") != std::string::npos);
}

TEST_CASE("zones without changes in the covered years get one STANDARD", "[calendar][vtimezone]") {
    CHECK(text_of("Asia/Kathmandu") == "BEGIN:VTIMEZONE\r\nTZID:Asia/Kathmandu\r\nBEGIN:STANDARD\r\n"
                                       "TZOFFSETFROM:+0545\r\nTZOFFSETTO:+0545\r\nTZNAME:+0545\r\n"
                                       "DTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n");
    CHECK(text_of("Etc/GMT+5").find("TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0500\r\nTZNAME:-05\r\n") != std::string::npos);
    CHECK(form_of(text_of("UTC")) == form::fixed);
    CHECK(form_of(text_of("Asia/Kolkata")) == form::fixed);
}

TEST_CASE("libical reads every generated VTIMEZONE as the tz database does, 2019-2021", "[calendar][vtimezone]") {
    for (const char* zone :
         {"Europe/Amsterdam", "Europe/Brussels", "America/New_York", "America/Santiago", "Africa/Casablanca",
          "Australia/Lord_Howe", "Pacific/Chatham", "Europe/Dublin", "Asia/Kathmandu", "Etc/GMT+5"}) {
        check_against_scheduler(zone, text_of(zone));
    }
    // The old hand-written checks, on the generated text.
    auto amsterdam = ical_zone(text_of("Europe/Amsterdam", 2018, 2026));
    CHECK(local_to_utc(amsterdam.get(), "20180607T120000") == "20180607T100000Z");
    CHECK(local_to_utc(amsterdam.get(), "20180115T120000") == "20180115T110000Z");
    CHECK(local_to_utc(amsterdam.get(), "20181028T120000") == "20181028T110000Z");
    CHECK(local_to_utc(amsterdam.get(), "20260329T100000") == "20260329T080000Z");
}

TEST_CASE("unknown zones give no VTIMEZONE, and texts are cached", "[calendar][vtimezone]") {
    for (const char* bad : {"", "Mars/Olympus_Mons", "Europe/Amsterdam ",
                            "/freeassociation.sourceforge.net/Europe/Amsterdam", "UTC+1", "Europe/../etc/passwd"}) {
        INFO(bad);
        CHECK(vtimezone_for(bad, 2019, 2021) == nullptr);
        CHECK_FALSE(supported_zone(bad));
    }
    CHECK(supported_zone("Europe/Berlin"));
    CHECK(supported_zone("Pacific/Chatham"));
    const auto a = vtimezone_for("Africa/Casablanca", 2019, 2020);
    const auto b = vtimezone_for("Africa/Casablanca", 2019, 2020);
    REQUIRE(a != nullptr);
    CHECK(a == b); // the same text, generated once
    // Years are clamped, so absurd ranges stay bounded.
    const auto wide = vtimezone_for("Africa/Casablanca", -5000, 99999);
    REQUIRE(wide != nullptr);
    CHECK(wide->size() < 200'000);
}
