"""One colour per destination (and per route), the same in every chart of every run.

Known ids have fixed colours; any other id gets one from a spare list chosen by a stable
hash of the id, so it too keeps its colour from run to run.
"""

from __future__ import annotations

import hashlib

__all__ = ["RUN_COLORS", "RUN_STYLES", "color", "run_color", "run_style"]

FIXED = {
    "china": "#d62728",
    "russia": "#1f77b4",
    "iran": "#2ca02c",
    "azerbaijan": "#17becf",
    "uzbekistan": "#9467bd",
    "afghanistan": "#8c564b",
    "kazakhstan": "#bcbd22",
    "pakistan": "#e377c2",
    "india": "#ff7f0e",
    "europe": "#7f7f7f",
    "third_party": "#c7c7c7",
    "domestic": "#8c6d31",
    "shut_in": "#bdbdbd",
    "potential": "#393b79",
}
SPARE = [
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
    "#9c9ede",
    "#cedb9c",
    "#e7969c",
]

# One colour per run in `compare` (the first run, the reference, in black), from the
# Okabe-Ito palette, which readers with the common colour-vision deficiencies tell apart.
# The same run has the same colour in every chart and in the report.
RUN_COLORS = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
# A second cue for runs beyond the palette, and for print in grey: a dash style per cycle
# through the colours (runs 1-7 solid, 8-14 dashed, ...).
RUN_STYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1))]


def run_color(i: int) -> str:
    """Colour of the i-th run of a comparison (0 is the reference)."""
    return RUN_COLORS[i % len(RUN_COLORS)]


def run_style(i: int) -> object:
    """Line style of the i-th run of a comparison: solid for the first seven."""
    return RUN_STYLES[(i // len(RUN_COLORS)) % len(RUN_STYLES)]


def color(key: str) -> str:
    """Colour of a destination, buyer or series id."""
    if key in FIXED:
        return FIXED[key]
    digest = hashlib.sha256(key.encode()).digest()
    return SPARE[digest[0] % len(SPARE)]
