"""One normalisation of text cells for every format (CSV, Excel, Parquet).

Every cell is trimmed of surrounding white space (including non-breaking and ideographic
spaces), put in Unicode normal form NFC, and an empty cell means "unknown". A cell holding
a control or invisible character (NUL, a line break inside a value, a zero-width space) or
longer than its column's limit is a problem of its row; in the rows handed to the other
rules such a cell is shown shortened and with the character replaced, so no message
carries a 2 MB value or a NUL byte.
"""

from __future__ import annotations

import polars as pl

from parity.core import model

ROW = "__row"
#: Longest value accepted, in characters, by column kind.
MAX_LENGTH: dict[str, int] = {"id": 100, "text": 200, "code": 50, "iso3": 50, "date": 50,
                              "bool": 50, "year": 50}
#: Longest value shown in a message or the quarantine report.
SHOWN = 80
CONTROL = r"[\x00-\x1F\x7F-\x9F\x{200B}-\x{200D}\x{2028}\x{2029}\x{FEFF}]"
PROBLEM_SCHEMA = {ROW: pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}


def shown(value: pl.Expr) -> pl.Expr:
    """A value safe to print: control characters replaced, at most ``SHOWN`` characters."""
    clean = value.str.replace_all(CONTROL, "\ufffd")
    return (pl.when(clean.str.len_chars() > SHOWN)
            .then(pl.concat_str([clean.str.slice(0, SHOWN - 1), pl.lit("…")]))
            .otherwise(clean))


_NAMES = {"\x00": "NUL", "\t": "tab", "\n": "line break", "\r": "carriage return"}


def _char_name(value: str | None) -> str:
    import re
    import unicodedata

    found = re.search("[\x00-\x1f\x7f-\x9f\u200b-\u200d\u2028\u2029\ufeff]", value or "")
    if not found:
        return "an invisible character"
    ch = found.group(0)
    name = _NAMES.get(ch) or unicodedata.name(ch, "control character").lower()
    return f"U+{ord(ch):04X} ({name})"


def normalise(frame: pl.DataFrame, table: model.Table) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Trimmed NFC text with empty = null, and the problems of unacceptable cells."""
    names = list(table.file_columns)
    frame = frame.with_columns([pl.col(c).cast(pl.Utf8) for c in names])
    wide = frame.select([pl.col(c).str.contains(r"[^\x00-\x7F]").any() for c in names]).row(0)
    frame = frame.with_columns(
        [(pl.col(c).str.normalize("NFC") if non_ascii else pl.col(c))
         .str.strip_chars().replace("", None) for c, non_ascii in zip(names, wide, strict=True)])
    problems: list[pl.DataFrame] = []
    fixes: list[pl.Expr] = []
    for col in table.columns:
        c = pl.col(col.name)
        limit = MAX_LENGTH[col.kind]
        control = c.str.contains(CONTROL).fill_null(False)
        long = (c.str.len_chars() > limit).fill_null(False)
        bad = frame.filter(control | long).select(ROW, c.alias("raw"), control.alias("ctl"),
                                                  c.str.len_chars().alias("n"))
        if bad.height:
            reasons = [
                (f"contains the character {_char_name(raw)}, which is not allowed in a value; "
                 "remove it" if ctl else
                 f"is {n:,} characters long; {col.name} takes at most {limit}")
                for raw, ctl, n in bad.select("raw", "ctl", "n").iter_rows()
            ]
            problems.append(bad.select(
                pl.col(ROW), pl.lit(col.name).alias("column"), shown(pl.col("raw")).alias("value"),
                pl.Series("reason", reasons, dtype=pl.Utf8)))
            fixes.append(pl.when(control | long).then(shown(c)).otherwise(c).alias(col.name))
    if fixes:
        frame = frame.with_columns(fixes)
    out = (pl.concat(problems) if problems else pl.DataFrame(schema=PROBLEM_SCHEMA))
    return frame, out.cast(PROBLEM_SCHEMA)  # type: ignore[arg-type]
