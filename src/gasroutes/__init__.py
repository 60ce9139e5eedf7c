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

from typing import TYPE_CHECKING, Any

from .errors import ConservationError, GasroutesError, RunFolderError, ScenarioError

if TYPE_CHECKING:
    from .backtest import backtest
    from .compare import compare
    from .model import run
    from .records import Result
    from .scenario import Scenario, load_scenario, scenario_from_dict

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
    "scenario_from_dict",
]

_LAZY = {
    "backtest": "backtest",
    "compare": "compare",
    "run": "model",
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
