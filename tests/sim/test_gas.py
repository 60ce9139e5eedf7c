"""The pipeline gas model: the supply network, the dispatch against a linear program,
seasonal deliverability, offtake from a buyer's need, and the warnings about contracts
whose swing does not fit their pipes."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from gasroutes import load_scenario, run, scenario_from_dict
from gasroutes.scenario.graph import ANY_FIELD, SupplyGraph
from gasroutes.sim.consistency import scenario_warnings
from gasroutes.sim.days import Calendar
from gasroutes.sim.gas.dispatch import allocate
from gasroutes.sim.gas.inputs import build_inputs
from gasroutes.sim.timeline import build_timeline

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

NETWORK: dict[str, Any] = {
    "name": "net",
    "start": "2021-01-01",
    "end": "2021-12-31",
    "settings": {"initial_linepack": "empty"},
    "fields": {
        "east": {"capacity_bcm_per_year": 10.0},
        "west": {"capacity_bcm_per_year": 6.0},
        "far": {"capacity_bcm_per_year": 4.0},
    },
    "hubs": {"head": {}, "grid": {}},
    "connections": {
        "east_head": {"source": "east", "target": "head", "capacity_bcm_per_year": 8.0},
        "east_grid": {"source": "east", "target": "grid", "capacity_bcm_per_year": 5.0},
        "west_grid": {"source": "west", "target": "grid", "capacity_bcm_per_year": 9.0},
        "grid_head": {"source": "grid", "target": "head", "capacity_bcm_per_year": 3.0},
    },
    "domestic": {"demand_bcm_per_year": 2.0, "nodes": {"grid": 1.0}},
    "routes": {
        "export_a": {"capacity_bcm_per_year": 12.0, "entry": "head", "transit_time_days": 0},
        "export_b": {"capacity_bcm_per_year": 9.0, "entry": "grid", "transit_time_days": 0},
        "export_c": {"capacity_bcm_per_year": 9.0, "entry": "far", "transit_time_days": 0},
    },
    "buyers": {
        "first": {
            "routes": ["export_a"],
            "contract": {"volume_bcm_per_year": 12.0, "price_usd_per_tcm": 200.0},
        },
        "second": {
            "routes": ["export_b", "export_c"],
            "contract": {"volume_bcm_per_year": 9.0, "price_usd_per_tcm": 150.0, "priority": 2},
        },
    },
}


def _net(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(NETWORK)
    data.update(changes)
    return data


# --------------------------------------------------------------------- the network


def test_a_route_carries_only_gas_that_can_reach_it() -> None:
    res = run(scenario_from_dict(_net()))
    s = res.summary
    per_day = 1000 / 365
    # export_a's head gets east's 8 and grid's 3 at most: 11 of first's 12
    flows = res.flows
    a = flows[flows["route"] == "export_a"]["quantity"]
    assert a.max() == pytest.approx(11 * per_day)
    # export_c takes only the far field's gas (4), though east and west have more
    c = flows[flows["route"] == "export_c"]["quantity"]
    assert c.max() == pytest.approx(4 * per_day)
    assert s["shortfall_bcm_by_buyer"]["first"] == pytest.approx(1.0, abs=1e-6)
    # the grid takes in west's 6 and what east has left after its 8 to the head (2); it
    # gives 2 to domestic use and 3 on to the head: 3 are left for export_b
    b = flows[flows["route"] == "export_b"]["quantity"]
    assert b.max() == pytest.approx(3 * per_day)
    assert s["shortfall_bcm_by_buyer"]["second"] == pytest.approx(9.0 - 3 - 4, abs=1e-6)


def test_connections_are_never_over_their_capacity() -> None:
    res = run(scenario_from_dict(_net()))
    a = res.arrays
    assert (a["connection_flow"] <= a["connection_capacity"] * (1 + 1e-12) + 1e-12).all()
    assert (a["field_produced"] <= a["field_potential"] * (1 + 1e-12) + 1e-12).all()


def test_a_connection_out_of_service_before_its_commissioning() -> None:
    data = _net()
    data["connections"]["grid_head"]["commissioned_date"] = "2021-07-01"
    res = run(scenario_from_dict(data))
    flow = res.arrays["connection_flow"][res.connection_ids.index("grid_head")]
    assert flow[:181].max() == 0 and flow[181:].min() > 0


def test_the_pool_model_when_there_is_no_network(small: dict[str, Any]) -> None:
    graph = SupplyGraph.build(scenario_from_dict(small))
    assert [f for f, _ in graph.paths[ANY_FIELD]] == [0, 1]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["connections"]["east_head"].update(source="nowhere"), "unknown field or hub"),
        (lambda d: d["connections"]["east_head"].update(target="west"), "unknown hub"),
        (lambda d: d["routes"]["export_a"].update(entry="nowhere"), "unknown field or hub"),
        (lambda d: d["domestic"].update(nodes={"nowhere": 1.0}), "unknown field or hub"),
        (
            lambda d: d["connections"].update(
                back={"source": "head", "target": "grid", "capacity_bcm_per_year": 1.0}
            ),
            "cycle",
        ),
    ],
    ids=["source", "target", "entry", "domestic", "cycle"],
)
def test_a_broken_network_is_refused(change: Any, words: str) -> None:
    from gasroutes.core.errors import ScenarioError

    data = _net()
    change(data)
    with pytest.raises(ScenarioError, match=words):
        scenario_from_dict(data)


# --------------------------------------------------------------------- dispatch vs an LP


def _lexicographic_lp(graph: SupplyGraph, inputs: Any, day: int, cut: np.ndarray) -> list[float]:
    """What each sink gets on ``day`` when each maximises its take in priority order (a
    linear program per sink over the flows along every path), the reference the greedy
    dispatch is checked against."""
    sinks: list[tuple[int, float, int | None]] = []  # node, need, route
    for node, share in inputs.domestic_nodes:
        sinks.append((node, inputs.domestic_demand[day] * share, None))
    for b in inputs.order:
        need = 0.0 if cut[b, day] else inputs.nominated[b, day]
        for r in inputs.buyer_routes[b]:
            sinks.append((inputs.route_entry[r], need, r))
    # variables: one per (sink, path)
    var = [(k, f, conns) for k, (node, _, _) in enumerate(sinks) for f, conns in graph.paths[node]]
    n = len(var)
    rows, bounds_ub = [], []

    def row(pick: Any) -> list[float]:
        return [1.0 if pick(v) else 0.0 for v in var]

    for f in range(len(graph.field_ids)):
        rows.append(row(lambda v, f=f: v[1] == f))
        bounds_ub.append(inputs.field_potential[f, day])
    for c in range(len(graph.conn_ids)):
        rows.append(row(lambda v, c=c: c in v[2]))
        bounds_ub.append(inputs.conn_capacity[c, day])
    for r in range(len(inputs.route_entry)):
        rows.append(row(lambda v, r=r: sinks[v[0]][2] == r))
        bounds_ub.append(inputs.route_free[r, day])
    # a buyer's need is shared by its routes' sinks
    buyers_sinks: dict[int, list[int]] = {}
    k = len(inputs.domestic_nodes)
    for b in inputs.order:
        buyers_sinks[b] = list(range(k, k + len(inputs.buyer_routes[b])))
        k += len(inputs.buyer_routes[b])
    for ks in buyers_sinks.values():
        rows.append(row(lambda v, ks=ks: v[0] in ks))
        bounds_ub.append(sinks[ks[0]][1])
    for k, (_, need, _) in enumerate(sinks):
        rows.append(row(lambda v, k=k: v[0] == k))
        bounds_ub.append(need)
    got: list[float] = []
    fixed_rows: list[list[float]] = []
    fixed_lo: list[float] = []
    for k in range(len(sinks)):
        c = -np.array(row(lambda v, k=k: v[0] == k))
        a_ub = np.array(rows + [[-x for x in r] for r in fixed_rows])
        b_ub = np.array(bounds_ub + [-lo for lo in fixed_lo])
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * n, method="highs")
        assert res.status == 0
        best = -float(res.fun)
        got.append(best)
        fixed_rows.append(row(lambda v, k=k: v[0] == k))
        fixed_lo.append(best - 1e-9 * max(1.0, best))
    return got


def _sink_totals(inputs: Any, d: Any, graph: SupplyGraph) -> list[float]:
    out = [float(x) for x in np.atleast_1d(d.domestic)[:1]]  # all domestic at one node here
    pair = {p: k for k, p in enumerate(inputs.pairs)}
    for b in inputs.order:
        for r in inputs.buyer_routes[b]:
            out.append(float(d.sends[pair[r, b], 0]))
    return out


@pytest.mark.parametrize("seed", range(30))
def test_the_dispatch_is_the_lexicographic_maximum_on_the_shipped_network(seed: int) -> None:
    """Random days on the Turkmen network (random field deliverability, connection and
    route capacities, nominations): the greedy dispatch gives each sink, in priority order,
    as much as a linear program that maximises it given the ones before."""
    rng = np.random.default_rng(seed)
    s = load_scenario(SCENARIOS / "baseline.yaml")
    data = s.model_dump(mode="python", exclude_none=True)
    data["end"] = data["start"]
    data["uncertainty"] = {}
    data["events"] = []
    for f in data["fields"].values():
        f["capacity_bcm_per_year"] = float(rng.uniform(0, 40))
    for c in data["connections"].values():
        c["capacity_bcm_per_year"] = float(rng.uniform(0, 30))
    for r in data["routes"].values():
        r["capacity_bcm_per_year"] = float(rng.uniform(0.1, 40))
        r["third_party_bcm_per_year"] = 0.0
    for b in data["buyers"].values():
        b["contract"]["volume_bcm_per_year"] = float(rng.uniform(0, 40))
        b["contract"].pop("offtake", None)
        b["contract"].pop("start_date", None)
    data["domestic"]["demand_bcm_per_year"] = float(rng.uniform(0, 40))
    data["domestic"]["nodes"] = {"mary": 1.0}
    scenario = scenario_from_dict(data)
    cal = Calendar.build(scenario.start, scenario.end)
    graph = SupplyGraph.build(scenario)
    none = [None] * len(scenario.buyers)
    inputs = build_inputs(scenario, cal, graph, build_timeline(scenario, cal), none, none)
    cut = np.zeros((len(scenario.buyers), 1), dtype=bool)
    greedy = _sink_totals(inputs, allocate(inputs, graph, cut, 0, 1), graph)
    exact = _lexicographic_lp(graph, inputs, 0, cut)
    assert greedy == pytest.approx(exact, rel=1e-7, abs=1e-6)  # the LP's own tolerance


# --------------------------------------------------------------------- deliverability


def test_a_field_delivers_more_in_winter_within_its_annual_capacity() -> None:
    profile = [1.2, 1.1, 1.0, 1.0, 0.9, 0.8, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2]
    data = _net()
    data["fields"]["east"]["monthly_profile"] = profile
    res = run(scenario_from_dict(data))
    potential = res.arrays["field_potential"][res.field_ids.index("east")]
    assert potential.sum() == pytest.approx(10.0 * 1000)  # a whole year: the annual capacity
    jan, jul = potential[0], potential[190]
    assert jan / jul == pytest.approx(1.2 / 0.8)


# --------------------------------------------------------------------- offtake


def test_nominations_follow_the_need_within_the_contract() -> None:
    data = _net()
    data["routes"]["export_a"]["capacity_bcm_per_year"] = 40.0
    data["buyers"]["first"]["contract"].update(
        volume_bcm_per_year=10.0,
        monthly_profile=[1.2, 1.2, 1, 1, 1, 0.8, 0.8, 0.8, 1, 1, 1, 1],
        offtake={
            "need_bcm_per_year": {
                "trend": {"start_date": "2021-01-01", "level": 6.0, "per_year": 6.0}
            },
            "shared_bcm_per_year": {"2021-10-01": 3.0},
            "take_or_pay": 0.5,
        },
    )
    res = run(scenario_from_dict(data))
    d = res.deliveries
    nominated = d[d["buyer"] == "first"]["nominated"].to_numpy()
    per_day = 1000 / 365
    days = np.arange(365)
    profile = np.where(days < 59, 1.2, 1.0)  # Jan-Feb
    profile = np.where((days >= 151) & (days < 243), 0.8, profile)  # Jun-Aug
    norm = 365 / (
        31 * 1.2 + 28 * 1.2 + 31 + 30 + 31 + 30 * 0.8 + 31 * 0.8 + 31 * 0.8 + 30 + 31 + 30 + 31
    )
    need = (6.0 + 6.0 * days / 365.25) * profile * norm
    shared = np.where(days >= 273, 3.0, 0.0)
    expected = np.clip(need - shared, 5.0, 10.0) * per_day
    assert nominated == pytest.approx(expected, rel=1e-9)
    assert nominated.max() == pytest.approx(10.0 * per_day)  # the contract caps the peak


def test_a_demand_factor_scales_the_offtake_nominations() -> None:
    data = _net()
    data["buyers"]["first"]["contract"].update(
        volume_bcm_per_year=10.0, offtake={"need_bcm_per_year": 8.0}
    )
    data["events"] = [{"date": "2021-06-01", "kind": "demand", "buyer": "first", "factor": 0.5}]
    res = run(scenario_from_dict(data))
    d = res.deliveries
    nominated = d[d["buyer"] == "first"]["nominated"].to_numpy()
    assert nominated[0] == pytest.approx(8 * 1000 / 365)
    assert nominated[-1] == pytest.approx(4 * 1000 / 365)


# --------------------------------------------------------------------- warnings


def test_a_swing_that_does_not_fit_the_pipe_is_warned_about() -> None:
    data = _net()
    data["routes"]["export_a"]["capacity_bcm_per_year"] = 12.0
    data["buyers"]["first"]["contract"]["monthly_profile"] = [1.3] * 2 + [0.9] * 10
    warnings = scenario_warnings(scenario_from_dict(data))
    [text] = [w for w in warnings if w.startswith("buyers.first")]
    assert "export_a" in text and "2021-01" in text and "2021-02" in text
    assert "mcm/d" in text


@pytest.mark.parametrize(
    ("edit", "starts", "says"),
    [
        (
            ("routes", "export_a", "capacity_bcm_per_year", 4000.0),
            "routes.export_a",
            "4,000.0 bcm/yr",
        ),
        (("fields", None, "capacity_bcm_per_year", 9000.0), "fields.", "9,"),
        (("buyers", "first", "price_usd_per_tcm", 0.2), "buyers.first", "0.20 USD/tcm"),
        (("buyers", "first", "price_usd_per_tcm", 14_000.0), "buyers.first", "14,000.00 USD/tcm"),
    ],
    ids=["route capacity", "field capacity", "price per m3", "price per mcm"],
)
def test_a_magnitude_far_outside_the_usual_range_is_warned_about(
    edit: tuple[str, str | None, str, float], starts: str, says: str
) -> None:
    data = _net()
    section, name, key, value = edit
    if section == "buyers":
        data["buyers"][name]["contract"][key] = value
    else:
        target = name or next(iter(data[section]))
        data[section][target][key] = value
    found = [w for w in scenario_warnings(scenario_from_dict(data)) if "usual range" in w]
    assert len(found) == 1 and found[0].startswith(starts) and says in found[0], found
    assert "is it in" in found[0]
    assert not [w for w in scenario_warnings(scenario_from_dict(_net())) if "usual" in w]


def test_the_baseline_has_no_consistency_warning() -> None:
    assert scenario_warnings(load_scenario(SCENARIOS / "baseline.yaml")) == []


# --------------------------------------------------------------------- the shipped baseline


def test_the_baseline_starves_no_buyer_without_a_reason() -> None:
    """No buyer-month under half its nomination unless a cutoff or an outage of a week or
    more on one of its routes explains it; China short at most 2% over 2025-2035."""
    from gasroutes.results.diagnostics import shortfall_months

    res = run(load_scenario(SCENARIOS / "baseline.yaml"), lpg=False)
    months = shortfall_months(res)
    assert (months["explained_by"] != "").all(), months[months["explained_by"] == ""]
    s = res.summary
    china = s["shortfall_bcm_by_buyer"]["china"] / s["nominated_bcm_by_buyer"]["china"]
    assert china <= 0.02


def test_the_gas_tables_do_not_depend_on_the_lpg_chain() -> None:
    s = load_scenario(SCENARIOS / "afghan-border-closure.yaml")
    with_chain, without = run(s), run(s, lpg=False)
    gas = with_chain.annual[with_chain.annual["commodity"] == "pipeline_gas"]
    assert gas.reset_index(drop=True).equals(without.annual)
    assert (
        with_chain.summary["exports_bcm_by_destination"]
        == without.summary["exports_bcm_by_destination"]
    )


def test_tapi_is_fed_by_its_own_development_first() -> None:
    res = run(load_scenario(SCENARIOS / "tapi-2032.yaml"), lpg=False)
    a = res.arrays["route_field"]
    r = res.route_ids.index("tapi")
    nf = len(res.field_ids)
    by_field = {f: float(a[r * nf + i].sum()) for i, f in enumerate(res.field_ids)}
    assert by_field["galkynysh_tapi"] > 0.8 * sum(by_field.values())
    assert set(k for k, v in by_field.items() if v > 0) <= {"galkynysh_tapi", "galkynysh"}


def test_dates_of_the_shipped_network_are_inside_its_facts() -> None:
    s = load_scenario(SCENARIOS / "turkmenistan.yaml")
    assert s.connections["east_west"].commissioned_date == dt.date(2015, 12, 23)
    assert s.connections["east_west"].capacity_bcm_per_year == 30.0


def test_a_request_met_to_the_last_bit_sends_nothing_negative_on_the_next_route() -> None:
    """Three fields that together just meet the first route's share: their sum overshoots
    the request by a rounding error, which must not become a negative send on the second
    route (found by the invariant test: -7.1e-15 mcm on r2)."""
    data: dict[str, Any] = {
        "name": "ulp",
        "start": "2024-01-01",
        "end": "2024-01-05",
        "fields": {
            "f1": {"capacity_bcm_per_year": 1.0},
            "f2": {"capacity_bcm_per_year": 1.0},
            "f3": {"capacity_bcm_per_year": 13.0},
        },
        "routes": {
            "r1": {"capacity_bcm_per_year": 14.0, "transit_time_days": 0},
            "r2": {"capacity_bcm_per_year": 1.0, "transit_time_days": 0},
        },
        "buyers": {
            "b1": {
                "routes": ["r1", "r2"],
                "contract": {"volume_bcm_per_year": 14.0, "price_usd_per_tcm": 0.0},
            }
        },
    }
    result = run(scenario_from_dict(data))
    sent = result.arrays["pair_sent"]
    assert (sent >= 0).all(), sent
    assert (result.flows["quantity"] >= 0).all()
    np.testing.assert_allclose(sent.sum(axis=0), 14_000 / 366)
