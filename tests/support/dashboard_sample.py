"""A small hand-built data set for the dashboard views, inserted straight into the base tables.

Three cardholders in NY, CA and TX, two merchants, six transactions (three fraud, two not, one not yet
labelled) over three days, and a ledger of three files. The numbers each view must give are worked out
by hand in the tests that use it.
"""
from __future__ import annotations

import contextlib

import psycopg2
import pytest
from psycopg2 import sql

from reporting.dashboard import fetch_views

BASE_TABLES = ("rejected_row", "card_transaction", "customer", "customer_address", "merchant", "ingest_file")
TOKENS = {"NY": "a" * 64, "CA": "b" * 64, "TX": "c" * 64}
# trans_num, state of the card, merchant, category, amt, time, merch_lat, merch_long, is_fraud
TRANSACTIONS = (
    ("t1", "NY", "fraud_Kub and Sons", "shopping_net", "100.00", "2024-04-28 23:10:00", "40.71", "-74.01", True),
    ("t2", "NY", "fraud_Kub and Sons", "shopping_net", "200.00", "2024-04-28 23:40:00", "40.74", "-74.03", True),
    ("t3", "CA", "fraud_Haley Group", "grocery_pos", "50.00", "2024-04-29 10:00:00", "34.050000", "-118.240000", False),
    ("t4", "CA", "fraud_Kub and Sons", "home", "25.50", "2024-04-29 12:00:00", "34.050000", "-118.240000", False),
    ("t5", "TX", "fraud_Haley Group", "misc_net", "300.00", "2024-04-30 02:00:00", "29.760000", "-95.370000", True),
    ("t6", "TX", "fraud_Haley Group", "gas_transport", "10.25", "2024-04-30 08:00:00", "29.760000", "-95.370000", None),
)


def clear_base_tables(cur) -> None:
    """Empty the tables, and any that refer to them, inside the caller's transaction (rolled back after the
    test): other tests' rows in the session database must not count here, and must still be there afterwards."""
    cur.execute("SET LOCAL lock_timeout = '20s'")  # a connection left in a transaction elsewhere: fail, not hang
    cur.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, BASE_TABLES))))


def insert_sample(cur) -> None:
    address = {}
    for state, (street, city, zip_code) in {"NY": ("1 Main St", "New York", "10001"),
                                            "CA": ("2 Oak Ave", "Los Angeles", "90001"),
                                            "TX": ("3 Elm Rd", "Houston", "77001")}.items():
        cur.execute("INSERT INTO customer_address (street, city, state, zip, lat, long, city_pop) "
                    "VALUES (%s, %s, %s, %s, 40, -100, 1000) RETURNING address_id", (street, city, state, zip_code))
        address[state] = cur.fetchone()[0]
        cur.execute("INSERT INTO customer (card_token, cc_last4, first, last, gender, dob, job, address_id, last_seen)"
                    " VALUES (%s, '1234', 'Jane', 'Doe', 'F', '1980-01-01', 'Pilot', %s, '2024-04-30')",
                    (TOKENS[state], address[state]))
    merchant = {}
    for name in ("fraud_Kub and Sons", "fraud_Haley Group"):
        cur.execute("INSERT INTO merchant (name) VALUES (%s) RETURNING merchant_id", (name,))
        merchant[name] = cur.fetchone()[0]
    for trans_num, state, name, category, amt, when, lat, long, is_fraud in TRANSACTIONS:
        cur.execute("INSERT INTO card_transaction (trans_num, card_token, merchant_id, category, amt,"
                    " trans_date_trans_time, unix_time, merch_lat, merch_long, is_fraud, source_key)"
                    " VALUES (%s, %s, %s, %s, %s, %s, 1325376018, %s, %s, %s, 'raw-data/one.csv')",
                    (trans_num, TOKENS[state], merchant[name], category, amt, when, lat, long, is_fraud))
    _insert_ledger(cur)


def _insert_ledger(cur) -> None:
    """one.csv loaded just now (6 rows); two.csv loaded two hours ago (1 duplicate, 2 rejected); a bad file."""
    cur.execute("INSERT INTO ingest_file (bucket, key, etag, status, rows_total, rows_inserted, started_at,"
                " finished_at) VALUES ('b', 'raw-data/one.csv', 'e1', 'loaded', 6, 6, now(), now())")
    cur.execute("INSERT INTO ingest_file (bucket, key, etag, status, rows_total, rows_duplicate, rows_rejected,"
                " started_at, finished_at) VALUES ('b', 'raw-data/two.csv', 'e2', 'loaded', 3, 1, 2,"
                " now() - interval '2 hours', now() - interval '2 hours') RETURNING file_id")
    two = cur.fetchone()[0]
    for line_no in (2, 3):
        cur.execute("INSERT INTO rejected_row (file_id, line_no, reason, row_data) "
                    "VALUES (%s, %s, 'amt: must be >= 0', '{}')", (two, line_no))
    cur.execute("INSERT INTO ingest_file (bucket, key, etag, status, reason, started_at, finished_at) "
                "VALUES ('b', 'raw-data/bad.csv', 'e3', 'rejected', 'wrong header', now(), now())")


@contextlib.contextmanager
def sample_transaction(dsn: str):
    """A connection holding the sample in an open transaction, rolled back at the end: nothing is left."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            clear_base_tables(cur)
            insert_sample(cur)
        yield conn
    finally:
        conn.rollback()
        conn.close()


def assert_reporting_role_denied(conn, table: str) -> None:
    """The reporting role gets "permission denied" on `table` (it may read the reporting views only)."""
    from psycopg2 import errors

    from reporting.dashboard import REPORTING_ROLE

    with conn.cursor() as cur:
        cur.execute(f"SET ROLE {REPORTING_ROLE}")
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute(f"SELECT count(*) FROM {table}")


def read_view(conn, name: str) -> list[dict]:
    """The rows of one reporting view, read as the reporting role; the connection is back to its own role after."""
    rows = fetch_views(conn, [name])[0][name]
    with conn.cursor() as cur:
        cur.execute("RESET ROLE")
    return rows
