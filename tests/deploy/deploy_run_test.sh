#!/usr/bin/env bash
# deploy/run as a new user meets it: the first start creates and seeds the database and
# prints an admin token; the service answers; a second start keeps the data and prints
# no new token. Uses the binary ctest built (COPSCHED_RUN_BINARY) to skip a rebuild.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$1"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export COPSCHED_RUN_BINARY="$bin" COPSCHED_DATABASE="$work/var/copsched.db" COPSCHED_PORT="$port" COPSCHED_ACCESS_LOG=false

start() {
  "$root/deploy/run" >"$work/out$1.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$work/out$1.txt"; echo "deploy/run did not start"; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid" || { echo "copsched did not exit 0 on SIGTERM"; exit 1; }; pid=""; }

start 1
token="$(grep -oE 'cps_[A-Za-z0-9_-]{43}' "$work/out1.txt" | head -1)"
[ -n "$token" ] || { cat "$work/out1.txt"; echo "no admin token printed on first start"; exit 1; }
grep -q "http://127.0.0.1:$port" "$work/out1.txt" || { echo "URLs not printed"; exit 1; }
grep -q "dashboard:  http://127.0.0.1:$port/dashboard" "$work/out1.txt" || { echo "dashboard URL not printed"; exit 1; }
# The dashboard: sign in with the printed token (the form's cookie and token), see a populated year.
base="http://127.0.0.1:$port"
curl -fsS -c "$work/cookies" -b "$work/cookies" "$base/dashboard/sign-in" >"$work/sign-in.html"
form_token="$(grep -o 'name="form_token" value="[^"]*"' "$work/sign-in.html" | head -1 | sed 's/.*value="//; s/"$//')"
curl -fsS -o /dev/null -c "$work/cookies" -b "$work/cookies" --data-urlencode "token=$token" \
  --data-urlencode "form_token=$form_token" "$base/dashboard/sign-in"
year="$(curl -fsS -L -c "$work/cookies" -b "$work/cookies" "$base/dashboard?lang=en")"
grep -q "Green Deal Circulair Inkopen 2.0" <<<"$year" || { echo "signed in, but no programme year shown"; exit 1; }
[ "$(grep -o 'class="k-cop"' <<<"$year" | wc -l)" -ge 4 ] || { echo "the year shows fewer than 3 CoP meetings"; exit 1; }
[ "$(grep -o 'class="k-session"' <<<"$year" | wc -l)" -ge 10 ] || { echo "the year shows fewer than 10 sessions"; exit 1; }
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/programmes" | grep -q '"slug":"gdci-2"'
curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"kept across restarts","role":"admin"}' "http://127.0.0.1:$port/api/v1/tokens" >/dev/null
stop

start 2
if grep -qE 'cps_[A-Za-z0-9_-]{43}' "$work/out2.txt"; then echo "a second start printed a new admin token"; exit 1; fi
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/tokens" | grep -q "kept across restarts"
[ "$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/programmes" | grep -o '"slug"' | wc -l)" -eq 1 ]
stop
echo "deploy/run: first start seeds and prints a token; second start keeps the data"
