"""S3 raw CSV objects into PostgreSQL: exactly once per object version.

One database transaction per object holds its ledger row (`ingest_file`), the dimension upserts, the
facts and the rejected rows, so a crash anywhere leaves nothing behind and a retry loads the object fully.
A transaction-scoped advisory lock on the key makes a duplicate delivery wait for the first one and then
find it in the ledger. A file that is not a readable raw CSV file is marked `rejected` with the reason and
copied to the quarantine prefix; that is an answer, not an error, so Lambda does not retry it forever.
A database or S3 failure raises, so Lambda retries.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.load.body import BadFile, CsvBody
from chalicelib.load.rows import RowCounts, copy_rows, load_rows
from chalicelib.platform import metrics
from chalicelib.platform.db import Database
from chalicelib.platform.logs import log_event
from chalicelib.platform.sqlfiles import sql_text

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass
class LoadResult:
    bucket: str
    key: str
    status: str  # loaded | rejected | skipped (already in the ledger) | missing (object gone)
    etag: str = ""
    reason: str | None = None
    rows_total: int = 0
    rows_inserted: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    labels_updated: int = 0
    alerts_raised: int = 0  # by the hooks (fraud scoring)
    newest_arrival_ms: int = 0  # the newest row's arrival on the stream (the object's metadata; 0: unknown)


@dataclass(frozen=True)
class LoadContext:
    """What a hook gets: the file being loaded. The temporary table `stage` holds its rows (good ones
    have reason IS NULL), and its new transactions are in card_transaction already."""
    file_id: int
    bucket: str
    key: str
    etag: str
    counts: RowCounts


# (cursor, context) -> alerts raised, in the file's transaction. A hook with `scores = False` (the fraud state's
# upkeep on a stage that does not score) does not make the file's rows count as scored.
LoadHook = Callable[[Any, LoadContext], int | None]


class Loader:
    def __init__(self, s3, db: Database, quarantine_prefix: str, hooks: Sequence[LoadHook] = (),
                 clock: Callable[[], float] = time.time):
        self._clock = clock
        self._s3 = s3
        self._db = db
        self._quarantine_prefix = quarantine_prefix
        self._hooks = tuple(hooks)

    def load_object(self, bucket: str, key: str) -> LoadResult:
        """Load one object (if its version is not in the ledger yet) in one transaction."""
        started = time.perf_counter()
        result = self._db.transaction(lambda cur: self._load(cur, bucket, key))
        seconds = time.perf_counter() - started
        log_event("raw_file_" + result.status, **asdict(result), seconds=round(seconds, 3))
        scored = any(getattr(hook, "scores", True) for hook in self._hooks)
        _count(result, seconds, self._clock(), scored)  # after the commit: a retry counts once
        return result

    def _load(self, cur, bucket: str, key: str) -> LoadResult:
        # Duplicate deliveries of one key queue here; the later ones then find the first in the ledger.
        # The object is opened after the wait, so a long wait cannot time its stream out.
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{bucket}/{key}",))
        try:
            obj = self._s3.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return LoadResult(bucket, key, "missing", reason="the object no longer exists")
            raise
        etag = obj["ETag"].strip('"')
        newest_ms = _int(obj.get("Metadata", {}).get("last_arrival_ms"))
        with contextlib.closing(obj["Body"]) as body:
            cur.execute("SELECT status FROM ingest_file WHERE bucket = %s AND key = %s AND etag = %s",
                        (bucket, key, etag))
            found = cur.fetchone()
            if found:
                return LoadResult(bucket, key, "skipped", etag, reason=f"already {found[0]}")
            cur.execute("INSERT INTO ingest_file (bucket, key, etag, status) VALUES (%s, %s, %s, 'loaded') "
                        "RETURNING file_id", (bucket, key, etag))
            file_id = cur.fetchone()[0]
            try:
                rows = CsvBody(body)
                total = copy_rows(cur, rows)
                counts = load_rows(cur, file_id, key, total, proven=rows.proven(total))
            except BadFile as exc:
                return self._reject(cur, file_id, LoadResult(bucket, key, "rejected", etag, str(exc)))
        context = LoadContext(file_id, bucket, key, etag, counts)
        alerts = sum(hook(cur, context) or 0 for hook in self._hooks)
        cur.execute(sql_text("load", "finish_ledger"), {"file_id": file_id, **asdict(counts)})
        return LoadResult(bucket, key, "loaded", etag, None, counts.total, counts.inserted, counts.duplicate,
                          counts.rejected, counts.labels_updated, alerts, newest_ms)

    def _reject(self, cur, file_id: int, result: LoadResult) -> LoadResult:
        # Copy first: if S3 fails, the transaction rolls back and the whole load is retried.
        self._s3.copy_object(
            Bucket=result.bucket, Key=self.quarantine_key(result.key),
            CopySource={"Bucket": result.bucket, "Key": result.key}, CopySourceIfMatch=f'"{result.etag}"',
            MetadataDirective="REPLACE",
            Metadata={"reject-reason": result.reason.encode("ascii", "backslashreplace").decode()[:1024]})
        cur.execute("UPDATE ingest_file SET status = 'rejected', reason = %s, finished_at = clock_timestamp() "
                    "WHERE file_id = %s", (result.reason, file_id))
        return result

    def quarantine_key(self, key: str) -> str:
        """Where a rejected object's copy goes: quarantine/files/<its key>."""
        return f"{self._quarantine_prefix}files/{key}"


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


_FILE_METRICS = {"loaded": "FilesLoaded", "skipped": "FilesSkipped", "rejected": "FilesRejected"}


def _count(result: LoadResult, seconds: float, now: float, scored: bool) -> None:
    """The file's metrics (a `missing` object has none: nothing was there to load)."""
    name = _FILE_METRICS.get(result.status)
    if name is None:
        return
    metrics.add(name)
    metrics.add("LoadSeconds", seconds)
    if result.status != "loaded":
        return
    for metric, value in (("RowsInserted", result.rows_inserted), ("RowsDuplicate", result.rows_duplicate),
                          ("RowsRejected", result.rows_rejected)):
        metrics.add(metric, value)
    if scored:
        metrics.add("RowsScored", result.rows_inserted)
        metrics.add("AlertsRaised", result.alerts_raised)
    if result.newest_arrival_ms:
        metrics.add("FreshnessSeconds", max(0.0, now - result.newest_arrival_ms / 1000))
