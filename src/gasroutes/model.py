"""Wires a scenario into SimPy processes and runs it.

Two processes share one :class:`Network`:

- ``event_timeline`` applies dated changes (scenario events, schedules, commissioning) at
  the start of their day;
- ``dispatcher`` works once a day at mid-day: it collects payments, evaluates the rules,
  dispatches production to domestic use and then to buyers by priority within route
  capacity, and lets the gas that reaches the border arrive.

Nothing changes between two days except through these two processes, so one daily
dispatcher step costs one SimPy event; the timeline sleeps until its next change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from .buyers import BuyerState
from .calendar import Calendar
from .engine import lpg_engine
from .events import event_timeline
from .network import schedule_value
from .pipelines import Batch, Pipeline
from .records import Recorder, Result
from .scenario import Scenario
from .timeline import LPG_OPS, Change, build_timeline
from .uncertainty import delay_draws, noise_series, random_changes

if TYPE_CHECKING:
    from .rail import LpgNetwork

__all__ = ["Network", "dispatcher", "run"]

log = logging.getLogger(__name__)


@dataclass
class Network:
    """Run-time state of the whole network, built from a valid scenario."""

    scenario: Scenario
    cal: Calendar
    routes: list[Pipeline]
    buyers: list[BuyerState]
    order: list[BuyerState]  # dispatch order: priority, then file order
    field_ids: list[str]
    field_bcm: list[float]
    domestic_bcm: float
    domestic_shape: list[float]
    per_day: list[float]
    rec: Recorder
    lose_in_transit: bool
    rules: list[tuple[Any, BuyerState]] = field(default_factory=list)
    lpg: LpgNetwork | None = None
    field_derate: list[float] = field(default_factory=list)  # share of capacity available

    # ------------------------------------------------------------------ construction

    @classmethod
    def build(cls, s: Scenario) -> tuple[Network, list[tuple[int, Change]]]:
        cal = Calendar.build(s.start, s.end)
        route_ids = list(s.routes)
        noise = noise_series(s, cal.days)
        routes = [
            Pipeline(
                id=rid,
                index=i,
                capacity_bcm=r.capacity_bcm_per_year,
                third_party_bcm=schedule_value(r.third_party_bcm_per_year, s.start),
                transit_days=r.transit_time_days,
                commissioned=r.commissioned_date is None or r.commissioned_date <= s.start,
            )
            for i, (rid, r) in enumerate(s.routes.items())
        ]
        buyers = [
            BuyerState(
                id=bid,
                index=i,
                routes=tuple(route_ids.index(r) for r in b.routes),
                volume_bcm=schedule_value(b.contract.volume_bcm_per_year, s.start),
                price_usd_per_tcm=b.contract.price_usd_per_tcm,
                share_paid=b.payment.share_paid,
                delay_days=b.payment.delay_days,
                shape=_times(
                    cal.shape(
                        b.contract.monthly_profile, b.contract.start_date, b.contract.end_date
                    ),
                    noise.demand[i],
                ),
                price_noise=noise.price[i],
            )
            for i, (bid, b) in enumerate(s.buyers.items())
        ]
        order = sorted(buyers, key=lambda b: (s.buyers[b.id].contract.priority, b.index))
        net = cls(
            scenario=s,
            cal=cal,
            routes=routes,
            buyers=buyers,
            order=order,
            field_ids=list(s.fields),
            field_bcm=[schedule_value(f.capacity_bcm_per_year, s.start) for f in s.fields.values()],
            domestic_bcm=schedule_value(s.domestic.demand_bcm_per_year, s.start),
            domestic_shape=cal.shape(s.domestic.monthly_profile),
            per_day=cal.per_day(),
            rec=Recorder.empty(cal.days, routes, buyers),
            lose_in_transit=s.settings.in_transit_on_cutoff == "lose",
            rules=[(rule, buyers[list(s.buyers).index(rule.buyer)]) for rule in s.rules],
            field_derate=[1.0] * len(s.fields),
        )
        timeline = build_timeline(s, cal)
        if s.uncertainty.outages:
            # stable sort: on a day, the scenario's changes first, then the random ones
            timeline = sorted(timeline + random_changes(s, cal), key=lambda t: t[0])
        return net, timeline

    # ------------------------------------------------------------------ changes

    def apply(self, day: int, c: Change) -> None:
        """Apply one change on ``day`` and log it."""
        if c.op in LPG_OPS:
            assert self.lpg is not None, "an LPG change needs the LPG chain"
            self.lpg.apply(c.op, c.target, c.value)
            self.rec.log_event(
                self.cal.dates[day], c.kind, c.target_id, c.source, c.reason, c.value, c.op
            )
            return
        if c.op == "buyer_cutoff":
            b = self.buyers[c.target]
            b.cut_off = bool(c.value)
            if b.cut_off and self.lose_in_transit:
                for r in b.routes:
                    self._lose(r, self.routes[r].drain(b.index), day)
        elif c.op in ("route_cutoff", "route_outage"):
            p = self.routes[c.target]
            if c.op == "route_cutoff":
                p.cut_off = bool(c.value)
            else:
                p.outages += int(c.value)
            p.refresh()
            if not p.up and self.lose_in_transit:
                self._lose(p.index, p.drain(), day)
        elif c.op == "route_derate":
            self.routes[c.target].derate = c.value
        elif c.op == "field_derate":
            self.field_derate[c.target] = c.value
        elif c.op == "route_capacity":
            self.routes[c.target].capacity_bcm = c.value
        elif c.op == "route_commission":
            self.routes[c.target].commissioned = True
            self.routes[c.target].refresh()
            if c.value > 0:
                self.routes[c.target].capacity_bcm = c.value
        elif c.op == "route_third_party":
            self.routes[c.target].third_party_bcm = c.value
        elif c.op == "field_capacity":
            self.field_bcm[c.target] = c.value
        elif c.op == "domestic_demand":
            self.domestic_bcm = c.value
        elif c.op == "buyer_volume":
            self.buyers[c.target].volume_bcm = c.value
        elif c.op == "buyer_factor":
            self.buyers[c.target].factor = c.value
        elif c.op == "buyer_price":
            self.buyers[c.target].price_usd_per_tcm = c.value
        elif c.op == "buyer_share_paid":
            self.buyers[c.target].share_paid = c.value
        elif c.op == "buyer_delay_days":
            self.buyers[c.target].delay_days = int(c.value)
        elif c.op == "buyer_payment":
            applied = self.buyers[c.target].settle(c.value)
            self.rec.buyer_settled[c.target][day] += applied
        else:  # pragma: no cover - _timeline only emits the ops above
            raise AssertionError(f"unknown change {c.op!r}")
        self.rec.log_event(
            self.cal.dates[day], c.kind, c.target_id, c.source, c.reason, c.value, c.op
        )

    def _lose(self, route: int, mcm: float, day: int) -> None:
        if mcm > 0:
            self.rec.route_lost[route][day] += mcm

    def check_rules(self, day: int) -> None:
        for rule, b in self.rules:
            if (
                rule.kind == "cutoff_on_arrears"
                and not b.cut_off
                and b.arrears_usd > rule.above_usd
            ):
                reason = rule.reason or f"arrears above USD {rule.above_usd:,.0f}"
                self.apply(day, Change("buyer_cutoff", b.index, 1, "cutoff", b.id, "rule", reason))
            elif rule.kind == "resume_on_arrears" and b.cut_off and b.arrears_usd < rule.below_usd:
                reason = rule.reason or f"arrears below USD {rule.below_usd:,.0f}"
                self.apply(day, Change("buyer_cutoff", b.index, 0, "resume", b.id, "rule", reason))

    # ------------------------------------------------------------------ daily dispatch

    def free_capacity(self, day: int) -> list[float]:
        """mcm/d each route can take from us today (0 when unavailable)."""
        k = self.per_day[day]
        return [
            max(p.capacity_bcm * p.derate - p.third_party_bcm, 0.0) * k if p.up else 0.0
            for p in self.routes
        ]

    def allocate(self, day: int) -> tuple[float, float, float, list[tuple[int, int, float]]]:
        """Today's dispatch: potential, domestic demand and use, and (route, buyer, mcm) sends.

        Pure: reads the state, changes nothing.
        """
        potential = (
            sum([c * a for c, a in zip(self.field_bcm, self.field_derate, strict=True)])
            * self.per_day[day]
        )
        demand = self.domestic_bcm * self.domestic_shape[day]
        domestic = min(potential, demand)
        left = potential - domestic
        free = self.free_capacity(day)
        sends: list[tuple[int, int, float]] = []
        for b in self.order:
            need = b.volume_bcm * b.factor * b.shape[day]
            if b.cut_off or need <= 0.0:
                continue
            for r in b.routes:
                x = min(need, free[r], left)
                if x > 0.0:
                    free[r] -= x
                    left -= x
                    need -= x
                    sends.append((r, b.index, x))
                if need <= 0.0 or left <= 0.0:
                    break
        return potential, demand, domestic, sends

    def step(self, day: int) -> None:
        """Everything that happens on ``day`` at mid-day."""
        rec = self.rec
        buyers = self.buyers
        for b in buyers:
            if b.invoices and b.invoices[0][0] <= day:
                rec.buyer_paid[b.index][day] = b.collect(day)
        if self.rules:
            self.check_rules(day)
        potential, demand, domestic, sends = self.allocate(day)
        sent = 0.0
        routes = self.routes
        pair_index = rec.pair_index
        pair_sent = rec.pair_sent
        for r, bi, x in sends:
            p = routes[r]
            p.pipe.append(Batch(day + p.transit_days, bi, x))
            pair_sent[pair_index[r, bi]][day] = x
            sent += x
        rec.potential[day] = potential
        rec.domestic_demand[day] = demand
        rec.domestic[day] = domestic
        rec.produced[day] = domestic + sent
        rec.shut_in[day] = potential - domestic - sent
        k = self.per_day[day]
        pair_arrived = rec.pair_arrived
        invoiced = rec.buyer_invoiced
        for p in routes:
            pipe = p.pipe
            if pipe and pipe[0].arrival_day <= day:
                for batch in p.arrivals(day):
                    bi = batch.buyer
                    pair_arrived[pair_index[p.index, bi]][day] += batch.mcm
                    invoiced[bi][day] += buyers[bi].invoice(day, batch.mcm)
            if pipe:
                rec.route_linepack[p.index][day] = sum([b.mcm for b in pipe])
            if p.up:
                cap = p.capacity_bcm * p.derate
                rec.route_capacity[p.index][day] = cap * k
                if p.third_party_bcm:
                    rec.route_third_party[p.index][day] = min(p.third_party_bcm, cap) * k
        nominated, arrears, cut = rec.buyer_nominated, rec.buyer_arrears, rec.buyer_cut_off
        for b in buyers:
            i = b.index
            if b.invoices and b.invoices[0][0] <= day:  # due today (delay_days 0): paid today
                rec.buyer_paid[i][day] += b.collect(day)
            nominated[i][day] = b.volume_bcm * b.factor * b.shape[day]
            arrears[i][day] = b.arrears_usd
            cut[i][day] = b.cut_off

    def fill_pipes(self) -> None:
        """Start with pipes holding what day 0's dispatch would have sent on earlier days,
        so deliveries do not dip at the start of the horizon."""
        _, _, _, sends = self.allocate(0)
        # batches go in by arrival day, buyers in dispatch order within a day: the pipe is a
        # FIFO that `arrivals` pops only from the front, so a later-arriving batch ahead of
        # an earlier one would hold it back a day
        for k in range(max((p.transit_days for p in self.routes), default=0)):
            for r, bi, x in sends:
                if k < self.routes[r].transit_days:
                    self.routes[r].pipe.append(Batch(k, bi, x))
        for r, _, x in sends:
            self.rec.route_initial[r] += x * self.routes[r].transit_days


def _times(shape: list[float], noise: list[float] | None) -> list[float]:
    """A daily shape times its noise (the shape itself without noise)."""
    if noise is None:
        return shape
    return [a * b for a, b in zip(shape, noise, strict=True)]


def dispatcher(env: simpy.Environment, net: Network) -> Generator[simpy.Event, None, None]:
    """Once a day, at mid-day: payments, rules, dispatch, arrivals."""
    yield env.timeout(0.5)
    for day in range(net.cal.days):
        net.step(day)
        if day < net.cal.days - 1:
            yield env.timeout(1)


def run(
    scenario: Scenario,
    seed: int | None = None,
    *,
    trace: bool = False,
    trucks: str = "fleet",
) -> Result:
    """Simulate a scenario; return its results. Raises ConservationError if mass does not
    balance (which would be a bug in the model, never in the input).

    ``trace`` keeps a log of every LPG move in ``result.trace``; ``trucks`` chooses the
    road-tanker model, ``"fleet"`` (one process per fleet, the default) or ``"per_truck"``
    (one process per truck: the same tables, more events).
    """
    started = time.time()
    clock = time.perf_counter()
    if seed is not None and seed != scenario.seed:
        scenario = scenario.model_copy(update={"seed": seed})
    net, timeline = Network.build(scenario)
    env = simpy.Environment()
    chain = scenario.lpg
    if chain.plants or chain.rail_routes or chain.depots or chain.terminals or chain.fleets:
        net.lpg = lpg_engine()[0].LpgNetwork(
            env,
            chain,
            net.cal,
            per_truck=trucks == "per_truck",
            trace=trace,
            delays=partial(delay_draws, scenario),
        )
    if scenario.settings.initial_linepack == "steady":
        # day-0 changes first, so the pipes are filled by day 0's real dispatch
        for day, change in timeline:
            if day == 0:
                net.apply(0, change)
        timeline = [t for t in timeline if t[0] > 0]
        net.fill_pipes()
    env.process(event_timeline(env, timeline, net.apply))
    env.process(dispatcher(env, net))
    if net.lpg is not None:
        net.lpg.start()
    env.run(until=net.cal.days)
    if net.lpg is not None:
        net.lpg.finish()
    result = Result.build(
        scenario,
        net.rec,
        net.cal,
        started=started,
        wall_s=time.perf_counter() - clock,
        lpg=net.lpg,
    )
    # SimPy numbers every event it schedules: the count is the last number drawn
    result.sim_events = next(env._eid)
    if net.lpg is not None and net.lpg.trace is not None:
        result.trace = sorted(net.lpg.trace)
    result.check_conservation()
    result.check_finite()
    return result
