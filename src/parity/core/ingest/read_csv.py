"""Read a CSV file: UTF-8, comma-separated, RFC 4180 quoting, any line ending.

Row numbers are the line a text editor shows where the row starts (the header is line 1),
so a value holding a quoted line break or a blank line above a row do not shift them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from parity.core.errors import InputFileError
from parity.core.ingest.sheet import WHOLE_ROW, CellProblem, Sheet, blank_note, columns_of

_FIX_QUOTES = ("A value holding a comma, a quote or a line break must be in double quotes, "
               "with every quote inside it doubled (\"\"); fix the row and rerun.")
#: Separators other than the comma that spreadsheet programs write, by their name.
OTHER_SEPARATORS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path} is not UTF-8 text (undecodable byte at row {line}).",
            "Save it again as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)') and rerun.",
        ) from exc


def _blank(record: list[str]) -> bool:
    return all(not c.strip() for c in record)


def read_csv(path: Path, data: bytes) -> Sheet:
    """Parse ``data``; raise :class:`InputFileError` for a file that is not CSV."""
    text = _decode(path, data)
    if not text.strip():
        raise InputFileError(f"{path} is empty.", "Export the file again with its header row.")
    # A long value is the length rule's to report (with its row), not the parser's.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[list[str | None]] = []
    rows: list[int] = []
    problems: list[CellProblem] = []
    blanks = 0
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if _blank(record):
                blanks += header is not None
                continue
            if header is None:
                header = [c.strip() for c in record]
                continue
            cells: list[str | None] = list(record)
            if len(cells) > len(header) and all(not (c or "").strip()
                                                for c in cells[len(header):]):
                cells = cells[: len(header)]  # trailing empty cells: a stray comma at the end
            if len(cells) != len(header):
                problems.append((start, WHOLE_ROW, None,
                                 f"has {len(cells)} cells but the header has {len(header)} "
                                 "columns; a value holding a comma must be in double quotes"))
            records.append(cells)
            rows.append(start)
    except csv.Error as exc:
        start = last + 1
        if "unexpected end of data" in str(exc):
            reason = (f"a double quote opened at row {start} is never closed, so the rest of "
                      "the file would be one value")
        else:
            reason = f"row {start} is not valid CSV ({exc})"
        raise InputFileError(f"{path}: {reason}.", _FIX_QUOTES) from exc
    assert header is not None
    sheet = Sheet(header, columns_of(header, records), rows, problems)
    if note := blank_note(blanks):
        sheet.notes.append(note)
    return sheet


def separator_hint(header: list[str], wanted: tuple[str, ...]) -> str | None:
    """If the header splits into the wanted columns on another separator, say which."""
    joined = ",".join(header)
    for sep, name in OTHER_SEPARATORS.items():
        parts = {p.strip().strip('"') for p in joined.split(sep)}
        if sep in joined and len(parts & set(wanted)) >= 2:
            return name
    return None
