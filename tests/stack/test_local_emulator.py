"""The local stack's moto server must not lose records under concurrent PutRecords, as AWS never does."""
import threading


def _count_records(kinesis, stream: str) -> int:
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    total = 0
    while True:
        response = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        if not response["Records"]:
            return total
        total += len(response["Records"])
        iterator = response["NextShardIterator"]


def test_concurrent_put_records_are_all_kept(emulator):
    kinesis = emulator.client("kinesis")
    kinesis.create_stream(StreamName="race", ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName="race", WaiterConfig={"Delay": 0.1})

    def put(writer: int) -> None:
        client = emulator.client("kinesis")
        for call in range(15):
            client.put_records(StreamName="race", Records=[
                {"Data": b"{}", "PartitionKey": f"{writer}-{call}-{n}"} for n in range(100)])

    threads = [threading.Thread(target=put, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count_records(kinesis, "race") == 6 * 15 * 100
