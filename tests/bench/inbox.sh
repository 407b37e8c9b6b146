#!/usr/bin/env bash
# Benchmark: replies applied per second by the reply job. A programme of PEOPLE (1000)
# people and REPLIES/PEOPLE upcoming CoP meetings is seeded through the API; REPLIES (5000)
# replies in the Thunderbird shape (tests/inbox/fixtures), each to its tagged reply address,
# are written into a private Dovecot mailbox (tests/inbox/dovecot.py, Debian dovecot-imapd),
# and one `copsched inbox --once` hands them all to the service, which applies each.
# Baselines in the same run: Python's imaplib fetching and flagging every message (the IMAP
# server alone) and Python's http.client posting every reply to POST /api/v1/replies (the
# service alone), so the figure shows what the job adds. Writes docs/PERFORMANCE.md.
#
# Usage: tests/bench/inbox.sh [BINARY]   (default build/release/server/copsched)
# Tunables: REPLIES (5000), PEOPLE (1000)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages python3 dovecot-imapd python3-aiosmtpd
use_release_binary "${1:-}"
replies="${REPLIES:-5000}"
people="${PEOPLE:-1000}"

out="$(/usr/bin/python3 "$root/tests/bench/inbox_bench.py" "$bin" "$replies" "$people")"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$out" "$1"; }
n="$(field replies)"
rate() { awk -v n="$n" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
job_rate="$(rate "$(field job_s)")"
imap_rate="$(rate "$(field imap_s)")"
api_rate="$(rate "$(field api_s)")"
job_s="$(awk -v s="$(field job_s)" 'BEGIN {printf "%.1f", s}')"
verdict="$(awk -v r="$job_rate" 'BEGIN {print (r >= 200 ? "met" : "missed")}')"
case "$bin" in
  */build/release/*) kind="release build" ;;
  *) kind="${BUILD_KIND:-the binary $bin}" ;;
esac
load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "inbox job: $job_rate replies/s ($verdict); IMAP alone $imap_rate/s; service alone $api_rate/s; load $load" >&2
section="$(cat <<MD
## E-mail: replies applied by the reply job

Measured $(date -u +%Y-%m-%d) by \`tests/bench/inbox.sh\` on this machine ($(nproc) cores), $kind.
A mailbox of $n replies (about $(field size) bytes each, the Thunderbird shape: multipart/mixed with a
text/calendar part and an invite.ics attachment) in a private Dovecot on loopback: $(field people) people
each answering $(field meetings) upcoming CoP meetings, every reply to its own tagged address. One
\`copsched inbox --once\` fetched each message over IMAP, found the reply with GMime, handed it to
POST /api/v1/replies with its Idempotency-Key (one write transaction each, synchronous=FULL) and set
\$CopschedDone once per round of 100. While it fetches and reads one message after another, 4 workers
hand the replies in, each over its own connection (\`--parallel 4\`, the default), so the service's
single writer can commit several replies in one transaction. All $n answers were stored. Baselines in
the same run, on the same messages: Python's imaplib fetching and flagging each message with one
command each, and Python's http.client posting each reply's calendar text to the service over one
kept connection, one at a time (each answer waits for its own durable commit).

| path | replies/s | time for $n |
|---|---|---|
| baseline: IMAP alone (imaplib FETCH + STORE per message) | $imap_rate | |
| baseline: the service alone (POST /api/v1/replies, one connection) | $api_rate | |
| \`copsched inbox --once\`: fetch, parse, hand in, mark | **$job_rate** | $job_s s |

Target >= 200 replies/s: **$verdict**. The job's own work per message (one IMAP FETCH on one
connection, GMime, the SHA-256 of the message) runs on one thread; the service's commits overlap it.
The machine was shared with other work (load average $load at the end of the run); rates varied by
about a third between runs here.
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
