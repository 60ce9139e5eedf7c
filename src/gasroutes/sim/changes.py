"""The vocabulary of a run's timeline: every state change the model applies, as types.

A scenario's events, schedules, commissioning dates and random outages are compiled into
:class:`Change` records before the run (:mod:`gasroutes.sim.timeline`). Each names an
operation, a :class:`GasOp` for the pipeline network (compiled into daily arrays before
the run, :mod:`gasroutes.sim.gas.inputs`) or an :class:`LpgOp` for the LPG chain (applied
to its processes when the day comes, :meth:`gasroutes.sim.lpg.network.LpgNetwork.apply`).
Both places handle their enum with an exhaustive ``match`` that mypy checks.

What the event log and the charts show is the change's :class:`EventKind` and
:class:`Source`. A cutoff is closed by a resume and an outage by its end: :data:`SPANS`.
The values of all four enums are the strings of the tables (``events.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["FIXED_SOURCES", "SPANS", "Change", "EventKind", "GasOp", "LpgOp", "Op", "Source"]


class GasOp(StrEnum):
    """Changes to the pipeline network, by the component they act on."""

    FIELD_CAPACITY = "field_capacity"  # bcm/yr
    FIELD_DERATE = "field_derate"  # share of capacity available (random outages)
    CONNECTION_CAPACITY = "connection_capacity"  # bcm/yr
    CONNECTION_COMMISSION = "connection_commission"  # logged; the date is in the schema
    ROUTE_CAPACITY = "route_capacity"  # bcm/yr
    ROUTE_THIRD_PARTY = "route_third_party"  # bcm/yr of others' gas in the line
    ROUTE_COMMISSION = "route_commission"  # in service from this day (value: capacity or 0)
    ROUTE_CUTOFF = "route_cutoff"  # 1 closes the route, 0 reopens it
    ROUTE_OUTAGE = "route_outage"  # +1 an outage begins, -1 one ends
    ROUTE_DERATE = "route_derate"  # share of capacity available (random outages)
    DOMESTIC_DEMAND = "domestic_demand"  # bcm/yr
    BUYER_VOLUME = "buyer_volume"  # bcm/yr
    BUYER_FACTOR = "buyer_factor"  # multiplies the nominations
    BUYER_PRICE = "buyer_price"  # USD/tcm
    BUYER_SHARE_PAID = "buyer_share_paid"
    BUYER_DELAY_DAYS = "buyer_delay_days"
    BUYER_CUTOFF = "buyer_cutoff"  # 1 cuts the buyer off, 0 resumes it
    BUYER_PAYMENT = "buyer_payment"  # USD paid towards the arrears


class LpgOp(StrEnum):
    """Changes to the LPG chain, applied to its processes on their day."""

    RAIL_CUTOFF = "rail_cutoff"  # 1 closes the rail route, 0 reopens it
    RAIL_OUTAGE = "rail_outage"  # +1 an outage begins, -1 one ends
    RAIL_COMMISSION = "rail_commission"
    TERMINAL_CUTOFF = "terminal_cutoff"
    TERMINAL_OUTAGE = "terminal_outage"
    BAYS = "bays"  # transload bays at a terminal
    TRUCKS = "trucks"  # road tankers in a fleet
    PLANT_OUTPUT = "plant_output"  # kt/yr
    DEPOT_VOLUME = "depot_volume"  # kt/yr
    DEPOT_FACTOR = "depot_factor"  # multiplies the depot's demand


Op = GasOp | LpgOp


class EventKind(StrEnum):
    """What a change is, as the event log says: the scenario's event kinds, and the end
    of an outage."""

    CUTOFF = "cutoff"
    RESUME = "resume"
    OUTAGE = "outage"
    OUTAGE_END = "outage_end"
    CAPACITY = "capacity"
    COMMISSION = "commission"
    DEMAND = "demand"
    PRICE = "price"
    PAYMENT = "payment"
    SET = "set"


class Source(StrEnum):
    """Where a change came from."""

    SCENARIO = "scenario"  # a dated event or a commissioning date of the scenario file
    SCHEDULE = "schedule"  # a step of a parameter's schedule
    RULE = "rule"  # an arrears rule that fired during the run
    RANDOM = "random"  # a random outage of the uncertainty section


# events that are the same in every replication (rule firings and random outages are not)
FIXED_SOURCES = (Source.SCENARIO, Source.SCHEDULE)

# the kinds that open a span of time, and the kind that closes each
SPANS: dict[EventKind, EventKind] = {
    EventKind.CUTOFF: EventKind.RESUME,
    EventKind.OUTAGE: EventKind.OUTAGE_END,
}


@dataclass(frozen=True, slots=True)
class Change:
    """One state change on the timeline: an operation on a target (by index), with its
    provenance for the event log."""

    op: Op
    target: int
    value: float
    kind: EventKind
    target_id: str
    source: Source
    reason: str = ""
