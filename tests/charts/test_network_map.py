"""The network map, checked by what it draws: the geography layer (borders, coasts, the
Caspian as water), every route along its path with a label, labels that overlap neither
each other nor the nodes, line styles that say what a route did (random outages aside),
and a legend clear of the map and the title.

The run is the shipped baseline cut to its first quarter (the whole Turkmen network and
the LPG rail lines; a few seconds with the Python LPG chain), run once per session.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

import gasroutes
from gasroutes.api import RunResult as Result
from gasroutes.charts import run as run_charts
from gasroutes.charts.network import STYLES, geography, network_map
from gasroutes.charts.palette import color

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# the Turkmen border region: points on each of its land borders, and on its Caspian coast
TURKMEN_BORDERS = {
    "Iran": (57.0, 38.0),
    "Afghanistan": (63.0, 35.6),
    "Uzbekistan": (61.0, 41.5),
    "Kazakhstan": (55.0, 41.6),
}
CASPIAN_COAST = (53.0, 40.0)
IN_CASPIAN, IN_TURKMENISTAN = (51.0, 42.0), (59.0, 39.0)


@cache
def quarter() -> Result:
    s = gasroutes.load_scenario(SCENARIOS / "baseline.yaml")
    return gasroutes.run(s.model_copy(update={"end": s.start + dt.timedelta(days=89)}))


@pytest.fixture
def res() -> Result:
    return quarter()


def entries(res: Result) -> dict[str, str]:
    return {r: x.entry for r, x in res.scenario.routes.items() if x.entry}


def draw(res: Result, events: pd.DataFrame | None = None) -> Figure:
    ev = res.event_table if events is None else events
    return network_map(res.flows, res.route_paths(), res.scenario.name, ev, entries(res))


@pytest.fixture
def fig(res: Result) -> Figure:
    return res.plot("network_map")


def rendered(fig: Figure) -> Figure:
    fig.canvas.draw()
    return fig


def by_gid(ax: Axes, gid: str) -> list[object]:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def route_lines(ax: Axes, paths: dict[str, list[tuple[float, float]]]) -> dict[str, Line2D]:
    """Each route's line, found by its coordinates."""
    out = {}
    for line in ax.get_lines():
        xy = np.column_stack([line.get_xdata(), line.get_ydata()])
        (route,) = [r for r, p in paths.items() if np.array_equal(xy, np.asarray(p))]
        out[route] = line
    return out


def labels(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def gas_bcm(res: Result) -> pd.Series:
    gas = res.flows[res.flows["commodity"] == "pipeline_gas"]
    return gas.groupby("route", sort=False)["quantity"].sum() / 1000.0


def transit_bcm(res: Result) -> pd.Series:
    """Others' gas carried on each route (third-party transit), bcm."""
    gas = res.flows[(res.flows["commodity"] == "pipeline_gas")]
    others = gas[gas["buyer"] == "third_party"]
    return (
        others.groupby("route")["quantity"].sum().reindex(gas_bcm(res).index, fill_value=0.0)
        / 1000.0
    )


# ----------------------------------------------------------------------------- geography


def test_the_geography_layer_ships_inside_the_package_and_names_its_source() -> None:
    data = resources.files("gasroutes.charts").joinpath("data", "geography.json")
    raw = json.loads(data.read_text(encoding="utf-8"))
    assert len(data.read_bytes()) < 200_000
    assert "Natural Earth" in raw["source"] and "public domain" in raw["source"]
    lon0, lat0, lon1, lat1 = raw["box"]
    assert lon0 <= 44 and lat0 <= 28 and lon1 >= 80 and lat1 >= 48  # the network's region
    geo = geography()
    assert geo.borders and geo.coast and geo.land
    for line in (*geo.borders, *geo.coast):
        assert line.shape[1] == 2
        assert np.all((line >= (lon0, lat0)) & (line <= (lon1, lat1)))
        assert np.allclose(line, np.round(line, 2))  # rounded to 0.01 degree
    names = {name for name, _ in geo.labels}
    for country in ("Turkmenistan", "Uzbekistan", "Kazakhstan", "Iran", "Afghanistan"):
        assert country in names


def test_the_borders_and_the_caspian_coast_are_drawn_around_turkmenistan(fig: Figure) -> None:
    (ax,) = fig.axes
    (borders,) = by_gid(ax, "borders")
    (coast,) = by_gid(ax, "coast")
    assert isinstance(borders, LineCollection) and isinstance(coast, LineCollection)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()

    def near(lines: LineCollection, at: tuple[float, float]) -> bool:
        points = np.concatenate(lines.get_segments())
        return bool(np.any(np.hypot(*(points - at).T) < 0.5))

    for neighbour, at in TURKMEN_BORDERS.items():
        assert x0 < at[0] < x1 and y0 < at[1] < y1, neighbour
        assert near(borders, at), neighbour
        assert not near(coast, at), neighbour
    assert near(coast, CASPIAN_COAST)
    # light grey borders, bluish coasts, under the routes
    (r, g, b) = to_rgb(borders.get_edgecolor()[0])
    assert r == g == b and 0.5 < r < 0.9
    cr, _, cb = to_rgb(coast.get_edgecolor()[0])
    assert cb > cr
    assert max(borders.get_zorder(), coast.get_zorder()) < min(
        x.get_zorder() for x in ax.get_lines()
    )


def test_the_caspian_reads_as_water_and_turkmenistan_as_land(fig: Figure) -> None:
    (ax,) = fig.axes
    (land,) = by_gid(ax, "land")
    (water,) = by_gid(ax, "water")
    assert isinstance(land, PolyCollection) and isinstance(water, Rectangle)

    def on_land(at: tuple[float, float]) -> bool:
        return any(MplPath(p.vertices).contains_point(at) for p in land.get_paths())

    assert on_land(IN_TURKMENISTAN)
    assert not on_land(IN_CASPIAN)
    assert water.get_bbox().contains(*IN_CASPIAN)
    blue = to_rgb(water.get_facecolor())
    assert blue[2] > blue[0]  # water is blue, land is not
    land_rgb = to_rgb(land.get_facecolor()[0])
    assert land_rgb[2] <= land_rgb[0]


def test_the_countries_in_view_are_named_in_a_muted_grey(fig: Figure) -> None:
    (ax,) = fig.axes
    names = {t.get_text(): t for t in ax.texts if t.get_gid() == "country"}
    for country in ("TURKMENISTAN", "UZBEKISTAN", "KAZAKHSTAN", "IRAN"):
        assert country in names
        r, g, b = to_rgb(names[country].get_color())
        assert r == g == b and r > 0.4
    x0, x1 = ax.get_xlim()
    for t in names.values():
        assert x0 < t.xy[0] < x1


# ----------------------------------------------------------------------------- routes


def test_every_route_is_drawn_along_its_path_and_labelled(res: Result, fig: Figure) -> None:
    (ax,) = fig.axes
    paths = res.route_paths()
    lines = route_lines(ax, paths)
    bcm = gas_bcm(res)
    rail = res.flows[res.flows["commodity"] == "lpg"].groupby("route")["quantity"].sum()
    drawn_rail = [r for r in rail.index if r in paths]
    assert sorted(lines) == sorted([*bcm.index, *drawn_rail])
    assert drawn_rail  # the baseline's two LPG rail lines
    texts = labels(ax)
    transit = transit_bcm(res)
    assert transit.max() > 1  # the baseline's CAGP carries Uzbek and Kazakh gas too
    for route, gas in bcm.items():
        # the exporter's own gas, and others' apart: it is no export of the exporter's
        own = f"{route}: {gas - transit[route]:.0f} bcm"
        assert (own if transit[route] < 0.5 else f"{own} (+{transit[route]:.0f} transit)") in texts
    for route in drawn_rail:
        assert f"{route}: {rail[route] / 1000:.0f} kt LPG" in texts
        assert lines[route].get_linestyle() == STYLES["rail"][0]
    # the buyers at the ends, each in its colour; the entry hubs by name
    china = next(t for t in ax.texts if t.get_text() == "china")
    assert to_rgb(china.get_color()) == to_rgb(color("china"))
    for hub in set(entries(res).values()):
        assert hub in texts
    # width by gas carried: the CAGP lines are wider than CAC
    assert lines["cagp_c"].get_linewidth() > lines["cac"].get_linewidth()


def test_a_route_without_gas_is_dotted_with_one_label_and_no_placeholder(
    res: Result, fig: Figure
) -> None:
    (ax,) = fig.axes
    bcm = gas_bcm(res)
    idle = [r for r, v in bcm.items() if v == 0]
    assert idle == ["dauletabad_sarakhs_khangiran"]  # Iran takes nothing in 2025
    lines = route_lines(ax, res.route_paths())
    assert lines["dauletabad_sarakhs_khangiran"].get_linestyle() == ":"
    assert "(no deliveries)" not in labels(ax)
    assert [t for t in labels(ax) if "dauletabad_sarakhs_khangiran" in t] == [
        "dauletabad_sarakhs_khangiran: 0 bcm"
    ]


def test_a_random_outage_leaves_the_line_solid_and_an_event_dashes_it(res: Result) -> None:
    events = res.event_table
    assert (events["source"] == "random").any()  # a draw of the baseline's uncertainty
    random_on = set(events.loc[events["source"] == "random", "target"])
    lines = route_lines(draw(res).axes[0], res.route_paths())
    for route in random_on:
        assert lines[route].get_linestyle() == "-", route

    scripted = pd.concat(
        [
            events,
            pd.DataFrame(
                [
                    {
                        "date": "2025-02-01",
                        "end_date": "2025-02-10",
                        "kind": "outage",
                        "target": "cac",
                        "source": "scenario",
                        "reason": "repair",
                    },
                    {
                        "date": "2025-03-01",
                        "end_date": "2025-03-31",
                        "kind": "cutoff",
                        "target": "azerbaijan",
                        "source": "rule",
                        "reason": "arrears",
                    },
                    {
                        "date": "2025-03-01",
                        "end_date": "2025-03-10",
                        "kind": "outage",
                        "target": "rail_ymamnazar_aqina",
                        "source": "scenario",
                        "reason": "border closed",
                    },
                ]
            ),
        ],
        ignore_index=True,
    )
    fig = draw(res, scripted)
    lines = route_lines(fig.axes[0], res.route_paths())
    assert lines["cac"].get_linestyle() == "--"
    assert lines["korpeje_kordkuy"].get_linestyle() == "--"  # its only buyer cut off
    assert lines["cagp_a"].get_linestyle() == "-"
    assert lines["rail_ymamnazar_aqina"].get_linestyle() == STYLES["rail"][0]
    (rail,) = [t for t in labels(fig.axes[0]) if t.startswith("rail_ymamnazar_aqina: ")]
    assert rail.endswith(" kt LPG (out for a time)")
    (legend,) = fig.legends
    assert STYLES["interrupted"][1] in [t.get_text() for t in legend.get_texts()]


def test_the_legend_says_what_each_style_in_use_means(fig: Figure) -> None:
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    styles = [h.get_linestyle() for h in legend.legend_handles if h.get_linestyle() != "None"]
    assert texts[: len(styles)] == [STYLES[k][1] for k in ("service", "idle", "rail")]
    assert styles == ["-", ":", "-."]
    assert "random outages aside" in texts[0]
    assert "colour" in legend.get_title().get_text()
    assert "width" in legend.get_title().get_text()


# ----------------------------------------------------------------------------- layout


def test_no_two_labels_overlap_and_none_covers_a_node(fig: Figure) -> None:
    renderer = rendered(fig).canvas.get_renderer()  # type: ignore[attr-defined]
    (ax,) = fig.axes
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts if t.get_text()}
    assert len(boxes) == len(ax.texts)  # no text twice
    assert len(boxes) > 15
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)
    frame = ax.get_window_extent(renderer)
    for text, box in boxes.items():
        assert frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1), text
    nodes = np.concatenate(
        [
            c.get_offset_transform().transform(c.get_offsets())
            for c in ax.collections
            if isinstance(c, PathCollection)
        ]
    )
    assert len(nodes) == 2 * len(ax.get_lines())  # a start and an end per route
    for text, box in boxes.items():
        inside = [box.contains(x, y) for x, y in nodes]
        assert not any(inside), text


def test_the_legend_is_under_the_map_clear_of_the_title(fig: Figure) -> None:
    renderer = rendered(fig).canvas.get_renderer()  # type: ignore[attr-defined]
    (ax,) = fig.axes
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    title = ax.title.get_window_extent(renderer)
    assert not box.overlaps(title)
    assert box.y1 < ax.get_window_extent(renderer).y0  # under the map, lines untouched
    assert box.y1 < ax.xaxis.label.get_window_extent(renderer).y0
    inside = Bbox.from_extents(0, 0, fig.bbox.width, fig.bbox.height)
    assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)


def test_the_map_is_still_importable_from_the_run_charts(res: Result) -> None:
    assert run_charts.network_map is network_map
    assert "network_map" in run_charts.__all__
    fig = run_charts.chart(res, "network_map")
    assert (
        fig.axes[0].get_title()
        == f"{res.scenario.name}: network map, line width by gas carried over the run"
    )


def test_a_line_carrying_only_others_gas_is_drawn_as_theirs(res: Result) -> None:
    """Every buyer of a line cut off all along, the line still carrying Uzbek and Kazakh
    gas: it is drawn in the third parties' colour and says it carried none of the
    exporter's gas, not in its buyer's colour as if that buyer had taken it all."""
    flows = res.flows.copy()
    gas = flows["commodity"] == "pipeline_gas"
    on_c = gas & (flows["route"] == "cagp_c")
    flows.loc[on_c & (flows["buyer"] != "third_party"), "quantity"] = 0.0
    transit = float(flows.loc[on_c, "quantity"].sum()) / 1000
    assert transit > 1
    fig = network_map(flows, res.route_paths(), "cut", res.event_table, entries(res))
    (ax,) = fig.axes
    line = route_lines(ax, res.route_paths())["cagp_c"]
    assert to_rgb(line.get_color()) == to_rgb(color("third_party"))
    assert f"cagp_c: 0 bcm (+{transit:.0f} transit)" in labels(ax)
