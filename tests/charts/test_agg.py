"""The charts' canvas: text drawn a string at a time from kept bitmaps looks like
matplotlib's own, in the same place, turned or not."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from gasroutes.charts import agg
from gasroutes.charts.agg import Canvas


def _text_figure(*, rotation: float = 0.0, text: str = "Galkynysh 2019: 40.5 bcm/yr") -> Figure:
    fig = Figure(figsize=(4, 2))
    fig.text(0.1, 0.5, text, rotation=rotation, fontsize=11, color="#1f77b4")
    fig.text(0.6, 0.2, "0  10  20", fontsize=8)
    return fig


def _pixels(fig: Figure, canvas: type[FigureCanvasAgg]) -> np.ndarray:
    canvas(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    return np.asarray(Image.open(buf).convert("L")).astype(float)


def _ink(image: np.ndarray) -> tuple[int, int, int, int]:
    """The bounding box of the drawn (non-white) pixels: top, bottom, left, right."""
    rows, cols = np.nonzero(image < 200)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_text_looks_like_matplotlibs_own_in_the_same_place() -> None:
    agg.clear_text_cache()
    mine = _pixels(_text_figure(), Canvas)
    theirs = _pixels(_text_figure(), FigureCanvasAgg)
    blank = _pixels(_text_figure(text=""), FigureCanvasAgg)
    assert mine.shape == theirs.shape
    # the text is there (far from an image without it) and reads the same: what differs
    # is anti-aliasing from a position rounded to whole pixels
    assert np.abs(mine - blank).mean() > 5 * np.abs(mine - theirs).mean()
    for a, b in zip(_ink(mine), _ink(theirs), strict=True):
        assert abs(int(a) - int(b)) <= 2


def test_a_string_drawn_again_comes_from_its_kept_bitmap() -> None:
    agg.clear_text_cache()
    first = _pixels(_text_figure(), Canvas)
    kept = len(agg._CACHE)
    assert kept >= 2  # both strings of the figure
    again = _pixels(_text_figure(), Canvas)
    assert len(agg._CACHE) == kept
    assert np.array_equal(first, again)
    bigger = Figure(figsize=(4, 2))
    bigger.text(0.1, 0.5, "Galkynysh 2019: 40.5 bcm/yr", fontsize=14)
    _pixels(bigger, Canvas)
    assert len(agg._CACHE) == kept + 1  # another size is another bitmap


def test_the_kept_bitmaps_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    agg.clear_text_cache()
    monkeypatch.setattr(agg, "CACHE_SIZE", 3)
    fig = Figure(figsize=(4, 2))
    for i in range(10):
        fig.text(0.1, i / 10, f"label {i}")
    _pixels(fig, Canvas)
    assert 0 < len(agg._CACHE) <= 3


@pytest.mark.parametrize(
    ("text", "rotation"), [(r"$\sum_i q_i$ (mcm/d)", 0.0), ("china (mcm/d)", 90.0)]
)
def test_mathtext_and_turned_text_are_drawn_by_matplotlib(text: str, rotation: float) -> None:
    agg.clear_text_cache()

    def one() -> Figure:
        fig = Figure(figsize=(4, 2))
        fig.text(0.1, 0.5, text, fontsize=11, rotation=rotation)
        return fig

    assert np.array_equal(_pixels(one(), Canvas), _pixels(one(), FigureCanvasAgg))
    assert not agg._CACHE


def test_a_png_reads_back_as_the_pixels_drawn_at_its_resolution() -> None:
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    image = Image.open(io.BytesIO(agg.png_bytes(rgba, 120)))
    image.load()  # checks every chunk's CRC and the deflated data
    assert image.mode == "RGBA"
    assert np.array_equal(np.asarray(image), rgba)
    assert image.info["dpi"] == pytest.approx((120, 120), abs=0.05)  # pixels per metre, rounded


def test_a_saved_chart_is_its_canvas_pixels_and_the_same_each_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gasroutes.charts.axes import save_figure

    fig = _text_figure()
    path = save_figure(fig, tmp_path, "chart", dpi=100)
    first = path.read_bytes()
    drawn = np.asarray(fig.canvas.buffer_rgba())
    assert np.array_equal(np.asarray(Image.open(path)), drawn)
    assert drawn.shape[:2] == (200, 400)  # 4 x 2 inches at 100 dpi
    assert save_figure(fig, tmp_path, "chart", dpi=100).read_bytes() == first
    assert b"tEXt" not in first  # no "Software" or date: the same bytes from run to run
