"""Backtesting: a run's annual exports against an observed table.

The observed table has columns ``year, destination, quantity`` (a ``bcm`` column is
accepted in place of ``quantity``). Destinations are matched to the run's buyer ids after
normalising case and spaces (``"China"`` -> ``china``); ``total`` is compared with the
sum over all destinations. Destinations the run does not know (alternative series such as
``"China [PetroChina-reported]"``, or countries outside the model) are listed and skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import DataError, RunFolderError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Backtest", "backtest", "read_observed"]

TOTAL = "total"


@dataclass
class Backtest:
    """Simulated against observed, per destination-year, with error summaries."""

    table: pd.DataFrame  # year, destination, simulated, observed, error, relative_error
    unknown: list[str]
    commodity: str
    unit: str
    series: pd.DataFrame  # year, destination, simulated: every year of the run

    @property
    def summary(self) -> dict[str, Any]:
        """MAPE per destination and weighted MAPE over all (weights: observed quantity).

        Years with an observed 0 have no relative error and are left out of the MAPEs
        (their absolute error is still in the table)."""
        t = self.table[self.table["destination"] != TOTAL]
        rel = t.dropna(subset=["relative_error"])
        mape = {
            d: round(float(g["relative_error"].abs().mean()), 6)
            for d, g in rel.groupby("destination", sort=True)
        }
        weighted = (
            float(rel["error"].abs().sum() / rel["observed"].sum()) if len(rel) else float("nan")
        )
        within = int((rel["relative_error"].abs() <= 0.10).sum())
        return {
            "commodity": self.commodity,
            "unit": self.unit,
            "destination_years": len(t),
            "with_relative_error": len(rel),
            "within_10_percent": within,
            "mape_by_destination": mape,
            "weighted_mape": round(weighted, 6),
            "unknown_destinations": self.unknown,
        }

    def plot(self, title: str) -> Figure:
        from .plots import backtest_chart

        return backtest_chart(self.table, self.series, title, self.unit)

    def write(self, folder: Path, title: str) -> Path:
        from .output import atomic_folder

        with atomic_folder(folder) as tmp:
            self.table.to_csv(tmp / "backtest.csv", index=False, float_format="%.6f")
            (tmp / "backtest.json").write_text(json.dumps(self.summary, indent=2) + "\n")
            fig = self.plot(title)
            fig.savefig(tmp / "backtest.png", dpi=150, metadata={"Software": None})
        return folder


def _key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def read_observed(path: Path) -> pd.DataFrame:
    """Read and check an observed table; raise DataError with the file and the problem."""
    try:
        obs = pd.read_csv(path)
    except FileNotFoundError as err:
        raise DataError(
            f"{path}: file not found; allowed: a CSV file with columns "
            "year, destination, quantity (or bcm)"
        ) from err
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataError(
            f"{path}: not a readable CSV ({err}); allowed: a CSV file with "
            "columns year, destination, quantity (or bcm)"
        ) from err
    if "quantity" not in obs.columns and "bcm" in obs.columns:
        obs = obs.rename(columns={"bcm": "quantity"})
    missing = [c for c in ("year", "destination", "quantity") if c not in obs.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)} (got "
            f"{', '.join(map(str, obs.columns))}); allowed: year, destination, "
            "quantity (or bcm)"
        )
    for col in ("year", "quantity"):
        values = pd.to_numeric(obs[col], errors="coerce")
        bad = obs.loc[values.isna(), col]
        if len(bad):
            row = int(bad.index[0]) + 2  # header is line 1
            raise DataError(
                f"{path}: line {row}: column {col!r} has {bad.iloc[0]!r}; allowed: a number"
            )
        obs[col] = values
    return obs[["year", "destination", "quantity"]].astype({"year": int})


def backtest(
    run: Path | pd.DataFrame, observed: Path | pd.DataFrame, commodity: str = "pipeline_gas"
) -> Backtest:
    """Compare a run's ``annual.csv`` (a run folder or the DataFrame) with observed data."""
    if isinstance(run, Path):
        annual_path = run / "annual.csv"
        if not annual_path.is_file():
            raise RunFolderError(
                f"{run}: not a run folder (no annual.csv); run a scenario "
                "with 'gasroutes run' first"
            )
        annual = pd.read_csv(annual_path)
        if "replication" in annual.columns:
            raise RunFolderError(
                f"{run}: a replicated run ({annual['replication'].nunique()} replications); "
                "backtest compares one run with the record: run the scenario without "
                "--replications"
            )
    else:
        annual = run
    obs = read_observed(observed) if isinstance(observed, Path) else observed.copy()
    sim = annual[annual["commodity"] == commodity]
    unit = str(sim["unit"].iloc[0]) if len(sim) else "bcm"
    known = set(sim["destination"])
    obs["key"] = obs["destination"].astype(str).map(_key)
    unknown = sorted(set(obs.loc[~obs["key"].isin(known | {TOTAL}), "destination"]))
    years = set(sim["year"])
    obs = obs[obs["key"].isin(known | {TOTAL}) & obs["year"].isin(years)]
    simulated = {
        (int(y), str(d)): float(q)
        for y, d, q in zip(sim["year"], sim["destination"], sim["quantity"], strict=True)
    }
    totals = sim.groupby("year")["quantity"].sum()
    total_by_year = {int(y): float(q) for y, q in zip(totals.index, totals, strict=True)}
    rows = []
    for year, key, quantity in zip(obs["year"], obs["key"], obs["quantity"], strict=True):
        y = int(year)
        s = total_by_year[y] if key == TOTAL else simulated[(y, str(key))]
        o = float(quantity)
        err = s - o
        rows.append((y, str(key), s, o, err, err / o if o != 0 else np.nan))
    table = pd.DataFrame(
        rows, columns=["year", "destination", "simulated", "observed", "error", "relative_error"]
    )
    table = table.sort_values(["destination", "year"], kind="stable").reset_index(drop=True)
    compared = list(dict.fromkeys(table["destination"]))
    series = pd.concat(
        [
            sim[["year", "destination", "quantity"]],
            totals.reset_index().assign(destination=TOTAL),
        ]
    ).rename(columns={"quantity": "simulated"})
    series = series[series["destination"].isin(compared)].reset_index(drop=True)
    return Backtest(table=table, unknown=unknown, commodity=commodity, unit=unit, series=series)
