"""A run's folder: its data files, charts and report page, written atomically.

Everything is written into a temporary sibling folder first and renamed into place at the
end (:func:`gasroutes.core.folders.atomic_folder`), so a failed or interrupted write never
damages an earlier run's results, and only a folder gasroutes wrote is ever replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gasroutes.core.folders import atomic_folder
from gasroutes.report.html import run_report
from gasroutes.results.writing import Outputs, manifest, write_data, write_manifest

if TYPE_CHECKING:
    from gasroutes.charts.background import ChartProcess
    from gasroutes.results.result import Result

__all__ = ["write_run"]


def write_run(
    res: Result,
    folder: Path,
    *,
    charts: bool = False,
    svg: bool = False,
    drawer: ChartProcess | None = None,
    outputs: Outputs | None = None,
) -> Path:
    """Write a run's folder (the tables and formats ``outputs`` asks for; the charts,
    drawn from ``res``, need none of the tables); return its path. With ``drawer`` (a
    chart process started before the run) the charts are drawn while the tables are
    written."""
    with atomic_folder(folder, "run") as tmp:
        drawn: list[Path] = []
        if charts and drawer is not None:
            drawn = drawer.draw(res, tmp / "charts", svg=svg)
        write_data(res, tmp, outputs)
        if charts and drawer is not None:
            drawer.wait()
        elif charts:
            from gasroutes.charts.run import save_charts

            drawn = save_charts(res, tmp / "charts", svg=svg)
        meta = manifest(res, outputs)  # once: the report and manifest.json say the same
        (tmp / "report.html").write_text(
            run_report(res.summary, meta, res.event_table, drawn), encoding="utf-8"
        )
        write_manifest(meta, tmp)
    return folder
