"""The network's components as frozen, typed records: fields, domestic demand, routes, buyers.

The schema is data: each attribute carries its unit in its name and a description, which
the README's scenario reference repeats. Whole-scenario checks (references between
components, dates inside the horizon) live in :mod:`gasroutes.scenario`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .quantities import (
    Bcm,
    Date,
    Kt,
    Latitude,
    Longitude,
    PositiveBcm,
    Share,
    UsdPerTcm,
    Weight,
    WholeDays,
)

__all__ = [
    "BcmRamp",
    "Buyer",
    "Connection",
    "Contract",
    "Domestic",
    "GasField",
    "Hub",
    "KtSchedule",
    "NeedSchedule",
    "Offtake",
    "Payment",
    "Ramp",
    "Route",
    "Schedule",
    "Settings",
    "Trend",
    "schedule_daily",
    "schedule_steps",
    "schedule_value",
]

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=100)]


class Ramp(BaseModel):
    """A quantity that moves linearly between dated points: ``{linear: {date: value, ...}}``.

    Before the first point it holds the first value, after the last the last value. The
    run applies it in monthly steps (the value on the 1st of each month).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    linear: dict[Date, Kt] = Field(min_length=2, max_length=10_000)


class BcmRamp(Ramp):
    """A ramp of a gas quantity, bcm/yr."""

    linear: dict[Date, Bcm] = Field(min_length=2, max_length=10_000)


class TrendLine(BaseModel):
    """A straight line through time: ``level`` on ``start_date``, changing by ``per_year``
    each year (a year being 365.25 days), never below 0."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    start_date: Date = Field(description="The day the line has the value 'level'.")
    level: Bcm = Field(description="Value on start_date, bcm/yr.")
    per_year: Annotated[float, Field(ge=-1000, le=1000, allow_inf_nan=False)] = Field(
        description="Change per year, bcm/yr per year (at start_date, if damped)."
    )
    damping_years: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = Field(
        None,
        description="A damped trend: the yearly change falls by the share 1 - 1/e every "
        "this many years (absent: a straight line).",
    )


class SaturationCurve(BaseModel):
    """A quantity that grows from 0 on ``start_date`` towards ``plateau``, closing the
    gap by the share 1 - 1/e every ``years`` (a build-up that slows as it matures)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    start_date: Date = Field(description="The day it starts from 0.")
    plateau: Bcm = Field(description="The level it approaches, bcm/yr.")
    years: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = Field(
        description="Time constant: after this many years it is 63% of the way there."
    )


class Saturating(BaseModel):
    """A quantity on a saturation curve: ``{saturating: {start_date, plateau, years}}``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    saturating: SaturationCurve


class Trend(BaseModel):
    """A quantity on a trend line: ``{trend: {start_date, level, per_year}}`` (a buyer's
    need, fitted by calibration). Unlike a ramp it moves every day."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    trend: TrendLine


# A quantity that may change over time: a number; a mapping from date to the value that
# holds from that date on (steps; 0 before the first date); a linear ramp; or (for gas) a
# trend line. Gas quantities are in bcm/yr, LPG ones in kt/yr, each with its own limit.
Schedule = Bcm | dict[Date, Bcm] | BcmRamp | Trend | Saturating
KtSchedule = Kt | dict[Date, Kt] | Ramp
NeedSchedule = Schedule


DAYS_PER_YEAR = 365.25


def schedule_value(schedule: Schedule | KtSchedule | NeedSchedule, day: dt.date) -> float:
    """Value of ``schedule`` in force on ``day``."""
    if isinstance(schedule, Trend | Saturating):
        return float(schedule_daily(schedule, day, 1)[0])
    if isinstance(schedule, Ramp):
        points = sorted(schedule.linear.items())
        if day < points[0][0]:
            return points[0][1]
        for (d0, v0), (d1, v1) in itertools.pairwise(points):
            if d0 <= day < d1:
                return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
        return points[-1][1]
    if isinstance(schedule, dict):
        value = 0.0
        for start in sorted(schedule):
            if start <= day:
                value = schedule[start]
        return value
    return float(schedule)


def schedule_steps(schedule: Schedule | KtSchedule) -> list[tuple[dt.date, float]]:
    """The dated steps a schedule makes (monthly steps along a ramp; none for a trend,
    which moves every day: see schedule_daily)."""
    if isinstance(schedule, Trend | Saturating):
        return []
    if isinstance(schedule, Ramp):
        points = sorted(schedule.linear)
        steps = [(points[0], schedule_value(schedule, points[0]))]
        day = dt.date(points[0].year, points[0].month, 1)
        while day <= points[-1]:
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            steps.append((min(day, points[-1]), schedule_value(schedule, min(day, points[-1]))))
        return steps
    if isinstance(schedule, dict):
        return sorted(schedule.items())
    return []


def schedule_daily(schedule: NeedSchedule, first: dt.date, days: int) -> np.ndarray:
    """The schedule's value on each of ``days`` days from ``first``: steps as given, a ramp
    in monthly steps (as the run applies it), a trend every day."""
    if isinstance(schedule, Trend):
        t = schedule.trend
        years = ((first - t.start_date).days + np.arange(days, dtype=float)) / DAYS_PER_YEAR
        if t.damping_years is not None:  # tau (1 - e^(-t/tau)): linear at first, then flat
            years = t.damping_years * -np.expm1(-years / t.damping_years)
        out: np.ndarray = np.maximum(t.level + t.per_year * years, 0.0)
        return out
    if isinstance(schedule, Saturating):
        c = schedule.saturating
        years = ((first - c.start_date).days + np.arange(days, dtype=float)) / DAYS_PER_YEAR
        grown: np.ndarray = np.where(years > 0, c.plateau * -np.expm1(-years / c.years), 0.0)
        return grown
    values = np.full(days, schedule_value(schedule, first), dtype=float)
    for day, value in schedule_steps(schedule):
        i = (day - first).days
        if 0 < i < days:
            values[i:] = value
    return values


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _check_profile(profile: tuple[float, ...] | None) -> tuple[float, ...] | None:
    if profile is None:
        return None
    if len(profile) != 12:
        raise ValueError(f"monthly_profile needs 12 values (Jan..Dec), got {len(profile)}")
    if any(v < 0 for v in profile) or sum(profile) <= 0:
        raise ValueError("monthly_profile values must be >= 0 with a positive sum")
    return profile


class Settings(_Record):
    """Run-wide switches."""

    in_transit_on_cutoff: Literal["deliver", "lose"] = Field(
        "deliver",
        description="What happens to gas already in a pipe when its buyer or route is cut off: "
        "'deliver' lets it arrive, 'lose' books it as lost.",
    )
    initial_linepack: Literal["steady", "empty"] = Field(
        "steady",
        description="'steady' starts with pipes holding what day 0's dispatch would have sent "
        "on the days before; 'empty' starts them empty (nothing arrives for transit days).",
    )


class GasField(_Record):
    """A producing field (or a group of fields) feeding the export system."""

    capacity_bcm_per_year: Schedule = Field(
        description="Production capacity; a number, or {date: value} steps (0 before the first)."
    )
    monthly_profile: tuple[Weight, ...] | None = Field(
        None,
        description="Deliverability through the year: 12 relative weights, Jan..Dec, "
        "normalised so that a year delivers its annual capacity (a winter peak above the "
        "average, a summer trough below it).",
    )
    description: str = ""

    _profile = field_validator("monthly_profile")(_check_profile)


class Hub(_Record):
    """A point of the supply network where gas meets: a processing plant, a compressor
    station, the head of an export line. Connections bring gas to it; routes, domestic
    demand and other connections take it away."""

    description: str = ""


class Connection(_Record):
    """A line of the supply network carrying gas from a field or hub to a hub."""

    source: Id = Field(description="Field or hub the gas comes from.")
    target: Id = Field(description="Hub the gas goes to.")
    capacity_bcm_per_year: Schedule = Field(description="What the line can carry.")
    commissioned_date: Date | None = Field(
        None, description="First day in service; absent means in service from the start."
    )
    description: str = ""


class Domestic(_Record):
    """Domestic consumption, served before any export."""

    demand_bcm_per_year: Schedule = Field(0.0, description="Annual domestic demand.")
    monthly_profile: tuple[Weight, ...] | None = Field(
        None, description="12 relative weights, Jan..Dec; normalised so a year sums to demand."
    )
    nodes: dict[Id, Weight] | None = Field(
        None,
        max_length=1000,
        description="Where the demand is, as shares by field or hub id (normalised); "
        "absent: it draws on every field.",
    )

    _profile = field_validator("monthly_profile")(_check_profile)


class Route(_Record):
    """An export pipeline (or a group of parallel strings) from the fields to a border."""

    capacity_bcm_per_year: PositiveBcm = Field(description="Design capacity of the line.")
    commissioned_date: Date | None = Field(
        None, description="First day in service; absent means in service from the start."
    )
    transit_time_days: Annotated[int, Field(ge=0, le=60)] = Field(
        1, description="Days gas spends in the pipe between entry and delivery."
    )
    third_party_bcm_per_year: Schedule = Field(
        0.0, description="Capacity taken by others' gas that shares the line (transit)."
    )
    entry: Id | None = Field(
        None,
        description="Field or hub of the supply network where gas enters the route; "
        "absent: the route draws on every field.",
    )
    path_lonlat: tuple[tuple[Longitude, Latitude], ...] | None = Field(
        None,
        min_length=2,
        max_length=1000,
        description="Approximate course as [longitude, latitude] points, for the network map.",
    )
    description: str = ""


class Offtake(_Record):
    """What the buyer takes and why: its need for this gas (``need_bcm_per_year``, with
    the contract's monthly profile), less what other supplies contracted to meet the same
    need bring (``shared_bcm_per_year``), within the contract: at least ``take_or_pay``
    of the contract volume, at most the contract volume, day by day."""

    need_bcm_per_year: NeedSchedule = Field(
        description="The buyer's need for gas of this kind, before the other supplies."
    )
    shared_bcm_per_year: Schedule = Field(
        0.0, description="Other supplies meeting the same need (their contracted volumes)."
    )
    take_or_pay: Share = Field(
        0.0, description="Floor of the nominations, as a share of the contract volume."
    )


class Contract(_Record):
    """What a buyer nominates and pays."""

    volume_bcm_per_year: Schedule = Field(
        description="Annual contract quantity (with an offtake: the contract maximum); a "
        "number, steps or a linear ramp."
    )
    offtake: Offtake | None = Field(
        None, description="Nominations from the buyer's need (absent: the contract volume)."
    )
    monthly_profile: tuple[Weight, ...] | None = Field(
        None, description="12 relative weights, Jan..Dec; normalised so a year sums to volume."
    )
    priority: Annotated[int, Field(ge=1, le=1000)] = Field(
        1, description="Dispatch order: 1 is served first; ties go in file order."
    )
    price_usd_per_tcm: UsdPerTcm = Field(description="Border price, USD per 1000 m3.")
    start_date: Date | None = Field(None, description="First day of the contract.")
    end_date: Date | None = Field(None, description="Last day of the contract.")

    _profile = field_validator("monthly_profile")(_check_profile)


class Payment(_Record):
    """How a buyer pays its invoices."""

    share_paid: Share = Field(
        1.0, description="Share of each invoice paid when due; the rest becomes arrears."
    )
    delay_days: WholeDays = Field(
        30, description="Days between delivery and the payment falling due."
    )


class Buyer(_Record):
    """A buyer reached through one or more routes, with a contract and payment behaviour."""

    routes: tuple[Annotated[str, Field(pattern=ID_PATTERN)], ...] = Field(
        min_length=1,
        max_length=100,
        description="Route ids in the order the dispatcher fills them.",
    )
    contract: Contract
    payment: Payment = Payment()
    description: str = ""
