"""The package's layout: sub-packages by layer, each importing only the layers below it
(type-only imports too), no import cycle between modules, no module over 700 lines, and
the README's Development section true to all of it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "gasroutes"
README = (ROOT / "README.md").read_text(encoding="utf-8")

# bottom to top; the top level (api, cli, __init__, __main__) may import everything
LAYERS = ("core", "scenario", "sim", "results", "studies", "charts", "report")
TOP = "top"
MAX_LINES = 700


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "_lpg_native" in parts:  # the compiled copy of sim/lpg (git-ignored)
            continue
        name = ".".join(parts).removesuffix(".__init__")
        out[name] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module a dotted import name refers to (a module, or a name in one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name: str) -> set[str]:
    """Every gasroutes module ``name`` imports, wherever the import is (a function, an
    ``if TYPE_CHECKING`` block)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if not base.startswith("gasroutes"):
                continue
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}") or _resolve(base)
                if target and target != name:
                    out.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gasroutes"):
                    target = _resolve(alias.name)
                    if target and target != name:
                        out.add(target)
    return out


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else TOP


GRAPH = {name: _imports(name) for name in MODULES}


def test_there_are_at_least_four_sub_packages_and_each_is_a_layer() -> None:
    subs = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert len(subs) >= 4
    assert subs == set(LAYERS)


def test_each_module_imports_only_its_own_layer_and_those_below() -> None:
    rank = {layer: i for i, layer in enumerate(LAYERS)} | {TOP: len(LAYERS)}
    upward = sorted(
        f"{a} imports {b}"
        for a, targets in GRAPH.items()
        for b in targets
        if rank[_layer(b)] > rank[_layer(a)]
    )
    assert upward == []


def test_no_import_cycle_between_modules() -> None:
    """Tarjan's strongly connected components over every import, type-only ones too."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_layer_check_sees_type_only_and_function_level_imports(tmp_path: Path) -> None:
    """The checks above would pass vacuously if the import scan missed a kind of import."""
    assert "gasroutes.sim.record" in GRAPH["gasroutes.results.result"]  # TYPE_CHECKING
    assert "gasroutes.charts.run" in GRAPH["gasroutes.report.run"]  # inside a function
    assert _layer("gasroutes.cli") == TOP and _layer("gasroutes.sim.lpg.state") == "sim"


def test_no_module_is_over_700_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


# ------------------------------------------------------------------ the README


def _section() -> str:
    match = re.search(r"^## Development\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, "README has a Development section"
    return match.group(1)


def test_the_readme_diagram_lists_the_layers_in_order() -> None:
    diagram = re.search(r"```text\n(.*?)```", _section(), re.S)
    assert diagram, "the Development section draws the layers in a text block"
    named = re.findall(r"\b(core|scenario|sim|results|studies|charts|report)/", diagram.group(1))
    assert named == list(reversed(LAYERS)), "top to bottom, as the layers stack"


@pytest.mark.parametrize("layer", LAYERS)
def test_the_readme_says_where_each_concept_of_a_layer_lives(layer: str) -> None:
    """Every module the section names exists, and every module of every layer is named
    (so a newcomer finds each concept by its file)."""
    section = _section()
    named = set(
        re.findall(r"`((?:core|scenario|sim|results|studies|charts|report)/[\w/]+\.py)`", section)
    )
    for path in named:
        assert (PACKAGE / path).is_file(), f"README names {path}, which does not exist"
    files = {
        str(p.relative_to(PACKAGE))
        for p in (PACKAGE / layer).rglob("*.py")
        if p.name != "__init__.py" and "_lpg_native" not in p.parts
    }
    assert files - named == set(), f"modules of {layer}/ the README does not place"
