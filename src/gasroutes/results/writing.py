"""Writing a run's data files: its tables (as the run-folder contract,
:mod:`gasroutes.results.runfolder`, lists them), its summary and its manifest.

The whole folder, charts and report included, is written by
:func:`gasroutes.report.run.write_run`, atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.results.runfolder import FORMAT_VERSION, TABLES
from gasroutes.sim.native import lpg_build

if TYPE_CHECKING:
    import pandas as pd

    from gasroutes.results.result import Result

__all__ = ["manifest", "write_csv", "write_data", "write_manifest", "write_tables", "written"]

# float formats by table (money to the cent)
FLOAT_FORMATS = {"money.csv": "%.2f"}


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


def write_tables(res: Result, folder: Path) -> list[str]:
    """Write a run's tables (the CSV files of TABLES it has) into ``folder``; return their
    names."""
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
        frame = frames[name]
        if frame is None:
            continue
        if name == "events.csv":  # free text: quoted by pandas
            frame.to_csv(folder / name, index=False)
        else:
            write_csv(frame, folder / name, FLOAT_FORMATS.get(name, "%.6f"))
        names.append(name)
    return names


def write_data(res: Result, folder: Path) -> None:
    """A run's tables, summary.json and scenario.resolved.yaml, into ``folder``."""
    from gasroutes.scenario.model import scenario_to_yaml

    write_tables(res, folder)
    (folder / "summary.json").write_text(res.summary_json(), encoding="utf-8")
    (folder / "scenario.resolved.yaml").write_text(scenario_to_yaml(res.scenario), encoding="utf-8")


def write_manifest(meta: dict[str, Any], folder: Path) -> None:
    """manifest.json, last: its ``files`` are the entries written into ``folder``."""
    meta["files"] = [*written(folder), "manifest.json"]
    (folder / "manifest.json").write_text(
        json.dumps(meta, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


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
