"""The model's features, computed set-based from the per-card state as files load, match hand-computed values;
late and out-of-order rows see the windows as they were at their time and leave the same state as rows in order;
a reloaded file changes nothing."""
import contextlib
import datetime as dt
import io
import math
import random
import threading

import psycopg2
import pytest

from chalicelib.fraud.features import FraudFeatures, forget_state, rebuild_state
from chalicelib.load.loader import Loader
from chalicelib.stream.csvfile import encode_csv
from tests.support.fraud_cases import FraudBench, txn
from tools.evaluate.evaluation import MemoryShelf, scratch_database

T = dt.datetime(2024, 3, 1, 10, 0, 0)
# Sums to 9 places: a load adds each file's exact sum to the stored float, the rebuild sums all rows at once.
STATE = ("SELECT card_token, n, round(sum_lamt::numeric, 9), first_ts, last_ts FROM fraud_card_profile ORDER BY 1",
         "SELECT card_token, ts, trans_num, cents FROM fraud_card_recent ORDER BY 1, 2, 3",
         "SELECT card_token, kind, item, first_ts FROM fraud_card_seen ORDER BY 1, 2, 3",
         "SELECT category, n, round(sum_lamt::numeric, 9) FROM fraud_category_profile ORDER BY 1")


@pytest.fixture(scope="module")
def features_dsn(pg_dsn):
    with scratch_database(pg_dsn) as dsn:
        yield dsn


class Features(FraudBench):
    """Loads lists of records as files through the real Loader (in-memory S3), keeping every new row's features."""

    def __init__(self, dsn: str):
        super().__init__(dsn, MemoryShelf(), "bucket")
        self.features = FraudFeatures()
        self.rows: dict[str, dict] = {}
        self._loader = Loader(self._s3, self.db, "quarantine/", hooks=(self._hook,))

    def _hook(self, cur, context) -> None:
        self.features.build(cur, all_new=not context.counts.duplicate)  # as the ModelScorer calls it
        cur.execute("SELECT * FROM fraud_features")
        names = [c.name for c in cur.description]
        self.rows.update({r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()})
        self.features.remember(cur)

    def file(self, key: str, records: list[dict]):
        self._s3.put(key, encode_csv(records))
        with contextlib.redirect_stdout(io.StringIO()):
            return self._loader.load_object("bucket", key)

    def state(self) -> list[list[tuple]]:
        return [self.query(statement) for statement in STATE]


@pytest.fixture
def bench(features_dsn):
    bench = Features(features_dsn)
    bench.reset()
    yield bench
    bench.db.close()


def _history():
    return [txn(1, T, "9.00", merchant="fraud_A"), txn(1, T + dt.timedelta(minutes=30), "19.00", merchant="fraud_A")]


def test_a_new_row_gets_its_cards_velocity_typical_amount_and_first_uses_by_hand(bench):
    bench.file("raw-data/1.csv", _history())
    probe = txn(1, T + dt.timedelta(minutes=50), "99.00", merchant="fraud_B", merch=(36.5, -81.1781))
    bench.file("raw-data/2.csv", [probe])
    f = bench.rows[probe["trans_num"]]
    assert f["n_prior"] == 2
    assert f["amt_vs_card"] == pytest.approx(100 / math.sqrt(10 * 20))  # (amt + 1) / geometric mean of 10 and 20
    assert f["card_typical"] == pytest.approx(math.sqrt(200) - 1)
    assert f["amt_vs_category"] == pytest.approx(100 / (10 * 20 * 100) ** (1 / 3))  # the category includes the file
    assert (f["n_1h"], f["amt_1h"], f["n_24h"], f["amt_24h"], f["n_7d"], f["amt_7d"]) == (2, 28.0, 2, 28.0, 2, 28.0)
    assert f["hours_since_prev"] == pytest.approx(20 / 60)
    assert (f["new_merchant"], f["new_category"], f["hour"], f["night"], f["age"]) == (1, 0, 10, 0, 35)
    assert f["km"] == pytest.approx(6371.0 * math.radians(36.5 - 36.0788), rel=1e-6)  # due north: the arc


def test_a_cards_first_row_is_neutral_not_null(bench):
    first = txn(2, T.replace(hour=23), "50.00")
    bench.file("raw-data/1.csv", [first])
    f = bench.rows[first["trans_num"]]
    assert (f["n_prior"], f["amt_vs_card"], f["card_typical"], f["hours_since_prev"]) == (0, 1, None, -1)
    assert (f["new_merchant"], f["new_category"], f["night"], f["n_24h"]) == (1, 1, 1, 0)


def test_a_late_row_sees_the_windows_as_they_were_at_its_time(bench):
    bench.file("raw-data/1.csv", _history())
    late = txn(1, T + dt.timedelta(minutes=10), "4.00", merchant="fraud_C")
    bench.file("raw-data/2.csv", [late])
    f = bench.rows[late["trans_num"]]
    assert (f["n_1h"], f["amt_1h"], f["n_7d"]) == (1, 9.0, 1)  # only the 10:00 row was before it
    assert f["hours_since_prev"] == pytest.approx(10 / 60)
    assert (f["new_merchant"], f["n_prior"]) == (1, 2)  # the running aggregates hold the whole card


def test_a_row_earlier_than_a_first_use_becomes_the_first_use(bench):
    later = txn(1, T + dt.timedelta(hours=2), "5.00", merchant="fraud_A")
    bench.file("raw-data/1.csv", [later])
    earlier = txn(1, T, "6.00", merchant="fraud_A")
    bench.file("raw-data/2.csv", [earlier])
    assert bench.rows[earlier["trans_num"]]["new_merchant"] == 1
    assert bench.query("SELECT first_ts FROM fraud_card_seen WHERE kind = 'm'") == [(T,)]


def test_files_out_of_order_leave_the_same_state_as_a_rebuild_from_the_stored_rows(bench):
    days = [[txn(card, T + dt.timedelta(days=d, hours=card), f"{10 + d + card}.00", merchant=f"fraud_{d % 3}")
             for card in (1, 2)] for d in range(20)]
    for number, day in sorted(enumerate(days), key=lambda pair: (pair[0] * 7) % 20):  # a shuffled arrival order
        bench.file(f"raw-data/{number}.csv", day)
    loaded = bench.state()
    assert max(ts for _, ts, _, _ in loaded[1]) - min(ts for _, ts, _, _ in loaded[1]) <= dt.timedelta(days=14, hours=1)
    bench.db.transaction(rebuild_state)
    assert bench.state() == loaded


def test_a_file_with_some_stored_rows_scores_only_its_new_ones_from_the_stored_values(bench):
    first, second = _history()
    bench.file("raw-data/1.csv", [first])
    result = bench.file("raw-data/2.csv", [first, second])  # a duplicate: the features take the slow path
    assert (result.rows_inserted, result.rows_duplicate) == (1, 1)
    assert bench.rows[second["trans_num"]]["n_prior"] == 1
    assert bench.query("SELECT n FROM fraud_card_profile") == [(2,)]


def test_a_reloaded_file_changes_neither_the_state_nor_any_feature(bench):
    records = _history()
    bench.file("raw-data/1.csv", records)
    before, seen = bench.state(), dict(bench.rows)
    result = bench.file("raw-data/1-again.csv", records)  # the same rows under another key: all duplicates
    assert (result.rows_inserted, result.rows_duplicate) == (0, 2)
    assert bench.state() == before
    assert bench.rows == seen


def test_a_state_part_no_feature_needs_is_dropped_then_rebuilt_when_a_feature_needs_it_again(bench):
    days = [[txn(card, T + dt.timedelta(days=d, hours=card), f"{10 + d + card}.00", merchant=f"fraud_{d % 3}")
             for card in (1, 2)] for d in range(12)]
    later = {r["trans_num"] for day in days[6:] for r in day}
    bench.features = FraudFeatures(features=("amt", "amt_vs_card", "new_category"))  # no velocity, no merchants
    for number, day in enumerate(days[:6]):
        bench.file(f"raw-data/{number}.csv", day)
    assert bench.query("SELECT part FROM fraud_state_part") == [("card_profile",)]
    assert bench.query("SELECT count(*) FROM fraud_card_recent") == [(0,)]
    assert "n_1h" not in bench.rows[days[0][0]["trans_num"]]
    bench.features = FraudFeatures()  # a model that reads every feature: both parts are rebuilt before it reads
    for number, day in enumerate(days[6:], start=6):
        bench.file(f"raw-data/{number}.csv", day)
    rebuilt, rebuilt_state = {k: v for k, v in bench.rows.items() if k in later}, bench.state()

    bench.reset()
    bench.rows.clear()
    for number, day in enumerate(days):  # the same files, with every part kept all along
        bench.file(f"raw-data/{number}.csv", day)
    assert {k: v for k, v in bench.rows.items() if k in later} == rebuilt
    assert bench.state() == rebuilt_state
    assert sorted(bench.query("SELECT part FROM fraud_state_part")) == [
        ("card_profile",), ("merchant_first_use",), ("recent_rows",)]


def test_a_load_that_rebuilds_a_state_part_waits_for_the_loads_still_reading_the_parts(bench, features_dsn):
    bench.features = FraudFeatures(features=("amt",))
    bench.file("raw-data/1.csv", _history())  # the parts are dropped: this model needs neither
    reading = psycopg2.connect(features_dsn)  # a load of that model, between its first step and its commit
    FraudFeatures(features=("amt",)).settle(reading.cursor())
    done = threading.Event()

    def rebuild() -> None:  # a load of a model that needs both parts
        conn = psycopg2.connect(features_dsn)
        with conn, conn.cursor() as cur:
            FraudFeatures().settle(cur)
        conn.close()
        done.set()

    worker = threading.Thread(target=rebuild)
    worker.start()
    try:
        assert not done.wait(1.0)  # waits for the reading load
        assert bench.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == [(1,)]
    finally:
        reading.commit()
        worker.join(10)
        reading.close()
    assert done.is_set()
    assert sorted(bench.query("SELECT part FROM fraud_state_part")) == [
        ("card_profile",), ("merchant_first_use",), ("recent_rows",)]
    assert bench.query("SELECT count(*) FROM fraud_card_recent") == [(2,)]


def test_a_files_sums_are_the_same_bits_whatever_the_order_of_its_rows(bench):
    rng = random.Random(5)
    amounts = [f"{rng.lognormvariate(3, 1.5):.2f}" for _ in range(150)]
    cards = ((1, "misc_net", "fraud_A"), (2, "grocery_pos", "fraud_B"))
    records = [txn(card, T + dt.timedelta(minutes=i), amt, category=category, merchant=merchant)
               for i, amt in enumerate(amounts) for card, category, merchant in cards]
    states = []
    for order in (records, records[::-1], rng.sample(records, len(records))):
        bench.reset()
        bench.file("raw-data/1.csv", order)
        states.append(bench.query("SELECT card_token, sum_lamt FROM fraud_card_profile ORDER BY 1")
                      + bench.query("SELECT category, sum_lamt FROM fraud_category_profile ORDER BY 1"))
    assert states[0] == states[1] == states[2]  # exact floats: make train repeats its artifact to the byte


def test_scoring_again_after_a_pause_rebuilds_the_state_first(bench):
    days = [[txn(card, T + dt.timedelta(days=d, hours=card), f"{10 + d + card}.00", merchant=f"fraud_{d % 3}")
             for card in (1, 2)] for d in range(9)]
    later = {r["trans_num"] for day in days[6:] for r in day}
    paused = Loader(bench._s3, bench.db, "quarantine/", hooks=(forget_state,))  # FRAUD_SCORING=false
    for number, day in enumerate(days):
        if 3 <= number < 6:
            key = bench._s3.put(f"raw-data/{number}.csv", encode_csv(day))
            with contextlib.redirect_stdout(io.StringIO()):
                paused.load_object("bucket", key)
            assert bench.query("SELECT count(*) FROM fraud_state_part") == [(0,)]
        else:
            bench.file(f"raw-data/{number}.csv", day)
    resumed, resumed_state = {k: v for k, v in bench.rows.items() if k in later}, bench.state()

    bench.reset()
    bench.rows.clear()
    for number, day in enumerate(days):  # every file scored
        bench.file(f"raw-data/{number}.csv", day)
    assert {k: v for k, v in bench.rows.items() if k in later} == resumed
    assert bench.state() == resumed_state
