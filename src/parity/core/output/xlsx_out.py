"""XLSX for people: an "About" sheet, then one sheet per section.

The "About" sheet holds the title, the parameters, the data the figures come from (data
version, last load, latest snapshot), the notes and which sheet holds which section. Each
section's sheet has readable headers in row 1 and the stable field names (the JSON keys)
in row 2, both frozen; columns are as wide as their contents; shares are percentages and
counts integers. NaN and infinities are empty cells; text is always written as text, so
a cell starting with ``=`` is never a formula.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import polars as pl
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

import parity
from parity.core.output.cells import is_share, plain
from parity.core.output.result import Result

_BAD = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def sheet_names(names: list[str], reserved: tuple[str, ...] = ("About",)) -> dict[str, str]:
    """Excel sheet names for ``names``: forbidden characters replaced, at most 31 characters,
    distinct (ignoring case) from each other and from ``reserved``."""
    used = {r.lower() for r in reserved}
    out: dict[str, str] = {}
    for name in names:
        base = (_BAD.sub("_", name).strip("'") or "Sheet")[:31]
        candidate, i = base, 1
        while candidate.lower() in used:
            i += 1
            suffix = f"~{i}"
            candidate = base[: 31 - len(suffix)] + suffix
        used.add(candidate.lower())
        out[name] = candidate
    return out


def label(name: str) -> str:
    """A column's readable header: 'pass_rate_low' -> 'Pass rate low'."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _text(value: Any) -> str:
    value = plain(value)
    if value is None:
        return "–"
    if isinstance(value, list | dict):
        return ", ".join(map(str, value)) if isinstance(value, list) and all(
            not isinstance(v, list | dict) for v in value) else json.dumps(value, ensure_ascii=False)
    return str(value)


class _Writer:
    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.code = book.add_format({"italic": True, "font_color": "#595959"})
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.share = book.add_format({"num_format": "0.0%"})
        self.count = book.add_format({"num_format": "#,##0"})
        self.day = book.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def about(self, result: Result, sheets: dict[str, str]) -> None:
        rows: list[tuple[str, list[tuple[str, str]]]] = [
            ("Parameters", [(k, _text(v)) for k, v in result.parameters.items()]),
        ]
        if result.data_as_of is not None:
            d = result.data_as_of.as_dict()
            rows.append(("Data", [("Data version", _text(d["data_version"])),
                                  ("Last load", _text(d["last_load"])),
                                  ("Latest staff snapshot", _text(d["latest_snapshot"]))]))
        rows.append(("Sheets", [(sheet, name) for name, sheet in sheets.items()]))
        self.about_rows(result.title, rows, [str(n) for n in result.notes])

    def about_rows(self, title: str, rows: list[tuple[str, list[tuple[str, str]]]],
                   notes: list[str], notes_heading: str = "Notes",
                   sheet: str = "About") -> None:
        """The "About" sheet: the title, headed blocks of (name, value) rows, the notes."""
        ws = self.book.add_worksheet(sheet)
        ws.write_string(0, 0, title, self.title)
        row = 2
        for heading, pairs in rows:
            ws.write_string(row, 0, heading, self.bold)
            row += 1
            for key, value in pairs:
                ws.write_string(row, 0, key)
                ws.write_string(row, 1, value)
                row += 1
            row += 1
        if notes:
            ws.write_string(row, 0, notes_heading, self.bold)
            for note in notes:
                row += 1
                ws.write_string(row, 0, str(note))
            row += 2
        ws.write_string(row, 0, f"Written by Parity {parity.__version__}.", self.code)
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 60)

    def section(self, sheet: str, frame: pl.DataFrame,
                headers: Mapping[str, str] | None = None) -> None:
        """One sheet: ``headers`` (column → readable header, default :func:`label`) in row
        1, the column names in row 2, then the typed cells."""
        ws = self.book.add_worksheet(sheet)
        ws.freeze_panes(2, 0)
        for j, (name, dtype) in enumerate(frame.schema.items()):
            head = (headers or {}).get(name) or label(name)
            ws.write_string(0, j, head, self.header)
            ws.write_string(1, j, name, self.code)
            width = max(len(head) / 1.6, len(name)) + 2
            for i, value in enumerate(frame[name].to_list()):
                shown = self._cell(ws, i + 2, j, value, name, dtype)
                if i < 2000:
                    width = max(width, shown + 2)
            ws.set_column(j, j, min(max(width, 6), _MAX_WIDTH))

    def _cell(self, ws: Worksheet, r: int, c: int, value: Any, name: str,
              dtype: pl.DataType) -> int:
        """Write one cell; return the width of what it shows."""
        if value is None:
            return 0
        if isinstance(value, bool):
            ws.write_boolean(r, c, value)
            return 5
        if isinstance(value, int):
            if abs(value) < 2**53:
                ws.write_number(r, c, value, self.count)
                return len(f"{value:,}")
            ws.write_string(r, c, str(value))
            return len(str(value))
        if isinstance(value, float):
            if not math.isfinite(value):
                return 0
            if is_share(name):
                ws.write_number(r, c, value, self.share)
                return len(f"{100 * value:.1f}%")
            ws.write_number(r, c, value)
            return min(len(f"{value:.6g}"), 12)
        if isinstance(value, datetime):
            ws.write_datetime(r, c, value.replace(tzinfo=None), self.moment)
            return 16
        if isinstance(value, date):
            ws.write_datetime(r, c, datetime(value.year, value.month, value.day), self.day)
            return 10
        text = value if isinstance(value, str) else _text(value)
        ws.write_string(r, c, text)
        return len(text)


def workbook(title: str, about: list[tuple[str, list[tuple[str, str]]]], notes: list[str],
             sections: Mapping[str, tuple[pl.DataFrame, Mapping[str, str]]],
             notes_heading: str = "Notes", about_sheet: str = "About") -> bytes:
    """A workbook written by the same rules as :func:`to_xlsx` for a document whose words
    are already in its language (a report): an about sheet named ``about_sheet`` with
    ``about`` blocks and ``notes``, then one sheet per section, (frame, readable headers)."""
    buffer = io.BytesIO()
    sheets = sheet_names(list(sections), reserved=(about_sheet,))
    with Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                           "strings_to_urls": False, "nan_inf_to_errors": False}) as book:
        writer = _Writer(book)
        writer.about_rows(title, about, notes, notes_heading, about_sheet)
        for name, (frame, headers) in sections.items():
            writer.section(sheets[name], frame, headers)
    return buffer.getvalue()


def to_xlsx(result: Result) -> bytes:
    """The result as an XLSX workbook (bytes)."""
    buffer = io.BytesIO()
    sheets = sheet_names(list(result.sections))
    with Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                           "strings_to_urls": False, "nan_inf_to_errors": False}) as book:
        writer = _Writer(book)
        writer.about(result, sheets)
        for name, frame in result.sections.items():
            writer.section(sheets[name], frame, result.headers.get(name))
    return buffer.getvalue()
