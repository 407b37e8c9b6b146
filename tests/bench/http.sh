#!/usr/bin/env bash
# Benchmark: copsched's /healthz against nginx serving a small static file of the same
# size, on this machine, in the same run, in alternating rounds (the machine is noisy).
# Writes the medians and the ratio to docs/PERFORMANCE.md.
#
# Usage: tests/bench/http.sh [BINARY]   (default build/release/server/copsched)
# Tunables: ROUNDS (5), DURATION (5s), CONNECTIONS (64), WRK_THREADS (2)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/lib.sh"
source "$root/tests/bench/lib.sh"
install_packages wrk nginx-light
use_release_binary "${1:-}"
rounds="${ROUNDS:-5}" duration="${DURATION:-5s}" conns="${CONNECTIONS:-64}" wrk_threads="${WRK_THREADS:-2}"

work="$(mktemp -d)"; chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# copsched, release build, access log off (nginx's is off too), as many I/O threads as cores.
cport="$(free_port)"
"$bin" --database "$work/bench.db" migrate >/dev/null
"$bin" --database "$work/bench.db" --port "$cport" --access-log false serve >"$work/copsched.out" 2>&1 &
pids+=($!)

# nginx with one worker per core, serving the same 15 bytes /healthz answers.
nport="$(free_port)"
mkdir -p "$work/www"
printf '{"status":"ok"}' >"$work/www/healthz"
chmod -R a+rX "$work/www"
start_nginx "$work" "$nport" "default_type application/json;"

wait_http "http://127.0.0.1:$cport/healthz"
wait_http "http://127.0.0.1:$nport/healthz"

# Prints "REQUESTS_PER_SECOND P99".
run_wrk() { wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency "$1" | awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {print r, p}'; }

c_rps=(); n_rps=(); c_p99=(); n_p99=()
for r in $(seq 1 "$rounds"); do
  read -r rps p99 < <(run_wrk "http://127.0.0.1:$cport/healthz"); c_rps+=("$rps"); c_p99+=("$p99")
  read -r rps p99 < <(run_wrk "http://127.0.0.1:$nport/healthz"); n_rps+=("$rps"); n_p99+=("$p99")
  echo "round $r: copsched ${c_rps[-1]} req/s (p99 ${c_p99[-1]}), nginx ${n_rps[-1]} req/s (p99 ${n_p99[-1]})" >&2
done

cm="$(median "${c_rps[@]}")"; nm="$(median "${n_rps[@]}")"
ratio="$(awk -v c="$cm" -v n="$nm" 'BEGIN {printf "%.2f", c/n}')"
verdict="$(awk -v r="$ratio" 'BEGIN {print (r >= 0.8 ? "meets" : "misses")}')"
echo "copsched median $cm req/s, nginx median $nm req/s, ratio $ratio ($verdict the 0.8x target)" >&2

section="$(cat <<MD
## HTTP core: \`/healthz\` against nginx

Measured $(date -u +%Y-%m-%d) by \`tests/bench/http.sh\` on this machine ($(nproc) cores): wrk with $wrk_threads threads and
$conns keep-alive connections, $rounds alternating rounds of $duration against copsched (release build,
$(nproc) I/O threads, access log off) and nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') (\`worker_processes auto\`, access log off) serving
the same 15-byte body as a static file. wrk runs on the same 2 cores as the servers.

| | median req/s | per round | p99 per round |
|---|---|---|---|
| copsched | $cm | ${c_rps[*]} | ${c_p99[*]} |
| nginx | $nm | ${n_rps[*]} | ${n_p99[*]} |

**Ratio copsched / nginx: $ratio** (target >= 0.8: $verdict).
MD
)"
write_section "$root/docs/PERFORMANCE.md" "$section"
echo "written to docs/PERFORMANCE.md" >&2
