"""Charts of a calibration (simulated against observed on the years fitted) and of a
hindcast (each origin's forecast against the record and against persistence)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gasroutes.charts.axes import LEGEND_WIDTH, figure, side_legend
from gasroutes.charts.palette import color

__all__ = ["fit_chart", "hindcast_chart"]

ORIGIN_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]


def fit_chart(table: pd.DataFrame, title: str) -> Figure:
    """One panel per series and destination: observed (markers) and simulated (line)."""
    keys = list(dict.fromkeys(zip(table["series"], table["destination"], strict=True)))
    fig, axes = figure(max(len(keys), 1), panel_height=1.9, width=10.0, legend=LEGEND_WIDTH)
    for ax, (series, dest) in zip(axes, keys, strict=False):
        t = table[(table["series"] == series) & (table["destination"] == dest)].sort_values("year")
        c = color(dest) if dest != "domestic" else color("domestic")
        ax.plot(t["year"], t["simulated"], color=c, lw=1.6, marker=".", label="simulated")
        ax.plot(
            t["year"], t["observed"], color="black", lw=0, marker="o", mfc="none", label="observed"
        )
        label = "domestic use" if series == "domestic" else f"exports to {dest}"
        ax.set_ylabel(f"{label}\n(bcm/yr)", fontsize=8)
        top = max(float(t["observed"].max()), float(t["simulated"].max()), 1.0)
        ax.set_ylim(0, top * 1.15)
        side_legend(ax)
        ax.grid(alpha=0.3)
        years = sorted(set(t["year"]))
        ax.set_xticks(years)
    axes[0].set_title(f"{title}: the fit, simulated against observed", pad=10)
    axes[-1].set_xlabel("year")
    return fig


def hindcast_chart(table: pd.DataFrame, title: str) -> Figure:
    """One panel per destination: the record, and for each origin its forecast (solid)
    and persistence (dotted, the origin's value held flat)."""
    dests = list(dict.fromkeys(table["destination"]))
    fig, axes = figure(max(len(dests), 1), panel_height=2.0, width=9.0)
    origins = sorted(set(table["origin"]))
    for ax, dest in zip(axes, dests, strict=False):
        t = table[table["destination"] == dest]
        obs = t.dropna(subset=["observed"]).drop_duplicates("year").sort_values("year")
        for i, origin in enumerate(origins):
            o = t[t["origin"] == origin].sort_values("year")
            c = ORIGIN_COLORS[i % len(ORIGIN_COLORS)]
            years = np.concatenate([[origin], o["year"].to_numpy()])
            start = o["persistence"].iloc[0] if len(o) else np.nan
            ax.plot(o["year"], o["simulated"], color=c, lw=1.6, label=f"model from {origin}")
            ax.plot(years, np.full(len(years), start), color=c, lw=1.0, ls=":")
        ax.plot(
            obs["year"],
            obs["observed"],
            color="black",
            lw=0,
            marker="o",
            mfc="none",
            label="observed",
        )
        label = "total exports" if dest == "total" else f"exports to {dest}"
        ax.set_ylabel(f"{label}\n(bcm/yr)", fontsize=8)
        top = np.nanmax(
            np.concatenate(
                [t["simulated"], t["observed"].fillna(0), t["persistence"].fillna(0), [1.0]]
            )
        )
        ax.set_ylim(0, float(top) * 1.35)
        ax.grid(alpha=0.3)
        ax.set_xticks(sorted(set(t["year"]) | set(origins)))
    height = fig.get_figheight()
    fig.subplots_adjust(top=1 - 1.05 / height)
    fig.suptitle(
        f"{title}: hindcasts from each origin (solid) against persistence (dotted)",
        y=1 - 0.12 / height,
        fontsize=11,
    )
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="#555555", lw=1.0, ls=":"))
    labels.append("persistence (the origin's value held flat)")
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - 0.45 / height),
        ncols=len(labels),
        fontsize=8,
        frameon=False,
    )
    axes[-1].set_xlabel("year")
    return fig
