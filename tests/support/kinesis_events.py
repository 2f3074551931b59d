"""Hand-built Lambda Kinesis events with distinct, realistic sequence numbers.

chalice.test's generator gives every record the same sequence number and arrival time, which would
hide exactly what the batcher's file names and cuts depend on.
"""
from __future__ import annotations

import base64
import hashlib
import json

from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.dictionary.validate import validate_transaction
from chalicelib.stream.record import encode_stream_record
from tests.support.factories import make_transaction

SEQ_BASE = 49590338271490256608559692538361571095921575989136588898  # 56 digits, like a real shard's
T0 = 1546300818.123  # 2019-01-01 00:00:18.123 UTC
SHARD = "shardId-000000000000"


def stream_record(**overrides) -> dict:
    """A tokenized, canonical record as the API puts it on the stream."""
    record = validate_transaction(make_transaction(**overrides))
    pan = record.pop("cc_num")
    record["card_token"] = hashlib.sha256(pan.encode()).hexdigest()  # any 64 hex digits will do here
    record["cc_last4"] = pan[-4:]
    return record


def encode_data(record: dict) -> str:
    """The base64 `data` of a Kinesis record holding `record` as UTF-8 JSON (as the API sends it)."""
    if set(record) == set(STREAM_COLUMNS):
        return base64.b64encode(encode_stream_record(record)).decode("ascii")
    # a record the API would never write (a test's poison): plain JSON
    return base64.b64encode(json.dumps(record, ensure_ascii=False).encode("utf-8")).decode("ascii")


def seq(i: int) -> str:
    return str(SEQ_BASE + 1_000_003 * i)


def kinesis_record(data: str, i: int, arrival: float | None = None, shard: str = SHARD) -> dict:
    """One Lambda event record: `data` is base64 text (or any string, to test bad input)."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "card",
            "sequenceNumber": seq(i),
            "data": data,
            "approximateArrivalTimestamp": T0 + i * 0.01 if arrival is None else arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{seq(i)}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/cardstream-test",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/cardstream-test",
    }


def kinesis_event(records: list[dict], shard: str = SHARD, start: int = 0, step_seconds: float = 0.01) -> dict:
    """An event of `records` on one shard, sequence numbers from `start`, arrivals `step_seconds` apart."""
    return {"Records": [kinesis_record(encode_data(r), start + n, T0 + (start + n) * step_seconds, shard)
                        for n, r in enumerate(records)]}
