#!/usr/bin/env python3
"""Every Catch2 test case runs as exactly one ctest test.

    check_test_count.py BUILD_DIR SOURCE_DIR PREFIXES=BINARY [PREFIXES=BINARY ...]

catch_discover_tests turns each name that `BINARY --list-test-names-only` prints into a
ctest test "PREFIX name". PREFIXES is one prefix, or the prefixes of the registrations a
binary's test cases are spread over by TEST_SPEC: joined by ',' each test case runs under
exactly one of them (integration: and integration-postgresql:); joined by '+' under at
least one, and may run under several (unit:+unit-postgresql:, where the store's test
cases run on both engines). A name with a ';' becomes two ctest tests whose filters match
nothing (CMake lists split on ';'), and a test case hidden with a "[." tag is never listed
at all. This script fails unless, for every binary, the names ctest knows (without the
prefix) are exactly the names the binary lists, and unless the number of TEST_CASEs in the
sources under SOURCE_DIR equals the number the binaries list. Prints both counts.
"""
import json
import pathlib
import re
import subprocess
import sys


def listed_names(binary):
    out = subprocess.run([binary, "--list-test-names-only"], capture_output=True, text=True, check=False)
    return [line for line in out.stdout.splitlines() if line.strip()]


def ctest_names(build_dir):
    out = subprocess.run(["ctest", "--test-dir", build_dir, "--show-only=json-v1"], capture_output=True,
                         text=True, check=True)
    return [t["name"] for t in json.loads(out.stdout)["tests"]]


# TEST_CASE( "name" , "tags" ): the name may be split over adjacent string literals.
TEST_CASE = re.compile(r'\bTEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)(?:,\s*((?:"(?:[^"\\]|\\.)*"\s*)+))?\)',
                       re.S)


def source_test_cases(source_dir):
    found = []
    for path in sorted(pathlib.Path(source_dir).rglob("*.cpp")):
        text = path.read_text(encoding="utf-8")
        for m in TEST_CASE.finditer(text):
            tags = m.group(2) or ""
            found.append((str(path), "[." in tags))
    return found


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir, source_dir, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    known = ctest_names(build_dir)
    failures = 0
    total_listed = 0
    for pair in pairs:
        prefix, binary = pair.split("=", 1)
        overlapping = "+" in prefix
        prefixes = prefix.split("+" if overlapping else ",")
        listed = listed_names(binary)
        total_listed += len(listed)
        per_prefix = [[n[len(p):] for n in known if n.startswith(p)] for p in prefixes]
        in_ctest = [n for names in per_prefix for n in names]
        print(f"{binary}: {len(listed)} test cases listed, {len(in_ctest)} ctest tests with prefix '{prefix}'")
        for name in sorted(set(in_ctest) - set(listed)):
            print(f"  FAIL ctest runs '{prefix}{name}', which matches no test case of the binary")
            failures += 1
        for name in sorted(set(listed) - set(in_ctest)):
            print(f"  FAIL test case '{name}' has no ctest test of its own")
            failures += 1
        for name in sorted({n for n in listed if ";" in n}):
            print(f"  FAIL test case '{name}' has a ';' in its name (ctest splits it)")
            failures += 1
        twice = any(len(names) != len(set(names)) for names in per_prefix) if overlapping else len(in_ctest) != len(
            set(in_ctest))
        if twice or len(listed) != len(set(listed)):
            print("  FAIL a name appears twice")
            failures += 1
    cases = source_test_cases(source_dir)
    hidden = [path for path, is_hidden in cases if is_hidden]
    print(f"sources: {len(cases)} TEST_CASEs under {source_dir}, {len(hidden)} hidden; binaries list {total_listed}")
    for path in hidden:
        print(f"  FAIL a test case in {path} is hidden with a '[.' tag and never runs")
        failures += 1
    if len(cases) != total_listed:
        print(f"  FAIL {len(cases)} TEST_CASEs in the sources but {total_listed} listed by the binaries")
        failures += 1
    print("every test case runs once" if not failures else f"{failures} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
