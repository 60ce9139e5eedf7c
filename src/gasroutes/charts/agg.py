"""The canvas gasroutes writes its PNG charts with: matplotlib's Agg, drawing each string
of text as one bitmap and keeping it for the next time the same string is drawn.

matplotlib 3.11 draws text glyph by glyph, a Python loop per glyph; a run's charts have
about 7,000 glyphs, and text took a third of their drawing time. Here a string is laid out
and rendered by FreeType in one call, as matplotlib did before 3.11, and the bitmap is kept
(tick labels, legends and the event key repeat from panel to panel and chart to chart).
The string is placed on whole pixels, so a kept bitmap is the same wherever it goes.
The pixels differ from matplotlib's own by a fraction of a pixel's position at most.

Turned text (a few labels of y axes: a raster turned is blurrier than glyphs turned by
FreeType), text with font features or a language, mathtext, TeX, and any matplotlib
without the calls used here are drawn by matplotlib itself.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import Any

import numpy as np
from matplotlib.backends import backend_agg
from matplotlib.font_manager import fontManager, get_font

from gasroutes.charts.ticks import flatten_ticks

# matplotlib's Agg backend has no type hints: its classes and calls are Any here
_agg: Any = backend_agg

__all__ = ["Canvas", "Renderer", "clear_text_cache", "png_bytes"]

# Bitmaps kept: a run's charts need about 200 distinct strings; the cache is cleared when
# it is full, so a long session's memory stays bounded.
CACHE_SIZE = 4096
_CACHE: dict[tuple[Any, ...], tuple[Any, float, float, float]] = {}
_SIZES: dict[tuple[Any, ...], tuple[float, float, float]] = {}  # width, height, descent
_METRICS: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}  # a font's ascent, descent, gap
_FALLBACK: list[bool] = []  # set once the calls used here are found missing


def clear_text_cache() -> None:
    """Forget the kept bitmaps and sizes (for tests)."""
    _CACHE.clear()
    _SIZES.clear()
    _METRICS.clear()


class Renderer(_agg.RendererAgg):  # type: ignore[misc]
    """Agg, with text drawn a string at a time from kept bitmaps."""

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: bool | str = False,
        mtext: Any = None,
    ) -> None:
        if angle or ismath or _FALLBACK or (mtext is not None and _shaped(mtext)):
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        try:
            image, xo, yo, descent = self._bitmap(s, prop, gc.get_antialiased())
        except (AttributeError, TypeError):  # a matplotlib without these calls
            _FALLBACK.append(True)
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        # (x, y) is the baseline's start, y downwards; the bitmap hangs below it by the
        # descent
        self._renderer.draw_text_image(image, round(x + xo), round(y + yo + descent) + 1, 0, gc)

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: bool | str) -> Any:
        """The size of ``s`` (matplotlib measures every label before drawing it), kept
        too: matplotlib keeps it for one figure, here it is kept for all of them."""
        if ismath or _FALLBACK:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = self._key(s, prop)
        size = _SIZES.get(key)
        if size is None:
            size = _keep(_SIZES, key, super().get_text_width_height_descent(s, prop, ismath))
        return size

    def _get_font_height_metrics(self, prop: Any) -> tuple[Any, Any, Any]:
        """The ascent, descent and line gap of the font of ``prop`` at this dpi, as
        matplotlib's text layout reads them from the font's tables each time it lays out
        a text (it asks the renderer first): read once here, the same values."""
        try:
            files = tuple(fontManager._find_fonts_by_props(prop))
            key = (files, prop.get_size_in_points(), self.dpi)
            metrics = _METRICS.get(key)
            if metrics is None:
                metrics = _keep(_METRICS, key, _height_metrics(files, key[1], self.dpi))
        except (AttributeError, TypeError, OSError):  # a matplotlib without these calls
            return None, None, None
        return metrics

    def _key(self, s: str, prop: Any) -> tuple[Any, ...]:
        """What the look of ``s`` depends on: the font and its fallbacks, size, dpi and
        hinting."""
        files = tuple(fontManager._find_fonts_by_props(prop))
        return (s, files, prop.get_size_in_points(), self.dpi, _agg.get_hinting_flag())

    def _bitmap(self, s: str, prop: Any, antialiased: bool) -> tuple[Any, float, float, float]:
        key = (*self._key(s, prop), antialiased)
        kept = _CACHE.get(key)
        if kept is None:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=_agg.get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            xo, yo = font.get_bitmap_offset()
            bitmap = (font.get_image(), xo / 64.0, yo / 64.0, font.get_descent() / 64.0)
            kept = _keep(_CACHE, key, bitmap)
        return kept


def _height_metrics(files: tuple[str, ...], size: float, dpi: float) -> tuple[Any, Any, Any]:
    """matplotlib's own reading of a font's height metrics (Text._get_layout, 3.11): the
    OS/2 table's typographic ones, else the hhea table's; None when the font has
    neither (matplotlib then measures "lp")."""
    font: Any = get_font(list(files))  # its tables typed per name: read as matplotlib does
    for table_name, gap, ascent, descent in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * size * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None


def _keep(cache: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> Any:
    """Keep ``value`` under ``key``, first emptying ``cache`` if it is full."""
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def _shaped(mtext: Any) -> bool:
    """Whether ``mtext`` asks for font features or a language (matplotlib 3.10 and on),
    which only matplotlib's own glyph-by-glyph drawing applies."""
    features = getattr(mtext, "get_fontfeatures", None)
    language = getattr(mtext, "get_language", None)
    return bool((features and features()) or (language and language()))


class Canvas(_agg.FigureCanvasAgg):  # type: ignore[misc]
    """FigureCanvasAgg drawing with :class:`Renderer` and writing PNGs with
    :func:`png_bytes`: ``Canvas(fig)``, then ``fig.savefig(...)`` as usual."""

    def print_png(
        self, filename_or_obj: Any, *, metadata: Any = None, pil_kwargs: Any = None, **_: Any
    ) -> None:
        # the rest (dpi, facecolor, ...) print_figure has set on the figure already; it
        # passes them to print methods outside matplotlib, whose own Agg ignores them
        if pil_kwargs or any(v is not None for v in (metadata or {}).values()):
            super().print_png(filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs)
            return
        # metadata all None: no text chunks, as matplotlib writes then (no "Software")
        self.draw()
        png = png_bytes(np.asarray(self.buffer_rgba()), self.figure.dpi)
        if isinstance(filename_or_obj, (str, os.PathLike)):
            with open(filename_or_obj, "wb") as f:
                f.write(png)
        else:
            filename_or_obj.write(png)

    def draw(self) -> None:
        flatten_ticks(self.figure, self.get_renderer())
        super().draw()

    def get_renderer(self) -> Renderer:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if getattr(self, "_lastKey", None) != key or not isinstance(
            getattr(self, "renderer", None), Renderer
        ):
            self.renderer = Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        renderer: Renderer = self.renderer
        return renderer


def png_bytes(rgba: np.ndarray, dpi: float) -> bytes:
    """``rgba`` (height x width x 4, 8 bits) as a PNG: rows unfiltered, deflated at level 1,
    and the resolution in a pHYs chunk. Pillow, which matplotlib writes PNGs with, tries
    each of PNG's five filters on every row; charts (flat colours, thin lines) gain nothing
    from them, and this writes a chart about twice as fast at much the same size."""
    height, width, _ = rgba.shape
    rows = np.zeros((height, width * 4 + 1), np.uint8)  # each row: filter 0 (none), pixels
    rows[:, 1:] = rgba.reshape(height, width * 4)
    per_metre = int(dpi / 0.0254 + 0.5)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"IDAT", zlib.compress(rows.data, 1)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
