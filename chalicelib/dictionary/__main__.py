"""python -m chalicelib.dictionary [--check]: regenerate the dictionary's generated forms (what `make rules` runs).

Example:
    python -m chalicelib.dictionary           # after editing chalicelib/dictionary/fields.py
    python -m chalicelib.dictionary --check   # exit 1 when a generated file is stale
"""
from __future__ import annotations

import argparse
import sys

from chalicelib.dictionary.generate import ROOT, stale, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.dictionary", description=__doc__.splitlines()[0],
                                     epilog="example: python -m chalicelib.dictionary --check",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale generated files (exit 1)")
    args = parser.parse_args(argv)
    paths = stale() if args.check else write()
    for path in paths:
        print(f"{path.relative_to(ROOT)} {'is stale: run `make rules`' if args.check else 'written'}")
    if not paths:
        print("generated files up to date")
    return 1 if args.check and paths else 0


if __name__ == "__main__":
    sys.exit(main())
