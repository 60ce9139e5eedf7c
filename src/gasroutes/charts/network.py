"""The network map of a run: the routes along their ``path_lonlat`` over the region's
country borders and coasts, each route's line as wide as the gas it carried over the run
and in the colour of its main buyer, with labels placed so that none overlaps another.

The borders, coasts and land come from Natural Earth (public domain), shipped in
``charts/data/geography.json`` (made by ``scripts/make_geography.py``), so the map draws
offline. Labels are placed greedily, the most important first (buyers and volumes at
the route ends, then the entry hubs, then the country names): each tries a few places
around its point, its size measured with the renderer, and takes a free one that crosses
the fewest route lines, nearer and more usual places first. A route end's label is always
drawn; a hub or country name is left out when it finds no free place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

from gasroutes.charts.axes import no_data
from gasroutes.charts.palette import color
from gasroutes.sim.changes import EventKind, Source

__all__ = ["STYLES", "geography", "network_map"]

WATER, LAND = "#dcebf5", "#f6f4ef"
BORDER, COAST = "#a6a6a6", "#86aecb"
MUTED = "#8c8c8c"
# What the line style of a route says (the legend repeats it)
STYLES = {
    "service": ("-", "gas carried, in service throughout (random outages aside)"),
    "interrupted": ("--", "gas carried, cut off or out for a time by an event or rule"),
    "idle": (":", "no gas carried (not built, no contract, or cut off throughout)"),
    "rail": ("-.", "LPG by rail (the trucks beyond the terminals are not drawn)"),
}
MIN_WIDTH, MAX_EXTRA_WIDTH = 1.0, 9.0  # points: the widest route is MIN + EXTRA
IDLE_WIDTH = 1.6  # a dotted line any thinner is hard to see
NODE_SIZE = 22.0  # marker area, points squared
LEADING = 1.0  # pixels between the stacked lines of a label
PAD = 2.5  # pixels kept clear around a label (so at least twice that between two)
REGION = (44.0, 28.0, 80.0, 48.0)  # the view when no route has coordinates
Align = Literal["left", "right"]  # which side of a label block its texts align to


@dataclass(frozen=True)
class Geography:
    """The region's borders, coasts and land as arrays of (longitude, latitude)."""

    source: str
    box: tuple[float, float, float, float]
    borders: list[np.ndarray]
    coast: list[np.ndarray]
    land: list[np.ndarray]
    labels: list[tuple[str, list[tuple[float, float]]]]  # name, label points best first


@lru_cache(maxsize=1)
def geography() -> Geography:
    """The shipped geography layer (read once per process)."""
    text = resources.files("gasroutes.charts").joinpath("data", "geography.json").read_text()
    raw: dict[str, Any] = json.loads(text)

    def lines(rows: list[list[float]]) -> list[np.ndarray]:
        return [np.asarray(r, dtype=float).reshape(-1, 2) for r in rows]

    x0, y0, x1, y1 = (float(v) for v in raw["box"])
    return Geography(
        source=str(raw["source"]),
        box=(x0, y0, x1, y1),
        borders=lines(raw["borders"]),
        coast=lines(raw["coast"]),
        land=lines([r for country in raw["land"] for r in country["rings"]]),
        labels=[
            (str(c["name"]), [(float(x), float(y)) for x, y in c["lonlat"]]) for c in raw["labels"]
        ],
    )


# ----------------------------------------------------------------------------- the map


def network_map(
    flows: pd.DataFrame,
    paths: Mapping[str, Sequence[Sequence[float]]],
    title: str,
    events: pd.DataFrame | None = None,
    entries: Mapping[str, str] | None = None,
) -> Figure:
    """The routes over the region's borders: line width proportional to the gas carried
    over the run, colour of the main buyer, a line style for what the route did (STYLES:
    in service, interrupted by an event of the scenario or a rule for part of the run,
    no gas at all; random outages do not change the style), and LPG rail lines.
    ``entries`` names the node each route takes its gas from, for the labels of the
    entry points."""
    gas = flows[flows["commodity"] == "pipeline_gas"]
    carried = gas.groupby(["route", "buyer"], sort=False)["quantity"].sum() / 1000.0  # bcm
    total = carried.groupby(level=0, sort=False).sum()
    top = max(float(total.max()) if len(total) else 0.0, 1e-9)
    cut = _interrupted(events)
    rail = flows[flows["commodity"] == "lpg"].groupby("route", sort=False)["quantity"].sum()

    drawn: list[_Route] = []
    missing = []
    for route in gas["route"].unique():
        path = paths.get(route)
        if not path:
            missing.append(route)
            continue
        by_buyer = carried.loc[route]
        buyers = [b for b in by_buyer.index if b != "third_party"]
        bcm = float(total.get(route, 0.0))
        takers = [b for b in buyers if float(by_buyer[b]) > 0]
        # the colour of the buyer that took most of the exporter's gas on it; a line
        # carrying others' gas only (transit) is theirs
        main = max(takers, key=lambda b: float(by_buyer[b])) if takers else "third_party"
        transit = float(by_buyer.get("third_party", 0.0))
        text = f"{route}: {bcm - transit:.0f} bcm"
        if transit >= 0.5:  # shown apart: it is no export of the exporter's
            text += f" (+{transit:.0f} transit)"
        if bcm <= 1e-9:
            kind = "idle"
        elif route in cut or (bool(takers) and all(b in cut for b in takers)):
            kind = "interrupted"
        else:
            kind = "service"
        drawn.append(
            _Route(
                name=route,
                path=np.asarray(path, dtype=float),
                kind=kind,
                colour=color(main),
                width=IDLE_WIDTH if kind == "idle" else MIN_WIDTH + MAX_EXTRA_WIDTH * bcm / top,
                text=text,
                takers=takers,
                bcm=bcm,
            )
        )
    for route, tonnes in rail.items():
        path = paths.get(str(route))
        if path:
            text = f"{route}: {float(tonnes) / 1000:.0f} kt LPG"
            if route in cut:  # the rail style stays: the label says it
                text += " (out for a time)"
            drawn.append(
                _Route(
                    name=str(route),
                    path=np.asarray(path, dtype=float),
                    kind="rail",
                    colour=color("afghanistan"),
                    width=2.0,
                    text=text,
                    takers=[],
                    bcm=-1.0,
                )
            )

    fig, ax = _frame(drawn)
    _draw_geography(ax)
    for r in drawn:
        ax.plot(
            r.path[:, 0],
            r.path[:, 1],
            color=r.colour,
            lw=r.width,
            ls=STYLES[r.kind][0],
            solid_capstyle="round",
            alpha=0.85,
            zorder=3,
        )
    starts = np.array([r.path[0] for r in drawn]).reshape(-1, 2)
    ends = np.array([r.path[-1] for r in drawn]).reshape(-1, 2)
    for points, face, edge in ((starts, "#444444", "white"), (ends, "white", "#444444")):
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=NODE_SIZE,
            c=face,
            edgecolors=edge,
            linewidths=0.8,
            zorder=4,
        )

    ax.set_title(f"{title}: network map, line width by gas carried over the run")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    _legend(fig, ax, drawn, missing)
    if not drawn:
        no_data(ax, "no route has path_lonlat coordinates")
    _label(fig, ax, drawn, np.concatenate([starts, ends]), entries or {})
    return fig


@dataclass
class _Route:
    """One drawn route: its path, what its style says, and its label."""

    name: str
    path: np.ndarray
    kind: str  # a key of STYLES
    colour: str
    width: float
    text: str
    takers: list[str]
    bcm: float  # gas carried; -1 for rail
    extra: list[_Route] = field(default_factory=list)


def _interrupted(events: pd.DataFrame | None) -> set[str]:
    """Targets of a cutoff or outage that the scenario or a rule made (random outages are
    a draw of the uncertainty section, not part of the story the map tells)."""
    if events is None or events.empty:
        return set()
    rows = events[events["kind"].isin((EventKind.CUTOFF, EventKind.OUTAGE))]
    if "source" in rows.columns:
        rows = rows[rows["source"] != Source.RANDOM]
    return set(rows["target"])


def _frame(drawn: Sequence[_Route]) -> tuple[Figure, Axes]:
    """A figure sized to the routes' extent, in a plate carrée stretched to the true
    scale at the middle latitude."""
    if drawn:
        points = np.concatenate([r.path for r in drawn])
        margin = np.array([2.5, 1.5])  # degrees
        x0, y0 = points.min(axis=0) - margin
        x1, y1 = points.max(axis=0) + margin
    else:
        x0, y0, x1, y1 = REGION
    # at least a small region's width, so a short route is not blown up to the page
    if x1 - x0 < 16.0:
        x0, x1 = (x0 + x1) / 2 - 8.0, (x0 + x1) / 2 + 8.0
    if y1 - y0 < 9.0:
        y0, y1 = (y0 + y1) / 2 - 4.5, (y0 + y1) / 2 + 4.5
    aspect = 1.0 / math.cos(math.radians((y0 + y1) / 2))
    width, left, right, top, bottom = 10.0, 0.75, 0.3, 0.5, 1.55  # inches
    map_w = width - left - right
    map_h = min(max(map_w * (y1 - y0) * aspect / (x1 - x0), 3.0), 7.0)
    # widen the short side so the view fills the map's box at the true aspect
    grow_x = (y1 - y0) * aspect * map_w / map_h - (x1 - x0)
    grow_y = (x1 - x0) * map_h / map_w / aspect - (y1 - y0)
    if grow_x > 0:
        x0, x1 = x0 - grow_x / 2, x1 + grow_x / 2
    elif grow_y > 0:
        y0, y1 = y0 - grow_y / 2, y1 + grow_y / 2
    height = map_h + top + bottom
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(aspect, adjustable="datalim")
    ax.apply_aspect()
    return fig, ax


def _draw_geography(ax: Axes) -> None:
    """Water over the box the layer covers, land on it, then coasts and borders."""
    geo = geography()
    x0, y0, x1, y1 = geo.box
    water = Rectangle((x0, y0), x1 - x0, y1 - y0, fc=WATER, ec="none", zorder=0, gid="water")
    ax.add_patch(water)
    land = PolyCollection(geo.land, facecolors=LAND, edgecolors="none", zorder=0.5)
    land.set_gid("land")
    ax.add_collection(land, autolim=False)
    coast = LineCollection(geo.coast, colors=COAST, linewidths=0.6, zorder=1)
    coast.set_gid("coast")
    ax.add_collection(coast, autolim=False)
    borders = LineCollection(geo.borders, colors=BORDER, linewidths=0.6, zorder=1)
    borders.set_gid("borders")
    ax.add_collection(borders, autolim=False)


def _legend(fig: Figure, ax: Axes, drawn: Sequence[_Route], missing: Sequence[str]) -> None:
    """The line styles in use and the two kinds of node, under the map."""
    handles: list[Line2D] = []
    for kind, (ls, text) in STYLES.items():
        if any(r.kind == kind for r in drawn):
            c = color("afghanistan") if kind == "rail" else "#555555"
            lw = 2.0 if kind in ("rail", "idle") else 3.0
            handles.append(Line2D([], [], color=c, lw=lw, ls=ls, label=text))
    if drawn:
        for face, edge, text in (
            ("#444444", "white", "where a route takes its gas (field, hub or plant)"),
            ("white", "#444444", "where it delivers (border point, terminal)"),
        ):
            handles.append(
                Line2D([], [], ls="", marker="o", mfc=face, mec=edge, ms=5.5, label=text)
            )
    box = ax.get_position()
    if handles:
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(box.x0, box.y0 - 0.55 / fig.get_figheight()),
            ncols=2,
            fontsize=8,
            frameon=False,
            title="line colour: the route's main buyer; width: gas carried over the run",
            title_fontsize=8,
            alignment="left",
        )
    note = f"map: {geography().source.split(' (')[0]} (public domain)"
    if missing:
        note = f"not drawn (no path_lonlat): {', '.join(missing)}\n{note}"
    fig.text(box.x0, 0.012, note, fontsize=7, color="#666666", va="bottom")


# ----------------------------------------------------------------------------- labels


@dataclass
class _Placer:
    """Greedy label placement in display coordinates: boxes taken so far, and the route
    lines as dense points (a label may cross a line, at a cost)."""

    fig: Figure
    taken: list[tuple[float, float, float, float]]
    line_points: np.ndarray  # x, y, half the line's width (pixels)
    frame: tuple[float, float, float, float]

    def cost(self, box: tuple[float, float, float, float]) -> float:
        x0, y0, x1, y1 = box
        f = self.frame
        if x0 < f[0] or y0 < f[1] or x1 > f[2] or y1 > f[3]:
            return math.inf
        hits = sum(1 for t in self.taken if x0 < t[2] and t[0] < x1 and y0 < t[3] and t[1] < y1)
        p, r = self.line_points, self.line_points[:, 2]
        crossed = int(
            np.count_nonzero(
                (p[:, 0] > x0 - r) & (p[:, 0] < x1 + r) & (p[:, 1] > y0 - r) & (p[:, 1] < y1 + r)
            )
        )
        return 1000.0 * hits + crossed

    def place(
        self,
        texts: Sequence[Annotation],
        anchor: tuple[float, float],
        gap: float,
        *,
        required: bool,
        centred: bool = False,
    ) -> bool:
        """Put a block of stacked texts near ``anchor`` (display pixels); remove them when
        no free place is found and they are not ``required``."""
        renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        sizes = [(e.width, e.height) for e in (t.get_window_extent(renderer) for t in texts)]
        w = max(s[0] for s in sizes)
        h = sum(s[1] for s in sizes) + LEADING * (len(sizes) - 1)
        ax_, ay = anchor
        best: tuple[float, float, float, Align] | None = None  # cost, left, top, ha
        for i, (dx, dy, ha) in enumerate(_offsets(gap, w, h, centred)):
            left = ax_ + dx if ha == "left" else ax_ + dx - w
            top = ay + dy
            box = (left - PAD, top - h - PAD, left + w + PAD, top + PAD)
            c = self.cost(box) + 0.5 * i
            if best is None or c < best[0]:
                best = (c, left, top, ha)
        if best is None or (not required and best[0] >= 1000.0):
            for t in texts:
                t.remove()
            return False
        _, left, top, ha = best
        to_pt = 72.0 / self.fig.dpi
        y = top
        for t, (_, th) in zip(texts, sizes, strict=True):
            x = left if ha == "left" else left + w
            if centred:
                x = left + w / 2
            t.set_horizontalalignment("center" if centred else ha)
            t.set_verticalalignment("top")
            t.xyann = ((x - ax_) * to_pt, (y - ay) * to_pt)
            y -= th + LEADING
        self.taken.append((left - PAD, top - h - PAD, left + w + PAD, top + PAD))
        return True


def _offsets(gap: float, w: float, h: float, centred: bool) -> list[tuple[float, float, Align]]:
    """Candidate places of a w x h block around a point: (dx, dy) from the point to the
    block's left (or right, for ha 'right') top corner, best first."""
    if centred:  # a country name: on its point, or a little above or below it
        return [(-w / 2, h / 2 + dy, "left") for dy in (0.0, 10.0, -10.0, 20.0, -20.0)]
    out: list[tuple[float, float, Align]] = []
    for k in (1.0, 2.0, 3.2):
        d = gap * k
        s = d * 0.7
        out += [
            (d, h / 2, "left"),  # east
            (s, h + s, "left"),  # north-east
            (s, -s, "left"),  # south-east
            (-d, h / 2, "right"),  # west
            (-s, h + s, "right"),  # north-west
            (-s, -s, "right"),  # south-west
            (-w / 2, h + d, "left"),  # north
            (-w / 2, -d, "left"),  # south
        ]
    return out


def _label(
    fig: Figure,
    ax: Axes,
    drawn: Sequence[_Route],
    nodes: np.ndarray,
    entries: Mapping[str, str],
) -> None:
    """Label the route ends (buyers and the gas each route carried), the entry points and
    the countries in view, in that order of importance."""
    to_px = ax.transData.transform
    frame = ax.get_window_extent()
    px = fig.dpi / 72.0  # pixels per point
    placer = _Placer(
        fig,
        taken=[],
        line_points=_dense([to_px(r.path) for r in drawn], [r.width * px / 2 for r in drawn]),
        frame=(frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2),
    )
    radius = math.sqrt(NODE_SIZE) / 2 * fig.dpi / 72.0
    for x, y in to_px(nodes) if len(nodes) else []:
        placer.taken.append((x - radius, y - radius, x + radius, y + radius))
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for t in ax.texts:  # already there (a note that the map is empty)
        e = t.get_window_extent(renderer)
        placer.taken.append((e.x0, e.y0, e.x1, e.y1))
    gap = radius + 4.0
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]

    def text(at: Sequence[float], s: str, size: float, colour: str, **style: Any) -> Annotation:
        return ax.annotate(
            s,
            (float(at[0]), float(at[1])),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=size,
            color=colour,
            zorder=6,
            path_effects=halo,
            annotation_clip=False,
            **style,
        )

    # route ends close together (parallel strings) share one block: buyers, then routes
    groups: list[_Route] = []
    for r in sorted(drawn, key=lambda r: -r.bcm):
        for g in groups:
            close = bool(np.all(np.abs(g.path[-1] - r.path[-1]) < 1.5))
            if g.kind != "rail" and r.kind != "rail" and close:
                g.extra.append(r)
                g.takers.extend(b for b in r.takers if b not in g.takers)
                break
        else:
            groups.append(replace(r, takers=list(r.takers), extra=[]))
    for g in groups:
        block = []
        if g.takers:
            block.append(text(g.path[-1], ", ".join(g.takers), 8.5, g.colour, weight="bold"))
        for r in sorted([g, *g.extra], key=lambda r: r.name):
            colour = r.colour if r.kind == "rail" else "#333333"
            block.append(text(g.path[-1], r.text, 7.5, colour))
        placer.place(block, tuple(to_px(g.path[-1])), gap, required=True)

    by_entry: dict[str, list[np.ndarray]] = {}
    for r in drawn:
        if r.name in entries:
            by_entry.setdefault(entries[r.name], []).append(r.path[0])
    for name, starts in by_entry.items():
        # where most of the node's routes start (a route drawn from further up the
        # network, as one that includes the line feeding the node, starts elsewhere)
        clusters = [[p for p in starts if np.all(np.abs(p - q) < 1.5)] for q in starts]
        at = np.mean(max(clusters, key=len), axis=0)
        t = text(at, name, 7.0, "#444444", style="italic")
        placer.place([t], tuple(to_px(at)), gap, required=False)

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for country, points in geography().labels:
        for lon, lat in points:
            if not (x0 < lon < x1 and y0 < lat < y1):
                continue
            t = ax.annotate(
                country.upper(),
                (lon, lat),
                xytext=(0, 0),
                textcoords="offset points",
                fontsize=7.5,
                color=MUTED,
                zorder=2,
                gid="country",
            )
            if placer.place([t], tuple(to_px((lon, lat))), 0.0, required=False, centred=True):
                break


def _dense(lines: Sequence[np.ndarray], halves: Sequence[float], step: float = 3.0) -> np.ndarray:
    """Points every ``step`` pixels or so along each line, with the line's half width (to
    test label boxes against)."""
    out = [np.zeros((0, 3))]
    for line, half in zip(lines, halves, strict=True):
        a, d = line[:-1], np.diff(line, axis=0)
        n = np.maximum((np.hypot(d[:, 0], d[:, 1]) / step).astype(int), 1)
        seg = np.repeat(np.arange(len(a)), n)
        t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        points = np.concatenate([a[seg] + t[:, None] * d[seg], line[-1:]])
        out.append(np.column_stack([points, np.full(len(points), half)]))
    return np.concatenate(out)
