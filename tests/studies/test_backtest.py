"""`gasroutes backtest`: errors, unknown destinations, bad files, and the shipped calibration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import gasroutes
from gasroutes.api import backtest
from gasroutes.cli import main
from gasroutes.core.errors import DataError

ROOT = Path(__file__).resolve().parents[2]

ANNUAL = pd.DataFrame(
    {
        "year": [2020, 2020, 2021, 2021],
        "destination": ["china", "iran", "china", "iran"],
        "commodity": "pipeline_gas",
        "quantity": [30.0, 5.0, 32.0, 0.0],
        "unit": "bcm",
    }
)


@pytest.fixture
def run_dir(tmp_path: Path, small: dict[str, Any]) -> Path:
    """A run folder of buyers china and iran, 2020-2021, whose annual table is ANNUAL."""
    text = yaml.safe_dump(dict(small, end="2021-12-31", events=[]), sort_keys=False)
    text = text.replace("alpha", "china").replace("beta", "iran")
    folder = tmp_path / "run"
    run = gasroutes.run(gasroutes.scenario_from_dict(yaml.safe_load(text)))
    run.write(folder)
    ANNUAL.to_csv(folder / "annual.csv", index=False)
    return folder


def test_perfect_match_gives_zero_error(run_dir: Path, tmp_path: Path) -> None:
    obs = ANNUAL[["year", "destination", "quantity"]]
    result = backtest(run_dir, obs)
    assert (result.table["error"] == 0).all()
    s = result.summary
    assert s["weighted_mape"] == 0.0
    assert s["mape_by_destination"] == {"china": 0.0, "iran": 0.0}
    assert s["unknown_destinations"] == []


def test_errors_and_unknown_destinations(run_dir: Path, tmp_path: Path) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text(
        "year,destination,bcm,source\n2020,China,25,x\n2021,China,40,x\n"
        "2020,Kazakhstan,1,x\n2020,China [other series],99,x\n2020,TOTAL,35,x\n"
    )
    result = backtest(run_dir, obs)
    t = result.table.set_index(["destination", "year"])
    assert t.loc[("china", 2020), "error"] == 5.0
    assert t.loc[("china", 2020), "relative_error"] == pytest.approx(0.2)
    assert t.loc[("china", 2021), "relative_error"] == pytest.approx(-0.2)
    assert t.loc[("total", 2020), "simulated"] == 35.0
    assert result.summary["unknown_destinations"] == ["China [other series]", "Kazakhstan"]
    # weighted MAPE: |5| + |-8| over 25 + 40
    assert result.summary["weighted_mape"] == pytest.approx(13 / 65, abs=1e-6)


def test_cli_writes_files_and_lists_unknowns(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text("year,destination,quantity\n2020,china,30\n2020,Narnia,3\n")
    assert main(["backtest", str(run_dir), str(obs), "--out", str(tmp_path / "bt")]) == 0
    assert "Narnia" in capsys.readouterr().out
    for name in ("backtest.csv", "backtest.json", "backtest.png"):
        assert (tmp_path / "bt" / name).is_file()
    summary = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    assert summary["unknown_destinations"] == ["Narnia"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("year,where,quantity\n2020,china,1\n", "missing column.*destination"),
        ("year,destination,quantity\n2020,china,lots\n", "line 2.*'quantity'.*a finite number"),
        ("year,destination,quantity\nlast year,china,1\n", "line 2.*'year'"),
        ("", "empty file"),
    ],
)
def test_malformed_observed_file_exits_2(
    run_dir: Path, tmp_path: Path, text: str, match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text(text)
    with pytest.raises(DataError, match=match):
        backtest(run_dir, obs)
    assert main(["backtest", str(run_dir), str(obs)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(obs) in err


def test_missing_run_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text("year,destination,quantity\n2020,china,30\n")
    assert main(["backtest", str(tmp_path / "nowhere"), str(obs)]) == 2
    assert "no such run folder" in capsys.readouterr().err


def test_historical_values_are_the_calibrated_ones() -> None:
    """The scenario files carry the fit of scenarios/calibration/historical.yaml (its
    output, historical.fitted.json), not numbers by hand; and the fit saw 2018 at most."""
    from gasroutes.scenario.paths import get_path

    fitted = json.loads((ROOT / "scenarios" / "calibration" / "historical.fitted.json").read_text())
    assert fitted["fit_until"] == "2018-12-31"
    s = gasroutes.load_scenario(ROOT / "scenarios" / "historical.yaml")
    data = s.model_dump(mode="python", exclude_none=True)
    values = {**fitted["parameters"], **fitted["timing"]}
    assert len(values) == 7
    for path, p in values.items():
        assert get_path(data, path) == pytest.approx(p["value"], abs=1e-4), path
