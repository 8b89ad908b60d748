"""Read a Parquet file and render its typed columns as interchange text.

Row numbers are record numbers from 1. A column of lists, structs or arrays is refused
(Parity needs one value per cell); binary cells are read as UTF-8 text and a cell whose
bytes are not UTF-8 is a problem of its row.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from parity.core.errors import InputFileError
from parity.core.ingest.sheet import CellProblem

_NESTED = (pl.List, pl.Array, pl.Struct, pl.Object)


def read_parquet_frame(path: Path, data: bytes) -> pl.DataFrame:
    try:
        return pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise InputFileError(
            f"{path} cannot be read as a Parquet file ({exc}).",
            "Export it again as Parquet, or as CSV.",
        ) from exc


def _binary(path: Path, name: str, series: pl.Series,
            problems: list[CellProblem]) -> pl.Series:
    out: list[str | None] = []
    for i, v in enumerate(series.to_list(), start=1):
        if v is None:
            out.append(None)
            continue
        try:
            out.append(bytes(v).decode("utf-8"))
        except UnicodeDecodeError:
            problems.append((i, name, bytes(v)[:40].hex(" "),
                             "holds bytes that are not UTF-8 text; export the column as "
                             "UTF-8 text"))
            out.append(None)
    return pl.Series(name, out, dtype=pl.Utf8)


def parquet_text(path: Path, frame: pl.DataFrame,
                 columns: tuple[str, ...]) -> tuple[pl.DataFrame, list[CellProblem]]:
    """The ``columns`` of ``frame`` as text, and the problems of cells that are not text."""
    problems: list[CellProblem] = []
    nested = [(c, frame.schema[c]) for c in columns if isinstance(frame.schema[c], _NESTED)]
    if nested:
        what = ", ".join(f"'{c}' ({d})" for c, d in nested)
        raise InputFileError(
            f"{path}: the column{'s' if len(nested) > 1 else ''} {what} "
            f"hold{'' if len(nested) > 1 else 's'} lists or records, not one value per cell.",
            "Export one plain value (text, number, date or boolean) per cell and rerun.",
        )
    series: list[pl.Series] = []
    for name in columns:
        s = frame[name]
        dtype = s.dtype
        if dtype == pl.Binary:
            s = _binary(path, name, s, problems)
        elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
            s = s.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean:
            s = s.replace_strict({True: "true", False: "false"}, return_dtype=pl.Utf8)
        elif dtype.is_float():
            as_int = s.cast(pl.Int64, strict=False)
            whole = (s == as_int.cast(pl.Float64)).fill_null(False)
            s = pl.select(pl.when(whole).then(as_int.cast(pl.Utf8))
                          .otherwise(s.cast(pl.Utf8)).alias(name)).to_series()
        else:
            s = s.cast(pl.Utf8)
        series.append(s.alias(name))
    return pl.DataFrame(series), problems
