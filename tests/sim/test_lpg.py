"""The LPG chain: a hand-worked timeline, Little's law, the two truck models, conservation
in tonnes, validation, and the Torghundi border closure."""

from __future__ import annotations

import copy
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import gasroutes
from gasroutes import ScenarioError, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]

# 1 plant (100 t/d in 2021), 1 train of 2 cars x 50 t, 1 bay (4 h per car), 2 trucks of
# 50 t (no loading time, half a day each way), 1 depot selling 100 t/d from 200 t.
TINY: dict[str, Any] = {
    "name": "tiny-chain",
    "start": "2021-01-01",
    "end": "2021-01-04",
    "fields": {"f": {"capacity_bcm_per_year": 1.0}},
    "routes": {"r": {"capacity_bcm_per_year": 1.0}},
    "buyers": {
        "b": {"routes": ["r"], "contract": {"volume_bcm_per_year": 0.0, "price_usd_per_tcm": 1.0}}
    },
    "lpg": {
        "plants": {"plant": {"output_kt_per_year": 36.5, "storage_t": 1000.0}},
        "terminals": {"border": {"bays": 1, "hours_per_car": 4.0, "storage_t": 200.0}},
        "rail_routes": {
            "rail": {
                "origins": ["plant"],
                "terminal": "border",
                "trains": 1,
                "cars_per_train": 2,
                "t_per_car": 50.0,
                "load_days": 0.1,
                "transit_days": 1.0,
                "return_days": 1.0,
            }
        },
        "fleets": {
            "trucks": {
                "terminal": "border",
                "trucks": 2,
                "t_per_truck": 50.0,
                "load_hours": 0.0,
                "legs": {"depot": {"trip_days": 0.5, "return_days": 0.5}},
            }
        },
        "depots": {"depot": {"demand_kt_per_year": 36.5, "storage_t": 400.0, "initial_t": 200.0}},
    },
}


def tiny(**changes: Any) -> gasroutes.Scenario:
    data = yaml.safe_load(yaml.safe_dump(copy.deepcopy(TINY)))
    for path, value in changes.items():
        node = data
        *head, last = path.split("__")
        for key in head:
            node = node[key]
        node[last] = value
    return scenario_from_dict(data)


H = 1 / 6  # one car: 4 hours


def test_tiny_chain_timeline_matches_the_hand_worked_schedule() -> None:
    res = gasroutes.run(tiny(), trace=True)
    assert res.trace is not None
    timeline = [(t, who, what, x) for t, who, what, x in res.trace if t < 4]
    r = round
    assert timeline == [
        # day 0: the plant puts 100 t in storage at 0.25; the train, waiting for a full
        # load, takes it at once and arrives after 0.1 d loading and 1 d transit
        (0.25, "train rail#0", "loaded", 100.0),
        (1.35, "train rail#0", "at border", 100.0),
        (1.35, "train rail#0", "in bay", 0.0),
        # each car takes 4 h; each 50 t emptied sends a truck to the depot (half a day)
        (r(1.35 + H, 9), "fleet trucks", "truck loaded for depot", 50.0),
        (r(1.35 + H, 9), "train rail#0", "car emptied", 50.0),
        (r(1.35 + 2 * H, 9), "fleet trucks", "truck loaded for depot", 50.0),
        (r(1.35 + 2 * H, 9), "train rail#0", "car emptied", 50.0),
        (r(1.85 + H, 9), "fleet trucks", "truck at depot", 50.0),
        (r(1.85 + 2 * H, 9), "fleet trucks", "truck at depot", 50.0),
        (r(2.35 + H, 9), "fleet trucks", "truck back", 0.0),
        (r(2.35 + 2 * H, 9), "fleet trucks", "truck back", 0.0),
        # the train is back a day after its last car; 200 t wait at the plant: it loads
        (r(2.35 + 2 * H, 9), "train rail#0", "back", 0.0),
        (r(2.35 + 2 * H, 9), "train rail#0", "loaded", 100.0),
        (r(3.45 + 2 * H, 9), "train rail#0", "at border", 100.0),
        (r(3.45 + 2 * H, 9), "train rail#0", "in bay", 0.0),
        (r(3.45 + 3 * H, 9), "fleet trucks", "truck loaded for depot", 50.0),
        (r(3.45 + 3 * H, 9), "train rail#0", "car emptied", 50.0),
    ]
    q = res.lpg_queues
    assert q is not None
    level = q.pivot_table(index="date", columns=["node", "metric"], values="value")
    # the depot sells 100 t at 0.75 each day: 200 -> 100 -> 0; the two truckloads of day 2
    # are sold that evening; on day 3 nothing has come: 100 t unmet
    assert list(level["depot", "storage"]) == [100, 0, 0, 0]
    assert list(level["depot", "unmet_demand"]) == [0, 0, 0, 100]
    assert list(level["plant", "storage"]) == [0, 100, 100, 200]
    assert list(level["trains", "on_board"]) == [100, 0, 100, 50]
    assert list(level["trucks", "on_board"]) == [0, 100, 0, 50]
    s = res.summary
    assert s["lpg_produced_kt"] == pytest.approx(0.4)
    assert s["lpg_delivered_kt"] == pytest.approx(0.1)
    assert s["lpg_stockout_days_by_depot"] == {"depot": 1}


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("afghan-border-closure", "2026-01-01", "2026-08-01"),
        # LPG scarce: trucks due at a depot at the instant of its daily sale (Jul 2026)
        ("afghan-lpg-demand-x2", "2025-01-01", "2026-09-30"),
    ],
)
def test_fleet_and_per_truck_models_give_identical_tables(
    tmp_path: Path, name: str, start: str, end: str
) -> None:
    scenario = gasroutes.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    short = scenario.model_copy(
        update={"start": dt.date.fromisoformat(start), "end": dt.date.fromisoformat(end)}
    )
    fleet = gasroutes.run(short, trucks="fleet")
    per_truck = gasroutes.run(short, trucks="per_truck")
    fleet.write(tmp_path / "fleet")
    per_truck.write(tmp_path / "per_truck")
    for name in ("flows.csv", "deliveries.csv", "annual.csv", "lpg_queues.csv"):
        assert (tmp_path / "fleet" / name).read_bytes() == (
            tmp_path / "per_truck" / name
        ).read_bytes(), name
    assert fleet.sim_events < per_truck.sim_events


def test_littles_law_at_each_terminal() -> None:
    """L = λW: the time-average number of trains waiting (from the queue-length integral)
    against arrivals per day times the mean wait (from each train's own wait)."""
    scenario = tiny(
        end="2021-12-31",
        lpg__rail_routes__rail__trains=4,
        lpg__terminals__border__hours_per_car=11.0,
        lpg__plants__plant__output_kt_per_year=400.0,
        lpg__plants__plant__storage_t=100000.0,
        lpg__fleets__trucks__trucks=20,
        lpg__depots__depot__demand_kt_per_year=300.0,
        lpg__depots__depot__storage_t=2000.0,
    )
    res = gasroutes.run(scenario)
    assert res.lpg is not None
    law = res.lpg.little("border")
    assert law["W"] > 0.1, "the scenario must queue for Little's law to say anything"
    # 2%: the only gap is the trains still waiting when the run ends (their wait is in L
    # but not yet in W), a few in 365 days
    assert law["L"] == pytest.approx(law["lambda"] * law["W"], rel=0.02)


def test_tonnes_balance_every_day() -> None:
    res = gasroutes.run(tiny(end="2021-03-31"))
    assert res.lpg is not None
    a = res.lpg.arrays
    inflow = np.cumsum(a["produced"].sum(axis=0))
    held = (
        a["plant_level"].sum(axis=0)
        + a["terminal_level"].sum(axis=0)
        + a["depot_level"].sum(axis=0)
        + a["on_trains"]
        + a["on_trucks"]
        + np.cumsum(a["consumed"].sum(axis=0))
    )
    assert np.allclose(inflow + 200.0, held, rtol=0, atol=1e-6)  # 200 t start in the depot
    assert res.summary["conservation_error"] <= 1e-9


def test_broken_tonne_balance_is_caught() -> None:
    from gasroutes.core.errors import ConservationError

    res = gasroutes.run(tiny(end="2021-01-31"))
    assert res.lpg is not None
    res.lpg.arrays["on_trucks"][10] += 5.0
    with pytest.raises(ConservationError, match="2021-01-11 at node 'lpg_chain'"):
        res.check_conservation()


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        (
            "lpg__rail_routes__rail__origins",
            ["nowhere"],
            r"lpg.rail_routes.rail.origins\[0\]: unknown plant \(got 'nowhere'\)",
        ),
        (
            "lpg__rail_routes__rail__terminal",
            "nowhere",
            r"lpg.rail_routes.rail.terminal: unknown terminal",
        ),
        (
            "lpg__fleets__trucks__legs",
            {"nowhere": {"trip_days": 1, "return_days": 1}},
            r"lpg.fleets.trucks.legs.nowhere: unknown depot",
        ),
        ("lpg__terminals__border__bays", 0, r"lpg.terminals.border.bays: .*a number >= 1"),
        (
            "lpg__plants__plant__storage_t",
            50.0,
            r"lpg.rail_routes.rail.cars_per_train: a full train can never be loaded",
        ),
        (
            "lpg__fleets__trucks__t_per_truck",
            500.0,
            r"a truckload larger than the terminal's storage",
        ),
        ("lpg__rail_routes__rail__departure", {"policy": "schedule"}, r"every_days"),
        ("lpg__depots__depot__demand_kt_per_year", -1, r"demand_kt_per_year.*>= 0"),
        (
            "lpg__rail_routes__rail__cars_per_trian",
            3,
            r"unknown key.*did you mean 'cars_per_train'",
        ),
    ],
)
def test_invalid_chains_are_refused_with_a_clear_message(path: str, value: Any, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        tiny(**{path: value})


def test_events_on_the_chain_use_the_pipeline_vocabulary() -> None:
    data = yaml.safe_load(yaml.safe_dump(copy.deepcopy(TINY)))
    data["end"] = "2021-01-31"
    data["events"] = [
        {"date": "2021-01-05", "kind": "cutoff", "terminal": "border", "reason": "closed"},
        {"date": "2021-01-10", "kind": "resume", "terminal": "border"},
        {"date": "2021-01-12", "kind": "capacity", "fleet": "trucks", "trucks": 1},
        {"date": "2021-01-15", "kind": "demand", "depot": "depot", "factor": 0.5},
        {"date": "2021-01-20", "kind": "capacity", "terminal": "border", "bays": 2},
        {"date": "2021-01-22", "kind": "outage", "route": "rail", "until": "2021-01-25"},
    ]
    res = gasroutes.run(scenario_from_dict(data))
    d = res.deliveries
    depot = d[(d["buyer"] == "depot")].set_index("date")
    # trucks that left before the closure still arrive (half a day); then nothing
    assert (depot.loc["2021-01-06":"2021-01-09", "delivered"] == 0).all()
    assert depot.loc["2021-01-11":"2021-01-20", "delivered"].sum() > 0
    assert (depot.loc["2021-01-15":, "nominated"] == 50.0).all()
    kinds = [(e["kind"], e["target"]) for e in res.events]
    assert ("cutoff", "border") in kinds and ("outage", "rail") in kinds
    f = res.flows
    rail = f[(f["route"] == "rail")].set_index("date")
    assert (rail.loc["2021-01-22":"2021-01-25", "capacity"] == 0).all()


@cache
def closure_runs() -> tuple[gasroutes.Result, gasroutes.Result]:
    closed = gasroutes.load_scenario(ROOT / "scenarios" / "afghan-border-closure.yaml")
    base = closed.model_copy(update={"events": (), "name": "no-closure"})
    return gasroutes.run(closed), gasroutes.run(base)


START, END = "2026-03-01", "2026-04-29"


def test_border_closure_stops_torghundi_deliveries() -> None:
    closed, _ = closure_runs()
    f = closed.flows
    rail = f[f["route"] == "rail_serhetabat_torghundi"].set_index("date")
    assert (rail.loc[START:END, "quantity"] == 0).all()
    trucks = f[f["route"] == "torghundi_tankers"].groupby("date")["quantity"].sum()
    # a train already past the border finishes unloading (20 cars x 2 h, under 2 days) and
    # trucks on the road still arrive (the longest trip is 3 days); then nothing
    assert (trucks.loc["2026-03-07":END] == 0).all()
    assert trucks.loc["2026-02-01":"2026-02-28"].min() > 0


def test_border_closure_raises_plant_shut_in() -> None:
    closed, base = closure_runs()
    assert closed.summary["lpg_shut_in_kt"] > base.summary["lpg_shut_in_kt"] + 10
    q = closed.lpg_queues
    assert q is not None
    naip = q[(q["node"] == "naip") & (q["metric"] == "shut_in")].set_index("date")["value"]
    assert naip.loc[START:END].sum() > naip.loc["2026-01-01":"2026-02-28"].sum()


def test_border_closure_recovers_after_reopening() -> None:
    closed, base = closure_runs()
    q = closed.lpg_queues
    assert q is not None
    herat = q[(q["node"] == "herat") & (q["metric"] == "storage")].set_index("date")["value"]
    assert herat.loc["2026-04-20":END].max() < 1.0  # dry at the end of the closure
    assert herat.loc["2026-06-01":"2026-06-30"].min() > 100  # restocked
    d = closed.deliveries
    unmet = d[d["commodity"] == "lpg"].groupby("date")["shortfall"].sum()
    assert unmet.loc["2026-07-01":].sum() == pytest.approx(0.0, abs=1e-6)
    for res in (closed, base):
        assert res.summary["conservation_error"] <= 1e-9


def test_truck_models_agree_when_the_fleet_is_cut() -> None:
    """A capacity event that takes trucks away while they are on the road: no model lets
    more than the remaining trucks out (found in review)."""
    data = yaml.safe_load(yaml.safe_dump(copy.deepcopy(TINY)))
    data["end"] = "2021-01-12"
    lpg = data["lpg"]
    lpg["fleets"]["trucks"]["trucks"] = 4
    lpg["fleets"]["trucks"]["legs"] = {
        "depot": {"trip_days": 1.0, "return_days": 1.0},
        "far": {"trip_days": 3.0, "return_days": 3.0},
    }
    lpg["depots"]["far"] = {"demand_kt_per_year": 36.5, "storage_t": 400.0}
    lpg["terminals"]["border"]["initial_t"] = 200.0
    data["events"] = [{"date": "2021-01-03", "kind": "capacity", "fleet": "trucks", "trucks": 2}]
    scenario = scenario_from_dict(data)
    fleet = gasroutes.run(scenario, trucks="fleet")
    per_truck = gasroutes.run(scenario, trucks="per_truck")
    for table in ("flows", "deliveries", "lpg_queues"):
        assert getattr(fleet, table).equals(getattr(per_truck, table)), table


def test_capacity_on_a_rail_route_is_refused() -> None:
    data = yaml.safe_load(yaml.safe_dump(copy.deepcopy(TINY)))
    data["events"] = [
        {"date": "2021-01-02", "kind": "capacity", "route": "rail", "capacity_bcm_per_year": 1.0}
    ]
    with pytest.raises(ScenarioError, match=r"events\[0\].route: unknown pipeline route"):
        scenario_from_dict(data)


def test_a_chain_of_terminals_only_runs() -> None:
    data = yaml.safe_load(yaml.safe_dump(copy.deepcopy(TINY)))
    data["lpg"] = {"terminals": data["lpg"]["terminals"]}
    data["events"] = [{"date": "2021-01-02", "kind": "cutoff", "terminal": "border"}]
    res = gasroutes.run(scenario_from_dict(data))
    assert res.summary["conservation_error"] <= 1e-9


def test_comparison_shows_lpg_in_kt() -> None:
    from gasroutes.api import compare
    from gasroutes.charts.compare import annual_exports_compare

    base = gasroutes.run(tiny(end="2021-03-31"))
    cut = gasroutes.run(
        tiny(
            end="2021-03-31",
            events=[{"date": "2021-02-01", "kind": "cutoff", "terminal": "border"}],
        )
    )
    comparison = compare([base, cut])
    fig = annual_exports_compare(comparison.runs)
    panels = {ax.get_label(): ax for ax in fig.axes}
    values, difference = panels["values afghanistan LPG"], panels["difference afghanistan LPG"]
    assert values.get_title(loc="left") == "afghanistan LPG"
    assert values.get_ylabel() == "exports (kt/yr)"
    assert difference.get_ylabel() == "difference\n(kt/yr)"
    bars = [p.get_height() for p in difference.patches]
    expected = (
        cut.annual.query("commodity == 'lpg'")["quantity"].sum()
        - base.annual.query("commodity == 'lpg'")["quantity"].sum()
    )
    assert sum(bars) == pytest.approx(expected)
    assert expected < 0
