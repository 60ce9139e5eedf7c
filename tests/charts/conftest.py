"""What makes a chart readable at a glance, checked on the drawn figure (artists and their
window extents, never pixels): :func:`layout_problems` lists every problem it finds, so a
test asserts the list is empty and a failure names them all."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

UNIT = re.compile(r"\(([^()]+)\)\s*$")
NUMBER = re.compile(r"^[−\-+]?[0-9][0-9.,]*$")
TIME_LABELS = ("year", "date")


def is_event_line(line: Line2D) -> bool:
    """A full-height vertical line marking an event (not data)."""
    x = list(line.get_xdata())
    return len(x) == 2 and x[0] == x[1] and list(line.get_ydata()) == [0, 1]


def has_data(ax: Axes) -> bool:
    """Whether a panel draws data: a line with points, a filled area or a scatter, bars or
    an image (event spans and event lines do not count)."""
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) and not is_event_line(ln)]
    areas = [c for c in ax.collections if isinstance(c, Collection) and len(c.get_paths())]
    bars = [c for c in ax.containers if isinstance(c, BarContainer) and len(c.patches)]
    return bool(lines or areas or bars or ax.images)


def _numeric_ticks(labels: list[Any]) -> bool:
    texts = [t.get_text() for t in labels if t.get_visible() and t.get_text()]
    return bool(texts) and all(NUMBER.match(t.replace(" ", "")) for t in texts)


def _boxes(fig: Figure, renderer: Any) -> Iterator[tuple[str, Bbox]]:
    """Every title, legend and figure-level text, and every event number above a panel,
    with its window extent."""
    suptitle = fig._suptitle  # type: ignore[attr-defined]
    if suptitle is not None and suptitle.get_text():
        yield "suptitle", suptitle.get_window_extent(renderer)
    for legend in fig.legends:
        yield "figure legend", legend.get_window_extent(renderer)
    for i, t in enumerate(fig.texts):
        if t.get_text() and t is not suptitle:
            yield f"figure text {i} {t.get_text()[:30]!r}", t.get_window_extent(renderer)
    for n, ax in enumerate(fig.axes):
        for title in (ax.title, ax._left_title, ax._right_title):  # type: ignore[attr-defined]
            if title.get_text():
                yield f"title of axes {n}", title.get_window_extent(renderer)
        legend = ax.get_legend()
        if legend is not None:
            yield f"legend of axes {n}", legend.get_window_extent(renderer)
        for t in ax.texts:
            if t.get_position()[1] > 1.0 and t.get_transform() is not ax.transData:
                yield f"event number {t.get_text()!r} of axes {n}", t.get_window_extent(renderer)


def _overlap(a: Bbox, b: Bbox, gap: float = 2.0) -> bool:
    """Whether two extents overlap or come closer than ``gap`` pixels (at 100 dpi)."""
    return a.x0 < b.x1 + gap and b.x0 < a.x1 + gap and a.y0 < b.y1 + gap and b.y0 < a.y1 + gap


def layout_problems(fig: Figure, *, offsets: bool = True) -> list[str]:
    """Draw ``fig`` and list what would hinder a reader: a panel without data (unless it
    is turned off to show a message), a numeric axis without a unit (time axes say
    "year" or "date"), an offset or a multiplier above an axis (``offsets``), titles,
    legends, footer texts and event numbers that overlap each other or leave the figure,
    and legends or footer texts over a panel."""
    fig.set_dpi(100)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    problems = []
    panels = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]
    for n, ax in enumerate(panels):
        if not ax.axison:
            if not ax.texts:
                problems.append(f"axes {n} is turned off and says nothing")
            continue
        if not has_data(ax):
            problems.append(f"axes {n} ({ax.get_ylabel()!r}) draws no data")
        if _numeric_ticks(ax.get_yticklabels()) and not UNIT.search(ax.get_ylabel()):
            problems.append(f"axes {n}: y label {ax.get_ylabel()!r} has no unit")
        xlabel = ax.get_xlabel()
        if (
            _numeric_ticks(ax.get_xticklabels())
            and xlabel not in TIME_LABELS
            and not UNIT.search(xlabel)
        ):
            problems.append(f"axes {n}: x label {xlabel!r} has no unit")
    if offsets:
        for n, ax in enumerate(fig.axes):
            for axis in (ax.xaxis, ax.yaxis):
                text = axis.get_offset_text()
                if text.get_visible() and text.get_text():
                    problems.append(f"axes {n}: offset text {text.get_text()!r} by an axis")
    figbox = fig.bbox
    boxes = list(_boxes(fig, renderer))
    for name, box in boxes:
        if box.x0 < figbox.x0 - 1 or box.y0 < figbox.y0 - 1:
            problems.append(f"{name} leaves the figure")
        if box.x1 > figbox.x1 + 1 or box.y1 > figbox.y1 + 1:
            problems.append(f"{name} leaves the figure")
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if _overlap(box_a, box_b):
            problems.append(f"{a} overlaps {b}")
    for name, box in boxes:
        if not name.startswith(("legend", "figure legend", "figure text")):
            continue
        for n, ax in enumerate(panels):
            if ax.axison and _overlap(box, ax.get_window_extent(renderer)):
                problems.append(f"{name} lies over the data of axes {n}")
            if name.startswith("figure text") and _overlap(box, _ticks_box(ax, renderer)):
                problems.append(f"{name} overlaps the tick labels or axis labels of axes {n}")
    return problems


def _ticks_box(ax: Axes, renderer: Any) -> Bbox:
    """The extent of a panel's tick labels and axis labels (its legend left out)."""
    boxes = [b for axis in (ax.xaxis, ax.yaxis) if (b := axis.get_tightbbox(renderer))]
    return Bbox.union(boxes) if boxes else ax.get_window_extent(renderer)


@pytest.fixture
def chart_problems() -> Callable[..., list[str]]:
    """:func:`layout_problems`, for tests to call on their figures."""
    return layout_problems
