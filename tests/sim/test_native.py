"""The LPG chain's two builds: the package as Python, and the same sources compiled with
mypyc. They must give the same tables, and a compiled build older than its sources must
not be used."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gasroutes.sim import native

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "gasroutes"
TABLES = ("flows.csv", "deliveries.csv", "annual.csv", "lpg_queues.csv", "summary.json")


def test_a_build_of_other_sources_is_not_used() -> None:
    build = native.select_build("0" * 64, pure=False)
    assert build.network.__name__ == "gasroutes.sim.lpg.network"
    assert build.name.startswith("python")


def test_pure_python_can_be_asked_for() -> None:
    build = native.select_build(native.source_digest(), pure=True)
    assert (build.network.__name__, build.name) == ("gasroutes.sim.lpg.network", "python")


def test_the_build_of_these_sources_is_used_when_there() -> None:
    build = native.select_build(native.source_digest(), pure=False)
    if not (PACKAGE / "sim" / "_lpg_native" / "__init__.py").exists():
        pytest.skip("no compiled build here (make builds it when a C compiler is there)")
    assert build.name == "compiled"
    assert build.network.__name__ == f"{native.NATIVE_PACKAGE}.network"
    assert build.processes.__file__.endswith((".so", ".pyd"))


def _run(out: Path, pure: bool) -> str:
    """Run a short border-closure scenario in a fresh process; return its build."""
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    scenario = out.parent / "closure.yaml"
    scenario.write_text(
        f"extends: {ROOT / 'scenarios' / 'afghan-border-closure.yaml'}\n"
        "name: closure-2026\nstart: 2026-01-01\nend: 2026-09-30\n"
    )
    command = [sys.executable, "-m", "gasroutes.cli", "run", str(scenario), "--no-charts"]
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True, env=env)
    name: str = json.loads((out / "manifest.json").read_text())["lpg_build"]
    return name


def test_compiled_and_python_builds_write_the_same_tables(tmp_path: Path) -> None:
    if native.lpg_build().name != "compiled":
        pytest.skip("no compiled build here (make builds it when a C compiler is there)")
    assert _run(tmp_path / "python", pure=True) == "python"
    assert _run(tmp_path / "compiled", pure=False) == "compiled"
    for name in TABLES:
        python = (tmp_path / "python" / name).read_bytes()
        compiled = (tmp_path / "compiled" / name).read_bytes()
        assert python == compiled, name


def test_the_digest_covers_every_module_the_compiled_code_imports() -> None:
    """A build must go stale when a module it imports (for its types or its calls)
    changes; and every module of the package is compiled."""
    lpg = PACKAGE / "sim" / "lpg"
    modules = {p.stem for p in lpg.glob("*.py")} - {"__init__"}
    assert modules == set(native.MODULES)
    imported: set[str] = set()
    for name in native.MODULES:
        tree = ast.parse((lpg / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gasroutes."):
                imported.add(node.module.removeprefix("gasroutes.").replace(".", "/") + ".py")
    assert imported, "the package imports gasroutes modules"
    assert imported <= set(native.SOURCES)


def test_the_makefile_rebuilds_on_every_source() -> None:
    """make's list of the build's sources is the digest's."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = makefile.split("NATIVE_SOURCES :=", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"src/gasroutes/([\w/]+\.py)", block))
    if "$(wildcard src/gasroutes/sim/lpg/*.py)" in block:
        listed |= {f"sim/lpg/{m}.py" for m in native.MODULES}
    assert listed == set(native.SOURCES)
