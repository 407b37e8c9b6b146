#!/usr/bin/env bash
# Benchmark: the attendance reports over a programme of 1,000 people, 100 organisations,
# 12 working groups and 200 held events (4 CoP meetings and 196 sessions, about 27,000
# invitations, presence recorded for about 90%), seeded through the API, measured end to
# end over HTTP (curl), each as the median of REPEATS requests, against a baseline
# measured in the same run: an authenticated GET of the programme (one small database
# read). Writes the figures to docs/PERFORMANCE.md.
#
# Usage: tests/bench/reports.sh [BINARY]   (default build/release/server/copsched)
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
"$bin" --database "$work/rep.db" migrate >/dev/null
token="$("$bin" --database "$work/rep.db" token create --role admin --name bench 2>/dev/null)"
"$bin" --database "$work/rep.db" --port "$port" --access-log false serve >"$work/copsched.out" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/readyz"
seed_started=$(date +%s.%N)
seeded="$(/usr/bin/python3 "$root/tests/bench/reports_seed.py" "http://127.0.0.1:$port" "$token" "$year")"
seed_s="$(awk -v a="$seed_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
invitations="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["invitations"])' "$seeded")"

# time_ms PATH: one GET's total time in milliseconds (fails on non-2xx).
time_ms() {
  curl -fsS -o "$work/last" -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1" |
    awk '{printf "%.2f", $1 * 1000}'
}
r=/api/v1/programmes/rep/reports
declare -A paths=(
  [baseline]=/api/v1/programmes/rep
  [by_person]="$r/attendance?by=person&year=$year"
  [by_organisation]="$r/attendance?by=organisation&year=$year"
  [by_group]="$r/attendance?by=working_group&year=$year"
  [by_role]="$r/attendance?by=role&year=$year"
  [by_person_csv]="$r/attendance?by=person&year=$year&format=csv"
  [commitments]="$r/commitments?year=$year"
  [absent]="$r/absent-organisations"
)
order=(baseline by_person by_organisation by_group by_role by_person_csv commitments absent)
declare -A times
for _ in $(seq 1 "$repeats"); do
  for k in "${order[@]}"; do times[$k]+="$(time_ms "${paths[$k]}") "; done
done
# The answers are real: a row per person, every organisation, the CoP meetings held.
time_ms "${paths[by_person]}" >/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["items"]) == 1000, len(d["items"]); assert d["total"]["invited"] == int(sys.argv[2]), d["total"]' "$work/last" "$invitations"
time_ms "${paths[commitments]}" >/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["items"]) == 100; assert all(o["cop_meetings_held"] == 4 for o in d["items"])' "$work/last"

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
verdict="$(awk -v t="$slowest" 'BEGIN {print (t < 200 ? "meets" : "misses")}')"
echo "slowest report: $slowest_name ${slowest} ms ($verdict the 200 ms target); baseline ${med[baseline]} ms" >&2
row() { printf '| %s | `%s` | %s | %s |\n' "$1" "${paths[$2]}" "${med[$2]}" "$(ratio "${med[$2]}" "${med[baseline]}")"; }
section="$(cat <<MD
## Reports: attendance rates, commitments, absent organisations

Measured $(date -u +%Y-%m-%d) by \`tests/bench/reports.sh\` on this machine ($(nproc) cores), release build: a
programme of 100 organisations, 1000 people, 12 working groups and 200 held events in $year (4 CoP
meetings, 196 sessions; $invitations invitations, presence recorded for about 90%), seeded through the API in
${seed_s}s. Each figure is the median of $repeats requests timed by curl end to end (HTTP, authentication,
reading every fact, computing, JSON or CSV); the baseline is an authenticated \`GET /api/v1/programmes/{slug}\`
in the same run.

| report | request | median ms | x baseline |
|---|---|---|---|
$(row "baseline: GET programme" baseline)
$(row "attendance by person (1000 rows)" by_person)
$(row "attendance by organisation" by_organisation)
$(row "attendance by working group" by_group)
$(row "attendance by role" by_role)
$(row "attendance by person as CSV" by_person_csv)
$(row "commitments check" commitments)
$(row "organisations absent from the last 2 CoP meetings" absent)

**Slowest report: ${slowest} ms** (target < 200 ms: $verdict).
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
