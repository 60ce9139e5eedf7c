"""Wires a scenario into SimPy processes and runs it.

- ``event_timeline`` applies dated changes (scenario events, schedules, commissioning,
  random outages) at the start of their day and logs them; the LPG chain's changes act
  on its processes then;
- the pipeline gas is a daily flow model solved before the processes run
  (:mod:`gasroutes.gas`): nothing in it waits for anything but the calendar and the
  arrears rules, and ``dispatcher`` logs each rule firing on its day, at mid-day;
- the LPG chain (:mod:`gasroutes.rail`) is discrete: trains, tank cars, bays, trucks,
  each an event of its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Sequence
from functools import partial
from typing import TYPE_CHECKING

import simpy

from gasroutes.results.result import Recorder, Result
from gasroutes.scenario.model import Scenario
from gasroutes.sim.days import Calendar
from gasroutes.sim.gas.solve import Firing, GasRun, SupplyGraph, build_inputs, solve
from gasroutes.sim.lpg.build import lpg_engine
from gasroutes.sim.randomness import delay_draws, noise_series, random_changes
from gasroutes.sim.timeline import LPG_OPS, Change, build_timeline, event_timeline

if TYPE_CHECKING:
    from gasroutes.sim.lpg.chain import LpgNetwork

__all__ = ["dispatcher", "prepare", "run"]

log = logging.getLogger(__name__)


def prepare(s: Scenario) -> tuple[Calendar, list[tuple[int, Change]], GasRun]:
    """The calendar, the timeline of dated changes and the solved pipeline gas of a run."""
    cal = Calendar.build(s.start, s.end)
    timeline = build_timeline(s, cal)
    if s.uncertainty.outages:
        # stable sort: on a day, the scenario's changes first, then the random ones
        timeline = sorted(timeline + random_changes(s, cal), key=lambda t: t[0])
    noise = noise_series(s, cal.days)
    graph = SupplyGraph.build(s)
    inputs = build_inputs(s, cal, graph, timeline, noise.demand, noise.price)
    return cal, timeline, solve(s, inputs, graph)


def dispatcher(
    env: simpy.Environment, firings: Sequence[Firing], log_firing: Callable[[Firing], None]
) -> Generator[simpy.Event, None, None]:
    """At mid-day of each day a rule fired (arrears checked before the day's dispatch),
    log it: the dispatch itself was solved for every day before the run."""
    for f in firings:
        if f.day + 0.5 > env.now:
            yield env.timeout(f.day + 0.5 - env.now)
        log_firing(f)


def run(
    scenario: Scenario,
    seed: int | None = None,
    *,
    trace: bool = False,
    trucks: str = "fleet",
    lpg: bool = True,
) -> Result:
    """Simulate a scenario; return its results. Raises ConservationError if mass does not
    balance and NonFiniteError if a number is not finite (either would be a bug in the
    model, never in the input).

    ``trace`` keeps a log of every LPG move in ``result.trace``; ``trucks`` chooses the
    road-tanker model, ``"fleet"`` (one process per fleet, the default) or ``"per_truck"``
    (one process per truck: the same tables, more events). ``lpg=False`` leaves the LPG
    chain out (it shares nothing with the pipeline gas: the gas tables are the same), for
    studies that need only gas figures.
    """
    started = time.time()
    clock = time.perf_counter()
    if seed is not None and seed != scenario.seed:
        scenario = scenario.model_copy(update={"seed": seed})
    cal, timeline, gas = prepare(scenario)
    rec = Recorder.of(gas, cal)
    env = simpy.Environment()
    chain = scenario.lpg
    net: LpgNetwork | None = None
    if lpg and (
        chain.plants or chain.rail_routes or chain.depots or chain.terminals or chain.fleets
    ):
        net = lpg_engine()[0].LpgNetwork(
            env,
            chain,
            cal,
            per_truck=trucks == "per_truck",
            trace=trace,
            delays=partial(delay_draws, scenario),
        )

    def apply(day: int, c: Change) -> None:
        if c.op in LPG_OPS:
            if net is None:
                return  # the chain is left out of this run
            net.apply(c.op, c.target, c.value)
        rec.log_event(cal.dates[day], c.kind, c.target_id, c.source, c.reason, c.value, c.op)

    def log_firing(f: Firing) -> None:
        rule, buyer = f.rule, list(scenario.buyers)[f.buyer]
        if f.cut:
            reason = rule.reason or f"arrears above USD {rule.above_usd:,.0f}"
        else:
            reason = rule.reason or f"arrears below USD {rule.below_usd:,.0f}"
        kind = "cutoff" if f.cut else "resume"
        rec.log_event(cal.dates[f.day], kind, buyer, "rule", reason, float(f.cut), "buyer_cutoff")

    env.process(event_timeline(env, timeline, apply))
    env.process(dispatcher(env, gas.firings, log_firing))
    if net is not None:
        net.start()
    env.run(until=cal.days)
    if net is not None:
        net.finish()
    result = Result.build(
        scenario,
        rec,
        cal,
        started=started,
        wall_s=time.perf_counter() - clock,
        lpg=net,
    )
    # SimPy numbers every event it schedules: the count is the last number drawn
    result.sim_events = next(env._eid)
    if net is not None and net.trace is not None:
        result.trace = sorted(net.trace)
    result.check_conservation()
    result.check_finite()
    return result
