"""Performance harness: where a run's time goes, measured against SimPy's own floor.

Run with ``make bench``. Every figure is the median of several repeats. The floor is a bare
SimPy loop in this same process: one process per field, route, buyer, plant and terminal
of the scenario, each ticking once per simulated day and doing nothing else, i.e. the
scheduling cost of a naive daily model. ``model / floor`` below 1 means the model costs
less than that naive design would spend on scheduling alone.

Prints a table and writes benchmarks/results/latest.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("historical", "baseline")
# the end-to-end runs' output folders: new for each bench, removed at its end
SCRATCH = Path(tempfile.mkdtemp(prefix="gasroutes-bench-"))


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``fn`` over ``repeats`` calls, and the last return value."""
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def floor_loop(entities: int, days: int) -> int:
    """The naive daily model's scheduling cost: ``entities`` processes ticking daily."""
    import simpy

    env = simpy.Environment()

    def tick(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(days):
            yield env.timeout(1)

    for _ in range(entities):
        env.process(tick(env))
    env.run()
    return entities * days


def entity_count(scenario: Any) -> int:
    """Fields, routes (pipelines and rail), buyers, LPG plants and terminals."""
    lpg = getattr(scenario, "lpg", None)  # absent in versions before the LPG chain
    chain = (len(lpg.rail_routes) + len(lpg.plants) + len(lpg.terminals)) if lpg else 0
    return len(scenario.fields) + len(scenario.routes) + len(scenario.buyers) + chain


def command_time(
    args: list[str], repeats: int, env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Median wall time of a command in a fresh process, and its peak RSS in KiB."""
    probe = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        "sys.exit(r.returncode)"
    )
    times, rss = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        times.append(time.perf_counter() - t0)
        rss = max(rss, int(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times), rss


def bench_scenario(name: str, repeats: int) -> dict[str, Any] | None:
    import gasroutes
    from gasroutes.charts.run import save_charts

    path = ROOT / "scenarios" / f"{name}.yaml"
    if not path.exists():
        return None
    load_s, scenario = median_time(lambda: gasroutes.load_scenario(path), repeats)
    entities = entity_count(scenario)
    # the model and its floor in interleaved pairs, as the commands below: a slow spell
    # of the machine hits both sides of a pair alike; which side goes first alternates
    sim_pairs = []
    for i in range(repeats):
        if i % 2:
            floor_one, floor_events = median_time(lambda: floor_loop(entities, scenario.days), 1)
        run_one, result = median_time(lambda: gasroutes.run(scenario), 1)
        if not i % 2:
            floor_one, floor_events = median_time(lambda: floor_loop(entities, scenario.days), 1)
        sim_pairs.append((run_one, floor_one))
    run_s = statistics.median(p[0] for p in sim_pairs)
    floor_s = statistics.median(p[1] for p in sim_pairs)
    with tempfile.TemporaryDirectory() as tmp:

        def write() -> None:
            fresh = gasroutes.run(scenario)  # tables are built lazily: time them too
            t0 = time.perf_counter()
            fresh.write(Path(tmp) / "run")
            times.append(time.perf_counter() - t0)

        times: list[float] = []
        for _ in range(repeats):
            write()
        write_s = statistics.median(times)
        charts_s, _ = median_time(
            lambda: save_charts(result, Path(tmp) / "charts"), max(1, repeats // 2)
        )
    # with and without charts in interleaved pairs: the machine's speed drifts from one
    # minute to the next, and a pair sees the same drift
    exe = str(Path(sys.executable).with_name("gasroutes"))
    pairs, rss_kib = [], 0
    for i in range(repeats):
        without = [exe, "run", str(path), "--no-charts", "--out", str(SCRATCH / f"{name}-nc")]
        if i % 2:  # which goes first alternates
            without_s, _ = command_time(without, 1)
        with_s, rss = command_time([exe, "run", str(path), "--out", str(SCRATCH / name)], 1)
        if not i % 2:
            without_s, _ = command_time(without, 1)
        pairs.append((with_s, without_s))
        rss_kib = max(rss_kib, rss)
    e2e_s = statistics.median(p[0] for p in pairs)
    e2e_nc_s = statistics.median(p[1] for p in pairs)
    return {
        "scenario": name,
        "days": scenario.days,
        "entities": entities,
        "load_s": load_s,
        "simulate_s": run_s,
        "simpy_events": result.sim_events,
        "events_per_s": result.sim_events / run_s,
        "floor_s": floor_s,
        "floor_events": floor_events,
        "model_over_floor": statistics.median(a / b for a, b in sim_pairs),
        "write_tables_s": write_s,
        "draw_charts_s": charts_s,
        "end_to_end_s": e2e_s,
        "end_to_end_no_charts_s": e2e_nc_s,
        "charts_over_no_charts": statistics.median(a / b for a, b in pairs),
        "peak_rss_mib": rss_kib / 1024,
    }


ROWS = [
    ("load and validate (s)", "load_s", "{:.3f}"),
    ("simulate, no I/O (s)", "simulate_s", "{:.3f}"),
    ("SimPy events processed", "simpy_events", "{:,}"),
    ("events per second", "events_per_s", "{:,.0f}"),
    ("floor: naive daily loop (s)", "floor_s", "{:.3f}"),
    ("floor: entities x days", "floor_events", "{:,}"),
    ("model / floor", "model_over_floor", "{:.2f}"),
    ("write tables (s)", "write_tables_s", "{:.3f}"),
    ("draw charts (s)", "draw_charts_s", "{:.3f}"),
    ("gasroutes run, end to end (s)", "end_to_end_s", "{:.2f}"),
    ("... with --no-charts (s)", "end_to_end_no_charts_s", "{:.2f}"),
    ("with charts / without", "charts_over_no_charts", "{:.2f}"),
    ("peak resident memory (MiB)", "peak_rss_mib", "{:.0f}"),
]


def bench_lpg(repeats: int) -> dict[str, Any] | None:
    """The LPG chain's cost in the baseline: with and without it (simulation and end to
    end, --no-charts), and the two road-tanker models."""
    import yaml

    import gasroutes
    from gasroutes.scenario.lpg import LpgChain
    from gasroutes.scenario.model import scenario_to_yaml
    from gasroutes.sim.native import PURE_ENV, lpg_build

    path = ROOT / "scenarios" / "baseline.yaml"
    if not path.exists():
        return None
    scenario = gasroutes.load_scenario(path)
    if not getattr(scenario, "lpg", None) or not scenario.lpg.plants:
        return None
    gas_only = scenario.model_copy(update={"lpg": LpgChain(), "name": "baseline-gas-only"})
    with_s, _ = median_time(lambda: gasroutes.run(scenario), repeats)
    without_s, _ = median_time(lambda: gasroutes.run(gas_only), repeats)
    per_truck_s, _ = median_time(
        lambda: gasroutes.run(scenario, trucks="per_truck"), max(1, repeats // 2)
    )
    exe = str(Path(sys.executable).with_name("gasroutes"))
    pure = {**os.environ, PURE_ENV: "1"}
    e2e: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        gas_file = Path(tmp) / "baseline-gas-only.yaml"
        gas_file.write_text(scenario_to_yaml(gas_only))
        yaml.safe_load(gas_file.read_text())  # it must be a valid file
        # interleaved, so that a slow spell of the machine hits both sides of a pair
        # alike; the ratio is the median of the pairs' ratios (this machine's speed
        # drifts by 20-30% from minute to minute, more than the gap being measured)
        for _ in range(max(repeats, 9)):
            for key, file, env in (
                ("with", path, None),
                ("without", gas_file, None),
                ("with_python", path, pure),
                ("without_python", gas_file, pure),
            ):
                out = str(Path(tmp) / key)
                wall, _ = command_time([exe, "run", str(file), "--no-charts", "--out", out], 1, env)
                e2e.setdefault(key, []).append(wall)
    e2e_s = {key: statistics.median(times) for key, times in e2e.items()}

    def added(with_key: str, without_key: str) -> float:
        pairs = zip(e2e[with_key], e2e[without_key], strict=True)
        return statistics.median(a / b - 1.0 for a, b in pairs)

    return {
        "lpg_build": lpg_build().name,
        "simulate_with_lpg_s": with_s,
        "simulate_without_lpg_s": without_s,
        "simulate_per_truck_s": per_truck_s,
        "per_truck_over_fleet": per_truck_s / with_s,
        "end_to_end_no_charts_with_lpg_s": e2e_s["with"],
        "end_to_end_no_charts_without_lpg_s": e2e_s["without"],
        "lpg_adds_to_end_to_end": added("with", "without"),
        "lpg_adds_to_end_to_end_pure_python": added("with_python", "without_python"),
    }


def bench_replications(repeats: int, n: int = 40) -> dict[str, Any] | None:
    """``gasroutes run china-winter-risk.yaml --replications n --no-charts`` with 1 and 2
    workers: wall time, speed-up, and peak memory of the largest process."""
    path = ROOT / "scenarios" / "china-winter-risk.yaml"
    if not path.exists():
        return None
    exe = str(Path(sys.executable).with_name("gasroutes"))
    out: dict[str, Any] = {"replications": n}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            wall, rss = command_time(
                [
                    exe,
                    "run",
                    str(path),
                    "--replications",
                    str(n),
                    "--workers",
                    str(workers),
                    "--no-charts",
                    "--out",
                    str(Path(tmp) / f"w{workers}"),
                ],
                max(1, repeats // 2),
            )
            out[f"wall_s_{workers}w"] = wall
            out[f"peak_rss_mib_{workers}w"] = rss / 1024
    out["speedup_2w"] = out["wall_s_1w"] / out["wall_s_2w"]
    return out


REP_ROWS = [
    ("1 worker (s)", "wall_s_1w", "{:.2f}"),
    ("2 workers (s)", "wall_s_2w", "{:.2f}"),
    ("speed-up with 2 workers", "speedup_2w", "{:.2f}"),
    ("peak memory, 1 worker (MiB)", "peak_rss_mib_1w", "{:.0f}"),
]


LPG_ROWS = [
    ("simulate, with the LPG chain (s)", "simulate_with_lpg_s", "{:.3f}"),
    ("simulate, without it (s)", "simulate_without_lpg_s", "{:.3f}"),
    ("simulate, one process per truck (s)", "simulate_per_truck_s", "{:.3f}"),
    ("per-truck / fleet model", "per_truck_over_fleet", "{:.2f}"),
    ("run --no-charts, with LPG (s)", "end_to_end_no_charts_with_lpg_s", "{:.2f}"),
    ("run --no-charts, without LPG (s)", "end_to_end_no_charts_without_lpg_s", "{:.2f}"),
    ("LPG adds to the run's wall time", "lpg_adds_to_end_to_end", "{:+.0%}"),
    ("... with the Python engine", "lpg_adds_to_end_to_end_pure_python", "{:+.0%}"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats per figure")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()

    help_s, _ = command_time(
        [str(Path(sys.executable).with_name("gasroutes")), "--help"], args.repeats
    )
    results = [r for n in SCENARIOS if (r := bench_scenario(n, args.repeats)) is not None]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    width = 32
    header = f"{'':<{width}}" + "".join(f"{r['scenario']:>14}" for r in results)
    print(f"gasroutes benchmark, commit {commit or 'unknown'}, median of {args.repeats}")
    print(header)
    for label, key, fmt in ROWS:
        print(f"{label:<{width}}" + "".join(f"{fmt.format(r[key]):>14}" for r in results))
    print(f"{'gasroutes --help (s)':<{width}}{help_s:>14.3f}")
    lpg = bench_lpg(args.repeats)
    if lpg is not None:
        print(f"LPG chain in baseline.yaml (LPG build: {lpg['lpg_build']})")
        for label, key, fmt in LPG_ROWS:
            print(f"  {label:<{width - 2}}{fmt.format(lpg[key]):>14}")
    reps = bench_replications(args.repeats)
    if reps is not None:
        print(f"china-winter-risk.yaml, {reps['replications']} replications, --no-charts")
        for label, key, fmt in REP_ROWS:
            print(f"  {label:<{width - 2}}{fmt.format(reps[key]):>14}")
    print(f"{'sweep throughput (runs/s)':<{width}}{'see benchmarks/bench_sweep.py':>32}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "commit": commit,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "repeats": args.repeats,
                "help_s": help_s,
                "scenarios": results,
                "lpg": lpg,
                "replications": reps,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
