"""Scoring's cost as history grows (`python -m bench fraud_scale`): one 100k-row raw file (1,000 cards) loaded and
scored into a database that already holds HISTORY_ROWS transactions of the same cards, just before the file in
time (the file continues their history, as in a production month), against the same file into an empty database.
Target: ratio >= 0.7. Heavy (about 10 minutes on 2 cores, a few GB of disk): not part of `make test`.

The history is written set-based (generate_series, INSERT ... SELECT), not through the loader: a small seed file
of the same generator seed makes the cards, merchants and addresses through the loader; SQL then adds the rows,
spread evenly over the years before the file at the file's own density (about 1.3 rows per card and day); then
rebuild_state() makes the per-card state from them, as the loader would have. The loaded database is a
template, copied for each measured round.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import time

import psycopg2
from psycopg2 import sql

from bench.bench_fraud import ROWS, _server, load_seconds, raw_file
from chalicelib.fraud.features import rebuild_state
from chalicelib.fraud.scoring import ModelScorer
from chalicelib.platform.settings import get_settings
from tools.evaluate.evaluation import _run_autocommit, scratch_database

HISTORY_ROWS = 5_000_000
ROUNDS = 1
START = dt.date(2019, 1, 1)  # the file's first day; the history ends an hour before it
HISTORY_DAYS = 3_900  # 5 M rows / (1,300 rows a day): the file's density
_HISTORY = """
SELECT setseed(0.42);
SET LOCAL session_replication_role = replica;  -- bench-only bulk write: the seed made every referenced row
CREATE TEMP TABLE bench_cards ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY k.card_token) - 1 AS i, k.card_token, a.lat::float8 AS lat, a.long::float8 AS long
FROM customer k JOIN customer_address a USING (address_id);
CREATE TEMP TABLE bench_merchants ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY merchant_id, category) - 1 AS i, merchant_id, category
FROM (SELECT DISTINCT merchant_id, category FROM card_transaction) d;
INSERT INTO card_transaction (trans_num, card_token, merchant_id, category, amt, trans_date_trans_time, unix_time,
                              merch_lat, merch_long, is_fraud, source_key)
SELECT 'hist' || lpad(g::text, 12, '0'), c.card_token, m.merchant_id, m.category,
       round((exp(random() * 5.5) + 1)::numeric, 2), h.ts, extract(epoch FROM h.ts)::bigint - 220924800,
       round((c.lat + random() - 0.5)::numeric, 6), round((c.long + random() - 0.5)::numeric, 6),
       false, 'bench/history'
FROM generate_series(0, %(rows)s - 1) g
CROSS JOIN LATERAL (SELECT %(end)s::timestamp
                           - make_interval(secs => (%(rows)s - g) * %(spacing)s::float8)) h(ts)
JOIN bench_cards c ON c.i = g %% (SELECT count(*) FROM bench_cards)
JOIN bench_merchants m ON m.i = (g::bigint * 7919) %% (SELECT count(*) FROM bench_merchants);
"""


def _build_history(dsn: str, key: bytes) -> None:
    seed_start = START - dt.timedelta(days=HISTORY_DAYS + 7)
    seconds, _ = load_seconds(dsn, raw_file(seed_start, key, rows=8_000), ())
    end = dt.datetime.combine(START, dt.time()) - dt.timedelta(hours=1)
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(_HISTORY, {"rows": HISTORY_ROWS, "end": end,
                                   "spacing": HISTORY_DAYS * 86400 / HISTORY_ROWS})
        with conn, conn.cursor() as cur:  # after the commit: a rebuild leaves out its own transaction's rows
            rebuild_state(cur)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
            cur.execute("SELECT count(*), count(DISTINCT card_token) FROM card_transaction")
            rows, cards = cur.fetchone()
    finally:
        conn.close()
    print(f"   history: {rows:,} rows of {cards:,} cards up to {end} (seed file {seconds:.1f} s)", flush=True)


@contextlib.contextmanager
def _copy_of(template_dsn: str):
    params = psycopg2.extensions.parse_dsn(template_dsn)
    admin = psycopg2.extensions.make_dsn(template_dsn, dbname="postgres")
    name = f"{params['dbname']}_{secrets.token_hex(3)}"
    _run_autocommit(admin, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(params["dbname"])))
    try:
        yield psycopg2.extensions.make_dsn(template_dsn, dbname=name)
    finally:
        _run_autocommit(admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run() -> list[dict]:
    server, key = _server(), secrets.token_bytes(32)
    body = raw_file(START, key)
    threshold = get_settings().fraud_alert_threshold
    empty, scale, alerts = [], [], 0
    with scratch_database(server) as history:
        started = time.perf_counter()
        _build_history(history, key)
        print(f"   history built in {time.perf_counter() - started:.0f} s", flush=True)
        for _ in range(ROUNDS):
            with scratch_database(server) as dsn:
                empty.append(load_seconds(dsn, body, (ModelScorer(threshold),))[0])
            with _copy_of(history) as dsn:
                seconds, alerts = load_seconds(dsn, body, (ModelScorer(threshold),))
                scale.append(seconds)
    value, baseline = ROWS / min(scale), ROWS / min(empty)
    print(f"   empty database: {baseline:,.0f} rows/s ({min(empty):.2f} s); with {HISTORY_ROWS:,} rows of the same "
          f"cards stored: {value:,.0f} rows/s ({min(scale):.2f} s, {alerts:,} alerts); ratio {value / baseline:.3f} "
          f"(target >= 0.7)", flush=True)
    return [{"name": "loader_scoring_at_scale", "value": value, "unit": "rows/s", "baseline": baseline,
             "ratio": value / baseline}]
