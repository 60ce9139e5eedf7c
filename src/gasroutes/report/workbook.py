"""A comparison's Excel workbook, ``compare.xlsx`` (``gasroutes compare --excel``).

Sheets: ``key figures`` (kpis.csv with a unit column: one row per KPI, one column per
run and one per difference from the first run); ``annual`` (every run's annual exports,
a run column in front: for a replicated run the median over its replications, as the
charts show it); for replicated runs, ``annual by replication`` and ``differences``
(differences.csv). Numbers are numbers, each sheet has a bold header row, frozen panes
and columns as wide as their names and values.

The file is deterministic: the same comparison gives the same bytes (the workbook's
created and modified times and the zip entries' times are fixed at FIXED_TIME). Needs
openpyxl: ``pip install 'gasroutes[excel]'``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gasroutes.core.errors import GasroutesError
from gasroutes.results.summary import kpi_unit

if TYPE_CHECKING:
    from gasroutes.studies.compare import Comparison

__all__ = ["INSTALL", "require_openpyxl", "workbook_sheets", "write_workbook"]

INSTALL = "pip install 'gasroutes[excel]'"
FIXED_TIME = dt.datetime(2000, 1, 1)
MAX_WIDTH = 60  # characters: a longer name wraps off the screen anyway


def require_openpyxl() -> None:
    """Raise GasroutesError (exit 2) unless openpyxl can be imported."""
    try:
        import openpyxl  # noqa: F401
    except ImportError as err:
        raise GasroutesError(f"--excel needs openpyxl, which is not installed: {INSTALL}") from err


def workbook_sheets(c: Comparison) -> dict[str, tuple[pd.DataFrame, int]]:
    """The workbook's sheets by name: each table and how many of its first columns stay
    in view when scrolling right (they name the row)."""
    kpis = c.kpis.reset_index()
    kpis.insert(1, "unit", [kpi_unit(str(k)) for k in kpis["kpi"]])
    sheets: dict[str, tuple[pd.DataFrame, int]] = {"key figures": (kpis, 2)}
    columns = ["year", "destination", "commodity", "quantity", "unit"]
    annual = [r.annual[columns].assign(run=r.name) for r in c.runs]
    sheets["annual"] = (pd.concat(annual, ignore_index=True)[["run", *columns]], 1)
    if c.replicated:
        reps = [
            r.annual_by_replication()[["replication", *columns]].assign(run=r.name) for r in c.runs
        ]
        table = pd.concat(reps, ignore_index=True)[["run", "replication", *columns]]
        sheets["annual by replication"] = (table, 2)
        sheets["differences"] = (c.differences, 2)
    return sheets


def _cell(value: Any) -> Any:
    """A value as the workbook holds it: numbers as Python numbers, NaN as an empty cell."""
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _width(values: list[Any], header: str) -> float:
    def shown(v: Any) -> int:
        if v is None:
            return 0
        if isinstance(v, float):
            return min(len(f"{v:.10g}"), 12)  # Excel's General shows at most 11 digits
        return len(str(v))

    longest = max([len(header), *(shown(v) for v in values)])
    return min(longest + 2, MAX_WIDTH)


def write_workbook(c: Comparison, path: Path) -> None:
    """Write the comparison's workbook to ``path`` (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, (table, fixed) in workbook_sheets(c).items():
        sheet = book.create_sheet(name)
        headers = [str(h) for h in table.columns]
        rows = [headers, *([_cell(v) for v in r] for r in table.itertuples(False, None))]
        for i, row in enumerate(rows, start=1):
            for k, value in enumerate(row, start=1):
                cell = sheet.cell(row=i, column=k, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
        rows = rows[1:]
        for k, header in enumerate(headers, start=1):
            sheet.cell(row=1, column=k).font = bold
            letter = get_column_letter(k)
            sheet.column_dimensions[letter].width = _width([r[k - 1] for r in rows], header)
        sheet.freeze_panes = f"{get_column_letter(fixed + 1)}2"
        sheet.auto_filter.ref = sheet.dimensions
    book.properties.creator = "gasroutes"
    book.properties.title = f"gasroutes comparison: {' vs '.join(c.names)}"
    # openpyxl's save() stamps the time: write through its writer, with fixed times
    book.properties.created = book.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    path.write_bytes(_fixed_times(raw.getvalue()))


def _fixed_times(data: bytes) -> bytes:
    """The zip archive ``data`` with every entry dated FIXED_TIME (zip entries carry the
    time they were written)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
