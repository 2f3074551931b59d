"""Fraud scoring's cost inside the loader: one 100k-row raw file loaded end to end with scoring on, against the
same file with scoring off (the loader alone), each into a fresh empty database, in alternating rounds (best of
each). Target: scoring costs at most 30% of the loader's rate (ratio >= 0.70 ... 0.77 means <= 30% slowdown).

PostgreSQL: DATABASE_URL's server, else the machine's at 127.0.0.1:5432, else an embedded one.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import secrets
import tempfile
import time

import psycopg2

from chalicelib.dictionary.fields import FIELDS
from chalicelib.dictionary.validate import validate_transaction
from chalicelib.fraud.scoring import ModelScorer
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.load.loader import Loader
from chalicelib.platform.db import Database
from chalicelib.platform.settings import get_settings
from chalicelib.stream.csvfile import encode_csv
from client.generate import generate_rows
from tools.evaluate.evaluation import MemoryShelf, scratch_database, session_options

ROWS = 100_000
ROUNDS = 3
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server() -> str:
    url = get_settings().database_url
    if url:
        return url
    try:
        psycopg2.connect(LOCAL_SERVER, connect_timeout=3).close()
        return LOCAL_SERVER
    except psycopg2.OperationalError:
        from infra.local.postgres import ensure_postgres  # an embedded server, stopped and deleted at exit

        return ensure_postgres(tempfile.mkdtemp(prefix="cardstream-bench-"), on_exit="delete")


def raw_file(start: dt.date = dt.date(2019, 1, 1), key: bytes | None = None, rows: int = ROWS) -> bytes:
    """`rows` generated rows (seed 5: 1,000 cards from 8,000 rows on) from `start` on, tokenized with `key`, as one
    raw CSV file."""
    tokenizer = CardTokenizer(key or secrets.token_bytes(32))
    records = [tokenizer.tokenize(validate_transaction(dict(zip(FIELDS, row, strict=True))))
               for row in generate_rows(rows, seed=5, start=start)]
    records.sort(key=lambda r: r["trans_date_trans_time"])
    return encode_csv(records)


def _load_seconds(server: str, body: bytes, hooks: tuple) -> tuple[float, int]:
    with scratch_database(server) as dsn:
        return load_seconds(dsn, body, hooks)


def load_seconds(dsn: str, body: bytes, hooks: tuple) -> tuple[float, int]:
    """Seconds to load and score `body` as one raw file into the database at `dsn`; the alerts it holds then."""
    db = Database(lambda: psycopg2.connect(dsn, options=session_options()))
    shelf = MemoryShelf()
    key = shelf.put("raw-data/bench/one.csv", body)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            started = time.perf_counter()
            result = Loader(shelf, db, "quarantine/", hooks).load_object("bench", key)
            seconds = time.perf_counter() - started
        assert result.rows_inserted == result.rows_total > 0, result
        alerts = db.transaction(lambda cur: (cur.execute("SELECT count(*) FROM fraud_alert"), cur.fetchone())[1])
    finally:
        db.close()
    return seconds, alerts[0]


def run() -> list[dict]:
    server = _server()
    body = raw_file()
    off, on, alerts = [], [], 0
    for _ in range(ROUNDS):
        off.append(_load_seconds(server, body, ())[0])
        seconds, alerts = _load_seconds(server, body, (ModelScorer(get_settings().fraud_alert_threshold),))
        on.append(seconds)
    value, baseline = ROWS / min(on), ROWS / min(off)
    print(f"   scoring off: {baseline:,.0f} rows/s ({min(off):.2f} s); scoring on: {value:,.0f} rows/s "
          f"({min(on):.2f} s, {alerts:,} alerts = {alerts / ROWS:.2%}); slowdown {1 - value / baseline:.1%} "
          f"(target <= 30%); rounds off {[round(s, 2) for s in off]} on {[round(s, 2) for s in on]}")
    return [{"name": "loader_scoring_overhead", "value": value, "unit": "rows/s", "baseline": baseline,
             "ratio": value / baseline}]
