"""Quantities that change over time (schedules): a number, dated steps, a linear ramp, a trend
line or a saturation curve, and their value day by day."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from gasroutes.core.limits import (
    NOT_BOOL,
    Bcm,
    Date,
    Kt,
)
from gasroutes.core.units import DAYS_PER_YEAR

__all__ = [
    "BcmRamp",
    "KtSchedule",
    "NeedSchedule",
    "Ramp",
    "Saturating",
    "SaturationCurve",
    "Schedule",
    "Trend",
    "TrendLine",
    "schedule_daily",
    "schedule_steps",
    "schedule_value",
]


class Ramp(BaseModel):
    """A quantity that moves linearly between dated points: ``{linear: {date: value, ...}}``.

    Before the first point it holds the first value, after the last the last value. The
    run applies it in monthly steps (the value on the 1st of each month, where it changes).
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
    per_year: Annotated[float, NOT_BOOL, Field(ge=-1000, le=1000, allow_inf_nan=False)] = Field(
        description="Change per year, bcm/yr per year (at start_date, if damped)."
    )
    damping_years: Annotated[float, NOT_BOOL, Field(gt=0, le=1000, allow_inf_nan=False)] | None = (
        Field(
            None,
            description="A damped trend: the yearly change falls by the share 1 - 1/e every "
            "this many years (absent: a straight line).",
        )
    )


class SaturationCurve(BaseModel):
    """A quantity that grows from 0 on ``start_date`` towards ``plateau``, closing the
    gap by the share 1 - 1/e every ``years`` (a build-up that slows as it matures)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    start_date: Date = Field(description="The day it starts from 0.")
    plateau: Bcm = Field(description="The level it approaches, bcm/yr.")
    years: Annotated[float, NOT_BOOL, Field(gt=0, le=1000, allow_inf_nan=False)] = Field(
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


def _shape(*keys: str) -> Callable[[Any], str | None]:
    """The member of a schedule union a value is meant for, told by its shape: a number,
    a mapping with one of ``keys`` (a ramp, a trend, a saturation curve) or other dates
    (steps). None (no member) for any other value: pydantic then says what the union
    takes, and the errors of the member meant are the only ones reported."""

    def shape(value: Any) -> str | None:
        if isinstance(value, int | float):  # true/false too: the number's check refuses it
            return "number"
        if isinstance(value, BaseModel):  # an already validated schedule (model_copy)
            return next((k for k in keys if k in type(value).model_fields), None)
        if isinstance(value, dict):
            return next((k for k in keys if k in value), "steps")
        return None

    return shape


def _union(number: Any, steps: Any, *models: tuple[str, Any]) -> Any:
    """A schedule union, discriminated by shape (see :func:`_shape`)."""
    members = [Annotated[number, Tag("number")], Annotated[steps, Tag("steps")]]
    members += [Annotated[model, Tag(key)] for key, model in models]
    return Annotated[
        Union[tuple(members)],  # noqa: UP007 - built at run time
        Discriminator(
            _shape(*(key for key, _ in models)),
            custom_error_type="union_type",
            custom_error_message="no member of the union takes this value",
        ),
    ]


# A quantity that may change over time: a number; a mapping from date to the value that
# holds from that date on (steps; 0 before the first date); a linear ramp; or (for gas) a
# trend line. Gas quantities are in bcm/yr, LPG ones in kt/yr, each with its own limit.
if TYPE_CHECKING:
    Schedule = Bcm | dict[Date, Bcm] | BcmRamp | Trend | Saturating
    KtSchedule = Kt | dict[Date, Kt] | Ramp
else:
    Schedule = _union(
        Bcm,
        dict[Date, Bcm],
        ("linear", BcmRamp),
        ("trend", Trend),
        ("saturating", Saturating),
    )
    KtSchedule = _union(Kt, dict[Date, Kt], ("linear", Ramp))


NeedSchedule = Schedule


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
            at = min(day, points[-1])
            value = schedule_value(schedule, at)
            # a step only where the value changes: a flat stretch of a ramp does not undo
            # a dated event on the same quantity every month
            if value != steps[-1][1]:
                steps.append((at, value))
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
