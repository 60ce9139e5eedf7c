"""Charts (matplotlib): of a run, of runs compared, of replications, sweeps and
calibrations. This package's own namespace imports nothing heavy: the names of a run's
charts, and what they read of a run, are here so a command can know them without
importing matplotlib."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from gasroutes.results.result import Result

__all__ = ["CHARTS", "COST", "RunCharts", "run_chart_names"]

# A run's charts, in the order they are listed and drawn into its folder.
CHARTS = (
    "annual_exports",
    "route_flows",
    "deliveries",
    "production",
    "revenue_arrears",
    "network_map",
    "lpg_chain",  # only for runs with an LPG chain
)


# How long each chart takes to draw, relative to the others (CPU seconds at 120 dpi, the
# mean of the baseline's and historical's): the charts are shared out so that the
# processes finish together.
COST = {
    "route_flows": 0.61,
    "lpg_chain": 0.52,
    "network_map": 0.48,
    "deliveries": 0.43,
    "revenue_arrears": 0.24,
    "annual_exports": 0.23,
    "production": 0.2,
}


def run_chart_names(has_lpg: bool) -> list[str]:
    """The charts of a run with (or without) an LPG chain."""
    return [n for n in CHARTS if has_lpg or n != "lpg_chain"]


@dataclass(frozen=True)
class RunCharts:
    """What a run's charts read of it: its tables, its name, and where its routes run.
    No model: it pickles to a chart process that then needs only pandas and matplotlib,
    not the scenario's and the simulation's modules, to draw."""

    title: str
    annual: pd.DataFrame
    flows: pd.DataFrame
    deliveries: pd.DataFrame
    production: pd.DataFrame
    money: pd.DataFrame
    events: pd.DataFrame
    lpg_queues: pd.DataFrame | None  # None: the run has no LPG chain
    paths: dict[str, list[tuple[float, float]]]  # map coordinates of the routes with them
    entries: dict[str, str]  # the border point each route with one enters by

    @classmethod
    def of(cls, res: Result | RunCharts) -> RunCharts:
        """What the charts of ``res`` read (its tables are built here, once)."""
        if isinstance(res, RunCharts):
            return res
        routes = res.scenario.routes
        return cls(
            title=res.scenario.name,
            annual=res.annual,
            flows=res.flows,
            deliveries=res.deliveries,
            production=res.production,
            money=res.money,
            events=res.event_table,
            lpg_queues=res.lpg_queues,
            paths=res.route_paths(),
            entries={r: x.entry for r, x in routes.items() if x.entry},
        )

    @property
    def names(self) -> list[str]:
        """The charts drawn of this run."""
        return run_chart_names(self.lpg_queues is not None)
