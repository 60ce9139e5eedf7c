"""Make the geography layer of the network map from Natural Earth.

Reads ``countries-50m.json`` of the npm package ``world-atlas`` (version 2: Natural
Earth's 1:50m Admin 0 countries as TopoJSON; Natural Earth is in the public domain) and
writes ``src/gasroutes/charts/data/geography.json``: for the region of the network only
(BOX), the land borders and the coasts as polylines, each country's land as polygons
(drawn on a water-blue box, so the Caspian and the Gulf read as water), and a label point
per country. Arcs are simplified (Douglas-Peucker, TOLERANCE degrees) before they are
clipped, so a border and the polygons on both sides of it stay the same line;
coordinates are rounded to 0.01 degree.

    cd /tmp/somewhere && npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    .venv/bin/python scripts/make_geography.py package/countries-50m.json
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "gasroutes" / "charts" / "data" / "geography.json"
BOX = (36.0, 22.0, 90.0, 56.0)  # lon min, lat min, lon max, lat max
TOLERANCE = 0.03  # degrees, about 3 km
DIGITS = 2  # 0.01 degree
MIN_LABEL_AREA = 3.0  # square degrees
# Label points where the centroid of the part inside BOX reads badly (a long thin part,
# or a country mostly outside the box): placed by hand, in the country's interior, best
# first; the map takes the first in its view (a country on the map's edge is named too).
LABEL_AT: dict[str, list[tuple[float, float]]] = {
    "Russia": [(56.0, 53.5), (47.3, 51.2), (45.0, 48.0)],
    "China": [(84.0, 40.0), (81.8, 42.6)],
    "Kazakhstan": [(67.0, 48.0), (58.0, 48.5)],
    "India": [(77.5, 27.0)],
    "Saudi Arabia": [(44.0, 25.0)],
    "Turkey": [(39.0, 39.5)],
    "Iraq": [(43.5, 33.5)],
    "Azerbaijan": [(47.6, 40.5)],
    "Uzbekistan": [(63.7, 41.9)],
    "Turkmenistan": [(58.6, 39.3)],
    "Tajikistan": [(71.2, 38.8)],
    "Kyrgyzstan": [(74.6, 41.6)],
    "Pakistan": [(68.5, 29.0), (71.0, 33.0)],
    "Afghanistan": [(65.5, 34.0), (67.0, 36.0)],
    "Iran": [(55.5, 32.5), (57.5, 35.0)],
}
SOURCE = (
    "Natural Earth 1:50m Admin 0 countries (public domain, naturalearthdata.com), "
    "via the TopoJSON of the npm package world-atlas@2 (ISC licence); clipped to the box, "
    "simplified and rounded by scripts/make_geography.py"
)


def decode_arcs(topo: dict[str, Any]) -> list[np.ndarray]:
    """The arcs of a quantized TopoJSON as (n, 2) arrays of longitude, latitude."""
    scale = np.asarray(topo["transform"]["scale"], dtype=float)
    shift = np.asarray(topo["transform"]["translate"], dtype=float)
    return [np.cumsum(np.asarray(a, dtype=float), axis=0) * scale + shift for a in topo["arcs"]]


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker: the points of a polyline that keep it within ``tolerance``."""
    if len(points) < 3:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        d = b - a
        seg = points[i + 1 : j] - a
        norm = float(np.hypot(*d))
        if norm == 0.0:
            dist = np.hypot(seg[:, 0], seg[:, 1])
        else:
            dist = np.abs(seg[:, 0] * d[1] - seg[:, 1] * d[0]) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return points[keep]


def ring(arcs: list[np.ndarray], ids: list[int]) -> np.ndarray:
    """A polygon ring from arc indexes (a negative index ~i is arc i reversed)."""
    parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in ids]
    return np.concatenate([parts[0], *[p[1:] for p in parts[1:]]])


def clip_line(points: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The pieces of a polyline inside the box, cut where they cross its edges."""
    pieces: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(points):
        seg = _clip_segment(a, b, box)
        if seg is None:
            if current:
                pieces.append(current)
                current = []
            continue
        p, q = seg
        if current and current[-1] != p:
            pieces.append(current)
            current = []
        if not current:
            current.append(p)
        current.append(q)
        if q != (float(b[0]), float(b[1])):  # left the box
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return [np.asarray(c, dtype=float) for c in pieces if len(c) >= 2]


def _clip_segment(
    a: np.ndarray, b: np.ndarray, box: tuple[float, float, float, float]
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Liang-Barsky: the part of segment a-b inside the box, or None."""
    x0, y0, x1, y1 = box
    dx, dy = float(b[0] - a[0]), float(b[1] - a[1])
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = float(q) / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return None
    start = (float(a[0]) + lo * dx, float(a[1]) + lo * dy)
    end = (float(a[0]) + hi * dx, float(a[1]) + hi * dy)
    if lo == 0.0:
        start = (float(a[0]), float(a[1]))
    if hi == 1.0:
        end = (float(b[0]), float(b[1]))
    return start, end


def clip_polygon(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Sutherland-Hodgman: a ring clipped to the box (a convex window)."""
    x0, y0, x1, y1 = box
    out = [tuple(p) for p in points]
    edges = [
        (lambda p: p[0] >= x0, 0, x0),
        (lambda p: p[0] <= x1, 0, x1),
        (lambda p: p[1] >= y0, 1, y0),
        (lambda p: p[1] <= y1, 1, y1),
    ]
    for keep, axis, value in edges:
        src, out = out, []
        for k, cur in enumerate(src):
            prev = src[k - 1]
            if keep(cur):
                if not keep(prev):
                    out.append(_cross(prev, cur, axis, value))
                out.append(cur)
            elif keep(prev):
                out.append(_cross(prev, cur, axis, value))
        if not out:
            break
    return np.asarray(out, dtype=float).reshape(-1, 2)


def _cross(
    a: tuple[float, ...], b: tuple[float, ...], axis: int, value: float
) -> tuple[float, float]:
    t = (value - a[axis]) / (b[axis] - a[axis])
    p = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
    return (value, p[1]) if axis == 0 else (p[0], value)


def _overlaps(points: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    lo, hi = points.min(axis=0), points.max(axis=0)
    return bool(lo[0] <= box[2] and hi[0] >= box[0] and lo[1] <= box[3] and hi[1] >= box[1])


def contains(ring: np.ndarray, x: float, y: float) -> bool:
    """Whether (x, y) is inside a ring (ray casting)."""
    xa, ya = ring[:, 0], ring[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    crosses = (ya > y) != (yb > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = xa + (y - ya) * (xb - xa) / (yb - ya)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


def area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def centroid(points: np.ndarray) -> tuple[float, float]:
    x, y = points[:, 0], points[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    a = cross.sum() / 2
    if a == 0:
        return float(x.mean()), float(y.mean())
    return (
        float(((x + np.roll(x, -1)) * cross).sum() / (6 * a)),
        float(((y + np.roll(y, -1)) * cross).sum() / (6 * a)),
    )


def flat(points: np.ndarray) -> list[float]:
    """Coordinates as one flat list, rounded, without repeated points."""
    r = np.round(points, DIGITS)
    same = np.zeros(len(r), dtype=bool)
    same[1:] = np.all(r[1:] == r[:-1], axis=1)
    return [round(float(v), DIGITS) for v in r[~same].ravel()]


def build(topo: dict[str, Any]) -> dict[str, Any]:
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topo)]
    geometries = topo["objects"]["countries"]["geometries"]
    uses = np.zeros(len(arcs), dtype=int)
    land, labels = [], []
    for g in geometries:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        rings = []
        for polygon in polygons:
            for ids in polygon:
                for i in ids:
                    uses[i if i >= 0 else ~i] += 1
            whole = ring(arcs, polygon[0])  # holes are enclaves, drawn as land anyway
            if not _overlaps(whole, BOX):
                continue
            outer = clip_polygon(whole, BOX)
            if len(outer) >= 3 and abs(area(outer)) > 0.01:
                rings.append(outer)
        if not rings:
            continue
        name = g["properties"]["name"]
        land.append({"name": name, "rings": [flat(r) for r in rings]})
        biggest = max(rings, key=lambda r: abs(area(r)))
        if abs(area(biggest)) < MIN_LABEL_AREA and name not in LABEL_AT:
            continue  # too small to name on a map of the region
        points = LABEL_AT.get(name, [])
        for x, y in points:
            if not any(contains(r, x, y) for r in rings):
                raise SystemExit(f"label point {(x, y)} of {name} is not in {name}")
        if not points and contains(biggest, *centroid(biggest)):
            points = [centroid(biggest)]
        if not points:
            continue  # a concave sliver of a country in the box: no label
        labels.append(
            {"name": name, "lonlat": [[round(x, DIGITS), round(y, DIGITS)] for x, y in points]}
        )
    # an arc two countries share is a land border; one used once is a coast
    borders, coast = [], []
    for i, a in enumerate(arcs):
        if uses[i] == 0:
            continue
        for piece in clip_line(a, BOX):
            line = flat(piece)
            if len(line) >= 4:
                (borders if uses[i] > 1 else coast).append(line)
    return {
        "source": SOURCE,
        "box": list(BOX),
        "borders": borders,
        "coast": coast,
        "land": land,
        "labels": labels,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    geo = build(json.loads(args.topojson.read_text(encoding="utf-8")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(geo, separators=(",", ":"), ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.out} ({len(text) // 1024} KB): {len(geo['borders'])} borders, "
        f"{len(geo['coast'])} coasts, {len(geo['land'])} countries"
    )


if __name__ == "__main__":
    main()
