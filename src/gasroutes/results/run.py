"""One run, start to finish: simulate, build the results, check them."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, TypeVar

from gasroutes.results.result import Result
from gasroutes.sim.run import simulate

if TYPE_CHECKING:
    from gasroutes.results.lpg import LpgResult
    from gasroutes.scenario.model import Scenario

__all__ = ["LpgCache", "checked", "run"]

R = TypeVar("R", bound=Result)


class LpgCache:
    """The LPG records of the last few chains run, by :func:`gasroutes.sim.run.lpg_key`.

    Sweep points that differ only in the pipeline gas (a price, a capacity, a contract)
    and share a seed run the same LPG chain: with a cache, a worker runs it once and
    reuses its records, which are the same numbers by construction (the key covers every
    input of the chain)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._records: OrderedDict[str, LpgResult] = OrderedDict()
        self.hits = 0

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def get(self, key: str) -> LpgResult:
        self._records.move_to_end(key)
        self.hits += 1
        return self._records[key]

    def put(self, key: str, records: LpgResult) -> None:
        self._records[key] = records
        self._records.move_to_end(key)
        while len(self._records) > self.size:
            self._records.popitem(last=False)


def run(
    scenario: Scenario,
    seed: int | None = None,
    *,
    trace: bool = False,
    trucks: str = "fleet",
    lpg: bool = True,
    cache: LpgCache | None = None,
) -> Result:
    """Simulate a scenario and return its checked results (the options are those of
    :func:`gasroutes.sim.run.simulate`; ``cache`` reuses the LPG records of an earlier run
    with the same LPG inputs, and keeps this run's)."""
    sim = simulate(
        scenario,
        seed,
        trace=trace,
        trucks=trucks,
        lpg=lpg,
        known=cache if cache is not None and not trace else (),
    )
    result = Result.build(sim)
    if cache is not None and sim.lpg_key is not None:
        if sim.lpg is None:
            result.lpg = cache.get(sim.lpg_key)
        elif result.lpg is not None:
            cache.put(sim.lpg_key, result.lpg)
    return checked(result)


def checked(result: R) -> R:
    """``result``, once checked: raises ConservationError if mass does not balance and
    NonFiniteError if a number is not finite (either would be a bug in the model, never
    in the input)."""
    result.check_conservation()
    result.check_finite()
    return result
