"""The alerts read API: fraud alerts since a time, a page at a time, the card masked to its last four digits.

Pages follow (created_at, trans_num) order. `next` is an opaque cursor (the last row's key, base64url), so a
client asks for `?after=<next>` until `next` is null; alerts that share a creation time (one file's alerts do)
are never skipped or repeated. created_at is the loading transaction's start, so an alert can commit a little
after a later-created one: a poller that resumes from `since` should overlap by a minute and dedupe on
trans_num.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any

from chalicelib.dictionary.kinds import CANONICAL_PATTERNS
from chalicelib.platform.sqlfiles import sql_text

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class BadAlertQuery(ValueError):
    """A query parameter of GET /alerts is malformed; the message says which and why."""


@dataclass(frozen=True)
class AlertQuery:
    since: dt.datetime
    limit: int
    after: tuple[dt.datetime, str]


def parse_alert_query(params: dict[str, str] | None) -> AlertQuery:
    """The query string of GET /alerts checked: since (ISO 8601), limit (1..MAX_LIMIT), after (a cursor)."""
    params = params or {}
    unknown = sorted(set(params) - {"since", "limit", "after"})
    if unknown:
        raise BadAlertQuery(f"unknown query parameter(s): {', '.join(unknown)}; use since, limit, after")
    since = _parse_time(params["since"], "since") if params.get("since") is not None else _EPOCH
    return AlertQuery(since, _parse_limit(params.get("limit")), _decode_cursor(params.get("after")))


def list_alerts(db, query: AlertQuery) -> dict[str, Any]:
    """{"alerts": [...], "next": cursor or None}, JSON-ready."""
    def fetch(cur):
        cur.execute(sql_text("read", "alerts"), {"since": query.since, "limit": query.limit + 1,
                                              "after_time": query.after[0], "after_trans_num": query.after[1]})
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    rows = db.transaction(fetch)
    page, more = rows[:query.limit], len(rows) > query.limit
    cursor = _encode_cursor(page[-1]["created_at"], page[-1]["trans_num"]) if more else None
    return {"alerts": [_json_ready(row) for row in page], "next": cursor}


def _json_ready(row: dict[str, Any]) -> dict[str, Any]:
    created = row["created_at"].astimezone(dt.UTC)
    return {**row, "score": round(row["score"], 4), "created_at": created.isoformat().replace("+00:00", "Z")}


def _parse_time(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadAlertQuery(f"{name} must be an ISO 8601 date or time, like 2024-05-01T12:00:00Z; "
                            f"got {text[:40]!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # no zone: UTC


def _parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadAlertQuery(f"limit must be a whole number from 1 to {MAX_LIMIT}; got {text[:20]!r}")
    return int(text)


def _encode_cursor(created_at: dt.datetime, trans_num: str) -> str:
    raw = f"{created_at.astimezone(dt.UTC).isoformat()}|{trans_num}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text: str | None) -> tuple[dt.datetime, str]:
    if text is None:
        return _EPOCH, ""
    try:
        stamp, trans_num = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().split("|")
        created = dt.datetime.fromisoformat(stamp)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadAlertQuery("after must be the `next` value of a previous page") from None
    if created.tzinfo is None or not CANONICAL_PATTERNS["trans_num"].fullmatch(trans_num):
        raise BadAlertQuery("after must be the `next` value of a previous page")
    return created, trans_num
