"""A run's charts drawn beside the run, not after it.

``gasroutes run`` starts a chart process before it simulates: while the command loads the
scenario and simulates on one core, that process imports the charting library and warms
its font cache on the other. When the run is done the command hands it the result (a
pickle of a few MB) and writes the tables while the process, split in two, draws the
charts. The files are the same as :func:`gasroutes.charts.run.save_charts` draws.

The process ignores Ctrl-C (the command handles it), ends when the command dies (the
watch of :mod:`gasroutes.core.workers`), and never creates a folder: the command makes
the charts folder before handing over, so a chart process outliving an interrupted run
cannot bring back a temporary folder the command removed.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import signal
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.core.workers import start_chart_worker, start_worker

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from gasroutes.results.result import Result

__all__ = ["ChartProcess"]


class ChartProcess:
    """A process that draws one run's charts; :meth:`start` it before the run."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self._process = process
        self._conn = conn
        self._sent: list[str] = []

    @classmethod
    def start(cls) -> ChartProcess | None:
        """Start the process; None where it would not help (one core, or no fork)."""
        if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        ctx = multiprocessing.get_context("fork")
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(theirs,), name="gasroutes-charts", daemon=True)
        process.start()
        theirs.close()
        return cls(process, ours)

    def draw(self, res: Result, folder: Path, *, svg: bool = False, dpi: int = 150) -> list[Path]:
        """Hand the run over: its charts are drawn into ``folder`` (made here) until
        :meth:`wait`; return the PNG paths they will have."""
        from gasroutes.charts import run_chart_names

        names = run_chart_names(res.lpg_queues is not None)  # without importing matplotlib
        folder.mkdir(parents=True, exist_ok=True)
        self._conn.send((res, folder, svg, dpi, names))
        self._sent = names
        return [folder / f"{n}.png" for n in names]

    def wait(self) -> None:
        """Wait until every chart is drawn; a chart that failed is raised here."""
        try:
            status, text = self._conn.recv()
        except EOFError:
            raise RuntimeError("the chart process ended before drawing the charts") from None
        if status != "ok":
            raise RuntimeError(f"drawing the charts failed:\n{text}")

    def close(self) -> None:
        """End the process (at once if it is still drawing: the run was interrupted)."""
        with contextlib.suppress(OSError):
            self._conn.send(None)  # a process still waiting for a run ends
        self._conn.close()
        self._process.join(timeout=0.2)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=2)


def _warm() -> None:
    """Import the charting code and draw a tiny figure with text, so fonts are loaded."""
    from matplotlib.figure import Figure

    import gasroutes.charts.run  # noqa: F401  (the charts and what they import)

    fig = Figure(figsize=(1, 1))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("warm 0123456789")
    fig.savefig(io.BytesIO(), format="png", dpi=30)


def _serve(conn: Connection) -> None:
    start_chart_worker()
    _warm()
    job: Any = conn.recv()
    if job is None:
        return
    res, folder, svg, dpi, names = job
    from gasroutes.charts.run import DRAW_ORDER, prepare_tables

    prepare_tables(res)  # once, before the split: both halves share them
    order = sorted(names, key=lambda n: DRAW_ORDER.index(n) if n in DRAW_ORDER else 99)
    mine, theirs = order[0::2], order[1::2]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the other half
        os.close(read)
        start_worker()
        failure = _draw_all(res, theirs, folder, svg, dpi)
        os.write(write, failure.encode("utf-8", "backslashreplace"))
        os._exit(1 if failure else 0)
    os.close(write)
    signal.signal(signal.SIGTERM, lambda *_: _end(child))
    failure = _draw_all(res, mine, folder, svg, dpi)
    with os.fdopen(read, "rb") as pipe:
        other = pipe.read().decode("utf-8", "replace")
    _, code = os.waitpid(child, 0)
    failure = failure or other or ("" if code == 0 else "the second chart process failed")
    conn.send(("error", failure) if failure else ("ok", ""))


def _end(child: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(child, signal.SIGKILL)
    os._exit(1)


def _draw_all(res: Result, names: list[str], folder: Path, svg: bool, dpi: int) -> str:
    from gasroutes.charts.run import draw_chart

    for name in names:
        try:
            draw_chart(res, name, folder, svg, dpi)
        except Exception:  # told to the command, which raises it
            return f"{name}: {traceback.format_exc()}"
    return ""
