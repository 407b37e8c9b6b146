#include "calendar/vtimezone.hpp"

namespace copsched::calendar {
namespace {

// Central European Time with the EU rule since 1996: last Sunday of March 02:00 -> +0200,
// last Sunday of October 03:00 -> +0100.
constexpr std::string_view europe_amsterdam = "BEGIN:VTIMEZONE\r\n"
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

} // namespace

std::optional<std::string_view> vtimezone_for(std::string_view iana_zone) {
    if (iana_zone == "Europe/Amsterdam") return europe_amsterdam;
    return std::nullopt;
}

bool supported_zone(std::string_view iana_zone) { return vtimezone_for(iana_zone).has_value(); }

} // namespace copsched::calendar
