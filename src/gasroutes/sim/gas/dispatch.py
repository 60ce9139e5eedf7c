"""The daily dispatch of pipeline gas, for a span of days at once.

Domestic demand first (at its nodes), then the buyers by priority (ties in file order),
each on its routes in the order listed, within each buyer's nomination, each route's free
capacity (capacity less third-party gas) and what the fields can deliver that day along
the network's connections. The method is greedy over paths: a sink (a domestic node, or a
buyer on a route) takes gas along the paths from the fields to its node, the shortest
first and, among equals, from the fields with the fewest other outlets first (so a field
that can feed only this sink is used before one others need too); each path gives the
least of the sink's remaining need, the field's remaining deliverability and every
connection's remaining capacity. On a network where each field reaches a hub by one line,
as the shipped one, this is the lexicographic maximum by priority; the tests check it
against a linear program on random days. What no sink can take is shut in.

Nothing in a day's dispatch depends on another day's, except through the rules, so the
days are dispatched as arrays: the result is the day-by-day dispatch, at the cost of a
few array operations per path instead of a loop over days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gasroutes.scenario.graph import SupplyGraph
from gasroutes.sim.gas.inputs import GasInputs

__all__ = ["Dispatch", "allocate"]


@dataclass
class Dispatch:
    """One dispatch over days [lo, hi): what each sink took and from where."""

    sends: np.ndarray  # pairs x days
    domestic: np.ndarray  # days
    field_out: np.ndarray  # fields x days
    conn_flow: np.ndarray  # connections x days
    route_field: np.ndarray  # (route * fields + field) x days: our gas by field of origin


def allocate(inputs: GasInputs, graph: SupplyGraph, cut: np.ndarray, lo: int, hi: int) -> Dispatch:
    """The dispatch of days [lo, hi), given which buyers are cut off each day. Pure: it
    reads the inputs and changes nothing."""
    n = hi - lo
    nf, nc = len(graph.field_ids), len(graph.conn_ids)
    field_left = inputs.field_potential[:, lo:hi].copy()
    conn_left = inputs.conn_capacity[:, lo:hi].copy()
    route_left = inputs.route_free[:, lo:hi].copy()
    field_out = np.zeros((nf, n))
    conn_flow = np.zeros((nc, n))
    route_field = np.zeros((len(inputs.route_entry) * nf, n))

    def take(node: int, want: np.ndarray, route: int | None) -> np.ndarray:
        """Take up to ``want`` along the paths to ``node``; return what was taken (never
        negative: a ``want`` left a rounding error below zero asks for nothing)."""
        left = np.maximum(want, 0.0)
        got = np.zeros(n)
        for f, conns in graph.paths.get(node, ()):
            x = np.minimum(left, field_left[f])
            for c in conns:
                np.minimum(x, conn_left[c], out=x)
            if not x.any():
                continue
            field_left[f] -= x
            field_out[f] += x
            for c in conns:
                conn_left[c] -= x
                conn_flow[c] += x
            if route is not None:
                route_field[route * nf + f] += x
            left -= x
            got += x
            if not left.any():
                break
        return got

    domestic = np.zeros(n)
    for node, share in inputs.domestic_nodes:
        domestic += take(node, inputs.domestic_demand[lo:hi] * share, None)
    pair_index = {p: k for k, p in enumerate(inputs.pairs)}
    sends = np.zeros((len(inputs.pairs), n))
    for b in inputs.order:
        need = np.where(cut[b, lo:hi], 0.0, inputs.nominated[b, lo:hi])
        for r in inputs.buyer_routes[b]:
            if not need.any():
                break
            x = take(inputs.route_entry[r], np.minimum(need, route_left[r]), r)
            route_left[r] -= x
            # what the paths gave sums to the request up to rounding, which may overshoot
            need = np.maximum(need - x, 0.0)
            sends[pair_index[r, b]] += x
    return Dispatch(sends, domestic, field_out, conn_flow, route_field)
