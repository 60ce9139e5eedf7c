"""A run's charts drawn beside the run, not after it.

``gasroutes run`` starts two chart processes before it simulates: while the command loads
the scenario and simulates on one core, they import the charting library and warm its
font cache. When the run is done the command hands each of them the result (a pickle of
a few MB) and its share of the charts, and writes the tables while they draw. The files
are the same as :func:`gasroutes.charts.run.save_charts` draws.

The processes ignore Ctrl-C (the command handles it), end when the command dies (the
watch of :mod:`gasroutes.core.workers`), and never create a folder: the command makes the
charts folder before handing over, so a chart process outliving an interrupted run cannot
bring back a temporary folder the command removed.
"""

from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing
import os
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.core.workers import start_chart_worker

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from gasroutes.results.result import Result

__all__ = ["ChartProcess", "share_out"]

# How long each chart takes to draw, relative to the others (measured on the baseline and
# historical runs): the charts are shared out so that the processes finish together.
COST = {
    "route_flows": 1.25,
    "deliveries": 1.2,
    "annual_exports": 0.7,
    "lpg_chain": 0.6,
    "revenue_arrears": 0.55,
    "network_map": 0.5,
    "production": 0.35,
}


def share_out(names: list[str], shares: int) -> list[list[str]]:
    """The charts ``names`` in ``shares`` groups of about equal drawing time (the
    costliest first, each to the least loaded group); every name in exactly one group."""
    groups: list[list[str]] = [[] for _ in range(shares)]
    load = [0.0] * shares
    for name in sorted(names, key=lambda n: -COST.get(n, 1.0)):
        i = load.index(min(load))
        groups[i].append(name)
        load[i] += COST.get(name, 1.0)
    return groups


class ChartProcess:
    """Processes that draw one run's charts; :meth:`start` them before the run."""

    def __init__(self, workers: list[tuple[BaseProcess, Connection]]) -> None:
        self._workers = workers
        self._busy: list[Connection] = []

    @classmethod
    def start(cls, processes: int = 2) -> ChartProcess | None:
        """Start the processes; None where they would not help (one core, or no fork)."""
        if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        ctx = multiprocessing.get_context("fork")
        workers: list[tuple[BaseProcess, Connection]] = []
        for i in range(processes):
            ours, theirs = ctx.Pipe()
            process = ctx.Process(
                target=_serve, args=(theirs,), name=f"gasroutes-charts-{i}", daemon=True
            )
            process.start()
            theirs.close()
            workers.append((process, ours))
        return cls(workers)

    def draw(self, res: Result, folder: Path, *, svg: bool = False, dpi: int = 150) -> list[Path]:
        """Hand the run over: its charts are drawn into ``folder`` (made here) until
        :meth:`wait`; return the PNG paths they will have."""
        from gasroutes.charts import run_chart_names

        names = run_chart_names(res.lpg_queues is not None)  # without importing matplotlib
        folder.mkdir(parents=True, exist_ok=True)
        groups = share_out(names, len(self._workers))
        for (_, conn), group in zip(self._workers, groups, strict=True):
            if group:
                conn.send((res, folder, svg, dpi, group))
                self._busy.append(conn)
        return [folder / f"{n}.png" for n in names]

    def wait(self) -> None:
        """Wait until every chart is drawn; a chart that failed is raised here."""
        failures = []
        for conn in self._busy:
            try:
                status, text = conn.recv()
            except EOFError:
                status, text = "error", "a chart process ended before drawing its charts"
            if status != "ok":
                failures.append(text)
        self._busy = []
        if failures:
            raise RuntimeError("drawing the charts failed:\n" + "\n".join(failures))

    def close(self) -> None:
        """End the processes (at once if they are still drawing: the run was interrupted)."""
        for process, conn in self._workers:
            with contextlib.suppress(OSError):
                conn.send(None)  # a process still waiting for a run ends
            conn.close()
            process.join(timeout=0.2)
            if process.is_alive():
                process.kill()
                process.join(timeout=2)


def _warm() -> None:
    """Import the charting code and draw a tiny figure with text, so fonts are loaded;
    then set aside what is loaded, so the garbage collector does not walk it again."""
    import pandas as pd
    from matplotlib.figure import Figure

    import gasroutes.charts.run  # noqa: F401  (the charts and what they import)

    # text columns as Python strings whatever is installed: the charts iterate over ids,
    # which Arrow-backed strings make slow; the values, hence the files, are the same
    pd.set_option("mode.string_storage", "python")
    fig = Figure(figsize=(1, 1))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("warm 0123456789")
    fig.savefig(io.BytesIO(), format="png", dpi=30)
    gc.collect()
    gc.freeze()


def _serve(conn: Connection) -> None:
    start_chart_worker()
    _warm()
    job: Any = conn.recv()
    if job is None:
        return
    res, folder, svg, dpi, names = job
    conn.send(_draw_all(res, names, folder, svg, dpi))


def _draw_all(res: Result, names: list[str], folder: Path, svg: bool, dpi: int) -> tuple[str, str]:
    from gasroutes.charts.run import draw_chart

    for name in names:
        try:
            draw_chart(res, name, folder, svg, dpi)
        except Exception:  # told to the command, which raises it
            return "error", f"{name}: {traceback.format_exc()}"
    return "ok", ""
