"""The emulator's moto speed-ups give the answers moto itself gives, and stand down wherever they are not proven:
on another moto release, or when their round trip answers differ from stock moto's."""
import contextlib

import pytest
from moto import mock_aws
from moto.kinesis.models import Shard
from moto.kinesis.responses import KinesisResponse
from moto.server import ThreadedMotoServer

from infra.local import moto_speedups
from infra.moto_guard import moto_version


def test_patched_kinesis_answers_like_moto(emulator):
    with mock_aws():
        import boto3

        expected = moto_speedups.exercise(boto3.client("kinesis", region_name="us-east-1"), "speed")
    assert moto_speedups.exercise(emulator.client("kinesis"), "speed") == expected


def test_the_speedups_are_on_with_the_locked_moto(emulator):
    """When this fails after `make upgrade`, the new moto is unproven: prove the speed-ups on it (the test above)
    and add it to PROVEN_ON, or delete the speed-up that no longer answers like moto."""
    assert moto_version() in moto_speedups.PROVEN_ON
    assert emulator.speedups is not emulator.stock


def test_an_empty_shard_reads_as_empty_and_caught_up(emulator):
    kinesis = emulator.client("kinesis")
    kinesis.create_stream(StreamName="speed-empty", ShardCount=1)
    shard = kinesis.list_shards(StreamName="speed-empty")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="speed-empty", ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = kinesis.get_records(ShardIterator=iterator, Limit=10)
    assert (out["Records"], out["MillisBehindLatest"]) == ([], 0)


@contextlib.contextmanager
def _moto_in_this_process():
    """moto's public threaded server in this process (so its classes are the ones a patch changes): a client."""
    import boto3

    originals = {(owner, name): owner.__dict__[name] for owner, name in moto_speedups.speedups()}
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield boto3.client("kinesis", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="x")
    finally:
        server.stop()
        moto_speedups.remove(originals)  # whatever a test left installed


def _stock_methods() -> dict:
    return {(owner, name): owner.__dict__[name] for owner, name in moto_speedups.speedups()}


def test_on_an_unproven_moto_release_the_speedups_stay_off_with_one_warning():
    said, before = [], _stock_methods()
    assert moto_speedups.apply(kinesis=None, found_version="5.99.0", say=said.append) is False
    assert len(said) == 1 and "moto 5.99.0" in said[0] and "moto_speedups.py" in said[0]
    assert _stock_methods() == before


def test_the_speedups_switch_on_after_their_round_trip_matches_stock_moto():
    with _moto_in_this_process() as kinesis:
        said = []
        assert moto_speedups.apply(kinesis, say=said.append) is True
        assert said == [] and Shard.__dict__["get_records"] is moto_speedups._shard_records


def test_a_speedup_that_answers_differently_stands_down_and_stock_moto_is_restored():
    def reversed_records(self):
        body = moto_speedups._get_records(self)
        import json

        doc = json.loads(body)
        doc["Records"].reverse()
        return json.dumps(doc)

    broken = {**moto_speedups.speedups(), (KinesisResponse, "get_records"): reversed_records}
    with _moto_in_this_process() as kinesis:
        before, said = _stock_methods(), []
        assert moto_speedups.apply(kinesis, replacements=broken, say=said.append) is False
        assert len(said) == 1 and "differ from stock moto" in said[0]
        assert _stock_methods() == before


@pytest.mark.parametrize("created_at", [1_700_000_000.25, __import__("datetime").datetime(2023, 11, 14, 22, 13, 20,
                                                                                          250000)])
def test_record_times_read_the_same_as_epoch_seconds_or_naive_utc_datetimes(created_at):
    """moto 5.2.5 keeps epoch seconds, 5.2.6 a naive UTC datetime (the change that once broke GetRecords)."""
    assert moto_speedups._epoch(created_at) == 1_700_000_000.25
