"""The command line, called in-process through ``gasroutes.cli.main`` (and once as a
subprocess, to see exactly what reaches the terminal)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gasroutes.api import RunResult as Result
from gasroutes.cli import main
from gasroutes.results.runfolder import RUN_FILES

BAD_INPUTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "unknown key": lambda s: {**s, "colour": "blue"},
    "negative capacity": lambda s: {
        **s,
        "routes": {**s["routes"], "east": {"capacity_bcm_per_year": -1}},
    },
    "end before start": lambda s: {**s, "end": "2019-12-31"},
    "event on an unknown buyer": lambda s: {
        **s,
        "events": [{"date": "2020-01-02", "kind": "cutoff", "buyer": "gamma"}],
    },
    "malformed yaml": lambda s: "name: [unclosed\n",
    "empty file": lambda s: "",
}


@pytest.fixture
def bad_file(small: dict[str, Any], write_yaml: Any, request: pytest.FixtureRequest) -> Path:
    path: Path = write_yaml(BAD_INPUTS[request.param](small), "bad.yaml")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# -------------------------------------------------------------------------- run


@pytest.mark.parametrize("bad_file", list(BAD_INPUTS), indirect=True)
def test_run_on_an_invalid_file_exits_2_and_writes_nothing(
    bad_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(bad_file), "--out", str(out), "--no-charts"]) == 2
    assert main(["run", str(bad_file), "--no-charts"]) == 2  # default folder: outputs/
    err = capsys.readouterr().err
    assert str(bad_file) in err
    assert "Traceback" not in err
    assert not out.exists()
    assert not (tmp_path / "outputs").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_run_on_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert main(["run", str(missing), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "not found" in err
    assert not (tmp_path / "out").exists()


def test_no_traceback_reaches_the_terminal(small: dict[str, Any], write_yaml: Any) -> None:
    bad = write_yaml({**small, "colour": "blue"}, "bad.yaml")
    out = bad.parent / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "gasroutes.cli", "run", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=bad.parent,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr
    assert "colour" in proc.stderr
    assert proc.stdout == ""
    assert not out.exists()


def test_run_writes_every_file(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(small)
    out = tmp_path / "runs" / "small"
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 0
    for name in RUN_FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert not (out / "charts").exists()
    captured = capsys.readouterr()
    assert str(out) in captured.out
    # the small scenario's contracts are larger than their routes: warned, nothing else
    assert all(line.startswith("gasroutes: warning: buyers.") for line in captured.err.splitlines())
    # nothing but the folder itself is left next to it
    assert [p.name for p in out.parent.iterdir()] == ["small"]


def test_run_replaces_an_earlier_run_folder(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path
) -> None:
    path = write_yaml(small)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 0
    (out / "flows.csv").unlink()  # gone, or as written: the folder may be replaced
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 0
    (out / "annual.csv").write_text("edited by hand\n")  # changed: it is not replaced
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 2
    assert (out / "annual.csv").read_text() == "edited by hand\n"
    (out / "annual.csv").unlink()
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 0
    assert all((out / name).is_file() for name in RUN_FILES)
    assert [p.name for p in tmp_path.iterdir() if p.name != "scenario.yaml"] == ["out"]


def test_run_refuses_a_folder_it_did_not_write(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(small)
    out = tmp_path / "mydocs"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("precious\n")
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert "did not write" in err and "notes.txt" in err and "Traceback" not in err
    assert (out / "notes.txt").read_text() == "precious\n"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "sub"]


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_earlier_folder_untouched(
    small: dict[str, Any],
    write_yaml: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: BaseException,
) -> None:
    path = write_yaml(small)
    out = tmp_path / "results" / "small"
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 0
    before = _snapshot(out)

    small["events"] = []  # a different run, so its files would differ
    path = write_yaml(small)

    def fail(self: Result) -> str:
        raise failure

    monkeypatch.setattr(Result, "summary_json", fail)
    if isinstance(failure, KeyboardInterrupt):
        assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 2
        assert "untouched" in capsys.readouterr().err
    else:
        # an internal error: not caught by the command line (exit status 1, with traceback)
        with pytest.raises(RuntimeError, match="boom"):
            main(["run", str(path), "--out", str(out), "--no-charts"])
    assert _snapshot(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["small"]  # no temporary folder left


def test_out_naming_an_existing_file_is_bad_input(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(small)
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n")
    assert main(["run", str(path), "--out", str(target), "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert str(target) in err
    assert "not a folder" in err
    assert target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "scenario.yaml"]


def test_out_inside_a_file_is_bad_input(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(small)
    (tmp_path / "notes.txt").write_text("keep me\n")
    out = tmp_path / "notes.txt" / "run"
    assert main(["run", str(path), "--out", str(out), "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert "a file stands where a folder is needed" in err
    assert "Traceback" not in err
    assert (tmp_path / "notes.txt").read_text() == "keep me\n"


# -------------------------------------------------------------------------- validate


def test_validate_accepts_valid_files(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    one = write_yaml(small, "one.yaml")
    two = write_yaml({**small, "name": "two"}, "two.yaml")
    assert main(["validate", str(one), str(two)]) == 0
    captured = capsys.readouterr()
    assert all(line.startswith("gasroutes: warning: buyers.") for line in captured.err.splitlines())
    assert str(one) in captured.out
    assert str(two) in captured.out


def test_validate_reports_each_invalid_file(
    small: dict[str, Any], write_yaml: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_yaml(small, "good.yaml")
    bad = [
        write_yaml({**small, "colour": "blue"}, "bad1.yaml"),
        write_yaml("name: [unclosed\n", "bad2.yaml"),
        write_yaml({**small, "end": "2019-01-01"}, "bad3.yaml"),
    ]
    missing = good.parent / "missing.yaml"
    assert main(["validate", str(bad[0]), str(good), str(bad[1]), str(missing), str(bad[2])]) == 2
    captured = capsys.readouterr()
    messages = [line for line in captured.err.splitlines() if line.startswith("invalid:")]
    assert len(messages) == 4
    for path, message in zip([*bad[:2], missing, bad[2]], messages, strict=True):
        assert str(path) in message
    assert "Traceback" not in captured.err
    assert str(good) in captured.out
    assert all(str(p) not in captured.out for p in bad)


# -------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("argv", [[], ["run"], ["validate"]], ids=["top", "run", "validate"])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: gasroutes")
    if argv == ["run"]:
        assert "--seed" in out and "--out" in out and "--no-charts" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gasroutes {version('gasroutes')}"


@pytest.mark.parametrize(
    "argv",
    [["-v", "validate", "X"], ["validate", "-v", "X"], ["validate", "X", "--verbose"]],
    ids=["before", "after", "last"],
)
def test_the_global_flag_goes_before_or_after_the_command(argv: list[str]) -> None:
    from gasroutes.cli import _build_parser

    assert _build_parser().parse_args(argv).verbose is True
    assert _build_parser().parse_args(["validate", "X"]).verbose is False


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "s.yaml", "--seed", "-1"],
        ["run", "s.yaml", "--seed", "many"],
        ["run"],
        ["frobnicate"],
        [],
    ],
    ids=["negative-seed", "word-seed", "no-scenario", "unknown-command", "no-command"],
)
def test_bad_arguments_exit_2(
    argv: list[str], tmp_path: Path, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gasroutes")
    assert "Traceback" not in err
    if "--seed" in argv:
        assert "--seed" in err
    assert list(tmp_path.iterdir()) == []


def test_out_on_the_current_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        (Path(__file__).resolve().parents[2] / "README.md")
        .read_text()
        .split("### A complete example", 1)[1]
        .split("```yaml\n", 1)[1]
        .split("```", 1)[0]
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(scenario), "--no-charts", "--out", "."]) == 2
    assert "current folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_compare_into_a_path_under_a_file_exits_2(
    tmp_path: Path, small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from gasroutes import run, scenario_from_dict

    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        run(scenario_from_dict(small)).write(folder)
    code = main(["compare", str(a), str(b), "--out", str(blocker / "sub")])
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "afile" in err


def test_run_prints_the_lpg_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """LPG delivered, unmet demand and stock-out days, as summary.json has them."""
    import json

    root = Path(__file__).resolve().parents[2]
    short = tmp_path / "short.yaml"
    short.write_text(
        f"extends: {root / 'scenarios' / 'afghan-border-closure.yaml'}\nname: short\n"
        "end: 2026-06-30\n"
    )
    out = tmp_path / "out"
    assert main(["run", str(short), "--out", str(out), "--no-charts"]) == 0
    printed = capsys.readouterr().out
    s = json.loads((out / "summary.json").read_text())
    stockouts = s["lpg_stockout_days_by_depot"]
    worst = max(stockouts, key=lambda d: stockouts[d])
    assert stockouts[worst] > 0, "the border closure empties a depot"
    assert f"LPG delivered to afghanistan {s['lpg_delivered_kt']:10.1f} kt" in printed
    assert f"LPG unmet demand {s['lpg_unmet_demand_kt']:>22.1f} kt" in printed
    assert f"{stockouts[worst]:10d}    at the worst depot ({worst};" in printed
