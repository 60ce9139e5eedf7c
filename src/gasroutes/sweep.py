"""Parameter sweeps: many runs of one scenario, in a local process pool or on Dask.

Each run's result (status, error, KPIs, annual rows) is appended to ``runs.jsonl`` the
moment it finishes, so an interrupted sweep loses at most the runs in flight and
``--resume`` finishes the rest. At the end the tables are written sorted by run id, so they
are the same whatever the engine or the number of workers (only ``wall_s`` and ``engine``
differ). No run's daily tables outlive the run: workers send back KPIs and annual rows only.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import GasroutesError, RunFolderError, ScenarioError
from .sweep_spec import SweepSpec, design_points, load_sweep, set_path

__all__ = ["SweepResult", "run_sweep", "sweep"]

log = logging.getLogger(__name__)

JOURNAL = "runs.jsonl"


@dataclass(frozen=True)
class Task:
    """One run of the sweep, everything a worker needs."""

    run_id: str
    point: int
    replication: int
    seed: int
    values: dict[str, Any]
    base: dict[str, Any]
    kpis: tuple[str, ...]
    keep: str | None  # folder for the run's full output, with --keep-runs


def run_task(task: Task) -> dict[str, Any]:
    """Run one task; never raises: a failure is a result with its error."""
    from .model import run
    from .scenario import scenario_from_dict

    started = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": task.run_id,
        "point": task.point,
        "replication": task.replication,
        "seed": task.seed,
        "values": {k: _plain(v) for k, v in task.values.items()},
    }
    try:
        data = copy.deepcopy(task.base)
        for path, value in task.values.items():
            set_path(data, path, value)
        data["seed"] = task.seed
        data["name"] = task.run_id
        result = run(scenario_from_dict(data, file=f"sweep run {task.run_id}"))
        row["kpis"] = {k: kpi(result.summary, result.annual, k) for k in task.kpis}
        row["annual"] = result.annual.to_dict("records")
        if task.keep:
            result.write(Path(task.keep) / task.run_id)
        row.update(status="ok", error="")
    except Exception as err:  # recorded, and the sweep goes on
        row.update(
            status="failed",
            error=f"{type(err).__name__}: {err}".replace("\n", " "),
            kpis={k: None for k in task.kpis},
            annual=[],
        )
    row["wall_s"] = round(time.perf_counter() - started, 4)
    return row


def kpi(summary: dict[str, Any], annual: pd.DataFrame, name: str) -> float | None:
    """A KPI by name: a summary key (``a.b`` for nested ones) or ``annual.<dest>.<year>``."""
    parts = name.split(".")
    if parts[0] == "annual" and len(parts) == 3:
        rows = annual[(annual["destination"] == parts[1]) & (annual["year"] == int(parts[2]))]
        return float(rows["quantity"].sum()) if len(rows) else None
    value: Any = summary
    for p in parts:
        if not isinstance(value, dict) or p not in value:
            return None
        value = value[p]
    return float(value) if isinstance(value, int | float) else None


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def check_kpis(spec: SweepSpec, base: dict[str, Any], file: str) -> None:
    """KPI names must be summary keys or annual.<destination>.<year>."""
    from .model import run
    from .scenario import scenario_from_dict

    probe = dict(base, end=base["start"], events=[])  # one day names every summary key
    summary = run(scenario_from_dict(probe, file=file)).summary
    for i, name in enumerate(spec.kpis):
        parts = name.split(".")
        if parts[0] == "annual":
            if len(parts) == 3 and parts[2].isdigit():
                continue
            raise ScenarioError(
                file, f"kpis[{i}]", name, "annual.<destination>.<year>", "bad annual KPI"
            )
        value: Any = summary
        for p in parts:
            value = value.get(p) if isinstance(value, dict) else None
        if not isinstance(value, int | float):
            keys = [k for k, v in summary.items() if isinstance(v, int | float | dict)]
            raise ScenarioError(
                file,
                f"kpis[{i}]",
                name,
                "a key of summary.json (nested with '.'), e.g. " + ", ".join(keys[:8]),
                "unknown KPI",
            )


def tasks_of(spec: SweepSpec, base: dict[str, Any], keep: Path | None) -> list[Task]:
    """Every run of the sweep: design points x replications, with derived seeds."""
    seeds = np.random.SeedSequence(spec.seed).generate_state(spec.replications)
    out = []
    for i, values in enumerate(design_points(spec)):
        for r in range(spec.replications):
            run_seed = int(seeds[r]) if spec.replications > 1 else int(base.get("seed", 0))
            out.append(
                Task(
                    f"{spec.name}-{i:04d}-{r:02d}",
                    i,
                    r,
                    run_seed,
                    values,
                    base,
                    spec.kpis,
                    str(keep) if keep else None,
                )
            )
    return out


# ----------------------------------------------------------------------------- engines


def local_engine(tasks: list[Task], workers: int) -> Iterator[dict[str, Any]]:
    """Results as they finish, from a process pool (or in this process for one worker).

    At most two tasks per worker are in flight, and a finished future is dropped as soon as
    its result is handed on, so memory does not grow with the number of runs."""
    if workers <= 1:
        for t in tasks:
            yield run_task(t)
        return
    pending = iter(tasks)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        running = {pool.submit(run_task, t) for t in itertools.islice(pending, 2 * workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                nxt = next(pending, None)
                if nxt is not None:
                    running.add(pool.submit(run_task, nxt))
                yield fut.result()


def dask_engine(tasks: list[Task], address: str) -> Iterator[dict[str, Any]]:
    """Results as they finish, from a Dask distributed cluster at ``address`` (with a
    bounded number of tasks in flight, as in the local pool)."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as err:
        raise GasroutesError("--scheduler needs Dask: pip install 'gasroutes[dask]'") from err
    try:
        client = Client(address, timeout="10s")
    except OSError as err:
        raise RunFolderError(f"cannot reach the Dask scheduler at {address}: {err}") from err
    try:
        window = 2 * max(sum(client.nthreads().values()), 1)
        pending = iter(tasks)
        queue = dask_completed(
            [client.submit(run_task, t, pure=False) for t in itertools.islice(pending, window)]
        )
        for fut in queue:
            nxt = next(pending, None)
            if nxt is not None:
                queue.add(client.submit(run_task, nxt, pure=False))
            result = fut.result()
            fut.release()
            yield result
    finally:
        client.close()


# ----------------------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    """The finished sweep's tables."""

    spec: SweepSpec
    runs: pd.DataFrame
    annual: pd.DataFrame
    folder: Path


def run_sweep(
    path: Path,
    out: Path | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    keep_runs: bool = False,
    progress: Callable[[int, int, int, float], None] | None = None,
) -> SweepResult:
    """Run (or finish, with ``resume``) the sweep in ``path``; write its folder."""
    spec, base, sha = load_sweep(path)
    check_kpis(spec, base, str(path))
    out = out or Path("outputs") / "sweeps" / spec.name
    journal = out / JOURNAL
    manifest_path = out / "sweep.json"
    if resume:
        if not manifest_path.is_file():
            raise RunFolderError(f"{out}: nothing to resume (no sweep.json); run without --resume")
        previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        if previous.get("sweep_sha256") != sha:
            raise RunFolderError(
                f"{out}: the sweep file {path} has changed since this sweep "
                "started; run it into a new --out folder"
            )
        if previous.get("base_sha256") != _base_sha(base):
            raise RunFolderError(
                f"{out}: the base scenario {spec.base} has changed since "
                "this sweep started; run it into a new --out folder"
            )
        started_before = previous.get("started")
    else:
        started_before = None
    if not resume and journal.exists():
        raise RunFolderError(
            f"{out}: already holds a sweep; use --resume to finish it or --out for a new folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    keep = out / "runs" if keep_runs else None
    tasks = tasks_of(spec, base, keep)
    _drop_torn_line(journal)
    done = {r["run_id"] for r in _read_journal(journal)}
    todo = [t for t in tasks if t.run_id not in done]
    engine = f"dask:{scheduler}" if scheduler else f"local:{workers}"
    started = time.time()
    manifest = _manifest(spec, path, sha, len(tasks), engine, "running", started)
    manifest["base_sha256"] = _base_sha(base)
    if started_before:
        manifest["started"] = started_before  # the sweep's first start; engine: this leg's
    _write_json(manifest_path, manifest)
    results = dask_engine(todo, scheduler) if scheduler else local_engine(todo, workers)
    failed, clock = 0, time.perf_counter()
    with journal.open("a", encoding="utf-8") as fh:
        for k, row in enumerate(results, start=1):
            row["engine"] = engine
            fh.write(json.dumps(row, default=_plain) + "\n")
            fh.flush()
            failed += row["status"] != "ok"
            if progress:
                progress(len(done) + k, len(tasks), failed, time.perf_counter() - clock)
    rows = _read_journal(journal)
    result = _tables(spec, rows, out)
    from .sweep_report import write_sweep_outputs

    write_sweep_outputs(result)
    manifest.update(
        status="done",
        failed=int((result.runs["status"] != "ok").sum()),
        updated=dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    )
    _write_json(manifest_path, manifest)
    return result


def sweep(path: str | Path, out: str | Path | None = None, **kw: Any) -> SweepResult:
    """Python API of ``gasroutes sweep``."""
    return run_sweep(Path(path), Path(out) if out is not None else None, **kw)


def _base_sha(base: dict[str, Any]) -> str:
    """Hash of the resolved base scenario, so a resume can tell it has not changed."""
    import hashlib

    import yaml

    # YAML, not JSON: schedules have dates for keys
    return hashlib.sha256(yaml.safe_dump(base, sort_keys=True).encode()).hexdigest()


def _read_journal(journal: Path) -> list[dict[str, Any]]:
    """Finished runs, the last record of each run id winning; a torn last line (a crash
    while writing) is ignored."""
    if not journal.exists():
        return []
    rows: dict[str, dict[str, Any]] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        rows[row["run_id"]] = row
    return list(rows.values())


def _drop_torn_line(journal: Path) -> None:
    """Cut off a last line left without its newline by a crash while writing it; appended
    after it, the next record would share its line and be lost with it."""
    if not journal.exists():
        return
    data = journal.read_bytes()
    if data and not data.endswith(b"\n"):
        with journal.open("r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)


def _tables(spec: SweepSpec, rows: Iterable[dict[str, Any]], out: Path) -> SweepResult:
    rows = sorted(rows, key=lambda r: r["run_id"])
    records = []
    for r in rows:
        rec: dict[str, Any] = {
            "run_id": r["run_id"],
            "point": r["point"],
            "replication": r["replication"],
            "seed": r["seed"],
        }
        rec.update(r["values"])
        rec.update(
            status=r["status"], error=r["error"], wall_s=r["wall_s"], engine=r.get("engine", "")
        )
        rec.update(r["kpis"])
        records.append(rec)
    runs = pd.DataFrame(records)
    annual = pd.DataFrame([{"run_id": r["run_id"], **a} for r in rows for a in r["annual"]])
    return SweepResult(spec, runs, annual, out)


def _manifest(
    spec: SweepSpec, path: Path, sha: str, total: int, engine: str, status: str, started: float
) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "sweep": spec.name,
        "file": str(path),
        "sweep_sha256": sha,
        "base": spec.base,
        "design": spec.design,
        "parameters": [p.path for p in spec.parameters],
        "kpis": list(spec.kpis),
        "replications": spec.replications,
        "seed": spec.seed,
        "runs": total,
        "engine": engine,
        "status": status,
        "gasroutes_version": version("gasroutes"),
        "started": dt.datetime.fromtimestamp(started, tz=dt.UTC).isoformat(timespec="seconds"),
        "updated": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def progress_bar(done: int, total: int, failed: int, elapsed: float) -> None:
    """A one-line progress bar on stderr: done/total, failures, ETA."""
    width = 30
    filled = int(width * done / max(total, 1))
    rate = elapsed / max(done, 1)
    eta = int(rate * (total - done))
    line = (
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} runs, "
        f"{failed} failed, ETA {eta // 60}:{eta % 60:02d}"
    )
    if sys.stderr.isatty() or done == total or done % max(total // 10, 1) == 0:
        sys.stderr.write(line + ("\n" if done == total or not sys.stderr.isatty() else ""))
        sys.stderr.flush()
