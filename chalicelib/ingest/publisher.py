"""Kinesis PutRecords with bounded retries of exactly the entries that failed.

PutRecords is not all-or-nothing: a call can succeed while some entries fail
(`ProvisionedThroughputExceededException`, `InternalFailure`). Only those entries are sent again,
with exponential backoff and full jitter. Entries still failing at the end are returned, so the API
can answer 503 with the trans_nums the client should retry: downstream dedupes on trans_num.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.platform import metrics

MAX_RECORDS_PER_CALL = 500


@dataclass(frozen=True)
class Entry:
    partition_key: str
    data: bytes
    trans_num: str


class Publisher:
    def __init__(self, client, stream_name: str, max_attempts: int = 5, base_delay: float = 0.05,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        self._client = client
        self._stream = stream_name
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._sleep = sleep
        self._rng = rng or random.Random()

    def put(self, entries: Sequence[Entry]) -> list[Entry]:
        """Send every entry; return the ones not accepted after all attempts (empty on success)."""
        failed: list[Entry] = []
        for start in range(0, len(entries), MAX_RECORDS_PER_CALL):
            failed.extend(self._put_chunk(list(entries[start:start + MAX_RECORDS_PER_CALL])))
        metrics.add("KinesisRecordsFailed", len(failed))
        return failed

    def _put_chunk(self, pending: list[Entry]) -> list[Entry]:
        for attempt in range(self._max_attempts):
            if attempt:
                metrics.add("KinesisRecordsRetried", len(pending))
                self._sleep(self._rng.uniform(0, self._base_delay * 2 ** attempt))
            pending = self._send(pending)
            if not pending:
                return []
        return pending

    def _send(self, entries: list[Entry]) -> list[Entry]:
        try:
            response = self._client.put_records(
                StreamName=self._stream,
                Records=[{"Data": e.data, "PartitionKey": e.partition_key} for e in entries],
            )
        except (ClientError, BotoCoreError):
            # Throttled, unreachable or misconfigured: the whole call is pending again. Attempts are
            # bounded, and whatever is left becomes a 503 the client may safely retry.
            return entries
        if not response.get("FailedRecordCount"):
            return []
        return [e for e, r in zip(entries, response["Records"], strict=True) if r.get("ErrorCode")]
