"""The daily compaction: the raw files of the last few arrival days merged into the curated table by Athena.

Raw keys stay as they are (arrival time, deterministic, retry-safe); the curated table is partitioned by
transaction date, so a late row lands in its own day, and the MERGE on trans_num makes a file delivered twice,
an overlapping window and a rerun change nothing. The window reaches back `days` arrival days (default 3), so
a day the last run missed (a failed run, a late file) is caught by the next. `backfill` runs any window.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.lake.statements import bootstrap_statements, compaction_sql
from chalicelib.platform.logs import log_event

_DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


class CompactionFailed(RuntimeError):
    """An Athena statement did not succeed; the scheduled run fails, and the next run's window covers it."""


@dataclass
class CompactionResult:
    first_day: dt.date
    last_day: dt.date
    query_ids: list[str] = field(default_factory=list)


class Compactor:
    def __init__(self, athena, workgroup: str, database: str, location: str, days: int = 3,
                 clock: Callable[[], dt.datetime] | None = None, sleep: Callable[[float], None] = time.sleep,
                 poll_seconds: float = 2.0, timeout_seconds: float = 840.0):
        self._athena, self._workgroup, self._database, self._location = athena, workgroup, database, location
        self._days = days
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._sleep, self._poll, self._timeout = sleep, poll_seconds, timeout_seconds

    def compact_recent(self) -> CompactionResult:
        """The scheduled run: the last `days` arrival days up to today (today's files so far included)."""
        today = self._clock().date()
        return self.backfill(today - dt.timedelta(days=self._days - 1), today)

    def backfill(self, first_day: dt.date, last_day: dt.date) -> CompactionResult:
        result = CompactionResult(first_day, last_day)
        for statement in [*bootstrap_statements(self._location), compaction_sql(first_day, last_day)]:
            result.query_ids.append(self._run(statement))
        log_event("lake_compaction", first_day=first_day.isoformat(), last_day=last_day.isoformat(),
                  queries=len(result.query_ids))
        return result

    def _run(self, statement: str) -> str:
        query_id = self._athena.start_query_execution(
            QueryString=statement, WorkGroup=self._workgroup,
            QueryExecutionContext={"Database": self._database})["QueryExecutionId"]
        waited = 0.0
        while True:
            status = self._athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
            if status["State"] in _DONE:
                break
            if waited >= self._timeout:
                raise CompactionFailed(f"query {query_id} still {status['State']} after {waited:.0f} s")
            self._sleep(self._poll)
            waited += self._poll
        if status["State"] != "SUCCEEDED":
            raise CompactionFailed(f"query {query_id} {status['State']}: {status.get('StateChangeReason', '')}")
        return query_id


def monthly_windows(first_day: dt.date, last_day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The days first_day..last_day cut at month ends: a backfill's windows, each one MERGE."""
    windows = []
    while first_day <= last_day:
        next_month = (first_day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        windows.append((first_day, min(last_day, next_month - dt.timedelta(days=1))))
        first_day = next_month
    return windows


def main(argv: list[str] | None = None) -> int:
    """A backfill from a shell with the stage's AWS credentials: one MERGE per month of arrival days."""
    import argparse

    import boto3

    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.lake.compaction", description=main.__doc__,
        epilog="example: python -m chalicelib.lake.compaction --stage dev --bucket cardstream-dev-landing-123456789012 "
               "--first-day 2026-01-01 --last-day 2026-03-31")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--bucket", required=True, help="the stage's landing bucket")
    parser.add_argument("--first-day", type=dt.date.fromisoformat, required=True, help="first arrival day (dt=)")
    parser.add_argument("--last-day", type=dt.date.fromisoformat, required=True, help="last arrival day")
    args = parser.parse_args(argv)
    compactor = Compactor(boto3.client("athena"), f"cardstream-{args.stage}-lake", f"cardstream_{args.stage}",
                          f"s3://{args.bucket}/lake/transactions/")
    for first, last in monthly_windows(args.first_day, args.last_day):  # each MERGE under the scan limit
        compactor.backfill(first, last)
        print(f"merged arrival days {first} .. {last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
