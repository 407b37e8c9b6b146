#!/usr/bin/python3
"""The reply job end to end: the real copsched service, `copsched remind` sending invitations
to an SMTP sink (tests/integration/smtp_sink.py), replies in the shapes mail clients send
(tests/inbox/fixtures, filled with each invitation's UID, SEQUENCE and tagged ORGANIZER)
delivered into a real IMAP server (Dovecot, tests/inbox/dovecot.py), and `copsched inbox`.

    inbox_test.py COPSCHED_BINARY CHECK

CHECK is one of:
  clients   each client's Accept/Tentative/Decline gives the right rsvp after one
            `inbox --once`; comments in UTF-8 arrive; a second run changes nothing
  no-reply  without mail.reply_address invitations say RSVP=FALSE, have no Reply-To and
            point to the signed link
  hostile   forged tag, wrong attendee, stranger, stale SEQUENCE, COUNTER, delegation,
            cancelled/ended event, unknown UID, malformed MIME and iCalendar, a 20 MB
            attachment: each refused or skipped with its reason, nothing changes, the job
            keeps going and exits 0
  bomb      10,000 forged replies and one genuine one: all handled in one run, the genuine
            one applied, the job's memory bounded
  kill9     the job SIGKILLed between the service's answers and the mark: the next run
            hands the messages in again (the service replays its answers) and marks them;
            each reply is applied, recorded and audited once
  stdin     one message on standard input (an MTA pipe) with --envelope-to
  move      --move-to moves handled messages to a folder and leaves skipped ones
Needs Debian's dovecot-imapd and python3-aiosmtpd (run with /usr/bin/python3).
"""

import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

CLIENTS = {  # fixture -> (person, expected rsvp, expected comment)
    "outlook.eml": ("outlook", "accepted", None),
    "gmail.eml": ("gmail", "declined", None),
    "apple-mail.eml": ("apple-mail", "tentative", None),
    "thunderbird.eml": ("thunderbird", "accepted", None),
    "base64-only.eml": ("base64-only", "accepted", None),
    "utf8-comment.eml": ("utf8-comment", "tentative",
                         "Ik kom iets later – één vraag: is er koffie? ☕ Ça dépend, zegt Zoë."),
}

failures = []


def check(condition, what):
    if condition:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        failures.append(what)


def addr(name):
    return "%s@deelnemer.example" % name


def setup(w, names, hours=48):
    w.people(names)
    ev = w.meeting(hours_from_now=hours)
    invites = w.send_invitations()
    w.start_imap()
    return ev, invites


def run_job(w, *args, **kw):
    r = w.inbox(*args, **kw)
    err = r.stderr.decode(errors="replace")
    print("  inbox %s -> %d\n    %s" % (" ".join(args), r.returncode, err.strip().replace("\n", "\n    ")[-4000:]))
    return r, err


def check_clients(w):
    ev, invites = setup(w, [p for p, _, _ in CLIENTS.values()])
    for fixture, (person, _, _) in CLIENTS.items():
        inv = invites.get(addr(person))
        check(inv is not None, "%s got an invitation" % person)
        check(inv.organizer.startswith("rsvp+") and inv.organizer.endswith("@cop.example.org"),
              "%s: ORGANIZER is the tagged reply address (%s)" % (person, inv.organizer))
        check(inv.reply_to == inv.organizer, "%s: Reply-To is the tagged reply address" % person)
        check("RSVP=TRUE" in inv.attendee_params, "%s: the invitation asks for an answer (RSVP=TRUE)" % person)
        w.imap.append(w.reply(fixture, inv))
    tags = {invites[addr(p)].organizer for p, _, _ in CLIENTS.values()}
    check(len(tags) == len(CLIENTS), "every invitation has its own tag")
    before = w.attendance(ev)
    check(all(before[w.person_ids[addr(p)]]["rsvp"] is None for p, _, _ in CLIENTS.values()),
          "nobody has answered before the job runs")
    r, err = run_job(w, "--once")
    check(r.returncode == 0, "inbox --once exits 0")
    after = w.attendance(ev)
    for fixture, (person, rsvp, comment) in CLIENTS.items():
        got = after[w.person_ids[addr(person)]]
        check(got["rsvp"] == rsvp, "%s -> rsvp %s (got %s)" % (fixture, rsvp, got["rsvp"]))
        check(got["rsvp_comment"] == comment, "%s -> comment %r (got %r)" % (fixture, comment, got["rsvp_comment"]))
    flags = w.imap.flags()
    check(len(flags) == len(CLIENTS) and all("$CopschedDone" in f for f in flags.values()),
          "every message is marked $CopschedDone")
    applied = w.replies("state=applied")
    check(len(applied) == len(CLIENTS), "GET /api/v1/replies?state=applied lists %d replies" % len(CLIENTS))
    audit = w.call("GET", "/api/v1/audit?object_type=reply&limit=200")["items"]
    check(len([a for a in audit if a["action"] == "reply.applied"]) == len(CLIENTS), "each reply is in the audit trail")
    r, err = run_job(w, "--once")
    check(r.returncode == 0 and "applied 0, refused 0, skipped 0" in err, "a second run finds nothing to do")
    check(len(w.replies()) == len(CLIENTS), "nothing was handed in twice")


def check_no_reply(w):
    w.people(["zonder"])
    w.meeting()
    inv = w.send_invitations()[addr("zonder")]
    check("RSVP=FALSE" in inv.attendee_params, "without a reply address the invitation says RSVP=FALSE")
    check(inv.reply_to == "", "and has no Reply-To")
    check(inv.organizer == "cop@cop.example.org", "and the ORGANIZER is the sender (%s)" % inv.organizer)
    check("/rsvp/" in inv.text, "and the text points to the signed RSVP link")
    check("knoppen" not in inv.text, "and does not promise the calendar's buttons")


def big_attachment(inv_raw):
    """The reply with a 20 MB attachment added."""
    boundary = "copsched-big-attachment"
    blob = os.urandom(15 * 1024 * 1024)
    import base64
    body = base64.encodebytes(blob).replace(b"\n", b"\r\n")
    head, _, rest = inv_raw.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith((b"content-type", b"mime-version",
                                                                           b"content-transfer-encoding", b"\t", b" "))]
    return (b"\r\n".join(lines) + b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary.encode()
            + b"\"\r\n\r\n--" + boundary.encode() + b"\r\n" + b"Content-Type: text/plain\r\n\r\nsee attachment\r\n--"
            + boundary.encode() + b"\r\nContent-Type: application/octet-stream; name=\"slides.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"\r\n--" + boundary.encode() + b"--\r\n")


def check_hostile(w):
    names = ["anna", "bram", "carla", "daan", "eva", "femke", "gijs"]
    ev, invites = setup(w, names)
    past = w.meeting(title="Afgelopen", hours_from_now=-5, length_hours=2)
    running = w.meeting(title="Bezig", hours_from_now=-1, length_hours=3)
    cancelled = w.meeting(title="Gaat niet door", hours_from_now=72)
    inv = {n: invites[addr(n)] for n in names}
    anna, bram = inv["anna"], inv["bram"]
    cases = []  # (description, raw)
    # A forged tag: anna's reply sent to an address with a made-up tag.
    cases.append(("forged tag", w.reply("thunderbird.eml", anna, ORGANIZER="rsvp+aaaaaaaaaaaaaaaaaaaaaaaaaa@cop.example.org")))
    # No tag at all (sent to the bare mailbox).
    cases.append(("no tag", w.reply("gmail.eml", inv["carla"], ORGANIZER="rsvp@cop.example.org")))
    # Wrong attendee: bram's tag, but the ATTENDEE is daan (invited too).
    cases.append(("wrong attendee", w.reply("outlook.eml", bram, ATTENDEE=addr("daan"))))
    # Someone not invited at all.
    cases.append(("stranger", w.reply("thunderbird.eml", inv["eva"], ATTENDEE="vreemde@elders.example")))
    # COUNTER and delegation.
    cases.append(("counter", w.reply("thunderbird.eml", inv["femke"]).replace(b"METHOD:REPLY", b"METHOD:COUNTER")))
    cases.append(("delegation", w.reply("thunderbird.eml", inv["gijs"]).replace(
        b"PARTSTAT=ACCEPTED", b"PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:x@y.example\"")))
    # Unknown UIDs.
    cases.append(("unknown event", w.reply("thunderbird.eml", inv["eva"], UID="evt_doesnotexist@copsched")))
    cases.append(("foreign UID", w.reply("thunderbird.eml", inv["eva"], UID="040000008200E00074C5B7101A82E008@outlook")))
    # Malformed iCalendar and MIME, no reply at all, a 20 MB attachment.
    cases.append(("malformed iCalendar", w.reply("thunderbird.eml", inv["eva"]).replace(b"BEGIN:VEVENT", b"BEGIN:VEVNT")))
    cases.append(("no calendar part", b"From: x@y.example\r\nTo: rsvp@cop.example.org\r\nSubject: vraag\r\n\r\nKomt u ook?\r\n"))
    cases.append(("broken MIME", b"From: x@y.example\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n--nope\r\n"
                  b"Content-Type: text/calendar; method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"))
    cases.append(("binary garbage", os.urandom(4096)))
    cases.append(("20 MB attachment", big_attachment(w.reply("thunderbird.eml", inv["eva"]))))
    # Events that cannot be answered: ended, running, cancelled (the right tags, made here
    # from the service's key file).
    cases.append(("ended event", w.reply("thunderbird.eml", anna, UID=past + "@copsched", ORGANIZER=w.tagged(past, addr("anna")))))
    cases.append(("started event", w.reply("thunderbird.eml", anna, UID=running + "@copsched",
                                           ORGANIZER=w.tagged(running, addr("anna")))))
    cases.append(("cancelled event", w.reply("thunderbird.eml", anna, UID=cancelled + "@copsched",
                                             ORGANIZER=w.tagged(cancelled, addr("anna")))))
    # A stale SEQUENCE: daan's answer to the invitation before the meeting moved.
    cases.append(("stale sequence", w.reply("gmail.eml", inv["daan"])))

    # The meeting moves (SEQUENCE +1); the third one is cancelled.
    current = w.call("GET", "/api/v1/events/" + ev)
    w.call("PATCH", "/api/v1/events/" + ev, {"accept_conflicts": world.ACCEPT_ALL, "start": shift(current["start"], 1),
                                             "end": shift(current["end"], 1)})
    check(w.call("GET", "/api/v1/events/" + ev)["sequence"] > int(inv["daan"].sequence), "the move raised SEQUENCE")
    w.call("POST", "/api/v1/events/%s/cancel" % cancelled, {"reason": "zaal niet beschikbaar"})
    # carla answers the update: applied.
    update = w.send_invitations()[addr("carla")]
    check(update.uid == inv["carla"].uid and int(update.sequence) > int(inv["carla"].sequence),
          "the update carries the same UID and a higher SEQUENCE")
    cases.append(("genuine", w.reply("apple-mail.eml", update)))

    for _, raw in cases:
        w.imap.append(raw)
    before = w.attendance(ev)
    r, err = run_job(w, "--once")
    check(r.returncode == 0, "the job keeps going and exits 0")
    after = w.attendance(ev)
    changed = [p for p in after if after[p]["rsvp"] != before[p]["rsvp"]]
    check(changed == [w.person_ids[addr("carla")]], "only the genuine reply changed an answer (%s)" % changed)
    check(after[w.person_ids[addr("carla")]]["rsvp"] == "tentative", "carla: tentative")
    refused = w.replies("state=refused")
    reasons = sorted(x["reason"] for x in refused)
    print("  refused reasons:", reasons)
    for want in ("forged_tag", "not_invited", "counter", "delegation", "unknown_event", "malformed", "stale_sequence",
                 "event_ended", "event_started", "event_cancelled"):
        check(want in reasons, "a refusal with reason %s is listed" % want)
    check(reasons.count("forged_tag") == 3, "forged tag, missing tag and wrong attendee are refused as forged_tag")
    check(reasons.count("unknown_event") == 2, "both unknown UIDs are refused as unknown_event")
    check(all(x["detail"] for x in refused), "every refusal has a detail")
    check("skipped: a message of" in err and "more than --max-message-bytes" in err, "the 20 MB message is skipped with its size")
    check(err.count(" skipped: ") == 3, "the messages without a reply (none, garbage, 20 MB) are skipped with a reason")
    check(reasons.count("malformed") == 2, "bad iCalendar and broken MIME are refused as malformed")
    check(len(w.replies("state=applied")) == 1, "one reply applied")
    flags = w.imap.flags()
    check(len(flags) == len(cases) and all(("$CopschedDone" in f) or ("$CopschedSkipped" in f) for f in flags.values()),
          "every message is marked done or skipped")
    r, err = run_job(w, "--once")
    check("applied 0, refused 0, skipped 0" in err, "a second run finds nothing left")


def shift(local, hours):
    """"2026-03-12T10:00" + hours, as the API's local times."""
    import datetime
    t = datetime.datetime.strptime(local[:16], "%Y-%m-%dT%H:%M")
    return (t + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def check_bomb(w, count=10000):
    ev, invites = setup(w, ["echt", "doelwit"])
    target = invites[addr("doelwit")]
    forged = w.reply("thunderbird.eml", target, ORGANIZER="rsvp+forgedforgedforgedforgedfo@cop.example.org")
    # Each forged message differs (Message-ID), as a real flood would.
    msgs = [forged.replace(b"Message-ID: <", b"Message-ID: <%d." % i, 1) for i in range(count)]
    genuine = w.reply("outlook.eml", invites[addr("echt")])
    w.imap.deliver_maildir(msgs[: count // 2] + [genuine] + msgs[count // 2:])
    t0 = time.monotonic()
    r, err = run_job(w, "--once")
    took = time.monotonic() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("  %d messages in %.1f s (%.0f/s), largest child RSS %d MiB" % (count + 1, took, (count + 1) / took,
                                                                          usage.ru_maxrss // 1024))
    check(r.returncode == 0, "the job handles the flood and exits 0")
    att = w.attendance(ev)
    check(att[w.person_ids[addr("echt")]]["rsvp"] == "accepted", "the genuine reply in the flood is applied")
    check(att[w.person_ids[addr("doelwit")]]["rsvp"] is None, "the forged flood changed nothing")
    check("refused %d" % count in err, "every forged reply is refused")
    flags = w.imap.flags()
    check(len(flags) == count + 1 and all("$CopschedDone" in f for f in flags.values()), "every message is marked")


def check_kill9(w):
    ev, invites = setup(w, ["kees", "lotte"])
    w.imap.append(w.reply("thunderbird.eml", invites[addr("kees")]))
    w.imap.append(w.reply("gmail.eml", invites[addr("lotte")]))
    r, err = run_job(w, "--once", env={"TEST_COPSCHED_INBOX_KILL_BEFORE_MARK": "1"})
    check(r.returncode == -9, "the job was killed with SIGKILL between the answer and the mark")
    flags = w.imap.flags()
    check(not any("$CopschedDone" in f for f in flags.values()), "no message was marked")
    check(len(w.replies()) == 2, "the service had recorded both replies before the kill")
    check(all(w.attendance(ev)[w.person_ids[addr(p)]]["rsvp"] for p in ("kees", "lotte")), "and applied them")
    r, err = run_job(w, "--once")
    check(r.returncode == 0, "the next run exits 0")
    flags = w.imap.flags()
    check(all("$CopschedDone" in f for f in flags.values()), "both messages are marked now")
    replies = w.replies()
    check(len(replies) == 2, "each reply is recorded once (%d)" % len(replies))
    audit = w.call("GET", "/api/v1/audit?object_type=reply&limit=200")["items"]
    check(len(audit) == 2, "and in the audit trail once (%d)" % len(audit))
    att = w.attendance(ev)
    check(att[w.person_ids[addr("kees")]]["rsvp"] == "accepted", "kees: accepted")
    check(att[w.person_ids[addr("lotte")]]["rsvp"] == "declined", "lotte: declined")


def check_stdin(w):
    w.people(["piet"])
    ev = w.meeting()
    inv = w.send_invitations()[addr("piet")]
    raw = w.reply("base64-only.eml", inv, ORGANIZER="rsvp@cop.example.org")  # the MTA knows the real recipient
    r, err = run_job(w, "--stdin", "--envelope-to", inv.organizer, stdin=raw)
    check(r.returncode == 0, "inbox --stdin exits 0")
    check(w.attendance(ev)[w.person_ids[addr("piet")]]["rsvp"] == "accepted", "the piped reply is applied")
    r, err = run_job(w, "--stdin", stdin=raw)
    check(r.returncode == 0 and "refused: forged_tag" in err, "without the envelope recipient the untagged To is refused")


def check_move(w):
    ev, invites = setup(w, ["mila"])
    w.imap.append(w.reply("gmail.eml", invites[addr("mila")]))
    w.imap.append(b"From: x@y.example\r\nTo: rsvp@cop.example.org\r\nSubject: vraag\r\n\r\nWaar is het?\r\n")
    c = w.imap.connect()
    c.create("Verwerkt")
    c.logout()
    r, err = run_job(w, "--once", "--move-to", "Verwerkt")
    check(r.returncode == 0, "inbox --once --move-to exits 0")
    check(w.attendance(ev)[w.person_ids[addr("mila")]]["rsvp"] == "declined", "the reply is applied")
    inbox, moved = w.imap.flags(), w.imap.flags("Verwerkt")
    check(len(moved) == 1 and all("$CopschedDone" in f for f in moved.values()), "the handled reply was moved")
    check(len(inbox) == 1 and all("$CopschedSkipped" in f for f in inbox.values()),
          "the message without a reply stays in INBOX, marked skipped")


CHECKS = {"clients": check_clients, "no-reply": check_no_reply, "hostile": check_hostile, "bomb": check_bomb,
          "kill9": check_kill9, "stdin": check_stdin, "move": check_move}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CHECKS:
        sys.exit(__doc__)
    binary = world.service.find_binary(sys.argv[1])
    workdir = tempfile.mkdtemp(prefix="copsched-inbox-")
    w = None
    try:
        w = world.World(binary, workdir, reply_address=None if sys.argv[2] == "no-reply" else "rsvp@cop.example.org")
        CHECKS[sys.argv[2]](w)
    finally:
        if w:
            w.stop()
    if failures:
        print("%d check(s) failed; files kept in %s" % (len(failures), workdir))
        sys.exit(1)
    shutil.rmtree(workdir, ignore_errors=True)
    print("all checks passed")


if __name__ == "__main__":
    main()
