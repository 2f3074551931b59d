"""The read API's query: one stored transaction by trans_num, the card masked to its last four digits."""
from __future__ import annotations

from typing import Any

from chalicelib.dictionary.fields import BY_NAME
from chalicelib.dictionary.kinds import CANONICAL_PATTERNS
from chalicelib.platform.sqlfiles import sql_text


class InvalidTransNum(ValueError):
    """The trans_num cannot exist: it breaks the data dictionary's rule."""


def not_found_message(hot_days: int) -> str:
    """The 404's words: with bounded hot storage, an older transaction may exist in the lake."""
    if hot_days <= 0:
        return "transaction not found"
    return (f"transaction not found among those loaded in the last {hot_days} days: PostgreSQL keeps {hot_days} "
            "days hot, so an older transaction is only in the lake (Athena, docs/athena.md)")


def find_transaction(db, trans_num: str) -> dict[str, Any] | None:
    """The transaction as JSON-ready values, or None when it is not stored."""
    if not CANONICAL_PATTERNS["trans_num"].fullmatch(trans_num):
        raise InvalidTransNum(f"trans_num {BY_NAME['trans_num'].message}")

    def fetch(cur):
        cur.execute(sql_text("read", "transaction"), {"trans_num": trans_num})
        row = cur.fetchone()
        return None if row is None else dict(zip([c.name for c in cur.description], row, strict=True))

    return db.transaction(fetch)
