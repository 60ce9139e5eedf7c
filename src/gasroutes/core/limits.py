"""The limits of every input, in one place, and the constrained number types built on them.

Every number a scenario, sweep or calibration file gives must be finite and within the
limit of its kind below, so that no run can overflow, allocate without bound or turn a
typo into a silent wrong number. The limits are far above anything real (the world's
gas trade is about 1,300 bcm a year); values that are legal but unusual are warned
about, not refused (see :mod:`gasroutes.sim.consistency`). The README lists these limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_BAYS",
    "MAX_BCM_PER_YEAR",
    "MAX_CARS",
    "MAX_COUNT",
    "MAX_DAYS",
    "MAX_FACTOR",
    "MAX_HORIZON_DAYS",
    "MAX_HORIZON_YEARS",
    "MAX_HOURS",
    "MAX_KT_PER_YEAR",
    "MAX_PRICE_USD_PER_T",
    "MAX_PRICE_USD_PER_TCM",
    "MAX_RANGE_STEPS",
    "MAX_REPLICATIONS",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_SWEEP_RUNS",
    "MAX_TONNES",
    "MAX_TRAINS",
    "MAX_TRUCKS",
    "MAX_USD",
    "NOT_BOOL",
    "NOT_NUMBER",
]

# ---- time
FIRST_DATE: Final = dt.date(1900, 1, 1)  # random outages are drawn on the calendar from here
LAST_DATE: Final = dt.date(2200, 12, 31)
MAX_HORIZON_YEARS: Final = 100
MAX_HORIZON_DAYS: Final = 36_525  # 100 years of days: a run's arrays are days long
MAX_DAYS: Final = 36_500.0  # any duration in days (a transit, a trip, a repair, a delay)
MAX_HOURS: Final = 10_000.0  # a duration in hours

# ---- quantities
MAX_BCM_PER_YEAR: Final = 10_000.0  # a field, route, contract or demand, bcm/yr
MAX_KT_PER_YEAR: Final = 100_000.0  # LPG output or demand, kt/yr
MAX_TONNES: Final = 1e9  # LPG storage, stocks and loads, t
MAX_COUNT: Final = 100_000  # trucks, trains, cars, bays
MAX_FACTOR: Final = 1_000.0  # a demand factor, a peak factor
# the LPG chain's fleets: each trainset and truck is simulated one by one, so these bound a
# run's time (a 100-year run at every maximum takes minutes, not hours)
MAX_TRAINS: Final = 100  # trainsets on a rail route
MAX_CARS: Final = 200  # tank cars per train
MAX_BAYS: Final = 100  # transload bays at a terminal
MAX_TRUCKS: Final = 5_000  # road tankers in a fleet

# ---- money
MAX_PRICE_USD_PER_TCM: Final = 100_000.0
MAX_PRICE_USD_PER_T: Final = 1_000_000.0
MAX_USD: Final = 1e15  # arrears thresholds, payments

# ---- studies
MAX_SEED: Final = 2**63 - 1
MAX_REPLICATIONS: Final = 10_000
MAX_SWEEP_RUNS: Final = 100_000  # points x replications; `gasroutes sweep --max-runs` raises it
MAX_RANGE_STEPS: Final = 100_000
MAX_SAMPLES: Final = 10_000_000


def _not_bool(value: object) -> object:
    """pydantic reads true/false as 1/0 where a number is wanted: refuse it (a typo such
    as ``capacity_bcm_per_year: yes`` must not become 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_is_not_number", "true/false is not a number")
    return value


def _not_number(value: object) -> object:
    """pydantic reads a number as seconds since 1970 where a date is wanted: refuse it
    (``end: 2035`` would be 1 January 1970 and a puzzling error)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("number_is_not_date", "a number is not a date")
    return value


# the validators of numbers and dates (every number and date of an input file uses one)
NOT_BOOL = BeforeValidator(_not_bool)
NOT_NUMBER = BeforeValidator(_not_number)


def _float(ge: float | None = None, gt: float | None = None, le: float | None = None) -> object:
    return Field(ge=ge, gt=gt, le=le, allow_inf_nan=False)


Bcm = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_BCM_PER_YEAR)]
PositiveBcm = Annotated[float, NOT_BOOL, _float(gt=0, le=MAX_BCM_PER_YEAR)]
Kt = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_KT_PER_YEAR)]
Tonnes = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_TONNES)]
PositiveTonnes = Annotated[float, NOT_BOOL, _float(gt=0, le=MAX_TONNES)]
Days = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_DAYS)]
PositiveDays = Annotated[float, NOT_BOOL, _float(gt=0, le=MAX_DAYS)]
Hours = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_HOURS)]
PositiveHours = Annotated[float, NOT_BOOL, _float(gt=0, le=MAX_HOURS)]
WholeDays = Annotated[int, NOT_BOOL, Field(ge=0, le=int(MAX_DAYS))]
Count = Annotated[int, NOT_BOOL, Field(ge=0, le=MAX_COUNT)]
PositiveCount = Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_COUNT)]
Trains = Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_TRAINS)]
Cars = Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_CARS)]
Bays = Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_BAYS)]
Trucks = Annotated[int, NOT_BOOL, Field(ge=1, le=MAX_TRUCKS)]
Factor = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_FACTOR)]
Share = Annotated[float, NOT_BOOL, _float(ge=0, le=1)]
Weight = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_FACTOR)]
UsdPerTcm = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_PRICE_USD_PER_TCM)]
UsdPerT = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_PRICE_USD_PER_T)]
Usd = Annotated[float, NOT_BOOL, _float(ge=0, le=MAX_USD)]
PositiveUsd = Annotated[float, NOT_BOOL, _float(gt=0, le=MAX_USD)]
Longitude = Annotated[float, NOT_BOOL, _float(ge=-180, le=180)]
Latitude = Annotated[float, NOT_BOOL, _float(ge=-90, le=90)]
Seed = Annotated[int, NOT_BOOL, Field(ge=0, le=MAX_SEED)]
Date = Annotated[dt.date, NOT_NUMBER, Field(ge=FIRST_DATE, le=LAST_DATE)]
