#!/usr/bin/env python3
"""Crash campaign: bookings under Idempotency-Keys survive SIGKILL.

Starts the real copsched binary on a free loopback port with a temporary SQLite file
and the demo programme. Client threads book events, each under its own Idempotency-Key,
retrying every request with the same key until it gets an answer, while the service is
killed with SIGKILL at random moments and restarted on the same file. At the end, with
the service running cleanly:

  - every acknowledged booking (201) is stored, with the id the client was given;
  - no key is stuck: a final retry of every key gets an answer other than 409;
  - no key booked more than one event;
  - PRAGMA integrity_check says ok.

Prints one summary line and exits non-zero on any failure.

    tests/chaos/bookings.py BUILD_DIR_OR_BINARY [--kills N] [--clients N] [--seed N] [--record]

KILLS in the environment sets the number of kills too (default 20, about 30 s). --record
writes the section "Bookings under kills" of docs/RELIABILITY.md (tests/chaos/record.py).
"""

import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from service import find_binary, free_port, service

PROGRAMME = "gdci-2"
EVENTS = "/api/v1/programmes/%s/events" % PROGRAMME


def request(port, method, path, token, body=None, key=None, timeout=10):
    """(status, headers, body) or None when the connection failed."""
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Idempotency-Key"] = key
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def booking_body(key, n):
    day = 4 + (n % 20)  # weekdays and weekends of March 2019, no public holidays
    return json.dumps({"kind": "other", "title": "chaos " + key,
                       "start": "2019-03-%02dT10:00" % day, "end": "2019-03-%02dT11:00" % day})


def event_id(body):
    doc = json.loads(body)
    return doc["event"]["id"] if "event" in doc else doc["id"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--kills", type=int, default=int(os.environ.get("KILLS", "20")))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--record", action="store_true", help="write the figures into docs/RELIABILITY.md")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)

    workdir = tempfile.mkdtemp(prefix="copsched-chaos-")
    svc = service(find_binary(args.build), workdir, free_port())
    svc.run("seed-demo")
    token = svc.run("token", "create", "--role", "admin", "--name", "chaos").splitlines()[0]
    svc.start()
    # Bookings only: the demo's school holidays would make some days soft conflicts.
    r = request(svc.port, "PATCH", "/api/v1/programmes/" + PROGRAMME, token,
                json.dumps({"meeting_rules": {"school_holiday_regions": []}}))
    if not r or r[0] not in (200, 422):  # 422: a version without school-holiday rules
        sys.exit("cannot prepare the programme: %r" % (r,))

    lock = threading.Lock()
    sent = {}       # key -> body, every key ever sent
    acked = {}      # key -> event id of its 201
    answers = {}    # key -> status of the answer that ended its retries
    running_409 = [0]
    stop = threading.Event()

    def client(index):
        n = 0
        while not stop.is_set():
            key = "k%d-%d" % (index, n)
            body = booking_body(key, n)
            with lock:
                sent[key] = body
            n += 1
            while not stop.is_set():  # at the end the final pass retries every key
                r = request(svc.port, "POST", EVENTS, token, body, key)
                if r is None or r[0] >= 500:
                    time.sleep(0.05)  # down, restarting or failed: the same key again
                    continue
                if r[0] == 409 and "still running" in r[2]:
                    with lock:
                        running_409[0] += 1
                    time.sleep(float(r[1].get("retry-after", "1")) / 10)
                    continue
                with lock:
                    answers[key] = r[0]
                    if r[0] == 201:
                        acked[key] = event_id(r[2])
                break

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    for _ in range(args.kills):
        time.sleep(rnd.uniform(0.2, 1.2))
        svc.kill()
        svc.start()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    svc.stop()
    svc.start()  # a clean restart: nothing may still be "running"

    failures = []
    stuck = 0
    for key, body in sorted(sent.items()):
        r = None
        for _ in range(20):
            r = request(svc.port, "POST", EVENTS, token, body, key)
            if r is not None:
                break
            time.sleep(0.1)
        if r is None:
            failures.append("no answer for %s" % key)
        elif r[0] == 409 and "still running" in r[2]:
            stuck += 1
        elif key in acked and (r[0] != 201 or event_id(r[2]) != acked[key]):
            failures.append("%s was acknowledged with %s, now %d %s" % (key, acked[key], r[0], r[2][:200]))

    titles = {}
    cursor = None
    while True:
        path = EVENTS + "?limit=200" + ("&cursor=" + cursor if cursor else "")
        r = request(svc.port, "GET", path.replace(" ", "%20"), token)
        if not r or r[0] != 200:
            failures.append("cannot list events: %r" % (r,))
            break
        page = json.loads(r[2])
        for e in page["items"]:
            if e["title"].startswith("chaos "):
                titles.setdefault(e["title"][6:], []).append(e["id"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    svc.stop()

    lost = sum(1 for key, eid in acked.items() if eid not in titles.get(key, []))
    duplicates = sum(len(ids) - 1 for ids in titles.values() if len(ids) > 1)
    never_sent = [k for k in titles if k not in sent]
    with sqlite3.connect(svc.database) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]

    print("chaos bookings: seed %d, kills %d, keys %d, acknowledged %d, lost %d, duplicates %d, stuck %d, "
          "409 still running during the run %d, integrity %s, %.1f s"
          % (seed, args.kills, len(sent), len(acked), lost, duplicates, stuck, running_409[0], integrity,
             time.monotonic() - started))
    seconds = time.monotonic() - started
    ok = not (lost or duplicates or stuck or never_sent or integrity != "ok" or failures)
    if args.record:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import record
        record.write_section(record.RELIABILITY, """## Bookings under kills

Written %s by `tests/chaos/bookings.py --kills %d --clients %d --seed %d --record` (%d cores; the
binary `%s`). %d clients book events in the demo programme, each request under its own
Idempotency-Key and retried with the same key until it gets an answer, while the service is
SIGKILLed at a random moment every 0.2-1.2 s and restarted at once on the same SQLite file.
Then, after a clean restart, every key is sent once more and every event is listed.
`ctest -R 'chaos: bookings'` runs the same with 20 kills.

| figure | value |
|---|---|
| kills survived | %d |
| keys sent | %d |
| bookings acknowledged (201) | %d |
| acknowledged but lost | **%d** |
| keys that booked more than one event | **%d** |
| keys stuck ("still running" after the clean restart) | **%d** |
| answers "still running" (409, Retry-After) during the run, while the key's first request was in flight | %d |
| events without a key the clients sent | %d |
| `PRAGMA integrity_check` | %s |
| seconds | %.0f |

Verdict: %s.
""" % (time.strftime("%Y-%m-%d"), args.kills, args.clients, seed, os.cpu_count(), os.path.relpath(svc.binary),
       args.clients, args.kills, len(sent), len(acked), lost, duplicates, stuck, running_409[0], len(never_sent),
       integrity, seconds, "passed" if ok else "FAILED"))
    if not ok:
        for f in failures[:20]:
            print("  " + f)
        print("FAILED; the database and logs stay in " + workdir)
        return 1
    subprocess.run(["rm", "-rf", workdir])
    return 0


if __name__ == "__main__":
    sys.exit(main())
