"""`python -m tools.evaluate`: the quality measures, and a small labelled file through the real loader."""
import csv
import datetime as dt
import re

import pytest

from chalicelib.dictionary.fields import FIELDS
from tests.support.factories import make_pan, make_transaction
from tools.evaluate import metrics
from tools.evaluate.evaluation import evaluate_file

LAST_LINE = re.compile(r"evaluate: auc=(\d\.\d{4}) precision=(\d\.\d{4}) recall=(\d\.\d{4}) alert_rate=(\d\.\d{4})")


def test_roc_auc_is_one_for_a_perfect_ranking_and_half_for_all_ties():
    assert metrics.roc_auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert metrics.roc_auc([0.5] * 4, [True, False, True, False]) == 0.5


def test_roc_auc_counts_the_pairs_ranked_right():
    # positives 0.8 and 0.3; negatives 0.5 and 0.1: three of the four pairs are in the right order
    assert metrics.roc_auc([0.8, 0.3, 0.5, 0.1], [True, True, False, False]) == 0.75


def test_recall_at_a_natural_alert_rate_reweights_the_legitimate_rows():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    labels = [True, False, True, False, False, False]
    # at 0.7: recall 1, 1 of 4 legitimate rows alerted -> 0.5 * 1 + 0.5 * 0.25 = 0.625 alerts at 50% fraud
    assert metrics.recall_at_natural_alert_rate(scores, labels, 0.625, fraud_rate=0.5) == 1.0
    assert metrics.recall_at_natural_alert_rate(scores, labels, 0.6, fraud_rate=0.5) == 0.5  # 0.9 alone: 0.25
    assert metrics.recall_at_natural_alert_rate(scores, labels, 0.2, fraud_rate=0.5) == 0.0


def test_precision_recall_f1_and_alert_rate_at_a_threshold():
    at = metrics.at_threshold([0.9, 0.6, 0.6, 0.2], [True, False, True, True], 0.6)
    assert (at.alerts, at.true_positives, at.alert_rate) == (3, 2, 0.75)
    assert (at.precision, at.recall) == pytest.approx((2 / 3, 2 / 3))
    assert at.f1 == pytest.approx(2 / 3)


def test_recall_at_an_alert_budget_takes_the_top_scores_only():
    scores = [i / 100 for i in range(100)]
    labels = [i in (99, 98, 10) for i in range(100)]
    assert metrics.recall_at_alert_rate(scores, labels, 0.01) == pytest.approx(1 / 3)
    assert metrics.recall_at_alert_rate(scores, labels, 0.02) == pytest.approx(2 / 3)


def test_the_pr_curve_steps_through_each_distinct_score():
    assert metrics.pr_curve([0.9, 0.5, 0.5, 0.1], [True, True, False, False]) == [
        (0.9, 1.0, 0.5), (0.5, 2 / 3, 1.0), (0.1, 0.5, 1.0)]


def _write(path, rows, columns=FIELDS):
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["", *columns], extrasaction="ignore")
        writer.writeheader()
        writer.writerows({"": i, **row} for i, row in enumerate(rows))
    return str(path)


def _labelled_rows():
    """Ordinary daytime spending by 6 cards over a week, and card 3's night-time spree of high amounts."""
    start = dt.datetime(2024, 3, 1, 12)
    rows = [make_transaction(cc_num=make_pan(card), category="shopping_net", amt=f"{10 + card + day:.2f}",
                             trans_date_trans_time=(start + dt.timedelta(days=day, hours=card)).isoformat(" "))
            for card in range(1, 7) for day in range(7)]
    rows += [make_transaction(cc_num=make_pan(3), category="shopping_net", amt=f"{900 + 50 * i:.2f}", is_fraud="1",
                              trans_date_trans_time=(start + dt.timedelta(days=7, hours=11, minutes=10 * i))
                              .isoformat(" ")) for i in range(3)]
    return rows


def test_a_labelled_file_is_measured_through_the_loader_and_the_last_line_says_so(pg_dsn, tmp_path):
    lines = []
    status = evaluate_file(_write(tmp_path / "labelled.csv", _labelled_rows()), database_url=pg_dsn,
                           threshold=0.55, rows_per_file=10, pr_curve=str(tmp_path / "pr.png"), out=lines.append)
    assert status == 0
    auc, precision, recall, alert_rate = map(float, LAST_LINE.fullmatch(lines[-1]).groups())
    assert auc == 1.0 and recall > 0 and precision == 1.0 and alert_rate == pytest.approx(recall * 3 / 45, abs=1e-4)
    assert (tmp_path / "pr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("fraud_alert holds" in line for line in lines)
    assert any(line.strip().startswith("recall at 0.5% alerts") for line in lines)


def test_measure_from_keeps_the_earlier_rows_as_history_only(pg_dsn, tmp_path):
    rows = _labelled_rows()
    lines = []
    times = sorted(dt.datetime.fromisoformat(r["trans_date_trans_time"]) for r in rows)
    since = times[len(times) // 2]
    evaluate_file(_write(tmp_path / "labelled.csv", rows), database_url=pg_dsn, threshold=0.55, rows_per_file=10,
                  pr_curve=None, out=lines.append, measure_from=since)
    measured = sum(1 for t in times if t >= since)
    assert 0 < measured < len(rows)
    assert any(line.strip().startswith("alerts") and f"of {measured:,})" in line for line in lines), lines


def test_a_file_without_labels_cannot_be_evaluated_and_says_why(pg_dsn, tmp_path):
    lines = []
    path = _write(tmp_path / "live.csv", _labelled_rows(), [f for f in FIELDS if f != "is_fraud"])
    assert evaluate_file(path, database_url=pg_dsn, threshold=0.55, rows_per_file=10, pr_curve=None,
                         out=lines.append) == 2
    assert "no is_fraud column" in lines[-1]


def test_a_file_whose_rows_all_break_the_rules_cannot_be_evaluated(pg_dsn, tmp_path):
    mangled = [{**row, "cc_num": "2.70E+15", "trans_date_trans_time": "01/01/2019 00:00"} for row in _labelled_rows()]
    lines = []
    assert evaluate_file(_write(tmp_path / "mangled.csv", mangled), database_url=pg_dsn, threshold=0.55,
                         rows_per_file=10, pr_curve=None, out=lines.append) == 2
    assert "none of its 45 rows passes the API's rules" in lines[-1] and "scientific notation" in lines[-1]
