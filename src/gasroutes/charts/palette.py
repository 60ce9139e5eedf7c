"""One colour per destination (and per route), the same in every chart of every run.

Known ids have fixed colours; any other id gets one from a spare list chosen by a stable
hash of the id, so it too keeps its colour from run to run.
"""

from __future__ import annotations

import hashlib

__all__ = ["RUN_STYLES", "color"]

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

# Line styles for runs in `compare`: run 0 solid, run 1 dashed, and so on.
RUN_STYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1))]


def color(key: str) -> str:
    """Colour of a destination, buyer or series id."""
    if key in FIXED:
        return FIXED[key]
    digest = hashlib.sha256(key.encode()).digest()
    return SPARE[digest[0] % len(SPARE)]
