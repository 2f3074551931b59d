"""What the demo and the end-to-end test read from PostgreSQL: which rows are in, when they became
visible, and what the loader's ledger says about the files of one run. Read-only queries."""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable

import psycopg2

POLL_SECONDS = 0.2
# Rows inserted by a load that started up to this long before the newest row seen are still looked for:
# loaded_at is the load transaction's start, and loads commit in any order.
WATERMARK_SLACK = dt.timedelta(seconds=60)


def connect(dsn: str):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True  # each query sees what has been committed since the last one
    return conn


def database_now(dsn: str) -> dt.datetime:
    with contextlib.closing(connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute("SELECT now()")
        return cur.fetchone()[0]


class VisibilityWatch:
    """Notes the wall-clock time (time.time()) at which each row loaded since `since` was first seen."""

    def __init__(self, dsn: str, since: dt.datetime, interval: float = POLL_SECONDS):
        self._dsn, self._interval = dsn, interval
        self._watermark = since
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visibility-watch", daemon=True)

    def __enter__(self) -> VisibilityWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with contextlib.closing(connect(self._dsn)) as conn:
            while not self._stop.is_set():
                self._poll(conn)
                self._stop.wait(self._interval)
            self._poll(conn)

    def _poll(self, conn) -> None:
        now = time.time()
        with conn.cursor() as cur:
            cur.execute("SELECT trans_num, loaded_at FROM card_transaction WHERE loaded_at >= %s",
                        (self._watermark,))
            newest = self._watermark
            for trans_num, loaded_at in cur:
                self.seen.setdefault(trans_num, now)
                newest = max(newest, loaded_at)
        self._watermark = max(self._watermark, newest - WATERMARK_SLACK)


def missing_rows(dsn: str, trans_nums: list[str]) -> set[str]:
    """The trans_nums that are not in card_transaction."""
    with contextlib.closing(connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute("SELECT trans_num FROM card_transaction WHERE trans_num = ANY(%s)", (list(trans_nums),))
        return set(trans_nums) - {row[0] for row in cur}


def wait_for_rows(dsn: str, trans_nums: list[str], stall_seconds: float = 60.0, timeout: float = 600.0,
                  broken: Callable[[], str | None] = lambda: None) -> set[str]:
    """Wait until every trans_num is in card_transaction, or nothing new arrives for `stall_seconds`, or
    `broken()` names a reason no more can arrive."""
    missing, last_progress, deadline = set(trans_nums), time.monotonic(), time.monotonic() + timeout
    while missing and time.monotonic() < deadline and time.monotonic() - last_progress < stall_seconds \
            and not broken():
        still = missing_rows(dsn, sorted(missing))
        if len(still) < len(missing):
            last_progress = time.monotonic()
        missing = still
        if missing:
            time.sleep(POLL_SECONDS)
    return missing


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
