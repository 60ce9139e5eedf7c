"""Charts of a replicated run: the median across replications with a 5-95% band.

Each function takes the ``bands.csv`` table (series, key, period, p5, p50, p95, mean) and
returns a matplotlib Figure; :func:`save_band_charts` writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from gasroutes.charts.axes import (
    DPI,
    LEGEND_WIDTH,
    TITLE_PAD,
    decimal_year,
    draw_footer,
    figure,
    footer_height,
    mark_events,
    no_data,
    numbered_events,
    plain_numbers,
    save_figure,
    select_events,
    side_legend,
    year_axis,
)
from gasroutes.charts.palette import color

__all__ = ["BAND_CHARTS", "annual_band", "kpi_spread", "save_band_charts", "time_band"]


# Legends sit right of the panels, outside the data (as in a single run's charts)
WIDTH = 11.0


def _series(band: pd.DataFrame, name: str) -> pd.DataFrame:
    return band[band["series"] == name]


def _month_x(periods: pd.Series) -> np.ndarray:
    """Decimal year of mid-month for 'YYYY-MM' periods, of mid-day for dates."""
    text = periods.astype(str)
    if len(text) and len(text.iloc[0]) == 10:
        return decimal_year(text.to_numpy()) + 0.5 / 365
    return decimal_year((text + "-01").to_numpy()) + 1 / 24


def annual_band(band: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """Annual pipeline gas exports per destination: median with 5-95% band, bcm/yr."""
    gas = _series(band, "annual_bcm")
    keys = [k for k in dict.fromkeys(gas["key"]) if gas.loc[gas["key"] == k, "p95"].max() > 0]
    marked = select_events(numbered_events(events), kinds=("cutoff", "outage", "commission"))
    fig, (ax,) = figure(
        1,
        panel_height=3.8,
        width=WIDTH,
        footer=footer_height(marked, (), WIDTH),
        legend=LEGEND_WIDTH,
    )
    top = 1.0
    for k in keys:
        rows = gas[gas["key"] == k]
        x = rows["period"].astype(int).to_numpy() + 0.5
        ax.fill_between(x, rows["p5"], rows["p95"], color=color(k), alpha=0.2, lw=0)
        ax.plot(x, rows["p50"], color=color(k), lw=1.6, marker="o", ms=3, label=k)
        top = max(top, float(rows["p95"].max()))
    ax.set_title(f"{title}: annual pipeline gas exports (median, 5-95% band)", pad=TITLE_PAD)
    ax.set_xlabel("year")  # year_axis sets it too, when there are years
    ax.set_ylabel("exports (bcm/yr)")
    if len(gas):
        years = gas["period"].astype(int)
        year_axis(ax, float(years.min()), float(years.max()) + 1, centred=True)
    ax.set_ylim(0, top * 1.1)
    mark_events(ax, marked)
    draw_footer(fig, marked)
    if keys:
        handles, labels = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], color="#777777", lw=1.6, marker="o", ms=3),
            Patch(color="#777777", alpha=0.2, lw=0),
        ]
        side_legend(ax, handles=handles, labels=[*labels, "median", "5-95%"], fontsize=8)
    else:
        no_data(ax, "no pipeline gas exported in any replication")
        ax.set_axis_off()
    ax.grid(alpha=0.3)
    return fig


def time_band(
    band: pd.DataFrame,
    title: str,
    value: str,
    reference: str,
    what: str,
    reference_label: str,
    events: pd.DataFrame | None = None,
    colour: str | None = None,
) -> Figure:
    """One panel per key: the monthly mean of ``value`` (median, 5-95% band) against the
    median of ``reference``, mcm/d. Each key in its own colour (buyers), or all in
    ``colour`` (routes)."""
    vals, refs = _series(band, value), _series(band, reference)
    keys = [k for k in dict.fromkeys(vals["key"]) if refs.loc[refs["key"] == k, "p95"].max() > 0]
    marked = select_events(numbered_events(events), keys, ("cutoff", "outage", "commission"))
    fig, axes = figure(
        max(len(keys), 1),
        panel_height=1.9,
        width=WIDTH,
        footer=footer_height(marked, (), WIDTH),
        legend=LEGEND_WIDTH,
    )
    if not keys:
        no_data(axes[0], f"no {what} in this run")
        axes[0].set_axis_off()
        axes[0].set_title(f"{title}: {what} (median, 5-95% band)", pad=TITLE_PAD)
        return fig
    daily = len(str(vals["period"].iloc[0])) == 10
    half = 0.5 / 365 if daily else 1 / 24
    lo = float(_month_x(vals["period"].iloc[[0]])[0]) - half
    hi = float(_month_x(vals["period"].iloc[[-1]])[0]) + half
    for ax, k in zip(axes, keys, strict=False):
        ax.set_xlim(lo, hi)
        v, r = vals[vals["key"] == k], refs[refs["key"] == k]
        x = _month_x(v["period"])
        c = colour or color(k)
        ax.plot(
            _month_x(r["period"]), r["p50"], color="black", lw=1.0, ls="--", label=reference_label
        )
        ax.fill_between(x, v["p5"], v["p95"], color=c, alpha=0.25, lw=0, label="5-95%")
        ax.plot(x, v["p50"], color=c, lw=1.4, label="median")
        ax.set_ylabel(f"{k}\n(mcm/d)", fontsize=8)
        ax.set_ylim(0, max(float(r["p95"].max()), float(v["p95"].max()), 1.0) * 1.15)
        if not (v["p95"] > 0).any():
            no_data(ax, f"no {what} in any replication")
        mark_events(ax, select_events(marked, [k]))
        side_legend(ax)
        ax.grid(alpha=0.3)
    step = "daily" if daily else "monthly mean"
    axes[0].set_title(f"{title}: {what} ({step}; median, 5-95% band)", pad=TITLE_PAD)
    year_axis(axes[-1], lo, hi)
    draw_footer(fig, marked)
    return fig


KPI_SPREAD = (
    ("exports_bcm_by_destination.", "exports (bcm)"),
    ("shortfall_bcm_by_buyer.", "shortfall (bcm)"),
)


def kpi_spread(kpis: pd.DataFrame, title: str) -> Figure:
    """Spread of the headline KPIs across replications: exports and shortfall per
    destination, each in its own panel and scale: every replication as a dot, a box from
    p25 to p75 and whiskers from p5 to p95."""
    rows = [
        (label, [c for c in kpis.columns if c.startswith(prefix) and kpis[c].abs().max() > 0])
        for prefix, label in KPI_SPREAD
    ]
    ncols = max([len(cols) for _, cols in rows] + [1])
    width = max(2.4 * ncols, 6.0) + 0.4
    fig = Figure(figsize=(width, 5.8))
    grid = fig.subplots(len(rows), ncols, squeeze=False)
    fig.subplots_adjust(
        left=0.8 / width, right=1 - 0.15 / width, top=0.84, bottom=0.08, hspace=0.5, wspace=0.7
    )
    rng = np.random.default_rng(0)  # horizontal jitter of the dots only
    for (label, cols), axes in zip(rows, grid, strict=True):
        for j, ax in enumerate(axes):
            if j >= len(cols):  # no empty frames: a row says why it has no panel
                if not cols and j == 0:
                    no_data(ax, f"no {label.split(' ')[0]} in any replication")
                    ax.set_axis_off()
                else:
                    ax.remove()
                continue
            name = cols[j].split(".", 1)[1]
            x = kpis[cols[j]].to_numpy(dtype=float)
            # the percentiles the console and summary print (linear), drawn as they are:
            # a box plot's whiskers would stop at the last replication inside them
            p5, p25, p50, p75, p95 = np.percentile(x, [5, 25, 50, 75, 95])
            stats = {"med": p50, "q1": p25, "q3": p75, "whislo": p5, "whishi": p95}
            box = ax.bxp(
                [stats],
                showfliers=False,
                patch_artist=True,
                widths=0.5,
                medianprops={"color": "black"},
            )
            box["boxes"][0].set_facecolor(color(name))
            box["boxes"][0].set_alpha(0.3)
            ax.plot(1 + rng.uniform(-0.12, 0.12, len(x)), x, "o", ms=2.5, color=color(name))
            ax.set_xticks([1], [name], fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
            ax.grid(axis="y", alpha=0.3)
            ax.set_ylabel(label, fontsize=8)
            plain_numbers(ax, "y")
    fig.suptitle(
        f"{title}: totals over the horizon, one dot per replication\n"
        "(box: p25-p75, whiskers: p5-p95; each panel has its own scale)",
        fontsize=10,
    )
    return fig


ROUTE_COLOUR = "#2f5597"
BAND_CHARTS = ("annual_exports", "deliveries", "route_flows", "kpi_spread")


def save_band_charts(
    band: pd.DataFrame,
    kpis: pd.DataFrame,
    title: str,
    events: pd.DataFrame,
    folder: Path,
    *,
    svg: bool = False,
    dpi: int = DPI,
) -> list[Path]:
    """Draw the replicated run's charts into ``folder``; return the PNG paths."""
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Callable[[], Figure]] = {
        "annual_exports": lambda: annual_band(band, title, events),
        "deliveries": lambda: time_band(
            band,
            title,
            "delivered",
            "nominated",
            "deliveries",
            "nominated (median)",
            events,
        ),
        "route_flows": lambda: time_band(
            band,
            title,
            "route_flow",
            "route_capacity",
            "route flows",
            "capacity (median)",
            events,
            ROUTE_COLOUR,
        ),
        "kpi_spread": lambda: kpi_spread(kpis, title),
    }
    return [save_figure(draw(), folder, name, svg=svg, dpi=dpi) for name, draw in figures.items()]
