"""A result typed at a prompt or in a notebook cell shows its key figures, not its arrays."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
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


# ------------------------------------------------------------------- notebook views


def cells(html: str) -> list[list[str]]:
    """The rows of a small HTML table, as the text of their cells (entities decoded)."""
    from html import unescape

    return [
        [unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", html)
    ]


def test_a_result_shows_the_key_figures_the_console_prints() -> None:
    from gasroutes.results.summary import key_figures

    root = Path(__file__).resolve().parents[2]
    scenario = gasroutes.load_scenario(root / "scenarios" / "afghan-border-closure.yaml")
    result = gasroutes.run(scenario.model_copy(update={"end": dt.date(2025, 3, 31)}))
    html = result._repr_html_()
    assert len(html) < 4000
    rows = {r[0]: r[1] for r in cells(html)}
    s = result.summary
    assert rows["horizon"] == f"{s['start']} to {s['end']} ({s['days']:,} days)"
    assert rows["seed"] == str(s["seed"])
    figures = key_figures(s)
    # the console's lines: exports by destination, shut in, revenue and the LPG figures
    assert [f.label for f in figures][-5:] == [
        "revenue",
        f"LPG delivered to {s['lpg_destination']}",
        "LPG unmet demand",
        "LPG stock-out days",
        "LPG shut in at the plants",
    ]
    assert list(rows) == ["horizon", "seed", *(f.name for f in figures)]
    for buyer, bcm in s["exports_bcm_by_destination"].items():
        assert rows[f"exports to {buyer}"] == f"{bcm:,.3f} bcm"
    assert rows["revenue"] == f"{s['revenue_usd_total'] / 1e9:,.3f} USD bn"
    assert rows["LPG unmet demand"] == f"{s['lpg_unmet_demand_kt']:,.1f} kt"
    worst = max(s["lpg_stockout_days_by_depot"].values())
    assert rows["LPG stock-out days"].startswith(f"{worst} at the worst depot (")


def test_a_comparison_and_a_replicated_run_show_their_key_figures_escaped(
    small: dict[str, Any], tmp_path: Path
) -> None:
    a = gasroutes.run(scenario_from_dict(small, file="small"))
    b = gasroutes.run(scenario_from_dict({**small, "name": "other"}, file="other"))
    comparison = gasroutes.compare([a, b])
    comparison.runs[1].name = "<b>other & co</b>"
    html = comparison._repr_html_()
    assert len(html) < 4000
    assert "<b>" not in html and "&lt;b&gt;other &amp; co&lt;/b&gt;" in html
    rows = cells(html)
    assert rows[0] == ["", "small", "<b>other & co</b>"]
    table = {r[0]: r[1:] for r in rows[1:]}
    assert list(table) == ["exports (bcm)", "shut in (bcm)", "revenue (USD bn)"]  # no LPG
    for run, summary, i in ((a, a.summary, 0), (b, b.summary, 1)):
        assert table["exports (bcm)"][i] == f"{summary['exports_bcm_total']:,.2f}", run
        assert table["revenue (USD bn)"][i] == f"{summary['revenue_usd_total'] / 1e9:,.2f}"

    reps = gasroutes.run_replications(scenario_from_dict(small, file="small"), 2, tmp_path / "r")
    html = reps._repr_html_()
    assert len(html) < 4000
    rows = cells(html)
    assert rows[0] == ["", "mean", "p5", "p50", "p95"]
    table = {r[0]: r[1:] for r in rows[1:]}
    assert list(table) == [
        "alpha (bcm)",
        "beta (bcm)",
        "shut in (bcm)",
        "revenue (USD bn)",
    ]
    china = reps.summary["kpis"]["exports_bcm_by_destination.alpha"]
    assert table["alpha (bcm)"] == [f"{china[k]:,.3f}" for k in ("mean", "p5", "p50", "p95")]
    assert "2 replications" in html and "seed" in html


def test_the_notebook_table_escapes_every_text() -> None:
    from gasroutes.results.summary import html_table

    html = html_table("<caption>", ["<h>"], [["<label>", "1 < 2 & 3"]])
    assert "<caption>&lt;caption&gt;</caption>" in html
    assert "&lt;h&gt;" in html and "&lt;label&gt;" in html and "1 &lt; 2 &amp; 3" in html
    assert html.count("<") == html.count(">")
