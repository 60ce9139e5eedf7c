"""Compile the LPG chain (the package src/gasroutes/sim/lpg/) to C with mypyc, as
gasroutes.sim._lpg_native.

Run by ``make`` whenever a source of the build changes (gasroutes.sim.native.SOURCES).
The package's modules are copied to sim/_lpg_native/ with their imports of each other
pointed at the copy, compiled there as one group (mypyc compiles modules that call each
other as native calls; the shared library lands in src/), and the copies removed. The
package's ``__init__.py`` carries the sources' SHA-256: gasroutes uses the build only
while the sources keep that digest (see src/gasroutes/sim/native.py).

Compiling is an optimisation, never a requirement: without mypyc or a C compiler this
prints why and exits 0, and gasroutes runs the package as Python, with the same results.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SOURCE = SRC / "gasroutes" / "sim" / "lpg"
TARGET = SRC / "gasroutes" / "sim" / "_lpg_native"


def clean() -> None:
    """Remove earlier builds and what a build leaves behind."""
    shutil.rmtree(TARGET, ignore_errors=True)
    shutil.rmtree(SRC / "build", ignore_errors=True)
    for leftover in SRC.glob("*__mypyc*"):  # the group's shared library
        leftover.unlink()


def main() -> int:
    clean()
    from gasroutes.sim.native import MODULES, source_digest

    digest = source_digest()
    TARGET.mkdir()
    copies = []
    for name in MODULES:
        text = (SOURCE / f"{name}.py").read_text(encoding="utf-8")
        text = re.sub(r"\bgasroutes\.sim\.lpg\.", "gasroutes.sim._lpg_native.", text)
        copy = TARGET / f"{name}.py"
        copy.write_text(text, encoding="utf-8")
        copies.append(copy)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", *(str(c.relative_to(SRC)) for c in copies)],
            cwd=SRC,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as err:
        done = subprocess.CompletedProcess([], 1, "", str(err))
    for copy in copies:
        copy.unlink()
    shutil.rmtree(SRC / "build", ignore_errors=True)
    built = {p.name.split(".")[0] for p in TARGET.glob("*.so")} | {
        p.name.split(".")[0] for p in TARGET.glob("*.pyd")
    }
    if done.returncode != 0 or not set(MODULES) <= built:
        clean()
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        print(
            "note: the compiled LPG chain was not built; gasroutes runs it as Python "
            "(same results, about half the speed). mypyc said:\n  " + "\n  ".join(tail),
            file=sys.stderr,
        )
        return 0
    # last: a build without its digest is never used
    (TARGET / "__init__.py").write_text(
        '"""The LPG chain compiled with mypyc (see gasroutes.sim.native)."""\n\n'
        f'SOURCE_SHA256 = "{digest}"\n',
        encoding="utf-8",
    )
    print(f"compiled the LPG chain with mypyc in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
