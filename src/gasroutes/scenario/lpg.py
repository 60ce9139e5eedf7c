"""The LPG chain's components: plants, rail routes, border terminals, truck fleets, depots.

LPG moves as discrete loads: plant output fills plant storage; trains of tank cars load at
one or more plants, travel to a border terminal, queue for a transload bay and are emptied
car by car into terminal storage; road tankers load there and carry it to depots, which
meet the destination's demand. Tonnes throughout (t, kt/yr for annual rates).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gasroutes.core.limits import (
    Bays,
    Cars,
    Date,
    Days,
    Hours,
    Latitude,
    Longitude,
    PositiveDays,
    PositiveHours,
    PositiveTonnes,
    Tonnes,
    Trains,
    Trucks,
    UsdPerT,
)
from gasroutes.scenario.components import ID_PATTERN
from gasroutes.scenario.schedules import KtSchedule

__all__ = ["Departure", "Depot", "Fleet", "Leg", "LpgChain", "LpgPlant", "RailRoute", "Terminal"]

Id = Annotated[str, Field(pattern=ID_PATTERN)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class LpgPlant(_Record):
    """A gas-processing plant making LPG into its own storage."""

    output_kt_per_year: KtSchedule = Field(description="LPG output; shut in when storage is full.")
    storage_t: PositiveTonnes = Field(description="Storage at the plant.")
    initial_t: Tonnes = Field(0.0, description="Stock at the start.")
    description: str = ""


class Terminal(_Record):
    """A border terminal where tank cars are emptied into storage for road tankers."""

    bays: Bays = Field(description="Transload bays (a train per bay).")
    hours_per_car: PositiveHours = Field(description="Time to empty one tank car.")
    storage_t: PositiveTonnes = Field(description="Storage at the terminal.")
    initial_t: Tonnes = Field(0.0, description="Stock at the start.")
    description: str = ""


class Departure(_Record):
    """When trains leave their loading point."""

    policy: Literal["when_full", "schedule"] = Field(
        "when_full",
        description="'when_full': as soon as a full train can be loaded; 'schedule': every "
        "every_days days with what is there (skipped when nothing is).",
    )
    every_days: PositiveDays | None = Field(None, description="Interval of a schedule.")

    @model_validator(mode="after")
    def _schedule_needs_interval(self) -> Departure:
        if (self.policy == "schedule") != (self.every_days is not None):
            raise ValueError("give every_days with policy 'schedule', and only then")
        return self


class RailRoute(_Record):
    """Trainsets shuttling LPG from plants to a border terminal."""

    origins: tuple[Id, ...] = Field(
        min_length=1,
        max_length=100,
        description="Plant ids a train loads from, in order, until full.",
    )
    terminal: Id = Field(description="Terminal id the trains unload at.")
    trains: Trains = Field(1, description="Trainsets on the route.")
    cars_per_train: Cars = Field(description="Tank cars per train.")
    t_per_car: PositiveTonnes = Field(description="LPG per tank car.")
    load_days: Days = Field(0.5, description="Time to load a train.")
    transit_days: PositiveDays = Field(description="Loaded run to the border terminal.")
    return_days: PositiveDays = Field(description="Empty run back to the loading point.")
    departure: Departure = Departure()
    commissioned_date: Date | None = Field(
        None, description="First day in service; absent means in service from the start."
    )
    path_lonlat: tuple[tuple[Longitude, Latitude], ...] | None = Field(
        None, min_length=2, max_length=1000
    )
    description: str = ""


class Leg(_Record):
    """A truck trip from a terminal to one depot and back."""

    trip_days: PositiveDays = Field(description="Loaded trip to the depot.")
    return_days: PositiveDays = Field(description="Empty trip back to the terminal.")


class Fleet(_Record):
    """Road tankers based at a terminal, serving depots."""

    terminal: Id = Field(description="Terminal id the trucks load at.")
    trucks: Trucks = Field(description="Number of road tankers.")
    t_per_truck: PositiveTonnes = Field(description="LPG per truckload.")
    load_hours: Hours = Field(1.0, description="Time to load a truck.")
    legs: dict[Id, Leg] = Field(
        min_length=1, max_length=1000, description="Depot id -> trip and return days."
    )
    description: str = ""


class Depot(_Record):
    """A depot that meets the destination's demand from its stock."""

    demand_kt_per_year: KtSchedule = Field(description="Demand met from stock, spread daily.")
    storage_t: PositiveTonnes = Field(description="Storage at the depot.")
    initial_t: Tonnes = Field(0.0, description="Stock at the start.")
    price_usd_per_t: UsdPerT = Field(0.0, description="Price of LPG delivered here.")
    description: str = ""


class LpgChain(_Record):
    """The whole chain, delivering to one destination (a buyer id in the tables)."""

    destination: Id = Field("afghanistan", description="Destination id in annual.csv.")
    plants: dict[Id, LpgPlant] = Field(default_factory=dict)
    terminals: dict[Id, Terminal] = Field(default_factory=dict)
    rail_routes: dict[Id, RailRoute] = Field(default_factory=dict)
    fleets: dict[Id, Fleet] = Field(default_factory=dict)
    depots: dict[Id, Depot] = Field(default_factory=dict)
