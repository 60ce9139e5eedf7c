"""Sweep benchmark: wall time at 1 and 2 workers, parallel efficiency, and the peak
resident memory of the whole process tree against the number of runs.

    .venv/bin/python benchmarks/bench_sweep.py            # all of it (about 15 minutes)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # 20-run sweeps only

Memory is sampled every 0.2 s from /proc (the sum of VmRSS over gasroutes and its worker
processes); it is Linux only. Writes benchmarks/results/sweep.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


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


def measure(sweep: Path, workers: int) -> dict[str, float]:
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
            time.sleep(0.2)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"sweep {sweep.name} failed with status {proc.returncode}")
    return {"wall_s": wall, "peak_tree_rss_mib": peak / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20-run sweeps only")
    args = parser.parse_args()
    out: dict[str, dict[str, float]] = {}
    if args.quick:
        quick = Path(tempfile.mkdtemp()) / "quick.yaml"
        text = (
            (HERE / "sweeps" / "baseline-200.yaml")
            .read_text()
            .replace("samples: 200", "samples: 20")
            .replace("../../scenarios/", f"{ROOT}/scenarios/")
        )
        quick.write_text(text)
        timing = quick
    else:
        timing = HERE / "sweeps" / "baseline-200.yaml"
    for workers in (1, 2):
        out[f"{timing.stem} workers={workers}"] = measure(timing, workers)
        print(timing.stem, workers, out[f"{timing.stem} workers={workers}"], flush=True)
    one = out[f"{timing.stem} workers=1"]["wall_s"]
    two = out[f"{timing.stem} workers=2"]["wall_s"]
    runs = 20 if args.quick else 200
    print(
        f"runs/s: {runs / one:.2f} at 1 worker, {runs / two:.2f} at 2; "
        f"parallel efficiency {one / (2 * two):.0%}"
    )
    if not args.quick:
        for n in (200, 1000):
            key = f"closure-{n} workers=2"
            out[key] = measure(HERE / "sweeps" / f"closure-{n}.yaml", 2)
            print(key, out[key], flush=True)
    result = {"runs": runs, "efficiency": one / (2 * two), "measurements": out}
    path = HERE / "results" / "sweep.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
