"""Charts (matplotlib): of a run, of runs compared, of replications, sweeps and
calibrations. This package's own namespace imports nothing heavy: the names of a run's
charts, and what they read of a run, are here so a command can know them without
importing matplotlib."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from gasroutes.results.result import Result

__all__ = [
    "CHARTS",
    "COST",
    "READS",
    "TABLES",
    "RunCharts",
    "draw_order",
    "header",
    "python_text",
    "run_chart_names",
    "table",
    "tables_in_order",
]

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


# How long each chart takes to draw, relative to the others (CPU seconds at 120 dpi in a
# warm chart process, the mean of the baseline's and historical's, with the canvas of
# charts/agg.py): the costliest are handed out first, so that the processes finish
# together (draw_order).
COST = {
    "route_flows": 0.31,
    "lpg_chain": 0.24,
    "network_map": 0.20,
    "deliveries": 0.18,
    "revenue_arrears": 0.13,
    "annual_exports": 0.11,
    "production": 0.10,
}


def run_chart_names(has_lpg: bool) -> list[str]:
    """The charts of a run with (or without) an LPG chain."""
    return [n for n in CHARTS if has_lpg or n != "lpg_chain"]


def python_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns held as Python strings, not Arrow arrays (a
    table read from a run folder has them when pyarrow is installed): the chart
    processes do not import pyarrow, a tenth of their start-up. The values are the same;
    a table built by a run already has them, and is returned as it is."""
    import numpy as np
    import pandas as pd

    python = pd.StringDtype("python", na_value=np.nan)  # the default str, without Arrow

    def arrow(dtype: object) -> bool:
        return isinstance(dtype, pd.StringDtype) and dtype != python

    columns = [n for n, t in frame.dtypes.items() if arrow(t)]
    if not columns and not arrow(frame.index.dtype) and not arrow(frame.columns.dtype):
        return frame
    out = frame.astype(dict.fromkeys(columns, python))
    if arrow(out.index.dtype):
        out.index = out.index.astype(python)
    if arrow(out.columns.dtype):
        out.columns = out.columns.astype(python)
    return out


# The tables of a run its charts read (as RunCharts names them), the smallest first, and
# which each chart reads besides the run's title, events and map (all of them read those).
TABLES = ("annual", "production", "money", "deliveries", "flows", "lpg_queues")
READS = {
    "annual_exports": ("annual",),
    "route_flows": ("flows",),
    "deliveries": ("deliveries",),
    "production": ("production",),
    "revenue_arrears": ("money",),
    "network_map": ("flows",),
    "lpg_chain": ("flows", "lpg_queues"),
}


def draw_order(names: list[str], starters: int = 2) -> list[str]:
    """The order a run's charts are handed out in to ``starters`` processes that each
    take the next one when done: first, one each of those reading the smallest tables
    (they arrive first, so drawing starts while the large ones are still on their way),
    then the costliest first (so the processes end together)."""

    def size(name: str) -> int:
        return max((TABLES.index(t) for t in READS.get(name, TABLES[-1:])), default=0)

    first = sorted(names, key=lambda n: (size(n), COST.get(n, 1.0)))[:starters]
    rest = sorted((n for n in names if n not in first), key=lambda n: -COST.get(n, 1.0))
    return first + rest


def tables_in_order(names: list[str]) -> list[str]:
    """The tables the charts ``names`` read, in the order they are first needed."""
    return list(dict.fromkeys(t for n in names for t in READS.get(n, TABLES)))


def header(res: Result | RunCharts) -> dict[str, Any]:
    """What every chart of ``res`` reads, small: its title, events, map and first and
    last day."""
    if isinstance(res, RunCharts):
        keys = ("title", "events", "paths", "entries", "span")
        return {k: getattr(res, k) for k in keys}
    routes = res.scenario.routes
    return {
        "title": res.scenario.name,
        "events": python_text(res.event_table),
        "paths": res.route_paths(),
        "entries": {r: x.entry for r, x in routes.items() if x.entry},
        "span": (str(res.dates[0]), str(res.dates[-1])) if len(res.dates) else ("", ""),
    }


def table(res: Result | RunCharts, name: str) -> pd.DataFrame | None:
    """The table ``name`` (one of TABLES) of ``res``, its text as Python strings; None
    for ``lpg_queues`` of a run without an LPG chain."""
    frame: pd.DataFrame | None = getattr(res, name)
    return None if frame is None else python_text(frame)


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
    span: tuple[str, str] = ("", "")  # the run's first and last day ("": not known)

    @classmethod
    def of(cls, res: Result | RunCharts) -> RunCharts:
        """What the charts of ``res`` read (its tables are built here, once)."""
        if isinstance(res, RunCharts):
            return res
        tables: dict[str, Any] = {t: table(res, t) for t in TABLES}
        return cls(**header(res), **tables)

    @property
    def names(self) -> list[str]:
        """The charts drawn of this run."""
        return run_chart_names(self.lpg_queues is not None)
