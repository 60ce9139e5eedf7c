"""A run's charts drawn beside the run, not after it.

``gasroutes run`` starts its chart processes first of all, before it reads the scenario:
while the command loads and simulates on one core, they import pandas and matplotlib and
warm the font cache on the other. When the run is done the command hands each of them the
run's title, events and map, then its tables one at a time in the order the charts need
them (what :class:`gasroutes.charts.RunCharts` holds, about 12 MB pickled, no model module
needed to unpickle), and writes the tables while they draw. Each process takes the next chart of
:func:`gasroutes.charts.draw_order` as soon as it is free and that chart's tables are in.
The files are the same as :func:`gasroutes.charts.run.save_charts` draws.

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
import multiprocessing
import os
import pickle
import queue
import sys
import threading
import traceback
import warnings
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.charts import draw_order, run_chart_names
from gasroutes.core.workers import start_chart_worker

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from gasroutes.charts import RunCharts
    from gasroutes.results.result import Result

__all__ = ["ChartProcess", "font_cache_built"]

# Seconds a process that may be building matplotlib's font cache (the first run on a
# machine) is given to finish warming up, when it was never handed a run, before it is
# killed.
WARM_TIMEOUT = 10.0

# The token that tells a chart process no chart is left (a run has fewer charts).
STOP = 255


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
        self, res: Result | RunCharts, folder: Path, *, svg: bool = False, dpi: int | None = None
    ) -> list[Path]:
        """Hand the run over: its charts are drawn into ``folder`` (made here) until
        :meth:`wait`, at ``dpi`` (the charts' own when None); return the PNG paths they
        will have. The processes get the run's title, events and map first, then its
        tables one by one in the order the charts need them (the two smallest first),
        and each takes the next chart as soon as it is free and the chart's tables are
        there."""
        from gasroutes.charts import RunCharts, header, table, tables_in_order

        # whether it has an LPG chain, without building the chain's table first
        lpg = res.lpg_queues if isinstance(res, RunCharts) else res.lpg
        names = run_chart_names(lpg is not None)
        order = draw_order(names, len(self._conns))
        assert len(order) < STOP, "one byte a chart: fewer than 255 charts"
        folder.mkdir(parents=True, exist_ok=True)
        outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        outbox.put(_dumps((header(res), (folder, svg, dpi, order))))
        self._busy = list(self._conns)

        def hand_over() -> None:  # blocks while a process still warms up: not the command
            ended: set[int] = set()
            for message in iter(outbox.get, None):
                for i, conn in enumerate(self._conns):
                    if i in ended:
                        continue
                    try:
                        conn.send_bytes(message)
                    except OSError:  # a process that ended (wait() says so): the others
                        ended.add(i)  # still get everything

        self._sender = threading.Thread(target=hand_over, name="chart-handover", daemon=True)
        self._sender.start()
        try:
            for name in tables_in_order(order):  # built here, for the tables written next too
                outbox.put(_dumps((name, table(res, name))))
        finally:  # the hand-over ends even if building a table fails or is interrupted
            outbox.put(None)
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
        second of the first's end. A hand-over still under way is not written over: it
        ends when the processes do (its pipes break)."""
        sender = self._sender
        for conn in self._conns:
            if sender is None:  # a process still waiting for a run ends
                with contextlib.suppress(OSError):
                    conn.send_bytes(pickle.dumps(None))
            if sender is None or not sender.is_alive():
                conn.close()
        if sender is None:  # still warming up: no point in waiting, but for the cache
            self._process.join(timeout=0 if self._font_cache else WARM_TIMEOUT)
        else:
            self._process.join(timeout=0.2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=2)
        if sender is not None and sender.is_alive():
            sender.join(timeout=2)  # the pipe to a process that ended breaks: it stops
        for conn in self._conns:
            conn.close()  # (closing twice does nothing)

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


def _dumps(message: object) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _serve(conns: list[Connection]) -> None:
    start_chart_worker()
    _warm()
    # the charts are handed out as tokens in a pipe all the processes share: one byte per
    # chart, read one at a time (a read of one byte from a pipe is whole), then one stop
    # byte per process; the first process writes them once it knows the charts
    tokens, tokens_in = os.pipe()
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
        first: Any = pickle.loads(mine.recv_bytes())  # the run, or None: nothing to draw
    except (EOFError, OSError):
        first = None
    if first is not None:
        head, (folder, svg, dpi, order) = first
        if mine is conns[0]:
            os.write(tokens_in, bytes(range(len(order))) + bytes([STOP]) * len(conns))
        with contextlib.suppress(OSError):
            mine.send(_draw_all(_Tables(mine), head, order, tokens, folder, svg, dpi))
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


class _Tables:
    """The run's tables as they come in: read from the pipe by a thread of their own, so
    the command never waits for a process that is drawing, and handed out when there."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._have: dict[str, Any] = {}
        self._ended = False  # the pipe closed, or the command said to stop
        self.error = ""  # why the tables stopped coming, when it was not the pipe
        self._changed = threading.Condition()
        threading.Thread(target=self._read, name="chart-tables", daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                message: Any = pickle.loads(self._conn.recv_bytes())
                if message is None:
                    break  # closed by the command: the run was interrupted
                with self._changed:
                    self._have[message[0]] = message[1]
                    self._changed.notify_all()
        except (EOFError, OSError):  # the pipe closed or broke: no more will come
            pass
        except Exception:  # a message that does not unpickle: said with the chart's error
            self.error = traceback.format_exc()
            self._conn.close()  # so the command's sender stops (its pipe breaks), not blocks
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def get(self, names: tuple[str, ...]) -> dict[str, Any] | None:
        """The tables ``names`` (and those already in), once in; None if they never
        will be."""
        with self._changed:
            self._changed.wait_for(lambda: self._ended or all(n in self._have for n in names))
            if not all(n in self._have for n in names):
                return None
            return dict(self._have)


def _draw_all(
    tables: _Tables,
    head: dict[str, Any],
    order: list[str],
    tokens: int,
    folder: Path,
    svg: bool,
    dpi: int | None,
) -> tuple[str, str]:
    """Draw the next chart of ``order`` not yet taken (by this process or another), as
    the pipe ``tokens`` hands them out, until none is left."""
    from gasroutes.charts import READS, TABLES, RunCharts
    from gasroutes.charts.axes import DPI
    from gasroutes.charts.run import draw_chart

    while True:
        token = os.read(tokens, 1)
        if not token or token[0] == STOP or token[0] >= len(order):
            return "ok", ""
        name = order[token[0]]
        have = tables.get(READS.get(name, TABLES))
        if have is None:
            return "error", f"{name}: the run's tables did not all come\n{tables.error}"
        kept: dict[str, Any] = {t: have.get(t) for t in TABLES}
        run = RunCharts(**head, **kept)
        try:
            draw_chart(run, name, folder, svg, dpi or DPI)
        except Exception:  # told to the command, which raises it
            return "error", f"{name}: {traceback.format_exc()}"
