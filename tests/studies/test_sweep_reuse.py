"""A sweep worker reuses the LPG chain's records across points that leave the chain's inputs
alone (gasroutes.results.run.LpgCache): each point's KPIs and annual rows must still equal
a plain run of the same point, exactly, with random outages, noise and rail delays on."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gasroutes.results.run import LpgCache, run
from gasroutes.scenario.loading import load_scenario, scenario_from_dict
from gasroutes.scenario.paths import set_path
from gasroutes.studies import sweep
from gasroutes.studies.sweep import kpi, run_task, tasks_of
from gasroutes.studies.sweep_spec import load_sweep

ROOT = Path(__file__).resolve().parents[2]
PRICE = "buyers.china.contract.price_usd_per_tcm"
TRUCKS = "lpg.fleets.torghundi_tankers.trucks"
RAIL = "rail_serhetabat_torghundi"
DELAY = "{extra_days: {distribution: exponential, mean: 0.5}}"
KPIS = (
    "exports_bcm_total",
    "revenue_usd_total",
    "lpg_delivered_kt",
    "lpg_unmet_demand_kt",
    "lpg_delivered_kt_by_depot.kabul",
    "annual.afghanistan.2025",
    "annual.china.2025",
)


def _sweep(tmp_path: Path, parameters: list[dict[str, Any]], replications: int) -> Path:
    """A sweep of the baseline cut to 2025 (its randomness kept, random rail delays added)."""
    base = tmp_path / "short.yaml"
    base.write_text(
        f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: short\nend: 2025-12-31\n"
        f"uncertainty: {{delays: {{{RAIL}: {DELAY}}}}}\n"
    )
    path = tmp_path / "sweep.yaml"
    spec = {
        "name": "reuse",
        "base": "short.yaml",
        "design": "grid",
        "replications": replications,
        "seed": 11,
        "parameters": parameters,
        "kpis": list(KPIS),
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _plain(base: dict[str, Any], values: dict[str, Any], seed: int) -> dict[str, Any]:
    """A plain run of one point (no cache), as ``gasroutes run`` would make it."""
    data = copy.deepcopy(base)
    for p, v in values.items():
        set_path(data, p, v)
    data["seed"] = seed
    result = run(scenario_from_dict(data, file="plain"))
    return {
        "kpis": {k: kpi(result.summary, result.annual, k) for k in KPIS},
        "annual": result.annual.to_dict("records"),
    }


@pytest.mark.parametrize("replications", [1, 2])
def test_sweep_points_equal_plain_runs_while_the_chain_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replications: int
) -> None:
    path = _sweep(
        tmp_path,
        [{"path": PRICE, "values": [150.0, 250.0]}, {"path": TRUCKS, "values": [50, 20]}],
        replications,
    )
    spec, base, _ = load_sweep(path)
    assert base["uncertainty"]["outages"] and base["uncertainty"]["delays"]
    cache = LpgCache()
    monkeypatch.setattr(sweep, "lpg_cache", lambda: cache)
    tasks = sorted(tasks_of(spec, base, None), key=lambda t: (t.replication, t.point))
    rows = [run_task(t) for t in tasks]
    assert all(r["status"] == "ok" for r in rows), [r["error"] for r in rows]
    # 2 prices x 2 fleets: each fleet size's chain is run once per seed, reused once
    assert cache.hits == 2 * replications
    for task, row in zip(tasks, rows, strict=True):
        assert row == {**row, **_plain(base, task.values, task.seed)}, task.run_id
    by_point = {(r["point"], r["replication"]): r["kpis"] for r in rows}
    # the key tells the fleet sizes apart: fewer trucks, less LPG delivered
    assert by_point[(1, 0)]["lpg_delivered_kt"] < by_point[(0, 0)]["lpg_delivered_kt"]
    # and the price moves revenue only
    assert by_point[(2, 0)]["revenue_usd_total"] != by_point[(0, 0)]["revenue_usd_total"]
    assert by_point[(2, 0)]["lpg_delivered_kt"] == by_point[(0, 0)]["lpg_delivered_kt"]
    if replications == 2:
        assert by_point[(0, 1)]["exports_bcm_total"] != by_point[(0, 0)]["exports_bcm_total"]


def test_the_key_covers_every_input_of_the_chain(tmp_path: Path) -> None:
    """Changes to the chain's data, dates, dated LPG events, delays or seed each give a
    new key; a change to the pipeline gas alone does not."""
    from gasroutes.sim.run import lpg_key, prepare

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml").model_dump(mode="json")
    base["end"] = "2025-06-30"

    def key(**edits: Any) -> str | None:
        data = copy.deepcopy(base)
        for p, v in edits.items():
            set_path(data, p.replace("__", "."), v)
        s = scenario_from_dict(data, file="key")
        _, timeline, _ = prepare(s)
        return lpg_key(s, timeline)

    ref = key()
    assert ref is not None
    assert key(buyers__china__contract__price_usd_per_tcm=123.0) == ref
    assert key(routes__cagp_a__capacity_bcm_per_year=5.0) == ref
    assert key(lpg__fleets__torghundi_tankers__trucks=7) != ref
    assert key(end="2025-05-31") != ref
    assert key(seed=99) != ref
    events = [
        *base["events"],
        {"date": "2025-03-01", "kind": "outage", "route": RAIL, "until": "2025-03-09"},
    ]
    assert key(events=events) != ref
    delay = {"extra_days": {"distribution": "exponential", "mean": 0.5}}
    assert key(uncertainty__delays={RAIL: delay}) != ref
