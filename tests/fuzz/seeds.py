#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (run once by hand after a change
here; the files are kept in the tree). Inputs of the targets that read choices first
start with those bytes (tests/fuzz/fuzz_input.hpp: one byte per choice, two per range,
a length byte before each string)."""
import os, re, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
corpus = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def rng(value, lo, hi):
    """Two bytes that in_range(lo, hi) reads as value."""
    return struct.pack(">H", value - lo)


def txt(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return bytes([len(b)]) + b


# --- http_request: requests as sent on one connection.
token = "Authorization: Bearer cs_abcdefgh_0123456789abcdefghijklmnopqrstuvwxyzABCD\r\n"
def post(path, body, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: localhost\r\n{token}Content-Type: application/json\r\n"
            f"Content-Length: {len(body.encode())}\r\n{extra}\r\n{body}")
write("http_request", "get_healthz", "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
write("http_request", "get_event_ics", f"GET /api/v1/events/e%201.ics HTTP/1.1\r\nHost: x\r\n{token}\r\n")
write("http_request", "post_programme", post("/api/v1/programmes",
    '{"name":"GDCI 3","meeting_rules":{"per_year":6,"weekdays":["tue","thu"],"start_time":"10:00",'
    '"duration_minutes":120,"school_holiday_regions":["NL-N"],"school_holidays":"avoid"}}'))
write("http_request", "post_event", post("/api/v1/programmes/gdci-2/events",
    '{"title":"Meeting 1","description":"line\\nnext","start":"2026-03-05T10:00","end":"2026-03-05T12:00",'
    '"all_day":false,"venue_id":null,"status":"tentative","categories":["a","b"]}'))
write("http_request", "patch_event_dup_key", post("/api/v1/events/abc", '{"title":"x","title":"y"}').replace("POST", "PATCH", 1))
write("http_request", "chunked", f"PUT /api/v1/people/p1/busy HTTP/1.1\r\nHost: x\r\n{token}Content-Type: text/calendar\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nBEGIN\r\n0\r\n\r\n")
write("http_request", "pipelined", "GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n" + post("/api/v1/tokens", '{"name":"n","role":"admin"}')
      + "DELETE /api/v1/tokens/t1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
write("http_request", "bad_framing", "POST /api/v1/tokens HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}")
write("http_request", "obs_fold", "GET /metrics HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n")
write("http_request", "http10", "GET /openapi.json HTTP/1.0\r\n\r\n")

# --- ical_import: zone byte, mode byte, small max_intervals - 1, then the file.
src = open(os.path.join(ROOT, "tests/calendar/import_test.cpp"), encoding="utf-8").read()
files = re.findall(r'R"\((BEGIN:VCALENDAR.*?END:VCALENDAR\n?)\)"', src, re.S)
for i, ics in enumerate(files[:12]):
    write("ical_import", f"import_test_{i:02d}.ics.in", bytes([0, i % 3, 63]) + ics.encode())
for name in ["allday", "cancelled", "dst", "series", "text"]:
    data = open(os.path.join(ROOT, f"tests/feeds/fixtures/{name}.ics"), "rb").read()
    write("ical_import", f"feed_{name}.ics.in", bytes([1, 2, 63]) + data)
# The suspect of tracker issue 17: all-day EXDATEs in a timed series with BYHOUR.
write("ical_import", "exdate_dates_byhour.ics.in", bytes([0, 2, 63]) + (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:s1\r\n"
    "DTSTART;TZID=Europe/Amsterdam:20240301T090000\r\nDTEND;TZID=Europe/Amsterdam:20240301T100000\r\n"
    "RRULE:FREQ=DAILY;BYHOUR=9,14;COUNT=36\r\nEXDATE;VALUE=DATE:20240303,20240305\r\n"
    "SUMMARY:series\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode())
write("ical_import", "freebusy.ics.in", bytes([2, 1, 63]) + (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VFREEBUSY\r\n"
    "FREEBUSY;FBTYPE=BUSY:20240301T090000Z/20240301T100000Z,20240302T090000Z/PT2H\r\n"
    "FREEBUSY;FBTYPE=FREE:20240303T090000Z/PT1H\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n").encode())

# --- rrule: start (year, month, day, hour, minute, second), limits, rule.
def rrule_seed(name, rule, start=(2024, 3, 5, 10, 0, 0), occ=500, years=10):
    y, mo, d, h, mi, s = start
    data = (rng(y, 1890, 2510) + rng(mo, 0, 13) + rng(d, 0, 32) + rng(h, 0, 24) + rng(mi, 0, 59) + rng(s, 0, 59)
            + rng(occ, 1, 600) + rng(years, -1, 12) + rule.encode())
    write("rrule", name, data)
rrule_seed("weekly_interval", "FREQ=WEEKLY;INTERVAL=6;BYDAY=TU;COUNT=8")
rrule_seed("monthly_2th_until", "FREQ=MONTHLY;BYDAY=2TH;UNTIL=20291231")
rrule_seed("yearly_feb29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3", (2024, 2, 29, 9, 30, 0))
rrule_seed("daily_until_utc", "freq=daily;until=20240401T225959Z;wkst=MO")
rrule_seed("bysetpos", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=12")
rrule_seed("byweekno", "FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=MO;UNTIL=20300101")
rrule_seed("byyearday", "FREQ=YEARLY;BYYEARDAY=-1,100;COUNT=5")
rrule_seed("never_matches", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2")
rrule_seed("byhour_refused", "FREQ=DAILY;BYHOUR=9,14;COUNT=36")
rrule_seed("bad_start", "FREQ=DAILY;COUNT=2", (1899, 2, 30, 25, 0, 0))

# --- tzif: local time, instant, POSIX TZ string.
def tz_seed(name, tz, local=(2024, 3, 31, 2, 30, 0)):
    y, mo, d, h, mi, s = local
    data = (rng(y, 1800, 2600) + rng(mo, 1, 12) + rng(d, 1, 31 if mo != 2 else 28) + rng(h, 0, 23) + rng(mi, 0, 59)
            + rng(s, 0, 59) + b"\x06\x00\x12\x34" + tz.encode())
    write("tzif", name, data)
tz_seed("cet", "CET-1CEST,M3.5.0,M10.5.0/3")
tz_seed("us_eastern", "EST5EDT,M3.2.0,M11.1.0", (2024, 11, 3, 1, 30, 0))
tz_seed("quoted", "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1")
tz_seed("julian", "XXX3YYY,J60/2,J300/2")
tz_seed("julian0", "XXX-10YYY-11,59,299/167")
tz_seed("lord_howe", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
tz_seed("dublin_negative_dst", "IST-1GMT0,M10.5.0,M3.5.0/1")
tz_seed("no_dst", "<+0545>-5:45")
tz_seed("utc", "UTC0")
tz_seed("invalid", "CET-1CEST,M13.5.0")

# --- feed_writer: hand-made byte streams; the fuzzer explores from these.
def feed_seed(name, zone, items, name_text="Board", refresh=False):
    b = bytes([zone]) + txt(name_text) + txt("Meetings of the board") + bytes([1 if refresh else 0])
    b += bytes([len(items)])
    for it in items:
        all_day, start, minutes, summary, location = it
        b += bytes([0])  # generated uid
        b += rng(3, -1, 1000)
        b += rng(2024, 1990, 2060) + rng(1, 1, 12) + rng(2, 1, 31) + rng(8, 0, 23) + rng(0, 0, 59) + bytes([0])
        b += bytes([1 if all_day else 0])
        y, mo, d, h, mi = start
        b += rng(y, 1990, 2060) + rng(mo, 1, 12) + rng(d, 1, 31) + rng(h, 0, 23) + rng(mi, 0, 59) + bytes([0])
        b += rng(minutes, 0, 40) if all_day else rng(minutes, 0, 60 * 24 * 3)
        b += bytes([1])  # well-formed start
        b += txt(summary) + txt("Agenda: 1; 2, 3\nline two\\ end") + txt(location)
        b += bytes([1]) + txt("https://example.org/e?id=1")
        b += bytes([2]) + txt("board") + txt("WG, \u00e9")
        b += bytes([1])
    write("feed_writer", name, b)
feed_seed("amsterdam_timed", 0, [(False, (2024, 3, 5, 10, 0), 120, "Meeting; one, two", "Room 1"),
                                  (False, (2024, 7, 3, 10, 0), 90, "Summer", "Room 2")])
feed_seed("dst_edges", 0, [(False, (2024, 3, 31, 2, 30), 60, "In the gap", "x"),
                            (False, (2024, 10, 27, 2, 30), 60, "In the overlap", "y")])
feed_seed("all_day", 2, [(True, (2024, 12, 24, 0, 0), 3, "Holidays", ""), (True, (2025, 1, 1, 0, 0), 1, "New year", "")])
feed_seed("new_york_long_text", 1, [(False, (2030, 11, 3, 1, 30), 30, "A" * 200, "\u00e9" * 30)])
feed_seed("lord_howe", 2, [(False, (2024, 4, 7, 1, 45), 30, "half hour dst", "z")])
feed_seed("empty", 7, [])

# --- mime: names, addresses, subject, ids, optional calendar, then the body.
def mime_seed(name, from_name, subject, body, cal=None, lang="nl", from_email=0, to_email=1):
    b = txt(from_name) + bytes([1, from_email]) + txt("Bob \u00c9") + bytes([to_email]) + txt(subject)
    b += bytes([1, 42]) + (bytes([1]) + txt(lang) if lang else bytes([0])) + b"\x10\x00\x20\x00" + txt("outbox-1")
    if cal is None:
        b += bytes([0])
    else:
        method, content = cal
        b += bytes([1, method, 1]) + txt(content)
    write("mime", name, b + body.encode())
mime_seed("plain", "Copsched", "Reminder: board meeting", "Hello,\nthe meeting is tomorrow.\n")
mime_seed("unicode_subject", "Co\u00f6rdinator \"GDCI\"", "Vergadering \u2014 \u00e9\u00e9n " + "lang " * 20, "Hoi\r\n" + "x" * 200)
mime_seed("header_injection", "Evil\r\nBcc: x@y.z", "Hi\r\nBcc: victim@example.org", "body")
mime_seed("imip_request", "Copsched", "Invitation", "See attachment.",
          (0, "BEGIN:VEVENT\r\nUID:1@copsched\r\nDTSTART:20240305T090000Z\r\nEND:VEVENT"))
mime_seed("imip_cancel_en", "", "Cancelled", "Cancelled.", (1, "BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT"), lang="en-GB")
mime_seed("bad_address", "x", "y", "z", from_email=3)
mime_seed("bidi", "\u202eevil\u202c", "\u200f\u202a subject \x7f\x85", "\x00 body")

# --- csv: delimiter, separator, decimals, a double, then rows of fields.
def csv_seed(name, semicolon, comma, decimals, value, rows):
    b = bytes([1 if semicolon else 0, 1 if comma else 0]) + rng(decimals, 0, 15) + struct.pack("<d", value)
    b += bytes([len(rows)])
    for row in rows:
        b += bytes([len(row)]) + b"".join(txt(f) for f in row)
    write("csv", name, b)
csv_seed("dutch", True, True, 1, 66.66, [["Naam", "Aanwezig (%)"], ["Co\u00f6rdinator", "66,7"], ["=SUM(A1)", "-12,5"]])
csv_seed("english", False, False, 2, -0.001, [["name", "share"], ["a,b", "say \"hi\""], ["line\r\nbreak", "@x"]])
csv_seed("empty_rows", False, False, 0, 1e300, [[], [""], ["", ""]])
csv_seed("formula_guard", True, False, 15, float("nan"), [["+1", "-1", "-1.5", "-", "\tx", "\rx", "1,5", "1.5e3"]])
print("seeds written to", corpus)
