"""Exceptions raised by gasroutes.

Every error a user can cause derives from :class:`GasroutesError`. The command line turns
them into a one-paragraph message and exit status 2 (bad input) or 1 (a failed run).
"""

from __future__ import annotations

import contextlib
import reprlib
import sys
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = [
    "ConservationError",
    "DataError",
    "GasroutesError",
    "NonFiniteError",
    "RunFailedError",
    "RunFolderError",
    "ScenarioError",
    "ScenarioNote",
    "notes_shown",
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
    got = "" if value is None or value == "" else f" (got {short(value)})"
    return f"{where}: {problem}{got}; allowed: {allowed}"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 3, 4, 6, 6, 6
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 60, 60, 40


def short(value: Any) -> str:
    """A value as a message shows it: at most 80 characters, found without walking or
    printing all of a large value (reprlib looks at the first few items only)."""
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()  # np.float64(nan) reads as nan
    text = _REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class RunFailedError(GasroutesError):
    """A run (or a replication, a calibration run) failed inside the model or its worker
    process died: an internal failure, exit status 1, not bad input."""


class ConservationError(RunFailedError):
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


class NonFiniteError(RunFailedError):
    """A finished run produced a value that is not a finite number (NaN or infinite)."""

    def __init__(self, where: str, day: str | None = None) -> None:
        self.where = where
        self.day = day
        on = f" on {day}" if day else ""
        super().__init__(
            f"the run produced a value that is not a finite number in {where}{on}; "
            "no table was written"
        )


class RunFolderError(GasroutesError):
    """A folder given as a run's results is missing, incomplete or incompatible."""


class ScenarioNote(UserWarning):
    """Something gasroutes did to a scenario while reading it that its author should know
    (inherited events left out of a shortened horizon); not an error."""


class DataError(GasroutesError, ValueError):
    """A data file given on the command line (an observed table, say) is malformed."""


@contextlib.contextmanager
def notes_shown() -> Iterator[None]:
    """Show each ScenarioNote as a line ``gasroutes: note: ...`` on stderr, every time."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", ScenarioNote)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *rest: Any, **kw: Any) -> None:
            if issubclass(category, ScenarioNote):
                print(f"gasroutes: note: {message}", file=sys.stderr)
            else:
                shown(message, category, *rest, **kw)

        warnings.showwarning = show
        yield
