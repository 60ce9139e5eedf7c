"""Charts of one run. Each function takes DataFrames and returns a matplotlib Figure;
only :func:`save_charts` writes files.

Rules every chart follows: a title naming the scenario, axes labelled with units, one
colour per destination (:mod:`gasroutes.palette`), and the scenario's events marked on
the time axis (shaded spans for cutoffs and outages, thin lines for the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .palette import color

if TYPE_CHECKING:
    from .records import Result

__all__ = [
    "CHARTS",
    "annual_exports",
    "chart",
    "deliveries_vs_nominations",
    "mark_events",
    "production_balance",
    "revenue_and_arrears",
    "route_flows",
    "save_charts",
]

SPAN_KINDS = ("cutoff", "outage")
POINT_SKIP = ("resume", "payment")


def _figure(panels: int = 1, height: float = 4.2, width: float = 10.0) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, max(height, 2.3 * panels + 0.8)), layout="constrained")
    axes = fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    return fig, list(axes)


def _dates(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col)


def mark_events(
    ax: Axes,
    events: pd.DataFrame | None,
    targets: Sequence[str] | None = None,
    *,
    yearly: bool = False,
    label: bool = True,
) -> list[str]:
    """Shade cutoffs and outages, draw a line at other events; return the labels drawn.

    ``targets`` keeps only the events on those ids; ``yearly`` puts them on an axis of
    years (for annual bar charts) instead of dates.
    """
    if events is None or events.empty:
        return []
    drawn: list[str] = []
    rows = events if targets is None else events[events["target"].isin(list(targets))]
    for i, e in enumerate(rows.itertuples(index=False)):
        if e.kind in POINT_SKIP:
            continue
        start = pd.Timestamp(str(e.date))
        x0: Any = start.year + (start.dayofyear - 1) / 365.25 - 0.5 if yearly else start
        reason = str(e.reason) if isinstance(e.reason, str) else ""
        text = f"{e.kind} {e.target}" + (f": {reason}" if reason else "")
        if len(text) > 48:
            text = text[:45] + "..."
        if e.kind in SPAN_KINDS and isinstance(e.end_date, str) and e.end_date:
            end = pd.Timestamp(str(e.end_date)) + pd.Timedelta(days=1)
            x1: Any = end.year + (end.dayofyear - 1) / 365.25 - 0.5 if yearly else end
            ax.axvspan(
                x0,
                x1,
                color="#d62728" if e.kind == "cutoff" else "#ff7f0e",
                alpha=0.12,
                lw=0,
                zorder=0,
            )
        else:
            ax.axvline(x0, color="#555555", lw=0.7, ls=":", zorder=0)
        if label:
            ax.text(
                x0,
                0.98 - 0.0 * (i % 2),
                " " + text,
                transform=ax.get_xaxis_transform(),
                rotation=90,
                va="top",
                ha="left",
                fontsize=6.5,
                color="#444444",
                clip_on=True,
            )
        drawn.append(text)
    return drawn


def annual_exports(annual: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """Stacked bars of annual exports by destination, one unit (bcm or kt) per chart."""
    gas = annual[annual["commodity"] == "pipeline_gas"]
    table = gas.pivot_table(
        index="year", columns="destination", values="quantity", aggfunc="sum", sort=False
    ).fillna(0.0)
    table = table.loc[:, table.sum() > 0]
    fig, (ax,) = _figure()
    bottom = np.zeros(len(table))
    for dest in table.columns:
        ax.bar(table.index, table[dest], bottom=bottom, label=dest, color=color(dest), width=0.8)
        bottom += table[dest].to_numpy()
    ax.set_title(f"{title}: annual pipeline gas exports by destination")
    ax.set_xlabel("year")
    ax.set_ylabel("exports (bcm/yr)")
    ax.set_xticks(list(table.index))
    ax.tick_params(axis="x", labelrotation=45 if len(table) > 12 else 0)
    ax.set_ylim(0, max(bottom.max() * 1.25, 1.0))
    mark_events(ax, events, yearly=True)
    ax.legend(loc="upper left", ncols=min(len(table.columns), 6), fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def _monthly(frame: pd.DataFrame, value: str, by: str | None = None) -> pd.DataFrame:
    """Monthly means (per day) of ``value``, optionally one column per ``by``."""
    f = frame.assign(month=_dates(frame["date"]).dt.to_period("M").dt.to_timestamp())
    if by is None:
        return f.groupby("month")[[value]].mean()
    return f.pivot_table(
        index="month", columns=by, values=value, aggfunc="mean", sort=False
    ).fillna(0.0)


def route_flows(flows: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """One panel per route: monthly mean flow by buyer (stacked) against capacity, mcm/d."""
    gas = flows[flows["commodity"] == "pipeline_gas"]
    routes = list(dict.fromkeys(gas["route"]))
    fig, axes = _figure(len(routes), height=2.4 * len(routes))
    for ax, route in zip(axes, routes, strict=True):
        f = gas[gas["route"] == route]
        by_buyer = _monthly(f, "quantity", "buyer")
        by_buyer = by_buyer.loc[:, by_buyer.sum() > 0]
        cap = _monthly(f[f["buyer"] == f["buyer"].iloc[0]], "capacity")
        x = by_buyer.index
        if by_buyer.columns.empty:
            ax.text(
                0.5,
                0.5,
                "no flow in this run",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#666666",
            )
        else:
            ax.stackplot(
                x,
                *[by_buyer[c] for c in by_buyer.columns],
                labels=list(by_buyer.columns),
                colors=[color(c) for c in by_buyer.columns],
                alpha=0.85,
            )
        ax.plot(cap.index, cap["capacity"], color="black", lw=1.0, ls="--", label="capacity")
        ax.set_ylabel(f"{route}\n(mcm/d)", fontsize=8)
        ax.set_ylim(0, max(float(cap["capacity"].max()), 1.0) * 1.3)
        mark_events(ax, events, [route, *by_buyer.columns], label=False)
        ax.legend(loc="upper left", ncols=len(by_buyer.columns) + 1, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: route flows against capacity (monthly mean)")
    axes[-1].set_xlabel("date")
    return fig


def deliveries_vs_nominations(
    deliveries: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """One panel per buyer: monthly delivered against nominated, shortfall shaded, mcm/d."""
    gas = deliveries[deliveries["commodity"] == "pipeline_gas"]
    buyers = [
        b
        for b in dict.fromkeys(gas["buyer"])
        if gas.loc[gas["buyer"] == b, ["nominated", "delivered"]].to_numpy().sum() > 0
    ]
    fig, axes = _figure(max(len(buyers), 1), height=2.3 * max(len(buyers), 1))
    for ax, buyer in zip(axes, buyers, strict=False):
        f = gas[gas["buyer"] == buyer]
        nom = _monthly(f, "nominated")["nominated"]
        got = _monthly(f, "delivered")["delivered"]
        ax.plot(nom.index, nom, color="black", lw=1.0, ls="--", label="nominated")
        ax.plot(got.index, got, color=color(buyer), lw=1.5, label="delivered")
        ax.fill_between(
            nom.index,
            got,
            nom,
            where=(nom > got).to_numpy(),
            color=color(buyer),
            alpha=0.2,
            label="shortfall",
            interpolate=True,
        )
        ax.set_ylabel(f"{buyer}\n(mcm/d)", fontsize=8)
        ax.set_ylim(0, max(float(nom.max()), float(got.max()), 1.0) * 1.3)
        mark_events(ax, events, [buyer], label=True)
        ax.legend(loc="upper right", ncols=3, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: deliveries against nominations (monthly mean)")
    axes[-1].set_xlabel("date")
    return fig


def production_balance(
    production: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Monthly production potential split into domestic use, exports and shut-in, mcm/d."""
    m = production.assign(month=_dates(production["date"]).dt.to_period("M").dt.to_timestamp())
    g = m.groupby("month")[
        ["potential", "domestic", "exported", "shut_in", "domestic_demand"]
    ].mean()
    fig, (ax,) = _figure()
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
    ax.set_title(f"{title}: production, domestic use and shut-in (monthly mean)")
    ax.set_xlabel("date")
    ax.set_ylabel("gas (mcm/d)")
    ax.set_ylim(0, float(g["potential"].max()) * 1.3 + 1.0)
    mark_events(ax, events)
    ax.legend(loc="upper left", ncols=4, fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def revenue_and_arrears(
    money: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Top: annual revenue (invoiced) per buyer; bottom: arrears per buyer over time."""
    m = money.assign(date=_dates(money["date"]))
    buyers = [
        b for b in dict.fromkeys(m["buyer"]) if m.loc[m["buyer"] == b, "invoiced_usd"].sum() > 0
    ]
    fig = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    annual = m.assign(year=m["date"].dt.year).pivot_table(
        index="year", columns="buyer", values="invoiced_usd", aggfunc="sum", sort=False
    )
    base = np.zeros(len(annual))
    for b in buyers:
        top.bar(annual.index, annual[b] / 1e9, bottom=base, color=color(b), label=b)
        base += annual[b].to_numpy() / 1e9
    top.set_title(f"{title}: revenue and arrears by buyer")
    top.set_xlabel("year")
    top.set_ylabel("revenue invoiced (USD bn/yr)")
    top.set_xticks(list(annual.index))
    top.tick_params(axis="x", labelrotation=45 if len(annual) > 12 else 0)
    top.legend(loc="upper left", ncols=6, fontsize=8, frameon=False)
    top.set_ylim(0, max(base.max(), 0.1) * 1.25)
    top.grid(axis="y", alpha=0.3)
    shown = False
    for b in dict.fromkeys(m["buyer"]):
        arrears = m.loc[m["buyer"] == b].set_index("date")["arrears_usd"]
        if arrears.max() > 0:
            bottom.plot(arrears.index, arrears / 1e9, color=color(b), label=b)
            shown = True
    if not shown:
        bottom.text(
            0.5,
            0.5,
            "no arrears in this run",
            transform=bottom.transAxes,
            ha="center",
            va="center",
            color="#666666",
        )
        bottom.set_xlim(m["date"].min(), m["date"].max())
    else:
        bottom.legend(loc="upper left", fontsize=8, frameon=False)
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("date")
    bottom.set_ylabel("arrears (USD bn)")
    bottom.grid(alpha=0.3)
    mark_events(bottom, events, [*m["buyer"].unique()])
    return fig


def _charts(res: Result) -> dict[str, Callable[[], Figure]]:
    title, ev = res.scenario.name, res.event_table
    return {
        "annual_exports": lambda: annual_exports(res.annual, title, ev),
        "route_flows": lambda: route_flows(res.flows, title, ev),
        "deliveries": lambda: deliveries_vs_nominations(res.deliveries, title, ev),
        "production": lambda: production_balance(res.production, title, ev),
        "revenue_arrears": lambda: revenue_and_arrears(res.money, title, ev),
    }


CHARTS = ("annual_exports", "route_flows", "deliveries", "production", "revenue_arrears")


def chart(res: Result, name: str) -> Figure:
    """One named chart of a run (names in CHARTS)."""
    charts = _charts(res)
    if name not in charts:
        raise KeyError(f"unknown chart {name!r}; choose one of {', '.join(charts)}")
    return charts[name]()


def save_charts(res: Result, folder: Path, *, svg: bool = False, dpi: int = 150) -> list[Path]:
    """Draw every chart of a run into ``folder`` as PNG (and SVG); return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in _charts(res).items():
        fig = make()
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=dpi, metadata={"Software": None})
        paths.append(path)
        if svg:
            fig.savefig(folder / f"{name}.svg", metadata={"Date": None})
    return paths


def backtest_chart(
    table: pd.DataFrame, series: pd.DataFrame, title: str, unit: str = "bcm"
) -> Figure:
    """One panel per destination: simulated every year (line) against observed (markers)."""
    dests = [d for d in dict.fromkeys(table["destination"])]
    fig, axes = _figure(max(len(dests), 1), height=2.3 * max(len(dests), 1), width=9.0)
    for ax, dest in zip(axes, dests, strict=False):
        t = table[table["destination"] == dest]
        sim = series[series["destination"] == dest]
        c = color(dest) if dest != "total" else "#333333"
        ax.plot(sim["year"], sim["simulated"], color=c, lw=1.5, marker=".", label="simulated")
        ax.plot(
            t["year"], t["observed"], color="black", lw=0, marker="o", mfc="none", label="observed"
        )
        ax.set_ylabel(f"{dest}\n({unit}/yr)", fontsize=8)
        top = max(float(sim["simulated"].max()), float(t["observed"].max()), 1.0)
        ax.set_ylim(0, top * 1.25)
        ax.set_xticks(sorted(set(sim["year"])))
        ax.tick_params(axis="x", labelrotation=45 if sim["year"].nunique() > 12 else 0)
        ax.legend(loc="upper left", ncols=2, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: simulated against observed exports")
    axes[-1].set_xlabel("year")
    return fig
