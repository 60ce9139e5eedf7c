"""A run's charts drawn beside the run, not after it.

``gasroutes run`` starts its chart processes first of all, before it reads the scenario:
while the command loads and simulates on one core, they import pandas and matplotlib and
warm the font cache on the other. When the run is done the command hands each of them the
run's tables (:class:`gasroutes.charts.RunCharts`, a pickle of about 12 MB that needs no
model module to unpickle) and its share of the charts, and writes the tables while they
draw. The files are the same as :func:`gasroutes.charts.run.save_charts` draws.

The first process warms up, then forks the second, so the warming takes one core while the
command works on the other. The processes ignore Ctrl-C (the command handles it), end
when the command dies (the watch of :mod:`gasroutes.core.workers`), and never create a
folder: the command makes the charts folder before handing over, so a chart process
outliving an interrupted run cannot bring back a temporary folder the command removed.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import multiprocessing
import os
import pickle
import sys
import threading
import traceback
import warnings
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.charts import COST
from gasroutes.core.workers import start_chart_worker

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from gasroutes.charts import RunCharts
    from gasroutes.results.result import Result

__all__ = ["ChartProcess", "font_cache_built", "share_out"]

# Seconds a process that may be building matplotlib's font cache (the first run on a
# machine) is given to finish warming up, when it was never handed a run, before it is
# killed.
WARM_TIMEOUT = 10.0


def share_out(names: list[str], shares: int) -> list[list[str]]:
    """The charts ``names`` in ``shares`` groups of about equal drawing time, every name
    in exactly one group: the best split of all (a run has seven charts, two processes
    draw them: 128 splits), or the costliest first, each to the least loaded group, when
    there are too many splits to try."""
    cost = [COST.get(n, 1.0) for n in names]
    if shares ** len(names) > 4096:
        return _greedy(names, shares)
    best: tuple[float, tuple[int, ...]] | None = None
    for split in itertools.product(range(shares), repeat=len(names)):
        load = [0.0] * shares
        for group, c in zip(split, cost, strict=True):
            load[group] += c
        if best is None or max(load) < best[0] - 1e-12:
            best = (max(load), split)
    assert best is not None
    return [[n for n, g in zip(names, best[1], strict=True) if g == i] for i in range(shares)]


def _greedy(names: list[str], shares: int) -> list[list[str]]:
    groups: list[list[str]] = [[] for _ in range(shares)]
    load = [0.0] * shares
    for name in sorted(names, key=lambda n: -COST.get(n, 1.0)):
        i = load.index(min(load))
        groups[i].append(name)
        load[i] += COST.get(name, 1.0)
    return groups


def font_cache_built() -> bool:
    """Whether matplotlib's font cache is there, where matplotlib puts it (its config
    folder, else the user's cache folder), without importing matplotlib."""
    try:
        mine = os.environ.get("MPLCONFIGDIR")
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        folder = Path(mine) if mine else Path(cache) / "matplotlib"
        return any(folder.glob("fontlist-v*.json"))
    except (OSError, RuntimeError):  # no home folder: as if it were not built
        return False


class ChartProcess:
    """Processes that draw one run's charts; :meth:`start` them before the run."""

    def __init__(self, process: BaseProcess, conns: list[Connection], font_cache: bool) -> None:
        self._font_cache = font_cache  # whether it was built before the process started
        self._process = process  # the first; it forks the others once warm
        self._conns = conns
        self._busy: list[Connection] = []
        self._sender: threading.Thread | None = None

    @classmethod
    def start(cls, processes: int = 2) -> ChartProcess | None:
        """Start the processes; None where they would not help (one core, or no fork).
        One process imports and warms up, then forks the others: the warming takes one
        core, not ``processes``, while the command simulates on the other."""
        if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        font_cache = font_cache_built()  # before the process could build it
        ctx = multiprocessing.get_context("fork")
        pipes = [ctx.Pipe() for _ in range(processes)]
        process = ctx.Process(
            target=_serve, args=([theirs for _, theirs in pipes],), name="gasroutes-charts"
        )
        process.daemon = True
        process.start()
        for _, theirs in pipes:
            theirs.close()
        return cls(process, [ours for ours, _ in pipes], font_cache)

    def draw(
        self, res: Result, folder: Path, *, svg: bool = False, dpi: int | None = None
    ) -> list[Path]:
        """Hand the run over: its charts are drawn into ``folder`` (made here) until
        :meth:`wait`, at ``dpi`` (the charts' own when None); return the PNG paths they
        will have."""
        from gasroutes.charts import RunCharts

        charts = RunCharts.of(res)  # its tables, not its model: quick to unpickle
        names = charts.names
        folder.mkdir(parents=True, exist_ok=True)
        groups = share_out(names, len(self._conns))
        run = pickle.dumps(charts, protocol=pickle.HIGHEST_PROTOCOL)  # once for every process
        jobs = [(c, g) for c, g in zip(self._conns, groups, strict=True) if g]
        self._busy = [c for c, _ in jobs]

        def hand_over() -> None:  # blocks while a process still warms up: not the command
            try:
                for conn, group in jobs:
                    conn.send_bytes(run)
                    conn.send((folder, svg, dpi, group))
            except OSError:
                pass  # a process that ended: wait() says so

        self._sender = threading.Thread(target=hand_over, name="chart-handover", daemon=True)
        self._sender.start()
        return [folder / f"{n}.png" for n in names]

    def wait(self) -> None:
        """Wait until every chart is drawn; a chart that failed is raised here."""
        if self._sender is not None:
            self._sender.join()
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
        """End the processes, at once: they are drawing a run that was interrupted, or
        were never handed one (bad input, Ctrl-C before the run was done). Only a process
        that may be building matplotlib's font cache (the first run on a machine) is
        left to end by itself once warm: killed while it writes the cache, it could leave
        it half written and locked. A forked one ends when its pipe closes, or within a
        second of the first's end."""
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.send_bytes(pickle.dumps(None))  # a process still waiting ends
            conn.close()
        if self._sender is None:  # still warming up: no point in waiting, but for the cache
            self._process.join(timeout=0 if self._font_cache else WARM_TIMEOUT)
        else:
            self._process.join(timeout=0.2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=2)

    @property
    def alive(self) -> bool:
        """Whether the first process is still running (for tests)."""
        return self._process.is_alive()

    @property
    def exitcode(self) -> int | None:
        """The first process's exit status: None while it runs, minus the signal's
        number when it was killed (for tests)."""
        return self._process.exitcode


def _warm() -> None:
    """Import the charting code and draw a tiny figure with text, so fonts are loaded;
    then set aside what is loaded, so the garbage collector does not walk it again. The
    run comes as :class:`gasroutes.charts.RunCharts`, tables only: the model's modules
    (the scenario's, the simulation's) are never imported here."""
    # pandas imports pyarrow if it is installed, a tenth of this start-up; the tables
    # come with Python strings (RunCharts.of), and nothing here reads Arrow
    sys.modules.setdefault("pyarrow", None)  # type: ignore[arg-type]
    import pandas as pd

    # matplotlib registers its 3D axes on import, a fifth of its import time; no chart
    # of a run is 3D, and this process draws nothing else
    sys.modules.setdefault("mpl_toolkits.mplot3d", None)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unable to import Axes3D")
        from matplotlib.figure import Figure

        import gasroutes.charts.run  # noqa: F401

    # text columns as Python strings whatever is installed: the charts iterate over ids,
    # which Arrow-backed strings make slow; the values, hence the files, are the same
    pd.set_option("mode.string_storage", "python")
    fig = Figure(figsize=(1, 1))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("warm 0123456789")
    fig.savefig(io.BytesIO(), format="png", dpi=30)
    gc.freeze()  # no collection first: the little garbage there is stays, uncollected


def _serve(conns: list[Connection]) -> None:
    start_chart_worker()
    _warm()
    mine = conns[0]
    twins = []
    for conn in conns[1:]:  # one twin per other pipe, each warm from birth
        pid = os.fork()
        if pid:
            twins.append(pid)
        else:
            start_chart_worker()  # its own watch: of the first process
            for other in conns:
                if other is not conn:
                    other.close()
            mine = conn
            break
    else:
        for conn in conns[1:]:
            conn.close()
    try:
        run = mine.recv_bytes()  # the run, or a pickled None: nothing to draw
        res: Any = pickle.loads(run)
        job: Any = mine.recv() if res is not None else None
    except (EOFError, OSError):
        job = None
    if job is not None:
        folder, svg, dpi, names = job
        with contextlib.suppress(OSError):
            mine.send(_draw_all(res, names, folder, svg, dpi))
    if mine is not conns[0]:
        os._exit(0)  # a twin: no multiprocessing clean-up of its own
    # the twins watch this process: it stays until they are done, or they would end
    for pid in twins:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    # at once: tearing down the interpreter (the run's tables, the figures' objects)
    # takes a tenth of a second or two the command would wait for; nothing is left to
    # flush (the charts are written and closed, and this process prints nothing)
    os._exit(0)


def _draw_all(
    run: RunCharts, names: list[str], folder: Path, svg: bool, dpi: int | None
) -> tuple[str, str]:
    from gasroutes.charts.axes import DPI
    from gasroutes.charts.run import draw_chart

    for name in names:
        try:
            draw_chart(run, name, folder, svg, dpi or DPI)
        except Exception:  # told to the command, which raises it
            return "error", f"{name}: {traceback.format_exc()}"
    return "ok", ""
