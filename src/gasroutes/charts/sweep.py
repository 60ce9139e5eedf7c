"""A finished sweep's files: runs.csv, annual.csv, charts chosen by the design, report.html.

Charts: one parameter, each KPI against it with the band over replications; two
parameters, a heatmap per KPI; more, a tornado chart of one-at-a-time sensitivity and a
scatter matrix of each KPI against each parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

if TYPE_CHECKING:
    from gasroutes.studies.sweep import SweepResult

__all__ = ["heatmaps", "kpi_lines", "ok_runs", "scatter_matrix", "sweep_charts", "tornado"]


def _numeric(values: pd.Series) -> np.ndarray:
    """Parameter values as numbers (dates as decimal years)."""
    if values.map(lambda v: isinstance(v, str) and len(v) == 10 and v[4] == "-").all():
        from gasroutes.charts.axes import decimal_year

        return decimal_year(values.astype(str).to_numpy())
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _short(v: float) -> str:
    """A number in a few characters: 9.07bn, 455, 0.923."""
    for scale, unit in ((1e9, "bn"), (1e6, "M")):
        if abs(v) >= scale:
            return f"{v / scale:.4g}{unit}"
    return f"{v:.4g}"


def _wrap(label: str, width: int = 24) -> str:
    """Break a long KPI or parameter name at its dots so it fits beside an axis."""
    if len(label) <= width:
        return label
    lines, line = [], ""
    for part in label.split("."):
        piece = f"{line}.{part}" if line else part
        if len(piece) > width and line:
            lines.append(line + ".")
            line = part
        else:
            line = piece
    return "\n".join([*lines, line])


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def kpi_lines(runs: pd.DataFrame, param: str, kpis: list[str], title: str) -> Figure:
    """One parameter: each KPI against it, the mean over replications, and the min-max band."""
    ok = ok_runs(runs)
    fig = Figure(figsize=(9.0, 2.6 * len(kpis) + 1.0))
    axes = fig.subplots(len(kpis), 1, squeeze=False)[:, 0]
    fig.subplots_adjust(
        left=0.14,
        right=0.97,
        top=1 - 0.6 / fig.get_figheight(),
        bottom=0.6 / fig.get_figheight(),
        hspace=0.45,
    )
    x = _numeric(ok[param])
    for ax, k in zip(axes, kpis, strict=True):
        g = pd.DataFrame({"x": x, "y": ok[k].astype(float)}).groupby("x")["y"]
        stats = g.agg(["mean", "min", "max"]).sort_index()
        ax.fill_between(
            stats.index,
            stats["min"],
            stats["max"],
            color="#4c72b0",
            alpha=0.2,
            lw=0,
            label="min-max over replications",
        )
        ax.plot(stats.index, stats["mean"], color="#4c72b0", marker="o", label="mean")
        ax.set_ylabel(_wrap(k), fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=7, frameon=False)
    axes[0].set_title(f"{title}: KPIs against {param}")
    axes[-1].set_xlabel(_wrap(param, 60))
    return fig


def heatmaps(runs: pd.DataFrame, params: list[str], kpis: list[str], title: str) -> Figure:
    """Two parameters: a heatmap of each KPI (mean over replications), values written in."""
    ok = ok_runs(runs)
    a, b = params
    cols = min(len(kpis), 2)
    rows = (len(kpis) + cols - 1) // cols
    fig = Figure(figsize=(6.0 * cols, 4.2 * rows + 0.6))
    grid = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(
        left=0.14,
        right=0.96,
        top=1 - 0.7 / fig.get_figheight(),
        bottom=0.7 / fig.get_figheight(),
        wspace=0.55,
        hspace=0.6,
    )
    axes = [grid[i // cols][i % cols] for i in range(len(kpis))]
    for ax in [a for row in grid for a in row][len(kpis) :]:
        ax.set_visible(False)
    for ax, k in zip(axes, kpis, strict=True):
        table = ok.pivot_table(index=b, columns=a, values=k, aggfunc="mean")
        image = ax.imshow(
            table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis"
        )
        ax.set_xticks(
            range(len(table.columns)), [str(c) for c in table.columns], rotation=30, fontsize=7
        )
        ax.set_yticks(range(len(table.index)), [str(i) for i in table.index], fontsize=7)
        ax.set_xlabel(_wrap(a, 40), fontsize=8)
        ax.set_ylabel(_wrap(b, 40), fontsize=8)
        ax.set_title(_wrap(k, 40), fontsize=9)
        for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
            if np.isfinite(v):
                ax.text(j, i, _short(v), ha="center", va="center", fontsize=7, color="white")
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
        bar.ax.tick_params(labelsize=7)
    fig.suptitle(f"{title}: KPIs over {a} and {b}")
    return fig


def tornado(runs: pd.DataFrame, params: list[str], kpi: str, title: str) -> Figure:
    """Sensitivity of a KPI to each parameter, one at a time: a linear fit of the KPI on all
    parameters over the runs, and for each parameter the change it predicts from the
    parameter's lowest to its highest value with the others held fixed; largest last."""
    ok = ok_runs(runs)
    x = np.column_stack([_numeric(ok[p]) for p in params])
    y = ok[kpi].astype(float).to_numpy()
    keep = np.isfinite(x).all(axis=1) & np.isfinite(y)
    x, y = x[keep], y[keep]
    effects = dict.fromkeys(params, 0.0)
    if len(y) > len(params):
        design = np.column_stack([np.ones(len(y)), x])
        coef = np.linalg.lstsq(design, y, rcond=None)[0][1:]
        spans = x.max(axis=0) - x.min(axis=0)
        effects = {p: float(c * s) for p, c, s in zip(params, coef, spans, strict=True)}
    order = sorted(effects, key=lambda p: abs(effects[p]))
    fig = Figure(figsize=(9.0, 0.6 * len(params) + 1.8))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.4, right=0.95, top=0.85, bottom=0.25)
    ax.barh(
        [_wrap(p, 40) for p in order],
        [effects[p] for p in order],
        color=["#d62728" if effects[p] < 0 else "#2ca02c" for p in order],
    )
    ax.axvline(0, color="black", lw=0.7)
    ax.set_xlabel(
        f"change in {kpi} from the parameter's lowest to highest value\n"
        "(linear fit over the runs, other parameters held fixed)",
        fontsize=8,
    )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
    ax.set_title(f"{title}: sensitivity of {kpi}")
    ax.grid(axis="x", alpha=0.3)
    return fig


def scatter_matrix(runs: pd.DataFrame, params: list[str], kpis: list[str], title: str) -> Figure:
    """Each KPI (rows) against each parameter (columns), one point per run."""
    ok = ok_runs(runs)
    fig = Figure(figsize=(2.8 * len(params) + 1.0, 2.4 * len(kpis) + 1.0))
    axes = fig.subplots(len(kpis), len(params), squeeze=False)
    fig.subplots_adjust(
        left=0.1,
        right=0.98,
        top=1 - 0.6 / fig.get_figheight(),
        bottom=0.9 / fig.get_figheight(),
        hspace=0.35,
        wspace=0.35,
    )
    for i, k in enumerate(kpis):
        for j, p in enumerate(params):
            ax = axes[i][j]
            ax.scatter(_numeric(ok[p]), ok[k].astype(float), s=8, color="#4c72b0", alpha=0.7)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            if i == len(kpis) - 1:
                ax.set_xlabel(_wrap(p), fontsize=7)
            if j == 0:
                ax.set_ylabel(_wrap(k), fontsize=7)
    fig.suptitle(f"{title}: every run, KPIs against parameters")
    return fig


def sweep_charts(result: SweepResult) -> dict[str, Figure]:
    spec, runs = result.spec, result.runs
    params = [p.path for p in spec.parameters]
    kpis = list(spec.kpis)
    if ok_runs(runs).empty:
        return {}
    if len(params) == 1:
        return {"kpis": kpi_lines(runs, params[0], kpis, spec.name)}
    if len(params) == 2:
        return {"heatmaps": heatmaps(runs, params, kpis, spec.name)}
    charts = {f"tornado_{i}": tornado(runs, params, k, spec.name) for i, k in enumerate(kpis)}
    charts["scatter_matrix"] = scatter_matrix(runs, params, kpis, spec.name)
    return charts
