"""The Python API: what the command line does, as functions, with results that draw and
write themselves.

Each function puts the layers together: a study (:mod:`gasroutes.studies`) computes,
the report layer (:mod:`gasroutes.report`) writes the folder with its charts and page.
``import gasroutes`` exposes these names lazily (see ``gasroutes/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.results.result import Result
from gasroutes.results.run import checked
from gasroutes.results.writing import Outputs
from gasroutes.sim.run import simulate
from gasroutes.studies import backtest as _backtest
from gasroutes.studies import compare as _compare

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from gasroutes.charts.background import ChartProcess
    from gasroutes.scenario.model import Scenario
    from gasroutes.studies.replicate import Progress, Replicated
    from gasroutes.studies.sweep import SweepResult

# the report layer (charts, matplotlib) loads when a folder is written or a chart drawn,
# so that `gasroutes run --no-charts` does not pay for it

__all__ = [
    "Backtest",
    "Comparison",
    "RunResult",
    "backtest",
    "compare",
    "run",
    "run_replications",
    "sweep",
]


class RunResult(Result):
    """A run's results (:class:`gasroutes.results.result.Result`) that draw and write
    themselves."""

    def plot(self, name: str) -> Figure:
        """One chart of this run, for Jupyter (names in gasroutes.charts.run.CHARTS)."""
        from gasroutes.charts.run import chart

        return chart(self, name)

    def write(
        self,
        folder: str | Path,
        *,
        charts: bool = False,
        svg: bool = False,
        drawer: ChartProcess | None = None,
        tables: str = "all",
        parquet: bool = False,
    ) -> Path:
        """Write the tables, the summary, the manifest and the resolved scenario to
        ``folder``, atomically: a failure leaves an earlier folder untouched.
        ``tables="annual"`` leaves the daily tables out; ``parquet`` writes each table
        also as Parquet (needs pyarrow). ``drawer`` (a
        :class:`~gasroutes.charts.background.ChartProcess` started before the run) draws
        the charts while the tables are written."""
        from gasroutes.report.run import write_run

        outputs = Outputs(tables, parquet)
        return write_run(self, Path(folder), charts=charts, svg=svg, drawer=drawer, outputs=outputs)


def run(
    scenario: Scenario,
    seed: int | None = None,
    *,
    trace: bool = False,
    trucks: str = "fleet",
    lpg: bool = True,
) -> RunResult:
    """Simulate a scenario; return its results. Raises ConservationError if mass does not
    balance and NonFiniteError if a number is not finite (either would be a bug in the
    model, never in the input).

    ``seed`` replaces the scenario's; ``trace`` keeps a log of every LPG move in
    ``result.trace``; ``trucks`` chooses the road-tanker model, ``"fleet"`` (one process
    per fleet, the default) or ``"per_truck"`` (one process per truck: the same tables,
    more events). ``lpg=False`` leaves the LPG chain out (it shares nothing with the
    pipeline gas: the gas tables are the same), for studies that need only gas figures.
    """
    sim = simulate(scenario, seed, trace=trace, trucks=trucks, lpg=lpg)
    return checked(RunResult.build(sim))


class Comparison(_compare.Comparison):
    """Runs to compare (the first is the reference), with their charts."""

    def charts(self) -> dict[str, Figure]:
        """Every comparison chart, by name."""
        from gasroutes.report.compare import comparison_charts

        return comparison_charts(self)

    def plot(self, name: str) -> Figure:
        """One comparison chart (annual_exports, deliveries, revenue, production,
        route_flows)."""
        from gasroutes.report.compare import plot_comparison

        return plot_comparison(self, name)

    def write(self, folder: str | Path, *, parquet: bool = False, excel: bool = False) -> Path:
        """Write kpis.csv, charts/*.png and report.html, atomically; ``parquet`` writes
        the tables also as Parquet (needs pyarrow), ``excel`` adds compare.xlsx (needs
        openpyxl)."""
        from gasroutes.report.compare import write_comparison

        return write_comparison(self, Path(folder), Outputs(parquet=parquet), excel=excel)


def compare(
    items: Sequence[Any],
    out: str | Path | None = None,
    *,
    replications: int = 1,
    workers: int = 1,
    progress: Progress | None = None,
    tables: str = "all",
    parquet: bool = False,
    excel: bool = False,
) -> Comparison:
    """Compare runs (Results, run folders or scenario files); write to ``out`` if given.

    Scenario files are run first, ``replications`` times each (with ``workers``
    processes); their runs are kept in ``out``/runs/, with the tables ``tables`` names
    (``"annual"`` leaves the daily ones out; the comparison's charts are drawn before
    from the runs in memory). ``parquet`` writes every table also as Parquet (needs
    pyarrow), ``excel`` adds ``out``/compare.xlsx (needs openpyxl); both need ``out``.
    """
    kw: dict[str, Any] = {"replications": replications, "workers": workers, "progress": progress}
    if out is None:
        if parquet or excel or tables != "all":
            raise ValueError("tables, parquet and excel are options of the files written: give out")
        return Comparison(_compare.compare(items, **kw).runs)
    from gasroutes.report.compare import compare_into

    outputs = Outputs(tables, parquet)
    return Comparison(compare_into(items, Path(out), outputs=outputs, excel=excel, **kw).runs)


def run_replications(
    scenario: Scenario,
    n: int,
    out: Path,
    *,
    seed: int | None = None,
    workers: int = 1,
    charts: bool = True,
    svg: bool = False,
    progress: Progress | None = None,
    tables: str = "all",
    parquet: bool = False,
) -> Replicated:
    """Run ``n`` replications of ``scenario`` and write the replicated folder ``out``
    (its tables, the band charts unless ``charts`` is False, and the report);
    ``tables="annual"`` leaves the daily tables out, ``parquet`` writes each table also
    as Parquet (needs pyarrow)."""
    from gasroutes.report.replicated import replicated_pages
    from gasroutes.studies.replicate import run_replications as replicate

    return replicate(
        scenario,
        n,
        Path(out),
        seed=seed,
        workers=workers,
        progress=progress,
        pages=partial(replicated_pages, charts=charts, svg=svg),
        outputs=Outputs(tables, parquet),
    )


def sweep(
    path: str | Path,
    out: str | Path | None = None,
    *,
    tables: str = "all",
    parquet: bool = False,
    **kw: Any,
) -> SweepResult:
    """Run the sweep file ``path`` into ``out`` (default ``outputs/sweeps/<name>``); the
    keywords are those of :func:`gasroutes.studies.sweep.run_sweep`. ``tables`` is what
    each kept run's folder holds (``keep_runs``; ``"annual"`` leaves the daily tables
    out); ``parquet`` writes every table (the sweep's and the kept runs') also as Parquet
    (needs pyarrow)."""
    from gasroutes.report.run import write_run
    from gasroutes.report.sweep import sweep_pages
    from gasroutes.studies.sweep import run_sweep

    outputs = Outputs(tables, parquet)
    return run_sweep(
        Path(path),
        Path(out) if out is not None else None,
        write_run=partial(write_run, outputs=outputs),
        pages=sweep_pages,
        outputs=outputs,
        **kw,
    )


class Backtest(_backtest.Backtest):
    """A run's annual exports against an observed table, with its chart."""

    def plot(self, title: str) -> Figure:
        from gasroutes.report.backtest import plot_backtest

        return plot_backtest(self, title)

    def write(self, folder: str | Path, title: str, reads: Path | None = None) -> Path:
        """Write backtest.csv, backtest.json and backtest.png to ``folder``, atomically;
        ``reads`` is the run folder compared, which it must not write into."""
        from gasroutes.report.backtest import write_backtest

        return write_backtest(self, Path(folder), title, reads)


def backtest(
    run: Path | pd.DataFrame, observed: Path | pd.DataFrame, commodity: str = "pipeline_gas"
) -> Backtest:
    """Compare a run's ``annual.csv`` (a run folder or the DataFrame) with observed data."""
    done = _backtest.backtest(run, observed, commodity)
    return Backtest(**{f.name: getattr(done, f.name) for f in fields(done)})
