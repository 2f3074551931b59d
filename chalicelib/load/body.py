"""A raw CSV object's body, streamed for COPY: gunzipped when gzipped, its header line checked first.

The format is chalicelib/stream/csvfile.py's: UTF-8, RFC 4180, a header of the stream columns. Gzip is told
apart by its magic bytes, not the key's suffix. The body is never held whole in memory; COPY pulls it in
chunks through `read(n)`, and Postgres itself checks the CSV quoting and the UTF-8 of every row. The chunks
also pass through a LineProof on their way (lineproof.py), which tells the loader whether the rows' per-row
fields still need the database's checks.
"""
from __future__ import annotations

import gzip
import zlib

from chalicelib.dictionary.fields import FIELDS, STREAM_COLUMNS
from chalicelib.load.lineproof import LineProof
from chalicelib.stream.csvfile import GZIP_MAGIC, HEADER_LINE

MAX_HEADER_BYTES = 4096
_EXPECTED = HEADER_LINE.rstrip(b"\r\n")
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
_KNOWN_NAMES = frozenset(STREAM_COLUMNS) | frozenset(FIELDS)


class BadFile(ValueError):
    """The object is not a raw CSV file the loader can read. Retrying cannot help: it is quarantined."""


class CsvBody:
    """A readable stream of the object's CSV bytes, header line included, for COPY ... (HEADER true)."""

    def __init__(self, body):
        self.failure: Exception | None = None  # what stopped read(), since COPY hides it
        head = body.read(len(GZIP_MAGIC))
        source = _Prefixed(head, body)
        self._source = gzip.GzipFile(fileobj=source, mode="rb") if head == GZIP_MAGIC else source
        self._pending = self._read_header()
        _check_header(self._pending)
        self._proof = LineProof()

    def proven(self, rows: int) -> bool:
        """Whether every line read so far is a proven row (LineProof), and COPY read `rows` of them."""
        return self._proof.holds(rows)

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            chunk, self._pending = self._pending, b""
        else:
            chunk = self._read(size)
        self._proof.feed(chunk)
        return chunk

    def _read(self, size: int) -> bytes:
        try:
            return self._source.read(size)
        except _GZIP_ERRORS as exc:
            self.failure = BadFile(f"not a readable gzip file: {exc}")
            raise self.failure from None
        except Exception as exc:
            self.failure = exc  # e.g. the S3 stream broke: transient, the caller re-raises it as it was
            raise

    def _read_header(self) -> bytes:
        data = b""
        while b"\n" not in data and len(data) < MAX_HEADER_BYTES:
            chunk = self._read(1024)
            if not chunk:
                break
            data += chunk
        return data


def _check_header(data: bytes) -> None:
    if not data:
        raise BadFile("file is empty: no header line")
    line, newline, _ = data.partition(b"\n")
    if not newline and len(data) >= MAX_HEADER_BYTES:
        raise BadFile(f"no header line in the first {MAX_HEADER_BYTES} bytes: not a raw CSV file")
    line = line.rstrip(b"\r")
    if line != _EXPECTED:
        raise BadFile(_header_problem(line.decode("utf-8", errors="replace").split(",")))


def _header_problem(got: list[str]) -> str:
    # Names the first wrong field only when it is a known column name: the line may be a data row, and the
    # reason ends up where the reporting role can read it, so it must never echo the line's values.
    count = f"wrong header: {len(got)} fields where {len(STREAM_COLUMNS)} stream columns are expected"
    for i, expected in enumerate(STREAM_COLUMNS):
        if i >= len(got):
            return f"{count}; {expected!r} (field {i + 1}) is missing"
        if got[i] != expected:
            found = repr(got[i]) if got[i] in _KNOWN_NAMES else "not a column name"
            return f"{count}; field {i + 1} is {found}, expected {expected!r}"
    return f"{count}; field {len(STREAM_COLUMNS) + 1} is one too many"


class _Prefixed:
    """`prefix` then the rest of `body`: the bytes read to sniff the format are not lost."""

    def __init__(self, prefix: bytes, body):
        self._prefix = prefix
        self._body = body

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size is None or size < 0:
                chunk, self._prefix = self._prefix + self._body.read(), b""
                return chunk
            chunk, self._prefix = self._prefix[:size], self._prefix[size:]
            return chunk
        return self._body.read(size) if size is not None and size >= 0 else self._body.read()
