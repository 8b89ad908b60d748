"""The roster flow: who gets on a roster, and who is then selected from it.

Two outcomes, counted in one Ibis expression (a union of two grouped counts):

* ``membership``: applications placed on a roster (``rostered_date`` set) over the
  applications received, for openings posted in the years asked for (seed 000 Table 1's
  "rostered" row counts these placements: openings at P-1 … D-2 posted 2018–2022, by the
  regional group of the applicant's nationality);
* ``conversion``: roster members (distinct applicants with a placement in those openings)
  selected from a ``recruit_from_roster`` opening on or after their first placement, over
  the roster members. A member takes the attributes of the first placement (nationality
  and gender from the application, grade and entity from the opening).

Both are proportions: Wilson intervals, Koopman ratio intervals, Fisher tests and, within
strata, Mantel–Haenszel risk ratios with the CMH test. A lower rate is adverse.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core.analytics.careers_exposure import check_scope
from parity.core.backend import Backend
from parity.core.dimensions import UNKNOWN, entity_type_table

OUTCOMES: tuple[str, ...] = ("membership", "conversion")


def _applications(backend: Backend, year_from: int | None, year_to: int | None,
                  scope: str) -> ir.Table:
    """Applications to the openings in the period and scope, with the group dimensions."""
    check_scope(scope)
    apps = backend.table("applications")  # with copies of the opening's attributes
    grades = backend.table("ref_grades")
    regions = backend.table("ref_country_regions")
    a = apps
    if year_from is not None:
        a = a.filter(a.opening_year >= year_from)
    if year_to is not None:
        a = a.filter(a.opening_year <= year_to)
    op = grades.select(
        o_grade=grades.grade, o_band=ibis.coalesce(grades.level_band, grades.category),
        o_category=grades.category, o_pplus=grades.professional_and_higher)
    if scope == "professional":
        op = op.filter(op.o_pplus)
    types = entity_type_table(backend.table("staff"))
    types = types.select(t_entity=types.entity, t_type=types.entity_type)
    j = a.join(op, a.opening_grade.cast("string") == op.o_grade).left_join(
        regions, a.nationality.cast("string") == regions.iso3).left_join(
        types, a.opening_entity == types.t_entity)
    return j.select(
        application_id=a.application_id, applicant_id=a.applicant_id,
        rostered_date=a.rostered_date,
        regional_group=regions.regional_group, nationality=a.nationality.cast("string"),
        gender=a.gender.cast("string"), grade=op.o_grade, level_band=op.o_band,
        category=op.o_category, entity=a.opening_entity,
        entity_type=types.t_type.fill_null(UNKNOWN),
        organization=a.organization.cast("string"),
    )


def _roster_selections(backend: Backend) -> ir.Table:
    """Selections from ``recruit_from_roster`` openings (any year): applicant and date."""
    apps = backend.table("applications")
    openings = backend.table("openings")
    rfr = openings.filter(openings.posting_type.cast("string") == "recruit_from_roster")
    ids = rfr.select(r_id=rfr.opening_id)
    j = apps.join(ids, apps.opening_id == ids.r_id)
    j = j.filter(j.selected_date.notnull())
    return j.select(s_applicant=j.applicant_id, s_date=j.selected_date)


def roster_expression(backend: Backend, keys: Sequence[str], year_from: int | None = None,
                      year_to: int | None = None, scope: str = "all") -> ir.Table:
    """Both outcomes' counts and totals by ``keys``, as one expression."""
    keys = list(keys)
    a = _applications(backend, year_from, year_to, scope)
    membership = a.group_by(keys).agg(
        count=a.rostered_date.notnull().ifelse(1, 0).sum(), total=a.count())
    r = a.filter(a.rostered_date.notnull())
    order_key = r.rostered_date.cast("string") + r.application_id
    first = r.group_by(m_applicant=r.applicant_id).agg(
        first_rostered=r.rostered_date.min(),
        **{f"m_{k}": r[k].argmin(order_key) for k in keys},
    )
    sel = _roster_selections(backend)
    conv = first.left_join(sel, [first.m_applicant == sel.s_applicant,
                                 sel.s_date >= first.first_rostered])
    per_member = conv.group_by([conv.m_applicant, *[conv[f"m_{k}"] for k in keys]]).agg(
        converted=conv.s_date.count())
    conversion = per_member.group_by(
        **{k: per_member[f"m_{k}"] for k in keys}).agg(
        count=(per_member.converted > 0).ifelse(1, 0).sum(), total=per_member.count())
    cols = [*keys, "count", "total"]
    return ibis.union(
        membership.select(cols).mutate(outcome=ibis.literal("membership")),
        conversion.select(cols).mutate(outcome=ibis.literal("conversion")),
        distinct=False,
    )


def roster_counts(backend: Backend, keys: Sequence[str], year_from: int | None = None,
                  year_to: int | None = None, scope: str = "all") -> pl.DataFrame:
    """Tidy count table: ``keys``, outcome, count, total."""
    frame = Backend.to_polars(roster_expression(backend, keys, year_from, year_to, scope))
    return frame.select(*keys, "outcome", pl.col("count").cast(pl.Int64),
                        pl.col("total").cast(pl.Int64))
