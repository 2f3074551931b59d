"""Chart primitives of the dashboard as inline SVG/HTML strings: no script, no fetch at view time.

Every drawn datum carries the class `mark`, so a browser check can count what each chart drew.
"""
from __future__ import annotations

import html
import math
from collections.abc import Sequence

# No red in the palette: red means fraud on this page. The last colour is for "other".
PALETTE = ("#4c6ef5", "#f59f00", "#12b886", "#be4bdb", "#15aabf", "#82c91e", "#7048e8", "#e8590c", "#adb5bd")
BAR_COLOR = "#e03131"
# The fraud classes of the reporting views (is_fraud true / false / NULL), in drawing order.
CLASS_COLORS = {"not_fraud": "#4c6ef5", "unlabelled": "#adb5bd", "fraud": "#e03131"}
CLASS_LABELS = {"not_fraud": "Not fraud", "unlabelled": "Unlabelled", "fraud": "Fraud"}


def esc(value: object) -> str:
    return html.escape(str(value))


def fmt_int(value: float) -> str:
    return f"{int(value):,}"


def fmt_usd(value: float) -> str:
    """Dollars, compact past ten million so a headline tile stays one line."""
    if abs(value) >= 10_000_000:
        return f"${value / 1_000_000:,.1f} M"
    return f"${value:,.0f}" if abs(value) >= 1000 else f"${value:,.2f}"


def fmt_usd_short(value: float) -> str:
    """Dollars for an axis: $0, $250, $50k, $1.5M."""
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"${value / size:,.4g}{unit}"
    return f"${value:,.0f}"


def empty(message: str) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def kpis(items: Sequence[tuple[str, str, str]], warn: Sequence[str] = ()) -> str:
    """Big numbers: (label, value, note) each; labels in `warn` are drawn as a warning."""
    cells = [f'<div class="kpi mark{" warn" if label in warn else ""}"><div class="kpi-label">{esc(label)}</div>'
             f'<div class="kpi-value">{esc(value)}</div><div class="kpi-note">{esc(note)}</div></div>'
             for label, value, note in items]
    return f'<div class="kpis">{"".join(cells)}</div>'


def hbars(items: Sequence[tuple[str, float, str]], color: str = BAR_COLOR, width: int = 560) -> str:
    """Horizontal bars: (label, value, value text) each, largest first as given."""
    if not items:
        return empty("Nothing to show for this selection.")
    label_w, value_w, row_h = 215, 120, 36
    span = width - label_w - value_w
    top = max(value for _, value, _ in items) or 1
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {row_h * len(items) + 8}" role="img">']
    for i, (label, value, text) in enumerate(items):
        y, w = 4 + i * row_h, max(span * value / top, 2)
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(f'<text class="lbl" x="{label_w - 10}" y="{y + row_h / 2}" text-anchor="end" '
                     f'dominant-baseline="middle">{esc(short)}<title>{esc(label)}</title></text>'
                     f'<rect class="mark" x="{label_w}" y="{y + 7}" width="{w:.1f}" height="{row_h - 14}" rx="3" '
                     f'fill="{color}"><title>{esc(label)}: {esc(text)}</title></rect>'
                     f'<text class="val" x="{label_w + w + 8:.1f}" y="{y + row_h / 2}" '
                     f'dominant-baseline="middle">{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _slice(cx: float, cy: float, r: float, start: float, end: float) -> str:
    if end - start >= 0.9999:  # a single full slice: an arc cannot start and end at one point
        return f"M{cx - r},{cy}a{r},{r} 0 1,0 {2 * r},0a{r},{r} 0 1,0 {-2 * r},0Z"
    a0, a1 = 2 * math.pi * start - math.pi / 2, 2 * math.pi * end - math.pi / 2
    x0, y0, x1, y1 = cx + r * math.cos(a0), cy + r * math.sin(a0), cx + r * math.cos(a1), cy + r * math.sin(a1)
    large = 1 if end - start > 0.5 else 0
    return f"M{cx},{cy}L{x0:.2f},{y0:.2f}A{r},{r} 0 {large},1 {x1:.2f},{y1:.2f}Z"


def pie(items: Sequence[tuple[str, float]], value_fmt=fmt_int, max_slices: int = 8) -> str:
    """A pie and its legend; past `max_slices` the smallest share one 'other' slice."""
    items = [item for item in sorted(items, key=lambda kv: -kv[1]) if item[1] > 0]
    if not items:
        return empty("Nothing to show for this selection.")
    if len(items) > max_slices:
        items = items[: max_slices - 1] + [("other", sum(v for _, v in items[max_slices - 1:]))]
    total = sum(v for _, v in items)
    slices, legend, start = [], [], 0.0
    for i, (label, value) in enumerate(items):
        share, color = value / total, PALETTE[-1] if label == "other" else PALETTE[i % (len(PALETTE) - 1)]
        slices.append(f'<path class="mark" d="{_slice(120, 120, 116, start, start + share)}" fill="{color}" '
                      f'stroke="#fff" stroke-width="1.5"><title>{esc(label)}: {value_fmt(value)}</title></path>')
        legend.append(f'<tr><td><i style="background:{color}"></i>{esc(label)}</td>'
                      f"<td>{value_fmt(value)}</td><td>{share:.0%}</td></tr>")
        start += share
    svg = f'<svg class="chart pie" viewBox="0 0 240 240" role="img">{"".join(slices)}</svg>'
    return f'{svg}<table class="pie-legend">{"".join(legend)}</table>'


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain table; each body row is a mark."""
    if not rows:
        return empty("No rows.")
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join('<tr class="mark">' + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="grid"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
