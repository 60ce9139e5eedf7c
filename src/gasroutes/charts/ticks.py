"""Axis ticks drawn as a few artists: an axis's tick marks as one line of markers, its
grid as one collection, its labels as plain texts.

matplotlib makes every tick five artists (two marks, a grid line, two labels), makes
them at drawing time, measures every label to place the axis label, and draws them one
by one: drawing the ticks took about a quarter of the drawing of historical's charts
(0.28 of 1.2 s of CPU), whose axes have about 220 ticks. :func:`flatten_ticks` puts in
their place, just before a figure is drawn, artists that draw the same: the same
positions (the axis's own locator and formatter, on its final limits), the same
transforms, styles and z-order (copied from one tick matplotlib makes for the axis), and
the axis label where matplotlib puts it (its pad widened by the labels' extent). The axis
is then given no ticks of its own.

An axis is left to matplotlib when it is not an ordinary one: minor ticks, marks or
labels on the second side (top, right), an offset or multiplier text, another projection,
or a matplotlib without the private attributes read here; so are the axes sharing its
locator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axis import Axis, XAxis, YAxis
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import NullLocator

__all__ = ["flatten_ticks"]


class _Ticks(Artist):
    """An axis's grid, marks and labels, drawn in that order where the axis is drawn."""

    def __init__(
        self, parts: list[Artist], zorder: float, labels: list[Text], *, reach: float, which: str
    ) -> None:
        super().__init__()
        self.which = which  # "x" or "y"
        self._parts = parts
        self.labels = labels  # one per tick in view, "" where it has none
        self.reach = reach  # how far (pixels) the tick marks reach out of the axes
        self.set_zorder(zorder)
        self.set_clip_on(False)  # the parts keep their own clipping

    def set_figure(self, fig: Any) -> None:
        super().set_figure(fig)
        for part in self._parts:
            part.set_figure(fig)

    def get_children(self) -> list[Artist]:
        return list(self._parts)

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        for part in self._parts:
            part.draw(renderer)
        self.stale = False


# figures already flattened (a figure saved as PNG, then SVG, is flattened once)
_DONE = "_gasroutes_flat_ticks"

# How far a tick mark reaches out of the axes, as a share of its length, by direction.
_OUT = {"out": 1.0, "inout": 0.5, "in": 0.0}


def flatten_ticks(fig: Figure, renderer: Any) -> None:
    """Replace the ticks of each ordinary axis of ``fig`` by artists that draw the same
    (see the module); ``renderer`` measures the labels, at the figure's drawing dpi.
    Axes that share their ticks (``sharex``) are flattened together or not at all: they
    share one locator, which is then given no ticks."""
    if getattr(fig, _DONE, False):
        return
    setattr(fig, _DONE, True)
    groups: dict[int, list[Axis]] = {}  # the axes of each locator, in figure order
    for ax in fig.axes:
        for one in (ax.xaxis, ax.yaxis):
            groups.setdefault(id(one.major), []).append(one)
    for axes in groups.values():
        shown = [a for a in axes if a.get_visible() and a.axes.axison]
        plans = [_plan(a) for a in shown]
        if not shown or any(p is None for p in plans):
            continue  # none to draw, or one left to matplotlib: all are
        ready = [p for p in plans if p is not None]
        for axis, plan in zip(shown, ready, strict=True):
            if plan.get_children():
                axis.axes.add_artist(plan)
        axes[0].set_major_locator(NullLocator())  # for every axis of the group
        for axis, plan in zip(shown, ready, strict=True):
            _place_label(axis, plan, renderer)


def _plan(axis: Axis) -> _Ticks | None:
    """The artists that draw ``axis``'s ticks, or None where matplotlib should."""
    ax = axis.axes
    if ax.name != "rectilinear" or type(axis) not in (XAxis, YAxis):
        return None
    if not isinstance(axis.get_minor_locator(), NullLocator):
        return None
    x = isinstance(axis, XAxis)
    lo, hi = sorted(axis.get_view_interval())
    locs = np.asarray(axis.get_major_locator()(), dtype=float)
    # every location labelled, as matplotlib labels them (a FixedFormatter labels by
    # position), then those in the view kept (close to an end counts)
    formatter = axis.get_major_formatter()
    every = formatter.format_ticks(list(locs))
    scale = axis.get_transform()
    t_lo, t_hi = sorted(scale.transform([lo, hi]))
    t_locs = scale.transform(locs) if len(locs) else locs
    eps = 1e-10 * max(abs(t_hi - t_lo), 1e-300)
    inside = (t_locs >= t_lo - eps) & (t_locs <= t_hi + eps)
    locs = locs[inside]
    labels = [label for label, kept in zip(every, inside, strict=True) if kept]
    offset = getattr(formatter, "get_offset", None)
    if offset is not None and offset():
        return None  # an offset or multiplier text: matplotlib places it by the labels
    tick = axis.get_major_ticks(1)[0]  # one tick, styled as the axis's would be
    if tick.tick2line.get_visible() or tick.label2.get_visible():
        return None
    if not isinstance(getattr(tick, "_tickdir", None), str) or not hasattr(tick, "_size"):
        return None
    parts: list[Artist] = []
    texts: list[Text] = []
    if len(locs):
        zeros = np.zeros(len(locs))
        if tick.gridline.get_visible():
            grid = tick.gridline
            ends = np.array([[0.0, 1.0]] * len(locs))
            pos = np.stack([np.column_stack([locs, locs]), ends], axis=-1)
            coll = LineCollection(
                list(pos if x else pos[..., ::-1]),
                colors=[grid.get_color()],
                linewidths=[grid.get_linewidth()],
                linestyles=[grid.get_linestyle()],
                alpha=grid.get_alpha(),
                antialiaseds=[grid.get_antialiased()],
                transform=grid.get_transform(),
            )
            coll.set_snap(grid.get_snap())
            coll.set_clip_path(grid.get_clip_path())
            parts.append(coll)
        if tick.tick1line.get_visible():
            marks = Line2D(locs if x else zeros, zeros if x else locs)
            marks.update_from(tick.tick1line)  # its transform, style and clipping too
            parts.append(marks)
        if tick.label1.get_visible():
            for loc, label in zip(locs, labels, strict=True):
                text = Text(loc if x else 0.0, 0.0 if x else loc, label)
                text.update_from(tick.label1)
                texts.append(text)
            parts.extend(texts)
    # how far (pixels) the marks reach out of the axes: none without ticks in view
    made: Any = tick  # its direction and length are private
    reach = 0.0
    if tick.tick1line.get_visible() and len(locs):
        reach = float(_OUT.get(made._tickdir, 1.0) * made._size * ax.figure.dpi / 72)
    # matplotlib draws ticks, grid and labels with the axis, at its z-order
    return _Ticks(parts, axis.get_zorder(), texts, reach=reach, which="x" if x else "y")


def _place_label(axis: Axis, plan: _Ticks, renderer: Any) -> None:
    """Widen the axis label's pad by the extent matplotlib would have found: its tick
    labels and marks (the axis has none of its own now)."""
    if axis.get_label_position() not in ("bottom", "left"):
        return  # the side without labels or marks: nothing to clear
    x = isinstance(axis, XAxis)
    spine = axis.axes.spines.get("bottom" if x else "left")
    edge = (spine or axis.axes).get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in _outermost(plan.labels, x, renderer)]
    if x:
        widen = edge.y0 - min([edge.y0 - plan.reach, *(b.y0 for b in boxes)])
    else:
        widen = edge.x0 - min([edge.x0 - plan.reach, *(b.x0 for b in boxes)])
    axis.labelpad = axis.labelpad + widen * 72 / axis.axes.figure.dpi


def _outermost(texts: list[Text], x: bool, renderer: Any) -> list[Text]:
    """The labels that may reach furthest from the axis: the tallest (x axis) or the
    widest (y axis), by the sizes the renderer keeps; every label when any is turned
    (its box then depends on more than its size), or a label has lines or mathtext. An
    empty label counts too, as in matplotlib: a box of no size where it would be."""
    empty = [t for t in texts if not t.get_text()][:1]
    texts = [t for t in texts if t.get_text()]
    if any(t.get_rotation() or "\n" in t.get_text() or "$" in t.get_text() for t in texts):
        return texts + empty
    sizes = [
        renderer.get_text_width_height_descent(t.get_text(), t.get_fontproperties(), False)
        for t in texts
    ]
    if not sizes:
        return empty
    if x:  # the height above the baseline and the depth below it, each at its largest
        keep = {max(range(len(sizes)), key=lambda i: sizes[i][1] - sizes[i][2])}
        keep.add(max(range(len(sizes)), key=lambda i: sizes[i][2]))
    else:
        keep = {max(range(len(sizes)), key=lambda i: sizes[i][0])}
    return [texts[i] for i in sorted(keep)] + empty
