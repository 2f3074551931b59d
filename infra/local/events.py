"""Lambda-shaped events and context, built the way the AWS event sources build them.

Kinesis: eventID "<shardId>:<sequenceNumber>", eventSourceARN the stream ARN, data base64.
Schedule: an EventBridge "Scheduled Event". (S3 events come from moto itself, see s3_pump.py.)
"""
from __future__ import annotations

import base64
import datetime as dt
import uuid

from infra.local.aws import REGION

ACCOUNT = "123456789012"  # moto's default account


class LambdaContext:
    """The attributes of a Lambda context object that handlers commonly read."""

    def __init__(self, function_name: str, timeout_seconds: float = 60.0, memory_mb: int = 512):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=timeout_seconds)

    def get_remaining_time_in_millis(self) -> int:
        left = self._deadline - dt.datetime.now(dt.UTC)
        return max(0, int(left.total_seconds() * 1000))


def stream_arn(stream_name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream_name}"


def kinesis_event(stream_name: str, shard_id: str, records: list[dict]) -> dict:
    """The event Lambda's Kinesis event source delivers for `records` (GetRecords output) of one shard."""
    arn = stream_arn(stream_name)
    return {"Records": [_kinesis_record(arn, shard_id, rec) for rec in records]}


def _kinesis_record(arn: str, shard_id: str, rec: dict) -> dict:
    arrived = rec["ApproximateArrivalTimestamp"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": rec["PartitionKey"],
            "sequenceNumber": rec["SequenceNumber"],
            "data": base64.b64encode(rec["Data"]).decode("ascii"),
            "approximateArrivalTimestamp": arrived.timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{rec['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/cardstream-local",
        "awsRegion": REGION,
        "eventSourceARN": arn,
    }


def scheduled_event(rule_name: str) -> dict:
    """The EventBridge event a `Rate(...)` schedule delivers."""
    now = dt.datetime.now(dt.UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule_name}"],
        "detail": {},
    }
