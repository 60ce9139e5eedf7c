"""Every shipped scenario file validates and runs (briefly) with mass conserved.

New files under ``scenarios/`` are picked up automatically; sweep files
(``scenarios/sweeps/``) and calibration files (``scenarios/calibration/``) are not
scenarios and are left out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gasroutes import load_scenario, run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MAX_DAYS = 400  # runs are cut to at most this many days after `start`, to stay fast

FILES = sorted(
    p
    for p in SCENARIOS.rglob("*.yaml")
    if p.relative_to(SCENARIOS).parts[0] not in ("sweeps", "calibration")
)


def test_scenarios_are_found() -> None:
    assert len(FILES) >= 2, f"expected the shipped scenarios under {SCENARIOS}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_scenario_validates_and_runs(path: Path) -> None:
    scenario = load_scenario(path)
    end = min(scenario.end, scenario.start + dt.timedelta(days=MAX_DAYS))
    result = run(scenario.model_copy(update={"end": end}))
    assert result.dates[0] == scenario.start.isoformat()
    assert result.dates[-1] == end.isoformat()
    assert result.summary["conservation_error"] <= 1e-9
    assert result.summary["exports_bcm_total"] >= 0
