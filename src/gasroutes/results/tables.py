"""Building the long daily tables: blocks of per-day series stacked, then ordered by date."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["FLOW_COLUMNS", "by_date", "labels", "long_flows"]

FLOW_COLUMNS = ["date", "route", "buyer", "commodity", "quantity", "unit", "capacity"]


def by_date(frame: pd.DataFrame, blocks: int, days: int) -> pd.DataFrame:
    """Reorder a frame of ``blocks`` stacked series of ``days`` rows each: day by day, and
    within a day in block order."""
    order = np.arange(blocks * days).reshape(blocks, days).T.ravel()
    return frame.take(order).reset_index(drop=True)


def labels(values: Sequence[str], days: int) -> np.ndarray:
    """One label per block, repeated for each of its ``days`` rows (as objects: the table
    then shares the strings instead of making one per row)."""
    return np.repeat(np.asarray(values, dtype=object), days)


def long_flows(
    dates: np.ndarray,
    blocks: Sequence[tuple[str, str, np.ndarray, np.ndarray]],
    commodity: str,
    unit: str,
) -> pd.DataFrame:
    """``flows.csv`` rows from (route, buyer, daily quantity, daily capacity) blocks."""
    n, k = len(dates), len(blocks)
    if not k:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    frame = pd.DataFrame(
        {
            "date": np.tile(dates, k),
            "route": labels([b[0] for b in blocks], n),
            "buyer": labels([b[1] for b in blocks], n),
            "commodity": commodity,
            "quantity": np.concatenate([b[2] for b in blocks]),
            "unit": unit,
            "capacity": np.concatenate([b[3] for b in blocks]),
        }
    )
    return by_date(frame, k, n)
