"""A run's daily arrays, as the tables, the summary and the conservation check read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from gasroutes.results.lpg import LpgResult
    from gasroutes.scenario.model import Scenario

__all__ = ["RunArrays"]


@dataclass
class RunArrays:
    """What one run produced, as arrays: the pipeline gas by pair (route, buyer), route,
    buyer, field and connection, mcm/d by day; the LPG chain's; the event log."""

    scenario: Scenario
    seed: int
    dates: list[str]
    years: np.ndarray
    route_ids: list[str]
    buyer_ids: list[str]
    pairs: list[tuple[int, int]]
    arrays: dict[str, np.ndarray]
    route_initial: np.ndarray
    events: list[dict[str, Any]]
    started: float
    wall_s: float
    field_ids: list[str] = field(default_factory=list)
    connection_ids: list[str] = field(default_factory=list)
    conservation_error: float = 0.0
    sim_events: int = 0
    lpg: LpgResult | None = None
    trace: list[tuple[float, str, str, float]] | None = None

    # ------------------------------------------------------------------ derived arrays

    def buyer_sent(self) -> np.ndarray:
        out = np.zeros((len(self.buyer_ids), len(self.dates)))
        for i, (_, b) in enumerate(self.pairs):
            out[b] += self.arrays["pair_sent"][i]
        return out

    def buyer_delivered(self) -> np.ndarray:
        out = np.zeros((len(self.buyer_ids), len(self.dates)))
        for i, (_, b) in enumerate(self.pairs):
            out[b] += self.arrays["pair_arrived"][i]
        return out

    def buyer_shortfall(self) -> np.ndarray:
        """What each buyer nominated and was not dispatched, on the days it was not cut
        off (a cut-off buyer's nominations are refused, not short: see
        :meth:`buyer_refused`)."""
        short = np.maximum(self.arrays["buyer_nominated"] - self.buyer_sent(), 0.0)
        return np.where(self.arrays["buyer_cut_off"] > 0, 0.0, short)

    def buyer_refused(self) -> np.ndarray:
        """What each buyer nominated on the days it was cut off."""
        return np.where(self.arrays["buyer_cut_off"] > 0, self.arrays["buyer_nominated"], 0.0)
