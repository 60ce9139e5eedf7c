"""What a folder holds and in which formats: ``--tables annual`` (no daily tables; the
marker and the manifest list exactly what is there; the folder still reads back, for
compare and backtest) and ``--parquet`` (each table also as Parquet: the same frame as
the CSV, byte-identical from one run to the next), for run, replicated runs and sweeps;
and a clear exit 2 when pyarrow is missing.

The runs are the ten-day ``small`` scenario of conftest.py (with demand noise, so that
replications differ), written without charts unless charts are what is checked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from gasroutes.api import backtest, run_replications
from gasroutes.charts.run import CHARTS
from gasroutes.cli import main
from gasroutes.core.errors import RunFolderError
from gasroutes.core.folders import MARKER, inventory
from gasroutes.results.reading import RunData
from gasroutes.results.runfolder import DAILY_TABLES
from gasroutes.scenario.loading import scenario_from_dict

ANNUAL_RUN = {
    "annual.csv",
    "events.csv",
    "summary.json",
    "manifest.json",
    "scenario.resolved.yaml",
    "report.html",
}
REPLICATED_EXTRA = {"replications.csv", "bands.csv"}
DAILY_RUN = {"flows.csv", "deliveries.csv", "money.csv", "production.csv"}


@pytest.fixture
def random_small(small: dict[str, Any]) -> dict[str, Any]:
    """The small scenario with noise on alpha's demand, so replications differ."""
    small["uncertainty"] = {"demand_noise": {"alpha": {"sd": 0.1, "lag1": 0.5}}}
    return small


def files_of(folder: Path) -> set[str]:
    """Every entry of a folder, subfolders' included, but its marker."""
    return set(inventory(folder))


def manifest_of(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def assert_marker_lists_exactly(folder: Path) -> None:
    """The marker names every entry, each with what it is now, and nothing else; the
    manifest's files are the folder's top-level entries."""
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    assert marker["complete"] is True
    assert marker["entries"] == inventory(folder)
    top = sorted(p.name for p in folder.iterdir() if p.name != MARKER)
    assert sorted(manifest_of(folder)["files"]) == top


def csv_frame(path: Path) -> pd.DataFrame:
    """A CSV table as pandas reads it, text kept as written (empty is empty); compared
    with check_exact, since Parquet holds the numbers as the CSV rounds them."""
    return pd.read_csv(path, keep_default_na=False)


# ------------------------------------------------------------------ --tables annual


def test_an_annual_run_folder_has_no_daily_table_but_every_chart(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path
) -> None:
    out = tmp_path / "annual"
    assert main(["run", str(write_yaml(small)), "--out", str(out), "--tables", "annual"]) == 0
    charts = {f"charts/{name}.png" for name in CHARTS if name != "lpg_chain"}  # gas only
    assert files_of(out) == ANNUAL_RUN | {"charts"} | charts
    assert not any((out / name).exists() for name in DAILY_TABLES)
    assert_marker_lists_exactly(out)
    manifest = manifest_of(out)
    assert (manifest["tables"], manifest["formats"]) == ("annual", ["csv"])


def test_a_default_run_records_every_table_in_its_manifest(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path
) -> None:
    out = tmp_path / "all"
    assert main(["run", str(write_yaml(small)), "--out", str(out), "--no-charts"]) == 0
    assert files_of(out) == ANNUAL_RUN | DAILY_RUN
    manifest = manifest_of(out)
    assert (manifest["tables"], manifest["formats"]) == ("all", ["csv"])
    assert "pyarrow_version" not in manifest


def test_an_annual_replicated_folder_keeps_its_summaries_only(
    random_small: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "reps"
    scenario = scenario_from_dict(random_small)
    run_replications(scenario, 3, out, charts=False, tables="annual")
    assert files_of(out) == ANNUAL_RUN | REPLICATED_EXTRA
    assert_marker_lists_exactly(out)
    assert manifest_of(out)["tables"] == "annual"
    annual = pd.read_csv(out / "annual.csv")
    assert sorted(set(annual["replication"])) == [0, 1, 2]
    # read back as any replicated folder: its annual tables and KPIs
    data = RunData.from_folder(out)
    assert data.replicated and data.tables == "annual" and not data.daily
    assert len(data.replications) == 3


def test_an_annual_folder_reads_back_for_compare_and_backtest(
    small: dict[str, Any], tmp_path: Path
) -> None:
    import gasroutes

    result = gasroutes.run(gasroutes.scenario_from_dict(small))
    full, annual = tmp_path / "full", tmp_path / "annual"
    result.write(full)
    result.write(annual, tables="annual")
    a, f = RunData.from_folder(annual), RunData.from_folder(full)
    assert (a.tables, a.daily, f.tables, f.daily) == ("annual", False, "all", True)
    pd.testing.assert_frame_equal(a.annual, f.annual, check_exact=True)
    pd.testing.assert_frame_equal(a.events, f.events, check_exact=True)
    assert a.summary == f.summary
    assert len(a.flows) == len(a.deliveries) == len(a.money) == len(a.production) == 0
    assert list(a.deliveries.columns) == list(f.deliveries.columns)

    observed = tmp_path / "observed.csv"
    observed.write_text("year,destination,quantity\n2020,alpha,0.03\n2020,beta,0.09\n")
    assert backtest(annual, observed).table.equals(backtest(full, observed).table)


def test_a_folder_whose_manifest_names_unknown_tables_is_refused(
    small: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gasroutes

    result = gasroutes.run(gasroutes.scenario_from_dict(small))
    weekly, gone = tmp_path / "weekly", tmp_path / "gone"
    result.write(weekly, tables="annual")
    manifest = manifest_of(weekly)
    manifest["tables"] = "weekly"
    (weekly / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(RunFolderError, match="field 'tables' is 'weekly'"):
        RunData.from_folder(weekly)
    # a folder that says it has every table must have them
    result.write(gone)
    (gone / "flows.csv").unlink()
    code = main(["compare", str(weekly), str(gone), "--out", str(tmp_path / "cmp")])
    assert code == 2
    err = capsys.readouterr().err
    assert "field 'tables' is 'weekly'" in err and "Traceback" not in err
    with pytest.raises(RunFolderError, match=r"missing flows\.csv"):
        RunData.from_folder(gone)


def test_a_sweep_keeps_annual_runs_and_resumes_only_with_the_same_options(
    small: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(small, sort_keys=False))
    sweep = {
        "base": "scenario.yaml",
        "name": "kept",
        "parameters": [{"path": "routes.east.capacity_bcm_per_year", "values": [1.0, 2.0]}],
        "kpis": ["exports_bcm_total"],
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    out = tmp_path / "out"
    argv = ["sweep", str(path), "--out", str(out), "--keep-runs", "--tables", "annual"]
    assert main([*argv, "--parquet"]) == 0
    kept = sorted((out / "runs").iterdir())
    assert [k.name for k in kept] == ["kept-0000-00", "kept-0001-00"]
    for folder in kept:
        parquet = {Path(n).with_suffix(".parquet").name for n in ("annual.csv", "events.csv")}
        assert files_of(folder) == ANNUAL_RUN | parquet
        assert_marker_lists_exactly(folder)
    assert {"runs.parquet", "annual.parquet"} <= files_of(out)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "annual.parquet"), csv_frame(out / "annual.csv"), check_exact=True
    )
    recorded = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert (recorded["tables"], recorded["formats"]) == ("annual", ["csv", "parquet"])
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2  # started with --parquet
    err = capsys.readouterr().err
    assert "started with --parquet, --tables annual" in err and "Traceback" not in err
    assert main([*argv, "--parquet", "--resume"]) == 0


# ------------------------------------------------------------------ --parquet


def test_parquet_holds_the_csv_tables_and_is_byte_identical_run_to_run(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path
) -> None:
    # numbers with more digits than the CSV keeps (the shipped volumes divide evenly)
    small["fields"]["north"]["capacity_bcm_per_year"] = 3.7
    small["buyers"]["alpha"]["contract"]["price_usd_per_tcm"] = 123.456
    path = write_yaml(small)
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        assert main(["run", str(path), "--out", str(out), "--no-charts", "--parquet"]) == 0
    tables = sorted(p.name for p in one.glob("*.csv"))
    assert tables == sorted(["annual.csv", "events.csv", *DAILY_RUN])
    assert sorted(p.name for p in one.glob("*.parquet")) == [
        n.replace(".csv", ".parquet") for n in tables
    ]
    for name in tables:
        parquet = one / name.replace(".csv", ".parquet")
        frame = pd.read_parquet(parquet)
        pd.testing.assert_frame_equal(frame, csv_frame(one / name), check_exact=True)
        assert parquet.read_bytes() == (two / parquet.name).read_bytes(), parquet.name
    money = pd.read_parquet(one / "money.parquet")
    assert money["cut_off"].dtype == bool and money["cut_off"].any()
    assert pd.read_parquet(one / "annual.parquet")["year"].dtype == "int64"
    manifest = manifest_of(one)
    assert manifest["formats"] == ["csv", "parquet"] and manifest["pyarrow_version"]
    assert_marker_lists_exactly(one)


def test_replicated_parquet_joins_the_replications_whatever_the_workers(
    random_small: dict[str, Any], tmp_path: Path
) -> None:
    scenario = scenario_from_dict(random_small)
    one, two = tmp_path / "w1", tmp_path / "w2"
    run_replications(scenario, 3, one, charts=False, parquet=True, workers=1)
    run_replications(scenario, 3, two, charts=False, parquet=True, workers=2)
    csvs = sorted(p.name for p in one.glob("*.csv"))
    assert {"replications.csv", "bands.csv", "flows.csv"} <= set(csvs)
    for name in csvs:
        parquet = one / name.replace(".csv", ".parquet")
        frame = pd.read_parquet(parquet)
        pd.testing.assert_frame_equal(frame, csv_frame(one / name), check_exact=True)
        assert parquet.read_bytes() == (two / parquet.name).read_bytes(), parquet.name
    flows = pd.read_parquet(one / "flows.parquet")
    assert flows.columns[0] == "replication"
    assert sorted(set(flows["replication"])) == [0, 1, 2]
    assert not list(one.glob("rep-*"))
    assert_marker_lists_exactly(one)


def test_parquet_without_pyarrow_exits_2_before_running(
    small: dict[str, Any],
    write_yaml: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = write_yaml(small)
    out = tmp_path / "out"
    for argv in (
        ["run", str(path), "--parquet", "--no-charts"],
        ["run", str(path), "--parquet", "--no-charts", "--replications", "2"],
        ["compare", str(path), str(path), "--parquet"],
        ["sweep", str(path), "--parquet"],  # refused before the sweep file is read
    ):
        assert main([*argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "pip install 'gasroutes[parquet]'" in err, argv
        assert "Traceback" not in err
        assert not out.exists()
    # without --parquet nothing needs pyarrow
    assert main(["run", str(path), "--out", str(tmp_path / "csv"), "--no-charts"]) == 0
