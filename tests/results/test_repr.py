"""A result typed at a prompt or in a notebook cell shows its key figures, not its arrays."""

from __future__ import annotations

from typing import Any

import gasroutes
from gasroutes.scenario.loading import scenario_from_dict


def test_a_result_shows_one_line_and_a_small_table(small: dict[str, Any]) -> None:
    result = gasroutes.run(scenario_from_dict(small, file="small"))
    text = repr(result)
    assert "\n" not in text and len(text) < 200
    assert text.startswith(f"<RunResult {result.scenario.name}: ")
    assert f"seed {result.seed};" in text
    assert f"exports {result.summary['exports_bcm_total']:,.3f} bcm" in text
    html = result._repr_html_()
    assert len(html) < 4000 and html.startswith("<table>")
    for buyer in result.summary["exports_bcm_by_destination"]:
        assert f"exports to {buyer}" in html


def test_studies_show_one_line(small: dict[str, Any], tmp_path: Any) -> None:
    import pandas as pd

    a = gasroutes.run(scenario_from_dict(small, file="small"))
    b = gasroutes.run(scenario_from_dict({**small, "name": "other"}, file="other"))
    comparison = gasroutes.compare([a, b])
    assert repr(comparison) == "<Comparison of 2 runs: small, other>"
    reps = gasroutes.run_replications(scenario_from_dict(small, file="small"), 2, tmp_path / "r")
    assert repr(reps) == (
        f"<Replicated small: 2 replications, {a.scenario.start} to {a.scenario.end}, "
        f"in {tmp_path / 'r'}>"
    )
    annual = a.annual
    observed = pd.DataFrame(
        {
            "year": annual["year"],
            "destination": annual["destination"],
            "quantity": annual["quantity"] * 1.1,
        }
    )
    check = gasroutes.backtest(annual, observed)
    text = repr(check)
    assert text.startswith(f"<Backtest of {len(check.table)} destination-years: weighted MAPE ")
    assert "\n" not in text and len(text) < 100
