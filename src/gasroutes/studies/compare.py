"""Comparing runs: key figures side by side, comparison charts, and a report.

``gasroutes compare A B [C ...]``: each argument is a run folder or a scenario file (which
is run first). The first run is the reference: differences are "run - first".
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gasroutes.core.errors import RunFolderError
from gasroutes.report.html import flatten_kpis
from gasroutes.results.reading import RunData

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gasroutes.results.result import Result

__all__ = ["Comparison", "compare", "load_runs"]

SCENARIO_SUFFIXES = (".yaml", ".yml")


@dataclass
class Comparison:
    """Runs to compare; the first is the reference."""

    runs: list[RunData]

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

    def charts(self) -> dict[str, Figure]:
        """Every comparison chart, by name."""
        from gasroutes.charts.compare import (
            annual_exports_compare,
            compare_charts,
            difference_annual,
            difference_kpis,
        )

        if not self.replicated:
            return compare_charts(self.runs)
        from gasroutes.studies.paired import annual_differences

        first = self.runs[0]
        annual = {r.name: annual_differences(first, r) for r in self.runs[1:]}
        # the daily tables of replicated runs stay on disk: their charts are the bands in
        # each run's own folder
        return {
            "annual_exports": annual_exports_compare(self.runs),
            "difference_kpis": difference_kpis(self.runs, self.differences),
            "difference_annual": difference_annual(self.runs, annual),
        }

    def plot(self, name: str) -> Figure:
        """One comparison chart (annual_exports, deliveries, revenue, production,
        route_flows)."""
        from gasroutes.charts.compare import COMPARE_CHARTS

        if name not in COMPARE_CHARTS:
            raise KeyError(f"unknown chart {name!r}; choose one of {', '.join(COMPARE_CHARTS)}")
        return COMPARE_CHARTS[name](self.runs)

    def write(self, folder: Path, made: Sequence[Result] = ()) -> Path:
        """Write kpis.csv, charts/*.png and report.html, atomically; the results in
        ``made`` (runs of scenario files given to compare) are kept under ``runs/``."""
        from gasroutes.results.folders import atomic_folder, check_apart

        check_apart(folder, [r.folder for r in self.runs if r.folder is not None], "compare")
        with atomic_folder(folder, "compare") as tmp:
            self.write_into(tmp)
            for result in made:
                result.write(tmp / "runs" / result.scenario.name)
        return folder

    def write_into(self, tmp: Path) -> None:
        """The comparison's files, written into the (temporary) folder ``tmp``."""
        from gasroutes.charts.axes import save_figure
        from gasroutes.report.html import comparison_report

        self.kpis.to_csv(tmp / "kpis.csv", float_format="%.6f")
        if self.replicated:
            self.differences.to_csv(tmp / "differences.csv", index=False, float_format="%.6f")
        (tmp / "charts").mkdir()
        paths = [save_figure(fig, tmp / "charts", n) for n, fig in self.charts().items()]
        (tmp / "report.html").write_text(comparison_report(self, paths), encoding="utf-8")


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
) -> tuple[list[RunData], list[Result]]:
    """Turn results, run folders and scenario files into RunData, running the scenario
    files; also return the results of those runs. With ``replications`` above 1, scenario
    files are run replicated into ``scratch``/<name> (the caller keeps or removes them)."""
    from gasroutes.results.result import Result
    from gasroutes.scenario.loading import load_scenario
    from gasroutes.sim.run import run

    out: list[RunData] = []
    made: list[Result] = []
    for item in items:
        if isinstance(item, RunData):
            out.append(item)
        elif isinstance(item, Result):
            out.append(RunData.from_result(item))
        else:
            path = Path(item)
            if _is_scenario(path) and replications > 1:
                from gasroutes.studies.replicate import run_replications
                from gasroutes.studies.sweep import progress_bar

                assert scratch is not None, "replicated scenario files need a scratch folder"
                scenario = load_scenario(path)
                folder = scratch / scenario.name
                k = 2
                while folder.exists():
                    folder, k = scratch / f"{scenario.name}-{k}", k + 1
                run_replications(
                    scenario, replications, folder, workers=workers, progress=progress_bar
                )
                out.append(RunData.from_folder(folder))
            elif _is_scenario(path):
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
    out: str | Path | None = None,
    *,
    replications: int = 1,
    workers: int = 1,
) -> Comparison:
    """Compare runs (Results, run folders or scenario files); write to ``out`` if given.

    Scenario files are run first, ``replications`` times each (with ``workers``
    processes); their runs are kept in ``out``/runs/.
    """
    if len(items) < 2:
        raise RunFolderError(f"compare needs at least two runs, got {len(items)}")
    if out is None:
        with tempfile.TemporaryDirectory(prefix="gasroutes-compare-") as scratch:
            runs, _ = load_runs(
                items, replications=replications, workers=workers, scratch=Path(scratch)
            )
            for r in runs:
                if r.folder is not None and Path(scratch) in r.folder.parents:
                    r.folder = None  # run for this comparison and not kept
        return Comparison(runs)
    from gasroutes.results.folders import atomic_folder, check_apart, check_target

    target = Path(out)
    read = [Path(i) for i in items if isinstance(i, str | Path) and not _is_scenario(Path(i))]
    read += [i.folder for i in items if isinstance(i, RunData) and i.folder is not None]
    # before anything runs: a refused folder is told at once, not after the runs
    check_apart(target, read, "compare")
    check_target(target, "compare")
    with atomic_folder(target, "compare") as tmp:
        kept = tmp / "runs"
        runs, made = load_runs(items, replications=replications, workers=workers, scratch=kept)
        comparison = Comparison(runs)
        comparison.write_into(tmp)
        for result in made:  # scenario files given on the command line: keep their runs
            result.write(kept / result.scenario.name)
    for r in runs:
        if r.folder is not None and tmp in r.folder.parents:
            r.folder = target / r.folder.relative_to(tmp)
    return comparison


def _is_scenario(path: Path) -> bool:
    return path.suffix in SCENARIO_SUFFIXES and not path.is_dir()
