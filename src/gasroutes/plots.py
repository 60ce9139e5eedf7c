"""Charts of one run. Each function takes DataFrames and returns a matplotlib Figure;
only :func:`save_charts` writes files.

Rules every chart follows: a title naming the scenario, axes labelled with units, one
colour per destination (:mod:`gasroutes.palette`), and the scenario's events marked on
the time axis (shaded spans for cutoffs and outages, dotted lines for the rest).

Time axes are in decimal years (2025.0 is 1 January 2025): as readable as dates, the same
in every chart and every run, and far cheaper to draw than matplotlib's date locators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
    "backtest_chart",
    "chart",
    "decimal_year",
    "deliveries_vs_nominations",
    "draw_key",
    "mark_events",
    "monthly_mean",
    "numbered_events",
    "production_balance",
    "revenue_and_arrears",
    "route_flows",
    "save_charts",
    "select_events",
]

SPAN_KINDS = ("cutoff", "outage")
POINT_SKIP = ("resume", "payment", "outage_end")
EVENT_COLORS = {"cutoff": "#d62728", "outage": "#ff7f0e"}


# ----------------------------------------------------------------------------- helpers


def decimal_year(dates: Sequence[str] | pd.Series | np.ndarray) -> np.ndarray:
    """ISO dates as decimal years: 2025-07-02 -> 2025.5 (in a non-leap year)."""
    d = np.asarray(dates, dtype="datetime64[D]")
    year = d.astype("datetime64[Y]")
    start = year.astype("datetime64[D]")
    length = (year + 1).astype("datetime64[D]") - start
    out: np.ndarray = year.astype(int) + 1970 + (d - start).astype(float) / length.astype(float)
    return out


def _figure(
    panels: int = 1,
    panel_height: float = 3.4,
    width: float = 10.0,
    sharex: bool = True,
    key_rows: int = 0,
) -> tuple[Figure, list[Axes]]:
    """A figure with ``panels`` stacked axes and fixed margins (no layout engine: fast),
    and room under them for ``key_rows`` lines of event key."""
    key = 0.17 * key_rows + (0.25 if key_rows else 0.0)
    height = panel_height * panels + 1.1 + key
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(panels, 1, sharex=sharex, squeeze=False)[:, 0]
    fig.subplots_adjust(
        left=0.1,
        right=0.98,
        top=1 - 0.6 / height,
        bottom=(0.55 + key) / height,
        hspace=0.22 if sharex else 0.45,
    )
    return fig, list(axes)


def _year_axis(ax: Axes, lo: float, hi: float, *, centred: bool = False) -> None:
    """Integer-year ticks from ``lo`` to ``hi``; ``centred`` puts labels mid-year (bars)."""
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    step = 1 if last - first <= 14 else 2
    years = list(range(first, last + 1, step))
    offset = 0.5 if centred else 0.0
    ax.set_xticks([y + offset for y in years if y + offset <= hi + 1e-9])
    ax.set_xticklabels([str(y) for y in years if y + offset <= hi + 1e-9])
    ax.set_xlim(lo, hi)


def numbered_events(events: pd.DataFrame | None) -> pd.DataFrame:
    """The events charts mark, numbered 1..n in timeline order; the same numbers in every
    chart of a run (resumes, ends of outages and payments are not marked)."""
    if events is None or events.empty:
        return pd.DataFrame(columns=["number", "date", "end_date", "kind", "target", "reason"])
    rows = events[~events["kind"].isin(POINT_SKIP)].reset_index(drop=True)
    return rows.assign(number=np.arange(1, len(rows) + 1))


def select_events(
    numbered: pd.DataFrame, targets: Sequence[str] | None = None, kinds: Sequence[str] | None = None
) -> pd.DataFrame:
    """The numbered events on ``targets`` (any when None) of ``kinds`` (any when None)."""
    rows = numbered
    if targets is not None:
        rows = rows[rows["target"].isin(list(targets))]
    if kinds is not None:
        rows = rows[rows["kind"].isin(list(kinds))]
    return rows


def mark_events(ax: Axes, rows: pd.DataFrame, *, numbers: bool = True) -> list[int]:
    """Shade cutoffs and outages, draw a dotted line at other events, and write each
    event's number just above the panel (close numbers share one label). Return the
    numbers drawn. Positions are decimal years."""
    if rows.empty:
        return []
    starts = decimal_year(rows["date"].astype(str).to_numpy())
    lo, hi = ax.get_xlim()
    groups: list[tuple[float, list[int]]] = []
    for x0, kind, end, number in zip(
        starts, rows["kind"], rows["end_date"], rows["number"], strict=True
    ):
        if kind in SPAN_KINDS and isinstance(end, str) and end:
            x1 = float(decimal_year([end])[0]) + 1 / 365
            ax.axvspan(x0, x1, color=EVENT_COLORS[kind], alpha=0.15, lw=0, zorder=0)
        else:
            ax.axvline(x0, color="#555555", lw=0.7, ls=":", zorder=0)
        if groups and x0 - groups[-1][0] < 0.025 * (hi - lo):
            groups[-1][1].append(int(number))
        else:
            groups.append((float(x0), [int(number)]))
    if numbers:
        for x0, nums in groups:
            consecutive = nums == list(range(nums[0], nums[0] + len(nums)))
            text = (
                f"{nums[0]}-{nums[-1]}"
                if consecutive and len(nums) > 2
                else ",".join(map(str, nums))
            )
            ax.text(
                x0,
                1.01,
                text,
                transform=ax.get_xaxis_transform(),
                va="bottom",
                ha="center",
                fontsize=6.5,
                color="#444444",
                clip_on=False,
            )
    return [n for _, nums in groups for n in nums]


def draw_key(fig: Figure, rows: pd.DataFrame) -> None:
    """List the marked events under the panels: number, date, what, and why."""
    if rows.empty:
        return
    lines = []
    for number, date, kind, target, reason, end in zip(
        rows["number"],
        rows["date"],
        rows["kind"],
        rows["target"],
        rows["reason"],
        rows["end_date"],
        strict=True,
    ):
        why = f": {reason}" if isinstance(reason, str) and reason else ""
        until = f" to {end}" if kind in SPAN_KINDS and isinstance(end, str) and end else ""
        text = f"{number}  {date}{until}  {kind} {target}{why}"
        lines.append(text if len(text) <= 84 else text[:81] + "...")
    half = (len(lines) + 1) // 2
    height = fig.get_figheight()
    for col, chunk in enumerate((lines[:half], lines[half:])):
        for i, line in enumerate(chunk):
            fig.text(
                0.02 + 0.49 * col,
                (0.2 + 0.17 * (half - i)) / height,
                line,
                fontsize=6.5,
                color="#333333",
                va="bottom",
                ha="left",
            )
    fig.text(
        0.02,
        (0.25 + 0.17 * (half + 1)) / height,
        "events",
        fontsize=7.5,
        weight="bold",
        va="bottom",
        ha="left",
    )


def key_rows(rows: pd.DataFrame) -> int:
    """Lines the key of ``rows`` needs (two columns, plus its heading)."""
    return 0 if rows.empty else (len(rows) + 1) // 2 + 1


def monthly_mean(
    frame: pd.DataFrame, value: str | list[str], by: str | None = None
) -> pd.DataFrame:
    """Monthly means (per day) of ``value``, indexed by the decimal year of mid-month;
    with ``by``, one column per value of that column."""
    month = frame["date"].astype(str).str.slice(0, 7)
    if by is None:
        cols = [value] if isinstance(value, str) else value
        out = frame[cols].groupby(month.to_numpy(), sort=True).mean()
    else:
        out = (
            frame.assign(_month=month)
            .pivot_table(index="_month", columns=by, values=value, aggfunc="mean", sort=False)
            .fillna(0.0)
            .sort_index()
        )
    idx = pd.to_datetime(out.index + "-01")
    mid = decimal_year(idx.to_numpy().astype("datetime64[D]")) + 1 / 24
    out.index = pd.Index(mid, name="year")
    return out


def _span(frame: pd.DataFrame) -> tuple[float, float]:
    x = decimal_year(frame["date"].astype(str).iloc[[0, -1]].to_numpy())
    return float(x[0]), float(x[1]) + 1 / 365


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
    fig, (ax,) = _figure(1, panel_height=3.6, key_rows=key_rows(marked))
    x = table.index.to_numpy(dtype=float) + 0.5
    bottom = np.zeros(len(table))
    for dest in table.columns:
        ax.bar(x, table[dest], bottom=bottom, label=dest, color=color(dest), width=0.8)
        bottom += table[dest].to_numpy()
    ax.set_title(f"{title}: annual pipeline gas exports by destination", pad=12)
    ax.set_xlabel("year")
    ax.set_ylabel("exports (bcm/yr)")
    if len(table):
        _year_axis(ax, float(table.index.min()), float(table.index.max()) + 1, centred=True)
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
    fig, axes = _figure(max(len(routes), 1), panel_height=1.9, key_rows=key_rows(marked))
    lo, hi = _span(gas) if len(gas) else (0.0, 1.0)
    for ax, route in zip(axes, routes, strict=False):
        ax.set_xlim(lo, hi)
        f = gas[gas["route"] == route]
        by_buyer = monthly_mean(f, "quantity", "buyer")
        by_buyer = by_buyer.loc[:, by_buyer.sum() > 0]
        cap = monthly_mean(f[f["buyer"] == f["buyer"].iloc[0]], "capacity")["capacity"]
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
        ax.legend(loc="upper left", ncols=len(by_buyer.columns) + 1, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{title}: route flows against capacity (monthly mean)", pad=12)
    axes[-1].set_xlabel("year")
    _year_axis(axes[-1], lo, hi)
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
    fig, axes = _figure(max(len(buyers), 1), panel_height=1.9, key_rows=key_rows(marked))
    lo, hi = _span(gas) if len(gas) else (0.0, 1.0)
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
        axes[0].text(
            0.5,
            0.5,
            "no buyer nominated gas in this run",
            transform=axes[0].transAxes,
            ha="center",
            va="center",
            color="#666666",
        )
    axes[0].set_title(f"{title}: deliveries against nominations (monthly mean)", pad=12)
    axes[-1].set_xlabel("year")
    _year_axis(axes[-1], lo, hi)
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
    fig, (ax,) = _figure(1, panel_height=3.6, key_rows=key_rows(marked))
    ax.set_xlim(*_span(production))
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
    ax.set_xlabel("year")
    ax.set_ylabel("gas (mcm/d)")
    ax.set_ylim(0, float(g["potential"].max()) * 1.3 + 1.0)
    mark_events(ax, marked)
    draw_key(fig, marked)
    ax.legend(loc="upper left", ncols=4, fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    _year_axis(ax, *_span(production))
    return fig


def revenue_and_arrears(
    money: pd.DataFrame, title: str, events: pd.DataFrame | None = None
) -> Figure:
    """Top: annual revenue (invoiced) per buyer; bottom: arrears per buyer over time."""
    marked = select_events(
        numbered_events(events), list(dict.fromkeys(money["buyer"])), ("cutoff", "price", "set")
    )
    fig, (top, bottom) = _figure(2, panel_height=2.8, sharex=False, key_rows=key_rows(marked))
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
    top.set_xlabel("year")
    top.set_ylabel("revenue invoiced\n(USD bn/yr)")
    _year_axis(top, float(annual.index.min()), float(annual.index.max()) + 1, centred=True)
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
        bottom.text(
            0.5,
            0.5,
            "no arrears in this run",
            transform=bottom.transAxes,
            ha="center",
            va="center",
            color="#666666",
        )
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("year")
    bottom.set_ylabel("arrears (USD bn)")
    bottom.grid(alpha=0.3)
    bottom.set_xlim(*_span(money))
    mark_events(bottom, marked)
    draw_key(fig, marked)
    _year_axis(bottom, *_span(money))
    return fig


def backtest_chart(
    table: pd.DataFrame, series: pd.DataFrame, title: str, unit: str = "bcm"
) -> Figure:
    """One panel per destination: simulated every year (line) against observed (markers)."""
    dests = list(dict.fromkeys(table["destination"]))
    fig, axes = _figure(max(len(dests), 1), panel_height=2.0, width=9.0)
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


# ----------------------------------------------------------------------------- a run's set


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
    """Draw every chart of a run into ``folder`` as PNG (and SVG); return the PNG paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in _charts(res).items():
        fig = make()
        path = folder / f"{name}.png"
        # light compression: PNGs a little larger, encoding several times faster
        fig.savefig(path, dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
        paths.append(path)
        if svg:
            fig.savefig(folder / f"{name}.svg", metadata={"Date": None})
    return paths
