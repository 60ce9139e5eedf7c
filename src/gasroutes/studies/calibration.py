"""Calibration as a command: fit a scenario's parameters to observed tables, on the years
up to a date only, and hindcasts that test the fit on the years it did not see.

A calibration file names the base scenario, the parameters to fit (paths as in sweep
files, each with bounds), the observed tables (annual exports by destination, domestic
use), the last day of the fit (``fit_until``), the objective and the method; and,
optionally, ``timing`` targets: a parameter chosen so that a rule fires on a known date
(the Iran cutoff of 1 Jan 2017, made by the arrears rule rather than dated).

The objective is the sum of squared relative errors of the simulated annual values
against the observed ones, each divided by the observed value (by 1 bcm when that is
smaller, so that a year with nothing observed counts as an absolute error). Every
evaluation runs the model with its horizon cut at ``fit_until``: no later year can
enter the fit. The LPG chain, which shares nothing with the pipeline gas, is left out of
these runs.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gasroutes.core.errors import DataError, RunFailedError, ScenarioError
from gasroutes.core.limits import NOT_BOOL, Date
from gasroutes.core.units import MCM_PER_BCM

TOTAL = "total"  # the sum over destinations, in observed tables and hindcasts

__all__ = [
    "CalibrationSpec",
    "Fit",
    "calibrate",
    "load_calibration",
]

FLOOR_BCM = 1.0  # relative errors are taken against max(observed, this)
Path_ = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Bound = Annotated[float, NOT_BOOL, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class FitParameter(_Record):
    """A parameter to fit: its path in the resolved scenario, and its bounds."""

    path: Path_
    bounds: tuple[Bound, Bound]


class Observed(_Record):
    """An observed table and what it is compared with."""

    file: str = Field(max_length=1000, description="CSV file, relative to this file.")
    series: Literal["exports", "domestic"] = Field(
        description="'exports': the run's annual exports by destination (a table with "
        "year, destination and a value column); 'domestic': its domestic use per year."
    )
    column: str = Field("quantity", max_length=100, description="The value column.")
    destinations: dict[str, Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(
        default_factory=dict,
        max_length=100,
        description="exports: the table's destination names and the run's buyer ids.",
    )
    years: tuple[
        Annotated[int, NOT_BOOL, Field(ge=1900, le=2200)],
        Annotated[int, NOT_BOOL, Field(ge=1900, le=2200)],
    ]


class Timing(_Record):
    """A parameter set so that a rule fires on a known date (found by bisection)."""

    path: Path_
    rule: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    fires_on: Date
    bounds: tuple[Bound, Bound]


class HindcastOptions(_Record):
    """What a hindcast scores."""

    scored: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ...] = Field(
        min_length=1,
        max_length=100,
        description="Destinations (buyer ids, or total) of the export table whose forecast "
        "errors are scored; default: all of them and total.",
    )


class CalibrationSpec(_Record):
    """A whole calibration."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    description: str = Field("", max_length=5000)
    base: str = Field(max_length=1000, description="Scenario file, relative to this file.")
    fit_until: Date = Field(description="Last day simulated and compared while fitting.")
    parameters: tuple[FitParameter, ...] = Field(min_length=1, max_length=20)
    observed: tuple[Observed, ...] = Field(min_length=1, max_length=20)
    timing: tuple[Timing, ...] = Field((), max_length=5)
    objective: Literal["relative_squared"] = "relative_squared"
    method: Literal["least_squares", "nelder_mead"] = "least_squares"
    max_evaluations: Annotated[int, NOT_BOOL, Field(ge=1, le=100_000)] = 400
    hindcast: HindcastOptions | None = None


@dataclasses.dataclass
class Problem:
    """A loaded calibration: the spec, its folder, the base scenario as a mapping, and
    the observations (series, destination, year, observed)."""

    spec: CalibrationSpec
    file: Path
    base: dict[str, Any]
    observations: pd.DataFrame  # series, destination, year, observed
    exports: pd.DataFrame  # the export table as read (for the hindcast's observed values)


def load_calibration(path: Path) -> Problem:
    """Read and check a calibration file, its base scenario and its observed tables."""
    from gasroutes.scenario.loading import load_base, load_spec
    from gasroutes.scenario.paths import leaf_paths
    from gasroutes.studies.backtest import read_observed

    name = str(path)
    spec = load_spec(path, CalibrationSpec, "calibration file", "base, parameters, observed")
    scenario = load_base(path, spec.base)
    base = scenario.model_dump(mode="python", exclude_none=True)
    valid = leaf_paths(base)
    checked: list[tuple[str, Sequence[FitParameter | Timing]]] = [
        ("parameters", spec.parameters),
        ("timing", spec.timing),
    ]
    seen: set[str] = set()
    for group, items in checked:
        for i, p in enumerate(items):
            if p.path in seen:
                raise ScenarioError(
                    name, f"{group}[{i}].path", p.path, "each path once", "path given twice"
                )
            seen.add(p.path)
            if p.path not in valid:
                raise ScenarioError(
                    name,
                    f"{group}[{i}].path",
                    p.path,
                    "a path in the base scenario (as in "
                    "sweep files: section.id.attribute, events[<id>].field)",
                    "unknown parameter path",
                )
            lo, hi = p.bounds
            if not lo < hi:
                raise ScenarioError(
                    name,
                    f"{group}[{i}].bounds",
                    [lo, hi],
                    "[low, high] with low < high",
                    "empty bounds",
                )
            _check_fittable(name, f"{group}[{i}]", p.path, p.bounds, base)
    rules = {r.id for r in scenario.rules if r.id}
    for i, t in enumerate(spec.timing):
        if t.rule not in rules:
            raise ScenarioError(
                name,
                f"timing[{i}].rule",
                t.rule,
                "the id of a rule of the base scenario: " + (", ".join(sorted(rules)) or "none"),
                "unknown rule",
            )
    if not scenario.start <= spec.fit_until <= scenario.end:
        raise ScenarioError(
            name,
            "fit_until",
            spec.fit_until.isoformat(),
            f"a date from {scenario.start} to {scenario.end} (the base scenario's horizon)",
            "date outside the horizon",
        )
    rows, exports = [], pd.DataFrame()
    for i, o in enumerate(spec.observed):
        if o.years[0] > o.years[1]:
            raise ScenarioError(
                name,
                f"observed[{i}].years",
                list(o.years),
                "[first, last], first <= last",
                "years in the wrong order",
            )
        table_path = path.parent / o.file
        table = _read_table(table_path, o)
        if o.series == "exports":
            exports = table
            absent = [k for k in o.destinations if k not in set(table["destination"])]
            if absent:
                raise ScenarioError(
                    name,
                    f"observed[{i}].destinations",
                    absent[0],
                    f"destinations of {o.file}: "
                    + ", ".join(sorted(map(str, set(table["destination"])))[:10]),
                    "not in the table",
                )
            unknown = [d for d in o.destinations.values() if d not in scenario.buyers]
            if unknown:
                raise ScenarioError(
                    name,
                    f"observed[{i}].destinations",
                    unknown[0],
                    "buyer ids of the base scenario: " + ", ".join(scenario.buyers),
                    "unknown buyer",
                )
            keep = table["destination"].isin(list(o.destinations))
            table = table[keep].assign(
                destination=table.loc[keep, "destination"].map(o.destinations)
            )
        else:
            table = table.assign(destination="domestic")
        lo, hi = o.years
        table = table[(table["year"] >= lo) & (table["year"] <= hi)]
        for y, d, q in zip(table["year"], table["destination"], table["quantity"], strict=True):
            rows.append((o.series, str(d), int(y), float(q)))
    obs = pd.DataFrame(rows, columns=["series", "destination", "year", "observed"])
    twice = obs.duplicated(["series", "destination", "year"], keep=False)
    if twice.any():
        first = obs[twice].iloc[0]
        raise DataError(
            f"{name}: the observed tables give {first['destination']} {first['year']} more "
            "than once; allowed: one value per series, destination and year"
        )
    if obs.empty:
        raise DataError(f"{name}: no observation falls in the years asked for; nothing to fit")
    if spec.hindcast is not None and exports is not None:
        names = next((o.destinations for o in spec.observed if o.series == "exports"), {})
        allowed = [*dict.fromkeys(names.values()), TOTAL]
        for i, dest in enumerate(spec.hindcast.scored):
            if dest not in allowed:
                raise ScenarioError(
                    name,
                    f"hindcast.scored[{i}]",
                    dest,
                    "destinations of the export table (as buyer ids) or total: "
                    + ", ".join(allowed),
                    "not a forecast destination",
                )
    _ = read_observed  # the export tables are read by its rules (see _read_table)
    return Problem(spec, path, base, obs, exports)


def _check_fittable(
    name: str, where: str, path: str, bounds: tuple[float, float], base: dict[str, Any]
) -> None:
    """A fitted parameter is a number of the base scenario that takes any value within
    its bounds (checked at both ends and at a point between that is no whole number): not
    a schedule, a date, a text or a whole number."""
    from gasroutes.scenario.loading import scenario_from_dict
    from gasroutes.scenario.paths import get_path, set_path

    value = get_path(base, path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(
            name,
            f"{where}.path",
            path,
            "the path of a number of the base scenario (for a schedule, one of its values: "
            "...capacity_bcm_per_year.<date>)",
            f"not a number in the base scenario (it is {type(value).__name__})",
        )
    lo, hi = bounds
    # the ends, and a point inside that is no whole number (a fit tries any value)
    for trial in (lo, lo + (hi - lo) * 0.381966, hi):
        data = copy.deepcopy(base)
        set_path(data, path, trial)
        try:
            scenario_from_dict(data, file=f"{name} (the base scenario)")
        except ScenarioError as err:
            raise ScenarioError(
                name,
                f"{where}.bounds",
                list(bounds),
                f"bounds within which the base scenario takes any value at {path} "
                f"(at {trial:g}: {err.problem}; allowed: {err.allowed})",
                "the scenario refuses a value within the bounds",
            ) from err


def _read_table(path: Path, o: Observed) -> pd.DataFrame:
    """An observed table as (year, destination, quantity), checked as backtest checks."""
    from gasroutes.core.yamlio import read_text
    from gasroutes.studies.backtest import read_observed

    if o.series == "exports":
        table = read_observed(path) if o.column in ("quantity", "bcm") else None
        if table is None:
            raise DataError(f"{path}: exports are read from a 'quantity' or 'bcm' column")
        return table
    text = read_text(path, "CSV file")
    frame = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), dtype=str, keep_default_na=False)
    if "year" not in frame.columns or o.column not in frame.columns:
        raise DataError(f"{path}: needs columns year and {o.column}")
    years = pd.to_numeric(frame["year"], errors="coerce")
    values = pd.to_numeric(frame[o.column], errors="coerce")
    bad = ~(np.isfinite(years) & np.isfinite(values) & (values >= 0) & (years == years.round()))
    if bad.any():
        line = int(np.argmax(bad.to_numpy())) + 2
        raise DataError(
            f"{path}: line {line}: year and {o.column} must be a whole year and a finite "
            "number >= 0"
        )
    return pd.DataFrame({"year": years.astype(int), "destination": "", "quantity": values})


# ---------------------------------------------------------------------------- fitting


def _window(base: dict[str, Any], until: dt.date) -> dict[str, Any]:
    """The base scenario cut at ``until``: later events dropped, outages clipped."""
    data = copy.deepcopy(base)
    data["end"] = until
    events = []
    for e in data.get("events", []):
        if e["date"] > until:
            continue
        if "until" in e and e["until"] > until:
            e = {**e, "until": until}
        events.append(e)
    data["events"] = events
    return data


def simulated(result: Any) -> pd.DataFrame:
    """A run's annual values as (series, destination, year, simulated): exports by
    buyer (bcm) and domestic use (bcm)."""
    a = result.annual
    gas = a[a["commodity"] == "pipeline_gas"]
    exports = pd.DataFrame(
        {
            "series": "exports",
            "destination": gas["destination"],
            "year": gas["year"].astype(int),
            "simulated": gas["quantity"],
        }
    )
    years = result.years
    dom = result.arrays["domestic"]
    domestic = pd.DataFrame(
        {
            "series": "domestic",
            "destination": "domestic",
            "year": sorted(set(years.tolist())),
        }
    )
    domestic["simulated"] = [float(dom[years == y].sum()) / MCM_PER_BCM for y in domestic["year"]]
    return pd.concat([exports, domestic], ignore_index=True)


class _Model:
    """The base scenario with parameters set by value, run gas-only, counted."""

    def __init__(self, base: dict[str, Any], paths: Sequence[str], file: str) -> None:
        self.base, self.paths, self.file = base, list(paths), file
        self.evaluations = 0

    def run(
        self, values: Sequence[float] | np.ndarray, extra: dict[str, float] | None = None
    ) -> Any:
        from gasroutes.results.run import run
        from gasroutes.scenario.loading import scenario_from_dict
        from gasroutes.scenario.paths import set_path

        self.evaluations += 1
        data = copy.deepcopy(self.base)
        for path, v in [*zip(self.paths, values, strict=True), *(extra or {}).items()]:
            set_path(data, path, float(v))
        try:
            return run(scenario_from_dict(data, file=self.file), lpg=False)
        except ScenarioError as err:
            raise RunFailedError(
                f"{self.file}: a trial value made the scenario invalid ({err}); narrow the "
                "parameter's bounds"
            ) from err


@dataclasses.dataclass
class Fit:
    """The fitted values, the fit table and how the fit went."""

    spec: CalibrationSpec
    values: dict[str, float]
    initial: dict[str, float]
    table: pd.DataFrame  # series, destination, year, observed, simulated, error, relative_error
    objective: float
    evaluations: int
    fit_until: dt.date
    timing: dict[str, Any]

    @property
    def weighted_mape(self) -> float | None:
        t = self.table[self.table["observed"] > 0]
        return float(t["error"].abs().sum() / t["observed"].sum()) if len(t) else None

    def summary(self) -> dict[str, Any]:
        return {
            "calibration": self.spec.name,
            "fit_until": self.fit_until.isoformat(),
            "method": self.spec.method,
            "objective": self.spec.objective,
            "objective_value": round(self.objective, 8),
            "evaluations": self.evaluations,
            "weighted_mape": None if self.weighted_mape is None else round(self.weighted_mape, 6),
            "parameters": {
                p.path: {
                    "value": round(self.values[p.path], 6),
                    "initial": round(self.initial[p.path], 6),
                    "bounds": list(p.bounds),
                }
                for p in self.spec.parameters
            },
            "timing": self.timing,
            "observations": len(self.table),
        }


def _residuals(sim: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    m = obs.merge(sim, on=["series", "destination", "year"], how="left")
    m["simulated"] = m["simulated"].fillna(0.0)
    m["error"] = m["simulated"] - m["observed"]
    m["relative_error"] = m["error"] / m["observed"].where(m["observed"] > 0)
    m["scaled"] = m["error"] / np.maximum(m["observed"], FLOOR_BCM)
    return m


def calibrate(
    problem: Problem,
    fit_until: dt.date | None = None,
    years_until: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Fit:
    """Fit the parameters on the observations up to ``years_until`` (default: all those
    listed), with runs cut at ``fit_until`` (default: the file's)."""
    from scipy.optimize import least_squares, minimize

    from gasroutes.scenario.paths import get_path

    spec = problem.spec
    until = fit_until or spec.fit_until
    obs = problem.observations
    if years_until is not None:
        obs = obs[obs["year"] <= years_until]
    obs = obs[obs["year"] <= until.year].reset_index(drop=True)
    if obs.empty:
        raise DataError(f"{problem.file}: no observation up to {until}; nothing to fit")
    base = _window(problem.base, until)
    paths = [p.path for p in spec.parameters]
    lo = np.array([p.bounds[0] for p in spec.parameters])
    hi = np.array([p.bounds[1] for p in spec.parameters])
    x0 = np.clip([float(get_path(base, p)) for p in paths], lo, hi)
    timing_values = {t.path: float(get_path(base, t.path)) for t in spec.timing}
    model = _Model(base, paths, str(problem.file))

    def residuals(x: np.ndarray) -> np.ndarray:
        res = _residuals(simulated(model.run(x, timing_values)), obs)
        if progress is not None:
            progress(model.evaluations)
        return res["scaled"].to_numpy()

    if spec.method == "least_squares":
        found = least_squares(
            residuals,
            x0,
            bounds=(lo, hi),
            diff_step=1e-3,
            max_nfev=spec.max_evaluations,
            x_scale=np.maximum(hi - lo, 1e-9),
            xtol=1e-6,
            ftol=1e-8,
        )
        x = found.x
    else:
        found = minimize(
            lambda v: float(np.sum(residuals(np.clip(v, lo, hi)) ** 2)),
            x0,
            method="Nelder-Mead",
            options={"maxfev": spec.max_evaluations, "xatol": 1e-4, "fatol": 1e-8},
        )
        x = np.clip(found.x, lo, hi)
    values = {p: float(v) for p, v in zip(paths, x, strict=True)}
    timing: dict[str, Any] = {}
    for t in spec.timing:
        value, fired = _time_rule(problem, values, t, until)
        timing_values[t.path] = value
        timing[t.path] = {"value": round(value, 6), "rule": t.rule, "fires_on": fired}
    final = _residuals(simulated(model.run(x, timing_values)), obs)
    table = final[
        ["series", "destination", "year", "observed", "simulated", "error", "relative_error"]
    ]
    return Fit(
        spec=spec,
        values={**values, **timing_values},
        initial={p: float(v) for p, v in zip(paths, x0, strict=True)}
        | {t.path: float(get_path(base, t.path)) for t in spec.timing},
        table=table.reset_index(drop=True),
        objective=float(np.sum(final["scaled"] ** 2)),
        evaluations=model.evaluations,
        fit_until=until,
        timing=timing,
    )


def _time_rule(
    problem: Problem, values: dict[str, float], t: Timing, until: dt.date
) -> tuple[float, str | None]:
    """Bisection on ``t.path`` for the rule to fire on ``t.fires_on``: the value at the
    boundary between firing on or before the date and firing after it (or never)."""
    from gasroutes.scenario.paths import get_path

    horizon = max(until, t.fires_on)
    base = _window(problem.base, horizon)
    model = _Model(base, list(values), str(problem.file))
    x = list(values.values())

    def fired(v: float) -> dt.date | None:
        res = model.run(x, {t.path: v})
        for e in res.summary["rule_firings"]:
            if e["kind"] in ("cutoff", "resume") and e["reason"] and _rule_of(problem, t.rule, e):
                return dt.date.fromisoformat(e["date"])
        return None

    def boundary(target: dt.date) -> float | None:
        """The largest value (within the bounds) for which the rule fires by ``target``
        (firing later with the value: it is paid more, say), or None if none does."""
        lo, hi = t.bounds
        early = fired(lo)
        if early is None or early > target:
            return None
        for _ in range(30):
            mid = (lo + hi) / 2
            day = fired(mid)
            if day is not None and day <= target:
                lo = mid
            else:
                hi = mid
        return lo

    upper = boundary(t.fires_on)
    if upper is None:
        return float(get_path(base, t.path)), None
    # the middle of the values that fire on the date itself, not at an end of them, so
    # that a rounded value still fires on it
    lower = boundary(t.fires_on - dt.timedelta(days=1))
    value = upper if lower is None else (lower + upper) / 2
    day = fired(value)
    return value, day.isoformat() if day else None


def _rule_of(problem: Problem, rule_id: str, event: dict[str, Any]) -> bool:
    """Whether a logged rule firing is the rule ``rule_id``'s (same buyer and kind)."""
    for r in problem.base.get("rules", []):
        if r.get("id") == rule_id:
            kind = "cutoff" if r["kind"] == "cutoff_on_arrears" else "resume"
            return bool(event["target"] == r["buyer"] and event["kind"] == kind)
    return False
