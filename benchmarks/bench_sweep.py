"""Sweep benchmark: where a sweep run's time goes, and sweeps of the baseline at 1 and 2
workers against the bare SimPy floor timed in the same run.

    .venv/bin/python benchmarks/bench_sweep.py            # all of it (about 4 minutes)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # the breakdown, 100 runs at 1 and 2

Figures:
- the floor: a bare SimPy model of the baseline's size (one process per field, route,
  buyer, LPG plant and terminal, ticking once a day over its 4,017 days; `bench.py`'s);
- the breakdown of one sweep run in a worker, phase by phase (construction, random draws,
  gas dispatch, the LPG chain, results and checks, KPIs and annual rows, pickling), for a
  run that simulates the LPG chain and for one that reuses its records;
- `gasroutes sweep` of the baseline (China's price drawn at random; the KPIs include LPG
  figures) as a command, end to end: wall time, runs per second per core, cost per run
  and core against the floor, parallel efficiency, and the peak resident memory of the
  whole process tree (the sum of VmRSS over gasroutes and its workers, sampled every
  0.1 s from /proc: Linux only) at 200 and 1,000 runs.

Writes benchmarks/results/sweep.json (with --quick, sweep-quick.json, not kept in git).
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import entity_count, floor_loop, median_time

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
KPIS = ["exports_bcm_total", "revenue_usd_total", "lpg_delivered_kt", "annual.china.2030"]


def sweep_file(folder: Path, runs: int) -> Path:
    """A random sweep of the baseline with ``runs`` points."""
    path = folder / f"baseline-{runs}.yaml"
    path.write_text(
        json.dumps(
            {
                "name": f"baseline-{runs}",
                "base": str(BASELINE),
                "design": "random",
                "samples": runs,
                "seed": 1,
                "parameters": [
                    {
                        "path": "buyers.china.contract.price_usd_per_tcm",
                        "distribution": {"kind": "uniform", "low": 150.0, "high": 300.0},
                    }
                ],
                "kpis": KPIS,
            }
        )
    )
    return path


def tree_rss_kib(pid: int) -> int:
    """Sum of VmRSS over ``pid`` and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def measure(sweep: Path, workers: int, runs: int, floor_s: float) -> dict[str, float]:
    """``gasroutes sweep`` as a command: wall time, cost per run and core, peak memory."""
    exe = str(Path(sys.executable).with_name("gasroutes"))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [exe, "sweep", str(sweep), "--workers", str(workers), "--out", str(Path(tmp) / "out")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss_kib(proc.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"sweep {sweep.name} failed with status {proc.returncode}")
    per_run_core = wall * workers / runs
    return {
        "runs": runs,
        "workers": workers,
        "wall_s": wall,
        "runs_per_s": runs / wall,
        "runs_per_s_per_core": runs / (wall * workers),
        "s_per_run_and_core": per_run_core,
        "over_floor": per_run_core / floor_s,
        "peak_tree_rss_mib": peak / 1024,
    }


# ----------------------------------------------------------------------------- breakdown


@contextmanager
def timed(phases: dict[str, float], targets: list[tuple[Any, str, str]]) -> Iterator[None]:
    """Add each wrapped function's wall time to ``phases[label]`` while the block runs."""
    saved = []
    for module, name, label in targets:
        fn = getattr(module, name)
        saved.append((module, name, fn))

        def wrapper(*a: Any, _fn: Callable[..., Any] = fn, _label: str = label, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                phases[_label] += time.perf_counter() - t0

        setattr(module, name, wrapper)
    try:
        yield
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


def breakdown(runs: int) -> dict[str, dict[str, float]]:
    """Per-run milliseconds of each phase of a sweep worker's run (``run_task``), for the
    first run (the LPG chain simulated) and the median over the next ``runs`` (reused)."""
    import gasroutes.results.run as results_run
    import gasroutes.scenario.loading as loading
    import gasroutes.sim.run as sim_run
    import gasroutes.studies.sweep as sweep
    from gasroutes.results.result import Result
    from gasroutes.results.run import LpgCache
    from gasroutes.studies.sweep_spec import load_sweep

    with tempfile.TemporaryDirectory() as tmp:
        spec, base, _ = load_sweep(sweep_file(Path(tmp), runs + 1), runs + 1)
    tasks = sweep.tasks_of(spec, base, None)
    cache = LpgCache()  # cold: the first run simulates the chain
    targets = [
        (loading, "scenario_from_dict", "construction (copy, set, validate)"),
        (sim_run.Calendar, "build", "calendar"),
        (sim_run, "build_timeline", "timeline of dated changes"),
        (sim_run, "random_changes", "random draws: outages"),
        (sim_run, "noise_series", "random draws: demand and price noise"),
        (sim_run, "build_inputs", "gas: daily inputs (capacities, nominations)"),
        (sim_run, "solve", "gas: dispatch and money"),
        (sim_run, "lpg_key", "LPG: key of the chain's inputs"),
        (sim_run.simpy.Environment, "run", "SimPy run (LPG chain, timeline)"),
        (Result, "build", "results: arrays"),
        (results_run, "checked", "results: conservation and finiteness"),
        (sweep, "kpi", "KPIs and annual rows"),
    ]
    rows: list[dict[str, float]] = []
    saved = sweep.lpg_cache
    sweep.lpg_cache = lambda: cache
    try:
        for task in tasks:
            phases: dict[str, float] = defaultdict(float)
            with timed(phases, targets):
                t0 = time.perf_counter()
                row = sweep.run_task(task)
                total = time.perf_counter() - t0
            phases["other (copying the base, set_path, SimPy set-up)"] = total - sum(
                phases.values()
            )
            phases["total"] = total
            t0 = time.perf_counter()
            pickle.dumps(row)
            phases["pickling the row (after the run)"] = time.perf_counter() - t0
            rows.append({k: v * 1000 for k, v in phases.items()})
            if row["status"] != "ok":
                raise SystemExit(f"run {task.run_id} failed: {row['error']}")
    finally:
        sweep.lpg_cache = saved
    keys = list(rows[0])
    return {
        "first run (LPG chain simulated), ms": rows[0],
        f"median of {runs} runs reusing the LPG records, ms": {
            k: statistics.median(r.get(k, 0.0) for r in rows[1:]) for k in keys
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100-run sweeps only")
    args = parser.parse_args()
    import gasroutes
    from gasroutes.sim.native import lpg_build

    scenario = gasroutes.load_scenario(BASELINE)
    entities = entity_count(scenario)
    floor_s, _ = median_time(lambda: floor_loop(entities, scenario.days), 7)
    print(f"floor: {entities} processes x {scenario.days} days in {floor_s:.3f} s", flush=True)
    parts = breakdown(30)
    for title, phases in parts.items():
        print(title)
        for k, v in phases.items():
            print(f"  {k:<48}{v:>9.1f}")
    plan = [(100, 1), (100, 2)] if args.quick else [(100, 2), (200, 2), (1000, 1), (1000, 2)]
    sweeps: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for runs, workers in plan:
            key = f"{runs} runs, {workers} workers"
            sweeps[key] = measure(sweep_file(Path(tmp), runs), workers, runs, floor_s)
            m = sweeps[key]
            print(
                f"{key}: {m['wall_s']:.1f} s, {m['runs_per_s_per_core']:.2f} runs/s/core, "
                f"{m['s_per_run_and_core']:.3f} s a run and core = {m['over_floor']:.2f} x floor, "
                f"peak tree RSS {m['peak_tree_rss_mib']:.0f} MiB",
                flush=True,
            )
    n = 100 if args.quick else 1000
    one, two = sweeps[f"{n} runs, 1 workers"], sweeps[f"{n} runs, 2 workers"]
    efficiency = one["wall_s"] / (2 * two["wall_s"])
    print(f"parallel efficiency at 2 workers ({n} runs): {efficiency:.2f}")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    result = {
        "commit": commit,
        "python": platform.python_version(),
        "floor_s": floor_s,
        "floor_entities": entities,
        "floor_days": scenario.days,
        "breakdown_ms": parts,
        "sweeps": sweeps,
        "efficiency": efficiency,
        "lpg_build": lpg_build().name,
    }
    # a quick look never replaces the full figures kept in the repository
    path = HERE / "results" / ("sweep-quick.json" if args.quick else "sweep.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
