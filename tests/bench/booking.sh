#!/usr/bin/env bash
# Benchmark: bookings per second with full conflict checks, against a programme with
# 2,000 events and 1,000 people, with 1 and 32 concurrent clients.
#
# The baseline, measured in the same run in alternating rounds, is the same binary with
# --db-write-batch 1: one commit (one fsync, synchronous=FULL) per booking, which is what
# a writer without group commit does. Each round starts from a copy of the same seeded
# database, so every round books against the same 2,000 events.
#
# With PostgreSQL (issue 19; POSTGRES=0 leaves it out), in the same rounds at 32 clients:
# **pg-1** is one instance on a PostgreSQL 15 server (started here with initdb/pg_ctl on a
# Unix socket, as tests/support/postgres.sh does; fsync and synchronous_commit on), **pg-2**
# two instances on that database behind nginx (round robin, keep-alive to the instances),
# wrk talking to nginx. Each round books on a fresh copy (createdb -T) of a database seeded
# through the API like the SQLite one. Every non-2xx answer and socket error is counted; a
# SQLite round with any fails the run, a PostgreSQL round with any misses the target.
# Writes medians and ratios to docs/PERFORMANCE.md (WRITE_DOC=0: only prints them).
#
# Usage: tests/bench/booking.sh [BINARY]   (default build/release/server/copsched)
# Tunables: ROUNDS (3), DURATION (5s), EVENTS (2000), PEOPLE (1000), POSTGRES (1), WRITE_DOC (1)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages wrk python3 curl
rounds="${ROUNDS:-3}" duration="${DURATION:-5s}" n_events="${EVENTS:-2000}" n_people="${PEOPLE:-1000}"
postgres="${POSTGRES:-1}" write_doc="${WRITE_DOC:-1}"
if [ "$postgres" = 1 ]; then
  command -v nginx >/dev/null || install_packages nginx-light
  [ -n "$(pg_bin)" ] || install_packages postgresql-15
fi
use_release_binary "${1:-}"

work="$(mktemp -d)"
chmod 755 "$work"   # as root, the PostgreSQL server (postgres) and nginx's workers work in it
pids=()             # the copsched instances and nginx of the running round
pg_running=0
stop_server() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_server
  [ "$pg_running" = 0 ] || pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

# start_server DB [OPTIONS...]: serves DB (a file or a PostgreSQL URL) on a free port; sets $port.
start_server() {
  local db="$1"; shift
  port="$(free_port)"
  "$bin" --database "$db" --feed-key-file "$work/feed.key" --port "$port" --access-log false "$@" serve \
    >>"$work/server.log" 2>&1 &
  pids+=($!)
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

# PostgreSQL: one server for the whole run, the database bench_seed seeded once through the
# API (its ids differ from the SQLite seed's), copied to bench_run for every round.
if [ "$postgres" = 1 ]; then
  say "starting PostgreSQL and seeding it through the API"
  pg="$(pg_bin)"
  pg_init "$work/pg"
  pg_start "$work/pg" -c max_connections=200 -c shared_buffers=128MB
  pg_running=1
  pg_url() { echo "postgresql://copsched@/$1?host=$work/pg"; }
  "$pg/createdb" -h "$work/pg" -U copsched bench_seed
  "$bin" --database "$(pg_url bench_seed)" --feed-key-file "$work/feed.key" migrate >/dev/null
  pg_token="$("$bin" --database "$(pg_url bench_seed)" --feed-key-file "$work/feed.key" token create --role admin --name bench 2>/dev/null)"
  start_server "$(pg_url bench_seed)"
  pg_seed_started=$(date +%s.%N)
  seed="$(/usr/bin/python3 "$root/tests/bench/booking_seed.py" "http://127.0.0.1:$port" "$pg_token" "$n_events" "$n_people")"
  pg_seed_seconds="$(awk -v a="$pg_seed_started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
  stop_server
  pg_groups="$(field groups)" pg_venues="$(field venues)"
  # Statistics, as a database in service has them (autovacuum would add them a minute or
  # so after the seeding, in the middle of the rounds): every round plans alike.
  "$pg/psql" -h "$work/pg" -U copsched -d bench_seed -qc ANALYZE
  echo "PostgreSQL: seeded $(field events) events, $(field people) people in ${pg_seed_seconds}s" >&2
fi

# run MODE CLIENTS: one round on a fresh copy of the seeded database.
# Prints "REQUESTS_PER_SECOND P99_MS NON_2XX ERRORS".
run() {
  local batch=256 threads=2 target tok="$token" g="$groups" v="$venues"
  [ "$1" = baseline ] && batch=1
  [ "$2" -eq 1 ] && threads=1
  case "$1" in
  baseline | copsched)
    cp "$work/seed.db" "$work/run.db"
    rm -f "$work/run.db-wal" "$work/run.db-shm"
    start_server "$work/run.db" --db-write-batch "$batch"
    target="$port"
    ;;
  pg-1 | pg-2)
    # The copy is made with file_copy and followed by a checkpoint: PostgreSQL 15's default
    # (wal_log) writes the whole seeded database to the WAL, and the checkpoints that follow
    # it would fall into the measured round (each round ran slower than the one before).
    "$pg/dropdb" -h "$work/pg" -U copsched --if-exists --force bench_run
    "$pg/createdb" -h "$work/pg" -U copsched --strategy=file_copy -T bench_seed bench_run
    "$pg/psql" -h "$work/pg" -U copsched -d bench_run -qc CHECKPOINT
    tok="$pg_token" g="$pg_groups" v="$pg_venues"
    start_server "$(pg_url bench_run)"
    target="$port"
    if [ "$1" = pg-2 ]; then
      local first="$port"
      start_server "$(pg_url bench_run)"
      target="$(free_port)"
      start_nginx_proxy "$work" "$target" "$first" "$port"
      wait_http "http://127.0.0.1:$target/readyz"
    fi
    ;;
  esac
  # Every mode starts with the disk's queue empty: the dirty pages of the rounds before (a
  # SQLite round writes about 100 MB) would otherwise be written back during this one and
  # slow its fsyncs.
  sync
  wrk -t"$threads" -c"$2" -d"$duration" --latency -s "$root/tests/bench/booking.lua" \
    "http://127.0.0.1:$target" -- "$tok" "$slug" "$first_day" "$g" "$v" "$threads" 2>>"$work/wrk.err" | wrk_summary
  stop_server
}

declare -A rps p99 bad_total err_total
for r in $(seq 1 "$rounds"); do
  for clients in 1 32; do
    modes=(baseline copsched)
    [ "$postgres" = 1 ] && [ "$clients" = 32 ] && modes+=(pg-1 pg-2)
    for mode in "${modes[@]}"; do
      # Not `< <(run ...)`: that reads on as soon as wrk's line is out, and the next round
      # would copy over run.db while this round's server still checkpoints into it.
      run "$mode" "$clients" >"$work/round"
      read -r q p bad errs <"$work/round"
      bad_total[$mode,$clients]=$(( ${bad_total[$mode,$clients]:-0} + bad ))
      err_total[$mode,$clients]=$(( ${err_total[$mode,$clients]:-0} + errs ))
      if [ "$bad" != 0 ] || [ "$errs" != 0 ]; then
        cat "$work/wrk.err" >&2
        : >"$work/wrk.err"
        grep 'internal error' "$work/server.log" | sort | uniq -c | sort -rn | head -5 >&2
        echo "round $r $mode $clients clients: $bad bookings not created, $errs socket errors" >&2
        case "$mode" in pg-*) ;; *) exit 1 ;; esac
      fi
      rps[$mode,$clients]+="$q "; p99[$mode,$clients]+="$p "
      echo "round $r: $mode, $clients clients: $q bookings/s, p99 ${p} ms, $bad non-2xx, $errs socket errors" >&2
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
if [ "$postgres" = 1 ]; then
  pg_verdict="$(awk -v q="${med[pg-2,32]}" -v p="${medp[pg-2,32]}" -v n="$(( ${bad_total[pg-2,32]} + ${err_total[pg-2,32]} ))" \
    'BEGIN {print (q >= 2000 && p < 50 && n == 0 ? "meets" : "misses")}')"
  rpg1="$(ratio "${med[pg-1,32]}" "${med[copsched,32]}")" rpg2="$(ratio "${med[pg-2,32]}" "${med[copsched,32]}")"
  rscale="$(ratio "${med[pg-2,32]}" "${med[pg-1,32]}")"
  echo "PostgreSQL, 32 clients: 1 instance ${med[pg-1,32]} bookings/s, p99 ${medp[pg-1,32]} ms;" \
    "2 instances behind nginx ${med[pg-2,32]} bookings/s, p99 ${medp[pg-2,32]} ms ($pg_verdict the target);" \
    "non-2xx/socket errors ${bad_total[pg-1,32]}/${err_total[pg-1,32]} and ${bad_total[pg-2,32]}/${err_total[pg-2,32]}" >&2
fi

row() {
  printf '| %s | %s | %s | %s | %s | %s | %s / %s |\n' "$1" "$2" "${med[$1,$2]}" "${rps[$1,$2]% }" "${medp[$1,$2]}" \
    "${p99[$1,$2]% }" "${bad_total[$1,$2]}" "${err_total[$1,$2]}"
}
pg_rows="" pg_text=""
if [ "$postgres" = 1 ]; then
  pg_rows="
$(row pg-1 32)
$(row pg-2 32)"
  pg_text="
**pg-1** is the same binary on PostgreSQL $("$pg/postgres" --version | awk '{print $3}') (a server started by the script on a Unix
socket, \`fsync\` and \`synchronous_commit\` on, \`shared_buffers=128MB\`), one instance; **pg-2** two instances
on that database behind nginx (round robin, keep-alive connections to the instances,
\`tests/bench/lib.sh\` start_nginx_proxy), wrk sending to nginx: all of it, wrk and PostgreSQL
on the same $(nproc) cores. Their database was seeded the same way (${pg_seed_seconds}s), analysed
(statistics, as a database in service has them), and is copied (\`createdb -T\`, file_copy, then a
checkpoint) for each round; every mode starts after a \`sync\`, so that no round writes back the
pages of the one before. The instances' writers plan with generic plans
(\`plan_cache_mode=force_generic_plan\`): with statistics, the default re-plans most of a
booking's 15 statements at every execution (one instance: 737 against 1,145 bookings/s).
"
  pg_text2="
**PostgreSQL with 2 instances behind nginx: ${med[pg-2,32]} bookings/s, p99 ${medp[pg-2,32]} ms (${rscale}x one
instance's ${med[pg-1,32]}; ${rpg2}x SQLite's group commit).** Target with 32 clients: >= 2,000 bookings/s,
p99 < 50 ms and no errors: $pg_verdict."
fi
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
$pg_text
| | clients | median bookings/s | per round | median p99 ms | p99 per round | non-2xx / socket errors (all rounds) |
|---|---|---|---|---|---|---|
$(row baseline 1)
$(row copsched 1)
$(row baseline 32)
$(row copsched 32)${pg_rows}

**Group commit / one commit per booking: ${r32}x with 32 clients, ${r1}x with 1 client.**
Target with 32 clients: >= 2,000 bookings/s and p99 < 20 ms: $verdict
(${med[copsched,32]} bookings/s, p99 ${medp[copsched,32]} ms).
${pg_text2:-}
MD
)"
if [ "$write_doc" = 1 ]; then
  write_section "$root/docs/PERFORMANCE.md" "$section"
  echo "written to docs/PERFORMANCE.md" >&2
else
  printf '%s\n' "$section" >"${BOOKING_SECTION_FILE:-/dev/stderr}"
  echo "WRITE_DOC=0: docs/PERFORMANCE.md left as it is" >&2
fi
