"""The emulator's moto speed-ups give the answers moto itself gives (moto's in-process mock, unpatched)."""
from moto import mock_aws


def _exercise(kinesis) -> list:
    """Puts and reads that cover every patched path; the comparable part of each answer."""
    kinesis.create_stream(StreamName="speed", ShardCount=2)
    put = [kinesis.put_records(StreamName="speed", Records=[
        {"Data": f"batch {b} record {i} ,\"é".encode(), "PartitionKey": f"card-{i % 7}"} for i in range(40)])
        for b in range(3)]
    seen = [[(r["SequenceNumber"], r["ShardId"]) for r in p["Records"]] + [p["FailedRecordCount"]] for p in put]
    for shard in kinesis.list_shards(StreamName="speed")["Shards"]:
        first = kinesis.get_shard_iterator(StreamName="speed", ShardId=shard["ShardId"],
                                           ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        seen.append(shard["SequenceNumberRange"])
        iterator = first
        for limit in (5, 17, 1000, 3):
            out = kinesis.get_records(ShardIterator=iterator, Limit=limit)
            seen.append([(r["Data"], r["PartitionKey"], r["SequenceNumber"], type(r["ApproximateArrivalTimestamp"]))
                         for r in out["Records"]])
            seen.append(type(out["MillisBehindLatest"]))
            iterator = out["NextShardIterator"]
        middle = kinesis.get_shard_iterator(StreamName="speed", ShardId=shard["ShardId"],
                                            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                            StartingSequenceNumber="4")["ShardIterator"]
        seen.append([r["SequenceNumber"] for r in kinesis.get_records(ShardIterator=middle)["Records"]])
    return seen


def test_patched_kinesis_answers_like_moto(emulator):
    with mock_aws():
        import boto3

        expected = _exercise(boto3.client("kinesis", region_name="us-east-1"))
    assert _exercise(emulator.client("kinesis")) == expected


def test_an_empty_shard_reads_as_empty_and_caught_up(emulator):
    kinesis = emulator.client("kinesis")
    kinesis.create_stream(StreamName="speed-empty", ShardCount=1)
    shard = kinesis.list_shards(StreamName="speed-empty")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="speed-empty", ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = kinesis.get_records(ShardIterator=iterator, Limit=10)
    assert (out["Records"], out["MillisBehindLatest"]) == ([], 0)
