"""The alert tiles' views (sql/020_fraud.sql) on the dashboard's hand-built sample plus three alerts, read as the
reporting role, and the tiles drawn from them."""
import datetime as dt

import pytest
from psycopg2 import errors

from reporting import alert_tiles
from tests.support.dashboard_sample import assert_reporting_role_denied, read_view, sample_transaction

# Alerts on the sample's t1, t2 (NY, labelled fraud, 28 April 23:xx) and t3 (CA, not fraud, 29 April 10:00).
ALERTS = (("t1", 0.91, ["night_high_amount: $100.00 at 23:10", "amount_vs_category: $100.00 is over the p99"]),
          ("t2", 0.74, ["night_high_amount: $200.00 at 23:40"]),
          ("t3", 0.58, ["amount_vs_category: $50.00 is over the grocery_pos p99"]))


@pytest.fixture
def sample(pg_dsn):
    with sample_transaction(pg_dsn) as conn:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM fraud_alert")
            for trans_num, score, reasons in ALERTS:
                cur.execute("INSERT INTO fraud_alert (trans_num, score, reasons, rule_version) "
                            "VALUES (%s, %s, %s, 'test')", (trans_num, score, reasons))
        yield conn


def test_alerts_per_hour_counts_by_hour_of_the_transaction_and_label(sample):
    rows = read_view(sample, "alerts_per_hour")
    assert {(r["hour"], r["fraud_class"]): r["alerts"] for r in rows} == {
        (dt.datetime(2024, 4, 28, 23), "fraud"): 2, (dt.datetime(2024, 4, 29, 10), "not_fraud"): 1}


def test_alert_reasons_counts_each_rule_once_per_alert(sample):
    rows = read_view(sample, "alert_reasons")
    assert {(r["rule"], r["fraud_class"]): r["alerts"] for r in rows} == {
        ("night_high_amount", "fraud"): 2, ("amount_vs_category", "fraud"): 1, ("amount_vs_category", "not_fraud"): 1}


def test_alert_rate_sets_alerts_against_all_transactions_of_the_day(sample):
    rows = read_view(sample, "alert_rate")
    assert {(r["day"], r["fraud_class"]): (r["transactions"], r["alerts"]) for r in rows} == {
        (dt.date(2024, 4, 28), "fraud"): (2, 2), (dt.date(2024, 4, 29), "not_fraud"): (2, 1),
        (dt.date(2024, 4, 30), "fraud"): (1, 0), (dt.date(2024, 4, 30), "unlabelled"): (1, 0)}


@pytest.mark.parametrize("table", ["fraud_alert", "fraud_category_baseline", "card_transaction_alert"])
def test_reporting_role_cannot_read_the_alert_tables(sample, table):
    assert_reporting_role_denied(sample, table)


def test_the_loader_role_may_insert_alerts_but_not_delete_them(sample):
    with sample.cursor() as cur:
        cur.execute("SET ROLE cardstream_loader")
        cur.execute("INSERT INTO fraud_alert (trans_num, score, reasons, rule_version) "
                    "VALUES ('t5', 0.6, ARRAY['night_time: at 02:00'], 'test')")
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute("DELETE FROM fraud_alert")


def test_the_alert_tiles_draw_one_mark_per_datum(sample):
    data = {name: read_view(sample, name) for name in ("alert_rate", "alerts_per_hour", "alert_reasons")}
    kpis = alert_tiles.draw_alert_kpis(data["alert_rate"])
    assert kpis.count('class="kpi mark') == 4 and "50.00%" in kpis  # 3 alerts of 6 transactions
    assert "2 of 3 labelled frauds" in kpis
    assert alert_tiles.draw_alerts_per_hour(data["alerts_per_hour"]).count('class="mark"') == 2
    assert alert_tiles.draw_alert_reasons(data["alert_reasons"]).count("mark") == 2


def test_no_alerts_draws_an_empty_note_not_a_broken_chart():
    assert 'class="empty"' in alert_tiles.draw_alerts_per_hour([])
    assert 'class="empty"' in alert_tiles.draw_alert_reasons([])


def test_model_quality_per_week_counts_confirmed_false_and_missed_from_the_labels(sample):
    rows = {r["week"]: r for r in read_view(sample, "model_quality_weekly")}
    keys = ("transactions", "alerts", "confirmed", "false_alerts", "unlabelled_alerts", "missed_frauds",
            "precision", "recall")
    # week of 22 April: t1 and t2, both alerted and fraud; week of 29 April: t3 a false alert, t5 a missed fraud,
    # t4 and the unlabelled t6 neither
    assert [rows[dt.date(2024, 4, 22)][k] for k in keys] == [2, 2, 2, 0, 0, 0, 1.0, 1.0]
    assert [rows[dt.date(2024, 4, 29)][k] for k in keys] == [4, 1, 0, 1, 0, 1, 0.0, 0.0]
    assert rows[dt.date(2024, 4, 22)]["model_versions"] == "test"


def test_model_quality_has_no_precision_or_recall_before_labels_arrive(sample):
    with sample.cursor() as cur:
        cur.execute("UPDATE card_transaction SET is_fraud = NULL")
    rows = read_view(sample, "model_quality_weekly")
    assert {(r["unlabelled_alerts"], r["precision"], r["recall"]) for r in rows} == {(2, None, None), (1, None, None)}


def test_the_model_quality_tile_lists_the_latest_week_first_with_its_precision(sample):
    html = alert_tiles.draw_model_quality(read_view(sample, "model_quality_weekly"))
    assert html.index("2024-04-29") < html.index("2024-04-22")
    assert "<td>100%</td>" in html and "<td>0%</td>" in html
