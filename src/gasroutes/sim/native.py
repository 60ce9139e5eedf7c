"""Which build of the LPG chain (:mod:`gasroutes.sim.lpg`) a run uses: the package as
Python, or the same sources compiled to C with mypyc.

``make`` compiles the package into ``gasroutes.sim._lpg_native`` when it can (it needs a
C compiler; see ``scripts/build_native.py``). The build carries the SHA-256 of the
sources it was compiled from (the package and the modules whose types it relies on,
:data:`SOURCES`) and is used only while they still have that digest, so an edit is never
shadowed by an old build. Both give byte-identical tables (a test checks); the compiled
one is about twice as fast.

Set ``GASROUTES_PURE_PYTHON=1`` to run the Python source even when a build is there.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

__all__ = ["NATIVE_PACKAGE", "PURE_ENV", "SOURCES", "LpgBuild", "lpg_build", "select_build"]

PURE_ENV = "GASROUTES_PURE_PYTHON"
PYTHON_PACKAGE = "gasroutes.sim.lpg"
NATIVE_PACKAGE = "gasroutes.sim._lpg_native"
# the package's modules, compiled as one group
MODULES = ("stores", "state", "terminal", "rationing", "network", "processes")
PACKAGE = Path(__file__).resolve().parents[1]  # src/gasroutes
# the compiled modules, and the modules whose types they rely on: an edit to any of
# them makes an older build unusable (tests/sim/test_native.py checks the list)
SOURCES = (
    *(f"sim/lpg/{m}.py" for m in MODULES),
    "core/units.py",
    "scenario/components.py",
    "scenario/lpg.py",
    "scenario/schedules.py",
    "sim/changes.py",
    "sim/days.py",
    "sim/simpy_internals.py",
)


class LpgBuild(NamedTuple):
    """The two modules a run needs from a build, and the build's name."""

    network: ModuleType
    processes: ModuleType
    name: str


def source_digest() -> str:
    """SHA-256 of the compiled build's sources as they are now."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (PACKAGE / name).read_bytes())
    return digest.hexdigest()


def _modules(package: str, name: str) -> LpgBuild:
    return LpgBuild(
        import_module(f"{package}.network"), import_module(f"{package}.processes"), name
    )


def select_build(digest: str, pure: bool) -> LpgBuild:
    """The build to use: ``compiled`` when a build of the sources with ``digest`` is there
    and ``pure`` is not asked for, else ``python`` (with the reason when a build was
    there but not used)."""
    if pure:
        return _modules(PYTHON_PACKAGE, "python")
    try:
        native = import_module(NATIVE_PACKAGE)
    except ImportError:
        return _modules(PYTHON_PACKAGE, "python")
    if getattr(native, "SOURCE_SHA256", None) != digest:
        return _modules(
            PYTHON_PACKAGE, "python (the compiled build is older than its sources: run make)"
        )
    try:
        return _modules(NATIVE_PACKAGE, "compiled")
    except ImportError:  # a partial build (interrupted): the sources serve
        return _modules(PYTHON_PACKAGE, "python (the compiled build is incomplete: run make)")


@cache
def lpg_build() -> LpgBuild:
    """The build for this process (chosen once)."""
    pure = os.environ.get(PURE_ENV, "") not in ("", "0")
    return select_build(source_digest(), pure)
