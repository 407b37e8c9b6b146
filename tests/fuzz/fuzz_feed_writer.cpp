// The feed writer (calendar/feed.hpp): a feed of up to 8 items built from the bytes
// (text fields of any bytes, timed and all-day items at times from 1990 to 2060, one of
// several zones, sometimes malformed times) rendered with render_feed. Every feed it
// renders must be read by libical with zero X-LIC-ERROR, hold exactly the items, in order,
// each DTSTART/DTEND at the same UTC instant as the zone gives for the local time (times
// the zone shows once) or on the same date (all-day), and SUMMARY/LOCATION of printable
// ASCII must come back unchanged; every line ends in CRLF and is at most 75 octets.

#include "fuzz_input.hpp"

#include "calendar/feed.hpp"
#include "scheduler/civil_time.hpp"
#include "scheduler/time_zone.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace copsched;
using namespace copsched::scheduler;

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};

const char* const zones[] = {"Europe/Amsterdam",  "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                             "America/Sao_Paulo", "Europe/Dublin",    "Pacific/Apia",        "UTC"};

std::string two(int v) {
    char b[8];
    std::snprintf(b, sizeof b, "%02d", v);
    return b;
}

std::string date_text(const civil_date& d) {
    char b[16];
    std::snprintf(b, sizeof b, "%04d-%02d-%02d", d.year, d.month, d.day);
    return b;
}

civil_time some_time(fuzz::input& in) {
    civil_time t;
    t.date.year = in.in_range(1990, 2060);
    t.date.month = in.in_range(1, 12);
    t.date.day = in.in_range(1, days_in_month(t.date.year, t.date.month));
    t.hour = in.in_range(0, 23);
    t.minute = in.in_range(0, 59);
    t.second = in.flag() ? in.in_range(0, 59) : 0;
    return t;
}

std::string local_text(const civil_time& t) {
    return date_text(t.date) + "T" + two(t.hour) + ":" + two(t.minute) + ":" + two(t.second);
}

bool printable_ascii(const std::string& s) {
    for (const unsigned char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

std::string text_of(const char* s) { return s ? s : ""; }

// The UTC instant of a DTSTART/DTEND libical read, in its TZID's zone from the feed.
sys_seconds utc_of(icalcomponent* cal, icalproperty* p, icaltimetype t) {
    icalparameter* tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    if (tzid) {
        icaltimezone* z = icalcomponent_get_timezone(cal, icalparameter_get_tzid(tzid));
        FUZZ_CHECK(z != nullptr);
        t = icaltime_set_timezone(&t, z);
    }
    const icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
    return seconds_from_civil({{u.year, u.month, u.day}, u.hour, u.minute, u.second});
}

void check_time(icalcomponent* cal, icalcomponent* ev, icalproperty_kind kind, const calendar::feed_item& item,
                const civil_time& local, const time_zone& z) {
    icalproperty* p = icalcomponent_get_first_property(ev, kind);
    FUZZ_CHECK(p != nullptr);
    const icaltimetype t = kind == ICAL_DTSTART_PROPERTY ? icalproperty_get_dtstart(p) : icalproperty_get_dtend(p);
    if (item.all_day) {
        FUZZ_CHECK(t.is_date && t.year == local.date.year && t.month == local.date.month && t.day == local.date.day);
        return;
    }
    FUZZ_CHECK(!t.is_date);
    const auto want = z.to_utc(local);
    if (want.kind == local_kind::unique) FUZZ_CHECK(utc_of(cal, p, t) == want.first);
}

// Text libical read back must be the text given, but for spaces and tabs at its ends:
// libical 3.0.16 drops them from both ends of every value it reads ("LOCATION: the " gives
// "the"); spaces anywhere else, also at a fold, must survive.
void check_same(const char* got, std::string want, int line) {
    while (!want.empty() && (want.back() == ' ' || want.back() == '\t')) want.pop_back();
    want.erase(0, std::min(want.size(), want.find_first_not_of(" \t")));
    if (text_of(got) == want) return;
    std::fprintf(stderr, "given [%s]\nread  [%s]\n", want.c_str(), text_of(got).c_str());
    fuzz::fail(__FILE__, line);
}

// Prints libical's X-LIC-ERROR properties (for the report of a failing input).
void print_errors(icalcomponent* c) {
    for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY))
        std::fprintf(stderr, "X-LIC-ERROR: %s\n", icalproperty_as_ical_string(p));
    for (icalcomponent* s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s != nullptr;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        print_errors(s);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    calendar::feed_header header;
    header.time_zone = in.pick(zones);
    header.name = in.text(40);
    header.description = in.text(40);
    if (in.byte() % 8 == 0) header.refresh_interval = in.text(10);
    const time_zone* z = find_time_zone(header.time_zone);
    FUZZ_CHECK(z != nullptr);

    const int n = in.byte() % 9;
    std::vector<calendar::feed_item> items(static_cast<std::size_t>(n));
    std::vector<civil_time> starts, ends;
    for (auto& item : items) {
        item.uid = in.flag() ? in.text(40) : "event-" + std::to_string(starts.size()) + "@copsched";
        item.sequence = in.in_range(-1, 1000);
        const civil_time stamp = some_time(in);
        item.stamp_utc = local_text(stamp) + "Z";
        item.all_day = in.flag();
        civil_time s = some_time(in);
        civil_time e = s;
        if (item.all_day) {
            s.hour = s.minute = s.second = 0;
            e = s;
            e.date = add_days(s.date, in.in_range(0, 40));
            item.start_local = date_text(s.date);
            item.end_local = date_text(e.date);
        } else {
            e = civil_from_seconds(seconds_from_civil(s) + std::chrono::minutes{in.in_range(0, 60 * 24 * 3)});
            item.start_local = local_text(s);
            item.end_local = local_text(e);
        }
        if (in.byte() % 16 == 0) item.start_local = in.text(24); // malformed now and then
        item.summary = in.text();
        item.description = in.text();
        item.location = in.text(60);
        if (in.flag()) item.url = in.text(60);
        for (int c = in.byte() % 4; c > 0; --c) item.categories.push_back(in.text(20));
        item.status = static_cast<event_status>(in.byte() % 3);
        starts.push_back(s);
        ends.push_back(e);
    }

    auto out = calendar::render_feed(header, items);
    if (!out) {
        FUZZ_CHECK(out.err().code == errc::invalid_input && out.err().fields.size() == 1);
        return 0;
    }
    const std::string& text = *out;
    // CRLF only; lines of at most 75 octets.
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') FUZZ_CHECK(i > 0 && text[i - 1] == '\r');
        if (text[i] == '\r') {
            FUZZ_CHECK(i + 1 < text.size() && text[i + 1] == '\n');
            FUZZ_CHECK(i - line_start <= 75);
            line_start = i + 2;
        }
    }
    FUZZ_CHECK(line_start == text.size());

    std::unique_ptr<icalcomponent, component_deleter> cal(icalparser_parse_string(text.c_str()));
    FUZZ_CHECK(cal != nullptr && icalcomponent_isa(cal.get()) == ICAL_VCALENDAR_COMPONENT);
    if (icalcomponent_count_errors(cal.get()) != 0) {
        print_errors(cal.get());
        fuzz::fail(__FILE__, __LINE__);
    }
    std::size_t i = 0;
    for (icalcomponent* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); ev != nullptr;
         ev = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT), ++i) {
        FUZZ_CHECK(i < items.size());
        const auto& item = items[i];
        check_time(cal.get(), ev, ICAL_DTSTART_PROPERTY, item, starts[i], *z);
        check_time(cal.get(), ev, ICAL_DTEND_PROPERTY, item, ends[i], *z);
        if (printable_ascii(item.summary) && !item.summary.empty())
            check_same(icalcomponent_get_summary(ev), item.summary, __LINE__);
        if (printable_ascii(item.location) && !item.location.empty())
            check_same(icalcomponent_get_location(ev), item.location, __LINE__);
        if (printable_ascii(item.uid)) check_same(icalcomponent_get_uid(ev), item.uid, __LINE__);
    }
    FUZZ_CHECK(i == items.size());
    return 0;
}
