"""gasroutes list (the scenario files of a folder) and gasroutes diff (two resolved
scenarios, path by path)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from gasroutes import load_scenario
from gasroutes.cli import main
from gasroutes.scenario.catalog import catalog, differences

ROOT = Path(__file__).resolve().parents[2]


def test_list_names_every_shipped_scenario_with_its_horizon_and_question(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list", str(ROOT / "scenarios")]) == 0
    lines = capsys.readouterr().out.splitlines()
    files = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    assert [line.split()[0] for line in lines] == files
    line_d = next(line for line in lines if line.startswith("line-d-2030.yaml"))
    assert "2025-01-01 to 2035-12-31" in line_d and "What if CAGP Line D" in line_d


def test_a_file_that_does_not_load_is_listed_with_why(
    small: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(small))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({**small, "colour": "blue"}))
    entries = {e.file.name: e for e in catalog(tmp_path)}
    assert entries["good.yaml"].problem == "" and entries["good.yaml"].start is not None
    assert "colour" in entries["bad.yaml"].problem


def test_diff_reports_sections_values_and_events(capsys: pytest.CaptureFixture[str]) -> None:
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    line_d = load_scenario(ROOT / "scenarios" / "line-d-2030.yaml")
    found = {d.path: d for d in differences(base, line_d)}
    assert found["routes.cagp_d"].change == "added"  # a new section is one difference
    assert found["routes.cagp_d"].b["capacity_bcm_per_year"] == 30.0
    assert found["buyers.china.routes"].change == "changed"
    demand = found["events[2030-01-01 demand china]"]
    assert demand.change == "added" and demand.b["volume_bcm_per_year"] == 65.0
    assert not any(p.startswith(("name", "description")) for p in found)
    assert differences(base, base) == []
    # the other way round, what was added is removed
    back = {d.path: d.change for d in differences(line_d, base)}
    assert back["routes.cagp_d"] == "removed"
    assert (
        main(
            [
                "diff",
                str(ROOT / "scenarios/baseline.yaml"),
                str(ROOT / "scenarios/line-d-2030.yaml"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert f"{len(found)} differences" in out and "added    routes.cagp_d:" in out


def test_an_event_whose_value_changed_is_one_change(small: dict[str, Any], tmp_path: Path) -> None:
    event = {"date": "2020-01-05", "kind": "demand", "buyer": "alpha", "factor": 0.5}
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(yaml.safe_dump({**small, "name": "a", "events": [event]}))
    b.write_text(yaml.safe_dump({**small, "name": "b", "events": [{**event, "factor": 0.8}]}))
    found = differences(load_scenario(a), load_scenario(b))
    assert [(d.path, d.change) for d in found] == [("events[2020-01-05 demand alpha]", "changed")]
    assert found[0].a["factor"] == 0.5 and found[0].b["factor"] == 0.8
    assert dt.date.fromisoformat(found[0].a["date"]) == dt.date(2020, 1, 5)


def test_list_and_diff_on_missing_files_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "/no/such/folder"]) == 2
    assert main(["diff", "/no/such/a.yaml", "/no/such/b.yaml"]) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "Traceback" not in err
