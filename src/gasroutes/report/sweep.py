"""A sweep's charts and report page."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gasroutes.charts.axes import DPI
from gasroutes.charts.sweep import ok_runs, sweep_charts
from gasroutes.report.html import image, render_page, table

if TYPE_CHECKING:
    from gasroutes.studies.sweep import SweepResult

__all__ = ["sweep_pages"]


def sweep_pages(result: SweepResult) -> None:
    """charts/*.png and report.html in the sweep's folder (its tables are written by
    :func:`gasroutes.studies.sweep.run_sweep`, which calls this as its ``pages``)."""
    out = result.folder
    runs = result.runs
    charts_dir = out / "charts"
    charts_dir.mkdir(exist_ok=True)
    paths = []
    for name, fig in sweep_charts(result).items():
        path = charts_dir / f"{name}.png"
        fig.savefig(path, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
        paths.append(path)
    failed = runs[runs["status"] != "ok"]
    spec = result.spec
    summary = pd.DataFrame(
        {
            "KPI": list(spec.kpis),
            "mean": [_agg(runs, k, np.nanmean) for k in spec.kpis],
            "min": [_agg(runs, k, np.nanmin) for k in spec.kpis],
            "max": [_agg(runs, k, np.nanmax) for k in spec.kpis],
        }
    )
    sections = [
        (
            "Design",
            html.escape(
                f"{spec.design} design over {len(spec.parameters)} "
                f"parameter(s), {spec.replications} replication(s), "
                f"{len(runs)} runs, {len(failed)} failed; base {spec.base}"
            ),
        ),
        ("KPIs over the runs", table(summary, numeric=["mean", "min", "max"])),
        ("Charts", "".join(image(p, p.stem) for p in paths) or "<p>No successful run.</p>"),
        ("Failed runs", table(failed[["run_id", "error"]]) if len(failed) else "<p>None.</p>"),
        ("Runs", '<div class="wide">' + _runs_table(runs) + "</div>"),
    ]
    meta = f"written {dt.datetime.now(tz=dt.UTC).isoformat(timespec='seconds')}"
    (out / "report.html").write_text(
        render_page(f"gasroutes sweep: {spec.name}", meta, sections), encoding="utf-8"
    )


def _runs_table(runs: pd.DataFrame) -> str:
    """Every run: numbers right-aligned, seeds as seeds (2025, not 2,025)."""
    shown = runs.drop(columns=["engine"]).assign(seed=runs["seed"].astype(str))
    numeric = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])]
    return table(shown, numeric=numeric)


def _agg(runs: pd.DataFrame, k: str, fn: Any) -> float:
    values = ok_runs(runs)[k].astype(float).to_numpy()
    return float(fn(values)) if len(values) and np.isfinite(values).any() else float("nan")
