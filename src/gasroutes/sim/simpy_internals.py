"""The one module that touches SimPy's private attributes, each for a reason SimPy's
public API does not cover (checked against SimPy 4.1):

- :func:`call_at` schedules a callback at an exact time: ``env.timeout(when - now)`` can
  land on a neighbouring float (``now + (when - now) != when``), and the lazily settled
  tank cars of a terminal must be settled at the instant they were computed for;
- :func:`set_capacity` changes a ``Resource``'s capacity, which SimPy fixes at creation:
  a terminal's transload bays are added and removed by dated events;
- :func:`events_scheduled` counts the events SimPy has numbered (a cost figure of a run).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import simpy
from simpy.events import NORMAL

__all__ = ["call_at", "events_scheduled", "set_capacity"]


def call_at(env: simpy.Environment, when: float, callback: Callable[[simpy.Event], None]) -> None:
    """Run ``callback`` at exactly ``when``."""
    event = simpy.Event(env)
    event._ok = True
    event._value = None
    event.callbacks.append(callback)
    heapq.heappush(env._queue, (when, NORMAL, next(env._eid), event))


def set_capacity(resource: simpy.Resource, capacity: int) -> None:
    """Change ``resource``'s capacity now, and admit the requests the new capacity can
    take (a cut lets the users there finish)."""
    resource._capacity = capacity
    resource._trigger_put(None)


def events_scheduled(env: simpy.Environment) -> int:
    """How many events ``env`` has scheduled so far (SimPy numbers every one: the count
    is the next number it would draw; drawing it changes no order)."""
    return next(env._eid)
