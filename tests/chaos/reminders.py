#!/usr/bin/python3
"""Crash campaign: e-mail reminder jobs and the service survive SIGKILL (tracker issue 17).

Starts the real copsched binary on a free loopback port with a temporary SQLite file
(migrate, an admin token), seeds through the HTTP API a programme of people (at most 2000)
and upcoming CoP meetings (at least 2), which queues one iMIP invitation per person and
meeting, MESSAGES rounded up in all (the programme sends no plain reminders, so at the end
nothing may be pending at all). An SMTP sink (aiosmtpd, in this process) records every delivered message
with its Message-ID, envelope sender, recipient, Subject and the time. JOBS
`copsched remind --interval 500ms --limit 20 --lease 10s` processes send the outbox to it,
each with its own --envelope-from, so the sink knows which process sent what. While they
send, at KILLS random moments (random points of the delivery count), the service, a job or
both are SIGKILLed and restarted at once (the service on the same file and port). After
the last kill everything runs until the outbox has nothing due, leased, pending or failed
(GET /api/v1/reminders/summary); then the jobs and the service are stopped cleanly (exit
0), the service is started once more and:

  - every message in the outbox is sent and was delivered to the sink at least once, under
    the Message-ID the outbox gave it; the sink got nothing else; every recipient got one
    invitation per meeting;
  - every duplicate (a Message-ID delivered more than once) has the recipient and Subject
    of the first delivery and lies in a claim-to-report window broken by a kill: the job
    process that delivered it before was killed before the re-delivery, or the service
    was down (killed, not yet restarted) at some time between the two deliveries. A
    duplicate without such a kill, or one delivered after a job's "sent" report of it was
    acknowledged (the job's log line, time-stamped here as it is read), is a failure;
  - no message is left pending, leased, failed or dead and none is due (summary);
  - PRAGMA integrity_check says ok (python sqlite3 on the file, service stopped).

Prints one summary line and exits non-zero on any failure (the work directory with the
database and every process's log is kept then).

    tests/chaos/reminders.py BINARY_OR_BUILD_DIR [--messages N] [--kills N] [--jobs N]
                             [--seed N] [--record]

MESSAGES and KILLS in the environment set the defaults (1000 messages, 10 kills: about
15 s, the ctest version); --seed repeats the kill points and targets, not the timing. --record writes the figures of a successful run into the section
"## E-mail under kills" of docs/RELIABILITY.md, e.g.
    tests/chaos/reminders.py build/test --messages 10000 --kills 100 --record
Needs Debian's python3-aiosmtpd; run with another python3 it restarts itself with
/usr/bin/python3.
"""

import argparse
import collections
import datetime
import http.client
import json
import math
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from mail_sink import smtp_sink  # noqa: E402  (tests/chaos/mail_sink.py)
from service import find_binary, free_port, service

try:
    from aiosmtpd.smtp import SMTP
except ImportError:  # e.g. a pyenv python3 first on PATH: Debian's has the package
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:])
    sys.exit("tests/chaos/reminders.py needs aiosmtpd (Debian: apt-get install python3-aiosmtpd)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402  (tests/chaos/record.py)

PROGRAMME = "chaos-mail"
LEASE_SECONDS = 10  # the shortest lease the service grants: messages of a killed job come back soonest
LIMIT = 20          # messages per claim (the job's default)
MAX_PEOPLE = 2000   # more messages are more meetings, not more people


def request(port, method, path, token, body=None, timeout=60):
    """(status, parsed JSON body or text) or None when the connection failed."""
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        text = r.read().decode()
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def call(port, method, path, token, body=None, expect=(200, 201)):
    """request() that must succeed (the seeding and the final checks, service up)."""
    r = request(port, method, path, token, body)
    if r is None or r[0] not in expect:
        raise RuntimeError("%s %s: %r" % (method, path, r))
    return r[1]


def seed(port, token, people, meetings):
    """The programme, 50 organisations, the people and the meetings (as tests/bench/reminders.sh)."""
    call(port, "POST", "/api/v1/programmes", token, {
        "slug": PROGRAMME, "name": "Green Deal Circulair Inkopen", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "mail": {"sender_name": "CoP Circulair", "sender_email": "cop@example.org",
                 "reminder_days": {"cop_meeting": [], "working_group_session": [], "other": []}}})
    base = "/api/v1/programmes/" + PROGRAMME
    orgs = [call(port, "POST", base + "/organisations", token,
                 {"name": "Organisatie %d" % i, "kind": "government", "level": "starter"})["id"] for i in range(50)]
    errors = []

    def add_people(first):
        try:
            for i in range(first, people, 8):
                call(port, "POST", base + "/people", token, {
                    "name": "Deelnemer %d" % i, "email": "p%d@example.org" % i, "organisation_id": orgs[i % 50],
                    "role": "buyer", "language": "nl" if i % 3 else "en"})
        except RuntimeError as e:
            errors.append(str(e))
    threads = [threading.Thread(target=add_people, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    first = datetime.date.today() + datetime.timedelta(days=60)
    for m in range(meetings):
        day = first + datetime.timedelta(days=7 * m)
        call(port, "POST", base + "/events", token, {
            "kind": "cop_meeting", "title": "CoP-bijeenkomst %s" % day, "start": "%sT10:00" % day,
            "end": "%sT13:00" % day, "online_url": "https://meet.example.org/cop",
            "accept_conflicts": ["members_busy", "public_holiday", "school_holiday", "blackout", "venue_capacity"]})


# `<time> remind: <id> <kind> <recipient> sent (<code>)<suffix>`: the job's line after the report.
SENT_LINE = re.compile(r" remind: (\S+) \S+ \S+ sent \(\d+\)(.*)$")


class remind_job:
    """One `copsched remind` process; a restart is a new one with the next generation.
    Its log lines are time-stamped as they are read (they follow the report)."""

    def __init__(self, binary, workdir, server_url, smtp_port, token_file, slot, generation):
        self.name = "remind-j%d-g%d" % (slot, generation)
        self.sender = self.name + "@chaos.test"
        self.killed_at = None
        self.acked = {}           # outbox id -> time its "sent" report was acknowledged
        self.report_failed = 0    # "sent" reports that failed (the message may be sent again)
        self.lease_lost = 0       # "sent" reports answered 409: another job took it over
        self.report_retries = 0   # "sent" reports tried again (no answer: the service was down)
        self.log_path = os.path.join(workdir, self.name + ".log")
        self.proc = subprocess.Popen(
            [binary, "remind", "--server", server_url, "--smtp", "smtp://127.0.0.1:%d" % smtp_port,
             "--token-file", token_file, "--interval", "500ms", "--limit", str(LIMIT),
             "--lease", "%ds" % LEASE_SECONDS, "--starttls", "off", "--envelope-from", self.sender],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self.read_log, daemon=True)
        self.reader.start()

    def read_log(self):
        with open(self.log_path, "wb") as log:
            for raw in self.proc.stderr:
                now = time.monotonic()
                log.write(raw)
                line = raw.decode(errors="replace").rstrip("\n")
                if " remind: report sent: " in line and "retrying" in line:
                    self.report_retries += 1
                m = SENT_LINE.search(line)
                if not m:
                    continue
                if m.group(2) == "":
                    self.acked.setdefault(m.group(1), now)
                elif "lease was lost" in m.group(2):
                    self.lease_lost += 1
                else:
                    self.report_failed += 1

    def kill(self):
        self.killed_at = time.monotonic()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(10)

    def stop(self):
        """SIGTERM; the exit code (None when it had to be killed)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        self.reader.join(10)
        return rc


def summary(port, token):
    r = request(port, "GET", "/api/v1/reminders/summary", token)
    return r[1] if r and r[0] == 200 else None


def drained(s):
    c = s["counts"]
    return s["due_now"] == 0 and c["pending"] == 0 and c["leased"] == 0 and c["failed"] == 0


def list_outbox(port, token):
    items, cursor = [], None
    while True:
        page = call(port, "GET", "/api/v1/reminders?limit=200" + ("&cursor=" + cursor if cursor else ""), token)
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def outbox_id(message_id):
    """The outbox id in a Message-ID <id@host>."""
    return message_id.strip("<>").split("@", 1)[0]


def explain_duplicates(deliveries, jobs, outages, failures, t0=0.0):
    """Counts the re-deliveries by cause: {"job": n, "service": n}; adds failures (times
    in them in seconds from t0)."""
    by_sender = {j.sender: j for j in jobs}
    acked = {}  # outbox id -> earliest acknowledged "sent" report
    for j in jobs:
        for mid, t in j.acked.items():
            acked[mid] = min(t, acked.get(mid, t))
    per_id = collections.defaultdict(list)
    for d in deliveries:
        per_id[d.message_id].append(d)
    causes = collections.Counter()
    for mid, ds in per_id.items():
        ds.sort(key=lambda d: d.time)
        for prev, cur in zip(ds, ds[1:]):
            if (cur.rcpt, cur.subject) != (prev.rcpt, prev.subject):
                failures.append("%s delivered again to %s (%r), first to %s (%r)"
                                % (mid, cur.rcpt, cur.subject, prev.rcpt, prev.subject))
            ack = acked.get(outbox_id(mid))
            if ack is not None and ack < cur.time:
                failures.append("%s delivered again by %s %.2f s after a job's sent report of it was acknowledged"
                                % (mid, cur.sender, cur.time - ack))
                continue
            first = by_sender.get(prev.sender)
            if first and first.killed_at is not None and first.killed_at <= cur.time:
                causes["job"] += 1  # its sender died before reporting it
            elif any(k <= cur.time and up >= prev.time for k, up in outages):
                causes["service"] += 1  # the report went to a dead service
            else:
                failures.append("%s delivered by %s at %.2f s and again by %s at %.2f s without a kill in between"
                                % (mid, prev.sender, prev.time - t0, cur.sender, cur.time - t0))
    return causes


# The section of docs/RELIABILITY.md that --record writes.
SECTION = """## E-mail under kills

Written %(date)s by `%(command)s` (%(cores)d cores).
%(people)d people and %(meetings)d upcoming CoP meetings seeded through the API queue %(expected)d iMIP
invitations (no plain reminders). %(jobs)d `copsched remind --interval 500ms --limit %(limit)d --lease %(lease)ds`
jobs send them to an SMTP sink (aiosmtpd) while, at %(kills)d random points of the delivery count, the service,
a job or both are SIGKILLed and restarted at once (the service on the same database file and port). Then
everything runs until nothing is due, leased, pending or failed, and stops cleanly. `ctest -R 'chaos: reminder'`
runs the same with 1,000 messages and 10 kills.

| figure | value |
|---|---|
| messages queued | %(expected)d |
| delivered to the SMTP sink | %(delivered)d, %(distinct)d distinct Message-IDs: every queued message at least once, nothing else |
| duplicates (same Message-ID again) | %(duplicates)d: %(dup_job)d after the job that sent them was killed before its report, %(dup_service)d after the service was killed before the report reached it; none without a kill in between, none after an acknowledged report |
| kills | %(kills)d: the service %(service_kills)d, one job %(job_only)d, the service and one job at once %(both)d |
| "sent" reports tried again because the service was down | %(report_retries)d |
| "sent" reports given up (5 tries in 7.5 s; the message is sent again after the lease) | %(report_failed)d |
| stuck at the end (pending, leased, failed, dead) | %(stuck)d |
| `PRAGMA integrity_check` | %(integrity)s |
| seconds: the whole run (sending and draining) | %(seconds).0f (%(sending).0f) |

A duplicate is the price of at-least-once delivery: a job killed between the SMTP server's 250 and its
report, or a report that cannot reach a killed service, leaves the message leased; when the lease
(%(lease)d s here) expires another job sends it again, with the same Message-ID, so a mail client can tell.
A killed job makes a duplicate only when it dies between the 250 and its report%(service_note)s.
"""


def main():
    ap = argparse.ArgumentParser(description="crash campaign for e-mail reminder jobs")
    ap.add_argument("build", help="the copsched binary or a build directory")
    ap.add_argument("--messages", type=int, default=int(os.environ.get("MESSAGES", "1000")))
    ap.add_argument("--kills", type=int, default=int(os.environ.get("KILLS", "10")))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--record", action="store_true", help="write the figures into docs/RELIABILITY.md")
    args = ap.parse_args()
    if args.messages < 1 or args.kills < 0 or args.jobs < 1:
        ap.error("--messages and --jobs must be at least 1, --kills at least 0")
    seed_value = args.seed if args.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed_value)
    meetings = max(2, math.ceil(args.messages / MAX_PEOPLE))
    people = math.ceil(args.messages / meetings)
    expected = people * meetings

    binary = find_binary(args.build)
    workdir = tempfile.mkdtemp(prefix="copsched-chaos-mail-")
    svc = service(binary, workdir, free_port(), ("--access-log", "false", "--mail-backoff", "1s"))
    svc.run("migrate")
    token = svc.run("token", "create", "--role", "admin", "--name", "chaos-mail").splitlines()[0].strip()
    token_file = os.path.join(workdir, "mailer.token")
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(token + "\n")

    sink = None
    jobs = []       # every remind process ever started
    running = []    # the current process of each job slot
    generations = [0] * args.jobs
    kills = collections.Counter()
    outages = []    # (killed, up again) of the service
    failures = []
    started = time.monotonic()
    try:
        svc.start()
        seed(svc.port, token, people, meetings)
        sink = smtp_sink()
        url = "http://127.0.0.1:%d" % svc.port

        def start_job(slot):
            generations[slot] += 1
            j = remind_job(binary, workdir, url, sink.port, token_file, slot, generations[slot])
            jobs.append(j)
            return j

        running = [start_job(slot) for slot in range(args.jobs)]
        sending = time.monotonic()

        # The kills, at random points of the delivery count (so on any machine they fall
        # while mail flows), each waiting 30 s at most for its point.
        points = sorted(int(rnd.uniform(0.02, 0.9) * expected) for _ in range(args.kills))
        for point in points:
            deadline = time.monotonic() + 30
            while sink.count() < point and time.monotonic() < deadline:
                time.sleep(0.005)
            r = rnd.random()
            what = "service" if r < 0.4 else "job" if r < 0.8 else "both"
            kills[what] += 1
            if what in ("job", "both"):
                slot = rnd.randrange(args.jobs)
                running[slot].kill()
                running[slot] = start_job(slot)
            if what in ("service", "both"):
                killed = time.monotonic()
                svc.kill()
                svc.start()
                outages.append((killed, time.monotonic()))

        # Let everything finish: nothing due, leased, pending or failed.
        deadline = time.monotonic() + 60 + 3 * LEASE_SECONDS
        last = None
        while time.monotonic() < deadline:
            last = summary(svc.port, token) or last
            if last and drained(last):
                break
            time.sleep(0.25)
        else:
            failures.append("the outbox did not drain within %.0f s: %r" % (60 + 3 * LEASE_SECONDS, last))
        sending_s = time.monotonic() - sending

        # Stop cleanly, then look at what is stored after a clean start.
        for j in running:
            rc = j.stop()
            if rc != 0:
                failures.append("%s exited with %r on SIGTERM" % (j.name, rc))
        running = []
        rc = svc.stop()
        if rc != 0:
            failures.append("copsched serve exited with %r on SIGTERM" % rc)
        svc.start()
        final = summary(svc.port, token)
        outbox = list_outbox(svc.port, token)
        rc = svc.stop()
        if rc != 0:
            failures.append("copsched serve exited with %r on SIGTERM" % rc)
        sink.stop()
    finally:
        for j in running:
            if j.proc.poll() is None:
                j.kill()
        if svc.proc and svc.proc.poll() is None:
            svc.kill()

    with sqlite3.connect(svc.database) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        failures.append("PRAGMA integrity_check: " + integrity)

    # Every message of the outbox was sent and delivered under its Message-ID; nothing else was.
    deliveries = sink.deliveries
    delivered_ids = collections.Counter(d.message_id for d in deliveries)
    outbox_ids = set()
    for m in outbox:
        outbox_ids.add(m["id"])
        if m["state"] != "sent":
            failures.append("message %s is %s (%s)" % (m["id"], m["state"], m.get("last_error")))
        elif not m["message_id"] or outbox_id(m["message_id"]) != m["id"]:
            failures.append("message %s was reported sent with Message-ID %r" % (m["id"], m["message_id"]))
    by_outbox_id = {outbox_id(mid): mid for mid in delivered_ids}
    lost = sorted(i for i in outbox_ids if i not in by_outbox_id)
    strangers = sorted(mid for mid in delivered_ids if outbox_id(mid) not in outbox_ids)
    for i in lost[:10]:
        failures.append("message %s was never delivered" % i)
    for mid in strangers[:10]:
        failures.append("the sink got %r, which is not in the outbox" % mid)
    if len(outbox) != expected:
        failures.append("the outbox holds %d messages, %d expected (%d people x %d meetings)"
                        % (len(outbox), expected, people, meetings))
    per_rcpt = collections.defaultdict(set)
    for d in deliveries:
        per_rcpt[d.rcpt].add(d.message_id)
    odd = [r for r, ids in per_rcpt.items() if len(ids) != meetings]
    if len(per_rcpt) != people or odd:
        failures.append("%d recipients (%d expected), %d without exactly %d invitations"
                        % (len(per_rcpt), people, len(odd), meetings))

    duplicates = len(deliveries) - len(delivered_ids)
    causes = explain_duplicates(deliveries, jobs, outages, failures, started)
    counts = final["counts"] if final else {}
    stuck = sum(counts.get(s, 0) for s in ("pending", "leased", "failed", "dead"))
    if final is None or stuck or final["due_now"]:
        failures.append("left in the outbox: %r" % (final,))
    seconds = time.monotonic() - started
    report_failed = sum(j.report_failed for j in jobs)
    lease_lost = sum(j.lease_lost for j in jobs)
    report_retries = sum(j.report_retries for j in jobs)

    print("chaos reminders: seed %d, messages queued %d, delivered %d (%d distinct), duplicates %d "
          "(%d after a job kill, %d after a service kill), kills %d (service %d, one job %d, both %d), "
          "sent reports retried %d, lost %d, lease lost before the report %d, stuck %d, integrity %s, %.1f s (sending %.1f s)"
          % (seed_value, len(outbox), len(deliveries), len(delivered_ids), duplicates, causes["job"],
             causes["service"], args.kills, kills["service"], kills["job"], kills["both"], report_retries, report_failed, lease_lost,
             stuck, integrity, seconds, sending_s))
    if failures:
        for f in failures[:30]:
            print("  " + f)
        print("FAILED; the database and logs stay in " + workdir)
        return 1

    if args.record:
        cores = len(os.sched_getaffinity(0))
        command = "tests/chaos/reminders.py %s --messages %d --kills %d --jobs %d --seed %d --record" % (
            args.build, args.messages, args.kills, args.jobs, seed_value)
        service_note = ("" if causes["service"] or report_failed else
                        ";\na killed service was back within the job's report retries each time, so it cost "
                        "retries, not duplicates")
        section = SECTION % {
            "date": datetime.date.today().isoformat(), "command": command, "cores": cores, "people": people,
            "meetings": meetings, "expected": expected, "jobs": args.jobs, "limit": LIMIT, "lease": LEASE_SECONDS,
            "kills": args.kills, "delivered": len(deliveries), "distinct": len(delivered_ids),
            "duplicates": duplicates, "dup_job": causes["job"], "dup_service": causes["service"],
            "service_kills": kills["service"], "job_only": kills["job"], "both": kills["both"],
            "report_retries": report_retries, "report_failed": report_failed, "service_note": service_note,
            "stuck": stuck, "integrity": integrity, "seconds": seconds, "sending": sending_s}
        record.write_section(record.RELIABILITY, section)
        print("written to docs/RELIABILITY.md")
    subprocess.run(["rm", "-rf", workdir])
    return 0


if __name__ == "__main__":
    sys.exit(main())
