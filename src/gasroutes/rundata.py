"""A finished run's tables, from memory (a Result) or from its folder on disk.

`compare` and the HTML reports work on this one shape, so a run folder written last week
and a run made a second ago are compared the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from .errors import RunFolderError

if TYPE_CHECKING:
    from .records import Result

__all__ = ["REQUIRED_FILES", "RunData"]

REQUIRED_FILES = (
    "annual.csv",
    "deliveries.csv",
    "flows.csv",
    "money.csv",
    "production.csv",
    "events.csv",
    "summary.json",
    "manifest.json",
)
SUPPORTED_FORMATS = (1,)


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

    @property
    def replicated(self) -> bool:
        return self.replications is not None and len(self.replications) > 1

    def kpi_table(self) -> pd.DataFrame:
        """One row per replication (a single run is one replication): replication, seed,
        and every scalar KPI."""
        if self.replications is not None:
            return self.replications
        from .report import flatten_kpis

        flat = {k: v for k, v in flatten_kpis(self.summary).items() if k not in ("seed", "days")}
        return pd.DataFrame([{"replication": 0, "seed": self.seed, **flat}])

    def annual_by_replication(self) -> pd.DataFrame:
        """The annual table with a replication column (0 for a single run)."""
        if self.annual_reps is not None:
            return self.annual_reps
        return self.annual.assign(replication=0)

    @classmethod
    def from_result(cls, res: Result) -> RunData:
        from .output import manifest

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
        missing = [f for f in REQUIRED_FILES if not (folder / f).is_file()]
        if missing:
            raise RunFolderError(
                f"{folder}: not a complete run folder, missing "
                f"{', '.join(missing)}; run the scenario again with "
                "'gasroutes run'"
            )
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise RunFolderError(
                f"{folder}: unreadable manifest.json or summary.json ({err})"
            ) from err
        if not isinstance(manifest, dict) or not isinstance(summary, dict):
            raise RunFolderError(
                f"{folder}: manifest.json or summary.json is not a JSON "
                "object; run the scenario again"
            )
        version = manifest.get("format_version")
        if version not in SUPPORTED_FORMATS:
            raise RunFolderError(
                f"{folder}: made by an incompatible version of gasroutes (format "
                f"{version!r}, gasroutes {manifest.get('gasroutes_version', 'unknown')}); "
                f"this version reads format {', '.join(map(str, SUPPORTED_FORMATS))}: run "
                "the scenario again"
            )
        paths: dict[str, list[tuple[float, float]]] = {}
        resolved = folder / "scenario.resolved.yaml"
        if resolved.is_file():
            routes = (yaml.safe_load(resolved.read_text(encoding="utf-8")) or {}).get("routes", {})
            paths = {
                r: [tuple(p) for p in v["path_lonlat"]]
                for r, v in routes.items()
                if v.get("path_lonlat")
            }

        def csv(name: str, **kw: Any) -> pd.DataFrame:
            try:
                frame: pd.DataFrame = pd.read_csv(folder / name, **kw)
                return frame
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
                raise RunFolderError(
                    f"{folder}: {name} is not a readable table ({err}); run the scenario again"
                ) from err

        events = csv("events.csv", dtype=str, keep_default_na=False)
        if int(manifest.get("replications", 1)) > 1:
            return cls._replicated(folder, manifest, summary, events, paths, csv)
        return cls(
            name=str(manifest.get("scenario", folder.name)),
            annual=csv("annual.csv"),
            deliveries=csv("deliveries.csv"),
            flows=csv("flows.csv"),
            money=csv("money.csv"),
            production=csv("production.csv"),
            events=events,
            summary=summary,
            manifest=manifest,
            seed=int(manifest.get("seed", 0)),
            paths=paths,
            folder=folder,
        )

    @classmethod
    def _replicated(
        cls,
        folder: Path,
        manifest: dict[str, Any],
        summary: dict[str, Any],
        events: pd.DataFrame,
        paths: dict[str, list[tuple[float, float]]],
        csv: Any,
    ) -> RunData:
        """A replicated run: KPI means as the summary, the median annual table, and the
        scheduled events (random outages and rule firings differ between replications and
        are left out)."""
        from .replicate import FIXED_SOURCES

        if not (folder / "replications.csv").is_file():
            raise RunFolderError(
                f"{folder}: a replicated run without replications.csv; run the scenario again"
            )
        reps = csv("replications.csv")
        annual_reps = csv("annual.csv")
        keys = ["year", "destination", "commodity", "unit"]
        median = annual_reps.groupby(keys, sort=False)["quantity"].median().reset_index()
        flat = {k: v["mean"] for k, v in summary.get("kpis", {}).items() if isinstance(v, dict)}
        head = {k: summary.get(k) for k in ("scenario", "start", "end", "days", "seed")}
        scheduled = events[(events["replication"] == "0") & events["source"].isin(FIXED_SOURCES)]
        empty = pd.DataFrame()
        return cls(
            name=str(manifest.get("scenario", folder.name)),
            annual=median[["year", "destination", "commodity", "quantity", "unit"]],
            deliveries=empty,
            flows=empty,
            money=empty,
            production=empty,
            events=scheduled.drop(columns="replication").reset_index(drop=True),
            summary={**head, **flat},
            manifest=manifest,
            seed=int(manifest.get("seed", 0)),
            paths=paths,
            folder=folder,
            replications=reps,
            annual_reps=annual_reps,
        )
