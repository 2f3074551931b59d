"""Patches of moto's internals are applied only on the moto versions they were proven on.

moto has no public interface for what infra/local/moto_speedups.py and infra/moto_cfn.py change, so each
names the releases it was tested against. On any other release it is left out, the stock behaviour runs,
and one line says so: a new moto must never break the local stack half-way (as 5.2.6 once did).
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
              say: Callable[[str], None] = warn) -> bool:
    """True when the installed moto (or `found`) is one `patch` was proven on; else one warning line."""
    found = found or moto_version()
    if found in proven_on:
        return True
    say(f"warning: {patch}: proven on moto {', '.join(proven_on)} only, found moto {found}; left off, "
        "stock moto runs (prove it on this release, then add the version)")
    return False
