"""Writing a run's data files: its tables (as the run-folder contract,
:mod:`gasroutes.results.runfolder`, lists them), its summary and its manifest; which
tables and in which formats (:class:`Outputs`: every table or the annual ones only, CSV
and Parquet).

The whole folder, charts and report included, is written by
:func:`gasroutes.report.run.write_run`, atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.results.parquet import require_pyarrow, write_parquet
from gasroutes.results.runfolder import DAILY_TABLES, FORMAT_VERSION, TABLE_CHOICES, TABLES
from gasroutes.sim.native import lpg_build

if TYPE_CHECKING:
    import pandas as pd

    from gasroutes.results.result import Result

__all__ = [
    "Outputs",
    "also_parquet",
    "manifest",
    "write_csv",
    "write_data",
    "write_manifest",
    "write_tables",
    "written",
]

# float formats by table (money to the cent)
FLOAT_FORMATS = {"money.csv": "%.2f"}


@dataclass(frozen=True)
class Outputs:
    """Which tables a folder holds, and in which formats: ``tables`` is ``"all"`` (the
    default) or ``"annual"`` (the daily tables, DAILY_TABLES, left out; the annual table,
    the events, the summaries and the charts stay), and with ``parquet`` every table is
    also written as Parquet beside its CSV file.

    Raises ValueError for another ``tables``, and GasroutesError when ``parquet`` is
    asked for and pyarrow is not installed (before anything runs)."""

    tables: str = "all"
    parquet: bool = False

    def __post_init__(self) -> None:
        if self.tables not in TABLE_CHOICES:
            raise ValueError(
                f"tables={self.tables!r}: expected one of {', '.join(map(repr, TABLE_CHOICES))}"
            )
        if self.parquet:
            require_pyarrow()

    def keeps(self, name: str) -> bool:
        """Whether the table ``name`` is written."""
        return self.tables == "all" or name not in DAILY_TABLES

    @property
    def formats(self) -> list[str]:
        return ["csv", "parquet"] if self.parquet else ["csv"]

    def record(self) -> dict[str, Any]:
        """The manifest's fields: ``tables`` and ``formats``."""
        return {"tables": self.tables, "formats": self.formats}


def also_parquet(
    frame: pd.DataFrame,
    csv: Path,
    outputs: Outputs,
    float_format: str = "%.6f",
    columns: tuple[tuple[str, str], ...] = (),
) -> None:
    """With ``outputs.parquet``, the table just written to ``csv`` also as Parquet, beside
    it (the same name, ``.parquet``)."""
    if outputs.parquet:
        write_parquet(frame, csv.with_suffix(".parquet"), float_format, columns)


def write_csv(frame: pd.DataFrame, path: Path, float_format: str) -> None:
    """Write a table as CSV, floats in ``float_format``.

    Several times faster than ``DataFrame.to_csv`` for our long tables of ids, dates and
    floats: each distinct float (by its bits, so -0.0 keeps its sign) is formatted once. A
    table with text that needs quoting goes through pandas instead.
    """
    columns: list[list[str]] = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind == "f":
            bits = col.to_numpy(dtype=np.float64).view(np.int64)
            floats, index = np.unique(bits, return_inverse=True)
            text = np.array(
                [float_format % x for x in floats.view(np.float64).tolist()], dtype=object
            )
            columns.append(text[index.ravel()].tolist())
        elif col.dtype.kind in "iub":
            columns.append(list(map(str, col.tolist())))
        else:
            values = col.tolist()
            distinct = set(values)
            if not all(type(v) is str for v in distinct):
                values = list(map(str, values))
                distinct = set(values)
            if any(c in v for v in distinct for c in ',"\n\r'):
                frame.to_csv(path, index=False, float_format=float_format)
                return
            columns.append(values)
    lines = [",".join(map(str, frame.columns))]
    lines.extend(map(",".join, zip(*columns, strict=True)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_tables(res: Result, folder: Path, outputs: Outputs | None = None) -> list[str]:
    """Write a run's tables (the CSV files of TABLES it has, those ``outputs`` keeps, and
    their Parquet copies when it asks for them) into ``folder``; return the CSV files'
    names."""
    outputs = outputs or Outputs()
    frames = {
        "flows.csv": res.flows,
        "deliveries.csv": res.deliveries,
        "annual.csv": res.annual,
        "money.csv": res.money,
        "production.csv": res.production,
        "events.csv": res.event_table,
        "lpg_queues.csv": res.lpg_queues,
    }
    names = []
    for name in TABLES:
        if not outputs.keeps(name):
            continue
        frame = frames[name]
        if frame is None:
            continue
        fmt = FLOAT_FORMATS.get(name, "%.6f")
        if name == "events.csv":  # free text: quoted by pandas
            frame.to_csv(folder / name, index=False)
        else:
            write_csv(frame, folder / name, fmt)
        also_parquet(frame, folder / name, outputs, fmt, TABLES[name])
        names.append(name)
    return names


def write_data(res: Result, folder: Path, outputs: Outputs | None = None) -> None:
    """A run's tables (those ``outputs`` asks for), summary.json and
    scenario.resolved.yaml, into ``folder``."""
    from gasroutes.scenario.model import scenario_to_yaml

    write_tables(res, folder, outputs)
    (folder / "summary.json").write_text(res.summary_json(), encoding="utf-8")
    (folder / "scenario.resolved.yaml").write_text(scenario_to_yaml(res.scenario), encoding="utf-8")


def write_manifest(meta: dict[str, Any], folder: Path) -> None:
    """manifest.json, last: its ``files`` are the entries written into ``folder``."""
    meta["files"] = [*written(folder), "manifest.json"]
    (folder / "manifest.json").write_text(
        json.dumps(meta, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


def manifest(res: Result, outputs: Outputs | None = None) -> dict[str, Any]:
    """Provenance of a run: what ran, with which versions, when, and for how long; which
    tables its folder holds, in which formats (``outputs``)."""
    from importlib.metadata import version

    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except Exception:  # pragma: no cover - a package without metadata
            return "unknown"

    outputs = outputs or Outputs()
    finished = time.time()
    return {
        "format_version": FORMAT_VERSION,
        "scenario": res.scenario.name,
        "scenario_sha256": res.scenario.sha256(),
        "seed": res.seed,
        "replications": 1,
        **outputs.record(),
        "gasroutes_version": ver("gasroutes"),
        "simpy_version": ver("simpy"),
        "python_version": platform.python_version(),
        # a Parquet file's bytes depend on the version of pyarrow that wrote it
        **({"pyarrow_version": ver("pyarrow")} if outputs.parquet else {}),
        "lpg_build": lpg_build().name,
        "git_commit": _git_commit(),
        "started": _iso(res.started),
        "finished": _iso(finished),
        "simulation_wall_s": round(res.wall_s, 4),
        "wall_s": round(finished - res.started, 4),
    }


def written(folder: Path) -> list[str]:
    """The entries written into a folder so far (its marker left out)."""
    from gasroutes.core.folders import MARKER

    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(MARKER))


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, tz=dt.UTC).isoformat(timespec="seconds")


def _git_commit() -> str | None:
    """Commit of the gasroutes source tree, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
