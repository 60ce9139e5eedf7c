"""The LPG chain during a run: SimPy processes for plants, trains, road tankers and depots.

Each actor is a generator named after it, ``env`` first:

- ``plant`` puts each day's output into its storage (a :class:`Tank`); what does not fit
  is shut in;
- ``train`` (one process per trainset) loads at its origins, runs to the border, queues
  for a transload bay (a ``simpy.Resource``), empties car by car into terminal storage and
  runs back empty;
- ``tanker_truck`` (one process per truck) loads at its terminal, drives to the depot most
  in need that has room for the load, unloads and drives back;
- ``depot`` meets each day's demand from its stock;
- ``lpg_monitor`` records the day's levels and queues at the end of each day.

Every tonne is booked at the instant it moves (see :class:`Tank`), so the post-run
conservation check holds to rounding: produced + initial stock = plant, terminal and
depot stock + on trains + on trucks + consumed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy
from simpy.resources.container import ContainerGet, ContainerPut

from .network import schedule_value

if TYPE_CHECKING:
    from .calendar import Calendar
    from .lpg import LpgChain

__all__ = ["Gate", "LpgNetwork", "Tank", "depot", "lpg_monitor", "plant", "tanker_truck", "train"]

Book = Callable[[float], None]
EPS = 1e-9

# Times of day (fractions) at which the daily actors work: after the day's events (at the
# start of the day), plants first, depots later, the monitor last.
PLANT_TIME, DEPOT_TIME, MONITOR_TIME = 0.25, 0.75, 0.999


class _BookedGet(ContainerGet):
    def __init__(self, tank: Tank, amount: float, book: Book) -> None:
        self.book = book  # set before the request can be granted (in the base __init__)
        super().__init__(tank, amount)


class _BookedPut(ContainerPut):
    def __init__(self, tank: Tank, amount: float, book: Book) -> None:
        self.book = book
        super().__init__(tank, amount)


class Tank(simpy.Container):
    """A Container that books every move at the instant the level changes.

    ``take(amount, book)`` and ``give(amount, book)`` are ``get``/``put`` requests that call
    ``book(amount)`` when granted, so the tonnes are never in two places, nor in none.
    """

    def take(self, amount: float, book: Book) -> simpy.Event:
        """A request for ``amount``; waits until it is there."""
        return _BookedGet(self, amount, book)

    def give(self, amount: float, book: Book) -> simpy.Event:
        """A request to store ``amount``; waits until there is room."""
        return _BookedPut(self, amount, book)

    def take_now(self, amount: float, book: Book) -> None:
        """Take ``amount`` that is there now: no event, then serve waiting puts."""
        assert amount <= self._level + EPS, "take_now needs the stock to be there"
        self._level = max(self._level - amount, 0.0)
        book(amount)
        if self.put_queue:
            self._trigger_put(None)

    def give_now(self, amount: float, book: Book) -> None:
        """Store ``amount`` for which there is room now: no event, then serve waiting gets."""
        assert amount <= self._capacity - self._level + EPS, "give_now needs room"
        self._level = min(self._level + amount, self._capacity)
        book(amount)
        if self.get_queue:
            self._trigger_get(None)

    def _do_get(self, event: Any) -> bool | None:
        granted: bool | None = super()._do_get(event)
        if granted:
            event.book(event.amount)
        return granted

    def _do_put(self, event: Any) -> bool | None:
        granted: bool | None = super()._do_put(event)
        if granted:
            event.book(event.amount)
        return granted


class Gate:
    """Whether a rail route or terminal lets traffic through: commissioned, not cut off,
    no outage. ``wait()`` is an event that fires when it next opens. ``open`` is a stored
    flag (read on every car and truck): call ``changed()`` after changing the others."""

    def __init__(self, env: simpy.Environment, commissioned: bool = True) -> None:
        self.env = env
        self.commissioned = commissioned
        self.cut_off = False
        self.outages = 0
        self.open = commissioned
        self._opened = env.event()

    def wait(self) -> simpy.Event:
        return self._opened

    def changed(self) -> None:
        self.open = self.commissioned and not self.cut_off and self.outages == 0
        if self.open:
            self._opened.succeed()
            self._opened = self.env.event()


class Signal:
    """An event re-armed each time it fires: lets processes sleep until a stock changes."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._event = env.event()

    def wait(self) -> simpy.Event:
        return self._event

    def fire(self) -> None:
        if self._event.callbacks:  # someone is waiting: wake them (else no event at all)
            self._event.succeed()
            self._event = self.env.event()


@dataclass
class PlantState:
    id: str
    index: int
    output_kt: float
    tank: Tank
    signal: Signal


@dataclass
class TerminalState:
    id: str
    index: int
    tank: Tank
    bays: simpy.Resource
    hours_per_car: float
    gate: Gate
    queue: int = 0  # trains arrived, not yet unloading
    area: float = 0.0  # integral of the queue length over time (train-days)
    last: float = 0.0
    arrivals: int = 0
    waits: list[float] = field(default_factory=list)  # days, one per train that started
    bay_busy: float = 0.0  # bay-days of unloading
    bay_capacity_area: float = 0.0  # integral of the number of bays over time
    bays_last: float = 0.0

    def _advance(self, now: float) -> None:
        self.area += self.queue * (now - self.last)
        self.last = now

    def arrive(self, now: float) -> None:
        self._advance(now)
        self.queue += 1
        self.arrivals += 1

    def start(self, now: float, arrived: float) -> None:
        self._advance(now)
        self.queue -= 1
        self.waits.append(now - arrived)

    def set_bays(self, now: float, bays: int) -> None:
        self.bay_capacity_area += self.bays.capacity * (now - self.bays_last)
        self.bays_last = now
        # SimPy fixes a Resource's capacity at creation; change it in place and admit the
        # trains the new bays can take
        self.bays._capacity = bays
        self.bays._trigger_put(None)


@dataclass
class RailState:
    id: str
    index: int
    origins: list[PlantState]
    terminal: TerminalState
    trains: int
    load_t: float
    t_per_car: float
    load_days: float
    transit_days: float
    return_days: float
    policy: str
    every_days: float | None
    gate: Gate
    first_day: int


@dataclass
class DepotState:
    id: str
    index: int
    volume_kt: float
    factor: float
    tank: Tank
    price: float
    en_route: float = 0.0
    arrivals: list[tuple[float, int, int, int]] = field(default_factory=list)  # heap

    def daily_demand(self, per_day: float) -> float:
        return self.volume_kt * self.factor * per_day


@dataclass
class FleetState:
    id: str
    index: int
    terminal: TerminalState
    t_per_truck: float
    load_days: float
    legs: list[tuple[DepotState, float, float]]  # depot, trip days, return days
    active: int
    wake: Signal
    started: int = 0  # truck processes started (per-truck model only)
    away: int = 0  # trucks on the road
    busy: float = 0.0  # truck-days on the road
    truck_area: float = 0.0  # integral of active trucks over time
    trucks_last: float = 0.0
    returns: list[float] = field(default_factory=list)  # heap of return times (fleet model)
    timer: float = math.inf  # time of the pending wake-up for a returning truck
    blocked: str = "gate"  # what the fleet waits for: gate, trucks, stock or room

    def settle_returns(self, now: float) -> None:
        """Count the trucks back by ``now`` (the fleet model books returns lazily)."""
        returns = self.returns
        while returns and returns[0] <= now:
            heapq.heappop(returns)
            self.away -= 1

    @property
    def idle(self) -> int:
        """Trucks at the terminal, free to load."""
        return max(self.active - self.away, 0)

    def choose(self, per_day: float) -> int | None:
        """The leg to the depot with the fewest days of cover that has room for a load."""
        best, best_cover = None, math.inf
        load = self.t_per_truck
        for i, (d, _, _) in enumerate(self.legs):
            tank = d.tank
            held = tank._level + d.en_route
            if held + load > tank._capacity + EPS:
                continue
            demand = d.volume_kt * d.factor * per_day
            cover = held / demand if demand > 0 else math.inf
            if best is None or cover < best_cover:
                best, best_cover = i, cover
        return best

    def set_trucks(self, now: float, trucks: int) -> None:
        self.truck_area += self.active * (now - self.trucks_last)
        self.trucks_last = now
        self.active = trucks


class LpgNetwork:
    """Run-time state of the LPG chain, and the per-day records the processes write."""

    def __init__(
        self,
        env: simpy.Environment,
        chain: LpgChain,
        cal: Calendar,
        per_truck: bool = False,
        trace: bool = False,
        delays: Callable[[str], Callable[[], float] | None] | None = None,
    ) -> None:
        self.env = env
        self.per_truck = per_truck
        self.cal = cal
        self.chain = chain
        days = cal.days
        start = cal.start
        self.per_day = [1000.0 / n for n in cal.year_days]  # t/d per kt/yr
        self.plants = [
            PlantState(
                pid,
                i,
                schedule_value(p.output_kt_per_year, start),
                Tank(env, capacity=p.storage_t, init=p.initial_t),
                Signal(env),
            )
            for i, (pid, p) in enumerate(chain.plants.items())
        ]
        by_plant = {p.id: p for p in self.plants}
        self.terminals = [
            TerminalState(
                tid,
                i,
                Tank(env, capacity=t.storage_t, init=t.initial_t),
                simpy.Resource(env, capacity=t.bays),
                t.hours_per_car,
                Gate(env),
            )
            for i, (tid, t) in enumerate(chain.terminals.items())
        ]
        by_terminal = {t.id: t for t in self.terminals}
        self.rails = [
            RailState(
                rid,
                i,
                [by_plant[o] for o in r.origins],
                by_terminal[r.terminal],
                r.trains,
                r.cars_per_train * r.t_per_car,
                r.t_per_car,
                r.load_days,
                r.transit_days,
                r.return_days,
                r.departure.policy,
                r.departure.every_days,
                Gate(env, commissioned=r.commissioned_date is None or r.commissioned_date <= start),
                max(cal.index(r.commissioned_date), 0) if r.commissioned_date else 0,
            )
            for i, (rid, r) in enumerate(chain.rail_routes.items())
        ]
        self.depots = [
            DepotState(
                did,
                i,
                schedule_value(d.demand_kt_per_year, start),
                1.0,
                Tank(env, capacity=d.storage_t, init=d.initial_t),
                d.price_usd_per_t,
            )
            for i, (did, d) in enumerate(chain.depots.items())
        ]
        by_depot = {d.id: d for d in self.depots}
        self.fleets = [
            FleetState(
                fid,
                i,
                by_terminal[f.terminal],
                f.t_per_truck,
                f.load_hours / 24,
                [(by_depot[d], leg.trip_days, leg.return_days) for d, leg in f.legs.items()],
                f.trucks,
                Signal(env),
            )
            for i, (fid, f) in enumerate(chain.fleets.items())
        ]
        self.initial_t = (
            sum(p.initial_t for p in chain.plants.values())
            + sum(t.initial_t for t in chain.terminals.values())
            + sum(d.initial_t for d in chain.depots.values())
        )
        # what is in motion, booked the instant it moves
        self.on_trains = 0.0
        self.on_trucks = 0.0
        self.seq = 0  # tie-breaker of simultaneous arrivals
        # when tracing: (time, actor, action, tonnes) for every move, for tests and debugging
        self.trace: list[tuple[float, str, str, float]] | None = [] if trace else None
        # random extra days on loaded trips, by trainset (route#k) and by fleet: one
        # stream each, shared by the fleet's trucks in the per-truck model
        self._delay_source = delays or (lambda _key: None)
        self._delays: dict[str, Callable[[], float] | None] = {}
        self.unload = [_unload(self, t) for t in self.terminals]
        self.deliver = [[_deliver(self, f, k) for k in range(len(f.legs))] for f in self.fleets]
        self.serving = [
            [f for f in self.fleets if any(leg[0] is d for leg in f.legs)] for d in self.depots
        ]

        def zeros(n: int) -> list[list[float]]:
            return [[0.0] * days for _ in range(n)]

        np_, nt, nr, nd, nf = (
            len(self.plants),
            len(self.terminals),
            len(self.rails),
            len(self.depots),
            len(self.fleets),
        )
        self.potential = zeros(np_)
        self.produced = zeros(np_)
        self.shut_in = zeros(np_)
        self.plant_level = zeros(np_)
        self.departed = zeros(nr)
        self.rail_capacity = zeros(nr)
        self.unloaded = zeros(nt)
        self.terminal_level = zeros(nt)
        self.queue_end = zeros(nt)
        self.bays_busy_end = zeros(nt)
        self.delivered = [zeros(len(f.legs)) for f in self.fleets]
        self.fleet_capacity = zeros(nf)
        self.trucks_waiting = zeros(nf)
        self.depot_level = zeros(nd)
        self.demand = zeros(nd)
        self.consumed = zeros(nd)
        self.on_trains_end = [0.0] * days
        self.on_trucks_end = [0.0] * days
        # moves that can happen at any time of day are totalled as they happen and split
        # into days by the monitor, so a day's flows and its end-of-day stocks always agree
        self.departed_total = [0.0] * nr
        self.unloaded_total = [0.0] * nt
        self.delivered_total = [[0.0] * len(f.legs) for f in self.fleets]
        self._seen: dict[str, Any] = {
            "departed": [0.0] * nr,
            "unloaded": [0.0] * nt,
            "delivered": [[0.0] * len(f.legs) for f in self.fleets],
        }

    def log(self, actor: str, action: str, tonnes: float, at: float | None = None) -> None:
        """Trace one move (``at`` for a move booked ahead, such as a truck's arrival)."""
        assert self.trace is not None
        when = self.env.now if at is None else at
        self.trace.append((round(when, 9), actor, action, round(tonnes, 9)))

    def delays(self, key: str) -> Callable[[], float] | None:
        """The draws of extra days for a trainset (``route#k``) or a fleet, or None."""
        if key not in self._delays:
            self._delays[key] = self._delay_source(key)
        return self._delays[key]

    def board_train(self, amount: float) -> None:
        self.on_trains += amount

    def board_truck(self, amount: float) -> None:
        self.on_trucks += amount

    def today(self) -> int:
        return min(int(self.env.now), self.cal.days - 1)

    def split_totals(self, day: int) -> None:
        """Book what moved since the last call as ``day``'s flows."""
        seen = self._seen
        for i, total in enumerate(self.departed_total):
            self.departed[i][day] = total - seen["departed"][i]
            seen["departed"][i] = total
        for i, total in enumerate(self.unloaded_total):
            self.unloaded[i][day] = total - seen["unloaded"][i]
            seen["unloaded"][i] = total
        for f, totals in enumerate(self.delivered_total):
            for k, total in enumerate(totals):
                self.delivered[f][k][day] = total - seen["delivered"][f][k]
                seen["delivered"][f][k] = total

    def start(self) -> None:
        """Start every actor's process."""
        env = self.env
        for p in self.plants:
            env.process(plant(env, self, p))
        for r in self.rails:
            for k in range(r.trains):
                env.process(train(env, self, r, k))
        for f in self.fleets:
            if self.per_truck:
                self.add_trucks(f)
            else:
                env.process(fleet(env, self, f))
        for d in self.depots:
            env.process(depot(env, self, d))
        env.process(lpg_monitor(env, self))

    def add_trucks(self, f: FleetState) -> None:
        """Start a process for each truck not yet running (per-truck model)."""
        while self.per_truck and f.started < f.active:
            self.env.process(tanker_truck(self.env, self, f, f.started))
            f.started += 1

    # ------------------------------------------------------------------ changes

    def apply(self, op: str, target: int, value: float) -> None:
        """Apply a dated change to the chain (called by the event timeline)."""
        now = self.env.now
        if op in ("rail_cutoff", "rail_outage", "rail_commission"):
            gate = self.rails[target].gate
        elif op in ("terminal_cutoff", "terminal_outage"):
            gate = self.terminals[target].gate
        else:
            gate = None
        if gate is not None:
            if op.endswith("cutoff"):
                gate.cut_off = bool(value)
            elif op.endswith("outage"):
                gate.outages += int(value)
            else:
                gate.commissioned = True
            gate.changed()
            for f in self.fleets:
                f.wake.fire()
        elif op == "bays":
            self.terminals[target].set_bays(now, int(value))
        elif op == "trucks":
            f = self.fleets[target]
            f.set_trucks(now, int(value))
            self.add_trucks(f)
            f.wake.fire()
        elif op == "plant_output":
            self.plants[target].output_kt = value
        elif op == "depot_volume":
            self.depots[target].volume_kt = value
        elif op == "depot_factor":
            self.depots[target].factor = value
        else:  # pragma: no cover - the timeline only emits the ops above
            raise AssertionError(f"unknown LPG change {op!r}")

    def finish(self) -> None:
        """Close the time integrals at the end of the run."""
        end = float(self.cal.days)
        for t in self.terminals:
            t.area += t.queue * (end - t.last)
            t.last = end
            t.bay_capacity_area += t.bays.capacity * (end - t.bays_last)
            t.bays_last = end
        for f in self.fleets:
            f.truck_area += f.active * (end - f.trucks_last)
            f.trucks_last = end


# ---------------------------------------------------------------------------- processes


def plant(
    env: simpy.Environment, net: LpgNetwork, p: PlantState
) -> Generator[simpy.Event, None, None]:
    """Each day: put the day's output into storage; shut in what does not fit."""
    yield env.timeout(PLANT_TIME)
    for day in range(net.cal.days):
        out = p.output_kt * net.per_day[day]
        room = p.tank.capacity - p.tank.level
        stored = min(out, room)
        if stored > EPS:
            p.tank.give_now(stored, _noop)
            net.produced[p.index][day] += stored
        else:
            stored = 0.0
        net.potential[p.index][day] += out
        net.shut_in[p.index][day] += out - stored
        p.signal.fire()
        if day < net.cal.days - 1:
            yield env.timeout(1)


def _noop(_: float) -> None:
    return None


def train(
    env: simpy.Environment, net: LpgNetwork, r: RailState, k: int
) -> Generator[simpy.Event, None, None]:
    """One trainset: load, run to the border, queue for a bay, unload car by car, return."""
    term = r.terminal
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
            amount = min(r.load_t, sum(p.tank.level for p in r.origins))
            if amount <= EPS:
                continue
        else:
            if sum(p.tank.level for p in r.origins) + EPS < r.load_t:
                yield env.any_of([p.signal.wait() for p in r.origins])
                continue
            amount = r.load_t
        left = amount
        for p in r.origins:  # stock checked above: every take is granted at once
            x = min(p.tank.level, left)
            if x > EPS:
                p.tank.take_now(x, net.board_train)
                left -= x
        net.departed_total[r.index] += amount
        if net.trace is not None:
            net.log(f"train {r.id}#{k}", "loaded", amount)
        yield env.timeout(r.load_days + r.transit_days + (delay() if delay else 0.0))
        arrived = env.now
        if net.trace is not None:
            net.log(f"train {r.id}#{k}", f"at {term.id}", amount)
        term.arrive(arrived)
        while not (r.gate.open and term.gate.open):
            yield env.any_of([r.gate.wait(), term.gate.wait()])
        with term.bays.request() as bay:
            yield bay
            term.start(env.now, arrived)
            if net.trace is not None:
                net.log(f"train {r.id}#{k}", "in bay", env.now - arrived)
            began = env.now
            cars = math.ceil(amount / r.t_per_car - EPS)
            # the hot loop (one turn per tank car): attributes looked up once
            tank, gate, unload, per_car = term.tank, term.gate, net.unload[term.index], r.t_per_car
            car_days, tracing, timeout = term.hours_per_car / 24, net.trace is not None, env.timeout
            for car in range(cars):
                load = min(per_car, amount - car * per_car)
                yield timeout(car_days)
                while not gate.open:
                    yield gate.wait()
                if tank._capacity - tank._level + EPS >= load and not tank.put_queue:
                    tank.give_now(load, unload)
                else:  # terminal storage full: wait for room
                    yield tank.give(load, unload)
                if tracing:
                    net.log(f"train {r.id}#{k}", "car emptied", load)
            term.bay_busy += env.now - began
        yield env.timeout(r.return_days)
        if net.trace is not None:
            net.log(f"train {r.id}#{k}", "back", 0.0)


def _unload(net: LpgNetwork, term: TerminalState) -> Book:
    """The booking of a tank car emptied into terminal storage; wakes the terminal's
    fleets that were waiting for stock."""
    fleets = [f for f in net.fleets if f.terminal is term]

    def book(amount: float) -> None:
        net.on_trains -= amount
        net.unloaded_total[term.index] += amount
        for f in fleets:
            if f.blocked in ("stock", "trucks") and term.tank._level + EPS >= f.t_per_truck:
                f.wake.fire()

    return book


def _ready(net: LpgNetwork, f: FleetState) -> int | None:
    """The leg a truck can be sent on now (the depot most in need with room for a load,
    with stock at an open terminal), or None."""
    term = f.terminal
    if not term.gate.open or term.tank._level + EPS < f.t_per_truck:
        return None
    return f.choose(net.per_day[min(int(net.env.now), net.cal.days - 1)])


def _blocked(f: FleetState) -> str:
    """Why no more trucks can leave now: what has to change before one can."""
    term = f.terminal
    if not term.gate.open:
        return "gate"
    if f.idle == 0:
        return "trucks"
    if term.tank._level + EPS < f.t_per_truck:
        return "stock"
    return "room"


def _load(
    net: LpgNetwork, f: FleetState, leg: int, delay: Callable[[], float] | None
) -> tuple[float, float]:
    """Load a truck for ``leg`` (stock checked: granted at once); reserve room at the depot.
    Return the days to the depot and back."""
    dest, trip, back = f.legs[leg]
    f.terminal.tank.take_now(f.t_per_truck, net.board_truck)
    dest.en_route += f.t_per_truck
    f.away += 1
    there = f.load_days + trip + (delay() if delay else 0.0)
    f.busy += there + back
    return there, back


def _unload_at_depot(net: LpgNetwork, f: FleetState, leg: int) -> None:
    dest = f.legs[leg][0]
    dest.tank.give_now(f.t_per_truck, net.deliver[f.index][leg])  # room was reserved
    dest.en_route -= f.t_per_truck


def fleet(
    env: simpy.Environment, net: LpgNetwork, f: FleetState
) -> Generator[simpy.Event, None, None]:
    """A fleet of road tankers at one terminal. Whenever something changes (a tank car is
    emptied, a depot has sold, the border opens, trucks are added) it sends every idle
    truck that has a load and a depot with room for it.

    It sleeps until something changes: a truck's arrival at a depot is settled when the
    depot next sells or is recorded (a depot's stock plus what is on the way, which is all
    a dispatch looks at, does not change when a truck arrives), and a truck's return
    matters only when trucks are all that is missing, in which case the fleet wakes when
    the first one is back. The tables are the same as with one process per truck
    (:func:`tanker_truck`), for a fraction of the events.
    """
    returns, legs, gate = f.returns, f.legs, f.terminal.gate
    stock, load = f.terminal.tank, f.t_per_truck
    last_day = net.cal.days - 1
    # per leg: depot, its tank, days there, days back, the depot's bookkeeping list
    plan = [(d, d.tank, f.load_days + trip, back) for d, trip, back in legs]
    push, tracing = heapq.heappush, net.trace is not None
    delay = net.delays(f.id)
    while True:
        now = env.now
        f.settle_returns(now)
        per_day = net.per_day[min(int(now), last_day)]
        # the hot path: the rule of _ready, FleetState.choose and _load, inlined (the
        # per-truck model, which calls them, must give the same tables: a test checks)
        while f.active > f.away and gate.open and stock._level + EPS >= load:
            leg, best_cover = -1, math.inf
            for i, (d, tank, _, _) in enumerate(plan):
                held = tank._level + d.en_route
                if held + load > tank._capacity + EPS:
                    continue
                demand = d.volume_kt * d.factor * per_day
                cover = held / demand if demand > 0 else math.inf
                if leg < 0 or cover < best_cover:
                    leg, best_cover = i, cover
            if leg < 0:
                break
            dest, _, there, back = plan[leg]
            if delay is not None:
                there += delay()
            stock._level = max(stock._level - load, 0.0)
            net.on_trucks += load
            if stock.put_queue:
                stock._trigger_put(None)
            dest.en_route += load
            f.away += 1
            f.busy += there + back
            net.seq += 1
            push(dest.arrivals, (now + there, net.seq, f.index, leg))
            push(returns, now + there + back)
            if tracing:
                net.log(f"fleet {f.id}", f"truck loaded for {dest.id}", load)
                net.log(f"fleet {f.id}", f"truck at {dest.id}", load, now + there)
                net.log(f"fleet {f.id}", "truck back", 0.0, now + there + back)
        f.blocked = _blocked(f)
        if (
            f.blocked == "trucks"
            and returns
            and f.timer > returns[0]
            and _ready(net, f) is not None
        ):
            # a truck back is all it takes: wake when the first one is
            f.timer = returns[0]
            env.timeout(returns[0] - now).callbacks.append(partial(_timer, f))
        yield f.wake.wait()


def _timer(f: FleetState, _: simpy.Event) -> None:
    f.timer = math.inf
    f.wake.fire()


def settle_arrivals(net: LpgNetwork, d: DepotState, now: float) -> None:
    """Unload the trucks that have reached depot ``d`` by ``now``."""
    arrivals = d.arrivals
    if not arrivals or arrivals[0][0] > now:
        return
    tank = d.tank
    while arrivals and arrivals[0][0] <= now:
        _, _, fi, leg = heapq.heappop(arrivals)
        load = net.fleets[fi].t_per_truck
        # _unload_at_depot, inlined: room was reserved at dispatch
        tank._level = min(tank._level + load, tank._capacity)
        d.en_route -= load
        net.on_trucks -= load
        net.delivered_total[fi][leg] += load


def tanker_truck(
    env: simpy.Environment, net: LpgNetwork, f: FleetState, k: int
) -> Generator[simpy.Event, None, None]:
    """One road tanker, as its own process: the same dispatch rule as :func:`fleet` (a
    reference for tests; the fleet process gives the same tables at a fraction of the
    cost). With random delays, the n-th truck to leave draws the n-th delay of the fleet
    in both models."""
    delay = net.delays(f.id)
    while True:
        # the fleet's rule: a truck leaves only while fewer than `active` are on the road
        if k >= f.active or f.away >= f.active or (leg := _ready(net, f)) is None:
            f.blocked = _blocked(f) if k < f.active else f.blocked
            yield f.wake.wait()
            continue
        there, back = _load(net, f, leg, delay)
        dest = f.legs[leg][0]
        if net.trace is not None:
            net.log(f"fleet {f.id}", f"truck loaded for {dest.id}", f.t_per_truck)
        yield env.timeout(there)
        _unload_at_depot(net, f, leg)
        if net.trace is not None:
            net.log(f"fleet {f.id}", f"truck at {dest.id}", f.t_per_truck)
        yield env.timeout(back)
        f.away -= 1
        f.wake.fire()  # a truck back may let a waiting one leave (after a capacity cut)
        if net.trace is not None:
            net.log(f"fleet {f.id}", "truck back", 0.0)


def _deliver(net: LpgNetwork, f: FleetState, leg: int) -> Book:
    def book(amount: float) -> None:
        net.on_trucks -= amount
        net.delivered_total[f.index][leg] += amount

    return book


def depot(
    env: simpy.Environment, net: LpgNetwork, d: DepotState
) -> Generator[simpy.Event, None, None]:
    """Each day: meet the day's demand from stock; record what could not be met."""
    yield env.timeout(DEPOT_TIME)
    for day in range(net.cal.days):
        settle_arrivals(net, d, env.now)
        want = d.daily_demand(net.per_day[day])
        take = min(want, d.tank.level)
        if take > EPS:
            d.tank.take_now(take, _noop)
        else:
            take = 0.0
        net.demand[d.index][day] = want
        net.consumed[d.index][day] = take
        for f in net.serving[d.index]:
            if f.blocked in ("room", "trucks"):
                f.wake.fire()
        if day < net.cal.days - 1:
            yield env.timeout(1)


def lpg_monitor(env: simpy.Environment, net: LpgNetwork) -> Generator[simpy.Event, None, None]:
    """At the end of each day: stocks, what is on trains and trucks, queues."""
    # nominal capacities: a fleet's mean round trip (t/d = trucks x load / cycle), and a
    # rail route's t/d when open (trainsets x load over the cycle, unloading included)
    fleet_cycles = [
        (f, f.load_days + sum(trip + back for _, trip, back in f.legs) / len(f.legs))
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
    yield env.timeout(MONITOR_TIME)
    for day in range(net.cal.days):
        for d in net.depots:
            settle_arrivals(net, d, env.now)
        for p in net.plants:
            net.plant_level[p.index][day] = p.tank.level
        for t in net.terminals:
            net.terminal_level[t.index][day] = t.tank.level
            net.queue_end[t.index][day] = t.queue
            net.bays_busy_end[t.index][day] = t.bays.count
        for d in net.depots:
            net.depot_level[d.index][day] = d.tank.level
        for f, cycle in fleet_cycles:
            f.settle_returns(env.now)
            net.trucks_waiting[f.index][day] = f.idle
            net.fleet_capacity[f.index][day] = f.active * f.t_per_truck / cycle
        for r, rate in rail_rates:
            net.rail_capacity[r.index][day] = rate if r.gate.open else 0
        net.on_trains_end[day] = net.on_trains
        net.on_trucks_end[day] = net.on_trucks
        net.split_totals(day)
        if day < net.cal.days - 1:
            yield env.timeout(1)
