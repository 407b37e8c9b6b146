#!/usr/bin/python3
"""Seeds the booking benchmark's database over the HTTP API of a running copsched.

Usage: booking_seed.py URL ADMIN_TOKEN [EVENTS] [PEOPLE]
Creates programme "bench" (2020-01-01 .. 2039-12-31), 8 working groups, 12 venues,
50 organisations, PEOPLE (1000) people each in one or two groups, and EVENTS (2000)
events in 2020-2025: four CoP meetings a year, the rest working-group sessions, all
through the same booking path (and conflict checks) as real clients. Prints one line
of JSON for the load script: {"slug", "groups": [...], "venues": [...]}.
Uses only the standard library and keep-alive connections from 4 threads.
"""
import datetime
import http.client
import json
import sys
import threading
import urllib.parse

url, token = sys.argv[1], sys.argv[2]
n_events = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
n_people = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
target = urllib.parse.urlsplit(url)
local = threading.local()


def call(method, path, body=None):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    local.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    res = local.conn.getresponse()
    data = res.read()
    if res.status >= 300:
        raise SystemExit(f"{method} {path} -> {res.status}: {data[:300]!r}")
    return json.loads(data) if data else None


def parallel(items, fn, threads=4):
    out = [None] * len(items)
    def work(k):
        for i in range(k, len(items), threads):
            out[i] = fn(items[i])
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    return out


slug = "bench"
call("POST", "/api/v1/programmes", {
    "slug": slug, "name": "Benchmark programme", "timezone": "Europe/Amsterdam", "language": "nl",
    "starts_on": "2020-01-01", "ends_on": "2039-12-31",
    "meeting_rules": {"per_year": 4, "weekdays": ["tue", "thu"], "start_time": "10:00",
                      "duration_minutes": 240, "min_gap_days": 42}})
base = f"/api/v1/programmes/{slug}"
groups = [call("POST", base + "/working-groups", {"slug": f"wg{i}", "name": f"Werkgroep {i}"})["id"]
          for i in range(8)]
venues = [call("POST", base + "/venues", {"name": f"Zaal {i}", "address": f"Straat {i}, Utrecht",
                                          "capacity": 20 + 10 * i})["id"] for i in range(12)]
orgs = parallel(list(range(50)), lambda i: call("POST", base + "/organisations", {
    "name": f"Organisatie {i}", "kind": ["government", "company", "knowledge_partner"][i % 3],
    "level": ["starter", "advanced"][i % 2]})["id"])
roles = ["buyer", "sustainability_coordinator", "budget_holder", "project_leader", "consultant", "other"]
people = parallel(list(range(n_people)), lambda i: call("POST", base + "/people", {
    "name": f"Deelnemer {i}", "email": f"p{i}@example.org", "organisation_id": orgs[i % len(orgs)],
    "role": roles[i % len(roles)], "language": "nl" if i % 10 else "en"})["id"])


def join(i):
    call("POST", f"/api/v1/working-groups/{groups[i % 8]}/members",
         {"person_id": people[i], "role": "member", "from": "2020-01-01"})
    if i % 3 == 0:
        call("POST", f"/api/v1/working-groups/{groups[(i + 3) % 8]}/members",
             {"person_id": people[i], "role": "member", "from": "2020-01-01"})
parallel(list(range(n_people)), join)

# Events from 2020 on weekdays, two sessions a day (09:00 and 14:00, three hours), so
# nothing overlaps; every 60th weekday is a CoP meeting day of its own (about four a year).
accept = ["members_busy", "public_holiday", "school_holiday", "blackout", "venue_capacity"]
cop, sessions = [], []
day, weekday_no = datetime.date(2020, 1, 6), 0
while len(cop) + len(sessions) < n_events:
    if day.weekday() < 5:
        if weekday_no % 60 == 30:
            cop.append({"kind": "cop_meeting", "title": f"CoP-bijeenkomst {day}", "start": f"{day}T09:00",
                        "end": f"{day}T17:00"})
        else:
            for hour in (9, 14):
                if len(cop) + len(sessions) < n_events:
                    g = len(sessions) % 8
                    sessions.append({"kind": "working_group_session", "title": f"Sessie {day} {hour}",
                                     "working_group_id": groups[g], "start": f"{day}T{hour:02d}:00",
                                     "end": f"{day}T{hour + 3:02d}:00"})
        weekday_no += 1
    day += datetime.timedelta(days=1)
everything = cop + sessions
for i, e in enumerate(everything):
    e.update(venue_id=venues[i % len(venues)], status="confirmed", accept_conflicts=accept)

# CoP meetings first: a session may not overlap one.
parallel(cop, lambda e: call("POST", base + "/events", e))
parallel(sessions, lambda e: call("POST", base + "/events", e))
print(json.dumps({"slug": slug, "groups": groups, "venues": venues, "events": len(everything),
                  "people": len(people), "last_day": str(day)}))
