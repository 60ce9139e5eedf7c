"""Regenerate the README's table of shipped scenarios from real runs.

Runs every scenario in scenarios/ (without charts), and for each what-if compares it with
the scenario it extends (historical or baseline): cumulative exports and revenue over the
horizon, and the change in each. The table goes between the markers
``<!-- scenario-table:start -->`` and ``<!-- scenario-table:end -->`` in README.md.

    .venv/bin/python scripts/scenario_table.py          # rewrite the README
    .venv/bin/python scripts/scenario_table.py --check  # exit 1 if the README is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

import gasroutes

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- scenario-table:start -->", "<!-- scenario-table:end -->"


def question(path: Path) -> str:
    """A what-if's question (its first comment line), else the scenario's description."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    if first.startswith(("# What if", "# What is")):
        return first.lstrip("# ").strip()
    text = str(yaml.safe_load(path.read_text(encoding="utf-8")).get("description", ""))
    return text.split(": ")[0] if len(text) > 90 else text


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
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
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
            f"| `{f.name}` | {question(f)} | {sc.start.year}-{sc.end.year} | "
            f"{r['exports']:.1f} | {r['revenue']:.1f} | {vs} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the README is stale")
    args = parser.parse_args()
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table()}\n{END}{tail}"
    if args.check:
        if new != text:
            print(
                "README.md's scenario table is stale: run scripts/scenario_table.py",
                file=sys.stderr,
            )
            return 1
        return 0
    readme.write_text(new, encoding="utf-8")
    print("README.md: scenario table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
