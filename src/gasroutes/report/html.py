"""Self-contained HTML reports: one page, images embedded, no script, works offline."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "calibration_report",
    "comparison_report",
    "hindcast_report",
    "render_page",
    "replicated_report",
    "run_report",
]

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#666;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4}tr:nth-child(even) td{background:#fafafa}
td.neg{color:#b00}td.pos{color:#070}
.wide{overflow-x:auto}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#666;font-size:.85rem}
"""


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if abs(value) >= 1e6 or (value.is_integer() and abs(value) < 1e15):
            return f"{value:,.0f}"  # a count read back as a float prints as a count
        if value == 0:
            return "0"
        if abs(value) < 1e-3:
            return f"{value:.2e}"
        return f"{value:,.3f}"
    return html.escape(str(value))


def table(frame: pd.DataFrame, numeric: Iterable[str] = (), signed: Iterable[str] = ()) -> str:
    """An HTML table; ``numeric`` columns right-aligned, ``signed`` coloured by sign."""
    num, sig = set(numeric), set(signed)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, values, strict=True):
            cls = []
            if col in num or col in sig:
                cls.append("num")
            if col in sig and isinstance(v, int | float) and v == v and v != 0:
                cls.append("pos" if v > 0 else "neg")
            attr = f' class="{" ".join(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{_fmt(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def image(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def render_page(title: str, meta: str, sections: Sequence[tuple[str, str]]) -> str:
    """A whole page: title, a line of metadata, then (heading, html) sections."""
    body = "".join(f"<h2>{html.escape(h)}</h2>\n{content}\n" for h, content in sections)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
        f'<h1>{html.escape(title)}</h1><p class="meta">{html.escape(meta)}</p>\n'
        f"{body}</body></html>\n"
    )


CAPTIONS = {
    "annual_exports": "Annual pipeline gas exports by destination (bcm/yr).",
    "route_flows": "Monthly mean flow on each route, by buyer, against capacity (mcm/d).",
    "deliveries": "Monthly mean deliveries against nominations per buyer; shortfall shaded.",
    "production": "Production potential split into domestic use, exports and shut-in.",
    "revenue_arrears": "Annual revenue invoiced per buyer, and arrears over time (USD).",
    "network_map": (
        "The routes over the region's borders, line width by gas carried; dashed when an "
        "event cut them off for a time, dotted when they carried no gas."
    ),
}


def _short_name(key: str) -> str:
    """``revenue_usd_by_buyer`` -> ``revenue (USD)``: a column heading for the buyer table."""
    base = key.replace("_by_buyer", "").replace("_by_destination", "")
    for unit, label in (("_bcm", " (bcm)"), ("_usd", " (USD)"), ("_days", " (days)")):
        if unit in base:
            head, _, tail = base.partition(unit)
            return (head + (" " + tail.strip("_") if tail else "")).replace("_", " ") + label
    return base.replace("_", " ")


def _by_member(per: Mapping[str, Mapping[str, Any]], label: str, name: Any = None) -> str:
    """A table with one row per member (buyer, depot, terminal...) and a column per KPI."""
    name = name or _short_name
    members = list(dict.fromkeys(m for v in per.values() for m in v))
    if not members:
        return ""
    head = "".join(f"<th>{html.escape(name(k))}</th>" for k in per)
    rows = "".join(
        f"<tr><td>{html.escape(m)}</td>"
        + "".join(f'<td class="num">{_fmt(per[k].get(m, ""))}</td>' for k in per)
        + "</tr>"
        for m in members
    )
    return (
        f'<div class="wide"><table><thead><tr><th>{html.escape(label)}</th>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )


def _lpg_name(key: str) -> str:
    """``lpg_train_wait_hours_mean_by_terminal`` -> ``train wait hours mean``."""
    base = key.removeprefix("lpg_")
    for suffix in ("_by_terminal", "_by_depot", "_by_fleet"):
        base = base.removesuffix(suffix)
    return base.replace("_", " ")


def kpi_tables(summary: Mapping[str, Any]) -> str:
    """The run's totals; the per-buyer figures; route utilisation; and, with an LPG chain,
    its figures by depot, terminal and fleet."""
    scalars = [
        (k, v) for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    shown: list[tuple[str, Any]] = [(k, str(v) if k == "seed" else v) for k, v in scalars]
    totals = "".join(
        f'<tr><td>{html.escape(k)}</td><td class="num">{_fmt(v)}</td></tr>' for k, v in shown
    )
    mappings = {
        k: v
        for k, v in summary.items()
        if isinstance(v, Mapping)
        and k != "units"
        and all(not isinstance(x, Mapping) for x in v.values())
    }
    by_field = {k: v for k, v in mappings.items() if k.endswith("_by_field")}
    buyers = {
        k: v
        for k, v in mappings.items()
        if not k.startswith("lpg_")
        and k not in ("route_utilisation", "connection_flow_bcm")
        and k not in by_field
    }
    util = {"utilisation (flow / capacity in service)": mappings.get("route_utilisation", {})}
    conns = {"flow over the run (bcm)": mappings.get("connection_flow_bcm", {})}
    lpg = {
        kind: {k: v for k, v in mappings.items() if k.startswith("lpg_") and k.endswith(kind)}
        for kind in ("_by_depot", "_by_terminal", "_by_fleet")
    }
    return (
        f"<table><thead><tr><th>total</th><th>value</th></tr></thead><tbody>{totals}"
        "</tbody></table>"
        + _by_member(buyers, "buyer")
        + _by_member(by_field, "field")
        + _by_member(util, "route", str)
        + _by_member(conns, "connection", str)
        + _by_member(lpg["_by_depot"], "LPG depot", _lpg_name)
        + _by_member(lpg["_by_terminal"], "LPG terminal", _lpg_name)
        + _by_member(lpg["_by_fleet"], "LPG fleet", _lpg_name)
    )


def run_report(
    summary: Mapping[str, Any],
    manifest: Mapping[str, Any],
    events: pd.DataFrame,
    charts: Sequence[Path],
) -> str:
    """The report of one run."""
    units = summary.get("units", {})
    meta = (
        f"{summary.get('start')} to {summary.get('end')}, seed {summary.get('seed')}, "
        f"gasroutes {manifest.get('gasroutes_version', '?')}, SimPy "
        f"{manifest.get('simpy_version', '?')}; volumes in {units.get('volumes', 'bcm')}, "
        f"money in {units.get('money', 'USD')}; scenario sha256 "
        f"{str(manifest.get('scenario_sha256', ''))[:12]}"
    )
    firings = summary.get("rule_firings") or []
    sections = [
        ("Key figures", kpi_tables(summary)),
        ("Event timeline", table(events) if len(events) else "<p>No events.</p>"),
    ]
    if firings:
        sections.append(
            ("Rules that fired", table(pd.DataFrame(firings)[["date", "kind", "target", "reason"]]))
        )
    if charts:
        sections.append(("Charts", "".join(image(p, CAPTIONS.get(p.stem, p.stem)) for p in charts)))
    else:
        sections.append(("Charts", "<p>Charts were not drawn for this run (--no-charts).</p>"))
    return render_page(f"gasroutes run: {summary.get('scenario')}", meta, sections)


BAND_CAPTIONS = {
    "annual_exports": "Annual pipeline gas exports by destination: median across "
    "replications, shaded from the 5th to the 95th percentile (bcm/yr).",
    "deliveries": "Monthly mean deliveries per buyer: median and 5-95% band, against the "
    "median nomination (mcm/d).",
    "route_flows": "Monthly mean flow on each route: median and 5-95% band, against the "
    "median capacity in service (mcm/d).",
    "kpi_spread": "Totals over the horizon in each replication (dots), with boxes from "
    "the 25th to the 75th percentile and whiskers from the 5th to the 95th.",
}


def replicated_report(
    summary: Mapping[str, Any],
    manifest: Mapping[str, Any],
    events: pd.DataFrame,
    charts: Sequence[Path],
) -> str:
    """The report of a replicated run: the spread of every KPI, the scenario's events (the
    random outages are in events.csv), the band charts."""
    stats = pd.DataFrame(
        [{"kpi": k, **v} for k, v in summary.get("kpis", {}).items()],
        columns=["kpi", "mean", "sd", "p5", "p50", "p95"],
    )
    meta = (
        f"{summary.get('start')} to {summary.get('end')}, {summary.get('replications')} "
        f"replications from seed {summary.get('seed')}, gasroutes "
        f"{manifest.get('gasroutes_version', '?')}; volumes in bcm, money in USD; scenario "
        f"sha256 {str(manifest.get('scenario_sha256', ''))[:12]}"
    )
    sections = [
        (
            "Key figures across replications",
            '<div class="wide">'
            + table(stats, numeric=["mean", "sd", "p5", "p50", "p95"])
            + "</div>",
        ),
        (
            "Scheduled events (the same in every replication)",
            (table(events) if len(events) else "<p>No scheduled events.</p>")
            + "<p>Random outages and rule firings differ from one replication to the next: "
            "they are in <code>events.csv</code>, by replication.</p>",
        ),
    ]
    if charts:
        sections.append(
            ("Charts", "".join(image(p, BAND_CAPTIONS.get(p.stem, p.stem)) for p in charts))
        )
    else:
        sections.append(("Charts", "<p>Charts were not drawn for this run (--no-charts).</p>"))
    return render_page(f"gasroutes run: {summary.get('scenario')}", meta, sections)


COMPARE_CAPTIONS = {
    "annual_exports": "Annual exports by destination per run (the median for replicated runs, "
    "left) and the difference "
    "from the first run (right), bcm/yr.",
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


def comparison_report(comparison: Any, charts: Sequence[Path]) -> str:
    """The report of a comparison: KPIs side by side, each run's events, every chart."""
    runs = comparison.runs
    kpis = comparison.kpis.reset_index()
    diff_cols = [c for c in kpis.columns if " - " in str(c)]
    sections = [
        (
            "Runs",
            table(
                pd.DataFrame(
                    {
                        "run": [r.name for r in runs],
                        "horizon": [
                            f"{r.summary.get('start')} to {r.summary.get('end')}" for r in runs
                        ],
                        "seed": [str(r.seed) for r in runs],  # a seed, not a quantity
                        "scenario sha256": [
                            str(r.manifest.get("scenario_sha256", ""))[:12] for r in runs
                        ],
                        "folder": [
                            str(r.folder) if r.folder else "(run for this comparison)" for r in runs
                        ],
                    }
                )
            ),
        ),
        (
            "Key figures",
            '<div class="wide">'
            + table(kpis, numeric=[c for c in kpis.columns if c != "kpi"], signed=diff_cols)
            + "</div>",
        ),
    ]
    if comparison.replicated:
        diffs = comparison.differences
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in comparison.pairing_notes())
        numeric = [c for c in diffs.columns if c not in ("kpi", "run", "reference", "pairing")]
        sections.append(
            (
                "Differences with 95% confidence intervals",
                f"<ul>{notes}</ul><p>Each row: the mean over replications of (run - "
                f"{html.escape(runs[0].name)}) and its 95% confidence interval; paired "
                "intervals use the difference replication by replication, and the width "
                "the unpaired interval would have had is given for comparison.</p>"
                '<div class="wide">'
                + table(diffs, numeric=numeric, signed=["mean_difference"])
                + "</div>",
            )
        )
    for r in runs:
        ev = r.events
        sections.append((f"Events: {r.name}", table(ev) if len(ev) else "<p>No events.</p>"))
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in comparison.chart_notes())
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


def calibration_report(fit: Any, chart: Path) -> str:
    """The report of a calibration: the fitted values, the fit table, the chart."""
    s = fit.summary()
    params = pd.DataFrame(
        [
            {
                "parameter": path,
                "fitted": p["value"],
                "initial": p["initial"],
                "low": p["bounds"][0],
                "high": p["bounds"][1],
            }
            for path, p in s["parameters"].items()
        ]
    )
    timing = pd.DataFrame(
        [
            {"parameter": path, "value": t["value"], "rule": t["rule"], "fires on": t["fires_on"]}
            for path, t in s["timing"].items()
        ]
    )
    mape = s["weighted_mape"]
    meta = (
        f"fitted on {s['observations']} observations up to {s['fit_until']} "
        f"({s['method']}, {s['evaluations']} model runs); objective {s['objective_value']:.6g}; "
        f"weighted MAPE {'n/a' if mape is None else f'{100 * mape:.1f}%'}"
    )
    sections = [
        ("Fitted parameters", table(params, numeric=("fitted", "initial", "low", "high"))),
    ]
    if len(timing):
        sections.append(("Timing targets", table(timing, numeric=("value",))))
    sections += [
        ("The fit", table(fit.table, numeric=("observed", "simulated", "error", "relative_error"))),
        ("Chart", image(chart, "Simulated against observed on the years fitted.")),
    ]
    return render_page(f"gasroutes calibration: {s['calibration']}", meta, sections)


def hindcast_report(hc: Any, scores: Mapping[str, Any], chart: Path) -> str:
    """The report of a hindcast: the scores by origin, the table, the chart."""
    rows = [
        {
            "origin": origin,
            "years scored": f"{o['years'][0]}-{o['years'][-1]}" if o["years"] else "",
            "model, weighted MAPE": o["weighted_mape_model"],
            "persistence, weighted MAPE": o["weighted_mape_persistence"],
            "model better": {True: "yes", False: "no", None: "n/a"}[o["model_beats_persistence"]],
            "in-sample weighted MAPE": o["in_sample_weighted_mape"],
        }
        for origin, o in scores["origins"].items()
    ]
    meta = (
        "for each origin, the model calibrated on the years up to it, against persistence "
        "(the origin's value held flat); weighted MAPE over "
        f"{', '.join(scores['destinations_scored'])}, weights the observed quantities"
    )
    sections = [
        (
            "Scores",
            table(pd.DataFrame(rows), numeric=[k for k in rows[0] if "MAPE" in k] if rows else ()),
        ),
        ("Chart", image(chart, "Hindcasts from each origin against the record and persistence.")),
        ("Table", table(hc.table, numeric=("simulated", "persistence", "observed"))),
    ]
    return render_page(f"gasroutes hindcast: {hc.spec.name}", meta, sections)
