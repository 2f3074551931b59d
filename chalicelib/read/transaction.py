"""The read API's query: one stored transaction by trans_num, the card masked to its last four digits."""
from __future__ import annotations

from typing import Any

from chalicelib.platform.sqlfiles import sql_text
from chalicelib.schema import CANONICAL_PATTERNS


class InvalidTransNum(ValueError):
    """The trans_num cannot exist: it breaks the data dictionary's rule."""


def find_transaction(db, trans_num: str) -> dict[str, Any] | None:
    """The transaction as JSON-ready values, or None when it is not stored."""
    if not CANONICAL_PATTERNS["trans_num"].fullmatch(trans_num):
        raise InvalidTransNum("trans_num must be 1 to 64 characters of A-Z a-z 0-9 _ -")

    def fetch(cur):
        cur.execute(sql_text("read", "transaction"), {"trans_num": trans_num})
        row = cur.fetchone()
        return None if row is None else dict(zip([c.name for c in cur.description], row, strict=True))

    return db.transaction(fetch)
