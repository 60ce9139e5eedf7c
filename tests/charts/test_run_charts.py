"""Charts of one run (and of replications), checked by what they draw, never by pixels:
titles, axis units, legend entries, the plotted numbers against the tables they come
from, event marks at the events' dates with a key that lists them whole, one colour per
destination, and a layout that reads at a glance (``chart_problems``, tests/charts/
conftest.py: no empty panel, units on every axis, legends beside the data, nothing on top
of anything else).

The runs are the small two-buyer scenario of conftest.py stretched over two years, with an
outage (with ``until``), a cutoff and resume, and a price change; each distinct scenario
is run once per test session (:func:`run_once`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

import gasroutes
from gasroutes.api import RunResult as Result
from gasroutes.charts import run_chart_names
from gasroutes.charts.axes import EVENT_COLORS, decimal_year
from gasroutes.charts.bands import annual_band, kpi_spread, time_band
from gasroutes.charts.palette import color
from gasroutes.charts.run import CHARTS, lpg_chain, network_map, save_charts

NAME = "plotted"
OUTAGE = ("2020-03-01", "2020-04-15")  # route east, both days included
CUTOFF = ("2020-09-01", "2020-10-31")  # buyer beta, resumed on 2020-11-01
PRICE = "2021-02-01"  # buyer alpha
EVENTS: list[dict[str, Any]] = [
    {
        "date": OUTAGE[0],
        "kind": "outage",
        "route": "east",
        "until": OUTAGE[1],
        "reason": "pipe repair",
    },
    {"date": CUTOFF[0], "kind": "cutoff", "buyer": "beta", "reason": "payment dispute"},
    {"date": "2020-11-01", "kind": "resume", "buyer": "beta"},
    {
        "date": PRICE,
        "kind": "price",
        "buyer": "alpha",
        "price_usd_per_tcm": 150,
        "reason": "new price",
    },
]
# What the key under a chart says about each marked event, by event number (resumes are
# not numbered, so the price change is 3).
KEY = {
    1: ("2020-03-01 to 2020-04-15", "outage east", "pipe repair"),
    2: ("2020-09-01 to 2020-10-31", "cutoff beta", "payment dispute"),
    3: ("2021-02-01", "price alpha", "new price"),
}
PATHS = {
    "east": [[60.0, 38.0], [65.0, 40.0], [70.0, 41.0]],
    "west": [[60.0, 38.0], [55.0, 39.0], [50.0, 40.0]],
}
BUYERS = ["alpha", "beta"]
# The charts every run has; CHARTS may name more, drawn only for runs that have what they
# show (an LPG chain), which these gas-only runs have not.
RUN_CHARTS = tuple(run_chart_names(has_lpg=False))

_RUNS: dict[str, Result] = {}


def run_once(data: dict[str, Any]) -> Result:
    """Run a scenario mapping, once per distinct mapping per session (results are only
    read by these tests, never changed)."""
    key = json.dumps(data, sort_keys=True, default=str)
    if key not in _RUNS:
        _RUNS[key] = gasroutes.run(gasroutes.scenario_from_dict(data))
    return _RUNS[key]


def two_years(small: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(small)
    data.update(name=NAME, start="2020-01-01", end="2021-12-31", events=copy.deepcopy(EVENTS))
    for route, path in PATHS.items():
        data["routes"][route]["path_lonlat"] = path
    return data


@pytest.fixture
def result(small: dict[str, Any]) -> Result:
    return run_once(two_years(small))


# ----------------------------------------------------------------------------- reading charts


def gas(frame: pd.DataFrame) -> pd.DataFrame:
    """The pipeline gas rows of a table (the charts show pipeline gas)."""
    return frame[frame["commodity"] == "pipeline_gas"]


def day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def span_x(first: str, last: str) -> tuple[float, float]:
    """Where a span from the start of ``first`` to the end of ``last`` sits on a time axis."""
    return float(decimal_year([first])[0]), float(decimal_year([day_after(last)])[0])


def rgb(value: Any) -> tuple[float, float, float]:
    """A colour (a name, an RGB(A) tuple, or a collection's one-row colour array) as RGB."""
    if not isinstance(value, str):
        value = tuple(np.atleast_2d(np.asarray(value, dtype=float))[0])
    r, g, b = to_rgb(value)
    return (round(r, 4), round(g, 4), round(b, 4))


def legend(ax: Axes) -> list[str]:
    box = ax.get_legend()
    return [t.get_text() for t in box.get_texts()] if box is not None else []


def bars(ax: Axes) -> dict[str, list[Rectangle]]:
    """Bars by the label they were drawn with (one collection per series, each bar a
    rectangle of it, given here as a Rectangle)."""
    out = {}
    for c in ax.collections:
        if not str(c.get_gid()).startswith("bars-"):
            continue
        face = c.get_facecolor()[0]
        rects = []
        for path in c.get_paths():
            (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
            rects.append(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=face))
        out[str(c.get_label())] = rects
    return out


def spans(ax: Axes) -> list[tuple[float, float, tuple[float, float, float]]]:
    """Shaded event spans: every patch that is not a bar, as (x0, x1, colour)."""
    in_bars = {id(p) for c in ax.containers for p in c.patches}
    out = []
    for p in ax.patches:
        if id(p) in in_bars:
            continue
        xy = p.get_patch_transform().transform(p.get_path().vertices)
        out.append((float(xy[:, 0].min()), float(xy[:, 0].max()), rgb(p.get_facecolor())))
    return sorted(out)


def vlines(ax: Axes) -> list[float]:
    """x of the dotted full-height lines that mark point events."""
    return [
        float(line.get_xdata()[0])
        for line in ax.get_lines()
        if len(line.get_xdata()) == 2
        and line.get_xdata()[0] == line.get_xdata()[1]
        and list(line.get_ydata()) == [0, 1]
    ]


def marks(ax: Axes) -> dict[str, float]:
    """Event numbers written above a panel, with their x."""
    return {
        t.get_text(): float(t.get_position()[0])
        for t in ax.texts
        if re.fullmatch(r"[0-9][0-9,\-]*", t.get_text())
    }


def key(fig: Figure) -> dict[int, str]:
    """The event key under a figure, by event number: each event's text, its wrapped
    lines (indented after the first) joined again."""
    out: dict[int, str] = {}
    for t in fig.texts:
        number = None
        for text in t.get_text().split("\n"):
            m = re.match(r"(\d+)\s", text)
            if m:
                number = int(m.group(1))
                out[number] = text
            elif number is not None and text.startswith(" "):
                out[number] += " " + text.strip()
            else:
                number = None
    return out


def line(ax: Axes, label: str) -> Line2D:
    (found,) = [x for x in ax.get_lines() if x.get_label() == label]
    return found


def stack(ax: Axes) -> dict[str, PolyCollection]:
    return {
        str(c.get_label()): c
        for c in ax.collections
        if isinstance(c, PolyCollection)
        and not str(c.get_label()).startswith("_")
        and not str(c.get_gid()).startswith("bars-")
    }


def top_edge(layer: PolyCollection, xs: np.ndarray) -> np.ndarray:
    """The upper edge of a filled layer at each x."""
    v = np.concatenate([p.vertices for p in layer.get_paths()])
    return np.array([v[np.isclose(v[:, 0], x), 1].max() for x in xs])


def monthly(frame: pd.DataFrame, column: str) -> pd.Series:
    """Mean per day of ``column`` in each calendar month, indexed by the month's middle
    as a decimal year."""
    month = frame["date"].astype(str).str.slice(0, 7)
    means = frame.groupby(month.to_numpy())[column].mean().sort_index()
    starts = decimal_year([f"{m}-01" for m in means.index])
    nxt = [f"{int(m[:4]) + (m[5:] == '12')}-{int(m[5:]) % 12 + 1:02d}-01" for m in means.index]
    middle = (starts + decimal_year(nxt)) / 2
    return pd.Series(means.to_numpy(), index=middle)


def assert_series(line_or_x: Any, y: Any, expected: pd.Series) -> None:
    """Plotted (x, y) equal a monthly series: y exactly, x within two days of mid-month."""
    np.testing.assert_allclose(np.asarray(y, dtype=float), expected.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(
        np.asarray(line_or_x, dtype=float), expected.index.to_numpy(), atol=2 / 365
    )


def assert_key(fig: Figure, numbers: list[int]) -> None:
    """The key under the figure lists exactly these events, each with its dates."""
    lines = key(fig)
    assert sorted(lines) == numbers
    for n in numbers:
        for part in KEY[n]:
            assert part in lines[n], (n, part, lines[n])
    if numbers:
        assert any(t.get_text() == "events" for t in fig.texts)


def assert_span(ax: Axes, kind: str, first: str, last: str, number: int) -> None:
    """One shaded span of ``kind``'s colour from the start of ``first`` to the end of
    ``last``, numbered ``number`` above the panel."""
    x0, x1 = span_x(first, last)
    found = [s for s in spans(ax) if abs(s[0] - x0) < 1e-4]
    assert len(found) == 1, (spans(ax), x0)
    assert found[0][1] == pytest.approx(x1, abs=1e-4)
    assert found[0][2] == rgb(EVENT_COLORS[kind])
    assert marks(ax).get(str(number)) == pytest.approx(x0)


def ylabel_unit(ax: Axes) -> str:
    m = re.search(r"\(([^()]+)\)\s*$", ax.get_ylabel())
    assert m, f"y axis label {ax.get_ylabel()!r} has no unit in parentheses"
    return m.group(1)


def panel_id(ax: Axes) -> str:
    """The route or buyer a panel shows: the first line of its y label."""
    return ax.get_ylabel().split("\n")[0]


def render(fig: Figure) -> None:
    FigureCanvasAgg(fig).draw()


# ----------------------------------------------------------------------------- each chart


def test_annual_exports_stacks_the_annual_table(result: Result) -> None:
    fig = result.plot("annual_exports")
    (ax,) = fig.axes
    assert NAME in ax.get_title()
    assert ax.get_xlabel() == "year"
    assert ylabel_unit(ax) == "bcm/yr"

    table = gas(result.annual).pivot_table(
        index="year", columns="destination", values="quantity", aggfunc="sum"
    )
    present = [d for d in BUYERS if table[d].sum() > 0]
    assert present == BUYERS
    assert legend(ax) == present
    drawn = bars(ax)
    assert list(drawn) == present  # stacked in this order
    below = pd.Series(0.0, index=table.index)
    for dest in present:
        by_year = {}
        for p in drawn[dest]:
            year = int(np.floor(p.get_x() + p.get_width() / 2))
            # the bar of a year lies inside that year on the decimal-year axis
            assert year <= p.get_x() and p.get_x() + p.get_width() <= year + 1
            assert rgb(p.get_facecolor()) == rgb(color(dest))
            by_year[year] = (p.get_y(), p.get_height())
        assert sorted(by_year) == list(table.index)
        for year, (bottom, height) in by_year.items():
            assert height == pytest.approx(table.loc[year, dest], rel=1e-12)
            assert bottom == pytest.approx(below[year], rel=1e-12)
        below += table[dest]

    assert_span(ax, "outage", *OUTAGE, number=1)
    assert_span(ax, "cutoff", *CUTOFF, number=2)
    assert len(spans(ax)) == 2
    assert vlines(ax) == []  # a price change is not an export event
    assert_key(fig, [1, 2])


def test_route_flows_stack_buyers_under_the_capacity_line(result: Result) -> None:
    fig = result.plot("route_flows")
    flows = gas(result.flows)
    routes = list(dict.fromkeys(flows["route"]))
    assert routes == ["east", "west"]
    assert len(fig.axes) == len(routes)
    assert NAME in fig.axes[0].get_title()
    assert fig.axes[-1].get_xlabel() == "year"
    for ax, route in zip(fig.axes, routes, strict=True):
        assert panel_id(ax) == route
        assert ylabel_unit(ax) == "mcm/d"
        f = flows[flows["route"] == route]
        carried = [b for b in dict.fromkeys(f["buyer"]) if f.loc[f["buyer"] == b, "quantity"].sum()]
        assert legend(ax) == [*carried, "capacity"]

        cap = line(ax, "capacity")
        assert_series(cap.get_xdata(), cap.get_ydata(), monthly(f, "capacity"))

        layers = stack(ax)
        assert list(layers) == carried
        total = None
        for buyer in carried:
            part = monthly(f[f["buyer"] == buyer], "quantity")
            total = part if total is None else total + part
            xs = total.index.to_numpy()
            drawn_x = np.unique(
                np.concatenate([p.vertices[:, 0] for p in layers[buyer].get_paths()])
            )
            np.testing.assert_allclose(drawn_x, xs, atol=2 / 365)
            np.testing.assert_allclose(top_edge(layers[buyer], drawn_x), total.to_numpy())
            assert rgb(layers[buyer].get_facecolor()) == rgb(color(buyer))

    east, west = fig.axes
    assert_span(east, "outage", *OUTAGE, number=1)
    assert len(spans(east)) == 1
    assert_span(west, "cutoff", *CUTOFF, number=2)  # beta takes its gas on west
    assert len(spans(west)) == 1
    assert_key(fig, [1, 2])


def test_deliveries_against_nominations_per_buyer(result: Result) -> None:
    fig = result.plot("deliveries")
    d = gas(result.deliveries)
    assert [panel_id(ax) for ax in fig.axes] == BUYERS
    assert NAME in fig.axes[0].get_title()
    assert fig.axes[-1].get_xlabel() == "year"
    for ax, buyer in zip(fig.axes, BUYERS, strict=True):
        assert ylabel_unit(ax) == "mcm/d"
        assert legend(ax) == ["nominated", "delivered", "shortfall"]
        mine = d[d["buyer"] == buyer]
        for label in ("nominated", "delivered"):
            drawn = line(ax, label)
            assert_series(drawn.get_xdata(), drawn.get_ydata(), monthly(mine, label))
        assert rgb(line(ax, "delivered").get_color()) == rgb(color(buyer))
        assert rgb(stack(ax)["shortfall"].get_facecolor()) == rgb(color(buyer))
        # shaded up to delivered + shortfall: what a cut-off buyer is refused is not
        # shortfall (the cutoff's own span says it)
        from gasroutes.charts.axes import monthly_mean

        m = monthly_mean(mine, ["delivered", "shortfall"])
        top = dict(zip(np.round(m.index, 6), m["delivered"] + m["shortfall"], strict=True))
        for path in stack(ax)["shortfall"].get_paths():
            for x, y in path.vertices:
                if round(float(x), 6) in top:
                    assert y <= top[round(float(x), 6)] + 1e-9

    alpha, beta = fig.axes
    assert spans(alpha) == []  # the outage is a route event, the price not a delivery event
    assert vlines(alpha) == []
    assert_span(beta, "cutoff", *CUTOFF, number=2)
    assert len(spans(beta)) == 1
    assert_key(fig, [2])


def test_production_balance_splits_the_potential(result: Result) -> None:
    fig = result.plot("production")
    (ax,) = fig.axes
    assert NAME in ax.get_title()
    assert ax.get_xlabel() == "year"
    assert ylabel_unit(ax) == "mcm/d"
    assert legend(ax) == ["domestic use", "exported", "shut in", "domestic demand"]

    p = result.production
    layers = stack(ax)
    assert list(layers) == ["domestic use", "exported", "shut in"]
    total = None
    for label, column in (
        ("domestic use", "domestic"),
        ("exported", "exported"),
        ("shut in", "shut_in"),
    ):
        part = monthly(p, column)
        total = part if total is None else total + part
        xs = total.index.to_numpy()
        np.testing.assert_allclose(top_edge(layers[label], xs), total.to_numpy(), atol=1e-9)
    assert total is not None
    # the three layers add up to the production potential, month by month
    np.testing.assert_allclose(total.to_numpy(), monthly(p, "potential").to_numpy(), rtol=1e-9)
    demand = line(ax, "domestic demand")
    assert_series(demand.get_xdata(), demand.get_ydata(), monthly(p, "domestic_demand"))
    assert rgb(layers["domestic use"].get_facecolor()) == rgb(color("domestic"))
    assert rgb(layers["shut in"].get_facecolor()) == rgb(color("shut_in"))

    assert_span(ax, "outage", *OUTAGE, number=1)
    assert_span(ax, "cutoff", *CUTOFF, number=2)
    assert len(spans(ax)) == 2
    assert_key(fig, [1, 2])


def test_revenue_bars_and_arrears_lines(result: Result) -> None:
    fig = result.plot("revenue_arrears")
    top, bottom = fig.axes
    assert NAME in top.get_title()
    assert top.get_xlabel() == bottom.get_xlabel() == "year"
    assert ylabel_unit(top) == "USD bn/yr"
    assert ylabel_unit(bottom) == "USD bn"

    money = result.money
    year = money["date"].astype(str).str.slice(0, 4).astype(int)
    invoiced = money.assign(year=year).pivot_table(
        index="year", columns="buyer", values="invoiced_usd", aggfunc="sum"
    )
    paying = [b for b in BUYERS if invoiced[b].sum() > 0]
    assert legend(top) == paying == BUYERS
    assert list(bars(top)) == paying
    below = pd.Series(0.0, index=invoiced.index)
    for buyer, patches in bars(top).items():
        for p, y in zip(patches, invoiced.index, strict=True):
            assert y <= p.get_x() and p.get_x() + p.get_width() <= y + 1
        assert [p.get_height() for p in patches] == pytest.approx(
            list(invoiced[buyer] / 1e9), rel=1e-12
        )
        assert [p.get_y() for p in patches] == pytest.approx(list(below), rel=1e-12, abs=1e-15)
        assert {rgb(p.get_facecolor()) for p in patches} == {rgb(color(buyer))}
        below += invoiced[buyer] / 1e9

    owing = [b for b in BUYERS if money.loc[money["buyer"] == b, "arrears_usd"].max() > 0]
    assert owing == ["alpha"]  # beta pays every invoice in full
    assert legend(bottom) == owing
    for buyer in owing:
        m = money[money["buyer"] == buyer]
        drawn = line(bottom, buyer)
        np.testing.assert_allclose(drawn.get_ydata(), m["arrears_usd"] / 1e9)
        np.testing.assert_allclose(drawn.get_xdata(), decimal_year(m["date"].astype(str)))
        assert rgb(drawn.get_color()) == rgb(color(buyer))

    assert spans(top) == []
    assert_span(bottom, "cutoff", *CUTOFF, number=2)
    assert len(spans(bottom)) == 1
    assert vlines(bottom) == pytest.approx([float(decimal_year([PRICE])[0])])
    assert marks(bottom)["3"] == pytest.approx(float(decimal_year([PRICE])[0]))
    assert_key(fig, [2, 3])


def test_network_map_draws_each_route_along_its_path(result: Result) -> None:
    fig = result.plot("network_map")
    (ax,) = fig.axes
    assert NAME in ax.get_title()
    assert ax.get_xlabel().endswith("(°E)")
    assert ax.get_ylabel().endswith("(°N)")

    lines = ax.get_lines()
    assert len(lines) == len(PATHS)
    carried = gas(result.flows).groupby(["route", "buyer"])["quantity"].sum() / 1000  # bcm
    widths = {}
    for drawn in lines:
        (route,) = [r for r, p in PATHS.items() if list(drawn.get_xdata()) == [x for x, _ in p]]
        assert list(drawn.get_ydata()) == [y for _, y in PATHS[route]]
        main = carried.loc[route].idxmax()
        assert rgb(drawn.get_color()) == rgb(color(main))
        # both routes lost service: east by its outage, west when its only buyer was cut off
        assert drawn.get_linestyle() == "--"
        widths[route] = drawn.get_linewidth()
    by_route = carried.groupby(level=0).sum()
    heavier, lighter = sorted(PATHS, key=lambda r: -by_route[r])
    assert widths[heavier] > widths[lighter]

    # each route's end is labelled with the buyers it served and the gas it carried
    texts = [t.get_text() for t in ax.texts]
    served = [b for b in BUYERS if carried.xs(b, level=1).sum() > 0]
    assert sorted(t for t in texts if t in BUYERS) == served
    for route in PATHS:
        assert f"{route}: {by_route[route]:.0f} bcm" in texts
    names = {t.get_text(): rgb(t.get_color()) for t in ax.texts if t.get_text() in BUYERS}
    assert names == {b: rgb(color(b)) for b in served}


def test_network_map_line_styles_follow_the_events(result: Result) -> None:
    events = result.event_table
    only_outage = events[events["kind"] == "outage"]
    fig = network_map(result.flows, result.route_paths(), NAME, only_outage)
    styles = {
        next(r for r, p in PATHS.items() if list(x.get_xdata()) == [a for a, _ in p]): (
            x.get_linestyle()
        )
        for x in fig.axes[0].get_lines()
    }
    assert styles == {"east": "--", "west": "-"}

    fig = network_map(result.flows, {"east": PATHS["east"]}, NAME, None)
    assert len(fig.axes[0].get_lines()) == 1
    assert [t.get_linestyle() for t in fig.axes[0].get_lines()] == ["-"]
    assert any("not drawn (no path_lonlat): west" in t.get_text() for t in fig.texts)


# ----------------------------------------------------------------------------- every chart


def colours_in(fig: Figure, name: str) -> dict[str, set[tuple[float, float, float]]]:
    """The colours a chart gives each destination or buyer it names."""
    seen: dict[str, set[tuple[float, float, float]]] = {}

    def add(who: str, value: Any) -> None:
        if who in BUYERS:
            seen.setdefault(who, set()).add(rgb(value))

    for ax in fig.axes:
        for label, patches in bars(ax).items():
            for p in patches:
                add(label, p.get_facecolor())
        for label, layer in stack(ax).items():
            add(label, layer.get_facecolor())
        for drawn in ax.get_lines():
            add(str(drawn.get_label()), drawn.get_color())
        if name == "deliveries":
            add(panel_id(ax), line(ax, "delivered").get_color())
        for t in ax.texts:
            add(t.get_text(), t.get_color())
    return seen


def test_a_destination_has_one_colour_in_every_chart(result: Result) -> None:
    found: dict[str, set[tuple[float, float, float]]] = {}
    charted: dict[str, set[str]] = {}
    for name in RUN_CHARTS:
        fig = result.plot(name)
        assert isinstance(fig, Figure)
        for who, colours in colours_in(fig, name).items():
            found.setdefault(who, set()).update(colours)
            charted.setdefault(who, set()).add(name)
    assert found == {b: {rgb(color(b))} for b in BUYERS}
    assert rgb(color("alpha")) != rgb(color("beta"))
    assert charted == {b: set(RUN_CHARTS) - {"production"} for b in BUYERS}


def test_every_run_chart_is_a_named_chart() -> None:
    assert set(RUN_CHARTS) <= set(CHARTS)


def test_plot_of_an_unknown_chart_is_a_key_error(result: Result) -> None:
    with pytest.raises(KeyError, match="unknown chart 'nope'") as err:
        result.plot("nope")
    for name in RUN_CHARTS:
        assert name in str(err.value)


def test_save_charts_writes_a_png_per_chart_and_svgs_on_request(
    result: Result, tmp_path: Path
) -> None:
    folder = tmp_path / "charts"
    paths = save_charts(result, folder, svg=True, dpi=50)
    assert paths == [folder / f"{name}.png" for name in RUN_CHARTS]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{n}.png" for n in RUN_CHARTS] + [f"{n}.svg" for n in RUN_CHARTS]
    )
    for name in RUN_CHARTS:
        assert (folder / f"{name}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        svg = (folder / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg


# ----------------------------------------------------------------------------- runs with gaps


def one_year(small: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(small)
    data.update(name="gaps", start="2020-01-01", end="2020-12-31")
    for route, path in PATHS.items():
        data["routes"][route]["path_lonlat"] = path
    return data


def cut_all_run(data: dict[str, Any]) -> dict[str, Any]:
    """A third buyer that nominates gas on west but is cut off from the first day."""
    data["buyers"]["iran"] = {
        "routes": ["west"],
        "contract": {"volume_bcm_per_year": 1.0, "price_usd_per_tcm": 150, "priority": 3},
    }
    data["events"] = [{"date": data["start"], "kind": "cutoff", "buyer": "iran"}]
    return data


def nothing_nominated(data: dict[str, Any]) -> dict[str, Any]:
    """A third buyer with a contract for nothing."""
    data["buyers"]["iran"] = {
        "routes": ["east"],
        "contract": {"volume_bcm_per_year": 0.0, "price_usd_per_tcm": 150},
    }
    data["events"] = []
    return data


def every_buyer_cut_off(data: dict[str, Any]) -> dict[str, Any]:
    data["events"] = [{"date": data["start"], "kind": "cutoff", "buyer": b} for b in BUYERS]
    return data


GAPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "a buyer cut off all run": cut_all_run,
    "a buyer with nothing nominated": nothing_nominated,
    "every buyer cut off": every_buyer_cut_off,
}


@pytest.mark.parametrize("gap", list(GAPS))
def test_a_buyer_without_deliveries_breaks_no_chart(small: dict[str, Any], gap: str) -> None:
    res = run_once(GAPS[gap](one_year(small)))
    delivered = gas(res.deliveries).groupby("buyer")["delivered"].sum()
    empty = [b for b in res.buyer_ids if delivered[b] == 0]
    assert empty, "the scenario should leave a buyer without deliveries"
    full = [b for b in res.buyer_ids if b not in empty]

    figs = {name: res.plot(name) for name in RUN_CHARTS}
    for fig in figs.values():
        assert "gaps" in fig.axes[0].get_title()
        if not full:  # the emptiest run is drawn too, not only built (slow: once)
            render(fig)

    (annual,) = figs["annual_exports"].axes
    assert legend(annual) == full
    assert list(bars(annual)) == full
    for ax in figs["route_flows"].axes:
        assert legend(ax)[-1] == "capacity"
        assert set(legend(ax)[:-1]) <= set(full)
        if not legend(ax)[:-1]:
            assert "no flow in this run" in [t.get_text() for t in ax.texts]
    nominated = gas(res.deliveries).groupby("buyer")["nominated"].sum()
    shown = [panel_id(ax) for ax in figs["deliveries"].axes]
    assert shown == [b for b in res.buyer_ids if nominated[b] + delivered[b] > 0]
    top, *arrears = figs["revenue_arrears"].axes
    assert legend(top) == full
    for bottom in arrears:
        assert set(legend(bottom)) <= set(full)
    labels = [t.get_text() for t in figs["network_map"].axes[0].texts]
    for buyer in empty:
        assert buyer not in labels


def test_a_cut_off_buyer_keeps_its_deliveries_panel(small: dict[str, Any]) -> None:
    """A buyer that nominated but got nothing is shown: nominated line, delivered at 0."""
    res = run_once(cut_all_run(one_year(small)))
    fig = res.plot("deliveries")
    (iran,) = [ax for ax in fig.axes if panel_id(ax) == "iran"]
    d = gas(res.deliveries)
    mine = d[d["buyer"] == "iran"]
    nominated = line(iran, "nominated")
    assert_series(nominated.get_xdata(), nominated.get_ydata(), monthly(mine, "nominated"))
    assert not np.any(line(iran, "delivered").get_ydata())
    assert_span(iran, "cutoff", "2020-01-01", "2020-12-31", number=1)
    assert "1  2020-01-01 to 2020-12-31  cutoff iran" in key(fig)[1]


# ----------------------------------------------------------------------------- at a glance

# The charts of this module that the layout checks cover (the network map is drawn by
# its own module, with its own tests)
GLANCE = [n for n in RUN_CHARTS if n != "network_map"]
Problems = Callable[..., list[str]]


def test_the_layout_checks_find_what_hinders_a_reader(chart_problems: Problems) -> None:
    """The checks the charts must pass can fail: a legend over the data, a panel with no
    data, a y label without unit, a multiplier above an axis, texts on top of each other."""
    fig = Figure(figsize=(6.0, 5.0))
    full, _ = fig.subplots(2, 1)
    full.plot([0.0, 1.0], [1e9, 1.000001e9], label="revenue")
    full.legend(loc="center")
    full.set_ylabel("revenue")
    fig.text(0.1, 0.01, "a note")
    fig.text(0.12, 0.01, "another note")
    problems = chart_problems(fig)
    assert "legend of axes 0 lies over the data of axes 0" in problems
    assert "axes 1 ('') draws no data" in problems
    assert "axes 0: y label 'revenue' has no unit" in problems
    assert any(p.startswith("axes 0: offset text") for p in problems), problems
    assert any("'a note' overlaps figure text 1" in p for p in problems), problems


@pytest.mark.parametrize("name", GLANCE)
def test_a_run_chart_reads_at_a_glance(result: Result, name: str, chart_problems: Problems) -> None:
    """Every panel draws data and has units on its axes; legends sit right of the
    panels, outside the data; titles, legends, event numbers and the key overlap nothing
    and stay inside the figure."""
    fig = result.plot(name)
    assert chart_problems(fig) == []
    for ax in fig.axes:
        box = ax.get_legend()
        if box is not None:  # to the right of its panel, top-aligned with it
            assert box.get_bbox_to_anchor().x0 == pytest.approx(ax.get_window_extent().x1)


def test_a_run_without_arrears_has_no_arrears_panel_and_says_so(
    small: dict[str, Any], chart_problems: Problems
) -> None:
    data = two_years(small)
    del data["buyers"]["alpha"]["payment"]  # alpha pays in full, as beta does
    res = run_once(data)
    assert res.money["arrears_usd"].max() == 0
    fig = res.plot("revenue_arrears")
    (top,) = fig.axes
    assert ylabel_unit(top) == "USD bn/yr"
    notes = [t.get_text() for t in fig.texts]
    assert any(n.startswith("no arrears in this run") for n in notes), notes
    # the events marked on the arrears panel move to the revenue panel
    assert_span(top, "cutoff", *CUTOFF, number=2)
    assert vlines(top) == pytest.approx([float(decimal_year([PRICE])[0])])
    assert_key(fig, [2, 3])
    assert chart_problems(fig) == []


LONG = (
    "Serhetabat-Torghundi border closed after a dispute over transit fees, customs "
    "inspections and the security of the rail yard"
)


def test_the_event_key_writes_every_event_whole_in_two_columns(
    small: dict[str, Any], chart_problems: Problems
) -> None:
    data = two_years(small)
    data["events"][0]["reason"] = LONG
    data["events"] += [
        {
            "date": f"2021-0{month}-01",
            "kind": "capacity",
            "route": "east",
            "capacity_bcm_per_year": 2.0 + month / 10,
            "reason": f"step {month}: {LONG}",
        }
        for month in range(3, 8)
    ]
    fig = run_once(data).plot("route_flows")
    lines = key(fig)
    assert sorted(lines) == [1, 2, 4, 5, 6, 7, 8]  # 3 is the price, not a route event
    assert lines[1] == f"1  {OUTAGE[0]} to {OUTAGE[1]}  outage east: {LONG}"
    for number, month in zip(range(4, 9), range(3, 8), strict=True):
        assert lines[number] == f"{number}  2021-0{month}-01  capacity east: step {month}: {LONG}"
    columns = [t for t in fig.texts if re.match(r"\d+\s", t.get_text())]
    assert len(columns) == 2  # one text per column, not one per line
    assert all(len(t.get_text().split("\n")) > 3 for t in columns)  # the long ones wrapped
    assert chart_problems(fig) == []


@pytest.fixture(scope="module")
def lpg_run(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The Afghan border closure to mid-2026: an LPG chain with a rail closure."""
    root = Path(__file__).resolve().parents[2]
    short = tmp_path_factory.mktemp("lpg") / "short.yaml"
    short.write_text(
        f"extends: {root / 'scenarios' / 'afghan-border-closure.yaml'}\nname: short\n"
        "end: 2026-06-30\n"
    )
    return gasroutes.run(gasroutes.load_scenario(short))


def labelled(ax: Axes) -> dict[str, Line2D]:
    return {str(x.get_label()): x for x in ax.get_lines() if not x.get_label().startswith("_")}


def test_the_lpg_chart_keeps_a_colour_per_node_and_a_line_style_per_kind(
    lpg_run: Result, chart_problems: Problems
) -> None:
    res = lpg_run
    chain = res.scenario.lpg
    assert chain is not None and res.lpg_queues is not None
    gas_outage = {"date": "2025-06-01", "end_date": "2025-06-10", "kind": "outage"}
    gas_outage.update(target="cagp_a", source="scenario", reason="a gas line")
    events = pd.concat([res.event_table, pd.DataFrame([gas_outage])]).sort_values("date")
    fig = lpg_chain(res.flows, res.lpg_queues, "short", events)
    top, mid, storage = fig.axes
    assert [ylabel_unit(ax) for ax in fig.axes] == ["kt/month", "trains", "kt"]

    kinds = {p: "plant" for p in chain.plants}
    kinds.update({t: "terminal" for t in chain.terminals})
    kinds.update({d: "depot" for d in chain.depots})
    style = {"plant": "-", "terminal": "--", "depot": ":"}
    drawn = labelled(storage)
    assert set(drawn) == {f"{n} ({k})" for n, k in kinds.items()}
    order = [label.rsplit("(", 1)[1].rstrip(")") for label in legend(storage)]
    assert order == sorted(order, key=list(style).index)  # plants, terminals, depots
    colour = {}
    for node, kind in kinds.items():
        line_ = drawn[f"{node} ({kind})"]
        assert line_.get_linestyle() == style[kind]
        colour[node] = rgb(line_.get_color())
    assert len(set(colour.values())) == len(colour)
    layers = stack(top)
    assert set(layers) == set(chain.depots) and legend(top) == list(layers)
    for depot, layer in layers.items():
        assert rgb(layer.get_facecolor()) == colour[depot]
    waiting = labelled(mid)
    assert set(waiting) == set(chain.terminals)
    for terminal, line_ in waiting.items():
        assert rgb(line_.get_color()) == colour[terminal] and line_.get_linestyle() == "--"

    # only the chain's events are marked: the rail closure, not the gas line's outage
    (closure,) = key(fig).values()
    assert "outage rail_serhetabat_torghundi" in closure
    assert chart_problems(fig) == []


# ----------------------------------------------------------------------------- replicated runs


def test_the_band_charts_read_at_a_glance(
    small: dict[str, Any], tmp_path: Path, chart_problems: Problems
) -> None:
    data = two_years(small)
    rep = gasroutes.run_replications(
        gasroutes.scenario_from_dict(data), 3, tmp_path / "reps", charts=False
    )
    events = run_once(data).event_table
    figs = {
        "annual": annual_band(rep.bands, NAME, events),
        "deliveries": time_band(
            rep.bands, NAME, "delivered", "nominated", "deliveries", "nominated", events
        ),
        "routes": time_band(
            rep.bands, NAME, "route_flow", "route_capacity", "routes", "capacity", events, "#123456"
        ),
        "kpis": kpi_spread(rep.kpis, NAME),
    }
    for name, fig in figs.items():
        assert chart_problems(fig) == [], name
    # routes in the colour asked for, not in hashed colours of their ids
    for ax in figs["routes"].axes:
        assert rgb(line(ax, "median").get_color()) == rgb("#123456")
    assert legend(figs["annual"].axes[0]) == [*BUYERS, "median", "5-95%"]
    # a panel per KPI with a spread, each with its unit; no empty frames
    spread = {
        c: rep.kpis[c].abs().max() > 0
        for prefix in ("exports_bcm_by_destination.", "shortfall_bcm_by_buyer.")
        for c in rep.kpis.columns
        if c.startswith(prefix)
    }
    panels = figs["kpis"].axes
    shown = [c.split(".")[1] for c, nonzero in spread.items() if nonzero]
    assert [ax.get_xticklabels()[0].get_text() for ax in panels] == shown
    assert len(spread) == 4
    assert [ylabel_unit(ax) for ax in panels] == ["bcm"] * len(shown)


def test_the_kpi_spread_draws_no_empty_frame(chart_problems: Problems) -> None:
    """Three destinations export, one has a shortfall: four panels, not a 2 x 3 grid with
    two empty frames."""
    kpis = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "exports_bcm_by_destination.alpha": [10.0, 10.5, 11.0],
            "exports_bcm_by_destination.beta": [4.0, 4.2, 4.1],
            "exports_bcm_by_destination.gamma": [437.37, 437.63, 438.31],
            "shortfall_bcm_by_buyer.alpha": [0.2, 0.0, 0.1],
            "shortfall_bcm_by_buyer.beta": [0.0, 0.0, 0.0],
        }
    )
    fig = kpi_spread(kpis, NAME)
    names = [ax.get_xticklabels()[0].get_text() for ax in fig.axes]
    assert names == ["alpha", "beta", "gamma", "alpha"]
    assert [ylabel_unit(ax) for ax in fig.axes] == ["bcm"] * 3 + ["bcm"]
    assert chart_problems(fig) == []  # 437.4 to 438.3 is written out, with no offset


def test_the_kpi_spread_whiskers_are_the_printed_percentiles() -> None:
    """The whiskers end at p5 and p95 as the console computes them, not at the last
    replication inside them (a box plot's way)."""
    x = [435.0, 436.0, 437.0, 437.5, 438.0, 438.2, 438.4, 438.5, 438.6, 439.9]
    kpis = pd.DataFrame({"replication": range(10), "exports_bcm_by_destination.alpha": x})
    fig = kpi_spread(kpis, NAME)
    ax = fig.axes[0]  # the exports panel (the shortfall row says it has none)
    ends = sorted(
        float(np.max(line.get_ydata()))
        for line in ax.get_lines()
        if len(line.get_ydata()) == 2 and line.get_ydata()[0] != line.get_ydata()[1]
    )
    p5, p95 = np.percentile(x, [5, 95])
    # whisker lines run from the box to p5 and from the box to p95
    tops = {round(v, 9) for v in ends}
    assert round(float(p95), 9) in tops
    lows = sorted(
        float(np.min(line.get_ydata()))
        for line in ax.get_lines()
        if len(line.get_ydata()) == 2 and line.get_ydata()[0] != line.get_ydata()[1]
    )
    assert round(float(p5), 9) in {round(v, 9) for v in lows}


@pytest.mark.parametrize(
    ("covers", "hatched"),
    [(("2026-11-01", "2027-03-31"), [2026, 2027]), (("2026-01-01", "2027-12-31"), [])],
    ids=["winter", "whole years"],
)
def test_the_bars_of_years_covered_in_part_are_hatched_and_said_so(
    covers: tuple[str, str], hatched: list[int]
) -> None:
    """A year the run covers for two months has a bar of two months' exports: hatched,
    and the footer says which part of the year it is, so it is not read as a year's."""
    from gasroutes.charts.run import annual_exports

    annual = pd.DataFrame(
        {
            "year": [2026, 2027],
            "destination": ["china", "china"],
            "commodity": ["pipeline_gas", "pipeline_gas"],
            "quantity": [6.0, 10.0],
            "unit": ["bcm", "bcm"],
        }
    )
    fig = annual_exports(annual, "t", None, covers)
    (ax,) = fig.axes
    bars = [p for p in ax.patches if p.get_gid() == "partial-years"]
    lefts = sorted({round(p.get_x() + p.get_width() / 2 - 0.5) for p in bars})
    assert lefts == hatched
    notes = [t.get_text() for t in fig.texts if "hatched bars" in t.get_text()]
    if hatched:
        assert notes == [
            "hatched bars: years the run covers only in part, the total of its days "
            "(2026 from 1 Nov; 2027 to 31 Mar)"
        ]
    else:
        assert notes == []
