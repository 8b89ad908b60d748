"""Dimensions of the recruitment funnel and timelines, and the ``--where`` filters on them.

A dimension is an attribute of the application (nationality, gender, country of
education, internal) or of its job opening (grade, entity, job family, posting type,
posting year), or a label derived from one: regional group of the nationality or of the
country of education, level band and category of the grade, field or non-field entity.
The count query groups by the *raw* columns (ENUM codes in the store) and derived labels
are mapped on the small count table afterwards; filters on derived labels are translated
back to raw values, so every filter runs inside the one counting pass.

Labels: a missing value is ``unknown``; ``internal`` is ``internal``/``external``;
``selection_month``/``selection_year`` are the month (YYYY-MM) or year of the selection
date (grouped by the date, labelled on the count table; filtered by date ranges);
``entity_type`` is ``field``/``non-field`` (the one rule of
:mod:`parity.core.dimensions.entity_type`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core import model, reference
from parity.core.backend import Backend
from parity.core.dimensions import registry
from parity.core.dimensions.entity_type import entity_types as entity_types
from parity.core.dimensions.levels import level_band
from parity.core.errors import UserInputError
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS

UNKNOWN = registry.UNKNOWN
#: The range_status of a nationality outside the desirable-range table.
NO_RANGE = registry.RANGE_STATUSES[-1]
Level = Literal["application", "opening"]


@dataclass(frozen=True)
class Dimension:
    """A dimension of the funnel: where its raw column lives and how labels derive from it.

    Built from the one registry (:mod:`parity.core.dimensions`), which holds the names,
    aliases, meanings and orders.
    """

    name: str
    level: Level
    column: str  # raw column of openings (or applications for application dimensions)
    kind: str  # "raw", "region", "band", "category", "entity_type", "internal", "year",
    # or "month"/"date_year" (the month or year of a date)
    description: str
    app_column: str  # the column of applications holding the raw values


def _funnel_dimension(d: registry.Dimension) -> Dimension:
    opening = "openings" in d.sources
    column = "year" if d.kind == "year" else d.sources["openings" if opening else "applications"]
    return Dimension(d.name, "opening" if opening else "application", column, d.kind,
                     d.description, d.sources["applications"])


DIMENSIONS: dict[str, Dimension] = {
    n: _funnel_dimension(registry.DIMENSIONS[n]) for n in registry.COMMANDS["funnel"]}
ALIASES: dict[str, str] = registry.ALIASES
#: Self-identification dimensions known by name; any of them is restricted data.
SELF_ID_EXAMPLES: tuple[str, ...] = ("race_ethnicity", "disability")
canonical = registry.canonical


def is_dimension(name: str) -> bool:
    return canonical(name) in DIMENSIONS


def unknown_dimension(name: str, level: Level | None = None) -> UserInputError:
    """The error for a name the funnel (or, with ``level``, the timelines) does not accept."""
    if level is not None:
        return registry.invalid(name, "timelines")
    return registry.invalid(name, "funnel", "; or a voluntary self-identification dimension "
                            "such as race_ethnicity, with analyst access (--purpose)")


def order_of(name: str) -> tuple[str, ...] | None:
    """The natural order of a dimension's labels, if it has one."""
    return registry.order_of(name)


def application_column(dim: Dimension) -> str:
    """The column of ``applications`` that holds ``dim``'s raw values.

    Opening attributes are read from the copies the store keeps on each application
    (``opening_grade``, ``opening_year``, …: see :data:`parity.core.model.APPLICATIONS`),
    so the funnel's count never joins the openings.
    """
    return dim.app_column


def execute(backend: Backend, expr: ir.Table) -> pl.DataFrame:
    """Run an expression built on ``backend.table`` tables; enum columns come back as text."""
    return backend.execute(expr)


# ----------------------------------------------------------------------------- labels

def _region_map() -> dict[str, str]:
    return dict(zip(reference.country_regions()["iso3"].to_list(),
                    reference.country_regions()["regional_group"].to_list(), strict=True))


_band = level_band


def label_expr(dim: Dimension, raw: str, entity_type_of: dict[str, str],
               range_status_of: dict[str, str] | None = None) -> pl.Expr:
    """A polars expression turning the raw column ``raw`` into the dimension's labels
    (``range_status_of``: ISO3 → status, for the range_status dimension)."""
    col = pl.col(raw)
    if dim.kind == "range_status":
        return col.cast(pl.Utf8).replace_strict(range_status_of or {}, default=NO_RANGE,
                                                return_dtype=pl.Utf8).fill_null(NO_RANGE)
    if dim.kind == "region":
        return col.replace_strict(_region_map(), default=NON_MEMBER_GROUP,
                                  return_dtype=pl.Utf8).fill_null(
            pl.lit(UNKNOWN) if dim.name == "education_region" else pl.lit(NON_MEMBER_GROUP))
    if dim.kind == "band":
        return col.replace_strict({g: _band(g) for g in model.GRADES}, default=UNKNOWN,
                                  return_dtype=pl.Utf8).fill_null(UNKNOWN)
    if dim.kind == "category":
        return col.replace_strict(model.CATEGORY_OF_GRADE, default=UNKNOWN,
                                  return_dtype=pl.Utf8).fill_null(UNKNOWN)
    if dim.kind == "entity_type":
        return col.replace_strict(entity_type_of, default=UNKNOWN,
                                  return_dtype=pl.Utf8).fill_null(UNKNOWN)
    if dim.kind == "internal":
        return (pl.when(col.is_null()).then(pl.lit(UNKNOWN))
                .when(col).then(pl.lit("internal")).otherwise(pl.lit("external")))
    if dim.kind == "year":
        return col.cast(pl.Int64)
    if dim.kind in registry.PERIOD_FORMATS:
        return col.dt.strftime(registry.PERIOD_FORMATS[dim.kind]).fill_null(UNKNOWN)
    return col.cast(pl.Utf8).fill_null(UNKNOWN)


def period_bounds(kind: str, value: str) -> tuple[date, date]:
    """The dates [start, end) of a month (``YYYY-MM``) or a year (``YYYY``) label."""
    year, _, month = value.partition("-")
    if kind == "date_year":
        return date(int(year), 1, 1), date(int(year) + 1, 1, 1)
    m = int(month)
    return date(int(year), m, 1), (date(int(year) + 1, 1, 1) if m == 12
                                   else date(int(year), m + 1, 1))


def _check_periods(dim: str, kind: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """Month (YYYY-MM) or year (YYYY) labels, normalised; ``unknown`` for never dated."""
    out: list[str] = []
    for v in values:
        if v.lower() == UNKNOWN:
            out.append(UNKNOWN)
            continue
        year, sep, month = v.partition("-")
        ok = year.isdigit() and len(year) == 4 and (
            not sep if kind == "date_year" else month.isdigit() and 1 <= int(month) <= 12)
        if not ok:
            example = "2022-03" if kind == "month" else "2022"
            raise UserInputError(
                f"'{v}' is not a {'month' if kind == 'month' else 'year'} for {dim}.",
                f"Write e.g. --where {dim}={example} (or {UNKNOWN} for never selected).")
        out.append(f"{year}-{int(month):02d}" if kind == "month" else year)
    return tuple(out)


# ----------------------------------------------------------------------------- filters

@dataclass(frozen=True)
class Filter:
    """``DIM=V1,V2`` (keep those values) or ``DIM!=V1,V2`` (drop them)."""

    dimension: str
    values: tuple[str, ...]
    negate: bool = False

    def __str__(self) -> str:
        return f"{self.dimension}{'!=' if self.negate else '='}{','.join(self.values)}"


def parse_filter(text: str) -> Filter:
    """Parse one ``--where`` expression; UserInputError with a hint when malformed."""
    negate = "!=" in text
    name, sep, rest = text.partition("!=" if negate else "=")
    values = tuple(v.strip() for v in rest.split(",") if v.strip())
    if not sep or not name.strip() or not values:
        raise UserInputError(
            f"'{text}' is not a filter.",
            "Write DIM=VALUE, DIM!=VALUE or DIM=V1,V2, e.g. --where grade=P-3,P-4.")
    dim = canonical(name)
    if dim not in DIMENSIONS:
        raise unknown_dimension(name.strip())
    return Filter(dim, _check_values(dim, values), negate)


def parse_filters(items: Iterable[str | Filter]) -> tuple[Filter, ...]:
    return tuple(i if isinstance(i, Filter) else parse_filter(i) for i in items)


def _check_values(dim: str, values: tuple[str, ...]) -> tuple[str, ...]:
    if DIMENSIONS[dim].kind in registry.PERIOD_FORMATS:
        return _check_periods(dim, DIMENSIONS[dim].kind, values)
    if dim in ("nationality", "education_country"):
        values = tuple(v.upper() if v.lower() != UNKNOWN else UNKNOWN for v in values)
        bad = [v for v in values if v != UNKNOWN and v not in reference.iso3_codes()]
        if bad:
            raise UserInputError(f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} not "
                                 "an ISO 3166-1 alpha-3 code.", "Use codes such as KEN or FRA.")
        return values
    if dim == "year":
        try:
            return tuple(str(int(v)) for v in values)
        except ValueError:
            raise UserInputError(f"The year filter '{','.join(values)}' is not a list of "
                                 "years.", "Write e.g. --where year=2020,2021.") from None
    domain = registry.order_of(dim)
    if domain is not None and dim != "year":
        lookup = {d.lower(): d for d in domain}
        bad = [v for v in values if v.lower() not in lookup]
        if bad:
            raise UserInputError(f"{', '.join(bad)} is not a value of {dim}.",
                                 f"Use one of: {', '.join(domain)}.")
        return tuple(lookup[v.lower()] for v in values)
    return values


def raw_condition(f: Filter, col: ir.Column, entity_type_of: dict[str, str],
                  range_status_of: dict[str, str] | None = None) -> ir.BooleanValue:
    """The filter as an Ibis condition on its dimension's raw column (NULL-safe)."""
    dim = DIMENSIONS[f.dimension]
    wanted = set(f.values)
    with_null = UNKNOWN in wanted
    period: ir.BooleanValue | None = None
    if dim.kind == "region":
        regions = _region_map()
        raw: list[Any] = sorted(c for c, g in regions.items() if g in wanted)
    elif dim.kind in ("band", "category"):
        fn = _band if dim.kind == "band" else model.CATEGORY_OF_GRADE.__getitem__
        raw = [g for g in model.GRADES if fn(g) in wanted]
    elif dim.kind == "entity_type":
        raw = sorted(e for e, t in entity_type_of.items() if t in wanted)
    elif dim.kind == "range_status":
        raw = sorted(c for c, t in (range_status_of or {}).items() if t in wanted)
    elif dim.kind == "internal":
        raw = [v == "internal" for v in wanted if v != UNKNOWN]
    elif dim.kind == "year":
        raw = [int(v) for v in wanted]
    elif dim.kind in registry.PERIOD_FORMATS:  # date ranges on the raw date
        raw = []
        for lo, hi in sorted(period_bounds(dim.kind, v) for v in wanted if v != UNKNOWN):
            span = (col >= ibis.literal(lo)) & (col < ibis.literal(hi))
            period = span if period is None else period | span
    else:
        raw = [v for v in wanted if v != UNKNOWN]
    cond: ir.BooleanValue = col.isin(raw) if raw else ibis.literal(False)
    if period is not None:
        cond = period
    if dim.kind == "entity_type" and with_null:
        known = sorted(entity_type_of)
        cond = cond | (~col.isin(known) if known else ibis.literal(True))
    if dim.kind == "range_status" and NO_RANGE in wanted:
        listed = sorted(range_status_of or {})
        cond = cond | col.isnull() | (~col.isin(listed) if listed else ibis.literal(True))
    if with_null:
        cond = cond | col.isnull()
    cond = cond.fill_null(False)
    return ~cond if f.negate else cond


def describe_filters(filters: Sequence[Filter]) -> str:
    return "; ".join(str(f) for f in filters)


_GENDER_WORDS = {"F": "women", "M": "men", "X": "applicants of another gender",
                 UNKNOWN: "applicants of unknown gender"}


def subject(group_cols: Sequence[str], values: Sequence[object]) -> str:
    """How a sentence names a group, e.g. "applicants from African States", "women"."""
    if len(group_cols) == 1:
        col, value = group_cols[0], values[0]
        if col == "regional_group" and value in REGIONAL_GROUPS:
            return f"applicants from {REGIONAL_GROUPS[str(value)]}"
        if col == "regional_group":
            return "applicants from non-member States and stateless applicants"
        if col == "gender":
            return _GENDER_WORDS.get(str(value), f"applicants of gender {value}")
        if col == "education_region" and value in REGIONAL_GROUPS:
            return f"applicants educated in {REGIONAL_GROUPS[str(value)]}"
        if col == "internal" and value in ("internal", "external"):
            return f"{value} applicants"
    parts = ", ".join(f"{c} {v}" for c, v in zip(group_cols, values, strict=True))
    return f"applicants with {parts}"
