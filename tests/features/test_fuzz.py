"""Fuzzing the command line with Hypothesis: a valid scenario, sweep file, observed table
and run folder are mutated (keys dropped or renamed, types swapped, non-finite and huge
numbers, impossible dates, aliases, duplicated keys, truncated or binary files), and for
every example the contract must hold:

- exit 0 with finite tables (and the run's own conservation check passed), or exit 2
  with a message naming what is wrong, and never a traceback or another exit status;
- nothing outside the output folder changed.

``make test`` runs a bounded number of examples (the ``ci`` profile); ``make fuzz`` runs
the long ``fuzz`` profile (``HYPOTHESIS_PROFILE=fuzz``).
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gasroutes
from gasroutes.cli import main

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.register_profile(
    "fuzz",
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

BASE: dict[str, Any] = {
    "name": "fuzz",
    "start": "2020-01-01",
    "end": "2020-02-15",
    "seed": 3,
    "fields": {"north": {"capacity_bcm_per_year": 4.0}, "south": {"capacity_bcm_per_year": 2.0}},
    "domestic": {
        "demand_bcm_per_year": 1.0,
        "monthly_profile": [1.3, 1.2, 1.1, 1, 0.9, 0.8, 0.8, 0.8, 0.9, 1, 1.1, 1.2],
    },
    "routes": {
        "east": {"capacity_bcm_per_year": 2.5, "transit_time_days": 2},
        "west": {"capacity_bcm_per_year": 3.0, "third_party_bcm_per_year": 0.5},
    },
    "buyers": {
        "alpha": {
            "routes": ["east"],
            "contract": {"volume_bcm_per_year": 2.0, "price_usd_per_tcm": 150.0},
            "payment": {"share_paid": 0.5, "delay_days": 3},
        },
        "beta": {
            "routes": ["west", "east"],
            "contract": {"volume_bcm_per_year": 3.0, "price_usd_per_tcm": 200.0, "priority": 2},
        },
    },
    "lpg": {
        "plants": {"p": {"output_kt_per_year": 20.0, "storage_t": 800.0, "initial_t": 200.0}},
        "terminals": {"t": {"bays": 1, "hours_per_car": 2.0, "storage_t": 400.0}},
        "rail_routes": {
            "r": {
                "origins": ["p"],
                "terminal": "t",
                "cars_per_train": 4,
                "t_per_car": 40.0,
                "transit_days": 1.0,
                "return_days": 1.0,
            }
        },
        "fleets": {
            "f": {
                "terminal": "t",
                "trucks": 3,
                "t_per_truck": 20.0,
                "legs": {"d": {"trip_days": 0.5, "return_days": 0.5}},
            }
        },
        "depots": {"d": {"demand_kt_per_year": 15.0, "storage_t": 300.0}},
    },
    "events": [
        {"id": "cut", "date": "2020-01-10", "kind": "cutoff", "buyer": "alpha"},
        {"date": "2020-01-20", "kind": "resume", "buyer": "alpha"},
        {"date": "2020-01-25", "kind": "outage", "route": "west", "until": "2020-01-28"},
    ],
    "rules": [{"id": "arrears", "kind": "cutoff_on_arrears", "buyer": "alpha", "above_usd": 5e7}],
    "uncertainty": {
        "outages": {
            "east": {
                "between_failures_days": {"distribution": "exponential", "mean": 30},
                "repair_days": {"distribution": "lognormal", "mean": 3, "sd": 2},
            }
        },
        "demand_noise": {"beta": {"sd": 0.1}},
    },
}
SWEEP: dict[str, Any] = {
    "name": "fz",
    "base": "scenario.yaml",
    "design": "grid",
    "parameters": [
        {"path": "routes.east.capacity_bcm_per_year", "values": [2.0, 3.0]},
        {"path": "events[cut].date", "values": ["2020-01-05"]},
    ],
    "kpis": ["exports_bcm_total", "annual.alpha.2020"],
}
OBSERVED = "year,destination,quantity,source\n2020,Alpha,0.2,x\n2020,beta,0.3,y\n2020,TOTAL,0.5,z\n"

ODD_VALUES = [
    float("inf"),
    float("-inf"),
    float("nan"),
    1e308,
    -1e308,
    10**30,
    -1,
    0,
    "",
    "2027-02-30",
    "0000-01-01",
    "9999-12-31",
    True,
    None,
    [],
    {},
    [1, 2, 3],
    {"linear": {"2020-01-01": 1.0}},
    "x" * 500,
    "routes",
]


# --------------------------------------------------------------------- mutations


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*here, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*here, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutated_document(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one to three mutations: a key dropped or renamed, or a value replaced
    by an odd one (a wrong type, a non-finite or huge number, an impossible date)."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        key = path[-1]
        action = draw(st.sampled_from(["drop", "rename", "replace", "replace", "replace"]))
        if action == "drop":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "Capacity", key + "_x", "", "1"]))] = parent.pop(
                key
            )
        else:
            parent[key] = draw(st.sampled_from(ODD_VALUES))
    return doc


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> bytes:
    """YAML or CSV text broken at the byte level: truncated, a line duplicated, an alias
    bomb or a self-referring alias added, binary or latin-1 bytes, nesting without end."""
    action = draw(
        st.sampled_from(
            ["truncate", "duplicate", "bomb", "cycle", "binary", "latin1", "nest", "tab", "none"]
        )
    )
    lines = text.splitlines()
    if action == "truncate":
        return text.encode()[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if action == "duplicate" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        return "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]).encode()
    if action == "bomb":
        bomb = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
        bomb += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, 9)]
        return (text + "\n" + "\n".join(bomb) + "\n").encode()
    if action == "cycle":
        return (text + "\nloop: &loop [*loop]\n").encode()
    if action == "binary":
        return bytes(draw(st.lists(st.integers(0, 255), min_size=1, max_size=64)))
    if action == "latin1":
        return (text + "\n# caf\xe9\n").encode("latin-1")
    if action == "nest":
        return ("a: " + "[" * 5000 + "]" * 5000 + "\n").encode()
    if action == "tab" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = "\t" + lines[i]
        return "\n".join(lines).encode()
    return text.encode()


# --------------------------------------------------------------------- the contract


def _tree(folder: Path, skip: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p == skip or skip in p.parents:
            continue
        out[str(p.relative_to(folder))] = p.read_bytes() if p.is_file() else b"<dir>"
    return out


def check_contract(argv: list[str], work: Path, out: Path) -> int:
    """Run ``gasroutes argv`` in-process; assert exit 0 or 2, no traceback, a message on
    2, and nothing outside ``out`` changed. Return the exit status."""
    before = _tree(work, out)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse
            code = int(exit_.code or 0)
    err = stderr.getvalue()
    assert "Traceback" not in err, err
    assert code in (0, 2), f"exit {code}: {err}"
    if code == 2:
        assert err.strip(), "exit 2 without a message"
        assert len(err) < 5000, "a message that dumps the input"
    assert _tree(work, out) == before, "a file outside the output folder changed"
    return code


NON_FINITE = {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}


def check_tables(folder: Path) -> None:
    """No cell of any table of an output folder is a non-finite number (an empty cell, a
    missing value such as a run's empty error message, is not a number)."""
    for table in folder.glob("*.csv"):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        cells = {c.strip().lower() for c in np.unique(frame.to_numpy().ravel())}
        assert not cells & NON_FINITE, table.name


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gasroutes-fuzz-") as tmp:
        here = Path.cwd()
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(here)


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()


# --------------------------------------------------------------------- targets


@settings(settings.get_profile(PROFILE))
@given(st.one_of(mutated_document(BASE).map(_dump), mutated_text(yaml.safe_dump(BASE))))
def test_fuzz_scenario_files(data: bytes) -> None:
    with workdir() as work:
        path = work / "scenario.yaml"
        path.write_bytes(data)
        out = work / "out"
        if check_contract(["validate", str(path)], work, out) == 0:
            code = check_contract(["run", str(path), "--out", str(out), "--no-charts"], work, out)
            if code == 0:
                check_tables(out)


@settings(settings.get_profile(PROFILE))
@given(st.one_of(mutated_document(SWEEP).map(_dump), mutated_text(yaml.safe_dump(SWEEP))))
def test_fuzz_sweep_files(data: bytes) -> None:
    with workdir() as work:
        (work / "scenario.yaml").write_bytes(_dump(BASE))
        path = work / "sweep.yaml"
        path.write_bytes(data)
        out = work / "out"
        if check_contract(["sweep", str(path), "--out", str(out)], work, out) == 0:
            check_tables(out)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "base"
    gasroutes.run(gasroutes.scenario_from_dict(copy.deepcopy(BASE))).write(folder)
    return folder


@settings(settings.get_profile(PROFILE), suppress_health_check=list(HealthCheck))
@given(data=st.one_of(mutated_text(OBSERVED), st.just(OBSERVED.encode())))
def test_fuzz_observed_tables(run_folder: Path, data: bytes) -> None:
    with workdir() as work:
        run = work / "run"
        shutil.copytree(run_folder, run)
        obs = work / "obs.csv"
        obs.write_bytes(data)
        out = work / "bt"
        if check_contract(["backtest", str(run), str(obs), "--out", str(out)], work, out) == 0:
            check_tables(out)


TAMPERED = ["annual.csv", "flows.csv", "deliveries.csv", "money.csv", "production.csv"]
TAMPERED += ["events.csv", "summary.json", "manifest.json", "scenario.resolved.yaml"]


@settings(settings.get_profile(PROFILE), suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(TAMPERED), data=st.data())
def test_fuzz_run_folders(run_folder: Path, name: str, data: st.DataObject) -> None:
    with workdir() as work:
        run = work / "run"
        shutil.copytree(run_folder, run)
        text = (run / name).read_text(encoding="utf-8")
        if data.draw(st.booleans()) and name.endswith(".csv"):
            # a cell replaced by an odd value
            rows = text.splitlines()
            i = data.draw(st.integers(1, max(len(rows) - 1, 1)))
            cells = rows[i].split(",")
            j = data.draw(st.integers(0, len(cells) - 1))
            cells[j] = str(data.draw(st.sampled_from(ODD_VALUES)))
            rows[i] = ",".join(cells)
            (run / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
        else:
            (run / name).write_bytes(data.draw(mutated_text(text)))
        out = work / "cmp"
        check_contract(["compare", str(run_folder), str(run), "--out", str(out)], work, out)
        obs = work / "obs.csv"
        obs.write_text(OBSERVED)
        check_contract(
            ["backtest", str(run), str(obs), "--out", str(work / "bt")], work, work / "bt"
        )
