"""Hindcasts: the calibration refitted on the years up to each origin, its forecast of
the years after, against persistence (the origin's value held flat) and the record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from gasroutes.core.errors import DataError
from gasroutes.core.workers import start_worker
from gasroutes.studies.calibration import (
    TOTAL,
    CalibrationSpec,
    Fit,
    Problem,
    _window,
    calibrate,
)

__all__ = ["Hindcast", "hindcast", "hindcast_destinations", "scored_destinations"]


def hindcast_destinations(problem: Problem) -> tuple[str, ...]:
    """The destinations a hindcast forecasts: the export table's, then ``total``."""
    names = next(o.destinations for o in problem.spec.observed if o.series == "exports")
    return (*dict.fromkeys(names.values()), TOTAL)


def scored_destinations(problem: Problem) -> tuple[str, ...]:
    """The destinations whose forecast errors a hindcast scores."""
    options = problem.spec.hindcast
    return tuple(options.scored) if options is not None else hindcast_destinations(problem)


@dataclasses.dataclass
class Hindcast:
    """For each origin Y: the fit on the years up to Y, its forecast of the years after,
    persistence (Y's value held flat) and the record."""

    spec: CalibrationSpec
    table: pd.DataFrame  # origin, year, destination, simulated, persistence, observed
    fits: dict[int, Fit]
    scored: tuple[str, ...]

    def document(self) -> dict[str, Any]:
        """hindcast.json: the scores by origin, with what they score."""
        return {
            "calibration": self.spec.name,
            "destinations_scored": list(self.scored),
            "weights": "observed quantities (weighted MAPE = sum |error| / sum observed), "
            "over the years with both an observation and a persistence forecast",
            "origins": self.scores(),
        }

    def scores(self) -> dict[str, Any]:
        """For each origin: the weighted MAPE of the model and of persistence over the
        scored destinations, and the same for each destination alone."""
        out: dict[str, Any] = {}
        for origin, fit in sorted(self.fits.items()):
            t = self.table[
                (self.table["origin"] == origin) & self.table["destination"].isin(self.scored)
            ]
            # the same rows for the model and persistence: observed, with a value to persist
            t = t.dropna(subset=["observed", "persistence"])
            model, pers = _weighted_mapes(t)
            out[str(origin)] = {
                "years": sorted({int(y) for y in t["year"]}),
                "weighted_mape_model": model,
                "weighted_mape_persistence": pers,
                "model_beats_persistence": None
                if model is None or pers is None
                else bool(model < pers),
                "by_destination": {
                    str(d): dict(zip(("model", "persistence"), _weighted_mapes(g), strict=True))
                    for d, g in t.groupby("destination", sort=False)
                },
                "in_sample_weighted_mape": None
                if fit.weighted_mape is None
                else round(fit.weighted_mape, 6),
                "parameters": {k: round(v, 6) for k, v in fit.values.items()},
                "evaluations": fit.evaluations,
            }
        return out


def _weighted_mapes(t: pd.DataFrame) -> tuple[float | None, float | None]:
    """The weighted MAPE of the model and of persistence over the rows of ``t`` (None
    without an observed quantity to weigh them)."""
    total = float(t["observed"].sum())
    if not total > 0:
        return None, None
    model = float((t["simulated"] - t["observed"]).abs().sum()) / total
    pers = float((t["persistence"] - t["observed"]).abs().sum()) / total
    return round(model, 6), round(pers, 6)


def _observed_series(problem: Problem) -> dict[tuple[str, int], float]:
    """Observed annual values by (destination, year), totals included (from TOTAL rows)."""
    exports = problem.exports
    names = next(o.destinations for o in problem.spec.observed if o.series == "exports")
    out: dict[tuple[str, int], float] = {}
    for y, d, q in zip(exports["year"], exports["destination"], exports["quantity"], strict=True):
        key = str(d)
        dest = names.get(key) or (TOTAL if key.strip().lower() == TOTAL else None)
        if dest is not None:
            out[(dest, int(y))] = float(q)
    return out


def _one_origin(args: tuple[Problem, int, int]) -> tuple[int, Fit, pd.DataFrame]:
    from gasroutes.results.run import run
    from gasroutes.scenario.loading import scenario_from_dict
    from gasroutes.scenario.paths import set_path

    problem, origin, last = args
    fit = calibrate(problem, fit_until=dt.date(origin, 12, 31), years_until=origin)
    data = _window(problem.base, dt.date(last, 12, 31))
    for path, value in fit.values.items():
        set_path(data, path, value)
    res = run(scenario_from_dict(data, file=str(problem.file)), lpg=False)
    a = res.annual[res.annual["commodity"] == "pipeline_gas"]
    sim = {
        (str(d), int(y)): float(q)
        for d, y, q in zip(a["destination"], a["year"], a["quantity"], strict=True)
    }
    for y in set(a["year"]):
        sim[(TOTAL, int(y))] = float(a.loc[a["year"] == y, "quantity"].sum())
    observed = _observed_series(problem)
    rows = []
    for year in range(origin + 1, last + 1):
        for dest in hindcast_destinations(problem):
            rows.append(
                {
                    "origin": origin,
                    "year": year,
                    "destination": dest,
                    "simulated": sim.get((dest, year), 0.0),
                    "persistence": observed.get((dest, origin), math.nan),
                    "observed": observed.get((dest, year), math.nan),
                }
            )
    return origin, fit, pd.DataFrame(rows)


def hindcast(
    problem: Problem,
    origins: Sequence[int],
    workers: int = 1,
    progress: Callable[[int, int, int, float], None] | None = None,
) -> Hindcast:
    """Calibrate on the years up to each origin, forecast the years after it up to the
    last observed year; origins run in parallel with ``workers`` processes."""
    observed = problem.observations
    last = int(observed.loc[observed["series"] == "exports", "year"].max())
    first_obs = int(observed["year"].min())
    bad = [o for o in origins if not first_obs <= o < last]
    if bad:
        raise DataError(
            f"{problem.file}: origin {bad[0]} leaves nothing to fit or nothing to score: an "
            f"origin must be from {first_obs} (the first observed year) to {last - 1} (a year "
            f"before the last observed, {last})"
        )
    started = time.perf_counter()
    tasks = [(problem, o, last) for o in sorted(set(origins))]
    done: list[tuple[int, Fit, pd.DataFrame]] = []
    if workers <= 1 or len(tasks) == 1:
        for t in tasks:
            done.append(_one_origin(t))
            if progress:
                progress(len(done), len(tasks), 0, time.perf_counter() - started)
    else:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)), initializer=start_worker
        ) as pool:
            for result in pool.map(_one_origin, tasks):
                done.append(result)
                if progress:
                    progress(len(done), len(tasks), 0, time.perf_counter() - started)
    table = pd.concat([d[2] for d in done], ignore_index=True)
    return Hindcast(problem.spec, table, {d[0]: d[1] for d in done}, scored_destinations(problem))
