"""`make bench`: every bench/bench_*.py, each measured against its baseline in the same run.

Each module exposes `run() -> list[dict]` of entries {name, value, unit, baseline, ratio}; they are
printed and merged by name into bench/results.json so runs can be compared.
Usage: python -m bench [NAME ...]   e.g. python -m bench api batcher
"""
from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def _modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    return [n for n in names if not selected or n.removeprefix("bench_") in selected]


def _merge(entries: list[dict]) -> None:
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    by_name = {e["name"]: e for e in existing}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for entry in entries:
        by_name[entry["name"]] = {**entry, "measured_at": stamp, "python": platform.python_version()}
    RESULTS.write_text(json.dumps(sorted(by_name.values(), key=lambda e: e["name"]), indent=2) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n", 1)[0],
                                     epilog="example: python -m bench api loader   (none named: all of them)")
    parser.add_argument("names", nargs="*", help="benchmarks to run, by the part after bench_ (api, loader, ...)")
    args = parser.parse_args(argv)
    unknown = set(args.names) - {n.removeprefix("bench_") for n in _modules([])}
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    entries: list[dict] = []
    for name in _modules(args.names):
        print(f"== {name}", flush=True)
        for entry in importlib.import_module(f"bench.{name}").run():
            print(f"   {entry['name']}: {entry['value']:,.0f} {entry['unit']} vs baseline "
                  f"{entry['baseline']:,.0f} -> ratio {entry['ratio']:.3f}", flush=True)
            entries.append(entry)
    _merge(entries)
    print(f"wrote {len(entries)} entries to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
