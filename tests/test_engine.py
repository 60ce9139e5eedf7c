"""The LPG chain's two engines: rail.py as Python, and the same source compiled with mypyc.
They must give the same tables, and a compiled build older than rail.py must not be used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gasroutes.sim.lpg import build as engine

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("flows.csv", "deliveries.csv", "annual.csv", "lpg_queues.csv", "summary.json")


def test_a_build_of_another_source_is_not_used() -> None:
    module, name = engine.select_engine("0" * 64, pure=False)
    assert module.__name__ == "gasroutes.sim.lpg.chain"
    assert name.startswith("python")


def test_pure_python_can_be_asked_for() -> None:
    module, name = engine.select_engine(engine.source_digest(), pure=True)
    assert (module.__name__, name) == ("gasroutes.sim.lpg.chain", "python")


def test_the_build_of_this_source_is_used_when_there() -> None:
    module, name = engine.select_engine(engine.source_digest(), pure=False)
    if not list((ROOT / "src" / "gasroutes").glob("_rail_native*")):
        pytest.skip("no compiled engine here (make builds it when a C compiler is there)")
    assert (module.__name__, name) == (engine.NATIVE_MODULE, "compiled")


def _run(out: Path, pure: bool) -> str:
    """Run a short border-closure scenario in a fresh process; return its engine."""
    env = {k: v for k, v in os.environ.items() if k != engine.PURE_ENV}
    if pure:
        env[engine.PURE_ENV] = "1"
    scenario = out.parent / "closure.yaml"
    scenario.write_text(
        f"extends: {ROOT / 'scenarios' / 'afghan-border-closure.yaml'}\n"
        "name: closure-2026\nstart: 2026-01-01\nend: 2026-09-30\n"
    )
    command = [sys.executable, "-m", "gasroutes.cli", "run", str(scenario), "--no-charts"]
    subprocess.run(
        [*command, "--out", str(out)],
        check=True,
        capture_output=True,
        env=env,
    )
    name: str = json.loads((out / "manifest.json").read_text())["lpg_engine"]
    return name


def test_compiled_and_python_engines_write_the_same_tables(tmp_path: Path) -> None:
    if engine.lpg_engine()[1] != "compiled":
        pytest.skip("no compiled engine here (make builds it when a C compiler is there)")
    assert _run(tmp_path / "python", pure=True) == "python"
    assert _run(tmp_path / "compiled", pure=False) == "compiled"
    for name in TABLES:
        python = (tmp_path / "python" / name).read_bytes()
        compiled = (tmp_path / "compiled" / name).read_bytes()
        assert python == compiled, name


def test_the_digest_covers_every_module_the_compiled_code_imports() -> None:
    """A build must go stale when a module whose types it relies on changes."""
    import re

    source = (ROOT / "src" / "gasroutes" / "rail.py").read_text()
    imported = {f"{name}.py" for name in re.findall(r"^\s*from \.(\w+) import", source, re.M)}
    assert imported, "rail.py imports gasroutes modules"
    assert imported <= set(engine.SOURCES)
