"""The LPG chain's state during a run: one record per plant, terminal, rail route, depot
and fleet, the tank cars of a train in a bay, and the ledger of what is in motion.

Records hold state and its bookkeeping (time integrals for the statistics); the rules
that change them are in :mod:`~gasroutes.sim.lpg.terminal` (unloading),
:mod:`~gasroutes.sim.lpg.rationing` (who gets scarce LPG) and
:mod:`~gasroutes.sim.lpg.processes` (the actors).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

import simpy

from gasroutes.sim.lpg.stores import EPS, INF, Gate, Signal, Tank
from gasroutes.sim.simpy_internals import set_capacity

__all__ = [
    "Cars",
    "DepotState",
    "FleetState",
    "Ledger",
    "PlantState",
    "RailState",
    "TerminalState",
]


class Ledger:
    """What is in motion, booked the instant it moves, and the running totals of the
    moves that can happen at any time of day (the monitor records them each evening).
    With ``trace``, every move is also logged as (time, actor, action, tonnes)."""

    def __init__(
        self, env: simpy.Environment, rails: int, terminals: int, legs: list[int], trace: bool
    ) -> None:
        self.env = env
        self.on_trains = 0.0
        self.on_trucks = 0.0
        self.departed = [0.0] * rails
        self.unloaded = [0.0] * terminals
        self.delivered = [[0.0] * n for n in legs]  # per fleet, per leg
        self.seq = 0  # tie-breaker of simultaneous truck arrivals
        self.trace: list[tuple[float, str, str, float]] | None = [] if trace else None

    def log(self, actor: str, action: str, tonnes: float, at: float | None = None) -> None:
        """Trace one move (``at`` for a move booked ahead, such as a truck's arrival)."""
        assert self.trace is not None
        when = self.env.now if at is None else at
        self.trace.append((round(when, 9), actor, action, round(tonnes, 9)))


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

    def left(self) -> float:
        """The tonnes still on the train."""
        return self.amount - self.car * self.per_car


@dataclass
class TerminalState:
    """A border terminal: its storage, its bays and the trains in them, and the car
    moves not yet settled (see :mod:`gasroutes.sim.lpg.terminal`)."""

    id: str
    index: int
    env: simpy.Environment
    ledger: Ledger
    tank: Tank
    bays: simpy.Resource
    hours_per_car: float
    gate: Gate
    fleets: list[FleetState] = field(default_factory=list)  # the fleets that load here
    queue: int = 0  # trains arrived, not yet unloading
    area: float = 0.0  # integral of the queue length over time (train-days)
    last: float = 0.0
    arrivals: int = 0
    waits: list[float] = field(default_factory=list)  # days, one per train that started
    bay_busy: float = 0.0  # bay-days of unloading
    bay_blocked: float = 0.0  # of which cars waited for room in storage
    bay_capacity_area: float = 0.0  # integral of the number of bays over time
    bays_last: float = 0.0
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
        set_capacity(self.bays, bays)

    def close(self, end: float) -> None:
        """Close the time integrals at the end of the run."""
        self._advance(end)
        for cars in self.waiting_room:  # still waiting for room when the run ends
            self.bay_blocked += end - cars.waiting_since
        self.bay_capacity_area += self.bays.capacity * (end - self.bays_last)
        self.bays_last = end


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
    # depot that has run dry counts it as negative stock (see rationing.pick_depot)
    owed: float = 0.0
    # heap of trucks on the way: arrival time, tie-breaker, fleet, leg, trucks
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

    def waits_for_cars(self) -> bool:
        """Whether what a tank car brings can let this fleet send a truck: it waits for
        stock, or for trucks with no wake-up set for the first one back (it sets one once
        a load is there). A fleet waiting for trucks with its wake-up set would wake to
        do nothing."""
        return self.blocked == "stock" or (self.blocked == "trucks" and self.timer == INF)

    def set_trucks(self, now: float, trucks: int) -> None:
        self.truck_area += self.active * (now - self.trucks_last)
        self.trucks_last = now
        self.active = trucks

    def close(self, end: float) -> None:
        """Close the time integral at the end of the run."""
        self.truck_area += self.active * (end - self.trucks_last)
        self.trucks_last = end
