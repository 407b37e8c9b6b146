#!/usr/bin/python3
"""Seeds the web pages benchmark's database over the HTTP API of a running copsched.

Usage: pages_seed.py URL ADMIN_TOKEN YEAR
First the reports benchmark's programme (reports_seed.py: programme "rep", 100
organisations, 1,000 people, 12 working groups, 200 events held in YEAR with presence),
then 1,800 more working-group sessions in YEAR+1 .. YEAR+3 (150 per group, weekly), so the
programme has 2,000 events and its people have many to come; then memberships.approval is
set to organiser and 100 people ask to join a working group (the dashboard's pending
requests). Deterministic. Prints one line of JSON: {"events", "person", "group_event",
"requests"}: a person in two groups, one of their group's sessions to come, and the number
of pending membership requests.
"""
import datetime
import http.client
import json
import os
import subprocess
import sys
import threading
import urllib.parse

url, token, year = sys.argv[1], sys.argv[2], int(sys.argv[3])
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, "reports_seed.py"), url, token, str(year)], check=True,
               stdout=subprocess.DEVNULL)
target = urllib.parse.urlsplit(url)
local = threading.local()


def call(method, path, body=None, as_token=None, accept=()):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    data = json.dumps(body) if body is not None else None
    local.conn.request(method, path, data,
                       {"Authorization": "Bearer " + (as_token or token), "Content-Type": "application/json"})
    res = local.conn.getresponse()
    out = res.read()
    if res.status >= 300 and res.status not in accept:
        raise SystemExit(f"{method} {path} -> {res.status}: {out[:300]!r}")
    return json.loads(out) if out and res.status < 300 else None


def parallel(items, fn, threads=4):
    out = [None] * len(items)
    def work(k):
        for i in range(k, len(items), threads):
            out[i] = fn(items[i])
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    return out


base = "/api/v1/programmes/rep"
groups = [g["id"] for g in call("GET", base + "/working-groups?limit=200")["items"]]
events = []
for gi, g in enumerate(groups):
    day = datetime.date(year + 1, 1, 5) + datetime.timedelta(days=gi % 5)
    hour = 8 + (gi // 5) * 3
    for _ in range(150):
        events.append({"kind": "working_group_session", "working_group_id": g, "title": f"Werksessie {len(events)}",
                       "start": f"{day.isoformat()}T{hour:02d}:00", "end": f"{day.isoformat()}T{hour + 2:02d}:00",
                       "accept_conflicts": ["members_busy", "public_holiday", "school_holiday"]})
        day += datetime.timedelta(days=7)
parallel(events, lambda e: call("POST", base + "/events", e))
count, cursor = 0, None
while True:
    page = call("GET", base + "/events?limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
    count += len(page["items"])
    cursor = page["next_cursor"]
    if not cursor:
        break
# Deelnemer 0 is in two groups (reports_seed.py); one of their group's sessions to come.
def all_items(path):
    items, cursor = [], None
    while True:
        page = call("GET", path + "?limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items
person = next(p for p in all_items(base + "/people") if p["name"] == "Deelnemer 0")["id"]
group = next(g for g in call("GET", base + "/working-groups?limit=200")["items"] if g["slug"] == "wg0")["id"]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M")
coming = call("GET", base + f"/events?working_group={group}&from={now}&limit=1")["items"][0]["id"]

# Organisers approve joining and leaving; 100 people (not Deelnemer 0) each ask to join a
# group they are not in: the dashboard's list of pending requests.
call("PATCH", base, {"memberships": {"approval": "organiser"}})
asking = [p for p in all_items(base + "/people") if p["name"] != "Deelnemer 0"][:100]


def ask(p):
    tok = call("POST", "/api/v1/tokens", {"name": "ask", "role": "participant", "programme": "rep",
                                           "person_id": p["id"]})["token"]
    for g in groups:
        if call("POST", "/api/v1/me/memberships", {"working_group_id": g}, as_token=tok, accept=(409,)):
            return 1
    return 0


requests = sum(parallel(asking, ask))
print(json.dumps({"events": count, "person": person, "group_event": coming, "requests": requests}))
