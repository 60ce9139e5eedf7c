"""Axis ticks drawn as a few artists (charts/ticks.py) look like matplotlib's own ticks,
and the axis labels stay where matplotlib puts them; the canvas reads a font's height
metrics once, as matplotlib reads them."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.ticker import (
    AutoMinorLocator,
    FixedFormatter,
    FixedLocator,
    NullLocator,
    ScalarFormatter,
)
from PIL import Image

from gasroutes.charts import agg
from gasroutes.charts.agg import Canvas
from gasroutes.charts.axes import year_axis
from gasroutes.charts.ticks import _Ticks


def _chart(
    change: Callable[[Figure], None] | None = None, *, ylabel: str = "flow\n(mcm/d)"
) -> Figure:
    """Two stacked panels as the run charts draw them: year ticks, a grid, labels."""
    fig = Figure(figsize=(6, 4))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, scale in ((top, 1.0), (bottom, 1200.0)):
        ax.plot([2010, 2026], [0, 40 * scale], color="#1f77b4")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3)
    year_axis(bottom, 2010, 2026)
    bottom.tick_params(axis="y", labelsize=7)
    if change is not None:
        change(fig)
    return fig


def _draw(fig: Figure, *, flat: bool, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    with monkeypatch.context() as m:
        if not flat:
            m.setattr(agg, "flatten_ticks", lambda fig, renderer: None)
        Canvas(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=120)
    return np.asarray(Image.open(buf).convert("RGB")).astype(int)


def _ticks(fig: Figure) -> list[_Ticks]:
    return [a for ax in fig.axes for a in ax.get_children() if isinstance(a, _Ticks)]


def test_flat_ticks_draw_what_matplotlibs_ticks_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    flat_fig = _chart()
    flat = _draw(flat_fig, flat=True, monkeypatch=monkeypatch)
    theirs = _draw(_chart(), flat=False, monkeypatch=monkeypatch)
    assert len(_ticks(flat_fig)) == 4  # both x axes (the top one unlabelled), both y axes
    assert flat.shape == theirs.shape
    # labels, marks and grid in the same pixels: what differs is a grid line drawn as
    # one collection, by a few levels of anti-aliasing
    diff = np.abs(flat - theirs).max(axis=-1)
    assert diff.max() <= 12
    assert (diff > 0).mean() < 0.01
    # a tick label a pixel off would differ by far more: the test sees a shift
    shifted = np.roll(theirs, 1, axis=1)
    assert np.abs(flat - shifted).max() > 100


def _mid_year(fig: Figure) -> None:  # a run from July: the first year tick is before the view
    year_axis(fig.axes[1], 2010.5, 2026)


def _no_ticks(fig: Figure) -> None:  # an axis with nothing to tick: the label by the spine
    fig.axes[1].yaxis.set_major_locator(NullLocator())


def _blank_labels(fig: Figure) -> None:  # ticks without labels: matplotlib counts them
    fig.axes[1].yaxis.set_major_locator(FixedLocator([0, 20_000, 40_000]))
    fig.axes[1].yaxis.set_major_formatter(FixedFormatter(["", "", ""]))


def test_year_labels_are_those_of_their_ticks_when_the_view_starts_mid_year(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tick left of the view (a year axis keeps one) is labelled, then left out, as
    matplotlib does: the labels in view are not shifted by one."""
    fig = _chart(_mid_year)
    _draw(fig, flat=True, monkeypatch=monkeypatch)
    (bottom_x,) = [t for t in _ticks(fig) if t.axes is fig.axes[1] and t.which == "x"]
    flat = [(t.get_position()[0], t.get_text()) for t in bottom_x.labels]
    theirs = _chart(_mid_year)
    _draw(theirs, flat=False, monkeypatch=monkeypatch)
    lo, hi = theirs.axes[1].get_xlim()
    shown = [
        (t.get_position()[0], t.get_text())
        for t in theirs.axes[1].get_xticklabels()
        if lo - 1e-9 <= t.get_position()[0] <= hi + 1e-9
    ]
    assert flat == shown
    assert flat[0] == (2012.0, "2012")  # every other year on a span this long


@pytest.mark.parametrize(
    "change", [None, _mid_year, _no_ticks, _blank_labels], ids=["years", "mid", "none", "blank"]
)
def test_axis_labels_stay_where_matplotlib_puts_them(
    change: Callable[[Figure], None] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = []
    for flat in (True, False):
        fig = _chart(change)
        _draw(fig, flat=flat, monkeypatch=monkeypatch)
        renderer = fig.canvas.get_renderer()
        boxes.append(
            [
                label.get_window_extent(renderer).bounds
                for ax in fig.axes
                for label in (ax.xaxis.label, ax.yaxis.label)
                if label.get_text()
            ]
        )
    assert len(boxes[0]) == 3
    np.testing.assert_allclose(boxes[0], boxes[1], atol=0.01)


def _minor(fig: Figure) -> None:
    fig.axes[1].yaxis.set_minor_locator(AutoMinorLocator())


def _right(fig: Figure) -> None:
    fig.axes[1].yaxis.tick_right()


def _offset(fig: Figure) -> None:  # values far from 0 in a narrow range: "+1e5" over the axis
    fig.axes[1].yaxis.set_major_formatter(ScalarFormatter(useOffset=True))
    fig.axes[1].set_ylim(100_000, 100_010)


@pytest.mark.parametrize("change", [_minor, _right, _offset], ids=["minor", "right", "offset"])
def test_unusual_axes_keep_matplotlibs_ticks(
    change: Callable[[Figure], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    fig = _chart(change)
    _draw(fig, flat=True, monkeypatch=monkeypatch)
    flattened = [t for t in _ticks(fig) if t.axes is fig.axes[1]]
    assert len(flattened) == 1  # its x axis only
    assert len(fig.axes[1].yaxis.get_majorticklocs()) > 0  # matplotlib's own, still there


def test_a_figure_saved_twice_is_flattened_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fig = _chart()
    first = _draw(fig, flat=True, monkeypatch=monkeypatch)
    again = _draw(fig, flat=True, monkeypatch=monkeypatch)
    assert len(_ticks(fig)) == 4
    assert np.array_equal(first, again)


def test_font_height_metrics_are_matplotlibs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text laid out with the metrics the canvas keeps is laid out exactly as with the
    ones matplotlib reads from the font each time (lines of several sizes)."""

    def text() -> Figure:
        fig = Figure(figsize=(4, 2))
        fig.text(0.1, 0.6, "Galkynysh\nDauletabat\n2019", fontsize=9)
        fig.text(0.5, 0.3, "capacity\nmcm/d", fontsize=13, linespacing=1.6)
        return fig

    agg.clear_text_cache()
    kept = _draw(text(), flat=True, monkeypatch=monkeypatch)
    assert agg._METRICS  # the canvas was asked
    monkeypatch.delattr(agg.Renderer, "_get_font_height_metrics")
    theirs = _draw(text(), flat=True, monkeypatch=monkeypatch)
    assert np.array_equal(kept, theirs)


@pytest.mark.parametrize(("lo", "hi"), [(2025, 2036), (2008, 2025), (2025, 2090), (2025, 2125)])
def test_year_axes_label_few_enough_years_to_read(lo: float, hi: float) -> None:
    """At most 14 year labels, whatever the horizon (a label is about 0.4 inch wide, a
    panel 8): every year, every other one, then round years only."""
    fig = Figure(figsize=(10, 3))
    ax = fig.add_subplot()
    year_axis(ax, lo, hi)
    years = [int(y) for y in ax.xaxis.get_major_locator()() if lo <= y <= hi]
    assert 2 <= len(years) <= 15
    steps = {b - a for a, b in itertools.pairwise(years)}
    assert len(steps) == 1
    (step,) = steps
    if step >= 5:
        assert all(y % step == 0 for y in years)


def test_a_run_within_one_month_draws_its_means_across_it() -> None:
    """Three days in March: the monthly mean is drawn from the first day to the end of
    the last (one point would draw no line, and mid-March is after the run), and the
    time axis is ticked by day."""
    import pandas as pd

    from gasroutes.charts.axes import decimal_year, monthly_mean

    frame = pd.DataFrame(
        {"date": ["2027-03-01", "2027-03-02", "2027-03-03"], "quantity": [1.0, 2.0, 6.0]}
    )
    means = monthly_mean(frame, "quantity")
    ends = decimal_year(np.array(["2027-03-01", "2027-03-04"], dtype="datetime64[D]"))
    np.testing.assert_allclose(means.index.to_numpy(), ends)
    assert means["quantity"].tolist() == [3.0, 3.0]
    fig = Figure(figsize=(10, 3))
    ax = fig.add_subplot()
    year_axis(ax, float(ends[0]), float(ends[1]))
    labels = ax.xaxis.get_major_formatter().format_ticks(ax.xaxis.get_major_locator()())
    assert labels == ["1 Mar 2027", "2 Mar", "3 Mar", "4 Mar"]
