"""The ``gasroutes`` commands' arguments: the parser, and the checks of each number given
on the command line (a bad one is argparse's exit 2 with a message)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gasroutes.core.errors import short
from gasroutes.core.limits import MAX_REPLICATIONS, MAX_SEED, MAX_SWEEP_RUNS

__all__ = ["build_parser"]

MAX_WORKERS = 256


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad arguments already; keep its message, drop nothing."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command and its arguments."""
    parser = _Parser(
        prog="gasroutes",
        description="Simulate a gas exporter's trade flows (pipelines, buyers, contracts, "
        "dated events) with SimPy.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    parser.add_argument("--version", action="version", version=f"gasroutes {_version()}")
    # the global flags are taken after the command too (gasroutes run -v ...)
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress"
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    def command(name: str, **k: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, parents=[common], **k)
        return parser

    p = command(
        "run",
        help="run a scenario and write its output folder",
        description="Run a scenario file and write tables (and charts) to "
        "outputs/<scenario name>/ or --out DIR.",
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default: outputs/<scenario name>/)"
    )
    p.add_argument(
        "--seed", type=_non_negative_int, metavar="N", help="override the scenario's seed"
    )
    p.add_argument(
        "--replications",
        type=_replications,
        default=1,
        metavar="N",
        help="run N replications with seeds derived from the seed (the first is the seed "
        "itself) into outputs/<scenario name>-xN/; tables gain a replication column, "
        "summary.json the spread of each KPI",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="worker processes for replications (default 1; results do not depend on it)",
    )
    p.add_argument("--no-charts", action="store_true", help="skip drawing charts")
    p.add_argument("--svg", action="store_true", help="also write SVG charts")
    _output_options(p, "the folder")

    v = command(
        "validate",
        help="check scenario files without running them",
        description="Validate scenario files. Exit 0 when all are valid, "
        "2 otherwise, with one message per invalid file.",
    )
    v.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO.yaml")

    c = command(
        "compare",
        help="compare runs side by side",
        description="Compare runs: each argument is a run folder or a scenario file (run "
        "first). Writes kpis.csv, charts and report.html to --out DIR (default: "
        "outputs/compare-<first>-<second>...). The first run is the reference for the "
        "differences.",
    )
    c.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR_OR_SCENARIO")
    c.add_argument("--out", type=Path, metavar="DIR", help="output folder")
    c.add_argument(
        "--replications",
        type=_replications,
        default=1,
        metavar="N",
        help="run each scenario file N times (seeds derived from its seed); differences "
        "then get 95%% confidence intervals, paired when the runs share seeds",
    )
    c.add_argument("--workers", type=_workers, default=1, metavar="N", help="worker processes")
    _output_options(c, "the runs of scenario files kept under DIR/runs/")
    c.add_argument(
        "--excel",
        action="store_true",
        help="also write compare.xlsx: the key figures and the annual tables, a sheet each "
        "(needs gasroutes[excel])",
    )

    w = command(
        "sweep",
        help="run a parameter sweep",
        description="Run every point of a sweep file (grid, random or lhs design, with "
        "replications) in a local process pool, or on a Dask cluster with --scheduler. Writes "
        "runs.csv, annual.csv, sweep.json, charts and report.html to --out DIR (default: "
        "outputs/sweeps/<name>/). Results are recorded as runs finish; --resume finishes an "
        "interrupted sweep.",
    )
    w.add_argument("sweep", type=Path, metavar="SWEEP.yaml")
    w.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="local worker processes (default 1)",
    )
    w.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (needs gasroutes[dask])",
    )
    w.add_argument("--out", type=Path, metavar="DIR", help="output folder")
    w.add_argument("--resume", action="store_true", help="finish an interrupted sweep")
    w.add_argument("--keep-runs", action="store_true", help="also keep every run's folder")
    _output_options(w, "each kept run's folder (--keep-runs)")
    w.add_argument(
        "--max-runs",
        type=_positive_int,
        default=MAX_SWEEP_RUNS,
        metavar="N",
        help=f"refuse a sweep of more than N runs (points x replications; default "
        f"{MAX_SWEEP_RUNS:,})",
    )

    k = command(
        "calibrate",
        help="fit a scenario's parameters to observed tables",
        description="Fit the parameters a calibration file names (with bounds) to its "
        "observed tables, on the years up to its fit_until date only. Writes fitted.json, "
        "fit.csv, fit.png and report.html to --out DIR (default: "
        "outputs/calibration/<name>/).",
    )
    k.add_argument("calibration", type=Path, metavar="CALIBRATION.yaml")
    k.add_argument("--out", type=Path, metavar="DIR", help="output folder")

    h = command(
        "hindcast",
        help="test a calibration on the years it did not see",
        description="For each origin Y: calibrate on the years up to Y only, run the "
        "scenario, and score the years after Y (up to the last observed year) against the "
        "record and against persistence (Y's value held flat). Writes hindcast.csv, "
        "hindcast.json, hindcast.png and report.html to --out DIR (default: "
        "outputs/hindcast/<name>/).",
    )
    h.add_argument("calibration", type=Path, metavar="CALIBRATION.yaml")
    h.add_argument(
        "--origins", type=_year, nargs="+", required=True, metavar="YEAR", help="origin years"
    )
    h.add_argument("--out", type=Path, metavar="DIR", help="output folder")
    h.add_argument("--workers", type=_workers, default=2, metavar="N", help="processes (default 2)")

    b = command(
        "backtest",
        help="compare a run's annual exports with observed data",
        description="Compare RUN_DIR/annual.csv with an observed table "
        "(columns year, destination, quantity or bcm). Writes backtest.csv, "
        "backtest.json (MAPE per destination, weighted MAPE) and backtest.png "
        "to RUN_DIR-backtest/ (a folder beside the run, never inside it) or --out DIR.",
    )
    b.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    b.add_argument("observed", type=Path, metavar="OBSERVED.csv")
    b.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: RUN_DIR-backtest/ beside the run)",
    )

    ls = command(
        "list",
        help="list the scenario files of a folder",
        description="List the scenario files in DIR (default scenarios/): run name, "
        "horizon and the question each answers; files that do not load say why.",
    )
    ls.add_argument("folder", type=Path, nargs="?", default=Path("scenarios"), metavar="DIR")

    d = command(
        "diff",
        help="show how two scenarios differ once resolved",
        description="Resolve both scenario files (extends and defaults) and print each value "
        "that differs, by path, and the events and rules added, removed or changed.",
    )
    d.add_argument("a", type=Path, metavar="A.yaml")
    d.add_argument("b", type=Path, metavar="B.yaml")
    return parser


def _output_options(p: argparse.ArgumentParser, what: str) -> None:
    """--tables and --parquet, which say which tables a command writes, in which
    formats."""
    p.add_argument(
        "--tables",
        choices=("all", "annual"),
        default="all",
        help=f"the tables of {what}: all (default) or annual (no daily tables: "
        "annual.csv, events.csv, the summaries and the charts only)",
    )
    p.add_argument(
        "--parquet",
        action="store_true",
        help="also write every table as Parquet, beside its CSV (needs gasroutes[parquet])",
    )


def _version() -> str:
    from importlib.metadata import version

    return version("gasroutes")  # installed by make (pip install -e .)


def _int_at_least(text: str, minimum: int, maximum: int = MAX_SEED) -> int:
    try:
        value = int(text) if len(text) <= 30 else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {short(text)}")
    if value > maximum:
        raise argparse.ArgumentTypeError(f"expected at most {maximum:,}, got {short(text)}")
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def _year(text: str) -> int:
    return _int_at_least(text, 1900, 2200)


def _replications(text: str) -> int:
    return _int_at_least(text, 1, MAX_REPLICATIONS)


def _workers(text: str) -> int:
    return _int_at_least(text, 1, MAX_WORKERS)
