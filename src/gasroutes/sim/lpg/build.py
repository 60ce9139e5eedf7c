"""Which implementation of the LPG chain a run uses: ``rail.py`` as it is, or the same
source compiled to C with mypyc.

``make`` compiles ``rail.py`` into the extension module ``gasroutes._rail_native`` when it
can (it needs a C compiler; see ``scripts/build_native.py``). The compiled module carries
the SHA-256 of the sources it was built from (``rail.py`` and the modules whose types it
relies on, ``SOURCES``) and is used only while they still have that digest, so an edit is
never shadowed by an old build. Both give
byte-identical tables (a test checks); the compiled one is about twice as fast.

Set ``GASROUTES_PURE_PYTHON=1`` to run the Python source even when a build is there.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType

__all__ = ["NATIVE_MODULE", "PURE_ENV", "SOURCES", "lpg_engine", "select_engine", "source_digest"]

PURE_ENV = "GASROUTES_PURE_PYTHON"
NATIVE_MODULE = "gasroutes._rail_native"


# rail.py and the modules whose types the compiled code relies on (it checks them at run
# time): an edit to any of them makes an older build unusable
SOURCES = ("sim/lpg/chain.py", "scenario/components.py", "sim/days.py", "scenario/lpg.py")
PACKAGE = Path(__file__).resolve().parents[2]


def source_digest() -> str:
    """SHA-256 of the compiled engine's sources as they are now."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (PACKAGE / name).read_bytes())
    return digest.hexdigest()


def select_engine(digest: str, pure: bool) -> tuple[ModuleType, str]:
    """The LPG module to use and its name: ``compiled`` when a build of the source with
    ``digest`` is there and ``pure`` is not asked for, else ``python`` (with the reason
    when a build was there but not used)."""
    rail = import_module("gasroutes.sim.lpg.chain")
    if pure:
        return rail, "python"
    try:
        native = import_module(NATIVE_MODULE)
    except ImportError:
        return rail, "python"
    if getattr(native, "SOURCE_SHA256", None) != digest:
        return rail, "python (the compiled engine is older than its sources: run make)"
    return native, "compiled"


@cache
def lpg_engine() -> tuple[ModuleType, str]:
    """The engine for this process (chosen once)."""
    pure = os.environ.get(PURE_ENV, "") not in ("", "0")
    return select_engine(source_digest(), pure)
