"""Pipelines during a run: capacity, availability, and the gas in the pipe (linepack).

Gas entering a route on day ``d`` arrives at the border on day ``d + transit_time_days``.
The pipe is a FIFO of batches, one per (day, buyer) with gas in it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["Batch", "Pipeline"]


@dataclass(slots=True)
class Batch:
    """Gas that entered a pipe on one day for one buyer."""

    arrival_day: int
    buyer: int
    mcm: float


@dataclass(slots=True)
class Pipeline:
    """Run-time state of one route."""

    id: str
    index: int
    capacity_bcm: float
    third_party_bcm: float
    transit_days: int
    commissioned: bool
    cut_off: bool = False
    outages: int = 0  # overlapping outages count; available only at 0
    derate: float = 1.0  # share of capacity available (a random partial outage)
    pipe: deque[Batch] = field(default_factory=deque)
    up: bool = False  # in service: commissioned, not cut off, no outage (see refresh)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute ``up`` after a change to commissioning, cutoff or outages."""
        self.up = self.commissioned and not self.cut_off and self.outages == 0

    def linepack(self) -> float:
        """Gas in the pipe now, mcm."""
        return sum(b.mcm for b in self.pipe)

    def arrivals(self, day: int) -> list[Batch]:
        """Take the batches that reach the border on or before ``day``."""
        out: list[Batch] = []
        pipe = self.pipe
        while pipe and pipe[0].arrival_day <= day:
            out.append(pipe.popleft())
        return out

    def drain(self, buyer: int | None = None) -> float:
        """Remove the gas of one buyer (or all gas) from the pipe; return the mcm removed."""
        if buyer is None:
            lost = self.linepack()
            self.pipe.clear()
            return lost
        kept = deque(b for b in self.pipe if b.buyer != buyer)
        lost = self.linepack() - sum(b.mcm for b in kept)
        self.pipe = kept
        return lost
