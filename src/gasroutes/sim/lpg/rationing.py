"""Who gets scarce LPG: the rules that share it out, written once for both truck models.

Trucks go to the depot with the fewest days of cover that has room for a load
(:func:`pick_depot`); plants load first the train whose terminal's depots are the least
covered (:func:`defers`). Cover counts what a depot holds and has on the way, less the
demand it has missed (forgotten by half every OWED_HALF_LIFE_DAYS), in days of its
demand: so when LPG is scarce and every depot runs dry, it goes to the one that has missed
the most, and each depot's shortfall, in days of its own demand, is kept level (LPG shared
in proportion to demand, near depots and far alike). A month or two after the scarcity
ends the depots are equals again.
"""

from __future__ import annotations

from typing import Final

from gasroutes.sim.lpg.state import FleetState, Ledger, RailState
from gasroutes.sim.lpg.stores import EPS, INF

__all__ = ["OWED_DECAY", "blocked", "days_of_cover", "defers", "pick_depot", "ready"]

OWED_HALF_LIFE_DAYS: Final = 30.0
OWED_DECAY: Final = 0.9771599684342459  # 0.5 ** (1 / OWED_HALF_LIFE_DAYS)


def days_of_cover(held: float, demand: float) -> float:
    """``held`` tonnes in days of a ``demand`` in t/d (endless without demand)."""
    return held / demand if demand > 0 else INF


def pick_depot(f: FleetState, per_day: float) -> int | None:
    """The leg to the depot with the fewest days of cover that has room for a load
    (ties: the first listed), or None."""
    best, best_cover = None, INF
    load = f.t_per_truck
    for i, (d, _, _) in enumerate(f.legs):
        tank = d.tank
        held = tank.level + d.en_route
        if held + load > tank.capacity + EPS:
            continue
        cover = days_of_cover(held - d.owed, d.volume_kt * d.factor * per_day)
        if best is None or cover < best_cover:
            best, best_cover = i, cover
    return best


def ready(f: FleetState, per_day: float) -> int | None:
    """The leg a truck can be sent on now (the depot most in need with room for a load,
    with stock at an open terminal), or None."""
    term = f.terminal
    if not term.gate.open or term.tank.level + EPS < f.t_per_truck:
        return None
    return pick_depot(f, per_day)


def blocked(f: FleetState) -> str:
    """Why no more trucks can leave now: what has to change before one can."""
    term = f.terminal
    if not term.gate.open:
        return "gate"
    if f.idle == 0:
        return "trucks"
    if term.tank.level + EPS < f.t_per_truck:
        return "stock"
    return "room"


def rail_cover(ledger: Ledger, r: RailState, per_day: float) -> float:
    """Days of demand the LPG beyond a rail route's loading point covers: what is on its
    trains and at its terminal, and at (or on the way to) the depots the terminal's
    fleets serve, less the demand those depots have missed (as in :func:`pick_depot`),
    less the days of the train's loaded run (a long route holds more on its trains
    without being better supplied)."""
    term = r.terminal
    held = term.tank.level - ledger.unloaded[term.index]
    for x in r.feeds:
        held += ledger.departed[x.index]
    demand = 0.0
    for d in r.depots:
        held += d.tank.level + d.en_route - d.owed
        demand += d.volume_kt * d.factor * per_day
    return days_of_cover(held, demand) - r.load_days - r.transit_days


def defers(ledger: Ledger, r: RailState, per_day: float) -> bool:
    """Whether a train of ``r`` that could load now leaves the load to a rival route's
    waiting train whose terminal has fewer days of cover (and whose own origins hold a
    full load for it): plants ration scarce LPG between rail routes as fleets do between
    depots, the most in need first."""
    if not r.rivals:
        return False
    mine = INF
    for x in r.rivals:
        if x.waiting == 0 or not x.gate.open:
            continue
        if sum((p.tank.level for p in x.origins), 0.0) + EPS < x.load_t:
            continue
        if mine == INF:
            mine = rail_cover(ledger, r, per_day)
        if rail_cover(ledger, x, per_day) < mine:
            return True
    return False
