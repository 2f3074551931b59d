"""The pure batcher: decoding, poison reasons, and where files are cut (no AWS involved)."""
import base64
import json

import pytest

from chalicelib.stream.csvfile import encode_row, values_of
from chalicelib.stream.cutting import FileBuffer, MalformedEventError, parse_event, plan_batch
from tests.support.kinesis_events import encode_data, kinesis_event, kinesis_record, seq, stream_record


def _line(n: int = 100) -> bytes:
    return b"x" * (n - 2) + b"\r\n"


def _buffer(max_bytes=10_000, max_age=2.0) -> FileBuffer:
    return FileBuffer("shardId-000000000000", max_bytes, max_age)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# ---- where files are cut -------------------------------------------------------------------------

def test_size_cut_includes_the_record_that_reaches_the_limit():
    buffer = _buffer(max_bytes=300)
    assert buffer.add("1", 0, _line()) == []
    assert buffer.add("2", 10, _line()) == []
    [cut] = buffer.add("3", 20, _line())
    assert (cut.trigger, cut.first_seq, cut.last_seq, cut.count) == ("size", "1", "3", 3)
    assert buffer.finish() is None


def test_size_cut_waits_until_the_limit_is_reached():
    buffer = _buffer(max_bytes=301)
    for n in range(3):
        assert buffer.add(str(n), n, _line()) == []
    assert buffer.finish().count == 3


def test_time_cut_comes_before_the_record_that_arrives_max_age_after_the_first():
    buffer = _buffer(max_age=2.0)
    for n, ms in enumerate([0, 1000, 1999]):
        assert buffer.add(str(n), ms, _line()) == []
    [cut] = buffer.add("3", 2000, _line())
    assert (cut.trigger, cut.first_seq, cut.last_seq, cut.count, cut.first_arrival_ms) == ("time", "0", "2", 3, 0)
    rest = buffer.finish()
    assert (rest.trigger, rest.first_seq, rest.count, rest.first_arrival_ms) == ("final", "3", 1, 2000)


def test_time_span_is_measured_from_the_first_buffered_record_not_the_previous_one():
    buffer = _buffer(max_age=2.0)
    cuts = [c for n in range(30) for c in buffer.add(str(n), n * 100, _line())]  # 100 ms apart
    assert [(c.first_seq, c.count) for c in cuts] == [("0", 20)]


def test_final_cut_holds_what_is_left():
    buffer = _buffer()
    buffer.add("7", 0, _line())
    final = buffer.finish()
    assert (final.trigger, final.first_seq, final.last_seq, final.count) == ("final", "7", "7", 1)


def test_empty_buffer_has_no_final_file():
    assert _buffer().finish() is None


def test_one_late_large_record_cuts_by_time_and_then_by_size():
    buffer = _buffer(max_bytes=150, max_age=2.0)
    buffer.add("1", 0, _line())
    cuts = buffer.add("2", 5000, _line(200))
    assert [(c.trigger, c.first_seq, c.count) for c in cuts] == [("time", "1", 1), ("size", "2", 1)]


# ---- a whole batch --------------------------------------------------------------------------------

def _plan(event, max_bytes=1_000_000, max_age=2.0):
    return plan_batch(parse_event(event), max_bytes, max_age)


@pytest.mark.parametrize("max_bytes, max_age, step, triggers", [
    (2_500, 60.0, 0.01, {"size", "final"}),
    (1_000_000, 0.05, 0.01, {"time", "final"}),
    (1_000_000, 60.0, 0.01, {"final"}),
])
def test_each_trigger_cuts_the_same_files_on_replay(max_bytes, max_age, step, triggers):
    event = kinesis_event([stream_record() for _ in range(20)], step_seconds=step)
    first = _plan(event, max_bytes, max_age)
    replay = _plan(json.loads(json.dumps(event)), max_bytes, max_age)
    assert {f.trigger for f in first.files} == triggers
    assert first == replay
    assert sum(f.count for f in first.files) == 20


def test_every_record_lands_once_in_sequence_order():
    records = [stream_record() for _ in range(25)]
    plan = _plan(kinesis_event(records), max_bytes=2_000)
    lines = [line for f in plan.files for line in f.lines]
    assert lines == [encode_row(values_of(r)).encode() for r in records]


def test_each_shard_keeps_its_own_buffer_and_order():
    a = kinesis_event([stream_record() for _ in range(4)], shard="shardId-000000000000", step_seconds=1.0)
    b = kinesis_event([stream_record() for _ in range(4)], shard="shardId-000000000001", start=100, step_seconds=1.0)
    interleaved = {"Records": [r for pair in zip(a["Records"], b["Records"], strict=True) for r in pair]}
    plan = _plan(interleaved, max_age=2.0)
    by_shard = {}
    for f in plan.files:
        by_shard.setdefault(f.shard_id, []).append((f.first_seq, f.last_seq, f.trigger))
    assert by_shard == {
        "shardId-000000000000": [(seq(0), seq(1), "time"), (seq(2), seq(3), "final")],
        "shardId-000000000001": [(seq(100), seq(101), "time"), (seq(102), seq(103), "final")],
    }


def test_arrival_is_taken_in_whole_milliseconds_so_the_two_second_edge_is_exact():
    event = {"Records": [kinesis_record(encode_data(stream_record()), 0, 1545084650.987),
                         kinesis_record(encode_data(stream_record()), 1, 1545084652.987)]}
    assert [f.trigger for f in _plan(event, max_age=2.0).files] == ["time", "final"]


def test_an_event_that_is_not_kinesis_shaped_is_refused_by_name():
    with pytest.raises(MalformedEventError, match="not a Kinesis event"):
        parse_event({"Records": [{"s3": {}}]})


# ---- poison records -------------------------------------------------------------------------------

def _with(**changes) -> dict:
    record = stream_record()
    record.update(changes)
    return record


POISON = {
    "bad base64": ("%%%not-base64%%%", "not valid base64"),
    "non-ascii base64": ("ZÖ==", "not valid base64"),
    "not utf-8": (_b64(b'{"a": "\xff"}'), "not UTF-8"),
    "not json": (_b64(b"{not json"), "not valid JSON"),
    "json array of the wrong length": (_b64(b'["a", "b"]'), "holds 2 values, not the 23 stream columns"),
    "json array of numbers": (_b64(json.dumps(list(range(23))).encode()), "trans_date_trans_time: not canonical"),
    "json scalar": (_b64(b'"x"'), "not a JSON object or array"),
    "missing field": (encode_data({k: v for k, v in stream_record().items() if k != "amt"}), "field set differs"),
    "extra field": (encode_data(_with(cc_num="4111111111111111")), "field set differs"),
    "amount not canonical": (encode_data(_with(amt="4.9")), "amt: not canonical"),
    "number not string": (encode_data(_with(city_pop=3495)), "city_pop: not canonical"),
    "control character": (encode_data(_with(merchant="a\nb")), "merchant: not canonical"),
    "lone surrogate": (_b64(json.dumps(_with(first="\ud800")).encode()), "surrogate"),
}


@pytest.mark.parametrize("name", POISON)
def test_poison_record_is_set_aside_with_its_reason_and_the_rest_lands(name):
    data, reason = POISON[name]
    good = [encode_data(stream_record()) for _ in range(2)]
    event = {"Records": [kinesis_record(good[0], 0), kinesis_record(data, 1), kinesis_record(good[1], 2)]}
    plan = _plan(event)
    [poison] = plan.poison
    assert reason in poison.reason
    assert (poison.item.sequence_number, poison.item.data) == (seq(1), data)
    assert [(f.first_seq, f.last_seq, f.count) for f in plan.files] == [(seq(0), seq(2), 2)]
