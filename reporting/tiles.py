"""The dashboard's tiles: one reporting view each, and how its rows become a chart.

To add a tile (fraud alerts, say): add its view to a migration, granted to the reporting role, and append a
`Tile` here. `filter_mode` says how the fraud-status filter applies: "rows" draws the tile once per filter
from the rows of that fraud class, "css" draws it once with marks classed `fc fc-<class>` that the page
hides, "none" ignores the filter (pipeline health).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from reporting import alert_tiles, charts, health, timechart
from reporting.fraudmap import draw_fraud_map

Rows = list[dict]
FILTERS = (("all", "All"), ("fraud", "Fraud"), ("not_fraud", "Not fraud"), ("unlabelled", "Unlabelled"))
TOP_N = 5


@dataclass(frozen=True)
class Tile:
    key: str
    title: str
    view: str  # in the `reporting` schema
    draw: Callable[[Rows], str]
    span: int = 6  # of the page grid's 12 columns
    filter_mode: str = "rows"
    note: str = ""


def select_rows(rows: Rows, fraud_filter: str) -> Rows:
    return rows if fraud_filter == "all" else [row for row in rows if row["fraud_class"] == fraud_filter]


def _sum_by(rows: Rows, key: str, measure: str = "transactions") -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row[key]] += row[measure]
    return totals


def _top_fraud(rows: Rows, key: str) -> list[tuple[str, float, str]]:
    fraud = [row for row in rows if row["fraud_class"] == "fraud"]
    counts, volumes = _sum_by(fraud, key), _sum_by(fraud, key, "volume_usd")
    top = sorted(counts, key=lambda k: (-counts[k], -volumes[k], k))[:TOP_N]
    return [(k, counts[k], f"{charts.fmt_int(counts[k])} · {charts.fmt_usd(volumes[k])}") for k in top]


def draw_headline(rows: Rows) -> str:
    transactions = sum(row["transactions"] for row in rows)
    fraud = sum(row["fraud_transactions"] for row in rows)
    labelled = sum(row["transactions"] for row in rows if row["fraud_class"] != "unlabelled")
    states = {row["state"] for row in rows if row["transactions"]}
    rate = f"{fraud / labelled:.2%} of labelled" if labelled else "no labelled transactions"
    return charts.kpis([
        ("Total transactions", charts.fmt_int(transactions), "in the selection"),
        ("Total volume", charts.fmt_usd(sum(row["volume_usd"] for row in rows)), "sum of amounts"),
        ("Fraud transactions", charts.fmt_int(fraud), rate),
        ("States", charts.fmt_int(len(states)), "with transactions (cardholder's state)"),
    ])


def draw_top_states(rows: Rows) -> str:
    return charts.hbars(_top_fraud(rows, "state")) if rows else charts.empty("No transactions.")


def draw_top_merchants(rows: Rows) -> str:
    return charts.hbars(_top_fraud(rows, "merchant"))


def draw_categories(rows: Rows) -> str:
    return charts.pie(list(_sum_by([row for row in rows if row["fraud_class"] == "fraud"], "category").items()))


def draw_trend(rows: Rows) -> str:
    if not rows:
        return timechart.stacked_columns([], [], charts.fmt_usd)
    first, last = min(row["day"] for row in rows), max(row["day"] for row in rows)
    period = timechart.period_of(first, last)
    periods = timechart.period_range(first, last, period)
    return timechart.class_columns(periods, rows, lambda row: timechart.period_start(row["day"], period),
                                   "volume_usd", charts.fmt_usd_short, "%b %Y" if period == "month" else "%b %d",
                                   f"Volume per {period}, {first.isoformat()} to {last.isoformat()}.")


TILES: tuple[Tile, ...] = (
    Tile("freshness", "Pipeline health", "pipeline_health", health.draw_freshness, span=7, filter_mode="none",
         note="Operators look here first: is data arriving, and is any of it rejected?"),
    Tile("ledger", "Files in the ledger", "ingest_files_by_status", health.draw_ledger, span=5, filter_mode="none"),
    Tile("hot", "What the dashboard covers", "hot_window", health.draw_hot_window, span=12, filter_mode="none",
         note="PostgreSQL keeps the stage's hot window; the lake keeps all history."),
    Tile("headline", "Headline numbers", "headline", draw_headline, span=12),
    Tile("map", "Fraud by location", "fraud_by_location", draw_fraud_map, span=7, filter_mode="css",
         note="Where transactions happened (merchant location); dot area grows with the transactions in its cell."),
    Tile("category", "Fraud by category", "fraud_by_category", draw_categories, span=5),
    Tile("states", "Top 5 fraud by state", "fraud_by_state", draw_top_states,
         note="Fraud transactions · fraud volume, by the cardholder's state."),
    Tile("merchants", "Top 5 fraud by merchant", "fraud_by_merchant", draw_top_merchants,
         note="Fraud transactions · fraud volume."),
    Tile("trend", "Daily volume", "daily_volume", draw_trend, span=12,
         note="Transaction volume by the day of the transaction time, stacked by fraud class."),
    Tile("alerts", "Fraud alerts", "alert_rate", alert_tiles.draw_alert_kpis, span=12,
         note="Scored by the fraud model as each file loads (docs/fraud.md); labels arrive later."),
    Tile("alerts_per_hour", "Alerts per hour", "alerts_per_hour", alert_tiles.draw_alerts_per_hour, span=8),
    Tile("alert_reasons", "Top alert reasons", "alert_reasons", alert_tiles.draw_alert_reasons, span=4,
         note="The features behind alerted transactions (an alert gives its top three)."),
    Tile("model_quality", "Model quality per week", "model_quality_weekly", alert_tiles.draw_model_quality, span=12,
         filter_mode="none", note="From the labels as they arrive: precision and recall over labelled rows so far."),
)
