"""The network's components as frozen, typed records: fields, domestic demand, routes, buyers.

The schema is data: each attribute carries its unit in its name and a description, which
the README's scenario reference repeats. Whole-scenario checks (references between
components, dates inside the horizon) live in :mod:`gasroutes.scenario.checks`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gasroutes.core.limits import (
    NOT_BOOL,
    Date,
    Latitude,
    Longitude,
    PositiveBcm,
    Share,
    UsdPerTcm,
    Weight,
    WholeDays,
)
from gasroutes.scenario.schedules import NeedSchedule, Schedule

__all__ = [
    "Buyer",
    "Connection",
    "Contract",
    "Domestic",
    "GasField",
    "Hub",
    "Offtake",
    "Payment",
    "Route",
    "Settings",
]


ID_PATTERN = r"^[a-z][a-z0-9_]*$"


Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=100)]


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
    transit_time_days: Annotated[int, NOT_BOOL, Field(ge=0, le=60)] = Field(
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
    priority: Annotated[int, NOT_BOOL, Field(ge=1, le=1000)] = Field(
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
