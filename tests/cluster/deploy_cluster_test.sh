#!/usr/bin/env bash
# deploy/cluster end to end, with the binary built here, in a directory of its own under /tmp
# and on free ports: the first start creates PostgreSQL, migrates, seeds and prints an admin
# token and the URLs; nginx answers and spreads requests over both instances; SIGTERM stops
# everything (exit 0, no process left); a second start keeps the data and the token.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$1"
work="$(mktemp -d /tmp/copsched-cl.XXXXXX)"
chmod 755 "$work"   # as root, PostgreSQL runs as postgres in it
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
lb="$(free_port)" p1="$(free_port)" p2="$(free_port)"
export COPSCHED_RUN_BINARY="$bin" CLUSTER_DIR="$work/cluster" CLUSTER_PORT="$lb" CLUSTER_INSTANCE_PORTS="$p1 $p2"
export COPSCHED_ACCESS_LOG=true

start() {
  "$root/deploy/cluster" >"$work/out$1.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "Stop with Ctrl-C" "$work/out$1.txt" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/out$1.txt"; echo "deploy/cluster did not start"; exit 1
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || { cat "$work/out$1.txt"; echo "deploy/cluster did not exit 0 on SIGTERM"; exit 1; }
  pid=""
  if pgrep -f "$work/cluster" >/dev/null; then
    pgrep -af "$work/cluster"; echo "processes left after SIGTERM"; exit 1
  fi
}

start 1
token="$(grep -oE 'cps_[A-Za-z0-9_-]{43}' "$work/out1.txt" | head -1)"
[ -n "$token" ] || { cat "$work/out1.txt"; echo "no admin token printed"; exit 1; }
for u in "http://127.0.0.1:$lb" "http://127.0.0.1:$p1" "http://127.0.0.1:$p2"; do
  grep -q "$u" "$work/out1.txt" || { cat "$work/out1.txt"; echo "URL $u not printed"; exit 1; }
done
for _ in 1 2 3 4 5 6; do
  curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$lb/api/v1/programmes" | grep -q '"slug":"gdci-2"'
done
# nginx sent requests to both instances (round robin).
for n in 1 2; do
  grep -q "GET /api/v1/programmes 200" "$work/cluster/copsched-$n.log" ||
    { cat "$work/cluster/copsched-$n.log"; echo "instance $n got no request through nginx"; exit 1; }
done
curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"kept across restarts","role":"admin"}' "http://127.0.0.1:$lb/api/v1/tokens" >/dev/null
stop 1

start 2
grep -q "$token" "$work/out2.txt" || { cat "$work/out2.txt"; echo "the second start printed another token"; exit 1; }
if grep -q "new cluster" "$work/out2.txt"; then echo "the second start created the cluster again"; exit 1; fi
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$p2/api/v1/tokens" | grep -q "kept across restarts"
[ "$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$lb/api/v1/programmes" | grep -o '"slug"' | wc -l)" -eq 1 ]
stop 2
echo "deploy/cluster: first start creates, seeds and prints a token; nginx uses both instances; second start keeps the data"
