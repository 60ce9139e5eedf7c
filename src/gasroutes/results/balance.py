"""The relative imbalance test every conservation check uses (gas and LPG alike)."""

from __future__ import annotations

import numpy as np

from gasroutes.core.errors import ConservationError

__all__ = ["TOLERANCE", "worst_imbalance"]

TOLERANCE = 1e-9


def worst_imbalance(nodes: list[tuple[str, np.ndarray, np.ndarray]], dates: list[str]) -> float:
    """The worst relative imbalance over ``(node, imbalance, scale)`` series; raise
    ConservationError at the first day one exceeds TOLERANCE or is not a number (NaN
    compares false with everything, so it is tested for explicitly)."""
    worst = 0.0
    for node, imbalance, scale in nodes:
        if not len(imbalance):
            continue
        with np.errstate(invalid="ignore"):
            rel = np.abs(imbalance) / np.maximum(np.abs(scale), 1.0)
        bad = ~(rel <= TOLERANCE)
        if bad.any():
            first = int(np.argmax(bad))
            raise ConservationError(dates[first], node, float(imbalance[first]), float(rel[first]))
        worst = max(worst, float(rel.max()))
    return worst
