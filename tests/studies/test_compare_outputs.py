"""What ``gasroutes compare`` writes besides its charts: runs read from folders written
with ``--tables annual`` (compared from their annual tables, the daily charts left out
with a note), the runs of scenario files kept with ``--tables annual`` (the charts still
all drawn, from the runs in memory), Parquet copies of kpis.csv, and ``--excel``'s
compare.xlsx (read back with openpyxl: its sheets, numbers, header, panes and widths;
byte-identical from one write to the next); and a clear exit 2 when openpyxl is
missing.

The runs are the ten-day ``small`` scenario of conftest.py and a copy with a lower
price for beta.
"""

from __future__ import annotations

import copy
import datetime as dt
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import gasroutes
from gasroutes.api import Comparison
from gasroutes.charts.compare import COMPARE_CHARTS
from gasroutes.cli import main
from gasroutes.core.errors import RunFolderError
from gasroutes.report.compare import plot_comparison
from gasroutes.results.runfolder import DAILY_TABLES


@pytest.fixture
def two(small: dict[str, Any], write_yaml: Any) -> tuple[Path, Path]:
    """Two scenario files: small, and cheap (beta's price halved)."""
    cheap = copy.deepcopy(small)
    cheap["name"] = "cheap"
    cheap["buyers"]["beta"]["contract"]["price_usd_per_tcm"] = 100
    return write_yaml(small, "small.yaml"), write_yaml(cheap, "cheap.yaml")


@pytest.fixture
def folders(two: tuple[Path, Path], tmp_path: Path) -> dict[str, Path]:
    """small with every table, cheap with its annual tables only."""
    out = {"small": tmp_path / "small", "cheap": tmp_path / "cheap"}
    assert main(["run", str(two[0]), "--out", str(out["small"]), "--no-charts"]) == 0
    argv = ["run", str(two[1]), "--out", str(out["cheap"]), "--no-charts", "--tables", "annual"]
    assert main(argv) == 0
    return out


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path)
    return list(book[name].iter_rows(values_only=True))


def test_folders_written_with_annual_tables_are_compared_from_them(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    capsys.readouterr()
    assert main(["compare", str(folders["small"]), str(folders["cheap"]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "note: cheap was written with --tables annual" in printed
    assert sorted(p.stem for p in (out / "charts").glob("*.png")) == ["annual_exports"]
    kpis = pd.read_csv(out / "kpis.csv", index_col="kpi")
    assert kpis.loc["revenue_usd_by_buyer.beta", "cheap - small"] < 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "cheap was written with --tables annual" in page
    # a daily chart of such a comparison is refused by name, with what to do
    c = gasroutes.compare([folders["small"], folders["cheap"]])
    assert c.without_daily == ["cheap"]
    with pytest.raises(RunFolderError, match="run it again without --tables annual"):
        plot_comparison(c, "deliveries")


def test_runs_kept_with_annual_tables_still_get_every_chart(
    two: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", *map(str, two), "--out", str(out), "--tables", "annual"]) == 0
    assert sorted(p.stem for p in (out / "charts").glob("*.png")) == sorted(COMPARE_CHARTS)
    for name in ("small", "cheap"):
        kept = out / "runs" / name
        assert (kept / "annual.csv").is_file()
        assert not any((kept / t).exists() for t in DAILY_TABLES)


def test_kpis_get_a_parquet_copy(folders: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", str(folders["small"]), str(folders["cheap"]), "--out", str(out)]
    assert main([*argv, "--parquet"]) == 0
    parquet = pd.read_parquet(out / "kpis.parquet")
    csv = pd.read_csv(out / "kpis.csv")
    pd.testing.assert_frame_equal(parquet, csv, check_exact=True)


def test_the_workbook_holds_the_key_figures_and_annual_rows(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        argv = ["compare", str(folders["small"]), str(folders["cheap"]), "--out", str(out)]
        assert main([*argv, "--excel"]) == 0
    book = one / "compare.xlsx"
    assert book.read_bytes() == (two / "compare.xlsx").read_bytes()

    loaded = openpyxl.load_workbook(book)
    assert loaded.sheetnames == ["key figures", "annual"]
    # no clock in the file: the workbook's times and its zip entries' are fixed
    assert loaded.properties.created == loaded.properties.modified == dt.datetime(2000, 1, 1)
    with zipfile.ZipFile(book) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}

    kpis = pd.read_csv(one / "kpis.csv")
    rows = sheet_rows(book, "key figures")
    assert rows[0] == ("kpi", "unit", "small", "cheap", "cheap - small")
    assert [r[0] for r in rows[1:]] == kpis["kpi"].tolist()
    units = {r[0]: r[1] for r in rows[1:]}
    assert units["exports_bcm_total"] == "bcm"
    assert units["revenue_usd_by_buyer.beta"] == "USD"
    assert units["cutoff_days_by_buyer.alpha"] == "days"
    for row, (_, want) in zip(rows[1:], kpis.iterrows(), strict=True):
        for value, column in zip(row[2:], ("small", "cheap", "cheap - small"), strict=True):
            assert isinstance(value, int | float), (row[0], value)
            assert value == pytest.approx(want[column], abs=1e-6)

    annual = sheet_rows(book, "annual")
    assert annual[0] == ("run", "year", "destination", "commodity", "quantity", "unit")
    want = []
    for name in ("small", "cheap"):
        frame = pd.read_csv(folders[name] / "annual.csv")
        want += [(name, *r) for r in frame.itertuples(index=False, name=None)]
    assert [r[:4] + r[5:] for r in annual[1:]] == [w[:4] + w[5:] for w in want]
    assert [r[4] for r in annual[1:]] == pytest.approx([w[4] for w in want])

    for sheet, frozen in (("key figures", "C2"), ("annual", "B2")):
        ws = loaded[sheet]
        assert ws.freeze_panes == frozen
        header = next(ws.iter_rows(max_row=1))
        assert all(cell.font.bold for cell in header)
        for cell in header:
            assert ws.column_dimensions[cell.column_letter].width >= len(str(cell.value))
    key = loaded["key figures"]
    longest = max(len(str(r[0])) for r in rows)
    assert key.column_dimensions["A"].width >= longest


def test_a_replicated_comparison_adds_its_replications_and_differences(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path
) -> None:
    small["uncertainty"] = {"demand_noise": {"alpha": {"sd": 0.1, "lag1": 0.5}}}
    path = write_yaml(small)
    reps = tmp_path / "reps"
    run = ["run", str(path), "--replications", "3", "--no-charts", "--tables", "annual"]
    assert main([*run, "--out", str(reps)]) == 0
    single = tmp_path / "single"
    assert main(["run", str(path), "--out", str(single), "--no-charts"]) == 0
    out = tmp_path / "cmp"
    assert main(["compare", str(reps), str(single), "--out", str(out), "--excel"]) == 0
    book = openpyxl.load_workbook(out / "compare.xlsx")
    assert book.sheetnames == ["key figures", "annual", "annual by replication", "differences"]
    by_rep = list(book["annual by replication"].iter_rows(values_only=True))
    assert by_rep[0][:2] == ("run", "replication")
    assert {(r[0], r[1]) for r in by_rep[1:]} == {("small", 0), ("small", 1), ("small", 2)} | {
        ("small-2", 0)
    }
    differences = pd.read_csv(out / "differences.csv")
    rows = list(book["differences"].iter_rows(values_only=True))
    assert rows[0] == tuple(differences.columns)
    assert len(rows) == len(differences) + 1


def test_excel_without_openpyxl_exits_2_before_running(
    two: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl raises ImportError
    ran: list[Any] = []
    monkeypatch.setattr("gasroutes.results.run.run", lambda *a, **k: ran.append(a))
    out = tmp_path / "cmp"
    assert main(["compare", *map(str, two), "--out", str(out), "--excel"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'gasroutes[excel]'" in err and "Traceback" not in err
    assert not out.exists() and ran == []
    with pytest.raises(gasroutes.GasroutesError, match="gasroutes\\[excel\\]"):
        Comparison([]).write(tmp_path / "api", excel=True)
