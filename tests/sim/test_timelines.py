"""Hand-worked timelines on the small scenario (see tests/conftest.py).

The numbers: 2020 is a leap year, so 1 bcm/yr is 1000/366 mcm/d. Potential production is
(3.66 + 1.83) * 1000/366 = 15 mcm/d; domestic use 1; alpha nominates 10 and its route
`east` takes 6 (transit 2 days); beta nominates 20 and `west` takes 10 (transit 0).
Alpha (priority 1) gets 6, beta the remaining 8. While alpha is cut off (4-6 Jan) beta
gets 10 and 4 mcm/d are shut in.
"""

from __future__ import annotations

from typing import Any

import pytest

from gasroutes import run, scenario_from_dict


def _by_buyer(result: Any, column: str, buyer: str) -> list[float]:
    d = result.deliveries
    return [round(x, 9) for x in d.loc[d["buyer"] == buyer, column]]


def test_hand_worked_deliveries(small: dict[str, Any]) -> None:
    res = run(scenario_from_dict(small))
    assert _by_buyer(res, "nominated", "alpha") == [10.0] * 10
    # sent 6,6,6,0,0,0,6,6,6,6; arrives two days later; pipes start empty
    assert _by_buyer(res, "delivered", "alpha") == [0, 0, 6, 6, 6, 0, 0, 0, 6, 6]
    # cut off 4-6 Jan: its nominations are refused, not short
    assert _by_buyer(res, "shortfall", "alpha") == [4, 4, 4, 0, 0, 0, 4, 4, 4, 4]
    assert res.summary["refused_while_cut_off_bcm_by_buyer"]["alpha"] == pytest.approx(0.030)
    assert res.summary["shortfall_bcm_by_buyer"]["alpha"] == pytest.approx(0.028)
    assert _by_buyer(res, "delivered", "beta") == [8, 8, 8, 10, 10, 10, 8, 8, 8, 8]
    assert _by_buyer(res, "shortfall", "beta") == [12, 12, 12, 10, 10, 10, 12, 12, 12, 12]
    prod = res.production
    assert [round(x, 9) for x in prod["shut_in"]] == [0, 0, 0, 4, 4, 4, 0, 0, 0, 0]
    assert [round(x, 9) for x in prod["domestic"]] == [1.0] * 10
    assert res.summary["in_transit_end_bcm"] == pytest.approx(0.012)
    assert res.summary["cutoff_days_by_buyer"] == {"alpha": 3, "beta": 0}


def test_hand_worked_money(small: dict[str, Any]) -> None:
    res = run(scenario_from_dict(small))
    m = res.money[res.money["buyer"] == "alpha"]
    # each 6 mcm delivery is 6000 tcm * 100 USD = 600k; half is paid the next day
    assert list(m["invoiced_usd"]) == [0, 0, 6e5, 6e5, 6e5, 0, 0, 0, 6e5, 6e5]
    assert list(m["paid_usd"]) == [0, 0, 0, 3e5, 3e5, 3e5, 0, 0, 0, 3e5]
    assert list(m["arrears_usd"]) == [0, 0, 0, 3e5, 6e5, 9e5, 9e5, 9e5, 9e5, 1.2e6]


def test_event_timeline_is_logged(small: dict[str, Any]) -> None:
    res = run(scenario_from_dict(small))
    assert [(e["date"], e["kind"], e["target"], e["source"]) for e in res.events] == [
        ("2020-01-04", "cutoff", "alpha", "scenario"),
        ("2020-01-07", "resume", "alpha", "scenario"),
    ]
    table = res.event_table
    assert list(table["end_date"]) == ["2020-01-06", ""]


def test_gas_in_transit_is_lost_when_configured(small: dict[str, Any]) -> None:
    small["settings"]["in_transit_on_cutoff"] = "lose"
    res = run(scenario_from_dict(small))
    # on 4 Jan the pipe holds what left on 2 and 3 Jan: 12 mcm, lost
    assert _by_buyer(res, "delivered", "alpha") == [0, 0, 6, 0, 0, 0, 0, 0, 6, 6]
    assert res.summary["lost_in_transit_bcm"] == pytest.approx(0.012)


def test_arrears_rules_cut_off_and_resume(small: dict[str, Any]) -> None:
    small["events"] = [
        {"date": "2020-01-08", "kind": "payment", "buyer": "alpha", "amount_usd": 1_000_000},
    ]
    small["rules"] = [
        {"kind": "cutoff_on_arrears", "buyer": "alpha", "above_usd": 500_000},
        {"kind": "resume_on_arrears", "buyer": "alpha", "below_usd": 250_000},
    ]
    res = run(scenario_from_dict(small))
    fired = [(e["date"], e["kind"]) for e in res.summary["rule_firings"]]
    # arrears: 300k on 4 Jan, 600k on 5 Jan -> cut off that day; deliveries already in
    # the pipe keep arriving (5, 6 Jan) and are invoiced: arrears 1.2M by 7 Jan; the 1M
    # payment on 8 Jan brings them to 200k -> resumed the same day
    assert fired == [("2020-01-05", "cutoff"), ("2020-01-08", "resume")]
    f = res.flows
    sent = [round(x, 9) for x in f.loc[f["buyer"] == "alpha", "quantity"]]
    assert sent == [6, 6, 6, 6, 0, 0, 0, 6, 6, 6]


def test_steady_linepack_starts_pipes_full(small: dict[str, Any]) -> None:
    small["settings"]["initial_linepack"] = "steady"
    small["events"] = []
    res = run(scenario_from_dict(small))
    assert _by_buyer(res, "delivered", "alpha") == [6.0] * 10
    assert res.summary["in_transit_start_bcm"] == pytest.approx(0.012)


def test_outage_until_is_inclusive(small: dict[str, Any]) -> None:
    small["events"] = [
        {"date": "2020-01-03", "kind": "outage", "route": "west", "until": "2020-01-04"},
    ]
    res = run(scenario_from_dict(small))
    assert _by_buyer(res, "delivered", "beta") == [8, 8, 0, 0, 8, 8, 8, 8, 8, 8]
    f = res.flows
    caps = [round(x, 9) for x in f.loc[f["route"] == "west", "capacity"]]
    assert caps == [10, 10, 0, 0, 10, 10, 10, 10, 10, 10]


def test_set_demand_price_and_capacity_events(small: dict[str, Any]) -> None:
    small["events"] = [
        {"date": "2020-01-02", "kind": "demand", "buyer": "beta", "factor": 0.5},
        {"date": "2020-01-03", "kind": "capacity", "route": "west", "capacity_bcm_per_year": 1.83},
        {
            "date": "2020-01-05",
            "kind": "set",
            "path": "buyers.beta.contract.price_usd_per_tcm",
            "value": 300,
        },
    ]
    res = run(scenario_from_dict(small))
    # beta nominates 20 then 10; west carries 8 (supply), then 5 (capacity 1.83 bcm/yr)
    assert _by_buyer(res, "nominated", "beta") == [20] + [10] * 9
    assert _by_buyer(res, "delivered", "beta") == [8, 8] + [5] * 8
    m = res.money[res.money["buyer"] == "beta"]
    assert list(m["invoiced_usd"]) == [1.6e6, 1.6e6, 1e6, 1e6] + [1.5e6] * 6


def test_conservation_error_is_reported(small: dict[str, Any]) -> None:
    res = run(scenario_from_dict(small))
    assert 0 <= res.summary["conservation_error"] <= 1e-9


def test_broken_balance_is_caught(small: dict[str, Any]) -> None:
    from gasroutes.core.errors import ConservationError

    res = run(scenario_from_dict(small))
    res.arrays["pair_arrived"][0, 5] += 1e-3  # a gram of gas out of nowhere
    with pytest.raises(ConservationError, match=r"2020-01-06 at node 'route:east'"):
        res.check_conservation()


def test_delay_zero_is_paid_on_the_day_of_delivery(small: dict[str, Any]) -> None:
    small["buyers"]["alpha"]["payment"] = {"share_paid": 1.0, "delay_days": 0}
    res = run(scenario_from_dict(small))
    m = res.money[res.money["buyer"] == "alpha"]
    assert list(m["paid_usd"]) == list(m["invoiced_usd"])


def test_overlapping_outages_are_paired_first_in_first_out(small: dict[str, Any]) -> None:
    small["events"] = [
        {"date": "2020-01-02", "kind": "outage", "route": "west", "until": "2020-01-04"},
        {"date": "2020-01-03", "kind": "outage", "route": "west", "until": "2020-01-08"},
    ]
    table = run(scenario_from_dict(small)).event_table
    spans = table[table["kind"] == "outage"]
    assert list(zip(spans["date"], spans["end_date"], strict=True)) == [
        ("2020-01-02", "2020-01-04"),
        ("2020-01-03", "2020-01-08"),
    ]
