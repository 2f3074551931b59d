"""Raw CSV files for the loader tests: canonical records, files as the batcher writes them, on moto S3."""
from __future__ import annotations

from collections.abc import Iterable

import psycopg2

from chalicelib.load.loader import Loader
from chalicelib.platform.clients import get_client
from chalicelib.platform.db import Database, connect_kwargs, open_connection
from chalicelib.platform.settings import get_settings
from chalicelib.stream.csvfile import encode_csv
from tests.support.factories import make_pan
from tests.support.kinesis_events import stream_record

BUCKET = "cardstream-test"
QUARANTINE = "quarantine/"
TABLES = ("rejected_row", "card_transaction", "customer", "customer_address", "merchant", "ingest_file")


def record(card: int | None = None, **fields) -> dict:
    """A canonical stream record (as the API puts it on the stream) on card number `card` (the same card,
    the same token), then `fields` set verbatim, as the CSV will hold them: good or bad."""
    base = stream_record() if card is None else stream_record(cc_num=make_pan(card))
    return {**base, **fields}


def raw_key(name: str, hour: str = "00", day: str = "2019-01-01", suffix: str = ".csv") -> str:
    return f"raw-data/dt={day}/hour={hour}/{name}{suffix}"


def put_file(key: str, content: Iterable[dict] | bytes, gzip: bool = False) -> str:
    """Write a raw file (records encoded as the batcher does, or raw bytes) to the test bucket."""
    body = content if isinstance(content, bytes) else encode_csv(list(content), gzip=gzip)
    get_client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return key


def make_database(role: str | None = None) -> Database:
    """A Database on DATABASE_URL (the `database_url` fixture), through the app's own connection path."""
    return Database(lambda: open_connection(connect_kwargs(get_settings()), role), base_delay=0.01)


def make_loader(hooks=(), role: str | None = None) -> Loader:
    return Loader(get_client("s3"), make_database(role), QUARANTINE, hooks)


def clear_tables(dsn: str) -> None:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    conn.close()


def query(dsn: str, sql: str, params=None) -> list[tuple]:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def execute(dsn: str, sql: str, params=None) -> None:
    """One statement, committed (as the superuser the tests connect as)."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
    conn.close()


def counts(dsn: str) -> dict[str, int]:
    """Rows per table."""
    return {t: query(dsn, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
