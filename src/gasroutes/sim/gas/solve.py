"""Pipeline gas during a run: the supply network, the daily dispatch, transit and money.

The supply network is a directed graph: fields (and hubs: processing plants, compressor
stations, line heads) joined by connections with capacities; each route takes its gas at
one node (its ``entry``), so a route carries only gas that can reach it. A scenario
without hubs, connections or entries is one pool: every route draws on every field.

**Dispatch** each day, at mid-day: domestic demand first (at its nodes), then the buyers
by priority (ties in file order), each on its routes in the order listed, within each
buyer's nomination, each route's free capacity (capacity less third-party gas) and what
the fields can deliver that day along the network's connections. The method is greedy
over paths: a sink (a domestic node, or a buyer on a route) takes gas along the paths
from the fields to its node, the shortest first and, among equals, from the fields with
the fewest other outlets first (so a field that can feed only this sink is used before
one others need too); each path gives the least of the sink's remaining need, the field's
remaining deliverability and every connection's remaining capacity. On a network where
each field reaches a hub by one line, as the shipped one, this is the lexicographic
maximum by priority; ``tests/test_gas.py`` checks it against a linear program on random
days. What no sink can take is shut in.

Nothing in a day's dispatch depends on another day's, except through the rules (a buyer
cut off when its arrears pass a threshold). So the days are dispatched as arrays, all the
days between two rule firings at once: the result is the day-by-day dispatch, computed
at the cost of a few array operations per path instead of a loop over days.

**Transit**: gas entering a route on day d reaches the border on day d + transit days,
where it is delivered and invoiced. A cutoff or an outage with
``in_transit_on_cutoff: lose`` books the gas in the pipe as lost on that day.

**Money**: a delivery is invoiced at the buyer's price on the day it arrives; the invoice
falls due ``delay_days`` later (the delay in force when invoiced), when ``share_paid`` of
it is paid (the share in force on the due day) and the rest joins the arrears. Rules
compare the arrears each day after that day's payments and before its dispatch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.scenario.schedules import Saturating, Schedule, Trend, schedule_daily, schedule_value

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar
    from gasroutes.sim.timeline import Change

__all__ = ["GasInputs", "GasRun", "SupplyGraph", "allocate", "solve"]

TCM_PER_MCM = 1000.0
MAX_PATHS = 10_000  # per node: a network with more is refused by validation
ANY_FIELD = -1  # the entry of a route without one: every field, directly


# ---------------------------------------------------------------------------- graph


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


# ---------------------------------------------------------------------------- inputs


def _stepped(initial: float, changes: Iterable[tuple[int, float]], days: int) -> np.ndarray:
    """A daily series that starts at ``initial`` and takes each change's value from its
    day on (changes in the order they apply)."""
    return _stepped_over(np.full(days, initial, dtype=float), changes)


def _stepped_over(out: np.ndarray, changes: Iterable[tuple[int, float]]) -> np.ndarray:
    for day, value in changes:
        out[day:] = value
    return out


@dataclass
class GasInputs:
    """Everything the dispatch needs, day by day, compiled from the scenario and the
    timeline of dated changes before the run (mcm/d unless said otherwise)."""

    days: int
    per_day: np.ndarray  # mcm/d per bcm/yr
    field_potential: np.ndarray  # fields x days: what each field can deliver
    conn_capacity: np.ndarray  # connections x days
    route_capacity: np.ndarray  # routes x days (0 when not in service)
    route_third_party: np.ndarray  # routes x days, within capacity
    route_free: np.ndarray  # routes x days: what our gas may use
    route_design_free: np.ndarray  # the same when in service, outages and cutoffs aside
    route_entry: list[int]  # node index of each route's entry (ANY_FIELD: every field)
    route_transit: list[int]
    domestic_demand: np.ndarray  # days
    domestic_nodes: list[tuple[int, float]]  # (node, share)
    nominated: np.ndarray  # buyers x days, before cutoffs
    buyer_routes: list[tuple[int, ...]]
    order: list[int]  # buyers in dispatch order
    pairs: list[tuple[int, int]]  # (route, buyer), sorted
    price: np.ndarray  # USD/tcm, buyers x days (times price noise)
    share_paid: np.ndarray  # buyers x days
    delay: np.ndarray  # whole days, buyers x days
    payments: list[tuple[int, int, float]]  # (day, buyer, USD), in the order applied
    cut_changes: list[list[tuple[int, bool]]]  # per buyer, from the scenario's events
    route_drains: list[tuple[int, int]]  # (day, route): the route went down (lose mode)
    lose: bool
    steady: bool


def build_inputs(
    s: Scenario,
    cal: Calendar,
    graph: SupplyGraph,
    timeline: Sequence[tuple[int, Change]],
    demand_noise: Sequence[Sequence[float] | None],
    price_noise: Sequence[Sequence[float] | None],
) -> GasInputs:
    """Replay the timeline's changes into daily arrays (the LPG chain's are left out)."""
    days = cal.days
    per_day = np.asarray(cal.per_day())
    by: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for day, ch in timeline:
        by.setdefault((ch.op, ch.target), []).append((day, ch.value))

    def series(op: str, target: int, initial: float | Schedule) -> np.ndarray:
        """A parameter day by day: its schedule (steps and ramps replayed from the
        timeline; a trend evaluated each day), changed by the dated events on it."""
        changes = by.get((op, target), ())
        if isinstance(initial, Trend | Saturating):
            return _stepped_over(schedule_daily(initial, s.start, days), changes)
        value = initial if isinstance(initial, float | int) else schedule_value(initial, s.start)
        return _stepped(float(value), changes, days)

    fields = list(s.fields.values())
    field_potential = np.zeros((len(fields), days))
    for i, f in enumerate(fields):
        cap = series("field_capacity", i, f.capacity_bcm_per_year)
        derate = series("field_derate", i, 1.0)
        shape = np.asarray(cal.shape(f.monthly_profile))
        field_potential[i] = cap * derate * shape
    conns = list(s.connections.values())
    conn_capacity = np.zeros((len(conns), days))
    for i, conn in enumerate(conns):
        cap = series("connection_capacity", i, conn.capacity_bcm_per_year)
        on = _commissioned(conn.commissioned_date, cal)
        conn_capacity[i] = cap * per_day * on
    routes = list(s.routes.values())
    nr = len(routes)
    route_capacity = np.zeros((nr, days))
    route_third_party = np.zeros((nr, days))
    route_free = np.zeros((nr, days))
    route_design_free = np.zeros((nr, days))
    drains: list[tuple[int, int]] = []
    for i, r in enumerate(routes):
        commissioned = _commissioned(r.commissioned_date, cal)
        for day, _ in by.get(("route_commission", i), ()):
            commissioned[day:] = True
        # capacity events and commissioning with a capacity apply in timeline order
        cap = _stepped(
            r.capacity_bcm_per_year,
            [
                (day, ch.value)
                for day, ch in timeline
                if ch.target == i
                and (ch.op == "route_capacity" or (ch.op == "route_commission" and ch.value > 0))
            ],
            days,
        )
        derate = series("route_derate", i, 1.0)
        tp = series("route_third_party", i, r.third_party_bcm_per_year)
        cut = np.zeros(days, dtype=bool)
        outages = np.zeros(days + 1, dtype=np.int64)
        state_cut, state_out, state_on = False, 0, bool(commissioned[0])
        for day, ch in timeline:
            if ch.target != i:
                continue
            if ch.op == "route_cutoff":
                state_cut = bool(ch.value)
                cut[day:] = state_cut
            elif ch.op == "route_outage":
                state_out += int(ch.value)
                outages[day] += int(ch.value)
            elif ch.op == "route_commission":
                state_on = True
            else:
                continue
            if ch.op != "route_commission" and not (state_on and not state_cut and state_out == 0):
                drains.append((day, i))
        up = commissioned & ~cut & (np.cumsum(outages)[:days] == 0)
        usable = cap * derate
        route_capacity[i] = np.where(up, usable * per_day, 0.0)
        route_third_party[i] = np.where(up, np.minimum(tp, usable) * per_day, 0.0)
        route_free[i] = np.where(up, np.maximum(usable - tp, 0.0) * per_day, 0.0)
        route_design_free[i] = np.where(commissioned, np.maximum(cap - tp, 0.0) * per_day, 0.0)
    domestic = series("domestic_demand", 0, s.domestic.demand_bcm_per_year)
    domestic_demand = domestic * np.asarray(cal.shape(s.domestic.monthly_profile))
    if s.domestic.nodes:
        total = sum(s.domestic.nodes.values()) or 1.0
        domestic_nodes = [(graph.node(n), w / total) for n, w in s.domestic.nodes.items()]
    else:
        domestic_nodes = [(ANY_FIELD, 1.0)]
    buyers = list(s.buyers.values())
    route_ids = list(s.routes)
    nb = len(buyers)
    nominated = np.zeros((nb, days))
    price = np.zeros((nb, days))
    share_paid = np.zeros((nb, days))
    delay = np.zeros((nb, days), dtype=np.int64)
    cut_changes: list[list[tuple[int, bool]]] = [[] for _ in buyers]
    payments: list[tuple[int, int, float]] = []
    for i, b in enumerate(buyers):
        c = b.contract
        volume = series("buyer_volume", i, c.volume_bcm_per_year)
        factor = series("buyer_factor", i, 1.0)
        shape = np.asarray(cal.shape(c.monthly_profile, c.start_date, c.end_date))
        noise = np.ones(days) if demand_noise[i] is None else np.asarray(demand_noise[i])
        if c.offtake is None:
            nominated[i] = volume * factor * shape * noise
        else:
            o = c.offtake
            profile = shape / per_day  # the contract's swing, 0 outside its dates
            need = schedule_daily(o.need_bcm_per_year, s.start, days) * profile * noise
            shared = schedule_daily(o.shared_bcm_per_year, s.start, days)
            rate = np.clip(need - shared, o.take_or_pay * volume, volume)
            nominated[i] = np.where(profile > 0, rate, 0.0) * factor * per_day
        pn = np.ones(days) if price_noise[i] is None else np.asarray(price_noise[i])
        price[i] = series("buyer_price", i, c.price_usd_per_tcm) * pn
        share_paid[i] = series("buyer_share_paid", i, b.payment.share_paid)
        delay[i] = series("buyer_delay_days", i, b.payment.delay_days).astype(np.int64)
    for day, ch in timeline:
        if ch.op == "buyer_cutoff":
            cut_changes[ch.target].append((day, bool(ch.value)))
        elif ch.op == "buyer_payment":
            payments.append((day, ch.target, ch.value))
    order = sorted(range(nb), key=lambda i: (buyers[i].contract.priority, i))
    buyer_routes = [tuple(route_ids.index(r) for r in b.routes) for b in buyers]
    pairs = sorted({(r, i) for i, rs in enumerate(buyer_routes) for r in rs})
    return GasInputs(
        days=days,
        per_day=per_day,
        field_potential=field_potential,
        conn_capacity=conn_capacity,
        route_capacity=route_capacity,
        route_third_party=route_third_party,
        route_free=route_free,
        route_design_free=route_design_free,
        route_entry=[graph.node(r.entry) for r in routes],
        route_transit=[r.transit_time_days for r in routes],
        domestic_demand=domestic_demand,
        domestic_nodes=domestic_nodes,
        nominated=nominated,
        buyer_routes=buyer_routes,
        order=order,
        pairs=pairs,
        price=price,
        share_paid=share_paid,
        delay=delay,
        payments=payments,
        cut_changes=cut_changes,
        route_drains=drains,
        lose=s.settings.in_transit_on_cutoff == "lose",
        steady=s.settings.initial_linepack == "steady",
    )


def _commissioned(day: dt.date | None, cal: Calendar) -> np.ndarray:
    on = np.ones(cal.days, dtype=bool)
    if day is not None:
        on[: max(min(cal.index(day), cal.days), 0)] = False
    return on


# ---------------------------------------------------------------------------- dispatch


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
        """Take up to ``want`` along the paths to ``node``; return what was taken."""
        left = want.copy()
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
            need = need - x
            sends[pair_index[r, b]] += x
    return Dispatch(sends, domestic, field_out, conn_flow, route_field)


# ---------------------------------------------------------------------------- the run


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
