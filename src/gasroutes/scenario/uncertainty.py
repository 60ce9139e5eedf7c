"""The scenario's random processes, as data: outages, demand and price noise, delays; and the
figures the checks need from them (expected outages, burn-in). The draws are in
:mod:`gasroutes.sim.randomness`."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    pass

from gasroutes.core.limits import NOT_BOOL

__all__ = [
    "BURN_IN_CYCLES",
    "EPOCH",
    "MAX_DISTRIBUTION_DAYS",
    "NOISE_EPOCH",
    "Delays",
    "Distribution",
    "Noise",
    "Outages",
    "Positive",
    "Uncertainty",
    "burn_in_days",
    "expected_outages",
    "outage_origin",
]


MAX_DISTRIBUTION_DAYS = 1e6  # a mean, sd or value of a duration distribution (2,700 years)


Positive = Annotated[float, NOT_BOOL, Field(gt=0, le=MAX_DISTRIBUTION_DAYS, allow_inf_nan=False)]


# Random processes run on a fixed calendar from this day, so a stream's draw for a given
# date is the same in every scenario (common random numbers hold across scenarios with
# different start and end dates). A scenario starting earlier moves its own origin back.
EPOCH = dt.date(1900, 1, 1)  # outages: leaves room for their burn-in before any start


NOISE_EPOCH = dt.date(2000, 1, 1)  # noise needs no burn-in: a later origin is cheaper


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Distribution(_Record):
    """A positive random duration in days: ``exponential`` (mean), ``lognormal`` (mean and
    sd of the duration itself, not of its log) or ``empirical`` (drawn uniformly from the
    listed values)."""

    distribution: Literal["exponential", "lognormal", "empirical"]
    mean: Positive | None = Field(None, description="Mean, days.")
    sd: Positive | None = Field(None, description="Standard deviation, days (lognormal).")
    values: (
        tuple[
            Annotated[float, NOT_BOOL, Field(ge=0, le=MAX_DISTRIBUTION_DAYS, allow_inf_nan=False)],
            ...,
        ]
        | None
    ) = Field(
        None, min_length=1, max_length=100_000, description="Observed durations, days (empirical)."
    )

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        need = {"exponential": ("mean",), "lognormal": ("mean", "sd"), "empirical": ("values",)}
        wanted = need[self.distribution]
        given = {k for k in ("mean", "sd", "values") if getattr(self, k) is not None}
        missing = [k for k in wanted if k not in given]
        extra = sorted(given - set(wanted))
        article = "an" if self.distribution[0] in "aeiou" else "a"
        name = f"{article} {self.distribution} distribution"
        if missing:
            raise ValueError(f"{name} needs {', '.join(missing)}")
        if extra:
            raise ValueError(f"{name} takes only {', '.join(wanted)}, not {', '.join(extra)}")
        if self.values is not None and sum(self.values) <= 0:
            raise ValueError("an empirical distribution needs at least one value above 0")
        return self

    @property
    def expected(self) -> float:
        """The distribution's mean, days."""
        if self.values is not None:
            return float(np.mean(self.values))
        assert self.mean is not None
        return self.mean

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws."""
        if self.distribution == "exponential":
            assert self.mean is not None
            return rng.exponential(self.mean, n)
        if self.distribution == "lognormal":
            assert self.mean is not None and self.sd is not None
            # the log's parameters that give this mean and sd
            s2 = math.log1p((self.sd / self.mean) ** 2)
            return rng.lognormal(math.log(self.mean) - s2 / 2, math.sqrt(s2), n)
        assert self.values is not None
        return rng.choice(np.asarray(self.values, dtype=float), n)


class Outages(_Record):
    """Random failures of a route (pipeline or rail) or a field."""

    between_failures_days: Distribution = Field(
        description="Time in service between two failures (stress days: see winter_factor)."
    )
    repair_days: Distribution = Field(description="Time out of service per failure.")
    loss: Annotated[float, NOT_BOOL, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        1.0,
        description="Share of capacity lost while out: 1 takes the route or field out, "
        "less derates it. Rail routes only go fully out.",
    )
    winter_factor: Annotated[float, NOT_BOOL, Field(gt=0, le=100, allow_inf_nan=False)] = Field(
        1.0, description="How many times more often failures come in winter months."
    )
    winter_months: tuple[Annotated[int, NOT_BOOL, Field(ge=1, le=12)], ...] = Field(
        (12, 1, 2),
        min_length=1,
        max_length=12,
        description="Months (1-12) that winter_factor applies to.",
    )
    enabled: bool = Field(True, description="False drops this source (to disable a parent's).")


class Noise(_Record):
    """Multiplicative AR(1) noise around 1, day by day."""

    sd: Annotated[float, NOT_BOOL, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        description="Standard deviation of a day's factor."
    )
    lag1: Annotated[float, NOT_BOOL, Field(ge=0, lt=1, allow_inf_nan=False)] = Field(
        0.9, description="Correlation between one day's factor and the next."
    )
    enabled: bool = True


class Delays(_Record):
    """A random extra time on each loaded trip of a rail route's trains or a fleet's trucks."""

    extra_days: Distribution = Field(description="Days added to the loaded run.")
    enabled: bool = True


class Uncertainty(_Record):
    """The scenario's random processes, each keyed by the id of what it affects."""

    outages: dict[str, Outages] = Field(
        default_factory=dict, description="By route, rail route or field id."
    )
    demand_noise: dict[str, Noise] = Field(default_factory=dict, description="By buyer id.")
    price_noise: dict[str, Noise] = Field(default_factory=dict, description="By buyer id.")
    delays: dict[str, Delays] = Field(
        default_factory=dict, description="By rail route or fleet id."
    )

    @property
    def active(self) -> bool:
        """Whether the scenario has any enabled random process."""
        return any(
            x.enabled
            for group in (self.outages, self.demand_noise, self.price_noise, self.delays)
            for x in group.values()
        )


BURN_IN_CYCLES = 10  # mean up-and-down cycles simulated before the horizon


def burn_in_days(spec: Outages) -> int:
    """Days before the horizon the process starts, so it is (nearly) stationary at day 0:
    ten mean cycles leave a two-state Markov process within e^-10 of its long-run law."""
    return math.ceil(
        BURN_IN_CYCLES * (spec.between_failures_days.expected + spec.repair_days.expected)
    )


def outage_origin(spec: Outages, start: dt.date) -> dt.date:
    """Where a source's process starts: EPOCH, or earlier when the scenario starts less
    than ``burn_in_days`` after it (the process must run that long before day 0)."""
    return min(EPOCH, start - dt.timedelta(days=burn_in_days(spec)))


def expected_outages(spec: Outages, days: float) -> float:
    """About how many outages ``days`` days hold at most (every day a winter day)."""
    cycle = spec.between_failures_days.expected / max(spec.winter_factor, 1.0)
    return days / max(cycle + spec.repair_days.expected, 1e-12)
