#!/usr/bin/python3
"""Seeds the feeds-at-scale benchmark's database over the HTTP API of a running copsched.

Usage: feeds_scale_seed.py URL ADMIN_TOKEN FEED_URLS_FILE [PEOPLE] [YEARS] [SESSIONS_PER_YEAR]
Creates programme "scale" (2020-01-01 .. 2020+YEARS-1-12-31) with 100 organisations,
8 working groups, 12 venues and PEOPLE (10000) people, each a member of one group and
every third of a second one (so about 1,670 members per group), all from the start.
Then YEARS (10) years of events through the normal booking path: 4 CoP meetings a year
(the second Tuesday of February, May, September and November, 10:00-16:00) and
SESSIONS_PER_YEAR (12) sessions a year per group (one a month, each group on its own
weekday of the third or fourth week, 13:00-16:00), so nothing overlaps.
Writes every person's feed URL (as POST /people answers it) to FEED_URLS_FILE, one a line,
and prints one line of JSON: {"slug", "people", "events", "cop_meeting", "seconds", ...}
where cop_meeting is the id of a future CoP meeting to reschedule.
Standard library only; keep-alive connections from 8 threads.
"""
import datetime
import http.client
import json
import sys
import threading
import time
import urllib.parse

url, token, urls_file = sys.argv[1], sys.argv[2], sys.argv[3]
n_people = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
years = int(sys.argv[5]) if len(sys.argv) > 5 else 10
sessions_per_year = int(sys.argv[6]) if len(sys.argv) > 6 else 12
target = urllib.parse.urlsplit(url)
local = threading.local()
started = time.monotonic()


def call(method, path, body=None):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    local.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    res = local.conn.getresponse()
    data = res.read()
    if res.status >= 300:
        raise SystemExit(f"{method} {path} -> {res.status}: {data[:300]!r}")
    return json.loads(data) if data else None


def parallel(items, fn, threads=8):
    out = [None] * len(items)
    failed = []
    def work(k):
        try:
            for i in range(k, len(items), threads):
                out[i] = fn(items[i])
        except BaseException as e:  # a SystemExit in a thread would only end the thread
            failed.append(e)
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    if failed:
        raise SystemExit(str(failed[0]))
    return out


slug = "scale"
first_year, last_year = 2020, 2020 + years - 1
call("POST", "/api/v1/programmes", {
    "slug": slug, "name": "Schaalprogramma", "timezone": "Europe/Amsterdam", "language": "nl",
    "starts_on": f"{first_year}-01-01", "ends_on": f"{last_year}-12-31"})
base = f"/api/v1/programmes/{slug}"
groups = [call("POST", base + "/working-groups", {"slug": f"wg{i}", "name": f"Werkgroep {i}"})["id"]
          for i in range(8)]
venues = [call("POST", base + "/venues", {"name": f"Zaal {i}", "address": f"Straat {i}, Utrecht",
                                          "capacity": 200 + 10 * i})["id"] for i in range(12)]
orgs = parallel(list(range(100)), lambda i: call("POST", base + "/organisations", {
    "name": f"Organisatie {i}", "kind": ["government", "company", "knowledge_partner"][i % 3],
    "level": ["starter", "advanced"][i % 2]})["id"])
roles = ["buyer", "sustainability_coordinator", "budget_holder", "project_leader", "consultant", "other"]
people = parallel(list(range(n_people)), lambda i: call("POST", base + "/people", {
    "name": f"Deelnemer {i}", "email": f"p{i}@example.org", "organisation_id": orgs[i % len(orgs)],
    "role": roles[i % len(roles)], "language": "nl" if i % 10 else "en"}))
people_seconds = time.monotonic() - started
with open(urls_file, "w") as f:
    for p in people:
        f.write(p["feed_url"] + "\n")


def join(i):
    pid = people[i]["id"]
    call("POST", f"/api/v1/working-groups/{groups[i % 8]}/members",
         {"person_id": pid, "role": "member", "from": f"{first_year}-01-01"})
    if i % 3 == 0:
        call("POST", f"/api/v1/working-groups/{groups[(i + 3) % 8]}/members",
             {"person_id": pid, "role": "member", "from": f"{first_year}-01-01"})
parallel(list(range(n_people)), join)
members_seconds = time.monotonic() - started - people_seconds


def nth_weekday(year, month, weekday, n):  # weekday 0 = Monday, n from 1
    d = datetime.date(year, month, 1)
    d += datetime.timedelta(days=(weekday - d.weekday()) % 7)
    return d + datetime.timedelta(weeks=n - 1)


accept = ["members_busy", "public_holiday", "school_holiday", "blackout", "venue_capacity"]
cop, sessions = [], []
for year in range(first_year, last_year + 1):
    for month in (2, 5, 9, 11):
        d = nth_weekday(year, month, 1, 2)  # second Tuesday: never in the third or fourth week
        cop.append({"kind": "cop_meeting", "title": f"CoP-bijeenkomst {d}", "start": f"{d}T10:00",
                    "end": f"{d}T16:00"})
    months = [1 + (12 * k) // sessions_per_year for k in range(sessions_per_year)]
    for month in months:
        for g in range(8):
            d = nth_weekday(year, month, g % 4, 3 + g // 4)  # Mon-Thu of the third and fourth week
            sessions.append({"kind": "working_group_session", "title": f"Sessie werkgroep {g} {d}",
                             "working_group_id": groups[g], "start": f"{d}T13:00", "end": f"{d}T16:00"})
for i, e in enumerate(cop + sessions):
    e.update(venue_id=venues[i % len(venues)], status="confirmed", accept_conflicts=accept,
             description="Agenda volgt. Locatie en online deelname staan in de uitnodiging.")
cop_ids = parallel(cop, lambda e: call("POST", base + "/events", e)["id"])
parallel(sessions, lambda e: call("POST", base + "/events", e))
# The first CoP meeting after today: the one the storm reschedules.
today = datetime.date.today().isoformat()
future = [i for i, e in zip(cop_ids, cop) if e["start"][:10] > today]
seconds = time.monotonic() - started
print(json.dumps({"slug": slug, "people": len(people), "memberships": n_people + (n_people + 2) // 3,
                  "events": len(cop) + len(sessions), "cop_meetings": len(cop), "sessions": len(sessions),
                  "cop_meeting": future[0] if future else cop_ids[-1], "accept_conflicts": " ".join(accept),
                  "seconds": round(seconds, 1), "people_seconds": round(people_seconds, 1),
                  "members_seconds": round(members_seconds, 1)}))
