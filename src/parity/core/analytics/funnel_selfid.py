"""The funnel by a voluntary self-identification dimension (race/ethnicity, disability, …).

These data are restricted: Parity reads them only through
:func:`parity.core.disclosure.selfid.application_counts`, which requires an analyst
:class:`~parity.core.disclosure.Actor` with a declared purpose, writes the read to the
audit log first, and returns aggregate stage counts only. What that interface offers
bounds what this path can do:

* openings of Professional and higher grades only;
* groupings: the self-identification dimension, optionally crossed with ``regional_group``
  and ``gender`` (F, M, other_or_unknown); years through ``--from``/``--to``;
* roster selections cannot be told apart, so stages are compared as in the published
  tables: ``recommended`` from ``screened`` (a roster selection skips assessment and
  interview) and the stage decomposition follows received → screened → recommended →
  selected;
* no strata (no opening attributes are exposed).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from parity.core import model
from parity.core.analytics.funnel_counts import ROSTER_KEY, STAGES
from parity.core.analytics.funnel_dims import Filter
from parity.core.errors import AccessDeniedError, UserInputError
from parity.core.store import Store

#: (stage, previous stage): the funnel's steps (regular openings only).
SELFID_STEPS: tuple[tuple[str, str], ...] = model.STAGE_STEPS
SELFID_CHAIN: tuple[str, ...] = STAGES
CROSSABLE: tuple[str, ...] = ("regional_group", "gender")
NOTE = ("Self-identification counts come from the audited analyst interface: openings of "
        "Professional and higher grades only, regular openings (not recruit_from_roster), "
        "with the funnel's steps. The read was written to the audit log.")


def selfid_counts(store: Store | None, actor: object | None, dimension: str,
                  others: Sequence[str], year_from: int | None, year_to: int | None,
                  filters: Sequence[Filter], by_year: bool) -> pl.DataFrame:
    """Stage counts by the self-identification ``dimension`` and ``others`` (audited)."""
    from parity.core.disclosure import Actor, selfid

    if actor is None or not isinstance(actor, Actor):
        raise AccessDeniedError(
            f"'{dimension}' is voluntary self-identification data, which only an analyst "
            "with a declared purpose may analyse.",
            "Pass --purpose \"…\" (and --as NAME) as an analyst; the read is audited.")
    if store is None:
        raise UserInputError(
            "Self-identification analyses need the store itself (for the audit log), "
            "not a backend.", "Pass the open Store to the funnel.")
    known = selfid.dimensions(store, actor)
    if dimension not in known:
        raise UserInputError(
            f"'{dimension}' is neither a funnel dimension nor a self-identification "
            "dimension held in the store.",
            f"Self-identification dimensions held: {', '.join(known) or 'none'}.")
    bad = [d for d in [*others, *(f.dimension for f in filters)]
           if d not in (*CROSSABLE, "year")]
    if bad:
        raise UserInputError(
            f"A self-identification funnel can only be crossed with or filtered by "
            f"{', '.join(CROSSABLE)} and year; not {', '.join(dict.fromkeys(bad))}.",
            "Drop those --by/--where options.")
    released = selfid.application_counts(store, actor, dimension,
                                         by=list(dict.fromkeys(["year", *others])))
    frame = released.frame.with_columns(pl.col("year").cast(pl.Int64))
    if year_from is not None:
        frame = frame.filter(pl.col("year") >= year_from)
    if year_to is not None:
        frame = frame.filter(pl.col("year") <= year_to)
    for f in filters:
        col = pl.col(f.dimension).cast(pl.Utf8)
        values = [int(v) for v in f.values] if f.dimension == "year" else [
            _selfid_gender(v) if f.dimension == "gender" else v for v in f.values]
        cond = pl.col("year").is_in(values) if f.dimension == "year" else col.is_in(values)
        frame = frame.filter(~cond if f.negate else cond)
    if frame.is_empty():
        raise UserInputError(f"No applications with {dimension} data match the years and "
                             "filters.", "Widen --from/--to or change --where.")
    keys = list(dict.fromkeys([dimension, *others, *(["year"] if by_year else [])]))
    return (frame.with_columns(pl.col(dimension).cast(pl.Utf8), pl.lit(False).alias(ROSTER_KEY))
            .group_by([*keys, ROSTER_KEY])
            .agg(pl.col(s).sum().cast(pl.Int64) for s in STAGES))


def _selfid_gender(value: str) -> str:
    return value if value in ("F", "M") else "other_or_unknown"
