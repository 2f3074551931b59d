"""Kinesis records -> CSV file contents, cut by size, age and end of batch. Pure: no AWS, no clock.

A file is cut (its trigger) when
- `size`:  the buffered CSV row bytes reach `max_bytes` (the record that reaches it is in the file);
- `time`:  the current record arrived `max_age_seconds` or more after the first buffered one (the
           buffer is cut before it, so it opens the next file, as Firehose's buffer interval would);
- `final`: the batch ends with records buffered.
Age is measured on the records' Kinesis arrival timestamps, never the wall clock, and each shard has
its own buffer, so the same records always make the same files: a retried batch rewrites them.
A record that cannot be decoded or checked is returned as `Poison` with a reason; it never stops the rest.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.stream.record import decode_line


class MalformedEventError(ValueError):
    """The Lambda event is not shaped like a Kinesis event (not a record's fault: the envelope's)."""


@dataclass(slots=True)  # not frozen: a frozen dataclass costs ~1 us more per record to build
class KinesisItem:
    shard_id: str
    sequence_number: str
    arrival_ms: int  # approximateArrivalTimestamp in whole ms: exact comparisons, no float drift
    data: str  # base64, as delivered


@dataclass(frozen=True, slots=True)
class RawFile:
    shard_id: str
    first_seq: str
    last_seq: str
    trigger: str
    first_arrival_ms: int
    lines: tuple[bytes, ...]  # encoded CSV rows, header not included
    last_arrival_ms: int = 0  # the newest row's: the loader's freshness is measured from it

    @property
    def count(self) -> int:
        return len(self.lines)


@dataclass(frozen=True, slots=True)
class Poison:
    item: KinesisItem
    reason: str


@dataclass
class Plan:
    files: list[RawFile] = field(default_factory=list)
    poison: list[Poison] = field(default_factory=list)


def parse_event(event: Any) -> list[KinesisItem]:
    """The records of a Lambda Kinesis event, in delivery order."""
    try:
        return [_parse_record(r) for r in event["Records"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedEventError(f"not a Kinesis event: {exc!r}") from None


def _parse_record(record: dict) -> KinesisItem:
    kinesis = record["kinesis"]
    shard_id = record["eventID"].partition(":")[0]
    arrival_ms = round(float(kinesis["approximateArrivalTimestamp"]) * 1000)
    return KinesisItem(shard_id, str(kinesis["sequenceNumber"]), arrival_ms, kinesis["data"])


class FileBuffer:
    """One shard's buffered rows and the rule for cutting them into files."""

    def __init__(self, shard_id: str, max_bytes: int, max_age_seconds: float):
        self.shard_id = shard_id
        self._max_bytes = max_bytes
        self._max_age_ms = round(max_age_seconds * 1000)
        self._lines: list[bytes] = []
        self._bytes = 0
        self._first_seq = self._last_seq = ""
        self._first_ms = self._last_ms = 0

    def add(self, seq: str, arrival_ms: int, line: bytes) -> list[RawFile]:
        """Buffer one row; return the files this cut (none, one, or a `time` then a `size` file)."""
        cut = []
        if self._lines and arrival_ms - self._first_ms >= self._max_age_ms:
            cut.append(self._cut("time"))
        if not self._lines:
            self._first_seq, self._first_ms = seq, arrival_ms
        self._lines.append(line)
        self._bytes += len(line)
        self._last_seq, self._last_ms = seq, max(self._last_ms, arrival_ms)
        if self._bytes >= self._max_bytes:
            cut.append(self._cut("size"))
        return cut

    def finish(self) -> RawFile | None:
        """The `final` file of what is left, if anything."""
        return self._cut("final") if self._lines else None

    def _cut(self, trigger: str) -> RawFile:
        raw = RawFile(self.shard_id, self._first_seq, self._last_seq, trigger, self._first_ms, tuple(self._lines),
                      self._last_ms)
        self._lines, self._bytes, self._last_ms = [], 0, 0
        return raw


def plan_batch(items: Iterable[KinesisItem], max_bytes: int, max_age_seconds: float) -> Plan:
    """The files and poison records of one batch; each shard keeps its own order and buffer."""
    plan, buffers = Plan(), {}
    for item in items:
        line, reason = decode_line(item.data)
        if line is None:
            plan.poison.append(Poison(item, reason or "unreadable"))
            continue
        buffer = buffers.get(item.shard_id)
        if buffer is None:
            buffer = buffers[item.shard_id] = FileBuffer(item.shard_id, max_bytes, max_age_seconds)
        plan.files.extend(buffer.add(item.sequence_number, item.arrival_ms, line))
    plan.files.extend(f for f in (b.finish() for b in buffers.values()) if f is not None)
    return plan
