"""Dated events and conditional rules, as a scenario file gives them.

Every named event kind is a thin layer over a small set of state changes, the typed
changes of :mod:`gasroutes.sim.changes` (compiled by :mod:`gasroutes.sim.timeline`).
Events name their target by id (``buyer``, ``route``, ``field``, and for the LPG chain
``plant``, ``terminal``, ``fleet``, ``depot``; rail routes are ``route``s too) and may
carry a ``reason`` that tables and charts show.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gasroutes.core.limits import (
    MAX_BAYS,
    MAX_PRICE_USD_PER_TCM,
    MAX_TRUCKS,
    NOT_BOOL,
    Bcm,
    Date,
    Factor,
    Kt,
    PositiveBcm,
    PositiveUsd,
    Usd,
    UsdPerTcm,
)

__all__ = ["SETTABLE_PATHS", "Event", "Rule"]


Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


# Parameters a generic `set` event may change, as `section.<id>.attribute` patterns.
SETTABLE_PATHS: tuple[str, ...] = (
    "fields.<id>.capacity_bcm_per_year",
    "connections.<id>.capacity_bcm_per_year",
    "routes.<id>.capacity_bcm_per_year",
    "routes.<id>.third_party_bcm_per_year",
    "buyers.<id>.contract.volume_bcm_per_year",
    "buyers.<id>.contract.price_usd_per_tcm",
    "buyers.<id>.payment.share_paid",
    "buyers.<id>.payment.delay_days",
    "domestic.demand_bcm_per_year",
)


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    date: Date = Field(description="Day the event takes effect (start of day).")
    id: Id | None = Field(
        None,
        description="Optional id; a child scenario's event replaces "
        "its parent's event of the same id.",
    )
    reason: str = Field("", max_length=500, description="Free text shown in tables and charts.")
    enabled: bool = Field(True, description="False drops the event (to disable a parent's).")


def _exactly_one(event: BaseModel, names: tuple[str, ...]) -> None:
    """Raise unless exactly one of the attributes ``names`` is given."""
    if sum(getattr(event, n) is not None for n in names) != 1:
        listed = ", ".join(f"'{n}'" for n in names[:-1]) + f" or '{names[-1]}'"
        raise ValueError(f"give exactly one of {listed}")


class _Closure(_Base):
    """Targets of cutoffs, resumptions and outages: a buyer, a route (pipeline or rail),
    or an LPG border terminal."""

    buyer: Id | None = None
    route: Id | None = None
    terminal: Id | None = None

    @model_validator(mode="after")
    def _one_target(self) -> _Closure:
        _exactly_one(self, ("buyer", "route", "terminal"))
        return self


class Cutoff(_Closure):
    """Stop new gas to a buyer, or traffic on a route or through a terminal, until a
    `resume`."""

    kind: Literal["cutoff"]


class Resume(_Closure):
    """Lift a cutoff on a buyer, a route or a terminal."""

    kind: Literal["resume"]


class Outage(_Base):
    """A route or terminal out of service from `date` to `until`, both days included."""

    kind: Literal["outage"]
    route: Id | None = None
    terminal: Id | None = None
    until: Date = Field(description="Last day of the outage (inclusive).")

    @model_validator(mode="after")
    def _one_target(self) -> Outage:
        _exactly_one(self, ("route", "terminal"))
        return self


class Capacity(_Base):
    """A new capacity: a pipeline's, a field's or a supply connection's (bcm/yr), an LPG
    plant's output (kt/yr), a terminal's transload bays, or a fleet's trucks."""

    kind: Literal["capacity"]
    route: Id | None = None
    field: Id | None = None
    connection: Id | None = None
    plant: Id | None = None
    terminal: Id | None = None
    fleet: Id | None = None
    capacity_bcm_per_year: Bcm | None = None
    output_kt_per_year: Kt | None = None
    bays: Annotated[int, NOT_BOOL, Field(ge=0, le=MAX_BAYS)] | None = None
    trucks: Annotated[int, NOT_BOOL, Field(ge=0, le=MAX_TRUCKS)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Capacity:
        _exactly_one(self, ("route", "field", "connection", "plant", "terminal", "fleet"))
        wanted = {
            "route": "capacity_bcm_per_year",
            "field": "capacity_bcm_per_year",
            "connection": "capacity_bcm_per_year",
            "plant": "output_kt_per_year",
            "terminal": "bays",
            "fleet": "trucks",
        }
        target = next(t for t in wanted if getattr(self, t) is not None)
        given = [
            v
            for v in ("capacity_bcm_per_year", "output_kt_per_year", "bays", "trucks")
            if getattr(self, v) is not None
        ]
        if given != [wanted[target]]:
            raise ValueError(
                f"a capacity event on a {target} takes '{wanted[target]}' "
                f"(and nothing else), got {given or 'no value'}"
            )
        return self


class Commission(_Base):
    """A route enters service (optionally with a new capacity)."""

    kind: Literal["commission"]
    route: Id
    capacity_bcm_per_year: PositiveBcm | None = None


class Demand(_Base):
    """A buyer's or an LPG depot's demand changes: a new volume, or a demand factor that
    scales it from this date until another factor is set (1 restores it)."""

    kind: Literal["demand"]
    buyer: Id | None = None
    depot: Id | None = None
    volume_bcm_per_year: Bcm | None = None
    volume_kt_per_year: Kt | None = None
    factor: Factor | None = None

    @model_validator(mode="after")
    def _one_value(self) -> Demand:
        _exactly_one(self, ("buyer", "depot"))
        volume = "volume_bcm_per_year" if self.buyer is not None else "volume_kt_per_year"
        other = "volume_kt_per_year" if self.buyer is not None else "volume_bcm_per_year"
        if getattr(self, other) is not None:
            raise ValueError(
                f"a demand event on a {'buyer' if self.buyer else 'depot'} "
                f"takes '{volume}' or 'factor', not '{other}'"
            )
        _exactly_one(self, (volume, "factor"))
        return self


class Price(_Base):
    """A buyer's price changes."""

    kind: Literal["price"]
    buyer: Id
    price_usd_per_tcm: UsdPerTcm


class PaymentEvent(_Base):
    """A buyer pays a lump sum towards its arrears (a settlement)."""

    kind: Literal["payment"]
    buyer: Id
    amount_usd: PositiveUsd


class SetParameter(_Base):
    """Set any parameter listed in SETTABLE_PATHS, e.g. ``buyers.iran.payment.share_paid``."""

    kind: Literal["set"]
    path: str = Field(max_length=200)
    value: Annotated[float, NOT_BOOL, Field(ge=0, le=MAX_PRICE_USD_PER_TCM, allow_inf_nan=False)]


Event = Annotated[
    Cutoff | Resume | Outage | Capacity | Commission | Demand | Price | PaymentEvent | SetParameter,
    Field(discriminator="kind"),
]


class CutoffOnArrears(BaseModel):
    """Cut a buyer off on the first day its arrears exceed ``above_usd``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    kind: Literal["cutoff_on_arrears"]
    id: Id | None = None
    buyer: Id
    above_usd: Usd
    reason: str = Field("", max_length=500)
    enabled: bool = True


class ResumeOnArrears(BaseModel):
    """Resume a cut-off buyer on the first day its arrears fall below ``below_usd``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    kind: Literal["resume_on_arrears"]
    id: Id | None = None
    buyer: Id
    below_usd: Usd
    reason: str = Field("", max_length=500)
    enabled: bool = True


Rule = Annotated[CutoffOnArrears | ResumeOnArrears, Field(discriminator="kind")]
