"""The runtime SQL statements in chalicelib/sql/: kept in .sql files, read once per process.

They live inside chalicelib because Chalice packages only app.py, chalicelib/ and vendor/ into the
Lambda bundle; migrations (sql/ at the top) run from the deploy machine or the local stack.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().with_name("sql")


@cache
def sql_text(name: str) -> str:
    """The text of chalicelib/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
