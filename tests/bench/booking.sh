#!/usr/bin/env bash
# Benchmark: bookings per second with full conflict checks, against a programme with
# 2,000 events and 1,000 people, with 1 and 32 concurrent clients.
#
# The baseline, measured in the same run in alternating rounds, is the same binary with
# --db-write-batch 1: one commit (one fsync, synchronous=FULL) per booking, which is what
# a writer without group commit does. Each round starts from a copy of the same seeded
# database, so every round books against the same 2,000 events.
# Writes medians and ratios to docs/PERFORMANCE.md.
#
# Usage: tests/bench/booking.sh [BINARY]   (default build/release/server/copsched)
# Tunables: ROUNDS (3), DURATION (5s), EVENTS (2000), PEOPLE (1000)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages wrk python3 curl
use_release_binary "${1:-}"
rounds="${ROUNDS:-3}" duration="${DURATION:-5s}" n_events="${EVENTS:-2000}" n_people="${PEOPLE:-1000}"

work="$(mktemp -d)"
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# start_server DB [OPTIONS...]: serves DB on a free port; sets $port.
start_server() {
  local db="$1"; shift
  port="$(free_port)"
  "$bin" --database "$db" --port "$port" --access-log false "$@" serve >>"$work/server.log" 2>&1 &
  server_pid=$!
  wait_http "http://127.0.0.1:$port/readyz"
}

say "seeding $n_events events and $n_people people through the API"
"$bin" --database "$work/seed.db" migrate >/dev/null
token="$("$bin" --database "$work/seed.db" token create --role admin --name bench 2>/dev/null)"
start_server "$work/seed.db"
seed_started=$(date +%s.%N)
seed="$(/usr/bin/python3 "$root/tests/bench/booking_seed.py" "http://127.0.0.1:$port" "$token" "$n_events" "$n_people")"
seed_seconds="$(awk -v a="$seed_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
stop_server
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(",".join(v) if isinstance(v, list) else v)' "$seed" "$1"; }
slug="$(field slug)" groups="$(field groups)" venues="$(field venues)" seeded="$(field events)"
first_day="2028-01-03"  # after every seeded event, inside the programme's period
echo "seeded $seeded events, $(field people) people in ${seed_seconds}s" >&2

# run MODE CLIENTS: one round on a fresh copy of the seeded database.
# Prints "REQUESTS_PER_SECOND P99_MS NON_2XX ERRORS".
run() {
  local batch=256 threads=2
  [ "$1" = baseline ] && batch=1
  [ "$2" -eq 1 ] && threads=1
  cp "$work/seed.db" "$work/run.db"
  rm -f "$work/run.db-wal" "$work/run.db-shm"
  start_server "$work/run.db" --db-write-batch "$batch"
  wrk -t"$threads" -c"$2" -d"$duration" --latency -s "$root/tests/bench/booking.lua" \
    "http://127.0.0.1:$port" -- "$token" "$slug" "$first_day" "$groups" "$venues" "$threads" 2>>"$work/wrk.err" | wrk_summary
  stop_server
}

declare -A rps p99
for r in $(seq 1 "$rounds"); do
  for clients in 1 32; do
    for mode in baseline copsched; do
      # Not `< <(run ...)`: that reads on as soon as wrk's line is out, and the next round
      # would copy over run.db while this round's server still checkpoints into it.
      run "$mode" "$clients" >"$work/round"
      read -r q p bad errs <"$work/round"
      if [ "$bad" != 0 ] || [ "$errs" != 0 ]; then
        cat "$work/wrk.err" >&2
        grep 'internal error' "$work/server.log" | sort | uniq -c | sort -rn | head -5 >&2
        echo "round $r $mode $clients clients: $bad bookings not created, $errs socket errors" >&2
        exit 1
      fi
      rps[$mode,$clients]+="$q "; p99[$mode,$clients]+="$p "
      echo "round $r: $mode, $clients clients: $q bookings/s, p99 ${p} ms" >&2
    done
  done
done

declare -A med medp
for k in "${!rps[@]}"; do
  # shellcheck disable=SC2086
  med[$k]="$(median ${rps[$k]})"; medp[$k]="$(median ${p99[$k]})"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
r1="$(ratio "${med[copsched,1]}" "${med[baseline,1]}")"
r32="$(ratio "${med[copsched,32]}" "${med[baseline,32]}")"
verdict="$(awk -v q="${med[copsched,32]}" -v p="${medp[copsched,32]}" 'BEGIN {print (q >= 2000 && p < 20 ? "meets" : "misses")}')"
echo "32 clients: ${med[copsched,32]} bookings/s, p99 ${medp[copsched,32]} ms ($verdict the target); ${r32}x the baseline" >&2

row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "${med[$1,$2]}" "${rps[$1,$2]% }" "${medp[$1,$2]}" "${p99[$1,$2]% }"; }
section="$(cat <<MD
## Booking: bookings per second with conflict checks

Measured $(date -u +%Y-%m-%d) by \`tests/bench/booking.sh\` on this machine ($(nproc) cores, wrk on the same cores).
The database holds $seeded events and $n_people people (seeded through the API in ${seed_seconds}s); every
request books a new working-group session with a venue through \`POST /api/v1/programmes/{slug}/events\`:
parse, authorise, place the local times, check every conflict against the stored events,
insert, write the audit entry. \`synchronous=FULL\`. $rounds alternating rounds of $duration, each on a
fresh copy of the seeded database.

**copsched** is the release build as configured by default: the single writer commits every
booking waiting in its queue together (\`--db-write-batch 256\`) and answers none before the
commit is durable. **baseline** is the same binary with \`--db-write-batch 1\`: one commit
and one fsync per booking.

| | clients | median bookings/s | per round | median p99 ms | p99 per round |
|---|---|---|---|---|---|
$(row baseline 1)
$(row copsched 1)
$(row baseline 32)
$(row copsched 32)

**Group commit / one commit per booking: ${r32}x with 32 clients, ${r1}x with 1 client.**
Target with 32 clients: >= 2,000 bookings/s and p99 < 20 ms: $verdict
(${med[copsched,32]} bookings/s, p99 ${medp[copsched,32]} ms).
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
