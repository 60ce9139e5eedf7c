"""Buyers during a run: contract state, invoices, payments and arrears.

Each delivery is invoiced at the price in force on the day it arrives. The invoice falls
due ``delay_days`` later, when the buyer pays ``share_paid`` of it (the share in force on
the due day); the unpaid rest joins the arrears. A ``payment`` event pays arrears down.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

__all__ = ["BuyerState"]

TCM_PER_MCM = 1000.0


@dataclass(slots=True)
class BuyerState:
    """Run-time state of one buyer."""

    id: str
    index: int
    routes: tuple[int, ...]
    volume_bcm: float
    price_usd_per_tcm: float
    share_paid: float
    delay_days: int
    shape: list[float]  # mcm/d per bcm/yr of contract, per day (0 outside the contract)
    factor: float = 1.0  # demand factor: nominations are volume * factor
    cut_off: bool = False
    arrears_usd: float = 0.0
    invoices: list[tuple[int, int, float]] = field(default_factory=list)  # heap by due day
    price_noise: list[float] | None = None  # daily price multiplier (None: no noise)

    def nomination(self, day: int) -> float:
        """mcm this buyer asks for on ``day``."""
        return self.volume_bcm * self.factor * self.shape[day]

    def invoice(self, day: int, mcm: float) -> float:
        """Invoice a delivery; return its value in USD."""
        usd = mcm * TCM_PER_MCM * self.price_usd_per_tcm
        if self.price_noise is not None:
            usd *= self.price_noise[day]
        if usd > 0:
            # day breaks ties, so the heap pops in a fixed order
            heapq.heappush(self.invoices, (day + self.delay_days, day, usd))
        return usd

    def collect(self, day: int) -> float:
        """Settle the invoices due on or before ``day``; return the USD paid."""
        paid = 0.0
        invoices = self.invoices
        while invoices and invoices[0][0] <= day:
            _, _, usd = heapq.heappop(invoices)
            part = usd * self.share_paid
            paid += part
            self.arrears_usd += usd - part
        return paid

    def settle(self, usd: float) -> float:
        """Apply a lump-sum payment to the arrears; return the part that was owed."""
        applied = min(usd, self.arrears_usd)
        self.arrears_usd -= applied
        return applied
