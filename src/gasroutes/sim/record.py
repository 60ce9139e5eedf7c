"""What a run records as it goes, before any table is built: the event log, and the
:class:`Simulation` that :func:`gasroutes.sim.run.simulate` returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gasroutes.sim.changes import EventKind, Op, Source

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar
    from gasroutes.sim.gas.solve import GasRun
    from gasroutes.sim.lpg.network import LpgNetwork

__all__ = ["EventLog", "Simulation"]


@dataclass
class EventLog:
    """Every change applied during the run, in the order applied (schedule steps too)."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        day: dt.date,
        kind: EventKind,
        target: str,
        source: Source,
        reason: str,
        value: float,
        op: Op,
    ) -> None:
        self.events.append(
            {
                "date": day.isoformat(),
                "kind": str(kind),
                "target": target,
                "source": str(source),
                "reason": reason,
                "op": str(op),
                "value": value,
            }
        )


@dataclass
class Simulation:
    """One finished run, as simulated: the solved pipeline gas, the LPG chain's records,
    the event log, and what the run cost."""

    scenario: Scenario
    cal: Calendar
    gas: GasRun
    events: list[dict[str, Any]]
    lpg: LpgNetwork | None
    started: float  # wall clock (seconds since the epoch)
    wall_s: float
    sim_events: int
    trace: list[tuple[float, str, str, float]] | None = None
    lpg_key: str | None = None  # sim.run.lpg_key of the chain's inputs (None: no chain)
