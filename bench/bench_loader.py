"""The loader against the physical limit and the original design, on one generated 100k-row raw file.

(a) the loader end to end (header check, COPY to staging, validation, normalization, dedupe, upserts,
    facts, ledger, commit) into empty tables;
(b) a bare COPY of the same file into one unindexed all-text table: the physical limit;
(c) row-at-a-time INSERT ... ON CONFLICT DO NOTHING into one table, as the original design did (10k rows);
and the reload of the same rows in another object (all duplicates). Each is the best of a few interleaved
rounds, in a scratch database on 127.0.0.1:5432 (the embedded server where none runs), dropped at the end.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import tempfile
import time
from collections.abc import Iterator

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import make_dsn, parse_dsn

from bench.loader_data import generate_rows
from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.load.loader import Loader
from chalicelib.platform.db import Database, connect_kwargs, open_connection
from chalicelib.platform.migrate import apply_migrations
from chalicelib.platform.settings import Settings
from chalicelib.stream.csvfile import encode_csv

ROWS, ROW_INSERT_ROWS, ROUNDS = 100_000, 10_000, 5
LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"
TABLES = "rejected_row, card_transaction, customer, customer_address, merchant, ingest_file"
TEXT_COLUMNS = ", ".join(f"{c} text" for c in STREAM_COLUMNS)
FIRST, AGAIN = "raw-data/bench/first.csv", "raw-data/bench/again.csv"


class MemoryS3:
    """Objects in memory: the loader's get_object, without an S3 emulator's cost in the measurement."""

    def __init__(self, objects: dict[str, bytes]):
        self.objects = objects

    def get_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803 - boto3's argument names
        data = self.objects[Key]
        return {"ETag": f'"{hashlib.md5(data).hexdigest()}"', "Body": io.BytesIO(data)}


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    try:
        psycopg2.connect(LOCAL, connect_timeout=5).close()
        admin_dsn = LOCAL
    except psycopg2.OperationalError:
        from infra.local.postgres import ensure_postgres

        admin_dsn = ensure_postgres(tempfile.mkdtemp(prefix="cardstream-bench-"), on_exit="delete")
    name = sql.Identifier(f"cardstream_bench_{secrets.token_hex(4)}")
    admin = psycopg2.connect(admin_dsn)
    admin.autocommit = True
    admin.cursor().execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(name))
    try:
        yield make_dsn(**{**parse_dsn(admin_dsn), "dbname": name.string})
    finally:
        admin.cursor().execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.close()


def _timed(*steps) -> float:
    started = time.perf_counter()
    for step in steps:
        step()
    return time.perf_counter() - started


def _bare_copy(conn, data: bytes) -> float:
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS bare_copy; CREATE TABLE bare_copy ({TEXT_COLUMNS})")
        conn.commit()
        return _timed(lambda: cur.copy_expert("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)", io.BytesIO(data)),
                      conn.commit)


def _row_inserts(conn, rows: list[dict]) -> float:
    insert = (f"INSERT INTO row_insert ({', '.join(STREAM_COLUMNS)}) VALUES ({', '.join(['%s'] * len(STREAM_COLUMNS))})"
              " ON CONFLICT DO NOTHING")
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS row_insert; "
                    f"CREATE TABLE row_insert ({TEXT_COLUMNS}, PRIMARY KEY (trans_num))")
        conn.commit()
        return _timed(lambda: [cur.execute(insert, [r[c] for c in STREAM_COLUMNS]) for r in rows], conn.commit)


def _measure(dsn: str, data: bytes, rows: list[dict]) -> dict[str, float]:
    best = dict.fromkeys(("load", "reload", "copy", "row"), float("inf"))
    conn = psycopg2.connect(dsn)
    apply_migrations(conn)
    db = Database(lambda: open_connection(connect_kwargs(Settings({"DATABASE_URL": dsn}))))
    loader = Loader(MemoryS3({FIRST: data, AGAIN: data}), db, "quarantine/")
    try:
        for n in range(ROUNDS):
            with conn.cursor() as cur:
                cur.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
            conn.commit()
            best["copy"] = min(best["copy"], _bare_copy(conn, data))
            with contextlib.redirect_stdout(io.StringIO()):  # the loader's JSON log lines
                best["load"] = min(best["load"], _timed(lambda: loader.load_object("bench", FIRST)))
                best["reload"] = min(best["reload"], _timed(lambda: loader.load_object("bench", AGAIN)))
            if n < 3:
                best["row"] = min(best["row"], _row_inserts(conn, rows[:ROW_INSERT_ROWS]))
            print(f"   round {n + 1}: " + ", ".join(f"{k} {v:.2f}s" for k, v in best.items()), flush=True)
    finally:
        conn.close()
        db.close()
    return best


def run() -> list[dict]:
    rows = generate_rows(ROWS)
    data = encode_csv(rows)
    print(f"   {ROWS:,} rows, {len(data) / 1e6:.1f} MB, {len({r['card_token'] for r in rows})} cards, "
          f"{len({r['merchant'] for r in rows})} merchants", flush=True)
    with scratch_database() as dsn:
        best = _measure(dsn, data, rows)
    a, b, c = ROWS / best["load"], ROWS / best["copy"], ROW_INSERT_ROWS / best["row"]
    reload = ROWS / best["reload"]
    print(f"   loader {a:,.0f} rows/s | bare COPY {b:,.0f} | row-at-a-time {c:,.0f} | reload {reload:,.0f}")
    print(f"   a/b = {a / b:.3f} (target >= 0.10), a/c = {a / c:.1f} (target >= 7)")
    return [
        {"name": "loader_vs_copy", "value": a, "unit": "rows/s", "baseline": b, "ratio": a / b},
        {"name": "loader_vs_row_insert", "value": a, "unit": "rows/s", "baseline": c, "ratio": a / c},
        {"name": "loader_reload", "value": reload, "unit": "rows/s", "baseline": a, "ratio": reload / a},
    ]
