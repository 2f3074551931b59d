"""The runtime SQL statements: kept in each stage's sql/ folder (chalicelib/<stage>/sql/), read once per process.

They live inside chalicelib because Chalice packages only app.py, chalicelib/ and vendor/ into the
Lambda bundle; migrations (sql/ at the top) run from the deploy machine or the local stack.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

CHALICELIB_DIR = Path(__file__).resolve().parent.parent


def sql_dir(stage: str) -> Path:
    """chalicelib/<stage>/sql: the statements of one stage (load, fraud, read)."""
    return CHALICELIB_DIR / stage / "sql"


@cache
def sql_text(stage: str, name: str) -> str:
    """The text of chalicelib/<stage>/sql/<name>.sql."""
    return (sql_dir(stage) / f"{name}.sql").read_text(encoding="utf-8")
