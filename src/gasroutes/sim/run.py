"""Wires a scenario into SimPy processes and runs it: :func:`simulate` returns the raw
:class:`Simulation` (the solved gas arrays, the LPG chain's records, the event log), from
which :mod:`gasroutes.results` builds the tables.

- ``event_timeline`` applies dated changes (scenario events, schedules, commissioning,
  random outages) at the start of their day and logs them; the LPG chain's changes act
  on its processes then;
- the pipeline gas is a daily flow model solved before the processes run
  (:mod:`gasroutes.sim.gas`): nothing in it waits for anything but the calendar and the
  arrears rules, and ``dispatcher`` logs each rule firing on its day, at mid-day;
- the LPG chain (:mod:`gasroutes.sim.lpg`) is discrete: trains, tank cars, bays, trucks,
  each an event of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Container, Generator, Sequence
from functools import partial
from typing import TYPE_CHECKING

import simpy

from gasroutes.scenario.graph import SupplyGraph
from gasroutes.scenario.model import Scenario
from gasroutes.sim.changes import Change, EventKind, GasOp, LpgOp, Source
from gasroutes.sim.days import Calendar
from gasroutes.sim.gas.inputs import build_inputs
from gasroutes.sim.gas.solve import Firing, GasRun, solve
from gasroutes.sim.native import lpg_build
from gasroutes.sim.randomness import delay_draws, noise_series, random_changes
from gasroutes.sim.record import EventLog, Simulation
from gasroutes.sim.simpy_internals import events_scheduled
from gasroutes.sim.timeline import build_timeline, event_timeline

if TYPE_CHECKING:
    from gasroutes.sim.lpg.network import LpgNetwork

__all__ = ["dispatcher", "lpg_key", "prepare", "simulate"]

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


def lpg_key(s: Scenario, timeline: Sequence[tuple[int, Change]]) -> str | None:
    """A digest of everything the LPG chain's run depends on (None without a chain): the
    chain, the calendar, the chain's dated changes, its random delays and the seed. Two
    runs with the same key give the same LPG records, whatever their pipeline gas."""
    chain = s.lpg
    if not (chain.plants or chain.rail_routes or chain.depots or chain.terminals or chain.fleets):
        return None
    changes = [(d, str(c.op), c.target, c.value) for d, c in timeline if isinstance(c.op, LpgOp)]
    inputs = {
        "chain": chain.model_dump(mode="json"),
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "changes": changes,
        "delays": {k: v.model_dump(mode="json") for k, v in s.uncertainty.delays.items()},
        "seed": s.seed,
    }
    text = json.dumps(inputs, sort_keys=True, default=repr, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def dispatcher(
    env: simpy.Environment, firings: Sequence[Firing], log_firing: Callable[[Firing], None]
) -> Generator[simpy.Event, None, None]:
    """At mid-day of each day a rule fired (arrears checked before the day's dispatch),
    log it: the dispatch itself was solved for every day before the run."""
    for f in firings:
        if f.day + 0.5 > env.now:
            yield env.timeout(f.day + 0.5 - env.now)
        log_firing(f)


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    *,
    trace: bool = False,
    trucks: str = "fleet",
    lpg: bool = True,
    known: Container[str] = (),
) -> Simulation:
    """Simulate a scenario; return what the run recorded (see :func:`gasroutes.run` for
    the options).

    ``trace`` keeps a log of every LPG move; ``trucks`` chooses the road-tanker model,
    ``"fleet"`` (one process per fleet, the default) or ``"per_truck"`` (one process per
    truck: the same tables, more events). ``lpg=False`` leaves the LPG chain out (it
    shares nothing with the pipeline gas: the gas tables are the same). ``known`` holds
    the :func:`lpg_key` of chains whose records the caller already has: such a chain is
    not run again (``Simulation.lpg`` is None, ``Simulation.lpg_key`` says which it is).
    """
    started = time.time()
    clock = time.perf_counter()
    if seed is not None and seed != scenario.seed:
        scenario = scenario.model_copy(update={"seed": seed})
    cal, timeline, gas = prepare(scenario)
    key = lpg_key(scenario, timeline) if lpg else None
    log_ = EventLog()
    env = simpy.Environment()
    chain = scenario.lpg
    net: LpgNetwork | None = None
    if key is not None and key not in known:
        build = lpg_build()
        net = build.network.LpgNetwork(
            env,
            chain,
            cal,
            per_truck=trucks == "per_truck",
            trace=trace,
            delays=partial(delay_draws, scenario),
        )

    def apply(day: int, c: Change) -> None:
        if isinstance(c.op, LpgOp) and net is not None:  # else the chain is not run here
            net.apply(c.op, c.target, c.value)
        # the gas changes were compiled into the daily arrays before the run
        log_.add(cal.dates[day], c.kind, c.target_id, c.source, c.reason, c.value, c.op)

    def log_firing(f: Firing) -> None:
        rule, buyer = f.rule, list(scenario.buyers)[f.buyer]
        if f.cut:
            reason = rule.reason or f"arrears above USD {rule.above_usd:,.0f}"
        else:
            reason = rule.reason or f"arrears below USD {rule.below_usd:,.0f}"
        kind = EventKind.CUTOFF if f.cut else EventKind.RESUME
        day = cal.dates[f.day]
        log_.add(day, kind, buyer, Source.RULE, reason, float(f.cut), GasOp.BUYER_CUTOFF)

    env.process(event_timeline(env, timeline, apply))
    env.process(dispatcher(env, gas.firings, log_firing))
    if net is not None:
        build.processes.start(net)
    env.run(until=cal.days)
    if net is not None:
        net.finish()
    return Simulation(
        scenario=scenario,
        cal=cal,
        gas=gas,
        events=log_.events,
        lpg=net,
        started=started,
        wall_s=time.perf_counter() - clock,
        sim_events=events_scheduled(env),
        trace=sorted(net.trace) if net is not None and net.trace is not None else None,
        lpg_key=key,
    )
