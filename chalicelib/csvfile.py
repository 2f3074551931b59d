"""The raw CSV files: the one format the batcher writes and the loader reads.

UTF-8, a header line of `schema.STREAM_COLUMNS`, RFC 4180 quoting, '\\r\\n' line ends, optionally
gzipped. An unknown label (is_fraud "") is an empty unquoted field, which Postgres COPY reads as NULL.

`encode_row` writes exactly what `csv.writer(f, lineterminator="\\r\\n")` (QUOTE_MINIMAL) writes, and a
test holds the two byte-equal. It is hand-rolled because csv.writer costs several microseconds a row
and this runs for every record on the stream; most rows need no quoting at all.
"""
from __future__ import annotations

import csv
import gzip as _gzip
import io
import zlib
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter

from chalicelib.schema import STREAM_COLUMNS

HEADER: tuple[str, ...] = STREAM_COLUMNS
LINE_END = "\r\n"
GZIP_MAGIC = b"\x1f\x8b"
GZIP_LEVEL = 6

values_of = itemgetter(*STREAM_COLUMNS)  # record dict -> tuple of values in column order


class CsvFileError(ValueError):
    """The bytes are not a readable CSV file (bad gzip, not UTF-8, malformed quoting, empty)."""


def encode_row(values: Sequence[str]) -> str:
    """One CSV line, line end included. `values` holds two or more strings."""
    line = ",".join(values)
    if '"' in line or "\n" in line or "\r" in line or line.count(",") != len(values) - 1:
        # Plain `in` tests: a regex search per value costs twice as much, and most rows quote a field or two.
        line = ",".join(['"' + v.replace('"', '""') + '"' if "," in v or '"' in v or "\n" in v or "\r" in v
                         else v for v in values])
    return line + LINE_END


HEADER_LINE: bytes = encode_row(HEADER).encode("utf-8")


def assemble_file(lines: Iterable[bytes], gzip: bool = False) -> bytes:
    """A whole file: the header line, then the already encoded row lines."""
    body = HEADER_LINE + b"".join(lines)
    # mtime=0 keeps the bytes (and the ETag) identical when a retried batch rewrites the object.
    return _gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if gzip else body


def encode_csv(records: Iterable[Mapping[str, str]], gzip: bool = False) -> bytes:
    """A file holding `records` (dicts with the STREAM_COLUMNS keys, canonical string values)."""
    return assemble_file((encode_row(values_of(r)).encode("utf-8") for r in records), gzip)


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a file, gzipped or not (told apart by the magic bytes). Raises CsvFileError."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = _gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise CsvFileError(f"not a readable gzip file: {exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvFileError(f"not UTF-8 at byte {exc.start}") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise CsvFileError(f"malformed CSV: {exc}") from None
    if not rows:
        raise CsvFileError("file is empty: no header line")
    return rows[0], rows[1:]
