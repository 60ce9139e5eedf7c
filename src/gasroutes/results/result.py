"""Run results: the recorder the processes write to, and the tables built from it.

Processes write plain floats into preallocated per-day lists; DataFrames are built once,
after ``env.run()``, and only when asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gasroutes.core.errors import NonFiniteError
from gasroutes.results.conservation import check_conservation
from gasroutes.results.lpg import LpgResult
from gasroutes.results.runfolder import finite_numbers
from gasroutes.results.tables import by_date, labels, long_flows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar
    from gasroutes.sim.gas.solve import GasRun
    from gasroutes.sim.lpg.chain import LpgNetwork

__all__ = ["Recorder", "Result"]

GAS = "pipeline_gas"
BCM_PER_MCM = 1e-3
THIRD_PARTY = "third_party"


@dataclass
class Recorder:
    """The run's daily arrays (from the solved pipeline gas) and the log of events."""

    route_ids: list[str]
    buyer_ids: list[str]
    field_ids: list[str]
    connection_ids: list[str]
    pairs: list[tuple[int, int]]
    arrays: dict[str, np.ndarray]
    route_initial: np.ndarray
    events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, gas: GasRun, cal: Calendar) -> Recorder:
        i = gas.inputs
        produced = gas.field_out.sum(axis=0)
        potential = i.field_potential.sum(axis=0)
        arrays = {
            "pair_sent": gas.sends,
            "pair_arrived": gas.arrived,
            "route_capacity": i.route_capacity,
            "route_third_party": i.route_third_party,
            "route_linepack": gas.linepack,
            "route_lost": gas.lost,
            "buyer_nominated": i.nominated,
            "buyer_invoiced": gas.invoiced,
            "buyer_paid": gas.paid,
            "buyer_settled": gas.settled,
            "buyer_arrears": gas.arrears,
            "buyer_cut_off": gas.cut.astype(float),
            "potential": potential,
            "domestic_demand": i.domestic_demand,
            "domestic": gas.domestic,
            "produced": produced,
            "shut_in": potential - produced,
            "field_potential": i.field_potential,
            "field_produced": gas.field_out,
            "connection_capacity": i.conn_capacity,
            "connection_flow": gas.conn_flow,
            "route_field": gas.route_field,
        }
        return cls(
            route_ids=list(gas.graph_route_ids),
            buyer_ids=list(gas.graph_buyer_ids),
            field_ids=list(gas.graph.field_ids),
            connection_ids=list(gas.graph.conn_ids),
            pairs=list(i.pairs),
            arrays=arrays,
            route_initial=gas.initial,
        )

    def log_event(
        self, day: dt.date, kind: str, target: str, source: str, reason: str, value: float, op: str
    ) -> None:
        self.events.append(
            {
                "date": day.isoformat(),
                "kind": kind,
                "target": target,
                "source": source,
                "reason": reason,
                "op": op,
                "value": value,
            }
        )


@dataclass
class Result:
    """What one run produced: arrays, and the tables and summary built from them."""

    scenario: Scenario
    seed: int
    dates: list[str]
    years: np.ndarray
    route_ids: list[str]
    buyer_ids: list[str]
    pairs: list[tuple[int, int]]
    arrays: dict[str, np.ndarray]
    route_initial: np.ndarray
    events: list[dict[str, Any]]
    started: float
    wall_s: float
    field_ids: list[str] = field(default_factory=list)
    connection_ids: list[str] = field(default_factory=list)
    conservation_error: float = 0.0
    sim_events: int = 0
    lpg: LpgResult | None = None
    trace: list[tuple[float, str, str, float]] | None = None

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        rec: Recorder,
        cal: Calendar,
        *,
        started: float,
        wall_s: float,
        lpg: LpgNetwork | None = None,
    ) -> Result:
        return cls(
            scenario=scenario,
            seed=scenario.seed,
            dates=[d.isoformat() for d in cal.dates],
            years=np.asarray(cal.year),
            route_ids=rec.route_ids,
            buyer_ids=rec.buyer_ids,
            pairs=rec.pairs,
            arrays=rec.arrays,
            route_initial=rec.route_initial,
            field_ids=rec.field_ids,
            connection_ids=rec.connection_ids,
            events=rec.events,
            started=started,
            wall_s=wall_s,
            lpg=LpgResult.take(lpg) if lpg is not None else None,
        )

    # ------------------------------------------------------------------ derived arrays

    def buyer_sent(self) -> np.ndarray:
        out = np.zeros((len(self.buyer_ids), len(self.dates)))
        for i, (_, b) in enumerate(self.pairs):
            out[b] += self.arrays["pair_sent"][i]
        return out

    def buyer_delivered(self) -> np.ndarray:
        out = np.zeros((len(self.buyer_ids), len(self.dates)))
        for i, (_, b) in enumerate(self.pairs):
            out[b] += self.arrays["pair_arrived"][i]
        return out

    def check_conservation(self) -> float:
        """Check mass balance day by day at every node; store and return the worst
        relative imbalance. Raises ConservationError above 1e-9."""
        worst = check_conservation(self)
        if self.lpg is not None:
            worst = max(worst, self.lpg.check(self.dates))
        self.conservation_error = worst
        return self.conservation_error

    def check_finite(self) -> None:
        """Raise NonFiniteError if any array a table is built from, or any figure of the
        summary, is not a finite number (the tables are built from these arrays)."""
        series = {**self.arrays, "route_initial": self.route_initial}
        if self.lpg is not None:
            series.update({f"LPG {k}": v for k, v in self.lpg.arrays.items()})
            series.update(
                {
                    f"LPG delivered by {f}": v
                    for f, v in zip(self.lpg.fleet_ids, self.lpg.delivered, strict=True)
                }
            )
        for name, values in series.items():
            values = np.asarray(values, dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                day = None
                if values.ndim and values.shape[-1] == len(self.dates):
                    day = self.dates[int(np.argwhere(bad)[0][-1])]
                raise NonFiniteError(f"the series {name}", day)
        if not finite_numbers(self.summary):
            raise NonFiniteError("summary.json")

    # ------------------------------------------------------------------ tables

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Daily flows: pipeline gas entering each route per buyer (and third-party
        transit), mcm; LPG loaded on trains and delivered by truck, t."""
        return self._with_lpg(self._gas_flows(), "flows")

    def _with_lpg(self, gas: pd.DataFrame, table: str) -> pd.DataFrame:
        """The gas table followed, day by day, by the LPG chain's rows."""
        if self.lpg is None:
            return gas
        dates = np.asarray(self.dates, dtype=object)
        extra: pd.DataFrame = getattr(self.lpg, table)(dates)
        if extra.empty:
            return gas
        both = pd.concat([gas, extra], ignore_index=True)
        # both are day by day, with a fixed number of rows a day: interleave the days (a
        # stable sort on the day's number keeps each day's gas rows first)
        day = np.arange(len(self.dates))
        keys = np.concatenate(
            [np.repeat(day, len(gas) // day.size), np.repeat(day, len(extra) // day.size)]
        )
        order = np.argsort(keys, kind="stable")
        return both.take(order).reset_index(drop=True)

    def _gas_flows(self) -> pd.DataFrame:
        """Daily gas entering each route, per buyer (and third-party transit), mcm."""
        a = self.arrays
        blocks = []
        for r, rid in enumerate(self.route_ids):
            capacity = a["route_capacity"][r]
            for i, (rr, b) in enumerate(self.pairs):
                if rr == r:
                    blocks.append((rid, self.buyer_ids[b], a["pair_sent"][i], capacity))
            if a["route_third_party"][r].any():
                blocks.append((rid, THIRD_PARTY, a["route_third_party"][r], capacity))
        return long_flows(np.asarray(self.dates, dtype=object), blocks, GAS, "mcm")

    @cached_property
    def deliveries(self) -> pd.DataFrame:
        """Daily per buyer: nominated, delivered at the border and shortfall at dispatch, mcm;
        for LPG, per depot: demand, delivered by truck and unmet demand, t."""
        return self._with_lpg(self._gas_deliveries(), "deliveries")

    def _gas_deliveries(self) -> pd.DataFrame:
        """Daily per buyer: nominated, delivered at the border, and shortfall at dispatch, mcm."""
        nb, n = len(self.buyer_ids), len(self.dates)
        nominated = self.arrays["buyer_nominated"]
        shortfall = np.maximum(nominated - self.buyer_sent(), 0.0)
        frame = pd.DataFrame(
            {
                "date": np.tile(np.asarray(self.dates, dtype=object), nb),
                "buyer": labels(self.buyer_ids, n),
                "commodity": GAS,
                "nominated": nominated.ravel(),
                "delivered": self.buyer_delivered().ravel(),
                "shortfall": shortfall.ravel(),
                "unit": "mcm",
            }
        )
        return by_date(frame, nb, n)

    @cached_property
    def annual(self) -> pd.DataFrame:
        """Deliveries per calendar year and destination: pipeline gas in bcm, LPG in kt."""
        gas = self._gas_annual()
        if self.lpg is None:
            return gas
        both = pd.concat([gas, self.lpg.annual(self.years)], ignore_index=True)
        return both.sort_values("year", kind="stable").reset_index(drop=True)

    @cached_property
    def lpg_queues(self) -> pd.DataFrame | None:
        """End-of-day queues and stocks of the LPG chain (None without a chain)."""
        if self.lpg is None:
            return None
        return self.lpg.queues(np.asarray(self.dates, dtype=object))

    def _gas_annual(self) -> pd.DataFrame:
        """Deliveries per calendar year and destination, bcm."""
        delivered = self.buyer_delivered()
        years = sorted(set(self.years.tolist()))
        rows = []
        for y in years:
            mask = self.years == y
            for b, bid in enumerate(self.buyer_ids):
                rows.append((y, bid, GAS, float(delivered[b, mask].sum()) * BCM_PER_MCM, "bcm"))
        return pd.DataFrame(rows, columns=["year", "destination", "commodity", "quantity", "unit"])

    @cached_property
    def money(self) -> pd.DataFrame:
        """Daily per buyer: invoiced, paid, lump-sum settlements and arrears, USD."""
        nb, n = len(self.buyer_ids), len(self.dates)
        a = self.arrays
        frame = pd.DataFrame(
            {
                "date": np.tile(np.asarray(self.dates, dtype=object), nb),
                "buyer": labels(self.buyer_ids, n),
                "invoiced_usd": a["buyer_invoiced"].ravel(),
                "paid_usd": a["buyer_paid"].ravel(),
                "settled_usd": a["buyer_settled"].ravel(),
                "arrears_usd": a["buyer_arrears"].ravel(),
                "cut_off": a["buyer_cut_off"].ravel().astype(bool),
            }
        )
        return by_date(frame, nb, n)

    @cached_property
    def production(self) -> pd.DataFrame:
        """Daily production balance: potential, domestic, exported, shut in, mcm."""
        a = self.arrays
        return pd.DataFrame(
            {
                "date": self.dates,
                "potential": a["potential"],
                "domestic_demand": a["domestic_demand"],
                "domestic": a["domestic"],
                "exported": a["produced"] - a["domestic"],
                "shut_in": a["shut_in"],
                "unit": "mcm",
            }
        )

    @cached_property
    def event_table(self) -> pd.DataFrame:
        """Applied events (schedules left out), each cutoff paired with its resume and each
        outage with its end: ``date, end_date, kind, target, source, reason``."""
        rows: list[dict[str, Any]] = []
        # open spans per (kind, target, random or not), closed first in, first out
        # (outages can overlap; a random outage's end closes a random outage)
        open_spans: dict[tuple[str, str, bool], list[dict[str, Any]]] = {}
        last = self.dates[-1]
        for e in self.events:
            if e["source"] == "schedule":
                continue
            kind, target = e["kind"], e["target"]
            if kind in ("resume", "outage_end"):
                key = (
                    "outage" if kind == "outage_end" else "cutoff",
                    target,
                    e["source"] == "random",
                )
                spans = open_spans.get(key)
                span = spans.pop(0) if spans else None
                if span is not None:
                    end = dt.date.fromisoformat(e["date"]) - dt.timedelta(days=1)
                    span["end_date"] = max(end.isoformat(), span["date"])
                if kind == "outage_end":
                    continue
            row = {
                "date": e["date"],
                "end_date": "",
                "kind": kind,
                "target": target,
                "source": e["source"],
                "reason": e["reason"],
            }
            if kind in ("cutoff", "outage"):
                row["end_date"] = last
                open_spans.setdefault((kind, target, e["source"] == "random"), []).append(row)
            rows.append(row)
        return pd.DataFrame(
            rows, columns=["date", "end_date", "kind", "target", "source", "reason"]
        )

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Headline KPIs of the run (also written as summary.json)."""
        from gasroutes.results.summary import summarise

        return summarise(self)

    def route_paths(self) -> dict[str, list[tuple[float, float]]]:
        """Map coordinates of the routes that have them."""
        paths = {r: x.path_lonlat for r, x in self.scenario.routes.items()}
        paths.update({r: x.path_lonlat for r, x in self.scenario.lpg.rail_routes.items()})
        return {r: list(p) for r, p in paths.items() if p}

    def plot(self, name: str) -> Figure:
        """One chart of this run, for Jupyter (names in gasroutes.plots.CHARTS)."""
        from gasroutes.charts.run import chart

        return chart(self, name)

    def write(self, folder: str | Path, *, charts: bool = False, svg: bool = False) -> Path:
        """Write every table, the summary, the manifest and the resolved scenario to
        ``folder``, atomically: a failure leaves an earlier folder untouched."""
        from gasroutes.results.writing import write_result

        return write_result(self, Path(folder), charts=charts, svg=svg)

    def summary_json(self) -> str:
        return json.dumps(self.summary, indent=2, sort_keys=False, allow_nan=False) + "\n"
