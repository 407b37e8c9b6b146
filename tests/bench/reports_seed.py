#!/usr/bin/python3
"""Seeds the attendance reports benchmark's database over the HTTP API of a running copsched.

Usage: reports_seed.py URL ADMIN_TOKEN YEAR
Creates programme "rep" (YEAR-01-01 .. YEAR+4-12-31), 100 organisations, 1000 people (all
roles), 12 working groups (each person in one or two), and 200 events in YEAR, which has
passed: 4 CoP meetings (every person invited) and 196 working-group sessions (the group's
members invited), booked through the normal path. For each event the presence of about
90% of the invited is recorded in bulk (present, absent or excused). Deterministic
(seeded). Prints one line of JSON: {"slug", "invitations", "recorded"}.
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
rng = random.Random(2025)


def call(method, path, body=None):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    data = json.dumps(body) if body is not None else None
    local.conn.request(method, path, data, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
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


slug = "rep"
call("POST", "/api/v1/programmes", {
    "slug": slug, "name": "Reports benchmark", "timezone": "Europe/Amsterdam", "language": "nl",
    "starts_on": f"{year}-01-01", "ends_on": f"{year + 4}-12-31"})
base = f"/api/v1/programmes/{slug}"
roles = ["buyer", "sustainability_coordinator", "budget_holder", "project_leader", "consultant", "other"]
groups = [call("POST", base + "/working-groups", {"slug": f"wg{i}", "name": f"Werkgroep {i}"})["id"] for i in range(12)]
orgs = parallel(list(range(100)), lambda i: call("POST", base + "/organisations", {
    "name": f"Organisatie {i}", "kind": ["government", "company", "knowledge_partner"][i % 3],
    "level": ["starter", "advanced"][i % 2]})["id"])
people = parallel(list(range(1000)), lambda i: call("POST", base + "/people", {
    "name": f"Deelnemer {i}", "email": f"p{i}@example.org", "organisation_id": orgs[i % 100],
    "role": roles[i % len(roles)]})["id"])


def join(i):
    call("POST", f"/api/v1/working-groups/{groups[i % 12]}/members", {"person_id": people[i], "from": f"{year}-01-01"})
    if i % 2 == 0:
        call("POST", f"/api/v1/working-groups/{groups[(i + 5) % 12]}/members", {"person_id": people[i], "from": f"{year}-01-01"})
parallel(list(range(1000)), join)

# 4 CoP meetings on their own days, one per quarter; 196 sessions on other weekdays.
cop_days = {datetime.date(year, m, 10 + k) for k, m in enumerate((2, 5, 9, 11))}
events = []
for d in sorted(cop_days):
    while d.weekday() >= 5:
        d += datetime.timedelta(days=1)
    events.append({"kind": "cop_meeting", "title": f"CoP {d.isoformat()}", "start": f"{d.isoformat()}T10:00",
                   "end": f"{d.isoformat()}T13:00", "accept_conflicts": ["public_holiday", "school_holiday"]})
taken = {e["start"][:10] for e in events}
day = datetime.date(year, 1, 6)
while len(events) < 200:
    if day.weekday() < 5 and day.isoformat() not in taken:
        for hour in (9, 14):
            if len(events) < 200:
                events.append({"kind": "working_group_session", "working_group_id": groups[len(events) % 12],
                               "title": f"Sessie {len(events)}", "start": f"{day.isoformat()}T{hour:02d}:00",
                               "end": f"{day.isoformat()}T{hour + 2:02d}:00",
                               "accept_conflicts": ["members_busy", "public_holiday", "school_holiday"]})
    day += datetime.timedelta(days=1)
ids = parallel(events, lambda e: call("POST", base + "/events", e)["id"])


def record(event_id):
    r = random.Random(event_id)
    items = call("GET", f"/api/v1/events/{event_id}/attendance")["items"]
    records = []
    for it in items:
        x = r.random()
        if x < 0.1:
            continue  # not recorded
        presence = "present" if x < 0.75 else ("absent" if x < 0.92 else "excused")
        rec = {"person_id": it["person_id"], "presence": presence}
        if presence == "present":
            rec["mode"] = "online" if r.random() < 0.3 else "onsite"
        records.append(rec)
    call("POST", f"/api/v1/events/{event_id}/attendance", {"records": records})
    return len(items), len(records)
counts = parallel(ids, record)
print(json.dumps({"slug": slug, "invitations": sum(c[0] for c in counts), "recorded": sum(c[1] for c in counts)}))
