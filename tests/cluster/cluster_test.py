#!/usr/bin/python3
"""Several copsched instances on one PostgreSQL database behind nginx (issue 19).

Each check starts, on free loopback ports, two real copsched instances (A and B) that share
a new database on the PostgreSQL server of ctest's postgres_server fixture (created with
createdb, dropped afterwards) and the same --feed-key-file, plus nginx in front of both as
a load balancer (a non-daemon child with a generated config in a temporary directory).

    tests/cluster/cluster_test.py BINARY URL_FILE CHECK [--keep]

URL_FILE holds postgresql://copsched@/copsched_test?host=DIR (tests/support/postgres.sh).
CHECK is one of:

  venue-race      20 concurrent bookings of one venue at one time, 10 sent to A and 10 to B
                  at once (all connections open before the first is sent), in 5 rounds of
                  their own time: each round exactly one 201, nineteen 409 naming a
                  venue_overlap, and afterwards exactly one event of that venue and time,
                  read on A, on B and through nginx.
  feed-change     B has the programme feed and a personal feed cached; a booking on A is in
                  both feeds on B within 1 s (polled every 50 ms: the programme feed plain,
                  the personal feed with If-None-Match as calendar clients poll); then the
                  same from B to A.
  token-revoke    a token used on B (cached there) and revoked on A with DELETE
                  /api/v1/tokens/{id} answers 401 on B within 1 s (and on A at once).
  token-revoke-cli a token used on A and B and revoked with `copsched token revoke ID` on
                  the database (neither instance) answers 401 on both within 1 s.
  reminders-once  two `copsched remind --interval 200ms --limit 5` jobs, one against A and
                  one against B, send the invitations of 2 CoP meetings to 40 people to an
                  SMTP sink (aiosmtpd): every outbox message delivered exactly once, one
                  invitation per person and meeting, both jobs sent some, and the outbox
                  as one instance leaves it: all sent, nothing pending, failed or dropped.
  kill-under-load 8 client threads book distinct slots through nginx, each under its own
                  Idempotency-Key (retried with the same key after an error), for 10 s; A is
                  SIGKILLed after 3 s. Every booking acknowledged with 201 is stored exactly
                  once (read back on B), no key booked twice, nginx always answers (no
                  connection error), and at most 8 answers after the kill are neither 2xx
                  nor 409: the requests in flight on A when it died, at most one per
                  client, which nginx answers 502 and does not pass on since they are
                  POSTs (the clients retry them with their keys; the number is printed).

Prints one line per finding and a summary line; exits non-zero on any failure (the work
directory with every log is kept then, and with --keep). Needs nginx (Debian nginx-light)
and, for reminders-once, Debian's python3-aiosmtpd.
"""

import argparse
import collections
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chaos"))
from mail_sink import smtp_sink  # noqa: E402  (tests/chaos/mail_sink.py)
from service import free_port  # noqa: E402  (tests/chaos/service.py)

HOST = "127.0.0.1"
SLUG = "cluster"
ACCEPT_SOFT = ["members_busy", "public_holiday", "school_holiday", "blackout", "venue_capacity"]
PROPAGATION_LIMIT = 1.0  # seconds: a change on one instance is seen on the other within this
POLL = 0.05


def pg_tool(name):
    """A PostgreSQL client program: the newest /usr/lib/postgresql/N/bin, else PATH."""
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        versions = sorted((v for v in os.listdir(base) if v.isdigit()), key=int)
        for v in reversed(versions):
            p = os.path.join(base, v, "bin", name)
            if os.access(p, os.X_OK):
                return p
    p = shutil.which(name)
    if not p:
        sys.exit("cluster_test: no %s (Debian postgresql-client-15)" % name)
    return p


def request(port, method, path, token=None, body=None, headers=None, timeout=30):
    """(status, headers (lower-case names), body text) or None when the connection failed."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def call(port, method, path, token, body=None, expect=(200, 201, 204)):
    """request() that must succeed; the parsed JSON answer."""
    r = request(port, method, path, token, body)
    if r is None or r[0] not in expect:
        raise RuntimeError("%s %s on port %d: %r" % (method, path, port, r and (r[0], r[2][:400])))
    return json.loads(r[2]) if r[2] else None


def unfold(ics):
    """iCalendar text with folded lines joined (RFC 5545 3.1)."""
    return re.sub(r"\r?\n[ \t]", "", ics)


class cluster:
    """A database of its own on the fixture's server, two instances and nginx."""

    def __init__(self, binary, url_file, check, keep=False):
        self.binary = binary
        self.keep = keep
        self.work = tempfile.mkdtemp(prefix="copsched-cluster-")
        os.chmod(self.work, 0o755)  # nginx's workers (nobody, when root) use temp paths in it
        with open(url_file) as f:
            base_url = f.read().strip()
        parts = urllib.parse.urlsplit(base_url)
        self.socket_dir = urllib.parse.parse_qs(parts.query)["host"][0]
        self.user = parts.username or "copsched"
        self.dbname = "cluster_%s_%d_%s" % (re.sub(r"[^a-z0-9]", "_", check), os.getpid(), uuid.uuid4().hex[:6])
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.dbname))
        self.feed_key = os.path.join(self.work, "feed.key")
        self.procs = {}
        self.ports = {"A": free_port(), "B": free_port()}
        self.lb_port = free_port()
        self.nginx = None
        self.db_created = False
        self.failures = []
        subprocess.run([pg_tool("createdb"), "-h", self.socket_dir, "-U", self.user, self.dbname],
                       check=True, capture_output=True)
        self.db_created = True

    # --- processes

    def cli(self, *args):
        out = subprocess.run([self.binary, "--database", self.url, "--feed-key-file", self.feed_key, *args],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("copsched %s failed: %s" % (" ".join(args), out.stderr.strip()))
        return out.stdout

    def start_instance(self, name):
        log = open(os.path.join(self.work, "copsched-%s.log" % name), "a")
        self.procs[name] = subprocess.Popen(
            [self.binary, "--database", self.url, "--feed-key-file", self.feed_key, "--host", HOST,
             "--port", str(self.ports[name]), "--public-url", "http://%s:%d" % (HOST, self.lb_port),
             "--trust-forwarded-for", "true", "--threads", "2", "serve"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError("copsched %s exited with %s; see %s" % (name, self.procs[name].returncode, self.work))
            r = request(self.ports[name], "GET", "/readyz", timeout=1)
            if r and r[0] == 200:
                return
            time.sleep(0.05)
        raise RuntimeError("copsched %s not ready in 30 s" % name)

    def start_nginx(self):
        d = os.path.join(self.work, "nginx")
        os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
        os.chmod(d, 0o755)
        upstreams = "".join("    server %s:%d max_fails=1 fail_timeout=2s;\n" % (HOST, p) for p in self.ports.values())
        conf = """worker_processes 2;
pid %(d)s/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(d)s/tmp/body; proxy_temp_path %(d)s/tmp/proxy;
  fastcgi_temp_path %(d)s/tmp/fastcgi; uwsgi_temp_path %(d)s/tmp/uwsgi; scgi_temp_path %(d)s/tmp/scgi;
  upstream copsched {
%(upstreams)s    keepalive 32;
  }
  server {
    listen %(host)s:%(port)d;
    client_max_body_size 1m;
    location / {
      proxy_pass http://copsched;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
    }
  }
}
""" % {"d": d, "upstreams": upstreams, "host": HOST, "port": self.lb_port}
        path = os.path.join(d, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        log = open(os.path.join(self.work, "nginx.log"), "a")
        self.nginx = subprocess.Popen([nginx, "-c", path, "-p", d, "-e", "stderr", "-g", "daemon off;"],
                                      stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                raise RuntimeError("nginx exited: %s" % open(os.path.join(self.work, "nginx.log")).read())
            r = request(self.lb_port, "GET", "/readyz", timeout=1)
            if r and r[0] == 200:
                return
            time.sleep(0.05)
        raise RuntimeError("nginx not answering on %d" % self.lb_port)

    def start(self):
        """migrate, an admin token, A, B (after A: A creates the feed key if migrate did not), nginx."""
        self.cli("migrate")
        self.token = self.cli("token", "create", "--role", "admin", "--name", "cluster test").strip()
        self.start_instance("A")
        self.start_instance("B")
        if not os.path.exists(self.feed_key):
            raise RuntimeError("no feed key file after the first start")
        self.start_nginx()
        return self

    def kill(self, name):
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()

    def close(self, ok):
        codes = {}
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        for name, p in self.procs.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    codes[name] = p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    codes[name] = "killed after 30 s"
        if self.db_created:
            subprocess.run([pg_tool("dropdb"), "-h", self.socket_dir, "-U", self.user, "--force", self.dbname],
                           capture_output=True)
        for name, c in codes.items():
            if c != 0:
                ok = False
                print("FAIL: copsched %s did not exit 0 on SIGTERM: %s" % (name, c))
        if ok and not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            print("work directory (logs): %s" % self.work)
        return ok

    # --- data

    def port(self, name):
        return self.lb_port if name == "nginx" else self.ports[name]

    def programme(self, port, mail=None):
        body = {"slug": SLUG, "name": "Cluster test", "timezone": "Europe/Amsterdam", "language": "nl",
                "starts_on": "2020-01-01", "ends_on": "2099-12-31"}
        if mail:
            body["mail"] = mail
        call(port, "POST", "/api/v1/programmes", self.token, body)
        return "/api/v1/programmes/" + SLUG

    def list_events(self, port, query=""):
        items, cursor = [], None
        while True:
            path = "/api/v1/programmes/%s/events?limit=200%s%s" % (SLUG, query, "&cursor=" + urllib.parse.quote(cursor, safe="") if cursor else "")
            page = call(port, "GET", path, self.token)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


# --- the checks; each returns a list of failures (empty: passed) and prints what it saw


def check_venue_race(c, rounds=5, per_instance=10):
    base = c.programme(c.ports["A"])
    venue = call(c.ports["A"], "POST", base + "/venues", c.token,
                 {"name": "Zaal Raceconditie", "address": "Straat 1, Utrecht", "capacity": 50})["id"]
    failures = []
    for rnd in range(rounds):
        day = datetime.date(2031, 3, 4) + datetime.timedelta(days=7 * rnd)  # Tuesdays
        start, end = "%sT10:00" % day, "%sT12:00" % day
        targets = ["A"] * per_instance + ["B"] * per_instance
        conns = [http.client.HTTPConnection(HOST, c.ports[t], timeout=30) for t in targets]
        for conn in conns:
            conn.connect()
        barrier = threading.Barrier(len(conns))
        answers = [None] * len(conns)

        def book(i):
            body = json.dumps({"kind": "other", "title": "Race %d.%d" % (rnd, i), "venue_id": venue,
                               "start": start, "end": end, "accept_conflicts": ACCEPT_SOFT})
            headers = {"Authorization": "Bearer " + c.token, "Content-Type": "application/json"}
            barrier.wait()
            try:
                conns[i].request("POST", base + "/events", body=body, headers=headers)
                r = conns[i].getresponse()
                answers[i] = (r.status, r.read().decode())
            except (OSError, http.client.HTTPException) as e:
                answers[i] = (None, repr(e))
            finally:
                conns[i].close()

        threads = [threading.Thread(target=book, args=(i,)) for i in range(len(conns))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = collections.Counter(a[0] for a in answers)
        winners = [(targets[i], json.loads(a[1])) for i, a in enumerate(answers) if a[0] == 201]
        venue_409 = 0
        for a in answers:
            if a[0] == 409:
                try:
                    types = [x.get("type") for x in json.loads(a[1]).get("conflicts", [])]
                except ValueError:
                    types = []
                if "venue_overlap" in types:
                    venue_409 += 1
        stored = {}
        for where in ("A", "B", "nginx"):
            evs = c.list_events(c.port(where), "&from=%s&to=%s" % (day, day + datetime.timedelta(days=1)))
            stored[where] = [e for e in evs if e.get("venue_id") == venue and e.get("status") != "cancelled"]
        print("round %d (%s): answers %s; 201 from %s; %d x 409 venue_overlap; stored on A/B/nginx: %d/%d/%d"
              % (rnd + 1, day, dict(sorted(statuses.items(), key=str)), [w[0] for w in winners], venue_409,
                 len(stored["A"]), len(stored["B"]), len(stored["nginx"])))
        n = len(conns)
        if len(winners) != 1:
            failures.append("round %d: %d bookings of the venue at %s answered 201, expected exactly 1"
                            % (rnd + 1, len(winners), start))
        if venue_409 != n - 1:
            others = [a for a in answers if not (a[0] == 201 or (a[0] == 409 and "venue_overlap" in a[1]))]
            failures.append("round %d: %d answers were 409 with a venue_overlap, expected %d; others: %s"
                            % (rnd + 1, venue_409, n - 1, [(s, b[:200]) for s, b in others[:3]]))
        for where, evs in stored.items():
            if len(evs) != 1:
                failures.append("round %d: %s lists %d events of the venue at %s, expected 1"
                                % (rnd + 1, where, len(evs), start))
        if winners and stored["B"] and len(winners) == 1 and stored["B"][0]["id"] != winners[0][1]["id"]:
            failures.append("round %d: the stored event %s is not the one acknowledged (%s)"
                            % (rnd + 1, stored["B"][0]["id"], winners[0][1]["id"]))
    return failures


def wait_in_feed(port, path, needles, etag=None):
    """Polls GET path every 50 ms until every needle is in the unfolded feed: (seconds, polls,
    statuses seen) or (None, ...) after 3 s. With etag, polls with If-None-Match."""
    t0 = time.monotonic()
    polls, seen = 0, collections.Counter()
    while time.monotonic() - t0 < 3 * PROPAGATION_LIMIT:
        polls += 1
        headers = {"If-None-Match": etag} if etag else {}
        r = request(port, "GET", path, headers=headers, timeout=5)
        seen[r[0] if r else None] += 1
        if r and r[0] == 200 and all(n in unfold(r[2]) for n in needles):
            return time.monotonic() - t0, polls, seen
        time.sleep(POLL)
    return None, polls, seen


def check_feed_change(c):
    failures = []
    base = c.programme(c.ports["A"])
    org = call(c.ports["A"], "POST", base + "/organisations", c.token,
               {"name": "Gemeente Cluster", "kind": "government", "level": "starter"})["id"]
    person = call(c.ports["A"], "POST", base + "/people", c.token,
                  {"name": "Anna Cluster", "email": "anna@example.org", "organisation_id": org, "role": "buyer"})
    feed_url = person.get("feed_url") or call(c.ports["A"], "GET", "/api/v1/people/" + person["id"], c.token)["feed_url"]
    personal = urllib.parse.urlsplit(feed_url).path
    programme_feed = "/feeds/programmes/%s.ics" % SLUG
    for n, (writer, reader) in enumerate((("A", "B"), ("B", "A"))):
        wp, rp = c.ports[writer], c.ports[reader]
        # The reader has both feeds cached: asked twice (a render, then a hit).
        etag = None
        for path in (programme_feed, personal):
            for _ in range(2):
                r = request(rp, "GET", path)
                if not r or r[0] != 200:
                    failures.append("GET %s on %s: %r" % (path, reader, r and (r[0], r[2][:200])))
                    return failures
                if path == personal:
                    etag = r[1].get("etag")
        if not etag:
            failures.append("the personal feed on %s has no ETag" % reader)
        day = datetime.date(2031, 5, 6) + datetime.timedelta(days=7 * n)
        title = "Clusterbijeenkomst %d %s" % (n + 1, uuid.uuid4().hex[:8])
        ev = call(wp, "POST", base + "/events", c.token,
                  {"kind": "cop_meeting", "title": title, "start": "%sT10:00" % day, "end": "%sT13:00" % day,
                   "online_url": "https://meet.example.org/cop", "accept_conflicts": ACCEPT_SOFT})
        needles = ["UID:%s@copsched" % ev["id"], "SUMMARY:" + title]
        results = {}
        # Both feeds polled at once, each every 50 ms, from the moment the 201 arrived.
        threads = []
        for label, path, tag in (("programme feed", programme_feed, None), ("personal feed", personal, etag)):
            def poll(label=label, path=path, tag=tag):
                results[label] = wait_in_feed(rp, path, needles, tag)
            threads.append(threading.Thread(target=poll))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        paths = {"programme feed": programme_feed, "personal feed": personal}
        for label, (seconds, polls, seen) in results.items():
            if seconds is None:
                # The same feed on the writer itself: tells a stale reader from a wrong check.
                r = request(wp, "GET", paths[label])
                there = bool(r and r[0] == 200 and all(x in unfold(r[2]) for x in needles))
                print("booked on %s: not in %s's %s after %.1f s (%d polls, answers %s); in %s's own: %s"
                      % (writer, reader, label, 3 * PROPAGATION_LIMIT, polls, dict(seen), writer,
                         "yes" if there else "NO"))
                failures.append("a booking on %s was not in %s's %s within %.1f s (%d polls, answers %s)"
                                % (writer, reader, label, 3 * PROPAGATION_LIMIT, polls, dict(seen)))
            else:
                print("booked on %s: in %s's %s after %.3f s (%d polls)" % (writer, reader, label, seconds, polls))
                if seconds > PROPAGATION_LIMIT:
                    failures.append("a booking on %s reached %s's %s after %.3f s (limit %.1f s)"
                                    % (writer, reader, label, seconds, PROPAGATION_LIMIT))
    return failures


def wait_refused(port, token, patience=3 * PROPAGATION_LIMIT):
    """Polls GET /api/v1/me with token every 50 ms until 401: (seconds, polls) or (None, polls)."""
    t0 = time.monotonic()
    polls = 0
    while time.monotonic() - t0 < patience:
        polls += 1
        r = request(port, "GET", "/api/v1/me", token, timeout=5)
        if r and r[0] == 401:
            return time.monotonic() - t0, polls
        if r and r[0] != 200:
            return None, polls
        time.sleep(POLL)
    return None, polls


def check_token_revoke(c, via_cli=False):
    failures = []

    def new_token(name):
        t = call(c.ports["A"], "POST", "/api/v1/tokens", c.token, {"name": name, "role": "admin"})
        return t["id"], t["token"]

    def use(where, secret):
        r = request(c.ports[where], "GET", "/api/v1/me", secret)
        if not r or r[0] != 200:
            failures.append("a new token on %s: %r" % (where, r and (r[0], r[2][:200])))
            return False
        return True

    def verdict(what, where, res):
        seconds, polls = res
        if seconds is None:
            print("%s: still accepted on %s after %.1f s (%d polls)" % (what, where, 3 * PROPAGATION_LIMIT, polls))
            failures.append("%s: still accepted on %s after %.1f s" % (what, where, 3 * PROPAGATION_LIMIT))
        else:
            print("%s: refused on %s after %.3f s (%d polls)" % (what, where, seconds, polls))
            if seconds > PROPAGATION_LIMIT:
                failures.append("%s: refused on %s only after %.3f s (limit %.1f s)"
                                % (what, where, seconds, PROPAGATION_LIMIT))

    if via_cli:
        return check_token_revoke_cli(c, failures, new_token, use, verdict)
    # Revoked through the API on A, used on B before (so B has it cached).
    tid, secret = new_token("revoked on A")
    if not (use("B", secret) and use("B", secret) and use("A", secret)):
        return failures
    call(c.ports["A"], "DELETE", "/api/v1/tokens/" + tid, c.token, expect=(204,))
    r = request(c.ports["A"], "GET", "/api/v1/me", secret)
    if not r or r[0] != 401:
        failures.append("the token revoked on A still works on A: %r" % (r and r[0]))
    verdict("DELETE /api/v1/tokens/{id} on A", "B", wait_refused(c.ports["B"], secret))
    return failures


def check_token_revoke_cli(c, failures, new_token, use, verdict):
    """Revoked with `copsched token revoke` on the database: both instances must learn of it.
    When one has not after 3 s, polls on up to 15 s to say when it did (still a failure)."""
    tid, secret = new_token("revoked by the CLI")
    if not (use("A", secret) and use("B", secret) and use("A", secret) and use("B", secret)):
        return failures
    c.cli("token", "revoke", tid)
    results = {}
    t0 = time.monotonic()
    threads = [threading.Thread(target=lambda w=w: results.__setitem__(w, wait_refused(c.ports[w], secret)))
               for w in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in ("A", "B"):
        verdict("copsched token revoke", w, results[w])
        if results[w][0] is None:
            late, _ = wait_refused(c.ports[w], secret, patience=15)
            print("copsched token revoke: %s refused it %s" % (
                w, "after %.1f s" % (time.monotonic() - t0) if late is not None else "not even after 15 s"))
    return failures


def check_reminders_once(c, people=40, meetings=2):
    failures = []
    base = c.programme(c.ports["A"], mail={
        "sender_name": "CoP Cluster", "sender_email": "cop@example.org",
        "reminder_days": {"cop_meeting": [], "working_group_session": [], "other": []}})
    org = call(c.ports["A"], "POST", base + "/organisations", c.token,
               {"name": "Organisatie", "kind": "government", "level": "starter"})["id"]
    for i in range(people):
        call(c.ports["A" if i % 2 else "B"], "POST", base + "/people", c.token,
             {"name": "Deelnemer %d" % i, "email": "p%d@example.org" % i, "organisation_id": org, "role": "buyer"})
    first = datetime.date.today() + datetime.timedelta(days=60)
    for m in range(meetings):
        day = first + datetime.timedelta(days=7 * m)
        call(c.ports["AB"[m % 2]], "POST", base + "/events", c.token,
             {"kind": "cop_meeting", "title": "CoP-bijeenkomst %d" % (m + 1), "start": "%sT10:00" % day,
              "end": "%sT13:00" % day, "online_url": "https://meet.example.org/cop",
              "accept_conflicts": ACCEPT_SOFT})
    expected = people * meetings
    token_file = os.path.join(c.work, "mailer.token")
    with open(token_file, "w") as f:
        f.write(c.token + "\n")
    os.chmod(token_file, 0o600)
    sink = smtp_sink()
    jobs = {}
    try:
        for name in ("A", "B"):
            log = open(os.path.join(c.work, "remind-%s.log" % name), "w")
            jobs[name] = subprocess.Popen(
                [c.binary, "remind", "--server", "http://%s:%d" % (HOST, c.ports[name]),
                 "--smtp", "smtp://%s:%d" % (HOST, sink.port), "--token-file", token_file,
                 "--interval", "200ms", "--limit", "5", "--lease", "60s", "--starttls", "off",
                 "--envelope-from", "job-%s@cluster.test" % name],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            log.close()
        deadline = time.monotonic() + 60
        last = None
        while time.monotonic() < deadline:
            time.sleep(0.3)
            r = request(c.ports["A"], "GET", "/api/v1/reminders/summary", c.token)
            if r and r[0] == 200:
                last = json.loads(r[2])
                cnt = last["counts"]
                if (cnt.get("sent", 0) >= expected and last["due_now"] == 0 and cnt.get("pending", 0) == 0
                        and cnt.get("leased", 0) == 0 and cnt.get("failed", 0) == 0):
                    break
        time.sleep(1)  # anything a job would still send (wrongly) arrives now
    finally:
        codes = {}
        for name, p in jobs.items():
            p.send_signal(signal.SIGTERM)
            try:
                codes[name] = p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[name] = "killed"
        sink.stop()
    for name, code in codes.items():
        if code != 0:
            failures.append("the remind job against %s exited with %s" % (name, code))
    with sink.lock:
        deliveries = list(sink.deliveries)
    per_id = collections.Counter(d.message_id for d in deliveries)
    per_invitation = collections.Counter((d.rcpt, d.subject) for d in deliveries)
    per_job = collections.Counter(d.sender for d in deliveries)
    duplicates = {m: n for m, n in per_id.items() if n > 1}
    print("%d messages expected; %d delivered, %d distinct Message-IDs, %d delivered more than once; "
          "per job %s; summary %s" % (expected, len(deliveries), len(per_id), len(duplicates), dict(per_job), last))
    if len(per_id) != expected:
        failures.append("%d distinct Message-IDs delivered, expected %d" % (len(per_id), expected))
    if duplicates:
        failures.append("%d messages delivered more than once, e.g. %s" % (len(duplicates), list(duplicates.items())[:3]))
    twice = {k: n for k, n in per_invitation.items() if n > 1}
    if twice:
        failures.append("%d (recipient, subject) pairs delivered more than once (under different Message-IDs?), e.g. %s"
                        % (len(twice), list(twice.items())[:3]))
    rcpts = collections.Counter(d.rcpt for d in deliveries)
    wrong = {r: n for r, n in rcpts.items() if n != meetings}
    if len(rcpts) != people or wrong:
        failures.append("%d recipients (expected %d); with other than %d invitations: %s"
                        % (len(rcpts), people, meetings, list(wrong.items())[:3]))
    for name in ("A", "B"):
        if per_job.get("job-%s@cluster.test" % name, 0) == 0:
            failures.append("the job against %s sent nothing: the check did not exercise both instances" % name)
    if last is not None and last["counts"].get("dropped", 0):
        r = request(c.ports["B"], "GET", "/api/v1/reminders?state=dropped&limit=20", c.token)
        items = json.loads(r[2]).get("items", []) if r and r[0] == 200 else []
        shown = []
        for i in items[:5]:
            who = request(c.ports["B"], "GET", "/api/v1/people/%s" % i.get("person_id"), c.token)
            shown.append({"kind": i.get("kind"), "event_id": i.get("event_id"), "sequence": i.get("sequence"),
                          "person": json.loads(who[2]).get("name") if who and who[0] == 200 else i.get("person_id"),
                          "created_at": i.get("created_at"), "updated_at": i.get("updated_at")})
        print("dropped: %s" % shown)
    if last is None:
        failures.append("no outbox summary")
    else:
        cnt = last["counts"]
        # Nobody cancelled, declined or opted out, no event started: a single instance (SQLite
        # or PostgreSQL) queues exactly `expected` invitations and drops none.
        if cnt.get("sent", 0) != expected or any(cnt.get(k, 0) for k in ("pending", "leased", "failed", "dead",
                                                                          "dropped")):
            failures.append("outbox summary at the end: %s (expected %d sent, nothing else)" % (last, expected))
    return failures


def check_kill_under_load(c, clients=8, seconds=10.0, kill_after=3.0, max_errors=8):
    failures = []
    base = c.programme(c.ports["A"])
    lock = threading.Lock()
    acked = {}                 # key -> event id of its 201
    answers = []               # (time, status or None, after_kill)
    keys_sent = set()
    replayed = []              # keys whose 201 was a replay (Idempotent-Replayed: true)
    killed_at = [None]
    stop_at = time.monotonic() + seconds

    def body(key, k):
        day = datetime.date(2032, 1, 1) + datetime.timedelta(days=k // 20)
        slot = k % 20
        h, m = 8 + slot // 2, (slot % 2) * 30
        eh, em = (h, m + 30) if m == 0 else (h + 1, 0)
        return {"kind": "other", "title": "Load %s" % key, "start": "%sT%02d:%02d" % (day, h, m),
                "end": "%sT%02d:%02d" % (day, eh, em), "accept_conflicts": ACCEPT_SOFT}

    def client(t):
        conn = None
        n = 0
        while time.monotonic() < stop_at:
            k = n * clients + t
            n += 1
            key = "cluster-%d-%d-%s" % (t, k, uuid.uuid4().hex[:8])
            b = json.dumps(body(key, k))
            with lock:
                keys_sent.add(key)
            for attempt in range(20):
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, c.lb_port, timeout=15)
                try:
                    conn.request("POST", base + "/events", body=b, headers={
                        "Authorization": "Bearer " + c.token, "Content-Type": "application/json",
                        "Idempotency-Key": key})
                    r = conn.getresponse()
                    text = r.read().decode()
                    status = r.status
                    if status == 201 and (r.getheader("Idempotent-Replayed") or "").lower() == "true":
                        with lock:
                            replayed.append(key)
                    if r.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException):
                    status, text = None, ""
                    conn.close()
                    conn = None
                with lock:
                    answers.append((time.monotonic(), status, killed_at[0] is not None, key, text[:200]))
                    if status == 201:
                        acked[key] = json.loads(text)["id"]
                if status == 201:
                    break
                if status == 409 and "conflicts" in text:
                    break  # a real conflict (none expected): reported below
                time.sleep(0.1 if status in (409, 429) else 0.02)
        if conn:
            conn.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(clients)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    time.sleep(kill_after)
    killed_at[0] = time.monotonic()
    c.kill("A")
    print("A SIGKILLed after %.1f s" % (killed_at[0] - t0))
    for th in threads:
        th.join()
    before = [a for a in answers if not a[2]]
    after = [a for a in answers if a[2]]
    conn_errors = [a for a in answers if a[1] is None]
    bad_after = [a for a in after if a[1] is not None and not (200 <= a[1] < 300 or a[1] == 409)]
    bad_before = [a for a in before if a[1] != 201]
    print("%d requests (%d before the kill, %d after), %d keys, %d acknowledged (201); before the kill: %s; "
          "after: %s; connection errors to nginx: %d"
          % (len(answers), len(before), len(after), len(keys_sent), len(acked),
             dict(collections.Counter(a[1] for a in before)), dict(collections.Counter(a[1] for a in after)),
             len(conn_errors)))
    print("answers after the kill neither 2xx nor 409: %d (limit %d)" % (len(bad_after), max_errors))
    if conn_errors:
        failures.append("%d requests to nginx failed without an answer" % len(conn_errors))
    if len(bad_after) > max_errors:
        failures.append("%d answers after the kill were neither 2xx nor 409 (limit %d): %s"
                        % (len(bad_after), max_errors, collections.Counter(a[1] for a in bad_after)))
    if bad_before:
        failures.append("%d answers before the kill were not 201: %s"
                        % (len(bad_before), [(a[1], a[4]) for a in bad_before[:3]]))
    real_conflicts = [a for a in answers if a[1] == 409 and "conflicts" in a[4]]
    if real_conflicts:
        failures.append("%d bookings of distinct slots answered 409 with conflicts: %s"
                        % (len(real_conflicts), real_conflicts[0][4]))
    pending = keys_sent - set(acked)
    if pending:
        print("%d keys never acknowledged (the run ended while they were retried)" % len(pending))
    # Read back on B.
    events = c.list_events(c.ports["B"], "&from=2032-01-01&to=2040-01-01")
    by_title = collections.defaultdict(list)
    for e in events:
        by_title[e["title"]].append(e["id"])
    lost = [k for k in acked if acked[k] not in by_title.get("Load " + k, [])]
    doubled = {k: v for k, v in ((t[5:], ids) for t, ids in by_title.items()) if len(v) > 1}
    unknown = [t for t in by_title if t[5:] not in keys_sent]
    print("stored on B: %d events; acknowledged and missing: %d; keys booked more than once: %d; "
          "201 replayed for a retried key: %d" % (len(events), len(lost), len(doubled), len(replayed)))
    if lost:
        failures.append("%d acknowledged bookings are not stored (or under another id), e.g. %s"
                        % (len(lost), lost[:3]))
    if doubled:
        failures.append("%d keys booked more than once, e.g. %s" % (len(doubled), list(doubled.items())[:3]))
    if unknown:
        failures.append("%d stored events of no key sent: %s" % (len(unknown), unknown[:3]))
    if len(acked) < 100:
        failures.append("only %d bookings acknowledged in %.0f s: too few to say anything" % (len(acked), seconds))
    return failures


CHECKS = {
    "venue-race": check_venue_race,
    "feed-change": check_feed_change,
    "token-revoke": check_token_revoke,
    "token-revoke-cli": lambda c: check_token_revoke(c, via_cli=True),
    "reminders-once": check_reminders_once,
    "kill-under-load": check_kill_under_load,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("binary")
    p.add_argument("url_file")
    p.add_argument("check", choices=sorted(CHECKS))
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    a = p.parse_args()
    if a.check == "reminders-once":
        try:
            import aiosmtpd  # noqa: F401
        except ImportError:
            if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
                os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:])
            sys.exit("cluster_test.py reminders-once needs aiosmtpd (Debian: apt-get install python3-aiosmtpd)")
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        sys.exit("cluster_test.py needs nginx (Debian: apt-get install nginx-light)")
    c = cluster(a.binary, a.url_file, a.check, a.keep)
    ok = False
    try:
        c.start()
        failures = CHECKS[a.check](c)
        for f in failures:
            print("FAIL: " + f)
        ok = not failures
    except Exception as e:  # noqa: BLE001  (reported, and the processes are stopped)
        print("FAIL: %s: %s" % (type(e).__name__, e))
    finally:
        ok = c.close(ok)
    print("%s: %s" % (a.check, "passed" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
