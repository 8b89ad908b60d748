"""Read an Excel workbook (.xlsx) with openpyxl, cell by cell.

The table is on the one sheet whose header row (within its first ``HEADER_SCAN`` rows)
holds every column of the table; rows above the header and sheets without it are noted,
never read as data. Two sheets with the header are refused by name (one table per file).
Row numbers are the spreadsheet's. An error cell (``#DIV/0!``) and a formula whose value
was never saved are problems of their row, not empty values.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from parity.core import model
from parity.core.errors import InputFileError
from parity.core.ingest.sheet import CellProblem, Sheet, blank_note, columns_of

HEADER_SCAN = 30
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


def cell_text(value: Any) -> str | None:
    """A typed cell as interchange text (dates YYYY-MM-DD, booleans true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _rows(ws: Any) -> Iterator[tuple[Any, ...]]:
    yield from ws.iter_rows()


def _header_at(cells: Sequence[Any], tables: Sequence[model.Table]) -> model.Table | None:
    names = {str(c.value).strip() for c in cells if c.value is not None}
    for table in tables:
        if set(table.column_names) <= names:
            return table
    return None


def _open(path: Path, data_only: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputFileError(
            f"{path} cannot be read as an Excel workbook ({type(exc).__name__}: {exc}).",
            "Open it in Excel, save it again as .xlsx (Excel Workbook) and rerun.",
        ) from exc


def _formula_cells(path: Path, sheet_name: str, xml_path: str,
                   header_row: int) -> set[tuple[int, int]]:
    """(row, column) of every formula cell of one sheet below the header, if any."""
    with zipfile.ZipFile(path) as archive:
        if not _FORMULA.search(archive.read(xml_path.lstrip("/"))):
            return set()
    wb = _open(path, data_only=False)
    try:
        ws = wb[sheet_name]
        return {(r, c) for r, row in enumerate(_rows(ws), start=1) if r > header_row
                for c, cell in enumerate(row, start=1) if cell.data_type == "f"}
    finally:
        wb.close()


def read_excel(path: Path, tables: Sequence[model.Table]) -> tuple[Sheet, model.Table]:
    """Read the sheet that carries the header of one of ``tables``."""
    wb = _open(path, data_only=True)
    try:
        found: list[tuple[str, int, model.Table]] = []
        others: list[str] = []
        firsts: dict[str, list[str]] = {}
        best: tuple[int, str, int, model.Table, set[str]] | None = None
        for ws in wb.worksheets:
            ws.reset_dimensions()
            hit = None
            for r, row in enumerate(_rows(ws), start=1):
                if r > HEADER_SCAN:
                    break
                if not firsts.get(ws.title) and any(c.value is not None for c in row):
                    firsts[ws.title] = [cell_text(c.value) or "" for c in row]
                if (table := _header_at(row, tables)) is not None:
                    hit = (ws.title, r, table)
                    break
                names = {str(c.value).strip() for c in row if c.value is not None}
                for t in tables:
                    n = len(names & set(t.file_columns))
                    if n >= 2 and (best is None or n > best[0]):
                        best = (n, ws.title, r, t, names)
            if hit:
                found.append(hit)
            elif ws.title in firsts:
                others.append(ws.title)
        if not found and best is not None:
            _, title, r, table, seen = best
            missing = [c for c in table.column_names if c not in seen]
            raise InputFileError(
                f"{path}: the {table.file_stem} header on row {r} of sheet '{title}' lacks the "
                f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.",
                f"Its header must hold: {', '.join(table.column_names)}.",
            )
        if not found:
            described = "; ".join(f"'{name}' starts with: {', '.join(firsts.get(name, []))}"
                                  if firsts.get(name) else f"'{name}' is empty"
                                  for name in wb.sheetnames)
            wanted = " or ".join(f"{t.file_stem} ({', '.join(t.column_names)})" for t in tables)
            raise InputFileError(
                f"{path} has no sheet whose first {HEADER_SCAN} rows hold the header of "
                f"{wanted}; {described}.",
                "Put the interchange header row above the data on one sheet and rerun.",
            )
        if len(found) > 1:
            listed = ", ".join(f"'{f[0]}'" for f in found)
            raise InputFileError(
                f"{path} holds the {found[0][2].file_stem} header on {len(found)} sheets "
                f"({listed}); Parity reads one sheet per file, so rows on the others would "
                "be lost.",
                "Move all rows onto one sheet, or save each sheet as its own file, and rerun.",
            )
        title, header_row, table = found[0]
        ws = wb[title]
        xml_path = str(ws._worksheet_path)
        header: list[str] = []
        records: list[list[str | None]] = []
        rows: list[int] = []
        errors: list[tuple[int, int, str]] = []
        blanks = 0
        for r, row in enumerate(_rows(ws), start=1):
            if r < header_row:
                continue
            if r == header_row:
                header = [(cell_text(c.value) or "").strip() for c in row]
                continue
            cells = [cell_text(c.value) for c in row]
            if all(v is None or not v.strip() for v in cells):
                blanks += 1
                continue
            for i, c in enumerate(row, start=1):
                if c.data_type == "e" and i <= len(header):
                    errors.append((r, i, str(c.value)))
            records.append(cells)
            rows.append(r)
    finally:
        wb.close()
    wanted_pos = {i: name for i, name in enumerate(header, start=1) if name in table.file_columns}
    problems: list[CellProblem] = [
        (r, wanted_pos[i], v, f"is the Excel error {v}, not a value; fix the formula or type "
         "the value in the spreadsheet")
        for r, i, v in errors if i in wanted_pos
    ]
    where = {r: k for k, r in enumerate(rows)}
    for r, i in sorted(_formula_cells(path, title, xml_path, header_row)):
        if i in wanted_pos:
            k = where.get(r, -1)
            if k >= 0 and (records[k][i - 1] if i - 1 < len(records[k]) else None) is None:
                problems.append((r, wanted_pos[i], None,
                                 "is a formula whose value was never saved (the workbook was "
                                 "written by a program that does not calculate); open it in "
                                 "Excel and save it, or type the value"))
    sheet = Sheet(header, columns_of(header, records), rows, problems)
    if header_row > 1:
        sheet.notes.append(f"header found on row {header_row} of sheet '{title}'")
    if others:
        sheet.notes.append("sheet" + ("s " if len(others) > 1 else " ")
                           + ", ".join(f"'{o}'" for o in others)
                           + f" ignored (no {table.file_stem} header)")
    if note := blank_note(blanks):
        sheet.notes.append(note)
    return sheet, table
