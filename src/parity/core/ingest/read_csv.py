"""Read a CSV file: UTF-8, comma-separated, RFC 4180 quoting, any line ending.

Row numbers are the line a text editor shows where the row starts (the header is line 1),
so a value holding a quoted line break or a blank line above a row do not shift them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from parity.core.errors import InputFileError
from parity.core.ingest.sheet import WHOLE_ROW, CellProblem, Sheet, blank_note

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


def _line_breaks(text: str) -> int:
    crlf = text.count("\r\n")
    return text.count("\n") + text.count("\r") - crlf


def _records(path: Path, text: str) -> tuple[list[list[str]], list[int]]:
    """Every record and the line it starts at."""
    # A long value is the length rule's to report (with its row), not the parser's.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return _records_slowly(path, text)  # parse again, to say at which row
    if len(records) - _line_breaks(text) in (0, 1):  # no value holds a line break
        return records, list(range(1, len(records) + 1))
    starts: list[int] = []
    line = 1
    for record in records:
        starts.append(line)
        line += 1 + sum(_line_breaks(c) for c in record if "\n" in c or "\r" in c)
    return records, starts


def _records_slowly(path: Path, text: str) -> tuple[list[list[str]], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    last = 0
    try:
        for record in reader:
            starts.append(last + 1)
            last = reader.line_num
            records.append(record)
    except csv.Error as exc:
        start = last + 1
        if "unexpected end of data" in str(exc):
            reason = (f"a double quote opened at row {start} is never closed, so the rest of "
                      "the file would be one value")
        else:
            reason = f"row {start} is not valid CSV ({exc})"
        raise InputFileError(f"{path}: {reason}.", _FIX_QUOTES) from exc
    return records, starts


ROW_LINE = "__line"


def _named(frame: pl.DataFrame, names: list[str], header: list[str]) -> pl.DataFrame:
    """Columns ``names`` renamed to the header (the first column of a name wins)."""
    firsts: dict[str, str] = {}
    for raw, name in zip(names, header, strict=True):
        if name and name not in firsts:
            firsts[name] = raw
    return frame.select([pl.col(raw).alias(name) for name, raw in firsts.items()])


def _plain(text: str) -> Sheet | None:
    """The fast path for a file without quotes whose rows all have the header's width: each
    line is a row, parsed by Polars; None for any other file."""
    if '"' in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    blank = [not line.strip(", \t") for line in lines]
    first = blank.index(False)
    header = [c.strip() for c in lines[first].split(",")]
    width = len(header) - 1
    keep = [i for i in range(first + 1, len(lines)) if not blank[i]]
    if any(lines[i].count(",") != width for i in keep):
        return None
    names = [f"_{i}" for i in range(width + 1)]
    if keep:
        body = "\n".join(lines[i] for i in keep).encode("utf-8")
        frame = pl.read_csv(body, has_header=False, new_columns=names, infer_schema=False,
                            quote_char=None)
    else:
        frame = pl.DataFrame(schema=dict.fromkeys(names, pl.Utf8))
    sheet = Sheet(header, {}, [i + 1 for i in keep], frame=_named(frame, names, header))
    blanks = sum(blank[first + 1:]) - (1 if blank[-1] else 0)  # the final newline ends a row
    if note := blank_note(blanks):
        sheet.notes.append(note)
    return sheet


def read_csv(path: Path, data: bytes) -> Sheet:
    """Parse ``data``; raise :class:`InputFileError` for a file that is not CSV."""
    text = _decode(path, data)
    if not text.strip():
        raise InputFileError(f"{path} is empty.", "Export the file again with its header row.")
    plain = _plain(text)
    if plain is not None:
        return plain
    records, starts = _records(path, text)
    first = next(i for i, r in enumerate(records) if "".join(r).strip())
    header = [c.strip() for c in records[first]]
    width = len(header)
    body = records[first + 1:]
    rows = starts[first + 1:]
    problems: list[CellProblem] = []
    for i, n in enumerate(map(len, body)):
        if n == width:
            continue
        cells = body[i]
        if n > width and not "".join(cells[width:]).strip():
            body[i] = cells[:width]  # trailing empty cells: a stray comma at the end
            continue
        if "".join(cells).strip():
            problems.append((rows[i], WHOLE_ROW, None,
                             f"has {n} cells but the header has {width} columns; a value "
                             "holding a comma must be in double quotes"))
        body[i] = (cells + [""] * width)[:width]
    names = [f"_{i}" for i in range(width)]
    frame = pl.DataFrame(body, schema=dict.fromkeys(names, pl.Utf8), orient="row").with_columns(
        pl.Series(ROW_LINE, rows, dtype=pl.Int64))
    blank = pl.all_horizontal([pl.col(n).str.strip_chars().fill_null("") == "" for n in names])
    kept = frame.filter(~blank)
    sheet = Sheet(header, {}, kept[ROW_LINE].to_list(), problems,
                  frame=_named(kept, names, header))
    if note := blank_note(frame.height - kept.height):
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
