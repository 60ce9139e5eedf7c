"""Drawing helpers shared by every chart: decimal-year time axes, fixed-margin figures,
numbered event marks with their key, legends beside the panels, plain tick numbers, and
monthly means.

Time axes are in decimal years (2025.0 is 1 January 2025): as readable as dates, the same
in every chart and every run, and far cheaper to draw than matplotlib's date locators.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context, rcParams
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator, ScalarFormatter

from gasroutes.charts.agg import Canvas
from gasroutes.sim.changes import SPANS, EventKind, Source

__all__ = [
    "DPI",
    "EVENT_COLORS",
    "LEGEND_WIDTH",
    "SPAN_KINDS",
    "TITLE_PAD",
    "decimal_year",
    "draw_footer",
    "figure",
    "footer_height",
    "key_columns",
    "mark_events",
    "mark_random",
    "monthly_mean",
    "months",
    "no_data",
    "numbered_events",
    "plain_numbers",
    "save_figure",
    "select_events",
    "side_legend",
    "span",
    "stacked_bars",
    "year_axis",
    "year_grid",
]

# cutoffs and outages are drawn as spans; the events that close them, and payments, are
# not marked
SPAN_KINDS = tuple(SPANS)
POINT_SKIP = (*SPANS.values(), EventKind.PAYMENT)
EVENT_COLORS = {EventKind.CUTOFF: "#d62728", EventKind.OUTAGE: "#ff7f0e"}


def decimal_year(dates: Sequence[str] | pd.Series | np.ndarray) -> np.ndarray:
    """ISO dates as decimal years: 2025-07-02 -> 2025.5 (in a non-leap year)."""
    d = np.asarray(dates, dtype="datetime64[D]")
    year = d.astype("datetime64[Y]")
    start = year.astype("datetime64[D]")
    length = (year + 1).astype("datetime64[D]") - start
    out: np.ndarray = year.astype(int) + 1970 + (d - start).astype(float) / length.astype(float)
    return out


# Pixels per inch of the PNG charts.
DPI = 120

# Room (inches) right of the panels for legends drawn there by side_legend, and the pad
# (points) of a title over a panel whose event numbers are written above it.
LEGEND_WIDTH = 1.8
TITLE_PAD = 20.0


def figure(
    panels: int = 1,
    panel_height: float = 3.4,
    width: float = 10.0,
    sharex: bool = True,
    *,
    footer: float = 0.0,
    legend: float = 0.0,
) -> tuple[Figure, list[Axes]]:
    """A figure with ``panels`` stacked axes and fixed margins (no layout engine: fast),
    and room under them for a ``footer`` of that many inches (:func:`footer_height`,
    :func:`draw_footer`), and ``legend`` inches right of them for legends
    (:func:`side_legend`)."""
    height = panel_height * panels + 1.1 + footer
    fig = Figure(figsize=(width, height))
    # titles at a fixed height over their panel (their pad clears the event numbers):
    # placing them automatically measures every tick label at drawing time
    with rc_context({"axes.titley": 1.0}):
        axes = fig.subplots(panels, 1, sharex=sharex, squeeze=False)[:, 0]
    for ax in axes:
        ax.yaxis.set_major_locator(InView())
    fig.subplots_adjust(
        left=0.1,
        right=1 - (legend + 0.1) / width if legend else 0.98,
        top=1 - 0.6 / height,
        bottom=(0.55 + footer) / height,
        hspace=0.22 if sharex else 0.45,
    )
    return fig, list(axes)


def stacked_bars(
    ax: Axes, x: np.ndarray, series: Sequence[tuple[str, np.ndarray, str]], width: float = 0.8
) -> np.ndarray:
    """Bars at ``x`` stacked in the order of ``series`` (label, heights, colour); return
    the height of each stack. One collection per series (its gid "bars-" and its label),
    not a patch per bar: as quick to draw as a line, and the same in the legend."""
    x = np.asarray(x, dtype=float)
    bottom = np.zeros(len(x))
    left, right = x - width / 2, x + width / 2
    for label, heights, colour in series:
        top = bottom + np.asarray(heights, dtype=float)
        ends = ((left, bottom), (left, top), (right, top), (right, bottom))
        corners = np.stack([np.column_stack(c) for c in ends], axis=1)
        ax.add_collection(
            PolyCollection(
                list(corners),
                facecolors=colour,
                edgecolors="none",
                lw=0,
                label=label,
                gid=f"bars-{label}",
            )
        )
        bottom = top
    return bottom


PARTIAL_HATCH = "///"


def partial_years(first: str, last: str) -> dict[int, str]:
    """The years a run from ``first`` to ``last`` (ISO dates; "" when not known) covers
    only in part, each with the part it covers ("from 1 Nov", "to 31 Mar")."""
    if not first or not last:
        return {}
    a, b = pd.Timestamp(first), pd.Timestamp(last)

    def day(t: pd.Timestamp) -> str:
        return f"{t.day} {MONTHS[t.month - 1]}"

    starts, ends = (a.month, a.day) != (1, 1), (b.month, b.day) != (12, 31)
    if a.year == b.year:
        return {a.year: f"{day(a)} to {day(b)}"} if starts or ends else {}
    out = {a.year: f"from {day(a)}"} if starts else {}
    if ends:
        out[b.year] = f"to {day(b)}"
    return out


def partial_note(partial: dict[int, str]) -> list[str]:
    """The footer's note on the hatched bars of :func:`hatch_partial` (none if none)."""
    if not partial:
        return []
    parts = "; ".join(f"{y} {partial[y]}" for y in sorted(partial))
    return [f"hatched bars: years the run covers only in part, the total of its days ({parts})"]


def hatch_partial(
    ax: Axes, x: np.ndarray, heights: np.ndarray, years: Sequence[int], partial: dict[int, str]
) -> None:
    """Hatch the bars (at ``x``, of ``heights``) of the years the run covers only in
    part."""
    picked = [i for i, y in enumerate(years) if int(y) in partial]
    if not picked:
        return
    ax.bar(
        np.asarray(x)[picked],
        np.asarray(heights)[picked],
        width=0.8,
        fill=False,
        hatch=PARTIAL_HATCH,
        edgecolor="white",
        lw=0,
        gid="partial-years",
    )


class InView(MaxNLocator):
    """Matplotlib's default ticks (AutoLocator's), less those outside the view: the
    axis would make a tick for each, measure and then skip it."""

    def __init__(self) -> None:
        super().__init__(nbins="auto", steps=[1, 2, 2.5, 5, 10])

    def __call__(self) -> Sequence[float]:
        locs = super().__call__()
        lo, hi = sorted(self.axis.get_view_interval()) if self.axis else (-np.inf, np.inf)
        room = (hi - lo) * 1e-9
        return [x for x in locs if lo - room <= x <= hi + room]


def side_legend(ax: Axes, **kwargs: object) -> None:
    """The legend of ``ax`` right of it, outside the data, top-aligned (no legend when
    nothing is labelled). The figure needs room there (``figure(legend=LEGEND_WIDTH)``)."""
    if not ax.get_legend_handles_labels()[1]:
        return
    options: dict[str, object] = {"fontsize": 7, "frameon": False}
    options.update(kwargs)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.6, **options)


def plain_numbers(ax: Axes, axis: str = "both") -> None:
    """Tick labels as plain numbers: no offset ("+5.8e2") and no multiplier ("1e9") above
    the axis, which readers miss; scale the data to a unit instead (USD bn, not USD)."""
    for name in ("x", "y") if axis == "both" else (axis,):
        formatter = ScalarFormatter(useOffset=False)
        formatter.set_scientific(False)
        (ax.xaxis if name == "x" else ax.yaxis).set_major_formatter(formatter)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def year_axis(ax: Axes, lo: float, hi: float, *, centred: bool = False) -> None:
    """Integer-year ticks from ``lo`` to ``hi``; ``centred`` puts labels mid-year (bars).
    A span shorter than 18 months gets a tick on the first of each month instead, one
    shorter than two months a tick every day or few days. Labels the axis to match
    ("year" or "date")."""
    if not centred and hi - lo < 2 / 12:
        ax.set_xlabel("date")
        before = np.datetime64(f"{int(lo)}-01-01") + int((lo - int(lo)) * 366) - 1
        days = before + np.arange(int((hi - lo) * 366) + 3)
        x = decimal_year(days)
        inside = days[(x >= lo - 1e-9) & (x <= hi + 1e-9)]
        step = next(s for s in (1, 2, 7, 14) if len(inside) / s <= 12)
        picked = inside[::step]
        stamps = pd.DatetimeIndex(picked)
        x_ticks(
            ax,
            list(decimal_year(picked)),
            [
                f"{t.day} {MONTHS[t.month - 1]}" + (f" {t.year}" if i == 0 else "")
                for i, t in enumerate(stamps)
            ],
        )
        ax.set_xlim(lo, hi)
        return
    if not centred and hi - lo < 1.5:
        ax.set_xlabel("date")
        jan = pd.Timestamp(year=int(lo), month=1, day=1)
        months = pd.date_range(jan, periods=int((hi - int(lo)) * 12) + 2, freq="MS")
        x = decimal_year(months.to_numpy().astype("datetime64[D]"))
        keep = (x >= lo - 1e-9) & (x <= hi + 1e-9)
        x_ticks(
            ax,
            list(x[keep]),
            [
                f"{MONTHS[m.month - 1]} {m.year}" if m.month == 1 or i == 0 else MONTHS[m.month - 1]
                for i, m in enumerate(months[keep])
            ],
        )
        ax.set_xlim(lo, hi)
        return
    ax.set_xlabel("year")
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    # a label every year up to 14 years, every other one to 28; beyond, every 5, 10, 20 or
    # 50 years, on round years, so that the labels never run into each other
    span = last - first
    if span <= 14:
        step = 1
    elif span <= 28:
        step = 2
    else:
        step = next((s for s in (5, 10, 20, 50, 100, 200, 500) if span / s <= 14), 1000)
    years = list(range(first, last + 1, step))
    if step >= 5:
        years = [y for y in range(first, last + 1) if y % step == 0]
    offset = 0.5 if centred else 0.0
    kept = [y for y in years if y + offset <= hi + 1e-9]
    x_ticks(ax, [y + offset for y in kept], [str(y) for y in kept])
    ax.set_xlim(lo, hi)


def x_ticks(ax: Axes, ticks: Sequence[float], labels: Sequence[str]) -> None:
    """Ticks at ``ticks`` labelled ``labels``, as ``set_xticks`` sets them but without
    making a tick artist for each at once (they are drawn by charts/ticks.py); the view
    is the caller's to set."""
    ax.xaxis.set_major_locator(FixedLocator(list(ticks)))
    ax.xaxis.set_major_formatter(FixedFormatter(list(labels)))


def year_grid(axes: Sequence[Axes]) -> None:
    """Panels stacked over a shared time axis, the last one's ticks set (:func:`year_axis`):
    the panels above it keep their vertical grid, as one collection each, and lose their
    own x axis, whose ticks (unlabelled there) matplotlib would otherwise make and measure
    for every panel."""
    bottom = axes[-1]
    shared = bottom.get_shared_x_axes()
    if len(axes) < 2 or not all(shared.joined(ax, bottom) for ax in axes):
        return  # panels with x axes of their own keep them
    lo, hi = bottom.get_xlim()
    ticks = [x for x in bottom.get_xticks() if lo <= x <= hi]
    for ax in axes[:-1]:
        ax.xaxis.set_visible(False)
        ax.vlines(
            ticks,
            0,
            1,
            transform=ax.get_xaxis_transform(),
            colors=rcParams["grid.color"],
            linewidths=rcParams["grid.linewidth"],
            alpha=0.3,
            zorder=1.5,  # where matplotlib draws its grid
        )


def numbered_events(events: pd.DataFrame | None) -> pd.DataFrame:
    """The events charts mark, numbered 1..n in timeline order; the same numbers in every
    chart of a run (resumes, ends of outages and payments are not marked)."""
    if events is None or events.empty:
        return pd.DataFrame(columns=["number", "date", "end_date", "kind", "target", "reason"])
    rows = events[~events["kind"].isin(POINT_SKIP)]
    if "source" in rows.columns:  # random outages are shaded, not numbered (mark_random)
        rows = rows[rows["source"] != "random"]
    rows = rows.reset_index(drop=True)
    return rows.assign(number=np.arange(1, len(rows) + 1))


def mark_random(ax: Axes, events: pd.DataFrame | None, targets: Sequence[str]) -> int:
    """Shade the random outages of ``targets`` lightly, without numbers; return how many."""
    if events is None or events.empty or "source" not in events.columns:
        return 0
    rows = events[
        (events["source"] == Source.RANDOM)
        & (events["kind"] == EventKind.OUTAGE)
        & events["target"].isin(list(targets))
    ]
    for i, (start, end) in enumerate(
        zip(rows["date"].astype(str), rows["end_date"].astype(str), strict=True)
    ):
        x0 = float(decimal_year([start])[0])
        x1 = float(decimal_year([end or start])[0]) + 1 / 365
        label = "random outage" if i == 0 else None
        ax.axvspan(
            x0, x1, color=EVENT_COLORS[EventKind.OUTAGE], alpha=0.3, lw=0, zorder=0, label=label
        )
    return len(rows)


def select_events(
    numbered: pd.DataFrame, targets: Sequence[str] | None = None, kinds: Sequence[str] | None = None
) -> pd.DataFrame:
    """The numbered events on ``targets`` (any when None) of ``kinds`` (any when None)."""
    rows = numbered
    if targets is not None:
        rows = rows[rows["target"].isin(list(targets))]
    if kinds is not None:
        rows = rows[rows["kind"].isin(list(kinds))]
    return rows


def mark_events(ax: Axes, rows: pd.DataFrame, *, numbers: bool = True) -> list[int]:
    """Shade cutoffs and outages, draw a dotted line at other events, and write each
    event's number just above the panel (close numbers share one label). Return the
    numbers drawn. Positions are decimal years."""
    if rows.empty:
        return []
    starts = decimal_year(rows["date"].astype(str).to_numpy())
    lo, hi = ax.get_xlim()
    groups: list[tuple[float, list[int]]] = []
    for x0, kind, end, number in zip(
        starts, rows["kind"], rows["end_date"], rows["number"], strict=True
    ):
        if kind in SPAN_KINDS and isinstance(end, str) and end:
            x1 = float(decimal_year([end])[0]) + 1 / 365
            ax.axvspan(x0, x1, color=EVENT_COLORS[kind], alpha=0.15, lw=0, zorder=0)
        else:
            ax.axvline(x0, color="#555555", lw=0.7, ls=":", zorder=0)
        if groups and x0 - groups[-1][0] < 0.025 * (hi - lo):
            groups[-1][1].append(int(number))
        else:
            groups.append((float(x0), [int(number)]))
    if numbers:
        for x0, nums in groups:
            consecutive = nums == list(range(nums[0], nums[0] + len(nums)))
            text = (
                f"{nums[0]}-{nums[-1]}"
                if consecutive and len(nums) > 2
                else ",".join(map(str, nums))
            )
            ax.text(
                x0,
                1.01,
                text,
                transform=ax.get_xaxis_transform(),
                va="bottom",
                ha="center",
                fontsize=6.5,
                color="#444444",
                clip_on=False,
            )
    return [n for _, nums in groups for n in nums]


# The footer under a chart's panels (footer_height, draw_footer): one-line notes and the
# key's heading a line every NOTE_ROW inches, then the event key in two columns, a line
# every FOOTER_ROW inches. CHAR_WIDTH is a generous mean width of a character of the
# key (DejaVu Sans at KEY_FONT points), for wrapping.
KEY_FONT = 6.5
NOTE_FONT = 7.5
NOTE_ROW = 0.16
FOOTER_ROW = 0.13
CHAR_WIDTH = 0.056


def _key_entry(
    number: object, date: object, kind: str, target: str, reason: object, end: object
) -> str:
    why = f": {reason}" if isinstance(reason, str) and reason else ""
    until = f" to {end}" if kind in SPAN_KINDS and isinstance(end, str) and end else ""
    return f"{number}  {date}{until}  {kind} {target}{why}"


def key_columns(rows: pd.DataFrame, width: float = 10.0) -> tuple[list[str], list[str]]:
    """The event key of ``rows`` as two columns of lines for a figure ``width`` inches
    wide: number, dates, what and why of each event, whole, wrapped to the column (the
    lines after an event's first are indented), in number order down the first column
    and on down the second. Up to three events take one column, the figure's width."""
    columns = 1 if len(rows) <= 3 else 2
    chars = max(int((width * 0.96 / columns - 0.15) / CHAR_WIDTH), 30)
    entries = [
        textwrap.wrap(
            _key_entry(*values), chars, subsequent_indent="      ", break_on_hyphens=False
        )
        for values in zip(
            rows["number"],
            rows["date"],
            rows["kind"],
            rows["target"],
            rows["reason"],
            rows["end_date"],
            strict=True,
        )
    ]
    half = (sum(len(e) for e in entries) + 1) // 2 if columns == 2 else 10**6
    first: list[str] = []
    second: list[str] = []
    for entry in entries:
        (first if len(first) < half and not second else second).extend(entry)
    return first, second


def footer_height(rows: pd.DataFrame, notes: Sequence[str] = (), width: float = 10.0) -> float:
    """Inches the footer of ``notes`` and of the key of ``rows`` needs (0 for neither)."""
    first, second = key_columns(rows, width) if not rows.empty else ([], [])
    heads = len(notes) + bool(first)  # notes, and the key's heading
    if not heads:
        return 0.0
    return 0.2 + NOTE_ROW * heads + FOOTER_ROW * max(len(first), len(second))


def draw_footer(fig: Figure, rows: pd.DataFrame, notes: Sequence[str] = ()) -> None:
    """Under the panels, in the room ``figure(footer=footer_height(...))`` left: each of
    ``notes`` on a line (what a chart leaves out, and why), then the events of ``rows``
    (heading, then two columns). Few text objects: one per column of the key, not one
    per line."""
    height, width = fig.get_figheight(), fig.get_figwidth()
    top = footer_height(rows, notes, width) - 0.08  # inches from the bottom
    for note in notes:  # a text each: a chart has one or two
        fig.text(0.02, top / height, note, fontsize=NOTE_FONT, color="#333333", va="top")
        top -= NOTE_ROW
    if rows.empty:
        return
    fig.text(0.02, top / height, "events", fontsize=NOTE_FONT, weight="bold", va="top")
    top -= NOTE_ROW
    for x, column in zip((0.02, 0.51), key_columns(rows, width), strict=True):
        if column:
            fig.text(
                x,
                top / height,
                "\n".join(column),
                fontsize=KEY_FONT,
                linespacing=FOOTER_ROW * 72 / KEY_FONT,
                color="#333333",
                va="top",
                ha="left",
            )


def months(frame: pd.DataFrame) -> np.ndarray:
    """The month (``datetime64[M]``) of each row's ISO ``date``, parsed in one pass."""
    return np.asarray(frame["date"].to_numpy(), dtype="datetime64[D]").astype("datetime64[M]")


def monthly_mean(
    frame: pd.DataFrame, value: str | list[str], by: str | list[str] | None = None
) -> pd.DataFrame:
    """Monthly means (per day) of ``value``, indexed by the decimal year of mid-month;
    with ``by``, one column per value of that column (in order of appearance; 0 in a
    month without rows of that value), or per combination of the values of several
    columns (columns a MultiIndex). Array sums, not a pandas pivot: charts take dozens
    of these. Rows within one month (a run of a few days or weeks) give their mean at
    the first day and at the end of the last: one point would draw no line, and
    mid-month may lie outside the run."""
    days = np.asarray(frame["date"].to_numpy(), dtype="datetime64[D]")
    month, where = np.unique(days.astype("datetime64[M]"), return_inverse=True)
    mid = decimal_year(month.astype("datetime64[D]")) + 1 / 24
    index = pd.Index(mid, name="year")
    if by is None:
        cols = [value] if isinstance(value, str) else value
        data = {c: _means(where, frame[c], len(month)) for c in cols}
        out = pd.DataFrame(data, index=index)
    else:
        assert isinstance(value, str), "one value per column of the by column"
        codes, columns = _keys(frame, by)
        kept = codes >= 0  # a row without a key is in no column (as in a pivot)
        cells = where[kept] * len(columns) + codes[kept]
        means = _means(cells, frame[value][kept], len(month) * len(columns))
        means = np.nan_to_num(means, nan=0.0).reshape(len(month), len(columns))
        out = pd.DataFrame(means, index=index, columns=columns)
    if len(month) == 1:
        ends = decimal_year(np.array([days.min(), days.max() + 1]))
        out = pd.concat([out, out])
        out.index = pd.Index(ends, name="year")
    return out


def _keys(frame: pd.DataFrame, by: str | list[str]) -> tuple[np.ndarray, pd.Index]:
    """Each row's key (-1: none) and the keys in order of appearance: the values of the
    column ``by``, or the combinations of the values of the columns ``by``."""
    if isinstance(by, str):
        codes, keys = pd.factorize(frame[by], sort=False)
        return codes, pd.Index(list(keys), name=by)
    parts = [pd.factorize(frame[c], sort=False) for c in by]
    combined = np.zeros(len(frame), dtype=np.int64)
    known = np.ones(len(frame), dtype=bool)
    for c, keys in parts:
        combined = combined * max(len(keys), 1) + c
        known &= c >= 0
    codes = np.full(len(frame), -1, dtype=np.intp)
    codes[known], seen = pd.factorize(combined[known], sort=False)
    seen = np.asarray(seen)
    labels = []
    for _, keys in reversed(parts):  # the last column's code varies fastest
        size = max(len(keys), 1)
        labels.append(np.asarray(keys, dtype=object)[seen % size])
        seen = seen // size
    return codes, pd.MultiIndex.from_arrays(labels[::-1], names=by)


def _means(groups: np.ndarray, values: pd.Series, size: int) -> np.ndarray:
    """The mean of ``values`` in each of ``size`` groups, missing values left out (NaN
    in a group with none)."""
    v = values.to_numpy(dtype=float)
    known = ~np.isnan(v)
    sums = np.bincount(groups, weights=np.where(known, v, 0.0), minlength=size)
    n = np.bincount(groups, weights=known.astype(float), minlength=size)
    out: np.ndarray = np.divide(sums, n, out=np.full(size, np.nan), where=n > 0)
    return out


def span(frame: pd.DataFrame) -> tuple[float, float]:
    x = decimal_year(frame["date"].iloc[[0, -1]].astype(str).to_numpy())
    return float(x[0]), float(x[1]) + 1 / 365


def save_figure(fig: Figure, folder: Path, name: str, *, svg: bool = False, dpi: int = DPI) -> Path:
    """Write ``fig`` as ``folder/name.png`` (and ``.svg``) with no timestamps, so the files
    are the same from run to run; return the PNG's path. The PNG is drawn and written by
    :class:`gasroutes.charts.agg.Canvas`: lightly compressed, a little larger than
    matplotlib's but written about twice as fast."""
    path = folder / f"{name}.png"
    Canvas(fig)
    # text without font hinting: at 120 dpi it reads the same, and a chart (mostly text
    # by drawing time) saves about a fifth faster; only here, so users' figures keep theirs
    with rc_context({"text.hinting": "none"}):
        fig.savefig(path, dpi=dpi, metadata={"Software": None})
    if svg:  # the ids of clip paths from the name, not at random: the same file each run
        with rc_context({"svg.hashsalt": name}):
            fig.savefig(folder / f"{name}.svg", metadata={"Date": None})
    return path


def no_data(ax: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#666666")
