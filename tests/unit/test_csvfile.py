"""The raw CSV file format: what the batcher writes, the loader's reader gets back exactly (tests/support/readback.py;
the db tier reads the same files through COPY)."""
import csv
import gzip
import io
import itertools

import pytest

from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.load.body import BadFile
from chalicelib.stream.csvfile import HEADER, encode_csv, encode_row
from tests.support.kinesis_events import stream_record
from tests.support.readback import read_back


def test_header_is_the_schemas_stream_column_order():
    header, rows = read_back(encode_csv([]))
    assert header == list(STREAM_COLUMNS) == list(HEADER)
    assert rows == []


def test_round_trip_keeps_commas_quotes_and_non_ascii():
    records = [
        stream_record(merchant="fraud_Rippin, Kub and Mann"),
        stream_record(merchant='fraud_"Quoted" Merchant, Inc.', first="Zoë", last="O'Brien-Müller"),
        stream_record(job="Psychologist, counselling", city="São Paulo", street='12 "B" St'),
    ]
    header, rows = read_back(encode_csv(records))
    assert [dict(zip(header, row, strict=True)) for row in rows] == records


def test_unknown_label_is_an_empty_unquoted_field_so_copy_reads_null():
    data = encode_csv([stream_record(is_fraud="")])
    assert data.endswith(b",\r\n")  # is_fraud is the last column
    assert read_back(data)[1][0][-1] == ""


def test_rows_end_in_crlf_and_are_utf8():
    data = encode_csv([stream_record(first="Zoë")])
    lines = data.split(b"\r\n")
    assert len(lines) == 3 and lines[-1] == b""
    assert "Zoë".encode() in data


def test_encode_row_reads_back_with_the_csv_module_whatever_the_values_hold():
    pieces = ["", "a", ",", '"', '""', "\r", "\n", " x ", "é", "a,b", 'say "hi"', "\x1f"]
    for values in itertools.product(pieces, repeat=3):
        [row] = csv.reader(io.StringIO(encode_row(values), newline=""), strict=True)
        assert row == list(values), values


def test_encode_row_quotes_every_field_but_an_empty_one():
    assert encode_row(["a", "", 'b"c', "d,e", ""]) == '"a",,"b""c","d,e",\r\n'
    assert encode_row(["", "x"]) == ',"x"\r\n'


def test_files_with_minimal_quoting_from_earlier_versions_read_the_same():
    records = [stream_record(merchant="fraud_Rippin, Kub and Mann", is_fraud=""), stream_record(first="Zoë")]
    minimal = io.StringIO()
    csv.writer(minimal, lineterminator="\r\n").writerows([list(HEADER)] + [[r[c] for c in HEADER] for r in records])
    assert read_back(minimal.getvalue().encode()) == read_back(encode_csv(records))


def test_gzip_file_reads_back_the_same():
    records = [stream_record(), stream_record(merchant="fraud_Rippin, Kub and Mann")]
    plain, packed = encode_csv(records), encode_csv(records, gzip=True)
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed) == plain
    assert read_back(packed) == read_back(plain)


def test_gzip_bytes_are_identical_when_written_twice():
    records = [stream_record()]
    assert encode_csv(records, gzip=True) == encode_csv(records, gzip=True)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"\x1f\x8b\x08\x00garbage", "gzip"),
    (b"card_token\r\n\xff\xfe\r\n", "wrong header"),
    (b'a,b\r\n"open,quote\r\n', "wrong header"),
    (b"x" * 5000, "no header line"),
])
def test_files_the_loader_cannot_read_raise_bad_file_with_a_reason(data, reason):
    with pytest.raises(BadFile, match=reason):
        read_back(data)
