#include "calendar/import.hpp"

#include <catch2/catch.hpp>

#include "scheduler/civil_time.hpp"
#include "scheduler/time_zone.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using copsched::calendar::import_blackouts;
using copsched::calendar::import_busy;
using copsched::calendar::import_limits;
using namespace copsched::scheduler;

namespace {

using strings = std::vector<std::string>;

const time_zone& amsterdam() {
    const time_zone* z = find_time_zone("Europe/Amsterdam");
    INFO("needs tzdata in " << default_zoneinfo_dir);
    REQUIRE(z != nullptr);
    return *z;
}

sys_seconds instant(std::string_view text) {
    const auto t = parse_instant(text);
    INFO("instant " << text);
    REQUIRE(t.has_value());
    return *t;
}

// 2019 and 2020: every fixture falls inside.
import_limits limits() {
    import_limits l;
    l.horizon_start = instant("2019-01-01T00:00:00Z");
    l.horizon_end = instant("2021-01-01T00:00:00Z");
    return l;
}

// The fixtures are written with '\n'; files from real clients use CRLF.
std::string crlf(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

std::string span_text(const interval& i) { return format_instant(i.start) + "/" + format_instant(i.end); }

// "name start/end" per blackout, or the failure as text so a mismatch shows it.
strings blackouts(std::string_view ics, const import_limits& l = limits()) {
    const auto r = import_blackouts(crlf(ics), amsterdam(), l);
    if (!r) {
        std::string all = r.err().detail;
        for (const auto& f : r.err().fields) all += " | " + f.field + ": " + f.problem;
        FAIL_CHECK(all);
        return {};
    }
    strings out;
    for (const auto& b : r.value()) {
        CHECK(b.id.empty());
        out.push_back(b.name + " " + span_text(b.when));
    }
    return out;
}

strings busy(std::string_view ics, const import_limits& l = limits()) {
    const auto r = import_busy(crlf(ics), amsterdam(), l);
    if (!r) {
        std::string all = r.err().detail;
        for (const auto& f : r.err().fields) all += " | " + f.field + ": " + f.problem;
        FAIL_CHECK(all);
        return {};
    }
    strings out;
    for (const auto& i : r.value()) out.push_back(span_text(i));
    return out;
}

// The problems of a file that must be refused, checked to be errc::invalid_input on
// field "body"; both imports must agree.
strings refusal(std::string_view ics, const import_limits& l = limits(), bool add_crlf = true) {
    const std::string text = add_crlf ? crlf(ics) : std::string(ics);
    const auto r = import_blackouts(text, amsterdam(), l);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::invalid_input);
    CHECK_FALSE(r.err().detail.empty());
    strings out;
    for (const auto& f : r.err().fields) {
        CHECK(f.field == "body");
        out.push_back(f.problem);
    }
    const auto b = import_busy(text, amsterdam(), l);
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::invalid_input);
    CHECK(b.err().fields.size() == r.err().fields.size());
    return out;
}

bool any_contains(const strings& problems, std::string_view part) {
    for (const auto& p : problems)
        if (p.find(part) != std::string::npos) return true;
    return false;
}

// Rijksoverheid, schoolvakanties 2019-2020, regio midden, as a holiday calendar exports
// them: all-day events with exclusive DTEND dates, TRANSP:TRANSPARENT.
constexpr std::string_view school_holiday_file = R"(BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//schoolvakanties//NL
CALSCALE:GREGORIAN
X-WR-CALNAME:Schoolvakanties regio midden 2019-2020
X-WR-TIMEZONE:Europe/Amsterdam
BEGIN:VEVENT
UID:herfst-2019-midden@example.nl
DTSTAMP:20190601T120000Z
DTSTART;VALUE=DATE:20191019
DTEND;VALUE=DATE:20191028
SUMMARY:Herfstvakantie
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:kerst-2019-midden@example.nl
DTSTAMP:20190601T120000Z
DTSTART;VALUE=DATE:20191221
DTEND;VALUE=DATE:20200106
SUMMARY:Kerstvakantie
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:voorjaar-2020-midden@example.nl
DTSTAMP:20190601T120000Z
DTSTART;VALUE=DATE:20200222
DTEND;VALUE=DATE:20200302
SUMMARY:Voorjaarsvakantie
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:mei-2020@example.nl
DTSTAMP:20190601T120000Z
DTSTART;VALUE=DATE:20200425
DTEND;VALUE=DATE:20200504
SUMMARY:Meivakantie
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:zomer-2020-midden@example.nl
DTSTAMP:20190601T120000Z
DTSTART;VALUE=DATE:20200718
DTEND;VALUE=DATE:20200831
SUMMARY:Zomervakantie
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
)";

// A Google Calendar export: X-WR-TIMEZONE, its short VTIMEZONE, events with TZID.
constexpr std::string_view congress_week = R"(BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Congressen
X-WR-TIMEZONE:Europe/Amsterdam
BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
X-LIC-LOCATION:Europe/Amsterdam
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=Europe/Amsterdam:20191021T090000
DTEND;TZID=Europe/Amsterdam:20191025T170000
DTSTAMP:20190901T101010Z
UID:congres-2019@google.com
CREATED:20190901T101010Z
DESCRIPTION:Jaarcongres\, Jaarbeurs Utrecht
LAST-MODIFIED:20190901T101010Z
LOCATION:Jaarbeurs\, Utrecht
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Congresweek
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Amsterdam:20191026T200000
DTEND;TZID=Europe/Amsterdam:20191027T100000
DTSTAMP:20190901T101010Z
UID:nacht-2019@google.com
SUMMARY:Nachtprogramma (klok gaat terug)
END:VEVENT
END:VCALENDAR
)";

// Outlook's own export: Windows zone name, observances from 1601.
constexpr std::string_view outlook_vtimezone = R"(BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
)";

// libical's own full-history zone (icaltzutil from /usr/share/zoneinfo), as Evolution and
// other libical clients export it: 1835 local mean time, seconds in offsets, RDATEs, rules
// with UNTIL.
constexpr std::string_view libical_amsterdam = R"(BEGIN:VTIMEZONE
TZID:/freeassociation.sourceforge.net/Europe/Amsterdam
X-LIC-LOCATION:Europe/Amsterdam
BEGIN:STANDARD
TZNAME:AMT
TZOFFSETFROM:+001932
TZOFFSETTO:+001932
DTSTART:18350101T000000
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19160501T000000
RDATE:19170416T020000
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:AMT
TZOFFSETFROM:+011932
TZOFFSETTO:+001932
DTSTART:19161001T000000
RDATE:19170917T030000
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19180401T020000
RRULE:FREQ=YEARLY;UNTIL=19210404T014028Z;BYDAY=1MO;BYMONTH=4
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:AMT
TZOFFSETFROM:+011932
TZOFFSETTO:+001932
DTSTART:19180930T030000
RRULE:FREQ=YEARLY;UNTIL=19210926T014028Z;BYDAY=-1MO;BYMONTH=9
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19220326T020000
RDATE:19230601T020000
RDATE:19240330T020000
RDATE:19250605T020000
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:AMT
TZOFFSETFROM:+011932
TZOFFSETTO:+001932
DTSTART:19221008T030000
RRULE:FREQ=YEARLY;UNTIL=19361004T014028Z;BYDAY=SU;
 BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19260515T020000
RRULE:FREQ=YEARLY;UNTIL=19310515T014028Z;BYMONTH=5
END:DAYLIGHT
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19320522T020000
END:DAYLIGHT
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19330515T020000
RRULE:FREQ=YEARLY;UNTIL=19360515T014028Z;BYMONTH=5
END:DAYLIGHT
BEGIN:DAYLIGHT
TZNAME:NST
TZOFFSETFROM:+001932
TZOFFSETTO:+011932
DTSTART:19370522T020000
END:DAYLIGHT
BEGIN:DAYLIGHT
TZNAME:+0120
TZOFFSETFROM:+011932
TZOFFSETTO:+0120
DTSTART:19370701T000000
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:+0020
TZOFFSETFROM:+0120
TZOFFSETTO:+0020
DTSTART:19371003T030000
RRULE:FREQ=YEARLY;UNTIL=19391008T014000Z;BYDAY=SU;BYMONTHDAY=3,8;
 BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:+0120
TZOFFSETFROM:+0020
TZOFFSETTO:+0120
DTSTART:19380515T020000
RRULE:FREQ=YEARLY;UNTIL=19390515T014000Z;BYMONTH=5
END:DAYLIGHT
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0020
TZOFFSETTO:+0200
DTSTART:19400516T000000
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19421102T030000
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19430329T020000
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19431004T030000
RRULE:FREQ=YEARLY;UNTIL=19441002T010000Z;BYDAY=1MO;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19440403T020000
RRULE:FREQ=YEARLY;UNTIL=19450402T010000Z;BYDAY=1MO;BYMONTH=4
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19450916T030000
RDATE:19770925T030000
RDATE:19781001T030000
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19770403T020000
RRULE:FREQ=YEARLY;UNTIL=19800406T010000Z;BYDAY=1SU;BYMONTH=4
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19790930T030000
RRULE:FREQ=YEARLY;UNTIL=19950924T010000Z;BYDAY=-1SU;BYMONTH=9
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;UNTIL=20370329T010000Z;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;UNTIL=20361026T010000Z;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:20371025T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:20380328T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
)";

std::string outlook_file(std::string_view events) {
    return "BEGIN:VCALENDAR\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\nVERSION:2.0\n"
           "METHOD:PUBLISH\nX-WR-CALNAME:Agenda\n" +
           std::string(outlook_vtimezone) + std::string(events) + "END:VCALENDAR\n";
}

std::string outlook_event(std::string_view uid, std::string_view start, std::string_view end) {
    return "BEGIN:VEVENT\nCLASS:PUBLIC\nDTSTART;TZID=\"W. Europe Standard Time\":" + std::string(start) +
           "\nDTEND;TZID=\"W. Europe Standard Time\":" + std::string(end) +
           "\nSUMMARY;LANGUAGE=nl:Overleg\nUID:" + std::string(uid) +
           "\nTRANSP:OPAQUE\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\nEND:VEVENT\n";
}

constexpr std::string_view weekly_series = R"(BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly@example.nl
DTSTART;TZID=Europe/Amsterdam:20190314T100000
DTEND;TZID=Europe/Amsterdam:20190314T113000
RRULE:FREQ=WEEKLY;COUNT=5
EXDATE;TZID=Europe/Amsterdam:20190321T100000
SUMMARY:Weekoverleg
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.nl
RECURRENCE-ID;TZID=Europe/Amsterdam:20190404T100000
DTSTART;TZID=Europe/Amsterdam:20190405T140000
DTEND;TZID=Europe/Amsterdam:20190405T153000
SUMMARY:Weekoverleg (verplaatst)
END:VEVENT
END:VCALENDAR
)";

} // namespace

TEST_CASE("school holidays: all-day events cover whole local days, DST included", "[import]") {
    // Local midnight in Amsterdam: 22:00Z in summer time, 23:00Z in winter time. The
    // autumn holiday starts in summer time and ends after the clocks went back (27 Oct).
    CHECK(blackouts(school_holiday_file) == strings{"Herfstvakantie 2019-10-18T22:00:00Z/2019-10-27T23:00:00Z",
                                                    "Kerstvakantie 2019-12-20T23:00:00Z/2020-01-05T23:00:00Z",
                                                    "Voorjaarsvakantie 2020-02-21T23:00:00Z/2020-03-01T23:00:00Z",
                                                    "Meivakantie 2020-04-24T22:00:00Z/2020-05-03T22:00:00Z",
                                                    "Zomervakantie 2020-07-17T22:00:00Z/2020-08-30T22:00:00Z"});
    // Transparent all-day events are no busy time.
    CHECK(busy(school_holiday_file).empty());
}

TEST_CASE("all-day events use the programme's zone and default to one day", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:kd
DTSTART;VALUE=DATE:20200427
SUMMARY:Koningsdag
END:VEVENT
BEGIN:VEVENT
UID:same-day
DTSTART;VALUE=DATE:20200505
DTEND;VALUE=DATE:20200505
SUMMARY:Bevrijdingsdag
END:VEVENT
BEGIN:VEVENT
UID:week
DTSTART;VALUE=DATE:20200323
DURATION:P1W
SUMMARY:Week over de zomertijd
END:VEVENT
END:VCALENDAR
)";
    CHECK(blackouts(ics) == strings{"Week over de zomertijd 2020-03-22T23:00:00Z/2020-03-29T22:00:00Z",
                                    "Koningsdag 2020-04-26T22:00:00Z/2020-04-27T22:00:00Z",
                                    "Bevrijdingsdag 2020-05-04T22:00:00Z/2020-05-05T22:00:00Z"});
    // The same file in another zone: the dates are the zone's local days.
    const time_zone* london = find_time_zone("Europe/London");
    REQUIRE(london != nullptr);
    const auto r = import_blackouts(crlf(ics), *london, limits());
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK(span_text(r->at(1).when) == "2020-04-26T23:00:00Z/2020-04-27T23:00:00Z");
}

TEST_CASE("a congress week with TZID=Europe/Amsterdam and its VTIMEZONE", "[import]") {
    CHECK(blackouts(congress_week) ==
          strings{"Congresweek 2019-10-21T07:00:00Z/2019-10-25T15:00:00Z",
                  // 20:00 CEST to 10:00 CET: 15 hours, the night the clocks go back.
                  "Nachtprogramma (klok gaat terug) 2019-10-26T18:00:00Z/2019-10-27T09:00:00Z"});
    CHECK(busy(congress_week) ==
          strings{"2019-10-21T07:00:00Z/2019-10-25T15:00:00Z", "2019-10-26T18:00:00Z/2019-10-27T09:00:00Z"});
}

TEST_CASE("an IANA TZID without VTIMEZONE uses copsched's zone", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:a
DTSTART;TZID=America/New_York:20190310T013000
DTEND;TZID=America/New_York:20190310T033000
SUMMARY:New York
END:VEVENT
BEGIN:VEVENT
UID:b
DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Amsterdam:20190601T100000
DURATION:PT1H
SUMMARY:Prefixed
END:VEVENT
END:VCALENDAR
)";
    // 01:30 EST = 06:30Z; 03:30 EDT = 07:30Z (the clocks jumped from 02:00 to 03:00).
    CHECK(blackouts(ics) == strings{"New York 2019-03-10T06:30:00Z/2019-03-10T07:30:00Z",
                                    "Prefixed 2019-06-01T08:00:00Z/2019-06-01T09:00:00Z"});
}

TEST_CASE("Outlook's Windows zone name with its VTIMEZONE converts right across DST", "[import]") {
    const std::string ics = outlook_file(outlook_event("w1", "20190325T093000", "20190325T110000") +
                                         outlook_event("s1", "20190715T140000", "20190715T150000") +
                                         outlook_event("w2", "20191104T090000", "20191104T091500"));
    CHECK(busy(ics) == strings{"2019-03-25T08:30:00Z/2019-03-25T10:00:00Z", "2019-07-15T12:00:00Z/2019-07-15T13:00:00Z",
                               "2019-11-04T08:00:00Z/2019-11-04T08:15:00Z"});
}

TEST_CASE("the gap and the overlap: same rule for VTIMEZONE and IANA zones", "[import]") {
    // 02:30 on 31 March 2019 never happened in Amsterdam: the instant of the jump,
    // 01:00Z. 02:30 on 27 October 2019 happened twice: the first, 00:30Z.
    const std::string outlook = outlook_file(outlook_event("gap", "20190331T023000", "20190331T040000") +
                                             outlook_event("twice", "20191027T023000", "20191027T040000"));
    const strings expected{"2019-03-31T01:00:00Z/2019-03-31T02:00:00Z", "2019-10-27T00:30:00Z/2019-10-27T03:00:00Z"};
    CHECK(busy(outlook) == expected);
    const std::string_view iana = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:gap
DTSTART;TZID=Europe/Amsterdam:20190331T023000
DTEND;TZID=Europe/Amsterdam:20190331T040000
END:VEVENT
BEGIN:VEVENT
UID:twice
DTSTART;TZID=Europe/Amsterdam:20191027T023000
DTEND;TZID=Europe/Amsterdam:20191027T040000
END:VEVENT
END:VCALENDAR
)";
    CHECK(busy(iana) == expected);
}

TEST_CASE("libical's VTIMEZONE conversion agrees with copsched's zone every half hour around DST", "[import]") {
    // Two independent implementations: libical reading Outlook's VTIMEZONE, and
    // scheduler::time_zone reading /usr/share/zoneinfo.
    const time_zone& z = amsterdam();
    for (const char* day : {"2019-03-30", "2019-03-31", "2019-10-26", "2019-10-27", "2020-03-29", "2020-10-25"}) {
        const auto date = parse_date(day);
        REQUIRE(date.has_value());
        std::string events;
        strings expected;
        for (int half = 0; half < 48; ++half) {
            const civil_time local{*date, half / 2, (half % 2) * 30, 0};
            char text[32];
            std::snprintf(text, sizeof text, "%04d%02d%02dT%02d%02d00", local.date.year, local.date.month,
                          local.date.day, local.hour, local.minute);
            events += "BEGIN:VEVENT\nUID:" + std::to_string(half) + "\nDTSTART;TZID=W. Europe Standard Time:" + text +
                      "\nDURATION:PT1M\nEND:VEVENT\n";
            const sys_seconds start = z.to_utc(local).first;
            expected.push_back(span_text({start, start + std::chrono::minutes{1}}));
        }
        INFO("day " << day);
        // Two local times may share an instant (in the gap): busy() merges those.
        std::sort(expected.begin(), expected.end());
        expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
        CHECK(busy(outlook_file(events)) == expected);
    }
}

TEST_CASE("UTC times are taken as they are", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:u
DTSTART:20190301T090000Z
DTEND:20190301T101500Z
SUMMARY:UTC
END:VEVENT
BEGIN:VEVENT
UID:f
DTSTART:20190301T090000
DTEND:20190301T100000
SUMMARY:Floating
END:VEVENT
END:VCALENDAR
)";
    // A floating time is read in the programme's zone: 09:00 CET = 08:00Z.
    CHECK(blackouts(ics) == strings{"Floating 2019-03-01T08:00:00Z/2019-03-01T09:00:00Z",
                                    "UTC 2019-03-01T09:00:00Z/2019-03-01T10:15:00Z"});
}

TEST_CASE("a weekly series with COUNT, an EXDATE and a moved occurrence", "[import]") {
    // 14, 21, 28 March (CET), 4 and 11 April (CEST) at 10:00; 21 March excluded; 4 April
    // moved to 5 April 14:00.
    CHECK(blackouts(weekly_series) == strings{"Weekoverleg 2019-03-14T09:00:00Z/2019-03-14T10:30:00Z",
                                              "Weekoverleg 2019-03-28T09:00:00Z/2019-03-28T10:30:00Z",
                                              "Weekoverleg (verplaatst) 2019-04-05T12:00:00Z/2019-04-05T13:30:00Z",
                                              "Weekoverleg 2019-04-11T08:00:00Z/2019-04-11T09:30:00Z"});
}

TEST_CASE("recurrences: UNTIL, RDATE, a cancelled override, unbounded rules stop at the horizon", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:daily
DTSTART;TZID=Europe/Amsterdam:20190329T083000
DTEND;TZID=Europe/Amsterdam:20190329T090000
RRULE:FREQ=DAILY;UNTIL=20190401T063000Z
RDATE;TZID=Europe/Amsterdam:20190410T120000
EXDATE;VALUE=DATE:20190330
SUMMARY:Dagstart
END:VEVENT
BEGIN:VEVENT
UID:daily
RECURRENCE-ID;TZID=Europe/Amsterdam:20190331T083000
DTSTART;TZID=Europe/Amsterdam:20190331T083000
DTEND;TZID=Europe/Amsterdam:20190331T090000
STATUS:CANCELLED
SUMMARY:Dagstart
END:VEVENT
BEGIN:VEVENT
UID:yearly
DTSTART;VALUE=DATE:20100101
RRULE:FREQ=YEARLY
SUMMARY:Nieuwjaar
END:VEVENT
END:VCALENDAR
)";
    // UNTIL 06:30Z is 08:30 CEST on 1 April: included. 30 March by date, 31 March cancelled.
    CHECK(blackouts(ics) == strings{"Nieuwjaar 2018-12-31T23:00:00Z/2019-01-01T23:00:00Z",
                                    "Dagstart 2019-03-29T07:30:00Z/2019-03-29T08:00:00Z",
                                    "Dagstart 2019-04-01T06:30:00Z/2019-04-01T07:00:00Z",
                                    "Dagstart 2019-04-10T10:00:00Z/2019-04-10T10:30:00Z",
                                    "Nieuwjaar 2019-12-31T23:00:00Z/2020-01-01T23:00:00Z",
                                    "Nieuwjaar 2020-12-31T23:00:00Z/2021-01-01T23:00:00Z"});
}

TEST_CASE("the horizon drops what does not overlap it", "[import]") {
    import_limits l = limits();
    l.horizon_start = instant("2019-10-20T00:00:00Z");
    l.horizon_end = instant("2019-12-21T00:00:00Z");
    // Herfstvakantie overlaps the start, Kerstvakantie starts at 23:00Z the day before the end.
    CHECK(blackouts(school_holiday_file, l) == strings{"Herfstvakantie 2019-10-18T22:00:00Z/2019-10-27T23:00:00Z",
                                                       "Kerstvakantie 2019-12-20T23:00:00Z/2020-01-05T23:00:00Z"});
    l.horizon_end = instant("2019-12-20T23:00:00Z");
    CHECK(blackouts(school_holiday_file, l) == strings{"Herfstvakantie 2019-10-18T22:00:00Z/2019-10-27T23:00:00Z"});

    l.horizon_end = l.horizon_start;
    const auto r = import_busy(crlf(school_holiday_file), amsterdam(), l);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::internal);
}

TEST_CASE("busy times from VEVENTs: transparent and cancelled skipped, no titles", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:1
DTSTART:20190506T080000Z
DTEND:20190506T090000Z
SUMMARY:Geheim gesprek met de directeur
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART:20190506T100000Z
DTEND:20190506T110000Z
TRANSP:TRANSPARENT
SUMMARY:Vrij te plannen
END:VEVENT
BEGIN:VEVENT
UID:3
DTSTART:20190506T120000Z
DTEND:20190506T130000Z
STATUS:CANCELLED
SUMMARY:Afgezegd
END:VEVENT
BEGIN:VEVENT
UID:4
DTSTART:20190507T120000Z
SUMMARY:Zonder eind
END:VEVENT
END:VCALENDAR
)";
    CHECK(busy(ics) == strings{"2019-05-06T08:00:00Z/2019-05-06T09:00:00Z"});
    // Blackouts keep the transparent one, not the cancelled or zero-length ones.
    CHECK(blackouts(ics) == strings{"Geheim gesprek met de directeur 2019-05-06T08:00:00Z/2019-05-06T09:00:00Z",
                                    "Vrij te plannen 2019-05-06T10:00:00Z/2019-05-06T11:00:00Z"});
}

TEST_CASE("busy times from VFREEBUSY: FREE skipped, several periods per property", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
METHOD:PUBLISH
BEGIN:VFREEBUSY
UID:fb
DTSTART:20190601T000000Z
DTEND:20190701T000000Z
FREEBUSY:20190603T080000Z/20190603T090000Z
FREEBUSY;FBTYPE=BUSY:20190604T080000Z/PT2H,20190605T080000Z/20190605T083000Z
FREEBUSY;FBTYPE=FREE:20190606T080000Z/20190606T170000Z
FREEBUSY;FBTYPE=BUSY-TENTATIVE:20190607T120000Z/PT30M
FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20190608T000000Z/P1D
END:VFREEBUSY
END:VCALENDAR
)";
    CHECK(busy(ics) == strings{"2019-06-03T08:00:00Z/2019-06-03T09:00:00Z", "2019-06-04T08:00:00Z/2019-06-04T10:00:00Z",
                               "2019-06-05T08:00:00Z/2019-06-05T08:30:00Z", "2019-06-07T12:00:00Z/2019-06-07T12:30:00Z",
                               "2019-06-08T00:00:00Z/2019-06-09T00:00:00Z"});
    // Blackouts come from VEVENTs only.
    CHECK(blackouts(ics).empty());
}

TEST_CASE("busy times are sorted and merged when they overlap or touch", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:c
DTSTART:20190910T140000Z
DTEND:20190910T150000Z
END:VEVENT
BEGIN:VEVENT
UID:a
DTSTART:20190910T080000Z
DTEND:20190910T100000Z
END:VEVENT
BEGIN:VEVENT
UID:b
DTSTART:20190910T093000Z
DTEND:20190910T110000Z
END:VEVENT
BEGIN:VEVENT
UID:inside
DTSTART:20190910T083000Z
DTEND:20190910T090000Z
END:VEVENT
BEGIN:VFREEBUSY
FREEBUSY:20190910T110000Z/20190910T120000Z,20190910T150000Z/PT1H
END:VFREEBUSY
END:VCALENDAR
)";
    CHECK(busy(ics) ==
          strings{"2019-09-10T08:00:00Z/2019-09-10T12:00:00Z", "2019-09-10T14:00:00Z/2019-09-10T16:00:00Z"});
}

TEST_CASE("names: unescaped, unfolded, control characters removed, cut on a UTF-8 boundary", "[import]") {
    const std::string ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20190601\r\n"
                            "SUMMARY:Zomer\\, zon\\; zee\\nen \\\\ meer \xE2\x82\xAC \x01\x7F\xC2\x85klaar\r\n"
                            "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20190602\r\n"
                            "SUMMARY:Gevouwen \r\n rege\r\n\tl\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:3\r\n"
                            "DTSTART;VALUE=DATE:20190603\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    auto r = import_blackouts(ics, amsterdam(), limits());
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK(r->at(0).name == "Zomer, zon; zee en \\ meer \xE2\x82\xAC klaar");
    CHECK(r->at(1).name == "Gevouwen regel");
    CHECK(r->at(2).name.empty());

    import_limits l = limits();
    l.max_name_length = 27; // inside the three bytes of the euro sign
    r = import_blackouts(ics, amsterdam(), l);
    REQUIRE(r.ok());
    CHECK(r->at(0).name == "Zomer, zon; zee en \\ meer");
    l.max_name_length = 29;
    r = import_blackouts(ics, amsterdam(), l);
    REQUIRE(r.ok());
    CHECK(r->at(0).name == "Zomer, zon; zee en \\ meer \xE2\x82\xAC");
}

TEST_CASE("blackouts are sorted by start, end, then name", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20190602
SUMMARY:B
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;VALUE=DATE:20190601
DTEND;VALUE=DATE:20190603
SUMMARY:C
END:VEVENT
BEGIN:VEVENT
UID:3
DTSTART;VALUE=DATE:20190601
SUMMARY:Z
END:VEVENT
BEGIN:VEVENT
UID:4
DTSTART;VALUE=DATE:20190601
SUMMARY:A
END:VEVENT
END:VCALENDAR
)";
    CHECK(blackouts(ics) ==
          strings{"A 2019-05-31T22:00:00Z/2019-06-01T22:00:00Z", "Z 2019-05-31T22:00:00Z/2019-06-01T22:00:00Z",
                  "C 2019-05-31T22:00:00Z/2019-06-02T22:00:00Z", "B 2019-06-01T22:00:00Z/2019-06-02T22:00:00Z"});
}

TEST_CASE("tolerated: BOM, leading blank lines, LF line ends, lower-case names, two calendars", "[import]") {
    const std::string ics = "\xEF\xBB\xBF\r\n  \r\nbegin:vcalendar\nBEGIN:VEVENT\nUID:1\nDTSTART:20190601T100000Z\n"
                            "DURATION:PT1H\nEND:VEVENT\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:2\n"
                            "DTSTART:20190602T100000Z\nDURATION:PT1H\nEND:VEVENT\nEND:VCALENDAR\n";
    const auto r = import_busy(ics, amsterdam(), limits());
    REQUIRE(r.ok());
    CHECK(r->size() == 2);
}

TEST_CASE("not iCalendar at all", "[import]") {
    CHECK(refusal("") == strings{"is empty"});
    CHECK(refusal(" \n\n") == strings{"is empty"});
    CHECK(any_contains(refusal("{\"events\": []}"), "must start with BEGIN:VCALENDAR"));
    CHECK(any_contains(refusal("BEGIN:VCARD\nFN:Jan\nEND:VCARD\n"), "must start with BEGIN:VCALENDAR"));
    CHECK(any_contains(refusal("<html><body>Log in</body></html>"), "must start with BEGIN:VCALENDAR"));
}

TEST_CASE("a truncated file is refused with the line of the open component", "[import]") {
    const std::string whole(school_holiday_file);
    const std::string cut = whole.substr(0, whole.find("SUMMARY:Meivakantie"));
    const auto problems = refusal(cut);
    REQUIRE(problems.size() == 1);
    // Line 31 is Meivakantie's BEGIN:VEVENT.
    CHECK(problems[0] == "line 31: the file ends before END:VEVENT of this BEGIN:VEVENT (is the file cut off?)");
    const auto no_end = refusal(whole.substr(0, whole.find("END:VCALENDAR")));
    REQUIRE(no_end.size() == 1);
    CHECK(no_end[0] == "line 1: the file ends before END:VCALENDAR of this BEGIN:VCALENDAR (is the file cut off?)");
}

TEST_CASE("structure errors: stray END, text outside, nesting", "[import]") {
    CHECK(refusal("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\nEND:VCALENDAR\n") ==
          strings{"line 3: END:VTODO does not close BEGIN:VEVENT on line 2"});
    CHECK(refusal("BEGIN:VCALENDAR\nEND:VCALENDAR\nSUMMARY:x\n") ==
          strings{"line 3: text outside BEGIN:VCALENDAR ... END:VCALENDAR"});
    std::string deep = "BEGIN:VCALENDAR\n";
    for (int i = 0; i < 10; ++i) deep += "BEGIN:VEVENT\n";
    CHECK(any_contains(refusal(deep), "nested more than 8 deep"));
}

TEST_CASE("garbage property lines: libical's errors with the lines they quote", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:1
DTSTART:20190601T100000Z
THIS IS NOT A PROPERTY
DTEND:2019060
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;FOO:20190602T100000Z
END:VEVENT
ALSO GARBAGE
END:VCALENDAR
)";
    const auto r = import_blackouts(crlf(ics), amsterdam(), limits());
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::invalid_input);
    CHECK_THAT(r.err().detail, Catch::Contains("4 problems") && Catch::Contains("searching the file"));
    strings problems;
    for (const auto& f : r.err().fields) problems.push_back(f.problem);
    REQUIRE(problems.size() == 4);
    CHECK_THAT(problems[0], Catch::StartsWith("line 6: ") && Catch::Contains("THIS IS NOT A PROPERTY"));
    CHECK_THAT(problems[1], Catch::StartsWith("line 7: ") && Catch::Contains("DTEND"));
    CHECK_THAT(problems[2], Catch::StartsWith("line 11: ") && Catch::Contains("FOO"));
    CHECK_THAT(problems[3], Catch::StartsWith("line 13: ") && Catch::Contains("ALSO GARBAGE"));
}

TEST_CASE("semantic errors carry the line of the property", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:no-start
SUMMARY:Geen begin
END:VEVENT
BEGIN:VEVENT
UID:reversed
DTSTART:20190601T100000Z
DTEND:20190601T090000Z
END:VEVENT
BEGIN:VEVENT
UID:bad-rule
DTSTART:20190601T100000Z
DURATION:PT1H
RRULE:FREQ=WEEKLY;BYMONTHDAY=3;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:unparsable-rule
DTSTART:20190601T100000Z
DURATION:PT1H
RRULE:FREQ=SOMETIMES;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:unknown-zone
DTSTART;TZID=Mars/Olympus_Mons:20190601T100000
DURATION:PT1H
END:VEVENT
BEGIN:VEVENT
UID:unknown-zone-again
DTSTART;TZID=Mars/Olympus_Mons:20190602T100000
DURATION:PT1H
END:VEVENT
BEGIN:VEVENT
UID:negative
DTSTART:20190601T100000Z
DURATION:-PT1H
END:VEVENT
END:VCALENDAR
)";
    const auto problems = refusal(ics);
    REQUIRE(problems.size() == 6);
    CHECK(problems[0] == "line 2: VEVENT without DTSTART");
    CHECK(problems[1] == "line 9: DTEND is before DTSTART");
    CHECK_THAT(problems[2], Catch::StartsWith("line 15: RRULE has parts that contradict"));
    CHECK_THAT(problems[3], Catch::StartsWith("line 21: ") && Catch::Contains("FREQ=SOMETIMES"));
    // Reported once per TZID, at its first use.
    CHECK(problems[4] ==
          "line 25: TZID=Mars/Olympus_Mons has no VTIMEZONE in the file and is not a known IANA time zone");
    CHECK(problems[5] == "line 36: DURATION is negative");
}

TEST_CASE("an Outlook TZID without its VTIMEZONE is refused", "[import]") {
    const std::string ics =
        "BEGIN:VCALENDAR\n" + outlook_event("x", "20190601T100000", "20190601T110000") + "END:VCALENDAR\n";
    const auto problems = refusal(ics);
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::StartsWith("line 4: TZID=W. Europe Standard Time has no VTIMEZONE"));
}

TEST_CASE("a VTIMEZONE libical cannot use is refused", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VTIMEZONE
TZID:Fast
BEGIN:STANDARD
DTSTART:19700101T000000
RRULE:FREQ=SECONDLY
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:1
DTSTART;TZID=Fast:20190601T100000
DURATION:PT1H
END:VEVENT
END:VCALENDAR
)";
    CHECK(refusal(ics) == strings{"line 2: VTIMEZONE Fast has a STANDARD or DAYLIGHT rule unlike a time zone's "
                                  "(FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU)"});
}

TEST_CASE("too large, invalid UTF-8 and NUL are refused before parsing", "[import]") {
    import_limits l = limits();
    l.max_bytes = 100;
    CHECK(refusal(school_holiday_file, l) == strings{"is larger than 100 bytes"});
    const std::string bad = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:caf\xE9\r\n";
    CHECK(refusal(bad, limits(), false) == strings{"line 3: is not valid UTF-8 (byte 43)"});
    // An overlong '/' and a UTF-16 surrogate are not UTF-8 either.
    CHECK(refusal("BEGIN:VCALENDAR\r\n\xC0\xAF", limits(), false).size() == 1);
    CHECK(refusal("BEGIN:VCALENDAR\r\n\xED\xA0\x80", limits(), false).size() == 1);
    constexpr char with_nul[] = "BEGIN:VCALENDAR\r\n\0\r\nEND:VCALENDAR\r\n";
    const std::string nul(with_nul, sizeof with_nul - 1);
    CHECK(refusal(nul, limits(), false) == strings{"line 2: contains a NUL character"});
}

TEST_CASE("too many intervals", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:daily
DTSTART:20190101T090000Z
DURATION:PT1H
RRULE:FREQ=DAILY
END:VEVENT
END:VCALENDAR
)";
    import_limits l = limits();
    l.max_intervals = 730; // 2019 and 2020 have 731 days
    CHECK(refusal(ics, l) ==
          strings{"line 2: the file has more than 730 intervals in the import period (after expanding recurrences)"});
    l.max_intervals = 731;
    CHECK(busy(ics, l).size() == 731);
    // Removed instances do not count.
    const std::string with_exdate = std::string(ics).insert(ics.find("END:VEVENT"), "EXDATE:20200601T090000Z\n");
    l.max_intervals = 730;
    CHECK(busy(with_exdate, l).size() == 730);

    // Expansion work is bounded, also before the horizon.
    l = limits();
    l.max_expansion_steps = 100;
    CHECK(any_contains(refusal(ics, l), "steps"));
}

TEST_CASE("at most max_errors_listed problems are listed, the total in the detail", "[import]") {
    std::string ics = "BEGIN:VCALENDAR\n";
    for (int i = 0; i < 30; ++i) ics += "BEGIN:VEVENT\nUID:" + std::to_string(i) + "\nSUMMARY:x\nEND:VEVENT\n";
    ics += "END:VCALENDAR\n";
    import_limits l = limits();
    l.max_errors_listed = 5;
    const auto r = import_busy(crlf(ics), amsterdam(), l);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().fields.size() == 5);
    CHECK_THAT(r.err().detail, Catch::Contains("30 problems") && Catch::Contains("first 5"));
    CHECK(r.err().fields.front().problem == "line 2: VEVENT without DTSTART");
    CHECK(refusal(ics).size() == 20);
}

TEST_CASE("imports from several threads at once give identical results", "[import]") {
    const std::string outlook = outlook_file(outlook_event("w1", "20190325T093000", "20190325T110000") +
                                             outlook_event("twice", "20191027T023000", "20191027T040000"));
    const auto ref_busy = busy(outlook);
    const auto ref_congress = blackouts(congress_week);
    const auto ref_series = blackouts(weekly_series);
    REQUIRE(ref_busy.size() == 2);
    REQUIRE(ref_congress.size() == 2);
    REQUIRE(ref_series.size() == 4);

    std::atomic<int> mismatches{0};
    std::atomic<int> runs{0};
    std::vector<std::thread> threads;
    const import_limits l = limits();
    const time_zone& z = amsterdam();
    const std::string congress = crlf(congress_week), series = crlf(weekly_series), outlook_crlf = crlf(outlook);
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int k = 0; k < 50; ++k) {
                const auto b = import_busy(outlook_crlf, z, l);
                strings got;
                if (b.ok())
                    for (const auto& x : b.value()) got.push_back(span_text(x));
                if (got != ref_busy) ++mismatches;
                for (const auto& [text, ref] : {std::pair{&congress, &ref_congress}, std::pair{&series, &ref_series}}) {
                    const auto r = import_blackouts(*text, z, l);
                    strings names;
                    if (r.ok())
                        for (const auto& x : r.value()) names.push_back(x.name + " " + span_text(x.when));
                    if (names != *ref) ++mismatches;
                }
                // Failures stay per call too.
                const auto bad = import_busy("BEGIN:VCALENDAR\r\nGARBAGE\r\nEND:VCALENDAR\r\n", z, l);
                if (bad.ok() || bad.err().fields.size() != 1) ++mismatches;
                ++runs;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(runs.load() == 200);
    CHECK(mismatches.load() == 0);
}

TEST_CASE("a full-history VTIMEZONE as libical clients export it", "[import]") {
    const std::string ics = "BEGIN:VCALENDAR\nPRODID:-//Evolution//EN\nVERSION:2.0\n" + std::string(libical_amsterdam) +
                            "BEGIN:VEVENT\nUID:1\nDTSTART;TZID=/freeassociation.sourceforge.net/Europe/Amsterdam:"
                            "20190601T100000\nDTEND;TZID=/freeassociation.sourceforge.net/Europe/Amsterdam:"
                            "20191201T100000\nSUMMARY:Zomer tot winter\nEND:VEVENT\nEND:VCALENDAR\n";
    CHECK(blackouts(ics) == strings{"Zomer tot winter 2019-06-01T08:00:00Z/2019-12-01T09:00:00Z"});
}

TEST_CASE("two VTIMEZONEs: each TZID its own zone, problems inside placed on the right line", "[import]") {
    // libical stores VTIMEZONEs in reverse order; lines must still come out right.
    const std::string good = outlook_file(
        std::string(congress_week.substr(congress_week.find("BEGIN:VTIMEZONE"),
                                         congress_week.find("BEGIN:VEVENT") - congress_week.find("BEGIN:VTIMEZONE"))) +
        outlook_event("o", "20190601T100000", "20190601T110000") +
        "BEGIN:VEVENT\nUID:g\nDTSTART;TZID=Europe/Amsterdam:20190602T100000\n"
        "DURATION:PT1H\nEND:VEVENT\n");
    CHECK(busy(good) ==
          strings{"2019-06-01T08:00:00Z/2019-06-01T09:00:00Z", "2019-06-02T08:00:00Z/2019-06-02T09:00:00Z"});

    // Outlook's VTIMEZONE is lines 6 to 20, Google's starts on line 21 with its TZID on 22.
    // The bad value quotes Outlook's TZID (line 7): only the right component finds line 23.
    std::string bad = good;
    const std::string tzid_line = "TZID:Europe/Amsterdam\n";
    bad.insert(bad.find(tzid_line) + tzid_line.size(), "LAST-MODIFIED:W. Europe Standard Time\n");
    const auto problems = refusal(bad);
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::StartsWith("line 23: ") && Catch::Contains("LAST-MODIFIED"));
}

TEST_CASE("the years of VTIMEZONE rules expanded are limited", "[import]") {
    const std::string ics = outlook_file(outlook_event("o", "20190601T100000", "20190601T110000"));
    import_limits l = limits();
    // Outlook's two rules start in 1601 and are read from 1900 to 2027: 2 x 128 years.
    l.max_vtimezone_rule_years = 256;
    CHECK(busy(ics, l).size() == 1);
    l.max_vtimezone_rule_years = 255;
    CHECK(refusal(ics, l) ==
          strings{"line 6: VTIMEZONE W. Europe Standard Time exceeds the limit on time zone rules (255 years of "
                  "yearly rules over all VTIMEZONEs used)"});
}

TEST_CASE("recurrence details: nominal days, RDATE periods, DTSTART off the rule, lone overrides", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:day
DTSTART;TZID=Europe/Amsterdam:20190330T120000
DURATION:P1D
SUMMARY:Een dag over de zomertijd
END:VEVENT
BEGIN:VEVENT
UID:period
DTSTART:20190501T100000Z
DURATION:PT1H
RDATE;VALUE=PERIOD:20190601T100000Z/PT2H,20190602T100000Z/20190602T103000Z
SUMMARY:Perioden
END:VEVENT
BEGIN:VEVENT
UID:off-rule
DTSTART:20190110T100000Z
DURATION:PT1H
RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2
SUMMARY:Dinsdag
END:VEVENT
BEGIN:VEVENT
UID:lone
RECURRENCE-ID:20190701T100000Z
DTSTART:20190702T100000Z
DURATION:PT1H
SUMMARY:Los
END:VEVENT
END:VCALENDAR
)";
    // P1D is a local day: 12:00 CET to 12:00 CEST is 23 hours. DTSTART (a Thursday) is an
    // instance besides the two Tuesdays the rule gives.
    CHECK(blackouts(ics) == strings{"Dinsdag 2019-01-10T10:00:00Z/2019-01-10T11:00:00Z",
                                    "Dinsdag 2019-01-15T10:00:00Z/2019-01-15T11:00:00Z",
                                    "Dinsdag 2019-01-22T10:00:00Z/2019-01-22T11:00:00Z",
                                    "Een dag over de zomertijd 2019-03-30T11:00:00Z/2019-03-31T10:00:00Z",
                                    "Perioden 2019-05-01T10:00:00Z/2019-05-01T11:00:00Z",
                                    "Perioden 2019-06-01T10:00:00Z/2019-06-01T12:00:00Z",
                                    "Perioden 2019-06-02T10:00:00Z/2019-06-02T10:30:00Z",
                                    "Los 2019-07-02T10:00:00Z/2019-07-02T11:00:00Z"});
}

TEST_CASE("too many VTIMEZONEs are refused before parsing", "[import]") {
    std::string ics = "BEGIN:VCALENDAR\n";
    for (int i = 0; i < 3; ++i) ics += "BEGIN:VTIMEZONE\nTZID:Z" + std::to_string(i) + "\nEND:VTIMEZONE\n";
    ics += "END:VCALENDAR\n";
    import_limits l = limits();
    l.max_vtimezones = 3;
    CHECK(busy(ics, l).empty());
    l.max_vtimezones = 2;
    CHECK(refusal(ics, l) == strings{"line 8: the file has more than 2 VTIMEZONEs"});
}

TEST_CASE("times and offsets libical would misread are refused with their lines", "[import]") {
    // libical read each of these as some other time or offset, or as nothing, and the
    // import stored 0 periods without a word (found by tests/chaos/hostile_inputs.py).
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VTIMEZONE
TZID:Odd
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+9999
TZOFFSETTO:abc
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:dashes
DTSTART:2019-03-05T10:00:00Z
END:VEVENT
BEGIN:VEVENT
UID:date-with-time
DTSTART;VALUE=DATE:20190305T100000
END:VEVENT
BEGIN:VEVENT
UID:ok-date-without-value
DTSTART:20190305
END:VEVENT
BEGIN:VEVENT
UID:ok-zone
DTSTART;TZID="Europe/Amsterdam":20190305T100000
DTEND;TZID="Europe/Amsterdam":20190305T110000
END:VEVENT
END:VCALENDAR
)";
    CHECK(refusal(ics) ==
          strings{"line 6: TZOFFSETFROM '+9999' is not a UTC offset such as +0100 or -0500",
                  "line 7: TZOFFSETTO 'abc' is not a UTC offset such as +0100 or -0500",
                  "line 12: DTSTART '2019-03-05T10:00:00Z' is not a DATE-TIME such as 20190305T100000Z or "
                  "20190305T100000",
                  "line 16: DTSTART '20190305T100000' is not a DATE such as 20190305 (VALUE=DATE)"});
}

TEST_CASE("a recurring event that starts before 1583 is refused, not imported empty", "[import]") {
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:medieval
DTSTART:10000101T100000Z
DTEND:10000101T110000Z
RRULE:FREQ=DAILY;UNTIL=21991231T000000Z
END:VEVENT
END:VCALENDAR
)";
    CHECK(refusal(ics) == strings{"line 4: DTSTART of a recurring event is before 1583 (the Gregorian calendar)"});
}

TEST_CASE("an RRULE with BYWEEKNO is refused with its line", "[import]") {
    // libical 3.0.16 expanded FREQ=YEARLY;BYWEEKNO=1,53 into more than 10,000 periods
    // through 2030 (and out of bounds: calendar/recurrence.hpp).
    const std::string_view ics = R"(BEGIN:VCALENDAR
BEGIN:VEVENT
UID:weeks
DTSTART:20190321T100000
DTEND:20190321T110000
RRULE:FREQ=YEARLY;BYWEEKNO=1,53;UNTIL=20200101
END:VEVENT
END:VCALENDAR
)";
    CHECK(refusal(ics) ==
          strings{"line 6: RRULE uses BYWEEKNO, which is not supported; use BYMONTH with BYDAY or BYMONTHDAY"});
}
