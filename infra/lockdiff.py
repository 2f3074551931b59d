"""What moved between two lock files: `python -m infra.lockdiff OLD NEW` prints one line per package.

Standard library only: `make upgrade` runs it with the machine's Python while the venv is being rebuilt.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def read_pins(text: str) -> dict[str, str]:
    """name -> version for every `name==version` line of a lock (names normalized as PEP 503 does)."""
    pins = {}
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def diff_pins(old: dict[str, str], new: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if before is None:
            lines.append(f"added    {name} {after}")
        elif after is None:
            lines.append(f"removed  {name} {before}")
        else:
            lines.append(f"upgraded {name} {before} -> {after}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.lockdiff", description=__doc__,
                                     epilog="example: python -m infra.lockdiff build/requirements-dev.before "
                                            "requirements-dev.txt")
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    lines = diff_pins(read_pins(args.old.read_text()), read_pins(args.new.read_text()))
    print("\n".join(lines) if lines else "no package changed version")
    return 0


if __name__ == "__main__":
    sys.exit(main())
