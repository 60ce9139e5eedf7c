"""A finished run's tables, from memory (a Result) or from its folder on disk.

`compare` and the HTML reports work on this one shape, so a run folder written last week
and a run made a second ago are compared the same way.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gasroutes.core.errors import RunFolderError, ScenarioError, short
from gasroutes.core.limits import MAX_REPLICATIONS
from gasroutes.core.yamlio import read_yaml
from gasroutes.results.runfolder import (
    READ_TABLES,
    SUPPORTED_FORMATS,
    TABLE_CHOICES,
    TABLES,
    read_json,
    read_table,
)

if TYPE_CHECKING:
    from gasroutes.results.result import Result

__all__ = ["RunData"]


@dataclass
class RunData:
    """The tables, summary and provenance of one run."""

    name: str
    annual: pd.DataFrame
    deliveries: pd.DataFrame
    flows: pd.DataFrame
    money: pd.DataFrame
    production: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any]
    seed: int
    paths: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    folder: Path | None = None
    # a replicated run: one row per replication (replication, seed, KPIs), and the annual
    # table of every replication; its other tables (daily) are left on disk
    replications: pd.DataFrame | None = None
    annual_reps: pd.DataFrame | None = None
    # "annual": a folder written with --tables annual, whose daily tables (deliveries,
    # flows, money, production) are empty here
    tables: str = "all"

    @property
    def replicated(self) -> bool:
        return self.replications is not None and len(self.replications) > 1

    @property
    def daily(self) -> bool:
        """Whether the daily tables are here (not a replicated run, not a folder written
        with --tables annual)."""
        return self.tables == "all" and not self.replicated

    def kpi_table(self) -> pd.DataFrame:
        """One row per replication (a single run is one replication): replication, seed,
        and every scalar KPI."""
        if self.replications is not None:
            return self.replications
        from gasroutes.results.summary import flatten_kpis

        flat = {k: v for k, v in flatten_kpis(self.summary).items() if k not in ("seed", "days")}
        return pd.DataFrame([{"replication": 0, "seed": self.seed, **flat}])

    def annual_by_replication(self) -> pd.DataFrame:
        """The annual table with a replication column (0 for a single run)."""
        if self.annual_reps is not None:
            return self.annual_reps
        return self.annual.assign(replication=0)

    @classmethod
    def from_result(cls, res: Result) -> RunData:
        from gasroutes.results.writing import manifest

        return cls(
            name=res.scenario.name,
            annual=res.annual,
            deliveries=res.deliveries,
            flows=res.flows,
            money=res.money,
            production=res.production,
            events=res.event_table,
            summary=res.summary,
            manifest=manifest(res),
            seed=res.seed,
            paths=res.route_paths(),
        )

    @classmethod
    def from_folder(cls, folder: Path) -> RunData:
        """Load a run folder; RunFolderError names the folder and what is wrong with it."""
        if not folder.is_dir():
            raise RunFolderError(
                f"{folder}: no such run folder; give a folder written by "
                "'gasroutes run' or a scenario file"
            )
        _complete(folder, ("annual.csv", "events.csv", *JSON_FILES))
        manifest = read_json(folder, "manifest.json", {"format_version": int})
        version = manifest["format_version"]
        if version not in SUPPORTED_FORMATS:
            raise RunFolderError(
                f"{folder}: made by an incompatible version of gasroutes (format "
                f"{version!r}, gasroutes {short(manifest.get('gasroutes_version', 'unknown'))}); "
                f"this version reads format {', '.join(map(str, SUPPORTED_FORMATS))}: run "
                "the scenario again"
            )
        read_json(folder, "manifest.json", MANIFEST_FIELDS)
        # a folder written before --tables existed has every table
        tables = manifest.get("tables", "all")
        if tables not in TABLE_CHOICES:
            raise RunFolderError(
                f"{folder}: manifest.json: field 'tables' is {short(tables)}, not one of "
                f"{', '.join(TABLE_CHOICES)}; run the scenario again"
            )
        if tables == "all":
            _complete(folder, READ_TABLES)
        replications = manifest["replications"]
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise RunFolderError(
                f"{folder}: manifest.json: field 'replications' is {replications}, not a "
                f"number from 1 to {MAX_REPLICATIONS:,}; run the scenario again"
            )
        summary = read_json(folder, "summary.json", {})
        if not isinstance(manifest["seed"], int) or manifest["seed"] < 0:
            raise RunFolderError(f"{folder}: manifest.json: field 'seed' is not a seed")
        _check_resolved(folder, manifest)
        paths = _paths(folder)
        events = read_table(folder, "events.csv")
        if replications > 1:
            data = cls._replicated(folder, manifest, summary, events, paths)
            data.tables = tables
            return data
        if "replication" in events.columns:
            raise RunFolderError(
                f"{folder}: events.csv has a replication column but manifest.json says one "
                "replication; run the scenario again"
            )

        def daily(name: str) -> pd.DataFrame:
            if tables == "all":
                return read_table(folder, name)
            return pd.DataFrame({c: [] for c, _ in TABLES[name]})  # left out: none read

        return cls(
            name=str(manifest["scenario"]),
            annual=read_table(folder, "annual.csv"),
            deliveries=daily("deliveries.csv"),
            flows=daily("flows.csv"),
            money=daily("money.csv"),
            production=daily("production.csv"),
            events=events,
            summary=summary,
            manifest=manifest,
            seed=int(manifest["seed"]),
            paths=paths,
            folder=folder,
            tables=tables,
        )

    @classmethod
    def _replicated(
        cls,
        folder: Path,
        manifest: dict[str, Any],
        summary: dict[str, Any],
        events: pd.DataFrame,
        paths: dict[str, list[tuple[float, float]]],
    ) -> RunData:
        """A replicated run: KPI means as the summary, the median annual table, and the
        scheduled events (random outages and rule firings differ between replications and
        are left out)."""
        from gasroutes.sim.changes import FIXED_SOURCES

        if not (folder / "replications.csv").is_file():
            raise RunFolderError(
                f"{folder}: a replicated run without replications.csv; run the scenario again"
            )
        reps = _replications(folder, manifest["replications"])
        annual_reps = read_table(folder, "annual.csv")
        if "replication" not in annual_reps.columns or "replication" not in events.columns:
            raise RunFolderError(
                f"{folder}: annual.csv or events.csv has no replication column, but "
                "manifest.json says the run is replicated; run the scenario again"
            )
        keys = ["year", "destination", "commodity", "unit"]
        median = annual_reps.groupby(keys, sort=False)["quantity"].median().reset_index()
        kpis = summary.get("kpis", {})
        flat = (
            {
                k: v["mean"]
                for k, v in kpis.items()
                if isinstance(v, dict) and isinstance(v.get("mean"), int | float)
            }
            if isinstance(kpis, dict)
            else {}
        )
        head = {k: summary.get(k) for k in ("scenario", "start", "end", "days", "seed")}
        scheduled = events[(events["replication"] == 0) & events["source"].isin(FIXED_SOURCES)]
        empty = pd.DataFrame()
        return cls(
            name=str(manifest["scenario"]),
            annual=median[["year", "destination", "commodity", "quantity", "unit"]],
            deliveries=empty,
            flows=empty,
            money=empty,
            production=empty,
            events=scheduled.drop(columns="replication").reset_index(drop=True),
            summary={**head, **flat},
            manifest=manifest,
            seed=int(manifest["seed"]),
            paths=paths,
            folder=folder,
            replications=reps,
            annual_reps=annual_reps,
        )


MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format_version": int,
    "scenario": str,
    "seed": int,
    "replications": int,
}
JSON_FILES = ("summary.json", "manifest.json")


def _complete(folder: Path, files: tuple[str, ...]) -> None:
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise RunFolderError(
            f"{folder}: not a complete run folder, missing {', '.join(missing)}; run the "
            "scenario again with 'gasroutes run'"
        )


def _check_resolved(folder: Path, manifest: dict[str, Any]) -> None:
    """scenario.resolved.yaml must be the scenario the run was made from: the manifest
    holds its SHA-256."""
    resolved = folder / "scenario.resolved.yaml"
    expected = manifest.get("scenario_sha256")
    if not resolved.is_file() or not isinstance(expected, str):
        return
    try:
        actual = hashlib.sha256(resolved.read_bytes()).hexdigest()
    except OSError as err:
        raise RunFolderError(f"{folder}: scenario.resolved.yaml is unreadable: {err}") from err
    if actual != expected:
        raise RunFolderError(
            f"{folder}: scenario.resolved.yaml is not the scenario the run was made from "
            "(its SHA-256 differs from manifest.json's); the folder is not as gasroutes "
            "wrote it: run the scenario again"
        )


def _paths(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """Map coordinates of the routes, from the resolved scenario (optional: the map is
    drawn without them)."""
    resolved = folder / "scenario.resolved.yaml"
    if not resolved.is_file():
        return {}
    try:
        data = read_yaml(resolved, "resolved scenario")
    except ScenarioError as err:
        raise RunFolderError(f"{folder}: scenario.resolved.yaml is unreadable: {err}") from err
    paths: dict[str, list[tuple[float, float]]] = {}
    sections = [data.get("routes")] if isinstance(data, dict) else []
    if isinstance(data, dict) and isinstance(data.get("lpg"), dict):
        sections.append(data["lpg"].get("rail_routes"))
    for routes in sections:
        if not isinstance(routes, dict):
            continue
        for route, spec in routes.items():
            points = spec.get("path_lonlat") if isinstance(spec, dict) else None
            if not isinstance(points, list):
                continue
            good = [
                (float(p[0]), float(p[1]))
                for p in points
                if isinstance(p, list)
                and len(p) == 2
                and all(isinstance(x, int | float) and math.isfinite(x) for x in p)
            ]
            if len(good) >= 2 and len(good) == len(points):
                paths[str(route)] = good
    return paths


def _replications(folder: Path, n: int) -> pd.DataFrame:
    """replications.csv: replication and seed (whole numbers), then every KPI (finite)."""
    head = pd.read_csv(folder / "replications.csv", nrows=0, dtype=str).columns
    kpis = tuple((c, "float") for c in head if c not in ("replication", "seed"))
    columns = (("replication", "int"), ("seed", "int"), *kpis)
    frame = read_table(folder, "replications.csv", columns)
    if sorted(frame["replication"].tolist()) != list(range(n)):
        raise RunFolderError(
            f"{folder}: replications.csv does not hold replications 0 to {n - 1} once each, "
            "as manifest.json says; run the scenario again"
        )
    return frame
