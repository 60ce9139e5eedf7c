"""The supply network as a graph: fields and hubs joined by connections, and the paths
from the fields to each node, in the order the dispatch uses them.

A pure function of the scenario: validation counts the paths with it, the dispatch
(:mod:`gasroutes.sim.gas.dispatch`) walks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario

__all__ = ["ANY_FIELD", "MAX_PATHS", "SupplyGraph"]

MAX_PATHS = 10_000  # per node: a network with more is refused by validation


ANY_FIELD = -1  # the entry of a route without one: every field, directly


@dataclass(frozen=True)
class SupplyGraph:
    """The supply network compiled for dispatch: node indices (fields first, then hubs),
    connections as (source, target) node pairs, and for each node the paths from the
    fields to it, in the order the dispatch uses them."""

    field_ids: tuple[str, ...]
    node_ids: tuple[str, ...]
    conn_ids: tuple[str, ...]
    conn_source: tuple[int, ...]
    conn_target: tuple[int, ...]
    paths: dict[int, tuple[tuple[int, tuple[int, ...]], ...]]

    @classmethod
    def build(cls, s: Scenario) -> SupplyGraph:
        field_ids = tuple(s.fields)
        node_ids = (*field_ids, *s.hubs)
        index = {n: i for i, n in enumerate(node_ids)}
        conn_ids = tuple(s.connections)
        source = tuple(index[c.source] for c in s.connections.values())
        target = tuple(index[c.target] for c in s.connections.values())
        incoming: dict[int, list[int]] = {}
        for c, t in enumerate(target):
            incoming.setdefault(t, []).append(c)
        raw = {n: _paths_to(n, len(field_ids), incoming, source) for n in range(len(node_ids))}
        sinks = {index[r.entry] for r in s.routes.values() if r.entry is not None}
        sinks |= {index[n] for n in (s.domestic.nodes or {})}
        # a field's outlets: the sink nodes it can reach; fewer outlets are used first
        outlets = [
            sum(1 for n in sinks if any(f == fi for fi, _ in raw[n])) for f in range(len(field_ids))
        ]
        paths = {
            n: tuple(sorted(p, key=lambda fc: (len(fc[1]), outlets[fc[0]], fc[0])))
            for n, p in raw.items()
        }
        if any(r.entry is None for r in s.routes.values()) or s.domestic.nodes is None:
            paths[ANY_FIELD] = tuple(
                sorted(
                    ((f, ()) for f in range(len(field_ids))), key=lambda fc: (outlets[fc[0]], fc[0])
                )
            )
        return cls(field_ids, node_ids, conn_ids, source, target, paths)

    def node(self, node_id: str | None) -> int:
        return ANY_FIELD if node_id is None else self.node_ids.index(node_id)


def _paths_to(
    node: int, fields: int, incoming: dict[int, list[int]], source: Sequence[int]
) -> list[tuple[int, tuple[int, ...]]]:
    """Every path from a field to ``node`` as (field, connections from the field on)."""
    out: list[tuple[int, tuple[int, ...]]] = []
    stack: list[tuple[int, tuple[int, ...]]] = [(node, ())]
    while stack:
        at, conns = stack.pop()
        if at < fields:
            out.append((at, conns))
        for c in incoming.get(at, []):
            if c in conns:  # pragma: no cover - validation refuses cycles
                continue
            stack.append((source[c], (c, *conns)))
            if len(out) + len(stack) > MAX_PATHS:  # pragma: no cover - refused by validation
                raise ValueError("too many paths in the supply network")
    return out
