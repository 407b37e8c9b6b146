#!/usr/bin/env bash
# tests/fuzz/run.sh [-merge] [-no-record] [-runs N] SECONDS [TARGET...]
#
# Builds the libFuzzer targets of tests/fuzz with clang-15 (ASan + UBSan, build/fuzz) and
# runs each TARGET (default: all) for SECONDS, one after the other, starting from its seed
# corpus tests/fuzz/corpus/<target>/ and the crashes kept in tests/fuzz/crashes/<target>/.
# New inputs go to build/fuzz/corpus-new/<target>/, not into the tree; with -merge the ones
# that add coverage are merged into tests/fuzz/corpus/<target>/ afterwards. A crash, leak,
# timeout or out-of-memory input is copied to tests/fuzz/crashes/<target>/ (keep it: ctest
# replays it) and makes the script exit 1 after all targets ran.
#
# Reports executions and crashes per target, and writes the "Fuzzing" section of
# docs/RELIABILITY.md (unless -no-record, as deploy/test runs it).
# A long campaign: tests/fuzz/run.sh -merge 3600 (an hour per target); -runs 10000000
# stops each target after 10^7 executions (the campaign goal) or SECONDS, whichever comes first.
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib.sh"
source "$ROOT/tests/bench/lib.sh"
cd "$ROOT"

merge=0 record=1 runs=()
while [ $# -gt 0 ] && [[ "$1" == -* ]]; do
  case "$1" in
    -merge) merge=1 ;;
    -no-record) record=0 ;;
    -runs) shift; runs=(-runs="$1") ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ $# -ge 1 ] || { sed -n 2,3p "$0" >&2; exit 2; }
seconds="$1"; shift
all_targets=(http_request ical_import rrule tzif feed_writer mime csv reply)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

install_packages clang-15 libfuzzer-15-dev
say "building the fuzz targets in build/fuzz (clang-15, ASan + UBSan)"
cmake -S "$ROOT" -B "$ROOT/build/fuzz" -G Ninja -DCMAKE_CXX_COMPILER=clang++-15 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
  -DCOPSCHED_TESTS=OFF -DCOPSCHED_FUZZ=ON >/dev/null
cmake --build "$ROOT/build/fuzz" --target "${targets[@]/#/fuzz_}" -- -j"$(nproc)"

declare -A rows
failed=0 today=$(date -u +%Y-%m-%d)
for t in "${targets[@]}"; do
  bin="$ROOT/build/fuzz/tests/fuzz/fuzz_$t"
  new="$ROOT/build/fuzz/corpus-new/$t"
  artifacts="$ROOT/build/fuzz/artifacts/$t"
  crashes="$ROOT/tests/fuzz/crashes/$t"
  log="$ROOT/build/fuzz/fuzz_$t.log"
  mkdir -p "$new" "$artifacts"
  rm -f "$artifacts"/*
  seeds=("$ROOT/tests/fuzz/corpus/$t")
  [ -d "$crashes" ] && seeds+=("$crashes")
  say "fuzzing $t for $seconds s"
  rc=0
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 "${runs[@]}" \
      -artifact_prefix="$artifacts/" "$new" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  execs=$(awk '/stat::number_of_executed_units:/ {n=$2} END {print n+0}' "$log")
  rate=$(awk '/stat::average_exec_per_sec:/ {n=$2} END {print n+0}' "$log")
  found=0
  for f in "$artifacts"/*; do
    [ -e "$f" ] || continue
    mkdir -p "$crashes"
    cp "$f" "$crashes/"
    found=$((found + 1))
    echo "  found: tests/fuzz/crashes/$t/$(basename "$f")" >&2
  done
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    failed=1
    grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|deadly signal' "$log" >&2 || true
    echo "  log: ${log#"$ROOT"/}" >&2
  fi
  if [ "$merge" -eq 1 ]; then
    "$bin" -merge=1 "$ROOT/tests/fuzz/corpus/$t" "$new" >>"$log" 2>&1
  fi
  corpus_files=$(find "$ROOT/tests/fuzz/corpus/$t" "$new" -type f | wc -l)
  printf '  %-13s %12s executions  %8s/s  %d crashes\n' "$t" "$execs" "$rate" "$found" >&2
  rows[$t]="| \`fuzz_$t\` | $today | $seconds | $execs | $rate | $corpus_files | $found |"
done

if [ "$record" -eq 1 ]; then
  doc="$ROOT/docs/RELIABILITY.md"
  [ -f "$doc" ] || printf '# Reliability\n\nEvery figure here is written by a script in `tests/`; each section names the script and the run it comes from.\n' >"$doc"
  # A run of some targets keeps the other targets' rows of the last runs.
  table=""
  for t in "${all_targets[@]}"; do
    row="${rows[$t]:-$(grep -F "| \`fuzz_$t\` |" "$doc" || true)}"
    [ -n "$row" ] && table+="$row"$'\n'
  done
  section="## Fuzzing

Written by \`tests/fuzz/run.sh SECONDS [TARGET...]\` ($(nproc) cores, clang-15 libFuzzer with ASan +
UBSan + LeakSanitizer; targets run one after the other, one process each; each row is the last run
of that target). The goal for a long campaign is 10^7 executions per target and 0 crashes
(\`tests/fuzz/run.sh -merge -runs 10000000 SECONDS\`; \"seconds\" is the most a target was given). Every seed and every crash input is replayed by ctest in the
normal and the sanitizer build (\"fuzz: <target> corpus replays cleanly\"); what each target
checks is at the top of its \`tests/fuzz/fuzz_<target>.cpp\`, the bugs found are in
\`tests/fuzz/crashes/\`.

| target | run on | seconds | executions | executions/s | corpus inputs | crashes |
|---|---|---:|---:|---:|---:|---:|
${table%$'\n'}"
  write_section "$doc" "$section"
  say "wrote the Fuzzing section of docs/RELIABILITY.md"
fi
[ "$failed" -eq 0 ] || { say "fuzzing found crashes (see above)"; exit 1; }
say "fuzzing: no crashes"
