"""Kinesis -> the stream handler, as Lambda's event source mapping does it.

One reader per shard: TRIM_HORIZON first, then NextShardIterator. A batch goes to the handler when it
holds `batch_size` records or its first record has waited the batching window. A failed batch is retried,
the same records again, and the shard waits meanwhile (Lambda's in-order, at-least-once behaviour).
Positions live in memory only, like the records themselves in moto.
"""
from __future__ import annotations

import threading
import time

from chalicelib.logs import log_event
from infra.local.events import kinesis_event
from infra.local.outage import ReadWatch
from infra.local.sources import KinesisSource, backoff_seconds, invoke

IDLE_POLL_SECONDS = 0.1


class ShardReader:
    def __init__(self, kinesis, source: KinesisSource, shard_id: str):
        self._kinesis = kinesis
        self._source = source
        self.shard_id = shard_id
        self._iterator = kinesis.get_shard_iterator(StreamName=source.stream, ShardId=shard_id,
                                                    ShardIteratorType=source.starting_position)["ShardIterator"]
        self.buffer: list[dict] = []
        self._first_buffered_at = 0.0
        self._attempt = 0
        self._retry_at = 0.0
        self.caught_up = False
        self.watch = ReadWatch(f"reading Kinesis stream {source.stream} ({shard_id}) from the emulator")

    def fill(self) -> int:
        """Read what the buffer has room for; the number of records read."""
        room = self._source.batch_size - len(self.buffer)
        if room <= 0:
            return 0
        out = self._kinesis.get_records(ShardIterator=self._iterator, Limit=room)
        self._iterator = out["NextShardIterator"]
        if out["Records"] and not self.buffer:
            self._first_buffered_at = time.monotonic()
        self.buffer.extend(out["Records"])
        self.caught_up = not out["Records"] and out.get("MillisBehindLatest", 0) == 0
        return len(out["Records"])

    def due(self, now: float, draining: bool) -> bool:
        if not self.buffer or now < self._retry_at:
            return False
        full = len(self.buffer) >= self._source.batch_size
        waited = now - self._first_buffered_at >= self._source.window_seconds
        return full or waited or draining

    def deliver(self) -> int:
        """Hand one batch to the handler; the number of records it took (0 when it failed)."""
        batch = self.buffer[: self._source.batch_size]
        self._attempt += 1
        event = kinesis_event(self._source.stream, self.shard_id, batch)
        if not invoke(self._source.name, self._source.handler, event, self._attempt):
            self._retry_at = time.monotonic() + backoff_seconds(self._attempt)
            return 0
        del self.buffer[: len(batch)]
        self._attempt, self._first_buffered_at = 0, time.monotonic()
        return len(batch)


class KinesisPump:
    """Reads every shard of one stream in a thread and feeds the handler."""

    def __init__(self, kinesis, source: KinesisSource):
        self._kinesis = kinesis
        self._source = source
        self._readers: list[ShardReader] = []
        self._thread = threading.Thread(target=self._run, name="kinesis-pump", daemon=True)
        self._draining = threading.Event()
        self.drained = threading.Event()
        self.records_delivered = 0
        self.batches_delivered = 0

    def start(self) -> None:
        shards = self._kinesis.list_shards(StreamName=self._source.stream)["Shards"]
        self._readers = [ShardReader(self._kinesis, self._source, s["ShardId"]) for s in shards]
        self._thread.start()

    def drain(self, timeout: float | None = None) -> bool:
        """Deliver everything on the stream without waiting for windows, then stop. True when done; False when
        it timed out or gave up because the stream could not be read (see `outage`)."""
        self._draining.set()
        return self.drained.wait(timeout) and self.outage is None

    @property
    def outage(self) -> str | None:
        return next((r.watch.outage for r in self._readers if r.watch.outage), None)

    def _run(self) -> None:
        while True:
            draining = self._draining.is_set()  # read before the pass, so a drain pass sees all records
            busy = False
            for reader in self._readers:
                busy |= self._step(reader, draining)
            if draining and not busy and all(r.caught_up and not r.buffer for r in self._readers):
                break
            if draining and self.outage:  # nothing more can be read: waiting out the drain timeout helps nobody
                break
            if not busy:
                time.sleep(IDLE_POLL_SECONDS)
        log_event("pump_kinesis_drained", records=self.records_delivered, batches=self.batches_delivered)
        self.drained.set()

    def _step(self, reader: ShardReader, draining: bool) -> bool:
        try:
            read = reader.fill()
        except Exception as exc:  # the emulator hiccupped: keep the position, try again next pass
            log_event("pump_kinesis_read_error", shard=reader.shard_id, error=f"{type(exc).__name__}: {exc}")
            reader.watch.failed(exc)
            return False
        reader.watch.succeeded()
        taken = reader.deliver() if reader.due(time.monotonic(), draining) else 0
        if taken:
            self.records_delivered += taken
            self.batches_delivered += 1
        return bool(read or taken)
