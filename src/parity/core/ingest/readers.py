"""Read interchange files (CSV, Excel, Parquet) into all-text frames.

Every reader returns the cells as text exactly as a user would see them in the
interchange CSV (dates ``YYYY-MM-DD``, booleans ``true``/``false``) so that one set of
validators serves every format, and one normalisation (:mod:`.normalise`) applies to all.
``__row`` holds the row number a user finds the row at: the line where the row starts in
a CSV file and the spreadsheet row in Excel (the header is row 1 unless it is lower on
the sheet), the 1-based record number for Parquet. Blank rows are skipped and counted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from parity.core import model
from parity.core.errors import InputFileError
from parity.core.ingest.normalise import PROBLEM_SCHEMA, ROW, normalise
from parity.core.ingest.read_csv import read_csv, separator_hint
from parity.core.ingest.read_excel import read_excel
from parity.core.ingest.read_parquet import parquet_text, read_parquet_frame
from parity.core.ingest.sheet import CellProblem, Sheet, duplicated

SUPPORTED = (".csv", ".xlsx", ".parquet")
__all__ = ["ROW", "SUPPORTED", "RawFile", "detect_table", "read_file"]


@dataclass
class RawFile:
    """A file read as text, with the table it belongs to."""

    path: Path
    table: model.Table
    frame: pl.DataFrame
    sha256: str
    ignored_columns: tuple[str, ...]
    #: Problems found while reading and normalising (the rules add theirs).
    problems: pl.DataFrame
    #: What the reader did that a user should know (blank rows skipped, sheets ignored).
    notes: tuple[str, ...] = ()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_by_name(path: Path) -> model.Table | None:
    stem = path.name.split(".")[0].lower()
    for table in model.DATA_TABLES:
        if stem == table.file_stem or stem.startswith(table.file_stem + "_"):
            return table
    return None


def detect_table(path: Path, columns: list[str]) -> model.Table:
    """The table a file belongs to: by its name if it names one, else by its header."""
    named = table_by_name(path)
    if named is not None:
        return named
    cols = set(columns)
    matches = [t for t in model.DATA_TABLES if set(t.column_names) <= cols]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{t.file_stem}: {', '.join(t.column_names)}" for t in model.DATA_TABLES)
    raise InputFileError(
        f"{path} does not match any Parity table (its columns are: {', '.join(columns)}).",
        f"Name it after its table (e.g. staff.csv) and give it the interchange columns ({expected}).",
    )


def _check_header(path: Path, header: list[str], table: model.Table) -> None:
    twice = duplicated(header, table.file_columns)
    if twice:
        name, where = next(iter(twice.items()))
        raise InputFileError(
            f"{path} has the column {name} {len(where)} times in its header (columns "
            f"{', '.join(map(str, where))}); Parity will not guess which one holds the data.",
            "Remove or rename the extra column and rerun.",
        )
    missing = [c for c in table.column_names if c not in header]
    if missing:
        sep = separator_hint(header, table.column_names) if path.suffix.lower() == ".csv" else None
        if sep:
            raise InputFileError(
                f"{path} separates its columns with {sep}, not commas, so its header reads as "
                f"one column.",
                "Export it again as 'CSV UTF-8 (Comma delimited)' and rerun.",
            )
        raise InputFileError(
            f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"of {table.file_stem} (its header is: {', '.join(header)}).",
            f"Its header must hold: {', '.join(table.column_names)}.",
        )


def _present(header: list[str], table: model.Table) -> list[str]:
    """The table's columns the header holds, in the table's order."""
    return [c for c in table.file_columns if c in header]


def _complete(frame: pl.DataFrame, table: model.Table) -> pl.DataFrame:
    """Add the optional columns a file left out, empty (their default is set on load)."""
    absent = [c for c in table.file_columns if c not in frame.columns]
    return frame.with_columns([pl.lit(None, dtype=pl.Utf8).alias(c) for c in absent]).select(
        ROW, *table.file_columns)


def _from_sheet(sheet: Sheet, table: model.Table) -> pl.DataFrame:
    present = _present(sheet.header, table)
    if sheet.frame is not None:
        return _complete(sheet.frame.select(present).with_columns(
            pl.Series(ROW, sheet.rows, dtype=pl.Int64)), table)
    data: dict[str, pl.Series] = {ROW: pl.Series(ROW, sheet.rows, dtype=pl.Int64)}
    for name in present:
        data[name] = pl.Series(name, sheet.columns[name], dtype=pl.Utf8)
    return _complete(pl.DataFrame(data), table)


def _problems(items: list[CellProblem]) -> pl.DataFrame:
    return pl.DataFrame(items, schema=PROBLEM_SCHEMA, orient="row")


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
    notes: list[str] = []
    if suffix == ".parquet":
        typed = read_parquet_frame(path, data)
        header = [c.strip() for c in typed.columns]
        table = detect_table(path, header)
        _check_header(path, header, table)
        typed = typed.rename(dict(zip(typed.columns, header, strict=True)))
        text, found = parquet_text(path, typed, tuple(_present(header, table)))
        frame = _complete(text.with_row_index(ROW, offset=1).with_columns(
            pl.col(ROW).cast(pl.Int64)), table)
    else:
        if suffix == ".csv":
            sheet = read_csv(path, data)
            table = detect_table(path, sheet.header)
        else:
            named = table_by_name(path)
            sheet, table = read_excel(path, [named] if named else list(model.DATA_TABLES))
        header = sheet.header
        _check_header(path, header, table)
        frame = _from_sheet(sheet, table)
        found = sheet.problems
        notes = sheet.notes
    frame, normal = normalise(frame, table)
    ignored = tuple(c for c in header if c and c not in table.file_columns)
    problems = pl.concat([_problems(found), normal])
    return RawFile(path, table, frame, _digest(data), ignored, problems, tuple(notes))
