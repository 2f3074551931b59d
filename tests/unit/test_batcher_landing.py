"""The Kinesis handler end to end on moto's S3: keys, metadata, replays, quarantine, failures, logs."""
import base64
import json
import re

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber

from chalicelib.platform.clients import get_client
from chalicelib.stream.landing import StreamLanding
from tests.support.env import TEST_ENV
from tests.support.kinesis_events import SHARD, T0, encode_data, kinesis_event, kinesis_record, seq, stream_record
from tests.support.readback import read_back

BUCKET = TEST_ENV["BUCKET_NAME"]
RAW_KEY = re.compile(r"raw-data/dt=\d{4}-\d{2}-\d{2}/hour=\d{2}/"
                     r"shardId-\d{12}-\d{56}-\d{56}-\d+-(size|time|final)\.csv")


@pytest.fixture
def lambda_client(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


def _invoke(client, event):
    return client.lambda_.invoke("on_stream_records", event).payload


def _objects(prefix="") -> dict[str, bytes]:
    s3 = get_client("s3")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def _landing(**overrides) -> StreamLanding:
    options = {"max_bytes": 1024 * 1024, "max_age_seconds": 2.0, "gzip": False, **overrides}
    return StreamLanding(get_client("s3"), BUCKET, "raw-data/", "quarantine/", **options)


def _rows_as_records(data: bytes) -> list[dict]:
    header, rows = read_back(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _log_lines(out: str, event: str) -> list[dict]:
    return [line for line in map(json.loads, out.splitlines()) if line.get("event") == event]


def test_a_batch_lands_as_one_final_csv_named_for_its_records(lambda_client):
    records = [stream_record(merchant="fraud_Rippin, Kub and Mann"), stream_record(first="Zoë"), stream_record()]
    summary = _invoke(lambda_client, kinesis_event(records))
    [(key, body)] = _objects().items()
    assert key == f"raw-data/dt=2019-01-01/hour=00/{SHARD}-{seq(0)}-{seq(2)}-3-final.csv"
    assert RAW_KEY.fullmatch(key)
    assert _rows_as_records(body) == records
    assert summary == {"records": 3, "files": 1, "landed": 3, "quarantined": 0, "bytes": len(body), "shards": 1}


def test_objects_carry_count_bytes_trigger_and_sequence_range_as_metadata(lambda_client):
    _invoke(lambda_client, kinesis_event([stream_record() for _ in range(4)]))
    [key] = _objects()
    head = get_client("s3").head_object(Bucket=BUCKET, Key=key)
    assert head["Metadata"] == {"record_count": "4", "bytes": str(head["ContentLength"]), "trigger": "final",
                                "first_seq": seq(0), "last_seq": seq(3), "shard_id": SHARD,
                                "last_arrival_ms": str(round((T0 + 0.03) * 1000))}
    assert head["ContentType"] == "text/csv; charset=utf-8"


def test_partition_is_the_utc_date_and_hour_of_the_first_records_arrival(lambda_client):
    before_midnight = T0 - 18.5  # 2018-12-31 23:59:59.623 UTC; the next record arrives in 2019
    event = {"Records": [kinesis_record(encode_data(stream_record()), n, before_midnight + n * 0.5) for n in range(2)]}
    _invoke(lambda_client, event)
    [key] = _objects()
    assert key.startswith("raw-data/dt=2018-12-31/hour=23/")


def test_records_spanning_the_age_limit_are_cut_into_time_files(lambda_client):
    _invoke(lambda_client, kinesis_event([stream_record() for _ in range(5)], step_seconds=1.0))
    names = sorted(k.rsplit("-", 2)[1:] for k in _objects())  # [count, trigger]
    assert names == [["1", "final.csv"], ["2", "time.csv"], ["2", "time.csv"]]


def test_replaying_the_same_event_leaves_the_same_objects(lambda_client):
    event = kinesis_event([stream_record() for _ in range(6)], step_seconds=0.7)
    _invoke(lambda_client, event)
    first = _objects()
    _invoke(lambda_client, event)
    assert _objects() == first
    assert len(first) == 2


def test_size_trigger_cuts_files_at_the_byte_limit_identically_on_replay(aws):
    records = [stream_record() for _ in range(10)]
    _landing(max_bytes=1_000).land_event(kinesis_event(records))
    first = _objects()
    _landing(max_bytes=1_000).land_event(kinesis_event(records))
    assert _objects() == first
    assert [k.rsplit("-", 1)[1] for k in sorted(first)].count("size.csv") >= 2
    assert sorted(r["trans_num"] for body in first.values() for r in _rows_as_records(body)) == \
        sorted(r["trans_num"] for r in records)


def test_gzip_files_are_named_csv_gz_and_read_back_by_the_loaders_reader(aws):
    records = [stream_record(merchant='fraud_"Quoted", Inc.') for _ in range(3)]
    _landing(gzip=True).land_event(kinesis_event(records))
    [(key, body)] = _objects().items()
    assert key.endswith("-3-final.csv.gz") and body[:2] == b"\x1f\x8b"
    assert _rows_as_records(body) == records
    assert get_client("s3").head_object(Bucket=BUCKET, Key=key)["Metadata"]["bytes"] == str(len(body))


def test_poison_records_are_quarantined_and_the_good_ones_land(lambda_client):
    good = kinesis_event([stream_record(), stream_record()])["Records"]
    bad_json = base64.b64encode(b"{oops").decode()
    event = {"Records": [good[0], kinesis_record("@@not base64@@", 1), kinesis_record(bad_json, 2), good[1]]}
    summary = _invoke(lambda_client, event)
    [raw] = _objects("raw-data/").values()
    assert len(_rows_as_records(raw)) == 2
    [(key, body)] = _objects("quarantine/").items()
    assert key == f"quarantine/stream/dt=2019-01-01/hour=00/{SHARD}-{seq(1)}-{seq(2)}-2.jsonl"
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert [(x["sequence_number"], x["reason"], x["data_base64"]) for x in lines] == [
        (seq(1), "data is not valid base64", "@@not base64@@"), (seq(2), "data is not valid JSON", bad_json)]
    assert (summary["landed"], summary["quarantined"]) == (2, 2)


def test_a_batch_of_only_poison_writes_only_quarantine(lambda_client):
    _invoke(lambda_client, {"Records": [kinesis_record("!!", 0)]})
    assert [k.split("/")[0] for k in _objects()] == ["quarantine"]


def test_s3_refusing_the_first_put_raises_and_nothing_is_written(lambda_client):
    s3 = get_client("s3")
    with Stubber(s3) as stub:
        stub.add_client_error("put_object", service_error_code="SlowDown", http_status_code=503)
        with pytest.raises(ClientError, match="SlowDown"):
            _invoke(lambda_client, kinesis_event([stream_record() for _ in range(3)]))
        stub.assert_no_pending_responses()
    assert _objects() == {}


def test_s3_failing_mid_batch_raises_unacknowledged_and_the_retry_converges(lambda_client, capsys):
    event = kinesis_event([stream_record() for _ in range(6)], step_seconds=1.0)  # three files
    puts = []

    def fail_second_put(**kwargs):
        puts.append(1)
        if len(puts) == 2:
            raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    get_client("s3").meta.events.register("before-call.s3.PutObject", fail_second_put)
    with pytest.raises(EndpointConnectionError):
        _invoke(lambda_client, event)
    after_failure = _objects()
    out = capsys.readouterr().out
    assert _log_lines(out, "stream_batch") == []  # no summary: the batch is not acknowledged
    assert len(_log_lines(out, "stream_put_failed")) == 1

    _invoke(lambda_client, event)  # Kinesis delivers the same batch again
    retried = _objects()
    assert len(after_failure) == 1 and after_failure.items() <= retried.items()
    assert len(retried) == 3
    assert sum(len(_rows_as_records(b)) for b in retried.values()) == 6


def test_one_log_line_per_flush_and_one_summary(lambda_client, capsys):
    _invoke(lambda_client, kinesis_event([stream_record() for _ in range(3)], step_seconds=1.5))
    out = capsys.readouterr().out
    flushes = _log_lines(out, "stream_flush")
    assert [(f["records"], f["trigger"]) for f in flushes] == [(2, "time"), (1, "final")]
    assert {f["key"] for f in flushes} == set(_objects())
    assert all(f["bytes"] > 0 for f in flushes)
    [summary] = _log_lines(out, "stream_batch")
    assert (summary["records"], summary["files"]) == (3, 2)


def test_an_empty_batch_writes_nothing(lambda_client):
    summary = _invoke(lambda_client, {"Records": []})
    assert _objects() == {}
    assert (summary["records"], summary["files"]) == (0, 0)


def test_handler_reads_the_stream_from_trim_horizon_with_the_stages_batching():
    from app import app, settings

    [source] = [s for s in app.event_sources if s.name == "on_stream_records"]
    assert (source.stream, source.starting_position) == (settings.stream_name, "TRIM_HORIZON")
    assert (source.batch_size, source.maximum_batching_window_in_seconds) == (500, 2)
