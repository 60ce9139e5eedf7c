"""The run's timeline: every dated change, compiled from events, schedules and
commissioning dates into the typed changes of :mod:`gasroutes.sim.changes`, sorted by day,
before the run; and the SimPy process that applies them on their day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, assert_never

import simpy

from gasroutes.scenario.events import (
    Capacity,
    Commission,
    Cutoff,
    Demand,
    Event,
    Outage,
    PaymentEvent,
    Price,
    Resume,
    SetParameter,
)
from gasroutes.scenario.schedules import KtSchedule, Schedule, schedule_steps
from gasroutes.sim.changes import Change, EventKind, GasOp, LpgOp, Op, Source

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar

__all__ = ["build_timeline", "event_timeline", "ids_of"]

log = logging.getLogger(__name__)


def ids_of(s: Scenario) -> dict[str, list[str]]:
    """The ids of each kind of component, in file order (their indices in the model)."""
    return {
        "fields": list(s.fields),
        "hubs": list(s.hubs),
        "connections": list(s.connections),
        "routes": list(s.routes),
        "buyers": list(s.buyers),
        "plants": list(s.lpg.plants),
        "terminals": list(s.lpg.terminals),
        "rails": list(s.lpg.rail_routes),
        "fleets": list(s.lpg.fleets),
        "depots": list(s.lpg.depots),
    }


def build_timeline(s: Scenario, cal: Calendar) -> list[tuple[int, Change]]:
    """Every dated change of the run, sorted by day (stable: schedules, then events)."""
    ids = ids_of(s)
    out: list[tuple[int, Change]] = []

    def add(day: dt.date, change: Change) -> None:
        i = cal.index(day)
        if i <= 0 and day == s.start:
            out.append((0, change))
        elif 0 < i < cal.days:
            out.append((i, change))

    def schedule(
        sched: Schedule | KtSchedule, op: Op, target: int, tid: str, kind: EventKind
    ) -> None:
        for day, value in schedule_steps(sched):
            if day > s.start:
                add(day, Change(op, target, value, kind, tid, Source.SCHEDULE))

    def commission(day: dt.date | None, op: Op, i: int, tid: str) -> None:
        if day is not None and day > s.start:
            if day > s.end:  # said once by scenario_warnings, not on every run
                log.debug("%s is commissioned after the horizon ends", tid)
            add(day, Change(op, i, 0, EventKind.COMMISSION, tid, Source.SCENARIO, "commissioned"))

    capacity, demand = EventKind.CAPACITY, EventKind.DEMAND
    for i, f in enumerate(s.fields.values()):
        schedule(f.capacity_bcm_per_year, GasOp.FIELD_CAPACITY, i, ids["fields"][i], capacity)
    for i, c in enumerate(s.connections.values()):
        cid = ids["connections"][i]
        schedule(c.capacity_bcm_per_year, GasOp.CONNECTION_CAPACITY, i, cid, capacity)
        commission(c.commissioned_date, GasOp.CONNECTION_COMMISSION, i, cid)
    schedule(s.domestic.demand_bcm_per_year, GasOp.DOMESTIC_DEMAND, 0, "domestic", demand)
    for i, b in enumerate(s.buyers.values()):
        schedule(b.contract.volume_bcm_per_year, GasOp.BUYER_VOLUME, i, ids["buyers"][i], demand)
    for i, r in enumerate(s.routes.values()):
        rid = ids["routes"][i]
        schedule(r.third_party_bcm_per_year, GasOp.ROUTE_THIRD_PARTY, i, rid, capacity)
        commission(r.commissioned_date, GasOp.ROUTE_COMMISSION, i, rid)
    for i, p in enumerate(s.lpg.plants.values()):
        schedule(p.output_kt_per_year, LpgOp.PLANT_OUTPUT, i, ids["plants"][i], capacity)
    for i, d in enumerate(s.lpg.depots.values()):
        schedule(d.demand_kt_per_year, LpgOp.DEPOT_VOLUME, i, ids["depots"][i], demand)
    for i, rr in enumerate(s.lpg.rail_routes.values()):
        commission(rr.commissioned_date, LpgOp.RAIL_COMMISSION, i, ids["rails"][i])
    for ev in s.events:
        for day, change in event_changes(ev, ids):
            add(day, change)
    out.sort(key=lambda t: t[0])
    return out


def event_changes(ev: Event, ids: dict[str, list[str]]) -> list[tuple[dt.date, Change]]:
    """The dated changes one scenario event makes."""
    kind, reason = EventKind(ev.kind), ev.reason

    def c(op: Op, section: str, tid: str, value: float, as_kind: EventKind | None = None) -> Change:
        index = ids[section].index(tid)
        return Change(op, index, value, as_kind or kind, tid, Source.SCENARIO, reason)

    def on_route(
        ev: Cutoff | Resume | Outage, gas: GasOp, rail: LpgOp, terminal: LpgOp
    ) -> tuple[Op, str, str]:
        """(op, section, id) for an event on a route (pipeline or rail) or a terminal."""
        if ev.terminal is not None:
            return terminal, "terminals", ev.terminal
        assert ev.route is not None, "validation: a route, a terminal or a buyer"
        if ev.route in ids["rails"]:
            return rail, "rails", ev.route
        return gas, "routes", ev.route

    match ev:
        case Cutoff() | Resume():
            on = 1.0 if isinstance(ev, Cutoff) else 0.0
            if ev.buyer is not None:
                return [(ev.date, c(GasOp.BUYER_CUTOFF, "buyers", ev.buyer, on))]
            op, section, tid = on_route(
                ev, GasOp.ROUTE_CUTOFF, LpgOp.RAIL_CUTOFF, LpgOp.TERMINAL_CUTOFF
            )
            return [(ev.date, c(op, section, tid, on))]
        case Outage():
            op, section, tid = on_route(
                ev, GasOp.ROUTE_OUTAGE, LpgOp.RAIL_OUTAGE, LpgOp.TERMINAL_OUTAGE
            )
            end = ev.until + dt.timedelta(days=1)
            return [
                (ev.date, c(op, section, tid, 1)),
                (end, c(op, section, tid, -1, EventKind.OUTAGE_END)),
            ]
        case Capacity():
            if ev.connection is not None:
                cap = ev.capacity_bcm_per_year
                assert cap is not None, "validation: a connection's capacity"
                return [(ev.date, c(GasOp.CONNECTION_CAPACITY, "connections", ev.connection, cap))]
            if ev.route is not None:
                cap = ev.capacity_bcm_per_year
                assert cap is not None, "validation: a route's capacity"
                return [(ev.date, c(GasOp.ROUTE_CAPACITY, "routes", ev.route, cap))]
            if ev.field is not None:
                cap = ev.capacity_bcm_per_year
                assert cap is not None, "validation: a field's capacity"
                return [(ev.date, c(GasOp.FIELD_CAPACITY, "fields", ev.field, cap))]
            if ev.plant is not None:
                assert ev.output_kt_per_year is not None, "validation: a plant's output"
                return [(ev.date, c(LpgOp.PLANT_OUTPUT, "plants", ev.plant, ev.output_kt_per_year))]
            if ev.terminal is not None:
                assert ev.bays is not None, "validation: a terminal's bays"
                return [(ev.date, c(LpgOp.BAYS, "terminals", ev.terminal, ev.bays))]
            assert ev.fleet is not None and ev.trucks is not None, "validation: a fleet's trucks"
            return [(ev.date, c(LpgOp.TRUCKS, "fleets", ev.fleet, ev.trucks))]
        case Commission():
            cap = ev.capacity_bcm_per_year or 0.0
            return [(ev.date, c(GasOp.ROUTE_COMMISSION, "routes", ev.route, cap))]
        case Demand():
            if ev.depot is not None:
                if ev.volume_kt_per_year is not None:
                    volume = ev.volume_kt_per_year
                    return [(ev.date, c(LpgOp.DEPOT_VOLUME, "depots", ev.depot, volume))]
                assert ev.factor is not None, "validation: a volume or a factor"
                return [(ev.date, c(LpgOp.DEPOT_FACTOR, "depots", ev.depot, ev.factor))]
            assert ev.buyer is not None, "validation: a buyer or a depot"
            if ev.volume_bcm_per_year is not None:
                volume = ev.volume_bcm_per_year
                return [(ev.date, c(GasOp.BUYER_VOLUME, "buyers", ev.buyer, volume))]
            assert ev.factor is not None, "validation: a volume or a factor"
            return [(ev.date, c(GasOp.BUYER_FACTOR, "buyers", ev.buyer, ev.factor))]
        case Price():
            return [(ev.date, c(GasOp.BUYER_PRICE, "buyers", ev.buyer, ev.price_usd_per_tcm))]
        case PaymentEvent():
            return [(ev.date, c(GasOp.BUYER_PAYMENT, "buyers", ev.buyer, ev.amount_usd))]
        case SetParameter():
            return [(ev.date, _set_change(ev, ids))]
        case _:
            assert_never(ev)


_SET_OPS = {
    ("fields", "capacity_bcm_per_year"): GasOp.FIELD_CAPACITY,
    ("connections", "capacity_bcm_per_year"): GasOp.CONNECTION_CAPACITY,
    ("routes", "capacity_bcm_per_year"): GasOp.ROUTE_CAPACITY,
    ("routes", "third_party_bcm_per_year"): GasOp.ROUTE_THIRD_PARTY,
    ("buyers", "contract.volume_bcm_per_year"): GasOp.BUYER_VOLUME,
    ("buyers", "contract.price_usd_per_tcm"): GasOp.BUYER_PRICE,
    ("buyers", "payment.share_paid"): GasOp.BUYER_SHARE_PAID,
    ("buyers", "payment.delay_days"): GasOp.BUYER_DELAY_DAYS,
}


def _set_change(ev: SetParameter, ids: dict[str, list[str]]) -> Change:
    parts = ev.path.split(".")
    kind, source = EventKind.SET, Source.SCENARIO
    if parts[0] == "domestic":
        return Change(GasOp.DOMESTIC_DEMAND, 0, ev.value, kind, "domestic", source, ev.reason)
    op = _SET_OPS[parts[0], ".".join(parts[2:])]
    return Change(op, ids[parts[0]].index(parts[1]), ev.value, kind, parts[1], source, ev.reason)


def event_timeline(
    env: simpy.Environment,
    timeline: list[tuple[int, Change]],
    apply: Callable[[int, Change], None],
) -> Generator[simpy.Event, None, None]:
    """Sleep until each dated change and apply it; ``timeline`` is sorted by day.

    Changes take effect at the start of their day (time ``d``); the dispatcher works at
    mid-day (``d + 0.5``), so a change dated ``d`` always governs day ``d``'s dispatch.
    """
    for day, change in timeline:
        if day > env.now:
            yield env.timeout(day - env.now)
        apply(day, change)
