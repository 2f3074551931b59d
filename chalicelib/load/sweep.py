"""The recovery sweep: load raw files whose S3 event never came (notifications can be dropped or late).

It lists the raw prefix from the partition of `lookback_hours` ago (keys are `raw-data/dt=YYYY-MM-DD/
hour=HH/...`, so one listing starting there covers the window), skips files younger than `min_age_seconds`
(their event is probably being handled right now), asks the ledger which (key, etag) it has not seen in
one query, and loads those through the same loader as the events.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.load.loader import LoadResult
from chalicelib.platform import metrics
from chalicelib.platform.logs import log_event


class SweepIncomplete(RuntimeError):
    """Some missing files could not be loaded; the next sweep (or Lambda's retry) tries them again."""


@dataclass
class SweepResult:
    listed: int = 0
    missing: int = 0
    results: list[LoadResult] = field(default_factory=list)


class Sweeper:
    def __init__(self, s3, db, loader, bucket: str, raw_prefix: str, lookback_hours: int,
                 min_age_seconds: int, clock: Callable[[], dt.datetime] | None = None):
        self._s3, self._db, self._loader = s3, db, loader
        self._bucket, self._prefix = bucket, raw_prefix
        self._lookback = dt.timedelta(hours=lookback_hours)
        self._min_age = dt.timedelta(seconds=min_age_seconds)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def sweep(self) -> SweepResult:
        now = self._clock()
        listed = self.list_recent(now - self._lookback, now - self._min_age)
        missing = self._not_in_ledger(listed)
        result = SweepResult(listed=len(listed), missing=len(missing))
        failed = []
        for key in missing:
            try:
                result.results.append(self._loader.load_object(self._bucket, key))
            except Exception as exc:  # one bad load must not stop the others; reported below
                failed.append(key)
                log_event("sweep_load_failed", key=key, error=f"{type(exc).__name__}: {exc}")
        recovered = sum(r.status == "loaded" for r in result.results)
        log_event("sweep", listed=result.listed, missing=result.missing, failed=len(failed), loaded=recovered)
        metrics.add("FilesRecovered", recovered)
        metrics.add("SweepFailures", len(failed))
        if failed:
            raise SweepIncomplete(f"{len(failed)} of {len(missing)} missing files failed to load")
        return result

    def list_recent(self, since: dt.datetime, until: dt.datetime) -> dict[str, str]:
        """{key: etag} of raw files in the partitions from `since`'s hour on, last modified before `until`."""
        start_after = f"{self._prefix}dt={since:%Y-%m-%d}/hour={since:%H}"
        found = {}
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self._prefix, StartAfter=start_after)
        for page in pages:
            for obj in page.get("Contents", []):
                if not obj["Key"].endswith("/") and obj["LastModified"] <= until:
                    found[obj["Key"]] = obj["ETag"].strip('"')
        return found

    def _not_in_ledger(self, listed: dict[str, str]) -> list[str]:
        if not listed:
            return []

        def known(cur) -> set[tuple[str, str]]:
            cur.execute("SELECT key, etag FROM ingest_file WHERE bucket = %s AND key = ANY(%s)",
                        (self._bucket, list(listed)))
            return set(cur.fetchall())

        seen = self._db.transaction(known)
        return sorted(key for key, etag in listed.items() if (key, etag) not in seen)
