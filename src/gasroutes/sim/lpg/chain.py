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
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import simpy
from simpy.events import NORMAL

from gasroutes.scenario.schedules import schedule_value

if TYPE_CHECKING:
    from gasroutes.scenario.lpg import LpgChain
    from gasroutes.sim.days import Calendar

__all__ = ["Gate", "LpgNetwork", "Tank", "depot", "lpg_monitor", "plant", "tanker_truck", "train"]

Book = Callable[[float], None]
EPS: Final = 1e-9
INF: Final = math.inf  # constants marked Final are inlined by mypyc

# Times of day (fractions) at which the daily actors work: after the day's events (at the
# start of the day), plants first, depots later, the monitor last.
PLANT_TIME: Final = 0.25
DEPOT_TIME: Final = 0.75
MONITOR_TIME: Final = 0.999

# Missed demand counts against a depot's stock when trucks and trains are shared out,
# forgotten by half every OWED_HALF_LIFE_DAYS, so that under lasting scarcity each depot's
# shortfall, in days of its own demand, is kept level (LPG shared in proportion to
# demand), and a month or two after the scarcity ends the depots are equals again.
OWED_HALF_LIFE_DAYS: Final = 30.0
OWED_DECAY: Final = 0.9771599684342459  # 0.5 ** (1 / OWED_HALF_LIFE_DAYS)


class Tank:
    """A storage container: a level between 0 and a capacity, in tonnes, as in a
    ``simpy.Container``, but moved at once: ``take_now`` and ``give_now`` move what is there
    (or what fits) and call ``book(amount)``, so the tonnes are never in two places, nor in
    none. Nothing waits on a tank: whoever would have waited (a train for a load, a car
    for room, a truck for stock) is woken by the one who changes its level."""

    def __init__(self, capacity: float, init: float = 0.0) -> None:
        self._capacity = float(capacity)
        self._level = float(init)

    @property
    def capacity(self) -> float:
        return self._capacity

    @property
    def level(self) -> float:
        return self._level

    def take_now(self, amount: float, book: Book) -> None:
        """Take ``amount`` that is there now."""
        assert amount <= self._level + EPS, "take_now needs the stock to be there"
        self._level = max(self._level - amount, 0.0)
        book(amount)

    def give_now(self, amount: float, book: Book) -> None:
        """Store ``amount`` for which there is room now."""
        assert amount <= self._capacity - self._level + EPS, "give_now needs room"
        self._level = min(self._level + amount, self._capacity)
        book(amount)


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


class Tick:
    """One SimPy event a day for the processes that act at the same time of day (the
    plants; the depots). The first to ask for a day's event creates it, the others wait on
    the same one and are resumed in the order they asked: the order their own events would
    have had, for one event instead of one each."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.day = -1
        self.event: simpy.Event | None = None

    def at(self, day: int, delay: float) -> simpy.Event:
        """The event of ``day``, ``delay`` days from now (the same for all who ask)."""
        if self.day != day or self.event is None:
            self.day = day
            self.event = self.env.timeout(delay)
        return self.event


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


class Cars:
    """The tank cars of one train in a bay: the next car's index, when its transfer ends
    (``ready``, while it transfers) and when the last car would be emptied if nothing held
    the train up (``last``)."""

    __slots__ = (
        "amount",
        "began",
        "car",
        "cars",
        "done",
        "label",
        "last",
        "per_car",
        "ready",
        "waiting_since",
    )

    def __init__(
        self, label: str, amount: float, per_car: float, began: float, done: simpy.Event
    ) -> None:
        self.label = label
        self.amount = amount
        self.per_car = per_car
        self.cars = math.ceil(amount / per_car - EPS)
        self.car = 0
        self.began = began
        self.ready = self.last = INF
        self.waiting_since = 0.0  # when the current car began to wait for room
        self.done = done

    def load(self) -> float:
        """The tonnes in the current car (the last one may be part-full)."""
        return min(self.per_car, self.amount - self.car * self.per_car)


@dataclass
class TerminalState:
    """A border terminal: its storage, its bays and the trains in them.

    The tank cars in the bays are emptied one by one, each ``hours_per_car`` after the one
    before, into storage when there is room (else they wait, first come first served)
    and while the terminal is open (else they wait for it to reopen). Those moves are
    settled lazily: whoever reads or changes the terminal's storage (a fleet, the monitor,
    a dated change) first calls :meth:`settle`, which replays the car moves due by then in
    time order. Nothing else can see them, so the outcome is the same as one SimPy event
    per car, for a fraction of the events. Real events (:meth:`arm`) are kept for the two
    moments others must see as they happen: a train's last car (the train goes on) and,
    while a fleet waits for stock, each car that comes in.
    """

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
    bay_blocked: float = 0.0  # of which cars waited for room in storage
    bay_capacity_area: float = 0.0  # integral of the number of bays over time
    bays_last: float = 0.0
    # lazily settled unloading (see the class docstring)
    net: LpgNetwork | None = None  # set by the network
    book: Book = field(default=lambda _: None)  # the booking of an emptied car (set by the network)
    fleets: list[FleetState] = field(default_factory=list)  # the fleets that load here
    log: Callable[[str, str, float, float], None] | None = None  # trace (actor, action, t, at)
    transferring: list[tuple[float, int, Cars]] = field(default_factory=list)  # heap by ready
    waiting_room: deque[Cars] = field(default_factory=deque)  # emptied, waiting for room
    waiting_gate: list[Cars] = field(default_factory=list)  # transferred, terminal closed
    alarms: list[float] = field(default_factory=list)  # heap of scheduled real events
    seq: int = 0  # creation order of car moves (ties at the same instant)

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

    # ------------------------------------------------------------------ unloading

    def unload(self, label: str, amount: float, per_car: float) -> simpy.Event:
        """Start emptying a train in a bay now; the event fires when its last car is
        emptied."""
        env = self.bays._env
        now = env.now
        self.settle(now)  # car moves due now were created before this train's first
        cars = Cars(label, amount, per_car, now, env.event())
        self._transfer(cars, now + self.hours_per_car / 24, True)
        self.arm()
        return cars.done

    def _transfer(self, cars: Cars, ready: float, held_up: bool) -> None:
        """The current car's transfer ends at ``ready``; ``held_up`` when that is not
        ``hours_per_car`` after the car before was due (a new train, or one that waited)."""
        cars.ready = ready
        if held_up:  # when the last car is due if nothing holds the train up again
            car_days, last = self.hours_per_car / 24, ready
            for _ in range(cars.cars - cars.car - 1):
                last += car_days
            cars.last = last
        self.seq += 1
        heapq.heappush(self.transferring, (ready, self.seq, cars))

    def settle(self, now: float, inclusive: bool = True) -> None:
        """Replay the car moves due by ``now`` (or before it, for an observer whose own
        event was scheduled before those moves'), in time order."""
        heap = self.transferring
        if not heap or heap[0][0] > now or (heap[0][0] == now and not inclusive):
            return
        if not self.gate.open or self.log is not None or self._fleet_waits_for_cars():
            self._settle_each(now, inclusive)
            return
        # the common case, in one loop on local copies: nobody is woken by a car, so a
        # car is no more than the tonnes it moves (the same float operations, in the same
        # order, as the per-car path in _settle_each)
        net = self.net
        assert net is not None, "a terminal belongs to a network"
        tank, waiting, pop, push = self.tank, self.waiting_room, heapq.heappop, heapq.heappush
        cap, level, car_days = tank._capacity, tank._level, self.hours_per_car / 24
        on_trains, unloaded = net.on_trains, net.unloaded_total[self.index]
        while heap:
            ready, _, cars = heap[0]
            if ready > now or (ready == now and not inclusive):
                break
            pop(heap)
            per_car, amount, count, car = cars.per_car, cars.amount, cars.cars, cars.car
            while True:  # this train's cars, while they come before any other's
                load = min(per_car, amount - car * per_car)
                if waiting or cap - level + EPS < load:  # storage full: wait for room
                    tank._level, net.on_trains = level, on_trains
                    net.unloaded_total[self.index] = unloaded
                    cars.car = car
                    cars.waiting_since = ready
                    waiting.append(cars)
                    self.make_room(ready)
                    level, on_trains = tank._level, net.on_trains
                    unloaded = net.unloaded_total[self.index]
                    break
                level = min(level + load, cap)
                on_trains -= load
                unloaded += load
                car += 1
                if car == count:  # the last car: the train goes on
                    tank._level, net.on_trains = level, on_trains
                    net.unloaded_total[self.index] = unloaded
                    cars.car = car
                    self._finished(cars, ready)
                    break
                nxt = ready + car_days
                if (nxt < now or (nxt == now and inclusive)) and (not heap or nxt < heap[0][0]):
                    ready = nxt
                    continue
                cars.car, cars.ready = car, nxt
                self.seq += 1
                push(heap, (nxt, self.seq, cars))
                break
        tank._level, net.on_trains = level, on_trains
        net.unloaded_total[self.index] = unloaded

    def _fleet_waits_for_cars(self) -> bool:
        """Whether a fleet here waits for what a car brings, so that each car must wake it
        when it comes in: for stock, or for trucks with no wake-up set for the first one
        back (it sets one once a load is there). A fleet waiting for trucks with its wake-up
        set would wake to do nothing, so the cars need not wake it."""
        return any(
            f.blocked == "stock" or (f.blocked == "trucks" and f.timer == INF) for f in self.fleets
        )

    def _settle_each(self, now: float, inclusive: bool) -> None:
        """:meth:`settle`, car by car through the bookings (traced, woken fleets, gates)."""
        heap = self.transferring
        tank, gate, pop = self.tank, self.gate, heapq.heappop
        while heap:
            ready = heap[0][0]
            if ready > now or (ready == now and not inclusive):
                return
            cars = pop(heap)[2]
            if not gate.open:
                self.waiting_gate.append(cars)
                continue
            load = cars.load()
            if not self.waiting_room and tank._capacity - tank._level + EPS >= load:
                tank._level = min(tank._level + load, tank._capacity)
                self._emptied(cars, ready, load)
            else:  # storage full: wait for room behind those already waiting
                cars.waiting_since = ready
                self.waiting_room.append(cars)
                self.make_room(ready)

    def make_room(self, now: float) -> None:
        """Empty the waiting cars, first come first served, while there is room."""
        waiting, tank = self.waiting_room, self.tank
        while waiting:
            cars = waiting[0]
            load = cars.load()
            if tank._capacity - tank._level < load:
                break
            waiting.popleft()
            tank._level += load
            self.bay_blocked += now - cars.waiting_since
            self._emptied(cars, now, load)

    def _emptied(self, cars: Cars, now: float, load: float) -> None:
        self.book(load)
        if self.log is not None:
            self.log(f"train {cars.label}", "car emptied", load, now)
        cars.car += 1
        if cars.car < cars.cars:
            self._transfer(cars, now + self.hours_per_car / 24, now != cars.ready)
        else:
            self._finished(cars, now)

    def _finished(self, cars: Cars, now: float) -> None:
        """The last car is empty: the train goes on, which must happen when it does (see
        :meth:`arm`)."""
        env = self.bays._env
        if now != env.now:  # pragma: no cover - a broken invariant, not an input error
            raise AssertionError(f"{cars.label} finished unloading at {now}, seen at {env.now}")
        self.bay_busy += now - cars.began
        cars.done.succeed()

    def take_truck(self, amount: float, book: Book) -> None:
        """A road tanker loads ``amount`` now (it is there); waiting cars may then empty."""
        tank = self.tank
        tank._level = max(tank._level - amount, 0.0)
        book(amount)
        if self.waiting_room:
            self.make_room(self.bays._env.now)

    def reopened(self, _: simpy.Event) -> None:
        """The terminal has opened: the cars that finished their transfer while it was
        closed go on now, in the order they stopped (if it is still open)."""
        now = self.bays._env.now
        if not self.gate.open:
            return
        for cars in self.waiting_gate:
            self._transfer(cars, now, True)
        self.waiting_gate.clear()
        self.settle(now)
        self.arm()

    def arm(self) -> None:
        """Make sure a real event comes by the next moment that cannot wait to be settled:
        the earliest last car of a train in a bay, unless that train is sure to wait for
        room first (its own cars do not fit: only a truck, which calls this again, can
        make room), and the next car move while a fleet waits for stock (each such move
        may send it trucks)."""
        heap = self.transferring
        if not heap:
            return
        due = INF
        room = self.tank._capacity - self.tank._level + 1e-6
        car_days = self.hours_per_car / 24
        for _, _, cars in heap:
            # the tonnes surely due by its last car: its own, and (counted short) the cars
            # of the other trains due before; more than the room means a car waits first,
            # and every car after it waits too (first come first served)
            need = cars.amount - cars.car * cars.per_car
            for ready, _, other in heap:
                if other is not cars and ready < cars.last:
                    due_cars = min(
                        int((cars.last - ready) / car_days - 1e-6) + 1, other.cars - other.car
                    )
                    need += min(due_cars * other.per_car, other.amount - other.car * other.per_car)
            if need > room:
                continue
            due = min(due, cars.last)
        if self._fleet_waits_for_cars():
            due = min(due, heap[0][0])
        alarms = self.alarms
        if due == INF or (alarms and alarms[0] <= due):
            return
        heapq.heappush(alarms, due)
        call_at(self.bays._env, due, self._alarm)

    def _alarm(self, _: simpy.Event) -> None:
        heapq.heappop(self.alarms)
        self.settle(self.bays._env.now)
        self.arm()


def call_at(env: simpy.Environment, when: float, callback: Callable[[simpy.Event], None]) -> None:
    """Run ``callback`` at exactly ``when`` (``env.timeout(when - now)`` could round to a
    neighbouring float)."""
    event = simpy.Event(env)
    event._ok = True
    event._value = None
    event.callbacks.append(callback)
    heapq.heappush(env._queue, (when, NORMAL, next(env._eid), event))


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
    waiting: int = 0  # trainsets waiting at the plants for a full load
    rivals: list[RailState] = field(default_factory=list)  # routes sharing an origin
    feeds: list[RailState] = field(default_factory=list)  # routes to the same terminal
    depots: list[DepotState] = field(default_factory=list)  # served from its terminal


def rail_cover(net: LpgNetwork, r: RailState, per_day: float) -> float:
    """Days of demand the LPG beyond a rail route's loading point covers: what is on its
    trains and at its terminal, and at (or on the way to) the depots the terminal's
    fleets serve, less the demand those depots have missed (as in FleetState.choose),
    less the days of the train's loaded run (a long route holds more on its trains
    without being better supplied)."""
    term = r.terminal
    held = term.tank._level - net.unloaded_total[term.index]
    for x in r.feeds:
        held += net.departed_total[x.index]
    demand = 0.0
    for d in r.depots:
        held += d.tank._level + d.en_route - d.owed
        demand += d.volume_kt * d.factor * per_day
    return held / demand - r.load_days - r.transit_days if demand > 0 else INF


def defers(net: LpgNetwork, r: RailState) -> bool:
    """Whether a train of ``r`` that could load now leaves the load to a rival route's
    waiting train whose terminal has fewer days of cover (and whose own origins hold a
    full load for it): plants ration scarce LPG between rail routes as fleets do between
    depots, the most in need first."""
    if not r.rivals:
        return False
    per_day = net.per_day[min(int(net.env.now), net.cal.days - 1)]
    mine = INF
    for x in r.rivals:
        if x.waiting == 0 or not x.gate.open:
            continue
        if sum((p.tank._level for p in x.origins), 0.0) + EPS < x.load_t:
            continue
        if mine == INF:
            mine = rail_cover(net, r, per_day)
        if rail_cover(net, x, per_day) < mine:
            return True
    return False


@dataclass
class DepotState:
    id: str
    index: int
    volume_kt: float
    factor: float
    tank: Tank
    price: float
    en_route: float = 0.0
    # the demand the depot has missed, forgotten by half every OWED_HALF_LIFE_DAYS: a
    # depot that has run dry counts it as negative stock (see FleetState.choose)
    owed: float = 0.0
    # heap of trucks on the way (fleet model): arrival time, tie-breaker, fleet, leg, trucks
    arrivals: list[tuple[float, int, int, int, int]] = field(default_factory=list)

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
    returns: list[tuple[float, int]] = field(default_factory=list)  # heap: time, trucks back
    timer: float = INF  # time of the pending wake-up for a returning truck
    blocked: str = "gate"  # what the fleet waits for: gate, trucks, stock or room

    def settle_returns(self, now: float) -> None:
        """Count the trucks back by ``now`` (the fleet model books returns lazily)."""
        returns = self.returns
        while returns and returns[0][0] <= now:
            self.away -= heapq.heappop(returns)[1]

    @property
    def idle(self) -> int:
        """Trucks at the terminal, free to load."""
        return max(self.active - self.away, 0)

    def choose(self, per_day: float) -> int | None:
        """The leg to the depot with the fewest days of cover that has room for a load.

        Cover is stock and loads on the way, less the demand the depot has missed
        (forgotten by half every OWED_HALF_LIFE_DAYS), in days of its demand: so when LPG
        is scarce and every depot runs dry, trucks go to the one that has missed the most,
        and each depot's shortfall, in days of its own demand, is kept level: the LPG is
        shared in proportion to demand, near depots and far alike."""
        best, best_cover = None, INF
        load = self.t_per_truck
        for i, (d, _, _) in enumerate(self.legs):
            tank = d.tank
            held = tank._level + d.en_route
            if held + load > tank._capacity + EPS:
                continue
            demand = d.volume_kt * d.factor * per_day
            cover = (held - d.owed) / demand if demand > 0 else INF
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
                Tank(p.storage_t, p.initial_t),
                Signal(env),
            )
            for i, (pid, p) in enumerate(chain.plants.items())
        ]
        by_plant = {p.id: p for p in self.plants}
        self.terminals = [
            TerminalState(
                tid,
                i,
                Tank(t.storage_t, t.initial_t),
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
                Tank(d.storage_t, d.initial_t),
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
            sum((p.initial_t for p in chain.plants.values()), 0.0)
            + sum((t.initial_t for t in chain.terminals.values()), 0.0)
            + sum((d.initial_t for d in chain.depots.values()), 0.0)
        )
        # what is in motion, booked the instant it moves
        self.on_trains = 0.0
        self.on_trucks = 0.0
        self.seq = 0  # tie-breaker of simultaneous arrivals
        self.plant_tick, self.depot_tick = Tick(env), Tick(env)
        # when tracing: (time, actor, action, tonnes) for every move, for tests and debugging
        self.trace: list[tuple[float, str, str, float]] | None = [] if trace else None
        # random extra days on loaded trips, by trainset (route#k) and by fleet: one
        # stream each, shared by the fleet's trucks in the per-truck model
        self._delay_source = delays or (lambda _key: None)
        self._delays: dict[str, Callable[[], float] | None] = {}
        for t in self.terminals:
            t.net = self
            t.book = _unload(self, t)
            t.fleets = [f for f in self.fleets if f.terminal is t]
            t.log = self.log if trace else None
        self.deliver = [[_deliver(self, f, k) for k in range(len(f.legs))] for f in self.fleets]
        self.serving = [
            [f for f in self.fleets if any(leg[0] is d for leg in f.legs)] for d in self.depots
        ]
        for r in self.rails:
            r.rivals = [
                x
                for x in self.rails
                if x is not r
                and x.policy == "when_full"
                and any(p is q for p in r.origins for q in x.origins)
            ]
            r.feeds = [x for x in self.rails if x.terminal is r.terminal]
            depots: list[DepotState] = []
            for f in self.fleets:
                if f.terminal is r.terminal:
                    depots += [d for d, _, _ in f.legs if d not in depots]
            r.depots = depots

        def zeros(n: int) -> list[list[float]]:
            return [[0.0] * days for _ in range(n)]

        np_, nt, nr, nd, nf = (
            len(self.plants),
            len(self.terminals),
            len(self.rails),
            len(self.depots),
            len(self.fleets),
        )
        # written day by day by the plants and depots
        self.potential = zeros(np_)
        self.produced = zeros(np_)
        self.shut_in = zeros(np_)
        self.demand = zeros(nd)
        self.consumed = zeros(nd)
        # the monitor's end-of-day row (see lpg_monitor), split into arrays by finish()
        legs = sum(len(f.legs) for f in self.fleets)
        self.row_layout = [
            ("plant_level", np_),
            ("terminal_level", nt),
            ("queue_end", nt),
            ("bays_busy_end", nt),
            ("depot_level", nd),
            ("trucks_waiting", nf),
            ("fleet_capacity", nf),
            ("rail_capacity", nr),
            ("on_trains_end", 1),
            ("on_trucks_end", 1),
            ("departed", nr),  # running totals: finish() takes the daily differences
            ("unloaded", nt),
            ("delivered", legs),
        ]
        self.day_rows: list[list[float]] = []
        self.arrays: dict[str, Any] = {}
        # moves that can happen at any time of day are totalled as they happen; the
        # monitor records the totals at the end of each day
        self.departed_total = [0.0] * nr
        self.unloaded_total = [0.0] * nt
        self.delivered_total = [[0.0] * len(f.legs) for f in self.fleets]

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
            term = self.terminals[target] if op.startswith("terminal") else None
            if term is not None:
                term.settle(now, inclusive=False)  # dated changes come first in a day
            if op.endswith("cutoff"):
                gate.cut_off = bool(value)
            elif op.endswith("outage"):
                gate.outages += int(value)
            else:
                gate.commissioned = True
            gate.changed()
            if term is not None and gate.open and term.waiting_gate:
                # the held cars go on in an event of their own, scheduled where the trains
                # waiting for the gate are woken: after what was already due this instant
                reopen = self.env.event()
                reopen.callbacks.append(term.reopened)
                reopen.succeed()
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
        """Close the time integrals at the end of the run; split the monitor's rows into
        arrays (entities x days), the day's flows being the differences of the totals."""
        table = np.asarray(self.day_rows, dtype=float).reshape(len(self.day_rows), -1).T
        col = 0
        for name, width in self.row_layout:
            block = table[col : col + width]
            col += width
            if name in ("departed", "unloaded", "delivered"):
                block = np.diff(block, axis=1, prepend=0.0)
            self.arrays[name] = block[0] if name.startswith("on_") else block
        per_leg, self.arrays["delivered"] = self.arrays["delivered"], []
        for f in self.fleets:  # per fleet: legs x days
            self.arrays["delivered"].append(per_leg[: len(f.legs)])
            per_leg = per_leg[len(f.legs) :]
        end = float(self.cal.days)
        for t in self.terminals:
            t.area += t.queue * (end - t.last)
            t.last = end
            for cars in t.waiting_room:  # still waiting for room when the run ends
                t.bay_blocked += end - cars.waiting_since
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
        stored = min(out, tank._capacity - tank._level)
        if stored > EPS:  # Tank.give_now, inlined
            tank._level = min(tank._level + stored, tank._capacity)
            produced[day] += stored
        else:
            stored = 0.0
        potential[day] += out
        shut_in[day] += out - stored
        p.signal.fire()
        if day < last_day:
            yield tick.at(day + 1, 1.0)


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
            amount = min(r.load_t, sum((p.tank.level for p in r.origins), 0.0))
            if amount <= EPS:
                continue
        else:
            if sum((p.tank.level for p in r.origins), 0.0) + EPS < r.load_t or defers(net, r):
                r.waiting += 1
                yield env.any_of([p.signal.wait() for p in r.origins])
                r.waiting -= 1
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
            # car by car into storage (see TerminalState): back when the last is empty
            yield term.unload(f"{r.id}#{k}", amount, r.t_per_car)
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
            waits = f.blocked == "stock" or (f.blocked == "trucks" and f.timer == INF)
            if waits and term.tank._level + EPS >= f.t_per_truck:  # see _fleet_waits_for_cars
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
    f.terminal.take_truck(f.t_per_truck, net.board_truck)
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
    returns, term = f.returns, f.terminal
    gate, stock, load = term.gate, term.tank, f.t_per_truck
    per_days, last_day = net.per_day, net.cal.days - 1
    depots = [d for d, _, _ in f.legs]
    tanks = [d.tank for d in depots]
    caps = [t._capacity + EPS for t in tanks]
    there0 = [f.load_days + trip for _, trip, _ in f.legs]
    backs = [back for _, _, back in f.legs]
    n = len(depots)
    push, tracing, inf = heapq.heappush, net.trace is not None, INF
    delay = net.delays(f.id)
    while True:
        now = env.now
        if term.transferring:
            term.settle(now)
        if returns and returns[0][0] <= now:
            f.settle_returns(now)
        free = f.active - f.away
        sent_any, eligible = False, False
        if free > 0 and gate.open and stock._level + EPS >= load:
            # the hot path: the rule of _ready, FleetState.choose and _load, inlined and on
            # local copies of the state it changes (the per-truck model, which calls them,
            # must give the same tables: a test checks). A depot's days of cover are
            # recomputed only when a truck is sent to it.
            per_day = per_days[min(int(now), last_day)]
            levels = [t._level for t in tanks]
            en_route = [d.en_route for d in depots]
            owed = [d.owed for d in depots]
            demand = [d.volume_kt * d.factor * per_day for d in depots]
            cover, room = [inf] * len(depots), [False] * len(depots)
            for i in range(n):
                held = levels[i] + en_route[i]
                if not held + load > caps[i]:
                    room[i] = True
                    cover[i] = (held - owed[i]) / demand[i] if demand[i] > 0 else inf
            sent = [0] * len(depots)
            level, on_trucks, busy = stock._level, net.on_trucks, f.busy
            while free > 0 and level + EPS >= load:
                leg, best = -1, inf
                for i in range(n):
                    if room[i] and (leg < 0 or cover[i] < best):
                        leg, best = i, cover[i]
                if leg < 0:
                    break
                there, back = there0[leg], backs[leg]
                level = max(level - load, 0.0)
                on_trucks += load
                en_route[leg] += load
                held = levels[leg] + en_route[leg]
                if held + load > caps[leg]:
                    room[leg] = False
                else:
                    cover[leg] = (held - owed[leg]) / demand[leg] if demand[leg] > 0 else inf
                free -= 1
                if delay is not None:  # each truck its own times: a heap entry each
                    there += delay()
                    net.seq += 1
                    push(depots[leg].arrivals, (now + there, net.seq, f.index, leg, 1))
                    push(returns, (now + there + back, 1))
                else:
                    sent[leg] += 1
                busy += there + back
                if tracing:
                    dest = depots[leg].id
                    net.log(f"fleet {f.id}", f"truck loaded for {dest}", load)
                    net.log(f"fleet {f.id}", f"truck at {dest}", load, now + there)
                    net.log(f"fleet {f.id}", "truck back", 0.0, now + there + back)
                if term.waiting_room:  # room for the cars waiting to be emptied
                    stock._level, net.on_trucks = level, on_trucks
                    term.make_room(now)
                    level = stock._level
            sent_any = free < f.active - f.away
            eligible = True in room
            stock._level, net.on_trucks, f.busy = level, on_trucks, busy
            f.away = f.active - free
            for i in range(n):
                depots[i].en_route = en_route[i]
                if sent[i]:  # the trucks sent together arrive and come back together
                    net.seq += 1
                    push(depots[i].arrivals, (now + there0[i], net.seq, f.index, i, sent[i]))
                    push(returns, (now + there0[i] + backs[i], sent[i]))
        # _blocked, inlined
        if not gate.open:
            f.blocked = "gate"
        elif f.active - f.away <= 0:
            f.blocked = "trucks"
            # a truck back is all it takes (_ready): wake when the first one is
            if (
                returns
                and f.timer > returns[0][0]
                and stock._level + EPS >= load
                and (eligible or (not sent_any and _ready(net, f) is not None))
            ):
                f.timer = returns[0][0]
                env.timeout(f.timer - now).callbacks.append(partial(_timer, f))
        elif stock._level + EPS < load:
            f.blocked = "stock"
        else:
            f.blocked = "room"
        if term.transferring and (sent_any or f.blocked == "stock" or f.blocked == "trucks"):
            term.arm()  # trucks made room, or the fleet may now wait for cars
        yield f.wake.wait()


def _timer(f: FleetState, _: simpy.Event) -> None:
    f.timer = INF
    f.wake.fire()


def settle_arrivals(net: LpgNetwork, d: DepotState, now: float) -> None:
    """Unload the trucks that have reached depot ``d`` by ``now``."""
    arrivals = d.arrivals
    if not arrivals or arrivals[0][0] > now:
        return
    tank = d.tank
    while arrivals and arrivals[0][0] <= now:
        _, _, fi, leg, trucks = heapq.heappop(arrivals)
        load = net.fleets[fi].t_per_truck
        for _ in range(trucks):  # one by one, as the per-truck model books them
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
    term = f.terminal
    while True:
        term.settle(env.now)
        # the fleet's rule: a truck leaves only while fewer than `active` are on the road
        if k >= f.active or f.away >= f.active or (leg := _ready(net, f)) is None:
            f.blocked = _blocked(f) if k < f.active else f.blocked
            term.arm()
            yield f.wake.wait()
            continue
        there, back = _load(net, f, leg, delay)
        term.arm()
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
    tank, per_days, last_day = d.tank, net.per_day, net.cal.days - 1
    demand, consumed, serving = net.demand[d.index], net.consumed[d.index], net.serving[d.index]
    tick = net.depot_tick
    yield tick.at(0, DEPOT_TIME)
    for day in range(net.cal.days):
        if d.arrivals and d.arrivals[0][0] <= env.now:
            settle_arrivals(net, d, env.now)
        want = d.daily_demand(per_days[day])
        take = min(want, tank._level)
        if take > EPS:  # Tank.take_now, inlined
            tank._level = max(tank._level - take, 0.0)
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


def lpg_monitor(env: simpy.Environment, net: LpgNetwork) -> Generator[simpy.Event, None, None]:
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
    terminals, depots, fleets = net.terminals, net.depots, net.fleets
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
                t.settle(now, inclusive=False)  # its event predates any car move due now
        for f in fleets:
            if f.returns and f.returns[0][0] <= now:
                f.settle_returns(now)
        # one row in the order of net.row_layout
        row = [t._level for t in plant_tanks]
        row += [t._level for t in terminal_tanks]
        row += [t.queue for t in terminals]
        row += [t.bays.count for t in terminals]
        row += [t._level for t in depot_tanks]
        row += [max(f.active - f.away, 0) for f in fleets]
        row += [f.active * f.t_per_truck / cycle for f, cycle in fleet_cycles]
        row += [rate if r.gate.open else 0.0 for r, rate in rail_rates]
        row.append(net.on_trains)
        row.append(net.on_trucks)
        row += net.departed_total
        row += net.unloaded_total
        for totals in net.delivered_total:
            row += totals
        rows.append(row)
        if day < last_day:
            yield env.timeout(1)
