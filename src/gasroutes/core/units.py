"""Units: every conversion factor gasroutes uses, defined once.

Quantities keep one unit per commodity throughout: pipeline gas in mcm/d (daily tables)
and bcm (annual tables, scenario rates in bcm/yr), money in USD with prices in USD per
thousand cubic metres (tcm), LPG in tonnes (t, daily tables and stocks) and kilotonnes
(kt, annual tables, rates in kt/yr). A calendar year is its own number of days (365 or
366); trends count years of 365.25 days.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BCM_PER_MCM",
    "DAYS_PER_YEAR",
    "KT_PER_T",
    "MCM_PER_BCM",
    "TCM_PER_MCM",
    "T_PER_KT",
]

MCM_PER_BCM: Final = 1000.0
BCM_PER_MCM: Final = 1e-3
TCM_PER_MCM: Final = 1000.0  # a price per tcm times mcm gives USD / 1000
T_PER_KT: Final = 1000.0
KT_PER_T: Final = 1e-3
DAYS_PER_YEAR: Final = 365.25  # the year of a trend's slope (per_year)
