"""The stream record: what the API writes, read back by the batcher's regex path and by json.loads alike."""
import base64
import json

from chalicelib.csvfile import encode_row, values_of
from chalicelib.schema import STREAM_COLUMNS, check_stream_record
from chalicelib.streamrecord import decode_line, decode_stream_record, encode_stream_record
from tests.kinesis_events import encode_data, stream_record


def test_a_record_is_a_json_array_of_its_values_in_column_order():
    record = stream_record(merchant='fraud_"Quoted", Inc.', first="Zoë")
    assert json.loads(encode_stream_record(record)) == [record[c] for c in STREAM_COLUMNS]
    assert decode_stream_record(encode_stream_record(record)) == record


def test_an_object_written_by_an_earlier_version_decodes_as_it_is():
    record = stream_record()
    assert decode_stream_record(json.dumps(record)) == record


def test_without_escapes_the_arrays_body_is_the_csv_line():
    record = stream_record(merchant="fraud_Rippin, Kub and Mann", is_fraud="")
    payload = encode_stream_record(record)
    assert payload[1:-1].replace(b',""', b",") + b"\r\n" == encode_row(values_of(record)).encode()


def test_fast_check_accepts_exactly_what_the_schema_accepts():
    base = stream_record(merchant="fraud_Rippin, Kub and Mann", is_fraud="")
    variants = [base] + [{**base, column: value} for column in STREAM_COLUMNS
                         for value in ("", " ", "x", "0", "4.97", "a\x1fb", "\x1f", "é", "AB", '"q"', "a,b")]
    for record in variants:
        line, reason = decode_line(encode_data(record))
        expected = check_stream_record(record)
        assert (line is None) == (expected is not None), record
        if line is not None:
            assert line == encode_row(values_of(record)).encode()
        else:
            assert reason == expected



def test_api_encoded_records_read_by_the_regex_path_give_the_same_line_as_json_loads():
    """The API's compact, column-ordered JSON is read by one regex; any other spelling of the same
    record goes through json.loads. Both must give the same CSV line, or the same poison reason."""

    base = stream_record(merchant="fraud_Rippin, Kub and Mann", is_fraud="")
    variants = [base] + [{**base, column: value} for column in STREAM_COLUMNS
                         for value in ("", "x", "0", "4.97", "Zoë, Søn", '"q"', "a\\b", "a,b", "\u2028",
                                    '"', "\\", '\\"', 'a\\",', "x\\\\", '\\\\"q"', 'a","b')]
    for record in variants:
        compact = base64.b64encode(encode_stream_record(record)).decode()
        spaced = base64.b64encode(json.dumps(record, indent=1).encode()).decode()  # an earlier version's object
        assert decode_line(compact) == decode_line(spaced), record
        if check_stream_record(record) is None:
            assert decode_line(compact) == (encode_row(values_of(record)).encode(), None)


def test_a_deeply_nested_stream_record_is_poison_not_a_crash():
    line, reason = decode_line(base64.b64encode(b"[" * 5_000 + b"]" * 5_000).decode())
    assert (line, reason) == (None, "data is not valid JSON")
