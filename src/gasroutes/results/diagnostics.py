"""Reading a run as an analyst would: the months a buyer got much less than it asked for,
and what explains each (a cutoff, or an outage of a week or more on one of its routes),
and where the shut-in gas was.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gasroutes.core.units import MCM_PER_BCM

if TYPE_CHECKING:
    from gasroutes.results.result import Result

__all__ = ["shortfall_months", "shut_in_by_month"]

LONG_OUTAGE_DAYS = 7


def shortfall_months(result: Result, below: float = 0.5) -> pd.DataFrame:
    """Each buyer-month whose dispatched gas was under ``below`` of its nominations:
    ``buyer, month, nominated_mcm, sent_mcm, share, explained_by`` (``explained_by`` is
    ``cutoff``, ``outage <route> (<n> days)`` for an outage of a week or more on one of
    the buyer's routes during the month, or empty: nothing in the run explains it)."""
    a = result.arrays
    months = np.asarray(result.dates, dtype="datetime64[M]")
    sent = result.buyer_sent()
    nominated = a["buyer_nominated"]
    cut = a["buyer_cut_off"] > 0
    events = result.event_table
    outages = events[events["kind"] == "outage"]
    spans = [
        (str(t), dt.date.fromisoformat(d), dt.date.fromisoformat(e or d))
        for t, d, e in zip(outages["target"], outages["date"], outages["end_date"], strict=True)
    ]
    routes_of = {b: result.scenario.buyers[b].routes for b in result.buyer_ids}
    rows = []
    for month in np.unique(months):
        mask = months == month
        first = dt.date.fromisoformat(str(month) + "-01")
        last = dt.date.fromisoformat(str((month + 1).astype("datetime64[D]") - 1))
        for b, buyer in enumerate(result.buyer_ids):
            want = float(nominated[b, mask].sum())
            got = float(sent[b, mask].sum())
            if want <= 1e-9 or got >= below * want:
                continue
            why = ""
            if cut[b, mask].any():
                why = "cutoff"
            else:
                long = [
                    (t, (e - d).days + 1)
                    for t, d, e in spans
                    if t in routes_of[buyer]
                    and (e - d).days + 1 >= LONG_OUTAGE_DAYS
                    and d <= last
                    and e >= first
                ]
                if long:
                    why = "; ".join(f"outage {t} ({n} days)" for t, n in long)
            rows.append((buyer, str(month), want, got, got / want, why))
    return pd.DataFrame(
        rows, columns=["buyer", "month", "nominated_mcm", "sent_mcm", "share", "explained_by"]
    )


def shut_in_by_month(result: Result) -> pd.DataFrame:
    """Shut-in gas per calendar month (bcm) with the month's potential and production."""
    a = result.arrays
    frame = pd.DataFrame(
        {
            "month": np.asarray(result.dates, dtype="datetime64[M]").astype(str),
            "potential_bcm": a["potential"] / MCM_PER_BCM,
            "produced_bcm": a["produced"] / MCM_PER_BCM,
            "shut_in_bcm": a["shut_in"] / MCM_PER_BCM,
        }
    )
    return frame.groupby("month", sort=True).sum().reset_index()
