"""Writing a chaos campaign's figures into a markdown document (docs/RELIABILITY.md).

write_section(path, section_text) replaces the section of the markdown file that starts
with the first line of section_text (a "## " heading) up to the next "## " heading, or
appends it at the end; the same rule as write_section in tests/bench/lib.sh. A missing file
is created with the heading of docs/RELIABILITY.md.

    import record
    record.write_section(record.RELIABILITY, "## My campaign\n\nWritten ... by ...\n")
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELIABILITY = os.path.join(ROOT, "docs", "RELIABILITY.md")

DEFAULT_HEADER = ("# Reliability\n\nEvery figure here is written by a script in `tests/`; each section names the "
                  "script and the run it comes from.\n")


def write_section(path, section_text, default_header=DEFAULT_HEADER):
    """Replaces (or appends) the section titled by section_text's first line in path."""
    section = section_text.rstrip("\n")
    title = section.splitlines()[0]
    if not title.startswith("## "):
        raise ValueError("a section starts with a '## ' heading, not %r" % title)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = default_header
    pattern = re.compile(re.escape(title) + r"\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
