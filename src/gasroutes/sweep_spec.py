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
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ScenarioError

__all__ = ["Parameter", "SweepSpec", "design_points", "load_sweep", "set_path"]

Scalar = float | int | dt.date | str


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Range(_Record):
    """Evenly spaced values from ``start`` to ``stop`` (both included), ``steps`` of them."""

    start: float | dt.date
    stop: float | dt.date
    steps: Annotated[int, Field(ge=2)]


class Distribution(_Record):
    """Values drawn for ``random`` and ``lhs`` designs."""

    kind: Literal["uniform", "normal", "choice"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None
    options: tuple[Scalar, ...] | None = None

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

    path: str
    values: tuple[Scalar, ...] | None = Field(None, min_length=1)
    range: Range | None = None
    distribution: Distribution | None = None
    integer: bool = Field(False, description="Round drawn or spaced values to whole numbers.")

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

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    base: str = Field(description="Scenario file, relative to the sweep file.")
    design: Literal["grid", "random", "lhs"] = "grid"
    samples: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Points of a random or lhs design."
    )
    replications: Annotated[int, Field(ge=1)] = 1
    seed: Annotated[int, Field(ge=0)] = 0
    parameters: tuple[Parameter, ...] = Field(min_length=1)
    kpis: tuple[str, ...] = Field(
        ("exports_bcm_total", "revenue_usd_total"),
        min_length=1,
        description="summary.json keys (nested with '.'), or annual.<destination>.<year>.",
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


def load_sweep(path: Path) -> tuple[SweepSpec, dict[str, Any], str]:
    """Read and check a sweep file; return it, its base scenario (resolved, as a mapping)
    and the sha256 of the sweep file. Every problem is a ScenarioError naming the file."""
    from .scenario import load_scenario

    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
    except FileNotFoundError as err:
        raise ScenarioError(name, "", name, "an existing sweep file", "file not found") from err
    except yaml.YAMLError as err:
        raise ScenarioError(
            name, "", str(err).splitlines()[0], "well-formed YAML", "malformed YAML"
        ) from err
    if not isinstance(raw, dict):
        raise ScenarioError(name, "", type(raw).__name__, "a YAML mapping", "not a mapping")
    raw.setdefault("name", path.stem)
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as err:
        e = err.errors()[0]
        loc = ".".join(str(x) for x in e["loc"])
        raise ScenarioError(
            name,
            loc,
            e.get("input"),
            str(e.get("ctx", {}).get("error", e["msg"])),
            "invalid sweep",
        ) from err
    base_path = path.parent / spec.base
    if not base_path.is_file():
        raise ScenarioError(
            name,
            "base",
            spec.base,
            f"an existing scenario file, relative to {path.parent}",
            "the base scenario does not exist",
        )
    scenario = load_scenario(base_path)
    base = scenario.model_dump(mode="python", exclude_none=True)
    valid = leaf_paths(base)
    for i, p in enumerate(spec.parameters):
        if _normalise(p.path) not in valid:
            near = difflib.get_close_matches(_normalise(p.path), sorted(valid), n=6, cutoff=0.5)
            allowed = (
                ("a path in the scenario, e.g. " + ", ".join(near))
                if near
                else "a path in the scenario (section.id.attribute; events[<id>].field)"
            )
            raise ScenarioError(
                name, f"parameters[{i}].path", p.path, allowed, "unknown parameter path"
            )
    return spec, base, hashlib.sha256(text.encode()).hexdigest()


_INDEXED = re.compile(r"^(events|rules)\[([a-z][a-z0-9_]*)\]\.(\w+)$")


def _normalise(path: str) -> str:
    return path.strip()


def leaf_paths(data: dict[str, Any]) -> set[str]:
    """Every settable path of a resolved scenario mapping (events and rules by id)."""
    out: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and not _is_schedule(value):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        else:
            out.add(path)

    for key, value in data.items():
        if key in ("events", "rules"):
            for item in value:
                if item.get("id"):
                    for field in item:
                        out.add(f"{key}[{item['id']}].{field}")
        else:
            walk(value, key)
    return out


def _is_schedule(value: dict[Any, Any]) -> bool:
    return "linear" in value or any(isinstance(k, dt.date) for k in value)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in a resolved scenario mapping (in place)."""
    m = _INDEXED.match(path)
    if m:
        kind, ident, field = m.groups()
        for item in data[kind]:
            if item.get("id") == ident:
                item[field] = value
                return
        raise KeyError(path)
    node = data
    *head, last = path.split(".")
    for key in head:
        node = node[key]
    node[last] = value


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
