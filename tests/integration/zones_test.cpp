// Programmes in eight IANA zones with unusual rules (half-hour and 45-minute offsets,
// half an hour of summer time, negative summer time, Morocco's Ramadan, Chile's 24:00
// changes): events booked at 10:00 local around every offset change of 2019-2020, a weekly
// series over both years, and a future meeting whose invitation goes out by iMIP. The
// programme feed, a single-event .ics and the iMIP body are read by ical.js, by
// python-icalendar on pytz and on our own VTIMEZONE (occurrences.py --zones vtimezone)
// and by libical; every occurrence must start and end at the UTC instants the API stored.
#include "tests/support/harness.hpp"
#include "tests/support/shell.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <libical/ical.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

// The local dates on which the zone's UTC offset changes in [first_year, last_year], from
// Python's zoneinfo (the same system tzdata, another reader).
std::vector<std::string> change_dates(const std::string& dir, const std::string& zone, int first_year, int last_year) {
    const std::string script = "import datetime as d, zoneinfo as z\n"
                               "tz = z.ZoneInfo('" +
                               zone +
                               "')\n"
                               "t = d.datetime(" +
                               std::to_string(first_year) +
                               ", 1, 1, tzinfo=d.timezone.utc)\n"
                               "end = d.datetime(" +
                               std::to_string(last_year + 1) +
                               ", 1, 1, tzinfo=d.timezone.utc)\n"
                               "prev = t.astimezone(tz).utcoffset()\n"
                               "while t < end:\n"
                               "    t += d.timedelta(minutes=15)\n"
                               "    o = t.astimezone(tz).utcoffset()\n"
                               "    if o != prev: print(t.astimezone(tz).date())\n"
                               "    prev = o\n";
    std::ofstream(dir + "/changes.py") << script;
    std::istringstream lines(run_shell("/usr/bin/python3 " + dir + "/changes.py"));
    std::vector<std::string> out;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// A date moved by n days ("YYYY-MM-DD").
std::string add_days(const std::string& date, int n) {
    std::tm tm{};
    tm.tm_year = std::stoi(date.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(date.substr(5, 2)) - 1;
    tm.tm_mday = std::stoi(date.substr(8, 2)) + n;
    tm.tm_hour = 12;
    const std::time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

struct component_deleter {
    void operator()(icalcomponent* c) const noexcept { icalcomponent_free(c); }
};
using component_ptr = std::unique_ptr<icalcomponent, component_deleter>;
struct zone_deleter {
    void operator()(icaltimezone* z) const noexcept { icaltimezone_free(z, 1); }
};
using zone_ptr = std::unique_ptr<icaltimezone, zone_deleter>;

// "YYYYMMDDTHHMMSSZ" -> "YYYY-MM-DDTHH:MM:SSZ".
std::string iso(const std::string& basic) {
    return basic.substr(0, 4) + "-" + basic.substr(4, 2) + "-" + basic.substr(6, 2) + "T" + basic.substr(9, 2) + ":" +
           basic.substr(11, 2) + ":" + basic.substr(13, 2) + "Z";
}

// libical's reading: uid -> "start_utc end_utc", times placed with the object's own
// VTIMEZONE (never libical's builtin zones); zero X-LIC-ERROR demanded.
std::map<std::string, std::string> libical_times(const std::string& text, const std::string& tzid) {
    component_ptr cal(icalparser_parse_string(text.c_str()));
    REQUIRE(cal);
    CHECK(icalcomponent_count_errors(cal.get()) == 0);
    icalcomponent* vtz = icalcomponent_get_first_component(cal.get(), ICAL_VTIMEZONE_COMPONENT);
    REQUIRE(vtz != nullptr);
    CHECK(icalcomponent_get_next_component(cal.get(), ICAL_VTIMEZONE_COMPONENT) == nullptr);
    zone_ptr zone(icaltimezone_new());
    REQUIRE(icaltimezone_set_component(zone.get(), icalcomponent_new_clone(vtz)) == 1);
    CHECK(std::string(icaltimezone_get_tzid(zone.get())) == tzid);
    std::map<std::string, std::string> out;
    for (icalcomponent* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); ev != nullptr;
         ev = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT)) {
        auto utc = [&](icalproperty_kind kind) {
            icalproperty* p = icalcomponent_get_first_property(ev, kind);
            REQUIRE(p != nullptr);
            icalparameter* param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
            REQUIRE(param != nullptr);
            CHECK(std::string(icalparameter_get_tzid(param)) == tzid);
            icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));
            t.zone = nullptr;
            t = icaltime_set_timezone(&t, zone.get());
            return iso(icaltime_as_ical_string(icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone())));
        };
        const std::string uid = icalproperty_get_uid(icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY));
        out[uid] = utc(ICAL_DTSTART_PROPERTY) + " " + utc(ICAL_DTEND_PROPERTY);
    }
    return out;
}

// Every reader's view of a calendar text: uid -> "start_utc end_utc". ical.js (which
// follows the VTIMEZONE), python-icalendar on pytz (the TZID as an IANA name), the same on
// our VTIMEZONE (--zones vtimezone) and libical must all say the same. node-ical is left
// out here: it ignores the VTIMEZONE and misplaces Casablanca's Ramadan months by an hour
// (ical.js, pytz, libical and Node's own Intl agree with the tz database there).
std::map<std::string, std::string> read_everywhere(const std::string& text, const std::string& tzid,
                                                   const std::string& file) {
    std::ofstream(file, std::ios::binary) << text;
    const std::string args = " " + file + " --from 2018-06-01T00:00:00Z --to 2032-01-01T00:00:00Z";
    const auto icaljs =
        json::parse(run_shell("node " COPSCHED_SOURCE_DIR "/tests/feeds/occurrences.mjs --parser icaljs" + args));
    const auto pytz =
        json::parse(run_shell("/usr/bin/python3 " COPSCHED_SOURCE_DIR "/tests/feeds/occurrences.py" + args));
    const auto own_zone = json::parse(
        run_shell("/usr/bin/python3 " COPSCHED_SOURCE_DIR "/tests/feeds/occurrences.py --zones vtimezone" + args));
    CHECK(pytz == icaljs);
    CHECK(own_zone == icaljs);
    std::map<std::string, std::string> out;
    for (const auto& o : icaljs.as_array()) out[str(o, "uid")] = str(o, "start_utc") + " " + str(o, "end_utc");
    CHECK(libical_times(text, tzid) == out);
    return out;
}

const char* accept_all =
    R"("accept_conflicts":["members_busy","public_holiday","school_holiday","blackout","venue_capacity"])";

} // namespace

TEST_CASE("zones: feeds, .ics files and invitations in eight unusual zones give the stored UTC times",
          "[zones][feeds]") {
    server_process s({"--public-url", "http://cop.example.org"});
    const std::vector<std::string> zones{"Europe/Brussels",   "Australia/Lord_Howe", "Pacific/Chatham",
                                         "Asia/Kathmandu",    "America/Santiago",    "Europe/Dublin",
                                         "Africa/Casablanca", "America/New_York"};
    const auto call = [&](const std::string& method, const std::string& path, const std::string& body = {}) {
        auto r = s.call(method, path, s.admin_token, body);
        INFO(method << " " << path << " " << body << " -> " << r.status << " " << r.body);
        REQUIRE(r.status / 100 == 2);
        return r;
    };
    std::map<std::string, std::string> invited_zone;  // event id -> zone of its future meeting
    std::map<std::string, std::string> invited_times; // event id -> "start_utc end_utc"
    for (std::size_t i = 0; i < zones.size(); ++i) {
        const auto& zone = zones[i];
        INFO(zone);
        const std::string slug = "zone-" + std::to_string(i);
        const std::string base = "/api/v1/programmes/" + slug;
        call("POST", "/api/v1/programmes",
             R"({"slug":")" + slug + R"(","name":"Zone )" + zone + R"(","timezone":")" + zone +
                 R"(","language":"en","starts_on":"2019-01-01","ends_on":"2031-12-31","feeds_public":true,)"
                 R"("mail":{"sender_name":"CoP","sender_email":"cop@example.org"}})");
        const auto org =
            str(call("POST", base + "/organisations", R"({"name":"Org","kind":"government","level":"starter"})").json(),
                "id");
        call("POST", base + "/people",
             R"({"name":"Anna","email":"anna@example.org","organisation_id":")" + org +
                 R"(","role":"buyer","language":"en"})");

        // 10:00 local the day before, of and after each change of 2019-2020.
        std::map<std::string, json::value> stored; // id -> event
        const auto changes = change_dates(s.dir, zone, 2019, 2020);
        if (zone == "Asia/Kathmandu")
            CHECK(changes.empty());
        else
            CHECK(changes.size() >= 4);
        std::set<std::string> days;
        for (const auto& d : changes)
            for (int n : {-1, 0, 1}) days.insert(add_days(d, n));
        days.insert("2019-06-15");
        for (const auto& day : days) {
            auto e = call("POST", base + "/events",
                          R"({"kind":"other","title":"On )" + day + R"(","start":")" + day + R"(T10:00","end":")" +
                              day + R"(T11:00",)" + accept_all + "}")
                         .json();
            stored[str(e, "id")] = e;
        }
        // A weekly series at 10:00 local over both years.
        auto series = call("POST", base + "/series",
                           R"({"kind":"other","title":"Weekly","start":"2019-01-07T10:00","end":"2019-01-07T11:00",)"
                           R"("rrule":"FREQ=WEEKLY;COUNT=104",)" +
                               std::string(accept_all) + "}")
                          .json();
        REQUIRE(series.at("occurrences").as_array().size() == 104);
        for (const auto& o : series.at("occurrences").as_array()) {
            auto e = call("GET", "/api/v1/events/" + str(o, "id")).json();
            stored[str(e, "id")] = e;
        }
        std::map<std::string, std::string> expected; // uid -> "start_utc end_utc"
        for (const auto& [id, e] : stored) {
            CHECK(str(e, "start").ends_with("T10:00"));
            expected[id + "@copsched"] = str(e, "start_utc") + " " + str(e, "end_utc");
        }

        // The programme feed.
        const auto feed = s.request("GET", "/feeds/programmes/" + slug + ".ics");
        REQUIRE(feed.status == 200);
        CHECK(feed.body.find("TZID:" + zone + "\r\n") != std::string::npos);
        CHECK(read_everywhere(feed.body, zone, s.dir + "/feed.ics") == expected);

        // One event as a .ics file: its first change-day event.
        const auto& [first_id, first_event] = *stored.begin();
        const auto file = call("GET", "/api/v1/events/" + first_id + ".ics");
        const auto one = read_everywhere(file.body, zone, s.dir + "/event.ics");
        REQUIRE(one.size() == 1);
        CHECK(one.begin()->second == expected[first_id + "@copsched"]);

        // A meeting in the future, around its first change of 2030: Anna's invitation.
        const auto later = change_dates(s.dir, zone, 2030, 2030);
        const std::string day = later.empty() ? "2030-06-14" : add_days(later.front(), 1);
        const auto meeting =
            call("POST", base + "/events",
                 R"({"kind":"cop_meeting","title":"Future","start":")" + day + R"(T10:00","end":")" + day +
                     R"(T12:00","online_url":"https://meet.example.org/cop",)" + accept_all + "}")
                .json();
        invited_zone[str(meeting, "id")] = zone;
        invited_times[str(meeting, "id")] = str(meeting, "start_utc") + " " + str(meeting, "end_utc");
    }

    // The invitations (iMIP REQUEST bodies), as the e-mail job claims them.
    const auto claimed = call("POST", "/api/v1/reminders/claim", R"({"limit":100})").json();
    std::size_t invitations = 0;
    for (const auto& m : claimed.at("items").as_array()) {
        if (m.at("calendar").is_null()) continue;
        const auto id = str(m, "event_id");
        if (!invited_zone.contains(id)) continue;
        INFO(invited_zone[id]);
        const auto text = str(m.at("calendar"), "content");
        const auto times = read_everywhere(text, invited_zone[id], s.dir + "/imip.ics");
        REQUIRE(times.size() == 1);
        CHECK(times.begin()->second == invited_times[id]);
        ++invitations;
    }
    CHECK(invitations == zones.size());
}

TEST_CASE("zones: an instant in the repeated hour is refused, and unknown zones too", "[zones]") {
    server_process s;
    auto r = s.call("POST", "/api/v1/programmes", s.admin_token,
                    R"({"slug":"bru","name":"Brussel","timezone":"Europe/Brussels","starts_on":"2019-01-01",)"
                    R"("ends_on":"2021-12-31"})");
    REQUIRE(r.status == 201);
    // 27 October 2019 in Brussels: 02:00-03:00 happens twice, 00:00Z-01:00Z then 01:00Z-02:00Z.
    for (const char* start :
         {"2019-10-27T00:30:00Z", "2019-10-27T01:30:00Z", "2019-10-27T02:30:00+01:00", "2019-10-27T02:30:00+02:00"}) {
        INFO(start);
        auto e = s.call("POST", "/api/v1/programmes/bru/events", s.admin_token,
                        R"({"kind":"other","title":"Nacht","start":")" + std::string(start) +
                            R"(","end":"2019-10-27T05:00:00Z"})");
        INFO(e.body);
        REQUIRE(e.status == 422);
        const auto problem = e.json();
        REQUIRE(problem.at("errors").as_array().size() == 1);
        CHECK(str(problem.at("errors").as_array()[0], "field") == "start");
        CHECK(str(problem.at("errors").as_array()[0], "problem").find("happens twice") != std::string::npos);
    }
    // Just outside the repeated hour, instants are fine.
    auto ok = s.call("POST", "/api/v1/programmes/bru/events", s.admin_token,
                     R"({"kind":"other","title":"Vroeg","start":"2019-10-26T23:59:00Z","end":"2019-10-27T02:00:00Z"})");
    INFO(ok.body);
    CHECK(ok.status == 201);
    CHECK(str(ok.json(), "end") == "2019-10-27T03:00");

    // The zone is checked against the tz database when the programme is made.
    for (const char* zone : {"Europe/Atlantis", "Mars/Olympus_Mons", "europe/amsterdam"}) {
        INFO(zone);
        auto bad = s.call("POST", "/api/v1/programmes", s.admin_token,
                          R"({"slug":"bad","name":"Bad","timezone":")" + std::string(zone) +
                              R"(","starts_on":"2019-01-01","ends_on":"2021-12-31"})");
        REQUIRE(bad.status == 422);
        const auto problem = bad.json();
        bool named = false;
        for (const auto& e : problem.at("errors").as_array()) named |= e.at("field") == "timezone";
        CHECK(named);
    }
}
