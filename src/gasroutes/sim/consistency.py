"""Warnings about a valid scenario whose data do not hang together: a contract whose
peak nominations its routes cannot carry, a line commissioned after the horizon ends.
They are told once per command (``gasroutes validate``, ``run``), never as errors: the
scenario runs, and the shortfall shows in its tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario

__all__ = ["scenario_warnings"]

SLACK = 1.005  # nominations up to 0.5% above capacity are rounding, not a warning


def scenario_warnings(s: Scenario) -> list[str]:
    """The warnings of a scenario, each naming what it is about (see the module doc)."""
    out: list[str] = []
    out += _late_commissioning(s)
    out += _peak_nominations(s)
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


def _peak_nominations(s: Scenario) -> list[str]:
    """Months in which a buyer's peak daily nomination is above what its routes can carry
    for it (their capacity less third-party gas, when in service, outages aside)."""
    from gasroutes.scenario.graph import SupplyGraph
    from gasroutes.sim.days import Calendar
    from gasroutes.sim.gas.inputs import build_inputs
    from gasroutes.sim.timeline import build_timeline

    cal = Calendar.build(s.start, s.end)
    graph = SupplyGraph.build(s)
    none = [None] * len(s.buyers)
    inputs = build_inputs(s, cal, graph, build_timeline(s, cal), none, none)
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
