#!/usr/bin/env bash
# Benchmark: each web page (server/pages) for a programme of 1,000 people and 2,000 events
# (tests/bench/pages_seed.py: the reports benchmark's programme plus 1,800 sessions to come),
# each as the median of REPEATS requests over HTTP on the loopback (curl's total time: the
# server's time plus a loopback round trip), against a baseline measured in the same run: an
# authenticated GET of the programme (one small database read). The target: every page
# under 50 ms. Writes the figures to docs/PERFORMANCE.md.
#
# Usage: tests/bench/pages.sh [BINARY]   (default build/release/server/copsched)
# Tunables: REPEATS (15)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages python3 curl
use_release_binary "${1:-}"
repeats="${REPEATS:-15}"
year=2025

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port="$(free_port)"
base="http://127.0.0.1:$port"
"$bin" --database "$work/pages.db" migrate >/dev/null
token="$("$bin" --database "$work/pages.db" token create --role admin --name bench 2>/dev/null)"
"$bin" --database "$work/pages.db" --port "$port" --access-log false serve >"$work/copsched.out" 2>&1 &
pids+=($!)
wait_http "$base/readyz"
seed_started=$(date +%s.%N)
seeded="$(/usr/bin/python3 "$root/tests/bench/pages_seed.py" "$base" "$token" "$year")"
seed_s="$(awk -v a="$seed_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$seeded" "$1"; }
events="$(field events)"; person="$(field person)"; group_event="$(field group_event)"; requests="$(field requests)"
[ "$events" -ge 2000 ] || { echo "only $events events seeded" >&2; exit 1; }

api() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
page_path="$(api "$base/api/v1/people/$person" | json_field page_url | sed "s#^https\?://[^/]*##")"
participant="$(api -X POST -d '{"name":"p","role":"participant","programme":"rep","person_id":"'"$person"'"}' \
  "$base/api/v1/tokens" | json_field token)"
rsvp_path="$(curl -fsS -H "Authorization: Bearer $participant" "$base/api/v1/me/events/$group_event/rsvp" |
  json_field rsvp_url | sed "s#^https\?://[^/]*##")"
organiser="$(api -X POST -d '{"name":"o","role":"organiser","programme":"rep"}' "$base/api/v1/tokens" | json_field token)"
cop="$(api "$base/api/v1/programmes/rep/events?kind=cop_meeting&limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"

# Sign in as the organiser: the form's cookie and token, then the session cookie.
jar="$work/cookies"
curl -fsS -c "$jar" -b "$jar" "$base/dashboard/sign-in" >"$work/sign-in.html"
form_token="$(grep -o 'name="form_token" value="[^"]*"' "$work/sign-in.html" | head -1 | sed 's/.*value="//; s/"$//')"
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "token=$organiser" --data-urlencode "form_token=$form_token" \
  "$base/dashboard/sign-in"

# time_ms PATH [AUTH]: one GET's total time in milliseconds (fails on a status other than 200).
time_ms() {
  local auth=()
  [ "${2:-}" = api ] && auth=(-H "Authorization: Bearer $token")
  curl -fsS -b "$jar" "${auth[@]}" -o "$work/last" -w '%{http_code} %{time_total}' "$base$1" |
    awk '$1 != 200 {print "HTTP " $1 > "/dev/stderr"; exit 1} {printf "%.2f", $2 * 1000}'
}
d=/dashboard/programmes/rep
declare -A paths=(
  [baseline]=/api/v1/programmes/rep
  [personal]="$page_path"
  [rsvp]="$rsvp_path"
  [year]="$d?year=$((year + 2))"
  [year_held]="$d?year=$year"
  [plan]="$d/plan?year=$((year + 4))"
  [event]="/dashboard/events/$cop"
  [reports]="$d/reports?year=$year"
  [csv]="$d/reports/attendance.csv?by=organisation&year=$year"
  [outbox]="$d/outbox"
  [requests]="$d/membership-requests"
)
order=(baseline personal rsvp year year_held plan event reports csv outbox requests)
declare -A times
for _ in $(seq 1 "$repeats"); do
  for k in "${order[@]}"; do
    auth=""; [ "$k" = baseline ] && auth=api
    times[$k]+="$(time_ms "${paths[$k]}" $auth) "
  done
done
# The answers are real: the year's sessions, the meeting's 1,000 invitations, the charts.
time_ms "${paths[year]}" >/dev/null
[ "$(grep -o 'class="k-session"' "$work/last" | wc -l)" -ge 600 ] || { echo "the year view lacks sessions" >&2; exit 1; }
time_ms "${paths[event]}" >/dev/null
[ "$(grep -o 'name="person_id"' "$work/last" | wc -l)" -eq 1000 ] || { echo "the event page lacks invitations" >&2; exit 1; }
time_ms "${paths[reports]}" >/dev/null
[ "$(grep -o '<svg' "$work/last" | wc -l)" -eq 2 ] || { echo "the reports page lacks its charts" >&2; exit 1; }
time_ms "${paths[requests]}" >/dev/null
[ "$requests" -eq 100 ] && [ "$(grep -o 'name="form_token"' "$work/last" | wc -l)" -ge 100 ] ||
  { echo "the membership requests page lacks the $requests pending requests" >&2; exit 1; }

declare -A med
for k in "${order[@]}"; do
  # shellcheck disable=SC2086
  med[$k]="$(median ${times[$k]})"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
slowest=0; slowest_name=""
for k in "${order[@]}"; do
  [ "$k" = baseline ] && continue
  if awk -v a="${med[$k]}" -v b="$slowest" 'BEGIN {exit !(a > b)}'; then slowest="${med[$k]}"; slowest_name="$k"; fi
done
verdict="$(awk -v t="$slowest" 'BEGIN {print (t < 50 ? "meets" : "misses")}')"
echo "slowest page: $slowest_name ${slowest} ms ($verdict the 50 ms target); baseline ${med[baseline]} ms" >&2
declare -A what=(
  [personal]="participant's page (30 events to come, groups, a year of attendance)"
  [rsvp]="RSVP link page"
  [year]="dashboard: a year with about 620 sessions"
  [year_held]="dashboard: the year held (200 events)"
  [plan]="dashboard: year plan preview (the planner over 1,000 people)"
  [event]="dashboard: a CoP meeting with 1,000 invitations"
  [reports]="dashboard: reports (two charts, commitments table)"
  [csv]="dashboard: attendance CSV by organisation"
  [outbox]="dashboard: outbox summary"
  [requests]="dashboard: membership requests (100 pending)"
)
row() { printf '| %s | %s | %s |\n' "${what[$1]}" "${med[$1]}" "$(ratio "${med[$1]}" "${med[baseline]}")"; }
section="$(cat <<MD
## Web pages: participant and dashboard

Measured $(date -u +%Y-%m-%d) by \`tests/bench/pages.sh\` on this machine ($(nproc) cores), $(basename "$(dirname "$(dirname "$bin")")") build: a
programme of 1,000 people, 100 organisations, 12 working groups and $events events (200 held in
$year with presence, 1,800 sessions to come; seeded through the API in ${seed_s} s). Each page is
the median of $repeats GETs over the loopback (curl's total time), signed in as the
programme's organiser where it is a dashboard page; the baseline is an authenticated GET of
the programme (one small read): ${med[baseline]} ms. Target: every page under 50 ms.
Slowest: $slowest_name, ${slowest} ms ($verdict the target).

| page | median ms | x baseline |
|---|---|---|
$(for k in "${order[@]}"; do [ "$k" = baseline ] || row "$k"; done)

The outbox summary (about 456,000 messages, none sent yet) reads the counts per state kept with
every write to the outbox (outbox_counts, migration 10) and counts the messages due now in
the partial index reminders_programme_due alone; it took 150.6 ms when it counted every
message of the programme per request.
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "$section"
