"""What the gas dispatch needs, day by day: every parameter of the pipeline network as a
daily array, compiled from the scenario and the timeline of dated changes before the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, assert_never

import numpy as np

from gasroutes.scenario.graph import ANY_FIELD, SupplyGraph
from gasroutes.scenario.schedules import Saturating, Schedule, Trend, schedule_daily, schedule_value
from gasroutes.sim.changes import Change, GasOp, LpgOp

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar

__all__ = ["GasInputs", "build_inputs"]


def _stepped(initial: float, changes: Iterable[tuple[int, float]], days: int) -> np.ndarray:
    """A daily series that starts at ``initial`` and takes each change's value from its
    day on (changes in the order they apply)."""
    return _stepped_over(np.full(days, initial, dtype=float), changes)


def _stepped_over(out: np.ndarray, changes: Iterable[tuple[int, float]]) -> np.ndarray:
    for day, value in changes:
        out[day:] = value
    return out


@dataclass
class GasInputs:
    """Everything the dispatch needs, day by day, compiled from the scenario and the
    timeline of dated changes before the run (mcm/d unless said otherwise)."""

    days: int
    per_day: np.ndarray  # mcm/d per bcm/yr
    field_potential: np.ndarray  # fields x days: what each field can deliver
    conn_capacity: np.ndarray  # connections x days
    route_capacity: np.ndarray  # routes x days (0 when not in service)
    route_third_party: np.ndarray  # routes x days, within capacity
    route_free: np.ndarray  # routes x days: what our gas may use
    route_design_free: np.ndarray  # the same when in service, outages and cutoffs aside
    route_commissioned: np.ndarray  # routes x days, bool: in service
    route_entry: list[int]  # node index of each route's entry (ANY_FIELD: every field)
    route_transit: list[int]
    domestic_demand: np.ndarray  # days
    domestic_nodes: list[tuple[int, float]]  # (node, share)
    nominated: np.ndarray  # buyers x days, before cutoffs
    buyer_routes: list[tuple[int, ...]]
    order: list[int]  # buyers in dispatch order
    pairs: list[tuple[int, int]]  # (route, buyer), sorted
    price: np.ndarray  # USD/tcm, buyers x days (times price noise)
    share_paid: np.ndarray  # buyers x days
    delay: np.ndarray  # whole days, buyers x days
    payments: list[tuple[int, int, float]]  # (day, buyer, USD), in the order applied
    cut_changes: list[list[tuple[int, bool]]]  # per buyer, from the scenario's events
    route_drains: list[tuple[int, int]]  # (day, route): the route went down (lose mode)
    lose: bool
    steady: bool


def build_inputs(
    s: Scenario,
    cal: Calendar,
    graph: SupplyGraph,
    timeline: Sequence[tuple[int, Change]],
    demand_noise: Sequence[Sequence[float] | None],
    price_noise: Sequence[Sequence[float] | None],
) -> GasInputs:
    """Replay the timeline's changes into daily arrays (the LPG chain's are left out)."""
    days = cal.days
    per_day = np.asarray(cal.per_day())
    ch = _sort_changes(timeline)
    by = ch.by_target

    def series(op: GasOp, target: int, initial: float | Schedule) -> np.ndarray:
        """A parameter day by day: its schedule (steps and ramps replayed from the
        timeline; a trend evaluated each day), changed by the dated events on it."""
        changes = by.get((op, target), ())
        if isinstance(initial, Trend | Saturating):
            return _stepped_over(schedule_daily(initial, s.start, days), changes)
        value = initial if isinstance(initial, float | int) else schedule_value(initial, s.start)
        return _stepped(float(value), changes, days)

    fields = list(s.fields.values())
    field_potential = np.zeros((len(fields), days))
    for i, f in enumerate(fields):
        cap = series(GasOp.FIELD_CAPACITY, i, f.capacity_bcm_per_year)
        derate = series(GasOp.FIELD_DERATE, i, 1.0)
        shape = np.asarray(cal.shape(f.monthly_profile))
        field_potential[i] = cap * derate * shape
    conns = list(s.connections.values())
    conn_capacity = np.zeros((len(conns), days))
    for i, conn in enumerate(conns):
        cap = series(GasOp.CONNECTION_CAPACITY, i, conn.capacity_bcm_per_year)
        on = _commissioned(conn.commissioned_date, cal)
        conn_capacity[i] = cap * per_day * on
    routes = list(s.routes.values())
    nr = len(routes)
    route_capacity = np.zeros((nr, days))
    route_third_party = np.zeros((nr, days))
    route_free = np.zeros((nr, days))
    route_design_free = np.zeros((nr, days))
    route_commissioned = np.zeros((nr, days), dtype=bool)
    drains: list[tuple[int, int]] = []
    for i, r in enumerate(routes):
        commissioned = _commissioned(r.commissioned_date, cal)
        route_changes = ch.routes.get(i, [])
        for day, rc in route_changes:
            if rc.op == GasOp.ROUTE_COMMISSION:
                commissioned[day:] = True
        # capacity events and commissioning with a capacity apply in timeline order
        cap = _stepped(
            r.capacity_bcm_per_year,
            [
                (day, rc.value)
                for day, rc in route_changes
                if rc.op == GasOp.ROUTE_CAPACITY
                or (rc.op == GasOp.ROUTE_COMMISSION and rc.value > 0)
            ],
            days,
        )
        derate = series(GasOp.ROUTE_DERATE, i, 1.0)
        tp = series(GasOp.ROUTE_THIRD_PARTY, i, r.third_party_bcm_per_year)
        cut = np.zeros(days, dtype=bool)
        outages = np.zeros(days + 1, dtype=np.int64)
        state_cut, state_out, state_on = False, 0, bool(commissioned[0])
        for day, rc in route_changes:
            if rc.op == GasOp.ROUTE_CUTOFF:
                state_cut = bool(rc.value)
                cut[day:] = state_cut
            elif rc.op == GasOp.ROUTE_OUTAGE:
                state_out += int(rc.value)
                outages[day] += int(rc.value)
            elif rc.op == GasOp.ROUTE_COMMISSION:
                state_on = True
            else:
                continue
            if rc.op != GasOp.ROUTE_COMMISSION and not (
                state_on and not state_cut and state_out == 0
            ):
                drains.append((day, i))
        up = commissioned & ~cut & (np.cumsum(outages)[:days] == 0)
        usable = cap * derate
        route_capacity[i] = np.where(up, usable * per_day, 0.0)
        route_third_party[i] = np.where(up, np.minimum(tp, usable) * per_day, 0.0)
        route_free[i] = np.where(up, np.maximum(usable - tp, 0.0) * per_day, 0.0)
        route_design_free[i] = np.where(commissioned, np.maximum(cap - tp, 0.0) * per_day, 0.0)
        route_commissioned[i] = commissioned
    domestic = series(GasOp.DOMESTIC_DEMAND, 0, s.domestic.demand_bcm_per_year)
    domestic_demand = domestic * np.asarray(cal.shape(s.domestic.monthly_profile))
    if s.domestic.nodes:
        total = sum(s.domestic.nodes.values()) or 1.0
        domestic_nodes = [(graph.node(n), w / total) for n, w in s.domestic.nodes.items()]
    else:
        domestic_nodes = [(ANY_FIELD, 1.0)]
    buyers = list(s.buyers.values())
    route_ids = list(s.routes)
    nb = len(buyers)
    nominated = np.zeros((nb, days))
    price = np.zeros((nb, days))
    share_paid = np.zeros((nb, days))
    delay = np.zeros((nb, days), dtype=np.int64)
    cut_changes: list[list[tuple[int, bool]]] = [[] for _ in buyers]
    for i, b in enumerate(buyers):
        c = b.contract
        volume = series(GasOp.BUYER_VOLUME, i, c.volume_bcm_per_year)
        factor = series(GasOp.BUYER_FACTOR, i, 1.0)
        shape = np.asarray(cal.shape(c.monthly_profile, c.start_date, c.end_date))
        noise = np.ones(days) if demand_noise[i] is None else np.asarray(demand_noise[i])
        if c.offtake is None:
            nominated[i] = volume * factor * shape * noise
        else:
            o = c.offtake
            profile = shape / per_day  # the contract's swing, 0 outside its dates
            need = schedule_daily(o.need_bcm_per_year, s.start, days) * profile * noise
            shared = schedule_daily(o.shared_bcm_per_year, s.start, days)
            rate = np.clip(need - shared, o.take_or_pay * volume, volume)
            nominated[i] = np.where(profile > 0, rate, 0.0) * factor * per_day
        pn = np.ones(days) if price_noise[i] is None else np.asarray(price_noise[i])
        price[i] = series(GasOp.BUYER_PRICE, i, c.price_usd_per_tcm) * pn
        share_paid[i] = series(GasOp.BUYER_SHARE_PAID, i, b.payment.share_paid)
        delay[i] = series(GasOp.BUYER_DELAY_DAYS, i, b.payment.delay_days).astype(np.int64)
    for day, change in ch.cuts:
        cut_changes[change.target].append((day, bool(change.value)))
    payments = [(day, pay.target, pay.value) for day, pay in ch.payments]
    order = sorted(range(nb), key=lambda i: (buyers[i].contract.priority, i))
    buyer_routes = [tuple(route_ids.index(r) for r in b.routes) for b in buyers]
    pairs = sorted({(r, i) for i, rs in enumerate(buyer_routes) for r in rs})
    return GasInputs(
        days=days,
        per_day=per_day,
        field_potential=field_potential,
        conn_capacity=conn_capacity,
        route_capacity=route_capacity,
        route_third_party=route_third_party,
        route_free=route_free,
        route_design_free=route_design_free,
        route_commissioned=route_commissioned,
        route_entry=[graph.node(r.entry) for r in routes],
        route_transit=[r.transit_time_days for r in routes],
        domestic_demand=domestic_demand,
        domestic_nodes=domestic_nodes,
        nominated=nominated,
        buyer_routes=buyer_routes,
        order=order,
        pairs=pairs,
        price=price,
        share_paid=share_paid,
        delay=delay,
        payments=payments,
        cut_changes=cut_changes,
        route_drains=drains,
        lose=s.settings.in_transit_on_cutoff == "lose",
        steady=s.settings.initial_linepack == "steady",
    )


def _commissioned(day: dt.date | None, cal: Calendar) -> np.ndarray:
    on = np.ones(cal.days, dtype=bool)
    if day is not None:
        on[: max(min(cal.index(day), cal.days), 0)] = False
    return on


@dataclass
class _Changes:
    """The timeline's gas changes, sorted by what uses them (each list in timeline order)."""

    by_target: dict[tuple[GasOp, int], list[tuple[int, float]]] = field(default_factory=dict)
    routes: dict[int, list[tuple[int, Change]]] = field(default_factory=dict)
    cuts: list[tuple[int, Change]] = field(default_factory=list)
    payments: list[tuple[int, Change]] = field(default_factory=list)


def _sort_changes(timeline: Sequence[tuple[int, Change]]) -> _Changes:
    """Where each change of the timeline goes: every gas operation is handled here (mypy
    checks that none is missed); the LPG chain's are left to it."""
    out = _Changes()
    for day, c in timeline:
        op = c.op
        if isinstance(op, LpgOp):
            continue  # applied by the LPG chain during the run
        match op:
            case (
                GasOp.FIELD_CAPACITY
                | GasOp.FIELD_DERATE
                | GasOp.CONNECTION_CAPACITY
                | GasOp.ROUTE_THIRD_PARTY
                | GasOp.ROUTE_DERATE
                | GasOp.DOMESTIC_DEMAND
                | GasOp.BUYER_VOLUME
                | GasOp.BUYER_FACTOR
                | GasOp.BUYER_PRICE
                | GasOp.BUYER_SHARE_PAID
                | GasOp.BUYER_DELAY_DAYS
            ):
                out.by_target.setdefault((op, c.target), []).append((day, c.value))
            case (
                GasOp.ROUTE_CAPACITY
                | GasOp.ROUTE_COMMISSION
                | GasOp.ROUTE_CUTOFF
                | GasOp.ROUTE_OUTAGE
            ):
                out.routes.setdefault(c.target, []).append((day, c))
            case GasOp.CONNECTION_COMMISSION:
                pass  # the connection's own date: logged, and read from the schema
            case GasOp.BUYER_CUTOFF:
                out.cuts.append((day, c))
            case GasOp.BUYER_PAYMENT:
                out.payments.append((day, c))
            case _:
                assert_never(op)
    return out
