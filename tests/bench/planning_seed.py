#!/usr/bin/python3
"""Seeds the planner benchmark's database over the HTTP API of a running copsched.

Usage: planning_seed.py URL ADMIN_TOKEN YEAR
Creates programme "plan" (YEAR-01-01 .. YEAR+4-12-31; CoP meetings on Tuesday to
Thursday, 10:00, three hours, 42 days apart), 100 organisations, 1000 people, 12 working
groups (each person in one or two), 300 events in YEAR (working-group sessions and
other events, booked through the normal path), and 50 busy intervals per person in YEAR
uploaded as an iCalendar file (PUT /api/v1/people/{id}/busy). Deterministic (seeded).
Prints one line of JSON: {"slug", "groups": [...]}.
"""
import datetime
import http.client
import json
import random
import sys
import threading
import urllib.parse

url, token, year = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = urllib.parse.urlsplit(url)
local = threading.local()
rng = random.Random(2019)


def call(method, path, body=None, content_type="application/json"):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    data = body if isinstance(body, str) else (json.dumps(body) if body is not None else None)
    local.conn.request(method, path, data, {"Authorization": "Bearer " + token, "Content-Type": content_type})
    res = local.conn.getresponse()
    out = res.read()
    if res.status >= 300:
        raise SystemExit(f"{method} {path} -> {res.status}: {out[:300]!r}")
    return json.loads(out) if out else None


def parallel(items, fn, threads=4):
    out = [None] * len(items)
    def work(k):
        for i in range(k, len(items), threads):
            out[i] = fn(items[i])
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    return out


slug = "plan"
call("POST", "/api/v1/programmes", {
    "slug": slug, "name": "Planner benchmark", "timezone": "Europe/Amsterdam", "language": "nl",
    "starts_on": f"{year}-01-01", "ends_on": f"{year + 4}-12-31",
    "meeting_rules": {"per_year": 4, "weekdays": ["tue", "wed", "thu"], "start_time": "10:00",
                      "duration_minutes": 180, "min_gap_days": 42}})
base = f"/api/v1/programmes/{slug}"
groups = [call("POST", base + "/working-groups", {"slug": f"wg{i}", "name": f"Werkgroep {i}"})["id"] for i in range(12)]
orgs = parallel(list(range(100)), lambda i: call("POST", base + "/organisations", {
    "name": f"Organisatie {i}", "kind": ["government", "company", "knowledge_partner"][i % 3],
    "level": ["starter", "advanced"][i % 2]})["id"])
people = parallel(list(range(1000)), lambda i: call("POST", base + "/people", {
    "name": f"Deelnemer {i}", "email": f"p{i}@example.org", "organisation_id": orgs[i % 100], "role": "buyer"})["id"])


def join(i):
    call("POST", f"/api/v1/working-groups/{groups[i % 12]}/members", {"person_id": people[i], "from": f"{year}-01-01"})
    if i % 2 == 0:
        call("POST", f"/api/v1/working-groups/{groups[(i + 5) % 12]}/members", {"person_id": people[i], "from": f"{year}-01-01"})
parallel(list(range(1000)), join)

# 300 events: on weekdays of the year, one or two a day, never overlapping each other.
day = datetime.date(year, 1, 6)
events = []
while len(events) < 300:
    if day.weekday() < 5:
        for hour in (9, 14):
            if len(events) < 300 and rng.random() < 0.7:
                g = rng.randrange(13)
                start = f"{day.isoformat()}T{hour:02d}:00"
                end = f"{day.isoformat()}T{hour + 3:02d}:00"
                body = {"kind": "other", "title": f"Bijeenkomst {len(events)}", "start": start, "end": end,
                        "accept_conflicts": ["members_busy", "public_holiday", "school_holiday", "blackout"]}
                if g < 12:
                    body.update(kind="working_group_session", working_group_id=groups[g])
                events.append(body)
    day += datetime.timedelta(days=1)
for e in events:
    r = call("POST", base + "/events", e)

# 50 busy intervals per person in the year: weekday blocks of 1 to 4 hours, 08:00-18:00 UTC.
def busy(i):
    r = random.Random(i)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//copsched bench//EN"]
    for k in range(50):
        d = datetime.date(year, 1, 1) + datetime.timedelta(days=r.randrange(365))
        if d.weekday() >= 5:
            d += datetime.timedelta(days=7 - d.weekday())
        h = r.randrange(8, 15)
        s = datetime.datetime(d.year, d.month, d.day, h)
        e = s + datetime.timedelta(hours=r.randrange(1, 5))
        lines += ["BEGIN:VEVENT", f"UID:{i}-{k}@bench", "DTSTAMP:20200101T000000Z",
                  "DTSTART:" + s.strftime("%Y%m%dT%H%M%SZ"), "DTEND:" + e.strftime("%Y%m%dT%H%M%SZ"),
                  "SUMMARY:Bezet", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    call("PUT", f"/api/v1/people/{people[i]}/busy", "\r\n".join(lines) + "\r\n", "text/calendar")
parallel(list(range(1000)), busy)
print(json.dumps({"slug": slug, "groups": groups}))
