"""A comparison's charts, report page and folder: kpis.csv (and differences.csv for
replicated runs), charts/*.png and report.html, with the runs it made under ``runs/``;
with Parquet copies of its tables and compare.xlsx when asked for.

Each run has the colour of its lines in the charts (:func:`gasroutes.charts.palette.
run_color`, by its place in the comparison) on a swatch before its name in the page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gasroutes.charts.palette import run_color
from gasroutes.core.errors import RunFolderError
from gasroutes.core.folders import atomic_folder, check_apart, check_target
from gasroutes.report.html import Markup, breakable, fmt, image, render_page, swatch, table
from gasroutes.report.replicated import replicated_pages
from gasroutes.report.run import write_run
from gasroutes.report.workbook import require_openpyxl, write_workbook
from gasroutes.results.summary import verdict
from gasroutes.results.writing import Outputs, also_parquet
from gasroutes.studies.compare import Comparison, check_count, load_runs, read_folders

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gasroutes.studies.replicate import Progress

__all__ = [
    "compare_into",
    "comparison_charts",
    "comparison_report",
    "plot_comparison",
    "write_comparison",
]


def comparison_charts(c: Comparison) -> dict[str, Figure]:
    """Every comparison chart, by name."""
    from gasroutes.charts.compare import annual_exports_compare, compare_charts
    from gasroutes.charts.differences import difference_annual, difference_kpis

    if not c.replicated:
        if c.without_daily:  # the daily charts need the daily tables (see chart_notes)
            return {"annual_exports": annual_exports_compare(c.runs)}
        return compare_charts(c.runs)
    from gasroutes.studies.paired import annual_differences

    first = c.runs[0]
    annual = {r.name: annual_differences(first, r) for r in c.runs[1:]}
    # the daily tables of replicated runs stay on disk: their charts are the bands in
    # each run's own folder
    return {
        "annual_exports": annual_exports_compare(c.runs),
        "difference_kpis": difference_kpis(c.runs, c.differences),
        "difference_annual": difference_annual(c.runs, annual),
    }


def plot_comparison(c: Comparison, name: str) -> Figure:
    """One comparison chart (annual_exports, deliveries, revenue, production,
    route_flows)."""
    from gasroutes.charts.compare import COMPARE_CHARTS

    if name not in COMPARE_CHARTS:
        raise KeyError(f"unknown chart {name!r}; choose one of {', '.join(COMPARE_CHARTS)}")
    if name != "annual_exports" and c.without_daily:
        raise RunFolderError(" ".join(c.chart_notes()))
    return COMPARE_CHARTS[name](c.runs)


COMPARE_CAPTIONS = {
    "annual_exports": "Annual exports by destination per run (the median for replicated "
    "runs), and each run's difference from the first run, bcm/yr.",
    "deliveries": "Monthly mean deliveries per buyer per run, and the difference from the "
    "first run, mcm/d.",
    "revenue": "Annual revenue invoiced per buyer per run, and the difference, USD bn/yr.",
    "production": "Exports, domestic use and shut-in per run, mcm/d.",
    "route_flows": "Monthly mean flow on each route per run, mcm/d.",
    "difference_kpis": "Mean difference of each total from the first run, with its 95% "
    "confidence interval (dark: paired by replication; light: unpaired, for comparison).",
    "difference_annual": "Difference in annual exports from the first run, mean over "
    "replications with its 95% confidence interval (bcm/yr).",
}
READING = (
    "better or worse where the sign has a meaning: more exports, revenue, payments or LPG "
    "delivered is better; more shortfall, shut-in, gas lost or refused, arrears, cut-off "
    "days, unmet LPG demand, stock-outs or waits at the terminals is worse. A difference in "
    "any other figure (production, nominations, utilisation, flows) is neither"
)


def _difference(kpi: str, d: float) -> str:
    """A run's difference from the first, under its value: signed, and better or worse
    when the KPI has a good side."""
    if d != d:  # NaN: a KPI the run or the reference does not have
        return ""
    word = verdict(kpi, d)
    text = ("+" if d > 0 else "") + fmt(d) + (f" {word}" if word else "")
    return (
        f'<br><span class="d {word}">{text}</span>'
        if word
        else f'<br><span class="d">{text}</span>'
    )


def _key_figures(c: Comparison) -> str:
    """Every KPI: a row each, a column per run (in its colour), each run after the first
    with its difference from the first under its value."""
    kpis = c.kpis
    names, first = c.names, c.names[0]
    head = "<th>kpi</th>" + "".join(
        f'<th style="border-top:4px solid {run_color(i)}">{swatch(run_color(i), n)}</th>'
        for i, n in enumerate(names)
    )
    rows = []
    for kpi, row in kpis.iterrows():
        cells = [f"<td>{breakable(kpi)}</td>"]
        for i, n in enumerate(names):
            text = fmt(float(row[n]))
            if i:
                text += _difference(str(kpi), float(row[f"{n} - {first}"]))
            cells.append(f'<td class="num">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    horizons = {(r.summary.get("start"), r.summary.get("end")) for r in c.runs}
    caveat = (
        " The runs cover different horizons: a difference is partly one of the length of "
        "the period."
        if len(horizons) > 1
        else ""
    )
    means = " (the mean over replications for a replicated run)" if c.replicated else ""
    return (
        f"<p>Each run's totals over its horizon{means}; under the value of each run after "
        f"the first, its difference from {html.escape(first)} (run - {html.escape(first)}), "
        f"marked {html.escape(READING)}.{caveat}</p>"
        f'<div class="wide"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _reading(kpi: str, mean: float, low: float, high: float) -> str:
    """Better or worse for a mean difference whose 95% interval leaves out zero; "no clear
    difference" when it holds zero; "" for a KPI with no good side."""
    word = verdict(kpi, mean)
    if word and math.isfinite(low) and math.isfinite(high) and low <= 0 <= high:
        return "no clear difference"
    return word


def _differences(c: Comparison) -> str:
    """Replicated runs: for each run after the first, the mean differences with their 95%
    intervals, and which way they go."""
    runs = c.runs
    diffs = c.differences
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in c.pairing_notes())
    parts = [
        f"<ul>{notes}</ul><p>Each row: the mean over replications of (run - "
        f"{html.escape(runs[0].name)}) and its 95% confidence interval; paired "
        "intervals use the difference replication by replication, and the width "
        "the unpaired interval would have had is given for comparison. The reading is "
        f"{html.escape(READING)}; a difference whose interval holds zero is no clear "
        "difference.</p>"
    ]
    for i, r in enumerate(runs[1:], start=1):
        d = diffs[diffs["run"] == r.name] if len(diffs) else diffs
        if not len(d):
            continue
        d = d.drop(columns=["run", "reference"]).reset_index(drop=True)
        d["reading"] = [
            _reading(str(k), m, lo, hi)
            for k, m, lo, hi in zip(
                d["kpi"], d["mean_difference"], d["ci_low"], d["ci_high"], strict=True
            )
        ]
        marks = [w if w in ("better", "worse") else "" for w in d["reading"]]
        numeric = [col for col in d.columns if col not in ("kpi", "pairing", "reading")]
        parts.append(
            f"<h3>{swatch(run_color(i), r.name)} - {breakable(runs[0].name)}</h3>"
            '<div class="wide">'
            + table(d, numeric=numeric, marks={"mean_difference": marks, "reading": marks})
            + "</div>"
        )
    return "".join(parts)


def comparison_report(c: Comparison, charts: Sequence[Path]) -> str:
    """The report of a comparison: the runs, KPIs side by side with their differences,
    each run's events, every chart."""
    runs = c.runs
    listed = pd.DataFrame(
        {
            # object, not str: the cells stay Markup (pandas would make them plain strings)
            "run": pd.Series(
                [swatch(run_color(i), r.name) for i, r in enumerate(runs)], dtype=object
            ),
            "horizon": [f"{r.summary.get('start')} to {r.summary.get('end')}" for r in runs],
            "seed": [str(r.seed) for r in runs],  # a seed, not a quantity
            "scenario sha256": [str(r.manifest.get("scenario_sha256", ""))[:12] for r in runs],
            "folder": [str(r.folder) if r.folder else "(run for this comparison)" for r in runs],
        }
    )
    sections: list[tuple[str, str]] = [
        ("Runs", table(listed)),
        ("Key figures", _key_figures(c)),
    ]
    if c.replicated:
        sections.append(("Differences with 95% confidence intervals", _differences(c)))
    for i, r in enumerate(runs):
        ev = r.events
        heading = swatch(run_color(i), r.name)
        sections.append(
            (
                Markup(f"Events: {heading}"),
                table(ev) if len(ev) else "<p>No events.</p>",
            )
        )
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in c.chart_notes())
    sections.append(
        (
            "Charts",
            notes + "".join(image(p, COMPARE_CAPTIONS.get(p.stem, p.stem)) for p in charts),
        )
    )
    names = " vs ".join(r.name for r in runs)
    meta = (
        f"{len(runs)} runs; differences are each run minus {runs[0].name}; volumes in "
        "bcm, money in USD"
    )
    if len({(r.summary.get("start"), r.summary.get("end")) for r in runs}) > 1:
        meta += (
            "; the runs cover different horizons, so their totals are over different "
            "periods (the charts align them on the calendar)"
        )
    return render_page(f"gasroutes comparison: {names}", meta, sections)


def _write_into(c: Comparison, tmp: Path, outputs: Outputs, excel: bool) -> None:
    """The comparison's files, written into the (temporary) folder ``tmp``."""
    from gasroutes.charts.axes import save_figure

    kpis = c.kpis
    kpis.to_csv(tmp / "kpis.csv", float_format="%.6f")
    also_parquet(kpis.reset_index(), tmp / "kpis.csv", outputs)
    if c.replicated:
        differences = c.differences
        differences.to_csv(tmp / "differences.csv", index=False, float_format="%.6f")
        also_parquet(differences, tmp / "differences.csv", outputs)
    if excel:
        write_workbook(c, tmp / "compare.xlsx")
    (tmp / "charts").mkdir()
    paths = [save_figure(fig, tmp / "charts", n) for n, fig in comparison_charts(c).items()]
    (tmp / "report.html").write_text(comparison_report(c, paths), encoding="utf-8")


def write_comparison(
    c: Comparison, folder: Path, outputs: Outputs | None = None, *, excel: bool = False
) -> Path:
    """Write a comparison's folder, atomically (never into a run it compares); the
    formats of ``outputs``, and compare.xlsx with ``excel``."""
    if excel:
        require_openpyxl()
    check_apart(folder, [r.folder for r in c.runs if r.folder is not None], "compare")
    with atomic_folder(folder, "compare") as tmp:
        _write_into(c, tmp, outputs or Outputs(), excel)
    return folder


def compare_into(
    items: Sequence[Any],
    out: Path,
    *,
    replications: int = 1,
    workers: int = 1,
    progress: Progress | None = None,
    outputs: Outputs | None = None,
    excel: bool = False,
) -> Comparison:
    """Compare runs and write the comparison to ``out``; the runs of scenario files are
    kept in ``out``/runs/, with the tables and formats of ``outputs`` (the charts are
    drawn from the runs in memory, daily tables or not); ``excel`` adds compare.xlsx."""
    outputs = outputs or Outputs()
    check_count(items)
    if excel:  # before anything runs
        require_openpyxl()
    # before anything runs: a refused folder is told at once, not after the runs
    check_apart(out, read_folders(items), "compare")
    check_target(out, "compare")
    with atomic_folder(out, "compare") as tmp:
        kept = tmp / "runs"
        runs, made = load_runs(
            items,
            replications=replications,
            workers=workers,
            scratch=kept,
            progress=progress,
            pages=replicated_pages,
            outputs=outputs,
        )
        comparison = Comparison(runs)
        _write_into(comparison, tmp, outputs, excel)
        used: set[str] = {p.name for p in kept.iterdir()} if kept.is_dir() else set()
        for result in made:  # scenario files given on the command line: keep their runs
            name, k = result.scenario.name, 2
            while name in used:  # two files may give the same name
                name, k = f"{result.scenario.name}-{k}", k + 1
            used.add(name)
            write_run(result, kept / name, outputs=outputs)
    for r in runs:
        if r.folder is not None and tmp in r.folder.parents:
            r.folder = out / r.folder.relative_to(tmp)
    return comparison
