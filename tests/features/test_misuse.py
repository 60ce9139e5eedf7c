"""Misuse found by a second hostile pass: files inside output subfolders, links that lead
into a folder being read, forged markers, tampered tables, calibration and sweep values
that the scenario would refuse, limits that kept a run going for hours, and the signals
and encodings of the console. Each test failed before the fix it checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import gasroutes
from gasroutes.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def scenario(small: dict[str, Any], write_yaml: Any) -> Path:
    path: Path = write_yaml(small, "s.yaml")
    return path


@pytest.fixture
def run_folder(small: dict[str, Any], tmp_path: Path) -> Path:
    folder = tmp_path / "runs" / "small"
    gasroutes.run(gasroutes.scenario_from_dict(small)).write(folder, charts=True)
    return folder


# --------------------------------------------------------------------- output folders


def test_a_file_added_inside_a_run_folder_s_subfolder_is_kept(
    scenario: Path, run_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = run_folder / "charts" / "my_notes.txt"
    notes.write_text("mine\n")
    (run_folder / "charts" / "mydir").mkdir()
    code, _, err = run_cli(["run", str(scenario), "--out", str(run_folder)], capsys)
    assert code == 2 and "charts/my_notes.txt" in err
    assert notes.read_text() == "mine\n" and (run_folder / "charts" / "mydir").is_dir()


def test_an_edited_output_file_is_not_replaced(
    scenario: Path, run_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = run_folder / "summary.json"
    summary.write_text(summary.read_text() + " ")
    code, _, err = run_cli(["run", str(scenario), "--out", str(run_folder)], capsys)
    assert code == 2 and "summary.json" in err and "changed" in err
    assert summary.read_text().endswith(" ")


def test_a_forged_or_copied_marker_does_not_let_user_files_be_deleted(
    scenario: Path, run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    (mine / ".gasroutes.json").write_text(json.dumps({"kind": "run", "files": ["thesis.docx"]}))
    code, _, _ = run_cli(["run", str(scenario), "--out", str(mine)], capsys)
    assert code == 2 and (mine / "thesis.docx").read_bytes() == b"years of work"
    # a real marker copied from a run folder: the names match, the contents do not
    (mine / ".gasroutes.json").write_bytes((run_folder / ".gasroutes.json").read_bytes())
    (mine / "summary.json").write_text("my own summary")
    code, _, _ = run_cli(["run", str(scenario), "--out", str(mine)], capsys)
    assert code == 2 and (mine / "summary.json").read_text() == "my own summary"


@pytest.mark.parametrize("command", ["compare", "backtest"])
def test_a_link_to_the_folder_read_does_not_let_it_be_written_into(
    command: str,
    run_folder: Path,
    tmp_path: Path,
    small: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    link = tmp_path / "link"
    link.symlink_to(run_folder)
    observed = tmp_path / "obs.csv"
    observed.write_text("year,destination,quantity\n2020,alpha,0.1\n")
    other = tmp_path / "other"
    gasroutes.run(gasroutes.scenario_from_dict(small)).write(other)
    argv = (
        ["compare", str(link), str(other)]
        if command == "compare"
        else ["backtest", str(link), str(observed)]
    )
    code, _, err = run_cli([*argv, "--out", str(run_folder / "inside")], capsys)
    assert code == 2 and "never writes into a folder it reads" in err
    assert not (run_folder / "inside").exists()


def test_a_loop_of_links_is_a_message(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    code, _, err = run_cli(["validate", str(tmp_path / "loop1.yaml")], capsys)
    assert code == 2 and "loop" in err
    (tmp_path / "lo1").symlink_to(tmp_path / "lo2")
    (tmp_path / "lo2").symlink_to(tmp_path / "lo1")
    code, _, err = run_cli(["run", str(scenario), "--out", str(tmp_path / "lo1" / "x")], capsys)
    assert code == 2 and "loop" in err


def test_a_file_where_the_output_folder_s_parent_should_be_is_told_in_words(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("x")
    code, _, err = run_cli(
        ["run", str(scenario), "--out", str(tmp_path / "afile" / "run"), "--no-charts"], capsys
    )
    assert code == 2 and "a file stands where a folder is needed" in err and "Errno" not in err


def test_a_sweep_that_cannot_reach_its_scheduler_leaves_no_folder(
    tmp_path: Path, write_yaml: Any, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = write_yaml(
        {
            "name": "s",
            "base": str(scenario),
            "parameters": [{"path": "buyers.alpha.contract.volume_bcm_per_year", "values": [1, 2]}],
            "kpis": ["exports_bcm_total"],
        },
        "sweep.yaml",
    )
    out = tmp_path / "sw"
    code, _, _ = run_cli(
        ["sweep", str(sweep), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"], capsys
    )
    assert code == 2 and not out.exists()
    code, _, _ = run_cli(["sweep", str(sweep), "--out", str(out)], capsys)
    assert code == 0


# --------------------------------------------------------------------- tampered folders


def _tamper(annual: Path, how: str) -> None:
    """Change alpha's first row of annual.csv: its quantity, or the whole row twice."""
    lines = annual.read_text().splitlines(keepends=True)
    if how == "a row twice":
        lines.append(lines[1])
    else:
        row = lines[1].rstrip("\n").split(",")
        row[lines[0].split(",").index("quantity")] = how
        lines[1] = ",".join(row) + "\n"
    annual.write_text("".join(lines))


@pytest.mark.parametrize(
    ("how", "words"),
    [("1e308", "a quantity from 0"), ("-5", "a quantity from 0"), ("a row twice", "repeats")],
)
def test_a_tampered_annual_table_is_refused_by_compare_and_backtest(
    how: str,
    words: str,
    run_folder: Path,
    tmp_path: Path,
    small: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _tamper(run_folder / "annual.csv", how)
    observed = tmp_path / "obs.csv"
    observed.write_text("year,destination,quantity\n2020,alpha,0.1\n")
    code, _, err = run_cli(
        ["backtest", str(run_folder), str(observed), "--out", str(tmp_path / "bt")], capsys
    )
    assert code == 2 and words in err
    other = tmp_path / "other"
    gasroutes.run(gasroutes.scenario_from_dict(small)).write(other)
    code, _, err = run_cli(
        ["compare", str(run_folder), str(other), "--out", str(tmp_path / "c")], capsys
    )
    assert code == 2 and words in err


def test_an_edited_resolved_scenario_is_refused(
    run_folder: Path, tmp_path: Path, small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    resolved = run_folder / "scenario.resolved.yaml"
    resolved.write_text(resolved.read_text().replace("seed: ", "seed: 1"))
    other = tmp_path / "other"
    gasroutes.run(gasroutes.scenario_from_dict(small)).write(other)
    code, _, err = run_cli(
        ["compare", str(run_folder), str(other), "--out", str(tmp_path / "c")], capsys
    )
    assert code == 2 and "SHA-256" in err


def test_backtest_takes_a_single_run_only(
    tmp_path: Path, write_yaml: Any, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = write_yaml(
        {
            "name": "s",
            "base": str(scenario),
            "parameters": [{"path": "buyers.alpha.contract.volume_bcm_per_year", "values": [1, 2]}],
            "kpis": ["exports_bcm_total"],
        },
        "sweep.yaml",
    )
    run_cli(["sweep", str(sweep), "--out", str(tmp_path / "sw")], capsys)
    observed = tmp_path / "obs.csv"
    observed.write_text("\ufeffyear,destination,quantity\n2020,alpha,0.1\n")  # Excel's BOM
    code, _, err = run_cli(
        ["backtest", str(tmp_path / "sw"), str(observed), "--out", str(tmp_path / "bt")], capsys
    )
    assert code == 2 and "not a single run" in err


def test_a_tiny_observed_value_has_no_relative_error(run_folder: Path, tmp_path: Path) -> None:
    observed = tmp_path / "obs.csv"
    observed.write_text("\ufeffyear,destination,quantity\n2020,alpha,1e-300\n2020,beta,0.1\n")
    bt = gasroutes.backtest(run_folder, observed)
    rows = bt.table.set_index("destination")
    assert rows.loc["alpha", "relative_error"] != rows.loc["alpha", "relative_error"]  # NaN
    assert abs(rows.loc["beta", "relative_error"]) < 1e3


# --------------------------------------------------------------------- studies


def _calibration(tmp_path: Path, small: dict[str, Any], **parameter: Any) -> Path:
    base = dict(small, end="2021-12-31", events=[])
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    (tmp_path / "obs.csv").write_text(
        "year,destination,bcm\n2020,Alpha,1.0\n2020,Beta,2.0\n2021,Alpha,1.1\n2021,Beta,2.1\n"
    )
    spec = {
        "name": "cal",
        "base": "base.yaml",
        "fit_until": "2021-12-31",
        "parameters": [
            parameter or {"path": "buyers.alpha.contract.volume_bcm_per_year", "bounds": [0.1, 5]}
        ],
        "observed": [
            {
                "file": "obs.csv",
                "series": "exports",
                "column": "bcm",
                "destinations": {"Alpha": "alpha", "Beta": "beta"},
                "years": [2020, 2021],
            }
        ],
    }
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_hindcast_of_any_buyers_scores_them(
    tmp_path: Path, small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    cal = _calibration(tmp_path, small)
    code, out, _ = run_cli(
        ["hindcast", str(cal), "--origins", "2020", "--out", str(tmp_path / "hc")], capsys
    )
    assert code == 0 and "alpha, beta, total" in out
    scores = json.loads((tmp_path / "hc" / "hindcast.json").read_text())
    assert scores["destinations_scored"] == ["alpha", "beta", "total"]
    assert scores["origins"]["2020"]["weighted_mape_model"] is not None


@pytest.mark.parametrize(
    ("parameter", "words"),
    [
        ({"path": "fields.north.capacity_bcm_per_year", "bounds": [1, 2]}, None),
        ({"path": "start", "bounds": [1, 2]}, "not a number"),
        ({"path": "routes.east.transit_time_days", "bounds": [0, 10]}, "whole number"),
        ({"path": "buyers.alpha.contract.volume_bcm_per_year", "bounds": [-100, -50]}, "refuses"),
    ],
    ids=["a number", "a date", "a whole number", "bounds the scenario refuses"],
)
def test_calibration_parameters_must_be_numbers_the_scenario_takes(
    tmp_path: Path,
    small: dict[str, Any],
    parameter: dict[str, Any],
    words: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cal = _calibration(tmp_path, small, **parameter)
    code, _, err = run_cli(["validate", str(cal)], capsys)
    if words is None:
        assert code == 0
    else:
        assert code == 2 and words in err


def test_sweep_values_are_checked_before_any_run(
    tmp_path: Path, write_yaml: Any, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = write_yaml(
        {
            "name": "s",
            "base": str(scenario),
            "parameters": [
                {"path": "buyers.alpha.contract.volume_bcm_per_year", "values": [10.0, -3]}
            ],
            "kpis": ["exports_bcm_total"],
        },
        "sweep.yaml",
    )
    code, _, err = run_cli(["sweep", str(sweep), "--out", str(tmp_path / "sw")], capsys)
    assert code == 2 and "parameters[0].values" in err and "-3" in err
    assert not (tmp_path / "sw").exists()


def test_integer_rounds_listed_values(
    tmp_path: Path, write_yaml: Any, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = write_yaml(
        {
            "name": "s",
            "base": str(scenario),
            "parameters": [
                {"path": "routes.east.transit_time_days", "values": [0.4, 1.6], "integer": True}
            ],
            "kpis": ["exports_bcm_total"],
        },
        "sweep.yaml",
    )
    code, _, _ = run_cli(["sweep", str(sweep), "--out", str(tmp_path / "sw")], capsys)
    assert code == 0
    runs = (tmp_path / "sw" / "runs.csv").read_text()
    assert ",ok," in runs and "failed" not in runs


def test_a_sweep_whose_every_run_failed_exits_1(
    tmp_path: Path,
    write_yaml: Any,
    scenario: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import gasroutes.studies.sweep as sweep_module

    real = sweep_module.run_task

    def failing(task: Any) -> dict[str, Any]:
        row: dict[str, Any] = real(task)
        row.update(status="failed", error="RuntimeError: broken model")
        return row

    sweep = write_yaml(
        {
            "name": "s",
            "base": str(scenario),
            "parameters": [{"path": "buyers.alpha.contract.volume_bcm_per_year", "values": [1, 2]}],
            "kpis": ["exports_bcm_total"],
        },
        "sweep.yaml",
    )
    monkeypatch.setattr(sweep_module, "run_task", failing)
    code = main(["sweep", str(sweep), "--out", str(tmp_path / "sw")])
    assert code == 1 and "every run of the sweep failed" in capsys.readouterr().err


def test_two_scenario_files_of_one_name_keep_two_runs(
    tmp_path: Path, small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(dict(small, name="same")))
    code, _, _ = run_cli(
        [
            "compare",
            str(tmp_path / "a.yaml"),
            str(tmp_path / "b.yaml"),
            "--out",
            str(tmp_path / "c"),
        ],
        capsys,
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "c" / "runs").iterdir()) == ["same", "same-2"]


# --------------------------------------------------------------------- scenario files


def test_yaml_is_read_as_yaml_1_2(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    text = yaml.safe_dump(small, sort_keys=False)
    text = text.replace("  beta:", "  'no':").replace("- beta", "- 'no'")
    norway = write_yaml(text.replace("'no'", "no"), "norway.yaml")
    code, _, _ = run_cli(["validate", str(norway)], capsys)
    assert code == 0  # `no` is a name, not false
    sexagesimal = write_yaml(
        text.replace("capacity_bcm_per_year: 3.66", "capacity_bcm_per_year: 1:30")
    )
    code, _, err = run_cli(["validate", str(sexagesimal)], capsys)
    assert code == 2 and "'1:30'" in err


def test_trainsets_beyond_the_limit_are_refused(
    write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(
        f"extends: {ROOT / 'scenarios' / 'afghan-border-closure.yaml'}\nname: many\n"
        "lpg: {rail_routes: {rail_serhetabat_torghundi: {trains: 100000}}}\n",
        "many.yaml",
    )
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and "trains" in err and "100" in err


def test_a_file_name_that_cannot_name_a_run_is_told_so(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data = dict(small)
    data.pop("name")
    path = write_yaml(data, "with space.yaml")
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and "file name" in err


def test_dates_out_of_range_say_dates(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(dict(small, start="1899-12-31"))
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and "a date on or after 1900-01-01" in err


# --------------------------------------------------------------------- processes


def _gasroutes(*args: str, **kw: Any) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from gasroutes.cli import console; console()", *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, **kw
    )


def test_drawing_charts_prints_no_worker_traceback(scenario: Path, tmp_path: Path) -> None:
    for i in range(3):
        proc = _gasroutes("run", str(scenario), "--out", str(tmp_path / f"r{i}"))
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, err


def test_an_ascii_terminal_does_not_fail_on_a_non_ascii_path(
    small: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "é.yaml"
    path.write_text(yaml.safe_dump(small))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = _gasroutes("validate", str(path), env=env)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A pool whose parent dies by kill -9 does not outlive it."""
    pids = tmp_path / "pids"
    script = (
        "import os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from gasroutes.core.workers import start_worker\n"
        "def pid(_):\n"
        "    return os.getpid()\n"
        "pool = ProcessPoolExecutor(2, initializer=start_worker)\n"
        f"open({str(pids)!r}, 'w').write(' '.join(str(p) for p in pool.map(pid, range(4))))\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    for _ in range(200):
        if pids.exists() and pids.read_text():
            break
        time.sleep(0.05)
    workers = {int(p) for p in pids.read_text().split()}
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    alive = set(workers)
    while alive and time.time() < deadline:
        time.sleep(0.2)
        for p in list(alive):
            try:
                os.kill(p, 0)
            except ProcessLookupError:
                alive.discard(p)
    assert not alive, f"workers {alive} outlived their parent"
