"""Per-organization tables of the release catalog: the system-wide tables' views by
organization of the UN system.

Staff on the latest snapshot by organization and regional group, and by organization,
parity band and gender; applications to regular openings reaching each recruitment stage
by organization, year of posting and regional group, and by organization, year and
gender. ``organization`` is an additive dimension of each: the ``All`` rows over it are
the system-wide cells (same counted population, count and dimension values), so they are
one cell with the system-wide tables' (``workforce_by_regional_group_level_gender``,
``gender_parity_by_level``, ``funnel_by_regional_group``, ``funnel_by_gender``). Each
table's margin equations then say that the organizations' cells add up to the system-wide
cell, and the suppression and the LP auditor of a release work on that one linked system:
a cell hidden in the system-wide table cannot be recovered by adding up the
organizations', nor the other way round.

A table is released only when the rows it counts hold at least two organizations: with
one organization it would repeat the system-wide table.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from parity.core.backend import Backend
from parity.core.disclosure.catalog import (
    FUNNEL_GENDER,
    FUNNEL_RG,
    GENDER_GROUPS,
    GENDER_REMAINDER,
    REGIONAL_GROUP_CODES,
    Compute,
    Provider,
    applications_regular,
    posting_years,
    register,
    staff_latest,
    stage_counts,
)
from parity.core.disclosure.policy import Audience
from parity.core.disclosure.tables import PARITY_BANDS, CountTable, Derived, TableSpec

ORG = "organization"
#: Fewer organizations than this in a table's rows: the table is not released.
MIN_ORGANIZATIONS = 2


def _several(frame: pl.DataFrame) -> bool:
    return not frame.is_empty() and frame[ORG].n_unique() >= MIN_ORGANIZATIONS


def _staff_by_org(spec: TableSpec) -> Compute:
    """Staff on the latest snapshot by the spec's dimensions (organization first)."""
    def compute(backend: Backend, audience: Audience) -> CountTable | None:
        got = staff_latest(backend)
        if got is None:
            return None
        s, snap = got
        frame = Backend.to_polars(s.group_by(list(spec.dims)).agg(staff=s.count()))
        if not _several(frame):
            return None
        return CountTable(spec, frame, f"staff on the snapshot of {snap}")
    return compute


def _funnel_by_org(spec: TableSpec, by: str, column: str) -> Compute:
    """Applications reaching each stage by organization, year of posting and ``by``."""
    def compute(backend: Backend, audience: Audience) -> CountTable | None:
        a = applications_regular(backend)
        frame = stage_counts(a, {ORG: a.organization.cast("string"), "year": a.year,
                                 by: a[column]})
        if not _several(frame):
            return None
        return CountTable(spec, frame, posting_years(frame))
    return compute


def _funnel_spec(base: TableSpec, name: str, title: str, by: str) -> TableSpec:
    words = "regional group" if by == "regional_group" else "gender"
    return dataclasses.replace(
        base, name=name, title=title,
        description=f"Applications to regular openings (not recruit_from_roster) of "
                    f"Professional and higher grades reaching each recruitment stage, by "
                    f"organization that posted the opening, year of posting and {words} of "
                    f"the applicant; the All rows over organization are {base.name}.",
        dims=(ORG, *base.dims), additive=(ORG, *base.additive))


ORG_REGIONAL_GROUP = TableSpec(
    name="workforce_by_organization_regional_group",
    title="Workforce by organization and regional group",
    description="Staff on the latest snapshot by organization of the UN system and regional "
                "group of nationality; the All rows over organization are the system-wide "
                "counts of workforce_by_regional_group_level_gender.",
    universe="staff_latest", dims=(ORG, "regional_group"), counts=("staff",),
    additive=(ORG, "regional_group"), domains=(("regional_group", REGIONAL_GROUP_CODES),),
    derived=(Derived("regional_group_share", "share", "staff", over="regional_group",
                     description="staff / all staff of the organization"),),
)
ORG_GENDER_PARITY = TableSpec(
    name="gender_parity_by_organization_level",
    title="Gender parity by organization and level",
    description="Women and men on the latest snapshot by organization of the UN system and "
                "level band (ASG/USG with D-1/D-2 as D-1 and above); the All rows over "
                "organization are gender_parity_by_level.",
    universe="staff_latest", dims=(ORG, "parity_band", "gender"), counts=("staff",),
    additive=(ORG, "parity_band", "gender"),
    domains=(("parity_band", PARITY_BANDS), ("gender", GENDER_GROUPS)),
    derived=(Derived("gender_share", "share", "staff", over="gender",
                     description="staff / all staff of the organization and band"),),
    remainder=GENDER_REMAINDER,
)
ORG_FUNNEL_RG = _funnel_spec(FUNNEL_RG, "funnel_by_organization_regional_group",
                             "Recruitment funnel by organization and regional group",
                             "regional_group")
ORG_FUNNEL_GENDER = _funnel_spec(FUNNEL_GENDER, "funnel_by_organization_gender",
                                 "Recruitment funnel by organization and gender", "gender")
#: Per-organization tables by name.
ORG_SPECS: dict[str, TableSpec] = {s.name: s for s in (
    ORG_REGIONAL_GROUP, ORG_GENDER_PARITY, ORG_FUNNEL_RG, ORG_FUNNEL_GENDER)}

for _p in (
    Provider(ORG_REGIONAL_GROUP, _staff_by_org(ORG_REGIONAL_GROUP)),
    Provider(ORG_GENDER_PARITY, _staff_by_org(ORG_GENDER_PARITY)),
    Provider(ORG_FUNNEL_RG, _funnel_by_org(ORG_FUNNEL_RG, "regional_group", "regional_group")),
    Provider(ORG_FUNNEL_GENDER, _funnel_by_org(ORG_FUNNEL_GENDER, "gender", "gender_group")),
):
    register(_p)
