"""The chart process `gasroutes run` starts before it simulates: the same files as the
charts drawn after the run, a failure told to the command, and nothing left behind when
the run is interrupted; and the quick helpers the charts are drawn with."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import gasroutes
from gasroutes.charts.background import ChartProcess
from gasroutes.charts.run import chart_names, save_charts
from gasroutes.cli import main

pytestmark = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods(),
    reason="needs fork and two cores",
)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ChartProcess]:
    """Every chart process the command starts, in order (ChartProcess.start spied on)."""
    made: list[ChartProcess] = []
    real = ChartProcess.start.__func__  # type: ignore[attr-defined]

    def spy(cls: type[ChartProcess]) -> ChartProcess | None:
        process: ChartProcess | None = real(cls)
        if process is not None:
            made.append(process)
        return process

    monkeypatch.setattr(ChartProcess, "start", classmethod(spy))
    return made


@pytest.fixture
def result(small: dict[str, Any]) -> Any:
    return gasroutes.run(gasroutes.scenario_from_dict(small))


def test_the_chart_process_draws_the_same_files(result: Any, tmp_path: Path) -> None:
    drawer = ChartProcess.start()
    assert drawer is not None
    try:
        paths = drawer.draw(result, tmp_path / "early")
        drawer.wait()
    finally:
        drawer.close()
    after = save_charts(result, tmp_path / "after", workers=1)
    assert [p.name for p in paths] == [p.name for p in after]
    assert [p.stem for p in paths] == chart_names(result)
    for early, late in zip(paths, after, strict=True):
        assert early.read_bytes() == late.read_bytes(), early.name


def test_a_chart_that_fails_is_raised_in_the_command(
    result: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise ValueError("no ink")

    monkeypatch.setattr("gasroutes.charts.run.draw_chart", broken)  # inherited by the fork
    drawer = ChartProcess.start()
    assert drawer is not None
    try:
        drawer.draw(result, tmp_path / "charts")
        with pytest.raises(RuntimeError, match="no ink"):
            drawer.wait()
    finally:
        drawer.close()


def test_closing_while_drawing_ends_both_halves_and_makes_no_folder(
    result: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(*_: Any, **__: Any) -> None:
        time.sleep(30)

    monkeypatch.setattr("gasroutes.charts.run.draw_chart", slow)
    drawer = ChartProcess.start()
    assert drawer is not None
    folder = tmp_path / "tmp-run" / "charts"
    drawer.draw(result, folder)
    time.sleep(0.5)  # both processes are drawing
    start = time.monotonic()
    drawer.close()
    assert time.monotonic() - start < 5
    assert not drawer.alive
    folder.rmdir()  # empty: nothing was drawn
    (tmp_path / "tmp-run").rmdir()
    time.sleep(0.5)
    assert not (tmp_path / "tmp-run").exists()  # no half came back to draw into it


def test_run_command_uses_it_and_writes_every_chart(
    small: dict[str, Any], write_yaml: Any, tmp_path: Path, started: list[ChartProcess]
) -> None:
    path = write_yaml(small)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    assert len(started) == 1 and not started[0].alive
    drawn = sorted(p.stem for p in (tmp_path / "out" / "charts").glob("*.png"))
    assert drawn == sorted(chart_names(gasroutes.run(gasroutes.scenario_from_dict(small))))
    assert main(["run", str(path), "--out", str(tmp_path / "nc"), "--no-charts"]) == 0
    assert len(started) == 1  # none for a run without charts


def test_the_charts_are_handed_out_each_once_small_tables_first() -> None:
    from gasroutes.charts import CHARTS, COST, READS, TABLES, draw_order, tables_in_order

    names = list(CHARTS)
    order = draw_order(names, 2)
    assert sorted(order) == sorted(names)
    # the first two read the two smallest tables, the rest go costliest first
    assert [READS[n] for n in order[:2]] == [(TABLES[0],), (TABLES[1],)]
    rest = [COST[n] for n in order[2:]]
    assert rest == sorted(rest, reverse=True)
    # the tables go in the order they are first needed, each once
    sent = tables_in_order(order)
    assert sent[:2] == list(TABLES[:2]) and sorted(sent) == sorted(TABLES)
    assert draw_order(["production"], 2) == ["production"]
    assert draw_order(["a_new_chart", "production"], 1) == ["production", "a_new_chart"]
    assert tables_in_order(["a_new_chart"]) == list(TABLES)  # unknown: it gets them all


@pytest.mark.parametrize("lpg", [False, True], ids=["small", "baseline with its LPG chain"])
def test_each_chart_reads_only_the_tables_it_is_said_to(
    lpg: bool, result: Any, tmp_path: Path
) -> None:
    """A chart process draws a chart as soon as the tables READS names for it are in:
    drawn from those alone (the others None), every chart is the same file."""
    from gasroutes.charts import READS, TABLES, RunCharts, header, table
    from gasroutes.charts.run import draw_chart

    if lpg:
        root = Path(__file__).resolve().parents[2]
        result = gasroutes.run(gasroutes.load_scenario(root / "scenarios" / "baseline.yaml"))
        assert result.lpg_queues is not None
    full = RunCharts.of(result)
    (tmp_path / "full").mkdir()
    (tmp_path / "only").mkdir()
    for name in full.names:
        tables: dict[str, Any] = {t: table(full, t) if t in READS[name] else None for t in TABLES}
        draw_chart(RunCharts(**header(full), **tables), name, tmp_path / "only")
        draw_chart(full, name, tmp_path / "full")
        only = (tmp_path / "only" / f"{name}.png").read_bytes()
        assert only == (tmp_path / "full" / f"{name}.png").read_bytes(), name


def test_a_chart_failing_in_one_process_ends_the_command_with_its_error(
    small: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second process fails and ends while the tables are still on their way (forty
    years of them, more than a pipe holds): the first still gets them all and draws the
    rest, and the command raises the second's error instead of waiting for ever."""
    import threading

    from gasroutes.charts import run as charts_run

    result = gasroutes.run(gasroutes.scenario_from_dict({**small, "end": "2059-12-31"}))
    real = charts_run.draw_chart
    command = os.getpid()

    def broken_in_second(res: Any, name: str, *args: Any) -> None:
        if os.getppid() != command:  # the second: its parent is the first
            raise ValueError(f"the second broke on {name}")
        real(res, name, *args)

    monkeypatch.setattr("gasroutes.charts.run.draw_chart", broken_in_second)
    drawer = ChartProcess.start()
    assert drawer is not None
    raised: list[BaseException] = []

    def wait() -> None:
        try:
            drawer.wait()
        except RuntimeError as err:
            raised.append(err)

    try:
        paths = drawer.draw(result, tmp_path / "charts")
        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        waiter.join(timeout=60)
        assert not waiter.is_alive(), "the command waits for ever"
    finally:
        drawer.close()
    assert raised and "the second broke on" in str(raised[0])
    drawn = [p for p in paths if p.is_file()]
    assert 1 <= len(drawn) < len(paths)  # the first drew what the second did not take


def test_closing_during_the_hand_over_ends_it_at_once(result: Any, tmp_path: Path) -> None:
    """Ctrl-C just after the run: the command closes the processes while the tables are
    still being handed over; nothing waits, nothing is left running."""
    drawer = ChartProcess.start()
    assert drawer is not None
    drawer.draw(result, tmp_path / "charts")
    start = time.monotonic()
    drawer.close()
    assert time.monotonic() - start < 3.0
    assert not drawer.alive
    assert drawer._sender is not None and not drawer._sender.is_alive()


def test_the_second_process_may_finish_long_after_the_first(
    result: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second process watches the first: the first waits for it, else a second that
    is still drawing a second after the first is done would be ended."""
    from gasroutes.charts import run as charts_run

    real = charts_run.draw_chart
    command = os.getpid()
    slept: list[bool] = []  # in each process, its own

    def slow_second(res: Any, name: str, *args: Any) -> None:
        if os.getppid() != command and not slept:  # the second: its parent is the first
            slept.append(True)
            time.sleep(2.5)  # more than the watch's second
        real(res, name, *args)

    monkeypatch.setattr("gasroutes.charts.run.draw_chart", slow_second)
    drawer = ChartProcess.start()
    assert drawer is not None
    try:
        paths = drawer.draw(result, tmp_path / "charts")
        drawer.wait()
    finally:
        drawer.close()
    assert all(p.is_file() for p in paths)


def test_a_process_never_handed_a_run_is_ended_at_once() -> None:
    """Bad input: the command closes processes still warming up, without waiting."""
    import matplotlib.font_manager  # noqa: F401  (builds the font cache if it is not)

    from gasroutes.charts.background import font_cache_built

    assert font_cache_built()
    drawer = ChartProcess.start()
    assert drawer is not None
    start = time.monotonic()
    drawer.close()
    assert time.monotonic() - start < 1.0
    assert not drawer.alive


def test_a_process_that_may_build_the_font_cache_ends_by_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run on a machine builds matplotlib's font cache: a kill while the cache
    is written could leave it half written and locked for every later run, so a process
    never handed a run is left to end by itself then, and the cache is whole."""
    from gasroutes.charts.background import font_cache_built

    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path))  # no cache there yet
    assert not font_cache_built()
    code = (  # a command of its own: this one has loaded matplotlib's fonts already
        "from gasroutes.charts.background import ChartProcess; "
        "drawer = ChartProcess.start(); drawer.close(); print(drawer.alive, drawer.exitcode)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "0"], out.stderr  # ended, not killed
    (cache,) = tmp_path.glob("fontlist-v*.json")
    assert json.loads(cache.read_text(encoding="utf-8"))["ttflist"]
    assert font_cache_built()


def test_bad_input_closes_the_chart_process_started_before_the_scenario_loads(
    write_yaml: Any, small: dict[str, Any], tmp_path: Path, started: list[ChartProcess]
) -> None:
    bad = write_yaml({**small, "end": "not a date"})
    assert main(["run", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert len(started) == 1  # started first, before the scenario was read
    assert not started[0].alive
    assert not (tmp_path / "out").exists()


def test_a_chart_process_draws_from_tables_without_the_model(result: Any, tmp_path: Path) -> None:
    """What a chart process is handed (RunCharts) unpickles with pandas alone: neither
    the scenario's modules nor the simulation's are imported to draw."""
    from gasroutes.charts import RunCharts

    charts = RunCharts.of(result)
    (tmp_path / "run.pickle").write_bytes(pickle.dumps(charts))
    code = (
        "import sys; sys.modules['pyarrow'] = None; "  # as a chart process: no Arrow
        "import pickle; run = pickle.load(open(sys.argv[1], 'rb')); "
        "print(type(run).__name__, len(run.flows), "
        "sorted(m for m in sys.modules if m.startswith(('gasroutes.sim', 'gasroutes.scenario', "
        "'gasroutes.results', 'pydantic', 'simpy'))))"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "run.pickle")],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .split(maxsplit=2)
    )
    assert out == ["RunCharts", str(len(result.flows)), "[]"]
    assert RunCharts.of(charts) is charts
    assert charts.names == chart_names(result)


def test_tables_with_arrow_strings_are_handed_over_with_python_ones(tmp_path: Path) -> None:
    """A table read from a run folder has Arrow-backed text when pyarrow is installed;
    the chart processes do not import pyarrow, so RunCharts.of hands them Python
    strings, with the same values."""
    pytest.importorskip("pyarrow")
    from gasroutes.charts import python_text

    arrow = pd.StringDtype("pyarrow", na_value=np.nan)
    frame = pd.DataFrame({"date": pd.array(["2020-01-01", None], dtype=arrow), "x": [1.0, 2.0]})
    plain = python_text(frame)
    assert plain["date"].dtype == pd.StringDtype("python", na_value=np.nan)
    assert plain.columns.dtype == plain["date"].dtype  # the labels too
    pd.testing.assert_frame_equal(plain, frame, check_dtype=False, check_column_type=False)
    assert python_text(plain) is plain  # Python strings already: nothing to do
    (tmp_path / "t.pickle").write_bytes(pickle.dumps(plain))
    code = (
        "import sys; sys.modules['pyarrow'] = None; import pickle; "
        "print(pickle.load(open(sys.argv[1], 'rb'))['date'].tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "t.pickle")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "['2020-01-01', nan]"


@pytest.mark.parametrize("by", [None, "buyer", ["metric", "buyer"]], ids=["none", "one", "two"])
def test_monthly_means_are_those_of_a_pandas_pivot(by: str | list[str] | None) -> None:
    """The charts' monthly means (array sums) against pandas' own, on a table where a
    buyer has no rows in some months (its mean there is 0), months have 28-31 days, a
    value is missing and a row has no buyer; by one column, or by two (each pair of
    values a column, in order of appearance)."""
    from gasroutes.charts.axes import decimal_year, monthly_mean

    rng = np.random.default_rng(7)
    days = pd.date_range("2023-11-20", "2024-04-10", freq="D").strftime("%Y-%m-%d")
    rows = [
        (d, b, float(rng.uniform(0, 50)))
        for d in days
        for b in ("west", "east", "north")
        if not (b == "north" and d[5:7] in ("01", "02"))
    ]
    # a missing value is left out of its mean, a row without a buyer out of every column
    rows += [("2023-11-20", "west", float("nan")), ("2024-03-03", None, 1e6)]
    frame = pd.DataFrame(rows, columns=["date", "buyer", "quantity"])
    frame["metric"] = np.where(np.arange(len(frame)) % 2, "storage", "queue")
    month = frame["date"].str.slice(0, 7)
    if by is None:
        want = frame.groupby(month)[["quantity"]].mean()
    else:
        want = (
            frame.assign(m=month)
            .pivot_table(index="m", columns=by, values="quantity", aggfunc="mean", sort=False)
            .fillna(0.0)
            .sort_index()
        )
    got = monthly_mean(frame, "quantity", by)
    assert list(got.columns) == list(want.columns)
    mid = decimal_year((want.index + "-01").to_numpy()) + 1 / 24
    np.testing.assert_allclose(got.index.to_numpy(), mid)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    if by == "buyer":
        assert (got.loc[got.index.to_numpy() // 1 == 2024, "north"].iloc[:2] == 0).all()
    if isinstance(by, list):  # the first pairs as they first appear in the rows
        assert list(got.columns[:3]) == [("queue", "west"), ("storage", "east"), ("queue", "north")]


def test_svg_copies_are_the_same_from_run_to_run(result: Any, tmp_path: Path) -> None:
    """matplotlib names an SVG's clip paths at random unless told a salt."""
    from gasroutes.charts.axes import save_figure
    from gasroutes.charts.run import chart

    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        save_figure(chart(result, "route_flows"), tmp_path / folder, "route_flows", svg=True)
    one, two = ((tmp_path / f / "route_flows.svg").read_bytes() for f in ("one", "two"))
    assert b"clip-path" in one
    assert one == two


def test_only_panels_sharing_their_time_axis_lose_theirs() -> None:
    from gasroutes.charts.axes import figure, year_axis, year_grid

    for sharex in (True, False):
        _, axes = figure(3, sharex=sharex)
        for ax in axes:
            ax.set_xlim(2020, 2030)
        year_axis(axes[-1], 2020, 2030)
        year_grid(axes)
        assert [ax.xaxis.get_visible() for ax in axes] == [not sharex] * 2 + [True]
        grids = [len(ax.collections) for ax in axes]
        assert grids == ([1, 1, 0] if sharex else [0, 0, 0])
