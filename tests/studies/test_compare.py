"""Comparing runs: the KPI table, the comparison charts (checked by what they draw), the
``gasroutes compare`` command and the self-contained HTML reports of a run and of a
comparison.

The runs are the small two-buyer scenario of conftest.py over two years: "calm" without
events, "outage" with one outage on route west (the only difference), and "later", calm
shifted by a year. Each is run once per test session.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import gasroutes
from gasroutes.api import Comparison
from gasroutes.api import RunResult as Result
from gasroutes.charts.axes import EVENT_COLORS, decimal_year
from gasroutes.charts.compare import COMPARE_CHARTS
from gasroutes.charts.palette import run_color
from gasroutes.charts.run import CHARTS
from gasroutes.cli import main

BUYERS = ["alpha", "beta"]
OUTAGE = {
    "date": "2020-06-01",
    "kind": "outage",
    "route": "west",
    "until": "2020-08-31",
    "reason": "compressor fire",
}
PNG = b"\x89PNG\r\n\x1a\n"

_CACHE: dict[str, Any] = {}


def scenario(
    small: dict[str, Any],
    name: str,
    start: str = "2020-01-01",
    end: str = "2021-12-31",
    events: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    data = copy.deepcopy(small)
    data.update(name=name, start=start, end=end, events=[copy.deepcopy(e) for e in events])
    return data


def once(key: str, make: Any) -> Any:
    """``make()`` once per session: runs, folders and charts are only read by the tests."""
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def run_once(data: dict[str, Any]) -> Result:
    key = json.dumps(data, sort_keys=True, default=str)
    result: Result = once(key, lambda: gasroutes.run(gasroutes.scenario_from_dict(data)))
    return result


@pytest.fixture
def calm(small: dict[str, Any]) -> Result:
    return run_once(scenario(small, "calm"))


@pytest.fixture
def outage(small: dict[str, Any]) -> Result:
    return run_once(scenario(small, "outage", events=(OUTAGE,)))


@pytest.fixture
def later(small: dict[str, Any]) -> Result:
    return run_once(scenario(small, "later", start="2021-01-01", end="2022-12-31"))


@pytest.fixture
def charts(calm: Result, outage: Result) -> dict[str, Figure]:
    made: dict[str, Figure] = once("charts", lambda: gasroutes.compare([calm, outage]).charts())
    return made


@pytest.fixture
def folders(
    calm: Result, outage: Result, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Run folders of calm (tables only) and outage (with charts), as ``result.write``
    leaves them."""

    def write() -> dict[str, Path]:
        base = tmp_path_factory.mktemp("runs")
        return {
            "calm": calm.write(base / "calm"),
            "outage": outage.write(base / "outage", charts=True),
        }

    made: dict[str, Path] = once("folders", write)
    return made


@pytest.fixture
def compared(
    folders: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, Path, str, str]:
    """``gasroutes compare CALM_DIR OUTAGE_DIR --out OUT``: exit status, OUT, stdout, stderr."""

    def call() -> tuple[int, Path, str, str]:
        out = tmp_path_factory.mktemp("compare") / "out"
        code = main(["compare", str(folders["calm"]), str(folders["outage"]), "--out", str(out)])
        captured = capsys.readouterr()
        return code, out, captured.out, captured.err

    made: tuple[int, Path, str, str] = once("compared", call)
    return made


# ----------------------------------------------------------------------------- helpers


def flat(summary: dict[str, Any], head: str = "") -> dict[str, float]:
    """The scalar KPIs of a summary, nested ones as ``key.subkey`` (at any depth)."""
    out: dict[str, float] = {}
    for k, v in summary.items():
        name = f"{head}{k}"
        if isinstance(v, dict):
            if name != "units":
                out.update(flat(v, f"{name}."))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[name] = v
    return out


def rgb(value: Any) -> tuple[float, float, float]:
    r, g, b = to_rgb(value)
    return (round(r, 4), round(g, 4), round(b, 4))


def data_lines(ax: Axes) -> list[Line2D]:
    """Lines plotted in data coordinates (not the zero line, not event marks)."""
    return [x for x in ax.get_lines() if x.get_transform() is ax.transData]


def bar_heights(ax: Axes) -> dict[str, dict[int, float]]:
    """Bars by series label, then by the year whose slot they sit in."""
    out: dict[str, dict[int, float]] = {}
    for c in ax.containers:
        if isinstance(c, BarContainer):
            out[str(c.get_label())] = {
                int(np.floor(p.get_x() + p.get_width() / 2)): p.get_height() for p in c.patches
            }
    return out


def bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def header_texts(fig: Figure) -> list[str]:
    """The figure's texts above its panels, top first (title, subtitle)."""
    top = max(ax.get_position().y1 for ax in fig.axes)
    above = [t for t in fig.texts if t.get_position()[1] > top]
    return [t.get_text() for t in sorted(above, key=lambda t: -t.get_position()[1])]


def footer_texts(fig: Figure) -> list[str]:
    """The figure's texts under its panels (notes, the event key)."""
    bottom = min(ax.get_position().y0 for ax in fig.axes)
    return [t.get_text() for t in fig.texts if t.get_position()[1] < bottom]


def overlap(a: Any, b: Any) -> bool:
    """Whether two display boxes overlap by more than a pixel."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1


def unit(ax: Axes) -> str:
    m = re.search(r"\(([^()]+)\)\s*$", ax.get_ylabel())
    assert m, f"y axis label {ax.get_ylabel()!r} has no unit in parentheses"
    return m.group(1)


def rows_by_id(fig: Figure) -> dict[str, tuple[Axes, Axes | None]]:
    """Each panel's (values, difference) axes, by destination, buyer or route; the
    difference is None where the panel has none."""
    values = {
        ax.get_label().split(" ", 1)[1]: ax
        for ax in fig.axes
        if ax.get_label().startswith("values ")
    }
    diffs = {
        ax.get_label().split(" ", 1)[1]: ax
        for ax in fig.axes
        if ax.get_label().startswith("difference ")
    }
    return {k: (ax, diffs.get(k)) for k, ax in values.items()}


def annual_of(res: Result) -> pd.DataFrame:
    gas = res.annual[res.annual["commodity"] == "pipeline_gas"]
    return gas.pivot_table(index="year", columns="destination", values="quantity", aggfunc="sum")


def revenue_of(res: Result) -> pd.DataFrame:
    m = res.money
    return m.assign(year=m["date"].str.slice(0, 4).astype(int)).pivot_table(
        index="year", columns="buyer", values="invoiced_usd", aggfunc="sum"
    )


def monthly(res: Result, buyer: str) -> pd.Series:
    """Mean daily deliveries to ``buyer`` per month, indexed by YYYY-MM."""
    d = res.deliveries
    d = d[(d["buyer"] == buyer) & (d["commodity"] == "pipeline_gas")]
    return d.groupby(d["date"].str.slice(0, 7).to_numpy())["delivered"].mean().sort_index()


def mid_month(months: pd.Index) -> np.ndarray:
    starts = decimal_year([f"{m}-01" for m in months])
    return starts + 1 / 24


def span_x(first: str, last: str) -> tuple[float, float]:
    after = (pd.Timestamp(last) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    return float(decimal_year([first])[0]), float(decimal_year([after])[0])


def shown_as(text: str, value: float) -> bool:
    """Whether a number as printed in a report (``1,234.568``, ``4.97e-15``, ``0``) is
    ``value`` to the precision printed."""
    t = text.replace(",", "").strip()
    if t == "":
        return value is None or (isinstance(value, float) and math.isnan(value))
    x = float(t)
    if "e" in t.lower():
        return math.isclose(x, value, rel_tol=5e-3, abs_tol=1e-300)
    decimals = len(t.split(".")[1]) if "." in t else 0
    return abs(x - value) <= 0.5 * 10**-decimals + 1e-9 * abs(value)


class Page(HTMLParser):
    """The tables of a report page by the heading above them, and every URL it uses."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.paragraphs: dict[str, list[str]] = {}
        self.urls: list[str] = []
        self.images: list[str] = []
        self.title = ""
        self._heading = ""
        self._in: str | None = None
        self._text: list[str] = []
        self._row: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "data") and value is not None:
                self.urls.append(value)
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        if tag == "br" and self._in is not None:
            self._text.append("\n")  # a cell's second line (a run's difference)
        if tag in ("h1", "h2", "td", "th", "p"):
            self._in, self._text = tag, []
        elif tag == "table":
            self.tables.setdefault(self._heading, []).append([])
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text)
        if tag == self._in:
            self._in = None
            if tag == "h1":
                self.title = text
            elif tag == "h2":
                self._heading = text
            elif tag == "p":
                self.paragraphs.setdefault(self._heading, []).append(text)
            elif self._row is not None:
                self._row.append(text)
        if tag == "tr" and self._row is not None:
            self.tables[self._heading][-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text.append(data)


def assert_self_contained(text: str, pngs: list[Path]) -> Page:
    """One file: every image embedded (exactly the chart PNGs), no script, nothing fetched."""
    page = Page(text)
    assert "<script" not in text.lower()
    assert "http://" not in text and "https://" not in text
    assert all(u.startswith("data:") for u in page.urls), page.urls
    assert len(page.images) == len(pngs) > 0
    prefix = "data:image/png;base64,"
    assert all(src.startswith(prefix) for src in page.images)
    embedded = sorted(base64.b64decode(src[len(prefix) :], validate=True) for src in page.images)
    assert all(b.startswith(PNG) for b in embedded)
    assert embedded == sorted(p.read_bytes() for p in pngs)
    return page


def event_rows(folder: Path) -> list[list[str]]:
    ev = pd.read_csv(folder / "events.csv", dtype=str, keep_default_na=False)
    return [[str(c) for c in ev.columns], *ev.astype(str).to_numpy().tolist()]


# ----------------------------------------------------------------------------- kpis


def test_kpis_have_a_column_per_run_and_their_difference(calm: Result, outage: Result) -> None:
    comparison = gasroutes.compare([calm, outage])
    assert isinstance(comparison, Comparison)
    assert comparison.names == ["calm", "outage"]
    kpis = comparison.kpis
    assert list(kpis.columns) == ["calm", "outage", "outage - calm"]

    a, b = flat(calm.summary), flat(outage.summary)
    assert set(kpis.index) == (set(a) | set(b)) - {"seed", "days"}
    for k in kpis.index:
        assert kpis.loc[k, "calm"] == pytest.approx(a[k], rel=1e-12, abs=1e-300)
        assert kpis.loc[k, "outage"] == pytest.approx(b[k], rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(
        kpis["outage - calm"].to_numpy(), (kpis["outage"] - kpis["calm"]).to_numpy()
    )
    # the outage on west cost beta (and only beta) gas and money
    diff = kpis["outage - calm"]
    assert diff["exports_bcm_by_destination.beta"] < 0
    assert diff["exports_bcm_by_destination.alpha"] == 0
    assert diff["exports_bcm_total"] == pytest.approx(diff["exports_bcm_by_destination.beta"])
    assert diff["revenue_usd_total"] < 0
    assert diff["shut_in_bcm"] == pytest.approx(-diff["exports_bcm_total"])


def test_gasroutes_compare_stays_the_function_once_its_module_is_loaded(
    calm: Result, outage: Result
) -> None:
    # `gasroutes.compare` is the API's function, whatever modules are loaded (the
    # command line loads the study's own module)
    importlib.import_module("gasroutes.studies.compare")
    assert gasroutes.compare is importlib.import_module("gasroutes.api").compare
    assert isinstance(gasroutes.compare([calm, outage]), Comparison)
    assert isinstance(gasroutes.compare([outage, calm]), Comparison)
    importlib.import_module("gasroutes.studies.backtest")
    assert callable(gasroutes.backtest)


# ----------------------------------------------------------------------------- charts


def test_comparison_charts_by_name(charts: dict[str, Figure]) -> None:
    assert list(charts) == list(COMPARE_CHARTS)
    for fig in charts.values():
        titles = header_texts(fig)
        assert titles[0][0].isupper()  # what the chart shows, then how to read it
        assert "difference of each run from calm" in titles[1]
        (run_key,) = fig.legends
        assert [t.get_text() for t in run_key.get_texts()][:2] == ["calm", "outage"]
        colours = [rgb(h.get_color()) for h in run_key.legend_handles[:2]]
        assert colours == [rgb(run_color(0)), rgb(run_color(1))]
        for ax in fig.axes:
            assert unit(ax) in ("bcm/yr", "USD bn/yr", "mcm/d")
            assert data_lines(ax) or bars(ax), f"{ax.get_label()} is empty"
            if ax.get_label().startswith("values "):  # no line drawn on the top frame
                highest = max(float(np.nanmax(x.get_ydata())) for x in data_lines(ax))
                assert ax.get_ylim()[1] >= highest * 1.05, ax.get_label()


def test_a_run_has_one_colour_in_every_chart(calm: Result, outage: Result, later: Result) -> None:
    comparison = gasroutes.compare([calm, outage, later])
    for fig in comparison.charts().values():
        (run_key,) = fig.legends
        texts = [t.get_text() for t in run_key.get_texts()]
        handles = dict(zip(texts, run_key.legend_handles, strict=True))
        seen = {name: rgb(handles[name].get_color()) for name in ("calm", "outage", "later")}
        assert seen == {n: rgb(run_color(i)) for i, n in enumerate(("calm", "outage", "later"))}
        for ax in fig.axes:
            drawn = {rgb(x.get_color()) for x in data_lines(ax)} | {
                rgb(p.get_edgecolor() if p.get_hatch() else p.get_facecolor())
                for c in bars(ax)
                for p in c.patches
            }
            assert drawn <= set(seen.values()), ax.get_label()


def test_legend_title_and_panels_never_overlap(calm: Result, outage: Result, later: Result) -> None:
    for runs in ([calm, outage], [calm, outage, later, outage]):
        for name, fig in gasroutes.compare(runs).charts().items():
            renderer = FigureCanvasAgg(fig).get_renderer()
            fig.draw_without_rendering()
            boxes = [("legend", fig.legends[0].get_window_extent(renderer))]
            boxes += [
                (f"header {t.get_text()[:20]}", t.get_window_extent(renderer))
                for t in fig.texts
                if t.get_text()
            ]
            boxes += [(ax.get_label(), ax.get_tightbbox(renderer)) for ax in fig.axes]
            for i, (a, box) in enumerate(boxes):
                assert box.x1 <= fig.bbox.x1 + 1 and box.x0 >= -1, (name, a)
                for b, other in boxes[i + 1 :]:
                    assert not overlap(box, other), (name, a, b)


@pytest.mark.parametrize(
    ("name", "table", "scale", "unit_text"),
    [
        ("annual_exports", annual_of, 1.0, "bcm/yr"),
        ("revenue", revenue_of, 1e9, "USD bn/yr"),
    ],
)
def test_annual_lines_per_run_and_difference_bars(
    charts: dict[str, Figure],
    calm: Result,
    outage: Result,
    name: str,
    table: Any,
    scale: float,
    unit_text: str,
) -> None:
    fig = charts[name]
    a, b = table(calm), table(outage)
    rows = rows_by_id(fig)
    assert list(rows) == BUYERS  # every destination with a non-zero value, in order
    # the outage on west touched beta only: alpha has no difference panel, and says so
    assert rows["alpha"][1] is None
    assert any("no difference from calm" in t and "alpha" in t for t in footer_texts(fig))
    for dest, (left, _) in rows.items():
        assert left.get_title(loc="left") == dest
        assert unit(left) == unit_text
        lines = data_lines(left)
        assert len(lines) == 2  # one per run (full years only: no hollow markers)
        assert [rgb(x.get_color()) for x in lines] == [rgb(run_color(0)), rgb(run_color(1))]
        for drawn, values in zip(lines, (a, b), strict=True):
            np.testing.assert_allclose(drawn.get_xdata(), values.index + 0.5)
            np.testing.assert_allclose(drawn.get_ydata(), values[dest] / scale)
    right = rows["beta"][1]
    assert right is not None and unit(right) == unit_text
    assert [str(c.get_label()) for c in bars(right)] == ["outage - calm"]
    heights = bar_heights(right)["outage - calm"]
    expected = (b["beta"] - a["beta"]) / scale
    assert sorted(heights) == list(expected.index)
    for year, h in heights.items():
        assert h == pytest.approx(expected[year], abs=1e-12)
    # the outage in 2020 shows as a loss for beta that year and no other
    assert heights[2020] < 0
    assert heights[2021] == pytest.approx(0, abs=1e-12)
    # differences carry their sign on the axis, and the bars are explained in the legend
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "bars: run minus calm" in labels
    ticks = [t.get_text() for t in right.get_yticklabels() if t.get_text() not in ("", "0")]
    assert ticks and all(t[0] in "+-\u2212" for t in ticks)


def test_deliveries_lines_per_run_and_their_difference(
    charts: dict[str, Figure], calm: Result, outage: Result
) -> None:
    fig = charts["deliveries"]
    rows = rows_by_id(fig)
    assert list(rows) == BUYERS
    assert rows["alpha"][1] is None  # no difference: no empty panel
    for buyer, (left, _) in rows.items():
        assert unit(left) == "mcm/d"
        lines = data_lines(left)
        assert [rgb(x.get_color()) for x in lines] == [rgb(run_color(0)), rgb(run_color(1))]
        for drawn, res in zip(lines, (calm, outage), strict=True):
            m = monthly(res, buyer)
            np.testing.assert_allclose(drawn.get_ydata(), m.to_numpy())
            np.testing.assert_allclose(drawn.get_xdata(), mid_month(m.index), atol=2 / 365)
    right = rows["beta"][1]
    assert right is not None and unit(right) == "mcm/d"
    (diff,) = data_lines(right)
    assert rgb(diff.get_color()) == rgb(run_color(1))
    np.testing.assert_allclose(
        diff.get_ydata(), (monthly(outage, "beta") - monthly(calm, "beta")).to_numpy()
    )


@pytest.mark.parametrize("name", ["production", "route_flows"])
def test_one_line_per_run_in_every_panel(charts: dict[str, Figure], name: str) -> None:
    fig = charts[name]
    for ident, (ax, _) in rows_by_id(fig).items():
        assert unit(ax) == "mcm/d"
        assert [rgb(x.get_color()) for x in data_lines(ax)] == [
            rgb(run_color(0)),
            rgb(run_color(1)),
        ], ident
    if name == "route_flows":
        assert list(rows_by_id(fig)) == ["east", "west"]


def test_the_event_that_sets_the_runs_apart_is_marked_and_listed(
    charts: dict[str, Figure],
) -> None:
    x0, x1 = span_x(OUTAGE["date"], OUTAGE["until"])
    rows = rows_by_id(charts["route_flows"])
    east, west = rows["east"][0], rows["west"][0]
    assert list(east.patches) == []
    (span,) = west.patches
    xy = span.get_patch_transform().transform(span.get_path().vertices)
    assert xy[:, 0].min() == pytest.approx(x0, abs=1e-4)
    assert xy[:, 0].max() == pytest.approx(x1, abs=1e-4)
    assert rgb(span.get_facecolor()) == rgb(EVENT_COLORS["outage"])
    for fig in charts.values():
        lines = [t.get_text() for t in fig.texts if re.match(r"\d+  ", t.get_text())]
        assert len(lines) == 1
        assert lines[0].startswith("1  2020-06-01 to 2020-08-31  outage west")
        assert "outage: compressor fire" in lines[0]  # the run it belongs to, and why


def test_runs_with_different_horizons_are_aligned_on_years(calm: Result, later: Result) -> None:
    comparison = gasroutes.compare([calm, later])
    assert list(comparison.kpis.columns) == ["calm", "later", "later - calm"]

    fig = comparison.plot("annual_exports")
    a, b = annual_of(calm), annual_of(later)
    assert list(a.index) == [2020, 2021] and list(b.index) == [2021, 2022]
    for dest, (left, right) in rows_by_id(fig).items():
        first, second = data_lines(left)
        for drawn in (first, second):
            np.testing.assert_allclose(drawn.get_xdata(), [2020.5, 2021.5, 2022.5])
        np.testing.assert_allclose(
            first.get_ydata(), [a.loc[2020, dest], a.loc[2021, dest], np.nan]
        )
        np.testing.assert_allclose(
            second.get_ydata(), [np.nan, b.loc[2021, dest], b.loc[2022, dest]]
        )
        if right is not None:  # the only year both cover
            assert list(bar_heights(right)["later - calm"]) == [2021]

    fig = comparison.plot("deliveries")
    for buyer, (left, _) in rows_by_id(fig).items():
        first, second = data_lines(left)
        np.testing.assert_allclose(
            first.get_xdata(), mid_month(monthly(calm, buyer).index), atol=2 / 365
        )
        np.testing.assert_allclose(
            second.get_xdata(), mid_month(monthly(later, buyer).index), atol=2 / 365
        )
        # January 2021 is the 13th month of calm and the 1st of later: the same x
        assert first.get_xdata()[12] == second.get_xdata()[0]
        assert left.get_xlim() == pytest.approx((2020.0, 2023.0), abs=0.01)


def test_partial_years_are_hollow_unjoined_and_not_differenced(
    small: dict[str, Any], calm: Result
) -> None:
    short = run_once(scenario(small, "short", start="2020-03-01", end="2021-06-30"))
    fig = gasroutes.compare([calm, short]).plot("annual_exports")
    a, s = annual_of(calm), annual_of(short)
    for dest, (left, right) in rows_by_id(fig).items():
        whole, joined, hollow = data_lines(left)
        assert rgb(joined.get_color()) == rgb(run_color(1))
        # short covers neither year in full: no line joins its points
        assert np.isnan(joined.get_ydata()).all()
        assert hollow.get_linestyle() == "None" and hollow.get_markerfacecolor() == "white"
        np.testing.assert_allclose(hollow.get_ydata(), s[dest].to_numpy())
        np.testing.assert_allclose(whole.get_ydata(), a[dest].to_numpy())
        assert right is None  # a full year against a part of one is no difference
    texts = footer_texts(fig)
    assert any("hollow markers" in t for t in texts)
    assert any("left out for short" in t for t in texts)
    # no panel is said to show no difference: none could be computed
    assert not any("no difference from calm" in t for t in texts)
    assert any("no year that the runs cover over the same days" in t for t in texts)
    assert "partial year" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_runs_in_which_nobody_gets_gas_still_chart(small: dict[str, Any]) -> None:
    cut = tuple({"date": "2020-01-01", "kind": "cutoff", "buyer": b} for b in BUYERS)
    none = run_once(scenario(small, "none", end="2020-12-31", events=cut))
    assert none.summary["exports_bcm_total"] == 0
    comparison = gasroutes.compare([none, none])
    assert comparison.names == ["none", "none-2"]
    for name in ("annual_exports", "revenue"):  # one panel per destination with any: none
        fig = comparison.plot(name)
        (ax,) = fig.axes
        assert data_lines(ax) == []
        assert "nothing to compare" in " ".join(t.get_text() for t in ax.texts)
        assert any("zero in every run: alpha, beta" in t for t in footer_texts(fig))


# ----------------------------------------------------------------------------- command line


def test_cli_compare_of_two_run_folders(
    compared: tuple[int, Path, str, str], calm: Result, outage: Result
) -> None:
    code, out, stdout, stderr = compared
    assert code == 0, stderr
    assert stderr == ""
    assert "calm" in stdout and "outage" in stdout and str(out) in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        ".gasroutes.json",
        "charts",
        "kpis.csv",
        "report.html",
    ]
    assert sorted(p.name for p in (out / "charts").iterdir()) == sorted(
        f"{n}.png" for n in COMPARE_CHARTS
    )
    kpis = pd.read_csv(out / "kpis.csv", index_col="kpi")
    assert list(kpis.columns) == ["calm", "outage", "outage - calm"]
    expected = gasroutes.compare([calm, outage]).kpis
    assert list(kpis.index) == list(expected.index)
    np.testing.assert_allclose(kpis.to_numpy(), expected.to_numpy(), atol=1e-6)


def test_cli_compare_runs_a_scenario_file_first(
    small: dict[str, Any],
    folders: dict[str, Path],
    write_yaml: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_yaml(scenario(small, "later", start="2021-01-01", end="2022-12-31"), "later.yaml")
    out = tmp_path / "out"
    # the charts are checked with two folders above; skip drawing them again (slow)
    monkeypatch.setattr(Comparison, "charts", lambda self: {})
    assert main(["compare", str(folders["calm"]), str(path), "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""
    kpis = pd.read_csv(out / "kpis.csv", index_col="kpi")
    assert list(kpis.columns) == ["calm", "later", "later - calm"]
    kept = out / "runs" / "later"
    for name in ("annual.csv", "flows.csv", "summary.json", "manifest.json", "report.html"):
        assert (kept / name).is_file(), name
    summary = json.loads((kept / "summary.json").read_text(encoding="utf-8"))
    assert (summary["start"], summary["end"]) == ("2021-01-01", "2022-12-31")
    assert kpis.loc["exports_bcm_total", "later"] == pytest.approx(summary["exports_bcm_total"])
    assert "(run for this comparison)" in (out / "report.html").read_text(encoding="utf-8")


def _missing(folder: Path) -> Path:
    shutil.rmtree(folder)
    return folder


def _empty(folder: Path) -> Path:
    shutil.rmtree(folder)
    folder.mkdir()
    return folder


def _no_annual(folder: Path) -> Path:
    (folder / "annual.csv").unlink()
    return folder


def _future_format(folder: Path) -> Path:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


BAD_FOLDERS = {
    "missing": (_missing, "no such run folder"),
    "empty": (_empty, "missing annual.csv"),
    "without annual.csv": (_no_annual, "missing annual.csv"),
    "of an unsupported format": (_future_format, "format 99"),
}


@pytest.mark.parametrize("bad", list(BAD_FOLDERS))
def test_cli_compare_rejects_a_folder_that_is_not_a_run(
    bad: str, folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spoil, said = BAD_FOLDERS[bad]
    folder = spoil(Path(shutil.copytree(folders["calm"], tmp_path / "run")))
    out = tmp_path / "out"
    for args in ([str(folders["outage"]), str(folder)], [str(folder), str(folders["outage"])]):
        assert main(["compare", *args, "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert str(folder) in captured.err
        assert said in captured.err
        assert "Traceback" not in captured.err
        assert captured.out == ""
        assert not out.exists()


def test_cli_compare_needs_two_runs(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["compare", str(folders["calm"]), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "at least two runs" in err
    assert "Traceback" not in err
    assert not out.exists()


# ----------------------------------------------------------------------------- reports


def test_run_report_is_one_self_contained_page(folders: dict[str, Path]) -> None:
    folder = folders["outage"]
    text = (folder / "report.html").read_text(encoding="utf-8")
    pngs = sorted((folder / "charts").glob("*.png"))
    # every chart of a gas-only run (CHARTS also names charts drawn only for an LPG chain)
    assert {p.stem for p in pngs} == set(CHARTS) - {"lpg_chain"}
    page = assert_self_contained(text, pngs)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert "outage" in page.title

    totals, buyers, fields, routes = page.tables["Key figures"]
    assert fields[0][0] == "field" and [r[0] for r in fields[1:]] == list(
        summary["production_bcm_by_field"]
    )
    scalars = {
        k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
    assert totals[0] == ["total", "value"]
    assert [r[0] for r in totals[1:]] == list(scalars)
    for name, value in totals[1:]:
        assert shown_as(value, scalars[name]), (name, value, scalars[name])

    per_buyer = [
        k
        for k, v in summary.items()
        if isinstance(v, dict)
        and k not in ("units", "route_utilisation", "connection_flow_bcm")
        and not k.endswith("_by_field")
        and not any(isinstance(x, dict) for x in v.values())
    ]
    assert buyers[0][0] == "buyer" and len(buyers[0]) == 1 + len(per_buyer)
    assert [r[0] for r in buyers[1:]] == BUYERS
    for row in buyers[1:]:
        for k, cell in zip(per_buyer, row[1:], strict=True):
            assert shown_as(cell, summary[k][row[0]]), (k, row[0], cell)
    assert {r[0]: r[1] for r in routes[1:]}.keys() == summary["route_utilisation"].keys()
    for route, cell in routes[1:]:
        assert shown_as(cell, summary["route_utilisation"][route])

    (events,) = page.tables["Event timeline"]
    assert events == event_rows(folder)
    assert ["2020-06-01", "2020-08-31", "outage", "west", "scenario", "compressor fire"] in events


def test_comparison_report_is_one_self_contained_page(
    compared: tuple[int, Path, str, str], folders: dict[str, Path]
) -> None:
    code, out, _, _ = compared
    assert code == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    page = assert_self_contained(text, sorted((out / "charts").glob("*.png")))
    assert "calm" in page.title and "outage" in page.title

    (runs,) = page.tables["Runs"]
    assert [r[0] for r in runs[1:]] == ["calm", "outage"]
    assert [r[1] for r in runs[1:]] == ["2020-01-01 to 2021-12-31"] * 2

    summaries = {
        n: flat(json.loads((folders[n] / "summary.json").read_text(encoding="utf-8")))
        for n in ("calm", "outage")
    }
    (kpis,) = page.tables["Key figures"]
    assert kpis[0] == ["kpi", "calm", "outage"]
    assert {r[0] for r in kpis[1:]} == set(summaries["calm"]) - {"seed", "days"}
    words = {}
    for name, a, b in kpis[1:]:
        value, diff = b.split("\n")  # the outage's value, then its difference from calm
        number, _, words[name] = diff.partition(" ")
        assert shown_as(a, summaries["calm"][name]), (name, a)
        assert shown_as(value, summaries["outage"][name]), (name, value)
        change = summaries["outage"][name] - summaries["calm"][name]
        assert shown_as(number, change), (name, diff)
        assert number.startswith("+") == (change > 0 and number != "0"), (name, diff)
    # the outage on west cuts beta's deliveries: fewer exports and more shortfall are both
    # worse; nominations, production and utilisation move with no good side
    assert words["exports_bcm_by_destination.beta"] == "worse"
    assert words["revenue_usd_total"] == "worse"
    assert words["shortfall_bcm_by_buyer.beta"] == "worse"
    assert summaries["outage"]["production_bcm"] != summaries["calm"]["production_bcm"]
    assert words["production_bcm"] == "" and words["route_utilisation.west"] == ""
    # each run's name has its colour in the charts, in the list of runs, the table's
    # heading and the heading of its events
    for i, name in enumerate(["calm", "outage"]):
        mark = (
            f'<span class="swatch" style="background:{run_color(i)}"></span>'
            f'<span class="name">{name}</span>'
        )
        assert text.count(mark) == 3, name

    assert "Events: calm" not in page.tables
    assert page.paragraphs["Events: calm"] == ["No events."]
    (events,) = page.tables["Events: outage"]
    assert events == event_rows(folders["outage"])


def test_cli_compare_prints_full_names_and_the_lpg_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Long run names are printed whole, and LPG delivered, unmet demand and stock-out
    depot-days have rows of their own (the doubled-demand what-if moves only these)."""
    from gasroutes.cli import main

    root = Path(__file__).resolve().parents[2]
    names = ("a-long-name-for-the-first-run", "a-long-name-for-the-second-run")
    files = []
    for name, factor in zip(names, (1.0, 2.0), strict=True):
        path = tmp_path / f"{name}.yaml"
        path.write_text(
            f"extends: {root / 'scenarios' / 'afghan-border-closure.yaml'}\nname: {name}\n"
            f"end: 2026-06-30\nevents:\n  - {{date: 2025-06-01, kind: demand, "
            f"depot: kabul, factor: {factor}}}\n"
        )
        files.append(str(path))
    assert main(["compare", *files, "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if names[0] in line)
    assert names[1] in header
    kpis = pd.read_csv(tmp_path / "cmp" / "kpis.csv", index_col="kpi")
    for label, key in (
        ("LPG delivered (kt)", "lpg_delivered_kt"),
        ("LPG unmet demand (kt)", "lpg_unmet_demand_kt"),
    ):
        line = next(x for x in out.splitlines() if x.strip().startswith(label))
        assert [float(v.replace(",", "")) for v in line.split()[-2:]] == pytest.approx(
            [kpis.loc[key, n] for n in names], abs=0.006
        )
    depot_days = next(x for x in out.splitlines() if "LPG stock-out depot-days" in x)
    first, second = (int(v.replace(",", "")) for v in depot_days.split()[-2:])
    assert second > first
