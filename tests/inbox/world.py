"""A copsched service, its remind job's SMTP sink and a Dovecot reply mailbox, for the reply
job's tests (tests/inbox/inbox_test.py) and benchmark (tests/bench/inbox.sh).

    w = world.World(binary, workdir)              # migrate, admin token, serve, programme "inbox"
    w.people(["outlook", ...])                    # one person per name: NAME@deelnemer.example
    ev = w.meeting(hours_from_now=48)             # a CoP meeting: everyone is invited
    invites = w.send_invitations()                # copsched remind --once into the SMTP sink
    raw = w.reply("outlook.eml", invites[email])  # a fixture with the invitation's values filled in
    w.imap.append(raw); w.inbox("--once")         # copsched inbox against the Dovecot mailbox
"""

import base64
import datetime
import email
import email.policy
import http.client
import json
import os
import quopri
import subprocess
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "chaos"))
import dovecot  # noqa: E402
import service  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
SMTP_SINK = os.path.join(HERE, "..", "integration", "smtp_sink.py")
AMSTERDAM = None
try:
    from zoneinfo import ZoneInfo
    AMSTERDAM = ZoneInfo("Europe/Amsterdam")
except Exception:  # pragma: no cover
    pass

ACCEPT_ALL = ["members_busy", "public_holiday", "school_holiday", "blackout", "venue_capacity"]


def request(port, method, path, token, body=None, timeout=60):
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
    finally:
        conn.close()


class Invitation:
    """What the test needs of one invitation e-mail as the SMTP sink received it."""

    def __init__(self, raw):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.reply_to = str(msg.get("Reply-To") or "")
        self.to = str(msg.get("To") or "")
        self.calendar = None
        for part in msg.walk():
            if part.get_content_type() == "text/calendar":
                self.calendar = part.get_content()
        self.text = ""
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                self.text = part.get_content()
        lines = unfold(self.calendar or "")
        self.props = {}
        in_event = False
        for line in lines:
            if line in ("BEGIN:VEVENT", "END:VEVENT"):
                in_event = line == "BEGIN:VEVENT"
                continue
            if not in_event:
                continue
            name, _, value = line.partition(":")
            key = name.split(";")[0]
            self.props.setdefault(key, []).append((name, value))
        self.uid = self.value("UID")
        self.sequence = self.value("SEQUENCE")
        self.organizer = self.value("ORGANIZER").replace("mailto:", "")
        self.attendee = self.value("ATTENDEE").replace("mailto:", "")
        self.attendee_params = self.props.get("ATTENDEE", [("", "")])[0][0]
        self.summary = self.value("SUMMARY")
        self.dtstart = self.value("DTSTART")
        self.dtend = self.value("DTEND")

    def value(self, key):
        v = self.props.get(key)
        return v[0][1] if v else ""


def unfold(text):
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith((" ", "\t")) and out:
            out[-1] += line[1:]
        else:
            out.append(line)
    return out


def fill(raw, values):
    """The fixture with {{NAME}} placeholders replaced, in headers and in every body part
    (base64 and quoted-printable parts are decoded, filled and encoded again as the client
    encoded them)."""
    text = raw
    for k, v in values.items():
        text = text.replace(("{{%s}}" % k).encode(), v.encode())
    msg = email.message_from_bytes(text, policy=email.policy.compat32)
    changed = False
    for part in msg.walk():
        if part.is_multipart():
            continue
        cte = (part.get("Content-Transfer-Encoding") or "").lower()
        if cte not in ("base64", "quoted-printable"):
            continue
        body = part.get_payload(decode=True)
        new = body
        for k, v in values.items():
            new = new.replace(("{{%s}}" % k).encode(), v.encode())
        if new == body:
            continue
        changed = True
        if cte == "base64":
            part.set_payload(base64.encodebytes(new).decode().replace("\n", "\r\n"))
        else:
            part.set_payload(quopri.encodestring(new).decode().replace("\r\n", "\n").replace("\n", "\r\n"))
    if not changed:
        return text
    return msg.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))


def local_basic(utc_basic):
    """20260312T090000Z -> 20260312T100000 in Europe/Amsterdam."""
    t = datetime.datetime.strptime(utc_basic, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(AMSTERDAM).strftime("%Y%m%dT%H%M%S")


class World:
    def __init__(self, binary, workdir, reply_address="rsvp@cop.example.org", extra_args=()):
        self.binary = binary
        self.workdir = workdir
        self.svc = service.service(binary, workdir, extra_args=("--access-log", "false", "--public-url",
                                                                 "http://cop.example.org", *extra_args))
        self.svc.run("migrate")
        self.token = self.svc.run("token", "create", "--role", "admin", "--name", "inbox-test").splitlines()[0].strip()
        self.token_file = os.path.join(workdir, "job.token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        self.svc.start()
        self.base = "/api/v1/programmes/inbox"
        mail = {"sender_name": "CoP Circulair", "sender_email": "cop@cop.example.org"}
        if reply_address is not None:
            mail["reply_address"] = reply_address
        self.call("POST", "/api/v1/programmes", {
            "slug": "inbox", "name": "Green Deal Circulair Inkopen", "timezone": "Europe/Amsterdam",
            "language": "nl", "starts_on": "2020-01-01", "ends_on": "2099-12-31", "mail": mail})
        self.org = self.call("POST", self.base + "/organisations",
                             {"name": "Gemeente Utrecht", "kind": "government", "level": "starter"})["id"]
        self.person_ids = {}
        self.imap = None
        self.sink_dir = os.path.join(workdir, "sink")
        os.makedirs(self.sink_dir, exist_ok=True)

    def call(self, method, path, body=None, expect=(200, 201)):
        status, answer = request(self.svc.port, method, path, self.token, body)
        if status not in expect:
            raise AssertionError("%s %s -> %s %r" % (method, path, status, answer))
        return answer

    def people(self, names, domain="deelnemer.example"):
        for n in names:
            addr = "%s@%s" % (n, domain)
            self.person_ids[addr] = self.call("POST", self.base + "/people", {
                "name": n.replace("-", " ").title(), "email": addr, "organisation_id": self.org,
                "role": "buyer", "language": "nl"})["id"]
        return self.person_ids

    def meeting(self, title="CoP-bijeenkomst circulair inkopen", hours_from_now=48, length_hours=3):
        now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
        start = now + datetime.timedelta(hours=hours_from_now)
        end = start + datetime.timedelta(hours=length_hours)
        return self.call("POST", self.base + "/events", {
            "kind": "cop_meeting", "title": title, "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "accept_conflicts": ACCEPT_ALL})["id"]

    def send_invitations(self):
        """copsched remind --once into a fresh SMTP sink; {attendee e-mail: Invitation} of the
        invitations and updates received (the newest per attendee and UID wins)."""
        for name in os.listdir(self.sink_dir):
            os.remove(os.path.join(self.sink_dir, name))
        sink = subprocess.Popen(["/usr/bin/python3", SMTP_SINK, self.sink_dir], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        try:
            line = sink.stdout.readline().split()
            port = int(line[1])
            out = subprocess.run([self.binary, "remind", "--server", "http://127.0.0.1:%d" % self.svc.port,
                                  "--smtp", "smtp://127.0.0.1:%d" % port, "--once", "--starttls", "off",
                                  "--token-file", self.token_file], capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                raise AssertionError("remind failed: %s" % out.stderr)
        finally:
            sink.stdin.close()
            sink.terminate()
            sink.wait()
        invites = {}
        names = sorted((n for n in os.listdir(self.sink_dir) if n.endswith(".eml")), key=lambda n: int(n[:-4]))
        for n in names:
            inv = Invitation(open(os.path.join(self.sink_dir, n), "rb").read())
            if inv.calendar:
                invites[inv.attendee] = inv
        return invites

    def reply_tag(self, event_id, person_id):
        """The tag the service makes (README "Answers by e-mail"), computed here from its key
        file: lower-case base32 of the first 16 bytes of HMAC-SHA256("reply:EVENT:PERSON")."""
        import hashlib
        import hmac
        key = bytes.fromhex(open(self.svc.database + ".feed-key").read().strip())
        mac = hmac.new(key, ("reply:%s:%s" % (event_id, person_id)).encode(), hashlib.sha256).digest()[:16]
        return base64.b32encode(mac).decode().rstrip("=").lower()

    def tagged(self, event_id, email_address):
        return "rsvp+%s@cop.example.org" % self.reply_tag(event_id, self.person_ids[email_address])

    def start_imap(self):
        self.imap = dovecot.server(self.workdir)
        self.imap.start()
        return self.imap

    def reply(self, fixture, inv, **override):
        raw = open(os.path.join(FIXTURES, fixture), "rb").read()
        values = {
            "UID": inv.uid, "SEQUENCE": inv.sequence, "ATTENDEE": inv.attendee,
            "ATTENDEE_NAME": inv.attendee.split("@")[0].replace("-", " ").title(),
            "ORGANIZER": inv.organizer, "ORGANIZER_NAME": "CoP Circulair", "SUMMARY": inv.summary,
            "DTSTART_UTC": inv.dtstart if inv.dtstart.endswith("Z") else inv.dtstart + "Z",
            "DTEND_UTC": inv.dtend if inv.dtend.endswith("Z") else inv.dtend + "Z",
            "DTSTART_LOCAL": inv.dtstart.rstrip("Z"), "DTEND_LOCAL": inv.dtend.rstrip("Z"),
            "DTSTAMP": datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
            "DATE": email.utils.formatdate(localtime=False),
            "MESSAGE_ID": "%s@%s" % (uuid.uuid4().hex, inv.attendee.split("@")[1]),
        }
        values.update(override)
        return fill(raw, values)

    def inbox(self, *args, env=None, stdin=None, timeout=240):
        cmd = [self.binary, "inbox", "--server", "http://127.0.0.1:%d" % self.svc.port, "--token-file",
               self.token_file]
        if "--stdin" not in args:
            cmd += ["--imap", self.imap.url(), "--imap-user", self.imap.user, "--imap-password-file",
                    self.imap.password_file]
        cmd += list(args)
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run(cmd, capture_output=True, input=stdin, timeout=timeout, env=e)

    def attendance(self, event_id):
        out, cursor = {}, None
        while True:
            page = self.call("GET", "/api/v1/events/%s/attendance?limit=200%s" % (
                event_id, "&cursor=" + urllib.parse.quote(cursor) if cursor else ""))
            out.update({i["person_id"]: i for i in page["items"]})
            cursor = page["next_cursor"]
            if not cursor:
                return out

    def replies(self, query=""):
        out, cursor = [], None
        while True:
            q = "?limit=200" + (("&" + query) if query else "") + (("&cursor=" + urllib.parse.quote(cursor)) if cursor else "")
            page = self.call("GET", "/api/v1/replies" + q)
            out += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return out

    def stop(self):
        if self.imap:
            self.imap.stop()
        self.svc.stop()
