#!/usr/bin/python3
"""The measurement of tests/bench/inbox.sh: replies applied per second by `copsched inbox --once`
from a Dovecot mailbox of REPLIES replies, with two baselines in the same run.

    inbox_bench.py BINARY REPLIES PEOPLE  -> one JSON line on stdout

A programme of PEOPLE people and REPLIES/PEOPLE upcoming CoP meetings is seeded through the
API; every person answers every meeting in the Thunderbird shape (tests/inbox/fixtures), sent
to the tagged address the service made (computed from its key file, as the tests do), all
written into the mailbox at once. Then, on copies of that mailbox:
  imap   Python's imaplib fetching every message and setting the keyword, one command each
         (the mailbox's own cost; no parsing, no service)
  api    Python's http.client handing each reply's calendar text to POST /api/v1/replies
         over one kept connection (the service's own cost; the job then applies the same
         answers again under its own Idempotency-Keys)
  job    copsched inbox --once: fetch, GMime, POST with Idempotency-Key, mark per round
"""

import datetime
import email
import http.client
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "inbox"))
import world  # noqa: E402


class Fake:
    """The invitation fields world.reply() fills in, made without sending e-mail."""

    def __init__(self, uid, sequence, attendee, organizer, summary, start, end):
        self.uid, self.sequence, self.attendee, self.organizer = uid, sequence, attendee, organizer
        self.summary, self.dtstart, self.dtend = summary, start, end


def seed(w, people, meetings):
    names = ["p%04d" % i for i in range(people)]
    w.people(names)
    events = [w.meeting(title="CoP %d" % m, hours_from_now=48 + 24 * m) for m in range(meetings)]
    msgs = []
    for ev in events:
        e = w.call("GET", "/api/v1/events/" + ev)
        start = e["start_utc"].replace("-", "").replace(":", "")
        end = e["end_utc"].replace("-", "").replace(":", "")
        for n in names:
            a = world_addr(n)
            inv = Fake(ev + "@copsched", str(e["sequence"]), a, w.tagged(ev, a), e["title"], start, end)
            msgs.append(w.reply("thunderbird.eml", inv))
    return events, msgs


def world_addr(n):
    return "%s@deelnemer.example" % n


def imap_baseline(w, count):
    c = w.imap.connect()
    c.select("INBOX")
    t = time.monotonic()
    for uid in range(1, count + 1):
        c.uid("FETCH", str(uid), "(BODY.PEEK[])")
        c.uid("STORE", str(uid), "+FLAGS.SILENT", "($BaselineDone)")
    took = time.monotonic() - t
    c.logout()
    return took


def api_baseline(w, msgs):
    bodies = []
    for i, m in enumerate(msgs):
        msg = email.message_from_bytes(m)
        cal = next(p for p in msg.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
        to = msg["To"].split("<")[1].rstrip(">")
        bodies.append(json.dumps({"raw_ical": cal.decode(), "envelope_to": to, "from": "x@y.example",
                                  "message_id": "baseline-%d" % i}))
    conn = http.client.HTTPConnection("127.0.0.1", w.svc.port)
    t = time.monotonic()
    for i, b in enumerate(bodies):
        conn.request("POST", "/api/v1/replies", body=b, headers={
            "Authorization": "Bearer " + w.token, "Content-Type": "application/json", "Idempotency-Key": "b%d" % i})
        r = conn.getresponse()
        answer = json.loads(r.read())
        if r.status != 201 or answer["state"] != "applied":
            raise SystemExit("baseline POST: %d %r" % (r.status, answer))
    took = time.monotonic() - t
    conn.close()
    return took


def main():
    binary, replies, people = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    meetings = max(1, replies // people)
    workdir = tempfile.mkdtemp(prefix="copsched-inbox-bench-")
    w = world.World(binary, workdir)
    try:
        events, msgs = seed(w, people, meetings)
        w.start_imap()
        w.imap.deliver_maildir(msgs)
        w.imap.flags()  # Dovecot indexes the new messages before any timing
        imap_s = imap_baseline(w, len(msgs))
        api_s = api_baseline(w, msgs)
        t = time.monotonic()
        r = w.inbox("--once", timeout=3600)
        job_s = time.monotonic() - t
        err = r.stderr.decode(errors="replace")
        if r.returncode != 0 or ("applied %d," % len(msgs)) not in err:
            raise SystemExit("the job failed: %s" % err[-2000:])
        answered = sum(1 for ev in events for i in w.attendance(ev).values() if i["rsvp"] == "accepted")
        if answered != len(msgs):
            raise SystemExit("%d answers stored, expected %d" % (answered, len(msgs)))
        print(json.dumps({"replies": len(msgs), "people": people, "meetings": meetings, "job_s": job_s,
                          "imap_s": imap_s, "api_s": api_s, "size": len(msgs[0])}))
    finally:
        w.stop()


if __name__ == "__main__":
    main()
