"""Sweep charts, checked by what they draw: every axis names its quantity and unit read
from the KPI or parameter name, numbers are plain (no offset, no ``1e9`` above an axis),
heatmap colours span a meaningful range that the chart states, heatmap annotations
contrast with their cells, and the layout reads at a glance (``chart_problems``, see
tests/charts/conftest.py). Runs tables are made up here: no sweep is run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from gasroutes.charts.sweep import (
    HEATMAP_MIN_SPAN,
    contrast,
    heatmaps,
    kpi_lines,
    quantity,
    scatter_matrix,
    sweep_charts,
    tornado,
)
from gasroutes.studies.sweep import SweepResult
from gasroutes.studies.sweep_spec import design_points, load_sweep

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
Problems = Callable[..., list[str]]

CAP = "routes.cagp_d.capacity_bcm_per_year"
START = "routes.cagp_d.commissioned_date"
RULE = "rules[iran_arrears_cutoff].above_usd"


def runs_table(points: list[dict[str, object]], kpis: dict[str, np.ndarray]) -> pd.DataFrame:
    """A runs table as a sweep writes it: one ok row per point, then the KPI columns."""
    rows = pd.DataFrame(points)
    rows.insert(0, "run_id", [f"s-{i:04d}-00" for i in range(len(rows))])
    rows["status"] = "ok"
    for name, values in kpis.items():
        rows[name] = values
    return rows


@pytest.mark.parametrize(
    ("name", "values", "parameter", "axis", "scale"),
    [
        ("exports_bcm_by_destination.china", None, False, "exports, china (bcm)", 1.0),
        ("exports_bcm_total", None, False, "exports total (bcm)", 1.0),
        ("revenue_usd_total", [9.4e10, 1.1e11], False, "revenue total (USD bn)", 1e9),
        ("lpg_revenue_usd", [2e6, 9e8], False, "LPG revenue (USD M)", 1e6),
        ("cutoff_days_by_buyer.iran", None, False, "cutoff, iran (days)", 1.0),
        ("arrears_usd_end_by_buyer.iran", [1e9], False, "arrears at end, iran (USD bn)", 1e9),
        ("lpg_unmet_demand_kt", None, False, "LPG unmet demand (kt)", 1.0),
        (
            "lpg_truck_utilisation_by_fleet.torghundi_tankers",
            [0.5],
            False,
            "LPG truck utilisation, torghundi_tankers (%)",
            0.01,
        ),
        ("lpg_trains_by_terminal.aqina", None, False, "LPG trains, aqina (trains)", 1.0),
        ("lpg_train_wait_hours_mean_by_terminal.aqina", None, False, None, 1.0),
        (CAP, [20.0, 30.0], True, "cagp_d capacity (bcm/yr)", 1.0),
        (START, ["2028-01-01", "2032-01-01"], True, "cagp_d commissioned (year)", 1.0),
        (RULE, [1e9, 3e9], True, "iran_arrears_cutoff threshold (USD bn)", 1e9),
        ("buyers.china.contract.price_usd_per_tcm", [150.0], True, None, 1.0),
        ("lpg.fleets.torghundi_tankers.trucks", [30], True, None, 1.0),
        ("lpg.depots.kabul.demand_kt_per_year", [45.0], True, "kabul demand (kt/yr)", 1.0),
    ],
)
def test_a_quantity_is_named_with_its_unit(
    name: str, values: list[object] | None, parameter: bool, axis: str | None, scale: float
) -> None:
    q = quantity(name, np.array(values, dtype=object) if values else None, parameter=parameter)
    expected = {
        "lpg_train_wait_hours_mean_by_terminal.aqina": "LPG train wait mean, aqina (hours)",
        "buyers.china.contract.price_usd_per_tcm": "china contract price (USD/tcm)",
        "lpg.fleets.torghundi_tankers.trucks": "torghundi_tankers trucks (trucks)",
    }
    assert q.axis == (axis or expected[name])
    assert q.scale == scale


def test_an_annual_kpi_takes_the_unit_of_its_rows() -> None:
    units = {"china": "bcm", "afghanistan": "kt"}
    assert quantity("annual.afghanistan.2026", annual_units=units).axis == (
        "exports to afghanistan in 2026 (kt)"
    )
    assert quantity("annual.china.2030", annual_units=units).unit == "bcm"


def offsets(fig: Figure) -> list[str]:
    return [
        t.get_text()
        for ax in fig.axes
        for t in (ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text())
        if t.get_text()
    ]


def test_kpi_lines_write_money_in_usd_bn_without_multipliers(chart_problems: Problems) -> None:
    thresholds = np.repeat(np.linspace(1e9, 3e9, 5), 3)  # three replications a point
    rng = np.random.default_rng(1)
    runs = runs_table(
        [{RULE: t} for t in thresholds],
        {
            "revenue_usd_by_buyer.iran": 3 * thresholds + rng.normal(0, 1e8, len(thresholds)),
            "exports_bcm_total": 580.0 + rng.normal(0, 0.3, len(thresholds)),
        },
    )
    fig = kpi_lines(runs, RULE, ["revenue_usd_by_buyer.iran", "exports_bcm_total"], "t")
    assert chart_problems(fig) == []
    revenue, exports = fig.axes
    assert revenue.get_ylabel().replace("\n", " ") == "revenue, iran (USD bn)"
    assert exports.get_ylabel() == "exports total (bcm)"
    assert exports.get_xlabel() == "iran_arrears_cutoff threshold (USD bn)"
    mean = next(ln for ln in revenue.get_lines() if ln.get_label().startswith("mean"))
    np.testing.assert_allclose(mean.get_xdata(), np.linspace(1.0, 3.0, 5))
    assert 2.5 < float(np.mean(mean.get_ydata())) < 9.5  # USD bn, not USD
    labels = [t.get_text() for t in revenue.get_legend().get_texts()]
    assert labels == ["min-max over\n3 replications", "mean of\n3 replications"]
    assert offsets(fig) == []


def test_kpi_lines_of_one_run_a_point_draw_no_band() -> None:
    runs = runs_table([{CAP: c} for c in (20.0, 25.0, 30.0)], {"shut_in_bcm": [3.0, 2.0, 1.0]})
    (ax,) = kpi_lines(runs, CAP, ["shut_in_bcm"], "t").axes
    assert len(ax.collections) == 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["one run\nper point"]


def grid(kpis: dict[str, Callable[[float, str], float]]) -> pd.DataFrame:
    points = [{CAP: c, START: s} for c in (20.0, 25.0, 30.0) for s in ("2028-01-01", "2032-01-01")]
    return runs_table(
        points, {k: np.array([f(p[CAP], p[START]) for p in points]) for k, f in kpis.items()}
    )


def heatmap_of(fig: Figure, title: str) -> tuple[Axes, AxesImage, Axes]:
    """The heatmap whose title starts with ``title``, its image and its colour bar."""
    (ax,) = [a for a in fig.axes if a.get_title().startswith(title)]
    (image,) = ax.images
    assert image.colorbar is not None
    return ax, image, image.colorbar.ax


def test_heatmap_colours_span_a_meaningful_range_that_the_chart_states(
    chart_problems: Problems,
) -> None:
    runs = grid(
        {
            # a spread of 0.15%: noise, not a story
            "exports_bcm_total": lambda c, s: 580.0 + 0.87 * (c - 20.0) / 10,
            # a spread of half the value: the full colour scale
            "revenue_usd_total": lambda c, s: 1e11 + 5e9 * (c - 20.0) * (s < "2030"),
        }
    )
    fig = heatmaps(runs, [CAP, START], ["exports_bcm_total", "revenue_usd_total"], "t")
    assert chart_problems(fig) == []
    assert offsets(fig) == []

    narrow, image, bar = heatmap_of(fig, "exports total")
    lo, hi = image.norm.vmin, image.norm.vmax
    assert hi - lo == pytest.approx(HEATMAP_MIN_SPAN * 580.87)
    assert lo < 580.0 and hi > 580.87  # every cell inside the scale, near its middle
    assert narrow.get_title() == (
        f"exports total\ncells 580 to 580.9 bcm; colours span {HEATMAP_MIN_SPAN:.0%} of the largest"
    )
    assert bar.get_ylabel() == "bcm"

    wide, image, bar = heatmap_of(fig, "revenue total")
    assert (image.norm.vmin, image.norm.vmax) == (pytest.approx(100.0), pytest.approx(150.0))
    assert wide.get_title() == "revenue total\ncells 100 to 150 USD bn"
    assert bar.get_ylabel() == "USD bn"
    assert wide.get_xlabel() == "cagp_d capacity (bcm/yr)"
    assert wide.get_ylabel() == "cagp_d commissioned (date)"
    assert [t.get_text() for t in wide.get_yticklabels()] == ["2028-01-01", "2032-01-01"]


def test_heatmap_annotations_contrast_with_their_cells() -> None:
    runs = grid({"revenue_usd_total": lambda c, s: 1e11 + 5e9 * (c - 20.0) * (s < "2030")})
    fig = heatmaps(runs, [CAP, START], ["revenue_usd_total"], "t")
    ax, image, _ = heatmap_of(fig, "revenue total")
    cells = image.get_array()
    assert len(ax.texts) == cells.size
    shades = set()
    for text in ax.texts:
        j, i = (round(v) for v in text.get_position())
        assert text.get_text() == f"{cells[i, j]:.4g}"  # the cell's value, in USD bn
        cell = np.array([image.cmap(image.norm(cells[i, j]))])
        ink = np.array([to_rgba(text.get_color())])
        assert contrast(ink, cell)[0] >= 4.5, (text.get_text(), text.get_color())
        shades.add(text.get_color())
    assert shades == {"black", "white"}  # dark cells and light cells both


def test_contrast_is_the_wcag_ratio() -> None:
    white, black = np.array([[1.0, 1.0, 1.0]]), np.array([[0.0, 0.0, 0.0]])
    assert contrast(white, black)[0] == pytest.approx(21.0)
    assert contrast(white, white)[0] == pytest.approx(1.0)
    yellow = np.array([to_rgba("#fde725")[:3]])  # viridis' top: white text is unreadable
    assert contrast(white, yellow)[0] < 1.3 and contrast(black, yellow)[0] > 15


def four_parameters() -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(3)
    n = 16
    params = {
        "buyers.china.contract.price_usd_per_tcm": rng.uniform(150, 300, n),
        "fields.galkynysh.capacity_bcm_per_year": rng.uniform(25, 40, n),
        "routes.cac.capacity_bcm_per_year": rng.uniform(10, 44, n),
        "lpg.depots.kabul.demand_kt_per_year": rng.normal(45, 8, n),
    }
    price = params["buyers.china.contract.price_usd_per_tcm"]
    kpis = {
        "revenue_usd_total": 8e7 * price + rng.normal(0, 3e8, n),
        "exports_bcm_total": 87.14 - 0.2 * (rng.random(n) > 0.8),
    }
    points = [
        dict(zip(params, values, strict=True)) for values in zip(*params.values(), strict=True)
    ]
    return runs_table(points, kpis), list(params)


def test_a_tornado_says_its_unit_and_what_its_colours_mean(chart_problems: Problems) -> None:
    runs, params = four_parameters()
    fig = tornado(runs, params, "revenue_usd_total", "t")
    assert chart_problems(fig) == []
    (ax,) = fig.axes
    assert ax.get_xlabel().startswith("change in revenue total (USD bn) from the parameter's")
    names = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert names[-1] == "china contract price (USD/tcm)"  # the largest effect, last
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {
        "KPI rises as the\nparameter rises",
        "KPI falls as the\nparameter rises",
    }
    price = max(ax.patches, key=lambda p: abs(p.get_width()))
    assert 8 < price.get_width() < 16  # USD bn: 0.08 bn per USD/tcm over about 150


def test_a_scatter_matrix_labels_each_row_and_column_once(chart_problems: Problems) -> None:
    runs, params = four_parameters()
    kpis = ["revenue_usd_total", "exports_bcm_total"]
    fig = scatter_matrix(runs, params, kpis, "t")
    assert chart_problems(fig) == []
    rows = [fig.axes[i * len(params)] for i in range(len(kpis))]
    assert [ax.get_ylabel().replace("\n", " ") for ax in rows] == [
        "revenue total (USD bn)",
        "exports total (bcm)",
    ]
    bottom = fig.axes[-len(params) :]
    assert [ax.get_xlabel().replace("\n", " ") for ax in bottom] == [
        "china contract price (USD/tcm)",
        "galkynysh capacity (bcm/yr)",
        "cac capacity (bcm/yr)",
        "kabul demand (kt/yr)",
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_shipped_sweeps_charts_read_at_a_glance(
    path: Path, tmp_path: Path, chart_problems: Problems
) -> None:
    """Each shipped sweep file's design, with made-up KPIs of realistic size (money in the
    tens of billions, volumes in the hundreds with a tiny spread), charts cleanly."""
    spec = load_sweep(path)[0]
    points = design_points(spec) * spec.replications
    rng = np.random.default_rng(0)
    n = len(points)
    kpis = {k: (4e10 if "usd" in k else 580.0) * (1 + 0.002 * rng.random(n)) for k in spec.kpis}
    runs = runs_table(
        [
            {p: (v.isoformat() if hasattr(v, "isoformat") else v) for p, v in pt.items()}
            for pt in points
        ],
        kpis,
    )
    annual = pd.DataFrame(
        columns=["run_id", "year", "destination", "commodity", "quantity", "unit"]
    )
    charts = sweep_charts(SweepResult(spec, runs, annual, tmp_path))
    assert charts
    for name, fig in charts.items():
        assert chart_problems(fig) == [], name
        assert offsets(fig) == [], name
