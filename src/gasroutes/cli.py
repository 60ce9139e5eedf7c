"""The ``gasroutes`` command line.

Exit status: 0 done; 2 bad input (scenario, arguments, folders) or an interrupted command,
with a message and no traceback; 1 a run that failed inside the model (an internal error).
Heavy imports (pandas, SimPy, matplotlib) happen inside the commands, so ``--help`` is quick.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import math
import os
import signal
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gasroutes.arguments import build_parser as _build_parser
from gasroutes.core.errors import GasroutesError, RunFailedError, notes_shown

if TYPE_CHECKING:
    from gasroutes.charts.background import ChartProcess

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
log = logging.getLogger("gasroutes")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gasroutes`` console script."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        with notes_shown():
            return _dispatch(args)
    except RunFailedError as err:
        print(f"gasroutes: run failed: {err}", file=sys.stderr)
        return EXIT_INTERNAL
    except GasroutesError as err:
        print(f"gasroutes: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        # an unwritable --out, a file where a folder should be, a full disk: not a crash
        print(f"gasroutes: {_os_message(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"gasroutes: interrupted; {_interrupted(args)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command ``args`` names."""
    if args.command == "run":
        return _run(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "backtest":
        return _backtest(args)
    if args.command == "compare":
        return _compare(args)
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "calibrate":
        return _calibrate(args)
    if args.command == "hindcast":
        return _hindcast(args)
    if args.command == "list":
        return _list(args)
    if args.command == "diff":
        return _diff(args)
    return EXIT_INTERNAL  # pragma: no cover - argparse requires a command


def console() -> None:
    """The ``gasroutes`` console script: :func:`main`, then exit with its status. Output
    that the terminal cannot encode is escaped rather than fatal; once the command is
    done, a late Ctrl-C or SIGTERM can no longer turn its status into a traceback or a
    death by signal."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        code = main()
    except KeyboardInterrupt:  # between main's own handlers (its first or last moments)
        print("gasroutes: interrupted; earlier results are untouched", file=sys.stderr)
        code = EXIT_BAD_INPUT
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(code)


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (kill, a scheduler's timeout) ends a command as Ctrl-C does: the temporary
    folder is removed and earlier results stay."""
    raise KeyboardInterrupt


_OS_WORDS = {
    errno.EEXIST: "a file stands where a folder is needed",
    errno.ENOTDIR: "a file stands where a folder is needed",
    errno.ENAMETOOLONG: "a name in the path is too long for the file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the file system is read-only",
    errno.ELOOP: "a loop of symbolic links",
}


def _os_message(err: OSError) -> str:
    """An operating-system error in words, with the path it concerns."""
    words = _OS_WORDS.get(err.errno or 0, err.strerror or str(err))
    where = f": {err.filename}" if err.filename else ""
    return f"cannot write or read{where}: {words}; earlier results are untouched"


def _interrupted(args: argparse.Namespace) -> str:
    """What an interrupted command leaves behind."""
    written = getattr(args, "written", None)
    if written is not None:  # interrupted after its folder was in place (while reporting)
        return f"the run's folder {written}/ was written whole before the interruption"
    if args.command != "sweep":
        return "nothing was written and earlier results are untouched"
    out = f" --out {args.out}" if args.out else ""
    return (
        "the runs that finished are kept in the sweep's folder: finish the sweep with "
        f"'gasroutes sweep {args.sweep}{out} --resume'"
    )


def _warn(scenario: Any) -> None:
    """Print the scenario's consistency warnings (once per command)."""
    from gasroutes.sim.consistency import scenario_warnings

    for text in scenario_warnings(scenario):
        print(f"gasroutes: warning: {text}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from gasroutes.charts.background import ChartProcess

    # first of all: the chart processes import matplotlib on the other core while this
    # one loads the scenario and simulates (a run's charts wait for neither)
    drawing = not args.no_charts and args.replications <= 1
    drawer = ChartProcess.start() if drawing else None
    try:
        return _run_drawn(args, drawer)
    finally:
        if drawer is not None:
            drawer.close()


def _run_drawn(args: argparse.Namespace, drawer: ChartProcess | None) -> int:
    """``gasroutes run``, its charts drawn by ``drawer`` (a ChartProcess, or None)."""
    from gasroutes.api import run
    from gasroutes.core.folders import check_target
    from gasroutes.results.summary import key_figures
    from gasroutes.results.writing import Outputs
    from gasroutes.scenario.loading import load_scenario

    scenario = load_scenario(args.scenario)
    _warn(scenario)
    replicated = args.replications > 1
    default = f"{scenario.name}-x{args.replications}" if replicated else scenario.name
    out = args.out or Path("outputs") / default
    # before the run: a folder that would be refused is told at once
    check_target(out, "replicated_run" if replicated else "run")
    Outputs(args.tables, args.parquet)  # before the run: --parquet needs pyarrow
    if replicated:
        return _replicate(args, scenario, out)
    try:
        result = run(scenario, seed=args.seed)
        clock = time.perf_counter()
        result.write(
            out,
            charts=not args.no_charts,
            svg=args.svg,
            drawer=drawer,
            tables=args.tables,
            parquet=args.parquet,
        )
        args.written = out  # whole and in place: an interruption from here on says so
    except OSError as err:
        # an unwritable --out (permissions, a file in the path) is bad input, not a crash
        print(f"gasroutes: {_os_message(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    log.info("simulated in %.2f s, wrote in %.2f s", result.wall_s, time.perf_counter() - clock)
    s = result.summary
    print(
        f"{scenario.name}: {scenario.start} to {scenario.end}, {s['days']} "
        f"day{'' if s['days'] == 1 else 's'}, seed {s['seed']}"
    )
    for f in key_figures(s):
        note = f"   {f.note}" if f.note else ""
        print(f"  {f.label:<28} {f.value:10.{f.digits}f} {f.unit}{note}")
    print(f"  conservation error {s['conservation_error']:.2e}")
    print(f"wrote {out}/")
    return EXIT_OK


def _replicate(args: argparse.Namespace, scenario: Any, out: Path) -> int:
    from gasroutes.api import run_replications
    from gasroutes.results.summary import headlines

    if not scenario.uncertainty.active:
        print(
            f"gasroutes: note: {scenario.name} has no random processes (no 'uncertainty' "
            "section), so every replication gives the same numbers",
            file=sys.stderr,
        )

    rep = run_replications(
        scenario,
        args.replications,
        out,
        seed=args.seed,
        workers=args.workers,
        charts=not args.no_charts,
        svg=args.svg,
        progress=progress_bar,
        tables=args.tables,
        parquet=args.parquet,
    )
    k = rep.summary["kpis"]
    print(
        f"{scenario.name}: {scenario.start} to {scenario.end}, {args.replications} "
        f"replications, seed {rep.summary['seed']}"
    )
    stats = ("mean", "p5", "p50", "p95")
    print(f"  {'':<28} " + " ".join(f"{k:>10}" for k in stats))

    for h in headlines(k):
        cells = [
            f"{k[h.keys[0]][stat] / h.scale:10.3f}".replace("-0.000", " 0.000") for stat in stats
        ]
        print(f"  {h.label:<28} " + " ".join(cells))
    print(f"  conservation error {rep.summary['conservation_error']:.2e} (worst replication)")
    print(f"wrote {out}/")
    return EXIT_OK


def _sweep(args: argparse.Namespace) -> int:
    from gasroutes.api import sweep

    if args.tables != "all" and not args.keep_runs:
        print(
            "gasroutes: note: --tables applies to the runs kept with --keep-runs; a sweep's "
            "own tables (runs.csv, annual.csv) have no daily rows",
            file=sys.stderr,
        )
    result = sweep(
        args.sweep,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        keep_runs=args.keep_runs,
        max_runs=args.max_runs,
        progress=progress_bar,
        tables=args.tables,
        parquet=args.parquet,
    )
    runs = result.runs
    failed = int((runs["status"] != "ok").sum())
    print(f"{result.spec.name}: {len(runs)} runs, {failed} failed")
    print(f"wrote {result.folder}/")
    if len(runs) and failed == len(runs):
        first = str(runs["error"].iloc[0])
        print(
            f"gasroutes: run failed: every run of the sweep failed (the first: {first}); "
            f"see runs.csv in {result.folder}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from gasroutes.api import compare
    from gasroutes.results.summary import headlines

    if len(args.runs) < 2:
        print(
            "gasroutes: compare needs at least two runs (run folders or scenario files)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    out = args.out or Path("outputs") / ("compare-" + "-".join(p.stem for p in args.runs))
    given = {"--replications": args.replications > 1, "--tables": args.tables != "all"}
    files = any(p.suffix in (".yaml", ".yml") for p in args.runs)
    for option in [o for o, g in given.items() if g and not files]:
        print(
            f"gasroutes: note: {option} applies to scenario files; run folders are "
            "compared as they were written",
            file=sys.stderr,
        )
    comparison = compare(
        args.runs,
        out=out,
        replications=args.replications,
        workers=args.workers,
        progress=progress_bar,
        tables=args.tables,
        parquet=args.parquet,
        excel=args.excel,
    )
    kpis = comparison.kpis
    first = comparison.names[0]
    print(f"compared {', '.join(comparison.names)} (differences against {first})")
    if comparison.replicated:
        for note in comparison.pairing_notes():
            print(f"  {note}")
        d = comparison.differences
        shown = d[
            d["kpi"].str.startswith("exports_bcm_by_destination.")
            | (d["kpi"] == "exports_bcm_total")
        ]
        heads = ("mean", "low", "high", "width", "unpaired")
        print(f"  {'mean difference, 95% CI':<40}" + "".join(f"{h:>10}" for h in heads))
        for rec in shown.to_dict("records"):
            label = f"{rec['run']} {str(rec['kpi']).split('.')[-1]} (bcm)"
            values = [rec[k] for k in ("mean_difference", "ci_low", "ci_high", "ci_width")]
            values.append(rec["unpaired_ci_width"])
            print(f"  {label:<40}" + "".join(_cell(v) for v in values))
    for note in comparison.chart_notes():
        print(f"  note: {note}")
    horizons = {(r.summary.get("start"), r.summary.get("end")) for r in comparison.runs}
    if len(horizons) > 1:
        print(
            "  note: the runs cover different horizons; totals are over different periods "
            "(the charts align them on the calendar)"
        )
    # names in full: the columns are as wide as the longest
    width = max(17, *(len(n) + 2 for n in comparison.names))
    print(f"  {'':<24}" + "".join(f"{n:>{width}}" for n in comparison.names))
    flat = {n: {str(k): _number(v) for k, v in kpis[n].items()} for n in comparison.names}
    for h in headlines(kpis.index, by_destination=False, depot_days=True):
        values = [h.value(flat[n]) for n in comparison.names]
        spec = ",.0f" if h.count else ",.2f"
        cells = "".join(
            f"{v:>{width}{spec}}" if math.isfinite(v) else f"{'n/a':>{width}}" for v in values
        )
        print(f"  {h.label:<24}{cells}")
    print(f"wrote {out}/")
    return EXIT_OK


def _number(value: Any) -> float:
    """A table's cell as a float (NaN when it holds none)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _cell(value: Any) -> str:
    """A number of the console's tables, 'n/a' when there is none."""
    number = float(value) if value is not None and value != "" else math.nan
    return f"{number:10.3f}" if math.isfinite(number) else f"{'n/a':>10}"


def _calibrate(args: argparse.Namespace) -> int:
    from gasroutes.core.folders import check_target
    from gasroutes.report.calibration import write_fit
    from gasroutes.studies.calibration import calibrate, load_calibration

    problem = load_calibration(args.calibration)
    out = args.out or Path("outputs") / "calibration" / problem.spec.name
    check_target(out, "calibration")

    def progress(n: int) -> None:
        if n % 10 == 0:
            print(f"\r  {n} model runs", end="", file=sys.stderr, flush=True)

    fit = calibrate(problem, progress=progress)
    print(file=sys.stderr)
    write_fit(fit, out)
    s = fit.summary()
    print(
        f"{problem.spec.name}: fitted on {s['observations']} observations up to "
        f"{s['fit_until']} in {s['evaluations']} model runs ({s['method']})"
    )
    width = max(len(p) for p in s["parameters"]) if s["parameters"] else 10
    for path, p in s["parameters"].items():
        lo, hi = p["bounds"]
        print(f"  {path:<{width}} {p['value']:12.4f}   (bounds {lo:g} to {hi:g})")
    for path, t in s["timing"].items():
        print(f"  {path:<{width}} {t['value']:12.4f}   ({t['rule']} fires on {t['fires_on']})")
    mape = s["weighted_mape"]
    print(f"  weighted MAPE in sample {'n/a' if mape is None else f'{100 * mape:.1f}%'}")
    print(f"wrote {out}/")
    return EXIT_OK


def _hindcast(args: argparse.Namespace) -> int:
    from gasroutes.core.folders import check_target
    from gasroutes.report.calibration import write_hindcast
    from gasroutes.studies.calibration import load_calibration
    from gasroutes.studies.hindcast import hindcast

    problem = load_calibration(args.calibration)
    out = args.out or Path("outputs") / "hindcast" / problem.spec.name
    check_target(out, "hindcast")
    result = hindcast(
        problem, args.origins, workers=args.workers, progress=partial(progress_bar, what="origins")
    )
    write_hindcast(result, out)
    scored = ", ".join(result.scored)
    print(f"{problem.spec.name}: hindcasts, weighted MAPE over {scored}")
    print(f"  {'origin':<8}{'years':>11}{'model':>10}{'persistence':>13}")

    def pct(value: float | None, width: int) -> str:
        return f"{'n/a':>{width + 1}}" if value is None else f"{100 * value:{width}.1f}%"

    for origin, o in result.scores().items():
        years = f"{o['years'][0]}-{o['years'][-1]}" if o["years"] else "none"
        model, pers = o["weighted_mape_model"], o["weighted_mape_persistence"]
        print(f"  {origin:<8}{years:>11}{pct(model, 9)}{pct(pers, 12)}")
    print(f"wrote {out}/")
    return EXIT_OK


def _backtest(args: argparse.Namespace) -> int:
    from gasroutes.api import backtest
    from gasroutes.core.folders import check_apart, check_target

    run_dir = Path(os.path.abspath(args.run_dir))  # `backtest .` names the folder itself
    out = args.out or run_dir.parent / f"{run_dir.name}-backtest"
    check_apart(out, [args.run_dir], "backtest")
    check_target(out, "backtest")
    result = backtest(args.run_dir, args.observed)
    result.write(out, title=args.run_dir.name, reads=args.run_dir)
    s = result.summary
    print(
        f"{args.run_dir.name} against {args.observed.name}: {s['destination_years']} "
        f"destination-years, {s['within_10_percent']} of {s['with_relative_error']} "
        "within 10%"
    )
    for dest, mape in s["mape_by_destination"].items():
        print(f"  MAPE {dest:<24} {100 * mape:7.1f}%")
    weighted = s["weighted_mape"]
    shown = "n/a (every observed value is 0)" if weighted is None else f"{100 * weighted:7.1f}%"
    print(f"  weighted MAPE {'':<15} {shown}")
    if s["unknown_destinations"]:
        print("  skipped (not in the run): " + "; ".join(s["unknown_destinations"]))
    print(f"wrote {out}/")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    """Check scenario files, and sweep and calibration files (told by their keys)."""
    from gasroutes.core.errors import DataError, ScenarioError
    from gasroutes.core.yamlio import read_yaml
    from gasroutes.scenario.loading import load_scenario

    bad = 0
    for path in args.scenarios:
        try:
            raw = read_yaml(path, "scenario, sweep or calibration file (YAML)")
            keys = set(raw) if isinstance(raw, dict) else set()
            if {"base", "parameters"} <= keys and "observed" not in keys:
                from gasroutes.studies.sweep_spec import load_sweep

                spec = load_sweep(path)[0]
                print(f"valid: {path} (a sweep file: {spec.name}, {spec.design} design)")
            elif {"base", "observed"} <= keys:
                from gasroutes.studies.calibration import load_calibration

                problem = load_calibration(path)
                print(f"valid: {path} (a calibration file: {problem.spec.name})")
            else:
                s = load_scenario(path)
                print(f"valid: {path} ({s.name}, {s.start} to {s.end})")
                _warn(s)
        except (ScenarioError, DataError) as err:
            bad += 1
            print(f"invalid: {err}", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from gasroutes.scenario.catalog import catalog

    if not args.folder.is_dir():
        print(f"gasroutes: {args.folder}: not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    entries = catalog(args.folder)
    if not entries:
        print(f"no scenario files (*.yaml) in {args.folder}")
    width = max((len(e.file.name) for e in entries), default=0)
    for e in entries:
        if e.problem:
            print(f"{e.file.name:<{width}}  does not load: {e.problem}")
        else:
            print(f"{e.file.name:<{width}}  {e.start} to {e.end}  {e.question or e.name}")
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from gasroutes.scenario.catalog import differences
    from gasroutes.scenario.loading import load_scenario

    a, b = load_scenario(args.a), load_scenario(args.b)
    found = differences(a, b)
    print(f"{args.a} ({a.name}) -> {args.b} ({b.name}): {len(found)} differences")
    for d in found:
        va, vb = (json.dumps(v, ensure_ascii=False) for v in (d.a, d.b))
        text = {"added": vb, "removed": va, "changed": f"{va} -> {vb}"}[d.change]
        print(f"  {d.change:<8} {d.path}: {text if len(text) <= 160 else text[:157] + '...'}")
    return EXIT_OK


def progress_bar(done: int, total: int, failed: int, elapsed: float, what: str = "runs") -> None:
    """A one-line progress bar on stderr: done/total, failures, ETA (redrawn in place on a
    terminal; a line every tenth of the work otherwise)."""
    width = 30
    filled = int(width * done / max(total, 1))
    rate = elapsed / max(done, 1)
    eta = int(rate * (total - done))
    line = (
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what}, "
        f"{failed} failed, ETA {eta // 60}:{eta % 60:02d}"
    )
    if sys.stderr.isatty() or done == total or done % max(total // 10, 1) == 0:
        sys.stderr.write(line + ("\n" if done == total or not sys.stderr.isatty() else ""))
        sys.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    console()
