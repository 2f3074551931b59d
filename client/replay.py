"""Replaying a Sparkov CSV through POST /transactions: batches, threads, rate limit, retries.

Every row ends in exactly one place: accepted, rejected (the API's reasons), malformed (never sent)
or undelivered (retries exhausted). A batch is re-sent on 429, 5xx and connection errors with
exponential backoff and full jitter; that is safe because everything downstream dedupes on
`trans_num`. A 503 that lists `not_accepted` gets only those rows re-sent. 401/403 stops everything.
"""
from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from client.csvsource import Malformed, Row, SparkovCsv
from client.outcome import BatchOutcome, ReplayResult, new_rejection
from client.pacing import Pacer, RetryPolicy
from client.transport import ConnectionFailed, Reply, Transport

MAX_BATCH_SIZE = 500  # the API's limit per request (Kinesis PutRecords)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})


class AuthRefused(RuntimeError):
    """The API refused the token (401/403): retrying cannot help."""


def replay(path: str | Path, url: str, token: str, *, batch_size: int = MAX_BATCH_SIZE, concurrency: int = 4,
           rate: float | None = None, retry: RetryPolicy = RetryPolicy(), timeout: float = 30.0,
           warn: Callable[[str], None] = lambda message: None,
           on_progress: Callable[[int], None] = lambda rows: None,
           stop: threading.Event | None = None) -> ReplayResult:
    """Send every row of the CSV at `path` to the API at `url`; raises `AuthRefused` on 401/403. Setting `stop`
    ends the replay early: no new batch is sent, retries are dropped, and those rows are reported as not sent."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE or concurrency < 1:
        raise ValueError(f"batch_size must be 1..{MAX_BATCH_SIZE} and concurrency >= 1")
    transport, pacer, started = Transport(url, token, timeout), Pacer(rate), time.perf_counter()
    with SparkovCsv(path) as source:
        result = ReplayResult(dropped_columns=source.dropped)
        if source.dropped:
            warn(f"dropping columns outside the data dictionary: {', '.join(source.dropped)}")
        sender = _BatchSender(transport, retry, stop or threading.Event())
        try:
            _run(sender, _batches(source, batch_size, result, warn, on_progress), concurrency, pacer, result,
                 on_progress)
        finally:
            transport.close()
    result.elapsed = time.perf_counter() - started
    return result


def _batches(source: SparkovCsv, size: int, result: ReplayResult, warn: Callable[[str], None],
             on_progress: Callable[[int], None]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for item in source.rows():
        if isinstance(item, Malformed):
            result.malformed.append(item)
            warn(f"line {item.line}: {item.reason}; not sent")
            on_progress(1)
            continue
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run(sender: _BatchSender, batches: Iterator[list[Row]], concurrency: int, pacer: Pacer,
         result: ReplayResult, on_progress: Callable[[int], None]) -> None:
    in_flight: set[Future] = set()

    def collect(done: set[Future]) -> None:
        for future in done:
            outcome = future.result()  # re-raises AuthRefused
            result.add(outcome)
            on_progress(outcome.rows)

    with ThreadPoolExecutor(concurrency, thread_name_prefix="replay") as pool:
        try:
            for number, batch in enumerate(batches):
                if sender.stop.is_set():
                    break
                pacer.wait(len(batch))
                in_flight.add(pool.submit(sender.send, number, batch))
                result.sent += len(batch)
                if len(in_flight) >= 2 * concurrency:  # read ahead a little, not the whole file
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    collect(done)
            while in_flight:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                collect(done)
        except BaseException:
            sender.stop.set()
            for future in in_flight:
                future.cancel()
            raise


class _BatchSender:
    """Delivers one batch, retrying what may be retried. Runs on a worker thread."""

    def __init__(self, transport: Transport, retry: RetryPolicy, stop: threading.Event):
        self._transport, self._retry = transport, retry
        self._rng = random.Random()
        self.stop = stop

    def send(self, number: int, batch: list[Row]) -> BatchOutcome:
        outcome = BatchOutcome(number, len(batch), time.time(), tuple(_trans_num(row) for row in batch))
        pending = batch
        reason, retry_after = "not sent: the replay was stopped", None
        while pending and outcome.attempts < self._retry.max_attempts and not self.stop.is_set():
            if outcome.attempts:
                self.stop.wait(self._retry.delay(outcome.attempts, self._rng, retry_after))
            outcome.attempts += 1
            body = json.dumps({"transactions": [row.record for row in pending]}, separators=(",", ":"))
            try:
                reply = self._transport.post(body.encode("utf-8"))
            except ConnectionFailed as exc:
                reason, retry_after = f"no answer from the API ({exc})", None
                continue
            outcome.returned_at = time.time()
            if reply.status in AUTH_STATUSES:
                self.stop.set()  # the other workers' next request would be refused too
                raise AuthRefused(f"the API refused the token (HTTP {reply.status}); check --token")
            reason = f"HTTP {reply.status}: {reply.body.get('message', 'no reason given')}"
            pending, retry_after = _apply(reply, pending, outcome, reason), reply.retry_after
        outcome.give_up(pending, f"{reason} (after {outcome.attempts} attempts)")
        return outcome


def _apply(reply: Reply, pending: list[Row], outcome: BatchOutcome, reason: str) -> list[Row]:
    """Record what the reply says about each row of `pending`; return the rows to send again."""
    body, status = reply.body, reply.status
    verdicts, not_accepted = body.get("rejected"), body.get("not_accepted")
    if status == 503 and isinstance(not_accepted, list) or status in (200, 202, 400) and isinstance(verdicts, list):
        rejected = _reject(verdicts if isinstance(verdicts, list) else [], pending, outcome)
        resend = set(not_accepted or ())
        again = [row for i, row in enumerate(pending) if i not in rejected and _trans_num(row) in resend]
        for i, row in enumerate(pending):
            if i not in rejected and _trans_num(row) not in resend:
                outcome.accept(row)
        return again
    if status in RETRY_STATUSES:
        return pending
    outcome.give_up(pending, reason)  # 400 without verdicts, 413, 415...: sending it again cannot help
    return []


def _reject(verdicts: list, pending: list[Row], outcome: BatchOutcome) -> set[int]:
    rejected: set[int] = set()
    for item in verdicts:
        index = item.get("index") if isinstance(item, dict) else None
        if isinstance(index, int) and 0 <= index < len(pending) and index not in rejected:
            rejected.add(index)
            outcome.rejected.append(new_rejection(pending[index], item.get("errors")))
    return rejected


def _trans_num(row: Row) -> str:
    return row.record.get("trans_num", "").strip()  # the API strips it too
