"""Rebuild `reporting/us_states.json`, the state outlines the dashboard map draws.

Source: the U.S. Census Bureau's cartographic boundary shapefiles (public domain), as the TopoJSON
`states-10m.json` of the npm package `us-atlas` 3.x (ISC). Run by hand, never at view time:

    npm pack us-atlas && tar xzf us-atlas-*.tgz
    python -m reporting.us_states_build package/states-10m.json reporting/us_states.json

Arcs are simplified once each (Douglas-Peucker), so neighbouring states still share their border.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE_DEG = 0.04  # about a pixel on a 900 px wide map of the lower 48
MIN_RING_POINTS = 4
MIN_ISLAND_AREA = 0.02  # square degrees: smaller islands vanish at dashboard size
FIPS_TO_STATE = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
    "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
    "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
    "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY",
}


def _decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    best, index = -1.0, 0
    for i, (x, y) in enumerate(points[1:-1], start=1):
        dist = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        if dist > best:
            best, index = dist, i
    if best <= tolerance:
        return [points[0], points[-1]]
    return _simplify(points[: index + 1], tolerance)[:-1] + _simplify(points[index:], tolerance)


def _ring(arc_ids: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    ring: list[tuple[float, float]] = []
    for arc_id in arc_ids:
        points = arcs[arc_id] if arc_id >= 0 else arcs[~arc_id][::-1]
        ring.extend(points if not ring else points[1:])
    rounded = [[round(x, 2), round(y, 2)] for x, y in ring]
    return [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]


def _area(ring: list[list[float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def build_states(topo: dict) -> dict[str, list[list[list[float]]]]:
    """State code -> rings of [lon, lat], simplified and rounded to 0.01 degree."""
    arcs = [_simplify(arc, TOLERANCE_DEG) for arc in _decode_arcs(topo)]
    states: dict[str, list[list[list[float]]]] = {}
    for geometry in topo["objects"]["states"]["geometries"]:
        code = FIPS_TO_STATE.get(geometry["id"])
        if code is None:
            continue  # territories: no cardholder lives there in the data set
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(ring, arcs) for polygon in polygons for ring in polygon]
        rings = [ring for ring in rings if len(ring) >= MIN_RING_POINTS]
        largest = max(_area(ring) for ring in rings)
        states[code] = [ring for ring in rings if _area(ring) >= min(MIN_ISLAND_AREA, largest)]
    return dict(sorted(states.items()))


def main(argv: list[str]) -> None:
    source, target = argv
    states = build_states(json.loads(Path(source).read_text()))
    payload = {"source": "U.S. Census Bureau cartographic boundaries (public domain), via us-atlas states-10m",
               "states": states}
    Path(target).write_text(json.dumps(payload, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
