"""Regenerate the README's tables that come from real runs.

The table of shipped scenarios: runs every scenario in scenarios/ (without charts), and
for each what-if compares it with the scenario it extends (historical or baseline):
cumulative exports and revenue over the horizon, and the change in each. It goes between
the markers ``<!-- scenario-table:start -->`` and ``<!-- scenario-table:end -->``.

The hindcast table: ``gasroutes hindcast scenarios/calibration/historical.yaml --origins
2013 2014 2015 2016``, between ``<!-- hindcast-table:start -->`` and
``<!-- hindcast-table:end -->``.

    .venv/bin/python scripts/scenario_table.py          # rewrite the README
    .venv/bin/python scripts/scenario_table.py --check  # exit 1 if the README is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

import gasroutes
from gasroutes.scenario.catalog import question

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- scenario-table:start -->", "<!-- scenario-table:end -->"
HSTART, HEND = "<!-- hindcast-table:start -->", "<!-- hindcast-table:end -->"
ORIGINS = (2013, 2014, 2015, 2016)


def parent(path: Path) -> str | None:
    ref = yaml.safe_load(path.read_text(encoding="utf-8")).get("extends")
    return Path(ref).stem if ref else None


def figures(scenario: gasroutes.Scenario) -> dict[str, float]:
    s = gasroutes.run(scenario).summary
    return {
        "exports": s["exports_bcm_total"],
        "revenue": s["revenue_usd_total"] / 1e9,
        "china": s["exports_bcm_by_destination"].get("china", 0.0),
    }


def table() -> str:
    files = sorted((ROOT / "scenarios").glob("*.yaml"))  # not the sweeps/ or calibration/
    scenarios = {f.stem: gasroutes.load_scenario(f) for f in files}
    runs = {name: figures(s) for name, s in scenarios.items()}
    lines = [
        "| scenario | question | horizon | exports (bcm) | revenue (USD bn) | against |",
        "|---|---|---|---|---|---|",
    ]
    for f in files:
        sc = gasroutes.load_scenario(f)
        r = runs[f.stem]
        base = parent(f)
        vs = ""
        if base in runs and base != "turkmenistan":
            b = runs[base]
            parent_s = scenarios[base]
            if (parent_s.start, parent_s.end) != (sc.start, sc.end):
                # the parent over the what-if's own horizon, so the change is like for like
                b = figures(parent_s.model_copy(update={"start": sc.start, "end": sc.end}))
            vs = (
                f"`{base}`: {r['exports'] - b['exports']:+.1f} bcm "
                f"(China {r['china'] - b['china']:+.1f}), "
                f"{r['revenue'] - b['revenue']:+.1f} USD bn"
            )
        lines.append(
            f"| `{f.name}` | {question(f, sc)} | {sc.start.year}-{sc.end.year} | "
            f"{r['exports']:.1f} | {r['revenue']:.1f} | {vs} |"
        )
    return "\n".join(lines)


def hindcast_table() -> str:
    from gasroutes.studies.calibration import load_calibration
    from gasroutes.studies.hindcast import hindcast

    problem = load_calibration(ROOT / "scenarios" / "calibration" / "historical.yaml")
    scores = hindcast(problem, ORIGINS, workers=2).scores()
    lines = [
        "| origin | years scored | model | persistence | China alone: model | persistence |",
        "|---|---|---|---|---|---|",
    ]

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    for origin, o in scores.items():
        china = o["by_destination"].get("china", {})
        lines.append(
            f"| {origin} | {o['years'][0]}-{o['years'][-1]} | "
            f"{pct(o['weighted_mape_model'])} | {pct(o['weighted_mape_persistence'])} | "
            f"{pct(china.get('model'))} | {pct(china.get('persistence'))} |"
        )
    return "\n".join(lines)


def _between(text: str, start: str, end: str, body: str) -> str:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the README is stale")
    args = parser.parse_args()
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = _between(text, START, END, table())
    new = _between(new, HSTART, HEND, hindcast_table())
    if args.check:
        if new != text:
            print(
                "README.md's scenario or hindcast table is stale: run scripts/scenario_table.py",
                file=sys.stderr,
            )
            return 1
        return 0
    readme.write_text(new, encoding="utf-8")
    print("README.md: scenario and hindcast tables updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
