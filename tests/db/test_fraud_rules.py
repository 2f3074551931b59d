"""Each fraud rule fires on a hand-built case and stays quiet on its twin; scores are deterministic and blind
to labels; alerts are written once, only at or above the threshold, with readable reasons."""
import datetime as dt
import re

import pytest

from chalicelib.fraud.rules import DEFAULT_ALERT_THRESHOLD, DEFAULT_RULES, REASON_MIN_STRENGTH, RULE_VERSION, Rule
from chalicelib.fraud.scorer import FraudScorer
from chalicelib.platform.sqlfiles import sql_dir
from tests.support.env import TEST_ENV
from tests.support.fraud_cases import START, TEST_RULES, FraudBench, background, history, txn
from tools.evaluate.evaluation import scratch_database

FIRES = REASON_MIN_STRENGTH


@pytest.fixture(scope="module")
def fraud_dsn(pg_dsn):
    """A database of this module's own (the loads commit), migrated, dropped afterwards."""
    with scratch_database(pg_dsn) as dsn:
        yield dsn


@pytest.fixture
def bench(aws, fraud_dsn):
    from chalicelib.platform.clients import get_client

    bench = FraudBench(fraud_dsn, get_client("s3"), TEST_ENV["BUCKET_NAME"])
    bench.reset()
    yield bench
    bench.db.close()


def _strength(bench, rule, files):
    *earlier, probe = files
    scored = bench.load(*earlier, probe)
    return scored[probe[-1]["trans_num"]][f"s_{rule}"]


def _usual_card(card=1, amounts=("18.00", "22.00", "20.00", "19.00", "21.00", "20.00")):
    return history(card, list(amounts))


def test_amount_vs_card_fires_far_above_the_cards_usual_amount_not_at_it(bench):
    case = _strength(bench, "amount_vs_card", [_usual_card(), [txn(1, START, "400.00")]])
    bench.reset()
    twin = _strength(bench, "amount_vs_card", [_usual_card(), [txn(1, START, "21.00")]])
    assert case >= FIRES > twin


def test_amount_vs_category_fires_above_the_category_p99_not_below(bench):
    case = _strength(bench, "amount_vs_category", [background("grocery_pos"), [txn(1, START, "300.00")]])
    bench.reset()
    twin = _strength(bench, "amount_vs_category", [background("grocery_pos"), [txn(1, START, "50.00")]])
    assert case >= FIRES > twin


def test_the_category_bar_is_set_by_day_so_night_time_amounts_do_not_raise_it(bench):
    night = START.replace(hour=23) - dt.timedelta(days=7)
    high_nights = [txn(100 + i, night + dt.timedelta(minutes=i), "900.00") for i in range(10)]
    case = _strength(bench, "amount_vs_category", [background("grocery_pos") + high_nights,
                                                   [txn(1, START, "300.00")]])
    assert case >= FIRES
    assert bench.query("SELECT amt_p99 < 100 FROM fraud_category_baseline WHERE category = 'grocery_pos'") == [(True,)]


def test_a_category_with_too_few_rows_is_measured_against_all_categories(bench):
    few_travel = [txn(200 + i, START - dt.timedelta(days=7, minutes=i), "5.00", "travel") for i in range(3)]
    case = _strength(bench, "amount_vs_category", [background("grocery_pos") + few_travel,
                                                   [txn(1, START, "300.00", "travel")]])
    bench.reset()
    twin = _strength(bench, "amount_vs_category", [background("grocery_pos") + few_travel,
                                                   [txn(1, START, "30.00", "travel")]])
    assert case >= FIRES > twin


def test_night_high_amount_fires_at_night_not_by_day(bench):
    night = START.replace(hour=23, minute=30)
    case = _strength(bench, "night_high_amount", [background("grocery_pos"), [txn(1, night, "150.00")]])
    bench.reset()
    twin = _strength(bench, "night_high_amount", [background("grocery_pos"), [txn(1, START, "150.00")]])
    assert case >= FIRES > twin


def test_night_time_fires_at_2am_not_at_2pm(bench):
    case = _strength(bench, "night_time", [[txn(1, START.replace(hour=2), "15.00")]])
    bench.reset()
    twin = _strength(bench, "night_time", [[txn(1, START.replace(hour=14), "15.00")]])
    assert case >= FIRES > twin


def test_velocity_1h_fires_after_five_in_the_hour_not_five_over_days(bench):
    burst = [txn(1, START - dt.timedelta(minutes=10 * i), "12.00") for i in range(1, 6)]
    spread = [txn(1, START - dt.timedelta(days=i), "12.00") for i in range(1, 6)]
    case = _strength(bench, "velocity_1h", [burst, [txn(1, START, "12.00")]])
    bench.reset()
    twin = _strength(bench, "velocity_1h", [spread, [txn(1, START, "12.00")]])
    assert case >= FIRES > twin


def test_velocity_24h_fires_on_a_days_spend_far_over_usual_not_spread_out(bench):
    usual = history(1, ["10.00"] * 6)
    today = [txn(1, START - dt.timedelta(hours=h), "200.00") for h in (2, 5, 8, 11)]
    earlier = [txn(1, START - dt.timedelta(days=d, hours=1), "200.00") for d in (20, 25, 30, 35)]
    case = _strength(bench, "velocity_24h", [usual + today, [txn(1, START, "200.00")]])
    bench.reset()
    twin = _strength(bench, "velocity_24h", [usual + earlier, [txn(1, START, "200.00")]])
    assert case >= FIRES > twin


def test_burst_after_high_fires_within_24h_of_a_high_amount_not_a_week_later(bench):
    high_today = [txn(1, START - dt.timedelta(hours=3), "500.00")]
    high_last_week = [txn(1, START - dt.timedelta(days=6), "500.00")]
    case = _strength(bench, "burst_after_high", [background("grocery_pos"), high_today, [txn(1, START, "9.00")]])
    bench.reset()
    twin = _strength(bench, "burst_after_high", [background("grocery_pos"), high_last_week, [txn(1, START, "9.00")]])
    assert case >= FIRES > twin


def test_distance_from_home_fires_far_from_the_cards_usual_places_not_near(bench):
    near = [txn(1, START - dt.timedelta(days=d), "20.00", merch=(36.08 + d / 100, -81.18)) for d in range(1, 8)]
    case = _strength(bench, "distance_from_home", [near, [txn(1, START, "20.00", merch=(41.0, -75.0))]])
    bench.reset()
    twin = _strength(bench, "distance_from_home", [near, [txn(1, START, "20.00", merch=(36.10, -81.17))]])
    assert case >= FIRES > twin


def test_new_category_high_fires_on_a_first_high_travel_spend_not_a_repeat(bench):
    groceries = _usual_card()
    with_travel = groceries[:-1] + [txn(1, START - dt.timedelta(days=2), "90.00", "travel")]
    case = _strength(bench, "new_category_high", [background("travel"), groceries, [txn(1, START, "400.00", "travel")]])
    bench.reset()
    twin = _strength(bench, "new_category_high",
                     [background("travel"), with_travel, [txn(1, START, "400.00", "travel")]])
    assert case >= FIRES > twin


def _spree():
    """Ordinary spending by a few cards, then one card's night-time spree of high amounts."""
    ordinary = [txn(card, START - dt.timedelta(days=day, hours=card), f"{15 + 7 * card + day:.2f}", category)
                for card in range(1, 6) for day in range(1, 8) for category in ("grocery_pos", "shopping_net")]
    night = START.replace(hour=23)
    spree = [txn(3, night + dt.timedelta(minutes=12 * i), f"{900 + 37 * i:.2f}", "shopping_net") for i in range(4)]
    return background("grocery_pos") + background("shopping_net") + ordinary, spree


def test_scores_are_deterministic(bench):
    files = _spree()
    first = bench.load(*files)
    bench.reset()
    second = bench.load(*files)
    assert {k: v["score"] for k, v in first.items()} == {k: v["score"] for k, v in second.items()}


def test_labels_are_never_an_input(bench):
    before, spree = _spree()
    labelled = bench.load(before, spree)
    bench.reset()
    flipped = bench.load([{**r, "is_fraud": "1" if r["is_fraud"] == "0" else "0"} for r in before],
                         [{**r, "is_fraud": ""} for r in spree])
    assert {k: v["score"] for k, v in labelled.items()} == {k: v["score"] for k, v in flipped.items()}
    code = [re.sub(r"--.*", "", path.read_text()) for path in sql_dir("fraud").glob("*.sql")]
    assert len(code) >= 4 and not any("is_fraud" in text for text in code)


def test_alerts_are_written_only_at_or_above_the_threshold(bench):
    scored = bench.load(*_spree())
    expected = sorted(k for k, v in scored.items() if v["score"] >= DEFAULT_ALERT_THRESHOLD)
    stored = [row[0] for row in bench.query("SELECT trans_num FROM fraud_alert ORDER BY trans_num")]
    assert stored == expected and len(stored) >= 3


def test_an_alert_gives_its_reasons_strongest_first_and_the_rule_version(bench):
    bench.load(*_spree())
    score, reasons, version = bench.query("SELECT score, reasons, rule_version FROM fraud_alert "
                                          "ORDER BY score DESC LIMIT 1")[0]
    assert 0 < score <= 1 and version == RULE_VERSION
    rule_names = {name for name, value in vars(DEFAULT_RULES).items() if isinstance(value, Rule)}
    assert reasons and all(r.split(":")[0] in rule_names for r in reasons)
    assert any(r.startswith("night_high_amount: $") for r in reasons)


def test_reloading_a_file_creates_no_duplicate_alerts(bench):
    before, spree = _spree()
    bench.load(before, spree)
    alerts = bench.query("SELECT trans_num, score, created_at FROM fraud_alert ORDER BY trans_num")
    bench.load(spree)  # the same rows again in a new file: all duplicates
    bench.load(spree + [txn(4, START, "12.00")])  # again, next to one new row
    assert bench.query("SELECT trans_num, score, created_at FROM fraud_alert ORDER BY trans_num") == alerts


def test_the_loader_role_scores_and_writes_alerts_with_its_own_rights(bench, aws):
    from chalicelib.platform.clients import get_client

    as_loader = FraudBench(bench.dsn, get_client("s3"), TEST_ENV["BUCKET_NAME"], role="cardstream_loader")
    try:
        as_loader.load(*_spree())
    finally:
        as_loader.db.close()
    assert bench.query("SELECT count(*) FROM fraud_alert")[0][0] >= 3
    categories = bench.query("SELECT category FROM fraud_category_baseline ORDER BY category")
    assert categories == [("*",), ("grocery_pos",), ("shopping_net",)]


def test_the_curve_written_out_in_the_scoring_sql_is_fraud_strength(bench):
    rows = bench.query("SELECT fraud_strength(x, 0.5, 0.2), 1 / (1 + exp(least(50, greatest(-50, (0.5 - x) / 0.2)))) "
                       "FROM unnest(ARRAY[-100, 0, 0.5, 0.7, 1e6]::float8[]) AS x")
    assert [a for a, _ in rows] == [b for _, b in rows]
    assert bench.query("SELECT fraud_strength(NULL, 0.5, 0.2)") == [(0.0,)]


def test_a_threshold_of_one_writes_no_alerts(bench):
    bench.load(*_spree(), scorer=FraudScorer(threshold=1.0, rules=TEST_RULES, keep_all_scores=True))
    assert bench.query("SELECT count(*) FROM fraud_alert") == [(0,)]


def test_a_threshold_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        FraudScorer(threshold=1.5)
