"""Headline KPIs of a run, as a JSON-ready mapping (``summary.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.core.units import BCM_PER_MCM

if TYPE_CHECKING:
    from gasroutes.results.arrays import RunArrays

__all__ = ["flatten_kpis", "kpi_unit", "summarise"]


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
