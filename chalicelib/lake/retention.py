"""Bounded hot storage: transactions, alerts and rejected rows leave PostgreSQL HOT_DAYS after they were loaded.

Why batched deletes and not day partitions: `card_transaction`'s primary key is `trans_num`, and the loader's
exactly-once insert (insert_facts.sql) and late labels (update_labels.sql) probe it. A partitioned table's
unique keys must hold the partition key, so partitioning by day would lose the global uniqueness of
trans_num, or need a second dedupe table written on every insert. Deletes keep the key, the foreign keys and
the loader as they are. Each batch is its own short transaction that takes only rows nobody holds
(FOR UPDATE SKIP LOCKED) and never a table lock, so loads go on meanwhile (tests/test_retention_db.py shows a
load finishing while a batch holds its locks; docs/capacity.md gives the measured cost). Old rows are found
by load time through a BRIN index (sql/050_retention.sql).

The ledger (ingest_file) is what makes a redelivered file a no-op once its rows are gone, so it is kept for
as long as a file can be delivered again, and never shorter than the hot window:
- the stream can replay records for STREAM_RETENTION_HOURS (TRIM_HORIZON after an outage); the batcher cuts
  them into the same keys and bytes, so the same (key, etag) arrives again;
- Lambda retries a file's S3 event for up to 6 hours (the stage's maximum_event_age_seconds);
- the sweep lists files for SWEEP_LOOKBACK_HOURS after they were written.
So the ledger keeps max(HOT_DAYS, ceil((stream retention + max(6 h, sweep lookback)) / 24)) + 1 days (one
day of margin). LEDGER_DAYS may lengthen it, never shorten it.

A row (not a file) that comes again after its transaction left, in a new file (a client's late retry, a late
label), is new to PostgreSQL and is stored once more, for another hot window; the lake's merge keeps one
row per trans_num and takes the label (docs/athena.md).
"""
from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from chalicelib.platform.logs import log_event

EVENT_MAX_AGE_HOURS = 6  # maximum_event_age_seconds of the loader's async invoke (infra/stage-*.json)


class RetentionMisconfigured(ValueError):
    """The stage's retention settings would let a redelivered file load twice."""


def shortest_ledger_days(hot_days: int, stream_retention_hours: int, sweep_lookback_hours: int) -> int:
    """The fewest days the ledger must remember a file (see the module's docstring)."""
    redelivery_hours = stream_retention_hours + max(EVENT_MAX_AGE_HOURS, sweep_lookback_hours)
    return max(hot_days, math.ceil(redelivery_hours / 24)) + 1


@dataclass(frozen=True)
class RetentionPolicy:
    hot_days: int
    ledger_days: int
    batch_rows: int = 5000
    budget_seconds: float = 600.0

    @classmethod
    def for_stage(cls, settings) -> RetentionPolicy | None:
        """The stage's policy, or None when HOT_DAYS is 0 (retention off)."""
        if settings.hot_days <= 0:
            return None
        floor = shortest_ledger_days(settings.hot_days, settings.stream_retention_hours,
                                     settings.sweep_lookback_hours)
        ledger_days = settings.ledger_days or floor
        if ledger_days < floor:
            raise RetentionMisconfigured(
                f"LEDGER_DAYS={ledger_days} is shorter than the {floor} days a file can still be redelivered "
                "(stream retention + event retries or sweep window), or than HOT_DAYS")
        return cls(settings.hot_days, ledger_days, settings.retention_batch_rows, settings.retention_budget_seconds)


@dataclass
class RetentionResult:
    hot_cutoff: dt.datetime
    ledger_cutoff: dt.datetime
    transactions_deleted: int = 0
    alerts_deleted: int = 0
    rejected_rows_deleted: int = 0
    files_forgotten: int = 0
    complete: bool = False


# Each statement takes one batch: the rows that are old enough and that no other transaction holds.
_OLD_TRANSACTIONS = ("SELECT trans_num FROM card_transaction WHERE loaded_at < %(cutoff)s "
                     "LIMIT %(batch)s FOR UPDATE SKIP LOCKED")
_DELETE_ALERTS = "DELETE FROM fraud_alert WHERE trans_num = ANY(%(doomed)s)"
_DELETE_TRANSACTIONS = "DELETE FROM card_transaction WHERE trans_num = ANY(%(doomed)s)"
# Rejected rows leave with their file's hot window; the ledger row stays longer. No load ever locks an old
# rejected row or ledger row (a load writes only its own file's), so these need no SKIP LOCKED.
_DELETE_REJECTED = """
DELETE FROM rejected_row WHERE (file_id, line_no) IN (
    SELECT r.file_id, r.line_no FROM rejected_row r JOIN ingest_file f USING (file_id)
    WHERE f.started_at < %(cutoff)s LIMIT %(batch)s)"""
# A ledger row goes only when its file's rejected rows are gone (they reference it) and it has finished.
_FORGET_FILES = """
DELETE FROM ingest_file WHERE file_id IN (
    SELECT f.file_id FROM ingest_file f
    WHERE f.started_at < %(cutoff)s AND f.finished_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM rejected_row r WHERE r.file_id = f.file_id)
    LIMIT %(batch)s)"""
_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '2s'"  # never queue behind a load: give up and let the next run go on


class Retention:
    """Runs the stage's policy over the database in batches, each its own transaction, within a time budget."""

    def __init__(self, db, policy: RetentionPolicy, clock: Callable[[], dt.datetime] | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self._db = db
        self._policy = policy
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._monotonic = monotonic

    def run(self) -> RetentionResult:
        now = self._clock()
        policy = self._policy
        result = RetentionResult(now - dt.timedelta(days=policy.hot_days), now - dt.timedelta(days=policy.ledger_days))
        run_id = self._db.transaction(lambda cur: self._start(cur, result))
        deadline = self._monotonic() + policy.budget_seconds
        steps = ((self._transaction_batch, result.hot_cutoff), (self._rejected_batch, result.hot_cutoff),
                 (self._ledger_batch, result.ledger_cutoff))
        result.complete = all(self._drain(step, cutoff, result, deadline) for step, cutoff in steps)
        self._db.transaction(lambda cur: self._finish(cur, run_id, result))
        log_event("retention", hot_days=policy.hot_days, ledger_days=policy.ledger_days,
                  **{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in asdict(result).items()})
        return result

    def _drain(self, step, cutoff: dt.datetime, result: RetentionResult, deadline: float) -> bool:
        """Batches of `step` until one comes back short (done) or the budget is spent (the next run goes on).
        The counts are added after each commit, so a batch that Database.transaction reruns counts once."""
        params = {"cutoff": cutoff, "batch": self._policy.batch_rows}
        while self._monotonic() < deadline:
            taken, counts = self._db.transaction(lambda cur: step(cur, params))
            for name, count in counts.items():
                setattr(result, name, getattr(result, name) + count)
            if taken < self._policy.batch_rows:
                return True
        return False

    @staticmethod
    def _transaction_batch(cur, params: dict) -> tuple[int, dict[str, int]]:
        cur.execute(_LOCK_TIMEOUT)
        cur.execute(_OLD_TRANSACTIONS, params)
        doomed = [row[0] for row in cur.fetchall()]
        if not doomed:
            return 0, {}
        cur.execute(_DELETE_ALERTS, {"doomed": doomed})
        alerts = cur.rowcount
        cur.execute(_DELETE_TRANSACTIONS, {"doomed": doomed})
        return len(doomed), {"alerts_deleted": alerts, "transactions_deleted": cur.rowcount}

    @staticmethod
    def _rejected_batch(cur, params: dict) -> tuple[int, dict[str, int]]:
        cur.execute(_LOCK_TIMEOUT)
        cur.execute(_DELETE_REJECTED, params)
        return cur.rowcount, {"rejected_rows_deleted": cur.rowcount}

    @staticmethod
    def _ledger_batch(cur, params: dict) -> tuple[int, dict[str, int]]:
        cur.execute(_LOCK_TIMEOUT)
        cur.execute(_FORGET_FILES, params)
        return cur.rowcount, {"files_forgotten": cur.rowcount}

    def _start(self, cur, result: RetentionResult) -> int:
        cur.execute("INSERT INTO retention_run (hot_days, ledger_days, hot_cutoff, ledger_cutoff) "
                    "VALUES (%s, %s, %s, %s) RETURNING run_id",
                    (self._policy.hot_days, self._policy.ledger_days, result.hot_cutoff, result.ledger_cutoff))
        return cur.fetchone()[0]

    def _finish(self, cur, run_id: int, result: RetentionResult) -> None:
        cur.execute("UPDATE retention_run SET finished_at = clock_timestamp(), transactions_deleted = %s, "
                    "alerts_deleted = %s, rejected_rows_deleted = %s, files_forgotten = %s, complete = %s "
                    "WHERE run_id = %s",
                    (result.transactions_deleted, result.alerts_deleted, result.rejected_rows_deleted,
                     result.files_forgotten, result.complete, run_id))
