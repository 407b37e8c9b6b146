#!/usr/bin/env python3
"""The rooms of the tree and what each may include (docs/ARCHITECTURE.md).

    check_rooms.py SOURCE_DIR

Reads every #include "..." of the project's own sources and fails when one crosses the
dependency rule, or reaches into another room's internal header (*_internal.hpp or
detail/), printing the file, line and the include. The CMake targets enforce the
same rule at link time; this catches a header-only include the linker never sees.
"""
import pathlib
import re
import sys

# room -> the rooms its files may include (its own always).
RULES = {
    "scheduler": set(),
    "calendar": {"scheduler"},
    "storage": {"scheduler"},
    "server/http": set(),
    "server/options": set(),
    "server/api": {"server/http", "server/options", "scheduler", "calendar"},
    "server/pages": {"server/http", "server/options", "server/api", "scheduler", "calendar"},
    "server/remind": {"server/options", "scheduler"},
    "server/inbox": {"server/options", "server/remind", "scheduler"},
    "server/cli": {"server/http", "server/options", "server/api", "server/pages", "server/remind", "server/inbox",
                   "scheduler", "calendar", "storage"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def is_internal(path):
    """Headers only their own room may include: *_internal.hpp and anything under detail/."""
    return path.endswith("_internal.hpp") or "/detail/" in path


def room_of(path):
    """The longest room that path (relative, with '/') lies in, or None."""
    best = None
    for room in RULES:
        if path == room or path.startswith(room + "/"):
            if best is None or len(room) > len(best):
                best = room
    return best


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    crossings = 0
    files = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".cpp", ".hpp") or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        room = room_of(rel)
        if room is None:
            continue  # tests, tools: not a room
        files += 1
        text = path.read_text(encoding="utf-8")
        for m in INCLUDE.finditer(text):
            target = room_of(m.group(1))
            if target is not None and target != room and is_internal(m.group(1)):
                line = text.count("\n", 0, m.start()) + 1
                print(f"{rel}:{line}: {m.group(1)} is internal to {target}")
                crossings += 1
                continue
            if target is None or target == room or target in RULES[room]:
                continue
            line = text.count("\n", 0, m.start()) + 1
            print(f"{rel}:{line}: {room} may not include {m.group(1)} ({target})")
            crossings += 1
    print(f"{files} files in {len(RULES)} rooms read, {crossings} include(s) against the rule")
    return 1 if crossings or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
