#!/usr/bin/env python3
"""Slow and greedy clients, driven by the Debian slowhttptest (tracker issue 17).

Starts the real copsched binary on a free 127.0.0.1 port with a temporary SQLite file and
the demo programme, with the default connection flags (only --database, --host and --port
are given), then runs one of two campaigns.

Slow clients (the default): two slowhttptest processes at once from 127.0.0.1, one sending
slow headers (-H) and one slow bodies (-B), each with --connections connections (3,000).
slowhttptest opens its connections once and ends when all of them are closed; the service
closes them (minimum receive rate, per-address cap), so each attack is started again at once
whenever it ends: the attacker keeps reconnecting until --seconds (60) have passed. Their CSV
statistics (-g -o) show how many connections were pending, connected and closed each second;
the run fails when an attack never reached its connection count. Meanwhile a probe client
bound to 127.0.0.2 makes a fresh connection every 100 ms and alternately GETs a feed of the
demo programme (the programme feed and a working-group feed, with and without
If-None-Match) and POSTs a booking (an Idempotency-Key each). Every probe must be answered
(2xx or 304) and the p99 of their latencies must stay under 100 ms.

Idle connections (--idle [N], N = 10,000 when not given): N keep-alive connections from 100
source addresses 127.0.1.1-100, each idle after one answered request; measures the service's
RSS growth per connection held and that probes from 127.0.0.2 are still answered (p99 under
100 ms).

Prints a summary and exits non-zero on any failure. --record writes the section
"## Slow clients" (or "## Idle connections") of docs/RELIABILITY.md.

    tests/chaos/slowhttptest.py BINARY_OR_BUILD_DIR [--seconds N] [--connections N] [--record]
    tests/chaos/slowhttptest.py BINARY_OR_BUILD_DIR --idle [N] [--record]
"""

import argparse
import asyncio
import csv
import datetime
import http.client
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from service import find_binary, service as base_service

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMME = "gdci-2"
EVENTS = "/api/v1/programmes/%s/events" % PROGRAMME
PROBE_SOURCE = "127.0.0.2"    # the well-behaved client
MONITOR_SOURCE = "127.0.0.3"  # /metrics samples of this script, not counted as probes
P99_LIMIT = 0.100             # seconds
PROBE_TIMEOUT = 5.0           # a probe not answered within this is a failure


def raise_nofile():
    """Soft open-file limit to the hard one (also in slowhttptest's preexec_fn)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def ms(seconds):
    return "%.1f" % (seconds * 1000)


# --- the service -----------------------------------------------------------------------

class service(base_service):
    """The service with the demo programme and an admin token, on default connection flags
    (the issue wants the defaults to hold)."""

    def start(self):
        self.run("migrate")
        self.run("seed-demo")
        self.token = self.run("token", "create", "--role", "admin", "--name", "slowhttptest").splitlines()[0].strip()
        super().start()

    def start_line(self):
        """What the service says at start about its connection caps and open-file limit."""
        try:
            for line in open(self.log):
                if "max-connections" in line:
                    caps = re.search(r"max-connections (\d+).*per address (\d+)", line)
                    files = re.search(r"open-file limit (?:raised from \d+ to the hard limit )?(\d+)", line)
                    if caps and files:
                        return "max-connections %s, per address %s (open-file limit %s)" % (
                            caps.group(1), caps.group(2), files.group(1))
                    return line.split(" ", 1)[1].strip()
        except OSError:
            pass
        return ""

    def rss_kib(self):
        try:
            for line in open("/proc/%d/status" % self.proc.pid):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def open_fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.proc.pid))
        except OSError:
            return 0


def call(port, method, path, token=None, body=None, headers=None, source=PROBE_SOURCE, timeout=PROBE_TIMEOUT):
    """One request on a fresh connection from `source`: (status, headers, body bytes)."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None:
        h["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def metrics(port):
    """(open connections, rejected connections) from /metrics, or None."""
    try:
        status, _, body = call(port, "GET", "/metrics", source=MONITOR_SOURCE, timeout=2)
    except (OSError, http.client.HTTPException):
        return None
    if status != 200:
        return None
    values = {}
    for line in body.decode().splitlines():
        if line.startswith("copsched_open_connections ") or line.startswith("copsched_rejected_connections_total "):
            name, value = line.split()
            values[name] = int(float(value))
    return values.get("copsched_open_connections", 0), values.get("copsched_rejected_connections_total", 0)


def prepare(svc):
    """The demo programme without school-holiday rules (so probe bookings never meet a soft
    conflict) and the id of a working group for its feed."""
    port, token = svc.port, svc.token
    st, _, body = call(port, "PATCH", "/api/v1/programmes/" + PROGRAMME, token,
                       json.dumps({"meeting_rules": {"school_holiday_regions": []}}))
    if st not in (200, 422):
        sys.exit("cannot prepare the programme: %d %s" % (st, body[:200]))
    st, _, body = call(port, "GET", "/api/v1/programmes/%s/working-groups?limit=1" % PROGRAMME, token)
    if st != 200:
        sys.exit("cannot list working groups: %d %s" % (st, body[:200]))
    return json.loads(body)["items"][0]["id"]


# --- the probe client ------------------------------------------------------------------

class prober:
    """A well-behaved client on 127.0.0.2: a fresh connection every `interval`, alternately a
    feed GET and a booking POST. Records (kind, status, seconds, detail) per probe."""

    def __init__(self, svc, group_id, interval=0.1, tag="p"):
        self.svc = svc
        self.feeds = ["/feeds/programmes/%s.ics" % PROGRAMME, "/feeds/working-groups/%s.ics" % group_id]
        self.etags = {}
        self.interval = interval
        self.tag = tag
        self.n = 0
        self.results = []
        self.stop = threading.Event()
        self.thread = None

    def one(self):
        n = self.n
        self.n += 1
        started = time.monotonic()
        detail = ""
        try:
            if n % 2 == 0:
                kind = "feed"
                path = self.feeds[(n // 2) % 2]
                headers = {"Accept-Encoding": "gzip"}
                conditional = (n // 4) % 2 == 1  # programme, group plain; programme, group with If-None-Match
                if conditional and path in self.etags:
                    headers["If-None-Match"] = self.etags[path]
                status, h, body = call(self.svc.port, "GET", path, headers=headers)
                if status == 200 and "etag" in h:
                    self.etags[path] = h["etag"]
            else:
                kind = "booking"
                key = "%s-%d-%d" % (self.tag, os.getpid(), n)
                day = 4 + (n // 2) % 20          # 4-23 March 2019: no public holidays
                hour = 8 + (n // 40) % 10
                body = json.dumps({"kind": "other", "title": "probe " + key,
                                   "start": "2019-03-%02dT%02d:00" % (day, hour),
                                   "end": "2019-03-%02dT%02d:30" % (day, hour)})
                status, h, data = call(self.svc.port, "POST", EVENTS, self.svc.token, body,
                                       headers={"Idempotency-Key": key})
                if status >= 300:
                    detail = data[:200].decode(errors="replace")
        except (OSError, http.client.HTTPException) as e:
            status, detail = 0, "%s: %s" % (type(e).__name__, e)
        self.results.append((kind, status, time.monotonic() - started, detail))

    def loop(self):
        next_at = time.monotonic()
        while not self.stop.is_set():
            self.one()
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)
            else:
                next_at = time.monotonic()

    def start(self):
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def finish(self):
        self.stop.set()
        self.thread.join(PROBE_TIMEOUT + 5)
        return self.results


def probe_figures(results):
    """Dict of figures over probe results."""
    answered = [r for r in results if r[1] in (200, 201, 304)]
    failed = [r for r in results if r[1] not in (200, 201, 304)]
    lat = [r[2] for r in results]
    out = {"sent": len(results), "answered": len(answered), "failed": failed,
           "p50": percentile(lat, 50), "p99": percentile(lat, 99), "max": max(lat, default=0.0)}
    for kind in ("feed", "booking"):
        k = [r[2] for r in results if r[0] == kind]
        out[kind] = {"n": len(k), "p50": percentile(k, 50), "p99": percentile(k, 99), "max": max(k, default=0.0),
                     "statuses": sorted({r[1] for r in results if r[0] == kind})}
    return out


class monitor:
    """Samples the service every 0.5 s: RSS, open fds, open and rejected connections."""

    def __init__(self, svc):
        self.svc = svc
        self.samples = []  # (t, rss KiB, fds, open connections, rejected)
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self):
        m = metrics(self.svc.port)
        self.samples.append((time.monotonic() - self.t0, self.svc.rss_kib(), self.svc.open_fds(),
                             m[0] if m else None, m[1] if m else None))

    def loop(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.5)

    def start(self):
        self.t0 = time.monotonic()
        self.thread.start()

    def finish(self):
        self.stop.set()
        self.thread.join(10)

    def peak(self, index):
        return max((s[index] for s in self.samples if s[index] is not None), default=0)

    def at(self, t, index):
        """The last sample at or before t."""
        v = None
        for s in self.samples:
            if s[0] > t:
                break
            if s[index] is not None:
                v = s[index]
        return v


# --- slowhttptest ----------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class attack:
    """One slowhttptest attack, started again whenever it ends until the deadline."""

    def __init__(self, name, mode, svc, workdir, connections, rate, deadline_at, t0):
        self.name = name
        self.mode = mode  # "-H" or "-B"
        self.svc = svc
        self.workdir = workdir
        self.connections = connections
        self.rate = rate
        self.deadline_at = deadline_at
        self.t0 = t0
        self.waves = []  # dicts: start (s since t0), rows [(s, closed, pending, connected)], exit status, errors
        self.proc = None
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def command(self, seconds, out):
        common = ["slowhttptest", self.mode, "-c", str(self.connections), "-r", str(self.rate),
                  "-i", "2", "-x", "24", "-l", str(seconds), "-p", "3", "-g", "-o", out]
        if self.mode == "-H":
            return common + ["-t", "GET", "-u", "http://127.0.0.1:%d/feeds/programmes/%s.ics" % (self.svc.port, PROGRAMME)]
        return common + ["-t", "POST", "-s", "8192", "-f", "application/json",
                         "-u", "http://127.0.0.1:%d%s" % (self.svc.port, EVENTS)]

    def loop(self):
        k = 0
        while not self.stopping:
            remaining = self.deadline_at - time.monotonic()
            if remaining < 3:
                break
            k += 1
            out = os.path.join(self.workdir, "%s-%d" % (self.name, k))
            wave = {"start": time.monotonic() - self.t0, "out": out, "rows": [], "status": "", "errors": 0}
            with self.lock:
                if self.stopping:
                    break
                log = open(out + ".log", "w")
                self.proc = subprocess.Popen(self.command(int(math.ceil(remaining)), out), stdout=log,
                                             stderr=subprocess.STDOUT, preexec_fn=raise_nofile, cwd=self.workdir)
                log.close()
            self.proc.wait()
            wave["end"] = time.monotonic() - self.t0
            self.read_wave(wave)
            self.waves.append(wave)
            if not wave["rows"]:
                time.sleep(0.5)  # did not start: do not spin

    def read_wave(self, wave):
        try:
            with open(wave["out"] + ".csv") as f:
                for row in csv.reader(f):
                    if row and row[0].isdigit():
                        wave["rows"].append(tuple(int(x) for x in row[:4]))
        except OSError:
            pass
        try:
            text = ANSI.sub("", open(wave["out"] + ".log", errors="replace").read())
            m = re.findall(r"Exit status:\s*(.+)", text)
            wave["status"] = m[-1].strip() if m else "interrupted"
            e = re.findall(r"error:\s+(\d+)", text)
            wave["errors"] = int(e[-1]) if e else 0
        except OSError:
            pass

    def start(self):
        self.thread.start()

    def finish(self):
        with self.lock:
            self.stopping = True
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)  # ends its loop, writes its reports
        self.thread.join(30)
        with self.lock:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    # Figures over every wave.
    def started(self, wave):
        if not wave["rows"]:
            return 0
        last = wave["rows"][-1]
        return last[1] + last[2] + last[3]

    def figures(self):
        return {
            "waves": len(self.waves),
            "started": sum(self.started(w) for w in self.waves),
            "closed": sum(w["rows"][-1][1] for w in self.waves if w["rows"]),
            "peak_connected": max((r[3] for w in self.waves for r in w["rows"]), default=0),
            "peak_pending": max((r[2] for w in self.waves for r in w["rows"]), default=0),
            "full_waves": sum(1 for w in self.waves if self.started(w) >= self.connections),
            "errors": sum(w["errors"] for w in self.waves),
            "statuses": sorted({w["status"] for w in self.waves}),
        }

    def at(self, t):
        """(connected, pending, closed so far over every wave) at t seconds since t0."""
        closed_before = 0
        state = (0, 0, 0)
        for w in self.waves:
            if w["start"] > t:
                break
            rows = [r for r in w["rows"] if w["start"] + r[0] <= t]
            if w.get("end", 1e9) <= t or not rows:
                if w.get("end", 1e9) <= t:
                    closed_before += self.started(w)
                    state = (0, 0, closed_before)
                continue
            r = rows[-1]
            state = (r[3], r[2], closed_before + r[1])
        return state


# --- the campaigns ---------------------------------------------------------------------

def slow_campaign(svc, args, workdir):
    group_id = prepare(svc)
    mon = monitor(svc)
    mon.start()

    # A few quiet probes first: warm caches, and a baseline to compare with.
    quiet = prober(svc, group_id, tag="quiet")
    quiet.start()
    time.sleep(3)
    quiet_fig = probe_figures(quiet.finish())

    t0 = time.monotonic()
    deadline_at = t0 + args.seconds
    attacks = [attack("headers", "-H", svc, workdir, args.connections, args.rate, deadline_at, t0),
               attack("body", "-B", svc, workdir, args.connections, args.rate, deadline_at, t0)]
    probe = prober(svc, group_id, tag="attack")
    attack_t0 = t0 - mon.t0
    for a in attacks:
        a.start()
    probe.start()
    while time.monotonic() < deadline_at:
        time.sleep(0.2)
    fig = probe_figures(probe.finish())
    for a in attacks:
        a.finish()
    mon.finish()

    # The attack's connections over time, every 5 s, with the service's view.
    timeline = []
    for t in list(range(0, int(args.seconds) + 1, 5)):
        h, b = attacks[0].at(t), attacks[1].at(t)
        timeline.append((t, h, b, mon.at(attack_t0 + t, 3), mon.at(attack_t0 + t, 4)))
    during = [s for s in mon.samples if s[0] >= attack_t0]
    peak_rss = max((s[1] for s in during), default=0)
    peak_fds = max((s[2] for s in during), default=0)
    peak_open = max((s[3] for s in during if s[3] is not None), default=0)
    rejected = [s[4] for s in during if s[4] is not None]
    rejected_total = (rejected[-1] - rejected[0]) if rejected else 0
    baseline_rss = mon.samples[0][1] if mon.samples else 0

    af = [a.figures() for a in attacks]
    problems = []
    for a, f in zip(attacks, af):
        if f["full_waves"] == 0:
            problems.append("the %s attack never started its %d connections (at most %d)"
                            % (a.name, args.connections, max((a.started(w) for w in a.waves), default=0)))
        if f["peak_connected"] == 0:
            problems.append("the %s attack never had a connection open" % a.name)
    # Together they must have filled what the service lets one address hold.
    cap = re.search(r"per address (\d+)", svc.start_line())
    cap = int(cap.group(1)) if cap else 0
    if peak_open < 0.9 * min(cap or 2 * args.connections, 2 * args.connections):
        problems.append("the attack never filled the per-address cap of %d (peak %d open connections)"
                        % (cap, peak_open))
    for kind, status, seconds, detail in fig["failed"][:10]:
        problems.append("%s probe: status %d after %s ms %s" % (kind, status, ms(seconds), detail))
    if fig["sent"] == 0:
        problems.append("no probe was sent")
    if fig["p99"] >= P99_LIMIT:
        problems.append("probe p99 %s ms >= %s ms" % (ms(fig["p99"]), ms(P99_LIMIT)))
    ok = not problems

    print("attack timeline (slowhttptest connected/pending/closed so far; service open connections, rejected so far):")
    print("  %5s  %-22s  %-22s  %8s  %9s" % ("t s", "slow headers", "slow bodies", "open", "rejected"))
    r0 = rejected[0] if rejected else 0
    for t, h, b, op, rj in timeline:
        print("  %5d  %-22s  %-22s  %8s  %9s" % (t, "%d/%d/%d" % h, "%d/%d/%d" % b, op if op is not None else "-",
                                                  (rj - r0) if rj is not None else "-"))
    for a, f in zip(attacks, af):
        print("%s: %d runs (%d reached %d connections), %d connections started, %d closed by the service, "
              "peak %d connected and %d pending at once, %d errors; exits: %s"
              % (a.name, f["waves"], f["full_waves"], args.connections, f["started"], f["closed"],
                 f["peak_connected"], f["peak_pending"], f["errors"], "; ".join(f["statuses"])))
    print("service: peak %d open connections, %d rejected (503) during the attack, peak RSS %.1f MiB "
          "(%.1f MiB before), peak %d open fds"
          % (peak_open, rejected_total, peak_rss / 1024, baseline_rss / 1024, peak_fds))
    print("quiet probes: %d, p50 %s ms, p99 %s ms, max %s ms"
          % (quiet_fig["sent"], ms(quiet_fig["p50"]), ms(quiet_fig["p99"]), ms(quiet_fig["max"])))
    for kind in ("feed", "booking"):
        k = fig[kind]
        print("%s probes: %d, p50 %s ms, p99 %s ms, max %s ms, statuses %s"
              % (kind, k["n"], ms(k["p50"]), ms(k["p99"]), ms(k["max"]), k["statuses"]))
    for p in problems:
        print("  " + p)
    print("slowhttptest %d + %d connections, %g s: %s, probes %d sent, %d answered, p50 %s ms, p99 %s ms, max %s ms"
          % (args.connections, args.connections, args.seconds, "ok" if ok else "FAILED", fig["sent"],
             fig["answered"], ms(fig["p50"]), ms(fig["p99"]), ms(fig["max"])))

    if args.record:
        h, b = af
        rows = "\n".join("| %d | %d / %d / %d | %d / %d / %d | %s | %s |"
                         % (t, *hh, *bb, op if op is not None else "-", (rj - r0) if rj is not None else "-")
                         for t, hh, bb, op, rj in timeline)
        section = f"""## Slow clients

Written by `tests/chaos/slowhttptest.py {' '.join(args.argv)}` on {datetime.date.today().isoformat()}
({os.cpu_count()} cores shared with the attackers and the probe client; release build;
slowhttptest {slowhttptest_version()}). The service runs with its default connection flags
(only `--database`, `--host`, `--port`): {svc.start_line()}; `--min-receive-rate` 240 B/s after
`--min-receive-grace` 5 s, `--header-timeout` 10 s, `--idle-evict-percent` 90. Target (issue 17):
every probe answered, p99 < {P99_LIMIT * 1000:g} ms.

Attack, for {args.seconds:g} s from 127.0.0.1: `slowhttptest -H -c {args.connections} -r {args.rate} -i 2 -x 24`
(slow headers, GET of the programme feed) and `slowhttptest -B -c {args.connections} -r {args.rate} -i 2 -x 24 -s 8192`
(slow bodies, POST to the events route), at the same time. slowhttptest opens its connections
once and ends when all are closed, so the script starts each again whenever it ends.

| attack | runs (reaching {args.connections}) | connections started | closed by the service | peak connected at once | peak pending |
|---|---:|---:|---:|---:|---:|
| slow headers | {h['waves']} ({h['full_waves']}) | {h['started']} | {h['closed']} | {h['peak_connected']} | {h['peak_pending']} |
| slow bodies | {b['waves']} ({b['full_waves']}) | {b['started']} | {b['closed']} | {b['peak_connected']} | {b['peak_pending']} |

Every 5 s (slowhttptest's connected / pending / closed so far, as its CSV reports them; a
connection refused with 503 counts as connected until slowhttptest reads the close), and the
service's own count of open connections and of connections refused with 503 (`/metrics`):

| s | slow headers | slow bodies | service: open | refused so far |
|---:|---|---|---:|---:|
{rows}

Service during the attack: peak {peak_open} open connections, {rejected_total} refused with 503,
RSS {peak_rss / 1024:.1f} MiB at peak ({baseline_rss / 1024:.1f} MiB before), {peak_fds} open file
descriptors at peak.

Probe client on 127.0.0.2, a fresh connection every 100 ms, alternately a feed GET (programme and
working-group feed, with and without `If-None-Match`) and a booking POST with an `Idempotency-Key`:

| probes | sent | answered (2xx/304) | p50 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|---:|
| feed, during the attack | {fig['feed']['n']} | {sum(1 for r in probe.results if r[0] == 'feed' and r[1] in (200, 304))} | {ms(fig['feed']['p50'])} | {ms(fig['feed']['p99'])} | {ms(fig['feed']['max'])} |
| booking, during the attack | {fig['booking']['n']} | {sum(1 for r in probe.results if r[0] == 'booking' and r[1] == 201)} | {ms(fig['booking']['p50'])} | {ms(fig['booking']['p99'])} | {ms(fig['booking']['max'])} |
| all, during the attack | {fig['sent']} | {fig['answered']} | {ms(fig['p50'])} | {ms(fig['p99'])} | {ms(fig['max'])} |
| all, 3 s before it | {quiet_fig['sent']} | {quiet_fig['answered']} | {ms(quiet_fig['p50'])} | {ms(quiet_fig['p99'])} | {ms(quiet_fig['max'])} |

Verdict: {"passed" if ok else "FAILED: " + "; ".join(problems)}.
"""
        record(section)
    return ok


async def idle_campaign_async(port, n, addresses):
    held = []
    failures = [0]

    async def one(source):
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 10)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            if not head.startswith(b"HTTP/1.1 200"):
                writer.close()
                failures[0] += 1
                return
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if m:
                await asyncio.wait_for(reader.readexactly(int(m.group(1))), 10)
            held.append((reader, writer))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            failures[0] += 1

    batch = 200
    for start in range(0, n, batch):
        await asyncio.gather(*(one(addresses[(start + i) % len(addresses)]) for i in range(min(batch, n - start))))
    return held, failures[0]


def still_open(held):
    """How many of the held connections the service has not closed (eof not seen)."""
    async def check():
        await asyncio.sleep(0.5)  # lets the loop read pending closes
        return sum(1 for r, _ in held if not r.at_eof())
    return check


def idle_campaign(svc, args, workdir):
    group_id = prepare(svc)
    n = args.idle
    addresses = ["127.0.1.%d" % (i + 1) for i in range(100)]
    # Warm-up: caches, allocator, threads.
    quiet = prober(svc, group_id, tag="idle-warm")
    for _ in range(20):
        quiet.one()
    time.sleep(1)
    rss_before, fds_before = svc.rss_kib(), svc.open_fds()
    m_before = metrics(svc.port)

    loop = asyncio.new_event_loop()
    t = time.monotonic()
    held, failed = loop.run_until_complete(idle_campaign_async(svc.port, n, addresses))
    open_seconds = time.monotonic() - t
    alive = loop.run_until_complete(still_open(held)())
    time.sleep(1)
    rss_after, fds_after = svc.rss_kib(), svc.open_fds()
    m_after = metrics(svc.port)
    server_open = m_after[0] if m_after else 0
    # Probes from 127.0.0.2 while the connections are held (each probe connection makes the
    # service evict the longest-idle one once it is at --idle-evict-percent).
    probe = prober(svc, group_id, tag="idle")
    probe.start()
    time.sleep(args.probe_seconds)
    fig = probe_figures(probe.finish())
    alive_after = loop.run_until_complete(still_open(held)())
    m_end = metrics(svc.port)
    for _, w in held:
        w.close()
    loop.run_until_complete(asyncio.sleep(0.2))
    loop.close()

    grown = rss_after - rss_before
    counted = max(1, (server_open - (m_before[0] if m_before else 0)))
    per_conn = grown / counted
    problems = []
    if fig["failed"]:
        for kind, status, seconds, detail in fig["failed"][:10]:
            problems.append("%s probe: status %d after %s ms %s" % (kind, status, ms(seconds), detail))
    if fig["p99"] >= P99_LIMIT:
        problems.append("probe p99 %s ms >= %s ms" % (ms(fig["p99"]), ms(P99_LIMIT)))
    if len(held) < n * 0.5:
        problems.append("only %d of %d idle connections were answered" % (len(held), n))
    ok = not problems
    print("idle connections: %d opened from %d addresses in %.1f s (%d not answered), %d still open after it, "
          "%d after the probes; service: %d open, RSS %.1f -> %.1f MiB (%.2f KiB per connection), fds %d -> %d"
          % (len(held), len(addresses), open_seconds, failed, alive, alive_after, server_open,
             rss_before / 1024, rss_after / 1024, per_conn, fds_before, fds_after))
    for kind in ("feed", "booking"):
        k = fig[kind]
        print("%s probes: %d, p50 %s ms, p99 %s ms, max %s ms, statuses %s"
              % (kind, k["n"], ms(k["p50"]), ms(k["p99"]), ms(k["max"]), k["statuses"]))
    for p in problems:
        print("  " + p)
    print("idle %d: %s, %d held, %.2f KiB each, probes %d sent, %d answered, p50 %s ms, p99 %s ms, max %s ms"
          % (n, "ok" if ok else "FAILED", server_open, per_conn, fig["sent"], fig["answered"],
             ms(fig["p50"]), ms(fig["p99"]), ms(fig["max"])))

    if args.record:
        section = f"""## Idle connections

Written by `tests/chaos/slowhttptest.py {' '.join(args.argv)}` on {datetime.date.today().isoformat()}
({os.cpu_count()} cores; release build; default connection flags: {svc.start_line()};
`--idle-evict-percent` 90, `--idle-timeout` 60 s).

{n} keep-alive connections from {len(addresses)} addresses (127.0.1.1-{len(addresses)}), opened 200 at a
time in {open_seconds:.1f} s, each idle after one answered `GET /healthz`; {failed} not answered.
From 90% of max-connections on, each new connection makes the service close the longest-idle
one, so it holds at most that many.

| connections opened | held by the service | still open at the client | RSS before | RSS holding them | per connection | open fds before, holding |
|---:|---:|---:|---:|---:|---:|---|
| {len(held)} | {server_open} | {alive} | {rss_before / 1024:.1f} MiB | {rss_after / 1024:.1f} MiB | {per_conn:.2f} KiB | {fds_before}, {fds_after} |

Meanwhile a probe client on 127.0.0.2 ({args.probe_seconds:g} s, a fresh connection every 100 ms, feed GETs and
booking POSTs alternately; each new connection evicts an idle one at the threshold):
{fig['sent']} probes, {fig['answered']} answered (2xx/304), p50 {ms(fig['p50'])} ms, p99 {ms(fig['p99'])} ms,
max {ms(fig['max'])} ms (feed p99 {ms(fig['feed']['p99'])} ms, booking p99 {ms(fig['booking']['p99'])} ms);
{alive_after} idle connections still open after them, the service counting {m_end[0] if m_end else '-'}.

Verdict: {"passed" if ok else "FAILED: " + "; ".join(problems)}.
"""
        record(section)
    return ok


def slowhttptest_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "slowhttptest"], capture_output=True, text=True)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def record(section):
    sys.path.insert(0, HERE)
    from record import write_section  # tests/chaos/record.py
    path = os.path.join(ROOT, "docs", "RELIABILITY.md")
    write_section(path, section.rstrip("\n") + "\n")
    print("recorded in " + path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="the copsched binary or a build directory")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the attack (60)")
    ap.add_argument("--connections", type=int, default=3000, help="connections of each slowhttptest (3000)")
    ap.add_argument("--rate", type=int, default=1000, help="connections per second of each slowhttptest (1000)")
    ap.add_argument("--idle", type=int, nargs="?", const=10000, default=None,
                    help="instead: hold N idle keep-alive connections (10000)")
    ap.add_argument("--probe-seconds", type=float, default=5.0, help="probing while idle connections are held (5)")
    ap.add_argument("--p99-ms", type=float, default=100.0,
                    help="largest p99 of the probes (100; the sanitizer build's ctest entry allows more)")
    ap.add_argument("--record", action="store_true", help="write the section of docs/RELIABILITY.md")
    args = ap.parse_args()
    args.argv = [a for a in sys.argv[2:]]
    global P99_LIMIT
    P99_LIMIT = args.p99_ms / 1000.0
    binary = find_binary(args.binary)
    if args.idle is None and shutil.which("slowhttptest") is None:
        sys.exit("slowhttptest is not installed (Debian package slowhttptest; deploy/test installs it)")
    raise_nofile()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = (args.idle or args.connections) + 256
    if hard < need:
        sys.exit("needs an open-file limit of %d (hard limit %d)" % (need, hard))

    workdir = tempfile.mkdtemp(prefix="copsched-slowhttptest-")
    svc = service(binary, workdir)
    ok = False
    try:
        svc.start()
        ok = idle_campaign(svc, args, workdir) if args.idle is not None else slow_campaign(svc, args, workdir)
    finally:
        svc.stop()
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("FAILED; the database, the service's log and slowhttptest's reports stay in " + workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
