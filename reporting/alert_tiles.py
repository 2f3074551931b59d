"""The fraud-alert tiles: how the rows of the alert views (sql/020_fraud.sql) become charts.

Every view carries fraud_class, so the page's fraud-status filter applies: "Fraud" shows the alerts whose
transaction was later labelled fraud (the hits), "Not fraud" the false alarms.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from reporting import charts, timechart

Rows = list[dict]
MAX_HOURS = 120  # past this many hours the chart counts per day


def draw_alert_kpis(rows: Rows) -> str:
    transactions = sum(row["transactions"] for row in rows)
    alerts = sum(row["alerts"] for row in rows)
    fraud = [row for row in rows if row["fraud_class"] == "fraud"]
    frauds, hits = sum(row["transactions"] for row in fraud), sum(row["alerts"] for row in fraud)
    labelled_alerts = sum(row["alerts"] for row in rows if row["fraud_class"] != "unlabelled")
    rate = f"{alerts / transactions:.2%}" if transactions else "–"
    return charts.kpis([
        ("Alerts", charts.fmt_int(alerts), "transactions at or above the threshold"),
        ("Alert rate", rate, f"of {charts.fmt_int(transactions)} transactions"),
        ("Frauds alerted", f"{hits / frauds:.0%}" if frauds else "–",
         f"{charts.fmt_int(hits)} of {charts.fmt_int(frauds)} labelled frauds"),
        ("Alerts confirmed", f"{hits / labelled_alerts:.0%}" if labelled_alerts else "–",
         "of alerts whose label has arrived"),
    ])


def draw_alerts_per_hour(rows: Rows) -> str:
    if not rows:
        return charts.empty("No alerts in this selection.")
    first, last = min(row["hour"] for row in rows), max(row["hour"] for row in rows)
    hourly = (last - first) <= dt.timedelta(hours=MAX_HOURS)
    step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
    start = first if hourly else first.replace(hour=0)
    periods = [start + step * i for i in range(int((last - start) / step) + 1)]
    return timechart.class_columns(periods, rows, lambda row: row["hour"] if hourly else row["hour"].replace(hour=0),
                                   "alerts", charts.fmt_int, "%d %H:00" if hourly else "%b %d",
                                   f"Alerts per {'hour' if hourly else 'day'} of the transaction time, by the label "
                                   "known so far.")


QUALITY_WEEKS = 8


def draw_model_quality(rows: Rows) -> str:
    """The latest weeks of reporting.model_quality_weekly (sql/041): what the labels say about the alerts."""
    latest = sorted(rows, key=lambda row: row["week"], reverse=True)[:QUALITY_WEEKS]

    def share(value) -> str:
        return "–" if value is None else f"{value:.0%}"

    return charts.table(
        ("Week", "Alerts", "Confirmed", "False", "Unlabelled", "Frauds missed", "Precision", "Recall", "Model"),
        [(row["week"].isoformat(), charts.fmt_int(row["alerts"]), charts.fmt_int(row["confirmed"]),
          charts.fmt_int(row["false_alerts"]), charts.fmt_int(row["unlabelled_alerts"]),
          charts.fmt_int(row["missed_frauds"]), share(row["precision"]), share(row["recall"]),
          row["model_versions"] or "–") for row in latest])


def draw_alert_reasons(rows: Rows) -> str:
    counts: dict[str, float] = defaultdict(float)
    for row in rows:
        counts[row["rule"]] += row["alerts"]
    top = sorted(counts, key=lambda rule: (-counts[rule], rule))
    return charts.hbars([(rule.replace("_", " "), counts[rule], charts.fmt_int(counts[rule])) for rule in top],
                        color=charts.PALETTE[0])
