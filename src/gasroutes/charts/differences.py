"""Charts of replicated runs compared: each total's mean difference from the first run
with its 95% confidence interval, and the annual difference with its band. Each run keeps
the colour it has in every comparison chart (:func:`gasroutes.charts.palette.run_color`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from gasroutes.charts.axes import no_data, numbered_events
from gasroutes.charts.palette import run_color, run_style
from gasroutes.charts.panels import left_out, legend_columns, panels, signed, year_ticks

if TYPE_CHECKING:
    from gasroutes.results.reading import RunData

__all__ = ["difference_annual", "difference_kpis"]


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
    plotted = 0.28 * sum(heights) * max(len(runs) - 1, 1) + 0.4  # inches of panels
    gap = 0.8  # inches between panels: the upper one's axis label and ticks
    height = 1.6 + plotted + gap * (len(panels) - 1)
    fig = Figure(figsize=(10.0, height))
    axes = fig.subplots(len(panels), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    fig.subplots_adjust(
        left=0.3,
        right=0.97,
        top=1 - 1.05 / height,
        bottom=0.55 / height,
        hspace=gap / (plotted / len(panels)),  # a fraction of the mean panel height
    )
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
                c = run_color(j + 1)
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
        Line2D(
            [], [], color=run_color(j + 1), marker=_MARKERS[j % len(_MARKERS)], ls="", label=r.name
        )
        for j, r in enumerate(others)
    ]
    fig.text(
        0.02,
        1 - 0.12 / height,
        "Mean difference of each total from " + runs[0].name,
        fontsize=12,
        va="top",
    )
    fig.text(0.02, 1 - 0.4 / height, note, fontsize=9, va="top", color="#444444")
    _legend_row(fig, handles, 0.02, 1 - 0.62 / height)
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P")


def _legend_row(fig: Figure, handles: Sequence[Artist], x: float, y: float) -> None:
    """Legend entries in rows from (x, y), the band's top left corner."""
    fig.legend(
        handles=list(handles),
        loc="upper left",
        fontsize=9,
        frameon=False,
        ncols=legend_columns([str(h.get_label()) for h in handles]),
        bbox_to_anchor=(x, y),
        borderaxespad=0.0,
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
    every = list(dict.fromkeys(gas["destination"]))
    dests = [
        d
        for d in every
        if gas.loc[gas["destination"] == d, ["mean", "low", "high"]].abs().max().max() > 1e-9
    ]
    handles: list[Artist] = [
        Line2D(
            [],
            [],
            color=run_color(j + 1),
            ls=run_style(j + 1),
            lw=2,
            marker="o",
            label=f"{r.name} minus {runs[0].name}",
        )
        for j, r in enumerate(runs[1:])
    ]
    handles.append(Patch(color="#bbbbbb", label="shaded: 95% CI"))
    notes = left_out(f"no difference from {runs[0].name}", [d for d in every if d not in dests])
    cols = legend_columns([str(h.get_label()) for h in handles])
    p = panels(
        len(dests),
        differences=[],
        title=f"Difference in annual pipeline gas exports from {runs[0].name}",
        subtitle="mean over replications (paired where the runs share seeds)",
        legend_rows=-(-len(handles) // cols),
        notes=notes,
        events=numbered_events(None),
    )
    p.legend(handles, cols)
    if not dests:
        no_data(p.values[0], "no difference in annual exports")
        p.values[0].set_ylabel("bcm/yr")
    years = gas["year"].astype(float) if len(gas) else pd.Series([0.0])
    lo, hi = float(years.min()), float(years.max()) + 1
    for ax, dest in zip(p.values, dests, strict=False):
        for j, run in enumerate(runs[1:]):
            f = gas[(gas["destination"] == dest) & (gas["run"] == run.name)]
            x = f["year"].to_numpy(dtype=float) + 0.5
            c = run_color(j + 1)
            ax.fill_between(x, f["low"], f["high"], color=c, alpha=0.2, lw=0)
            ax.plot(x, f["mean"], color=c, ls=run_style(j + 1), lw=1.5, marker="o", ms=3)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(dest, fontsize=10, loc="left")
        ax.set_ylabel("difference (bcm/yr)", fontsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(signed))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        year_ticks(ax, lo, hi, ax.get_position().width * p.fig.get_figwidth(), centred=True)
    return p.fig
