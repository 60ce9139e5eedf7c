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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gasroutes.charts import CHARTS, COST, RunCharts
from gasroutes.charts.axes import (
    DPI,
    LEGEND_WIDTH,
    TITLE_PAD,
    decimal_year,
    draw_footer,
    figure,
    footer_height,
    hatch_partial,
    mark_events,
    mark_random,
    monthly_mean,
    months,
    no_data,
    numbered_events,
    partial_note,
    partial_years,
    save_figure,
    select_events,
    side_legend,
    span,
    stacked_bars,
    year_axis,
    year_grid,
)
from gasroutes.charts.network import network_map
from gasroutes.charts.palette import color
from gasroutes.core.workers import start_chart_worker

if TYPE_CHECKING:
    from gasroutes.results.result import Result

__all__ = [
    "CHARTS",
    "DPI",
    "RunCharts",
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


def _ids(values: pd.Series) -> list[str]:
    """The distinct ids of a column in order of appearance (without iterating over its
    rows one by one in Python: tables have tens of thousands)."""
    return [str(v) for v in values.unique()]


# Figures are a little wider than their panels need: the legends sit right of the panels,
# outside the data, and never cover a line.
WIDTH = 11.0


def _figure(
    panels: int, panel_height: float, marked: pd.DataFrame, notes: Sequence[str] = (), **kw: Any
) -> tuple[Figure, list[Axes]]:
    """Stacked panels with legends on the right and the footer (notes, event key) under."""
    return figure(
        panels,
        panel_height=panel_height,
        width=WIDTH,
        footer=footer_height(marked, notes, WIDTH),
        legend=LEGEND_WIDTH,
        **kw,
    )


def annual_exports(
    annual: pd.DataFrame,
    title: str,
    events: pd.DataFrame | None = None,
    covers: tuple[str, str] = ("", ""),
) -> Figure:
    """Stacked bars of annual pipeline gas exports by destination, bcm; the bars of the
    years the run (from ``covers[0]`` to ``covers[1]``) covers only in part are hatched."""
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
    partial = {y: p for y, p in partial_years(*covers).items() if y in table.index}
    notes = partial_note(partial) if len(table.columns) else []
    fig, (ax,) = _figure(1, 3.6, marked, notes)
    x = table.index.to_numpy(dtype=float) + 0.5
    bottom = stacked_bars(ax, x, [(d, table[d].to_numpy(), color(d)) for d in table.columns])
    if notes:
        hatch_partial(ax, x, bottom, list(table.index), partial)
    ax.set_title(f"{title}: annual pipeline gas exports by destination", pad=TITLE_PAD)
    ax.set_xlabel("year")  # year_axis sets it too, when there are years
    ax.set_ylabel("exports (bcm/yr)")
    if len(table):
        year_axis(ax, float(table.index.min()), float(table.index.max()) + 1, centred=True)
    ax.set_ylim(0, max(float(bottom.max(initial=0.0)) * 1.1, 1.0))
    mark_events(ax, marked)
    draw_footer(fig, marked, notes)
    if table.columns.empty:
        no_data(ax, "no pipeline gas exported in this run")
        ax.set_axis_off()
    side_legend(ax, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def route_flows(flows: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """One panel per route: monthly mean flow by buyer (stacked) against capacity, mcm/d."""
    gas = flows[flows["commodity"] == "pipeline_gas"]
    # each route's rows, routes in order of appearance (one grouping, not a filter each)
    per_route = dict(iter(gas.groupby("route", sort=False))) if len(gas) else {}
    routes = [str(r) for r in per_route]
    kinds = ("cutoff", "outage", "capacity", "commission")
    users = {r: [r, *_ids(per_route[r]["buyer"])] for r in routes}
    marked = select_events(
        numbered_events(events), [t for ids in users.values() for t in ids], kinds
    )
    fig, axes = _figure(max(len(routes), 1), 1.9, marked)
    lo, hi = span(gas) if len(gas) else (0.0, 1.0)
    for ax, route in zip(axes, routes, strict=False):
        ax.set_xlim(lo, hi)
        f = per_route[route]
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
        ax.set_ylim(0, max(float(cap.max()), 1.0) * 1.15)
        mark_events(ax, select_events(marked, users[route]))
        mark_random(ax, events, [route])
        side_legend(ax)
        ax.grid(alpha=0.3)
    if not routes:
        no_data(axes[0], "no pipeline gas route in this run")
        axes[0].set_axis_off()
    axes[0].set_title(f"{title}: route flows against capacity (monthly mean)", pad=TITLE_PAD)
    year_axis(axes[-1], lo, hi)
    year_grid(axes)
    draw_footer(fig, marked)
    return fig


def deliveries_vs_nominations(
    deliveries: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """One panel per buyer: monthly delivered against nominated, shortfall shaded, mcm/d."""
    gas = deliveries[deliveries["commodity"] == "pipeline_gas"]
    totals = gas.groupby("buyer", sort=False)[["nominated", "delivered"]].sum().sum(axis=1)
    per_buyer = dict(iter(gas.groupby("buyer", sort=False))) if len(gas) else {}
    buyers = [str(b) for b in per_buyer if totals.get(b, 0.0) > 0]
    marked = select_events(numbered_events(events), buyers, ("cutoff", "demand", "set"))
    fig, axes = _figure(max(len(buyers), 1), 1.9, marked)
    lo, hi = span(gas) if len(gas) else (0.0, 1.0)
    for ax, buyer in zip(axes, buyers, strict=False):
        ax.set_xlim(lo, hi)
        m = monthly_mean(per_buyer[buyer], ["nominated", "delivered", "shortfall"])
        nom, got, short = m["nominated"], m["delivered"], m["shortfall"]
        ax.plot(nom.index, nom, color="black", lw=1.0, ls="--", label="nominated")
        ax.plot(got.index, got, color=color(buyer), lw=1.5, label="delivered")
        # the shortfall only: what a cut-off buyer is refused is no shortfall (the cutoff's
        # span is shaded for it), nor is gas still in transit
        ax.fill_between(
            nom.index,
            got,
            got + short,
            where=(short > 0).to_numpy(),
            color=color(buyer),
            alpha=0.25,
            label="shortfall",
            interpolate=True,
            lw=0,
        )
        ax.set_ylabel(f"{buyer}\n(mcm/d)", fontsize=8)
        ax.set_ylim(0, max(float(nom.max()), float(got.max()), 1.0) * 1.15)
        mark_events(ax, select_events(marked, [buyer]))
        side_legend(ax)
        ax.grid(alpha=0.3)
    if not buyers:
        no_data(axes[0], "no buyer nominated gas in this run")
        axes[0].set_axis_off()
    axes[0].set_title(f"{title}: deliveries against nominations (monthly mean)", pad=TITLE_PAD)
    year_axis(axes[-1], lo, hi)
    year_grid(axes)
    draw_footer(fig, marked)
    return fig


def production_balance(
    production: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Monthly production potential split into domestic use, exports and shut-in, mcm/d."""
    g = monthly_mean(
        production, ["potential", "domestic", "exported", "shut_in", "domestic_demand"]
    )
    marked = select_events(numbered_events(events), kinds=("capacity", "outage", "cutoff"))
    fig, (ax,) = _figure(1, 3.6, marked)
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
    ax.set_title(f"{title}: production, domestic use and shut-in (monthly mean)", pad=TITLE_PAD)
    ax.set_ylabel("gas (mcm/d)")
    ax.set_ylim(0, float(g["potential"].max()) * 1.1 + 1.0)
    mark_events(ax, marked)
    draw_footer(fig, marked)
    side_legend(ax, fontsize=8)
    ax.grid(alpha=0.3)
    year_axis(ax, *span(production))
    return fig


def revenue_and_arrears(
    money: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Top: annual revenue (invoiced) per buyer; bottom: arrears per buyer over time. A
    run without arrears has no bottom panel, and says so under the chart."""
    marked = select_events(
        numbered_events(events), _ids(money["buyer"]), ("cutoff", "price", "set")
    )
    owing = money.groupby("buyer", sort=False)["arrears_usd"].max()
    owing = owing[owing > 0]
    year = months(money).astype("datetime64[Y]").astype(int) + 1970
    annual = (
        money.assign(year=year)
        .pivot_table(
            index="year", columns="buyer", values="invoiced_usd", aggfunc="sum", sort=False
        )
        .sort_index()
    )
    buyers = [b for b in annual.columns if annual[b].sum() > 0]
    covers = (str(money["date"].iloc[0]), str(money["date"].iloc[-1])) if len(money) else ("", "")
    partial = {y: p for y, p in partial_years(*covers).items() if y in annual.index}
    notes = partial_note(partial) if buyers else []
    if not len(owing):
        notes.append("no arrears in this run: every invoice was paid in full")
    fig, axes = _figure(1 + bool(len(owing)), 2.8, marked, notes, sharex=False)
    top = axes[0]
    x = annual.index.to_numpy(dtype=float) + 0.5
    base = stacked_bars(top, x, [(b, annual[b].to_numpy() / 1e9, color(b)) for b in buyers])
    if buyers:
        hatch_partial(top, x, base, list(annual.index), partial)
    top.set_title(f"{title}: revenue and arrears by buyer", pad=TITLE_PAD)
    top.set_ylabel("revenue invoiced\n(USD bn/yr)")
    year_axis(top, float(annual.index.min()), float(annual.index.max()) + 1, centred=True)
    top.set_ylim(0, max(float(base.max(initial=0.0)), 0.1) * 1.1)
    top.grid(axis="y", alpha=0.3)
    side_legend(top, fontsize=8)
    if not len(owing):
        mark_events(top, marked)
        draw_footer(fig, marked, notes)
        return fig
    bottom = axes[1]
    bottom.set_xlim(*span(money))
    for b in owing.index:
        m = money[money["buyer"] == b]
        bottom.plot(
            decimal_year(m["date"].astype(str).to_numpy()),
            m["arrears_usd"] / 1e9,
            color=color(b),
            label=b,
        )
    # at least 10 million: arrears of a few dollars would get a "1e-6" over the axis
    bottom.set_ylim(0, max(float(owing.max()) / 1e9 * 1.1, 0.01))
    bottom.set_ylabel("arrears (USD bn)")
    bottom.grid(alpha=0.3)
    mark_events(bottom, marked)
    side_legend(bottom, fontsize=8)
    draw_footer(fig, marked, notes)
    year_axis(bottom, *span(money))
    return fig


def backtest_chart(
    table: pd.DataFrame, series: pd.DataFrame, title: str, unit: str = "bcm"
) -> Figure:
    """One panel per destination: simulated every year (line) against observed (markers)."""
    dests = list(dict.fromkeys(table["destination"]))
    fig, axes = figure(max(len(dests), 1), panel_height=2.0, width=10.0, legend=LEGEND_WIDTH)
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
        ax.set_ylim(0, top * 1.15)
        side_legend(ax)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: simulated against observed exports")
    axes[-1].set_xlabel("year")
    if len(series):
        years = sorted(set(series["year"]))
        axes[-1].set_xticks(years[:: 1 if len(years) <= 14 else 2])
    return fig


# Colours of the LPG chain's plants, terminals and depots, one per node in the order the
# queue table first names them, the same in every panel (they are not destinations, so
# the destination palette does not cover them)
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
# What each node is, from the metric only that kind has (a plant's shut-in, a terminal's
# queue, a depot's unmet demand), and the line style of its kind in the storage panel
NODE_KINDS = (
    ("shut_in", "plant", "-"),
    ("trains_waiting", "terminal", "--"),
    ("unmet_demand", "depot", ":"),
)


def _lpg_targets(lpg: pd.DataFrame, nodes: Sequence[str]) -> list[str]:
    """Ids an event must name to concern the LPG chain: its routes, nodes and fleets."""
    return list(dict.fromkeys([*_ids(lpg["route"]), *_ids(lpg["buyer"]), *nodes]))


def lpg_chain(
    flows: pd.DataFrame, queues: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """The LPG chain: monthly tonnes delivered to each depot (stacked), trains waiting at
    each terminal, and storage at plants, terminals and depots; each node in one colour
    throughout, and only the events of the chain's routes, nodes and fleets marked."""
    lpg = flows[flows["commodity"] == "lpg"]
    # monthly means of every series at once, one column per metric and node in order of
    # appearance (filtering the long table per node and metric costs ten times more)
    monthly = monthly_mean(queues, "value", ["metric", "node"])
    columns: Any = monthly.columns  # (metric, node) pairs
    pairs = [(str(m), str(n)) for m, n in columns]

    def nodes_of(*metrics: str) -> list[str]:
        return list(dict.fromkeys(n for m, n in pairs if m in metrics))

    terminals = set(nodes_of("trains_waiting"))
    trucks = lpg[~lpg["buyer"].isin(terminals)]  # rail rows name their terminal as buyer
    marked = select_events(
        numbered_events(events),
        _lpg_targets(lpg, nodes_of(*{m for m, _ in pairs})),
        ("cutoff", "outage", "capacity", "demand", "commission"),
    )
    fig, (top, mid, bottom) = _figure(3, 2.4, marked)
    nodes = list(dict.fromkeys([*nodes_of("storage", "trains_waiting"), *_ids(trucks["buyer"])]))
    colours = {n: NODE_COLORS[i % len(NODE_COLORS)] for i, n in enumerate(nodes)}
    lo, hi = span(queues)
    for ax in (top, mid, bottom):
        ax.set_xlim(lo, hi)
    by_depot = (
        trucks.assign(month=months(trucks))
        .pivot_table(index="month", columns="buyer", values="quantity", aggfunc="sum", sort=False)
        .fillna(0.0)
        .sort_index()
    )
    x = (
        decimal_year(by_depot.index.to_numpy().astype("datetime64[D]"))
        if len(by_depot)
        else np.array([])
    )
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
            colors=[colours[d] for d in by_depot.columns],
        )
    else:
        no_data(top, "no LPG delivered in this run")
    base = np.sum(series, axis=0) if series else np.zeros(0)
    top.set_ylabel("delivered to depots\n(kt/month)", fontsize=8)
    top.set_ylim(0, max(float(base.max(initial=0.0)), 0.1) * 1.1)
    side_legend(top, title="depot", title_fontsize=7, alignment="left")
    mx = monthly.index.to_numpy()
    metrics = {m for m, _ in pairs}
    waiting = monthly["trains_waiting"] if "trains_waiting" in metrics else pd.DataFrame()
    for node in waiting.columns:
        mid.plot(mx, waiting[node], color=colours[node], lw=1.3, ls="--", label=node)
    mid.set_ylabel("trains waiting\n(trains)", fontsize=8)
    mid.set_ylim(0, max(float(waiting.max().max()) if waiting.size else 0.0, 0.1) * 1.1)
    side_legend(mid, title="terminal", title_fontsize=7, alignment="left")
    kind_of = {n: (what, ls) for metric, what, ls in NODE_KINDS for n in nodes_of(metric)}
    stored = monthly["storage"] / 1000 if "storage" in metrics else pd.DataFrame()
    order = {what: i for i, (_, what, _) in enumerate(NODE_KINDS)}
    for node in sorted(stored.columns, key=lambda n: order.get(kind_of.get(n, ("", ""))[0], 9)):
        what, ls = kind_of.get(node, ("store", "-"))
        bottom.plot(mx, stored[node], color=colours[node], lw=1.2, ls=ls, label=f"{node} ({what})")
    bottom.set_ylabel("storage\n(kt)", fontsize=8)
    bottom.set_ylim(0, max(float(stored.max().max()) if stored.size else 0.0, 0.1) * 1.1)
    side_legend(bottom)
    for ax in (top, mid, bottom):
        ax.grid(alpha=0.3)
        mark_events(ax, marked, numbers=ax is top)
    top.set_title(
        f"{title}: LPG chain, deliveries, train queues and storage (monthly)", pad=TITLE_PAD
    )
    year_axis(bottom, lo, hi)
    year_grid((top, mid, bottom))
    draw_footer(fig, marked)
    return fig


# ----------------------------------------------------------------------------- a run's set


def _charts(run: RunCharts) -> dict[str, Callable[[], Figure]]:
    title, ev = run.title, run.events
    charts: dict[str, Callable[[], Figure]] = {
        "annual_exports": lambda: annual_exports(run.annual, title, ev, run.span),
        "route_flows": lambda: route_flows(run.flows, title, ev),
        "deliveries": lambda: deliveries_vs_nominations(run.deliveries, title, ev),
        "production": lambda: production_balance(run.production, title, ev),
        "revenue_arrears": lambda: revenue_and_arrears(run.money, title, ev),
        "network_map": lambda: network_map(run.flows, run.paths, title, ev, run.entries),
    }
    if run.lpg_queues is not None:
        queues = run.lpg_queues
        charts["lpg_chain"] = lambda: lpg_chain(run.flows, queues, title, ev)
    return charts


def chart(res: Result | RunCharts, name: str) -> Figure:
    """One named chart of a run (names in CHARTS)."""
    charts = _charts(RunCharts.of(res))
    if name not in charts:
        if name in CHARTS:
            raise KeyError(f"chart {name!r} is not drawn for this run (it has no LPG chain)")
        raise KeyError(f"unknown chart {name!r}; choose one of {', '.join(charts)}")
    return charts[name]()


def chart_names(res: Result | RunCharts) -> list[str]:
    """The charts a run gets, in the order of CHARTS."""
    return RunCharts.of(res).names


def save_charts(
    res: Result | RunCharts,
    folder: Path,
    *,
    svg: bool = False,
    dpi: int = DPI,
    workers: int | None = None,
) -> list[Path]:
    """Draw every chart of a run into ``folder`` as PNG (and SVG); return the PNG paths.

    With more than one core the charts are drawn in forked worker processes (the run's
    tables are built first, so the workers share them); the files are the same either way.
    """
    folder.mkdir(parents=True, exist_ok=True)
    run = RunCharts.of(res)
    names = run.names
    if workers is None:
        workers = min(len(names), os.cpu_count() or 1, 2)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        global _FORKED
        _FORKED = (run, folder, svg, dpi)
        try:
            # slowest first, so the two workers finish together
            order = sorted(names, key=lambda n: -COST.get(n, 1.0))
            with multiprocessing.get_context("fork").Pool(
                workers, initializer=start_chart_worker
            ) as pool:
                pool.map(_draw_forked, order, chunksize=1)
        finally:
            _FORKED = None
    else:
        for name in names:
            draw_chart(run, name, folder, svg, dpi)
    return [folder / f"{name}.png" for name in names]


_FORKED: tuple[RunCharts, Path, bool, int] | None = None


def _draw_forked(name: str) -> None:
    assert _FORKED is not None
    draw_chart(_FORKED[0], name, *_FORKED[1:])


def draw_chart(
    res: Result | RunCharts, name: str, folder: Path, svg: bool = False, dpi: int = DPI
) -> None:
    """Draw one chart of a run into ``folder`` (which must exist)."""
    save_figure(chart(res, name), folder, name, svg=svg, dpi=dpi)
