#!/usr/bin/env bash
# Benchmark: serving a personal iCalendar feed (about 100 events) from copsched against
# nginx serving the same bytes as a static file, same run, alternating rounds: the 200
# path (full body) and the 304 path (If-None-Match with the current ETag). Also the first
# (uncached) render of a 1,000-event programme feed and the memory a cached feed costs.
# Writes medians and ratios to docs/PERFORMANCE.md.
#
# Usage: tests/bench/feeds.sh [BINARY]   (default build/release/server/copsched)
# Tunables: ROUNDS (5), DURATION (5s), CONNECTIONS (64), WRK_THREADS (2)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages wrk nginx-light python3 curl
use_release_binary "${1:-}"
rounds="${ROUNDS:-5}" duration="${DURATION:-5s}" conns="${CONNECTIONS:-64}" wrk_threads="${WRK_THREADS:-2}"

work="$(mktemp -d)"; chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# copsched with 1,000 events in a programme of 30 people (seeded through the API).
cport="$(free_port)"
"$bin" --database "$work/feeds.db" migrate >/dev/null
token="$("$bin" --database "$work/feeds.db" token create --role admin --name bench 2>/dev/null)"
"$bin" --database "$work/feeds.db" --port "$cport" --access-log false serve >"$work/copsched.out" 2>&1 &
pids+=($!)
server_pid=$!
wait_http "http://127.0.0.1:$cport/readyz"
/usr/bin/python3 "$root/tests/bench/booking_seed.py" "http://127.0.0.1:$cport" "$token" 1000 30 >/dev/null

api() { curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$cport$1"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# The first render of the 1,000-event programme feed (database read + render), then the
# same request served from memory.
first_ms="$(curl -fsS -o "$work/programme.ics" -w '%{time_total}' "http://127.0.0.1:$cport/feeds/programmes/bench.ics" | awk '{printf "%.1f", $1 * 1000}')"
cached_ms="$(curl -fsS -o /dev/null -w '%{time_total}' "http://127.0.0.1:$cport/feeds/programmes/bench.ics" | awk '{printf "%.1f", $1 * 1000}')"
programme_events="$(grep -c '^BEGIN:VEVENT' "$work/programme.ics")"
programme_bytes="$(wc -c <"$work/programme.ics")"

# Person 1 belongs to one of the 8 groups: the CoP meetings and that group's sessions.
person_id="$(api "/api/v1/programmes/bench/people?email=p1@example.org" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
feed_url="$(api "/api/v1/people/$person_id" | json_field feed_url)"
feed_path="${feed_url#http://*/}"
curl -fsS -D "$work/feed.headers" -o "$work/feed.ics" "http://127.0.0.1:$cport/$feed_path"
feed_events="$(grep -c '^BEGIN:VEVENT' "$work/feed.ics")"
feed_bytes="$(wc -c <"$work/feed.ics")"
c_etag="$(awk -F': ' 'tolower($1)=="etag" {sub(/\r$/, "", $2); print $2}' "$work/feed.headers")"

# Memory: resident size before and after rendering every person's feed once.
rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
rss_before="$(rss)"
people=0
for email in $(seq 0 29); do
  pid="$(api "/api/v1/programmes/bench/people?email=p$email@example.org" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
  url="$(api "/api/v1/people/$pid" | json_field feed_url)"
  curl -fsS -o /dev/null "$url"
  people=$((people + 1))
done
rss_after="$(rss)"
per_feed_kib="$(awk -v a="$rss_after" -v b="$rss_before" -v n="$people" 'BEGIN {printf "%.0f", (a - b) / n}')"

# nginx with one worker per core, serving the same bytes as a static file.
nport="$(free_port)"
mkdir -p "$work/www"
cp "$work/feed.ics" "$work/www/feed.ics"
chmod -R a+rX "$work/www"
start_nginx "$work" "$nport" "types { text/calendar ics; } charset utf-8;"
wait_http "http://127.0.0.1:$nport/feed.ics"
n_etag="$(curl -fsS -D - -o /dev/null "http://127.0.0.1:$nport/feed.ics" | awk -F': ' 'tolower($1)=="etag" {sub(/\r$/, "", $2); print $2}')"
cmp -s "$work/feed.ics" <(curl -fsS "http://127.0.0.1:$nport/feed.ics") || { echo "nginx serves other bytes" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $c_etag" "http://127.0.0.1:$cport/$feed_path")" = 304 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $n_etag" "http://127.0.0.1:$nport/feed.ics")" = 304 ]

# run_wrk URL [HEADER]: prints "REQUESTS_PER_SECOND P99_MS NON_2XX_3XX ERRORS".
run_wrk() {
  if [ $# -gt 1 ]; then
    wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency -H "$2" "$1" | wrk_summary
  else
    wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency "$1" | wrk_summary
  fi
}
declare -A rps p99
for r in $(seq 1 "$rounds"); do
  for path in full not_modified; do
    for server in copsched nginx; do
      if [ "$server" = copsched ]; then url="http://127.0.0.1:$cport/$feed_path" tag="$c_etag"; else url="http://127.0.0.1:$nport/feed.ics" tag="$n_etag"; fi
      if [ "$path" = full ]; then read -r q p bad errs < <(run_wrk "$url"); else read -r q p bad errs < <(run_wrk "$url" "If-None-Match: $tag"); fi
      [ "$errs" = 0 ] || { echo "$server $path: $errs socket errors" >&2; exit 1; }
      rps[$server,$path]+="$q "; p99[$server,$path]+="$p "
      echo "round $r: $server $path: $q req/s, p99 $p ms" >&2
    done
  done
done
declare -A med
for k in "${!rps[@]}"; do
  # shellcheck disable=SC2086
  med[$k]="$(median ${rps[$k]})"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
r200="$(ratio "${med[copsched,full]}" "${med[nginx,full]}")"
r304="$(ratio "${med[copsched,not_modified]}" "${med[nginx,not_modified]}")"
verdict() { awk -v r="$1" 'BEGIN {print (r >= 0.9 ? "meets" : "misses")}'; }
render_verdict="$(awk -v t="$first_ms" 'BEGIN {print (t < 50 ? "meets" : "misses")}')"
echo "200 path ${r200}x nginx, 304 path ${r304}x nginx, first render of $programme_events events ${first_ms} ms" >&2

row() { printf '| %s | %s | %s | %s |\n' "$1" "${med[$1,$2]}" "${rps[$1,$2]% }" "${p99[$1,$2]% }"; }
section="$(cat <<MD
## Feeds: a personal feed against nginx serving the same bytes

Measured $(date -u +%Y-%m-%d) by \`tests/bench/feeds.sh\` on this machine ($(nproc) cores): a personal feed of
$feed_events events ($feed_bytes bytes) from copsched (release build, served from memory) and the same bytes
as a static file from nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') (\`worker_processes auto\`, access log off); wrk with $wrk_threads
threads and $conns keep-alive connections on the same cores, $rounds alternating rounds of $duration.

200 path (full body):

| | median req/s | per round | p99 ms per round |
|---|---|---|---|
$(row copsched full)
$(row nginx full)

304 path (\`If-None-Match\` with the current ETag):

| | median req/s | per round | p99 ms per round |
|---|---|---|---|
$(row copsched not_modified)
$(row nginx not_modified)

**200 path: ${r200}x nginx** (target >= 0.9: $(verdict "$r200")). **304 path: ${r304}x nginx** (target >= 0.9: $(verdict "$r304")).

First render of the programme feed with $programme_events events ($programme_bytes bytes), database read included, as curl
sees it: **${first_ms} ms** (target < 50 ms: $render_verdict); served from memory afterwards: ${cached_ms} ms.
Memory per cached personal feed: about **${per_feed_kib} KiB** of resident memory (rendering $people personal
feeds of this programme grew the process from $rss_before KiB to $rss_after KiB); the body itself is the bulk.
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
