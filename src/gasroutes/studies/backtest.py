"""Backtesting: a run's annual exports against an observed table.

The observed table has columns ``year, destination, quantity`` (a ``bcm`` column is
accepted in place of ``quantity``). Destinations are matched to the run's buyer ids after
normalising case and spaces (``"China"`` -> ``china``); ``total`` is compared with the
sum over all destinations. Destinations the run does not know (alternative series such as
``"China [PetroChina-reported]"``, or countries outside the model) are listed and skipped.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gasroutes.core.errors import DataError, RunFolderError, ScenarioError, short
from gasroutes.core.yamlio import read_text

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

    def __repr__(self) -> str:
        """One line: what was scored, and the weighted MAPE."""
        mape = self.summary.get("weighted_mape")
        shown = "n/a" if mape is None else f"{mape:.1%}"
        return f"<Backtest of {len(self.table)} destination-years: weighted MAPE {shown}>"

    @property
    def summary(self) -> dict[str, Any]:
        """MAPE per destination and weighted MAPE over all (weights: observed quantity).

        Years with an observed value below MIN_FOR_RELATIVE (0 included) have no relative
        error and are left out of the MAPEs
        (their absolute error is still in the table)."""
        t = self.table[self.table["destination"] != TOTAL]
        rel = t.dropna(subset=["relative_error"])
        mape = {
            d: round(float(g["relative_error"].abs().mean()), 6)
            for d, g in rel.groupby("destination", sort=True)
        }
        # None when no year has a relative error (every observed value is 0)
        weighted = (
            round(float(rel["error"].abs().sum() / rel["observed"].sum()), 6) if len(rel) else None
        )
        within = int((rel["relative_error"].abs() <= 0.10).sum())
        return {
            "commodity": self.commodity,
            "unit": self.unit,
            "destination_years": len(t),
            "with_relative_error": len(rel),
            "within_10_percent": within,
            "mape_by_destination": mape,
            "weighted_mape": weighted,
            "unknown_destinations": self.unknown,
        }


def _key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


OBSERVED_COLUMNS = "a CSV file with columns year, destination, quantity (or bcm)"
MAX_OBSERVED = 1e6  # an observed annual quantity (bcm or kt)


def read_observed(path: Path) -> pd.DataFrame:
    """Read and check an observed table: whole years from 1900 to 2200, a destination on
    every row, finite quantities >= 0 (below MAX_OBSERVED). Raise DataError naming the
    file, the line and the problem. Other columns (a source, a note) are ignored."""
    try:
        text = read_text(path, "CSV file")
    except ScenarioError as err:
        raise DataError(f"{err}; expected {OBSERVED_COLUMNS}") from err
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))  # Excel's BOM
    if not rows:
        raise DataError(f"{path}: empty file; allowed: {OBSERVED_COLUMNS}")
    header = [h.strip() for h in rows[0]]
    twice = sorted({h for h in header if header.count(h) > 1 and h})
    if twice:
        raise DataError(f"{path}: the column {twice[0]} is named twice; name each column once")
    if "quantity" not in header and "bcm" in header:
        header[header.index("bcm")] = "quantity"
    missing = [c for c in ("year", "destination", "quantity") if c not in header]
    if missing:
        got = ", ".join(h[:30] for h in header[:8])
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)} (got {got}); allowed: "
            f"{OBSERVED_COLUMNS}"
        )
    at = {c: header.index(c) for c in ("year", "destination", "quantity")}
    years, dests, quantities, lines = [], [], [], []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {n}: {len(row)} value(s) for {len(header)} columns; every row "
                "has one value per column (a year, a destination and a quantity at least)"
            )
        year_text, dest, q_text = (row[at[c]].strip() for c in ("year", "destination", "quantity"))
        try:
            year = float(year_text)
        except ValueError:
            year = math.nan
        if not (math.isfinite(year) and year == int(year) and 1900 <= year <= 2200):
            raise DataError(
                f"{path}: line {n}: column 'year' has {short(year_text)}; allowed: a whole "
                "year from 1900 to 2200"
            )
        if not dest:
            raise DataError(f"{path}: line {n}: column 'destination' is empty; allowed: a name")
        try:
            quantity = float(q_text)
        except ValueError:
            quantity = math.nan
        if not (math.isfinite(quantity) and 0 <= quantity <= MAX_OBSERVED):
            got = "nothing" if not q_text else short(q_text)
            raise DataError(
                f"{path}: line {n}: column 'quantity' has {got}; allowed: a finite number "
                f"from 0 to {MAX_OBSERVED:,.0f}"
            )
        years.append(int(year))
        dests.append(dest)
        quantities.append(quantity)
        lines.append(n)
    if not years:
        raise DataError(f"{path}: no rows; allowed: {OBSERVED_COLUMNS}")
    return pd.DataFrame(
        {"year": years, "destination": dests, "quantity": quantities, "line": lines}
    )


def _annual(run: Path) -> pd.DataFrame:
    """A single run's annual table; the whole folder is checked, file by file, as
    :meth:`RunData.from_folder` checks a run it compares."""
    from gasroutes.core.folders import marker_of
    from gasroutes.results.reading import RunData

    kind = (marker_of(run) or {}).get("kind") if run.is_dir() else None
    if kind is not None and kind != "run":
        raise RunFolderError(
            f"{run}: not a single run (the folder holds a {kind.replace('_', ' ')}); backtest "
            "compares one run, written by 'gasroutes run', with the record"
        )
    data = RunData.from_folder(run)
    if data.replicated:
        raise RunFolderError(
            f"{run}: a replicated run ({data.manifest.get('replications')} replications); "
            "backtest compares one run with the record: run the scenario without "
            "--replications"
        )
    return data.annual


# an observed value below this has no relative error (as an observed 0 has none)
MIN_FOR_RELATIVE = 1e-6


def backtest(
    run: Path | pd.DataFrame, observed: Path | pd.DataFrame, commodity: str = "pipeline_gas"
) -> Backtest:
    """Compare a run's ``annual.csv`` (a run folder or the DataFrame) with observed data."""
    annual = _annual(run) if isinstance(run, Path) else run
    name = str(observed) if isinstance(observed, Path) else "the observed table"
    obs = read_observed(observed) if isinstance(observed, Path) else observed.copy()
    if "line" not in obs.columns:
        obs["line"] = np.arange(len(obs)) + 2
    sim = annual[annual["commodity"] == commodity]
    unit = str(sim["unit"].iloc[0]) if len(sim) else "bcm"
    known = set(sim["destination"])
    obs["key"] = obs["destination"].astype(str).map(_key)
    unknown = sorted(set(obs.loc[~obs["key"].isin(known | {TOTAL}), "destination"]))
    obs = obs[obs["key"].isin(known | {TOTAL})]
    twice = obs[obs.duplicated(["year", "key"], keep=False)]
    if len(twice):
        first = twice.iloc[0]
        again = twice[(twice["year"] == first["year"]) & (twice["key"] == first["key"])]
        raise DataError(
            f"{name}: {first['key']} {first['year']} is given on lines "
            f"{', '.join(map(str, again['line']))}; allowed: one row per year and destination "
            "(after names are matched to the run's: China -> china)"
        )
    years = set(sim["year"])
    if len(obs) and not obs["year"].isin(years).any():
        span = f"{min(years)}-{max(years)}" if years else "none"
        raise DataError(
            f"{name}: no year in common with the run (the run covers {span}, the table "
            f"{obs['year'].min()}-{obs['year'].max()}); nothing to compare"
        )
    if not len(obs):
        raise DataError(
            f"{name}: no destination the run knows ({', '.join(sorted(known)) or 'none'}, or "
            "total); nothing to compare"
        )
    obs = obs[obs["year"].isin(years)]
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
        rows.append((y, str(key), s, o, err, err / o if o >= MIN_FOR_RELATIVE else np.nan))
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
