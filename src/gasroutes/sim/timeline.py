"""The run's timeline: every dated change, compiled from events, schedules and
commissioning dates into small state changes the model applies.

A change is an operation on one target (by index), with the event's kind, target id,
source (``scenario``, ``schedule`` or ``rule``) and reason kept for the event log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from gasroutes.scenario.schedules import KtSchedule, Schedule, schedule_steps

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar

__all__ = ["LPG_OPS", "Change", "build_timeline", "ids_of"]

log = logging.getLogger(__name__)

# Operations carried out by the LPG chain rather than the pipeline network.
LPG_OPS = frozenset(
    {
        "rail_cutoff",
        "rail_outage",
        "rail_commission",
        "terminal_cutoff",
        "terminal_outage",
        "bays",
        "trucks",
        "plant_output",
        "depot_volume",
        "depot_factor",
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    """One state change on the timeline: an operation on a target, with its provenance."""

    op: str
    target: int
    value: float
    kind: str
    target_id: str
    source: str
    reason: str = ""


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

    def schedule(sched: Schedule | KtSchedule, op: str, target: int, tid: str, kind: str) -> None:
        for day, value in schedule_steps(sched):
            if day > s.start:
                add(day, Change(op, target, value, kind, tid, "schedule"))

    def commission(day: dt.date | None, op: str, i: int, tid: str) -> None:
        if day is not None and day > s.start:
            if day > s.end:  # said once by scenario_warnings, not on every run
                log.debug("%s is commissioned after the horizon ends", tid)
            add(day, Change(op, i, 0, "commission", tid, "scenario", "commissioned"))

    for i, f in enumerate(s.fields.values()):
        schedule(f.capacity_bcm_per_year, "field_capacity", i, ids["fields"][i], "capacity")
    for i, c in enumerate(s.connections.values()):
        cid = ids["connections"][i]
        schedule(c.capacity_bcm_per_year, "connection_capacity", i, cid, "capacity")
        commission(c.commissioned_date, "connection_commission", i, cid)
    schedule(s.domestic.demand_bcm_per_year, "domestic_demand", 0, "domestic", "demand")
    for i, b in enumerate(s.buyers.values()):
        schedule(b.contract.volume_bcm_per_year, "buyer_volume", i, ids["buyers"][i], "demand")
    for i, r in enumerate(s.routes.values()):
        schedule(r.third_party_bcm_per_year, "route_third_party", i, ids["routes"][i], "capacity")
        commission(r.commissioned_date, "route_commission", i, ids["routes"][i])
    for i, p in enumerate(s.lpg.plants.values()):
        schedule(p.output_kt_per_year, "plant_output", i, ids["plants"][i], "capacity")
    for i, d in enumerate(s.lpg.depots.values()):
        schedule(d.demand_kt_per_year, "depot_volume", i, ids["depots"][i], "demand")
    for i, rr in enumerate(s.lpg.rail_routes.values()):
        commission(rr.commissioned_date, "rail_commission", i, ids["rails"][i])
    for ev in s.events:
        for day, change in _event_changes(ev, ids):
            add(day, change)
    out.sort(key=lambda t: t[0])
    return out


def _event_changes(ev: Any, ids: dict[str, list[str]]) -> list[tuple[dt.date, Change]]:
    kind, reason = ev.kind, ev.reason

    def c(op: str, section: str, tid: str, value: float, as_kind: str | None = None) -> Change:
        return Change(op, ids[section].index(tid), value, as_kind or kind, tid, "scenario", reason)

    def route_op(prefix: str) -> tuple[str, str, str]:
        """(op, section, id) for an event on a route (pipeline or rail) or a terminal."""
        if getattr(ev, "terminal", None) is not None:
            return f"terminal_{prefix}", "terminals", ev.terminal
        if ev.route in ids["rails"]:
            return f"rail_{prefix}", "rails", ev.route
        return f"route_{prefix}", "routes", ev.route

    if kind in ("cutoff", "resume"):
        on = 1.0 if kind == "cutoff" else 0.0
        if ev.buyer is not None:
            return [(ev.date, c("buyer_cutoff", "buyers", ev.buyer, on))]
        op, section, tid = route_op("cutoff")
        return [(ev.date, c(op, section, tid, on))]
    if kind == "outage":
        op, section, tid = route_op("outage")
        return [
            (ev.date, c(op, section, tid, 1)),
            (ev.until + dt.timedelta(days=1), c(op, section, tid, -1, "outage_end")),
        ]
    if kind == "capacity":
        if ev.connection is not None:
            cap = ev.capacity_bcm_per_year
            return [(ev.date, c("connection_capacity", "connections", ev.connection, cap))]
        if ev.route is not None:
            return [(ev.date, c("route_capacity", "routes", ev.route, ev.capacity_bcm_per_year))]
        if ev.field is not None:
            return [(ev.date, c("field_capacity", "fields", ev.field, ev.capacity_bcm_per_year))]
        if ev.plant is not None:
            return [(ev.date, c("plant_output", "plants", ev.plant, ev.output_kt_per_year))]
        if ev.terminal is not None:
            return [(ev.date, c("bays", "terminals", ev.terminal, ev.bays))]
        return [(ev.date, c("trucks", "fleets", ev.fleet, ev.trucks))]
    if kind == "commission":
        return [
            (ev.date, c("route_commission", "routes", ev.route, ev.capacity_bcm_per_year or 0.0))
        ]
    if kind == "demand":
        if ev.depot is not None:
            if ev.volume_kt_per_year is not None:
                return [(ev.date, c("depot_volume", "depots", ev.depot, ev.volume_kt_per_year))]
            return [(ev.date, c("depot_factor", "depots", ev.depot, ev.factor))]
        if ev.volume_bcm_per_year is not None:
            return [(ev.date, c("buyer_volume", "buyers", ev.buyer, ev.volume_bcm_per_year))]
        return [(ev.date, c("buyer_factor", "buyers", ev.buyer, ev.factor))]
    if kind == "price":
        return [(ev.date, c("buyer_price", "buyers", ev.buyer, ev.price_usd_per_tcm))]
    if kind == "payment":
        return [(ev.date, c("buyer_payment", "buyers", ev.buyer, ev.amount_usd))]
    if kind == "set":
        return [(ev.date, _set_change(ev, ids))]
    raise AssertionError(f"unknown event kind {kind!r}")  # pragma: no cover


_SET_OPS = {
    ("fields", "capacity_bcm_per_year"): "field_capacity",
    ("connections", "capacity_bcm_per_year"): "connection_capacity",
    ("routes", "capacity_bcm_per_year"): "route_capacity",
    ("routes", "third_party_bcm_per_year"): "route_third_party",
    ("buyers", "contract.volume_bcm_per_year"): "buyer_volume",
    ("buyers", "contract.price_usd_per_tcm"): "buyer_price",
    ("buyers", "payment.share_paid"): "buyer_share_paid",
    ("buyers", "payment.delay_days"): "buyer_delay_days",
}


def _set_change(ev: Any, ids: dict[str, list[str]]) -> Change:
    parts = ev.path.split(".")
    if parts[0] == "domestic":
        return Change("domestic_demand", 0, ev.value, "set", "domestic", "scenario", ev.reason)
    op = _SET_OPS[parts[0], ".".join(parts[2:])]
    return Change(
        op, ids[parts[0]].index(parts[1]), ev.value, "set", parts[1], "scenario", ev.reason
    )


def event_timeline(
    env: simpy.Environment,
    timeline: list[tuple[int, Any]],
    apply: Callable[[int, Any], None],
) -> Generator[simpy.Event, None, None]:
    """Sleep until each dated change and apply it; ``timeline`` is sorted by day.

    Changes take effect at the start of their day (time ``d``); the dispatcher works at
    mid-day (``d + 0.5``), so a change dated ``d`` always governs day ``d``'s dispatch.
    """
    for day, change in timeline:
        if day > env.now:
            yield env.timeout(day - env.now)
        apply(day, change)
