"""The simulation calendar: day indices, months, year lengths and seasonal shapes.

SimPy time is in days, day 0 being the scenario's ``start``. Annual quantities (bcm/yr)
become daily ones (mcm/d) by dividing by the length of the calendar year, so a full year
at a constant rate sums exactly to the annual figure, leap years included.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from gasroutes.core.units import MCM_PER_BCM

__all__ = ["Calendar"]


@dataclass(frozen=True)
class Calendar:
    """Per-day lookups for a horizon, as plain lists (fast to index in the daily loop)."""

    start: dt.date
    days: int
    dates: tuple[dt.date, ...]
    month: tuple[int, ...]  # 0..11
    year: tuple[int, ...]
    year_days: tuple[int, ...]  # 365 or 366

    @classmethod
    def build(cls, start: dt.date, end: dt.date) -> Calendar:
        n = (end - start).days + 1
        dates = tuple(start + dt.timedelta(days=i) for i in range(n))
        return cls(
            start=start,
            days=n,
            dates=dates,
            month=tuple(d.month - 1 for d in dates),
            year=tuple(d.year for d in dates),
            year_days=tuple(366 if _cal.isleap(d.year) else 365 for d in dates),
        )

    def index(self, day: dt.date) -> int:
        """Day index of a date (may lie outside the horizon)."""
        return (day - self.start).days

    def per_day(self) -> list[float]:
        """mcm/d per bcm/yr for each day: 1000 / days in that year."""
        return [MCM_PER_BCM / n for n in self.year_days]

    def shape(
        self,
        profile: Sequence[float] | None,
        first: dt.date | None = None,
        last: dt.date | None = None,
    ) -> list[float]:
        """mcm/d per bcm/yr for each day, following a 12-month profile.

        The profile is normalised per calendar year so that a whole year at 1 bcm/yr sums
        to exactly 1000 mcm. Days outside ``[first, last]`` get 0.
        """
        base = self.per_day()
        if profile is not None:
            weights: dict[int, list[float]] = {}
            for y in sorted(set(self.year)):
                total = sum(profile[m] * _cal.monthrange(y, m + 1)[1] for m in range(12))
                days_in_year = 366 if _cal.isleap(y) else 365
                weights[y] = [profile[m] * days_in_year / total for m in range(12)]
            base = [b * weights[y][m] for b, y, m in zip(base, self.year, self.month, strict=True)]
        lo = 0 if first is None else max(self.index(first), 0)
        hi = self.days - 1 if last is None else min(self.index(last), self.days - 1)
        return [v if lo <= i <= hi else 0.0 for i, v in enumerate(base)]
