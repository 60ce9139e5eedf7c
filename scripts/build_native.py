"""Compile the LPG chain (src/gasroutes/rail.py) to C with mypyc, as gasroutes._rail_native.

Run by ``make`` whenever rail.py (or a module whose types it uses) changes. The source is
copied to _rail_native.py with the sources' SHA-256 appended, compiled in place (the
extension modules land next to rail.py) and the copy removed. gasroutes uses the build
only while the sources keep that digest (see src/gasroutes/engine.py).

Compiling is an optimisation, never a requirement: without mypyc or a C compiler this
prints why and exits 0, and gasroutes runs rail.py as Python, with the same results.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "gasroutes"
SOURCE = PACKAGE / "rail.py"
COPY = PACKAGE / "_rail_native.py"


def clean() -> None:
    """Remove earlier builds and what a build leaves behind."""
    for old in PACKAGE.glob("_rail_native*"):
        old.unlink()
    shutil.rmtree(SRC / "build", ignore_errors=True)
    for leftover in SRC.glob("*__mypyc*"):  # the support library, when mypyc puts it here
        leftover.unlink()


def main() -> int:
    clean()
    from gasroutes.sim.lpg.build import source_digest  # the digest engine.py will check

    digest = source_digest()
    COPY.write_text(
        SOURCE.read_text(encoding="utf-8")
        + f'\n\n# the sources this was compiled from (see engine.py)\nSOURCE_SHA256 = "{digest}"\n',
        encoding="utf-8",
    )
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", "gasroutes/_rail_native.py"],
            cwd=SRC,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as err:
        done = subprocess.CompletedProcess([], 1, "", str(err))
    COPY.unlink()
    shutil.rmtree(SRC / "build", ignore_errors=True)
    built = list(PACKAGE.glob("_rail_native*.so")) + list(PACKAGE.glob("_rail_native*.pyd"))
    if done.returncode != 0 or not built:
        clean()
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        print(
            "note: the compiled LPG engine was not built; gasroutes runs rail.py as Python "
            "(same results, about half the speed). mypyc said:\n  " + "\n  ".join(tail),
            file=sys.stderr,
        )
        return 0
    print(f"compiled the LPG engine with mypyc in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
