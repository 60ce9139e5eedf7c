"""Unloading at a border terminal: trains in the bays emptied car by car into storage.

The tank cars in the bays are emptied one by one, each ``hours_per_car`` after the one
before, into storage when there is room (else they wait, first come first served) and
while the terminal is open (else they wait for it to reopen). Those moves are settled
lazily: whoever reads or changes the terminal's storage (a fleet, the monitor, a dated
change) first calls :func:`settle`, which replays the car moves due by then in time
order. Nothing else can see them, so the outcome is the same as one SimPy event per car,
for a fraction of the events. Real events (:func:`arm`) are kept for the two moments
others must see as they happen: a train's last car (the train goes on) and, while a fleet
waits for stock, each car that comes in.
"""

from __future__ import annotations

import heapq
from functools import partial

import simpy

from gasroutes.sim.lpg.state import Cars, TerminalState
from gasroutes.sim.lpg.stores import EPS, INF
from gasroutes.sim.simpy_internals import call_at

__all__ = ["arm", "make_room", "reopened", "settle", "take_truck", "unload"]


def unload(t: TerminalState, label: str, amount: float, per_car: float) -> simpy.Event:
    """Start emptying a train in a bay now; the event fires when its last car is
    emptied."""
    now = t.env.now
    settle(t, now)  # car moves due now were created before this train's first
    cars = Cars(label, amount, per_car, now, t.env.event())
    _transfer(t, cars, now + t.hours_per_car / 24, True)
    arm(t)
    return cars.done


def _transfer(t: TerminalState, cars: Cars, ready: float, held_up: bool) -> None:
    """The current car's transfer ends at ``ready``; ``held_up`` when that is not
    ``hours_per_car`` after the car before was due (a new train, or one that waited)."""
    cars.ready = ready
    if held_up:  # when the last car is due if nothing holds the train up again
        car_days, last = t.hours_per_car / 24, ready
        for _ in range(cars.cars - cars.car - 1):
            last += car_days
        cars.last = last
    t.seq += 1
    heapq.heappush(t.transferring, (ready, t.seq, cars))


def settle(t: TerminalState, now: float, inclusive: bool = True) -> None:
    """Replay the car moves due by ``now`` (or before it, for an observer whose own
    event was scheduled before those moves'), in time order.

    A train's next car is taken in the same loop while it comes before any other train's
    (as if it had gone through the heap); nothing outside the terminal runs meanwhile, so
    whether the gate is open and which fleets wait for cars do not change."""
    heap = t.transferring
    if not heap or heap[0][0] > now or (heap[0][0] == now and not inclusive):
        return
    if not t.gate.open:  # the cars that finish their transfer wait for it to reopen
        while heap and (heap[0][0] < now or (heap[0][0] == now and inclusive)):
            t.waiting_gate.append(heapq.heappop(heap)[2])
        return
    tank, waiting, car_days = t.tank, t.waiting_room, t.hours_per_car / 24
    while heap:
        ready, _, cars = heap[0]
        if ready > now or (ready == now and not inclusive):
            break
        heapq.heappop(heap)
        while True:  # this train's cars, while they come before any other's
            load = cars.load()
            if waiting or tank.capacity - tank.level + EPS < load:
                # storage full: wait for room behind those already waiting
                cars.waiting_since = ready
                waiting.append(cars)
                make_room(t, ready)
                break
            tank.put(load)
            _emptied(t, cars, ready, load)
            if cars.car == cars.cars:  # the last car: the train goes on
                _finished(t, cars, ready)
                break
            nxt = ready + car_days
            if (nxt < now or (nxt == now and inclusive)) and (not heap or nxt < heap[0][0]):
                ready = cars.ready = nxt
                continue
            _transfer(t, cars, nxt, False)
            break


def make_room(t: TerminalState, now: float) -> None:
    """Empty the waiting cars, first come first served, while there is room."""
    waiting, tank = t.waiting_room, t.tank
    while waiting:
        cars = waiting[0]
        load = cars.load()
        if tank.capacity - tank.level < load:
            break
        waiting.popleft()
        tank.put(load)
        t.bay_blocked += now - cars.waiting_since
        _emptied(t, cars, now, load)
        if cars.car < cars.cars:
            _transfer(t, cars, now + t.hours_per_car / 24, now != cars.ready)
        else:
            _finished(t, cars, now)


def _emptied(t: TerminalState, cars: Cars, now: float, load: float) -> None:
    """A car is empty: its tonnes move from the train to storage; a fleet waiting for
    stock is woken when there is a load for a truck."""
    ledger = t.ledger
    ledger.on_trains -= load
    ledger.unloaded[t.index] += load
    for f in t.fleets:
        if f.waits_for_cars() and t.tank.level + EPS >= f.t_per_truck:
            f.wake.fire()
    if ledger.trace is not None:
        ledger.log(f"train {cars.label}", "car emptied", load, now)
    cars.car += 1


def _finished(t: TerminalState, cars: Cars, now: float) -> None:
    """The last car is empty: the train goes on, which must happen when it does (see
    :func:`arm`)."""
    if now != t.env.now:  # pragma: no cover - a broken invariant, not an input error
        raise AssertionError(f"{cars.label} finished unloading at {now}, seen at {t.env.now}")
    t.bay_busy += now - cars.began
    cars.done.succeed()


def take_truck(t: TerminalState, amount: float) -> None:
    """A road tanker loads ``amount`` now (it is there); waiting cars may then empty."""
    t.tank.take(amount)
    t.ledger.on_trucks += amount
    if t.waiting_room:
        make_room(t, t.env.now)


def reopened(t: TerminalState, _: simpy.Event) -> None:
    """The terminal has opened: the cars that finished their transfer while it was
    closed go on now, in the order they stopped (if it is still open)."""
    now = t.env.now
    if not t.gate.open:
        return
    for cars in t.waiting_gate:
        _transfer(t, cars, now, True)
    t.waiting_gate.clear()
    settle(t, now)
    arm(t)


def arm(t: TerminalState) -> None:
    """Make sure a real event comes by the next moment that cannot wait to be settled:
    the earliest last car of a train in a bay, unless that train is sure to wait for
    room first (its own cars do not fit: only a truck, which calls this again, can
    make room), and the next car move while a fleet waits for stock (each such move
    may send it trucks)."""
    heap = t.transferring
    if not heap:
        return
    due = INF
    room = t.tank.room() + 1e-6
    car_days = t.hours_per_car / 24
    for _, _, cars in heap:
        # the tonnes surely due by its last car: its own, and (counted short) the cars
        # of the other trains due before; more than the room means a car waits first,
        # and every car after it waits too (first come first served)
        need = cars.left()
        for ready, _, other in heap:
            if other is not cars and ready < cars.last:
                due_cars = min(
                    int((cars.last - ready) / car_days - 1e-6) + 1, other.cars - other.car
                )
                need += min(due_cars * other.per_car, other.left())
        if need > room:
            continue
        due = min(due, cars.last)
    if any(f.waits_for_cars() for f in t.fleets):
        due = min(due, heap[0][0])
    alarms = t.alarms
    if due == INF or (alarms and alarms[0] <= due):
        return
    heapq.heappush(alarms, due)
    call_at(t.env, due, partial(_alarm, t))


def _alarm(t: TerminalState, _: simpy.Event) -> None:
    heapq.heappop(t.alarms)
    settle(t, t.env.now)
    arm(t)
