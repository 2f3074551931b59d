"""Property tests at the loader: what the API accepts, the database's rules accept too; the loader's body
reader raises only BadFile, whatever the bytes.

The first runs the loader's own SQL (COPY into the staging table, the checks, the upserts) on one tokenized
record inside a transaction that is rolled back, so examples leave nothing behind.
"""
import gzip
import io
import itertools

import psycopg2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from chalicelib.dictionary.fields import BY_NAME, FIELDS, STREAM_COLUMNS
from chalicelib.dictionary.validate import validate_transaction
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.load.body import BadFile, CsvBody
from chalicelib.load.rows import copy_rows, load_rows
from chalicelib.stream.csvfile import encode_csv
from tests.support.factories import make_transaction
from tests.support.strategies import padding, tricky

_TOKENIZER = CardTokenizer(b"p" * 32)
_KEYS = itertools.count()
names = st.text(min_size=1, max_size=40)


@st.composite
def accepted_candidates(draw):
    name = draw(st.sampled_from([f for f in FIELDS if f != "trans_num"]))
    kind = draw(st.sampled_from(["padded", "tricky", "text"] if BY_NAME[name].kind == "text" else ["padded", "tricky"]))
    if kind == "padded":
        value = draw(padding) + make_transaction()[name] + draw(padding)
    else:
        value = draw(names if kind == "text" else tricky)
    return make_transaction(**{name: value})


@pytest.fixture(scope="module")
def conn(pg_dsn):
    connection = psycopg2.connect(pg_dsn)
    yield connection
    connection.close()


def _load_rolled_back(conn, record: dict):
    """(counts, reasons) of loading a one-record file, without keeping anything."""
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO ingest_file (bucket, key, etag, status) VALUES ('property', %s, 'e', 'loaded') "
                        "RETURNING file_id", (f"raw-data/property-{next(_KEYS)}.csv",))
            file_id = cur.fetchone()[0]
            body = CsvBody(io.BytesIO(encode_csv([record])))
            total = copy_rows(cur, body)
            counts = load_rows(cur, file_id, "property", total, proven=body.proven(total))
            cur.execute("SELECT reason FROM rejected_row WHERE file_id = %s", (file_id,))
            return counts, [row[0] for row in cur.fetchall()]
    finally:
        conn.rollback()


@given(accepted_candidates())
def test_every_record_the_api_accepts_the_loader_stores(conn, item):
    try:
        record = _TOKENIZER.tokenize(validate_transaction(item))
    except ValidationError:
        return
    counts, reasons = _load_rolled_back(conn, record)
    assert (counts.inserted, counts.rejected, reasons) == (1, 0, []), item


_HEADER = ",".join(STREAM_COLUMNS).encode()


@given(st.binary(max_size=400), st.booleans(), st.booleans())
def test_the_loaders_body_reader_raises_only_bad_file_on_any_bytes(tail, with_header, gzipped):
    data = (_HEADER + b"\r\n" if with_header else b"") + tail
    if gzipped:
        data = gzip.compress(data)[: max(2, len(data))]
    try:
        body = CsvBody(io.BytesIO(data))
        while body.read(64):
            pass
    except BadFile:
        return
