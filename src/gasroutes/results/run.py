"""One run, start to finish: simulate, build the results, check them."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from gasroutes.results.result import Result
from gasroutes.sim.run import simulate

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario

__all__ = ["checked", "run"]

R = TypeVar("R", bound=Result)


def run(
    scenario: Scenario,
    seed: int | None = None,
    *,
    trace: bool = False,
    trucks: str = "fleet",
    lpg: bool = True,
) -> Result:
    """Simulate a scenario and return its checked results (the options are those of
    :func:`gasroutes.sim.run.simulate`)."""
    return checked(Result.build(simulate(scenario, seed, trace=trace, trucks=trucks, lpg=lpg)))


def checked(result: R) -> R:
    """``result``, once checked: raises ConservationError if mass does not balance and
    NonFiniteError if a number is not finite (either would be a bug in the model, never
    in the input)."""
    result.check_conservation()
    result.check_finite()
    return result
