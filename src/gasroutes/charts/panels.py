"""Small multiples laid out in inches, for the charts that compare runs.

A chart is a header (title, subtitle, a legend of the runs), a grid of panels (each a value
axes with, where there is something to show, a difference axes under it) and a footer
(one-line notes, the event key). Every part has its own band of the figure, computed from
the number of panels, legend rows, notes and events, so nothing overlaps and no layout
engine runs (fast to draw).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gasroutes.charts.axes import (
    MONTHS,
    decimal_year,
    draw_footer,
    footer_height,
    x_ticks,
    year_axis,
)

__all__ = ["Panels", "left_out", "legend_columns", "panels", "signed", "year_ticks"]

WIDTH = 12.0  # inches; 1,440 px at the charts' 120 dpi
LEFT, RIGHT, COL_GAP = 0.95, 0.25, 0.95  # room for y labels left of every column
TITLE = 0.62  # title and subtitle
LEGEND_ROW = 0.27
PANEL_TITLE = 0.36  # each panel's title, above it
ROW_GAP = 0.72  # tick labels under a panel, then the next row's title
DIFF_GAP = 0.16
TICKS = 0.4  # tick labels under the last row


@dataclass
class Panels:
    """A comparison chart's figure and its axes: ``values[i]`` and ``differences[i]`` are
    panel i's (the latter None when the panel has no difference axes)."""

    fig: Figure
    values: list[Axes]
    differences: list[Axes | None]
    legend_y: float = 1.0
    left: float = 0.0

    def legend(self, handles: Sequence[Artist], columns: int) -> None:
        """The legend of runs (and of line and bar styles) in its band under the title."""
        self.fig.legend(
            handles=list(handles),
            loc="upper left",
            bbox_to_anchor=(self.left - 0.005, self.legend_y),
            ncols=max(columns, 1),
            fontsize=9,
            frameon=False,
            handlelength=2.4,
            borderaxespad=0.0,
            columnspacing=1.6,
        )


def legend_columns(labels: Sequence[str], width: float = WIDTH - LEFT - RIGHT) -> int:
    """How many legend entries fit side by side in ``width`` inches (at 9 pt)."""
    longest = max((len(s) for s in labels), default=1)
    return max(1, min(len(labels), int(width // (0.075 * longest + 0.75))))


def panels(
    count: int,
    *,
    differences: Sequence[bool],
    title: str,
    subtitle: str,
    legend_rows: int,
    notes: Sequence[str],
    events: pd.DataFrame,
    columns: int | None = None,
    value_height: float = 1.7,
    difference_height: float = 0.8,
) -> Panels:
    """A figure of ``count`` panels in a grid; panel i gets a difference axes under its
    value axes when ``differences[i]``. Space is kept for ``legend_rows`` legend rows;
    ``notes`` (one line each: what the chart leaves out) and the key of ``events`` are
    written in the footer."""
    count = max(count, 1)
    cols = columns or (1 if count == 1 else 2 if count in (2, 4) else 3)
    cols = min(cols, count)
    rows = math.ceil(count / cols)
    diff = [bool(differences[i]) if i < len(differences) else False for i in range(count)]
    heights = []
    for r in range(rows):
        cells = range(r * cols, min(count, (r + 1) * cols))
        under = any(diff[c] for c in cells)
        heights.append(value_height + (DIFF_GAP + difference_height if under else 0.0))
    footer = TICKS + footer_height(events, notes, WIDTH)
    header = TITLE + LEGEND_ROW * legend_rows + PANEL_TITLE
    height = header + sum(heights) + ROW_GAP * (rows - 1) + footer
    fig = Figure(figsize=(WIDTH, height))
    cell = (WIDTH - LEFT - RIGHT - COL_GAP * (cols - 1)) / cols

    def rect(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (x / WIDTH, y / height, w / WIDTH, h / height)

    values: list[Axes] = []
    diffs: list[Axes | None] = []
    top = height - header
    for r in range(rows):
        for c in range(r * cols, min(count, (r + 1) * cols)):
            x = LEFT + (c - r * cols) * (cell + COL_GAP)
            ax = fig.add_axes(rect(x, top - value_height, cell, value_height))
            values.append(ax)
            if diff[c]:
                below = fig.add_axes(
                    rect(
                        x,
                        top - value_height - DIFF_GAP - difference_height,
                        cell,
                        difference_height,
                    ),
                    sharex=ax,
                )
                ax.tick_params(labelbottom=False, bottom=False)
                diffs.append(below)
            else:
                diffs.append(None)
        top -= heights[r] + ROW_GAP
    fig.text(LEFT / WIDTH, 1 - 0.12 / height, title, fontsize=13, va="top", ha="left")
    fig.text(
        LEFT / WIDTH, 1 - 0.4 / height, subtitle, fontsize=9, va="top", ha="left", color="#444444"
    )
    draw_footer(fig, events, notes)
    return Panels(fig, values, diffs, left=LEFT / WIDTH, legend_y=1 - TITLE / height)


def signed(value: float, _pos: object = None) -> str:
    """A tick label with its sign (+3, -2, 0): for axes of differences."""
    return "0" if abs(value) < 1e-12 else f"{value:+g}"


def year_ticks(ax: Axes, lo: float, hi: float, width: float, *, centred: bool) -> None:
    """Year ticks (or month ticks on a short span) that fit a panel ``width`` inches wide."""
    fit = max(int(width / 0.55), 2)
    if not centred and hi - lo < 1.5:
        jan = pd.Timestamp(year=int(lo), month=1, day=1)
        months = pd.date_range(jan, periods=int((hi - int(lo)) * 12) + 2, freq="MS")
        x = decimal_year(months.to_numpy().astype("datetime64[D]"))
        keep = (x >= lo - 1e-9) & (x <= hi + 1e-9)
        step = next(s for s in (1, 2, 3, 6, 12) if keep.sum() / s <= fit * 0.8)
        picked = [(xi, m) for xi, m in zip(x[keep], months[keep], strict=True)][::step]
        x_ticks(
            ax,
            [p[0] for p in picked],
            [f"{MONTHS[m.month - 1]} {m.year % 100:02d}" for _, m in picked],
        )
        ax.set_xlim(lo, hi)
        return
    year_axis(ax, lo, hi, centred=centred)
    ax.set_xlabel("")
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (last - first) / s <= fit)
    offset = 0.5 if centred else 0.0
    years = [y for y in range(first, last + 1) if y % step == 0 or step == 1]
    kept = [y for y in years if lo - 1e-9 <= y + offset <= hi + 1e-9]
    x_ticks(ax, [y + offset for y in kept], [str(y) for y in kept])
    ax.set_xlim(lo, hi)


def left_out(what: str, ids: Sequence[str]) -> list[str]:
    """A note naming what a chart left out (none when nothing was)."""
    return [f"{what}: {', '.join(ids)}"] if ids else []
