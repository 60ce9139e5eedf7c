"""Warnings about a valid scenario whose data do not hang together: a contract whose
peak nominations its routes cannot carry, a line commissioned after the horizon ends, a
magnitude far outside what gas systems have (a unit mistaken, most likely).
They are told once per command (``gasroutes validate``, ``run``), never as errors: the
scenario runs, and the shortfall shows in its tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar
    from gasroutes.sim.gas.inputs import GasInputs

__all__ = ["scenario_warnings"]

SLACK = 1.005  # nominations up to 0.5% above capacity are rounding, not a warning


def scenario_warnings(s: Scenario) -> list[str]:
    """The warnings of a scenario, each naming what it is about (see the module doc)."""
    from gasroutes.scenario.graph import SupplyGraph
    from gasroutes.sim.days import Calendar
    from gasroutes.sim.gas.inputs import build_inputs
    from gasroutes.sim.timeline import build_timeline

    cal = Calendar.build(s.start, s.end)
    none = [None] * len(s.buyers)
    inputs = build_inputs(s, cal, SupplyGraph.build(s), build_timeline(s, cal), none, none)
    out: list[str] = []
    out += _late_commissioning(s)
    out += _peak_nominations(s, cal, inputs)
    out += _magnitudes(s, cal, inputs)
    return out


# What gas systems have, generously: beyond these a value is most likely in the wrong
# unit (mcm/yr for bcm/yr, USD per m3 or per mcm for USD per 1000 m3).
BCM_PER_YEAR_MAX = 150.0  # the largest single fields and lines are about 30-60 bcm/yr
PRICE_RANGE = (10.0, 2_000.0)  # USD/tcm; traded gas has been about 50-1,500


def _magnitudes(s: Scenario, cal: Calendar, inputs: GasInputs) -> list[str]:
    """Capacities, volumes and prices far outside the usual range, each named with its
    value and the range."""
    out = []
    per_day = inputs.per_day

    def big(section: str, ids: list[str], daily: np.ndarray, what: str) -> None:
        for i, name in enumerate(ids):
            rate = daily[i] / per_day
            day = int(np.argmax(rate)) if len(rate) else 0
            if len(rate) and rate[day] > BCM_PER_YEAR_MAX:
                out.append(
                    f"{section}.{name}: {what} of {rate[day]:,.1f} bcm/yr on {cal.dates[day]}, "
                    f"far above the usual range (the largest are about 30-60 bcm/yr; at most "
                    f"{BCM_PER_YEAR_MAX:,.0f} is taken as plausible): is it in bcm/yr?"
                )

    big("fields", list(s.fields), inputs.field_potential, "a capacity")
    big("routes", list(s.routes), inputs.route_capacity, "a capacity")
    big("buyers", list(s.buyers), inputs.nominated, "nominations")
    lo, hi = PRICE_RANGE
    for b, bid in enumerate(s.buyers):
        asked = inputs.nominated[b] > 0
        prices = inputs.price[b][asked & (inputs.price[b] > 0)]
        if len(prices) and (prices.min() < lo or prices.max() > hi):
            odd = prices.min() if prices.min() < lo else prices.max()
            out.append(
                f"buyers.{bid}: a price of {odd:,.2f} USD/tcm, outside the usual range "
                f"({lo:,.0f}-{hi:,.0f} USD per 1000 m3): is it in USD/tcm?"
            )
    return out


def _late_commissioning(s: Scenario) -> list[str]:
    out = []
    for section, items in (
        ("routes", s.routes),
        ("connections", s.connections),
        ("lpg.rail_routes", s.lpg.rail_routes),
    ):
        for rid, r in items.items():
            day = r.commissioned_date
            if day is not None and day > s.end:
                out.append(
                    f"{section}.{rid}: commissioned on {day}, after the horizon ends ({s.end}); "
                    "it carries nothing in this run"
                )
    return out


def _peak_nominations(s: Scenario, cal: Calendar, inputs: GasInputs) -> list[str]:
    """Months in which a buyer's peak daily nomination is above what its routes can carry
    for it (their capacity less third-party gas, when in service, outages aside)."""
    months = np.asarray(cal.dates, dtype="datetime64[M]")
    out = []
    route_ids = list(s.routes)
    for b, bid in enumerate(s.buyers):
        rows = inputs.buyer_routes[b]
        can = inputs.route_design_free[list(rows)].sum(axis=0)
        want = inputs.nominated[b]
        over = want > can * SLACK + 1e-9
        if not over.any():
            continue
        bad = sorted(set(months[over].astype(str)))
        worst = int(np.argmax(np.where(over, want - can, -np.inf)))
        routes = ", ".join(route_ids[r] for r in rows)
        span = bad[0] if len(bad) == 1 else f"{len(bad)} months from {bad[0]} to {bad[-1]}"
        # the swing, or the contract itself: does the year's average fit?
        year = months.astype("datetime64[Y]") == months[worst].astype("datetime64[Y]")
        commissioned = inputs.route_commissioned[list(rows), worst].any()
        if not commissioned:
            why = "none of its routes is in service yet on that day"
        elif want[year].mean() <= can[year].mean() * SLACK:
            why = "the contract's seasonal swing does not fit the pipe"
        else:
            why = "the contract is larger than its pipes"
        out.append(
            f"buyers.{bid}: in {span} its nominations are above what its routes ({routes}) "
            f"can carry for it: at most {can[worst]:.1f} mcm/d (in service, after third-party "
            f"gas), against {want[worst]:.1f} mcm/d nominated on {cal.dates[worst]}; {why}, "
            "and the excess will show as shortfall"
        )
    return out
