"""The S3 side of the stream batcher: one Kinesis batch -> raw CSV objects and quarantine JSON lines.

Every object of a batch is built before the first write, and every key depends only on the records it
holds, so a retried batch rewrites the same objects. A failed PutObject raises: Lambda then reports the
batch as failed and Kinesis delivers it again; nothing is acknowledged that is not on S3.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.platform import metrics
from chalicelib.platform.logs import log_event
from chalicelib.stream.csvfile import assemble_file
from chalicelib.stream.cutting import Plan, Poison, RawFile, parse_event, plan_batch


@dataclass(frozen=True)
class S3Object:
    key: str
    body: bytes
    content_type: str
    metadata: dict[str, str]
    kind: str  # "raw" or "quarantine"
    records: int
    trigger: str = ""


def _partition(arrival_ms: int) -> str:
    return time.strftime("dt=%Y-%m-%d/hour=%H", time.gmtime(arrival_ms // 1000))


def raw_key(prefix: str, raw: RawFile, gzip: bool) -> str:
    """`{prefix}dt=YYYY-MM-DD/hour=HH/{shard}-{first_seq}-{last_seq}-{count}-{trigger}.csv[.gz]` (UTC)."""
    name = f"{raw.shard_id}-{raw.first_seq}-{raw.last_seq}-{raw.count}-{raw.trigger}.csv"
    return f"{prefix}{_partition(raw.first_arrival_ms)}/{name}{'.gz' if gzip else ''}"


def quarantine_key(prefix: str, poison: list[Poison]) -> str:
    """`{prefix}stream/dt=.../hour=../{shard}-{first_seq}-{last_seq}-{count}.jsonl`: one shard's poison."""
    first, last = poison[0].item, poison[-1].item
    name = f"{first.shard_id}-{first.sequence_number}-{last.sequence_number}-{len(poison)}.jsonl"
    return f"{prefix}stream/{_partition(first.arrival_ms)}/{name}"


def _poison_line(p: Poison) -> str:
    # The raw data is safe to keep: the API tokenized the card number before the record reached the stream.
    return json.dumps({"reason": p.reason, "shard_id": p.item.shard_id, "sequence_number": p.item.sequence_number,
                       "arrival_ms": p.item.arrival_ms, "data_base64": p.item.data}, default=str) + "\n"


def _count(summary: dict[str, Any], raw: list[S3Object]) -> None:
    for name, field in (("RecordsLanded", "landed"), ("FilesWritten", "files"), ("RecordsQuarantined", "quarantined"),
                        ("BytesWritten", "bytes")):
        metrics.add(name, summary[field])
    triggers: dict[str, int] = {}
    for obj in raw:
        triggers[obj.trigger] = triggers.get(obj.trigger, 0) + 1
    metrics.add_by("FilesWritten", "trigger", triggers)


class StreamLanding:
    def __init__(self, s3, bucket: str, raw_prefix: str, quarantine_prefix: str,
                 max_bytes: int, max_age_seconds: float, gzip: bool = False):
        self._s3 = s3
        self._bucket = bucket
        self._raw_prefix = raw_prefix
        self._quarantine_prefix = quarantine_prefix
        self._max_bytes = max_bytes
        self._max_age_seconds = max_age_seconds
        self._gzip = gzip

    def land_event(self, event: Any) -> dict[str, Any]:
        """Write one Lambda Kinesis event's files; return (and log) the invocation's summary."""
        items = parse_event(event)
        objects = self.build_objects(plan_batch(items, self._max_bytes, self._max_age_seconds))
        for obj in objects:
            self._put(obj)
        raw = [o for o in objects if o.kind == "raw"]
        summary = {"records": len(items), "files": len(raw), "landed": sum(o.records for o in raw),
                   "quarantined": sum(o.records for o in objects if o.kind == "quarantine"),
                   "bytes": sum(len(o.body) for o in raw), "shards": len({i.shard_id for i in items})}
        log_event("stream_batch", **summary)
        _count(summary, raw)
        return summary

    def build_objects(self, plan: Plan) -> list[S3Object]:
        """Every object a plan writes, raw files first, then one quarantine object per shard."""
        objects = [self._raw_object(raw) for raw in plan.files]
        by_shard: dict[str, list[Poison]] = {}
        for p in plan.poison:
            by_shard.setdefault(p.item.shard_id, []).append(p)
        objects.extend(self._quarantine_object(group) for group in by_shard.values())
        return objects

    def _raw_object(self, raw: RawFile) -> S3Object:
        body = assemble_file(raw.lines, self._gzip)
        metadata = {"record_count": str(raw.count), "bytes": str(len(body)), "trigger": raw.trigger,
                    "first_seq": raw.first_seq, "last_seq": raw.last_seq, "shard_id": raw.shard_id,
                    "last_arrival_ms": str(raw.last_arrival_ms)}
        content_type = "application/gzip" if self._gzip else "text/csv; charset=utf-8"
        return S3Object(raw_key(self._raw_prefix, raw, self._gzip), body, content_type, metadata,
                        "raw", raw.count, raw.trigger)

    def _quarantine_object(self, poison: list[Poison]) -> S3Object:
        body = "".join(map(_poison_line, poison)).encode("utf-8")
        metadata = {"record_count": str(len(poison)), "bytes": str(len(body)), "source": "stream",
                    "first_seq": poison[0].item.sequence_number, "last_seq": poison[-1].item.sequence_number}
        return S3Object(quarantine_key(self._quarantine_prefix, poison), body, "application/x-ndjson",
                        metadata, "quarantine", len(poison))

    def _put(self, obj: S3Object) -> None:
        try:
            self._s3.put_object(Bucket=self._bucket, Key=obj.key, Body=obj.body,
                                ContentType=obj.content_type, Metadata=obj.metadata)
        except Exception as exc:
            log_event("stream_put_failed", key=obj.key, error=type(exc).__name__)
            raise
        if obj.kind == "raw":
            log_event("stream_flush", key=obj.key, records=obj.records, bytes=len(obj.body), trigger=obj.trigger)
        else:
            log_event("stream_quarantine", key=obj.key, records=obj.records)
