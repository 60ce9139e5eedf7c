"""Exceptions raised by gasroutes.

Every error a user can cause derives from :class:`GasroutesError`. The command line turns
them into a one-paragraph message and exit status 2 (bad input) or 1 (a failed run).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConservationError",
    "DataError",
    "GasroutesError",
    "RunFolderError",
    "ScenarioError",
]


class GasroutesError(Exception):
    """Base class of every error gasroutes raises on purpose."""


class ScenarioError(GasroutesError, ValueError):
    """A scenario file (or a mapping passed in its place) is invalid.

    ``file`` is the file the bad value came from, ``path`` the field path inside the
    scenario (``events[3].route``), ``value`` the offending value and ``allowed`` a short
    statement of what would be accepted. ``problems`` holds every problem found when the
    loader could collect more than one; the message lists them all.
    """

    def __init__(
        self,
        file: str,
        path: str,
        value: Any,
        allowed: str,
        problem: str = "invalid value",
        *,
        problems: list[tuple[str, str, Any, str, str]] | None = None,
    ) -> None:
        self.file = file
        self.path = path
        self.value = value
        self.allowed = allowed
        self.problem = problem
        self.problems = problems or [(file, path, value, allowed, problem)]
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [_render_one(*p) for p in self.problems[:10]]
        more = len(self.problems) - 10
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        return "\n".join(lines)


def _render_one(file: str, path: str, value: Any, allowed: str, problem: str) -> str:
    where = f"{file}: {path}" if path else file
    shown = _short(value)
    return f"{where}: {problem} (got {shown}); allowed: {allowed}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ConservationError(GasroutesError):
    """Mass does not balance at some node on some day of a finished run."""

    def __init__(self, day: str, node: str, imbalance: float, relative: float) -> None:
        self.day = day
        self.node = node
        self.imbalance = imbalance
        self.relative = relative
        super().__init__(
            f"conservation of mass fails on {day} at node {node!r}: imbalance {imbalance:.6g} "
            f"(relative {relative:.3g}, tolerance 1e-9)"
        )


class RunFolderError(GasroutesError):
    """A folder given as a run's results is missing, incomplete or incompatible."""


class DataError(GasroutesError, ValueError):
    """A data file given on the command line (an observed table, say) is malformed."""
