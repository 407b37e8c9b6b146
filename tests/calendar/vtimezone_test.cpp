#include "calendar/vtimezone.hpp"

#include <catch2/catch.hpp>

#include <libical/ical.h>

#include <memory>
#include <string>

using copsched::calendar::supported_zone;
using copsched::calendar::vtimezone_for;

namespace {

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;

struct zone_deleter {
    void operator()(icaltimezone* z) const noexcept { icaltimezone_free(z, 1); }
};
using zone_ptr = std::unique_ptr<icaltimezone, zone_deleter>;

std::string amsterdam() {
    const auto v = vtimezone_for("Europe/Amsterdam");
    REQUIRE(v.has_value());
    return std::string(*v);
}

// A libical zone built from our published VTIMEZONE, the way a calendar client reads it.
zone_ptr amsterdam_zone() {
    const auto text = amsterdam();
    icalcomponent* c = icalcomponent_new_from_string(text.c_str());
    REQUIRE(c != nullptr);
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

} // namespace

TEST_CASE("Europe/Amsterdam VTIMEZONE parses with libical without errors", "[calendar][vtimezone]") {
    const auto text = amsterdam();
    component_ptr c(icalparser_parse_string(text.c_str()));
    REQUIRE(c);
    CHECK(icalcomponent_isa(c.get()) == ICAL_VTIMEZONE_COMPONENT);
    CHECK(icalcomponent_count_errors(c.get()) == 0);

    component_ptr c2(icalcomponent_new_from_string(text.c_str()));
    REQUIRE(c2);
    CHECK(icalcomponent_count_errors(c2.get()) == 0);
    CHECK(std::string(icalcomponent_as_ical_string(c2.get())).find("X-LIC-ERROR") == std::string::npos);

    icalproperty* tzid = icalcomponent_get_first_property(c.get(), ICAL_TZID_PROPERTY);
    REQUIRE(tzid != nullptr);
    CHECK(std::string(icalproperty_get_tzid(tzid)) == "Europe/Amsterdam");
    CHECK(icalcomponent_count_components(c.get(), ICAL_XDAYLIGHT_COMPONENT) == 1);
    CHECK(icalcomponent_count_components(c.get(), ICAL_XSTANDARD_COMPONENT) == 1);
}

TEST_CASE("Europe/Amsterdam VTIMEZONE uses CRLF line ends only", "[calendar][vtimezone]") {
    const auto text = amsterdam();
    CHECK(text.starts_with("BEGIN:VTIMEZONE\r\n"));
    CHECK(text.ends_with("END:VTIMEZONE\r\n"));
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            INFO("offset " << i);
            REQUIRE(i > 0);
            CHECK(text[i - 1] == '\r');
            CHECK(i - 1 - line_start <= 75); // RFC 5545: lines are at most 75 octets
            line_start = i + 1;
        }
        if (text[i] == '\r') {
            INFO("offset " << i);
            REQUIRE(i + 1 < text.size());
            CHECK(text[i + 1] == '\n');
        }
    }
    CHECK(text.find("TZID:Europe/Amsterdam\r\n") != std::string::npos);
}

TEST_CASE("the published VTIMEZONE gives CET in winter and CEST in summer", "[calendar][vtimezone]") {
    auto zone = amsterdam_zone();
    // The demo's signing ceremony: 7 June 2018 12:00 local is 10:00 UTC.
    CHECK(local_to_utc(zone.get(), "20180607T120000") == "20180607T100000Z");
    CHECK(local_to_utc(zone.get(), "20180115T120000") == "20180115T110000Z");
    // EU rule: last Sunday of March (25 March 2018) and of October (28 October 2018).
    CHECK(local_to_utc(zone.get(), "20180324T120000") == "20180324T110000Z");
    CHECK(local_to_utc(zone.get(), "20180325T120000") == "20180325T100000Z");
    CHECK(local_to_utc(zone.get(), "20181027T120000") == "20181027T100000Z");
    CHECK(local_to_utc(zone.get(), "20181028T120000") == "20181028T110000Z");
    // And in a later year, so the rule recurs: 29 March 2026 is the last Sunday.
    CHECK(local_to_utc(zone.get(), "20260328T100000") == "20260328T090000Z");
    CHECK(local_to_utc(zone.get(), "20260329T100000") == "20260329T080000Z");
}

TEST_CASE("zones without a fixed definition give nullopt", "[calendar][vtimezone]") {
    CHECK_FALSE(vtimezone_for("Europe/Berlin").has_value());
    CHECK_FALSE(vtimezone_for("").has_value());
    CHECK_FALSE(vtimezone_for("Mars/Olympus_Mons").has_value());
    CHECK_FALSE(vtimezone_for("Europe/Amsterdam ").has_value());
    CHECK_FALSE(vtimezone_for("/freeassociation.sourceforge.net/Europe/Amsterdam").has_value());

    CHECK(supported_zone("Europe/Amsterdam"));
    CHECK_FALSE(supported_zone("Europe/Berlin"));
    CHECK_FALSE(supported_zone("UTC+1"));
}
