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
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gasroutes.core.errors import GasroutesError, RunFolderError, ScenarioError
from gasroutes.core.folders import check_replaceable, empty_folder, marker_of, open_folder, seal
from gasroutes.core.limits import MAX_SWEEP_RUNS
from gasroutes.core.workers import start_worker
from gasroutes.results.run import LpgCache, run
from gasroutes.results.runfolder import read_json
from gasroutes.results.writing import Outputs, also_parquet, write_csv
from gasroutes.scenario.paths import set_path
from gasroutes.studies.sweep_spec import SweepSpec, design_points, load_sweep

__all__ = ["SweepResult", "run_sweep"]

log = logging.getLogger(__name__)

JOURNAL = "runs.jsonl"
# writes one run's folder (gasroutes.report.run.write_run): for --keep-runs
WriteRun = Callable[[Any, Path], Any]
# writes the sweep's charts and report page into its folder
Pages = Callable[["SweepResult"], None]


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
    write_run: WriteRun | None = None  # writes a kept run's folder


# Each thread's LPG records of its recent runs: sweep points that leave the LPG chain's
# inputs alone and share a seed run it once (gasroutes.results.run.LpgCache). One cache a
# thread, since Dask may run several tasks of a process at once.
_LOCAL = threading.local()


def lpg_cache() -> LpgCache:
    """This thread's cache of LPG records."""
    cache: LpgCache | None = getattr(_LOCAL, "cache", None)
    if cache is None:
        cache = _LOCAL.cache = LpgCache()
    return cache


def run_task(task: Task) -> dict[str, Any]:
    """Run one task; never raises: a failure is a result with its error."""
    from gasroutes.scenario.loading import scenario_from_dict

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
        scenario = scenario_from_dict(data, file=f"sweep run {task.run_id}")
        result = run(scenario, cache=lpg_cache())
        row["kpis"] = {k: kpi(result.summary, result.annual, k) for k in task.kpis}
        row["annual"] = result.annual.to_dict("records")
        if task.keep:
            assert task.write_run is not None, "a kept run needs a writer"
            task.write_run(result, Path(task.keep) / task.run_id)
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
    """KPI names must be summary keys or annual.<destination>.<year>, with a destination
    of the base scenario and a year of its horizon."""
    from gasroutes.results.run import run
    from gasroutes.scenario.loading import scenario_from_dict

    probe = dict(base, end=base["start"], events=[])  # one day names every summary key
    summary = run(scenario_from_dict(probe, file=file)).summary
    destinations = [
        *base["buyers"],
        *(
            [base["lpg"]["destination"]]
            if base["lpg"].get("plants") or base["lpg"].get("depots")
            else []
        ),
    ]
    first, last = base["start"].year, base["end"].year
    for i, name in enumerate(spec.kpis):
        parts = name.split(".")
        if parts[0] == "annual":
            if len(parts) != 3 or not parts[2].isdigit():
                raise ScenarioError(
                    file, f"kpis[{i}]", name, "annual.<destination>.<year>", "bad annual KPI"
                )
            if parts[1] not in destinations:
                raise ScenarioError(
                    file,
                    f"kpis[{i}]",
                    name,
                    "annual.<destination>.<year> with a destination of the base scenario: "
                    + ", ".join(destinations),
                    "unknown destination",
                )
            if not first <= int(parts[2]) <= last:
                raise ScenarioError(
                    file,
                    f"kpis[{i}]",
                    name,
                    f"annual.<destination>.<year> with a year from {first} to {last} (the "
                    "base scenario's horizon)",
                    "year outside the horizon",
                )
            continue
        value: Any = summary
        for p in parts:
            value = value.get(p) if isinstance(value, dict) else None
        if isinstance(value, dict) and value:
            entries = [f"{name}.{k}" for k, v in value.items() if isinstance(v, int | float)]
            raise ScenarioError(
                file,
                f"kpis[{i}]",
                name,
                "one number: name an entry of this mapping, e.g. " + ", ".join(entries[:4]),
                "a mapping, not a number",
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            keys = [
                k
                for k, v in summary.items()
                if isinstance(v, int | float) and not isinstance(v, bool) and k not in ("seed",)
            ]
            raise ScenarioError(
                file,
                f"kpis[{i}]",
                name,
                "a number of summary.json (nested ones with '.': "
                "exports_bcm_by_destination.<buyer>), e.g. " + ", ".join(keys[:8]),
                "unknown KPI",
            )


MAX_CHECKED = 200  # values of one parameter checked against the base scenario


def check_values(spec: SweepSpec, base: dict[str, Any], file: str) -> None:
    """Every value a parameter takes must be one the base scenario accepts there, checked
    before anything runs: each value of a list (at most MAX_CHECKED), a range's ends and
    middle, a uniform distribution's bounds, a normal one's mean, every option of a
    choice. (A normal distribution's tails are not checked: a draw outside what the
    scenario allows fails its run, which the sweep records.)"""
    from gasroutes.scenario.loading import scenario_from_dict

    for i, p in enumerate(spec.parameters):
        d = p.distribution
        if p.values is not None:
            where, candidates = "values", p.levels()[:MAX_CHECKED]
        elif p.range is not None:
            levels = p.levels()
            where, candidates = "range", [levels[0], levels[len(levels) // 2], levels[-1]]
        elif d is not None and d.kind == "uniform":
            where, candidates = "distribution", [p.at(0.0), p.at(1.0 - 1e-12)]
        elif d is not None and d.kind == "normal":
            where, candidates = "distribution", [p.at(0.5)]
        else:
            where, candidates = "distribution", p.levels()[:MAX_CHECKED]
        for value in dict.fromkeys(candidates):
            data = copy.deepcopy(base)
            set_path(data, p.path, value)
            try:
                scenario_from_dict(data, file=f"{file} (the base scenario)")
            except ScenarioError as err:
                raise ScenarioError(
                    file,
                    f"parameters[{i}].{where}",
                    value,
                    f"a value the base scenario accepts at {p.path}: {err.allowed}",
                    err.problem,
                ) from err


def tasks_of(
    spec: SweepSpec, base: dict[str, Any], keep: Path | None, write_run: WriteRun | None = None
) -> list[Task]:
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
                    write_run if keep else None,
                )
            )
    return out


# ----------------------------------------------------------------------------- engines


WORKER_DIED = "WorkerDied"


def _lost(task: Task, why: str) -> dict[str, Any]:
    """The row of a run whose worker process died under it (killed, out of memory)."""
    return {
        "run_id": task.run_id,
        "point": task.point,
        "replication": task.replication,
        "seed": task.seed,
        "values": {k: _plain(v) for k, v in task.values.items()},
        "status": "failed",
        "error": f"{WORKER_DIED}: {why}",
        "kpis": {k: None for k in task.kpis},
        "annual": [],
        "wall_s": 0.0,
    }


def local_engine(tasks: list[Task], workers: int) -> Iterator[dict[str, Any]]:
    """Results as they finish, from a process pool (or in this process for one worker).

    At most two tasks per worker are in flight, and a finished future is dropped as soon as
    its result is handed on, so memory does not grow with the number of runs. A worker
    that dies (killed, out of memory) breaks the pool: the runs it had in flight are run
    again once in a new pool, and recorded as failed if they are lost a second time."""
    if workers <= 1:
        for t in tasks:
            yield run_task(t)
        return
    pending = deque(tasks)
    retried: set[str] = set()
    while pending:
        with ProcessPoolExecutor(max_workers=workers, initializer=start_worker) as pool:
            running: dict[Any, Task] = {}
            broken = False
            while pending or running:
                while pending and len(running) < 2 * workers and not broken:
                    task = pending.popleft()
                    try:
                        running[pool.submit(run_task, task)] = task
                    except BrokenProcessPool:
                        pending.appendleft(task)
                        broken = True
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = running.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        for lost in [task, *running.values()]:
                            if lost.run_id in retried:
                                yield _lost(
                                    lost, "its worker process died twice (killed or out of memory)"
                                )
                            else:
                                retried.add(lost.run_id)
                                pending.appendleft(lost)
                        running.clear()
                        break
                if broken:
                    log.warning("a worker process died; starting a new pool")
                    break


def dask_client(address: str) -> Any:
    """A client of the Dask distributed cluster at ``address``; made before the sweep's
    folder, so that a scheduler that cannot be used leaves nothing behind."""
    try:
        from distributed import Client
    except ImportError as err:
        raise GasroutesError("--scheduler needs Dask: pip install 'gasroutes[dask]'") from err
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as err:
        raise RunFolderError(f"cannot reach the Dask scheduler at {address}: {err}") from err


def dask_engine(tasks: list[Task], client: Any) -> Iterator[dict[str, Any]]:
    """Results as they finish, from a Dask distributed cluster (with a bounded number of
    tasks in flight, as in the local pool); the client is closed at the end."""
    from distributed import as_completed as dask_completed

    try:
        window = 2 * max(sum(client.nthreads().values()), 1)
        pending = iter(tasks)
        tasks_by_id = {t.run_id: t for t in tasks}
        futures: dict[Any, str] = {}

        def submit(task: Task) -> Any:
            fut = client.submit(run_task, task, pure=False)
            futures[fut] = task.run_id
            return fut

        queue = dask_completed([submit(t) for t in itertools.islice(pending, window)])
        for fut in queue:
            nxt = next(pending, None)
            if nxt is not None:
                queue.add(submit(nxt))
            try:
                result = fut.result()
            except Exception as err:  # a worker lost for good (KilledWorker), the run recorded
                result = _lost(tasks_by_id[futures.pop(fut)], f"{type(err).__name__}: {err}")
            else:
                futures.pop(fut, None)
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

    def __repr__(self) -> str:
        """One line: the sweep, its runs and how many failed, its folder."""
        failed = int((self.runs["status"] != "ok").sum()) if len(self.runs) else 0
        return (
            f"<SweepResult {self.spec.name}: {len(self.runs)} runs, {failed} failed, "
            f"in {self.folder}>"
        )


def run_sweep(
    path: Path,
    out: Path | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    keep_runs: bool = False,
    max_runs: int = MAX_SWEEP_RUNS,
    progress: Callable[[int, int, int, float], None] | None = None,
    write_run: WriteRun | None = None,
    pages: Pages | None = None,
    outputs: Outputs | None = None,
) -> SweepResult:
    """Run (or finish, with ``resume``) the sweep in ``path``; write its folder: the
    journal, runs.csv, annual.csv and sweep.json; ``pages`` adds the charts and the
    report page (:func:`gasroutes.report.sweep.sweep_pages`), ``write_run`` writes each
    run's folder with ``keep_runs``. ``outputs`` is recorded in sweep.json (the tables
    of the kept runs, which ``write_run`` writes, and the formats); with Parquet,
    runs.csv and annual.csv get Parquet copies.

    The folder must be new, empty, or (with ``resume``) a sweep folder of the same sweep
    file, resumed with the same ``outputs``; runs that failed are run again on a
    resume."""
    outputs = outputs or Outputs()
    if keep_runs and write_run is None:
        raise ValueError("keep_runs needs write_run, the writer of a run's folder")
    spec, base, sha = load_sweep(path, max_runs)
    check_kpis(spec, base, str(path))
    check_values(spec, base, str(path))
    # before the folder: a scheduler that cannot be used leaves nothing behind
    client = dask_client(scheduler) if scheduler else None
    out = out or Path("outputs") / "sweeps" / spec.name
    journal = out / JOURNAL
    manifest_path = out / "sweep.json"
    holds = out.is_dir() and not out.is_symlink() and (marker_of(out) or {}).get("kind") == "sweep"
    if resume:
        if not holds or not manifest_path.is_file():
            raise RunFolderError(
                f"{out}: nothing to resume (not a sweep folder, or no sweep.json); run without "
                "--resume"
            )
        previous = read_json(out, "sweep.json", {"sweep_sha256": str, "base_sha256": str})
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
        _check_outputs(out, previous, outputs, keep_runs)
        _check_only_ours(out)
        started_before = previous.get("started")
    else:
        if holds and (journal.exists() or manifest_path.exists()):
            if not (marker_of(out) or {}).get("complete"):
                raise RunFolderError(
                    f"{out}: holds a sweep that did not finish; resume it (--resume, or "
                    "resume=True) to finish it, or give a new folder (--out, or out=)"
                )
            empty_folder(out, "sweep")  # a finished sweep, run again: as a run's folder is
        open_folder(out, "sweep")
        started_before = None
    # absolute: a Dask worker's working folder is not ours
    keep = (out / "runs").absolute() if keep_runs else None
    tasks = tasks_of(spec, base, keep, write_run)
    _drop_torn_line(journal)
    known = {t.run_id for t in tasks}
    done = {r["run_id"] for r in _read_journal(journal, known) if r["status"] == "ok"}
    # replication-major: the runs of one seed follow each other, so that a worker's
    # LpgCache holds the chain's records while the points that can reuse them run
    todo = sorted(
        (t for t in tasks if t.run_id not in done), key=lambda t: (t.replication, t.point)
    )
    engine = f"dask:{scheduler}" if scheduler else f"local:{workers}"
    started = time.time()
    manifest = _manifest(spec, path, sha, len(tasks), engine, "running", started)
    manifest["base_sha256"] = _base_sha(base)
    manifest["formats"] = outputs.formats
    if keep_runs:
        manifest["tables"] = outputs.tables  # what the kept runs' folders hold
    if started_before:
        manifest["started"] = started_before  # the sweep's first start; engine: this leg's
    _write_json(manifest_path, manifest)
    results = dask_engine(todo, client) if client is not None else local_engine(todo, workers)
    failed, clock = 0, time.perf_counter()
    with journal.open("a", encoding="utf-8") as fh:
        for k, row in enumerate(results, start=1):
            row["engine"] = engine
            fh.write(json.dumps(row, default=_plain) + "\n")
            fh.flush()
            failed += row["status"] != "ok"
            if progress:
                progress(len(done) + k, len(tasks), failed, time.perf_counter() - clock)
    rows = _read_journal(journal, known)
    result = _tables(spec, rows, out)
    result.runs.to_csv(out / "runs.csv", index=False, float_format="%.6f")
    also_parquet(result.runs, out / "runs.csv", outputs)
    if len(result.annual):
        write_csv(result.annual, out / "annual.csv", "%.6f")
        also_parquet(result.annual, out / "annual.csv", outputs)
    if pages is not None:
        pages(result)
    manifest.update(
        status="done",
        failed=int((result.runs["status"] != "ok").sum()),
        updated=dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    )
    _write_json(manifest_path, manifest)
    seal(out, "sweep")  # last: the marker lists every file as it stays
    return result


# what a sweep writes at the top of its folder (the Parquet copies with --parquet)
SWEEP_ENTRIES = frozenset(
    {JOURNAL, "sweep.json", "runs.csv", "annual.csv", "runs.parquet", "annual.parquet"}
    | {"report.html", "charts", "runs", ".gasroutes.json", ".gasroutes.json.part"}
)


def _check_only_ours(out: Path) -> None:
    """Before a resume: the folder holds only what the sweep writes, so the marker sealed
    at its end lists nothing of anyone else's (a later run into the folder removes what
    the marker lists). Each kept run's folder must be as its own marker lists it."""
    foreign = [p.name for p in out.iterdir() if p.name not in SWEEP_ENTRIES]
    charts = out / "charts"
    if charts.is_dir() and not charts.is_symlink():
        foreign += [
            f"charts/{p.name}"
            for p in charts.iterdir()
            if p.is_symlink() or not p.is_file() or p.suffix not in (".png", ".svg")
        ]
    elif charts.exists():
        foreign.append("charts")
    runs = out / "runs"
    if runs.is_dir() and not runs.is_symlink():
        for kept in runs.iterdir():
            marker = None if kept.is_symlink() or not kept.is_dir() else marker_of(kept)
            if marker is None:
                foreign.append(f"runs/{kept.name}")
                continue
            if kept.name.startswith("."):
                continue  # a kept run's temporary folder, cleared by its next write
            try:
                check_replaceable(kept, marker["kind"])
            except RunFolderError:
                foreign.append(f"runs/{kept.name} (changed since it was written)")
    elif runs.exists():
        foreign.append("runs")
    if foreign:
        shown = ", ".join(sorted(foreign)[:5]) + (" ..." if len(foreign) > 5 else "")
        raise RunFolderError(
            f"{out}: cannot resume: the folder holds entries the sweep did not write, or "
            f"that changed since ({shown}); move them out, or run into a new folder (--out)"
        )


def _check_outputs(out: Path, previous: dict[str, Any], outputs: Outputs, keep_runs: bool) -> None:
    """A sweep is resumed with the formats it started with, and the tables of its kept
    runs (a sweep.json without them is from before they could be chosen: CSV, every
    table)."""
    formats = previous.get("formats", ["csv"])
    tables = previous.get("tables", "all") if keep_runs else outputs.tables
    if formats != outputs.formats or tables != outputs.tables:
        was = ", ".join(
            ["--parquet" if "parquet" in formats else "no --parquet"]
            + ([f"--tables {tables}"] if keep_runs else [])
        )
        raise RunFolderError(
            f"{out}: this sweep was started with {was}; resume it with the same options (its "
            "tables and kept runs must match), or run it into a new --out folder"
        )


def _base_sha(base: dict[str, Any]) -> str:
    """Hash of the resolved base scenario, so a resume can tell it has not changed."""
    import hashlib

    import yaml

    # YAML, not JSON: schedules have dates for keys
    return hashlib.sha256(yaml.safe_dump(base, sort_keys=True).encode()).hexdigest()


def _read_journal(journal: Path, known: set[str]) -> list[dict[str, Any]]:
    """Finished runs of this sweep, the last record of each run id winning; a line that is
    not a well-formed record of one of its runs (torn by a crash, or edited) is ignored,
    and that run is run again."""
    if not journal.exists():
        return []
    rows: dict[str, dict[str, Any]] = {}
    with journal.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                row = json.loads(line, parse_constant=_not_finite)
            except (ValueError, RecursionError):
                continue
            if _well_formed(row) and row["run_id"] in known:
                rows[row["run_id"]] = row
    return list(rows.values())


def _not_finite(text: str) -> float:
    raise ValueError(text)


def _well_formed(row: Any) -> bool:
    return (
        isinstance(row, dict)
        and isinstance(row.get("run_id"), str)
        and row.get("status") in ("ok", "failed")
        and isinstance(row.get("point"), int)
        and isinstance(row.get("replication"), int)
        and isinstance(row.get("seed"), int)
        and isinstance(row.get("values"), dict)
        and isinstance(row.get("kpis"), dict)
        and all(v is None or isinstance(v, int | float) for v in row["kpis"].values())
        and isinstance(row.get("annual"), list)
        and all(isinstance(a, dict) for a in row["annual"])
        and isinstance(row.get("error", ""), str)
        and isinstance(row.get("wall_s", 0.0), int | float)
    )


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
        rec.update({p.path: r["values"].get(p.path) for p in spec.parameters})
        rec.update(
            status=r["status"],
            error=r.get("error", ""),
            wall_s=r.get("wall_s", 0.0),
            engine=r.get("engine", ""),
        )
        rec.update({k: r["kpis"].get(k) for k in spec.kpis})
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
