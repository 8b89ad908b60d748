"""Voluntary self-identification data: purpose-bound, aggregate-only, audited reads.

This is the only module of Parity that reads ``restricted.self_identification`` after
ingest. Every function here requires an analyst :class:`Actor` with a declared purpose
(:class:`AccessDeniedError` otherwise), writes one entry to the audit log *before* it
reads, and returns counts of persons or applications by category, never a row per
person. The data are used only for statistics, never for decisions about a person
(seed 000 §41).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core.backend import Backend
from parity.core.disclosure import audit_log, catalog
from parity.core.disclosure.policy import Actor, require_analyst_with_purpose
from parity.core.disclosure.tables import (
    BROAD_BAND_OF,
    BROAD_BANDS,
    CountTable,
    Derived,
    Released,
    TableSpec,
)
from parity.core.errors import UserInputError
from parity.core.store import Store

NOT_STATED = "not_stated"
#: Groupings an analyst may ask for (never an id).
STAFF_GROUPINGS: tuple[str, ...] = ("broad_band", "level_band", "regional_group", "gender",
                                    "entity")
APPLICATION_GROUPINGS: tuple[str, ...] = ("year", "regional_group", "gender")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_WHAT = "self-identification data"


def _check(actor: Actor) -> None:
    require_analyst_with_purpose(actor, _WHAT)


def _latest(backend: Backend, dimension: str) -> ir.Table:
    """The latest value given per subject for one dimension."""
    si = backend.table("self_identification")
    si = si.filter(si.dimension == dimension)
    ranked = si.mutate(_rn=ibis.row_number().over(
        group_by=si.subject_id, order_by=ibis.desc(si.collected_date)))
    return ranked.filter(ranked._rn == 0).select(si_subject=ranked.subject_id, si_value=ranked.value)


def _broad(band: ir.StringValue) -> ir.StringValue:
    pairs = [(band == k, v) for k, v in BROAD_BAND_OF.items()]
    return ibis.cases(*pairs, else_=band)


def _staff_with_values(backend: Backend, dimension: str) -> tuple[ir.Table, str] | None:
    got = catalog.staff_latest(backend)
    if got is None:
        return None
    staff, snap = got
    vals = _latest(backend, dimension)
    j = staff.left_join(vals, staff.person_id == vals.si_subject)
    return j.mutate(**{dimension: j.si_value.fill_null(NOT_STATED),
                       "broad_band": _broad(j.level_band)}), snap


def dimensions(store: Store, actor: Actor) -> list[str]:
    """The self-identification dimensions held (e.g. race_ethnicity, disability)."""
    _check(actor)
    audit_log.append(store, actor, "read", "self_identification: list of dimensions")
    si = Backend.from_store(store).table("self_identification")
    frame = Backend.to_polars(si.select("dimension").distinct())
    return sorted(frame["dimension"].to_list())


def _dimension_name(dimension: str) -> str:
    if not _NAME.match(dimension) or dimension in catalog.GENDER_GROUPS:
        raise UserInputError(
            f"'{dimension}' cannot be used as a self-identification dimension name.",
            "Use lower-case letters, digits and underscores, e.g. race_ethnicity.",
        )
    return dimension


def staff_counts(store: Store, actor: Actor, dimension: str,
                 by: Sequence[str] = ("broad_band",)) -> Released:
    """Staff on the latest snapshot by self-identified category and ``by`` (full resolution).

    Staff who gave no answer are counted under ``not_stated``.
    """
    _check(actor)
    dimension = _dimension_name(dimension)
    bad = [b for b in by if b not in STAFF_GROUPINGS]
    if bad:
        raise UserInputError(f"Self-identification counts cannot be grouped by {bad}.",
                             f"Group by any of: {', '.join(STAFF_GROUPINGS)}.")
    audit_log.append(store, actor, "read",
                     f"self_identification:{dimension} staff counts by {', '.join(by) or '-'}")
    got = _staff_with_values(Backend.from_store(store), dimension)
    if got is None:
        frame = pl.DataFrame(schema={**{b: pl.Utf8 for b in by}, dimension: pl.Utf8,
                                     "staff": pl.Int64})
        return Released("selfid_staff", frame, "analyst", reference="no staff snapshot")
    t, snap = got
    frame = Backend.to_polars(t.group_by([*by, dimension]).agg(staff=t.count()))
    frame = frame.sort([*by, dimension])
    return Released(f"selfid_staff_{dimension}", frame, "analyst",
                    rules=("aggregates only",), reference=f"staff on the snapshot of {snap}")


def application_counts(store: Store, actor: Actor, dimension: str,
                       by: Sequence[str] = ("year",)) -> Released:
    """Applications to regular openings of Professional and higher grades reaching each
    stage, by category (the universe of the released funnel tables)."""
    _check(actor)
    dimension = _dimension_name(dimension)
    bad = [b for b in by if b not in APPLICATION_GROUPINGS]
    if bad:
        raise UserInputError(f"Self-identification counts cannot be grouped by {bad}.",
                             f"Group by any of: {', '.join(APPLICATION_GROUPINGS)}.")
    audit_log.append(store, actor, "read",
                     f"self_identification:{dimension} application stage counts by "
                     f"{', '.join(by) or '-'}")
    backend = Backend.from_store(store)
    a = catalog.applications_regular(backend)
    vals = _latest(backend, dimension)
    j = a.left_join(vals, a.applicant_id == vals.si_subject)
    j = j.mutate(**{dimension: j.si_value.fill_null(NOT_STATED), "gender": j.gender_group})
    aggs = {s: (j.count() if s == "received" else j[f"{s}_date"].notnull().ifelse(1, 0).sum())
            for s in catalog.STAGES}
    frame = Backend.to_polars(j.group_by([*by, dimension]).agg(**aggs)).sort([*by, dimension])
    return Released(f"selfid_applications_{dimension}", frame, "analyst",
                    rules=("aggregates only",))


def publication_spec(dimension: str, by: str) -> TableSpec:
    """The organisation-wide table of one dimension by broad band or regional group."""
    domain = BROAD_BANDS if by == "broad_band" else catalog.REGIONAL_GROUP_CODES
    return TableSpec(
        name=f"self_identification_{dimension}_by_{by}",
        title=f"Voluntary self-identification ({dimension}) by "
              f"{'broad grade band' if by == 'broad_band' else 'regional group'}",
        description="Staff on the latest snapshot by their voluntary self-identification, "
                    "organisation-wide; not_stated counts staff who gave no answer. Given "
                    "voluntarily and used only for statistics.",
        universe="staff_latest", dims=(by, dimension), counts=("staff",),
        additive=(by, dimension), rule="selfid", category=dimension, nonresponse=NOT_STATED,
        domains=((by, domain),),
        derived=(
            Derived("share_of_respondents", "share", "staff", over=dimension,
                    exclude=(NOT_STATED,), description="staff / staff who answered, same row"),
            Derived("response_rate", "response_rate", "staff", over=dimension,
                    exclude=(NOT_STATED,), description="staff who answered / all staff"),
        ),
    )


def publication_tables(store: Store, actor: Actor,
                       backend: Backend | None = None) -> list[CountTable]:
    """The self-identification tables a release may carry (rules applied by the release)."""
    _check(actor)
    audit_log.append(store, actor, "read", "self_identification: list of dimensions, for a "
                                           "release")
    backend = backend or Backend.from_store(store)
    si = backend.table("self_identification")
    dims = sorted(Backend.to_polars(si.select("dimension").distinct())["dimension"].to_list())
    out: list[CountTable] = []
    for dimension in dims:
        if not _NAME.match(dimension):
            continue
        audit_log.append(store, actor, "read",
                         f"self_identification:{dimension} staff counts by broad_band and by "
                         "regional_group, for a release")
        got = _staff_with_values(backend, dimension)
        if got is None:
            continue
        t, snap = got
        for by in ("broad_band", "regional_group"):
            frame = Backend.to_polars(t.group_by([by, dimension]).agg(staff=t.count()))
            out.append(CountTable(publication_spec(dimension, by), frame,
                                  f"staff on the snapshot of {snap}"))
    return out
