"""Each shipped what-if moves its main result the right way against the scenario it extends."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pandas as pd

import gasroutes
from gasroutes import Result

ROOT = Path(__file__).resolve().parents[2]


@cache
def run(name: str) -> Result:
    return gasroutes.run(gasroutes.load_scenario(ROOT / "scenarios" / f"{name}.yaml"))


def annual(name: str, buyer: str, years: range) -> float:
    a = run(name).annual
    a = a[a["commodity"] == "pipeline_gas"]
    return float(a[(a["destination"] == buyer) & a["year"].isin(list(years))]["quantity"].sum())


def delivered(name: str, buyer: str) -> pd.Series:
    d = run(name).deliveries
    return d[d["buyer"] == buyer].set_index("date")["delivered"]


def test_historical_iran_cutoff_comes_from_the_arrears_rule() -> None:
    firings = run("historical").summary["rule_firings"]
    assert [(e["date"], e["kind"], e["target"]) for e in firings] == [
        ("2017-01-01", "cutoff", "iran")
    ]
    assert not any(
        e["kind"] == "cutoff" and e["target"] == "iran" and e["date"] >= "2016"
        for e in run("historical").events
        if e["source"] == "scenario"
    )


def test_no_iran_cutoff_delivers_more_to_iran_in_2017_2018() -> None:
    assert annual("historical", "iran", range(2017, 2019)) < 0.1
    assert annual("no-iran-cutoff", "iran", range(2017, 2019)) > 10.0
    assert run("no-iran-cutoff").summary["rule_firings"] == []


def test_russia_never_left_keeps_russia_buying() -> None:
    years = range(2016, 2025)
    assert annual("russia-never-left", "russia", years) > annual("historical", "russia", years)
    for y in years:
        assert annual("russia-never-left", "russia", range(y, y + 1)) > 9.0


def test_line_d_raises_china_only_as_far_as_production_allows() -> None:
    after = range(2030, 2036)
    gain = annual("line-d-2030", "china", after) - annual("baseline", "china", after)
    assert gain > 1.0
    assert annual("line-d-2030", "china", range(2025, 2030)) == annual(
        "baseline", "china", range(2025, 2030)
    )
    # Galkynysh phase 2 adds 10, 20 and then 30 bcm/yr from 2030 (150 bcm to 2035)
    added = (
        run("line-d-2030").summary["potential_production_bcm"]
        - run("baseline").summary["potential_production_bcm"]
    )
    assert abs(added - 150.0) < 0.5
    # China's gain comes out of the new field, what the baseline shut in, or what it sold
    # to lower-priority buyers: no more
    base = run("baseline").production
    base_after = base[base["date"] >= "2030-01-01"]
    others = sum(
        annual("baseline", b, after) - annual("line-d-2030", b, after)
        for b in ("russia", "azerbaijan", "uzbekistan")
    )
    assert gain <= added + base_after["shut_in"].sum() / 1000 + others + 1e-6


def test_russia_returns_2026_buys_from_its_date_and_nothing_before() -> None:
    d = run("russia-returns-2026").deliveries
    r = d[d["buyer"] == "russia"]
    assert (r.loc[r["date"] < "2026-01-01", "nominated"] == 0).all()
    assert (r.loc[r["date"] >= "2026-01-01", "nominated"] > 0).all()
    transit = run("russia-returns-2026").scenario.routes["cac"].transit_time_days
    first_arrival = (pd.Timestamp("2026-01-01") + pd.Timedelta(days=transit)).date().isoformat()
    assert (r.loc[r["date"] < first_arrival, "delivered"] == 0).all()
    # 5.5 bcm/yr for 10 years, less what the line cannot carry on a few days
    assert 50.0 < annual("russia-returns-2026", "russia", range(2026, 2036)) <= 55.0 + 1e-6
    assert annual("baseline", "russia", range(2025, 2036)) == 0.0


def test_china_demand_slump_cuts_china_in_2027_2029_only() -> None:
    slump = range(2027, 2030)
    assert annual("china-demand-slump", "china", slump) < 0.9 * annual("baseline", "china", slump)
    assert annual("china-demand-slump", "china", range(2031, 2036)) == annual(
        "baseline", "china", range(2031, 2036)
    )


def test_tapi_delivers_to_its_buyers_from_2032() -> None:
    for buyer in ("afghanistan", "pakistan", "india"):
        assert annual("tapi-2032", buyer, range(2025, 2032)) == 0.0
        assert annual("tapi-2032", buyer, range(2033, 2036)) > 0.0


def test_trans_caspian_sells_to_europe_from_2033() -> None:
    assert annual("trans-caspian-2033", "europe", range(2025, 2033)) == 0.0
    assert annual("trans-caspian-2033", "europe", range(2033, 2036)) > 0.0
    # behind China in priority: China loses nothing
    assert annual("trans-caspian-2033", "china", range(2025, 2036)) == annual(
        "baseline", "china", range(2025, 2036)
    )


def test_cagp_winter_outage_cuts_line_c_every_january() -> None:
    f = run("cagp-winter-outage").flows
    c = f[(f["route"] == "cagp_c") & (f["buyer"] == "china")].set_index("date")
    for year in range(2025, 2036):
        window = c.loc[f"{year}-01-10" : f"{year}-01-19"]
        assert len(window) == 10 and (window["quantity"] == 0).all()
        assert (window["capacity"] == 0).all()
    assert annual("cagp-winter-outage", "china", range(2025, 2036)) < annual(
        "baseline", "china", range(2025, 2036)
    )


def test_readme_scenario_table_is_current() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "scenario_table.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
