"""Parquet copies of gasroutes tables (``--parquet``): beside each CSV file, the same
rows, columns and numbers in a file that reads fast and keeps its types.

The numbers are those of the CSV file, rounded as it rounds them (money to the cent, the
rest to six decimals), so the two formats hold the same table. Column types follow the
run-folder contract (:data:`gasroutes.results.runfolder.TABLES`): dates and names as
text, quantities as 64-bit floats, whole numbers as 64-bit integers, flags as booleans;
other tables take their types from their columns.

The files are deterministic: the same table gives the same bytes (no pandas metadata,
no timestamps, zstd at a fixed level), for a given version of pyarrow, which each file
names in its footer. Needs pyarrow: ``pip install 'gasroutes[parquet]'``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gasroutes.core.errors import GasroutesError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INSTALL", "join_parquet", "require_pyarrow", "to_arrow", "write_parquet"]

INSTALL = "pip install 'gasroutes[parquet]'"
# writer options: every one fixed, so that a file's bytes depend on its table only
OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
}
_KINDS = {
    "date": "string",
    "text": "string",
    "id": "string",
    "float": "float64",
    "amount": "float64",
    "int": "int64",
    "bool": "bool",
}


def require_pyarrow() -> None:
    """Raise GasroutesError (exit 2) unless pyarrow can be imported."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as err:
        raise GasroutesError(
            f"--parquet needs pyarrow, which is not installed: {INSTALL} (CSV files are "
            "written without it)"
        ) from err


def _kind(frame: pd.DataFrame, name: str, columns: dict[str, str]) -> str:
    """The Arrow type of a column: from the contract when it names the column, else from
    the column's dtype."""
    if name in columns:
        return _KINDS[columns[name]]
    kind = frame[name].dtype.kind
    return {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}.get(kind, "string")


def _rounded(values: np.ndarray, float_format: str) -> np.ndarray:
    """Floats as the CSV writes them, read back: each distinct value formatted once."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    distinct, index = np.unique(bits, return_inverse=True)
    parsed = [float(float_format % x) for x in distinct.view(np.float64).tolist()]
    return np.array(parsed, dtype=np.float64)[index.ravel()]


def _text(values: pd.Series) -> list[str | None]:
    """Values as text, missing ones (None, NaN) as nulls."""
    return [
        None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values
    ]


def to_arrow(
    frame: pd.DataFrame,
    float_format: str = "%.6f",
    columns: Sequence[tuple[str, str]] = (),
) -> Any:
    """``frame`` as a pyarrow Table, numbers rounded as in the CSV; ``columns`` are the
    contract's (name, kind) pairs for the columns it names."""
    import pyarrow as pa

    kinds = dict(columns)
    arrays: list[Any] = []
    fields: list[Any] = []
    for name in frame.columns:
        kind = _kind(frame, str(name), kinds)
        col = frame[name]
        if kind == "float64":
            numbers = _rounded(col.to_numpy(dtype=np.float64, na_value=np.nan), float_format)
            array = pa.array(numbers, type=pa.float64(), from_pandas=True)  # NaN -> null
        elif kind == "int64":
            array = pa.array(col.to_numpy(dtype=np.int64), type=pa.int64())
        elif kind == "bool":
            array = pa.array(col.to_numpy(dtype=bool), type=pa.bool_())
        else:
            try:  # text columns convert at once (missing values as nulls)
                array = pa.array(col, type=pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # other values: as text
                array = pa.array(_text(col), type=pa.string())
        arrays.append(array)
        fields.append(pa.field(str(name), array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_parquet(
    frame: pd.DataFrame,
    path: Path,
    float_format: str = "%.6f",
    columns: Sequence[tuple[str, str]] = (),
) -> None:
    """Write ``frame`` as Parquet at ``path`` (see :func:`to_arrow`)."""
    import pyarrow.parquet as pq

    pq.write_table(to_arrow(frame, float_format, columns), path, **OPTIONS)


def join_parquet(parts: Sequence[Path], target: Path) -> None:
    """Join the Parquet files ``parts`` (one per replication, in order, with the same
    columns) into ``target``, with a ``replication`` column in front (0, 1, ...): one row
    group per part, so a replication is read without the others. The parts are
    removed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for r, part in enumerate(parts):
            table = pq.read_table(part)
            table = table.add_column(
                0, "replication", pa.array(np.full(table.num_rows, r, dtype=np.int64))
            )
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema, **OPTIONS)
            writer.write_table(table)
            part.unlink()
    finally:
        if writer is not None:
            writer.close()
