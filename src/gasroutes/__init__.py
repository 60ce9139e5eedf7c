"""gasroutes: discrete-event simulation of a gas exporter's trade flows.

The Python API mirrors the command line::

    import gasroutes
    scenario = gasroutes.load_scenario("scenarios/baseline.yaml")
    result = gasroutes.run(scenario)
    result.annual            # a DataFrame
    result.write("outputs/baseline")

Heavy modules load on first use, so ``import gasroutes`` and ``gasroutes --help`` are quick.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .errors import ConservationError, GasroutesError, RunFolderError, ScenarioError

if TYPE_CHECKING:
    from .backtest import backtest
    from .compare import compare
    from .model import run
    from .records import Result
    from .replicate import run_replications
    from .scenario import Scenario, load_scenario, scenario_from_dict
    from .sweep import sweep

__all__ = [
    "ConservationError",
    "GasroutesError",
    "Result",
    "RunFolderError",
    "Scenario",
    "ScenarioError",
    "backtest",
    "compare",
    "load_scenario",
    "run",
    "run_replications",
    "scenario_from_dict",
    "sweep",
]

_LAZY = {
    "backtest": "backtest",
    "compare": "compare",
    "sweep": "sweep",
    "run": "model",
    "run_replications": "replicate",
    "Result": "records",
    "Scenario": "scenario",
    "load_scenario": "scenario",
    "scenario_from_dict": "scenario",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'gasroutes' has no attribute {name!r}")


class _Package(types.ModuleType):
    """``compare`` and ``backtest`` are both functions of this package and modules in it.
    Importing such a module (which the command line and ``from gasroutes.compare import
    ...`` do) sets the package attribute of its name to the module, so
    ``gasroutes.compare(...)`` would then fail with "'module' object is not callable".
    Refuse that attribute: the name stays the function, found by ``__getattr__``, and the
    module stays in ``sys.modules`` for ``from gasroutes.compare import ...``."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
