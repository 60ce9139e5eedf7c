"""Hostile and careless use: the contract is exit 0 with finite, conserving results, or exit
2 (1 for a failure inside the model) with a message and no traceback, and nothing outside
the output folder changed. Each test here failed before the rule it checks was built.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import gasroutes
from gasroutes.cli import main
from gasroutes.core.errors import ConservationError, RunFolderError

MARKER = ".gasroutes.json"  # gasroutes.core.folders.MARKER

Tree = dict[str, bytes]


def snapshot(folder: Path, skip: Path | None = None) -> Tree:
    """Every file under ``folder`` (but ``skip``) with its bytes."""
    out: Tree = {}
    for p in sorted(folder.rglob("*")):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        if p.is_symlink():
            out[str(p.relative_to(folder))] = b"->" + os.readlink(p).encode()
        elif p.is_file():
            out[str(p.relative_to(folder))] = p.read_bytes()
        elif p.is_dir():
            out[str(p.relative_to(folder)) + "/"] = b""
    return out


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.fixture
def scenario(small: dict[str, Any], write_yaml: Any) -> Path:
    path: Path = write_yaml(small, "s.yaml")
    return path


@pytest.fixture
def run_folder(small: dict[str, Any], tmp_path: Path) -> Path:
    folder = tmp_path / "runs" / "small"
    gasroutes.run(gasroutes.scenario_from_dict(small)).write(folder)
    return folder


# --------------------------------------------------------------------- output folders


def test_out_holding_someone_s_files_is_refused_and_kept(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "mydocs"
    (docs / "sub").mkdir(parents=True)
    (docs / "notes.txt").write_text("precious\n")
    before = snapshot(tmp_path)
    code, err = run_cli(["run", str(scenario), "--out", str(docs), "--no-charts"], capsys)
    assert code == 2
    assert "did not write" in err and "notes.txt" in err and "new or empty folder" in err
    assert snapshot(tmp_path) == before


def test_out_on_the_scenario_library_is_refused(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tmp_path)
    code, _ = run_cli(["run", str(scenario), "--out", str(tmp_path), "--no-charts"], capsys)
    assert code == 2
    assert snapshot(tmp_path) == before


def test_a_symlink_given_as_out_is_refused_and_its_target_kept(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("mine\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    before = snapshot(tmp_path)
    code, err = run_cli(["run", str(scenario), "--out", str(link), "--no-charts"], capsys)
    assert code == 2 and "symbolic link" in err
    assert snapshot(tmp_path) == before


def test_an_empty_folder_and_an_earlier_run_are_written(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-charts"], capsys)[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "run" and "annual.csv" in marker["entries"]
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-charts"], capsys)[0] == 0


def test_a_run_folder_with_a_file_added_is_not_replaced(
    scenario: Path, run_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (run_folder / "my-notes.txt").write_text("analysis\n")
    code, err = run_cli(["run", str(scenario), "--out", str(run_folder), "--no-charts"], capsys)
    assert code == 2 and "my-notes.txt" in err
    assert (run_folder / "my-notes.txt").read_text() == "analysis\n"


def test_output_of_another_kind_is_not_replaced(
    scenario: Path, run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "runs" / "other"
    gasroutes.run(gasroutes.load_scenario(scenario)).write(other)
    cmp = tmp_path / "cmp"
    assert run_cli(["compare", str(run_folder), str(other), "--out", str(cmp)], capsys)[0] == 0
    before = snapshot(cmp)
    code, err = run_cli(["run", str(scenario), "--out", str(cmp), "--no-charts"], capsys)
    assert code == 2 and "a comparison" in err
    assert snapshot(cmp) == before
    code, err = run_cli(["compare", str(run_folder), str(other), "--out", str(other)], capsys)
    assert code == 2


def test_compare_never_writes_into_a_folder_it_reads(
    scenario: Path, run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "runs" / "other"
    gasroutes.run(gasroutes.load_scenario(scenario)).write(other)
    before = snapshot(tmp_path)
    for out in (run_folder, run_folder / "cmp", run_folder.parent):
        code, err = run_cli(["compare", str(run_folder), str(other), "--out", str(out)], capsys)
        assert code == 2 and "reads" in err
        assert snapshot(tmp_path) == before


def test_backtest_writes_beside_the_run_never_into_it(
    run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text("year,destination,quantity\n2020,alpha,0.01\n")
    before = snapshot(run_folder)
    for out in (run_folder, run_folder / "bt"):
        code, err = run_cli(["backtest", str(run_folder), str(obs), "--out", str(out)], capsys)
        assert code == 2 and "reads" in err
        assert snapshot(run_folder) == before
    assert run_cli(["backtest", str(run_folder), str(obs)], capsys)[0] == 0
    assert snapshot(run_folder) == before
    assert (run_folder.parent / "small-backtest" / "backtest.json").is_file()


def test_a_stale_temporary_folder_is_removed_by_the_next_run(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    dead = 2**22 + 12345  # beyond the default pid_max: no such process
    stale = tmp_path / f".out.tmp-{dead}"
    stale.mkdir()
    stale_marker = {"kind": "run", "format_version": 2, "complete": False, "entries": {}}
    (stale / MARKER).write_text(json.dumps(stale_marker))
    (stale / "flows.csv").write_text("half written\n")
    foreign = tmp_path / f".out.tmp-{dead + 1}"  # not marked: not ours, left alone
    foreign.mkdir()
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-charts"], capsys)[0] == 0
    assert not stale.exists()
    assert foreign.exists()


def test_an_interrupt_before_the_marker_leaves_no_unmarked_folder(
    small: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between making the temporary folder and marking it: the folder goes (an
    unmarked one would never be cleared, as it is not provably gasroutes')."""
    from gasroutes.core import folders

    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt

    result = gasroutes.run(gasroutes.scenario_from_dict(small))
    monkeypatch.setattr(folders, "_write_marker", interrupted)
    with pytest.raises(KeyboardInterrupt):
        result.write(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_after_the_folder_is_in_place_says_it_was_written(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Ctrl-C (or SIGTERM) while the command prints its key figures, its folder already
    renamed into place: the message says the folder was written, not that nothing was."""
    from gasroutes.results import summary

    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(summary, "key_figures", interrupted)
    out = tmp_path / "out"
    code, err = run_cli(["run", str(scenario), "--out", str(out), "--no-charts"], capsys)
    assert code == 2
    assert f"the run's folder {out}/ was written whole" in err
    assert "nothing was written" not in err
    assert (out / "manifest.json").is_file()


def test_the_python_api_keeps_the_same_rules(small: dict[str, Any], tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.tex").write_text("chapter 1\n")
    result = gasroutes.run(gasroutes.scenario_from_dict(small))
    with pytest.raises(RunFolderError, match="did not write"):
        result.write(docs)
    assert (docs / "thesis.tex").read_text() == "chapter 1\n"
    with pytest.raises(RunFolderError):
        gasroutes.compare([result, result], out=docs)
    assert sorted(p.name for p in docs.iterdir()) == ["thesis.tex"]


# --------------------------------------------------------------------- limits


def bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("command", ["validate", "run", "sweep"])
def test_a_yaml_alias_bomb_is_refused_at_once(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb() + "name: x\n")
    started = time.perf_counter()
    code, err = run_cli([command, str(path)], capsys)
    assert code == 2 and "aliases are expanded" in err
    assert time.perf_counter() - started < 5
    assert len(err) < 600


def test_a_scenario_alias_bomb_inside_a_field(
    small: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = yaml.safe_dump(small) + bomb().replace("a0:", "extra0:", 1)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    code, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and len(err) < 600


def test_a_9000_year_horizon_is_refused_before_anything_is_allocated(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.perf_counter()
    for end in ("9020-01-01", "2150-01-01"):
        path = write_yaml({**small, "end": end}, "long.yaml")
        code, err = run_cli(
            ["run", str(path), "--no-charts", "--out", str(path.parent / "o")], capsys
        )
        assert code == 2
        assert "end" in err
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("sweep", "words"),
    [
        (
            {
                "design": "grid",
                "parameters": [
                    {
                        "path": "routes.east.capacity_bcm_per_year",
                        "range": {"start": 1, "stop": 2, "steps": 10000},
                    },
                    {
                        "path": "routes.west.capacity_bcm_per_year",
                        "range": {"start": 1, "stop": 2, "steps": 10000},
                    },
                    {
                        "path": "buyers.beta.contract.price_usd_per_tcm",
                        "range": {"start": 1, "stop": 2, "steps": 10000},
                    },
                ],
            },
            "too many runs",
        ),
        (
            {
                "design": "lhs",
                "samples": 100_000_000,
                "parameters": [
                    {
                        "path": "routes.east.capacity_bcm_per_year",
                        "distribution": {"kind": "uniform", "low": 1, "high": 2},
                    }
                ],
            },
            "samples",
        ),
        (
            {
                "design": "grid",
                "parameters": [
                    {
                        "path": "routes.east.capacity_bcm_per_year",
                        "range": {"start": 1, "stop": 2, "steps": 1_000_000_000},
                    }
                ],
            },
            "steps",
        ),
        (
            {
                "design": "grid",
                "replications": 1_000_000_000,
                "parameters": [{"path": "routes.east.capacity_bcm_per_year", "values": [1.0]}],
            },
            "replications",
        ),
        (
            {
                "design": "random",
                "samples": 90_000,
                "replications": 100,
                "parameters": [
                    {
                        "path": "routes.east.capacity_bcm_per_year",
                        "distribution": {"kind": "uniform", "low": 1, "high": 2},
                    }
                ],
            },
            "too many runs",
        ),
    ],
    ids=["grid-10^12", "lhs-10^8", "range-10^9", "replications-10^9", "runs-9e6"],
)
def test_huge_sweep_designs_are_refused_before_they_are_built(
    sweep: dict[str, Any],
    words: str,
    scenario: Path,
    write_yaml: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_yaml({"name": "huge", "base": scenario.name, **sweep}, "huge.yaml")
    started = time.perf_counter()
    code, err = run_cli(["sweep", str(path), "--out", str(path.parent / "o")], capsys)
    assert code == 2 and words in err, err
    assert time.perf_counter() - started < 10
    assert not (path.parent / "o").exists()


def test_max_runs_raises_the_sweep_limit(
    scenario: Path, write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = {
        "name": "three",
        "base": scenario.name,
        "parameters": [{"path": "routes.east.capacity_bcm_per_year", "values": [1.0, 2.0, 3.0]}],
    }
    path = write_yaml(sweep, "three.yaml")
    out = path.parent / "o"
    code, err = run_cli(["sweep", str(path), "--out", str(out), "--max-runs", "2"], capsys)
    assert code == 2 and "--max-runs" in err
    assert run_cli(["sweep", str(path), "--out", str(out), "--max-runs", "3"], capsys)[0] == 0


@pytest.mark.parametrize(
    "argv", [["--replications", "1000000000"], ["--seed", "9" * 40], ["--workers", "100000"]]
)
def test_huge_counts_on_the_command_line_exit_2(
    argv: list[str], scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", str(scenario), *argv])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_huge_value_is_shortened_in_messages(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(
        {**small, "fields": {"north": {"capacity_bcm_per_year": list(range(200_000))}}}
    )
    started = time.perf_counter()
    code, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and len(err) < 800
    assert time.perf_counter() - started < 10


# --------------------------------------------------------------------- finite numbers


NON_FINITE: dict[str, Callable[[dict[str, Any]], None]] = {
    "inf capacity": lambda s: s["routes"]["east"].update(capacity_bcm_per_year=float("inf")),
    "nan price": lambda s: s["buyers"]["beta"]["contract"].update(price_usd_per_tcm=float("nan")),
    "1e308 capacity": lambda s: s["fields"]["north"].update(capacity_bcm_per_year=1e308),
    "huge price": lambda s: s["buyers"]["beta"]["contract"].update(price_usd_per_tcm=1e12),
    "inf in a schedule": lambda s: s["fields"]["north"].update(
        capacity_bcm_per_year={"2020-01-01": 1.0, "2020-01-05": float("inf")}
    ),
    "repair_days 1e300": lambda s: s.update(
        uncertainty={
            "outages": {
                "east": {
                    "between_failures_days": {"distribution": "exponential", "mean": 100},
                    "repair_days": {"distribution": "exponential", "mean": 1e300},
                }
            }
        }
    ),
    "huge delay": lambda s: s["buyers"]["beta"].update(payment={"delay_days": 10**12}),
    "inf factor": lambda s: s["events"].append(
        {"date": "2020-01-05", "kind": "demand", "buyer": "beta", "factor": float("inf")}
    ),
    "huge lump sum": lambda s: s["events"].append(
        {"date": "2020-01-05", "kind": "payment", "buyer": "beta", "amount_usd": 1e300}
    ),
}


@pytest.mark.parametrize("change", list(NON_FINITE))
def test_non_finite_and_huge_numbers_are_refused(
    change: str, small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(small)
    NON_FINITE[change](data)
    path = write_yaml(data)
    code, err = run_cli(["validate", str(path)], capsys)
    assert code == 2, err
    assert "allowed" in err
    out = path.parent / "out"
    assert run_cli(["run", str(path), "--out", str(out), "--no-charts"], capsys)[0] == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [("start: 2027-02-30", "start"), ("end: 2035-13-31", "end"), ("start: 1850-01-01", "start")],
)
def test_impossible_dates_exit_2(
    text: str, words: str, small: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {k: v for k, v in small.items() if k not in ("start", "end")}
    data.update(start="2020-01-01", end="2020-01-10")
    key = text.split(":")[0]
    lines = [line for line in yaml.safe_dump(data).splitlines() if not line.startswith(f"{key}:")]
    path = tmp_path / "dates.yaml"
    path.write_text("\n".join([*lines, text]) + "\n")
    code, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and words in err


def test_conservation_does_not_let_nan_through() -> None:
    from gasroutes.results.balance import worst_imbalance

    dates = ["2020-01-01", "2020-01-02"]
    series = np.array([0.0, np.nan])
    with pytest.raises(ConservationError, match="2020-01-02"):
        worst_imbalance([("system", series, np.ones(2))], dates)


def test_summary_json_is_strict_json(run_folder: Path) -> None:
    def refuse(text: str) -> float:
        raise ValueError(text)

    for name in ("summary.json", "manifest.json"):
        json.loads((run_folder / name).read_text(), parse_constant=refuse)


# --------------------------------------------------------------------- files where read


OBSERVED = {
    "negative": ("year,destination,quantity\n2020,alpha,-5\n", "from 0"),
    "fractional year": ("year,destination,quantity\n2020.7,alpha,1\n", "whole year"),
    "year listed three times": (
        "year,destination,quantity\n2020,alpha,1\n2020,alpha,1\n2020,Alpha,1\n",
        "one row per year",
    ),
    "empty quantity": ("year,destination,quantity\n2020,alpha,\n", "has nothing"),
    "nan quantity": ("year,destination,quantity\n2020,alpha,nan\n", "finite"),
    "empty destination": ("year,destination,quantity\n2020,,1\n", "destination"),
    "no common year": ("year,destination,quantity\n1999,alpha,1\n", "no year in common"),
    "huge": ("year,destination,quantity\n2020,alpha,1e300\n", "finite number"),
    "binary": ("\0\1\2", "not a text file"),
    "latin-1": ("year,destination,quantity\n2020,M\xe9xico,1\n", "UTF-8"),
}


@pytest.mark.parametrize("case", list(OBSERVED))
def test_observed_tables_are_checked_where_read(
    case: str, run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, words = OBSERVED[case]
    obs = tmp_path / "obs.csv"
    obs.write_bytes(text.encode("latin-1"))
    out = tmp_path / "bt"
    code, err = run_cli(["backtest", str(run_folder), str(obs), "--out", str(out)], capsys)
    assert code == 2, err
    assert words in err and str(obs) in err
    assert not out.exists()


TAMPER: dict[str, Callable[[Path], None]] = {
    "annual.csv text for a number": lambda f: (f / "annual.csv").write_text(
        "year,destination,commodity,quantity,unit\n2020,alpha,pipeline_gas,lots,bcm\n"
    ),
    "annual.csv inf": lambda f: (f / "annual.csv").write_text(
        "year,destination,commodity,quantity,unit\n2020,alpha,pipeline_gas,inf,bcm\n"
    ),
    "annual.csv column renamed": lambda f: (f / "annual.csv").write_text(
        "yr,destination,commodity,quantity,unit\n2020,alpha,pipeline_gas,1,bcm\n"
    ),
    "flows.csv truncated": lambda f: (f / "flows.csv").write_text("date,route\n2020-01-0"),
    "manifest.json not an object": lambda f: (f / "manifest.json").write_text("[1, 2]"),
    "manifest.json seed a string": lambda f: (f / "manifest.json").write_text(
        json.dumps({**json.loads((f / "manifest.json").read_text()), "seed": "x"})
    ),
    "manifest.json replications huge": lambda f: (f / "manifest.json").write_text(
        json.dumps({**json.loads((f / "manifest.json").read_text()), "replications": 10**12})
    ),
    "summary.json nested deep": lambda f: (f / "summary.json").write_text(
        "[" * 100_000 + "]" * 100_000
    ),
    "summary.json NaN": lambda f: (f / "summary.json").write_text('{"x": NaN}'),
    "scenario.resolved.yaml bomb": lambda f: (f / "scenario.resolved.yaml").write_text(bomb()),
    "scenario.resolved.yaml binary": lambda f: (f / "scenario.resolved.yaml").write_bytes(
        b"\xff\xfe\0\0"
    ),
    "deliveries.csv bad date": lambda f: (f / "deliveries.csv").write_text(
        "date,buyer,commodity,nominated,delivered,shortfall,unit\n2020-02-30,a,g,1,1,0,mcm\n"
    ),
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_tampered_run_folders_are_refused_by_compare(
    case: str, run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "runs" / "other"
    import shutil

    shutil.copytree(run_folder, other)
    TAMPER[case](other)
    started = time.perf_counter()
    code, err = run_cli(
        ["compare", str(run_folder), str(other), "--out", str(tmp_path / "c")], capsys
    )
    assert code == 2, err
    assert str(other) in err
    assert time.perf_counter() - started < 20
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "case", ["annual.csv text for a number", "annual.csv inf", "annual.csv column renamed"]
)
def test_tampered_run_folders_are_refused_by_backtest(
    case: str, run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    TAMPER[case](run_folder)
    obs = tmp_path / "obs.csv"
    obs.write_text("year,destination,quantity\n2020,alpha,1\n")
    code, err = run_cli(
        ["backtest", str(run_folder), str(obs), "--out", str(tmp_path / "b")], capsys
    )
    assert code == 2 and "annual.csv" in err


def test_a_tampered_replications_table_is_refused(
    small: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = gasroutes.scenario_from_dict(small)
    a, b = tmp_path / "a", tmp_path / "b"
    gasroutes.run_replications(scenario, 2, a, charts=False)
    gasroutes.run_replications(scenario, 2, b, charts=False)
    table = (b / "replications.csv").read_text().splitlines()
    (b / "replications.csv").write_text(
        "\n".join([table[0], table[1].replace("0,", "x,", 1)]) + "\n"
    )
    code, err = run_cli(["compare", str(a), str(b), "--out", str(tmp_path / "c")], capsys)
    assert code == 2 and "replications.csv" in err


SWEEP_FILES: dict[str, tuple[str, str]] = {
    "key written twice": (
        "name: t\nbase: s.yaml\nparameters:\n  - path: routes.east.capacity_bcm_per_year\n"
        "    values: [1.0]\nseed: 1\nseed: 2\n",
        "duplicate key",
    ),
    "latin-1 bytes": ("name: t\ndescription: caf\xe9\nbase: s.yaml\n", "UTF-8"),
    "date/number range": (
        "name: t\nbase: s.yaml\nparameters:\n  - path: events[cut].date\n"
        "    range: {start: 2020-01-02, stop: 5, steps: 3}\n",
        "both be numbers or both be dates",
    ),
    "empty choice": (
        "name: t\nbase: s.yaml\ndesign: random\nsamples: 2\nparameters:\n"
        "  - path: routes.east.capacity_bcm_per_year\n"
        "    distribution: {kind: choice, options: []}\n",
        "options",
    ),
    "annual KPI of an unknown destination": (
        "name: t\nbase: s.yaml\nparameters:\n  - path: routes.east.capacity_bcm_per_year\n"
        "    values: [1.0]\nkpis: [annual.mars.2020]\n",
        "unknown destination",
    ),
    "annual KPI outside the horizon": (
        "name: t\nbase: s.yaml\nparameters:\n  - path: routes.east.capacity_bcm_per_year\n"
        "    values: [1.0]\nkpis: [annual.alpha.1990]\n",
        "outside the horizon",
    ),
    "empty parameters": ("name: t\nbase: s.yaml\nparameters: []\n", "parameters"),
    "inf value": (
        "name: t\nbase: s.yaml\nparameters:\n  - path: routes.east.capacity_bcm_per_year\n"
        "    values: [.inf]\n",
        "finite",
    ),
}


@pytest.mark.parametrize("case", list(SWEEP_FILES))
def test_sweep_files_are_checked_where_read(
    case: str, scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, words = SWEEP_FILES[case]
    data = yaml.safe_load(scenario.read_text())
    data["events"][0]["id"] = "cut"
    scenario.write_text(yaml.safe_dump(data))
    path = tmp_path / "sweep.yaml"
    path.write_bytes(text.encode("latin-1"))
    code, err = run_cli(["sweep", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2, err
    assert words in err, err
    assert "should have" not in err and "Input should" not in err  # pydantic's own words
    assert not (tmp_path / "o").exists()


def test_a_sweep_path_with_spaces_is_stripped_and_runs(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "name: t\nbase: s.yaml\nparameters:\n  - path: ' routes.east.capacity_bcm_per_year '\n"
        "    values: [1.0, 2.0]\n"
    )
    out = tmp_path / "o"
    assert run_cli(["sweep", str(path), "--out", str(out)], capsys)[0] == 0
    runs = (out / "runs.csv").read_text()
    assert "failed" not in runs and "KeyError" not in runs


# --------------------------------------------------------------------- crashed workers


def _module(name: str) -> Any:
    """The study module ``gasroutes.studies.<name>``."""
    import importlib

    return importlib.import_module(f"gasroutes.studies.{name}")


def _as(module: str, name: str, fake: Callable[..., Any]) -> Callable[..., Any]:
    """``fake`` named as ``module.name``, so that pickle (sending it to a forked worker)
    finds it there once it is monkeypatched in."""
    fake.__module__, fake.__qualname__ = f"gasroutes.studies.{module}", name
    return fake


def _killer(flag: Path) -> Callable[[Any], dict[str, Any]]:
    real = _module("sweep").run_task

    def run_task(task: Any) -> dict[str, Any]:
        if task.point == 1 and not flag.exists():
            flag.write_text("killed once")
            os.kill(os.getpid(), 9)
        result: dict[str, Any] = real(task)
        return result

    return _as("sweep", "run_task", run_task)


def test_a_killed_sweep_worker_is_a_failure_not_a_traceback(
    scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(_module("sweep"), "run_task", _killer(tmp_path / "flag"))
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "name: t\nbase: s.yaml\nparameters:\n  - path: routes.east.capacity_bcm_per_year\n"
        "    values: [1.0, 1.5, 2.0, 2.5]\n"
    )
    out = tmp_path / "o"
    code, _ = run_cli(["sweep", str(path), "--out", str(out), "--workers", "2"], capsys)
    assert code == 0
    import pandas as pd

    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4
    assert (runs["status"] == "ok").all()  # the lost runs were run again in a new pool


def test_a_killed_replication_worker_exits_1(
    scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    replicate = _module("replicate")
    real = replicate._one

    def one(task: Any) -> dict[str, Any]:
        if task.index == 1:
            os.kill(os.getpid(), 9)
        result: dict[str, Any] = real(task)
        return result

    monkeypatch.setattr(replicate, "_one", _as("replicate", "_one", one))
    out = tmp_path / "reps"
    argv = ["run", str(scenario), "--replications", "3", "--workers", "2", "--out", str(out)]
    code, err = run_cli([*argv, "--no-charts"], capsys)
    assert code == 1 and "worker process died" in err
    assert not out.exists()
    assert not list(tmp_path.glob(".reps.*"))


def test_an_interrupted_sweep_says_how_to_resume(
    scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sweep_module = _module("sweep")
    real = sweep_module.run_task
    calls = []

    def interrupted(task: Any) -> dict[str, Any]:
        calls.append(task)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(sweep_module, "run_task", interrupted)
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "name: t\nbase: s.yaml\nparameters:\n  - path: routes.east.capacity_bcm_per_year\n"
        "    values: [1.0, 1.5, 2.0]\n"
    )
    out = tmp_path / "o"
    code, err = run_cli(["sweep", str(path), "--out", str(out)], capsys)
    assert code == 2 and "--resume" in err and str(out) in err
    monkeypatch.setattr(sweep_module, "run_task", real)
    assert run_cli(["sweep", str(path), "--out", str(out), "--resume"], capsys)[0] == 0
