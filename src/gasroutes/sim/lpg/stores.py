"""The LPG chain's primitives: storage tanks, gates that open and close, and signals
that wake sleeping processes.

Nothing waits on a tank: whoever would have waited (a train for a load, a tank car for
room, a truck for stock) sleeps on a :class:`Signal` or a :class:`Gate` and is woken by
whoever changes what it waits for.
"""

from __future__ import annotations

import math
from typing import Final

import simpy

__all__ = ["EPS", "INF", "Gate", "Signal", "Tank", "Tick"]

EPS: Final = 1e-9  # tonnes: what is less than this is nothing
INF: Final = math.inf  # constants marked Final are inlined by mypyc


class Tank:
    """A storage container: a level between 0 and a capacity, in tonnes. Amounts move at
    once: :meth:`put` and :meth:`take` are called with what fits or what is there (the
    caller books the tonnes where they go, so they are never in two places, nor in
    none)."""

    def __init__(self, capacity: float, level: float = 0.0) -> None:
        self.capacity = float(capacity)
        self.level = float(level)

    def room(self) -> float:
        return self.capacity - self.level

    def put(self, amount: float) -> None:
        """Store ``amount``, for which there is room now."""
        assert amount <= self.capacity - self.level + EPS, "put needs room"
        self.level = min(self.level + amount, self.capacity)

    def take(self, amount: float) -> None:
        """Take ``amount``, which is there now."""
        assert amount <= self.level + EPS, "take needs the stock to be there"
        self.level = max(self.level - amount, 0.0)


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
