"""The example notebooks run as they are, and are stored clean (no outputs).

Each code cell of examples/*.ipynb is executed in order in one namespace, as a kernel
would, in a fresh folder that has the shipped scenarios (as a clone has), with
matplotlib's Agg backend: a notebook the API has moved away from fails here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def load(path: Path) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else str(text)


def test_the_compare_notebook_is_there() -> None:
    assert ROOT / "examples" / "compare-whatifs.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = load(path)
    assert notebook["nbformat"] == 4
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code, "a notebook with no code cell"
    for i, cell in enumerate(notebook["cells"]):
        assert cell["cell_type"] in ("code", "markdown"), i
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {i} has stored outputs"
            assert cell["execution_count"] is None, f"cell {i} has an execution count"
        else:
            assert "outputs" not in cell, i
        # no magics or shell escapes: every cell is plain Python
        assert not any(line.lstrip().startswith(("%", "!")) for line in source(cell).splitlines())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_runs_cell_by_cell(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matplotlib.use("Agg")
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    started = time.perf_counter()
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            exec(compile(source(cell), f"{path.name}, cell {i}", "exec"), namespace)
    elapsed = time.perf_counter() - started
    assert elapsed < 120, f"{path.name} took {elapsed:.0f} s; examples must stay quick"
    written = {p.name for p in tmp_path.iterdir()}
    assert written <= {"scenarios", "outputs"}, written  # writes only under outputs/
    if path.name == "compare-whatifs.ipynb":
        comparison = namespace["comparison"]
        assert comparison.names == ["baseline-2025-2026", "afghan-border-closure"]
        assert "afghan-border-closure" in comparison._repr_html_()
        kpis = namespace["kpis"]
        closed = kpis.loc["lpg_unmet_demand_kt", "afghan-border-closure - baseline-2025-2026"]
        assert closed > 0  # the closure leaves Afghan demand unmet
        assert (tmp_path / "outputs" / "annual_exports.png").is_file()
        assert (tmp_path / "outputs" / "compare-closure" / "report.html").is_file()
