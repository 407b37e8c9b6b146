#!/usr/bin/env bash
# Benchmark: e-mail throughput of reminder jobs. A programme of PEOPLE (2000) people and
# MEETINGS (2) upcoming CoP meetings is seeded through the API, which queues one iMIP
# invitation per person and meeting (and the reminders, not yet due). Then JOBS (2)
# `copsched remind --once` processes claim, render, send to a local SMTP server
# (tests/integration/smtp_sink.py, aiosmtpd) and report every message, until none is due.
# Baseline in the same run: Python's smtplib sending the same number of ready-made
# messages of the same size to the same SMTP server over JOBS connections, so the figure
# shows what the whole path costs over plain SMTP. Writes docs/PERFORMANCE.md.
#
# Usage: tests/bench/reminders.sh [BINARY]   (default build/release/server/copsched)
# Tunables: PEOPLE (2000), MEETINGS (2), JOBS (2), LIMIT (50 messages per claim)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages python3 curl python3-aiosmtpd
use_release_binary "${1:-}"
people="${PEOPLE:-2000}"
meetings="${MEETINGS:-2}"
jobs="${JOBS:-2}"
limit="${LIMIT:-50}"

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port="$(free_port)"
"$bin" --database "$work/mail.db" migrate >/dev/null
token="$("$bin" --database "$work/mail.db" token create --role admin --name bench 2>/dev/null)"
"$bin" --database "$work/mail.db" --port "$port" --access-log false serve >"$work/copsched.out" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/readyz"
base="http://127.0.0.1:$port"

# Seed: programme, organisations, people, then the meetings (each booking queues its
# invitations in the booking's own transaction; its time is reported).
seeded="$(/usr/bin/python3 - "$base" "$token" "$people" "$meetings" <<'PY'
import concurrent.futures, datetime, json, sys, time, urllib.request
base, token, n_people, n_meetings = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")
call("POST", "/api/v1/programmes", {"slug": "mail", "name": "Green Deal Circulair Inkopen", "starts_on": "2020-01-01",
     "ends_on": "2099-12-31", "mail": {"sender_name": "CoP Circulair", "sender_email": "cop@example.org"}})
orgs = [call("POST", "/api/v1/programmes/mail/organisations", {"name": f"Organisatie {i}", "kind": "government",
              "level": "starter"})["id"] for i in range(50)]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda i: call("POST", "/api/v1/programmes/mail/people", {
        "name": f"Deelnemer {i}", "email": f"p{i}@example.org", "organisation_id": orgs[i % 50], "role": "buyer",
        "language": "nl" if i % 3 else "en"}), range(n_people)))
first = datetime.date.today() + datetime.timedelta(days=60)
booking_ms = []
for m in range(n_meetings):
    day = first + datetime.timedelta(days=7 * m)
    t = time.perf_counter()
    call("POST", "/api/v1/programmes/mail/events", {"kind": "cop_meeting", "title": f"CoP-bijeenkomst {day}",
         "start": f"{day}T10:00", "end": f"{day}T13:00", "online_url": "https://meet.example.org/cop",
         "accept_conflicts": ["members_busy", "public_holiday", "school_holiday", "blackout", "venue_capacity"]})
    booking_ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({"booking_ms": sorted(booking_ms)[len(booking_ms) // 2]}))
PY
)"
booking_ms="$(python3 -c 'import json,sys; print("%.0f" % json.loads(sys.argv[1])["booking_ms"])' "$seeded")"
expected=$((people * meetings)) # invitations; nothing is planned until the first claim, inside the timing

# sink DIR: starts smtp_sink.py writing to DIR; sets sink_port.
sink() {
  mkdir -p "$1"
  /usr/bin/python3 "$root/tests/integration/smtp_sink.py" "$1" </dev/null >"$1.port" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q PORT "$1.port" 2>/dev/null && break; sleep 0.05; done
  sink_port="$(awk '/PORT/ {print $2}' "$1.port")"
}
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.3f", b - a}'; }

# The jobs.
sink "$work/jobs"
started=$(date +%s.%N)
job_pids=()
for j in $(seq 1 "$jobs"); do
  "$bin" remind --server "$base" --token "$token" --smtp "smtp://127.0.0.1:$sink_port" --once --limit "$limit" \
    2>"$work/job$j.log" &
  job_pids+=($!)
done
for p in "${job_pids[@]}"; do wait "$p"; done
jobs_s="$(seconds_since "$started")"
received="$(find "$work/jobs" -name '*.eml' | wc -l)"
distinct="$(cat "$work"/jobs/*.eml | grep -i '^Message-ID:' | sort -u | wc -l)"
[ "$received" -eq "$expected" ] && [ "$distinct" -eq "$expected" ] ||
  { echo "received $received messages ($distinct distinct), expected $expected" >&2; exit 1; }
size="$(find "$work/jobs" -name '1.eml' -printf '%s')"

# The baseline: the same number of messages of the same size, ready-made, over plain SMTP.
sink "$work/base"
started=$(date +%s.%N)
/usr/bin/python3 - "$sink_port" "$expected" "$jobs" "$work/jobs/1.eml" <<'PY'
import concurrent.futures, smtplib, sys
port, total, n, sample = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4], "rb").read()
def send(k):
    with smtplib.SMTP("127.0.0.1", port) as s:
        for i in range(k, total, n):
            s.sendmail("cop@example.org", [f"p{i}@example.org"], sample)
with concurrent.futures.ThreadPoolExecutor(n) as pool:
    list(pool.map(send, range(n)))
PY
base_s="$(seconds_since "$started")"
[ "$(find "$work/base" -name '*.eml' | wc -l)" -eq "$expected" ] || { echo "baseline lost messages" >&2; exit 1; }

rate() { awk -v n="$expected" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
jobs_rate="$(rate "$jobs_s")"
base_rate="$(rate "$base_s")"
ratio="$(awk -v a="$jobs_rate" -v b="$base_rate" 'BEGIN {printf "%.2f", a / b}')"
verdict="$(awk -v r="$jobs_rate" 'BEGIN {print (r >= 200 ? "met" : "missed")}')"
echo "reminder jobs: $jobs_rate messages/s ($verdict); plain SMTP baseline $base_rate/s; ratio $ratio" >&2
section="$(cat <<MD
## E-mail: reminder jobs

Measured $(date -u +%Y-%m-%d) by \`tests/bench/reminders.sh\` on this machine ($(nproc) cores), release build.
$people people and $meetings upcoming CoP meetings seeded through the API: $expected iMIP invitations due
(about $size bytes each). $jobs \`copsched remind --once --limit $limit\` jobs ran at once against the service
and a local SMTP server (aiosmtpd, \`tests/integration/smtp_sink.py\`): each claims a batch, renders nothing
itself (the service renders text and calendar part), builds the MIME message, sends it over one kept SMTP
connection and reports it sent over one kept HTTP connection. All $expected arrived, each once, every
Message-ID distinct. The baseline, in the same run, is Python's smtplib sending $expected ready-made messages
of the same size over $jobs connections to the same kind of server.

| path | messages/s | x baseline |
|---|---|---|
| baseline: ready-made messages over plain SMTP, $jobs connections | $base_rate | 1.00 |
| $jobs reminder jobs: claim, send, report | **$jobs_rate** | $ratio |

Target >= 200 messages/s with 2 jobs: **$verdict**. The jobs' time includes planning: a booking only records
that the event changed (booking one CoP meeting for $people people took $booking_ms ms over HTTP); the first
claim turns the records into $expected invitations and $((expected * 2)) reminders.
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
