"""Charts that compare runs: one line per run in a fixed style (run 1 solid, run 2 dashed,
...), the colour of the destination, and the difference from the first run.

Runs with different horizons are aligned on the calendar: every x axis is in years.
Events that are not common to every run (what sets the runs apart) are marked and listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gasroutes.charts.axes import (
    decimal_year,
    draw_key,
    key_rows,
    mark_events,
    monthly_mean,
    no_data,
    numbered_events,
    year_axis,
)
from gasroutes.charts.palette import RUN_STYLES, color

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

DIFF_COLOR = "#555555"
LPG_SUFFIX, LPG_UNIT = " LPG", "kt/yr"


def _style(i: int) -> object:
    return RUN_STYLES[i % len(RUN_STYLES)]


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


def _figure(
    rows: int, cols: int, events: pd.DataFrame, row_height: float = 2.0
) -> tuple[Figure, np.ndarray]:
    k = key_rows(events)
    key = 0.17 * k + (0.25 if k else 0.0)
    height = row_height * rows + 1.5 + key
    fig = Figure(figsize=(12.0 if cols > 1 else 10.0, height))
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    fig.subplots_adjust(
        left=0.08,
        right=0.98,
        top=1 - 0.95 / height,
        bottom=(0.55 + key) / height,
        hspace=0.25,
        wspace=0.18,
    )
    return fig, axes


def _run_legend(fig: Figure, runs: Sequence[RunData], extra: Sequence[Line2D] = ()) -> None:
    handles = [
        Line2D([], [], color="black", ls=_style(i), lw=1.5, label=r.name)
        for i, r in enumerate(runs)
    ]
    fig.legend(
        handles=[*handles, *extra],
        loc="upper right",
        ncols=len(handles) + len(extra),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.98, 1 - 0.1 / fig.get_figheight()),
    )


def _finish(fig: Figure, runs: Sequence[RunData], title: str, events: pd.DataFrame) -> None:
    """The common top and bottom of a comparison chart: title, run legend, event key."""
    fig.suptitle(
        f"{_title(runs)}: {title}", fontsize=12, x=0.08, ha="left", y=1 - 0.2 / fig.get_figheight()
    )
    _run_legend(fig, runs)
    draw_key(fig, events)


def _span(runs: Sequence[RunData]) -> tuple[float, float]:
    lo = min(float(decimal_year([str(r.production["date"].iloc[0])])[0]) for r in runs)
    hi = max(float(decimal_year([str(r.production["date"].iloc[-1])])[0]) for r in runs)
    return lo, hi + 1 / 365


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


def _value_and_difference(
    runs: Sequence[RunData],
    table: pd.DataFrame,
    ids: list[str],
    title: str,
    unit: str,
    scale: float,
    events: pd.DataFrame,
    bars: bool,
) -> Figure:
    fig, axes = _figure(max(len(ids), 1), 2, events)  # empty when no run has any
    years = table.index.to_numpy(dtype=float)
    x = years + 0.5 if bars else years
    first = runs[0].name
    width = 0.8 / max(len(runs) - 1, 1)
    for row, ident in enumerate(ids):
        left, right = axes[row]
        base = table.get((first, ident))
        for i, r in enumerate(runs):
            series = table.get((r.name, ident))
            if series is None:
                continue
            left.plot(
                x,
                series.to_numpy() / scale,
                color=color(ident.removesuffix(LPG_SUFFIX)),
                ls=_style(i),
                lw=1.5,
                marker="." if bars else None,
            )
            if i and base is not None:
                diff = (series - base).to_numpy() / scale
                offset = (i - 1) * width - 0.4 + width / 2
                right.bar(
                    x + offset,
                    diff,
                    width=width,
                    color=color(ident.removesuffix(LPG_SUFFIX)),
                    alpha=0.75,
                    hatch="//" if i % 2 == 0 else None,
                    label=f"{r.name} - {first}",
                )
        row_unit = LPG_UNIT if ident.endswith(LPG_SUFFIX) else unit
        left.set_ylabel(f"{ident}\n({row_unit})", fontsize=8)
        left.set_ylim(bottom=0)
        right.axhline(0, color="black", lw=0.6)
        right.set_ylabel(f"difference\n({row_unit})", fontsize=8)
        for ax in (left, right):
            ax.grid(alpha=0.3)
        mark_events(left, events[events["target"].isin([ident])], numbers=True)
    lo, hi = float(years.min()), float(years.max()) + 1
    for ax in axes[-1]:
        year_axis(ax, lo, hi, centred=True)
    axes[0][0].set_title(f"{title}", fontsize=10, loc="left")
    axes[0][1].set_title(f"difference from {first}", fontsize=10, loc="left")
    _finish(fig, runs, title, events)
    return fig


def annual_exports_compare(runs: Sequence[RunData]) -> Figure:
    """Annual exports per destination, per run, and the differences: pipeline gas in bcm,
    LPG (a row of its own) in kt."""
    table = _annual(runs, "annual", "quantity", "destination")
    ids = [
        d
        for d in dict.fromkeys(c[1] for c in table.columns)
        if float(np.nansum(table.xs(d, axis=1, level=1).to_numpy())) > 0
    ]
    ev = distinct_events(runs)
    return _value_and_difference(
        runs, table, ids, "annual exports by destination", "bcm/yr", 1.0, ev, bars=True
    )


def revenue_compare(runs: Sequence[RunData]) -> Figure:
    """Annual revenue invoiced per buyer, per run, and the differences."""
    table = _annual(runs, "money", "invoiced_usd", "buyer")
    ids = [
        d
        for d in dict.fromkeys(c[1] for c in table.columns)
        if float(np.nansum(table.xs(d, axis=1, level=1).to_numpy())) > 0
    ]
    return _value_and_difference(
        runs,
        table,
        ids,
        "revenue invoiced by buyer",
        "USD bn/yr",
        1e9,
        distinct_events(runs),
        bars=True,
    )


def deliveries_compare(runs: Sequence[RunData]) -> Figure:
    """Monthly mean deliveries per buyer, per run, and the difference from the first run."""
    monthly = {r.name: monthly_mean(r.deliveries, "delivered", "buyer") for r in runs}
    buyers = [
        b
        for b in dict.fromkeys(c for m in monthly.values() for c in m.columns)
        if any(float(m[b].sum()) > 0 for m in monthly.values() if b in m)
    ]
    ev = distinct_events(runs)
    fig, axes = _figure(max(len(buyers), 1), 2, ev)
    first = monthly[runs[0].name]
    for row, b in enumerate(buyers):
        left, right = axes[row]
        for i, r in enumerate(runs):
            m = monthly[r.name]
            if b not in m:
                continue
            left.plot(m.index, m[b], color=color(b), ls=_style(i), lw=1.3)
            if i and b in first:
                diff = m[b].sub(first[b], fill_value=np.nan)
                right.plot(diff.index, diff, color=color(b), ls=_style(i), lw=1.2)
        left.set_ylabel(f"{b}\n(mcm/d)", fontsize=8)
        left.set_ylim(bottom=0)
        right.axhline(0, color="black", lw=0.6)
        right.set_ylabel("difference\n(mcm/d)", fontsize=8)
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.set_xlim(*_span(runs))
        mark_events(left, ev[ev["target"].isin([b])])
    for ax in axes[-1]:
        year_axis(ax, *_span(runs))
    axes[0][0].set_title("deliveries (monthly mean)", fontsize=10, loc="left")
    axes[0][1].set_title(f"difference from {runs[0].name}", fontsize=10, loc="left")
    _finish(fig, runs, "deliveries by buyer", ev)
    return fig


def production_compare(runs: Sequence[RunData]) -> Figure:
    """Monthly exports, domestic use and shut-in, one line per run."""
    ev = distinct_events(runs)
    fig, axes = _figure(3, 1, ev, row_height=1.9)
    series = (
        ("exported", "exported (mcm/d)", "#4c72b0"),
        ("domestic", "domestic use (mcm/d)", color("domestic")),
        ("shut_in", "shut in (mcm/d)", color("shut_in")),
    )
    for i, r in enumerate(runs):
        m = monthly_mean(r.production, [s[0] for s in series])
        for ax, (col, _, c) in zip(axes[:, 0], series, strict=True):
            ax.plot(m.index, m[col], color=c, ls=_style(i), lw=1.3)
    for ax, (_, label, _) in zip(axes[:, 0], series, strict=True):
        ax.set_ylabel(label, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.set_xlim(*_span(runs))
    mark_events(axes[0, 0], ev)
    year_axis(axes[-1, 0], *_span(runs))
    _finish(fig, runs, "production, domestic use and shut-in", ev)
    return fig


def route_flows_compare(runs: Sequence[RunData]) -> Figure:
    """Monthly mean flow on each route (all buyers and third parties), one line per run."""
    ev = distinct_events(runs)
    monthly = {}
    for r in runs:
        gas = r.flows[r.flows["commodity"] == "pipeline_gas"]
        daily = gas.groupby(["date", "route"], sort=False)["quantity"].sum().reset_index()
        monthly[r.name] = monthly_mean(daily, "quantity", "route")
    routes = list(dict.fromkeys(c for m in monthly.values() for c in m.columns))
    fig, axes = _figure(max(len(routes), 1), 1, ev, row_height=1.6)
    for row, route in enumerate(routes):
        ax: Axes = axes[row, 0]
        for i, r in enumerate(runs):
            m = monthly[r.name]
            if route in m:
                ax.plot(m.index, m[route], color="#333333", ls=_style(i), lw=1.2)
        ax.set_ylabel(f"{route}\n(mcm/d)", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.set_xlim(*_span(runs))
        mark_events(ax, ev[ev["target"].isin([route])])
    year_axis(axes[-1, 0], *_span(runs))
    _finish(fig, runs, "route flows (monthly mean)", ev)
    return fig


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


# ----------------------------------------------------------------------------- replicated


DIFF_PANELS = (
    (
        "exports and shortfall (bcm)",
        (
            "exports_bcm_by_destination.",
            "exports_bcm_total",
            "shortfall_bcm_by_buyer.",
            "shut_in_bcm",
        ),
        1.0,
    ),
    ("revenue (USD bn)", ("revenue_usd_by_buyer.", "revenue_usd_total"), 1e9),
)


def _selected(kpis: Sequence[str], prefixes: Sequence[str]) -> list[str]:
    return [k for p in prefixes for k in kpis if k == p or (p.endswith(".") and k.startswith(p))]


def difference_kpis(runs: Sequence[RunData], diffs: pd.DataFrame) -> Figure:
    """The mean difference of each headline KPI from the first run, with its 95% CI:
    paired (dark) when the runs share seeds, and the unpaired interval (light) for
    comparison."""
    if diffs.empty:
        diffs = pd.DataFrame(
            columns=[
                "kpi",
                "run",
                "pairing",
                "mean_difference",
                "ci_low",
                "ci_high",
                "unpaired_ci_width",
                "ci_width",
            ]
        )
    moved = diffs[diffs[["ci_low", "ci_high", "mean_difference"]].abs().max(axis=1) > 1e-9]
    panels = [
        (label, _selected(list(dict.fromkeys(moved["kpi"])), prefixes), scale)
        for label, prefixes, scale in DIFF_PANELS
    ]
    heights = [max(len(k), 1) for _, k, _ in panels]
    fig = Figure(figsize=(10.0, 1.6 + 0.28 * sum(heights) * max(len(runs) - 1, 1)))
    axes = fig.subplots(len(panels), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    fig.subplots_adjust(left=0.3, right=0.97, top=0.9, bottom=0.08, hspace=0.35)
    others = runs[1:]
    step = 0.8 / max(len(others), 1)
    for ax, (label, kpis, scale) in zip(axes, panels, strict=True):
        if not kpis:
            no_data(ax, "no difference between the runs")
            ax.set_yticks([])
            ax.set_xlabel(f"difference from {runs[0].name}, {label}")
            continue
        for j, run in enumerate(others):
            d = diffs[diffs["run"] == run.name].set_index("kpi")
            for i, k in enumerate(kpis):
                if k not in d.index:
                    continue
                row = d.loc[k]
                y = i + (j - (len(others) - 1) / 2) * step
                c = color(k.split(".", 1)[1]) if "." in k else "#333333"
                mean = row["mean_difference"] / scale
                if row["pairing"] == "paired" and np.isfinite(row["unpaired_ci_width"]):
                    half = row["unpaired_ci_width"] / 2 / scale
                    ax.plot(
                        [mean - half, mean + half],
                        [y, y],
                        color=c,
                        alpha=0.3,
                        lw=6,
                        solid_capstyle="butt",
                    )
                if np.isfinite(row["ci_low"]):
                    ax.plot([row["ci_low"] / scale, row["ci_high"] / scale], [y, y], color=c, lw=2)
                ax.plot([mean], [y], marker=_MARKERS[j % len(_MARKERS)], color=c, ms=5)
        ax.set_yticks(
            range(len(kpis)),
            [k.replace("_by_destination", "").replace("_by_buyer", "") for k in kpis],
            fontsize=8,
        )
        ax.set_ylim(len(kpis) - 0.5, -0.5)
        ax.axvline(0, color="black", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel(f"difference from {runs[0].name}, {label}", fontsize=9)
    pairing = sorted(set(diffs["pairing"])) if len(diffs) else []
    note = (
        "dark: paired 95% CI (shared seeds); light: the unpaired 95% CI"
        if pairing == ["paired"]
        else "95% CI, unpaired (the runs do not share seeds)"
        if pairing == ["unpaired"]
        else "95% CI, paired where the runs share seeds"
    )
    handles = [
        Line2D([], [], color="black", marker=_MARKERS[j % len(_MARKERS)], ls="", label=r.name)
        for j, r in enumerate(others)
    ]
    _legend_row(fig, handles, 0.97, 0.995)
    fig.suptitle(
        f"{_title(runs)}: mean difference over the horizon\n{note}",
        fontsize=10,
        x=0.02,
        ha="left",
        y=0.995,
    )
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P")


def _legend_row(fig: Figure, handles: Sequence[Line2D], x: float, y: float) -> None:
    """One row of legend entries at the figure's top right corner (x, y)."""
    fig.legend(
        handles=handles,
        loc="upper right",
        fontsize=8,
        frameon=False,
        ncols=len(handles),
        bbox_to_anchor=(x, y),
    )


def difference_annual(runs: Sequence[RunData], annual: dict[str, pd.DataFrame]) -> Figure:
    """Per destination, the mean difference in annual pipeline gas exports from the first
    run, year by year, with its 95% band (paired when the runs share seeds)."""
    frames = [f.assign(run=name) for name, f in annual.items() if len(f)]
    both = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=["destination", "commodity", "year", "mean", "low", "high", "run"]
        )
    )
    gas = both[both["commodity"] == "pipeline_gas"]
    dests = [
        d
        for d in dict.fromkeys(gas["destination"])
        if gas.loc[gas["destination"] == d, ["mean", "low", "high"]].abs().max().max() > 1e-9
    ]
    fig, axes = _figure(max(len(dests), 1), 1, numbered_events(None))
    axes = axes[:, 0]
    if not dests:
        no_data(axes[0], "no difference in annual exports")
    for ax, dest in zip(axes, dests, strict=False):
        for j, run in enumerate(runs[1:]):
            f = gas[(gas["destination"] == dest) & (gas["run"] == run.name)]
            x = f["year"].to_numpy(dtype=float) + 0.5
            c = color(dest)
            ax.fill_between(x, f["low"], f["high"], color=c, alpha=0.2, lw=0)
            ax.plot(x, f["mean"], color=c, ls=_style(j + 1), lw=1.5, marker=".")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_ylabel(f"{dest}\n(bcm/yr)", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("year")  # year_axis sets it too, when there are years
    if len(gas):
        years = gas["year"].astype(float)
        year_axis(axes[-1], float(years.min()), float(years.max()) + 1, centred=True)
    handles = [
        Line2D([], [], color="black", ls=_style(j + 1), lw=1.5, label=f"{r.name} - {runs[0].name}")
        for j, r in enumerate(runs[1:])
    ]
    _legend_row(fig, handles, 0.98, 1 - 0.1 / fig.get_figheight())
    fig.suptitle(
        f"{_title(runs)}: difference in annual exports from {runs[0].name}\n"
        "(mean over replications, shaded: 95% CI)",
        fontsize=11,
        x=0.08,
        ha="left",
        y=1 - 0.1 / fig.get_figheight(),
    )
    return fig
