"""Bounded hot storage and the loader: what a load costs with and without retention (issue 18).

Tier 1 (docs/capacity.md) loads 8.64 M rows a day; this runs at 1/SCALE of it: DAYS_PER_FILL days of
8.64 M / SCALE rows each, loaded through the loader, then dated back one day per file. Measured, each the
best of ROUNDS loads of a fresh LOAD_ROWS-row file:
(a) a load into the table holding 2 x HOT days: no retention, the table has grown on;
(b) a load while a retention run deletes the older half in batches (its rows/s is printed too);
(c) a load into the table retention has brought down to HOT days.
Ratios: (b)/(a) shows what a running retention costs a load, (c)/(a) what a bounded table saves.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
import time

import psycopg2

from bench.bench_loader import MemoryS3, scratch_database
from bench.loader_data import generate_rows
from chalicelib.lake.retention import Retention, RetentionPolicy
from chalicelib.load.loader import Loader
from chalicelib.platform.db import Database, connect_kwargs, open_connection
from chalicelib.platform.migrate import apply_migrations
from chalicelib.platform.settings import Settings
from chalicelib.stream.csvfile import encode_csv

SCALE, HOT, LOAD_ROWS, ROUNDS = 1000, 30, 1000, 5
PER_DAY = 8_640_000 // SCALE


def _database(dsn: str) -> Database:
    return Database(lambda: open_connection(connect_kwargs(Settings({"DATABASE_URL": dsn}))))


def _fill(dsn: str, days: int, objects: dict[str, bytes]) -> Loader:
    rows = generate_rows(days * PER_DAY + 3 * ROUNDS * LOAD_ROWS, seed=18)
    loader = Loader(MemoryS3(objects), _database(dsn), "quarantine/")
    now = dt.datetime.now(dt.UTC)
    conn = psycopg2.connect(dsn)
    for day in range(days):
        key = f"raw-data/fill/day-{day}.csv"
        objects[key] = encode_csv(rows[day * PER_DAY:(day + 1) * PER_DAY])
        loader.load_object("bench", key)
        with conn.cursor() as cur:  # dated back: day 0 is the oldest
            cur.execute("UPDATE card_transaction SET loaded_at = %s WHERE source_key = %s",
                        (now - dt.timedelta(days=days - day, hours=1), key))
        conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # autovacuum's job in production; here before anything is timed
    conn.close()
    rest = rows[days * PER_DAY:]
    for n in range(3 * ROUNDS):
        objects[f"raw-data/probe/{n}.csv"] = encode_csv(rest[n * LOAD_ROWS:(n + 1) * LOAD_ROWS])
    return loader


def _best_load(loader: Loader, first: int) -> float:
    best = float("inf")
    for n in range(first, first + ROUNDS):
        started = time.perf_counter()
        loader.load_object("bench", f"raw-data/probe/{n}.csv")
        best = min(best, time.perf_counter() - started)
    return best


def _measure(dsn: str) -> dict[str, float]:
    objects: dict[str, bytes] = {}
    conn = psycopg2.connect(dsn)
    apply_migrations(conn)
    conn.close()
    with contextlib.redirect_stdout(io.StringIO()):  # the loader's JSON log lines
        loader = _fill(dsn, 2 * HOT, objects)
        grown = _best_load(loader, 0)
        retention = Retention(_database(dsn), RetentionPolicy(HOT, HOT + 1))
        done: dict = {}
        worker = threading.Thread(target=lambda: done.update(started=time.perf_counter(), result=retention.run(),
                                                             finished=time.perf_counter()))
        worker.start()
        time.sleep(0.2)  # the first batches are under way
        during = _best_load(loader, ROUNDS)
        worker.join()
        bounded = _best_load(loader, 2 * ROUNDS)
    deleted = done["result"].transactions_deleted
    print(f"   retention deleted {deleted:,} rows at {deleted / (done['finished'] - done['started']):,.0f} rows/s",
          flush=True)
    return {"grown": grown, "during": during, "bounded": bounded}


def run() -> list[dict]:
    print(f"   tier 1 / {SCALE}: {PER_DAY:,} rows a day, {2 * HOT} days loaded, hot window {HOT} days, "
          f"probe files of {LOAD_ROWS:,} rows", flush=True)
    with scratch_database() as dsn:
        best = _measure(dsn)
    rate = {name: LOAD_ROWS / seconds for name, seconds in best.items()}
    print("   load rows/s: " + ", ".join(f"{k} {v:,.0f}" for k, v in rate.items()), flush=True)
    return [
        {"name": "load_during_retention", "value": rate["during"], "unit": "rows/s", "baseline": rate["grown"],
         "ratio": rate["during"] / rate["grown"]},
        {"name": "load_into_bounded_table", "value": rate["bounded"], "unit": "rows/s", "baseline": rate["grown"],
         "ratio": rate["bounded"] / rate["grown"]},
    ]
