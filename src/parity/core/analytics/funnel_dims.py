"""Dimensions of the recruitment funnel and timelines, and the ``--where`` filters on them.

A dimension is an attribute of the application (nationality, gender, country of
education, internal) or of its job opening (grade, entity, job family, posting type,
posting year), or a label derived from one: regional group of the nationality or of the
country of education, level band and category of the grade, field or non-field entity.
The count query groups by the *raw* columns (ENUM codes in the store) and derived labels
are mapped on the small count table afterwards; filters on derived labels are translated
back to raw values, so every filter runs inside the one counting pass.

Labels: a missing value is ``unknown``; ``internal`` is ``internal``/``external``;
``entity_type`` is ``field``/``non-field`` (rule in :func:`entity_types`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core import model, reference
from parity.core.backend import Backend
from parity.core.errors import UserInputError
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS

UNKNOWN = "unknown"
Level = Literal["application", "opening"]


@dataclass(frozen=True)
class Dimension:
    """A dimension: where its raw column lives and how labels derive from it."""

    name: str
    level: Level
    column: str  # raw column: applications.<column>, openings.<column>, or "year"
    kind: str  # "raw", "region", "band", "category", "entity_type", "internal", "year"
    description: str


DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("regional_group", "application", "nationality", "region",
              "Regional group of the nationality: AFR, APG, EEG, GRULAC, WEOG; NONMEMBER for "
              "non-member States and stateless persons."),
    Dimension("nationality", "application", "nationality", "raw",
              "ISO3 nationality (XXX = stateless or non-member)."),
    Dimension("gender", "application", "gender", "raw", "F, M, X or unknown."),
    Dimension("education_region", "application", "education_country", "region",
              "Regional group of the country of the highest degree (unknown if not given)."),
    Dimension("education_country", "application", "education_country", "raw",
              "ISO3 country of the highest degree (unknown if not given)."),
    Dimension("internal", "application", "internal", "internal",
              "internal (staff member) or external applicant; unknown if not given."),
    Dimension("grade", "opening", "grade", "raw", "Grade of the job opening (USG … G-1)."),
    Dimension("level_band", "opening", "grade", "band",
              "P-1/P-2, P-3, P-4, P-5, D-1/D-2, ASG/USG; other categories by their code."),
    Dimension("category", "opening", "grade", "category", "SL, D, P, FS, NO, GS."),
    Dimension("job_family", "opening", "job_family", "raw", "Job family of the opening."),
    Dimension("entity", "opening", "entity", "raw", "Entity that posted the opening."),
    Dimension("entity_type", "opening", "entity", "entity_type",
              "field or non-field entity (from the staff table's field flag), unknown if "
              "the entity has no staff in the store."),
    Dimension("posting_type", "opening", "posting_type", "raw",
              "position_specific, generic or recruit_from_roster."),
    Dimension("year", "opening", "year", "year", "Year the opening was posted."),
    Dimension("opening", "opening", "opening_id", "raw", "The job opening (for strata)."),
)}
ALIASES: dict[str, str] = {
    "group": "regional_group", "region": "regional_group", "sex": "gender",
    "level": "level_band", "band": "level_band", "family": "job_family",
    "field": "entity_type", "education": "education_region", "jo": "opening",
    "opening_id": "opening",
}
#: Self-identification dimensions known by name; any of them is restricted data.
SELF_ID_EXAMPLES: tuple[str, ...] = ("race_ethnicity", "disability")
LEVEL_ORDER: tuple[str, ...] = ("ASG/USG", "D-1/D-2", "P-5", "P-4", "P-3", "P-1/P-2",
                                "FS", "NO", "GS")
_DOMAINS: dict[str, tuple[str, ...]] = {
    "regional_group": (*REGIONAL_GROUPS, NON_MEMBER_GROUP),
    "education_region": (*REGIONAL_GROUPS, NON_MEMBER_GROUP, UNKNOWN),
    "gender": (*model.GENDERS, UNKNOWN),
    "internal": ("internal", "external", UNKNOWN),
    "grade": model.GRADES,
    "level_band": LEVEL_ORDER,
    "category": tuple(model.CATEGORIES),
    "posting_type": model.POSTING_TYPES,
    "entity_type": ("field", "non-field", UNKNOWN),
}


def canonical(name: str) -> str:
    """The dimension's canonical name (aliases resolved, lower case)."""
    key = name.strip().lower()
    return ALIASES.get(key, key)


def is_dimension(name: str) -> bool:
    return canonical(name) in DIMENSIONS


def unknown_dimension(name: str, level: Level | None = None) -> UserInputError:
    names = [d.name for d in DIMENSIONS.values() if level is None or d.level == level]
    return UserInputError(
        f"'{name}' is not a dimension Parity can break {'openings' if level else 'the funnel'} "
        "down by.",
        f"Use one of: {', '.join(names)}"
        + ("" if level else "; or a voluntary self-identification dimension such as "
           "race_ethnicity, with analyst access (--purpose).") + "",
    )


def order_of(name: str) -> tuple[str, ...] | None:
    """The natural order of a dimension's labels, if it has one."""
    return _DOMAINS.get(name)


# ----------------------------------------------------------------------------- tables

_IBIS_TYPES: dict[str, str] = {"id": "string", "text": "string", "code": "string",
                               "iso3": "string", "date": "date", "bool": "boolean",
                               "year": "int16"}


def declared_table(name: str) -> ir.Table:
    """A store table as an Ibis expression with the schema declared in :mod:`parity.core.model`.

    Executed on any engine by name (``backend.execute(expr)``); unlike
    ``Backend.table`` it needs no schema round trip, which on DuckDB parses every ENUM
    type (≈ 0.15 s per table for the 250 ISO3 codes) on every call.
    """
    spec = model.TABLES_BY_NAME[name]
    schema = {c.name: _IBIS_TYPES[c.kind] for c in spec.store_columns}
    return ibis.table(schema, name=name)


def application_column(dim: Dimension) -> str:
    """The column of ``applications`` that holds ``dim``'s raw values.

    Opening attributes are read from the copies the store keeps on each application
    (``opening_grade``, ``opening_year``, …: see :data:`parity.core.model.APPLICATIONS`),
    so the funnel's count never joins the openings.
    """
    if dim.level == "application" or dim.column == "opening_id":
        return dim.column
    return f"opening_{dim.column}"


def execute(backend: Backend, expr: ir.Table) -> pl.DataFrame:
    """Run an expression built on :func:`declared_table` on the backend's engine."""
    return backend.execute(expr)



# ----------------------------------------------------------------------------- labels

def _region_map() -> dict[str, str]:
    return dict(zip(reference.country_regions()["iso3"].to_list(),
                    reference.country_regions()["regional_group"].to_list(), strict=True))


def _band(grade: str) -> str:
    return model.LEVEL_BANDS.get(grade) or model.CATEGORY_OF_GRADE[grade]


def label_expr(dim: Dimension, raw: str, entity_type_of: dict[str, str]) -> pl.Expr:
    """A polars expression turning the raw column ``raw`` into the dimension's labels."""
    col = pl.col(raw)
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
    return col.cast(pl.Utf8).fill_null(UNKNOWN)


def entity_types(backend: Backend) -> dict[str, str]:
    """Entity → ``field`` / ``non-field`` from the staff table.

    Rule: on the latest snapshot in which the entity has staff, it is a field entity when
    at least half of its staff have ``field = true``. Entities with no staff in the store
    are ``unknown``. One small grouped count over the staff table.
    """
    staff = declared_table("staff")
    counts = staff.group_by(["entity", "snapshot_date"]).agg(
        staff=staff.count(), in_field=staff.field.ifelse(1, 0).sum())
    frame = execute(backend, counts)
    if frame.is_empty():
        return {}
    latest = frame.sort("snapshot_date").group_by("entity").last()
    return {row["entity"]: ("field" if 2 * row["in_field"] >= row["staff"] else "non-field")
            for row in latest.iter_rows(named=True)}


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
    domain = _DOMAINS.get(dim)
    if domain is not None:
        lookup = {d.lower(): d for d in domain}
        bad = [v for v in values if v.lower() not in lookup]
        if bad:
            raise UserInputError(f"{', '.join(bad)} is not a value of {dim}.",
                                 f"Use one of: {', '.join(domain)}.")
        return tuple(lookup[v.lower()] for v in values)
    return values


def raw_condition(f: Filter, col: ir.Column, entity_type_of: dict[str, str]) -> ir.BooleanValue:
    """The filter as an Ibis condition on its dimension's raw column (NULL-safe)."""
    dim = DIMENSIONS[f.dimension]
    wanted = set(f.values)
    with_null = UNKNOWN in wanted
    if dim.kind == "region":
        regions = _region_map()
        raw: list[Any] = sorted(c for c, g in regions.items() if g in wanted)
    elif dim.kind in ("band", "category"):
        fn = _band if dim.kind == "band" else model.CATEGORY_OF_GRADE.__getitem__
        raw = [g for g in model.GRADES if fn(g) in wanted]
    elif dim.kind == "entity_type":
        raw = sorted(e for e, t in entity_type_of.items() if t in wanted)
    elif dim.kind == "internal":
        raw = [v == "internal" for v in wanted if v != UNKNOWN]
    elif dim.kind == "year":
        raw = [int(v) for v in wanted]
    else:
        raw = [v for v in wanted if v != UNKNOWN]
    cond: ir.BooleanValue = col.isin(raw) if raw else ibis.literal(False)
    if dim.kind == "entity_type" and with_null:
        known = sorted(entity_type_of)
        cond = cond | (~col.isin(known) if known else ibis.literal(True))
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
