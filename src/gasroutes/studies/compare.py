"""Comparing runs: key figures side by side, comparison charts, and a report.

``gasroutes compare A B [C ...]``: each argument is a run folder or a scenario file (which
is run first). The first run is the reference: differences are "run - first".
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gasroutes.core.errors import RunFolderError
from gasroutes.results.reading import RunData
from gasroutes.results.summary import flatten_kpis, headlines, html_table

if TYPE_CHECKING:
    from gasroutes.results.result import Result
    from gasroutes.results.writing import Outputs
    from gasroutes.studies.replicate import Pages, Progress

__all__ = ["Comparison", "check_count", "compare", "is_scenario", "load_runs", "read_folders"]

SCENARIO_SUFFIXES = (".yaml", ".yml")


@dataclass
class Comparison:
    """Runs to compare; the first is the reference."""

    runs: list[RunData]

    def __repr__(self) -> str:
        """One line: the runs compared (the tables would fill a notebook cell)."""
        return f"<{type(self).__name__} of {len(self.runs)} runs: {', '.join(self.names)}>"

    def _repr_html_(self) -> str:
        """Jupyter's view: the key figures ``gasroutes compare`` prints, one column per
        run, as a small table."""
        kpis = self.kpis
        flat = {n: {str(k): v for k, v in kpis[n].items()} for n in self.names}
        rows = []
        for h in headlines(kpis.index, by_destination=False, depot_days=True):
            values = [h.value(flat[n]) for n in self.names]
            spec = ",.0f" if h.count else ",.2f"
            rows.append([h.label, *(f"{v:{spec}}" if math.isfinite(v) else "n/a" for v in values)])
        caption = f"{len(self.runs)} runs (the first, {self.names[0]}, is the reference)"
        if self.replicated:
            caption += "; means over replications"
        return html_table(caption, ["", *self.names], rows)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.runs]

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per KPI, one column per run, and one ``<run> - <first>`` column per
        other run."""
        flat = [flatten_kpis(r.summary) for r in self.runs]
        keys = list(dict.fromkeys(k for f in flat for k in f if k not in ("seed", "days")))
        frame = pd.DataFrame(
            {r.name: [f.get(k) for k in keys] for r, f in zip(self.runs, flat, strict=True)},
            index=keys,
            dtype=float,
        )
        first = self.runs[0].name
        for r in self.runs[1:]:
            frame[f"{r.name} - {first}"] = frame[r.name] - frame[first]
        frame.index.name = "kpi"
        return frame

    @property
    def replicated(self) -> bool:
        """Whether any run has several replications (then differences get intervals)."""
        return any(r.replicated for r in self.runs)

    @property
    def differences(self) -> pd.DataFrame:
        """Mean KPI differences from the first run with 95% CIs (see :mod:`.paired`)."""
        from gasroutes.studies.paired import kpi_differences

        return kpi_differences(self.runs)

    @property
    def without_daily(self) -> list[str]:
        """The single runs whose daily tables are not at hand (read from folders written
        with --tables annual)."""
        return [r.name for r in self.runs if r.tables == "annual" and not r.replicated]

    def chart_notes(self) -> list[str]:
        """The comparison charts left out, and why, in words."""
        missing = self.without_daily
        if self.replicated or not missing:
            return []
        one = len(missing) == 1
        return [
            f"{', '.join(missing)} {'was' if one else 'were'} written with --tables annual "
            "(no daily tables), so the comparison's daily charts (deliveries, revenue, "
            f"production, route flows) are left out; run {'it' if one else 'them'} again "
            "without --tables annual, or compare the scenario files, to draw them"
        ]

    def pairing_notes(self) -> list[str]:
        """What the comparison of replicated runs could pair, in words."""
        from gasroutes.studies.paired import share_seeds

        first = self.runs[0]
        notes = []
        for r in self.runs:
            if not r.replicated:
                notes.append(
                    f"{r.name} is a single run: its differences get no confidence interval; "
                    "run it with --replications N"
                )
        for r in self.runs[1:]:
            if not (r.replicated and first.replicated):
                continue
            if share_seeds(first, r):
                notes.append(
                    f"{r.name} and {first.name} share their seeds: replication i is paired "
                    "with replication i"
                )
            else:
                notes.append(
                    f"{r.name} and {first.name} do not share seeds (seed or number of "
                    "replications differ): unpaired comparison"
                )
        return notes


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        name, k = n, 2
        while name in out:
            name, k = f"{n}-{k}", k + 1
        out.append(name)
    return out


def load_runs(
    items: Sequence[Result | RunData | str | Path],
    *,
    replications: int = 1,
    workers: int = 1,
    scratch: Path | None = None,
    progress: Progress | None = None,
    pages: Pages | None = None,
    outputs: Outputs | None = None,
) -> tuple[list[RunData], list[Result]]:
    """Turn results, run folders and scenario files into RunData, running the scenario
    files; also return the results of those runs. With ``replications`` above 1, scenario
    files are run replicated into ``scratch``/<name> (the caller keeps or removes them),
    with the tables and formats of ``outputs``."""
    from gasroutes.results.result import Result
    from gasroutes.results.run import run
    from gasroutes.scenario.loading import load_scenario

    out: list[RunData] = []
    made: list[Result] = []
    for item in items:
        if isinstance(item, RunData):
            out.append(item)
        elif isinstance(item, Result):
            out.append(RunData.from_result(item))
        else:
            path = Path(item)
            if is_scenario(path) and replications > 1:
                from gasroutes.studies.replicate import run_replications

                assert scratch is not None, "replicated scenario files need a scratch folder"
                scenario = load_scenario(path)
                folder = scratch / scenario.name
                k = 2
                while folder.exists():
                    folder, k = scratch / f"{scenario.name}-{k}", k + 1
                run_replications(
                    scenario,
                    replications,
                    folder,
                    workers=workers,
                    progress=progress,
                    pages=pages,
                    outputs=outputs,
                )
                out.append(RunData.from_folder(folder))
            elif is_scenario(path):
                result = run(load_scenario(path))
                made.append(result)
                out.append(RunData.from_result(result))
            else:
                out.append(RunData.from_folder(path))
    for data, name in zip(out, _unique([d.name for d in out]), strict=True):
        data.name = name
    return out, made


def compare(
    items: Sequence[Any],
    *,
    replications: int = 1,
    workers: int = 1,
    progress: Progress | None = None,
) -> Comparison:
    """Compare runs (Results, run folders or scenario files), writing nothing: scenario
    files are run (``replications`` times each, with ``workers`` processes) into a
    scratch folder that is removed afterwards. :func:`gasroutes.compare` with ``out``
    keeps them (:func:`gasroutes.report.compare.compare_into`)."""
    check_count(items)
    with tempfile.TemporaryDirectory(prefix="gasroutes-compare-") as scratch:
        runs, _ = load_runs(
            items,
            replications=replications,
            workers=workers,
            scratch=Path(scratch),
            progress=progress,
        )
        for r in runs:
            if r.folder is not None and Path(scratch) in r.folder.parents:
                r.folder = None  # run for this comparison and not kept
    return Comparison(runs)


def check_count(items: Sequence[Any]) -> None:
    if len(items) < 2:
        raise RunFolderError(f"compare needs at least two runs, got {len(items)}")


def read_folders(items: Sequence[Any]) -> list[Path]:
    """The run folders among ``items`` (which a comparison must not write into)."""
    read = [Path(i) for i in items if isinstance(i, str | Path) and not is_scenario(Path(i))]
    read += [i.folder for i in items if isinstance(i, RunData) and i.folder is not None]
    return read


def is_scenario(path: Path) -> bool:
    return path.suffix in SCENARIO_SUFFIXES and not path.is_dir()
