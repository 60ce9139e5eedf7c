"""A run's results: the daily arrays of a simulation, and the tables, summary and checks
built from them.

DataFrames are built once, after the run, and only when asked for, with their text
columns held as Python strings whatever else is installed: with pyarrow installed, pandas
holds them as Arrow strings by default, which are slower to build, group and write here
(the values, hence every file, are the same).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, Self, TypeVar

import numpy as np
import pandas as pd

from gasroutes.core.errors import NonFiniteError
from gasroutes.core.units import BCM_PER_MCM
from gasroutes.results.arrays import RunArrays
from gasroutes.results.conservation import check_conservation
from gasroutes.results.lpg import LpgResult
from gasroutes.results.runfolder import finite_numbers
from gasroutes.results.tables import by_date, labels, long_flows
from gasroutes.sim.changes import SPANS, EventKind, Source

if TYPE_CHECKING:
    from gasroutes.sim.record import Simulation

__all__ = ["Result"]

GAS = "pipeline_gas"
THIRD_PARTY = "third_party"

T = TypeVar("T")


def table(build: Callable[[Any], T]) -> cached_property[T]:
    """A table of a run, built once, its text columns as Python strings."""

    @wraps(build)
    def built(self: Any) -> T:
        with pd.option_context("mode.string_storage", "python"):
            return build(self)

    return cached_property(built)


@dataclass
class Result(RunArrays):
    """What one run produced: its arrays (:class:`RunArrays`), and the tables, summary and
    checks built from them."""

    @classmethod
    def build(cls, sim: Simulation) -> Self:
        """The results of a simulation (tables are built when first asked for)."""
        gas, cal = sim.gas, sim.cal
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
            scenario=sim.scenario,
            seed=sim.scenario.seed,
            dates=[d.isoformat() for d in cal.dates],
            years=np.asarray(cal.year),
            route_ids=list(gas.graph_route_ids),
            buyer_ids=list(gas.graph_buyer_ids),
            pairs=list(i.pairs),
            arrays=arrays,
            route_initial=gas.initial,
            field_ids=list(gas.graph.field_ids),
            connection_ids=list(gas.graph.conn_ids),
            events=sim.events,
            started=sim.started,
            wall_s=sim.wall_s,
            sim_events=sim.sim_events,
            lpg=LpgResult.take(sim.lpg) if sim.lpg is not None else None,
            trace=sim.trace,
        )

    def __repr__(self) -> str:
        """One line (the arrays would fill a notebook cell): name, horizon, seed, totals."""
        s = self.summary
        return (
            f"<{type(self).__name__} {s['scenario']}: {s['start']} to {s['end']}, "
            f"{s['days']:,} days, seed {s['seed']}; exports {s['exports_bcm_total']:,.3f} bcm, "
            f"revenue {s['revenue_usd_total'] / 1e9:,.3f} USD bn>"
        )

    def _repr_html_(self) -> str:
        """Jupyter's view: the key figures ``gasroutes run`` prints, as a small table."""
        from gasroutes.results.summary import html_table, key_figures

        s = self.summary
        rows = [
            ["horizon", f"{s['start']} to {s['end']} ({s['days']:,} days)"],
            ["seed", str(s["seed"])],
            *(
                [
                    f.name,
                    f"{f.value:,.{f.digits}f} {f.unit}".strip() + (f" {f.note}" if f.note else ""),
                ]
                for f in key_figures(s)
            ),
        ]
        return html_table(str(s["scenario"]), [], rows)

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

    @table
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

    @table
    def deliveries(self) -> pd.DataFrame:
        """Daily per buyer: nominated, delivered at the border and shortfall at dispatch, mcm;
        for LPG, per depot: demand, delivered by truck and unmet demand, t."""
        return self._with_lpg(self._gas_deliveries(), "deliveries")

    def _gas_deliveries(self) -> pd.DataFrame:
        """Daily per buyer: nominated, delivered at the border, and shortfall at dispatch
        (on the days the buyer is not cut off), mcm."""
        nb, n = len(self.buyer_ids), len(self.dates)
        nominated = self.arrays["buyer_nominated"]
        shortfall = self.buyer_shortfall()
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

    @table
    def annual(self) -> pd.DataFrame:
        """Deliveries per calendar year and destination: pipeline gas in bcm, LPG in kt."""
        gas = self._gas_annual()
        if self.lpg is None:
            return gas
        both = pd.concat([gas, self.lpg.annual(self.years)], ignore_index=True)
        return both.sort_values("year", kind="stable").reset_index(drop=True)

    @table
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

    @table
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

    @table
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

    @table
    def event_table(self) -> pd.DataFrame:
        """Applied events (schedules left out), each cutoff paired with its resume and each
        outage with its end: ``date, end_date, kind, target, source, reason``."""
        rows: list[dict[str, Any]] = []
        # open spans per (kind, target, random or not), closed first in, first out
        # (outages can overlap; a random outage's end closes a random outage)
        open_spans: dict[tuple[str, str, bool], list[dict[str, Any]]] = {}
        last = self.dates[-1]
        opened_by = {end: start for start, end in SPANS.items()}
        for e in self.events:
            if e["source"] == Source.SCHEDULE:
                continue
            kind, target = e["kind"], e["target"]
            if kind in opened_by:
                key = (opened_by[kind], target, e["source"] == Source.RANDOM)
                spans = open_spans.get(key)
                span = spans.pop(0) if spans else None
                if span is not None:
                    end = dt.date.fromisoformat(e["date"]) - dt.timedelta(days=1)
                    span["end_date"] = max(end.isoformat(), span["date"])
                if kind == EventKind.OUTAGE_END:  # not a row: it closes one
                    continue
            row = {
                "date": e["date"],
                "end_date": "",
                "kind": kind,
                "target": target,
                "source": e["source"],
                "reason": e["reason"],
            }
            if kind in SPANS:
                row["end_date"] = last
                open_spans.setdefault((kind, target, e["source"] == Source.RANDOM), []).append(row)
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

    def summary_json(self) -> str:
        return json.dumps(self.summary, indent=2, sort_keys=False, allow_nan=False) + "\n"
