#!/usr/bin/python3
"""Describes the messages smtp_sink.py received, as JSON, for the reminder transport tests.

Usage: /usr/bin/python3 mail_summary.py DIR     (or a single FILE.eml)

Prints a JSON array, one object per <n>.eml in numeric order:
  file, envelope {mail_from, rcpt_tos} (null without a .json sidecar),
  raw_header_lines   the header section's physical lines, as received
  headers            [[name, value]] with folding removed but nothing decoded
  header_names       the lower-cased field names, in order
  max_line_length    the longest line of the whole message, without CRLF
  bare_lf            true when some line ends in LF without CR
  subject, from, to  decoded (RFC 2047) by Python's email package; from/to as
                     {name, email}
  content_type, parts [{content_type, charset, method, transfer_encoding}] (leaf parts)
  text               the decoded text/plain part, with \n line ends
  calendar           null, or the text/calendar part parsed by python3-icalendar:
                     {method, uid, sequence, status, organizer, summary, dtstart,
                      attendees: [{value, params}]}
  defects            what Python's parser found wrong, as class names
"""
import email
import email.policy
import email.utils
import json
import os
import re
import sys

import icalendar


def describe(path):
    raw = open(path, "rb").read()
    head, _, _ = raw.partition(b"\r\n\r\n")
    raw_lines = head.decode("ascii", "replace").split("\r\n")
    headers = []
    for line in raw_lines:
        if line[:1] in (" ", "\t") and headers:
            headers[-1][1] += line
        else:
            name, _, value = line.partition(":")
            headers.append([name, value.lstrip(" ")])
    lines = raw.split(b"\n")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [type(d).__name__ for d in msg.defects]

    def address(field):
        value = msg.get(field)
        if value is None:
            return None
        addresses = getattr(value, "addresses", ())
        if len(addresses) != 1:
            name, addr = email.utils.parseaddr(str(value))
            return {"name": name, "email": addr}
        return {"name": addresses[0].display_name, "email": addresses[0].addr_spec}

    parts, text, calendar = [], None, None
    for part in msg.walk():
        if part.is_multipart():
            continue
        defects += [type(d).__name__ for d in part.defects]
        ctype = part.get_content_type()
        parts.append({
            "content_type": ctype,
            "charset": part.get_content_charset(),
            "method": part.get_param("method"),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
        })
        if ctype == "text/plain" and text is None:
            text = part.get_content().replace("\r\n", "\n")
        elif ctype == "text/calendar" and calendar is None:
            calendar = parse_calendar(part.get_payload(decode=True))
    sidecar = re.sub(r"\.eml$", ".json", path)
    envelope = json.load(open(sidecar)) if sidecar != path and os.path.exists(sidecar) else None
    return {
        "file": os.path.basename(path),
        "envelope": envelope,
        "raw_header_lines": raw_lines,
        "headers": headers,
        "header_names": [h[0].lower() for h in headers],
        "max_line_length": max(len(l.rstrip(b"\r")) for l in lines),
        "bare_lf": any(not l.endswith(b"\r") for l in lines[:-1]),
        "subject": str(msg.get("Subject", "")),
        "from": address("From"),
        "to": address("To"),
        "content_type": msg.get_content_type(),
        "parts": parts,
        "text": text,
        "calendar": calendar,
        "defects": defects,
    }


def parse_calendar(data):
    cal = icalendar.Calendar.from_ical(data)
    out = {"method": str(cal.get("METHOD", "")), "raw_crlf": b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")}
    for ev in cal.walk("VEVENT"):
        attendees = ev.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        dtstart = ev.get("DTSTART")
        out.update({
            "uid": str(ev.get("UID", "")),
            "sequence": int(ev.get("SEQUENCE", 0)),
            "status": str(ev.get("STATUS", "")),
            "summary": str(ev.get("SUMMARY", "")),
            "organizer": str(ev.get("ORGANIZER", "")),
            "dtstart": dtstart.dt.isoformat() if dtstart is not None else None,
            "attendees": [{"value": str(a), "params": {k: str(v) for k, v in a.params.items()}} for a in attendees],
        })
        break
    return out


def main():
    target = sys.argv[1]
    if os.path.isdir(target):
        names = sorted((n for n in os.listdir(target) if n.endswith(".eml")), key=lambda n: (0, int(n[:-4])) if n[:-4].isdigit() else (1, n))
        paths = [os.path.join(target, n) for n in names]
    else:
        paths = [target]
    json.dump([describe(p) for p in paths], sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
