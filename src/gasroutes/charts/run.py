"""Charts of one run. Each function takes DataFrames and returns a matplotlib Figure;
only :func:`save_charts` writes files.

Rules every chart follows: a title naming the scenario, axes labelled with units, one
colour per destination (:mod:`gasroutes.charts.palette`), and the scenario's events marked on
the time axis (shaded spans for cutoffs and outages, dotted lines for the rest).

Shared drawing helpers (time axes, event marks, figure layout) are in
:mod:`gasroutes.charts.axes`; the network map is drawn by :mod:`gasroutes.charts.network`
(and re-exported here).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gasroutes.charts.axes import (
    decimal_year,
    draw_key,
    figure,
    key_rows,
    mark_events,
    mark_random,
    monthly_mean,
    no_data,
    numbered_events,
    save_figure,
    select_events,
    span,
    year_axis,
)
from gasroutes.charts.network import network_map
from gasroutes.charts.palette import color
from gasroutes.core.workers import start_chart_worker

if TYPE_CHECKING:
    from gasroutes.results.result import Result

__all__ = [
    "CHARTS",
    "annual_exports",
    "backtest_chart",
    "chart",
    "deliveries_vs_nominations",
    "lpg_chain",
    "network_map",
    "production_balance",
    "revenue_and_arrears",
    "route_flows",
    "save_charts",
]


# ----------------------------------------------------------------------------- charts


def annual_exports(annual: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """Stacked bars of annual pipeline gas exports by destination, bcm."""
    gas = annual[annual["commodity"] == "pipeline_gas"]
    table = (
        gas.pivot_table(
            index="year", columns="destination", values="quantity", aggfunc="sum", sort=False
        )
        .fillna(0.0)
        .sort_index()
    )
    table = table.loc[:, table.sum() > 0]
    marked = select_events(
        numbered_events(events), kinds=("cutoff", "outage", "commission", "demand")
    )
    fig, (ax,) = figure(1, panel_height=3.6, key_rows=key_rows(marked))
    x = table.index.to_numpy(dtype=float) + 0.5
    bottom = np.zeros(len(table))
    for dest in table.columns:
        ax.bar(x, table[dest], bottom=bottom, label=dest, color=color(dest), width=0.8)
        bottom += table[dest].to_numpy()
    ax.set_title(f"{title}: annual pipeline gas exports by destination", pad=12)
    ax.set_xlabel("year")  # year_axis sets it too, when there are years
    ax.set_ylabel("exports (bcm/yr)")
    if len(table):
        year_axis(ax, float(table.index.min()), float(table.index.max()) + 1, centred=True)
    ax.set_ylim(0, max(float(bottom.max(initial=0.0)) * 1.3, 1.0))
    mark_events(ax, marked)
    draw_key(fig, marked)
    if len(table.columns):
        ax.legend(loc="upper left", ncols=min(len(table.columns), 7), fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def route_flows(flows: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """One panel per route: monthly mean flow by buyer (stacked) against capacity, mcm/d."""
    gas = flows[flows["commodity"] == "pipeline_gas"]
    routes = list(dict.fromkeys(gas["route"]))
    kinds = ("cutoff", "outage", "capacity", "commission")
    users = {r: [r, *dict.fromkeys(gas.loc[gas["route"] == r, "buyer"])] for r in routes}
    marked = select_events(
        numbered_events(events), [t for ids in users.values() for t in ids], kinds
    )
    fig, axes = figure(max(len(routes), 1), panel_height=1.9, key_rows=key_rows(marked))
    lo, hi = span(gas) if len(gas) else (0.0, 1.0)
    for ax, route in zip(axes, routes, strict=False):
        ax.set_xlim(lo, hi)
        f = gas[gas["route"] == route]
        by_buyer = monthly_mean(f, "quantity", "buyer")
        by_buyer = by_buyer.loc[:, by_buyer.sum() > 0]
        cap = monthly_mean(f[f["buyer"] == f["buyer"].iloc[0]], "capacity")["capacity"]
        if by_buyer.columns.empty:
            no_data(ax, "no flow in this run")
        else:
            ax.stackplot(
                by_buyer.index,
                *[by_buyer[c] for c in by_buyer.columns],
                labels=list(by_buyer.columns),
                colors=[color(c) for c in by_buyer.columns],
                alpha=0.85,
            )
        ax.plot(cap.index, cap, color="black", lw=1.0, ls="--", label="capacity")
        ax.set_ylabel(f"{route}\n(mcm/d)", fontsize=8)
        ax.set_ylim(0, max(float(cap.max()), 1.0) * 1.35)
        mark_events(ax, select_events(marked, users[route]))
        ncols = len(by_buyer.columns) + 1 + (mark_random(ax, events, [route]) > 0)
        ax.legend(loc="upper left", ncols=ncols, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: route flows against capacity (monthly mean)", pad=12)
    year_axis(axes[-1], lo, hi)
    draw_key(fig, marked)
    return fig


def deliveries_vs_nominations(
    deliveries: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """One panel per buyer: monthly delivered against nominated, shortfall shaded, mcm/d."""
    gas = deliveries[deliveries["commodity"] == "pipeline_gas"]
    totals = gas.groupby("buyer", sort=False)[["nominated", "delivered"]].sum().sum(axis=1)
    buyers = [b for b in dict.fromkeys(gas["buyer"]) if totals.get(b, 0.0) > 0]
    marked = select_events(numbered_events(events), buyers, ("cutoff", "demand", "set"))
    fig, axes = figure(max(len(buyers), 1), panel_height=1.9, key_rows=key_rows(marked))
    lo, hi = span(gas) if len(gas) else (0.0, 1.0)
    for ax, buyer in zip(axes, buyers, strict=False):
        ax.set_xlim(lo, hi)
        m = monthly_mean(gas[gas["buyer"] == buyer], ["nominated", "delivered"])
        nom, got = m["nominated"], m["delivered"]
        ax.plot(nom.index, nom, color="black", lw=1.0, ls="--", label="nominated")
        ax.plot(got.index, got, color=color(buyer), lw=1.5, label="delivered")
        ax.fill_between(
            nom.index,
            got,
            nom,
            where=(nom > got).to_numpy(),
            color=color(buyer),
            alpha=0.25,
            label="shortfall",
            interpolate=True,
            lw=0,
        )
        ax.set_ylabel(f"{buyer}\n(mcm/d)", fontsize=8)
        ax.set_ylim(0, max(float(nom.max()), float(got.max()), 1.0) * 1.35)
        mark_events(ax, select_events(marked, [buyer]))
        ax.legend(loc="upper right", ncols=3, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    if not buyers:
        no_data(axes[0], "no buyer nominated gas in this run")
    axes[0].set_title(f"{title}: deliveries against nominations (monthly mean)", pad=12)
    year_axis(axes[-1], lo, hi)
    draw_key(fig, marked)
    return fig


def production_balance(
    production: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Monthly production potential split into domestic use, exports and shut-in, mcm/d."""
    g = monthly_mean(
        production, ["potential", "domestic", "exported", "shut_in", "domestic_demand"]
    )
    marked = select_events(numbered_events(events), kinds=("capacity", "outage", "cutoff"))
    fig, (ax,) = figure(1, panel_height=3.6, key_rows=key_rows(marked))
    ax.set_xlim(*span(production))
    ax.stackplot(
        g.index,
        g["domestic"],
        g["exported"],
        g["shut_in"],
        labels=["domestic use", "exported", "shut in"],
        colors=[color("domestic"), "#4c72b0", color("shut_in")],
        alpha=0.85,
    )
    ax.plot(g.index, g["domestic_demand"], color="black", lw=0.8, ls=":", label="domestic demand")
    ax.set_title(f"{title}: production, domestic use and shut-in (monthly mean)", pad=12)
    ax.set_ylabel("gas (mcm/d)")
    ax.set_ylim(0, float(g["potential"].max()) * 1.3 + 1.0)
    mark_events(ax, marked)
    draw_key(fig, marked)
    ax.legend(loc="upper left", ncols=4, fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    year_axis(ax, *span(production))
    return fig


def revenue_and_arrears(
    money: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Top: annual revenue (invoiced) per buyer; bottom: arrears per buyer over time."""
    marked = select_events(
        numbered_events(events), list(dict.fromkeys(money["buyer"])), ("cutoff", "price", "set")
    )
    fig, (top, bottom) = figure(2, panel_height=2.8, sharex=False, key_rows=key_rows(marked))
    year = money["date"].astype(str).str.slice(0, 4).astype(int)
    annual = (
        money.assign(year=year)
        .pivot_table(
            index="year", columns="buyer", values="invoiced_usd", aggfunc="sum", sort=False
        )
        .sort_index()
    )
    buyers = [b for b in annual.columns if annual[b].sum() > 0]
    x = annual.index.to_numpy(dtype=float) + 0.5
    base = np.zeros(len(annual))
    for b in buyers:
        top.bar(x, annual[b] / 1e9, bottom=base, color=color(b), label=b, width=0.8)
        base += annual[b].to_numpy() / 1e9
    top.set_title(f"{title}: revenue and arrears by buyer", pad=12)
    top.set_ylabel("revenue invoiced\n(USD bn/yr)")
    year_axis(top, float(annual.index.min()), float(annual.index.max()) + 1, centred=True)
    if buyers:
        top.legend(loc="upper left", ncols=7, fontsize=8, frameon=False)
    top.set_ylim(0, max(float(base.max(initial=0.0)), 0.1) * 1.3)
    top.grid(axis="y", alpha=0.3)
    shown = []
    for b in dict.fromkeys(money["buyer"]):
        m = money[money["buyer"] == b]
        if m["arrears_usd"].max() > 0:
            bottom.plot(
                decimal_year(m["date"].astype(str).to_numpy()),
                m["arrears_usd"] / 1e9,
                color=color(b),
                label=b,
            )
            shown.append(b)
    if shown:
        bottom.legend(loc="upper left", fontsize=8, frameon=False)
    else:
        no_data(bottom, "no arrears in this run")
    bottom.set_ylim(bottom=0)
    bottom.set_ylabel("arrears (USD bn)")
    bottom.grid(alpha=0.3)
    bottom.set_xlim(*span(money))
    mark_events(bottom, marked)
    draw_key(fig, marked)
    year_axis(bottom, *span(money))
    return fig


def backtest_chart(
    table: pd.DataFrame, series: pd.DataFrame, title: str, unit: str = "bcm"
) -> Figure:
    """One panel per destination: simulated every year (line) against observed (markers)."""
    dests = list(dict.fromkeys(table["destination"]))
    fig, axes = figure(max(len(dests), 1), panel_height=2.0, width=9.0)
    for ax, dest in zip(axes, dests, strict=False):
        t = table[table["destination"] == dest]
        sim = series[series["destination"] == dest]
        c = color(dest) if dest != "total" else "#333333"
        ax.plot(sim["year"], sim["simulated"], color=c, lw=1.5, marker=".", label="simulated")
        ax.plot(
            t["year"], t["observed"], color="black", lw=0, marker="o", mfc="none", label="observed"
        )
        if len(t):
            ax.axvspan(
                float(t["year"].max()) + 0.5,
                float(sim["year"].max()) + 0.5,
                color="#999999",
                alpha=0.12,
                lw=0,
                label="no observed data",
            )
        ax.set_ylabel(f"{dest}\n({unit}/yr)", fontsize=8)
        top = max(float(sim["simulated"].max()), float(t["observed"].max()), 1.0)
        ax.set_ylim(0, top * 1.3)
        ax.legend(loc="upper left", ncols=3, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: simulated against observed exports")
    axes[-1].set_xlabel("year")
    if len(series):
        years = sorted(set(series["year"]))
        axes[-1].set_xticks(years[:: 1 if len(years) <= 14 else 2])
    return fig


# Colours of the LPG chain's plants, terminals and depots, in file order (they are not
# destinations, so the destination palette does not cover them)
NODE_COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def lpg_chain(
    flows: pd.DataFrame, queues: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """The LPG chain: monthly tonnes delivered to each depot (stacked), trains waiting at
    each terminal, and storage at plants, terminals and depots."""
    lpg = flows[flows["commodity"] == "lpg"]
    terminals = set(queues.loc[queues["metric"] == "trains_waiting", "node"])
    trucks = lpg[~lpg["buyer"].isin(terminals)]  # rail rows name their terminal as buyer
    marked = select_events(
        numbered_events(events), kinds=("cutoff", "outage", "capacity", "demand", "commission")
    )
    fig, (top, mid, bottom) = figure(3, panel_height=2.4, key_rows=key_rows(marked))
    lo, hi = span(queues)
    for ax in (top, mid, bottom):
        ax.set_xlim(lo, hi)
    month = trucks["date"].astype(str).str.slice(0, 7)
    by_depot = (
        trucks.assign(month=month)
        .pivot_table(index="month", columns="buyer", values="quantity", aggfunc="sum", sort=False)
        .fillna(0.0)
        .sort_index()
    )
    x = decimal_year((by_depot.index + "-01").to_numpy()) if len(by_depot) else np.array([])
    # a stepped stack, month by month: a bar per depot and month would be hundreds of
    # patches, slow to draw and no easier to read
    steps = np.append(x, x[-1] + 1 / 12) if len(x) else x
    series = (
        [np.append(by_depot[d].to_numpy(), by_depot[d].iloc[-1]) / 1000 for d in by_depot.columns]
        if len(x)
        else []
    )
    if series:
        top.stackplot(
            steps,
            *series,
            labels=list(by_depot.columns),
            step="post",
            alpha=0.9,
            colors=[NODE_COLORS[i % len(NODE_COLORS)] for i in range(len(by_depot.columns))],
        )
    base = np.sum(series, axis=0) if series else np.zeros(0)
    top.set_ylabel("delivered\n(kt/month)", fontsize=8)
    top.set_ylim(0, max(float(base.max(initial=0.0)), 0.1) * 1.35)
    top.legend(loc="upper left", ncols=6, fontsize=7, frameon=False)
    # one pivot, then monthly means of every series at once (filtering the long table per
    # node and metric costs ten times more)
    month = queues["date"].astype(str).str.slice(0, 7)
    monthly = (
        queues.assign(month=month)
        .pivot_table(
            index="month", columns=["metric", "node"], values="value", aggfunc="mean", sort=False
        )
        .sort_index()
    )
    mx = decimal_year((monthly.index + "-01").to_numpy()) + 1 / 24
    if "trains_waiting" in monthly.columns.get_level_values(0):
        for i, node in enumerate(monthly["trains_waiting"].columns):
            mid.plot(
                mx,
                monthly["trains_waiting"][node],
                color=NODE_COLORS[i % len(NODE_COLORS)],
                lw=1.3,
                label=node,
            )
    mid.set_ylabel("trains waiting\n(trains, monthly mean)", fontsize=8)
    mid.set_ylim(bottom=0)
    mid.legend(loc="upper left", ncols=4, fontsize=7, frameon=False)
    # what each node is, from the metric only it has: a plant's shut-in, a terminal's
    # queue, a depot's unmet demand; the line style says it too
    kinds = {"shut_in": ("-", "plant"), "trains_waiting": ("--", "terminal")}
    kinds["unmet_demand"] = (":", "depot")
    style = {
        n: kind
        for metric, kind in kinds.items()
        for n in queues.loc[queues["metric"] == metric, "node"]
    }
    top_kt = 0.0
    if "storage" in monthly.columns.get_level_values(0):
        for i, node in enumerate(monthly["storage"].columns):
            ls, what = style.get(node, ("-", "store"))
            kt = monthly["storage"][node] / 1000
            top_kt = max(top_kt, float(kt.max()))
            bottom.plot(
                mx,
                kt,
                color=NODE_COLORS[i % len(NODE_COLORS)],
                lw=1.2,
                ls=ls,
                label=f"{node} ({what})",
            )
    bottom.set_ylabel("storage\n(kt, monthly mean)", fontsize=8)
    bottom.set_ylim(0, max(top_kt, 0.1) * 1.45)  # room above the lines for the legend
    bottom.legend(loc="upper left", ncols=5, fontsize=7, frameon=False)
    for ax in (top, mid, bottom):
        ax.grid(alpha=0.3)
        mark_events(ax, marked, numbers=ax is top)
    top.set_title(f"{title}: LPG chain, deliveries, train queues and storage", pad=12)
    year_axis(bottom, lo, hi)
    draw_key(fig, marked)
    return fig


# ----------------------------------------------------------------------------- a run's set


def _charts(res: Result) -> dict[str, Callable[[], Figure]]:
    title, ev = res.scenario.name, res.event_table
    entries = {r: x.entry for r, x in res.scenario.routes.items() if x.entry}
    charts: dict[str, Callable[[], Figure]] = {
        "annual_exports": lambda: annual_exports(res.annual, title, ev),
        "route_flows": lambda: route_flows(res.flows, title, ev),
        "deliveries": lambda: deliveries_vs_nominations(res.deliveries, title, ev),
        "production": lambda: production_balance(res.production, title, ev),
        "revenue_arrears": lambda: revenue_and_arrears(res.money, title, ev),
        "network_map": lambda: network_map(res.flows, res.route_paths(), title, ev, entries),
    }
    if res.lpg_queues is not None:
        queues = res.lpg_queues
        charts["lpg_chain"] = lambda: lpg_chain(res.flows, queues, title, ev)
    return charts


CHARTS = (
    "annual_exports",
    "route_flows",
    "deliveries",
    "production",
    "revenue_arrears",
    "network_map",
    "lpg_chain",  # only for runs with an LPG chain
)


def chart(res: Result, name: str) -> Figure:
    """One named chart of a run (names in CHARTS)."""
    charts = _charts(res)
    if name not in charts:
        if name in CHARTS:
            raise KeyError(f"chart {name!r} is not drawn for this run (it has no LPG chain)")
        raise KeyError(f"unknown chart {name!r}; choose one of {', '.join(charts)}")
    return charts[name]()


def chart_names(res: Result) -> list[str]:
    """The charts a run gets, in the order of CHARTS."""
    return list(_charts(res))


def prepare_tables(res: Result) -> None:
    """Build the tables the charts read (once, before forking the processes that draw)."""
    for table in ("flows", "deliveries", "money", "production", "annual", "event_table"):
        getattr(res, table)
    res.lpg_queues  # noqa: B018  (built on first use)


def save_charts(
    res: Result, folder: Path, *, svg: bool = False, dpi: int = 150, workers: int | None = None
) -> list[Path]:
    """Draw every chart of a run into ``folder`` as PNG (and SVG); return the PNG paths.

    With more than one core the charts are drawn in forked worker processes (the run's
    tables are built first, so the workers share them); the files are the same either way.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = chart_names(res)
    if workers is None:
        workers = min(len(names), os.cpu_count() or 1, 2)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        prepare_tables(res)
        global _FORKED
        _FORKED = (res, folder, svg, dpi)
        try:
            # slowest first, so the two workers finish together
            order = sorted(names, key=lambda n: DRAW_ORDER.index(n) if n in DRAW_ORDER else 99)
            with multiprocessing.get_context("fork").Pool(
                workers, initializer=start_chart_worker
            ) as pool:
                pool.map(_draw_forked, order, chunksize=1)
        finally:
            _FORKED = None
    else:
        for name in names:
            draw_chart(res, name, folder, svg, dpi)
    return [folder / f"{name}.png" for name in names]


_FORKED: tuple[Result, Path, bool, int] | None = None

# The charts from the slowest to draw to the quickest (measured on the baseline).
DRAW_ORDER = (
    "route_flows",
    "lpg_chain",
    "network_map",
    "deliveries",
    "revenue_arrears",
    "annual_exports",
    "production",
)


def _draw_forked(name: str) -> None:
    assert _FORKED is not None
    draw_chart(_FORKED[0], name, *_FORKED[1:])


def draw_chart(res: Result, name: str, folder: Path, svg: bool = False, dpi: int = 150) -> None:
    """Draw one chart of a run into ``folder`` (which must exist)."""
    save_figure(chart(res, name), folder, name, svg=svg, dpi=dpi)
