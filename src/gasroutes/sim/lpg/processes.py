"""The LPG chain's actors, as SimPy processes (generators named after them, ``env``
first):

- ``plant`` puts each day's output into its storage; what does not fit is shut in;
- ``train`` (one process per trainset) loads at its origins, runs to the border, queues
  for a transload bay (a ``simpy.Resource``), empties car by car into terminal storage
  (:mod:`~gasroutes.sim.lpg.terminal`) and runs back empty;
- road tankers load at their terminal, drive to the depot most in need that has room for
  the load (:mod:`~gasroutes.sim.lpg.rationing`), unload and drive back: one ``fleet``
  process per fleet, or (``per_truck``) one ``tanker_truck`` process per truck, a
  reference that gives the same tables with more events; both send trucks with
  :func:`send_truck` and unload them with :func:`unload_at_depot`;
- ``depot`` meets each day's demand from its stock;
- ``lpg_monitor`` records the day's levels and queues at the end of each day.

Every tonne is booked at the instant it moves, so the post-run conservation check holds
to rounding: produced + initial stock = plant, terminal and depot stock + on trains + on
trucks + consumed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from functools import partial
from typing import Final

import simpy

from gasroutes.sim.lpg.network import LpgNetwork
from gasroutes.sim.lpg.rationing import OWED_DECAY, blocked, defers, ready
from gasroutes.sim.lpg.state import DepotState, FleetState, PlantState, RailState
from gasroutes.sim.lpg.stores import EPS, INF
from gasroutes.sim.lpg.terminal import arm, settle, take_truck, unload

__all__ = ["depot", "fleet", "lpg_monitor", "plant", "start", "tanker_truck", "train"]

Process = Generator[simpy.Event, None, None]

# Times of day (fractions) at which the daily actors work: after the day's events (at the
# start of the day), plants first, depots later, the monitor last.
PLANT_TIME: Final = 0.25
DEPOT_TIME: Final = 0.75
MONITOR_TIME: Final = 0.999


def start(net: LpgNetwork) -> None:
    """Start every actor's process."""
    env = net.env
    for p in net.plants:
        env.process(plant(env, net, p))
    for r in net.rails:
        for k in range(r.trains):
            env.process(train(env, net, r, k))
    if net.per_truck:
        net.add_trucks = partial(_add_trucks, net)
    for f in net.fleets:
        if net.per_truck:
            net.add_trucks(f)
        else:
            env.process(fleet(env, net, f))
    for d in net.depots:
        env.process(depot(env, net, d))
    env.process(lpg_monitor(env, net))


def _add_trucks(net: LpgNetwork, f: FleetState) -> None:
    """Start a process for each truck not yet running (per-truck model)."""
    while f.started < f.active:
        net.env.process(tanker_truck(net.env, net, f, f.started))
        f.started += 1


def plant(env: simpy.Environment, net: LpgNetwork, p: PlantState) -> Process:
    """Each day: put the day's output into storage; shut in what does not fit."""
    tank, per_days, last_day = p.tank, net.per_day, net.cal.days - 1
    produced, potential, shut_in = (
        net.produced[p.index],
        net.potential[p.index],
        net.shut_in[p.index],
    )
    tick = net.plant_tick
    yield tick.at(0, PLANT_TIME)
    for day in range(net.cal.days):
        out = p.output_kt * per_days[day]
        stored = min(out, tank.room())
        if stored > EPS:
            tank.put(stored)
            produced[day] += stored
        else:
            stored = 0.0
        potential[day] += out
        shut_in[day] += out - stored
        p.signal.fire()
        if day < last_day:
            yield tick.at(day + 1, 1.0)


def train(env: simpy.Environment, net: LpgNetwork, r: RailState, k: int) -> Process:
    """One trainset: load, run to the border, queue for a bay, unload car by car, return."""
    term, ledger = r.terminal, net.ledger
    delay = net.delays(f"{r.id}#{k}")
    if r.policy == "schedule":
        assert r.every_days is not None
        # trainsets of a scheduled route depart in turn, spread over the interval
        next_slot = r.first_day + PLANT_TIME + 0.01 + k * r.every_days
    while True:
        while not r.gate.open:
            yield r.gate.wait()
        if r.policy == "schedule":
            if next_slot > env.now:
                yield env.timeout(next_slot - env.now)
            next_slot += r.every_days * r.trains  # type: ignore[operator]
            if not r.gate.open:
                continue
            amount = min(r.load_t, sum((p.tank.level for p in r.origins), 0.0))
            if amount <= EPS:
                continue
        else:
            full = sum((p.tank.level for p in r.origins), 0.0) + EPS >= r.load_t
            if not full or defers(ledger, r, net.per_day[net.today()]):
                r.waiting += 1
                yield env.any_of([p.signal.wait() for p in r.origins])
                r.waiting -= 1
                continue
            amount = r.load_t
        left = amount
        for p in r.origins:  # stock checked above: every take is granted at once
            x = min(p.tank.level, left)
            if x > EPS:
                p.tank.take(x)
                ledger.on_trains += x
                left -= x
        ledger.departed[r.index] += amount
        if ledger.trace is not None:
            ledger.log(f"train {r.id}#{k}", "loaded", amount)
        yield env.timeout(r.load_days + r.transit_days + (delay() if delay else 0.0))
        arrived = env.now
        if ledger.trace is not None:
            ledger.log(f"train {r.id}#{k}", f"at {term.id}", amount)
        term.arrive(arrived)
        while not (r.gate.open and term.gate.open):
            yield env.any_of([r.gate.wait(), term.gate.wait()])
        with term.bays.request() as bay:
            yield bay
            term.start(env.now, arrived)
            if ledger.trace is not None:
                ledger.log(f"train {r.id}#{k}", "in bay", env.now - arrived)
            # car by car into storage: back when the last is empty
            yield unload(term, f"{r.id}#{k}", amount, r.t_per_car)
        yield env.timeout(r.return_days)
        if ledger.trace is not None:
            ledger.log(f"train {r.id}#{k}", "back", 0.0)


# ---------------------------------------------------------------------------- trucks


def send_truck(
    net: LpgNetwork, f: FleetState, leg: int, delay: Callable[[], float] | None
) -> tuple[float, float]:
    """Load a truck for ``leg`` (the stock is there); reserve room at the depot. Return
    the days to the depot and back."""
    dest, trip, back = f.legs[leg]
    take_truck(f.terminal, f.t_per_truck)
    dest.en_route += f.t_per_truck
    f.away += 1
    there = f.load_days + trip + (delay() if delay else 0.0)
    f.busy += there + back
    return there, back


def unload_at_depot(net: LpgNetwork, f: FleetState, leg: int) -> None:
    """A truck of fleet ``f`` empties into the depot of ``leg`` (room was reserved)."""
    dest = f.legs[leg][0]
    load = f.t_per_truck
    dest.tank.put(load)
    ledger = net.ledger
    ledger.on_trucks -= load
    ledger.delivered[f.index][leg] += load
    dest.en_route -= load


def fleet(env: simpy.Environment, net: LpgNetwork, f: FleetState) -> Process:
    """A fleet of road tankers at one terminal. Whenever something changes (a tank car is
    emptied, a depot has sold, the border opens, trucks are added) it sends every idle
    truck that has a load and a depot with room for it.

    It sleeps until something changes: a truck's arrival at a depot is settled when the
    depot next sells or is recorded (a depot's stock plus what is on the way, which is all
    a dispatch looks at, does not change when a truck arrives), and a truck's return
    matters only when trucks are all that is missing, in which case the fleet wakes when
    the first one is back. The trucks sent together to a depot arrive and come back
    together (one entry each), unless delays give each its own times.
    """
    returns, term, ledger = f.returns, f.terminal, net.ledger
    push, legs = heapq.heappush, range(len(f.legs))
    delay = net.delays(f.id)
    while True:
        now = env.now
        if term.transferring:
            settle(term, now)
        if returns and returns[0][0] <= now:
            f.settle_returns(now)
        per_day = net.per_day[net.today()]
        sent = [0] * len(f.legs)
        times = [(0.0, 0.0)] * len(f.legs)
        sent_any = False
        while f.active - f.away > 0 and (leg := ready(f, per_day)) is not None:
            there, back = send_truck(net, f, leg, delay)
            dest = f.legs[leg][0]
            if delay is not None:  # each truck its own times: a heap entry each
                ledger.seq += 1
                push(dest.arrivals, (now + there, ledger.seq, f.index, leg, 1))
                push(returns, (now + there + back, 1))
            else:
                sent[leg] += 1
                times[leg] = (there, back)
            sent_any = True
            if ledger.trace is not None:
                ledger.log(f"fleet {f.id}", f"truck loaded for {dest.id}", f.t_per_truck)
                ledger.log(f"fleet {f.id}", f"truck at {dest.id}", f.t_per_truck, now + there)
                ledger.log(f"fleet {f.id}", "truck back", 0.0, now + there + back)
        for i in legs:
            if sent[i]:
                there, back = times[i]
                ledger.seq += 1
                push(f.legs[i][0].arrivals, (now + there, ledger.seq, f.index, i, sent[i]))
                push(returns, (now + there + back, sent[i]))
        f.blocked = blocked(f)
        # trucks are all that is missing: wake when the first one is back
        if (
            f.blocked == "trucks"
            and returns
            and f.timer > returns[0][0]
            and ready(f, per_day) is not None
        ):
            f.timer = returns[0][0]
            env.timeout(f.timer - now).callbacks.append(partial(_timer, f))
        if term.transferring and (sent_any or f.blocked == "stock" or f.blocked == "trucks"):
            arm(term)  # trucks made room, or the fleet may now wait for cars
        yield f.wake.wait()


def _timer(f: FleetState, _: simpy.Event) -> None:
    f.timer = INF
    f.wake.fire()


def settle_arrivals(net: LpgNetwork, d: DepotState, now: float) -> None:
    """Unload the trucks that have reached depot ``d`` by ``now``."""
    arrivals = d.arrivals
    while arrivals and arrivals[0][0] <= now:
        _, _, fi, leg, trucks = heapq.heappop(arrivals)
        for _ in range(trucks):  # one by one, as the per-truck model books them
            unload_at_depot(net, net.fleets[fi], leg)


def tanker_truck(env: simpy.Environment, net: LpgNetwork, f: FleetState, k: int) -> Process:
    """One road tanker, as its own process: the fleet's rule, truck by truck. Its arrival
    is booked at the depot as the fleet's are (settled when the depot next sells or is
    recorded, so a truck due at the instant of a sale arrives first in both models). With
    random delays, the n-th truck to leave draws the n-th delay of the fleet in both
    models."""
    delay = net.delays(f.id)
    term, ledger = f.terminal, net.ledger
    while True:
        settle(term, env.now)
        # the fleet's rule: a truck leaves only while fewer than `active` are on the road
        leg = None
        if k < f.active and f.away < f.active:
            leg = ready(f, net.per_day[net.today()])
        if leg is None:
            if k < f.active:
                f.blocked = blocked(f)
            arm(term)
            yield f.wake.wait()
            continue
        now = env.now
        there, back = send_truck(net, f, leg, delay)
        arm(term)
        dest = f.legs[leg][0]
        ledger.seq += 1
        heapq.heappush(dest.arrivals, (now + there, ledger.seq, f.index, leg, 1))
        if ledger.trace is not None:
            ledger.log(f"fleet {f.id}", f"truck loaded for {dest.id}", f.t_per_truck)
            ledger.log(f"fleet {f.id}", f"truck at {dest.id}", f.t_per_truck, now + there)
        yield env.timeout(there + back)
        f.away -= 1
        f.wake.fire()  # a truck back may let a waiting one leave (after a capacity cut)
        if ledger.trace is not None:
            ledger.log(f"fleet {f.id}", "truck back", 0.0)


def depot(env: simpy.Environment, net: LpgNetwork, d: DepotState) -> Process:
    """Each day: meet the day's demand from stock; record what could not be met."""
    tank, per_days, last_day = d.tank, net.per_day, net.cal.days - 1
    demand, consumed, serving = net.demand[d.index], net.consumed[d.index], net.serving[d.index]
    tick = net.depot_tick
    yield tick.at(0, DEPOT_TIME)
    for day in range(net.cal.days):
        if d.arrivals and d.arrivals[0][0] <= env.now:
            settle_arrivals(net, d, env.now)
        want = d.daily_demand(per_days[day])
        take = min(want, tank.level)
        if take > EPS:
            tank.take(take)
        else:
            take = 0.0
        d.owed = d.owed * OWED_DECAY + (want - take if want > take + EPS else 0.0)
        demand[day] = want
        consumed[day] = take
        for f in serving:
            if f.blocked == "room" or f.blocked == "trucks":
                f.wake.fire()
        if day < last_day:
            yield tick.at(day + 1, 1.0)


def lpg_monitor(env: simpy.Environment, net: LpgNetwork) -> Process:
    """At the end of each day: stocks, what is on trains and trucks, queues."""
    # nominal capacities: a fleet's mean round trip (t/d = trucks x load / cycle), and a
    # rail route's t/d when open (trainsets x load over the cycle, unloading included)
    fleet_cycles = [
        (f, f.load_days + sum((trip + back for _, trip, back in f.legs), 0.0) / len(f.legs))
        for f in net.fleets
    ]
    rail_rates = [
        (
            r,
            r.trains
            * r.load_t
            / (
                r.load_days
                + r.transit_days
                + r.return_days
                + math.ceil(r.load_t / r.t_per_car) * r.terminal.hours_per_car / 24
            ),
        )
        for r in net.rails
    ]
    plant_tanks = [p.tank for p in net.plants]
    terminals, depots, fleets, ledger = net.terminals, net.depots, net.fleets, net.ledger
    terminal_tanks = [t.tank for t in terminals]
    depot_tanks = [d.tank for d in depots]
    rows, last_day = net.day_rows, net.cal.days - 1
    yield env.timeout(MONITOR_TIME)
    for day in range(net.cal.days):
        now = env.now
        for d in depots:
            if d.arrivals and d.arrivals[0][0] <= now:
                settle_arrivals(net, d, now)
        for t in terminals:
            if t.transferring:
                settle(t, now, inclusive=False)  # its event predates any car move due now
        for f in fleets:
            if f.returns and f.returns[0][0] <= now:
                f.settle_returns(now)
        # one row in the order of net.row_layout
        row = [t.level for t in plant_tanks]
        row += [t.level for t in terminal_tanks]
        row += [t.queue for t in terminals]
        row += [t.bays.count for t in terminals]
        row += [t.level for t in depot_tanks]
        row += [max(f.active - f.away, 0) for f in fleets]
        row += [f.active * f.t_per_truck / cycle for f, cycle in fleet_cycles]
        row += [rate if r.gate.open else 0.0 for r, rate in rail_rates]
        row.append(ledger.on_trains)
        row.append(ledger.on_trucks)
        row += ledger.departed
        row += ledger.unloaded
        for totals in ledger.delivered:
            row += totals
        rows.append(row)
        if day < last_day:
            yield env.timeout(1)
