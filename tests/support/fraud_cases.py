"""Hand-built card histories for the fraud rules, loaded through the real Loader (moto S3, real PostgreSQL).

A test states a card's history and one probe transaction; `FraudBench.load` turns them into raw CSV files,
loads them in order with the FraudScorer hook, and returns every new row's strengths and score as the
scoring SQL computed them (read through fraud.scorer.scored_rows inside the load's transaction).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import itertools

from chalicelib.dictionary.validate import validate_transaction
from chalicelib.fraud.rules import DEFAULT_RULES
from chalicelib.fraud.scorer import FraudScorer, scored_rows
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.load.loader import Loader
from chalicelib.platform.db import Database, open_connection
from chalicelib.stream.csvfile import encode_csv
from tests.support.factories import make_pan, make_transaction

TABLES = ("fraud_alert", "fraud_category_baseline", "fraud_card_recent", "fraud_card_seen", "fraud_category_profile",
          "rejected_row", "card_transaction", "customer", "customer_address", "merchant", "ingest_file")
START = dt.datetime(2024, 3, 1, 12, 0, 0)
HOME = (36.0788, -81.1781)  # make_transaction's cardholder home
# Tests keep the baseline the background set made: a probe never moves its own category's bar.
TEST_RULES = dataclasses.replace(DEFAULT_RULES, baseline_refresh_hours=100_000)
TOKENIZER = CardTokenizer(b"k" * 32)
_FILES = itertools.count(1)


def txn(card: int, at: dt.datetime, amt: str, category: str = "grocery_pos", *, merchant: str = "fraud_Kub LLC",
        merch: tuple[float, float] = (36.08, -81.18), is_fraud: str = "0") -> dict:
    """A tokenized canonical stream record for card number `card`."""
    record = make_transaction(cc_num=make_pan(card), trans_date_trans_time=at.strftime("%Y-%m-%d %H:%M:%S"),
                              amt=amt, category=category, merchant=merchant, merch_lat=f"{merch[0]:.6f}",
                              merch_long=f"{merch[1]:.6f}", is_fraud=is_fraud)
    return TOKENIZER.tokenize(validate_transaction(record))


def background(category: str, count: int = 40, low: float = 20.0, step: float = 2.0) -> list[dict]:
    """Other cardholders' ordinary spending in `category` (amounts low .. low + step * count), a week early."""
    return [txn(9000 + i, START - dt.timedelta(days=7, minutes=i), f"{low + step * i:.2f}", category)
            for i in range(count)]


def history(card: int, amounts: list[str], category: str = "grocery_pos", days_before: int = 10) -> list[dict]:
    """`card`'s earlier transactions, one a day, ending a day before START."""
    return [txn(card, START - dt.timedelta(days=days_before - i), amt, category) for i, amt in enumerate(amounts)]


class FraudBench:
    """Loads files into a scratch database through the Loader with scoring on; resets between tests."""

    def __init__(self, dsn: str, s3, bucket: str, role: str | None = None):
        self.dsn = dsn
        self._s3 = s3
        self._bucket = bucket
        self.db = Database(lambda: open_connection({"dsn": dsn}, role))

    def reset(self) -> None:
        # Identities restart, so two runs of the same files number merchants alike; every optional part of the
        # (now empty) per-card state is complete again, as after the migration.
        self.db.transaction(lambda cur: cur.execute(
            f"TRUNCATE {', '.join(TABLES)}, fraud_state_part RESTART IDENTITY CASCADE; "
            "INSERT INTO fraud_state_part (part) VALUES ('card_profile'), ('merchant_first_use'), ('recent_rows')"))

    def load(self, *files: list[dict], scorer: FraudScorer | None = None) -> dict[str, dict]:
        """Load each list of records as one file, in order; the scored rows of all of them by trans_num."""
        scored: dict[str, dict] = {}

        def keep(cur, _context) -> None:
            scored.update({row["trans_num"]: row for row in scored_rows(cur)})

        scorer = scorer or FraudScorer(rules=TEST_RULES, keep_all_scores=True)
        loader = Loader(self._s3, self.db, "quarantine/", hooks=(scorer, keep))
        for records in files:
            key = f"raw-data/fraud-test/{next(_FILES):05d}.csv"
            self.put(key, records)
            with contextlib.redirect_stdout(io.StringIO()):
                loader.load_object(self._bucket, key)
        return scored

    def put(self, key: str, records: list[dict]) -> str:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=encode_csv(records))
        return key

    def query(self, statement: str, params: tuple = ()) -> list[tuple]:
        def run(cur):
            cur.execute(statement, params)
            return cur.fetchall()

        return self.db.transaction(run)
