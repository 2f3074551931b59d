"""A stacked column chart over days, with a value axis: the dashboard's volume trend."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from reporting.charts import CLASS_COLORS, CLASS_LABELS, empty, esc

WIDTH, HEIGHT = 1100, 250
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 14, 42
MAX_X_LABELS = 10
MAX_COLUMNS = 120  # past this many days, weeks; past this many weeks, months


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis values from 0 to at least `top`: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def period_of(first: dt.date, last: dt.date) -> str:
    """The column width that keeps a chart from `first` to `last` within MAX_COLUMNS columns."""
    days = (last - first).days + 1
    return "day" if days <= MAX_COLUMNS else "week" if days <= 7 * MAX_COLUMNS else "month"


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1) if period == "month" else day


def period_range(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    """Every period from the one holding `first` to the one holding `last`: gaps stay visible."""
    current, periods = period_start(first, period), []
    while current <= last:
        periods.append(current)
        if period == "month":
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            current += dt.timedelta(days=7 if period == "week" else 1)
    return periods


def _axis(ticks: list[float], y_of: Callable[[float], float], value_fmt: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{LEFT - 8}" y="{y:.1f}" text-anchor="end" '
                     f'dominant-baseline="middle">{esc(value_fmt(tick))}</text>')
    return parts


def stacked_columns(days: Sequence[dt.date], series: Sequence[tuple[str, str, Sequence[float]]],
                    value_fmt: Callable[[float], str], day_fmt: str = "%b %d") -> str:
    """Columns per period, stacked by series: (label, colour, one value per period) each, bottom first."""
    if not days:
        return empty("No transactions in this selection.")
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    ticks = nice_ticks(max(totals))
    plot_h, slot = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / len(days)
    bar_w = max(min(slot * 0.78, 60), 1)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - value / ticks[-1])

    parts = [f'<svg class="chart trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">', *_axis(ticks, y_of, value_fmt)]
    label_every = math.ceil(len(days) / MAX_X_LABELS)
    for i, day in enumerate(days):
        x, base = LEFT + slot * i + (slot - bar_w) / 2, 0.0
        for label, colour, values in series:
            if values[i] > 0:
                top, bottom = y_of(base + values[i]), y_of(base)
                parts.append(f'<rect class="mark" x="{x:.1f}" y="{top:.1f}" width="{bar_w:.1f}" '
                             f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}">'
                             f"<title>{day.isoformat()} {esc(label)}: {esc(value_fmt(values[i]))}</title></rect>")
                base += values[i]
        if i % label_every == 0:
            parts.append(f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 18}" '
                         f'text-anchor="middle">{day.strftime(day_fmt)}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}"/>')
    parts.append("</svg>")
    return "".join(parts)


def class_columns(periods: Sequence[dt.date], rows: Sequence[dict], period_of_row: Callable[[dict], dt.date],
                  value: str, value_fmt: Callable[[float], str], day_fmt: str, caption: str) -> str:
    """`stacked_columns` of `rows`' `value` per period (`period_of_row`), one series per fraud class (the
    dashboard's fraud-status colours), with its legend and `caption`."""
    index = {period: i for i, period in enumerate(periods)}
    series = []
    for fraud_class in ("not_fraud", "unlabelled", "fraud"):
        values = [0.0] * len(periods)
        for row in rows:
            if row["fraud_class"] == fraud_class:
                values[index[period_of_row(row)]] += row[value]
        if any(values):
            series.append((CLASS_LABELS[fraud_class], CLASS_COLORS[fraud_class], values))
    chart = stacked_columns(periods, series, value_fmt, day_fmt)
    legend = "".join(f'<span class="key"><i style="background:{colour}"></i>{esc(label)}</span>'
                     for label, colour, _ in reversed(series))
    return f'{chart}<div class="legend">{legend}<span class="fine">{esc(caption)}</span></div>'
