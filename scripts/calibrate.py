"""Calibrate the historical scenario on 2008-2018, and only on 2008-2018.

What is fitted (structural parameters, never one number per year per buyer):

- domestic demand: a linear trend (level and slope) fitted by least squares to the reported
  consumption of 2009-2018 (2008's 7.89 bcm is a break in the series and is left out);
- China's take-up: a linear ramp from CAGP's opening (level on 2010-01-01) to the 40 bcm/yr
  design for Turkmen gas (the date it gets there);
- Iran's contract volume from the opening of Dauletabad-Sarakhs-Khangiran (2010), one level;
- Russia's volume for 2010-2014, one level (the record says "10-11 bcm/yr");
- Iran's share of each invoice paid from 2013, chosen so that the arrears rule (cut off above
  USD 1.8bn, the claim of 2016) fires on 1 Jan 2017, the date of the actual cutoff.

The volumes minimise the sum of squared relative errors of the simulated annual exports
against the observed BP/EI series for China, Iran and Russia, 2011-2018, with the model in the
loop: every evaluation runs the historical scenario cut at 2018-12-31, so no later year
enters the fit. Writes scenarios/data/calibration.json; the values in historical.yaml are
these, rounded, and a test checks that they agree.

Run: .venv/bin/python scripts/calibrate.py   (about a minute)
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

import gasroutes
from gasroutes.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
WINDOW_END = dt.date(2018, 12, 31)
CUTOFF_TARGET = dt.date(2017, 1, 1)
FIT_YEARS = range(2011, 2019)
BUYERS = {"China": "china", "Iran": "iran", "Russia": "russia"}


def observed() -> pd.DataFrame:
    """BP/EI series for the fitted buyers, 2011-2018 (alternative sources in brackets left out)."""
    obs = pd.read_csv(DATA / "exports_observed_to_2018.csv")
    obs = obs[obs["destination"].isin(list(BUYERS)) & obs["year"].isin(list(FIT_YEARS))]
    return obs.assign(destination=obs["destination"].map(BUYERS))[["year", "destination", "bcm"]]


def domestic_trend() -> tuple[float, float]:
    """Least-squares level (2008) and slope (per year) of consumption, 2009-2018."""
    d = pd.read_csv(DATA / "production_consumption_to_2018.csv")
    d = d[(d["year"] >= 2009) & (d["year"] <= 2018)]
    slope, level = np.polyfit(d["year"] - 2008, d["consumption_bcm"], 1)
    return float(level), float(slope)


def base_dict() -> dict[str, Any]:
    s = gasroutes.load_scenario(ROOT / "scenarios" / "historical.yaml")
    data = s.model_dump(mode="python", exclude_none=True)
    data["end"] = WINDOW_END  # the calibration window: nothing after 2018 is simulated
    data["events"] = [e for e in data["events"] if e["date"] <= WINDOW_END]
    return data


def with_params(base: dict[str, Any], p: dict[str, float]) -> dict[str, Any]:
    d = copy.deepcopy(base)
    full = dt.date(2010, 1, 1) + dt.timedelta(days=round(p["china_years_to_40"] * 365.25))
    d["buyers"]["china"]["contract"]["volume_bcm_per_year"] = {
        "linear": {dt.date(2010, 1, 1): p["china_level_2010"], full: 40.0}
    }
    level, slope = p["domestic_level_2008"], p["domestic_slope"]
    d["domestic"]["demand_bcm_per_year"] = {
        "linear": {dt.date(2008, 7, 1): level, dt.date(2035, 7, 1): level + slope * 27}
    }
    for e in d["events"]:
        if e.get("id") == "iran_volume_2010":
            e["volume_bcm_per_year"] = p["iran_volume"]
        elif e.get("id") == "russia_volume_2010":
            e["volume_bcm_per_year"] = p["russia_volume_2010_2014"]
        elif e.get("id") == "iran_stops_paying":
            e["value"] = p["iran_share_paid_from_2013"]
    return d


def simulate(base: dict[str, Any], p: dict[str, float]) -> gasroutes.Result:
    return gasroutes.run(scenario_from_dict(with_params(base, p), file="calibration"))


def errors(res: gasroutes.Result, obs: pd.DataFrame) -> pd.DataFrame:
    sim = res.annual.rename(columns={"quantity": "simulated"})
    m = obs.merge(sim, left_on=["year", "destination"], right_on=["year", "destination"])
    return m.assign(rel=(m["simulated"] - m["bcm"]) / m["bcm"].where(m["bcm"] > 0))


def cutoff_date(res: gasroutes.Result) -> dt.date | None:
    for e in res.summary["rule_firings"]:
        if e["target"] == "iran" and e["kind"] == "cutoff":
            return dt.date.fromisoformat(e["date"])
    return None


def fit_share(base: dict[str, Any], p: dict[str, float]) -> float:
    """Bisection on Iran's share paid: the smallest share whose cutoff is not before the target."""
    lo, hi = 0.0, 1.0  # lo: fires too early (or on time), hi: fires late or never
    for _ in range(30):
        mid = (lo + hi) / 2
        fired = cutoff_date(simulate(base, {**p, "iran_share_paid_from_2013": mid}))
        if fired is not None and fired <= CUTOFF_TARGET:
            lo = mid
        else:
            hi = mid
    return lo


def main() -> int:
    obs = observed()
    base = base_dict()
    level, slope = domestic_trend()
    p = {
        "domestic_level_2008": level,
        "domestic_slope": slope,
        "china_level_2010": 17.5,
        "china_years_to_40": 12.4,
        "iran_volume": 7.0,
        "russia_volume_2010_2014": 9.6,
        "iran_share_paid_from_2013": 0.5,
    }
    names = ["china_level_2010", "china_years_to_40", "iran_volume", "russia_volume_2010_2014"]
    evaluations = 0

    def objective(x: np.ndarray) -> float:
        nonlocal evaluations
        evaluations += 1
        e = errors(simulate(base, {**p, **dict(zip(names, x, strict=True))}), obs)
        return float(np.nansum(e["rel"] ** 2))

    for _ in range(2):  # volumes, then the share they imply; twice, as they interact
        fit = minimize(
            objective,
            np.array([p[n] for n in names]),
            method="Nelder-Mead",
            options={"xatol": 1e-3, "fatol": 1e-6, "maxfev": 400},
        )
        p.update(dict(zip(names, (float(v) for v in fit.x), strict=True)))
        p["iran_share_paid_from_2013"] = fit_share(base, p)
        print(
            f"  objective {fit.fun:.5f} after {evaluations} runs; share "
            f"{p['iran_share_paid_from_2013']:.4f}",
            file=sys.stderr,
        )
    res = simulate(base, p)
    e = errors(res, obs)
    out = {
        "window": ["2008-01-01", WINDOW_END.isoformat()],
        "fitted_on": "observed exports 2011-2018 (China, Iran, Russia; BP/EI series) and "
        "consumption 2009-2018",
        "parameters": {k: round(v, 4) for k, v in p.items()},
        "china_reaches_40_bcm_on": (
            dt.date(2010, 1, 1) + dt.timedelta(days=round(p["china_years_to_40"] * 365.25))
        ).isoformat(),
        "iran_cutoff_fired_on": str(cutoff_date(res)),
        "objective_sum_sq_rel_error": round(float(np.nansum(e["rel"] ** 2)), 6),
        "model_runs": evaluations,
        "fit": [
            {
                "year": int(r.year),
                "destination": r.destination,
                "observed": r.bcm,
                "simulated": round(float(r.simulated), 3),
            }
            for r in e.itertuples()
        ],
    }
    (DATA / "calibration.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "fit"}, indent=2))
    print(e.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
