"""Headline KPIs of a run, as a JSON-ready mapping (``summary.json``); the key figures
the console prints and a notebook shows; which way is good for each KPI."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.core.units import BCM_PER_MCM

if TYPE_CHECKING:
    from gasroutes.results.arrays import RunArrays

__all__ = [
    "Headline",
    "KeyFigure",
    "better_when_higher",
    "flatten_kpis",
    "headlines",
    "html_table",
    "key_figures",
    "kpi_unit",
    "summarise",
    "verdict",
]


def _r(x: float, digits: int = 6) -> float:
    return round(float(x), digits)


def summarise(res: RunArrays) -> dict[str, Any]:
    """KPIs: volumes in bcm, money in USD, days as counts."""
    a = res.arrays
    delivered = res.buyer_delivered()
    nominated = a["buyer_nominated"]
    shortfall = res.buyer_shortfall()
    ids = res.buyer_ids
    s = res.scenario

    def by_buyer(arr: np.ndarray, k: float = BCM_PER_MCM, d: int = 6) -> dict[str, float]:
        return {b: _r(arr[i].sum() * k, d) for i, b in enumerate(ids)}

    cap = a["route_capacity"]
    flow = np.zeros_like(cap)
    for i, (r, _) in enumerate(res.pairs):
        flow[r] += a["pair_sent"][i]
    flow += a["route_third_party"]
    utilisation = {}
    for r, rid in enumerate(res.route_ids):
        up = cap[r] > 0
        utilisation[rid] = _r(flow[r][up].sum() / cap[r][up].sum(), 4) if up.any() else 0.0
    return {
        "scenario": s.name,
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "days": len(res.dates),
        "seed": res.seed,
        "units": {
            "volumes": "bcm",
            "lpg": "kt (t in daily tables)",
            "money": "USD",
            "days": "days",
            "waits": "hours",
        },
        "exports_bcm_by_destination": by_buyer(delivered),
        "exports_bcm_total": _r(delivered.sum() * BCM_PER_MCM),
        "nominated_bcm_by_buyer": by_buyer(nominated),
        "shortfall_bcm_by_buyer": by_buyer(shortfall),
        "refused_while_cut_off_bcm_by_buyer": by_buyer(res.buyer_refused()),
        "potential_production_bcm": _r(a["potential"].sum() * BCM_PER_MCM),
        "production_bcm": _r(a["produced"].sum() * BCM_PER_MCM),
        "domestic_bcm": _r(a["domestic"].sum() * BCM_PER_MCM),
        "domestic_shortfall_bcm": _r((a["domestic_demand"] - a["domestic"]).sum() * BCM_PER_MCM),
        "shut_in_bcm": _r(a["shut_in"].sum() * BCM_PER_MCM),
        "lost_in_transit_bcm": _r(a["route_lost"].sum() * BCM_PER_MCM),
        "in_transit_start_bcm": _r(res.route_initial.sum() * BCM_PER_MCM),
        "in_transit_end_bcm": _r(a["route_linepack"][:, -1].sum() * BCM_PER_MCM),
        "route_utilisation": utilisation,
        "production_bcm_by_field": {
            f: _r(a["field_produced"][i].sum() * BCM_PER_MCM) for i, f in enumerate(res.field_ids)
        },
        "shut_in_bcm_by_field": {
            f: _r((a["field_potential"][i] - a["field_produced"][i]).sum() * BCM_PER_MCM)
            for i, f in enumerate(res.field_ids)
        },
        "connection_flow_bcm": {
            c: _r(a["connection_flow"][i].sum() * BCM_PER_MCM)
            for i, c in enumerate(res.connection_ids)
        },
        # which fields' gas each route carried (our gas, not third parties')
        "route_supply_bcm_by_field": {
            r: {
                f: _r(a["route_field"][k * len(res.field_ids) + i].sum() * BCM_PER_MCM)
                for i, f in enumerate(res.field_ids)
            }
            for k, r in enumerate(res.route_ids)
        },
        "revenue_usd_by_buyer": by_buyer(a["buyer_invoiced"], 1.0, 2),
        "revenue_usd_total": _r(a["buyer_invoiced"].sum(), 2),
        "paid_usd_by_buyer": {
            b: _r(a["buyer_paid"][i].sum() + a["buyer_settled"][i].sum(), 2)
            for i, b in enumerate(ids)
        },
        "arrears_usd_end_by_buyer": {
            b: _r(a["buyer_arrears"][i, -1], 2) for i, b in enumerate(ids)
        },
        "arrears_usd_max_by_buyer": {
            b: _r(a["buyer_arrears"][i].max(), 2) for i, b in enumerate(ids)
        },
        "cutoff_days_by_buyer": {b: int(a["buyer_cut_off"][i].sum()) for i, b in enumerate(ids)},
        "rule_firings": [e for e in res.events if e["source"] == "rule"],
        "events_applied": sum(
            1 for e in res.events if e["source"] != "schedule" and e["kind"] != "outage_end"
        ),
        "schedule_steps_applied": sum(1 for e in res.events if e["source"] == "schedule"),
        "conservation_error": float(res.conservation_error),
        **(res.lpg.summary() if res.lpg is not None else {}),
    }


def flatten_kpis(summary: Mapping[str, Any], head: str = "") -> dict[str, Any]:
    """Scalar KPIs of a summary, with nested mappings as ``key.subkey`` (at any depth);
    lists and the ``units`` left out."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{head}{key}"
        if isinstance(value, Mapping):
            if name != "units":
                out.update(flatten_kpis(value, f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = value
    return out


# a KPI's unit, by a word of its name (before the first dot), first match wins
_UNITS = (
    ("usd", "USD"),
    ("bcm", "bcm"),
    ("kt", "kt"),
    ("hours", "hours"),
    ("days", "days"),
    ("utilisation", "share"),
    ("share", "share"),
    ("trains", "trains"),
    ("applied", "count"),
    ("error", "relative"),
)


def kpi_unit(name: str) -> str:
    """The unit of a flattened KPI (``exports_bcm_by_destination.china``: bcm), from the
    words of its name; "" when its name gives none."""
    words = name.split(".", 1)[0].split("_")
    return next((unit for word, unit in _UNITS if word in words), "")


# ---------------------------------------------------------------- key figures, and which
# way is good
#
# The few figures that `gasroutes run`, `run --replications` and `compare` print, and a
# notebook shows (the ``_repr_html_`` of a run, a replicated run and a comparison): one
# list, so that the console and the notebook agree.


@dataclass(frozen=True)
class KeyFigure:
    """One line of a run's key figures: ``value`` in ``unit``, to ``digits`` decimals."""

    label: str  # as the console prints it
    value: float
    unit: str
    digits: int
    note: str = ""
    of: str = ""  # what the label is one of ("exports to"), for a label on its own

    @property
    def name(self) -> str:
        """The label with what it is one of: ``exports to china``."""
        return f"{self.of} {self.label}" if self.of else self.label


def key_figures(summary: Mapping[str, Any]) -> list[KeyFigure]:
    """The key figures of one run (its ``summary.json``), as ``gasroutes run`` prints
    them: exports by destination, shut-in, revenue and, with an LPG chain, LPG delivered,
    unmet demand, the worst depot's stock-out days and LPG shut in."""
    s = summary
    out = [
        KeyFigure(dest, bcm, "bcm", 3, of="exports to")
        for dest, bcm in s["exports_bcm_by_destination"].items()
    ]
    out += [
        KeyFigure("shut in", s["shut_in_bcm"], "bcm", 3),
        KeyFigure("revenue", s["revenue_usd_total"] / 1e9, "USD bn", 3),
    ]
    if "lpg_delivered_kt" in s:
        out += [
            KeyFigure(f"LPG delivered to {s['lpg_destination']}", s["lpg_delivered_kt"], "kt", 1),
            KeyFigure("LPG unmet demand", s["lpg_unmet_demand_kt"], "kt", 1),
        ]
        stockouts = s["lpg_stockout_days_by_depot"]
        if stockouts:
            worst = max(stockouts, key=lambda d: stockouts[d])
            note = f"at the worst depot ({worst}; {sum(stockouts.values()):,} depot-days in all)"
            out.append(KeyFigure("LPG stock-out days", stockouts[worst], "", 0, note))
        out.append(KeyFigure("LPG shut in at the plants", s["lpg_shut_in_kt"], "kt", 1))
    return out


@dataclass(frozen=True)
class Headline:
    """A row of the key figures of replicated runs and comparisons: its label (with the
    unit), the flattened KPIs it adds up, and the divisor to the unit."""

    label: str
    keys: tuple[str, ...]
    scale: float = 1.0
    count: bool = False  # a number of days: shown without decimals

    def value(self, flat: Mapping[str, Any]) -> float:
        """The row's value from flattened KPIs (NaN when one is missing)."""
        try:
            return sum(float(flat[k]) for k in self.keys) / self.scale
        except (KeyError, TypeError, ValueError):
            return float("nan")


def headlines(
    keys: Iterable[str], *, by_destination: bool = True, depot_days: bool = False
) -> list[Headline]:
    """The key figures among the flattened KPIs ``keys``, in the order the console
    prints them: exports (by destination, or in all), shut-in, revenue, LPG delivered and
    unmet demand, and (``depot_days``) the stock-out days summed over the depots (not for
    percentiles across replications, which do not add up)."""
    keys = list(keys)
    out: list[Headline] = []
    if by_destination:
        out += [
            Headline(f"{k.split('.', 1)[1]} (bcm)", (k,))
            for k in keys
            if k.startswith("exports_bcm_by_destination.")
        ]
    else:
        out.append(Headline("exports (bcm)", ("exports_bcm_total",)))
    out += [
        Headline("shut in (bcm)", ("shut_in_bcm",)),
        Headline("revenue (USD bn)", ("revenue_usd_total",), 1e9),
        Headline("LPG delivered (kt)", ("lpg_delivered_kt",)),
        Headline("LPG unmet demand (kt)", ("lpg_unmet_demand_kt",)),
    ]
    out = [h for h in out if all(k in keys for k in h.keys)]
    stockouts = tuple(k for k in keys if k.startswith("lpg_stockout_days_by_depot."))
    if depot_days and stockouts:
        out.append(Headline("LPG stock-out depot-days", stockouts, count=True))
    return out


# The KPIs whose differences are better when higher or worse when higher, seen from the
# exporter's side (gas sold and paid for, buyers and depots supplied); a difference in any
# other KPI (production, nominations, utilisation, flows, linepack, counts of events) is a
# change, neither good nor bad.
HIGHER_IS_BETTER = frozenset(
    {
        "exports_bcm_by_destination",
        "exports_bcm_total",
        "revenue_usd_by_buyer",
        "revenue_usd_total",
        "paid_usd_by_buyer",
        "lpg_delivered_kt",
        "lpg_delivered_kt_by_depot",
        "lpg_consumed_kt",
        "lpg_revenue_usd",
    }
)
HIGHER_IS_WORSE = frozenset(
    {
        "shortfall_bcm_by_buyer",
        "refused_while_cut_off_bcm_by_buyer",
        "domestic_shortfall_bcm",
        "shut_in_bcm",  # gas that could have been produced and sold
        "shut_in_bcm_by_field",
        "lost_in_transit_bcm",
        "arrears_usd_end_by_buyer",
        "arrears_usd_max_by_buyer",
        "cutoff_days_by_buyer",
        "lpg_unmet_demand_kt",
        "lpg_shut_in_kt",
        "lpg_stockout_days_by_depot",
        "lpg_train_wait_hours_mean_by_terminal",
        "lpg_train_wait_hours_p95_by_terminal",
        "lpg_terminal_full_days_by_terminal",
        "lpg_bay_blocked_share_by_terminal",
    }
)


def better_when_higher(kpi: str) -> bool | None:
    """Whether a rise in the (flattened) KPI is good (True), bad (False), or neither
    (None: its sign has no meaning of good or bad)."""
    base = kpi.split(".", 1)[0]
    if base in HIGHER_IS_BETTER:
        return True
    if base in HIGHER_IS_WORSE:
        return False
    return None


def verdict(kpi: str, difference: float) -> str:
    """``better``, ``worse``, or ``""`` (no difference, or one with no good side)."""
    up = better_when_higher(kpi)
    if up is None or math.isnan(difference) or difference == 0:
        return ""
    return "better" if (difference > 0) == up else "worse"


def html_table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A small HTML table for a notebook (``_repr_html_``), every text escaped: a
    caption, a header row (none when ``head`` is empty) and rows whose first cell is a
    label and the others numbers, right-aligned."""
    h = "".join(f"<th>{escape(c)}</th>" for c in head)
    body = "".join(
        f"<tr><th style='text-align:left'>{escape(r[0])}</th>"
        + "".join(f"<td style='text-align:right'>{escape(c)}</td>" for c in r[1:])
        + "</tr>"
        for r in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption>"
        + (f"<thead><tr>{h}</tr></thead>" if head else "")
        + f"<tbody>{body}</tbody></table>"
    )
