"""Charts that compare runs: one colour per run (the same in every chart and in the report),
destinations, buyers or routes as small multiples, and under each panel the difference
from the first run, the reference.

Runs with different horizons are aligned on the calendar: every x axis is in years. A year
a run covers only in part is drawn as what it is, a hollow marker (the total of the days
covered), not joined to full years; a difference is drawn only where both runs cover the
same days. Panels that would be empty are left out, and a note under the chart says which.
Events that are not common to every run (what sets the runs apart) are marked and listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from gasroutes.charts.axes import (
    decimal_year,
    mark_events,
    monthly_mean,
    no_data,
    numbered_events,
)
from gasroutes.charts.palette import run_color, run_style
from gasroutes.charts.panels import Panels, left_out, legend_columns, panels, signed, year_ticks

if TYPE_CHECKING:
    from gasroutes.results.reading import RunData

__all__ = [
    "COMPARE_CHARTS",
    "annual_exports_compare",
    "compare_charts",
    "deliveries_compare",
    "distinct_events",
    "production_compare",
    "revenue_compare",
    "route_flows_compare",
]

LPG_SUFFIX, LPG_UNIT = " LPG", "kt/yr"
DAILY_UNITS = {"mcm": "mcm/d", "t": "t/d"}
# a difference smaller than this (in the panel's unit) is no difference: rounding noise
TOLERANCE = 1e-6
PARTIAL_HATCH = "////"


def _title(runs: Sequence[RunData]) -> str:
    return " vs ".join(r.name for r in runs)


def distinct_events(runs: Sequence[RunData]) -> pd.DataFrame:
    """Events that not every run has (what sets the runs apart), numbered in date order;
    each reason is prefixed by the run it belongs to."""
    rows = []
    keys = []
    for r in runs:
        ev = r.events
        k = (
            {
                f"{d}|{kind}|{t}"
                for d, kind, t in zip(ev["date"], ev["kind"], ev["target"], strict=True)
            }
            if len(ev)
            else set()
        )
        keys.append(k)
    common = set.intersection(*keys) if keys else set()
    seen: set[str] = set()
    for r in runs:
        for e in r.events.to_dict("records"):
            key = f"{e['date']}|{e['kind']}|{e['target']}"
            if key in common or key in seen:
                continue
            seen.add(key)
            why = e.get("reason") if isinstance(e.get("reason"), str) else ""
            rows.append({**e, "reason": f"{r.name}: {why}" if why else r.name})
    if not rows:
        return numbered_events(None)
    frame = pd.DataFrame(rows).sort_values("date", kind="stable").reset_index(drop=True)
    return numbered_events(frame)


# ----------------------------------------------------------------------------- pieces


def _horizon(run: RunData) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day a run covers (from its summary; its daily table else)."""
    start, end = run.summary.get("start"), run.summary.get("end")
    if isinstance(start, str) and isinstance(end, str):
        return pd.Timestamp(start), pd.Timestamp(end)
    dates = run.production["date"].astype(str)
    return pd.Timestamp(dates.iloc[0]), pd.Timestamp(dates.iloc[-1])


def _coverage(run: RunData) -> dict[int, tuple[str, str]]:
    """For each year a run touches, the first and last day it covers in that year."""
    start, end = _horizon(run)
    out = {}
    for year in range(start.year, end.year + 1):
        lo = max(start, pd.Timestamp(year=year, month=1, day=1))
        hi = min(end, pd.Timestamp(year=year, month=12, day=31))
        out[year] = (lo.strftime("%Y-%m-%d"), hi.strftime("%Y-%m-%d"))
    return out


def _full(year: int, covered: tuple[str, str] | None) -> bool:
    return covered == (f"{year}-01-01", f"{year}-12-31")


def _span(runs: Sequence[RunData]) -> tuple[float, float]:
    lo = min(float(decimal_year([_horizon(r)[0].strftime("%Y-%m-%d")])[0]) for r in runs)
    hi = max(float(decimal_year([_horizon(r)[1].strftime("%Y-%m-%d")])[0]) for r in runs)
    return lo, hi + 1 / 365


def _run_handles(runs: Sequence[RunData], marker: str | None) -> list[Artist]:
    return [
        Line2D([], [], color=run_color(i), ls=run_style(i), lw=2.0, marker=marker, label=r.name)
        for i, r in enumerate(runs)
    ]


def _layout(
    runs: Sequence[RunData],
    labels: Sequence[str],
    differences: Sequence[bool],
    title: str,
    notes: Sequence[str],
    events: pd.DataFrame,
    handles: Sequence[Artist],
) -> Panels:
    names = [str(h.get_label()) for h in handles]
    cols = legend_columns(names)
    which = " vs ".join(r.name for r in runs)
    if len(which) > 70:  # the legend names them all
        which = f"{len(runs)} runs"
    subtitle = (
        f"{which}; under each panel, the difference of each run from {runs[0].name}"
        f" (run minus {runs[0].name})"
    )
    p = panels(
        len(labels),
        differences=differences,
        title=title,
        subtitle=subtitle,
        legend_rows=-(-len(handles) // cols),
        notes=notes,
        events=events,
    )
    p.legend(handles, cols)
    return p


def _style_panel(ax: Axes, label: str, quantity: str, unit: str) -> None:
    ax.set_title(label, fontsize=10, loc="left", pad=11)  # event numbers sit under it
    ax.set_ylabel(f"{quantity} ({unit})", fontsize=8)
    top = float(ax.dataLim.y1) if np.isfinite(ax.dataLim.y1) else 0.0
    # room above the highest line, so a flat one is not drawn on the frame
    ax.set_ylim(0, top * 1.12 if top > 0 else 1.0)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


def _style_difference(ax: Axes, unit: str) -> None:
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel(f"difference\n({unit})", fontsize=7)
    ax.yaxis.set_major_formatter(FuncFormatter(signed))
    ax.yaxis.set_major_locator(ax.yaxis.get_major_locator())
    ax.locator_params(axis="y", nbins=3)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7.5)


def _finish_panel(
    p: Panels,
    k: int,
    ident: str,
    label: str,
    quantity: str,
    unit: str,
    marks: pd.DataFrame,
    span: tuple[float, float],
    *,
    centred: bool,
) -> None:
    """Panel k once drawn: its title, labels and units, name, event marks, and the year
    ticks on its lowest axes (the difference's when it has one)."""
    ax, below = p.values[k], p.differences[k]
    _style_panel(ax, label, quantity, unit)
    _name(ax, below, ident)
    mark_events(ax, marks)
    if below is not None:
        _style_difference(below, unit)
    cell = ax.get_position().width * p.fig.get_figwidth()
    year_ticks(below if below is not None else ax, *span, cell, centred=centred)


def _name(ax: Axes, below: Axes | None, ident: str) -> None:
    """Name a panel's axes by its id (artist labels, not drawn): how a program finds them."""
    ax.set_label(f"values {ident}")
    if below is not None:
        below.set_label(f"difference {ident}")


# ----------------------------------------------------------------------------- annual


def _annual(runs: Sequence[RunData], frame: str, value: str, key: str) -> pd.DataFrame:
    """One column per (run, key), indexed by year, aligned on the union of years."""
    parts = {}
    for r in runs:
        f = getattr(r, frame)
        if frame == "annual":
            # pipeline gas by destination (bcm), LPG as "<destination> LPG" (kt)
            f = f.assign(
                **{key: f[key].where(f["commodity"] == "pipeline_gas", f[key] + LPG_SUFFIX)}
            )
            table = f.pivot_table(index="year", columns=key, values=value, aggfunc="sum")
        else:
            year = f["date"].astype(str).str.slice(0, 4).astype(int)
            table = f.assign(year=year).pivot_table(
                index="year", columns=key, values=value, aggfunc="sum"
            )
        for col in table.columns:
            parts[(r.name, col)] = table[col]
    return pd.DataFrame(parts).sort_index()


def _annual_chart(
    runs: Sequence[RunData],
    table: pd.DataFrame,
    title: str,
    unit: str,
    scale: float,
    events: pd.DataFrame,
    quantity: str,
) -> Figure:
    """Annual values per id and run (lines, hollow markers for partial years) and, under
    each panel, each run's difference from the first (bars in the run's colour)."""
    all_ids = list(dict.fromkeys(c[1] for c in table.columns))
    ids = [
        d for d in all_ids if float(np.nansum(np.abs(table.xs(d, axis=1, level=1).to_numpy()))) > 0
    ]
    years = table.index.to_numpy(dtype=int)
    covered = [_coverage(r) for r in runs]
    full = [np.array([_full(int(y), c.get(int(y))) for y in years]) for c in covered]
    first = runs[0].name
    # differences: years both runs cover over the same days; partial ones are hatched
    diffs: dict[str, list[np.ndarray | None]] = {}
    uneven: set[str] = set()
    for ident in ids:
        base = table.get((first, ident))
        row: list[np.ndarray | None] = [None]
        for i, r in enumerate(runs[1:], start=1):
            series = table.get((r.name, ident))
            if base is None or series is None:
                row.append(None)
                continue
            same = np.array([covered[i].get(int(y)) == covered[0].get(int(y)) for y in years])
            both = same & np.array([int(y) in covered[0] for y in years])
            if (~same & np.array([int(y) in covered[i] for y in years])).any():
                uneven.add(r.name)
            d = np.where(both, (series.fillna(0) - base.fillna(0)).to_numpy() / scale, np.nan)
            row.append(d)
        diffs[ident] = row
    moved = {
        ident: any(d is not None and np.nanmax(np.abs(d), initial=0) > TOLERANCE for d in row)
        for ident, row in diffs.items()
    }
    partial = any((~f).any() for f in full)
    handles = _run_handles(runs, "o")
    if partial:
        handles.append(
            Line2D([], [], color="#555555", marker="o", mfc="white", ls="", label="partial year")
        )
    hatched = any(
        moved[ident] and d is not None and bool((np.isfinite(d) & ~full[i]).any())
        for ident, row in diffs.items()
        for i, d in enumerate(row)
    )
    if any(moved.values()):
        handles.append(Patch(color="#999999", label=f"bars: run minus {first}"))
        if hatched:
            handles.append(
                Patch(
                    facecolor="white",
                    edgecolor="#777777",
                    hatch=PARTIAL_HATCH,
                    label="hatched: a partial year",
                )
            )
    notes = left_out("left out, zero in every run", [d for d in all_ids if d not in ids])
    # a panel with no difference drawn: none where one could be drawn, or none could be
    compared = {
        ident: any(d is not None and bool(np.isfinite(d).any()) for d in row)
        for ident, row in diffs.items()
    }
    notes += left_out(
        f"no difference from {first} (no difference panel)",
        [d for d in ids if not moved[d] and compared[d]],
    )
    notes += left_out(
        "no year that the runs cover over the same days (no difference panel)",
        [d for d in ids if not compared[d]],
    )
    if uneven:
        notes.append(
            "differences only in years both runs cover over the same days (left out for "
            + ", ".join(sorted(uneven))
            + ")"
        )
    if partial:
        notes.append("hollow markers: a year a run covers only in part (the total of its days)")
    replicated = [r.name for r in runs if r.replicated]
    if replicated:
        notes.append(
            "the line of a replicated run is its median over the replications: "
            + ", ".join(replicated)
        )
    p = _layout(runs, ids, [moved[d] for d in ids], title, notes, events, handles)
    lo, hi = (
        float(years.min()) if len(years) else 0.0,
        float(years.max()) + 1 if len(years) else 1.0,
    )
    width = 0.8 / max(len(runs) - 1, 1)
    for k, ident in enumerate(ids):
        ax, below = p.values[k], p.differences[k]
        panel_unit = LPG_UNIT if ident.endswith(LPG_SUFFIX) else unit
        x = years + 0.5
        for i, r in enumerate(runs):
            series = table.get((r.name, ident))
            if series is None:
                continue
            y = series.to_numpy(dtype=float) / scale
            c = run_color(i)
            joined = np.where(full[i], y, np.nan)
            ax.plot(
                x,
                joined,
                color=c,
                ls=run_style(i),
                lw=2.4 if i == 0 else 1.5,
                marker="o",
                ms=4 if i == 0 else 3,
                zorder=2 + (i > 0),
            )
            part = ~full[i] & np.isfinite(y)
            if part.any():
                ax.plot(x[part], y[part], ls="", marker="o", ms=5, mfc="white", color=c, zorder=4)
            gap = diffs[ident][i]
            if below is not None and gap is not None:
                shown = np.isfinite(gap)
                offset = (i - 1) * width - 0.4 + width / 2
                bars = below.bar(
                    x[shown] + offset,
                    gap[shown],
                    width=width,
                    color=c,
                    alpha=0.85,
                    label=f"{r.name} - {first}",
                )
                for bar, whole in zip(bars, full[i][shown], strict=True):
                    if not whole:
                        bar.set_hatch(PARTIAL_HATCH)
                        bar.set_facecolor("white")
                        bar.set_edgecolor(c)
        marks = events[events["target"].isin([ident.removesuffix(LPG_SUFFIX), ident])]
        _finish_panel(p, k, ident, ident, quantity, panel_unit, marks, (lo, hi), centred=True)
    if not ids:
        no_data(p.values[0], "nothing to compare: every value is zero")
    return p.fig


def annual_exports_compare(runs: Sequence[RunData]) -> Figure:
    """Annual exports per destination and run, and the differences: pipeline gas in bcm,
    LPG (a panel of its own) in kt."""
    table = _annual(runs, "annual", "quantity", "destination")
    return _annual_chart(
        runs,
        table,
        "Annual exports by destination",
        "bcm/yr",
        1.0,
        distinct_events(runs),
        "exports",
    )


def revenue_compare(runs: Sequence[RunData]) -> Figure:
    """Annual revenue invoiced per buyer and run, and the differences."""
    table = _annual(runs, "money", "invoiced_usd", "buyer")
    return _annual_chart(
        runs,
        table,
        "Revenue invoiced by buyer",
        "USD bn/yr",
        1e9,
        distinct_events(runs),
        "invoiced",
    )


# ----------------------------------------------------------------------------- monthly


def _monthly_chart(
    runs: Sequence[RunData],
    monthly: dict[str, pd.DataFrame],
    units: dict[str, str],
    title: str,
    events: pd.DataFrame,
    quantity: str,
    labels: dict[str, str] | None = None,
    every_event: bool = False,
) -> Figure:
    """Monthly means per id and run (lines) and, under each panel, each run's difference
    from the first over the months both cover. Events are marked on the panel of their
    target, or with ``every_event`` on every panel."""
    names = [r.name for r in runs]
    all_ids = list(dict.fromkeys(c for m in monthly.values() for c in m.columns))
    ids = [
        b for b in all_ids if any(float(m[b].abs().sum()) > 0 for m in monthly.values() if b in m)
    ]
    first = monthly[names[0]]
    diffs: dict[str, list[pd.Series | None]] = {}
    for b in ids:
        row: list[pd.Series | None] = [None]
        for name in names[1:]:
            m = monthly[name]
            if b in m and b in first:
                common = m.index.intersection(first.index)
                row.append(m.loc[common, b] - first.loc[common, b])
            else:
                row.append(None)
        diffs[b] = row
    moved = {
        b: any(
            d is not None and float(np.nanmax(np.abs(d.to_numpy()), initial=0.0)) > TOLERANCE
            for d in row
        )
        for b, row in diffs.items()
    }
    handles = _run_handles(runs, None)
    notes = left_out("left out, zero in every run", [b for b in all_ids if b not in ids])
    notes += left_out(
        f"no difference from {names[0]} (no difference panel)", [b for b in ids if not moved[b]]
    )
    if any(moved.values()):
        notes.append("differences over the months both runs cover")
    p = _layout(runs, ids, [moved[b] for b in ids], title, notes, events, handles)
    lo, hi = _span(runs)
    for k, b in enumerate(ids):
        ax, below = p.values[k], p.differences[k]
        for i, name in enumerate(names):
            m = monthly[name]
            if b in m:
                ax.plot(
                    m.index,
                    m[b],
                    color=run_color(i),
                    ls=run_style(i),
                    lw=2.4 if i == 0 else 1.3,
                    zorder=2 + (i > 0),
                )
            d = diffs[b][i]
            if below is not None and d is not None:
                below.plot(d.index, d.to_numpy(), color=run_color(i), ls=run_style(i), lw=1.2)
        marks = events if every_event else events[events["target"].isin([b])]
        label = (labels or {}).get(b, b)
        unit = units.get(b, "mcm/d")
        _finish_panel(p, k, b, label, quantity, unit, marks, (lo, hi), centred=False)
    if not ids:
        no_data(p.values[0], "nothing to compare: every value is zero")
    return p.fig


def deliveries_compare(runs: Sequence[RunData]) -> Figure:
    """Monthly mean deliveries per buyer and run (gas in mcm/d, LPG depots in t/d), and
    the difference from the first run."""
    monthly = {r.name: monthly_mean(r.deliveries, "delivered", "buyer") for r in runs}
    units: dict[str, str] = {}
    for r in runs:
        if "unit" in r.deliveries.columns:
            pairs = r.deliveries[["buyer", "unit"]].drop_duplicates("buyer")
            for b, u in zip(pairs["buyer"], pairs["unit"], strict=True):
                units.setdefault(str(b), DAILY_UNITS.get(str(u), f"{u}/d"))
    depots = {b: f"{b} (LPG depot)" for b, u in units.items() if u == "t/d"}
    return _monthly_chart(
        runs,
        monthly,
        units,
        "Deliveries by buyer (monthly mean)",
        distinct_events(runs),
        "delivered",
        labels=depots,
    )


PRODUCTION = {"exported": "exported", "domestic": "domestic use", "shut_in": "shut in"}


def production_compare(runs: Sequence[RunData]) -> Figure:
    """Monthly exports, domestic use and shut-in, one line per run."""
    monthly = {r.name: monthly_mean(r.production, list(PRODUCTION)) for r in runs}
    return _monthly_chart(
        runs,
        monthly,
        dict.fromkeys(PRODUCTION, "mcm/d"),
        "Production: exported, domestic use and shut in (monthly mean)",
        distinct_events(runs),
        "gas",
        labels=PRODUCTION,
        every_event=True,
    )


def route_flows_compare(runs: Sequence[RunData]) -> Figure:
    """Monthly mean flow on each route (all buyers and third parties), one line per run."""
    monthly = {}
    for r in runs:
        gas = r.flows[r.flows["commodity"] == "pipeline_gas"]
        daily = gas.groupby(["date", "route"], sort=False)["quantity"].sum().reset_index()
        monthly[r.name] = monthly_mean(daily, "quantity", "route")
    routes = {c for m in monthly.values() for c in m.columns}
    return _monthly_chart(
        runs,
        monthly,
        dict.fromkeys(routes, "mcm/d"),
        "Pipeline gas flow by route (monthly mean)",
        distinct_events(runs),
        "flow",
    )


COMPARE_CHARTS = {
    "annual_exports": annual_exports_compare,
    "deliveries": deliveries_compare,
    "revenue": revenue_compare,
    "production": production_compare,
    "route_flows": route_flows_compare,
}


def compare_charts(runs: Sequence[RunData]) -> dict[str, Figure]:
    """Every comparison chart, by name."""
    return {name: make(runs) for name, make in COMPARE_CHARTS.items()}
