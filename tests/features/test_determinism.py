"""The same scenario and seed give byte-identical tables; a seed override is recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gasroutes import Scenario, load_scenario, run, scenario_from_dict
from gasroutes.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TABLES = ("flows.csv", "deliveries.csv", "annual.csv")
# everything but manifest.json, which records wall-clock times
STABLE = (*TABLES, "money.csv", "production.csv", "events.csv", "summary.json")


def _busy(small: dict[str, Any]) -> Scenario:
    """The small scenario with something of every kind happening, over a year boundary."""
    small.update(start="2020-12-20", end="2021-01-20")
    small["settings"] = {"in_transit_on_cutoff": "lose", "initial_linepack": "steady"}
    small["routes"]["west"]["third_party_bcm_per_year"] = {"2021-01-05": 1.0}
    small["events"] = [
        {"date": "2020-12-24", "kind": "cutoff", "buyer": "alpha", "reason": "dispute"},
        {"date": "2020-12-28", "kind": "resume", "buyer": "alpha"},
        {"date": "2021-01-02", "kind": "outage", "route": "east", "until": "2021-01-04"},
        {"date": "2021-01-10", "kind": "demand", "buyer": "beta", "factor": 0.5},
        {"date": "2021-01-12", "kind": "payment", "buyer": "alpha", "amount_usd": 1e6},
    ]
    small["rules"] = [{"kind": "cutoff_on_arrears", "buyer": "alpha", "above_usd": 2e6}]
    return scenario_from_dict(small)


def _two_runs(scenario: Scenario, tmp_path: Path, seed: int | None = None) -> tuple[Path, Path]:
    first = run(scenario, seed=seed).write(tmp_path / "first")
    second = run(scenario, seed=seed).write(tmp_path / "second")
    return first, second


def test_same_scenario_and_seed_give_identical_files(small: dict[str, Any], tmp_path: Path) -> None:
    first, second = _two_runs(_busy(small), tmp_path)
    for name in STABLE:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # the tables are not trivially empty
    assert len((first / "flows.csv").read_text().splitlines()) > 1
    assert "2021" in (first / "annual.csv").read_text()


def test_shipped_scenario_is_reproducible(tmp_path: Path) -> None:
    s = load_scenario(SCENARIOS / "baseline.yaml")
    s = s.model_copy(update={"end": min(s.end, s.start + dt.timedelta(days=400))})
    first, second = _two_runs(s, tmp_path, seed=11)
    for name in TABLES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    m1, m2 = (json.loads((f / "manifest.json").read_text()) for f in (first, second))
    assert m1["scenario_sha256"] == m2["scenario_sha256"]
    assert m1["seed"] == m2["seed"] == 11


def test_seed_override_is_recorded_by_the_api(small: dict[str, Any], tmp_path: Path) -> None:
    small["seed"] = 3
    scenario = scenario_from_dict(small)
    assert run(scenario).summary["seed"] == 3
    res = run(scenario, seed=42)
    assert res.seed == 42
    assert res.summary["seed"] == 42
    folder = res.write(tmp_path / "out")
    assert json.loads((folder / "summary.json").read_text())["seed"] == 42
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 42
    # the resolved scenario re-runs the same thing, so it carries the seed that was used
    assert yaml.safe_load((folder / "scenario.resolved.yaml").read_text())["seed"] == 42
    assert scenario.seed == 3  # the caller's scenario is not changed


@pytest.mark.parametrize("seed", ["0", "42"])
def test_seed_override_is_recorded_by_the_cli(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path, seed: str
) -> None:
    small["seed"] = 7
    path = write_yaml(small)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-charts", "--seed", seed]) == 0
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    assert summary["seed"] == manifest["seed"] == resolved["seed"] == int(seed)
