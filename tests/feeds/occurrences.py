#!/usr/bin/python3
"""occurrences.py: list the VEVENT occurrences of an iCalendar feed as JSON, using
Debian's python3-icalendar and python3-recurring-ical-events.

    /usr/bin/python3 tests/feeds/occurrences.py FILE_OR_URL --from ISO --to ISO

Run it with /usr/bin/python3 (the python3 first on PATH may not see Debian's packages;
another python3 that lacks them re-executes the script with /usr/bin/python3).
Same CLI (--parser is accepted and ignored), window, output and exit codes as
occurrences.mjs, whose header describes them; for the same feed both print the same bytes.
recurring-ical-events also returns cancelled events: they are listed with their status.
python-icalendar 4 takes TZID=Europe/Amsterdam from pytz, not from the feed's VTIMEZONE;
a TZID without a VTIMEZONE in the feed is still an error, as in occurrences.mjs.
With --zones vtimezone it reads times with the feed's own VTIMEZONEs instead (their TZIDs
are renamed so that pytz does not know them, and python-icalendar builds its zones from
the VTIMEZONE components, as it does for non-IANA names): this checks our VTIMEZONE text.
Known differences of the library: floating times are read in X-WR-TIMEZONE when present
(UTC otherwise); overrides are matched to occurrences by date only (fine for at most one
occurrence of a series per day); an all-day event without DTEND/DURATION lasts 0 days there
and is corrected to 1 day here (RFC 5545).
"""
import argparse
import datetime as dt
import json
import re
import sys
import urllib.request

try:
    import icalendar
    import recurring_ical_events
except ImportError:  # another python3 first on PATH: use Debian's
    if sys.executable != "/usr/bin/python3":
        import os
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

MARGIN = dt.timedelta(days=400)
UTC = dt.timezone.utc


def fail(msg, code=1):
    sys.stderr.write(f"occurrences.py: {msg}\n")
    sys.exit(code)


def parse_instant(s):
    t = s + "T00:00:00" if len(s) == 10 else s
    try:
        d = dt.datetime.fromisoformat(t.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        fail(f"not an ISO date-time: {s}", 2)
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def read_input(src):
    if src.lower().startswith(("http://", "https://")):
        with urllib.request.urlopen(src, timeout=30) as res:  # raises on non-2xx
            return res.read()
    with open(src, "rb") as f:
        return f.read()


def check_tzids(cal):
    defined = {"UTC", "Z", "GMT"} | {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for ev in cal.walk("VEVENT"):
        for value in ev.values():
            for v in value if isinstance(value, list) else [value]:
                tzid = getattr(v, "params", {}).get("TZID")
                if tzid and tzid not in defined:
                    fail(f"TZID {tzid} has no VTIMEZONE in the feed")


def fmt(value):
    """A date as YYYY-MM-DD; a date-time as UTC (floating read as UTC)."""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(ev):
    start = ev["DTSTART"].dt
    all_day = not isinstance(start, dt.datetime)
    end = ev["DTEND"].dt if "DTEND" in ev else start
    if all_day and end == start:  # no DTEND/DURATION: one day (RFC 5545 3.6.1); the library says 0
        end = start + dt.timedelta(days=1)
    if "RECURRENCE-ID" in ev:
        recurrence_id = fmt(ev["RECURRENCE-ID"].dt)
    elif "RRULE" in ev or "RDATE" in ev:  # a generated instance: its own start
        recurrence_id = fmt(start)
    else:
        recurrence_id = None
    r = {"uid": str(ev["UID"]) if "UID" in ev else None, "recurrence_id": recurrence_id, "all_day": all_day}
    r.update({"start": fmt(start), "end": fmt(end)} if all_day else {"start_utc": fmt(start), "end_utc": fmt(end)})
    r["status"] = str(ev["STATUS"]) if "STATUS" in ev else None
    r["summary"] = str(ev["SUMMARY"]) if "SUMMARY" in ev else None
    r["sequence"] = int(ev.get("SEQUENCE", 0))
    return r


def main():
    ap = argparse.ArgumentParser(description="List VEVENT occurrences of a feed as JSON.")
    ap.add_argument("source", metavar="FILE_OR_URL")
    ap.add_argument("--from", dest="lo", required=True)
    ap.add_argument("--to", dest="hi", required=True)
    ap.add_argument("--parser", default="python")
    ap.add_argument("--zones", choices=("tzdb", "vtimezone"), default="tzdb")
    args = ap.parse_args()
    lo, hi = parse_instant(args.lo), parse_instant(args.hi)
    try:
        data = read_input(args.source)
        if args.zones == "vtimezone":  # "TZID:X" and ";TZID=X" (unfolded: TZIDs are short)
            data = re.sub(rb"(^TZID:|;TZID=)", rb"\1vtimezone/", data, flags=re.M)
        cal = icalendar.Calendar.from_ical(data)
        check_tzids(cal)
        events = recurring_ical_events.of(cal, keep_recurrence_attributes=True).between(lo - MARGIN, hi + MARGIN)
        rows = [record(ev) for ev in events]
    except SystemExit:
        raise
    except Exception as e:  # parse, network or recurrence errors
        fail(f"{type(e).__name__}: {e}"[:500])

    def instant(r):
        return parse_instant(r["start"] if r["all_day"] else r["start_utc"])

    rows = [r for r in rows if lo <= instant(r) < hi]
    rows.sort(key=lambda r: (r["start"] if r["all_day"] else r["start_utc"], r["uid"] or "", r["recurrence_id"] or ""))
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
    out = "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    sys.stdout.buffer.write(out.encode("utf-8"))


if __name__ == "__main__":
    main()
