"""The whole scenario as one frozen, typed model, and its resolved YAML form."""

from __future__ import annotations

import hashlib
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gasroutes.core.limits import MAX_HORIZON_DAYS, Date, Seed
from gasroutes.scenario.components import (
    Buyer,
    Connection,
    Domestic,
    GasField,
    Hub,
    Route,
    Settings,
)
from gasroutes.scenario.events import Event, Rule
from gasroutes.scenario.lpg import LpgChain
from gasroutes.scenario.uncertainty import Uncertainty

# a run name: it names the output folder
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

__all__ = ["MERGED_LISTS", "Scenario", "scenario_to_yaml"]

MERGED_LISTS = ("events", "rules")


class Scenario(BaseModel):
    """A whole, valid scenario: network, contracts, events and rules over a horizon."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str = Field(
        pattern=NAME_PATTERN,
        max_length=100,
        description="Run name; the default output folder is outputs/<name>/.",
    )
    description: str = Field("", max_length=5000)
    start: Date = Field(description="First simulated day.")
    end: Date = Field(description="Last simulated day (inclusive).")
    seed: Seed = Field(0, description="Seed of every random stream of the run.")
    settings: Settings = Settings()
    fields: dict[str, GasField] = Field(min_length=1, max_length=1000)
    hubs: dict[str, Hub] = Field(default_factory=dict, max_length=1000)
    connections: dict[str, Connection] = Field(default_factory=dict, max_length=1000)
    domestic: Domestic = Domestic()
    routes: dict[str, Route] = Field(min_length=1, max_length=1000)
    buyers: dict[str, Buyer] = Field(min_length=1, max_length=1000)
    lpg: LpgChain = LpgChain()
    events: tuple[Event, ...] = Field((), max_length=100_000)
    rules: tuple[Rule, ...] = Field((), max_length=1000)
    uncertainty: Uncertainty = Uncertainty()

    @model_validator(mode="after")
    def _horizon(self) -> Scenario:
        if self.end < self.start:
            raise ValueError("'end' is before 'start'")
        if (self.end - self.start).days + 1 > MAX_HORIZON_DAYS:
            raise ValueError("horizon too long")
        return self

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1

    def sha256(self) -> str:
        """Hash of the resolved scenario, stable across runs and machines."""
        return hashlib.sha256(scenario_to_yaml(self).encode()).hexdigest()


def scenario_to_yaml(s: Scenario) -> str:
    """The resolved scenario as YAML: no ``extends``, every default written out."""
    data = s.model_dump(mode="python", exclude_none=True)
    for kind in MERGED_LISTS:
        for item in data.get(kind, []):
            item.pop("enabled", None)
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
