"""Replications: the same scenario run with N seeds, and the spread of its results.

Replication ``r`` runs with seed ``replication_seeds(seed, N)[r]``; replication 0 uses the
scenario's own seed, so it is exactly the plain run. Replications run in a process pool;
each writes its tables into the (temporary) output folder, and the tables are then joined
in replication order with a ``replication`` column in front, so the files do not depend
on the number of workers.

Besides the run files, a replicated folder has:

- ``replications.csv``: one row per replication: its seed and every scalar KPI;
- ``bands.csv``: the 5th, 50th and 95th percentiles (and mean) across replications of
  each (series, key, period): ``annual_bcm`` and ``annual_lpg_kt`` by destination and
  year; ``delivered`` and ``nominated`` by buyer, ``route_flow`` and ``route_capacity``
  by route, as monthly means (mcm/d, period ``YYYY-MM``) or, for a horizon of
  DAILY_UP_TO days or less, daily (period ``YYYY-MM-DD``). The charts draw them as a
  median line with a 5-95% band.

``summary.json`` gives mean, standard deviation, p5, p50 and p95 of every KPI.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gasroutes.core.errors import RunFailedError
from gasroutes.core.folders import atomic_folder
from gasroutes.core.workers import start_worker
from gasroutes.results.parquet import join_parquet
from gasroutes.results.runfolder import FORMAT_VERSION
from gasroutes.results.summary import flatten_kpis, headlines, html_table
from gasroutes.results.writing import (
    Outputs,
    _iso,
    also_parquet,
    manifest,
    write_csv,
    write_manifest,
    write_tables,
)
from gasroutes.sim.changes import FIXED_SOURCES
from gasroutes.sim.randomness import replication_seeds

if TYPE_CHECKING:
    from gasroutes.results.result import Result
    from gasroutes.scenario.model import Scenario

__all__ = ["Replicated", "kpi_stats", "run_replications"]

DAILY_UP_TO = 400  # days: shorter horizons get daily bands, longer ones monthly
Progress = Callable[[int, int, int, float], None]
# writes a replicated folder's charts and report page: folder, the replicated run, the
# scheduled events, the manifest
Pages = Callable[[Path, "Replicated", pd.DataFrame, dict[str, Any]], None]


@dataclass(frozen=True)
class _Task:
    index: int
    seed: int
    scenario: Scenario
    folder: str
    outputs: Outputs


def _one(task: _Task) -> dict[str, Any]:
    """Run one replication; write its tables into ``folder/rep-<index>``; return its
    summary and the small aggregates the band charts need."""
    from gasroutes.results.run import run

    res = run(task.scenario, seed=task.seed)
    folder = Path(task.folder) / f"rep-{task.index}"
    folder.mkdir()
    names = write_tables(res, folder, task.outputs)
    return {
        "index": task.index,
        "seed": task.seed,
        "summary": res.summary,
        "aggregates": aggregates(res),
        "tables": names,
        "manifest": manifest(res, task.outputs) if task.index == 0 else None,
        "wall_s": res.wall_s,
    }


def aggregates(res: Result) -> pd.DataFrame:
    """What the band charts draw, for one run, as rows (series, key, period, value):
    annual exports by destination (bcm, kt for LPG) and monthly means of deliveries,
    nominations and route flows (mcm/d); daily values instead of monthly means when the
    horizon is DAILY_UP_TO days or shorter (``period`` is then a date)."""
    frames: list[pd.DataFrame] = []
    a = res.annual
    frames.append(
        pd.DataFrame(
            {
                "series": np.where(a["commodity"] == "lpg", "annual_lpg_kt", "annual_bcm"),
                "key": a["destination"],
                "period": a["year"].astype(str),
                "value": a["quantity"],
            }
        )
    )
    # monthly means, or daily values for a horizon of about a year or less
    width = 7 if len(res.dates) > DAILY_UP_TO else 10
    d = res.deliveries
    d = d[d["commodity"] == "pipeline_gas"]
    month = d["date"].str.slice(0, width)
    m = d.groupby([d["buyer"], month], sort=False)[["delivered", "nominated"]].mean()
    for col in ("delivered", "nominated"):
        frames.append(
            pd.DataFrame(
                {
                    "series": col,
                    "key": m.index.get_level_values(0),
                    "period": m.index.get_level_values(1),
                    "value": m[col].to_numpy(),
                }
            )
        )
    f = res.flows
    f = f[f["commodity"] == "pipeline_gas"]
    per_day = f.groupby([f["route"], f["date"]], sort=False).agg(
        flow=("quantity", "sum"), capacity=("capacity", "first")
    )
    per_day = per_day.reset_index()
    month = per_day["date"].str.slice(0, width)
    r = per_day.groupby([per_day["route"], month], sort=False)[["flow", "capacity"]].mean()
    for col in ("flow", "capacity"):
        frames.append(
            pd.DataFrame(
                {
                    "series": f"route_{col}",
                    "key": r.index.get_level_values(0),
                    "period": r.index.get_level_values(1),
                    "value": r[col].to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def kpi_stats(values: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean, standard deviation (n - 1), p5, p50 and p95 of each column."""
    out: dict[str, dict[str, float]] = {}
    for col in values.columns:
        x = values[col].to_numpy(dtype=float)
        p5, p50, p95 = np.percentile(x, [5, 50, 95])
        out[col] = {
            "mean": round(float(x.mean()), 6),
            "sd": round(float(x.std(ddof=1)), 6) if len(x) > 1 else 0.0,
            "p5": round(float(p5), 6),
            "p50": round(float(p50), 6),
            "p95": round(float(p95), 6),
        }
    return out


def bands(aggs: pd.DataFrame) -> pd.DataFrame:
    """Percentiles (and mean) across replications of each (series, key, period)."""
    g = aggs.groupby(["series", "key", "period"], sort=False)["value"]
    out = pd.DataFrame(
        {
            "p5": g.quantile(0.05),
            "p50": g.quantile(0.5),
            "p95": g.quantile(0.95),
            "mean": g.mean(),
        }
    ).reset_index()
    return out


@dataclass
class Replicated:
    """A replicated run, as written to its folder."""

    scenario: Scenario
    seeds: list[int]
    kpis: pd.DataFrame  # one row per replication: replication, seed, KPI columns
    bands: pd.DataFrame
    summary: dict[str, Any]
    folder: Path

    def __repr__(self) -> str:
        """One line (the tables would fill a notebook cell)."""
        return (
            f"<Replicated {self.scenario.name}: {len(self.seeds)} replications, "
            f"{self.scenario.start} to {self.scenario.end}, in {self.folder}>"
        )

    def _repr_html_(self) -> str:
        """Jupyter's view: the key figures ``gasroutes run --replications`` prints (mean
        and percentiles across replications), as a small table."""
        kpis = self.summary["kpis"]
        stats = ("mean", "p5", "p50", "p95")
        rows = [
            [h.label, *(f"{kpis[h.keys[0]][stat] / h.scale:,.3f}" for stat in stats)]
            for h in headlines(kpis)
        ]
        caption = (
            f"{self.scenario.name}: {len(self.seeds)} replications, {self.scenario.start} "
            f"to {self.scenario.end}, seed {self.scenario.seed}"
        )
        return html_table(caption, ["", *stats], rows)


def _results(tasks: list[_Task], workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1 or len(tasks) == 1:
        for t in tasks:
            yield _one(t)
        return
    with ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)), initializer=start_worker
    ) as pool:
        try:
            yield from pool.map(_one, tasks)
        except BrokenProcessPool as err:
            raise RunFailedError(
                "a worker process died (killed, or out of memory) before every replication "
                "was done; nothing was written and earlier results are untouched"
            ) from err


def run_replications(
    scenario: Scenario,
    n: int,
    out: Path,
    *,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    pages: Pages | None = None,
    outputs: Outputs | None = None,
) -> Replicated:
    """Run ``n`` replications of ``scenario`` and write the replicated folder ``out``:
    its tables (those ``outputs`` asks for, in its formats; replications.csv and
    bands.csv always), summary and manifest; ``pages`` adds the charts and the report
    page (:func:`gasroutes.report.replicated.replicated_pages`) before the manifest is
    written."""
    outputs = outputs or Outputs()
    started = time.time()
    if seed is not None and seed != scenario.seed:
        scenario = scenario.model_copy(update={"seed": seed})
    seeds = replication_seeds(scenario.seed, n)
    with atomic_folder(out, "replicated_run") as tmp:
        tasks = [_Task(i, s, scenario, str(tmp), outputs) for i, s in enumerate(seeds)]
        done: list[dict[str, Any]] = []
        for result in _results(tasks, workers):
            done.append(result)
            if progress is not None:
                progress(len(done), n, 0, time.time() - started)
        done.sort(key=lambda r: r["index"])
        for name in done[0]["tables"]:
            _join(tmp, name, n)
            if outputs.parquet:
                parquet = Path(name).with_suffix(".parquet").name
                join_parquet([tmp / f"rep-{r}" / parquet for r in range(n)], tmp / parquet)
        for r in range(n):
            (tmp / f"rep-{r}").rmdir()
        kpis = pd.DataFrame(
            [
                {"replication": r["index"], "seed": r["seed"], **flatten_kpis(r["summary"])}
                for r in done
            ]
        )
        kpi_cols = [c for c in kpis.columns if c not in ("replication", "seed", "days")]
        write_csv(kpis, tmp / "replications.csv", "%.6f")
        also_parquet(kpis, tmp / "replications.csv", outputs)
        band = bands(
            pd.concat(
                [r["aggregates"].assign(replication=r["index"]) for r in done], ignore_index=True
            )
        )
        write_csv(band, tmp / "bands.csv", "%.6f")
        also_parquet(band, tmp / "bands.csv", outputs)
        first = done[0]["summary"]
        summary = {
            "scenario": scenario.name,
            "start": first["start"],
            "end": first["end"],
            "days": first["days"],
            "seed": scenario.seed,
            "replications": n,
            "seeds": seeds,
            "units": first["units"],
            "kpis": kpi_stats(kpis[kpi_cols]),
            "conservation_error": max(r["summary"]["conservation_error"] for r in done),
        }
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        from gasroutes.scenario.model import scenario_to_yaml

        (tmp / "scenario.resolved.yaml").write_text(scenario_to_yaml(scenario), encoding="utf-8")
        events = pd.read_csv(tmp / "events.csv", dtype=str, keep_default_na=False)
        scheduled = events[(events["replication"] == "0") & events["source"].isin(FIXED_SOURCES)]
        meta = dict(done[0]["manifest"])
        finished = time.time()
        meta.update(
            {
                "format_version": FORMAT_VERSION,
                "seed": scenario.seed,
                "replications": n,
                "seeds": seeds,
                "workers": workers,
                "started": _iso(started),
                "finished": _iso(finished),
                "simulation_wall_s": round(sum(r["wall_s"] for r in done), 4),
                "wall_s": round(finished - started, 4),
            }
        )
        replicated = Replicated(scenario, seeds, kpis, band, summary, out)
        if pages is not None:
            pages(tmp, replicated, scheduled.drop(columns="replication"), meta)
        write_manifest(meta, tmp)
    return replicated


def _join(folder: Path, name: str, n: int) -> None:
    """Join ``rep-<r>/<name>`` for r = 0..n-1 into ``<name>`` with a replication column,
    and remove the parts."""
    target = folder / name
    with target.open("w", encoding="utf-8") as out:
        for r in range(n):
            part = folder / f"rep-{r}" / name
            if name == "events.csv":
                # free text may be quoted over several lines: let pandas handle it
                frame = pd.read_csv(part, dtype=str, keep_default_na=False)
                frame.insert(0, "replication", str(r))
                out.write(frame.to_csv(index=False, header=r == 0, lineterminator="\n"))
            else:
                with part.open(encoding="utf-8") as src:
                    header = src.readline()
                    if r == 0:
                        out.write("replication," + header)
                    prefix = f"{r},"
                    out.writelines(prefix + line for line in src)
            part.unlink()
