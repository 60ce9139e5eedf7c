"""A calibration's folder (fitted.json, fit.csv, fit.png, report.html) and a hindcast's
(hindcast.csv, hindcast.json, hindcast.png, report.html)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from gasroutes.charts.axes import save_figure
from gasroutes.charts.calibration import fit_chart, hindcast_chart
from gasroutes.core.folders import atomic_folder
from gasroutes.report.html import calibration_report, hindcast_report

if TYPE_CHECKING:
    from gasroutes.studies.calibration import Fit
    from gasroutes.studies.hindcast import Hindcast

__all__ = ["write_fit", "write_hindcast"]


def write_fit(fit: Fit, folder: Path) -> Path:
    """fitted.json, fit.csv, fit.png and report.html, atomically."""
    with atomic_folder(folder, "calibration") as tmp:
        (tmp / "fitted.json").write_text(
            json.dumps(fit.summary(), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        fit.table.to_csv(tmp / "fit.csv", index=False, float_format="%.6f")
        png = save_figure(fit_chart(fit.table, fit.spec.name), tmp, "fit")
        (tmp / "report.html").write_text(calibration_report(fit, png), encoding="utf-8")
    return folder


def write_hindcast(hc: Hindcast, folder: Path) -> Path:
    """hindcast.csv, hindcast.json, hindcast.png and report.html, atomically."""
    with atomic_folder(folder, "hindcast") as tmp:
        hc.table.to_csv(tmp / "hindcast.csv", index=False, float_format="%.6f", na_rep="")
        scores = hc.document()
        (tmp / "hindcast.json").write_text(
            json.dumps(scores, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        png = save_figure(hindcast_chart(hc.table, hc.spec.name), tmp, "hindcast")
        (tmp / "report.html").write_text(hindcast_report(hc, scores, png), encoding="utf-8")
    return folder
