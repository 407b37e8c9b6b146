#!/usr/bin/env bash
# Benchmark: the CoP year plan and working-group slot suggestions on a programme of 100
# organisations, 1,000 people with 50 busy intervals each, 12 working groups and 300
# events (seeded through the API), measured end to end over HTTP (curl), each as the
# median of REPEATS requests, against a baseline measured in the same run: an
# authenticated GET of the programme (one small database read). Writes the figures to
# docs/PERFORMANCE.md.
#
# Usage: tests/bench/planner.sh [BINARY]   (default build/release/server/copsched)
# Tunables: REPEATS (15)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages python3 curl
use_release_binary "${1:-}"
repeats="${REPEATS:-15}"
year=2021

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port="$(free_port)"
"$bin" --database "$work/plan.db" migrate >/dev/null
token="$("$bin" --database "$work/plan.db" token create --role admin --name bench 2>/dev/null)"
"$bin" --database "$work/plan.db" --port "$port" --access-log false serve >"$work/copsched.out" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/readyz"
seed_started=$(date +%s.%N)
seeded="$(/usr/bin/python3 "$root/tests/bench/planning_seed.py" "http://127.0.0.1:$port" "$token" "$year")"
seed_s="$(awk -v a="$seed_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
group="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["groups"][0])' "$seeded")"

# time_ms METHOD PATH [BODY]: one request's total time in milliseconds (fails on non-2xx).
time_ms() {
  local args=(-fsS -o "$work/last.json" -w '%{time_total}' -X "$1" -H "Authorization: Bearer $token")
  [ $# -gt 2 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}" "http://127.0.0.1:$port$2" | awk '{printf "%.2f", $1 * 1000}'
}
declare -A times
for _ in $(seq 1 "$repeats"); do
  times[baseline]+="$(time_ms GET /api/v1/programmes/plan) "
  times[plan]+="$(time_ms POST /api/v1/programmes/plan/plans "{\"year\":$year}") "
  times[suggestions]+="$(time_ms GET "/api/v1/working-groups/$group/suggestions?from=$year-01-01&to=$year-12-31&duration_minutes=120&count=5") "
done
# The answers are real: four meetings with every person counted, five suggestions.
time_ms POST /api/v1/programmes/plan/plans "{\"year\":$year}" >/dev/null
python3 - "$work/last.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
assert len(plan["meetings"]) == 4, plan
assert all(m["score"]["people_total"] == 1000 and m["score"]["organisations_total"] == 100 for m in plan["meetings"]), plan
PY
time_ms GET "/api/v1/working-groups/$group/suggestions?from=$year-01-01&to=$year-12-31&duration_minutes=120&count=5" >/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["items"]) == 5, d' "$work/last.json"
members="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["members_total"])' "$work/last.json")"

declare -A med
for k in baseline plan suggestions; do
  # shellcheck disable=SC2086
  med[$k]="$(median ${times[$k]})"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
verdict() { awk -v t="$1" -v limit="$2" 'BEGIN {print (t < limit ? "meets" : "misses")}'; }
echo "plan ${med[plan]} ms, suggestions ${med[suggestions]} ms, baseline ${med[baseline]} ms" >&2
section="$(cat <<MD
## Planner: CoP year plan and working-group suggestions

Measured $(date -u +%Y-%m-%d) by \`tests/bench/planner.sh\` on this machine ($(nproc) cores), release build: a
programme of 100 organisations, 1000 people with 50 busy intervals each in $year, 12 working groups and 300
events in $year, seeded through the API in ${seed_s}s. Each figure is the median of $repeats requests timed by
curl end to end (HTTP, authentication, database read of every fact, planning, JSON); the baseline is an
authenticated \`GET /api/v1/programmes/{slug}\` in the same run.

| request | median ms | per request ms | x baseline |
|---|---|---|---|
| baseline: GET programme | ${med[baseline]} | ${times[baseline]% } | 1.0 |
| year plan $year, 4 meetings (\`POST .../plans\`) | ${med[plan]} | ${times[plan]% } | $(ratio "${med[plan]}" "${med[baseline]}") |
| suggestions for one group ($members members) over $year | ${med[suggestions]} | ${times[suggestions]% } | $(ratio "${med[suggestions]}" "${med[baseline]}") |

**Year plan: ${med[plan]} ms** (target < 200 ms: $(verdict "${med[plan]}" 200)). **Suggestions: ${med[suggestions]} ms**
(target < 50 ms: $(verdict "${med[suggestions]}" 50)).
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
