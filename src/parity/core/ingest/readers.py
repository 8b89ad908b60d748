"""Read interchange files (CSV, Excel, Parquet) into all-text frames.

Every reader returns the cells as text exactly as a user would see them in the
interchange CSV (dates ``YYYY-MM-DD``, booleans ``true``/``false``) so that one set of
validators serves every format. ``__row`` holds the row number a user finds the row
at: the spreadsheet/text-editor line for CSV and Excel (the header is row 1), the
1-based record number for Parquet.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from parity.core import model
from parity.core.errors import InputFileError

ROW = "__row"
SUPPORTED = (".csv", ".xlsx", ".parquet")


@dataclass
class RawFile:
    """A file read as text, with the table it belongs to."""

    path: Path
    table: model.Table
    frame: pl.DataFrame
    sha256: str
    ignored_columns: tuple[str, ...]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_csv(path: Path, data: bytes) -> pl.DataFrame:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path} is not UTF-8 text (undecodable byte at row {line}).",
            "Save it again as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)') and rerun.",
        ) from exc
    if not data.strip():
        raise InputFileError(f"{path} is empty.", "Export the file again with its header row.")
    try:
        return pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            raise_if_empty=True,
        )
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputFileError(
            f"{path} is not a well-formed CSV file ({first}).",
            "Check that every row has as many comma-separated cells as the header "
            "and that quotes are balanced.",
        ) from exc


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Render typed columns (Excel/Parquet) as interchange text."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            expr = col.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean:
            expr = pl.when(col).then(pl.lit("true")).otherwise(pl.lit("false"))
            expr = pl.when(col.is_null()).then(None).otherwise(expr)
        elif dtype.is_float():
            as_int = col.cast(pl.Int64, strict=False)
            expr = (
                pl.when(col == as_int.cast(pl.Float64))
                .then(as_int.cast(pl.Utf8))
                .otherwise(col.cast(pl.Utf8))
            )
        else:
            expr = col.cast(pl.Utf8)
        exprs.append(expr.alias(name))
    out = frame.select(exprs) if exprs else frame
    # Empty strings mean "unknown", as in CSV.
    return out.with_columns(pl.all().replace("", None))


def _read_excel(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_excel(path, sheet_id=1, infer_schema_length=10000)
    except Exception as exc:
        raise InputFileError(
            f"{path} cannot be read as an Excel workbook ({type(exc).__name__}: {exc}).",
            "Save it again as .xlsx with the data on the first sheet.",
        ) from exc
    return _as_text(frame)


def _read_parquet(path: Path, data: bytes) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise InputFileError(
            f"{path} cannot be read as a Parquet file ({exc}).",
            "Export it again as Parquet, or as CSV.",
        ) from exc
    return _as_text(frame)


def detect_table(path: Path, columns: list[str]) -> model.Table:
    """The table a file belongs to: by its name if it names one, else by its header."""
    stem = path.name.split(".")[0].lower()
    for table in model.DATA_TABLES:
        if stem == table.file_stem or stem.startswith(table.file_stem + "_"):
            return table
    cols = set(columns)
    matches = [t for t in model.DATA_TABLES if set(t.column_names) <= cols]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{t.file_stem}: {', '.join(t.column_names)}" for t in model.DATA_TABLES)
    raise InputFileError(
        f"{path} does not match any Parity table (its columns are: {', '.join(columns)}).",
        f"Name it after its table (e.g. staff.csv) and give it the interchange columns ({expected}).",
    )


def read_file(path: Path) -> RawFile:
    """Read one interchange file; raise :class:`InputFileError` for whole-file problems."""
    if not path.exists():
        raise InputFileError(f"{path} does not exist.", "Check the path and run the command again.")
    if path.is_dir():
        raise InputFileError(
            f"{path} is a folder.", "Pass the files inside it (e.g. DIR/*.csv)."
        )
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputFileError(
            f"{path} has the extension '{suffix}', which Parity does not read.",
            "Use .csv (UTF-8), .xlsx or .parquet.",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path} cannot be read ({exc.strerror}).", "Check its permissions.") from exc
    if suffix == ".csv":
        frame = _read_csv(path, data)
    elif suffix == ".xlsx":
        frame = _read_excel(path)
    else:
        frame = _read_parquet(path, data)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    table = detect_table(path, frame.columns)
    missing = [c for c in table.column_names if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"of {table.file_stem}.",
            f"Its header must hold: {', '.join(table.column_names)}.",
        )
    ignored = tuple(c for c in frame.columns if c not in table.column_names)
    first = 1 if suffix == ".parquet" else 2
    frame = frame.select(table.column_names).with_row_index(ROW, offset=first)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    if suffix == ".csv":
        frame = frame.with_columns(
            [pl.col(c).str.strip_chars().replace("", None) for c in table.column_names]
        )
    return RawFile(path, table, frame, _digest(data), ignored)
