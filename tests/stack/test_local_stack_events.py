"""The local stack's event pump: Lambda-shaped events and Lambda's batching and retry behaviour."""
import datetime as dt
import threading
import time
import uuid

import pytest
from chalice.app import KinesisEvent, Rate, S3Event

from chalicelib.stream.cutting import parse_event
from infra.local.events import kinesis_event, scheduled_event
from infra.local.kinesis_pump import KinesisPump
from infra.local.s3_pump import S3Pump
from infra.local.sources import KinesisSource, S3Source, Schedule, schedule_seconds

ARRIVED = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)


def _get_records_output(n: int, start: int = 1) -> list[dict]:
    return [{"Data": f'{{"n": {i}}}'.encode(), "PartitionKey": f"card-{i}", "SequenceNumber": str(i),
             "ApproximateArrivalTimestamp": ARRIVED} for i in range(start, start + n)]


def test_kinesis_event_reads_back_through_chalice_as_the_records_sent():
    event = KinesisEvent(kinesis_event("s", "shardId-000000000001", _get_records_output(2)), context=None)
    records = list(event)
    assert [r.data for r in records] == [b'{"n": 1}', b'{"n": 2}']
    assert [r.sequence_number for r in records] == ["1", "2"]
    assert [r.partition_key for r in records] == ["card-1", "card-2"]
    assert records[0].timestamp == ARRIVED.replace(tzinfo=None)  # chalice gives naive UTC


def test_kinesis_event_carries_shard_and_arrival_time_where_the_batcher_reads_them():
    items = parse_event(kinesis_event("s", "shardId-000000000007", _get_records_output(1)))
    assert items[0].shard_id == "shardId-000000000007"
    assert items[0].arrival_ms == round(ARRIVED.timestamp() * 1000)


def test_kinesis_event_names_the_stream_arn_as_lambda_does():
    record = kinesis_event("cardstream-local", "shardId-000000000000", _get_records_output(1))["Records"][0]
    assert record["eventSourceARN"].endswith(":stream/cardstream-local")
    assert record["eventID"] == "shardId-000000000000:1"


def test_scheduled_event_is_an_eventbridge_scheduled_event():
    event = scheduled_event("rule")
    assert event["detail-type"] == "Scheduled Event" and event["resources"][0].endswith(":rule/rule")


@pytest.mark.parametrize(("expression", "seconds"), [
    (Rate(15, unit=Rate.MINUTES), 900), (Rate(1, unit=Rate.HOURS), 3600), ("rate(2 days)", 172800)])
def test_schedule_seconds_reads_rate_expressions(expression, seconds):
    assert schedule_seconds(expression) == seconds


def test_schedule_seconds_refuses_cron():
    with pytest.raises(ValueError, match="rate"):
        schedule_seconds("cron(0 12 * * ? *)")


@pytest.fixture
def stream(emulator, request):
    name = f"pump-{request.node.name[:40]}"
    emulator.client("kinesis").create_stream(StreamName=name, ShardCount=1)
    return name


class Recorder:
    """A handler that records each batch's sequence numbers, failing the first `fail` calls."""

    def __init__(self, fail: int = 0):
        self.batches: list[list[str]] = []
        self.calls = 0
        self._fail = fail
        self.lock = threading.Lock()

    def __call__(self, event, context):
        with self.lock:
            self.calls += 1
            seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
            if self.calls <= self._fail:
                self.batches.append(["failed", *seqs])
                raise RuntimeError("injected handler failure")
            self.batches.append(seqs)


def _put(emulator, stream, n):
    emulator.client("kinesis").put_records(StreamName=stream, Records=[
        {"Data": b"x", "PartitionKey": str(i)} for i in range(n)])


def _pump(emulator, stream, handler, batch_size=5, window=30.0):
    pump = KinesisPump(emulator.client("kinesis"), KinesisSource("h", handler, stream, batch_size, window,
                                                                 "TRIM_HORIZON"))
    pump.start()
    return pump


def _wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_pump_delivers_full_batches_at_once_and_holds_a_partial_one_for_the_window(emulator, stream):
    _put(emulator, stream, 12)
    handler = Recorder()
    pump = _pump(emulator, stream, handler, batch_size=5, window=30.0)
    assert _wait_for(lambda: len(handler.batches) == 2)
    time.sleep(0.5)
    assert [len(b) for b in handler.batches] == [5, 5]  # the last 2 wait for the 30 s window
    assert pump.drain(10)
    assert handler.batches[-1] == ["11", "12"]


def test_pump_delivers_a_partial_batch_once_the_window_has_passed(emulator, stream):
    _put(emulator, stream, 3)
    handler = Recorder()
    pump = _pump(emulator, stream, handler, batch_size=100, window=0.3)
    assert _wait_for(lambda: handler.batches == [["1", "2", "3"]])
    assert pump.drain(10)


def test_pump_retries_a_failed_batch_with_the_same_records(emulator, stream):
    _put(emulator, stream, 4)
    handler = Recorder(fail=2)
    pump = _pump(emulator, stream, handler, batch_size=4, window=0)
    assert _wait_for(lambda: len(handler.batches) == 3)
    assert handler.batches == [["failed", "1", "2", "3", "4"]] * 2 + [["1", "2", "3", "4"]]
    assert pump.drain(10)


def test_pump_drain_delivers_records_still_inside_their_window(emulator, stream):
    _put(emulator, stream, 7)
    handler = Recorder()
    pump = _pump(emulator, stream, handler, batch_size=5, window=60.0)
    assert pump.drain(10)
    assert [s for batch in handler.batches for s in batch] == [str(i) for i in range(1, 8)]


class S3Recorder:
    """A handler that records each event's (decoded key, raw key), failing the first `fail` calls."""

    def __init__(self, fail: int = 0):
        self.calls: list[tuple[str, str, bool]] = []
        self._fail = fail

    def __call__(self, event, context):
        raw = event["Records"][0]["s3"]["object"]["key"]
        failing = len(self.calls) < self._fail
        self.calls.append((S3Event(event, context).key, raw, not failing))
        if failing:
            raise RuntimeError("injected handler failure")


@pytest.fixture
def bucket(emulator, request):
    name = f"pump-{uuid.uuid4().hex[:12]}"
    emulator.client("s3").create_bucket(Bucket=name)
    return name


def _s3_pump(emulator, bucket, handler, schedules=()):
    pump = S3Pump(emulator.client("s3"), emulator.client("sqs"),
                  S3Source("on_raw", handler, bucket, "raw-data/", "", ("s3:ObjectCreated:*",)), list(schedules),
                  retry_base_seconds=0.01)
    pump.start()
    return pump


def test_s3_pump_delivers_the_event_s3_sends_for_a_new_object_under_the_prefix(emulator, bucket):
    handler = S3Recorder()
    pump = _s3_pump(emulator, bucket, handler)
    s3 = emulator.client("s3")
    s3.put_object(Bucket=bucket, Key="elsewhere/x.csv", Body=b"a")
    s3.put_object(Bucket=bucket, Key="raw-data/dt=2024-05-06/a b.csv", Body=b"a")
    assert _wait_for(lambda: len(handler.calls) == 1)
    key, raw, _ = handler.calls[0]
    assert key == "raw-data/dt=2024-05-06/a b.csv" and raw != key  # URL-encoded on the wire, as S3 sends it
    assert pump.drain(10)
    assert [k for k, _, _ in handler.calls] == ["raw-data/dt=2024-05-06/a b.csv"]


def test_s3_pump_retries_a_failed_event_then_succeeds(emulator, bucket):
    handler = S3Recorder(fail=2)
    pump = _s3_pump(emulator, bucket, handler)
    emulator.client("s3").put_object(Bucket=bucket, Key="raw-data/f.csv", Body=b"a")
    assert _wait_for(lambda: len(handler.calls) == 3)
    assert [ok for _, _, ok in handler.calls] == [False, False, True]
    assert pump.drain(10)
    assert len(pump.files_delivered) == 1 and pump.files_given_up == []


def test_s3_pump_gives_an_event_up_after_its_attempts_and_leaves_it_to_the_sweep(emulator, bucket):
    swept = []
    handler = S3Recorder(fail=100)
    pump = _s3_pump(emulator, bucket, handler, [Schedule("sweep", lambda e, c: swept.append(e), 3600)])
    emulator.client("s3").put_object(Bucket=bucket, Key="raw-data/f.csv", Body=b"a")
    assert pump.drain(30)
    assert len(handler.calls) == 4 and pump.files_given_up == ["raw-data/f.csv"]
    assert len(swept) == 1 and pump.final_sweep_ok  # the drain's last sweep ran
