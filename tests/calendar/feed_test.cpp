#include "calendar/feed.hpp"

#include <catch2/catch.hpp>

#include "calendar/vtimezone.hpp"
#include "scheduler/civil_time.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using copsched::calendar::feed_header;
using copsched::calendar::feed_item;
using copsched::calendar::render_event;
using copsched::calendar::render_feed;
using copsched::scheduler::errc;
using copsched::scheduler::event_status;

namespace {

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;

// Strings from icalcomponent_as_ical_string_r belong to the caller, who free()s them.
struct free_deleter {
    void operator()(char* s) const noexcept { std::free(s); }
};
using ical_string = std::unique_ptr<char, free_deleter>;

feed_header header() {
    feed_header h;
    h.name = "Green Deal Circulair Inkopen 2.0";
    h.time_zone = "Europe/Amsterdam";
    return h;
}

// A timed meeting on 5 March 2024 + day days, 10:00 to 13:00 Amsterdam time.
feed_item meeting(int n = 0, int day = 0) {
    feed_item i;
    i.uid = "event-" + std::to_string(n) + "@copsched";
    i.sequence = 1;
    i.stamp_utc = "2024-02-01T08:30:00Z";
    const std::string date = copsched::scheduler::format_date(copsched::scheduler::add_days({2024, 3, 5}, day));
    i.start_local = date + "T10:00";
    i.end_local = date + "T13:00";
    i.summary = "CoP-bijeenkomst " + std::to_string(n);
    i.location = "Rijnstraat 8, Den Haag";
    i.url = "https://copsched.example/events/" + std::to_string(n);
    i.categories = {"Werkgroep Textiel"};
    return i;
}

feed_item all_day_item(int n = 0) {
    feed_item i = meeting(n);
    i.all_day = true;
    i.start_local = "2024-03-05";
    i.end_local = "2024-03-06";
    return i;
}

std::string render(const feed_header& h, const std::vector<feed_item>& items) {
    auto r = render_feed(h, items);
    if (!r) {
        const auto& e = r.err();
        FAIL((e.fields.empty() ? e.detail : e.fields.front().field + ": " + e.fields.front().problem));
    }
    return std::move(r).value();
}

std::string render_one(const feed_item& item) { return render(header(), {item}); }

// Checks that the input is refused with errc::invalid_input and one problem, on field.
void check_refused(const feed_header& h, const std::vector<feed_item>& items, const std::string& field) {
    const auto r = render_feed(h, items);
    INFO("expected a problem with " << field);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::invalid_input);
    REQUIRE(r.err().fields.size() == 1);
    CHECK(r.err().fields.front().field == field);
    CHECK_FALSE(r.err().fields.front().problem.empty());
}

// True when s is well-formed UTF-8 on its own (checked independently of feed.cpp).
bool is_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (b < 0x80) {
            n = 1;
            cp = b;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4;
            cp = b & 0x07;
        } else
            return false;
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        constexpr char32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

// The physical lines, without their CRLF; checks that CR and LF occur only as CRLF and
// that the text ends with one.
std::vector<std::string> physical_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            INFO("CR at offset " << i);
            REQUIRE(i + 1 < text.size());
            REQUIRE(text[i + 1] == '\n');
            lines.push_back(text.substr(start, i - start));
            start = i + 2;
            ++i;
        } else if (text[i] == '\n') {
            INFO("bare LF at offset " << i);
            FAIL("LF without CR");
        }
    }
    CHECK(start == text.size()); // the last line ends in CRLF too
    return lines;
}

// Every RFC 5545 line rule the feed promises: CRLF only, at most 75 octets, folds between
// whole UTF-8 characters and outside escape pairs.
void check_lines(const std::string& text) {
    const auto lines = physical_lines(text);
    REQUIRE_FALSE(lines.empty());
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string& line = lines[n];
        INFO("line " << n << ": " << line);
        CHECK(line.size() <= 75);
        CHECK_FALSE(line.empty());
        CHECK(is_utf8(line)); // a fold inside a character leaves half of it on each line
        const bool folded_after = n + 1 < lines.size() && lines[n + 1].starts_with(' ');
        if (folded_after) {
            std::size_t backslashes = 0;
            while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
            CHECK(backslashes % 2 == 0); // an odd count is an escape pair split by a fold
        }
    }
}

std::size_t count(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
}

// The text with every fold (CRLF and a space) undone.
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

// True when the feed has this content line (after unfolding).
bool has_line(const std::string& text, std::string_view line) {
    const std::string u = unfolded(text);
    return u.starts_with(std::string(line) + "\r\n") ||
           u.find("\r\n" + std::string(line) + "\r\n") != std::string::npos;
}

// The feed as a calendar client reads it with libical; fails the test on parse errors.
component_ptr parse(const std::string& text) {
    component_ptr cal(icalparser_parse_string(text.c_str()));
    REQUIRE(cal);
    REQUIRE(icalcomponent_isa(cal.get()) == ICAL_VCALENDAR_COMPONENT);
    CHECK(icalcomponent_count_errors(cal.get()) == 0);
    return cal;
}

std::vector<icalcomponent*> events(icalcomponent* cal) {
    std::vector<icalcomponent*> out;
    for (icalcomponent* e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e != nullptr;
         e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
        out.push_back(e);
    return out;
}

icalcomponent* only_event(icalcomponent* cal) {
    const auto all = events(cal);
    REQUIRE(all.size() == 1);
    return all.front();
}

std::string text_of(const char* s) { return s == nullptr ? std::string("(null)") : std::string(s); }

// The X- property's value, unescaped by libical.
std::string x_property(icalcomponent* c, std::string_view name) {
    for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY))
        if (name == icalproperty_get_x_name(p)) return text_of(icalproperty_get_x(p));
    return "(none)";
}

// The calendar's NAME, unescaped by libical.
std::string calendar_name(icalcomponent* cal) {
    icalproperty* p = icalcomponent_get_first_property(cal, ICAL_NAME_PROPERTY);
    return p == nullptr ? "(none)" : text_of(icalproperty_get_name(p));
}

// Text with every line break normalised the way the feed does it.
std::string with_lf(std::string s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out += '\n';
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

TEST_CASE("a one-event feed has exactly the lines clients need", "[calendar][feed]") {
    feed_header h = header();
    h.description = "Alle bijeenkomsten";
    feed_item i = meeting(7);
    i.sequence = 3;
    i.description = "Agenda volgt";
    const std::string expected = std::string("BEGIN:VCALENDAR\r\n"
                                             "VERSION:2.0\r\n"
                                             "PRODID:-//copsched//copsched//EN\r\n"
                                             "CALSCALE:GREGORIAN\r\n"
                                             "METHOD:PUBLISH\r\n"
                                             "NAME:Green Deal Circulair Inkopen 2.0\r\n"
                                             "X-WR-CALNAME:Green Deal Circulair Inkopen 2.0\r\n"
                                             "DESCRIPTION:Alle bijeenkomsten\r\n"
                                             "X-WR-CALDESC:Alle bijeenkomsten\r\n"
                                             "X-WR-TIMEZONE:Europe/Amsterdam\r\n"
                                             "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
                                             "X-PUBLISHED-TTL:PT1H\r\n") +
                                 std::string(*copsched::calendar::vtimezone_for("Europe/Amsterdam", 2024, 2024)) +
                                 "BEGIN:VEVENT\r\n"
                                 "UID:event-7@copsched\r\n"
                                 "SEQUENCE:3\r\n"
                                 "DTSTAMP:20240201T083000Z\r\n"
                                 "LAST-MODIFIED:20240201T083000Z\r\n"
                                 "DTSTART;TZID=Europe/Amsterdam:20240305T100000\r\n"
                                 "DTEND;TZID=Europe/Amsterdam:20240305T130000\r\n"
                                 "SUMMARY:CoP-bijeenkomst 7\r\n"
                                 "DESCRIPTION:Agenda volgt\r\n"
                                 "LOCATION:Rijnstraat 8\\, Den Haag\r\n"
                                 "URL:https://copsched.example/events/7\r\n"
                                 "CATEGORIES:Werkgroep Textiel\r\n"
                                 "STATUS:CONFIRMED\r\n"
                                 "END:VEVENT\r\n"
                                 "END:VCALENDAR\r\n";
    const std::string text = render(h, {i});
    CHECK(text == expected);
    auto cal = parse(text);
    auto* e = only_event(cal.get());
    CHECK(text_of(icalcomponent_get_uid(e)) == "event-7@copsched");
    CHECK(icalcomponent_get_sequence(e) == 3);
    CHECK(text_of(icalcomponent_get_location(e)) == "Rijnstraat 8, Den Haag");
    CHECK(icalproperty_get_refreshinterval(icalcomponent_get_first_property(cal.get(), ICAL_REFRESHINTERVAL_PROPERTY))
              .hours == 1);
}

TEST_CASE("render_event is the feed of that one item", "[calendar][feed]") {
    const feed_item i = meeting(3);
    const auto single = render_event(header(), i);
    REQUIRE(single.ok());
    CHECK(single.value() == render_one(i));
    CHECK(events(parse(single.value()).get()).size() == 1);
}

TEST_CASE("an empty feed is a calendar without events or VTIMEZONE", "[calendar][feed]") {
    const std::string text = render(header(), {});
    check_lines(text);
    auto cal = parse(text);
    CHECK(events(cal.get()).empty());
    CHECK(icalcomponent_count_components(cal.get(), ICAL_VTIMEZONE_COMPONENT) == 0);
    CHECK(has_line(text, "X-WR-TIMEZONE:Europe/Amsterdam"));
}

TEST_CASE("lines are CRLF, at most 75 octets, folded between whole UTF-8 characters", "[calendar][feed]") {
    // Every offset of the multi-byte characters against the fold points: the pad shifts
    // "é" (2 octets), "€" (3) and "😀" (4) by one octet at a time.
    for (std::size_t pad = 0; pad <= 80; ++pad) {
        std::string text(pad, 'a');
        for (int k = 0; k < 12; ++k) text += "é€😀x";
        feed_item i = meeting();
        i.summary = text;
        i.description = "😀" + text;
        i.location = "é" + text;
        i.categories = {"€" + text, text};
        feed_header h = header();
        h.name = "€€" + text;
        const std::string out = render(h, {i});
        INFO("pad " << pad);
        check_lines(out);
        auto cal = parse(out);
        auto* e = only_event(cal.get());
        CHECK(text_of(icalcomponent_get_summary(e)) == i.summary);
        CHECK(text_of(icalcomponent_get_description(e)) == i.description);
        CHECK(text_of(icalcomponent_get_location(e)) == i.location);
        CHECK(x_property(cal.get(), "X-WR-CALNAME") == h.name);
        CHECK(calendar_name(cal.get()) == h.name);
        CHECK(count(out, "\r\n ") >= 8); // the test really folds
    }
}

TEST_CASE("folds never split an escape pair", "[calendar][feed]") {
    for (std::size_t pad = 0; pad <= 4; ++pad) {
        feed_item i = meeting();
        i.summary = std::string(pad, 'a') + std::string(200, ';');
        i.description = std::string(pad, 'a') + std::string(200, '\\');
        i.location = std::string(pad, 'a') + std::string(100, '\n');
        const std::string out = render_one(i);
        INFO("pad " << pad);
        check_lines(out);
        auto cal = parse(out);
        auto* e = only_event(cal.get());
        CHECK(text_of(icalcomponent_get_summary(e)) == i.summary);
        CHECK(text_of(icalcomponent_get_description(e)) == i.description);
        CHECK(text_of(icalcomponent_get_location(e)) == i.location);
    }
}

TEST_CASE("TEXT values escape backslash, semicolon, comma and line breaks", "[calendar][feed]") {
    feed_item i = meeting();
    i.uid = "a;b,c\\d@copsched";
    i.summary = "Inkoop; textiel, zorg \\ ICT";
    i.description = "one\ntwo\r\nthree\rfour\r\rfive\n";
    i.location = "Zaal \"De Boeg\"\tetage 2";
    i.categories = {"Werkgroep Textiel, Zorg", "B;C"};
    const std::string out = render_one(i);
    check_lines(out);
    CHECK(has_line(out, "UID:a\\;b\\,c\\\\d@copsched"));
    CHECK(has_line(out, "SUMMARY:Inkoop\\; textiel\\, zorg \\\\ ICT"));
    CHECK(has_line(out, "DESCRIPTION:one\\ntwo\\nthree\\nfour\\n\\nfive\\n"));
    CHECK(has_line(out, "LOCATION:Zaal \"De Boeg\"\tetage 2"));
    CHECK(has_line(out, "CATEGORIES:Werkgroep Textiel\\, Zorg,B\\;C"));

    auto cal = parse(out);
    auto* e = only_event(cal.get());
    CHECK(text_of(icalcomponent_get_uid(e)) == i.uid);
    CHECK(text_of(icalcomponent_get_summary(e)) == i.summary);
    CHECK(text_of(icalcomponent_get_description(e)) == "one\ntwo\nthree\nfour\n\nfive\n");
    CHECK(text_of(icalcomponent_get_location(e)) == i.location);
    std::vector<std::string> categories;
    for (icalproperty* p = icalcomponent_get_first_property(e, ICAL_CATEGORIES_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(e, ICAL_CATEGORIES_PROPERTY))
        categories.push_back(text_of(icalproperty_get_categories(p)));
    CHECK(categories == std::vector<std::string>{"Werkgroep Textiel, Zorg", "B;C"});
}

TEST_CASE("user text cannot add, end or split components", "[calendar][feed]") {
    feed_item a = meeting(1);
    a.summary = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT";
    a.description = "y\rEND:VEVENT\rBEGIN:VEVENT\rUID:evil";
    feed_item b = meeting(2);
    b.location = "\nEND:VCALENDAR\n";
    b.categories = {"c\r\nSTATUS:CANCELLED"};
    b.uid = "z\r\nBEGIN:VEVENT@copsched";
    feed_header h = header();
    h.name = "n\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR";
    h.description = "d\rMETHOD:CANCEL";
    const std::string out = render(h, {a, b, meeting(3)});
    check_lines(out);
    CHECK(count(out, "\r\nBEGIN:VEVENT\r\n") == 3);
    CHECK(count(out, "\r\nEND:VEVENT\r\n") == 3);
    CHECK(count(out, "\r\nEND:VCALENDAR\r\n") == 1);
    CHECK(count(out, "\r\nSTATUS:") == 3);

    auto cal = parse(out);
    const auto all = events(cal.get());
    REQUIRE(all.size() == 3);
    CHECK(text_of(icalcomponent_get_summary(all[0])) == with_lf(a.summary));
    CHECK(text_of(icalcomponent_get_description(all[0])) == with_lf(a.description));
    CHECK(text_of(icalcomponent_get_uid(all[0])) == a.uid);
    CHECK(text_of(icalcomponent_get_location(all[1])) == b.location);
    CHECK(text_of(icalcomponent_get_uid(all[1])) == with_lf(b.uid));
    CHECK(icalcomponent_get_status(all[1]) == ICAL_STATUS_CONFIRMED);
    CHECK(x_property(cal.get(), "X-WR-CALNAME") == with_lf(h.name));
    CHECK(x_property(cal.get(), "X-WR-CALDESC") == with_lf(h.description));
    CHECK(icalproperty_get_method(icalcomponent_get_first_property(cal.get(), ICAL_METHOD_PROPERTY)) ==
          ICAL_METHOD_PUBLISH);
}

TEST_CASE("control characters are dropped and malformed UTF-8 is replaced", "[calendar][feed]") {
    feed_item i = meeting();
    i.summary = std::string("a\x01"
                            "b\0c\x7F"
                            "d\te\x1B"
                            "f",
                            11);
    i.description = "bad \xFF, cut \xE2\x82, overlong \xC0\xAF, surrogate \xED\xA0\x80, ok \xE2\x82\xAC";
    const std::string out = render_one(i);
    check_lines(out);
    CHECK(has_line(out, "SUMMARY:abcd\tef"));
    CHECK(has_line(out, "DESCRIPTION:bad \xEF\xBF\xBD\\, cut \xEF\xBF\xBD\xEF\xBF\xBD\\, overlong "
                        "\xEF\xBF\xBD\xEF\xBF\xBD\\, surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\, ok "
                        "\xE2\x82\xAC"));
    CHECK(is_utf8(out));
    auto cal = parse(out);
    auto* e = only_event(cal.get());
    CHECK(text_of(icalcomponent_get_summary(e)) == "abcd\tef");
}

TEST_CASE("a 10,000-character text survives folding and escaping intact", "[calendar][feed]") {
    const std::string_view pieces[] = {"a", "é", "€", "😀", ";", ",", "\\", "\n", " ", "Z"};
    std::string text;
    for (std::size_t k = 0; k < 10'000; ++k) text += pieces[(k * 7 + k / 13) % std::size(pieces)];
    feed_item i = meeting();
    i.description = text;
    i.summary = std::string(10'000, 'S');
    const std::string out = render_one(i);
    check_lines(out);
    CHECK(count(out, "\r\n ") > 150);
    auto cal = parse(out);
    auto* e = only_event(cal.get());
    CHECK(text_of(icalcomponent_get_description(e)) == text);
    CHECK(text_of(icalcomponent_get_summary(e)) == i.summary);
}

TEST_CASE("every TZID used has its VTIMEZONE, once, and it resolves the times", "[calendar][feed]") {
    const std::string out = render(header(), {meeting(1), all_day_item(2), meeting(3, 120), meeting(4)});
    check_lines(out);
    CHECK(count(out, std::string(*copsched::calendar::vtimezone_for("Europe/Amsterdam", 2024, 2024))) == 1);
    auto cal = parse(out);
    CHECK(icalcomponent_count_components(cal.get(), ICAL_VTIMEZONE_COMPONENT) == 1);

    std::size_t tzids = 0;
    for (auto* e : events(cal.get()))
        for (icalproperty* p = icalcomponent_get_first_property(e, ICAL_ANY_PROPERTY); p != nullptr;
             p = icalcomponent_get_next_property(e, ICAL_ANY_PROPERTY))
            for (icalparameter* par = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER); par != nullptr;
                 par = icalproperty_get_next_parameter(p, ICAL_TZID_PARAMETER)) {
                ++tzids;
                const char* tzid = icalparameter_get_tzid(par);
                INFO("TZID " << text_of(tzid));
                CHECK(icalcomponent_get_timezone(cal.get(), tzid) != nullptr);
            }
    CHECK(tzids == 6); // DTSTART and DTEND of the three timed items

    // The zone a client builds from our VTIMEZONE gives the right UTC times: CET in
    // March, CEST in July (5 March + 120 days).
    icaltimezone* zone = icalcomponent_get_timezone(cal.get(), "Europe/Amsterdam");
    REQUIRE(zone != nullptr);
    const auto all = events(cal.get());
    const auto utc_start = [&](icalcomponent* e) {
        icalproperty* p = icalcomponent_get_first_property(e, ICAL_DTSTART_PROPERTY);
        icaltimetype t = icalproperty_get_dtstart(p);
        t = icaltime_set_timezone(&t, zone);
        const icaltimetype utc = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
        return std::string(icaltime_as_ical_string(utc));
    };
    CHECK(utc_start(all[0]) == "20240305T090000Z");
    CHECK(utc_start(all[2]) == "20240703T080000Z");
}

TEST_CASE("a feed of all-day items has no VTIMEZONE and no TZID", "[calendar][feed]") {
    const std::string out = render(header(), {all_day_item(1), all_day_item(2)});
    check_lines(out);
    CHECK(out.find("VTIMEZONE") == std::string::npos);
    CHECK(out.find("TZID") == std::string::npos);
    CHECK(events(parse(out).get()).size() == 2);
}

TEST_CASE("all-day items are dates with an exclusive end", "[calendar][feed]") {
    feed_item i = all_day_item();
    i.end_local = "2024-03-08"; // 5, 6 and 7 March
    const std::string out = render_one(i);
    CHECK(has_line(out, "DTSTART;VALUE=DATE:20240305"));
    CHECK(has_line(out, "DTEND;VALUE=DATE:20240308"));
    auto cal = parse(out);
    auto* e = only_event(cal.get());
    icalproperty* dtstart = icalcomponent_get_first_property(e, ICAL_DTSTART_PROPERTY);
    icalproperty* dtend = icalcomponent_get_first_property(e, ICAL_DTEND_PROPERTY);
    REQUIRE((dtstart != nullptr && dtend != nullptr));
    const icaltimetype start = icalproperty_get_dtstart(dtstart);
    const icaltimetype end = icalproperty_get_dtend(dtend);
    CHECK(start.is_date == 1);
    CHECK(end.is_date == 1);
    CHECK((start.year == 2024 && start.month == 3 && start.day == 5));
    CHECK((end.year == 2024 && end.month == 3 && end.day == 8));
}

TEST_CASE("timed items keep their seconds and the stamp is the data's", "[calendar][feed]") {
    feed_item i = meeting();
    i.start_local = "2024-12-31T23:15:30";
    i.end_local = "2025-01-01T00:45";
    i.stamp_utc = "2023-11-05T23:59:59Z";
    const std::string out = render_one(i);
    CHECK(has_line(out, "DTSTART;TZID=Europe/Amsterdam:20241231T231530"));
    CHECK(has_line(out, "DTEND;TZID=Europe/Amsterdam:20250101T004500"));
    CHECK(has_line(out, "DTSTAMP:20231105T235959Z"));
    CHECK(has_line(out, "LAST-MODIFIED:20231105T235959Z"));
    parse(out);
}

TEST_CASE("status is rendered for tentative, confirmed and cancelled events", "[calendar][feed]") {
    feed_item tentative = meeting(1), confirmed = meeting(2), cancelled = meeting(3);
    tentative.status = event_status::tentative;
    confirmed.status = event_status::confirmed;
    cancelled.status = event_status::cancelled;
    cancelled.sequence = 4;
    const std::string out = render(header(), {tentative, confirmed, cancelled});
    CHECK(has_line(out, "STATUS:TENTATIVE"));
    CHECK(has_line(out, "STATUS:CANCELLED"));
    CHECK(has_line(out, "SEQUENCE:4"));
    auto cal = parse(out);
    const auto all = events(cal.get());
    REQUIRE(all.size() == 3);
    CHECK(icalcomponent_get_status(all[0]) == ICAL_STATUS_TENTATIVE);
    CHECK(icalcomponent_get_status(all[1]) == ICAL_STATUS_CONFIRMED);
    CHECK(icalcomponent_get_status(all[2]) == ICAL_STATUS_CANCELLED);
    CHECK(icalcomponent_get_sequence(all[2]) == 4);
}

TEST_CASE("the calendar name and description are escaped, also in X-WR-CALNAME", "[calendar][feed]") {
    feed_header h = header();
    h.name = "CoP; Inkopen, 2024 \\ test\nregel 2";
    h.description = "Alle; data, hier";
    h.refresh_interval = "P1D";
    const std::string out = render(h, {meeting()});
    CHECK(has_line(out, "NAME:CoP\\; Inkopen\\, 2024 \\\\ test\\nregel 2"));
    CHECK(has_line(out, "X-WR-CALNAME:CoP\\; Inkopen\\, 2024 \\\\ test\\nregel 2"));
    CHECK(has_line(out, "DESCRIPTION:Alle\\; data\\, hier"));
    CHECK(has_line(out, "X-WR-CALDESC:Alle\\; data\\, hier"));
    CHECK(has_line(out, "REFRESH-INTERVAL;VALUE=DURATION:P1D"));
    CHECK(has_line(out, "X-PUBLISHED-TTL:P1D"));
    auto cal = parse(out);
    CHECK(x_property(cal.get(), "X-WR-CALNAME") == h.name);
    CHECK(x_property(cal.get(), "X-WR-CALDESC") == h.description);
    CHECK(calendar_name(cal.get()) == h.name);
}

TEST_CASE("empty optional fields leave their properties out", "[calendar][feed]") {
    feed_header h = header();
    h.name.clear();
    feed_item i = meeting();
    i.summary.clear();
    i.location.clear();
    i.url.clear();
    i.categories = {"", ""};
    const std::string out = render(h, {i});
    check_lines(out);
    for (const char* name :
         {"NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC", "SUMMARY", "LOCATION", "URL", "CATEGORIES"}) {
        INFO(name);
        CHECK(out.find(std::string("\r\n") + name + ":") == std::string::npos);
    }
    CHECK(has_line(out, "STATUS:CONFIRMED"));
    parse(out);

    i.categories = {"", "A", "", "B"};
    CHECK(has_line(render_one(i), "CATEGORIES:A,B"));
}

TEST_CASE("the same input gives the same bytes, from any thread", "[calendar][feed]") {
    std::vector<feed_item> items;
    for (int n = 0; n < 50; ++n) items.push_back(n % 5 == 0 ? all_day_item(n) : meeting(n, n % 20));
    const std::string reference = render(header(), items);
    const std::vector<feed_item> copy = items;
    CHECK(render(header(), copy) == reference);

    std::vector<std::string> results(4);
    std::vector<char> ok(results.size(), 1); // not vector<bool>: each thread writes its own element
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < results.size(); ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 25; ++round) {
                    auto r = render_feed(header(), items);
                    if (!r || (round > 0 && *r != results[t])) ok[t] = 0;
                    if (r) results[t] = std::move(r).value();
                }
            });
    }
    for (std::size_t t = 0; t < results.size(); ++t) {
        INFO("thread " << t);
        CHECK(ok[t] == 1);
        CHECK(results[t] == reference);
    }

    items[7].stamp_utc = "2024-02-01T08:30:01Z"; // and the bytes do depend on the data
    CHECK(render(header(), items) != reference);
}

TEST_CASE("a 1,000-event feed parses with zero errors", "[calendar][feed]") {
    std::vector<feed_item> items;
    for (int n = 0; n < 1000; ++n) {
        feed_item i = n % 10 == 0 ? all_day_item(n) : meeting(n, n % 25);
        i.description = "Agenda:\n1. Opening\n2. Stand van zaken; rapportage, vragen\n3. Rondvraag — € 0,00 😀";
        i.status = static_cast<event_status>(n % 3);
        items.push_back(std::move(i));
    }
    const std::string out = render(header(), items);
    check_lines(out);
    auto cal = parse(out);
    const auto all = events(cal.get());
    REQUIRE(all.size() == 1000);
    CHECK(text_of(icalcomponent_get_uid(all[999])) == "event-999@copsched");

    // What libical makes of it survives its own round trip too.
    const ical_string again(icalcomponent_as_ical_string_r(cal.get()));
    REQUIRE(again);
    auto reparsed = parse(again.get());
    CHECK(events(reparsed.get()).size() == 1000);

    // The zero-error checks above can fail: the same parser counts a broken value.
    std::string broken = out;
    broken.replace(broken.find("DTSTAMP:") + 8, 16, "not-a-date-time!");
    component_ptr bad(icalparser_parse_string(broken.c_str()));
    REQUIRE(bad);
    CHECK(icalcomponent_count_errors(bad.get()) > 0);
}

TEST_CASE("invalid input is refused with the field named", "[calendar][feed]") {
    feed_header h = header();
    for (const char* zone : {"Mars/Olympus_Mons", "", "UTC+1", "/freeassociation.sourceforge.net/Europe/Amsterdam"}) {
        h.time_zone = zone;
        INFO("zone " << zone);
        check_refused(h, {}, "time_zone");
        check_refused(h, {all_day_item()}, "time_zone");
    }

    h = header();
    for (const char* bad : {"", "P", "PT", "1H", "PT1", "PT0S", "P0D", "-PT1H", "+PT1H", "pt1h", "PT1H1S", "P1W2D",
                            "P1DT", "PT1.5H", "P1H", "PT1D", "PT1H\r\nX-EVIL:1"}) {
        h.refresh_interval = bad;
        INFO("refresh_interval " << bad);
        check_refused(h, {}, "refresh_interval");
    }
    for (const char* good : {"PT1H", "P1D", "P1W", "PT30M", "PT45S", "P1DT12H", "PT1H30M", "PT1M30S", "P2DT0H"}) {
        h.refresh_interval = good;
        INFO("refresh_interval " << good);
        CHECK(render_feed(h, {}).ok());
    }

    h = header();
    const feed_item fine = meeting();
    auto refused_item = [&](auto change, const std::string& member) {
        feed_item i = fine;
        change(i);
        check_refused(h, {meeting(9), i}, "items[1]." + member);
    };
    refused_item([](feed_item& i) { i.uid.clear(); }, "uid");
    refused_item([](feed_item& i) { i.sequence = -1; }, "sequence");
    for (const char* stamp : {"", "2024-02-01T08:30:00", "2024-02-01 08:30:00Z", "2024-02-01T08:30Z",
                              "2024-02-30T08:30:00Z", "20240201T083000Z", "now"}) {
        INFO("stamp " << stamp);
        refused_item([&](feed_item& i) { i.stamp_utc = stamp; }, "stamp_utc");
    }
    refused_item([](feed_item& i) { i.start_local = "2024-03-05"; }, "start_local");
    refused_item([](feed_item& i) { i.start_local = "2024-03-05T25:00"; }, "start_local");
    refused_item([](feed_item& i) { i.start_local = "2024-03-05T10:00Z"; }, "start_local");
    refused_item([](feed_item& i) { i.end_local = ""; }, "end_local");
    refused_item([](feed_item& i) { i.end_local = i.start_local; }, "end_local");
    refused_item([](feed_item& i) { i.end_local = "2024-03-05T09:59"; }, "end_local");
    refused_item([](feed_item& i) { i.all_day = true; }, "start_local"); // times where dates belong
    refused_item(
        [](feed_item& i) {
            i.all_day = true;
            i.start_local = "2024-03-05";
            i.end_local = "2024-03-05";
        },
        "end_local");
    refused_item(
        [](feed_item& i) {
            i.all_day = true;
            i.start_local = "2024-03-05";
            i.end_local = "2024-03-06T00:00";
        },
        "end_local");
    for (const char* url :
         {"https://a.example/x y", "https://a.example/\r\nX-EVIL:1", "https://a.example/é", "https://a.example/\t"}) {
        INFO("url " << url);
        refused_item([&](feed_item& i) { i.url = url; }, "url");
    }
}

// The render time of such a feed is measured by tests/bench/feeds.sh; this checks that a
// large feed comes out whole: every event once, in order, each at its own local time.
TEST_CASE("a 1,000-event feed keeps every event with its own time", "[feed]") {
    std::vector<feed_item> items;
    for (int n = 0; n < 1000; ++n) {
        feed_item i = meeting(n, n % 25);
        i.description = "Agenda:\n1. Opening\n2. Stand van zaken; rapportage, vragen\n3. Rondvraag. "
                        "Koffie en thee staan klaar vanaf half tien; parkeren kan achter het gebouw.";
        items.push_back(std::move(i));
    }
    const auto text = render(header(), items);
    const auto cal = parse(text);
    const auto all = events(cal.get());
    REQUIRE(all.size() == 1000);
    for (int n = 0; n < 1000; ++n) {
        INFO("event " << n);
        CHECK(text_of(icalcomponent_get_uid(all[n])) == "event-" + std::to_string(n) + "@copsched");
        const icaltimetype start = icalcomponent_get_dtstart(all[n]);
        const auto expected = copsched::scheduler::add_days({2024, 3, 5}, n % 25);
        CHECK(start.year == expected.year);
        CHECK(start.month == expected.month);
        CHECK(start.day == expected.day);
        CHECK(start.hour == 10);
        CHECK(text_of(icalcomponent_get_description(all[n])) == items[n].description);
    }
}
