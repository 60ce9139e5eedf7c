"""The LPG chain of a run: its state built from the scenario, the dated changes applied
to it, and the per-day records the processes write (the actors themselves are in
:mod:`gasroutes.sim.lpg.processes`, which starts them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, assert_never

import numpy as np
import simpy

from gasroutes.core.units import T_PER_KT
from gasroutes.scenario.schedules import schedule_value
from gasroutes.sim.changes import LpgOp
from gasroutes.sim.lpg.state import (
    DepotState,
    FleetState,
    Ledger,
    PlantState,
    RailState,
    TerminalState,
)
from gasroutes.sim.lpg.stores import Gate, Signal, Tank, Tick
from gasroutes.sim.lpg.terminal import reopened, settle

if TYPE_CHECKING:
    from gasroutes.scenario.lpg import LpgChain
    from gasroutes.sim.days import Calendar

__all__ = ["LpgNetwork"]


class LpgNetwork:
    """Run-time state of the LPG chain, and the per-day records the processes write."""

    def __init__(
        self,
        env: simpy.Environment,
        chain: LpgChain,
        cal: Calendar,
        per_truck: bool = False,
        trace: bool = False,
        delays: Callable[[str], Callable[[], float] | None] | None = None,
    ) -> None:
        self.env = env
        self.per_truck = per_truck
        self.cal = cal
        self.chain = chain
        days = cal.days
        start = cal.start
        self.per_day = [T_PER_KT / n for n in cal.year_days]  # t/d per kt/yr
        self.ledger = ledger = Ledger(
            env,
            len(chain.rail_routes),
            len(chain.terminals),
            [len(f.legs) for f in chain.fleets.values()],
            trace,
        )
        self.plants = [
            PlantState(
                pid,
                i,
                schedule_value(p.output_kt_per_year, start),
                Tank(p.storage_t, p.initial_t),
                Signal(env),
            )
            for i, (pid, p) in enumerate(chain.plants.items())
        ]
        by_plant = {p.id: p for p in self.plants}
        self.terminals = [
            TerminalState(
                tid,
                i,
                env,
                ledger,
                Tank(t.storage_t, t.initial_t),
                simpy.Resource(env, capacity=t.bays),
                t.hours_per_car,
                Gate(env),
            )
            for i, (tid, t) in enumerate(chain.terminals.items())
        ]
        by_terminal = {t.id: t for t in self.terminals}
        self.rails = [
            RailState(
                rid,
                i,
                [by_plant[o] for o in r.origins],
                by_terminal[r.terminal],
                r.trains,
                r.cars_per_train * r.t_per_car,
                r.t_per_car,
                r.load_days,
                r.transit_days,
                r.return_days,
                r.departure.policy,
                r.departure.every_days,
                Gate(env, commissioned=r.commissioned_date is None or r.commissioned_date <= start),
                max(cal.index(r.commissioned_date), 0) if r.commissioned_date else 0,
            )
            for i, (rid, r) in enumerate(chain.rail_routes.items())
        ]
        self.depots = [
            DepotState(
                did,
                i,
                schedule_value(d.demand_kt_per_year, start),
                1.0,
                Tank(d.storage_t, d.initial_t),
                d.price_usd_per_t,
            )
            for i, (did, d) in enumerate(chain.depots.items())
        ]
        by_depot = {d.id: d for d in self.depots}
        self.fleets = [
            FleetState(
                fid,
                i,
                by_terminal[f.terminal],
                f.t_per_truck,
                f.load_hours / 24,
                [(by_depot[d], leg.trip_days, leg.return_days) for d, leg in f.legs.items()],
                f.trucks,
                Signal(env),
            )
            for i, (fid, f) in enumerate(chain.fleets.items())
        ]
        self.initial_t = (
            sum((p.initial_t for p in chain.plants.values()), 0.0)
            + sum((t.initial_t for t in chain.terminals.values()), 0.0)
            + sum((d.initial_t for d in chain.depots.values()), 0.0)
        )
        self.plant_tick, self.depot_tick = Tick(env), Tick(env)
        # random extra days on loaded trips, by trainset (route#k) and by fleet: one
        # stream each, shared by the fleet's trucks in the per-truck model
        self._delay_source = delays or (lambda _key: None)
        self._delays: dict[str, Callable[[], float] | None] = {}
        # set by processes.start: starts the truck processes a fleet lacks (per-truck)
        self.add_trucks: Callable[[FleetState], None] = lambda _f: None
        for t in self.terminals:
            t.fleets = [f for f in self.fleets if f.terminal is t]
        self.serving = [
            [f for f in self.fleets if any(leg[0] is d for leg in f.legs)] for d in self.depots
        ]
        for r in self.rails:
            r.rivals = [
                x
                for x in self.rails
                if x is not r
                and x.policy == "when_full"
                and any(p is q for p in r.origins for q in x.origins)
            ]
            r.feeds = [x for x in self.rails if x.terminal is r.terminal]
            depots: list[DepotState] = []
            for f in self.fleets:
                if f.terminal is r.terminal:
                    depots += [d for d, _, _ in f.legs if d not in depots]
            r.depots = depots

        def zeros(n: int) -> list[list[float]]:
            return [[0.0] * days for _ in range(n)]

        np_, nt, nr, nd, nf = (
            len(self.plants),
            len(self.terminals),
            len(self.rails),
            len(self.depots),
            len(self.fleets),
        )
        # written day by day by the plants and depots
        self.potential = zeros(np_)
        self.produced = zeros(np_)
        self.shut_in = zeros(np_)
        self.demand = zeros(nd)
        self.consumed = zeros(nd)
        # the monitor's end-of-day row (see processes.lpg_monitor), split by finish()
        legs = sum(len(f.legs) for f in self.fleets)
        self.row_layout = [
            ("plant_level", np_),
            ("terminal_level", nt),
            ("queue_end", nt),
            ("bays_busy_end", nt),
            ("depot_level", nd),
            ("trucks_waiting", nf),
            ("fleet_capacity", nf),
            ("rail_capacity", nr),
            ("on_trains_end", 1),
            ("on_trucks_end", 1),
            ("departed", nr),  # running totals: finish() takes the daily differences
            ("unloaded", nt),
            ("delivered", legs),
        ]
        self.day_rows: list[list[float]] = []
        self.arrays: dict[str, Any] = {}

    @property
    def trace(self) -> list[tuple[float, str, str, float]] | None:
        """Every move of the run, as (time, actor, action, tonnes), when tracing."""
        return self.ledger.trace

    def delays(self, key: str) -> Callable[[], float] | None:
        """The draws of extra days for a trainset (``route#k``) or a fleet, or None."""
        if key not in self._delays:
            self._delays[key] = self._delay_source(key)
        return self._delays[key]

    def today(self) -> int:
        return min(int(self.env.now), self.cal.days - 1)

    # ------------------------------------------------------------------ changes

    def apply(self, op: LpgOp, target: int, value: float) -> None:
        """Apply a dated change to the chain (called by the event timeline)."""
        now = self.env.now
        match op:
            case LpgOp.RAIL_CUTOFF | LpgOp.RAIL_OUTAGE | LpgOp.RAIL_COMMISSION:
                self._gate(op, self.rails[target].gate, None, value)
            case LpgOp.TERMINAL_CUTOFF | LpgOp.TERMINAL_OUTAGE:
                term = self.terminals[target]
                settle(term, now, inclusive=False)  # dated changes come first in a day
                self._gate(op, term.gate, term, value)
            case LpgOp.BAYS:
                self.terminals[target].set_bays(now, int(value))
            case LpgOp.TRUCKS:
                f = self.fleets[target]
                f.set_trucks(now, int(value))
                self.add_trucks(f)
                f.wake.fire()
            case LpgOp.PLANT_OUTPUT:
                self.plants[target].output_kt = value
            case LpgOp.DEPOT_VOLUME:
                self.depots[target].volume_kt = value
            case LpgOp.DEPOT_FACTOR:
                self.depots[target].factor = value
            case _:
                assert_never(op)

    def _gate(self, op: LpgOp, gate: Gate, term: TerminalState | None, value: float) -> None:
        """Open or close a rail route's or a terminal's gate; wake who waits on it."""
        if op in (LpgOp.RAIL_CUTOFF, LpgOp.TERMINAL_CUTOFF):
            gate.cut_off = bool(value)
        elif op in (LpgOp.RAIL_OUTAGE, LpgOp.TERMINAL_OUTAGE):
            gate.outages += int(value)
        else:
            gate.commissioned = True
        gate.changed()
        if term is not None and gate.open and term.waiting_gate:
            # the held cars go on in an event of their own, scheduled where the trains
            # waiting for the gate are woken: after what was already due this instant
            reopen = self.env.event()
            reopen.callbacks.append(partial(reopened, term))
            reopen.succeed()
        for f in self.fleets:
            f.wake.fire()

    def finish(self) -> None:
        """Close the time integrals at the end of the run; split the monitor's rows into
        arrays (entities x days), the day's flows being the differences of the totals."""
        table = np.asarray(self.day_rows, dtype=float).reshape(len(self.day_rows), -1).T
        col = 0
        for name, width in self.row_layout:
            block = table[col : col + width]
            col += width
            if name in ("departed", "unloaded", "delivered"):
                block = np.diff(block, axis=1, prepend=0.0)
            self.arrays[name] = block[0] if name.startswith("on_") else block
        per_leg, self.arrays["delivered"] = self.arrays["delivered"], []
        for f in self.fleets:  # per fleet: legs x days
            self.arrays["delivered"].append(per_leg[: len(f.legs)])
            per_leg = per_leg[len(f.legs) :]
        end = float(self.cal.days)
        for t in self.terminals:
            t.close(end)
        for f in self.fleets:
            f.close(end)
