"""Pipeline gas over a whole run: the dispatch of every day, transit through the pipes,
money through the accounts, and the arrears rules that cut buyers off and resume them.

The supply network is a directed graph (:mod:`gasroutes.scenario.graph`); each day's
dispatch is :func:`gasroutes.sim.gas.dispatch.allocate`. Days are dispatched as arrays, all
the days between two rule firings at once.

**Transit**: gas entering a route on day d reaches the border on day d + transit days,
where it is delivered and invoiced. A cutoff or an outage with
``in_transit_on_cutoff: lose`` books the gas in the pipe as lost on that day.

**Money**: a delivery is invoiced at the buyer's price on the day it arrives; the invoice
falls due ``delay_days`` later (the delay in force when invoiced), when ``share_paid`` of
it is paid (the share in force on the due day) and the rest joins the arrears. Rules
compare the arrears each day after that day's payments and before its dispatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.core.units import TCM_PER_MCM
from gasroutes.scenario.graph import SupplyGraph
from gasroutes.sim.gas.dispatch import allocate
from gasroutes.sim.gas.inputs import GasInputs

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario

__all__ = ["Firing", "GasRun", "solve"]


@dataclass
class Firing:
    """A rule that fired: on which day, on which buyer, to cut off (True) or resume."""

    day: int
    buyer: int
    cut: bool
    rule: Any


@dataclass
class GasRun:
    """The solved run: every daily array the tables are built from."""

    inputs: GasInputs
    graph: SupplyGraph
    cut: np.ndarray  # buyers x days, bool
    sends: np.ndarray  # pairs x days
    domestic: np.ndarray
    field_out: np.ndarray
    conn_flow: np.ndarray
    route_field: np.ndarray
    arrived: np.ndarray  # pairs x days
    linepack: np.ndarray  # routes x days (end of day)
    lost: np.ndarray  # routes x days
    initial: np.ndarray  # routes: gas in the pipes at the start
    invoiced: np.ndarray  # buyers x days, USD
    paid: np.ndarray
    settled: np.ndarray
    arrears: np.ndarray  # end of day
    graph_route_ids: tuple[str, ...] = ()
    graph_buyer_ids: tuple[str, ...] = ()
    firings: list[Firing] = field(default_factory=list)


def _cut_state(inputs: GasInputs, firings: Sequence[Firing]) -> np.ndarray:
    """Which buyer is cut off each day: scenario events at the start of their day, rule
    firings after them, each holding until the next change."""
    nb = len(inputs.cut_changes)
    cut = np.zeros((nb, inputs.days), dtype=bool)
    for b in range(nb):
        changes = [(d, 0, i, v) for i, (d, v) in enumerate(inputs.cut_changes[b])]
        changes += [(f.day, 1, i, f.cut) for i, f in enumerate(firings) if f.buyer == b]
        for day, _, _, value in sorted(changes):
            cut[b, day:] = value
    return cut


def _drains(inputs: GasInputs, firings: Sequence[Firing]) -> list[tuple[int, list[int]]]:
    """With ``lose``: (day, pairs) whose gas in the pipe is lost that day, in time order."""
    if not inputs.lose:
        return []
    out: list[tuple[tuple[int, int, int], list[int]]] = []
    for day, r in inputs.route_drains:
        out.append(((day, 0, r), [k for k, (rr, _) in enumerate(inputs.pairs) if rr == r]))
    cuts = [(d, b) for b, ch in enumerate(inputs.cut_changes) for d, v in ch if v]
    cuts += [(f.day, f.buyer) for f in firings if f.cut]
    for day, b in cuts:
        out.append(((day, 1, b), [k for k, (_, bb) in enumerate(inputs.pairs) if bb == b]))
    out.sort(key=lambda t: t[0])
    return [(key[0], pairs) for key, pairs in out]


def _transit(run: GasRun, drains: list[tuple[int, list[int]]]) -> None:
    """Arrivals, linepack and losses from the sends (pipes filled at the start when
    ``steady``: with day 0's dispatch, for each route's transit days)."""
    inputs = run.inputs
    days = inputs.days
    nr = len(inputs.route_transit)
    arrived = np.zeros_like(run.sends)
    linepack = np.zeros((nr, days))
    lost = np.zeros((nr, days))
    initial = np.zeros(nr)
    alive = []
    for k, (r, _) in enumerate(inputs.pairs):
        t = inputs.route_transit[r]
        head = np.full(t, run.sends[k, 0]) if inputs.steady else np.zeros(t)
        initial[r] += head.sum()
        alive.append(np.concatenate([head, run.sends[k]]))  # index d + t: sent on day d
    # gas lost from the pipe was in it until the day it was lost: added back to the
    # linepack of those days (a difference array per route)
    back = np.zeros((nr, days + 1))
    for day, pairs in drains:
        for k in pairs:
            r = inputs.pairs[k][0]
            t = inputs.route_transit[r]
            if t == 0:
                continue
            chunk = alive[k][day : day + t]  # sent on days day - t .. day - 1: in the pipe
            lost[r, day] += chunk.sum()
            for j in np.flatnonzero(chunk):
                sent_on = day - t + int(j)
                back[r, max(sent_on, 0)] += chunk[j]
                back[r, day] -= chunk[j]
            chunk[:] = 0.0
    for k, (r, _) in enumerate(inputs.pairs):
        t = inputs.route_transit[r]
        arrived[k] = alive[k][:days]
        if t:
            # in the pipe at the end of day d: sent on days d - t + 1 .. d
            c = np.concatenate([[0.0], np.cumsum(alive[k])])
            linepack[r] += c[np.arange(days) + t + 1] - c[np.arange(days) + 1]
    linepack += np.cumsum(back, axis=1)[:, :days]
    run.arrived, run.linepack, run.lost, run.initial = arrived, linepack, lost, initial


def _money(run: GasRun) -> np.ndarray:
    """Invoices, payments, settlements and arrears; return the arrears each buyer has when
    the rules look at them (after the day's payments, before its dispatch)."""
    inputs = run.inputs
    nb, days = inputs.nominated.shape
    delivered = np.zeros((nb, days))
    for k, (_, b) in enumerate(inputs.pairs):
        delivered[b] += run.arrived[k]
    invoiced = delivered * TCM_PER_MCM * inputs.price
    due = np.arange(days)[None, :] + inputs.delay
    paid = np.zeros((nb, days))
    unpaid = np.zeros((nb, days))
    same_day = np.zeros((nb, days))
    for b in range(nb):
        ok = (due[b] < days) & (invoiced[b] > 0)
        d, inv = due[b][ok], invoiced[b][ok]
        share = inputs.share_paid[b][d]
        np.add.at(paid[b], d, inv * share)
        np.add.at(unpaid[b], d, inv - inv * share)
        zero = ok & (inputs.delay[b] == 0)
        same_day[b][zero] = invoiced[b][zero] - invoiced[b][zero] * inputs.share_paid[b][zero]
    owed = np.cumsum(unpaid, axis=1)  # unpaid parts of the invoices due by the end of each day
    settled = np.zeros((nb, days))
    taken = np.zeros(nb)
    for day, b, usd in inputs.payments:
        before = (owed[b, day - 1] if day > 0 else 0.0) - taken[b]
        applied = min(usd, max(before, 0.0))
        settled[b, day] += applied
        taken[b] += applied
    paid_down = np.cumsum(settled, axis=1)
    run.invoiced, run.paid, run.settled = invoiced, paid, settled
    run.arrears = owed - paid_down
    return owed - same_day - paid_down  # a delay-0 invoice is paid after the rules look


def _first_firing(
    s: Scenario,
    run: GasRun,
    check: np.ndarray,
    lo: int,
    done: int,
    buyer_index: dict[str, int],
) -> tuple[Firing, int] | None:
    """The earliest rule to fire on a day >= lo, and its index. Each day the rules are
    looked at once, in the order listed, each seeing what the ones before it did: on day
    ``lo`` the rules up to index ``done`` have been looked at already."""
    best: tuple[Firing, int] | None = None
    for j, rule in enumerate(s.rules):
        first = lo if j > done else lo + 1
        if first >= run.inputs.days:
            continue
        b = buyer_index[rule.buyer]
        cut = run.cut[b, first:]
        if rule.kind == "cutoff_on_arrears":
            hits = ~cut & (check[b, first:] > rule.above_usd)
        else:
            hits = cut & (check[b, first:] < rule.below_usd)
        if hits.any():
            day = first + int(np.argmax(hits))
            if best is None or day < best[0].day:
                best = (Firing(day, b, rule.kind == "cutoff_on_arrears", rule), j)
    return best


def solve(s: Scenario, inputs: GasInputs, graph: SupplyGraph) -> GasRun:
    """Dispatch every day of the run, moving the gas through the pipes and the money
    through the accounts; between two rule firings all days are dispatched at once."""
    days = inputs.days
    nb = len(inputs.cut_changes)
    nf, nc = len(graph.field_ids), len(graph.conn_ids)
    firings: list[Firing] = []
    run = GasRun(
        inputs=inputs,
        graph=graph,
        cut=_cut_state(inputs, firings),
        sends=np.zeros((len(inputs.pairs), days)),
        domestic=np.zeros(days),
        field_out=np.zeros((nf, days)),
        conn_flow=np.zeros((nc, days)),
        route_field=np.zeros((len(inputs.route_entry) * nf, days)),
        arrived=np.zeros((len(inputs.pairs), days)),
        linepack=np.zeros((len(inputs.route_entry), days)),
        lost=np.zeros((len(inputs.route_entry), days)),
        initial=np.zeros(len(inputs.route_entry)),
        invoiced=np.zeros((nb, days)),
        paid=np.zeros((nb, days)),
        settled=np.zeros((nb, days)),
        arrears=np.zeros((nb, days)),
        graph_route_ids=tuple(s.routes),
        graph_buyer_ids=tuple(s.buyers),
    )
    buyer_index = {b: i for i, b in enumerate(s.buyers)}
    lo, done = 0, -1
    while True:
        d = allocate(inputs, graph, run.cut, lo, days)
        run.sends[:, lo:] = d.sends
        run.domestic[lo:] = d.domestic
        run.field_out[:, lo:] = d.field_out
        run.conn_flow[:, lo:] = d.conn_flow
        run.route_field[:, lo:] = d.route_field
        _transit(run, _drains(inputs, firings))
        check = _money(run)
        found = _first_firing(s, run, check, lo, done, buyer_index) if s.rules else None
        if found is None:
            break
        fired, j = found
        firings.append(fired)
        run.cut = _cut_state(inputs, firings)
        done = j  # on this day the rules up to j have had their look
        lo = fired.day
    run.firings = firings
    return run
