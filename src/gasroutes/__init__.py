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

from gasroutes.core.errors import (
    ConservationError,
    GasroutesError,
    RunFolderError,
    ScenarioError,
    ScenarioNote,
)

if TYPE_CHECKING:
    from gasroutes.api import (
        RunResult,
        backtest,
        compare,
        run,
        run_replications,
        sweep,
    )
    from gasroutes.results.result import Result
    from gasroutes.scenario.loading import load_scenario, scenario_from_dict
    from gasroutes.scenario.model import Scenario

__all__ = [
    "ConservationError",
    "GasroutesError",
    "Result",
    "RunFolderError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "ScenarioNote",
    "backtest",
    "compare",
    "load_scenario",
    "run",
    "run_replications",
    "scenario_from_dict",
    "sweep",
]

_LAZY = {
    "backtest": "gasroutes.api",
    "compare": "gasroutes.api",
    "sweep": "gasroutes.api",
    "run": "gasroutes.api",
    "run_replications": "gasroutes.api",
    "RunResult": "gasroutes.api",
    "Result": "gasroutes.results.result",
    "Scenario": "gasroutes.scenario.loading",
    "load_scenario": "gasroutes.scenario.loading",
    "scenario_from_dict": "gasroutes.scenario.loading",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gasroutes' has no attribute {name!r}")
