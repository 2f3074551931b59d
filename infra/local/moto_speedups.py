"""Speed-ups for moto's Kinesis, applied in the emulator process only. Same answers, less CPU.

Measured on 10,000 records through the local stack, moto used more CPU than the API and the pump together:
- a shard finds its newest sequence number by copying all of its keys into a list, once per record put
  (quadratic in the stream's length), and GetRecords walks every record from the first one on each poll;
- PutRecords and GetRecords answers go through moto's generic serializer, about a millisecond per record.
Sequence numbers in a moto shard are consecutive integers, so both walks become lookups; the two answers
are written as the JSON that serializer writes (Data stays base64, timestamps are epoch seconds).

These replace moto internals, so they are guarded twice (infra/moto_guard.py): only on the moto releases
in PROVEN_ON, and only after one round trip on scratch streams answers exactly as stock moto does.
Otherwise stock moto runs, slower but right, after one warning line.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Callable

from infra.moto_guard import is_proven, moto_version, warn

PATCH_NAME = "the Kinesis speed-ups (infra/local/moto_speedups.py)"
PROVEN_ON = ("5.2.5", "5.2.6")


def _epoch(value: float | dt.datetime) -> float:
    """moto's record time: epoch seconds up to 5.2.5, a naive UTC datetime from 5.2.6 on."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).timestamp() if value.tzinfo is None else value.timestamp()
    return float(value)


def _base64(data: str | bytes) -> str:
    """moto's record data: the base64 text as received up to 5.2.5, the decoded bytes from 5.2.6 on."""
    return base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else data


def _newest(self) -> int:
    return next(reversed(self.records), 0)


def _oldest(self) -> int:
    return next(iter(self.records), 0)


def _shard_records(self, last_sequence_id: str, limit: int | None):
    """moto's Shard.get_records: the records after `last_sequence_id`, up to `limit`."""
    last, newest = int(last_sequence_id), _newest(self)
    results, seq = [], last + 1
    while seq <= newest and (not limit or len(results) < limit):
        record = self.records.get(seq)
        if record is not None:
            results.append(record)
            last = seq
        seq += 1
    behind = _epoch(self.records[newest].created_at) - _epoch(results[-1].created_at) if results else 0.0
    return results, last, int(behind * 1000)


def _put_records(self) -> str:
    result = self.kinesis_backend.put_records(self._get_param("StreamARN"), self._get_param("StreamName"),
                                              self._get_param("Records"))
    return json.dumps(result)


def _get_records(self) -> str:
    next_iterator, records, behind = self.kinesis_backend.get_records(
        self._get_param("StreamARN"), self._get_param("ShardIterator"), self._get_param("Limit"))
    return json.dumps({
        "NextShardIterator": next_iterator,
        "Records": [{"Data": _base64(r.data), "PartitionKey": r.partition_key, "SequenceNumber": str(r.sequence_number),
                     "ApproximateArrivalTimestamp": _epoch(r.created_at)} for r in records],
        "MillisBehindLatest": behind,
    })


def speedups() -> dict[tuple[type, str], Callable]:
    """(moto class, attribute) -> replacement. moto's internals are imported here, not at import time, so that
    a release that renamed them still starts the emulator (on stock moto)."""
    from moto.kinesis.models import Shard
    from moto.kinesis.responses import KinesisResponse

    return {
        (Shard, "get_max_sequence_number"): _newest,
        (Shard, "get_min_sequence_number"): _oldest,
        (Shard, "get_records"): _shard_records,
        (KinesisResponse, "put_records"): _put_records,
        (KinesisResponse, "get_records"): _get_records,
    }


def apply(kinesis, found_version: str | None = None, replacements: dict | None = None, say=warn) -> bool:
    """Install the speed-ups in this process if moto is a proven release and a round trip through `kinesis`
    (a client of this process's moto server) answers as stock moto does. True when they are on."""
    if not is_proven(PATCH_NAME, PROVEN_ON, found_version, say):
        return False
    replacements = speedups() if replacements is None else replacements
    try:
        stock = exercise(kinesis, "speedup-check-stock")
    except Exception as exc:  # noqa: BLE001 - stock moto itself failing is what the pump will then report
        say(f"warning: {PATCH_NAME}: left off, stock moto's Kinesis round trip failed ({type(exc).__name__}: {exc})")
        return False
    originals = _install(replacements)
    server_log = logging.getLogger("werkzeug")
    level, server_log.level = server_log.level, logging.CRITICAL  # a failing check is this one warning, no tracebacks
    try:
        patched = exercise(kinesis, "speedup-check-patched")
    except Exception as exc:  # noqa: BLE001 - any failure of the patched path means: stand down
        patched = f"{type(exc).__name__}: {exc}"
    finally:
        server_log.setLevel(level)
    if patched != stock:
        _install(originals)
        say(f"warning: {PATCH_NAME}: left off, on moto {found_version or moto_version()} their answers differ from "
            "stock moto's, so stock moto runs")
        return False
    return True


def remove(originals: dict) -> None:
    _install(originals)


def _install(replacements: dict) -> dict:
    """Set each (owner, attribute); the values they replaced, to undo it."""
    before = {(owner, name): owner.__dict__[name] for owner, name in replacements}
    for (owner, name), value in replacements.items():
        setattr(owner, name, value)
    return before


def exercise(kinesis, stream: str) -> list:
    """Puts and reads that cover every patched path, on a scratch stream deleted afterwards; the comparable
    part of each answer (arrival times compare by type: they differ between any two runs)."""
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    try:
        put = [kinesis.put_records(StreamName=stream, Records=[
            {"Data": f"batch {b} record {i} ,\"é".encode(), "PartitionKey": f"card-{i % 7}"} for i in range(40)])
            for b in range(3)]
        seen = [[(r["SequenceNumber"], r["ShardId"]) for r in p["Records"]] + [p["FailedRecordCount"]] for p in put]
        for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
            seen.append(shard["SequenceNumberRange"])
            seen += _read_shard(kinesis, stream, shard["ShardId"])
        return seen
    finally:
        kinesis.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)


def _read_shard(kinesis, stream: str, shard_id: str) -> list:
    seen = []
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for limit in (5, 17, 1000, 3):
        out = kinesis.get_records(ShardIterator=iterator, Limit=limit)
        seen.append([(r["Data"], r["PartitionKey"], r["SequenceNumber"], type(r["ApproximateArrivalTimestamp"]))
                     for r in out["Records"]])
        seen.append(type(out["MillisBehindLatest"]))
        iterator = out["NextShardIterator"]
    middle = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                        StartingSequenceNumber="4")["ShardIterator"]
    seen.append([r["SequenceNumber"] for r in kinesis.get_records(ShardIterator=middle)["Records"]])
    return seen
