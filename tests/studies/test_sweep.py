"""Parameter sweeps: engines that agree (local pool, one process, Dask), failed runs that do
not stop the sweep, kill and resume, validation of sweep files, designs, outputs, and the
shipped sweep files.

Every sweep here runs a 91-day version of the ``small`` scenario (a few milliseconds a
run), except the kill-and-resume test, whose runs are 8 years long so that the sweep is
still going when it is killed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from gasroutes.api import sweep as run_sweep
from gasroutes.cli import main
from gasroutes.core.errors import ScenarioError
from gasroutes.studies.sweep import run_task, tasks_of
from gasroutes.studies.sweep_spec import SweepSpec, design_points, load_sweep

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))

VOLATILE = ["wall_s", "engine"]  # the only columns allowed to differ between engines
CAP = "routes.east.capacity_bcm_per_year"
PRICE = "buyers.beta.contract.price_usd_per_tcm"
CUT = "events[cut].date"
RULE = "rules[arrears].above_usd"
KPIS = ["exports_bcm_total", "revenue_usd_total", "annual.alpha.2020"]

MakeSweep = Callable[..., Path]


@pytest.fixture
def make_sweep(small: dict[str, Any], tmp_path: Path) -> MakeSweep:
    """Write ``scenario.yaml`` (the small scenario over 91 days, or to ``end``, with an id on
    each event and an arrears rule that never fires) and a sweep file on it; return the
    sweep file's path."""

    def make(sweep: dict[str, Any], name: str = "sweep.yaml", end: str = "2020-03-31") -> Path:
        scenario = dict(
            small,
            end=end,
            events=[
                {"id": "cut", "date": "2020-02-01", "kind": "cutoff", "buyer": "alpha"},
                {"id": "back", "date": "2020-03-01", "kind": "resume", "buyer": "alpha"},
            ],
            rules=[
                {"id": "arrears", "kind": "cutoff_on_arrears", "buyer": "alpha", "above_usd": 1e12}
            ],
        )
        (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
        path = tmp_path / name
        path.write_text(yaml.safe_dump({"base": "scenario.yaml", **sweep}, sort_keys=False))
        return path

    return make


def grid12() -> dict[str, Any]:
    """3 capacities x 2 cutoff dates x 2 replications = 12 runs."""
    return {
        "name": "grid12",
        "replications": 2,
        "seed": 5,
        "parameters": [
            {"path": CAP, "values": [1.0, 2.0, 3.0]},
            {"path": CUT, "values": [dt.date(2020, 1, 15), dt.date(2020, 2, 15)]},
        ],
        "kpis": KPIS,
    }


def stable(folder: Path) -> pd.DataFrame:
    """runs.csv without the columns that may differ between engines."""
    return pd.read_csv(folder / "runs.csv").drop(columns=VOLATILE)


def journal_rows(folder: Path) -> list[dict[str, Any]]:
    """The complete records of runs.jsonl."""
    rows = []
    for line in (folder / "runs.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line torn by the kill
            continue
    return rows


# ----------------------------------------------------------------------------- engines


@pytest.fixture
def dask_cluster() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    # dashboard_address=None still binds the scheduler's HTTP server to port 8787 and warns
    # (an error here) when another cluster holds it; ":0" takes a free port
    cluster = distributed.LocalCluster(
        n_workers=2, processes=False, threads_per_worker=1, dashboard_address=":0"
    )
    try:
        yield cluster
    finally:
        cluster.close()


def test_dask_and_local_pools_give_the_same_tables(
    make_sweep: MakeSweep, tmp_path: Path, dask_cluster: Any
) -> None:
    path = make_sweep(grid12())
    on_dask = run_sweep(path, tmp_path / "dask", scheduler=dask_cluster.scheduler_address)
    run_sweep(path, tmp_path / "pool", workers=2)
    run_sweep(path, tmp_path / "one", workers=1)

    runs = on_dask.runs
    assert len(runs) == 12
    assert (runs["status"] == "ok").all()
    assert set(runs["engine"]) == {f"dask:{dask_cluster.scheduler_address}"}
    assert set(pd.read_csv(tmp_path / "pool" / "runs.csv")["engine"]) == {"local:2"}
    assert runs["seed"].nunique() == 2  # one seed per replication, shared by the points
    pd.testing.assert_frame_equal(stable(tmp_path / "dask"), stable(tmp_path / "pool"))
    pd.testing.assert_frame_equal(stable(tmp_path / "one"), stable(tmp_path / "pool"))
    annual = (tmp_path / "pool" / "annual.csv").read_bytes()
    assert (tmp_path / "dask" / "annual.csv").read_bytes() == annual
    assert (tmp_path / "one" / "annual.csv").read_bytes() == annual


# ----------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("param", "bad", "says"),
    [
        ({"path": CAP, "values": [1.0, -2.0, 3.0]}, -2.0, "too small"),
        (
            {"path": CUT, "values": ["2020-01-20", "2021-06-01", "2020-02-20"]},
            "2021-06-01",
            "outside the horizon",
        ),
    ],
    ids=["negative capacity", "event after the horizon"],
)
def test_an_invalid_value_is_refused_before_any_run(
    make_sweep: MakeSweep,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    param: dict[str, Any],
    bad: Any,
    says: str,
) -> None:
    """Every value of a list is checked against the base scenario first: a sweep that
    would fail in its middle is told at once (exit 2), before a folder is made."""
    path = make_sweep({"name": "failing", "parameters": [param]})
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "parameters[0].values" in err and says in err and str(bad) in err
    assert not out.exists()


def test_a_run_that_fails_fails_alone(
    make_sweep: MakeSweep,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run that fails anyway (a draw in a normal distribution's tail, a bug) is recorded
    with its error, and the others go on."""
    import gasroutes.studies.sweep as sweep_module

    real = sweep_module.run_task

    def second_fails(task: Any) -> dict[str, Any]:
        if task.point == 1:
            task = dataclasses.replace(task, base={**task.base, "start": "not a date"})
        row: dict[str, Any] = real(task)
        return row

    monkeypatch.setattr(sweep_module, "run_task", second_fails)
    path = make_sweep({"name": "failing", "parameters": [{"path": CAP, "values": [1.0, 2.0, 3.0]}]})
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    assert "3 runs, 1 failed" in capsys.readouterr().out
    runs = pd.read_csv(out / "runs.csv", keep_default_na=False)
    assert list(runs["status"]) == ["ok", "failed", "ok"]
    assert "ScenarioError" in str(runs.loc[1, "error"]) and "not a date" in str(
        runs.loc[1, "error"]
    )
    assert list(runs["error"][[0, 2]]) == ["", ""]
    assert runs.loc[1, "exports_bcm_total"] == ""  # no KPI for a failed run
    assert json.loads((out / "sweep.json").read_text())["failed"] == 1
    assert json.loads((out / "sweep.json").read_text())["status"] == "done"
    assert set(pd.read_csv(out / "annual.csv")["run_id"]) == {"failing-0000-00", "failing-0002-00"}
    assert "failing-0001-00" in (out / "report.html").read_text()


# ----------------------------------------------------------------------------- kill and resume


def test_a_killed_sweep_resumes_to_the_same_tables(
    make_sweep: MakeSweep, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """24 runs of 8 years (~0.1 s each): killed after a few, finished with --resume."""
    path = make_sweep(
        {
            "name": "killed",
            "replications": 2,
            "parameters": [
                {"path": CAP, "values": [1.0, 1.5, 2.0, 2.5]},
                {"path": PRICE, "values": [150.0, 200.0, 250.0]},
            ],
            "kpis": KPIS,
        },
        end="2027-12-31",
    )
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gasroutes.cli", "sweep", str(path), "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if (out / "runs.jsonl").exists() and len(journal_rows(out)) >= 3:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
        returncode = proc.wait(timeout=30)
    assert returncode == -signal.SIGKILL, "the sweep ended before it could be killed"

    recorded = len(journal_rows(out))
    assert 3 <= recorded < 24
    assert not (out / "runs.csv").exists()
    assert json.loads((out / "sweep.json").read_text())["status"] == "running"

    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 0
    assert main(["sweep", str(path), "--out", str(tmp_path / "whole"), "--workers", "2"]) == 0
    assert "24 runs, 0 failed" in capsys.readouterr().out
    assert len(journal_rows(out)) == 24
    pd.testing.assert_frame_equal(stable(out), stable(tmp_path / "whole"))
    assert (out / "annual.csv").read_bytes() == (tmp_path / "whole" / "annual.csv").read_bytes()
    assert json.loads((out / "sweep.json").read_text())["status"] == "done"


def test_resume_after_a_torn_last_line_loses_no_run(make_sweep: MakeSweep, tmp_path: Path) -> None:
    """A kill while a record is being written leaves half a line; the records appended on
    --resume must not be glued to it (and lost with it)."""
    path = make_sweep(grid12())
    whole = run_sweep(path, tmp_path / "whole")
    out = tmp_path / "torn"
    run_sweep(path, out)
    journal = out / "runs.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    journal.write_text("".join(lines[:5]) + lines[5][:40], encoding="utf-8")
    (out / "runs.csv").unlink()

    resumed = run_sweep(path, out, resume=True)
    assert len(resumed.runs) == 12
    assert len(journal_rows(out)) == 12
    pd.testing.assert_frame_equal(stable(out), stable(tmp_path / "whole"))
    assert len(whole.runs) == 12
    assert repr(resumed) == f"<SweepResult grid12: 12 runs, 0 failed, in {out}>"


def test_resume_and_rerun_refuse_what_they_cannot_do(
    make_sweep: MakeSweep, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = {"name": "once", "parameters": [{"path": CAP, "values": [1.0, 2.0]}]}
    path = make_sweep(sweep)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    before = stable(out)
    capsys.readouterr()

    # a finished sweep run again into its folder replaces it, as a run's folder is
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(stable(out), before)
    assert len(journal_rows(out)) == 2  # a fresh journal, not one appended to
    capsys.readouterr()
    # ... but not when the folder holds something gasroutes did not write
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    (out / "notes.txt").unlink()
    # ... and an unfinished one is resumed, not run again over
    marker = json.loads((out / ".gasroutes.json").read_text(encoding="utf-8"))
    (out / ".gasroutes.json").write_text(
        json.dumps({**marker, "complete": False}), encoding="utf-8"
    )
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "did not finish" in err and "--resume" in err
    (out / ".gasroutes.json").write_text(json.dumps(marker), encoding="utf-8")
    kept = (out / "runs.csv").read_bytes()

    # --resume on a folder with no sweep in it
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "missing"):
        assert main(["sweep", str(path), "--out", str(folder), "--resume"]) == 2
        assert "nothing to resume" in capsys.readouterr().err

    # --resume after the sweep file changed
    make_sweep({**sweep, "parameters": [{"path": CAP, "values": [1.0, 2.0, 3.0]}]})
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "has changed" in err
    assert "Traceback" not in err
    assert (out / "runs.csv").read_bytes() == kept


# ----------------------------------------------------------------------------- validation


def test_an_unknown_parameter_path_suggests_valid_ones(
    make_sweep: MakeSweep, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = "routes.east.capacity_bcm_per_yr"
    path = make_sweep({"name": "typo", "parameters": [{"path": typo, "values": [1.0]}]})
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert info.value.path == "parameters[0].path"
    assert info.value.value == typo
    assert "routes.east.capacity_bcm_per_year" in info.value.allowed

    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter path" in err
    assert typo in err and "routes.east.capacity_bcm_per_year" in err
    assert "Traceback" not in err
    assert not out.exists()


# what the message must say ({sweep}: the sweep file's path)
INVALID: dict[str, tuple[dict[str, Any] | str, list[str]]] = {
    "unknown KPI": (
        {"name": "k", "parameters": [{"path": CAP, "values": [1.0]}], "kpis": ["exports_bcm_totl"]},
        ["{sweep}", "unknown KPI", "exports_bcm_totl", "exports_bcm_total"],
    ),
    "KPI naming a table, not a number": (
        {
            "name": "k",
            "parameters": [{"path": CAP, "values": [1.0]}],
            "kpis": ["exports_bcm_by_destination"],
        },
        ["{sweep}", "a mapping, not a number", "exports_bcm_by_destination.alpha"],
    ),
    "unknown event id": (
        {"name": "e", "parameters": [{"path": "events[nope].date", "values": ["2020-01-05"]}]},
        ["{sweep}", "unknown parameter path", "events[nope].date"],
    ),
    "the seed as a parameter": (
        {"name": "s", "parameters": [{"path": "seed", "values": [1, 2]}]},
        ["{sweep}", "parameters[0].path", "the sweep sets this itself", "replications"],
    ),
    "grid with a distribution": (
        {
            "name": "g",
            "parameters": [
                {"path": CAP, "distribution": {"kind": "uniform", "low": 1.0, "high": 2.0}}
            ],
        },
        ["{sweep}", "invalid sweep", "a grid design needs values or ranges"],
    ),
    "random design without samples": (
        {"name": "r", "design": "random", "parameters": [{"path": CAP, "values": [1.0, 2.0]}]},
        ["{sweep}", "invalid sweep", "a random design needs 'samples'"],
    ),
    "malformed YAML": ("name: [unclosed\nbase: scenario.yaml\n", ["{sweep}", "malformed YAML"]),
    "missing base scenario": (
        {"name": "m", "base": "nowhere.yaml", "parameters": [{"path": CAP, "values": [1.0]}]},
        ["{sweep}", "nowhere.yaml", "the base scenario does not exist"],
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_an_invalid_sweep_file_exits_2_without_running(
    case: str, make_sweep: MakeSweep, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, says = INVALID[case]
    path = make_sweep({"name": "placeholder", "parameters": []})
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path = make_sweep(content)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    for text in says:
        assert text.format(sweep=path) in err
    assert "Traceback" not in err
    assert not out.exists()


# ----------------------------------------------------------------------------- designs


def spec_of(**kw: Any) -> SweepSpec:
    return SweepSpec.model_validate({"name": "d", "base": "unused.yaml", **kw})


def test_a_grid_is_the_cartesian_product_in_order() -> None:
    spec = spec_of(
        parameters=[
            {"path": "a", "values": [1, 2, 3]},
            {"path": "b", "range": {"start": 0.0, "stop": 10.0, "steps": 3}},
            {"path": "c", "range": {"start": "2020-01-01", "stop": "2020-01-11", "steps": 2}},
        ]
    )
    points = design_points(spec)
    expected = itertools.product(
        [1, 2, 3], [0.0, 5.0, 10.0], [dt.date(2020, 1, 1), dt.date(2020, 1, 11)]
    )
    assert [tuple(p.values()) for p in points] == list(expected)
    assert all(list(p) == ["a", "b", "c"] for p in points)


def sampled(design: str, seed: int, samples: int = 20) -> list[dict[str, Any]]:
    return design_points(
        spec_of(
            design=design,
            samples=samples,
            seed=seed,
            parameters=[
                {"path": "u", "distribution": {"kind": "uniform", "low": 10.0, "high": 20.0}},
                {"path": "n", "distribution": {"kind": "normal", "mean": 5.0, "sd": 2.0}},
                {"path": "c", "distribution": {"kind": "choice", "options": ["x", "y", "z"]}},
                {
                    "path": "i",
                    "integer": True,
                    "distribution": {"kind": "uniform", "low": 1.0, "high": 9.0},
                },
            ],
        )
    )


@pytest.mark.parametrize("design", ["random", "lhs"])
def test_sampled_designs_stay_in_bounds_and_follow_the_seed(design: str) -> None:
    points = sampled(design, seed=3)
    assert len(points) == 20
    for p in points:
        assert 10.0 <= p["u"] < 20.0
        assert isinstance(p["n"], float)
        assert p["c"] in ("x", "y", "z")
        assert isinstance(p["i"], int) and 1 <= p["i"] <= 9
    assert sampled(design, seed=3) == points
    assert sampled(design, seed=4) != points
    assert len({p["u"] for p in points}) == 20


def test_lhs_puts_one_point_in_each_stratum_of_every_parameter() -> None:
    n = 16
    points = sampled("lhs", seed=11, samples=n)
    u = [(p["u"] - 10.0) / 10.0 for p in points]  # uniform: its quantile is linear
    q = [float(stats.norm.cdf(p["n"], 5.0, 2.0)) for p in points]  # normal: through the cdf
    for quantiles in (u, q):
        assert sorted(math.floor(x * n) for x in quantiles) == list(range(n))


def test_events_and_rules_are_swept_by_id(make_sweep: MakeSweep, tmp_path: Path) -> None:
    path = make_sweep(
        {
            "name": "byid",
            "parameters": [
                {"path": CUT, "values": [dt.date(2020, 1, 10), dt.date(2020, 2, 20)]},
                {"path": RULE, "values": [1e12, 2e6]},
            ],
            "kpis": ["annual.alpha.2020", "cutoff_days_by_buyer.alpha"],
        }
    )
    runs = run_sweep(path, tmp_path / "out").runs.set_index([CUT, RULE])
    alpha, days = runs["annual.alpha.2020"], runs["cutoff_days_by_buyer.alpha"]
    # the rule never fires at USD 1e12: the cutoff date alone decides
    assert days[("2020-01-10", 1e12)] == 51 and days[("2020-02-20", 1e12)] == 10
    assert alpha[("2020-01-10", 1e12)] < alpha[("2020-02-20", 1e12)]
    # at USD 2m of arrears the rule cuts alpha off before the late cutoff event
    assert days[("2020-02-20", 2e6)] > 10
    assert alpha[("2020-02-20", 2e6)] < alpha[("2020-02-20", 1e12)]
    assert (tmp_path / "out" / "charts" / "heatmaps.png").is_file()


# ----------------------------------------------------------------------------- outputs


def test_outputs_of_a_one_parameter_sweep_with_kept_runs(
    make_sweep: MakeSweep, tmp_path: Path
) -> None:
    path = make_sweep(
        {
            "name": "kept",
            "replications": 2,
            "parameters": [{"path": CAP, "values": [1.0, 2.0]}],
            "kpis": KPIS,
        }
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--keep-runs"]) == 0

    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns) == [
        "run_id",
        "point",
        "replication",
        "seed",
        CAP,
        "status",
        "error",
        "wall_s",
        "engine",
        *KPIS,
    ]
    ids = ["kept-0000-00", "kept-0000-01", "kept-0001-00", "kept-0001-01"]
    assert list(runs["run_id"]) == ids
    assert list(runs["point"]) == [0, 0, 1, 1]
    assert list(runs["replication"]) == [0, 1, 0, 1]
    annual = pd.read_csv(out / "annual.csv")
    assert annual.columns[0] == "run_id"
    assert set(annual["run_id"]) == set(ids)
    assert {"year", "destination", "quantity"} <= set(annual.columns)

    assert sorted(p.name for p in (out / "charts").iterdir()) == ["kpis.png"]
    assert (out / "report.html").is_file()
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["runs"] == 4 and manifest["failed"] == 0 and manifest["parameters"] == [CAP]
    assert sorted(p.name for p in (out / "runs").iterdir()) == ids
    for run_id in ids:
        summary = json.loads((out / "runs" / run_id / "summary.json").read_text())
        row = runs.set_index("run_id").loc[run_id]
        assert summary["exports_bcm_total"] == pytest.approx(row["exports_bcm_total"], abs=1e-6)


def test_four_parameters_give_tornado_charts_and_a_scatter_matrix(
    make_sweep: MakeSweep, tmp_path: Path
) -> None:
    path = make_sweep(
        {
            "name": "four",
            "design": "lhs",
            "samples": 8,
            "parameters": [
                {"path": CAP, "distribution": {"kind": "uniform", "low": 1.0, "high": 3.0}},
                {"path": PRICE, "distribution": {"kind": "uniform", "low": 100.0, "high": 300.0}},
                {
                    "path": "fields.north.capacity_bcm_per_year",
                    "distribution": {"kind": "uniform", "low": 2.0, "high": 5.0},
                },
                {"path": CUT, "values": ["2020-01-15", "2020-02-01", "2020-02-15"]},
            ],
            "kpis": ["exports_bcm_total", "revenue_usd_total"],
        }
    )
    result = run_sweep(path, tmp_path / "out")
    assert len(result.runs) == 8 and (result.runs["status"] == "ok").all()
    charts = sorted(p.name for p in (tmp_path / "out" / "charts").iterdir())
    assert charts == ["scatter_matrix.png", "tornado_0.png", "tornado_1.png"]
    assert (tmp_path / "out" / "report.html").is_file()


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_a_worker_sends_back_kpis_and_annual_rows_only(make_sweep: MakeSweep) -> None:
    path = make_sweep(grid12())
    spec, base, _ = load_sweep(path)
    task = tasks_of(spec, base, None)[0]
    row = run_task(task)

    assert set(row) == {
        "run_id",
        "point",
        "replication",
        "seed",
        "values",
        "status",
        "error",
        "kpis",
        "annual",
        "wall_s",
    }
    assert row["status"] == "ok"
    assert list(row["kpis"]) == KPIS
    # plain values only: no DataFrame, Series or array
    assert all(isinstance(v, str | int | float | bool | type(None)) for v in _leaves(row))
    # one annual row per year and destination of a one-year run
    assert len(row["annual"]) == 2
    annual_size = len(pickle.dumps(row["annual"]))
    for key, value in row.items():
        if key != "annual":
            assert len(pickle.dumps(value)) <= annual_size, key
    json.dumps(row)  # what the journal stores


# ----------------------------------------------------------------------------- shipped sweeps


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_sweep_files_load(path: Path) -> None:
    spec, base, sha = load_sweep(path)
    assert spec.name == path.stem
    assert len(sha) == 64
    if spec.design == "grid":
        expected = int(np.prod([len(p.levels()) for p in spec.parameters]))
    else:
        assert spec.samples is not None
        expected = spec.samples
    points = design_points(spec)
    assert len(points) == expected
    assert all(list(p) == [q.path for q in spec.parameters] for p in points)
    assert len(tasks_of(spec, base, None)) == expected * spec.replications


def test_every_shipped_sweep_is_tested() -> None:
    assert [p.stem for p in SHIPPED] == [
        "iran-arrears-threshold",
        "line-d-capacity-vs-start",
        "lpg-fleet-size",
        "price-capacity-lhs",
    ]


def test_a_base_with_dated_schedules_runs_and_resumes(
    small: dict[str, Any], tmp_path: Path
) -> None:
    """Schedules have dates for keys: the sweep's record of its base must cope (a resume
    compares it)."""
    scenario = dict(small, end="2020-02-29")
    scenario["fields"] = {
        "north": {"capacity_bcm_per_year": {"2020-01-01": 3.66, "2020-02-01": 1.83}},
        "south": {"capacity_bcm_per_year": 1.83},
    }
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    path = tmp_path / "sweep.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "sched",
                "base": "scenario.yaml",
                "parameters": [{"path": CAP, "values": [1.0, 2.0]}],
            }
        )
    )
    first = run_sweep(path, tmp_path / "out")
    assert list(first.runs["status"]) == ["ok", "ok"]
    again = run_sweep(path, tmp_path / "out", resume=True)
    assert again.runs.drop(columns=["wall_s", "engine"]).equals(
        first.runs.drop(columns=["wall_s", "engine"])
    )


def test_kept_runs_go_to_an_absolute_folder(
    make_sweep: MakeSweep, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Dask worker runs in a working folder of its own: a relative --out must reach it
    as an absolute path, or the kept runs land somewhere else."""
    import gasroutes.studies.sweep as sweep_module

    path = make_sweep({"name": "kept", "parameters": [{"path": CAP, "values": [1.0]}]})
    seen: list[str | None] = []
    engine = sweep_module.local_engine

    def spy(tasks: list[Any], workers: int) -> Any:
        seen.extend(t.keep for t in tasks)
        return engine(tasks, workers)

    monkeypatch.setattr(sweep_module, "local_engine", spy)
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(path), "--out", "relative", "--keep-runs"]) == 0
    assert seen and all(k is not None and Path(k).is_absolute() for k in seen)
    assert (tmp_path / "relative" / "runs" / "kept-0000-00").is_dir()


def test_a_resume_refuses_a_folder_with_files_it_did_not_write(
    make_sweep: MakeSweep, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sealed at the end, the marker would list them as the sweep's, and a later run into
    the folder (which removes what the marker lists) would remove them."""
    sweep = {"name": "mine", "parameters": [{"path": CAP, "values": [1.0, 2.0]}]}
    path = make_sweep(sweep)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--keep-runs"]) == 0
    capsys.readouterr()
    kept = next(p for p in (out / "runs").iterdir() if p.is_dir())
    for added in (out / "NOTES.txt", kept / "mine.txt"):
        added.write_text("mine", encoding="utf-8")
        assert main(["sweep", str(path), "--out", str(out), "--resume", "--keep-runs"]) == 2
        err = capsys.readouterr().err
        assert "did not write" in err and "Traceback" not in err
        assert added.read_text(encoding="utf-8") == "mine"
        added.unlink()
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--keep-runs"]) == 0
