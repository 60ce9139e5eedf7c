"""A comparison's charts and folder: kpis.csv (and differences.csv for replicated runs),
charts/*.png and report.html, with the runs it made under ``runs/``; with Parquet copies
of its tables and compare.xlsx when asked for."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.core.errors import RunFolderError
from gasroutes.core.folders import atomic_folder, check_apart, check_target
from gasroutes.report.html import comparison_report
from gasroutes.report.replicated import replicated_pages
from gasroutes.report.run import write_run
from gasroutes.report.workbook import require_openpyxl, write_workbook
from gasroutes.results.writing import Outputs, also_parquet
from gasroutes.studies.compare import Comparison, check_count, load_runs, read_folders

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gasroutes.studies.replicate import Progress

__all__ = ["compare_into", "comparison_charts", "plot_comparison", "write_comparison"]


def comparison_charts(c: Comparison) -> dict[str, Figure]:
    """Every comparison chart, by name."""
    from gasroutes.charts.compare import annual_exports_compare, compare_charts
    from gasroutes.charts.differences import difference_annual, difference_kpis

    if not c.replicated:
        if c.without_daily:  # the daily charts need the daily tables (see chart_notes)
            return {"annual_exports": annual_exports_compare(c.runs)}
        return compare_charts(c.runs)
    from gasroutes.studies.paired import annual_differences

    first = c.runs[0]
    annual = {r.name: annual_differences(first, r) for r in c.runs[1:]}
    # the daily tables of replicated runs stay on disk: their charts are the bands in
    # each run's own folder
    return {
        "annual_exports": annual_exports_compare(c.runs),
        "difference_kpis": difference_kpis(c.runs, c.differences),
        "difference_annual": difference_annual(c.runs, annual),
    }


def plot_comparison(c: Comparison, name: str) -> Figure:
    """One comparison chart (annual_exports, deliveries, revenue, production,
    route_flows)."""
    from gasroutes.charts.compare import COMPARE_CHARTS

    if name not in COMPARE_CHARTS:
        raise KeyError(f"unknown chart {name!r}; choose one of {', '.join(COMPARE_CHARTS)}")
    if name != "annual_exports" and c.without_daily:
        raise RunFolderError(" ".join(c.chart_notes()))
    return COMPARE_CHARTS[name](c.runs)


def _write_into(c: Comparison, tmp: Path, outputs: Outputs, excel: bool) -> None:
    """The comparison's files, written into the (temporary) folder ``tmp``."""
    from gasroutes.charts.axes import save_figure

    kpis = c.kpis
    kpis.to_csv(tmp / "kpis.csv", float_format="%.6f")
    also_parquet(kpis.reset_index(), tmp / "kpis.csv", outputs)
    if c.replicated:
        differences = c.differences
        differences.to_csv(tmp / "differences.csv", index=False, float_format="%.6f")
        also_parquet(differences, tmp / "differences.csv", outputs)
    if excel:
        write_workbook(c, tmp / "compare.xlsx")
    (tmp / "charts").mkdir()
    paths = [save_figure(fig, tmp / "charts", n) for n, fig in comparison_charts(c).items()]
    (tmp / "report.html").write_text(comparison_report(c, paths), encoding="utf-8")


def write_comparison(
    c: Comparison, folder: Path, outputs: Outputs | None = None, *, excel: bool = False
) -> Path:
    """Write a comparison's folder, atomically (never into a run it compares); the
    formats of ``outputs``, and compare.xlsx with ``excel``."""
    if excel:
        require_openpyxl()
    check_apart(folder, [r.folder for r in c.runs if r.folder is not None], "compare")
    with atomic_folder(folder, "compare") as tmp:
        _write_into(c, tmp, outputs or Outputs(), excel)
    return folder


def compare_into(
    items: Sequence[Any],
    out: Path,
    *,
    replications: int = 1,
    workers: int = 1,
    progress: Progress | None = None,
    outputs: Outputs | None = None,
    excel: bool = False,
) -> Comparison:
    """Compare runs and write the comparison to ``out``; the runs of scenario files are
    kept in ``out``/runs/, with the tables and formats of ``outputs`` (the charts are
    drawn from the runs in memory, daily tables or not); ``excel`` adds compare.xlsx."""
    outputs = outputs or Outputs()
    check_count(items)
    if excel:  # before anything runs
        require_openpyxl()
    # before anything runs: a refused folder is told at once, not after the runs
    check_apart(out, read_folders(items), "compare")
    check_target(out, "compare")
    with atomic_folder(out, "compare") as tmp:
        kept = tmp / "runs"
        runs, made = load_runs(
            items,
            replications=replications,
            workers=workers,
            scratch=kept,
            progress=progress,
            pages=replicated_pages,
            outputs=outputs,
        )
        comparison = Comparison(runs)
        _write_into(comparison, tmp, outputs, excel)
        used: set[str] = {p.name for p in kept.iterdir()} if kept.is_dir() else set()
        for result in made:  # scenario files given on the command line: keep their runs
            name, k = result.scenario.name, 2
            while name in used:  # two files may give the same name
                name, k = f"{result.scenario.name}-{k}", k + 1
            used.add(name)
            write_run(result, kept / name, outputs=outputs)
    for r in runs:
        if r.folder is not None and tmp in r.folder.parents:
            r.folder = out / r.folder.relative_to(tmp)
    return comparison
