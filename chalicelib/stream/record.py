"""The stream record: how the API puts a tokenized transaction on Kinesis, and how the batcher reads it.

A record is a compact UTF-8 JSON array of its canonical values in `schema.STREAM_COLUMNS` order. Keys would be
~40% of the bytes, and a shard takes 1 MB/s. Free of JSON escapes, the array's body is byte for byte the raw
file's CSV line (csvfile.encode_row quotes every non-empty field), so `decode_line` checks it with one regex
built from the schema's canonical patterns and slices it. Any other spelling (an object written by an earlier
version, escapes other than \\") takes json.loads and the schema check; tests hold both paths to the same
line and the same poison reasons.
"""
from __future__ import annotations

import binascii
import json
import re
from typing import Any

import pybase64

from chalicelib.schema import CANONICAL_PATTERNS, STREAM_COLUMNS, check_stream_record
from chalicelib.stream.csvfile import encode_row, values_of

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_TEXT_PATTERN = CANONICAL_PATTERNS["merchant"].pattern


def _array_pattern() -> str:
    """The API's stream record (encode_stream_record): a compact JSON array of canonical values in
    column order. Free text may hold one escape, \\" (the API writes no other in text free of control
    characters, but \\\\); a text value is non-empty, then runs of plain characters between escapes. All
    repeats are possessive: the engine never backtracks into a value."""
    chars = r'[^\x00-\x1f\x7f"\\]*+'
    text = rf'(?=[^"]){chars}(?:\\"{chars})*+'
    values = (text if CANONICAL_PATTERNS[c].pattern == _TEXT_PATTERN else CANONICAL_PATTERNS[c].pattern
              for c in STREAM_COLUMNS)
    return r'\["' + '","'.join(f"(?:{v})" for v in values) + r'"\]'


# Read on the bytes (valid UTF-8 is checked apart). A match's body is the CSV line (csvfile.encode_row)
# but for two spellings: \\" is "" in CSV, and an empty label is "" in JSON but empty in CSV (COPY: NULL).
_ARRAY_RE = re.compile(_array_pattern().encode("ascii"))
_EMPTY_LAST = b',""'  # only the last column, the label, may be empty (asserted below)
assert [c for c in STREAM_COLUMNS if CANONICAL_PATTERNS[c].fullmatch("")] == [STREAM_COLUMNS[-1]]


def encode_stream_record(record: dict[str, str]) -> bytes:
    """A tokenized canonical record as the stream carries it: a compact UTF-8 JSON array of its values in
    STREAM_COLUMNS order."""
    return _ENCODE([record[c] for c in STREAM_COLUMNS]).encode("utf-8")


def decode_stream_record(data: bytes | str) -> Any:
    """What a stream payload holds: the API's array as a dict of the stream columns; any other JSON value as
    it is (an object written by an earlier version, or something check_stream_record will refuse).
    Raises ValueError when the data is not JSON."""
    value = json.loads(data)
    if type(value) is list and len(value) == len(STREAM_COLUMNS):
        return dict(zip(STREAM_COLUMNS, value, strict=True))
    return value


def decode_line(data: Any) -> tuple[bytes | None, str | None]:
    """(CSV line, None) for a good record, (None, reason) for a poison one."""
    try:
        # pybase64's SIMD decoder: binascii's loop was a quarter of the batcher's time. Bytes in, because
        # a str argument costs a conversion; validate=True rejects characters outside the alphabet.
        payload = pybase64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, AttributeError, ValueError):
        return None, "data is not valid base64"
    if not payload.isascii() and not _is_utf8(payload):
        return None, "data is not UTF-8"
    if _ARRAY_RE.fullmatch(payload) is not None:
        line = payload[1:-1]  # '"v0","v1",...,"v22"'
        if line.endswith(_EMPTY_LAST):
            line = line[:-2]
        # (find, not `in`: on bytes, `in` first tries its operand as an int, and that failed try costs more)
        if line.find(b"\\") >= 0:
            line = line.replace(b'\\"', b'""')  # the only escape the regex admits
        return line + b"\r\n", None
    text = payload.decode("utf-8")
    try:
        record = decode_stream_record(text)
    except (ValueError, RecursionError):
        return None, "data is not valid JSON"
    reason = check_stream_record(record)
    if reason is not None:
        return None, reason
    try:
        return encode_row(values_of(record)).encode("utf-8"), None
    except UnicodeEncodeError:  # a JSON escape like \ud800 decodes to a lone surrogate
        return None, "text holds an unpaired surrogate: not encodable as UTF-8"


def _is_utf8(payload: bytes) -> bool:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
