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
