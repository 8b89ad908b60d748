"""What every reader hands on: a header, rows of text cells and the row each came from.

A reader finds the header, drops blank rows (a blank line or an empty spreadsheet row is
no data: it is counted in a note, never read as a row), and keeps for every row the row
number a person finds it at. Cells a reader cannot turn into text (an Excel error cell, a
formula without a saved value, bytes that are not UTF-8) become problems of their row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

#: A problem found while reading: (row, column, value, reason).
CellProblem = tuple[int, str, str | None, str]
#: Column name used for problems of a whole row (e.g. a wrong number of cells).
WHOLE_ROW = "(row)"


@dataclass
class Sheet:
    """Cells as text, by column, with the row number of each row."""

    header: list[str]
    columns: dict[str, list[str | None]]
    rows: list[int]
    problems: list[CellProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The cells as a text frame (columns named as in the header, first occurrence), when a
    #: reader built one directly instead of ``columns``.
    frame: pl.DataFrame | None = None


def blank_note(count: int) -> str | None:
    if not count:
        return None
    return f"{count} blank row{'s' if count > 1 else ''} skipped"


def columns_of(header: list[str], records: list[list[str | None]]) -> dict[str, list[str | None]]:
    """Cells by column name; the first column of a name wins (duplicates are refused earlier)."""
    out: dict[str, list[str | None]] = {}
    for i, name in enumerate(header):
        if name in out or not name:
            continue
        out[name] = [r[i] if i < len(r) else None for r in records]
    return out


def duplicated(header: list[str], wanted: tuple[str, ...]) -> dict[str, list[int]]:
    """Wanted column names that occur more than once, with their 1-based positions."""
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(header, start=1):
        if name in wanted:
            seen.setdefault(name, []).append(i)
    return {k: v for k, v in seen.items() if len(v) > 1}
