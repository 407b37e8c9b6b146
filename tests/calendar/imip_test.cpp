#include "calendar/imip.hpp"

#include <catch2/catch.hpp>

#include "calendar/vtimezone.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <libical/ical.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using copsched::calendar::feed_item;
using copsched::calendar::imip_message;
using copsched::calendar::imip_method;
using copsched::calendar::render_imip;
using copsched::scheduler::errc;
using copsched::scheduler::event_status;

namespace {

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;

// An invitation to a timed meeting on 5 March 2024, 10:00 to 13:00 Amsterdam time.
imip_message invitation() {
    imip_message m;
    m.organizer = {"Green Deal Circulair Inkopen 2.0", "cop@gdci.example"};
    m.attendee = {"Anna de Vries", "anna@example.org"};
    feed_item& i = m.item;
    i.uid = "event-7@copsched";
    i.sequence = 2;
    i.stamp_utc = "2024-02-01T08:30:00Z";
    i.start_local = "2024-03-05T10:00";
    i.end_local = "2024-03-05T13:00";
    i.summary = "CoP-bijeenkomst; voorjaar, 2024";
    i.description = "Agenda:\n1. Opening";
    i.location = "Rijnstraat 8, Den Haag";
    i.url = "https://copsched.example/events/7";
    i.categories = {"Werkgroep Textiel"};
    i.status = event_status::confirmed;
    return m;
}

std::string render(const imip_message& m) {
    auto r = render_imip(m);
    if (!r) {
        const auto& e = r.err();
        FAIL((e.fields.empty() ? e.detail : e.fields.front().field + ": " + e.fields.front().problem));
    }
    return std::move(r).value();
}

void check_refused(const imip_message& m, const std::string& field) {
    const auto r = render_imip(m);
    INFO("expected a problem with " << field);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::invalid_input);
    REQUIRE(r.err().fields.size() == 1);
    CHECK(r.err().fields.front().field == field);
    CHECK_FALSE(r.err().fields.front().problem.empty());
}

// CR and LF only as CRLF, the text ends in one, every physical line at most 75 octets.
void check_lines(const std::string& text) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') FAIL("LF without CR at offset " << i);
        if (text[i] != '\r') continue;
        REQUIRE(i + 1 < text.size());
        REQUIRE(text[i + 1] == '\n');
        INFO("line " << text.substr(start, i - start));
        CHECK(i - start <= 75);
        start = i + 2;
        ++i;
    }
    CHECK(start == text.size());
}

std::string unfolded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 3, "\r\n ") == 0) {
            i += 2;
            continue;
        }
        out += text[i];
    }
    return out;
}

bool has_line(const std::string& text, std::string_view line) {
    return unfolded(text).find("\r\n" + std::string(line) + "\r\n") != std::string::npos;
}

component_ptr parse(const std::string& text) {
    component_ptr cal(icalparser_parse_string(text.c_str()));
    REQUIRE(cal);
    REQUIRE(icalcomponent_isa(cal.get()) == ICAL_VCALENDAR_COMPONENT);
    CHECK(icalcomponent_count_errors(cal.get()) == 0);
    return cal;
}

icalcomponent* only_event(icalcomponent* cal) {
    REQUIRE(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT) == 1);
    return icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
}

std::string text_of(const char* s) { return s == nullptr ? std::string("(null)") : std::string(s); }

icalproperty_method method_of(icalcomponent* cal) {
    icalproperty* p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
    REQUIRE(p != nullptr);
    REQUIRE(icalcomponent_count_properties(cal, ICAL_METHOD_PROPERTY) == 1);
    return icalproperty_get_method(p);
}

// The CN of the event's only property of this kind, "(none)" without one.
std::string cn_of(icalcomponent* e, icalproperty_kind kind) {
    REQUIRE(icalcomponent_count_properties(e, kind) == 1);
    icalproperty* p = icalcomponent_get_first_property(e, kind);
    icalparameter* cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
    return cn == nullptr ? "(none)" : text_of(icalparameter_get_cn(cn));
}

// What Debian's python3-icalendar (4.0.3) reads from the message, as JSON.
constexpr std::string_view python_reader = R"(import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
def party(p):
    return {'value': str(p), 'params': {k: str(v) for k, v in p.params.items()}}
def listed(v):
    return v if isinstance(v, list) else [v]
events = []
for e in cal.walk('VEVENT'):
    events.append({
        'uid': str(e['UID']), 'sequence': int(e['SEQUENCE']), 'status': str(e['STATUS']),
        'summary': str(e['SUMMARY']), 'start': e.decoded('DTSTART').isoformat(),
        'organizer': [party(p) for p in listed(e['ORGANIZER'])],
        'attendee': [party(p) for p in listed(e['ATTENDEE'])]})
print(json.dumps({'method': str(cal['METHOD']), 'events': events}))
)";

boost::json::object python_read(const std::string& ics) {
    const copsched::test::temp_dir dir;
    std::ofstream(dir.file("message.ics"), std::ios::binary) << ics;
    std::ofstream(dir.file("read.py"), std::ios::binary) << python_reader;
    const std::string out = copsched::testing::run_shell("/usr/bin/python3 '" + dir.file("read.py") + "' '" +
                                                         dir.file("message.ics") + "' 2>&1");
    INFO(out);
    return boost::json::parse(out).as_object();
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

// Hostile display names and what a CN parameter can carry of each (libical decodes the
// RFC 6868 "^^" back to '^').
struct name_case {
    std::string name;
    std::string cn;
};
const std::vector<name_case> hostile_names{
    {"Anna \"The Boss\" de Vries", "Anna 'The Boss' de Vries"},
    {"Jansen; Piet", "Jansen; Piet"},
    {"mailto:evil@example.org", "mailto:evil@example.org"},
    {"Vries, Anna de", "Vries, Anna de"},
    {"Anna\r\nATTENDEE:mailto:evil@example.org", "Anna ATTENDEE:mailto:evil@example.org"},
    {"Anna\rEND:VEVENT\nBEGIN:VEVENT", "Anna END:VEVENT BEGIN:VEVENT"},
    {"Zoë Ångström-Ünal 😀 €", "Zoë Ångström-Ünal 😀 €"},
    {"a\x01"
     "b\x7F"
     "c\td",
     "abc d"},
    {"bad \xFF byte", "bad \xEF\xBF\xBD byte"},
    {"back\\slash\\é", "back\\slash\\é"},
    {"\"\";:,", "'';:,"},
    {std::string(60, 'x') + "é€😀;" + std::string(60, 'y'), std::string(60, 'x') + "é€😀;" + std::string(60, 'y')},
};

} // namespace

TEST_CASE("an iMIP REQUEST has the lines Outlook, Gmail and Apple Mail need", "[calendar][imip]") {
    const std::string text = render(invitation());
    const std::string expected = std::string("BEGIN:VCALENDAR\r\n"
                                             "VERSION:2.0\r\n"
                                             "PRODID:-//copsched//copsched//EN\r\n"
                                             "CALSCALE:GREGORIAN\r\n"
                                             "METHOD:REQUEST\r\n") +
                                 std::string(*copsched::calendar::vtimezone_for("Europe/Amsterdam", 2024, 2024)) +
                                 "BEGIN:VEVENT\r\n"
                                 "UID:event-7@copsched\r\n"
                                 "SEQUENCE:2\r\n"
                                 "DTSTAMP:20240201T083000Z\r\n"
                                 "DTSTART;TZID=Europe/Amsterdam:20240305T100000\r\n"
                                 "DTEND;TZID=Europe/Amsterdam:20240305T130000\r\n"
                                 "SUMMARY:CoP-bijeenkomst\\; voorjaar\\, 2024\r\n"
                                 "DESCRIPTION:Agenda:\\n1. Opening\r\n"
                                 "LOCATION:Rijnstraat 8\\, Den Haag\r\n"
                                 "URL:https://copsched.example/events/7\r\n"
                                 "CATEGORIES:Werkgroep Textiel\r\n"
                                 "STATUS:CONFIRMED\r\n"
                                 "ORGANIZER;CN=Green Deal Circulair Inkopen 2.0:mailto:cop@gdci.example\r\n"
                                 "ATTENDEE;CN=Anna de Vries;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=T\r\n"
                                 " RUE:mailto:anna@example.org\r\n"
                                 "END:VEVENT\r\n"
                                 "END:VCALENDAR\r\n";
    CHECK(text == expected);
    check_lines(text);
    CHECK(copsched::calendar::imip_method_name(imip_method::request) == "REQUEST");

    auto cal = parse(text);
    CHECK(method_of(cal.get()) == ICAL_METHOD_REQUEST);
    auto* e = only_event(cal.get());
    CHECK(text_of(icalcomponent_get_uid(e)) == "event-7@copsched");
    CHECK(icalcomponent_get_sequence(e) == 2);
    CHECK(icalcomponent_get_status(e) == ICAL_STATUS_CONFIRMED);
    CHECK(text_of(icalcomponent_get_summary(e)) == "CoP-bijeenkomst; voorjaar, 2024");
    CHECK(cn_of(e, ICAL_ORGANIZER_PROPERTY) == "Green Deal Circulair Inkopen 2.0");
    CHECK(text_of(icalproperty_get_organizer(icalcomponent_get_first_property(e, ICAL_ORGANIZER_PROPERTY))) ==
          "mailto:cop@gdci.example");

    CHECK(cn_of(e, ICAL_ATTENDEE_PROPERTY) == "Anna de Vries");
    icalproperty* attendee = icalcomponent_get_first_property(e, ICAL_ATTENDEE_PROPERTY);
    CHECK(text_of(icalproperty_get_attendee(attendee)) == "mailto:anna@example.org");
    icalparameter* rsvp = icalproperty_get_first_parameter(attendee, ICAL_RSVP_PARAMETER);
    REQUIRE(rsvp != nullptr);
    CHECK(icalparameter_get_rsvp(rsvp) == ICAL_RSVP_TRUE);
    icalparameter* partstat = icalproperty_get_first_parameter(attendee, ICAL_PARTSTAT_PARAMETER);
    REQUIRE(partstat != nullptr);
    CHECK(icalparameter_get_partstat(partstat) == ICAL_PARTSTAT_NEEDSACTION);
    icalparameter* role = icalproperty_get_first_parameter(attendee, ICAL_ROLE_PARAMETER);
    REQUIRE(role != nullptr);
    CHECK(icalparameter_get_role(role) == ICAL_ROLE_REQPARTICIPANT);

    // The TZID resolves to the VTIMEZONE in the message: 10:00 CET is 09:00 UTC.
    icaltimezone* zone = icalcomponent_get_timezone(cal.get(), "Europe/Amsterdam");
    REQUIRE(zone != nullptr);
    icaltimetype start = icalproperty_get_dtstart(icalcomponent_get_first_property(e, ICAL_DTSTART_PROPERTY));
    start = icaltime_set_timezone(&start, zone);
    CHECK(std::string(icaltime_as_ical_string(icaltime_convert_to_zone(start, icaltimezone_get_utc_timezone()))) ==
          "20240305T090000Z");
}

TEST_CASE("a tentative event is requested as TENTATIVE", "[calendar][imip]") {
    imip_message m = invitation();
    m.item.status = event_status::tentative;
    auto cal = parse(render(m));
    CHECK(icalcomponent_get_status(only_event(cal.get())) == ICAL_STATUS_TENTATIVE);
}

TEST_CASE("an iMIP CANCEL carries STATUS:CANCELLED and the caller's sequence", "[calendar][imip]") {
    for (const auto status : {event_status::confirmed, event_status::cancelled}) {
        imip_message m = invitation();
        m.method = imip_method::cancel;
        m.item.sequence = 3; // already bumped by the caller
        m.item.status = status;
        const std::string text = render(m);
        check_lines(text);
        CHECK(has_line(text, "METHOD:CANCEL"));
        CHECK(has_line(text, "STATUS:CANCELLED"));
        CHECK(has_line(text, "SEQUENCE:3"));
        auto cal = parse(text);
        CHECK(method_of(cal.get()) == ICAL_METHOD_CANCEL);
        auto* e = only_event(cal.get());
        CHECK(icalcomponent_get_status(e) == ICAL_STATUS_CANCELLED);
        CHECK(icalcomponent_get_sequence(e) == 3);
        CHECK(text_of(icalcomponent_get_uid(e)) == "event-7@copsched");
        CHECK(cn_of(e, ICAL_ORGANIZER_PROPERTY) == "Green Deal Circulair Inkopen 2.0");
        CHECK(cn_of(e, ICAL_ATTENDEE_PROPERTY) == "Anna de Vries");
    }
    CHECK(copsched::calendar::imip_method_name(imip_method::cancel) == "CANCEL");
}

TEST_CASE("names are safe CN parameter values whatever they contain", "[calendar][imip]") {
    for (const auto& [name, cn] : hostile_names) {
        INFO("name " << name);
        imip_message m = invitation();
        m.attendee.name = name;
        m.organizer.name = name;
        const std::string text = render(m);
        check_lines(text);
        auto cal = parse(text);
        auto* e = only_event(cal.get());
        CHECK(cn_of(e, ICAL_ATTENDEE_PROPERTY) == cn);
        CHECK(cn_of(e, ICAL_ORGANIZER_PROPERTY) == cn);
        CHECK(text_of(icalproperty_get_attendee(icalcomponent_get_first_property(e, ICAL_ATTENDEE_PROPERTY))) ==
              "mailto:anna@example.org");
        CHECK(icalproperty_get_first_parameter(icalcomponent_get_first_property(e, ICAL_ATTENDEE_PROPERTY),
                                               ICAL_RSVP_PARAMETER) != nullptr);
        CHECK(icalcomponent_get_status(e) == ICAL_STATUS_CONFIRMED);
        CHECK(unfolded(text).find("\"\"") == std::string::npos);
    }

    // Quoted only when needed; '^' is written as RFC 6868 "^^" and read back as one '^'.
    imip_message m = invitation();
    m.attendee.name = "Piet Jansen";
    m.organizer.name = "A; B";
    std::string text = render(m);
    CHECK(has_line(text, "ORGANIZER;CN=\"A; B\":mailto:cop@gdci.example"));
    CHECK(unfolded(text).find("ATTENDEE;CN=Piet Jansen;ROLE=") != std::string::npos);
    m.attendee.name = "x^ny^'z^^";
    text = render(m);
    CHECK(unfolded(text).find("ATTENDEE;CN=x^^ny^^'z^^^^;ROLE=") != std::string::npos);
    CHECK(cn_of(only_event(parse(text).get()), ICAL_ATTENDEE_PROPERTY) == "x^ny^'z^^");
}

TEST_CASE("an empty or unprintable name leaves CN out", "[calendar][imip]") {
    for (const char* name : {"", "\r\n", " \t ", "\x01\x02"}) {
        INFO("name " << name);
        imip_message m = invitation();
        m.attendee.name = name;
        m.organizer.name = name;
        const std::string text = render(m);
        CHECK(has_line(text, "ORGANIZER:mailto:cop@gdci.example"));
        CHECK(unfolded(text).find("\r\nATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:anna@"
                                  "example.org\r\n") != std::string::npos);
        auto cal = parse(text);
        auto* e = only_event(cal.get());
        CHECK(cn_of(e, ICAL_ATTENDEE_PROPERTY) == "(none)");
        CHECK(cn_of(e, ICAL_ORGANIZER_PROPERTY) == "(none)");
    }
}

TEST_CASE("user text cannot add properties or components to a message", "[calendar][imip]") {
    imip_message m = invitation();
    m.item.summary = "x\r\nMETHOD:CANCEL\r\nATTENDEE:mailto:evil@example.org";
    m.item.description = "y\rEND:VEVENT\rBEGIN:VEVENT\rUID:evil";
    m.item.location = "\nORGANIZER:mailto:evil@example.org\n";
    m.attendee.name = "z\r\nSTATUS:CANCELLED";
    const std::string text = render(m);
    check_lines(text);
    auto cal = parse(text);
    CHECK(method_of(cal.get()) == ICAL_METHOD_REQUEST);
    auto* e = only_event(cal.get());
    CHECK(icalcomponent_count_properties(e, ICAL_ATTENDEE_PROPERTY) == 1);
    CHECK(icalcomponent_count_properties(e, ICAL_ORGANIZER_PROPERTY) == 1);
    CHECK(icalcomponent_get_status(e) == ICAL_STATUS_CONFIRMED);
    CHECK(text_of(icalcomponent_get_summary(e)) == "x\nMETHOD:CANCEL\nATTENDEE:mailto:evil@example.org");
}

TEST_CASE("an all-day event is sent with dates and without VTIMEZONE", "[calendar][imip]") {
    for (const auto method : {imip_method::request, imip_method::cancel}) {
        imip_message m = invitation();
        m.method = method;
        m.item.all_day = true;
        m.item.start_local = "2024-03-05";
        m.item.end_local = "2024-03-07"; // 5 and 6 March
        const std::string text = render(m);
        check_lines(text);
        CHECK(text.find("VTIMEZONE") == std::string::npos);
        CHECK(text.find("TZID") == std::string::npos);
        CHECK(has_line(text, "DTSTART;VALUE=DATE:20240305"));
        CHECK(has_line(text, "DTEND;VALUE=DATE:20240307"));
        auto cal = parse(text);
        auto* e = only_event(cal.get());
        const icaltimetype start = icalproperty_get_dtstart(icalcomponent_get_first_property(e, ICAL_DTSTART_PROPERTY));
        const icaltimetype end = icalproperty_get_dtend(icalcomponent_get_first_property(e, ICAL_DTEND_PROPERTY));
        CHECK(start.is_date == 1);
        CHECK(end.is_date == 1);
        CHECK((start.year == 2024 && start.month == 3 && start.day == 5));
        CHECK((end.year == 2024 && end.month == 3 && end.day == 7));
        CHECK(icalcomponent_count_properties(e, ICAL_ATTENDEE_PROPERTY) == 1);
    }
}

TEST_CASE("bad e-mail addresses are refused with the party named", "[calendar][imip]") {
    for (const char* bad :
         {"", "anna", "anna example.org", " anna@example.org", "anna@example.org\r\nX-EVIL:1", "anna@exa\tmple.org",
          "\"anna\"@example.org", "Anna <anna@example.org>", "anna@example.org,eve@example.org",
          "anna@example.org;RSVP=FALSE", "anna@example.org\x7F", "anna\\@example.org", "anna@\xFF.org"}) {
        INFO("email " << bad);
        imip_message m = invitation();
        m.organizer.email = bad;
        check_refused(m, "organizer.email");
        m = invitation();
        m.attendee.email = bad;
        check_refused(m, "attendee.email");
    }
    imip_message m = invitation();
    m.attendee.email = "zoë+cop@例え.jp"; // internationalised addresses are kept as they are
    const std::string text = render(m);
    check_lines(text);
    auto cal = parse(text);
    CHECK(text_of(icalproperty_get_attendee(icalcomponent_get_first_property(
              only_event(cal.get()), ICAL_ATTENDEE_PROPERTY))) == "mailto:zoë+cop@例え.jp");
}

TEST_CASE("other invalid input is refused with the field named", "[calendar][imip]") {
    imip_message m = invitation();
    m.time_zone = "Europe/Atlantis";
    check_refused(m, "time_zone");

    m = invitation();
    m.item.status = event_status::cancelled; // a cancellation is a CANCEL
    check_refused(m, "item.status");

    auto refused_item = [](auto change, const std::string& member) {
        imip_message bad = invitation();
        change(bad.item);
        check_refused(bad, "item." + member);
    };
    refused_item([](feed_item& i) { i.uid.clear(); }, "uid");
    refused_item([](feed_item& i) { i.sequence = -1; }, "sequence");
    refused_item([](feed_item& i) { i.stamp_utc = "now"; }, "stamp_utc");
    refused_item([](feed_item& i) { i.start_local = "2024-03-05"; }, "start_local");
    refused_item([](feed_item& i) { i.end_local = i.start_local; }, "end_local");
    refused_item([](feed_item& i) { i.url = "https://a.example/\r\nX-EVIL:1"; }, "url");
}

TEST_CASE("python3-icalendar reads the same method, parties and names", "[calendar][imip]") {
    for (const auto method : {imip_method::request, imip_method::cancel}) {
        for (const auto& [name, cn] : hostile_names) {
            INFO("name " << name);
            imip_message m = invitation();
            m.method = method;
            m.attendee.name = name;
            m.organizer.name = "Programma, GDCI";
            const auto read = python_read(render(m));
            CHECK(str(read.at("method")) == (method == imip_method::request ? "REQUEST" : "CANCEL"));
            const auto& events = read.at("events").as_array();
            REQUIRE(events.size() == 1);
            const auto& e = events[0].as_object();
            CHECK(str(e.at("uid")) == "event-7@copsched");
            CHECK(e.at("sequence").as_int64() == 2);
            CHECK(str(e.at("status")) == (method == imip_method::request ? "CONFIRMED" : "CANCELLED"));
            CHECK(str(e.at("summary")) == "CoP-bijeenkomst; voorjaar, 2024");
            CHECK(str(e.at("start")) == "2024-03-05T10:00:00+01:00");
            const auto& organizers = e.at("organizer").as_array();
            REQUIRE(organizers.size() == 1);
            CHECK(str(organizers[0].at("value")) == "mailto:cop@gdci.example");
            CHECK(str(organizers[0].at("params").at("CN")) == "Programma, GDCI");
            const auto& attendees = e.at("attendee").as_array();
            REQUIRE(attendees.size() == 1);
            CHECK(str(attendees[0].at("value")) == "mailto:anna@example.org");
            const auto& params = attendees[0].at("params").as_object();
            CHECK(str(params.at("CN")) == cn);
            CHECK(str(params.at("RSVP")) == "TRUE");
            CHECK(str(params.at("PARTSTAT")) == "NEEDS-ACTION");
            CHECK(str(params.at("ROLE")) == "REQ-PARTICIPANT");
        }
    }
}
