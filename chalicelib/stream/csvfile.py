"""The raw CSV files: the one format the batcher writes and the loader reads.

UTF-8, a header line of `dictionary.fields.STREAM_COLUMNS`, RFC 4180 quoting, '\\r\\n' line ends, optionally
gzipped. Every non-empty field is quoted; an unknown label (is_fraud "") is an empty unquoted field,
which Postgres COPY reads as NULL. Quoting every field is what makes the batcher cheap: the API's stream
record is a JSON array of the same values, and without escapes its body is this line byte for byte.
Files written earlier with minimal quoting (csv.writer's default) read the same to COPY.
"""
from __future__ import annotations

import gzip as _gzip
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter

from chalicelib.dictionary.fields import STREAM_COLUMNS

HEADER: tuple[str, ...] = STREAM_COLUMNS
LINE_END = "\r\n"
GZIP_MAGIC = b"\x1f\x8b"
GZIP_LEVEL = 6

values_of = itemgetter(*STREAM_COLUMNS)  # record dict -> tuple of values in column order


def encode_row(values: Sequence[str]) -> str:
    """One CSV line, line end included: every non-empty field quoted, an empty one (an unknown label) left
    empty so that COPY reads NULL. `values` holds two or more strings."""
    line = '"' + '","'.join(values) + '"'
    if line.count('"') != 2 * len(values):  # a value holds a quote: double it (rare)
        line = ",".join(['"' + v.replace('"', '""') + '"' if v else "" for v in values])
    elif '""' in line:  # with no quote inside a value, "" can only be an empty field
        line = line.replace('""', "")
    return line + LINE_END


HEADER_LINE: bytes = (",".join(HEADER) + LINE_END).encode("utf-8")  # names never need quoting


def assemble_file(lines: Iterable[bytes], gzip: bool = False) -> bytes:
    """A whole file: the header line, then the already encoded row lines."""
    body = HEADER_LINE + b"".join(lines)
    # mtime=0 keeps the bytes (and the ETag) identical when a retried batch rewrites the object.
    return _gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if gzip else body


def encode_csv(records: Iterable[Mapping[str, str]], gzip: bool = False) -> bytes:
    """A file holding `records` (dicts with the STREAM_COLUMNS keys, canonical string values)."""
    return assemble_file((encode_row(values_of(r)).encode("utf-8") for r in records), gzip)
