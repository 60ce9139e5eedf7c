"""Validation of a scenario beyond its field types, and the wording of every problem.

Two jobs: turn pydantic's errors into problems a reader can act on (the field path as it
appears in the file, the bad value, what is allowed), and check what needs the whole
scenario (ids, references between components, dates inside the horizon, the range of a
``set`` event's value).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from gasroutes.core.limits import MAX_BCM_PER_YEAR, MAX_DAYS
from gasroutes.scenario.components import ID_PATTERN
from gasroutes.scenario.events import SETTABLE_PATHS
from gasroutes.scenario.messages import _ID_RULE, Locate, Problem, shown

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario


__all__ = ["check_references"]


def check_references(s: Scenario, locate: Locate) -> list[Problem]:
    """Checks that need the whole scenario: ids, references, dates inside the horizon."""
    problems: list[Problem] = []

    def add(path: str, value: Any, allowed: str, problem: str) -> None:
        problems.append(locate(path, value, allowed, problem))

    pattern = re.compile(ID_PATTERN)
    seen: dict[str, str] = {}
    sections: list[tuple[str, dict[str, Any]]] = [
        ("fields", s.fields),
        ("hubs", s.hubs),
        ("connections", s.connections),
        ("routes", s.routes),
        ("buyers", s.buyers),
        *((f"lpg.{k}", getattr(s.lpg, k)) for k in LPG_SECTIONS),
    ]
    for section, members in sections:
        for key in members:
            if not pattern.match(key):
                add(f"{section}.{key}", key, _ID_RULE, "bad id")
            if key in RESERVED_IDS:
                add(
                    f"{section}.{key}",
                    key,
                    f"an id other than {', '.join(RESERVED_IDS)} (reserved for the tables)",
                    "reserved id",
                )
            if key in seen:
                add(
                    f"{section}.{key}",
                    key,
                    f"an id not already used in {seen[key]}",
                    "duplicate id",
                )
            seen.setdefault(key, section)
    horizon = f"a date from {s.start} to {s.end}"

    def check_date(path: str, day: dt.date | None) -> None:
        if day is not None and not s.start <= day <= s.end:
            add(path, day.isoformat(), horizon, "date outside the horizon")

    for name, buyer in s.buyers.items():
        for i, route in enumerate(buyer.routes):
            if route not in s.routes:
                add(f"buyers.{name}.routes[{i}]", route, _ids(s.routes), "unknown route")
        c = buyer.contract
        if c.start_date and c.end_date and c.end_date < c.start_date:
            add(
                f"buyers.{name}.contract.end_date",
                c.end_date.isoformat(),
                f"a date on or after start_date {c.start_date}",
                "end_date before start_date",
            )
    event_ids: set[str] = set()
    for i, ev in enumerate(s.events):
        base = f"events[{i}]"
        check_date(f"{base}.date", ev.date)
        if ev.id:
            if ev.id in event_ids:
                add(f"{base}.id", ev.id, "an id not used by another event", "duplicate id")
            event_ids.add(ev.id)
        targets = _event_targets(s)
        if ev.kind in ("capacity", "commission"):
            targets["route"] = s.routes  # rail routes change through trains, not capacity
        for attr, known in targets.items():
            target = getattr(ev, attr, None)
            if target is not None and target not in known:
                what = (
                    "pipeline route"
                    if ev.kind in ("capacity", "commission")
                    and attr == "route"
                    and target in s.lpg.rail_routes
                    else attr
                )
                add(f"{base}.{attr}", target, _ids(known), f"unknown {what}")
        until = getattr(ev, "until", None)
        if until is not None:
            if until < ev.date:
                add(
                    f"{base}.until",
                    until.isoformat(),
                    f"a date on or after the event's date {ev.date}",
                    "'until' is before the event date",
                )
            elif until > s.end:
                add(f"{base}.until", until.isoformat(), horizon, "date outside the horizon")
        if ev.kind == "set":
            bad_path = _bad_settable(ev.path, s)
            if bad_path:
                add(f"{base}.path", ev.path, *bad_path)
            else:
                bad_value = _bad_set_value(ev.path, ev.value)
                if bad_value:
                    add(f"{base}.value", ev.value, bad_value, "value out of range")
    problems += _check_supply(s, locate)
    problems += _check_lpg(s, locate)
    problems += _check_uncertainty(s, locate)
    for i, rule in enumerate(s.rules):
        if rule.buyer not in s.buyers:
            add(f"rules[{i}].buyer", rule.buyer, _ids(s.buyers), "unknown buyer")
    return problems


MAX_OUTAGES = 100_000  # per source and horizon: more means hours were given as days


def _check_uncertainty(s: Scenario, locate: Locate) -> list[Problem]:
    """Each random process names something of the right kind, at a sensible rate."""
    from gasroutes.scenario.uncertainty import expected_outages, outage_origin

    u = s.uncertainty
    out: list[Problem] = []
    can_fail = {**s.routes, **s.lpg.rail_routes, **s.fields}
    for tid, spec in u.outages.items():
        base = f"uncertainty.outages.{tid}"
        if tid not in can_fail:
            out.append(locate(base, tid, _ids(can_fail), "unknown route or field"))
        elif (
            n := expected_outages(spec, (s.end - outage_origin(spec, s.start)).days + 1)
        ) > MAX_OUTAGES:
            out.append(
                locate(
                    f"{base}.between_failures_days",
                    spec.between_failures_days.expected,
                    f"times between failures and repairs that give fewer than {MAX_OUTAGES:,} "
                    "outages from 1900 to the end of the horizon (durations are in days)",
                    f"about {n:,.0f} outages",
                )
            )
        elif tid in s.lpg.rail_routes and spec.loss < 1:
            out.append(
                locate(
                    f"{base}.loss",
                    spec.loss,
                    "1 (a rail route is either open or out)",
                    "partial outage of a rail route",
                )
            )
    for group in ("demand_noise", "price_noise"):
        for bid in getattr(u, group):
            if bid not in s.buyers:
                out.append(
                    locate(f"uncertainty.{group}.{bid}", bid, _ids(s.buyers), "unknown buyer")
                )
    can_delay = {**s.lpg.rail_routes, **s.lpg.fleets}
    for key in u.delays:
        if key not in can_delay:
            out.append(
                locate(
                    f"uncertainty.delays.{key}",
                    key,
                    _ids(can_delay)
                    if can_delay
                    else "a rail route or fleet id (the scenario has none)",
                    "unknown rail route or fleet",
                )
            )
    return out


def _check_supply(s: Scenario, locate: Locate) -> list[Problem]:
    """The supply network: connections between known nodes, no cycle, every entry and
    domestic node a field or hub, and not too many paths to dispatch along."""
    out: list[Problem] = []
    nodes = {**s.fields, **s.hubs}
    for cid, c in s.connections.items():
        base = f"connections.{cid}"
        if c.source not in nodes:
            out.append(locate(f"{base}.source", c.source, _ids(nodes), "unknown field or hub"))
        if c.target not in s.hubs:
            allowed = _ids(s.hubs) if s.hubs else "a hub id (the scenario has no hubs)"
            out.append(locate(f"{base}.target", c.target, allowed, "unknown hub"))
        if c.source == c.target:
            out.append(locate(f"{base}.target", c.target, "a node other than the source", "a loop"))
    if not out:
        cycle = _cycle({cid: (c.source, c.target) for cid, c in s.connections.items()})
        if cycle:
            out.append(
                locate(
                    f"connections.{cycle[0]}",
                    " -> ".join(cycle),
                    "connections that never lead back to where they start (gas flows one way)",
                    "the connections form a cycle",
                )
            )
    for rid, r in s.routes.items():
        if r.entry is not None and r.entry not in nodes:
            out.append(locate(f"routes.{rid}.entry", r.entry, _ids(nodes), "unknown field or hub"))
    for node in s.domestic.nodes or {}:
        if node not in nodes:
            out.append(locate(f"domestic.nodes.{node}", node, _ids(nodes), "unknown field or hub"))
    if s.domestic.nodes is not None and not sum(s.domestic.nodes.values()) > 0:
        out.append(
            locate(
                "domestic.nodes", shown(s.domestic.nodes), "shares with a positive sum", "no share"
            )
        )
    if not out:
        from gasroutes.scenario.graph import MAX_PATHS, SupplyGraph

        try:
            SupplyGraph.build(s)
        except ValueError:
            out.append(
                locate(
                    "connections",
                    f"{len(s.connections)} connections",
                    f"a network with at most {MAX_PATHS:,} paths from the fields to any node",
                    "too many paths",
                )
            )
    return out


def _cycle(edges: dict[str, tuple[str, str]]) -> list[str] | None:
    """The connections of a cycle (as ids), or None (an iterative depth-first search)."""
    out_of: dict[str, list[tuple[str, str]]] = {}
    for cid, (a, b) in edges.items():
        out_of.setdefault(a, []).append((cid, b))
    state: dict[str, int] = {}  # 1: on the current trail, 2: done
    for root in list(out_of):
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        trail: list[str] = []
        while stack:
            node, k = stack[-1]
            nexts = out_of.get(node, [])
            if k == len(nexts):
                state[node] = 2
                stack.pop()
                if trail:
                    trail.pop()
                continue
            stack[-1] = (node, k + 1)
            cid, nxt = nexts[k]
            if state.get(nxt) == 1:
                return [*trail, cid]
            if nxt not in state:
                state[nxt] = 1
                trail.append(cid)
                stack.append((nxt, 0))
    return None


LPG_SECTIONS = ("plants", "terminals", "rail_routes", "fleets", "depots")


def _event_targets(s: Scenario) -> dict[str, dict[str, Any]]:
    """The ids each target key of an event may name (rail routes are routes too)."""
    return {
        "buyer": s.buyers,
        "route": {**s.routes, **s.lpg.rail_routes},
        "field": s.fields,
        "connection": s.connections,
        "plant": s.lpg.plants,
        "terminal": s.lpg.terminals,
        "fleet": s.lpg.fleets,
        "depot": s.lpg.depots,
    }


def _check_lpg(s: Scenario, locate: Locate) -> list[Problem]:
    """References and sizes in the LPG chain that would leave a load with nowhere to go."""
    c = s.lpg
    out: list[Problem] = []

    def terminal_fits(base: str, terminal: str, key: str, size: float, what: str) -> list[Problem]:
        """The terminal must exist and its storage must hold one load of ``size``."""
        if terminal not in c.terminals:
            return [locate(f"{base}.terminal", terminal, _ids(c.terminals), "unknown terminal")]
        storage = c.terminals[terminal].storage_t
        if storage < size:
            return [
                locate(
                    f"{base}.{key}",
                    size,
                    f"at most the terminal's storage ({storage:g} t)",
                    f"{what} larger than the terminal's storage",
                )
            ]
        return []

    for rid, r in c.rail_routes.items():
        base = f"lpg.rail_routes.{rid}"
        for i, origin in enumerate(r.origins):
            if origin not in c.plants:
                out.append(locate(f"{base}.origins[{i}]", origin, _ids(c.plants), "unknown plant"))
        out += terminal_fits(base, r.terminal, "t_per_car", r.t_per_car, "a tank car")
        load = r.cars_per_train * r.t_per_car
        room = sum(c.plants[o].storage_t for o in r.origins if o in c.plants)
        if r.departure.policy == "when_full" and room < load:
            out.append(
                locate(
                    f"{base}.cars_per_train",
                    r.cars_per_train,
                    f"a train load (cars x t_per_car = {load:g} t) no larger than "
                    f"its origins' storage ({room:g} t)",
                    "a full train can never be loaded",
                )
            )
    for fid, f in c.fleets.items():
        base = f"lpg.fleets.{fid}"
        out += terminal_fits(base, f.terminal, "t_per_truck", f.t_per_truck, "a truckload")
        for depot in f.legs:
            if depot not in c.depots:
                out.append(locate(f"{base}.legs.{depot}", depot, _ids(c.depots), "unknown depot"))
            elif c.depots[depot].storage_t < f.t_per_truck:
                out.append(
                    locate(
                        f"{base}.legs.{depot}",
                        depot,
                        f"a depot whose storage holds a truckload ({f.t_per_truck:g} t)",
                        "a truckload larger than the depot's storage",
                    )
                )
    served = {d for f in c.fleets.values() for d in f.legs}
    for did in c.depots:
        if did not in served:
            out.append(
                locate(
                    f"lpg.depots.{did}",
                    did,
                    "a depot that some fleet's legs name",
                    "no fleet serves this depot",
                )
            )
    return out


RESERVED_IDS = ("third_party", "total", "domestic")


def _bad_set_value(path: str, value: float) -> str | None:
    """What a ``set`` event's value must be for its parameter, if ``value`` is not that."""
    if path.endswith("payment.share_paid") and not 0 <= value <= 1:
        return "a share from 0 to 1"
    if path.endswith("payment.delay_days") and (value != int(value) or value > MAX_DAYS):
        return f"a whole number of days from 0 to {MAX_DAYS:,.0f}"
    if path.endswith("_bcm_per_year") and value > MAX_BCM_PER_YEAR:
        return f"a number from 0 to {MAX_BCM_PER_YEAR:,.0f} (bcm/yr)"
    return None


def _ids(mapping: dict[str, Any]) -> str:
    return "one of " + ", ".join(sorted(mapping)) if mapping else "none defined"


def _bad_settable(path: str, s: Scenario) -> tuple[str, str] | None:
    """None if a ``set`` event's path names a parameter it may set, else (allowed, problem)."""
    parts = path.split(".")
    shaped = []
    for pattern in SETTABLE_PATHS:
        want = pattern.split(".")
        if len(want) == len(parts) and all(
            w in ("<id>", p) for w, p in zip(want, parts, strict=True)
        ):
            shaped.append(want)
    for want in shaped:
        section = getattr(s, want[0])
        unknown = [p for w, p in zip(want, parts, strict=True) if w == "<id>" and p not in section]
        if not unknown:
            return None
    for want in shaped:
        section = getattr(s, want[0])
        unknown = [p for w, p in zip(want, parts, strict=True) if w == "<id>" and p not in section]
        return (
            f"{'.'.join(want)} with <id> {_ids(section)}",
            f"unknown {want[0][:-1]} {unknown[0]!r} in the parameter path",
        )
    return ("one of " + ", ".join(SETTABLE_PATHS), "unknown parameter path")
