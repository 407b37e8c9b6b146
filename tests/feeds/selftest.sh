#!/usr/bin/env bash
# selftest.sh: checks the feed-parser tooling itself, without the server.
#
#   bash tests/feeds/selftest.sh
#
# For every fixtures/NAME.ics it runs occurrences.mjs (icaljs, nodeical) and
# occurrences.py over 2026 and requires that all three print the same bytes and that
# the result equals the hand-written fixtures/NAME.expected.json (compared as JSON).
# A few extra windows check the window rule, one feed is fetched over http://127.0.0.1,
# and ical.js must reject every fixtures/invalid/*.ics (all three must reject a TZID
# without VTIMEZONE). Installs node_modules with `npm ci` when missing.
# Ends with "N passed, N failed"; exit status 1 when anything failed.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
PY=/usr/bin/python3
YEAR=(--from 2026-01-01T00:00:00Z --to 2027-01-01T00:00:00Z)
[ -d node_modules ] || npm ci --no-audit --no-fund >&2 || exit 1

tmp="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# run_all LABEL SOURCE ARGS...: runs the three parsers into $tmp/LABEL.{icaljs,nodeical,py}.
run_all() {
  local label=$1 src=$2; shift 2
  local rc=0
  node occurrences.mjs --parser icaljs "$src" "$@" >"$tmp/$label.icaljs" || rc=1
  node occurrences.mjs --parser nodeical "$src" "$@" >"$tmp/$label.nodeical" || rc=1
  "$PY" occurrences.py "$src" "$@" >"$tmp/$label.py" || rc=1
  return $rc
}

# check LABEL EXPECTED SOURCE ARGS...: the three agree and match EXPECTED.
check() {
  local label=$1 expected=$2 src=$3; shift 3
  if ! run_all "$label" "$src" "$@"; then bad "$label: a parser exited non-zero"; return; fi
  if ! cmp -s "$tmp/$label.icaljs" "$tmp/$label.nodeical" || ! cmp -s "$tmp/$label.icaljs" "$tmp/$label.py"; then
    bad "$label: parsers disagree"
    diff -u "$tmp/$label.icaljs" "$tmp/$label.nodeical" | sed 's/^/     icaljs-vs-nodeical /'
    diff -u "$tmp/$label.icaljs" "$tmp/$label.py" | sed 's/^/     icaljs-vs-python /'
    return
  fi
  if "$PY" - "$expected" "$tmp/$label.icaljs" <<'EOF'; then ok "$label"; else bad "$label: differs from $expected"; fi
import difflib, json, sys
want, got = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
if want != got:
    dump = lambda rows: [json.dumps(r, ensure_ascii=False) for r in rows]
    for line in difflib.unified_diff(dump(want), dump(got), "expected", "got", lineterm=""):
        print("     " + line)
    sys.exit(1)
EOF
}

# 1. every fixture over 2026
for ics in fixtures/*.ics; do
  name="$(basename "$ics" .ics)"
  if [ -f "fixtures/$name.expected.json" ]; then
    check "$name" "fixtures/$name.expected.json" "$ics" "${YEAR[@]}"
  else
    bad "$name: fixtures/$name.expected.json is missing"
  fi
done

# 2. windows: [from, to) on the start; a moved occurrence counts where it now starts
check series-moved-in fixtures/series.moved-in.expected.json fixtures/series.ics \
  --from 2026-04-08T00:00:00Z --to 2026-04-10T00:00:00Z
check series-moved-out fixtures/series.moved-out.expected.json fixtures/series.ics \
  --from 2026-04-07T00:00:00Z --to 2026-04-08T00:00:00Z

# 3. over HTTP, as the integration tests fetch feeds
# The server binds a port the kernel picks (a port chosen here could be taken meanwhile,
# by a test running beside this one) and writes it to a file once it listens.
"$PY" - "$tmp/http-port" >/dev/null 2>&1 <<'PY' &
import http.server, os, sys
os.chdir("fixtures")
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
with open(sys.argv[1] + ".new", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".new", sys.argv[1])
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/http-port" ] && break
  sleep 0.1
done
[ -s "$tmp/http-port" ] || { echo "FAIL http-series: the local HTTP server did not start" >&2; exit 1; }
port="$(cat "$tmp/http-port")"
check http-series fixtures/series.expected.json "http://127.0.0.1:$port/series.ics" "${YEAR[@]}"

# 4. invalid input: ical.js rejects it (exit non-zero, message on stderr)
for ics in fixtures/invalid/*.ics; do
  name="invalid/$(basename "$ics" .ics)"
  if node occurrences.mjs --parser icaljs "$ics" "${YEAR[@]}" >/dev/null 2>"$tmp/err"; then
    bad "$name: icaljs accepted it"
  elif [ ! -s "$tmp/err" ]; then
    bad "$name: icaljs failed without a message"
  else
    ok "$name: icaljs rejects it ($(head -c 80 "$tmp/err"))"
  fi
done
accepted=""
f=fixtures/invalid/missing-vtimezone.ics
node occurrences.mjs --parser icaljs "$f" "${YEAR[@]}" >/dev/null 2>&1 && accepted+=" icaljs"
node occurrences.mjs --parser nodeical "$f" "${YEAR[@]}" >/dev/null 2>&1 && accepted+=" nodeical"
"$PY" occurrences.py "$f" "${YEAR[@]}" >/dev/null 2>&1 && accepted+=" python"
if [ -n "$accepted" ]; then bad "invalid/missing-vtimezone: accepted by$accepted"
else ok "invalid/missing-vtimezone: all three reject it"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
