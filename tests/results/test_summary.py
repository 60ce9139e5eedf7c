"""The key figures' helpers: which way is good for a KPI, and the headline rows."""

from __future__ import annotations

import math

import pytest

from gasroutes.results.summary import better_when_higher, headlines, verdict


@pytest.mark.parametrize(
    ("kpi", "difference", "word"),
    [
        ("exports_bcm_total", 1.5, "better"),
        ("exports_bcm_by_destination.china", -0.2, "worse"),
        ("revenue_usd_total", 3e8, "better"),
        ("lpg_delivered_kt", 10.0, "better"),
        ("lpg_unmet_demand_kt", 1892.4, "worse"),  # more unmet demand is never good
        ("lpg_unmet_demand_kt", -3.0, "better"),
        ("lpg_stockout_days_by_depot.kabul", 4.0, "worse"),
        ("shortfall_bcm_by_buyer.iran", 0.5, "worse"),
        ("shut_in_bcm", -55.0, "better"),
        ("arrears_usd_end_by_buyer.iran", 1e9, "worse"),
        ("cutoff_days_by_buyer.iran", 30.0, "worse"),
        # a change with no good side: production, nominations, utilisation, counts
        ("production_bcm", 10.0, ""),
        ("nominated_bcm_by_buyer.china", -423.0, ""),
        ("route_utilisation.cagp_a", 0.1, ""),
        ("events_applied", 5.0, ""),
        ("lpg_produced_kt", 99.0, ""),
        # no difference, or none to read
        ("exports_bcm_total", 0.0, ""),
        ("exports_bcm_total", math.nan, ""),
    ],
)
def test_a_difference_is_better_or_worse_only_where_its_sign_means_so(
    kpi: str, difference: float, word: str
) -> None:
    assert verdict(kpi, difference) == word


def test_every_kpi_of_a_run_has_a_known_direction_or_none() -> None:
    assert better_when_higher("lpg_unmet_demand_kt") is False
    assert better_when_higher("exports_bcm_total") is True
    assert better_when_higher("conservation_error") is None


def test_headlines_follow_the_console_and_leave_out_what_a_run_lacks() -> None:
    keys = [
        "exports_bcm_by_destination.china",
        "exports_bcm_by_destination.iran",
        "exports_bcm_total",
        "shut_in_bcm",
        "revenue_usd_total",
        "lpg_stockout_days_by_depot.kabul",
        "lpg_stockout_days_by_depot.herat",
    ]
    rows = headlines(keys)
    assert [h.label for h in rows] == [
        "china (bcm)",
        "iran (bcm)",
        "shut in (bcm)",
        "revenue (USD bn)",
    ]
    rows = headlines(keys, by_destination=False, depot_days=True)
    assert [h.label for h in rows] == [
        "exports (bcm)",
        "shut in (bcm)",
        "revenue (USD bn)",
        "LPG stock-out depot-days",
    ]
    flat = {"revenue_usd_total": 2.5e9, "lpg_stockout_days_by_depot.kabul": 3}
    flat["lpg_stockout_days_by_depot.herat"] = 5
    assert rows[2].value(flat) == 2.5
    assert rows[3].value(flat) == 8 and rows[3].count
    assert math.isnan(rows[0].value(flat))  # exports missing
