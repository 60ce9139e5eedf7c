"""A folder of scenario files at a glance (``gasroutes list``), and what differs between two
scenarios once resolved (``gasroutes diff``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gasroutes.core.errors import GasroutesError
from gasroutes.scenario.loading import load_scenario
from gasroutes.scenario.model import Scenario

__all__ = ["Difference", "Entry", "catalog", "differences", "question"]


def question(path: Path, scenario: Scenario) -> str:
    """A what-if's question (its first comment line, ``# What if ...``), else the
    scenario's description (up to its first colon when long)."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    if first.startswith(("# What if", "# What is")):
        return first.lstrip("# ").strip()
    text = scenario.description.strip()
    return text.split(": ")[0] if len(text) > 90 else text


@dataclass(frozen=True)
class Entry:
    """One scenario file of a folder: its run name, question and horizon, or why it does
    not load."""

    file: Path
    name: str = ""
    question: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    problem: str = ""


def catalog(folder: Path) -> list[Entry]:
    """Every ``*.yaml`` scenario file directly in ``folder``, by file name."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            s = load_scenario(path)
        except GasroutesError as err:
            out.append(Entry(path, problem=str(err).splitlines()[0]))
            continue
        out.append(Entry(path, s.name, question(path, s), s.start, s.end))
    return out


@dataclass(frozen=True)
class Difference:
    """One difference between two resolved scenarios: a value at a path (``None`` on the
    side that does not have it), or an event or rule added, removed or changed."""

    path: str
    a: Any
    b: Any

    @property
    def change(self) -> str:
        if self.a is None:
            return "added"
        if self.b is None:
            return "removed"
        return "changed"


def differences(a: Scenario, b: Scenario) -> list[Difference]:
    """What differs between ``a`` and ``b``, path by path (``name`` and ``description``
    left out; a section only one side has is one difference); events and rules matched
    by ``id``, or by date, kind and target when they have none."""
    da, db = (s.model_dump(mode="json", exclude_none=True) for s in (a, b))
    out: list[Difference] = []

    def walk(va: Any, vb: Any, path: str) -> None:
        if _section(va) and _section(vb):
            for key in [*va, *(k for k in vb if k not in va)]:
                walk(va.get(key), vb.get(key), f"{path}.{key}" if path else key)
        elif va != vb:
            out.append(Difference(path, va, vb))

    walk(
        {k: v for k, v in da.items() if k not in SKIPPED},
        {k: v for k, v in db.items() if k not in SKIPPED},
        "",
    )
    for kind in ("events", "rules"):
        items_a, items_b = _keyed(da.get(kind) or []), _keyed(db.get(kind) or [])
        for key in [*items_a, *(k for k in items_b if k not in items_a)]:
            ia, ib = items_a.get(key), items_b.get(key)
            if ia != ib:
                out.append(Difference(f"{kind}[{key}]", ia, ib))
    return out


SKIPPED = ("name", "description", "events", "rules")


def _section(value: Any) -> bool:
    """A mapping of named keys (not a schedule of dated steps or a ramp)."""
    return (
        isinstance(value, dict)
        and bool(value)
        and not any(str(k)[:1].isdigit() for k in value)
        and "linear" not in value
        and "trend" not in value
    )


TARGETS = ("buyer", "route", "field", "connection", "terminal", "fleet", "depot", "plant")


def _keyed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items by id; one without an id by its date, kind and target (``#2`` for a second
    one alike), so that an event whose value changed is one change, not two."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        item = {k: v for k, v in item.items() if v is not None}
        key = item.get("id") or " ".join(
            str(item[k]) for k in ("date", "kind", *TARGETS) if k in item
        )
        n, unique = 1, str(key)
        while unique in out:
            n += 1
            unique = f"{key} #{n}"
        out[unique] = item
    return out
