#!/usr/bin/env bash
# compare.sh: run all three independent parsers on one feed and demand they agree.
#
#   bash tests/feeds/compare.sh FILE_OR_URL --from ISO --to ISO
#
# Runs occurrences.mjs (icaljs, nodeical) and occurrences.py with the same arguments.
# All agree: prints their common JSON on stdout, exit 0. A parser fails: its message on
# stderr, exit 1. They disagree: the diffs against ical.js on stderr, exit 1.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
node "$here/occurrences.mjs" --parser icaljs "$@" >"$tmp/icaljs" || { echo "compare.sh: icaljs failed" >&2; status=1; }
node "$here/occurrences.mjs" --parser nodeical "$@" >"$tmp/nodeical" || { echo "compare.sh: nodeical failed" >&2; status=1; }
/usr/bin/python3 "$here/occurrences.py" "$@" >"$tmp/python" || { echo "compare.sh: python failed" >&2; status=1; }
[ "$status" -eq 0 ] || exit 1
for p in nodeical python; do
  if ! cmp -s "$tmp/icaljs" "$tmp/$p"; then
    echo "compare.sh: icaljs and $p disagree:" >&2
    diff -u --label icaljs --label "$p" "$tmp/icaljs" "$tmp/$p" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && cat "$tmp/icaljs"
exit "$status"
