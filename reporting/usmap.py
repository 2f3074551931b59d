"""The US map of the dashboard: state outlines and transaction points as inline SVG.

Albers equal-area projections as QuickSight and most US maps use, with Alaska and Hawaii in insets.
Outlines come from `us_states.json` (Census cartographic boundaries, see `us_states_build.py`).
"""
from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path

WIDTH, HEIGHT = 960, 600
STATES_FILE = Path(__file__).with_name("us_states.json")
# region: (standard parallels, origin (lon, lat), target box x, y, w, h)
REGIONS = {
    "lower48": ((29.5, 45.5), (-96.0, 37.5), (10, 10, WIDTH - 20, HEIGHT - 20)),
    "AK": ((55.0, 65.0), (-154.0, 50.0), (20, HEIGHT - 170, 210, 150)),
    "HI": ((8.0, 18.0), (-157.0, 3.0), (240, HEIGHT - 95, 110, 80)),
}


def region_of(lon: float, lat: float) -> str | None:
    """Which map region a point is drawn in, or None when it is outside all three."""
    if lat > 50 and (lon < -129 or lon > 170):
        return "AK"
    if 18 < lat < 23 and -161 < lon < -154:
        return "HI"
    if 24 < lat < 50 and -125.5 < lon < -66:
        return "lower48"
    return None


def _albers(region: str, lon: float, lat: float) -> tuple[float, float]:
    (p1, p2), (lon0, lat0), _ = REGIONS[region]
    if lon > 0:
        lon -= 360.0  # the Aleutians cross the antimeridian
    phi1, phi2, phi0, phi = (math.radians(v) for v in (p1, p2, lat0, lat))
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c - 2 * n * math.sin(phi0)) / n
    rho = math.sqrt(c - 2 * n * math.sin(phi)) / n
    theta = n * math.radians(lon - lon0)
    return rho * math.sin(theta), -(rho0 - rho * math.cos(theta))


@cache
def _states() -> dict[str, list[list[list[float]]]]:
    return json.loads(STATES_FILE.read_text())["states"]


def _state_region(code: str) -> str:
    return code if code in ("AK", "HI") else "lower48"


@cache
def _fit(region: str) -> tuple[float, float, float]:
    """Scale and offset that fit the region's outlines into its box, aspect kept."""
    points = [_albers(region, lon, lat) for code, rings in _states().items() if _state_region(code) == region
              for ring in rings for lon, lat in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x, y, w, h = REGIONS[region][2]
    scale = min(w / (max(xs) - min(xs)), h / (max(ys) - min(ys)))
    return scale, x - min(xs) * scale, y - min(ys) * scale


def project(lon: float, lat: float) -> tuple[float, float] | None:
    """SVG coordinates of a point, or None when it falls outside the map."""
    region = region_of(lon, lat)
    if region is None:
        return None
    px, py = _albers(region, lon, lat)
    scale, dx, dy = _fit(region)
    return round(px * scale + dx, 1), round(py * scale + dy, 1)


def _project_in(region: str, lon: float, lat: float) -> tuple[float, float]:
    px, py = _albers(region, lon, lat)
    scale, dx, dy = _fit(region)
    return round(px * scale + dx, 1), round(py * scale + dy, 1)


@cache
def outline_paths() -> tuple[tuple[str, str], ...]:
    """(state code, SVG path data) for every state."""
    paths = []
    for code, rings in _states().items():
        region = _state_region(code)
        parts = []
        for ring in rings:
            xy = [_project_in(region, lon, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in xy) + "Z")
        paths.append((code, "".join(parts)))
    return tuple(paths)


def inset_frames() -> Iterable[tuple[float, float, float, float]]:
    """The boxes around the Alaska and Hawaii insets."""
    for region in ("AK", "HI"):
        yield REGIONS[region][2]


def scatter_svg(points: Iterable[tuple[float, float, str, float, str]]) -> tuple[str, int]:
    """An SVG map of (lon, lat, css class, radius, tooltip) points over the state outlines.

    Returns the SVG and how many points fell outside the map (they are left out, and counted).
    """
    parts = [f'<svg class="chart map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="US map">']
    parts += [f'<path class="state" d="{d}"><title>{code}</title></path>' for code, d in outline_paths()]
    parts += [f'<rect class="inset" x="{x}" y="{y}" width="{w}" height="{h}" rx="4"/>' for x, y, w, h in inset_frames()]
    outside = 0
    for lon, lat, css_class, radius, tooltip in points:
        xy = project(lon, lat)
        if xy is None:
            outside += 1
            continue
        parts.append(f'<circle class="mark pt {css_class}" cx="{xy[0]:g}" cy="{xy[1]:g}" r="{radius:.1f}">'
                     f"<title>{html.escape(tooltip)}</title></circle>")
    parts.append("</svg>")
    return "".join(parts), outside
