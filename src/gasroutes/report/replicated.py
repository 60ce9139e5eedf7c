"""A replicated run's charts and report page (its tables are written by
:func:`gasroutes.studies.replicate.run_replications`, which calls this as its ``pages``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.report.html import replicated_report

if TYPE_CHECKING:
    import pandas as pd

    from gasroutes.studies.replicate import Replicated

__all__ = ["replicated_pages"]


def replicated_pages(
    folder: Path,
    rep: Replicated,
    scheduled: pd.DataFrame,
    meta: dict[str, Any],
    *,
    charts: bool = True,
    svg: bool = False,
) -> None:
    """Draw the band charts (when ``charts``) and write report.html into ``folder``."""
    drawn: list[Path] = []
    if charts:
        from gasroutes.charts.bands import save_band_charts

        title = f"{rep.scenario.name}, {len(rep.seeds)} replications"
        drawn = save_band_charts(rep.bands, rep.kpis, title, scheduled, folder / "charts", svg=svg)
    (folder / "report.html").write_text(
        replicated_report(rep.summary, meta, scheduled, drawn), encoding="utf-8"
    )
