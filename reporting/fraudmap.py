"""The fraud-by-location tile: merchant-location cells on the US map, one dot colour per fraud class.

The view already counts per 0.1° cell; when that still gives too many dots for a light page the cells are
merged into coarser ones here, so the page stays small however much data there is.
"""
from __future__ import annotations

import math
from collections import defaultdict

from reporting import charts, usmap

MAX_DOTS = 6000
STEPS = (0.1, 0.2, 0.5, 1.0, 2.0)
DRAW_ORDER = ("not_fraud", "unlabelled", "fraud")  # fraud last, so it is on top
PX_PER_DEGREE = 15  # about, on the lower-48 map


def merge_cells(rows: list[dict], max_dots: int = MAX_DOTS) -> tuple[float, dict[tuple[float, float, str], float]]:
    """(grid step, {(lat, long, fraud class): transactions}) with at most `max_dots` cells if a step allows."""
    for step in STEPS:
        cells: dict[tuple[float, float, str], float] = defaultdict(float)
        for row in rows:
            lat = round(round(row["latitude"] / step) * step, 1)
            lon = round(round(row["longitude"] / step) * step, 1)
            cells[(lat, lon, row["fraud_class"])] += row["transactions"]
        if len(cells) <= max_dots:
            break
    return step, cells


def _radius(fraud_class: str, count: float, largest: float, step: float) -> float:
    """Area grows with the count, relative to the busiest cell of its kind; a dot stays about within its cell."""
    low = 3.2 if fraud_class == "fraud" else 1.6  # a single fraud must still catch the eye
    high = max(low + 1.0, step * PX_PER_DEGREE * 0.45)
    return low + (high - low) * math.sqrt(count / largest)


def _legend(totals: dict[str, float]) -> str:
    items = "".join(f'<span class="key fc fc-{c}"><i style="background:{charts.CLASS_COLORS[c]}"></i>'
                    f"{charts.CLASS_LABELS[c]}: {charts.fmt_int(totals.get(c, 0))}</span>"
                    for c in reversed(DRAW_ORDER))
    return f'<div class="legend">{items}</div>'


def draw_fraud_map(rows: list[dict]) -> str:
    step, cells = merge_cells(rows)
    ordered = sorted(cells.items(), key=lambda kv: DRAW_ORDER.index(kv[0][2]))
    largest = {c: max((n for (_, _, fc), n in cells.items() if fc == c), default=1) for c in DRAW_ORDER}
    points = [(lon, lat, f"fc fc-{fraud_class}", _radius(fraud_class, count, largest[fraud_class], step),
               f"{lat:.1f}, {lon:.1f} · {charts.CLASS_LABELS[fraud_class]}: {charts.fmt_int(count)}")
              for (lat, lon, fraud_class), count in ordered]
    svg, outside = usmap.scatter_svg(points)
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row["fraud_class"]] += row["transactions"]
    note = f"{step:g}° cells"
    if outside:
        note += f"; {charts.fmt_int(outside)} {'cell' if outside == 1 else 'cells'} outside the US map not drawn"
    return f'{svg}{_legend(totals)}<p class="fine">{charts.esc(note)}</p>'
