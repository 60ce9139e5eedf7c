"""Differences between replicated runs, with 95% confidence intervals.

Two replicated runs that share their seeds (same scenario seed and number of
replications) share the random numbers of every source they have in common, replication
by replication. Their difference is then estimated from the paired differences
``d_i = b_i - a_i``: mean ``d`` +- ``t(0.975, n-1) sd(d) / sqrt(n)``, which is narrower than
the unpaired interval whenever the two runs are positively correlated, as common random
numbers make them. Runs that do not share seeds are compared unpaired (Welch's interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

if TYPE_CHECKING:
    from gasroutes.results.reading import RunData

__all__ = ["annual_differences", "interval", "kpi_differences", "share_seeds"]


NOT_KPIS = ("replication", "seed", "days", "conservation_error")


def share_seeds(a: RunData, b: RunData) -> bool:
    """Whether replication i of ``a`` and of ``b`` ran with the same seed, for every i."""
    sa, sb = a.kpi_table()["seed"].tolist(), b.kpi_table()["seed"].tolist()
    return len(sa) == len(sb) and sa == sb


def interval(a: np.ndarray, b: np.ndarray, paired: bool) -> tuple[float, float, float]:
    """Mean of ``b - a`` and its 95% confidence interval (NaN bounds when the sample is
    too small): paired when ``paired``, else Welch's."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        d = b - a
        n = len(d)
        mean = float(d.mean())
        if n < 2:
            return mean, math.nan, math.nan
        half = float(student_t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n))
        return mean, mean - half, mean + half
    na, nb = len(a), len(b)
    mean = float(b.mean() - a.mean())
    if na < 2 or nb < 2:
        return mean, math.nan, math.nan
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    if se == 0:
        return mean, mean, mean
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = float(student_t.ppf(0.975, df) * se)
    return mean, mean - half, mean + half


def kpi_differences(runs: Sequence[RunData]) -> pd.DataFrame:
    """For each run after the first and each KPI both have: the mean difference from the
    first run with its 95% CI (paired when the runs share seeds), and the width the
    unpaired interval would have had, for comparison."""
    ref = runs[0]
    ka = ref.kpi_table()
    rows = []
    for run in runs[1:]:
        kb = run.kpi_table()
        paired = share_seeds(ref, run)
        for col in ka.columns:
            if col in NOT_KPIS or col not in kb.columns:
                continue
            a, b = ka[col].to_numpy(dtype=float), kb[col].to_numpy(dtype=float)
            mean, low, high = interval(a, b, paired)
            _, ulow, uhigh = interval(a, b, False)
            rows.append(
                {
                    "kpi": col,
                    "run": run.name,
                    "reference": ref.name,
                    "pairing": "paired" if paired else "unpaired",
                    "replications": len(b),
                    "mean_difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "ci_width": high - low,
                    "unpaired_ci_width": uhigh - ulow,
                }
            )
    return pd.DataFrame(rows)


def annual_differences(ref: RunData, run: RunData) -> pd.DataFrame:
    """Per year and destination: the mean difference of annual exports (run - ref) with
    its 95% CI, paired by replication when the runs share seeds."""
    paired = share_seeds(ref, run)
    keys = ["destination", "commodity", "year"]

    def table(r: RunData) -> pd.DataFrame:
        a = r.annual_by_replication()
        return a.pivot_table(index=keys, columns="replication", values="quantity", sort=True)

    ta, tb = table(ref), table(run)
    rows = []
    for key in ta.index.intersection(tb.index):
        if paired:  # replication i with replication i, both present
            both = pd.concat([ta.loc[key], tb.loc[key]], axis=1, join="inner").dropna()
            a, b = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
        else:
            a, b = ta.loc[key].dropna().to_numpy(), tb.loc[key].dropna().to_numpy()
        mean, low, high = interval(a, b, paired)
        rows.append(dict(zip(keys, key, strict=True)) | {"mean": mean, "low": low, "high": high})
    return pd.DataFrame(rows, columns=[*keys, "mean", "low", "high"])
