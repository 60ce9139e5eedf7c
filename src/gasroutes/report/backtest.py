"""A backtest's folder: backtest.csv, backtest.json and backtest.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from gasroutes.core.folders import atomic_folder, check_apart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gasroutes.studies.backtest import Backtest

__all__ = ["plot_backtest", "write_backtest"]


def plot_backtest(bt: Backtest, title: str) -> Figure:
    from gasroutes.charts.run import backtest_chart

    return backtest_chart(bt.table, bt.series, title, bt.unit)


def write_backtest(bt: Backtest, folder: Path, title: str, reads: Path | None = None) -> Path:
    """Write backtest.csv, backtest.json and backtest.png to ``folder``, atomically;
    ``reads`` is the run folder compared, which it must not write into."""
    if reads is not None:
        check_apart(folder, [reads], "backtest")
    with atomic_folder(folder, "backtest") as tmp:
        bt.table.to_csv(tmp / "backtest.csv", index=False, float_format="%.6f")
        (tmp / "backtest.json").write_text(
            json.dumps(bt.summary, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        from gasroutes.charts.axes import DPI

        fig = plot_backtest(bt, title)
        fig.savefig(tmp / "backtest.png", dpi=DPI, metadata={"Software": None})
    return folder
