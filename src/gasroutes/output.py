"""Writing a run's folder: tables, summary, manifest, resolved scenario, charts.

Everything is written into a temporary sibling folder first and renamed into place at the
end, so a failed or interrupted write never damages an earlier run's results.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import lpg_engine
from .errors import RunFolderError

if TYPE_CHECKING:
    import pandas as pd

    from .records import Result

__all__ = ["RUN_FILES", "atomic_folder", "manifest", "write_result", "write_tables"]

RUN_FILES = (
    "flows.csv",
    "deliveries.csv",
    "annual.csv",
    "money.csv",
    "production.csv",
    "events.csv",
    "summary.json",
    "manifest.json",
    "scenario.resolved.yaml",
    "report.html",
)
FORMAT_VERSION = 1


class atomic_folder:
    """Context manager yielding a temporary folder that replaces ``target`` on success."""

    def __init__(self, target: Path) -> None:
        self.target = target.resolve()
        self.tmp = self.target.parent / f".{self.target.name}.tmp-{os.getpid()}"

    def __enter__(self) -> Path:
        here = Path.cwd().resolve()
        if self.target == here or self.target in here.parents:
            raise RunFolderError(
                f"cannot write results to {self.target}: it is the current "
                "folder or one of its parents; give a folder of its own"
            )
        if self.target.exists() and not self.target.is_dir():
            # without this check the file would be renamed aside and the rename of the
            # new folder into place would fail half-way
            raise RunFolderError(
                f"cannot write results to {self.target}: it exists and is not a folder"
            )
        self.target.parent.mkdir(parents=True, exist_ok=True)
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        return self.tmp

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = self.target.parent / f".{self.target.name}.old-{os.getpid()}"
        if self.target.exists():
            self.target.rename(old)
        try:
            self.tmp.rename(self.target)
        except OSError:
            if old.exists():  # put the earlier results back before failing
                old.rename(self.target)
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        if old.exists():
            shutil.rmtree(old)


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


def write_result(res: Result, folder: Path, *, charts: bool = False, svg: bool = False) -> Path:
    """Write a run's folder; return its path."""
    from .scenario import scenario_to_yaml

    with atomic_folder(folder) as tmp:
        write_tables(res, tmp)
        (tmp / "summary.json").write_text(res.summary_json(), encoding="utf-8")
        (tmp / "scenario.resolved.yaml").write_text(
            scenario_to_yaml(res.scenario), encoding="utf-8"
        )
        drawn: list[Path] = []
        if charts:
            from .plots import save_charts

            drawn = save_charts(res, tmp / "charts", svg=svg)
        from .report import run_report

        meta = manifest(res)  # once: the report and manifest.json say the same
        (tmp / "report.html").write_text(
            run_report(res.summary, meta, res.event_table, drawn), encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return folder


def write_tables(res: Result, folder: Path) -> list[str]:
    """Write a run's tables (the CSV files) into ``folder``; return their names."""
    write_csv(res.flows, folder / "flows.csv", "%.6f")
    write_csv(res.deliveries, folder / "deliveries.csv", "%.6f")
    write_csv(res.annual, folder / "annual.csv", "%.6f")
    write_csv(res.money, folder / "money.csv", "%.2f")
    write_csv(res.production, folder / "production.csv", "%.6f")
    res.event_table.to_csv(folder / "events.csv", index=False)
    names = ["flows.csv", "deliveries.csv", "annual.csv", "money.csv", "production.csv"]
    names.append("events.csv")
    if res.lpg_queues is not None:
        write_csv(res.lpg_queues, folder / "lpg_queues.csv", "%.6f")
        names.append("lpg_queues.csv")
    return names


def manifest(res: Result) -> dict[str, Any]:
    """Provenance of a run: what ran, with which versions, when, and for how long."""
    from importlib.metadata import version

    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except Exception:  # pragma: no cover - a package without metadata
            return "unknown"

    finished = time.time()
    return {
        "format_version": FORMAT_VERSION,
        "scenario": res.scenario.name,
        "scenario_sha256": res.scenario.sha256(),
        "seed": res.seed,
        "replications": 1,
        "gasroutes_version": ver("gasroutes"),
        "simpy_version": ver("simpy"),
        "python_version": platform.python_version(),
        "lpg_engine": lpg_engine()[1],
        "git_commit": _git_commit(),
        "started": _iso(res.started),
        "finished": _iso(finished),
        "simulation_wall_s": round(res.wall_s, 4),
        "wall_s": round(finished - res.started, 4),
        "files": list(RUN_FILES),
    }


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
