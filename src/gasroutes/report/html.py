"""Self-contained HTML reports: one page, images embedded, no script, works offline."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "Markup",
    "breakable",
    "calibration_report",
    "fmt",
    "hindcast_report",
    "image",
    "render_page",
    "replicated_report",
    "run_report",
    "swatch",
    "table",
]

# The page fits a window of 1400 px (scripts/check_report_width.py checks it in Chromium):
# the body is at most 1100 px wide; tables are no wider than it: text cells wrap at
# spaces, hyphens and the <wbr> after each "_", "." and "/" (a run's name anywhere if it
# must), numbers and dates do not; images shrink to it; and a table that still cannot
# fit scrolls inside its .wide box rather than the page.
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1rem;overflow-wrap:break-word}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#666;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;max-width:100%}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f4f4f4}tr:nth-child(even) td{background:#fafafa}
.better{color:#067a2e}.worse{color:#b00020}
td .d{display:block;font-size:.8rem;color:#666}td .d.better{color:#067a2e}
td .d.worse{color:#b00020}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.35em;border-radius:2px;
vertical-align:-.05em;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.date{white-space:nowrap}.name{overflow-wrap:anywhere}.wide{overflow-x:auto}
h3{font-size:1rem;margin:1.2rem 0 .3rem}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#666;font-size:.85rem}
"""
BREAK_AFTER = re.compile(r"([_./])")
DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


class Markup(str):
    """Text that is HTML already (a run's name with its colour swatch): written as it is."""


def breakable(text: Any) -> str:
    """``text`` escaped, with a line-break opportunity after each "_", "." and "/" when
    it is long (a KPI name or a path is one long word otherwise; ``wall_s`` stays whole),
    and its dates kept on one line."""
    if isinstance(text, Markup):
        return text
    text = html.escape(str(text))
    marked = BREAK_AFTER.sub(r"\1<wbr>", text) if len(text) > 12 else text
    return DATE.sub(r'<span class="date">\1</span>', marked)


def swatch(color: str, name: str) -> Markup:
    """A run's name after a square of its colour (the colour of its lines in the charts)."""
    return Markup(
        f'<span class="swatch" style="background:{html.escape(color)}"></span>'
        f'<span class="name">{breakable(name)}</span>'
    )


def fmt(value: Any) -> str:
    """A table cell's text: counts as counts, quantities to three decimals (or in
    scientific notation when tiny), text escaped and breakable."""
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
    return breakable(value)


def table(
    frame: pd.DataFrame,
    numeric: Iterable[str] = (),
    marks: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """An HTML table; ``numeric`` columns right-aligned; ``marks`` gives some columns a
    CSS class per row (``better``, ``worse`` or ``""``)."""
    num, marks = set(numeric), marks or {}
    head = "".join(f"<th>{breakable(c)}</th>" for c in frame.columns)
    rows = []
    for i, values in enumerate(frame.itertuples(index=False)):
        cells = []
        for col, v in zip(frame.columns, values, strict=True):
            cls = ["num"] if col in num else []
            if col in marks and marks[col][i]:
                cls.append(marks[col][i])
            attr = f' class="{" ".join(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{fmt(v)}</td>")
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
    body = "".join(f"<h2>{breakable(h)}</h2>\n{content}\n" for h, content in sections)
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
    head = "".join(f"<th>{breakable(name(k))}</th>" for k in per)
    rows = "".join(
        f"<tr><td>{breakable(m)}</td>"
        + "".join(f'<td class="num">{fmt(per[k].get(m, ""))}</td>' for k in per)
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
        f'<tr><td>{breakable(k)}</td><td class="num">{fmt(v)}</td></tr>' for k, v in shown
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


def _years_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Years (and origin years) as they are written, 2015, not as a quantity, 2,015."""
    years = [c for c in ("year", "origin") if c in frame.columns]
    return frame.astype(dict.fromkeys(years, str)) if years else frame


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
        (
            "The fit",
            table(
                _years_as_text(fit.table),
                numeric=("observed", "simulated", "error", "relative_error"),
            ),
        ),
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
        (
            "Table",
            table(_years_as_text(hc.table), numeric=("simulated", "persistence", "observed")),
        ),
    ]
    return render_page(f"gasroutes hindcast: {hc.spec.name}", meta, sections)
