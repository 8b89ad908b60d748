"""Plausibility rules: values of the right type that cannot be true.

Bounds (listed in ``docs/data-model.md``):

* every date lies between ``EARLIEST`` (the United Nations was founded in 1945) and the
  load date plus ``GRACE_DAYS`` (a snapshot or a closing deadline may be dated a little
  ahead of the day it is loaded, never years ahead);
* a staff member's age on the snapshot date is ``MIN_AGE`` to ``validate.MAX_AGE``;
* an application is received on or after its opening's posting date, and no stage is more
  than ``MAX_STAGE_YEARS`` after the application was received;
* a self-identification dimension and value come from the declared code list
  (:data:`parity.core.model.SELF_ID_CODES`), in any case; the declared spelling is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl

from parity.core import model

EARLIEST = date(1945, 1, 1)
GRACE_DAYS = 92
MAX_STAGE_YEARS = 5
MIN_AGE = 16


def latest_date(today: date) -> date:
    return today + timedelta(days=GRACE_DAYS)


def problem(frame: pl.DataFrame, mask: pl.Expr, column: str, reason: pl.Expr | str,
            value: pl.Expr | None = None) -> pl.DataFrame:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    value_expr = value if value is not None else pl.col(column)
    return frame.filter(mask.fill_null(False)).select(
        pl.col("__row"),
        pl.lit(column).alias("column"),
        value_expr.cast(pl.Utf8).alias("value"),
        reason_expr.cast(pl.Utf8).alias("reason"),
    )


def date_bounds(typed: pl.DataFrame, table: model.Table, today: date) -> list[pl.DataFrame]:
    last = latest_date(today)
    out = []
    for col in table.columns:
        if col.kind != "date":
            continue
        c = pl.col(col.name)
        out.append(problem(typed, c < EARLIEST, col.name, pl.format(
            f"{{}} is before {EARLIEST.year}, earlier than any plausible date; check the year",
            c.cast(pl.Utf8))))
        out.append(problem(typed, c > last, col.name, pl.format(
            f"{{}} is after {last} (the load date {today} plus {GRACE_DAYS} days); "
            "check the year", c.cast(pl.Utf8))))
    return out


def application_dates(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """``frame`` carries the opening's ``posted_date``."""
    received = pl.col("received_date")
    out = [problem(frame, received < pl.col("posted_date"), "received_date", pl.format(
        "{} is before the opening was posted ({}); check the date or the opening_id",
        received.cast(pl.Utf8), pl.col("posted_date").cast(pl.Utf8)))]
    limit = received.dt.offset_by(f"{MAX_STAGE_YEARS}y")
    for stage in [*model.STAGES[1:], "rostered"]:
        c = pl.col(f"{stage}_date")
        out.append(problem(frame, c > limit, f"{stage}_date", pl.format(
            f"{{}} is more than {MAX_STAGE_YEARS} years after received_date {{}}; "
            "check the year", c.cast(pl.Utf8), received.cast(pl.Utf8))))
    return out


def _lookup(values: tuple[str, ...]) -> dict[str, str]:
    return {v.casefold(): v for v in values}


CodeLists = Mapping[str, Sequence[str]]


def self_id_codes(typed: pl.DataFrame, codes: CodeLists | None = None
                  ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Canonical spelling of dimension and value, and the rows whose codes are not declared
    in ``codes`` (default :data:`parity.core.model.SELF_ID_CODES`)."""
    declared = codes if codes is not None else model.SELF_ID_CODES
    dims = _lookup(tuple(declared))
    dim = pl.col("dimension").str.to_lowercase().replace_strict(dims, default=None)
    pairs = {f"{d}|{v.casefold()}": v for d, vs in declared.items() for v in vs}
    key = pl.concat_str([dim, pl.lit("|"), pl.col("value").str.to_lowercase()])
    value = key.replace_strict(pairs, default=None)
    frame = typed.with_columns(dim.alias("__dim"), value.alias("__value"))
    allowed = {d: ", ".join(v) for d, v in declared.items()}
    out = [
        problem(frame, pl.col("dimension").is_not_null() & pl.col("__dim").is_null(),
                "dimension", pl.format(
                    f"'{{}}' is not a declared self-identification dimension; declared: "
                    f"{', '.join(declared)}", pl.col("dimension"))),
        problem(frame, pl.col("__dim").is_not_null() & pl.col("value").is_not_null()
                & pl.col("__value").is_null(), "value", pl.format(
                    "'{}' is not a declared value of {}; declared (any case): {}",
                    pl.col("value"), pl.col("__dim"),
                    pl.col("__dim").replace_strict(allowed, default=None))),
    ]
    canonical = frame.with_columns(
        pl.coalesce("__dim", "dimension").alias("dimension"),
        pl.coalesce("__value", "value").alias("value"),
    ).drop("__dim", "__value")
    return canonical, out
