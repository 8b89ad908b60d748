"""CSV: one section per file, formula-like text cells neutralised.

Columns are the section's own (the same as the JSON records). Text cells that start with
``= + - @``, a tab or a carriage return get a leading ``'`` so that a spreadsheet shows
them as text instead of running them (numbers, negative ones included, are untouched).
Lists and structs are written as JSON text.
"""

from __future__ import annotations

import json

import polars as pl

from parity.core.output.cells import FORMULA_STARTS, plain

_PATTERN = "^[" + "".join("\\" + c if c in "-" else c for c in FORMULA_STARTS) + "]"


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with nested values as JSON text and formula-like text cells neutralised."""
    nested = [n for n, t in frame.schema.items() if t.is_nested() or t == pl.Object]
    if nested:
        frame = frame.with_columns(
            pl.Series(n, [None if v is None else json.dumps(plain(v), ensure_ascii=False,
                                                            default=str)
                          for v in frame[n].to_list()], dtype=pl.Utf8) for n in nested)
    text = [n for n, t in frame.schema.items()
            if t in (pl.Utf8, pl.Categorical) or isinstance(t, pl.Enum)]
    return frame.with_columns(
        pl.when(pl.col(n).cast(pl.Utf8).str.contains(_PATTERN))
        .then(pl.lit("'") + pl.col(n).cast(pl.Utf8))
        .otherwise(pl.col(n).cast(pl.Utf8)).alias(n) for n in text)


def frame_to_csv(frame: pl.DataFrame, float_precision: int | None = None) -> str:
    """``frame`` as CSV text (UTF-8, header row, empty cells for nulls, NaN and infinities)."""
    safe = safe_frame(frame)
    floats = [n for n, t in safe.schema.items() if t.is_float()]
    if floats:
        safe = safe.with_columns(pl.when(pl.col(n).is_finite()).then(pl.col(n)).alias(n)
                                 for n in floats)
    return safe.write_csv(float_precision=float_precision)
