"""A finished sweep's files: runs.csv, annual.csv, charts chosen by the design, report.html.

Charts: one parameter, each KPI against it with the band over replications; two
parameters, a heatmap per KPI; more, a tornado chart of one-at-a-time sensitivity and a
scatter matrix of each KPI against each parameter.

Every axis names its quantity and unit, read from the KPI or parameter name (units live
in names: ``capacity_bcm_per_year``, ``revenue_usd_total``), and shows plain numbers in
that unit (USD bn, not USD with a ``1e10`` above the axis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from gasroutes.charts.axes import decimal_year, plain_numbers

if TYPE_CHECKING:
    from gasroutes.studies.sweep import SweepResult

__all__ = [
    "HEATMAP_MIN_SPAN",
    "Quantity",
    "contrast",
    "heatmaps",
    "kpi_lines",
    "ok_runs",
    "quantity",
    "scatter_matrix",
    "sweep_charts",
    "tornado",
]

# ----------------------------------------------------------------------------- quantities

# Unit words in names, and what follows "per" (capacity_bcm_per_year: bcm/yr)
UNITS = {
    "bcm": "bcm",
    "mcm": "mcm",
    "tcm": "tcm",
    "kt": "kt",
    "t": "t",
    "tonnes": "t",
    "usd": "USD",
    "days": "days",
    "hours": "hours",
}
PER = {"year": "yr", "day": "d", "month": "month", "hour": "h", "tcm": "tcm", "t": "t"}
PER["tonne"] = "t"
# Counts whose noun is their unit, and shares (0-1 in the tables, shown as %)
COUNTS = ("trucks", "trains", "cars", "bays", "trainsets", "events", "steps", "firings")
SHARES = ("utilisation", "share", "probability")
# Container names in parameter paths, left out of their labels (routes.cagp_d.x: cagp_d x)
COLLECTIONS = {
    "routes",
    "buyers",
    "fields",
    "plants",
    "hubs",
    "connections",
    "lpg",
    "fleets",
    "depots",
    "terminals",
    "uncertainty",
    "outages",
    "settings",
}
WORDS = {"above": "threshold", "below": "threshold", "end": "at end", "lpg": "LPG"}


@dataclass(frozen=True)
class Quantity:
    """What a KPI or parameter is, in words, its unit, and the factor its values are
    divided by to be in that unit (1e9 for USD bn, 0.01 for a share shown in %)."""

    label: str
    unit: str
    scale: float = 1.0
    dates: bool = False

    @property
    def axis(self) -> str:
        """The axis label: ``exports, china (bcm)``."""
        return f"{self.label} ({self.unit})"

    def values(self, raw: pd.Series | np.ndarray) -> np.ndarray:
        """Raw values (dates as ISO text) as numbers in the unit (dates as decimal years)."""
        series = pd.Series(np.asarray(raw, dtype=object))
        if self.dates:
            return decimal_year(series.astype(str).str.slice(0, 10).to_numpy())
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float) / self.scale

    def text(self, raw: object) -> str:
        """One raw value as tick text in the unit: 2030-01-01, 25, 1.5."""
        if self.dates:
            return str(raw)[:10]
        number = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
        return str(raw) if pd.isna(number) else f"{float(number) / self.scale:.4g}"


def _is_dates(values: pd.Series | np.ndarray | None) -> bool:
    if values is None or not len(values):
        return False
    return bool(
        pd.Series(np.asarray(values, dtype=object))
        .map(lambda v: isinstance(v, str) and len(v) == 10 and v[4] == "-")
        .all()
    )


def _words(tokens: Sequence[str]) -> str:
    return " ".join(WORDS.get(t, t) for t in tokens if t)


def _unit(tokens: list[str]) -> tuple[list[str], str]:
    """The unit named in a snake_case name's words, and the words left to describe it."""
    for i, token in enumerate(tokens):
        if token in UNITS:
            unit, rest = UNITS[token], tokens[i + 1 :]
            if len(rest) >= 2 and rest[0] == "per" and rest[1] in PER:
                unit, rest = f"{unit}/{PER[rest[1]]}", rest[2:]
            return tokens[:i] + rest, unit
    for token in tokens:
        if token in SHARES:
            return tokens, "%"
        if token in COUNTS:
            return tokens, token
    return tokens, "number"


def quantity(
    name: str,
    values: pd.Series | np.ndarray | None = None,
    annual_units: Mapping[str, str] | None = None,
    *,
    parameter: bool = False,
) -> Quantity:
    """A KPI (``exports_bcm_by_destination.china``, ``annual.china.2030``) or, with
    ``parameter``, a parameter path (``routes.cagp_d.capacity_bcm_per_year``,
    ``rules[x].above_usd``, ``events[x].date``) as a quantity. ``values`` tell dates from
    numbers and choose the scale of money (USD bn or M); ``annual_units`` give the unit of
    each destination's annual rows (bcm for gas, kt for LPG)."""
    parts = name.split(".")
    if parameter:
        owners = [
            p.split("[", 1)[1].rstrip("]") if "[" in p else p
            for p in parts[:-1]
            if p not in COLLECTIONS
        ]
        words, unit = _unit(parts[-1].split("_"))
        if _is_dates(values):
            words, unit = [w for w in words if w != "date"] or ["date"], "year"
        label = " ".join([*owners, _words(words)])
        return _scaled(Quantity(label, unit, dates=unit == "year"), values)
    if parts[0] == "annual" and len(parts) == 3:
        unit = (annual_units or {}).get(parts[1], "bcm")
        return Quantity(f"exports to {parts[1]} in {parts[2]}", unit)
    # a summary key, maybe a mapping's member: exports_bcm_by_destination.china
    words, unit = _unit(parts[0].split("_by_")[0].split("_"))
    member = ".".join(parts[1:])
    label = f"{_words(words)}, {member}" if member else _words(words)
    return _scaled(Quantity(label, unit), values)


def _scaled(q: Quantity, values: pd.Series | np.ndarray | None) -> Quantity:
    """Shares in %; money in USD bn or M when its values run that high."""
    if q.unit == "%":
        return Quantity(q.label, "%", 0.01)
    if q.unit == "USD" and values is not None and len(values):
        numbers = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
        top = float(np.nanmax(np.abs(numbers.to_numpy(dtype=float)), initial=0.0))
        for scale, suffix in ((1e9, "bn"), (1e6, "M")):
            if top >= scale:
                return Quantity(q.label, f"USD {suffix}", scale)
    return q


def _wrap(label: str, width: int = 28) -> str:
    """Break a long label at spaces so it fits beside an axis; a unit in parentheses at
    its end stays whole."""
    head, unit = label, ""
    if label.endswith(")") and " (" in label:
        head, unit = label.rsplit(" (", 1)
        unit = f"({unit}"
    lines: list[str] = []
    for word in [*head.split(" "), *([unit] if unit else [])]:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def _quantities(
    ok: pd.DataFrame,
    params: Sequence[str],
    kpis: Sequence[str],
    annual_units: Mapping[str, str] | None,
) -> dict[str, Quantity]:
    out = {p: quantity(p, ok[p].to_numpy(), parameter=True) for p in params}
    out.update({k: quantity(k, ok[k].to_numpy(), annual_units) for k in kpis})
    return out


# ----------------------------------------------------------------------------- one parameter


def kpi_lines(
    runs: pd.DataFrame,
    param: str,
    kpis: list[str],
    title: str,
    *,
    annual_units: Mapping[str, str] | None = None,
) -> Figure:
    """One parameter: each KPI against it, the mean over replications, and the min-max
    band when there is more than one replication."""
    ok = ok_runs(runs)
    q = _quantities(ok, [param], kpis, annual_units)
    width = 10.0
    fig = Figure(figsize=(width, 2.4 * len(kpis) + 1.2))
    axes = fig.subplots(len(kpis), 1, squeeze=False, sharex=True)[:, 0]
    fig.subplots_adjust(
        left=1.1 / width,
        right=1 - 1.5 / width,
        top=1 - 0.6 / fig.get_figheight(),
        bottom=0.6 / fig.get_figheight(),
        hspace=0.3,
    )
    x = q[param].values(ok[param])
    reps = int(ok.groupby(x)[param].size().max()) if len(ok) else 0
    for ax, k in zip(axes, kpis, strict=True):
        g = pd.DataFrame({"x": x, "y": q[k].values(ok[k])}).groupby("x")["y"]
        stats = g.agg(["mean", "min", "max"]).sort_index()
        if reps > 1:
            ax.fill_between(
                stats.index,
                stats["min"],
                stats["max"],
                color="#4c72b0",
                alpha=0.2,
                lw=0,
                label=f"min-max over\n{reps} replications",
            )
        label = f"mean of\n{reps} replications" if reps > 1 else "one run\nper point"
        ax.plot(stats.index, stats["mean"], color="#4c72b0", marker="o", label=label)
        ax.set_ylabel(_wrap(q[k].axis, 26), fontsize=8)
        ax.grid(alpha=0.3)
        plain_numbers(ax)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    axes[0].set_title(f"{title}: KPIs against {q[param].label}")
    axes[-1].set_xlabel(q[param].axis)
    return fig


# ----------------------------------------------------------------------------- two parameters

# A heatmap's colours span its cells' range, widened when narrower than this share of the
# largest value: a spread of 0.1% is noise and gets a colour difference to match
HEATMAP_MIN_SPAN = 0.05
# Cells written in (more would crowd the map and cost a text object each)
MAX_ANNOTATED = 150


def colour_range(values: np.ndarray) -> tuple[float, float, bool]:
    """The colour scale of a heatmap of ``values``: their range, or one widened (the
    third item True) to HEATMAP_MIN_SPAN of the largest magnitude around their middle,
    not crossing zero when none of them does."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0, False
    lo, hi = float(finite.min()), float(finite.max())
    least = HEATMAP_MIN_SPAN * max(abs(lo), abs(hi))
    if hi - lo >= least and hi > lo:
        return lo, hi, False
    least = least or 1.0
    vmin = (lo + hi) / 2 - least / 2
    if lo >= 0 > vmin:
        vmin = 0.0
    if hi <= 0 < vmin + least:
        vmin = -least
    return vmin, vmin + least, True


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG) of sRGB colours, one per row."""
    c = np.asarray(rgb, dtype=float)[..., :3]
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    out: np.ndarray = linear @ np.array([0.2126, 0.7152, 0.0722])
    return out


def contrast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """WCAG contrast ratio of colours ``a`` against ``b`` (1 to 21), row by row."""
    la, lb = _luminance(a), _luminance(b)
    out: np.ndarray = (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)
    return out


def _text_colours(cells: np.ndarray) -> list[str]:
    """Black or white, whichever reads better on each cell colour (contrast >= 4.5)."""
    black = contrast(cells, np.zeros_like(cells))
    white = contrast(cells, np.ones_like(cells))
    return ["black" if b >= w else "white" for b, w in zip(black, white, strict=True)]


def _grid_axis(q: Quantity) -> str:
    """A heatmap's axis label: its ticks are the values swept, dates as dates."""
    return f"{q.label} (date)" if q.dates else q.axis


def heatmaps(
    runs: pd.DataFrame,
    params: list[str],
    kpis: list[str],
    title: str,
    *,
    annual_units: Mapping[str, str] | None = None,
) -> Figure:
    """Two parameters: a heatmap of each KPI (mean over replications), values written in,
    each with a colour bar in the KPI's unit and its range said in its title."""
    ok = ok_runs(runs)
    a, b = params
    q = _quantities(ok, [a, b], kpis, annual_units)
    cols = min(len(kpis), 2)
    rows = (len(kpis) + cols - 1) // cols
    fig = Figure(figsize=(6.4 * cols, 4.4 * rows + 0.8))
    grid = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(
        left=1.3 / fig.get_figwidth(),
        right=1 - 0.3 / fig.get_figwidth(),
        top=1 - 1.0 / fig.get_figheight(),
        bottom=0.8 / fig.get_figheight(),
        wspace=0.45,
        hspace=0.6,
    )
    axes = [grid[i // cols][i % cols] for i in range(len(kpis))]
    for ax in [a for row in grid for a in row][len(kpis) :]:
        ax.remove()
    reps = int(ok.groupby([a, b]).size().max()) if len(ok) else 0
    for ax, k in zip(axes, kpis, strict=True):
        table = ok.assign(_v=q[k].values(ok[k])).pivot_table(
            index=b, columns=a, values="_v", aggfunc="mean"
        )
        cells = table.to_numpy(dtype=float)
        vmin, vmax, widened = colour_range(cells)
        image = ax.imshow(
            cells,
            origin="lower",
            aspect="auto",
            cmap="viridis",
            norm=Normalize(vmin=vmin, vmax=vmax),
        )
        ax.set_xticks(
            range(len(table.columns)),
            [q[a].text(c) for c in table.columns],
            rotation=30 if len(table.columns) > 4 else 0,
            fontsize=7,
        )
        ax.set_yticks(range(len(table.index)), [q[b].text(i) for i in table.index], fontsize=7)
        ax.set_xlabel(_wrap(_grid_axis(q[a]), 50), fontsize=8)
        ax.set_ylabel(_wrap(_grid_axis(q[b]), 30), fontsize=8)
        finite = cells[np.isfinite(cells)]
        span = f"cells {finite.min():.4g} to {finite.max():.4g} {q[k].unit}" if len(finite) else ""
        if len(finite) and finite.min() == finite.max():
            span = f"every cell {finite.min():.4g} {q[k].unit}"
        elif widened:
            span += f"; colours span {HEATMAP_MIN_SPAN:.0%} of the largest"
        ax.set_title(f"{_wrap(q[k].label, 50)}\n{span}", fontsize=8.5)
        if cells.size <= MAX_ANNOTATED:
            at = np.argwhere(np.isfinite(cells))
            shades = _text_colours(image.cmap(image.norm(cells[at[:, 0], at[:, 1]])))
            for (i, j), shade in zip(at, shades, strict=True):
                ax.text(
                    j, i, f"{cells[i, j]:.4g}", ha="center", va="center", fontsize=7, color=shade
                )
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        bar.set_label(q[k].unit, fontsize=8)
        bar.ax.tick_params(labelsize=7)
        plain_numbers(bar.ax, "y")
    mean = f"mean of {reps} replications per cell" if reps > 1 else "one run per cell"
    fig.suptitle(f"{title}: KPIs over {q[a].label} and {q[b].label} ({mean})", fontsize=11)
    return fig


# ----------------------------------------------------------------------------- more parameters


def tornado(
    runs: pd.DataFrame,
    params: list[str],
    kpi: str,
    title: str,
    *,
    annual_units: Mapping[str, str] | None = None,
) -> Figure:
    """Sensitivity of a KPI to each parameter, one at a time: a linear fit of the KPI on all
    parameters over the runs, and for each parameter the change it predicts from the
    parameter's lowest to its highest value with the others held fixed; largest last."""
    ok = ok_runs(runs)
    q = _quantities(ok, params, [kpi], annual_units)
    x = np.column_stack([q[p].values(ok[p]) for p in params])
    y = q[kpi].values(ok[kpi])
    keep = np.isfinite(x).all(axis=1) & np.isfinite(y)
    x, y = x[keep], y[keep]
    effects = dict.fromkeys(params, 0.0)
    if len(y) > len(params):
        design = np.column_stack([np.ones(len(y)), x])
        coef = np.linalg.lstsq(design, y, rcond=None)[0][1:]
        spans = x.max(axis=0) - x.min(axis=0)
        effects = {p: float(c * s) for p, c, s in zip(params, coef, spans, strict=True)}
    order = sorted(effects, key=lambda p: abs(effects[p]))
    lows = dict(zip(params, x.min(axis=0) if len(y) else [np.nan] * len(params), strict=True))
    highs = dict(zip(params, x.max(axis=0) if len(y) else [np.nan] * len(params), strict=True))
    width = 11.0
    fig = Figure(figsize=(width, 0.7 * len(params) + 2.0))
    ax = fig.subplots()
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=3.4 / width, right=1 - 1.8 / width, top=1 - 0.6 / height, bottom=1.0 / height
    )
    ax.barh(
        [f"{_wrap(q[p].axis, 44)}\n{_range(q[p], lows[p], highs[p])}" for p in order],
        [effects[p] for p in order],
        color=[RISES if effects[p] >= 0 else FALLS for p in order],
    )
    ax.tick_params(axis="y", labelsize=8)
    ax.axvline(0, color="black", lw=0.7)
    ax.set_xlabel(
        f"change in {q[kpi].label} ({q[kpi].unit}) from the parameter's lowest to highest\n"
        "value (linear fit over the runs, other parameters held fixed)",
        fontsize=8,
    )
    plain_numbers(ax, "x")
    ax.legend(
        [Patch(color=RISES), Patch(color=FALLS)],
        ["KPI rises as the\nparameter rises", "KPI falls as the\nparameter rises"],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=7,
        frameon=False,
    )
    ax.set_title(f"{title}: sensitivity of {q[kpi].label}", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    return fig


RISES, FALLS = "#2ca02c", "#d62728"


def _range(q: Quantity, lo: float, hi: float) -> str:
    """The range a parameter was swept over, in its unit: ``150 to 300``."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    return f"swept {lo:.4g} to {hi:.4g}"


def scatter_matrix(
    runs: pd.DataFrame,
    params: list[str],
    kpis: list[str],
    title: str,
    *,
    annual_units: Mapping[str, str] | None = None,
) -> Figure:
    """Each KPI (rows) against each parameter (columns), one point per run; a row shares
    its KPI's axis, a column its parameter's, each labelled once at the edge."""
    ok = ok_runs(runs)
    q = _quantities(ok, params, kpis, annual_units)
    fig = Figure(figsize=(2.8 * len(params) + 1.4, 2.4 * len(kpis) + 1.2))
    axes = fig.subplots(len(kpis), len(params), squeeze=False, sharex="col", sharey="row")
    fig.subplots_adjust(
        left=1.3 / fig.get_figwidth(),
        right=1 - 0.2 / fig.get_figwidth(),
        top=1 - 0.6 / fig.get_figheight(),
        bottom=1.0 / fig.get_figheight(),
        hspace=0.15,
        wspace=0.12,
    )
    xs = {p: q[p].values(ok[p]) for p in params}
    for i, k in enumerate(kpis):
        y = q[k].values(ok[k])
        for j, p in enumerate(params):
            ax: Axes = axes[i][j]
            ax.scatter(xs[p], y, s=8, color="#4c72b0", alpha=0.7)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            plain_numbers(ax)
            if i == len(kpis) - 1:
                ax.set_xlabel(_wrap(q[p].axis, 30), fontsize=7)
            if j == 0:
                ax.set_ylabel(_wrap(q[k].axis, 24), fontsize=7)
            ax.label_outer()
    fig.suptitle(f"{title}: every run, KPIs against parameters")
    return fig


def _annual_units(result: SweepResult) -> dict[str, str]:
    annual = result.annual
    if not len(annual) or "unit" not in annual.columns:
        return {}
    return dict(zip(annual["destination"], annual["unit"], strict=True))


def sweep_charts(result: SweepResult) -> dict[str, Figure]:
    spec, runs = result.spec, result.runs
    params = [p.path for p in spec.parameters]
    kpis = list(spec.kpis)
    if ok_runs(runs).empty:
        return {}
    units = _annual_units(result)
    if len(params) == 1:
        return {"kpis": kpi_lines(runs, params[0], kpis, spec.name, annual_units=units)}
    if len(params) == 2:
        return {"heatmaps": heatmaps(runs, params, kpis, spec.name, annual_units=units)}
    charts = {
        f"tornado_{i}": tornado(runs, params, k, spec.name, annual_units=units)
        for i, k in enumerate(kpis)
    }
    charts["scatter_matrix"] = scatter_matrix(runs, params, kpis, spec.name, annual_units=units)
    return charts
