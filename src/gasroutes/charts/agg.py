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

from typing import Any

from matplotlib.backends import backend_agg
from matplotlib.font_manager import fontManager

# matplotlib's Agg backend has no type hints: its classes and calls are Any here
_agg: Any = backend_agg

__all__ = ["Canvas", "Renderer", "clear_text_cache"]

# Bitmaps kept: a run's charts need about 200 distinct strings; the cache is cleared when
# it is full, so a long session's memory stays bounded.
CACHE_SIZE = 4096
_CACHE: dict[tuple[Any, ...], tuple[Any, float, float, float]] = {}
_FALLBACK: list[bool] = []  # set once the calls used here are found missing


def clear_text_cache() -> None:
    """Forget the kept bitmaps (for tests)."""
    _CACHE.clear()


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

    def _bitmap(self, s: str, prop: Any, antialiased: bool) -> tuple[Any, float, float, float]:
        flags = _agg.get_hinting_flag()
        files = tuple(fontManager._find_fonts_by_props(prop))  # the font and its fallbacks
        key = (s, files, prop.get_size_in_points(), self.dpi, antialiased, flags)
        kept = _CACHE.get(key)
        if kept is None:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=flags)
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            xo, yo = font.get_bitmap_offset()
            kept = (font.get_image(), xo / 64.0, yo / 64.0, font.get_descent() / 64.0)
            if len(_CACHE) >= CACHE_SIZE:
                _CACHE.clear()
            _CACHE[key] = kept
        return kept


def _shaped(mtext: Any) -> bool:
    """Whether ``mtext`` asks for font features or a language (matplotlib 3.10 and on),
    which only matplotlib's own glyph-by-glyph drawing applies."""
    features = getattr(mtext, "get_fontfeatures", None)
    language = getattr(mtext, "get_language", None)
    return bool((features and features()) or (language and language()))


class Canvas(_agg.FigureCanvasAgg):  # type: ignore[misc]
    """FigureCanvasAgg drawing with :class:`Renderer`: ``Canvas(fig)``, then
    ``fig.savefig(...)`` as usual."""

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
