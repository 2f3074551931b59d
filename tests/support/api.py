"""Driving POST /transactions through chalice's test client, and reading back what reached the stream (moto)."""
import json

from chalicelib.platform.clients import get_client
from tests.support.env import TEST_ENV


def post(api, auth_headers, body, **headers):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.http.post("/transactions", headers={**auth_headers, **headers}, body=raw)


def stream_records() -> list[dict]:
    kinesis = get_client("kinesis")
    out = []
    for shard in kinesis.list_shards(StreamName=TEST_ENV["STREAM_NAME"])["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=TEST_ENV["STREAM_NAME"], ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for record in kinesis.get_records(ShardIterator=iterator, Limit=10000)["Records"]:
            out.append({"partition_key": record["PartitionKey"], "data": record["Data"]})
    return out
