"""Sweep files: which scenario, which parameters over which values, which design.

A parameter is addressed by its path in the resolved scenario:
``routes.cagp_d.capacity_bcm_per_year``, ``buyers.china.contract.price_usd_per_tcm``; events
and rules by their id:
``events[russia_stops].date``, ``rules[iran_arrears_cutoff].above_usd``. Dates are values
like any other, so event timing is a sweep dimension too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

from gasroutes.core.errors import ScenarioError
from gasroutes.core.limits import (
    MAX_RANGE_STEPS,
    MAX_REPLICATIONS,
    MAX_SAMPLES,
    MAX_SWEEP_RUNS,
    NOT_BOOL,
    Date,
    Seed,
)
from gasroutes.scenario.paths import leaf_paths

__all__ = ["Parameter", "SweepSpec", "count_runs", "design_points", "load_sweep"]


MAX_VALUE = 1e15  # a swept number (the scenario's own limits apply once it is set)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


Number = Annotated[float, NOT_BOOL, Field(ge=-MAX_VALUE, le=MAX_VALUE, allow_inf_nan=False)]


Text = Annotated[str, Field(max_length=200)]


def _scalar_kind(value: Any) -> str | None:
    """The member of Scalar a value is: told by its type (true/false goes to the numbers,
    which refuse it), None for a value of no scalar type."""
    if isinstance(value, bool | float):
        return "number"
    if isinstance(value, int):
        return "whole"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    return None


def _number_or_date(value: Any) -> str | None:
    """A range's end: a number, a date, or text that reads as one of them (YAML reads
    ``1.0e9`` as text)."""
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return "date"
        return "number"
    if isinstance(value, dt.date):
        return "date"
    return None


Whole = Annotated[int, NOT_BOOL, Field(ge=-MAX_VALUE, le=MAX_VALUE)]
if TYPE_CHECKING:
    Scalar = Number | int | Date | str
    NumberOrDate = Number | Date
else:
    Scalar = Annotated[
        Annotated[Number, Tag("number")]
        | Annotated[Whole, Tag("whole")]
        | Annotated[Date, Tag("date")]
        | Annotated[Text, Tag("text")],
        Discriminator(
            _scalar_kind,
            custom_error_type="union_type",
            custom_error_message="no member of the union takes this value",
        ),
    ]
    NumberOrDate = Annotated[
        Annotated[Number, Tag("number")] | Annotated[Date, Tag("date")],
        Discriminator(
            _number_or_date,
            custom_error_type="union_type",
            custom_error_message="no member of the union takes this value",
        ),
    ]


class Range(_Record):
    """Evenly spaced values from ``start`` to ``stop`` (both included), ``steps`` of them."""

    start: NumberOrDate
    stop: NumberOrDate
    steps: Annotated[int, NOT_BOOL, Field(ge=2, le=MAX_RANGE_STEPS)]

    @model_validator(mode="after")
    def _same_kind(self) -> Range:
        if isinstance(self.start, dt.date) != isinstance(self.stop, dt.date):
            raise ValueError("start and stop must both be numbers or both be dates")
        return self


class Distribution(_Record):
    """Values drawn for ``random`` and ``lhs`` designs."""

    kind: Literal["uniform", "normal", "choice"]
    low: Number | None = None
    high: Number | None = None
    mean: Number | None = None
    sd: Annotated[float, NOT_BOOL, Field(gt=0, le=MAX_VALUE, allow_inf_nan=False)] | None = None
    options: tuple[Scalar, ...] | None = Field(None, min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        need = {"uniform": ("low", "high"), "normal": ("mean", "sd"), "choice": ("options",)}
        missing = [k for k in need[self.kind] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if (
            self.kind == "uniform"
            and self.low is not None
            and self.high is not None
            and self.high <= self.low
        ):
            raise ValueError("a uniform distribution needs high > low")
        return self


class Parameter(_Record):
    """One swept parameter: a path and its values (a list, a range or a distribution)."""

    path: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    values: tuple[Scalar, ...] | None = Field(None, min_length=1, max_length=100_000)
    range: Range | None = None
    distribution: Distribution | None = None
    integer: bool = Field(
        False, description="Round the values (listed, spaced or drawn) to whole numbers."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Parameter:
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'values', 'range' or 'distribution'")
        return self

    @property
    def name(self) -> str:
        return self.path

    def levels(self) -> list[Any]:
        """The values of a list or a range (for grid designs)."""
        if self.values is not None:
            if self.integer:
                return [round(v) if isinstance(v, float) else v for v in self.values]
            return list(self.values)
        if self.range is not None:
            r = self.range
            if isinstance(r.start, dt.date) and isinstance(r.stop, dt.date):
                span = (r.stop - r.start).days
                return [
                    r.start + dt.timedelta(days=round(span * i / (r.steps - 1)))
                    for i in range(r.steps)
                ]
            assert isinstance(r.start, float | int) and isinstance(r.stop, float | int)
            out = [float(x) for x in np.linspace(float(r.start), float(r.stop), r.steps)]
            return [round(x) for x in out] if self.integer else out
        assert self.distribution is not None and self.distribution.kind == "choice"
        return list(self.distribution.options or ())

    def at(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1): for lists, ranges and distributions."""
        from scipy import stats

        d = self.distribution
        if d is None or d.kind == "choice":
            levels = self.levels()
            return levels[min(int(u * len(levels)), len(levels) - 1)]
        if d.kind == "uniform":
            assert d.low is not None and d.high is not None
            x = d.low + u * (d.high - d.low)
        else:
            x = float(stats.norm.ppf(min(max(u, 1e-12), 1 - 1e-12), d.mean, d.sd))
        return round(x) if self.integer else float(x)


class SweepSpec(_Record):
    """A whole sweep: the base scenario, the parameters, the design, what to collect."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    description: str = Field("", max_length=5000)
    base: str = Field(max_length=1000, description="Scenario file, relative to the sweep file.")
    design: Literal["grid", "random", "lhs"] = "grid"
    samples: Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_SAMPLES)] | None = Field(
        None, description="Points of a random or lhs design."
    )
    replications: Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    seed: Seed = 0
    parameters: tuple[Parameter, ...] = Field(min_length=1, max_length=100)
    kpis: tuple[Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)], ...] = (
        Field(
            ("exports_bcm_total", "revenue_usd_total"),
            min_length=1,
            max_length=1000,
            description="summary.json keys (nested with '.'), or annual.<destination>.<year>.",
        )
    )

    @model_validator(mode="after")
    def _design(self) -> SweepSpec:
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError("a grid design takes no 'samples' (it runs every combination)")
            if any(
                p.distribution is not None and p.distribution.kind != "choice"
                for p in self.parameters
            ):
                raise ValueError("a grid design needs values or ranges, not distributions")
        elif self.samples is None:
            raise ValueError(f"a {self.design} design needs 'samples'")
        paths = [p.path for p in self.parameters]
        if len(set(paths)) != len(paths):
            raise ValueError("each parameter path may appear once")
        return self


def count_runs(spec: SweepSpec) -> int:
    """The number of runs of the sweep (points x replications), counted without building
    its design."""
    if spec.design == "grid":
        points = 1
        for p in spec.parameters:
            if p.values is not None:
                points *= len(p.values)
            elif p.range is not None:
                points *= p.range.steps
            else:
                assert p.distribution is not None and p.distribution.options is not None
                points *= len(p.distribution.options)
    else:
        points = spec.samples or 1
    return points * spec.replications


def load_sweep(path: Path, max_runs: int = MAX_SWEEP_RUNS) -> tuple[SweepSpec, dict[str, Any], str]:
    """Read and check a sweep file; return it, its base scenario (resolved, as a mapping)
    and the sha256 of the sweep file. Every problem is a ScenarioError naming the file;
    a sweep of more than ``max_runs`` runs is refused before its design is built."""
    from gasroutes.scenario.loading import load_base, load_spec

    name = str(path)
    spec = load_spec(path, SweepSpec, "sweep file", "base, parameters, design")
    runs = count_runs(spec)
    if runs > max_runs:
        raise ScenarioError(
            name,
            "design",
            f"{runs:,} runs",
            f"at most {max_runs:,} runs (points x replications); raise the limit with --max-runs N",
            "too many runs",
        )
    scenario = load_base(path, spec.base)
    base = scenario.model_dump(mode="python", exclude_none=True)
    valid = leaf_paths(base)
    for i, p in enumerate(spec.parameters):
        if p.path in ("seed", "name"):
            raise ScenarioError(
                name,
                f"parameters[{i}].path",
                p.path,
                "a parameter of the scenario; each run's seed comes from the sweep's 'seed' "
                "and 'replications', and its name from the sweep's name",
                "the sweep sets this itself",
            )
        if p.path not in valid:
            near = difflib.get_close_matches(p.path, sorted(valid), n=6, cutoff=0.5)
            allowed = (
                ("a path in the scenario, e.g. " + ", ".join(near))
                if near
                else "a path in the scenario (section.id.attribute; events[<id>].field)"
            )
            raise ScenarioError(
                name, f"parameters[{i}].path", p.path, allowed, "unknown parameter path"
            )
    text = path.read_bytes()
    return spec, base, hashlib.sha256(text).hexdigest()


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The parameter values of every point of the design, in a fixed order."""
    params = spec.parameters
    if spec.design == "grid":
        return [
            dict(zip([p.path for p in params], combo, strict=True))
            for combo in itertools.product(*(p.levels() for p in params))
        ]
    n = spec.samples or 1
    if spec.design == "random":
        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 1]))
        u = rng.random((n, len(params)))
    else:
        from scipy.stats import qmc

        u = qmc.LatinHypercube(
            d=len(params), seed=np.random.default_rng(np.random.SeedSequence([spec.seed, 2]))
        ).random(n)
    return [{p.path: p.at(float(u[i, j])) for j, p in enumerate(params)} for i in range(n)]
