"""The run folder's contract, written once: which files a run folder holds, the columns
and types of each table, and the checks a folder must pass to be read back.

:mod:`gasroutes.results.writing` writes by it and :mod:`gasroutes.results.reading` reads by
it, so the two
cannot drift apart. A folder that fails a check (a missing or renamed column, a value of
the wrong type, a non-finite number, a manifest without its fields, JSON nested without
end) is refused with a :class:`RunFolderError` naming the folder, the file, and the line
or field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gasroutes.core.errors import RunFolderError

__all__ = [
    "DAILY_TABLES",
    "FORMAT_VERSION",
    "MAX_JSON_DEPTH",
    "RUN_FILES",
    "TABLES",
    "TABLE_CHOICES",
    "read_json",
    "read_table",
]

FORMAT_VERSION = 2  # 2: folders carry the .gasroutes.json marker
SUPPORTED_FORMATS = (FORMAT_VERSION,)
MAX_JSON_DEPTH = 8  # summary.json nests three deep (kpis.<name>.<stat>)
MAX_TABLE_BYTES = 2_000_000_000

# column kinds: date (YYYY-MM-DD), text (any string), id (non-empty), float (finite, at
# most MAX_NUMBER in size), amount (a quantity: a float from 0 to MAX_AMOUNT), int (whole),
# bool (True/False)
MAX_NUMBER = 1e15  # money: USD
MAX_AMOUNT = 1e12  # gas in mcm/d or bcm, LPG in t/d, t or kt, waits in hours
# the columns that identify a row: no two rows of a table share them
KEYS: dict[str, tuple[str, ...]] = {
    "flows.csv": ("date", "route", "buyer", "commodity"),
    "deliveries.csv": ("date", "buyer", "commodity"),
    "annual.csv": ("year", "destination", "commodity"),
    "money.csv": ("date", "buyer"),
    "production.csv": ("date",),
    "lpg_queues.csv": ("date", "node", "metric"),
}
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "flows.csv": (
        ("date", "date"),
        ("route", "id"),
        ("buyer", "id"),
        ("commodity", "id"),
        ("quantity", "amount"),
        ("unit", "id"),
        ("capacity", "amount"),
    ),
    "deliveries.csv": (
        ("date", "date"),
        ("buyer", "id"),
        ("commodity", "id"),
        ("nominated", "amount"),
        ("delivered", "amount"),
        ("shortfall", "amount"),
        ("unit", "id"),
    ),
    "annual.csv": (
        ("year", "int"),
        ("destination", "id"),
        ("commodity", "id"),
        ("quantity", "amount"),
        ("unit", "id"),
    ),
    "money.csv": (
        ("date", "date"),
        ("buyer", "id"),
        ("invoiced_usd", "float"),
        ("paid_usd", "float"),
        ("settled_usd", "float"),
        ("arrears_usd", "float"),
        ("cut_off", "bool"),
    ),
    "production.csv": (
        ("date", "date"),
        ("potential", "amount"),
        ("domestic_demand", "amount"),
        ("domestic", "amount"),
        ("exported", "amount"),
        ("shut_in", "amount"),
        ("unit", "id"),
    ),
    "events.csv": (
        ("date", "date"),
        ("end_date", "text"),
        ("kind", "id"),
        ("target", "id"),
        ("source", "id"),
        ("reason", "text"),
    ),
    "lpg_queues.csv": (
        ("date", "date"),
        ("node", "id"),
        ("metric", "id"),
        ("value", "amount"),
        ("unit", "id"),
    ),
}
# every run folder holds these (the daily tables only with --tables all, the default);
# lpg_queues.csv only with an LPG chain, charts/ when drawn
RUN_FILES = (
    *(name for name in TABLES if name != "lpg_queues.csv"),
    "summary.json",
    "manifest.json",
    "scenario.resolved.yaml",
    "report.html",
)
READ_TABLES = ("annual.csv", "deliveries.csv", "flows.csv", "money.csv", "production.csv")
# the tables with a row per day, left out of a folder written with --tables annual (the
# manifest's "tables"); annual.csv and events.csv are in every folder
DAILY_TABLES = ("flows.csv", "deliveries.csv", "money.csv", "production.csv", "lpg_queues.csv")
TABLE_CHOICES = ("all", "annual")


def _bad(folder: Path, name: str, what: str) -> RunFolderError:
    return RunFolderError(
        f"{folder}: {name}: {what}; the folder is not as gasroutes wrote it: run the "
        "scenario again with 'gasroutes run'"
    )


def _refuse_constant(text: str) -> float:
    raise ValueError(f"{text} is not a finite number")


def _depth(value: Any, limit: int, depth: int = 0) -> bool:
    if depth > limit:
        return False
    if isinstance(value, dict):
        return all(_depth(v, limit, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_depth(v, limit, depth + 1) for v in value)
    return True


def read_json(
    folder: Path, name: str, required: dict[str, type | tuple[type, ...]]
) -> dict[str, Any]:
    """A JSON object from the folder, with its ``required`` fields of the given types;
    NaN and Infinity refused, nesting at most MAX_JSON_DEPTH deep."""
    path = folder / name
    try:
        if path.stat().st_size > 100_000_000:
            raise _bad(folder, name, "too large to be a gasroutes file")
        text = path.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except RunFolderError:
        raise
    except RecursionError:
        raise _bad(folder, name, f"nested more than {MAX_JSON_DEPTH} deep") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise _bad(folder, name, f"not readable JSON ({str(err)[:100]})") from err
    if not isinstance(data, dict):
        raise _bad(folder, name, "not a JSON object")
    if not _depth(data, MAX_JSON_DEPTH):
        raise _bad(folder, name, f"nested more than {MAX_JSON_DEPTH} deep")
    for key, kind in required.items():
        value = data.get(key)
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
        if not ok:
            want = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise _bad(folder, name, f"field {key!r} is missing or not a {want}")
    return data


def read_table(
    folder: Path, name: str, columns: tuple[tuple[str, str], ...] | None = None
) -> pd.DataFrame:
    """A table of the folder, checked against its columns (TABLES, or ``columns``): every
    column there, each value of its kind. A replicated folder's tables start with a
    ``replication`` column, checked too."""
    columns = columns if columns is not None else TABLES[name]
    path = folder / name
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise _bad(folder, name, "too large to be a gasroutes table")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except RunFolderError:
        raise
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise _bad(folder, name, f"not a readable table ({str(err)[:100]})") from err
    want = [c for c, _ in columns]
    if "replication" in frame.columns:
        columns = (("replication", "int"), *columns)
    missing = [c for c in want if c not in frame.columns]
    if missing:
        raise _bad(folder, name, f"missing column(s) {', '.join(missing)}")
    if len(set(frame.columns)) != len(frame.columns):
        raise _bad(folder, name, "a column is named twice")
    out: dict[str, Any] = {}
    for column, kind in columns:
        out[column] = _column(folder, name, column, kind, frame[column])
    table = pd.DataFrame(out)
    keys = KEYS.get(name)
    if keys is not None:
        if "replication" in table.columns:
            keys = ("replication", *keys)
        twice = table.duplicated(list(keys), keep="first").to_numpy()
        if twice.any():
            line = int(np.argmax(twice)) + 2
            raise _bad(folder, name, f"line {line} repeats the {', '.join(keys)} of a line above")
    return table


def _column(folder: Path, name: str, column: str, kind: str, values: pd.Series) -> Any:
    def fail(mask: np.ndarray, expected: str) -> RunFolderError:
        i = int(np.argmax(mask))
        shown = str(values.iloc[i])[:40]
        return _bad(folder, name, f"line {i + 2}, column {column!r}: {shown!r} is not {expected}")

    text = values.astype(str)
    if kind == "text":
        return text.to_numpy(dtype=object)
    if kind == "id":
        empty = (text.str.strip() == "").to_numpy()
        if empty.any():
            raise fail(empty, "a name")
        return text.to_numpy(dtype=object)
    if kind == "date":
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = parsed.isna().to_numpy()
        if bad.any():
            raise fail(bad, "a date written YYYY-MM-DD")
        return text.to_numpy(dtype=object)
    if kind == "bool":
        bad = ~text.isin(["True", "False"]).to_numpy()
        if bad.any():
            raise fail(bad, "True or False")
        return (text == "True").to_numpy()
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        raise fail(bad, "a finite number")
    if kind == "int":
        whole = numbers == np.round(numbers)
        if not whole.all() or (np.abs(numbers) > 2**53).any():
            raise fail(~whole | (np.abs(numbers) > 2**53), "a whole number")
        return numbers.astype(np.int64)
    if kind == "amount":
        bad = ~((numbers >= -1e-6) & (numbers <= MAX_AMOUNT))
        if bad.any():
            raise fail(bad, f"a quantity from 0 to {MAX_AMOUNT:g}")
        return numbers
    bad = np.abs(numbers) > MAX_NUMBER
    if bad.any():
        raise fail(bad, f"a number of at most {MAX_NUMBER:g} in size")
    return numbers


def finite_numbers(value: Any) -> bool:
    """Whether every number in a JSON-ready value is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(finite_numbers(v) for v in value)
    return True
