"""Report pages fit a 1400 px window with no sideways scrolling, long run names included
(wrapped, never cut).

Without a browser: the page's CSS has the rules that make tables fit, no fixed width over
1400 px, and no text cell holds a long word with nowhere to break. With Chromium
(/usr/bin/chromium; CI does not install it, so there these are skipped):
scripts/check_report_width.py measures the pages, and fails on one too wide.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import yaml

import gasroutes
from gasroutes.charts.palette import run_color
from gasroutes.report.html import STYLE, calibration_report, hindcast_report
from gasroutes.scenario.loading import scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_report_width.py"
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Chromium (apt-get install -y chromium); CI has none"
)
WINDOW = 1400
# long names, as a comparison of what-ifs has: with hyphens, with dots and underscores,
# and the longest name a scenario may have, in one word
NAMES = [
    "a-long-name-for-the-reference-run-of-this-comparison",
    "the-second-run-has-an-even-longer-name-than-the-first-one",
    "the.third_run.with.dots_and_underscores.in_its_name",
    "x" * 100,
]
PAGES = {
    "run",
    "replicated",
    "compare",
    "compare-replicated",
    "sweep",
    "calibration",
    "hindcast",
}
_MADE: dict[str, Path] = {}


def _check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _fake_fit() -> Any:
    """A calibration's fit, as the report reads it (a real one takes many model runs)."""
    path = "buyers.china.contract.volume_bcm_per_year_with_a_long_path_name"
    table = pd.DataFrame(
        {
            "series": ["exports"] * 3,
            "destination": ["china", "russia", "uzbekistan_and_somewhere_far_away"],
            "year": [2010, 2011, 2012],
            "observed": [3.5, 10.1, 14.2],
            "simulated": [3.4, 10.6, 13.9],
            "error": [-0.1, 0.5, -0.3],
            "relative_error": [-0.0286, 0.0495, -0.0211],
        }
    )
    summary = {
        "calibration": "a-calibration-with-a-long-name",
        "fit_until": "2012-12-31",
        "method": "least_squares",
        "objective_value": 0.123,
        "evaluations": 42,
        "weighted_mape": 0.031,
        "parameters": {path: {"value": 30.5, "initial": 25.0, "bounds": [10.0, 65.0]}},
        "timing": {
            "rules[iran_arrears_cutoff].above_usd": {
                "value": 1.8e9,
                "rule": "r",
                "fires_on": "2017-01-01",
            }
        },
        "observations": 3,
    }
    return SimpleNamespace(summary=lambda: summary, table=table, spec=SimpleNamespace(name="c"))


def _fake_hindcast() -> tuple[Any, dict[str, Any]]:
    table = pd.DataFrame(
        {
            "origin": [2013, 2013],
            "destination": ["china", "russia"],
            "year": [2014, 2015],
            "simulated": [30.1, 4.2],
            "persistence": [28.0, 5.0],
            "observed": [29.5, 4.0],
        }
    )
    scores = {
        "origins": {
            "2013": {
                "years": [2014, 2015],
                "weighted_mape_model": 0.05,
                "weighted_mape_persistence": 0.08,
                "model_beats_persistence": True,
                "in_sample_weighted_mape": 0.03,
            }
        },
        "destinations_scored": ["china", "russia"],
    }
    return SimpleNamespace(table=table, spec=SimpleNamespace(name="hindcast")), scores


def reports(small: dict[str, Any], base: Path) -> Path:
    """A folder of report pages, made once per session: a run, a replicated run, a
    comparison of four runs with long names, one of replicated runs, a sweep, a
    calibration and a hindcast."""
    if "pages" in _MADE:
        return _MADE["pages"]
    out = base / "pages"
    scenario = scenario_from_dict(small, file="small")
    result = gasroutes.run(scenario)
    result.write(out / "run", charts=True)
    gasroutes.run_replications(scenario, 2, out / "replicated")
    runs = [gasroutes.run(scenario_from_dict({**small, "name": n}, file=n)) for n in NAMES]
    gasroutes.compare(runs, out=out / "compare")
    for n in NAMES[:2]:
        gasroutes.run_replications(
            scenario_from_dict({**small, "name": n}, file=n), 2, base / n, charts=False
        )
    gasroutes.compare([base / n for n in NAMES[:2]], out=out / "compare-replicated")
    (base / "small.yaml").write_text(yaml.safe_dump(small), encoding="utf-8")
    sweep = {
        "name": "sweep-with-a-long-name",
        "base": str(base / "small.yaml"),
        "design": "grid",
        "parameters": [
            {"path": "buyers.alpha.contract.price_usd_per_tcm", "values": [100, 150]},
            {"path": "routes.east.capacity_bcm_per_year", "values": [2.0, 2.5]},
        ],
        "kpis": [
            "exports_bcm_by_destination.alpha",
            "revenue_usd_by_buyer.alpha",
            "shortfall_bcm_by_buyer.beta",
            "revenue_usd_total",
        ],
    }
    (base / "sweep.yaml").write_text(yaml.safe_dump(sweep), encoding="utf-8")
    gasroutes.sweep(base / "sweep.yaml", out / "sweep", workers=1)
    chart = next((out / "run" / "charts").glob("*.png"))
    (out / "calibration").mkdir()
    (out / "calibration" / "report.html").write_text(calibration_report(_fake_fit(), chart))
    hc, scores = _fake_hindcast()
    (out / "hindcast").mkdir()
    (out / "hindcast" / "report.html").write_text(hindcast_report(hc, scores, chart))
    _MADE["pages"] = out
    return out


@pytest.fixture
def pages(small: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "pages" in _MADE:
        return _MADE["pages"]
    return reports(small, tmp_path_factory.mktemp("report-width"))


def rules(css: str) -> dict[str, dict[str, str]]:
    """``selector -> {property: value}`` of a style sheet (a selector list split)."""
    out: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(
            (p.strip(), v.strip())
            for p, _, v in (d.partition(":") for d in body.split(";"))
            if p.strip()
        )
        for sel in selectors.split(","):
            out.setdefault(sel.strip(), {}).update(decls)
    return out


def test_the_style_makes_tables_fit_the_page() -> None:
    css = rules(STYLE)
    width = css["body"]["max-width"]
    assert width.endswith("px") and int(width[:-2]) <= WINDOW - 200  # margins, a scrollbar
    assert css["table"]["max-width"] == "100%"
    assert css["td"]["overflow-wrap"] in ("break-word", "anywhere")
    assert css["th"]["overflow-wrap"] in ("break-word", "anywhere")
    assert css["td.num"]["white-space"] == "nowrap"  # numbers are never split
    assert css[".date"]["white-space"] == "nowrap"
    assert css[".name"]["overflow-wrap"] == "anywhere"  # a run's name, whatever its length
    assert css["figure img"]["max-width"] == "100%"
    assert css[".wide"]["overflow-x"] == "auto"
    fixed = [int(n) for n in re.findall(r"width:\s*(\d+)px", STYLE)]
    assert fixed and max(fixed) <= WINDOW


def _cells(text: str) -> list[str]:
    """The inner HTML of every td and th of a page."""
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", text, re.S)


def _longest_unbreakable(cell: str) -> int:
    """The longest run of characters with no line-break opportunity in a table cell: a
    space, a hyphen, a <wbr>, or anywhere inside a run's name (class "name")."""
    cell = re.sub(r'<span class="name">.*?</span>', " ", cell)
    cell = cell.replace("<wbr>", " ").replace("-", "- ")
    text = re.sub(r"<[^>]+>", " ", cell)
    return max((len(w) for w in text.split()), default=0)


def test_no_report_has_a_fixed_width_or_an_unbreakable_long_cell(pages: Path) -> None:
    found = sorted(pages.rglob("report.html"))
    assert {p.parent.name for p in found} == PAGES
    for page in found:
        text = page.read_text(encoding="utf-8")
        fixed = [int(n) for n in re.findall(r"width:\s*(\d+)px", text)]
        assert max(fixed, default=0) <= WINDOW, page
        numbers = re.compile(r'<td class="num[^"]*">')
        for cell in _cells(text):
            if not numbers.match(cell):  # numbers (at most ~20 characters) do not wrap
                assert _longest_unbreakable(cell) <= 40, (page, cell[:200])


def test_compare_shows_each_run_in_its_chart_colour_with_its_whole_name(pages: Path) -> None:
    text = (pages / "compare" / "report.html").read_text(encoding="utf-8")
    for i, name in enumerate(NAMES):
        swatch = f'<span class="swatch" style="background:{run_color(i)}"></span>'
        # the list of runs, the key figures' heading and the events' heading
        at = [m.start() for m in re.finditer(re.escape(swatch), text)]
        assert len(at) == 3, name
        for start in at:
            shown = re.match(r'<span class="name">(.*?)</span>', text[start + len(swatch) :])
            assert shown and shown.group(1).replace("<wbr>", "") == name


def test_the_check_says_when_chromium_is_missing(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    done = _check(page, "--chromium", str(tmp_path / "no-such-browser"))
    assert done.returncode == 2
    assert "apt-get install -y chromium" in done.stderr
    done = _check(tmp_path / "empty-folder-that-is-not-there")
    assert done.returncode == 2 and "no such file or folder" in done.stderr


@needs_chromium
def test_every_report_fits_1400_px_in_chromium(pages: Path) -> None:
    done = _check(pages)
    assert done.returncode == 0, done.stdout + done.stderr
    ok = [line for line in done.stdout.splitlines() if line.startswith("ok ")]
    assert len(ok) == len(PAGES), done.stdout
    for line in ok:
        m = re.fullmatch(r"ok (.+): (\d+) px wide in a (\d+) px window", line)
        assert m and int(m.group(2)) <= int(m.group(3)) <= WINDOW, line


@needs_chromium
def test_the_check_fails_on_a_page_too_wide(tmp_path: Path) -> None:
    wide = tmp_path / "wide" / "report.html"
    wide.parent.mkdir()
    wide.write_text('<html><body><div style="width:2000px">x</div></body></html>')
    boxed = tmp_path / "boxed" / "report.html"
    boxed.parent.mkdir()
    boxed.write_text(
        '<html><body><h2>Runs</h2><div class="w" style="overflow-x:auto">'
        '<table><tr><td style="white-space:nowrap">' + "y" * 600 + "</td></tr></table>"
        "</div></body></html>"
    )
    fits = tmp_path / "fits" / "report.html"
    fits.parent.mkdir()
    fits.write_text("<html><body><p>fits</p></body></html>")
    done = _check(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert re.search(rf"TOO WIDE {re.escape(str(wide))} at 1400 px:\n  page is 20\d\d px wide", out)
    assert f"TOO WIDE {boxed}" in out and "div.w under 'Runs' scrolls sideways" in out
    assert f"ok {fits}" in out
    assert "2 of 3 pages do not fit 1400 px" in out
