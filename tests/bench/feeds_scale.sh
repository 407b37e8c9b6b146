#!/usr/bin/env bash
# Benchmark: personal feeds at scale. A programme of 10,000 people in 100 organisations and
# 8 working groups with 10 years of CoP meetings (4 a year) and monthly sessions per group,
# seeded through the API (tests/bench/feeds_scale_seed.py). Every personal feed is fetched
# once (all cached): resident memory before and after, bytes per cached feed. Then all
# 10,000 are polled again with 64 connections: every poll should be a cache hit. Then the
# storm: one CoP meeting is rescheduled, which changes all 10,000 personal feeds, and all
# feed URLs are polled at once with 64 connections: latency, errors and the CPU time the
# storm cost beyond the same polling with nothing changed (measured just before, same
# length). Writes its section of docs/PERFORMANCE.md.
#
# Usage: tests/bench/feeds_scale.sh [BINARY]   (default build/release/server/copsched)
# Tunables: PEOPLE (10000), YEARS (10), SESSIONS_PER_YEAR (12), CONNECTIONS (64),
#   WRK_THREADS (2), POLL_DURATION (20s, the baseline and the storm each),
#   ACCEPT_ENCODING (gzip: what the polls send, as calendar clients do; "identity" for the
#   plain bytes), FEED_CACHE_MIB (unset: the server's default --feed-cache-mib),
#   SERVER_FLAGS (more flags for copsched serve, e.g. "--db-cache-mib 8"; shown in the section)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages wrk python3 curl
use_release_binary "${1:-}"
n_people="${PEOPLE:-10000}" years="${YEARS:-10}" per_year="${SESSIONS_PER_YEAR:-12}"
conns="${CONNECTIONS:-64}" wrk_threads="${WRK_THREADS:-2}" duration="${POLL_DURATION:-20s}"
encoding="${ACCEPT_ENCODING:-gzip}"

work="$(mktemp -d)"; chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cport="$(free_port)"
base="http://127.0.0.1:$cport"
"$bin" --database "$work/scale.db" migrate >/dev/null
token="$("$bin" --database "$work/scale.db" token create --role admin --name bench 2>/dev/null)"
cache_flag=()
[ -n "${FEED_CACHE_MIB:-}" ] && cache_flag=(--feed-cache-mib "$FEED_CACHE_MIB")
read -r -a server_flags <<<"${SERVER_FLAGS:-}"
"$bin" --database "$work/scale.db" --port "$cport" --access-log false "${cache_flag[@]}" "${server_flags[@]}" serve >"$work/copsched.out" 2>&1 &
pids+=($!)
server_pid=$!
wait_http "$base/readyz"
cache_mib="${FEED_CACHE_MIB:-$("$bin" help | awk '/--feed-cache-mib/ {getline; sub(/,$/, "", $2); print $2}')}"

say "seeding $n_people people and $years years of events through the API"
seed_start="$(date +%s.%N)"
seed_json="$(/usr/bin/python3 "$root/tests/bench/feeds_scale_seed.py" "$base" "$token" "$work/urls" "$n_people" "$years" "$per_year")"
seed_s="$(awk -v a="$seed_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$seed_json" "$1"; }
n_cop="$(field cop_meetings)" n_sessions="$(field sessions)" n_members="$(field memberships)"
cop_id="$(field cop_meeting)"
sed 's#^http://[^/]*##' "$work/urls" >"$work/paths"
n_feeds="$(wc -l <"$work/paths")"
echo "seeded in $seed_s s: $seed_json" >&2

rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_s="$(getconf CLK_TCK)"
# metric NAME...: the sum of every series of the first NAME /metrics has, or "-" when none.
metric() {
  curl -fsS "$base/metrics" | python3 -c '
import sys
names = sys.argv[1:]
values = {}
for line in sys.stdin:
    if line.startswith("#") or not line.strip(): continue
    key, _, value = line.rstrip("\n").rpartition(" ")
    values.setdefault(key.split("{")[0], []).append(float(value))
for n in names:
    if n in values:
        print("%.0f" % sum(values[n])); break
else:
    print("-")' "$@"
}
hits() { metric copsched_feed_cache_hits_total; }
misses() { metric copsched_feed_cache_misses_total; }
renders() { metric copsched_feed_renders_total; }
evictions() { metric copsched_feed_cache_evictions_total; }
previous_served() { metric copsched_feed_previous_served_total; }
render_seconds() { curl -fsS "$base/metrics" | awk '/^copsched_feed_render_seconds_sum/ {s += $2} END {printf "%.3f", s}'; }
cached_bytes() { metric copsched_feed_cache_bytes; }
cached_entries() { metric copsched_feed_cache_entries; }
delta() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else echo $(($2 - $1)); fi; }

# fetch_all: every feed once, 8 clients; prints "SECONDS REQUESTS_PER_SECOND P99_MS NOT_200 BYTES".
fetch_all() {
  /usr/bin/python3 - "$base" "$work/paths" "$encoding" <<'PY'
import http.client, sys, threading, time, urllib.parse
base, paths_file, encoding = sys.argv[1], sys.argv[2], sys.argv[3]
u = urllib.parse.urlsplit(base)
paths = open(paths_file).read().split()
lat, bad, size = [], [0], [0]
lock = threading.Lock()
def work(k):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    mine = []
    for p in paths[k::8]:
        t = time.monotonic()
        c.request("GET", p, headers={"Accept-Encoding": encoding})
        r = c.getresponse(); body = r.read()
        mine.append(time.monotonic() - t)
        with lock:
            size[0] += len(body)
            if r.status != 200: bad[0] += 1
    with lock: lat.extend(mine)
t0 = time.monotonic()
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in ts: t.start()
for t in ts: t.join()
s = time.monotonic() - t0
lat.sort()
print("%.1f %.0f %.2f %d %d" % (s, len(paths) / s, lat[int(len(lat) * 0.99)] * 1000, bad[0], size[0]))
PY
}

# poll: all feed URLs, round robin from a different place per wrk thread, $conns connections
# for $duration; prints "REQUESTS_PER_SECOND P99_MS NON_2XX_3XX ERRORS MAX_MS REQUESTS".
cat >"$work/poll.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("FEED_PATHS")) do paths[#paths + 1] = line end
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) i = math.floor(id * #paths / tonumber(os.getenv("WRK_THREADS"))) end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
LUA
poll() {
  FEED_PATHS="$work/paths" WRK_THREADS="$wrk_threads" wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency -s "$work/poll.lua" \
    -H "Accept-Encoding: $encoding" "$base" >"$work/wrk.out"
  read -r q p bad errs < <(wrk_summary <"$work/wrk.out")
  awk -v q="$q" -v p="$p" -v bad="$bad" -v errs="$errs" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +Latency +[0-9]/ {max = ms($4)} / requests in / {n = $1}
    END {printf "%s %s %s %s %.2f %s\n", q, p, bad, errs, max, n}' "$work/wrk.out"
}

# 1. Every feed once: the cache fills.
rss_before="$(rss)"
m0="$(misses)" r0="$(renders)"
read -r fetch_s fetch_rate fetch_p99 fetch_bad fetch_bytes < <(fetch_all)
m1="$(misses)" r1="$(renders)"
fetch_renders="$(delta "$r0" "$r1")"
sleep 1
rss_after="$(rss)"
bytes_now="$(cached_bytes)" entries_now="$(cached_entries)"
echo "fetched $n_feeds feeds once in $fetch_s s ($fetch_rate/s, p99 $fetch_p99 ms, $fetch_bad not 200, $fetch_bytes bytes); RSS $rss_before -> $rss_after KiB; cache $bytes_now bytes in $entries_now entries" >&2
rss_per_feed="$(awk -v a="$rss_after" -v b="$rss_before" -v n="$n_feeds" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')"
if [ "$bytes_now" != - ] && [ "$entries_now" != - ] && [ "$entries_now" -gt 0 ]; then
  per_feed="$(awk -v b="$bytes_now" -v n="$entries_now" 'BEGIN {printf "%.0f", b / n}')"
  per_feed_from="the cache's own count (\`/metrics\`: $bytes_now bytes in $entries_now feeds)"
else
  per_feed="$rss_per_feed"
  per_feed_from="the growth of resident memory divided by $n_feeds"
fi

# 2. Polling with nothing changed: every poll should be a hit. Also the CPU baseline.
h0="$(hits)" m0="$(misses)" r0="$(renders)" e0="$(evictions)" c0="$(cpu_ticks)"
read -r poll_rate poll_p99 poll_bad poll_errs poll_max poll_n < <(poll)
c1="$(cpu_ticks)" h1="$(hits)" m1="$(misses)" r1="$(renders)" e1="$(evictions)"
poll_hits="$(delta "$h0" "$h1")" poll_misses="$(delta "$m0" "$m1")"
poll_renders="$(delta "$r0" "$r1")" poll_evictions="$(delta "$e0" "$e1")"
base_cpu="$(awk -v a="$c0" -v b="$c1" -v t="$ticks_per_s" 'BEGIN {printf "%.2f", (b - a) / t}')"
rss_poll="$(rss)"
echo "poll: $poll_rate req/s, p99 $poll_p99 ms, max $poll_max ms, $poll_bad non-2xx/3xx, $poll_errs errors, $poll_n requests; hits $poll_hits misses $poll_misses renders $poll_renders evictions $poll_evictions; CPU $base_cpu s" >&2

# 3. The storm: reschedule a CoP meeting (an hour later), which every personal feed shows,
# and poll every feed at once.
event_json="$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/events/$cop_id")"
new_times="$(python3 -c '
import json, sys, datetime
e = json.loads(sys.argv[1])
def later(s):
    return (datetime.datetime.fromisoformat(s[:16]) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
print(json.dumps({"start": later(e["start"]), "end": later(e["end"]), "accept_conflicts": sys.argv[2].split()}))' \
  "$event_json" "$(field accept_conflicts)")"
h0="$(hits)" m0="$(misses)" r0="$(renders)" e0="$(evictions)" c0="$(cpu_ticks)" s0="$(previous_served)" t0="$(render_seconds)"
patch_ms="$(curl -fsS -o /dev/null -w '%{time_total}' -X PATCH -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "$new_times" "$base/api/v1/events/$cop_id" | awk '{printf "%.1f", $1 * 1000}')"
# How long until every personal feed is rendered anew: /metrics sampled every 0.25 s.
( t0="$(date +%s.%N)"
  while :; do
    r="$(renders)"; [ "$r" = - ] && break
    if [ $((r - r0)) -ge "$n_feeds" ]; then awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f\n", b - a}'; break; fi
    sleep 0.25
  done >"$work/rerendered" ) 2>/dev/null &
sampler=$!
read -r storm_rate storm_p99 storm_bad storm_errs storm_max storm_n < <(poll)
c1="$(cpu_ticks)" h1="$(hits)" m1="$(misses)" r1="$(renders)" e1="$(evictions)" s1="$(previous_served)"
storm_hits="$(delta "$h0" "$h1")" storm_misses="$(delta "$m0" "$m1")"
storm_renders="$(delta "$r0" "$r1")" storm_evictions="$(delta "$e0" "$e1")"
storm_previous="$(delta "$s0" "$s1")"
# Renders still queued in the background go on after the polls: wait for the last (at most
# RERENDER_WAIT seconds, 600) and count their CPU time too.
waited=0
while kill -0 "$sampler" 2>/dev/null && [ "$waited" -lt "${RERENDER_WAIT:-600}" ]; do sleep 1; waited=$((waited + 1)); done
kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
c2="$(cpu_ticks)" r2="$(renders)" t2="$(render_seconds)"
rerendered="$(cat "$work/rerendered")"
rerendered_text="all $n_feeds rendered anew ${rerendered} s after the \`PATCH\` answered"
[ -n "$rerendered" ] || rerendered_text="$(delta "$r0" "$r2") of $n_feeds rendered anew ${waited} s after the polls ended"
storm_cpu="$(awk -v a="$c0" -v b="$c1" -v t="$ticks_per_s" 'BEGIN {printf "%.2f", (b - a) / t}')"
rerender_cpu="$(awk -v a="$c0" -v b="$c2" -v t="$ticks_per_s" 'BEGIN {printf "%.2f", (b - a) / t}')"
storm_all_renders="$(delta "$r0" "$r2")"
extra_cpu="$(awk -v s="$storm_cpu" -v b="$base_cpu" 'BEGIN {printf "%.2f", s - b}')"
rss_storm="$(rss)"
# The rescheduled meeting is in the feeds now.
moved="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["start"].replace("-", "").replace(":", "")[:13])' "$new_times")"
curl -fsS -o "$work/after.ics" "$base$(head -1 "$work/paths")"
grep -q "DTSTART;TZID=Europe/Amsterdam:${moved}00" "$work/after.ics" ||
  { echo "the rescheduled meeting is not in the feed" >&2; exit 1; }
echo "storm: PATCH $patch_ms ms; $storm_rate req/s, p99 $storm_p99 ms, max $storm_max ms, $storm_bad non-2xx/3xx, $storm_errs errors, $storm_n requests; hits $storm_hits misses $storm_misses renders $storm_renders evictions $storm_evictions; CPU $storm_cpu s ($extra_cpu s above the baseline)" >&2

rss_mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }
rss_mb() { awk -v k="$1" 'BEGIN {printf "%.0f", k * 1024 / 1e6}'; }
# 300 MB read strictly: 300,000,000 bytes.
rss_verdict="$(awk -v k="$rss_after" 'BEGIN {print (k * 1024 < 300e6 ? "met" : "not met")}')"
render_s="$(awk -v a="$t0" -v b="$t2" 'BEGIN {printf "%.1f", b - a}')"
render_ms="-"
[ "$storm_all_renders" != - ] && [ "$storm_all_renders" -gt 0 ] &&
  render_ms="$(awk -v a="$t0" -v b="$t2" -v n="$storm_all_renders" 'BEGIN {printf "%.1f", (b - a) * 1000 / n}')"
if [ "$poll_misses" = - ]; then
  hit_verdict="not checked: \`/metrics\` has no feed cache counters"
elif [ "$poll_misses" = 0 ] && [ "$poll_bad" = 0 ] && [ "$poll_errs" = 0 ]; then
  hit_verdict="met ($poll_hits hits, 0 misses)"
else
  hit_verdict="not met ($poll_hits hits, $poll_misses misses, $poll_bad non-2xx/3xx, $poll_errs socket errors)"
fi
storm_verdict="$(awk -v p="$storm_p99" -v b="$storm_bad" -v e="$storm_errs" 'BEGIN {print (p < 100 && b == 0 && e == 0 ? "met" : "not met")}')"
gz_note=""
[ "$encoding" = gzip ] && gz_note=" (gzip-compressed, as calendar clients ask for them)"

section="$(cat <<MD
## Feeds at scale: 10,000 personal feeds cached, polled, and all invalidated at once

Measured $(date -u +%Y-%m-%d) by \`tests/bench/feeds_scale.sh\` on this machine ($(nproc) cores), release build
($("$bin" version)), default settings except access log off${SERVER_FLAGS:+ and \`$SERVER_FLAGS\`}; feed cache limit $cache_mib MiB. A programme of
$n_people people in 100 organisations and 8 working groups ($n_members memberships: everyone in one group,
every third person in a second) with $years years of events: $n_cop CoP meetings (4 a year) and $n_sessions group
sessions ($per_year a year per group), seeded through the API (\`tests/bench/feeds_scale_seed.py\`, 8 clients)
in **${seed_s} s**. A personal feed holds every CoP meeting and the sessions of the person's groups: about
$((n_cop + years * per_year)) or $((n_cop + 2 * years * per_year)) events. wrk with $wrk_threads threads on the same cores; polls send
\`Accept-Encoding: $encoding\` and take the feed URLs round robin.

| step | figure |
|---|---|
| every feed fetched once (8 clients), all rendered | $n_feeds feeds in $fetch_s s ($fetch_rate feeds/s, p99 $fetch_p99 ms, $fetch_bad not 200, $fetch_renders renders), $fetch_bytes bytes$gz_note |
| resident memory of copsched before / after | $(rss_mib "$rss_before") MiB / **$(rss_mib "$rss_after") MiB** ($rss_before / $rss_after KiB; $(rss_mb "$rss_before") / $(rss_mb "$rss_after") MB) |
| bytes per cached feed | **$per_feed**, from $per_feed_from; growth of resident memory per feed: $rss_per_feed |
| poll all feeds again, $conns connections, $duration | $poll_rate req/s, p99 **$poll_p99 ms**, max $poll_max ms, $poll_n requests, $poll_bad non-2xx/3xx, $poll_errs socket errors |
| cache during the poll (\`/metrics\`) | $poll_hits hits, $poll_misses misses, $poll_renders renders, $poll_evictions evictions |
| copsched CPU during the poll (the baseline) | $base_cpu s |
| storm: \`PATCH\` of a CoP meeting (an hour later) | $patch_ms ms; changes all $n_feeds personal feeds |
| storm: poll all feeds, $conns connections, $duration | $storm_rate req/s, p99 **$storm_p99 ms**, max **$storm_max ms**, $storm_n requests, $storm_bad non-2xx/3xx, $storm_errs socket errors; $storm_previous answered with the previous version while the new one rendered (\`--feed-refresh-wait\`) |
| cache during the storm (\`/metrics\`) | $storm_hits hits, $storm_misses misses, $storm_renders renders (concurrent misses of one feed share a render), $storm_evictions evictions; $rerendered_text |
| copsched CPU of the storm | $storm_cpu s during its $duration of polls ($extra_cpu s above the baseline's); **$rerender_cpu s** from the \`PATCH\` until every feed was rendered anew; the renders alone: $render_s s for $storm_all_renders renders, **$render_ms ms** each (database read, rendering, gzip) |
| resident memory after the poll / the storm | $(rss_mib "$rss_poll") MiB / $(rss_mib "$rss_storm") MiB |

Targets: resident memory < 300 MB with every feed cached: **$rss_verdict** ($(rss_mb "$rss_after") MB = $(rss_mib "$rss_after") MiB; the feeds themselves hold $(awk -v b="$bytes_now" 'BEGIN {if (b == "-") print "an unknown number of"; else printf "%.0f", b / 1e6}') MB).
Every poll a cache hit: **$hit_verdict**.
Storm p99 < 100 ms without errors: **$storm_verdict** ($storm_p99 ms, $storm_bad non-2xx/3xx, $storm_errs socket errors).
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
