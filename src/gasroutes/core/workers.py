"""Worker processes (replications, sweeps, hindcasts, chart drawing): how they start.

A worker is forked from the command's process and would inherit its signal handlers: the
command's SIGTERM handler turns a pool's shutdown (which sends SIGTERM to its workers)
into a traceback per worker. And a worker whose parent is killed outright (``kill -9``)
would wait for work forever. :func:`start_worker`, every pool's initializer, restores
SIGTERM and starts a watch that ends the worker within a second of its parent's death.
"""

from __future__ import annotations

import os
import signal
import threading
import time

__all__ = ["start_chart_worker", "start_worker"]

WATCH_SECONDS = 1.0


def start_worker() -> None:
    """The initializer of a worker of a process pool."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def start_chart_worker() -> None:
    """The initializer of a chart-drawing worker: as :func:`start_worker`, and Ctrl-C is
    left to the command (which stops the pool; the charts are redrawn on the next run)."""
    start_worker()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # the parent died: nobody will collect this worker's results
