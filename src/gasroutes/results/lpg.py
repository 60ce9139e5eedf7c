"""The LPG chain's results: arrays taken from the run, tables, KPIs and the tonne balance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gasroutes.core.units import KT_PER_T, T_PER_KT
from gasroutes.results.balance import worst_imbalance
from gasroutes.results.tables import by_date, labels, long_flows

if TYPE_CHECKING:
    from gasroutes.sim.lpg.network import LpgNetwork

__all__ = ["LPG", "LpgResult"]

LPG = "lpg"


@dataclass
class LpgResult:
    """A snapshot of the chain after the run: per-day arrays (tonnes) and statistics."""

    destination: str
    plant_ids: list[str]
    terminal_ids: list[str]
    rail_ids: list[str]
    rail_terminal: list[str]
    fleet_ids: list[str]
    legs: list[list[str]]  # depot ids of each fleet's legs
    depot_ids: list[str]
    depot_price: list[float]
    arrays: dict[str, np.ndarray]
    delivered: list[np.ndarray]  # per fleet: legs x days
    initial_t: float
    waits: dict[str, np.ndarray]  # days, per terminal
    queue_area: dict[str, float]
    arrivals: dict[str, int]
    bay_busy: dict[str, float]
    bay_blocked: dict[str, float]
    bay_capacity: dict[str, float]
    truck_busy: dict[str, float]
    truck_capacity: dict[str, float]
    horizon_days: float
    terminal_storage: dict[str, float]
    depot_initials: list[float]

    @classmethod
    def take(cls, net: LpgNetwork) -> LpgResult:
        days = net.cal.days
        arrays = {
            n: np.asarray(getattr(net, n), dtype=float).reshape(-1, days)
            for n in ("potential", "produced", "shut_in", "demand", "consumed")
        }
        for n in (
            "plant_level",
            "departed",
            "rail_capacity",
            "unloaded",
            "terminal_level",
            "queue_end",
            "bays_busy_end",
            "fleet_capacity",
            "trucks_waiting",
            "depot_level",
        ):
            arrays[n] = net.arrays[n]
        arrays["on_trains"] = net.arrays["on_trains_end"]
        arrays["on_trucks"] = net.arrays["on_trucks_end"]
        return cls(
            destination=net.chain.destination,
            plant_ids=[p.id for p in net.plants],
            terminal_ids=[t.id for t in net.terminals],
            rail_ids=[r.id for r in net.rails],
            rail_terminal=[r.terminal.id for r in net.rails],
            fleet_ids=[f.id for f in net.fleets],
            legs=[[d.id for d, _, _ in f.legs] for f in net.fleets],
            depot_ids=[d.id for d in net.depots],
            depot_price=[d.price for d in net.depots],
            arrays=arrays,
            delivered=list(net.arrays["delivered"]),
            initial_t=net.initial_t,
            waits={t.id: np.asarray(t.waits) for t in net.terminals},
            queue_area={t.id: t.area for t in net.terminals},
            arrivals={t.id: t.arrivals for t in net.terminals},
            bay_busy={t.id: t.bay_busy for t in net.terminals},
            bay_blocked={t.id: t.bay_blocked for t in net.terminals},
            bay_capacity={t.id: t.bay_capacity_area for t in net.terminals},
            truck_busy={f.id: f.busy for f in net.fleets},
            truck_capacity={f.id: f.truck_area for f in net.fleets},
            horizon_days=float(days),
            terminal_storage={t.id: float(t.tank.capacity) for t in net.terminals},
            depot_initials=[d.initial_t for d in net.chain.depots.values()],
        )

    # ------------------------------------------------------------------ derived

    def delivered_by_depot(self) -> np.ndarray:
        """Tonnes unloaded at each depot per day (depots x days)."""
        out = np.zeros((len(self.depot_ids), self.arrays["consumed"].shape[1]))
        for legs, per_leg in zip(self.legs, self.delivered, strict=True):
            for depot, row in zip(legs, per_leg, strict=True):
                out[self.depot_ids.index(depot)] += row
        return out

    def flows(self, dates: np.ndarray) -> pd.DataFrame:
        """Daily LPG flows, t: trains loaded per rail route, truckloads delivered per fleet
        and depot; ``buyer`` is the rail route's terminal or the truck's depot."""
        a = self.arrays
        blocks = [
            (rid, term, a["departed"][i], a["rail_capacity"][i])
            for i, (rid, term) in enumerate(zip(self.rail_ids, self.rail_terminal, strict=True))
        ]
        for f, (fid, legs) in enumerate(zip(self.fleet_ids, self.legs, strict=True)):
            for k, depot in enumerate(legs):
                blocks.append((fid, depot, self.delivered[f][k], a["fleet_capacity"][f]))
        return long_flows(dates, blocks, LPG, "t")

    def deliveries(self, dates: np.ndarray) -> pd.DataFrame:
        """Daily per depot: demand (nominated), tonnes delivered by truck, unmet demand."""
        a = self.arrays
        delivered = self.delivered_by_depot()
        n = len(dates)
        frames = [
            pd.DataFrame(
                {
                    "date": dates,
                    "buyer": depot,
                    "commodity": LPG,
                    "nominated": a["demand"][i],
                    "delivered": delivered[i],
                    "shortfall": a["demand"][i] - a["consumed"][i],
                    "unit": "t",
                }
            )
            for i, depot in enumerate(self.depot_ids)
        ]
        if not frames:
            return pd.DataFrame()
        frame = pd.concat(frames, ignore_index=True)
        k = len(self.depot_ids)
        return by_date(frame, k, n)

    def annual(self, years: np.ndarray) -> pd.DataFrame:
        """LPG delivered to the destination's depots per year, kt."""
        total = self.delivered_by_depot().sum(axis=0)
        rows = [
            (int(y), self.destination, LPG, float(total[years == y].sum()) / T_PER_KT, "kt")
            for y in sorted(set(years.tolist()))
        ]
        return pd.DataFrame(rows, columns=["year", "destination", "commodity", "quantity", "unit"])

    def queues(self, dates: np.ndarray) -> pd.DataFrame:
        """``lpg_queues.csv``: end-of-day queues and stocks, long format."""
        a = self.arrays
        series: list[tuple[str, str, np.ndarray, str]] = []
        for i, t in enumerate(self.terminal_ids):
            series += [
                (t, "trains_waiting", a["queue_end"][i], "trains"),
                (t, "bays_busy", a["bays_busy_end"][i], "bays"),
                (t, "storage", a["terminal_level"][i], "t"),
            ]
        for i, p in enumerate(self.plant_ids):
            series += [
                (p, "storage", a["plant_level"][i], "t"),
                (p, "shut_in", a["shut_in"][i], "t"),
            ]
        for i, f in enumerate(self.fleet_ids):
            series.append((f, "trucks_waiting", a["trucks_waiting"][i], "trucks"))
        for i, d in enumerate(self.depot_ids):
            series += [
                (d, "storage", a["depot_level"][i], "t"),
                (d, "unmet_demand", a["demand"][i] - a["consumed"][i], "t"),
            ]
        series += [
            ("trains", "on_board", a["on_trains"], "t"),
            ("trucks", "on_board", a["on_trucks"], "t"),
        ]
        n = len(dates)
        frame = pd.DataFrame(
            {
                "date": np.tile(dates, len(series)),
                "node": labels([s[0] for s in series], n),
                "metric": labels([s[1] for s in series], n),
                "value": np.concatenate([s[2] for s in series]) if series else [],
                "unit": labels([s[3] for s in series], n),
            }
        )
        k = len(series)
        return by_date(frame, k, n)

    def little(self, terminal: str) -> dict[str, float]:
        """Little's law at a terminal: mean queue length L (time average), arrival rate λ
        (trains/day) and mean wait W (days, trains that started unloading)."""
        waits = self.waits[terminal]
        return {
            "L": self.queue_area[terminal] / self.horizon_days,
            "lambda": self.arrivals[terminal] / self.horizon_days,
            "W": float(waits.mean()) if len(waits) else 0.0,
        }

    def summary(self) -> dict[str, Any]:
        a = self.arrays
        delivered = self.delivered_by_depot()
        kt = KT_PER_T

        def r(x: float, d: int = 6) -> float:
            return round(float(x), d)

        full = {
            t: int((a["terminal_level"][i] >= self.terminal_storage[t] - 1e-6).sum())
            for i, t in enumerate(self.terminal_ids)
        }
        return {
            "lpg_destination": self.destination,
            "lpg_produced_kt": r(a["produced"].sum() * kt),
            "lpg_shut_in_kt": r(a["shut_in"].sum() * kt),
            "lpg_delivered_kt": r(delivered.sum() * kt),
            "lpg_consumed_kt": r(a["consumed"].sum() * kt),
            "lpg_unmet_demand_kt": r((a["demand"] - a["consumed"]).sum() * kt),
            "lpg_revenue_usd": r(
                sum(float(delivered[i].sum()) * p for i, p in enumerate(self.depot_price)), 2
            ),
            "lpg_delivered_kt_by_depot": {
                d: r(delivered[i].sum() * kt) for i, d in enumerate(self.depot_ids)
            },
            "lpg_train_wait_hours_mean_by_terminal": {
                t: r(w.mean() * 24, 3) if len(w) else 0.0 for t, w in self.waits.items()
            },
            "lpg_train_wait_hours_p95_by_terminal": {
                t: r(np.percentile(w, 95) * 24, 3) if len(w) else 0.0 for t, w in self.waits.items()
            },
            "lpg_trains_by_terminal": {t: self.arrivals[t] for t in self.terminal_ids},
            "lpg_bay_utilisation_by_terminal": {
                t: r(self.bay_busy[t] / self.bay_capacity[t], 4) if self.bay_capacity[t] else 0.0
                for t in self.terminal_ids
            },
            # the part of bay time a train waited, its cars full, for room in storage
            "lpg_bay_blocked_share_by_terminal": {
                t: r(self.bay_blocked[t] / self.bay_busy[t], 4) if self.bay_busy[t] else 0.0
                for t in self.terminal_ids
            },
            "lpg_truck_utilisation_by_fleet": {
                f: r(self.truck_busy[f] / self.truck_capacity[f], 4)
                if self.truck_capacity[f]
                else 0.0
                for f in self.fleet_ids
            },
            "lpg_terminal_full_days_by_terminal": full,
            "lpg_stockout_days_by_depot": {
                d: int(((a["demand"][i] - a["consumed"][i]) > 1e-6).sum())
                for i, d in enumerate(self.depot_ids)
            },
        }

    def check(self, dates: list[str]) -> float:
        """The tonne balance, day by day: produced + initial stock = stocks + on trains +
        on trucks + consumed. Return the worst relative imbalance; raise above 1e-9."""
        a = self.arrays
        inflow = self.initial_t + np.cumsum(a["produced"].sum(axis=0))
        held = (
            a["plant_level"].sum(axis=0)
            + a["terminal_level"].sum(axis=0)
            + a["depot_level"].sum(axis=0)
            + a["on_trains"]
            + a["on_trucks"]
            + np.cumsum(a["consumed"].sum(axis=0))
        )
        return worst_imbalance(
            [
                ("lpg_chain", inflow - held, inflow),
                ("lpg_depots", self._depot_balance(), inflow),
            ],
            dates,
        )

    def _depot_balance(self) -> np.ndarray:
        """Per depot, cumulatively: initial + delivered - sold - stock; the worst depot each
        day (a delivery booked to the wrong depot shows here)."""
        a = self.arrays
        per_depot = (
            np.asarray(self.depot_initials)[:, None]
            + np.cumsum(self.delivered_by_depot(), axis=1)
            - np.cumsum(a["consumed"], axis=1)
            - a["depot_level"]
        )
        if not len(per_depot):
            return np.zeros(a["consumed"].shape[1])
        worst: np.ndarray = per_depot[
            np.argmax(np.abs(per_depot), axis=0), np.arange(per_depot.shape[1])
        ]
        return worst
