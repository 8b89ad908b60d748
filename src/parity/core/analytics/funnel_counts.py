"""The one counting pass of the recruitment funnel.

One Ibis expression over the applications (which carry copies of their opening's
attributes, so no join is needed) runs ONE grouped count, grouped by the raw columns
behind the requested dimensions (ENUM codes in the store), the opening's posting type and
the stages each application reached (``stages_reached``, one bit per stage, computed by
the store at load time). Every column it groups by is one small code, so the pass reads as
few bytes per application as a hand-written count over integer codes. The count per stage
and the roster flag (``recruit_from_roster`` openings) are then summed on the small
result in polars: a stage's count is the sum over the bit patterns holding its bit. Every
statistic of the funnel, its strata, trends and roster flow is derived from this count
table; the applications are never scanned again. Derived labels (regional group, level
band, field/non-field, ...) are mapped on the count table too, where each group is a
handful of rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir
import polars as pl

from parity.core import model, precompute
from parity.core.analytics.funnel_dims import (
    DIMENSIONS,
    UNKNOWN,
    Filter,
    application_column,
    entity_types,
    label_expr,
    period_bounds,
    raw_condition,
)
from parity.core.analytics.ranges import status_by_nationality
from parity.core.backend import Backend
from parity.core.errors import EmptyStoreError, UserInputError

STAGES: tuple[str, ...] = model.STAGES
ROSTER = "recruit_from_roster"
ROSTER_KEY = "roster"
YEAR = "opening_year"


@dataclass(frozen=True)
class CountRequest:
    """What to count: group keys (canonical dimension names), posting years and filters."""

    keys: tuple[str, ...]
    year_from: int | None = None
    year_to: int | None = None
    filters: tuple[Filter, ...] = ()


#: The posting type and the stage bits every count is grouped by (see the module docstring).
POSTING = "opening_posting_type"
BITS = "stages_reached"
COUNT = "n"


def count_expression(backend: Backend, request: CountRequest,
                     entity_type_of: dict[str, str],
                     range_status_of: dict[str, str] | None = None,
                     by_year: bool = False) -> tuple[ir.Table, list[str]]:
    """The grouped count as an Ibis expression and the raw columns it groups by.

    One table: the opening's attributes are the copies kept on each application. The
    expression counts applications (``n``) by the raw columns, the posting type and the
    stage bits; :func:`stage_counts` turns it into counts per stage. With ``by_year`` the
    count is also grouped by posting year (``opening_year``) over every year, and the
    request's years are left to the caller.
    """
    a = backend.table("applications")
    raw_keys = list(dict.fromkeys(application_column(DIMENSIONS[k]) for k in request.keys))
    if by_year and YEAR not in raw_keys:
        raw_keys.append(YEAR)
    else:
        if request.year_from is not None:
            a = a.filter(a.opening_year >= request.year_from)
        if request.year_to is not None:
            a = a.filter(a.opening_year <= request.year_to)
    for f in request.filters:
        col = a[application_column(DIMENSIONS[f.dimension])]
        a = a.filter(raw_condition(f, col, entity_type_of, range_status_of))
    extra = [c for c in (POSTING, BITS) if c not in raw_keys]
    counts = a.group_by([*raw_keys, *extra]).agg(**{COUNT: a.count()})
    return counts, raw_keys


def stage_counts(raw: pl.DataFrame, raw_keys: list[str]) -> pl.DataFrame:
    """The grouped count by stage bits → applications reaching each stage by the raw keys
    and the roster flag: ``received`` is every application, a later stage those whose
    ``stages_reached`` holds its bit (:data:`model.STAGE_BITS`)."""
    bits = pl.col(BITS).cast(pl.Int64)
    posting = pl.col(POSTING).cast(pl.Utf8)
    return (raw.with_columns((posting == ROSTER).fill_null(False).alias(ROSTER_KEY))
            .group_by([*raw_keys, ROSTER_KEY], maintain_order=True)
            .agg(pl.col(COUNT).sum().cast(pl.Int64).alias("received"),
                 *(pl.col(COUNT).filter((bits & bit) != 0).sum().cast(pl.Int64).alias(stage)
                   for stage, bit in model.STAGE_BITS.items())))


def count_table(backend: Backend, request: CountRequest) -> pl.DataFrame:
    """Applications reaching each stage by the requested keys and the roster flag.

    Columns: the keys (labels), ``roster`` (True for recruit_from_roster openings),
    ``received`` … ``selected`` (Int64). Raises EmptyStoreError when the store holds no
    applications and UserInputError when the years or filters leave none.
    """
    needs_types = any(DIMENSIONS[k].kind == "entity_type" for k in request.keys) or any(
        DIMENSIONS[f.dimension].kind == "entity_type" for f in request.filters)
    entity_type_of = entity_types(backend) if needs_types else {}
    needs_ranges = "range_status" in request.keys or any(
        f.dimension == "range_status" for f in request.filters)
    status_of = status_by_nationality(backend, range_as_of(request)) if needs_ranges else {}
    raw_keys = list(dict.fromkeys(application_column(DIMENSIONS[k]) for k in request.keys))
    types_key = (tuple(sorted(entity_type_of.items())), tuple(sorted(status_of.items())))

    def direct() -> pl.DataFrame:
        return stage_counts(backend.execute(
            lambda: count_expression(backend, request, entity_type_of, status_of)[0],
            key=("funnel_count", request, types_key)), raw_keys)

    if not precompute.enabled(backend):
        raw = direct()
    elif request.year_from is not None or request.year_to is not None:
        raw = _by_year(backend, request, entity_type_of, status_of, types_key)
    else:  # every year: the direct count is the table to keep (no year to group by)
        raw = precompute.memoized(backend, ("funnel_count", request, types_key), direct)
    if raw.is_empty():
        _explain_empty(backend, request)
    labelled = raw.with_columns(
        label_expr(DIMENSIONS[k], application_column(DIMENSIONS[k]),
                   entity_type_of, status_of).alias(f"__{k}")
        for k in request.keys
    ).drop(raw_keys).rename({f"__{k}": k for k in request.keys})
    return (labelled.group_by([*request.keys, ROSTER_KEY], maintain_order=True)
            .agg(pl.col(s).sum().cast(pl.Int64) for s in STAGES)
            .sort([*request.keys, ROSTER_KEY]))


def range_as_of(request: CountRequest) -> date | None:
    """The date whose desirable-range table labels ``range_status``: the start of the
    earliest period of a selection_month/selection_year filter, else 1 January of the last
    posting year, else None (the latest snapshot)."""
    starts = [period_bounds(DIMENSIONS[f.dimension].kind, v)[0] for f in request.filters
              if f.dimension in ("selection_month", "selection_year") and not f.negate
              for v in f.values if v != UNKNOWN]
    if starts:
        return min(starts)
    return date(request.year_to, 1, 1) if request.year_to is not None else None


def _by_year(backend: Backend, request: CountRequest, entity_type_of: dict[str, str],
             status_of: dict[str, str], types_key: Hashable) -> pl.DataFrame:
    """The request's raw counts from the data version's count table by posting year (the
    same keys and filters over every year, counted once): its years, summed later."""
    every_year = CountRequest(request.keys, None, None, request.filters)
    raw_keys = list(dict.fromkeys([*(application_column(DIMENSIONS[k]) for k in request.keys),
                                   YEAR]))
    table = precompute.memoized(
        backend, ("funnel_count_by_year", every_year, types_key),
        lambda: stage_counts(backend.execute(
            lambda: count_expression(backend, every_year, entity_type_of, status_of,
                                     by_year=True)[0],
            key=("funnel_count_by_year", every_year, types_key)), raw_keys))
    if request.year_from is not None:
        table = table.filter(pl.col(YEAR) >= request.year_from)
    if request.year_to is not None:
        table = table.filter(pl.col(YEAR) <= request.year_to)
    keyed = any(application_column(DIMENSIONS[k]) == YEAR for k in request.keys)
    return table if keyed else table.drop(YEAR)


def _explain_empty(backend: Backend, request: CountRequest) -> None:
    apps = backend.table("applications")
    total = int(backend.execute(apps.aggregate(n=apps.count()))["n"][0])
    if total == 0:
        raise EmptyStoreError(
            "The store has no applications, so there is no funnel to analyse.",
            "Load applications.csv and openings.csv with 'parity ingest' (or run 'parity demo').")
    years = ""
    if request.year_from is not None or request.year_to is not None:
        years = f" posted {request.year_from or '…'}–{request.year_to or '…'}"
    where = "; ".join(str(f) for f in request.filters)
    raise UserInputError(
        f"No applications to openings{years} match the filters"
        f"{' (' + where + ')' if where else ''}.",
        "Widen --from/--to or change --where; 'parity status' shows what the store holds.")
