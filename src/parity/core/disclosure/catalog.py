"""The catalog of publishable count tables: one grouped count straight from the store each.

A :class:`Provider` is a declared :class:`~parity.core.disclosure.tables.TableSpec` plus
a function ``(Backend, Audience) -> CountTable | None`` that runs one Ibis grouped count.
Organisation-wide providers ignore the audience; detail providers (a Member State's own
nationals, a manager's own entity) use its scope. Other analytics join the catalog with
:func:`register`; everything in the catalog is published only through a release.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core import model
from parity.core.backend import Backend
from parity.core.dimensions import LEVEL_ORDER
from parity.core.disclosure.policy import Audience
from parity.core.disclosure.tables import (
    PARITY_BAND_OF,
    PARITY_BANDS,
    CountTable,
    Derived,
    TableSpec,
)
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS

GENDER_GROUPS: tuple[str, ...] = ("F", "M", "other_or_unknown")
#: Staff tables count gender other or not recorded in their totals only.
GENDER_REMAINDER: tuple[tuple[str, str], ...] = (("gender", "other_or_unknown"),)
REGIONAL_GROUP_CODES: tuple[str, ...] = (*REGIONAL_GROUPS, NON_MEMBER_GROUP)
STAGES = model.STAGES
#: Stage pairs (previous, next) whose pass rate is published: the funnel's steps
#: (model.STAGE_STEPS), on regular openings, so a published ``<stage>_rate`` is the analyst
#: funnel's pass rate into that stage for the same cell.
STAGE_STEPS: tuple[tuple[str, str], ...] = tuple((prev, nxt) for nxt, prev in model.STAGE_STEPS)
#: Counts that can only fall along the funnel: (larger, smaller).
STAGE_ORDER: tuple[tuple[str, str], ...] = STAGE_STEPS

Scope = Literal["organisation", "nationality", "entity"]
Compute = Callable[[Backend, Audience], CountTable | None]


@dataclass(frozen=True)
class Provider:
    """A publishable table: its declaration and the count that fills it."""

    spec: TableSpec
    compute: Compute
    scope: Scope = "organisation"

    def applies_to(self, audience: Audience) -> bool:
        if self.scope == "organisation":
            return True
        if self.scope == "nationality":
            return audience.role == "member_state"
        return audience.role == "manager"


CATALOG: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Add a provider to the catalog (names are unique)."""
    if provider.spec.name in CATALOG and CATALOG[provider.spec.name] is not provider:
        raise ValueError(f"A catalog table named {provider.spec.name} is already registered.")
    CATALOG[provider.spec.name] = provider
    return provider


def providers_for(audience: Audience) -> list[Provider]:
    return [p for p in CATALOG.values() if p.applies_to(audience)]


# --------------------------------------------------------------------- shared inputs

def gender_group(col: ir.Value) -> ir.StringValue:
    g = col.cast("string")
    return ibis.cases((g == "F", "F"), (g == "M", "M"), else_="other_or_unknown")


def latest_snapshot(backend: Backend) -> str | None:
    staff = backend.table("staff")
    value = staff.snapshot_date.max().to_pyarrow().as_py()
    return None if value is None else str(value)


def staff_latest(backend: Backend) -> tuple[ir.Table, str] | None:
    """Staff on the latest snapshot with regional_group, level_band and gender group,
    computed once per backend: every staff table of a release starts from it."""
    if "staff_latest" not in backend.memo:
        backend.memo["staff_latest"] = _staff_latest(backend)
    return backend.memo["staff_latest"]  # type: ignore[return-value]


def _staff_latest(backend: Backend) -> tuple[ir.Table, str] | None:
    snap = latest_snapshot(backend)
    if snap is None:
        return None
    staff = backend.table("staff")
    grades = backend.table("ref_grades")
    regions = backend.table("ref_country_regions")
    s = staff.filter(staff.snapshot_date == ibis.literal(snap).cast("date"))
    s = s.join(grades, s.grade.cast("string") == grades.grade)
    s = s.join(regions, s.nationality.cast("string") == regions.iso3)
    band = s.level_band.fill_null(s.category.cast("string"))
    return s.select(
        person_id=s.person_id, nationality=s.nationality.cast("string"),
        regional_group=s.regional_group, level_band=band,
        parity_band=ibis.cases(*((band == k, v) for k, v in PARITY_BAND_OF.items()),
                               else_=band),
        gender=gender_group(s.gender),
        entity=s.entity, geo_subject=s.geo_subject,
        organization=s.organization.cast("string"),
    ), snap


def applications_pplus(backend: Backend) -> ir.Table:
    """Applications to openings of Professional and higher grades, with year and groups."""
    apps = backend.table("applications")  # with copies of the opening's attributes
    regions = backend.table("ref_country_regions")
    a = apps.filter(apps.opening_grade.cast("string").isin(model.professional_grades()))
    a = a.mutate(op_entity=a.opening_entity, year=a.opening_year.cast("string"))
    a = a.join(regions, a.nationality.cast("string") == regions.iso3)
    return a.mutate(gender_group=gender_group(a.gender))


def applications_regular(backend: Backend) -> ir.Table:
    """:func:`applications_pplus` to regular openings (not ``recruit_from_roster``): the
    applications the funnel's steps describe."""
    a = applications_pplus(backend)
    return a.filter(a.opening_posting_type.cast("string") != model.ROSTER_POSTING)


def stage_counts(t: ir.Table, keys: dict[str, ir.Value]) -> pl.DataFrame:
    aggs = {s: (t.count() if s == "received"
                else t[f"{s}_date"].notnull().ifelse(1, 0).sum()) for s in STAGES}
    return Backend.to_polars(t.group_by(**keys).agg(**aggs))


def posting_years(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return ""
    ys = sorted(frame["year"].unique().to_list())
    return f"openings of Professional and higher grades posted {ys[0]}–{ys[-1]}"


def funnel_derived(over: str) -> tuple[Derived, ...]:
    rates = tuple(Derived(f"{nxt}_rate", "row_rate", nxt, prev,
                          description=f"pass rate into {nxt}: {nxt} / {prev}, as in "
                                      "'parity funnel'") for prev, nxt in STAGE_STEPS)
    ratios = tuple(Derived(f"{nxt}_ratio_to_rest", "ratio_to_rest", nxt, prev, over=over,
                           description=f"({nxt}/{prev}) of the row / the same rate of all "
                                       f"other {over} values")
                   for prev, nxt in STAGE_STEPS)
    return rates + ratios


def _funnel_spec(name: str, title: str, dim: str, domain: tuple[str, ...],
                 extra: tuple[str, ...] = ()) -> TableSpec:
    return TableSpec(
        name=name, title=title,
        description=f"Applications to regular openings (not recruit_from_roster) of "
                    f"Professional and higher grades reaching each recruitment stage, by year "
                    f"of posting and {dim}; each stage counts the applications that reached "
                    "it.",
        universe="applications_pplus_regular", dims=(*extra, "year", dim), counts=STAGES,
        additive=(dim,), order=STAGE_ORDER, outcomes=STAGE_STEPS,
        derived=funnel_derived(dim), domains=((dim, domain),),
    )


# --------------------------------------------------------------------- providers

def _funnel_regional_group(backend: Backend, audience: Audience) -> CountTable | None:
    a = applications_regular(backend)
    frame = stage_counts(a, {"year": a.year, "regional_group": a.regional_group})
    return None if frame.is_empty() else CountTable(FUNNEL_RG, frame, posting_years(frame))


def _funnel_gender(backend: Backend, audience: Audience) -> CountTable | None:
    a = applications_regular(backend)
    frame = stage_counts(a, {"year": a.year, "gender": a.gender_group})
    return None if frame.is_empty() else CountTable(FUNNEL_GENDER, frame, posting_years(frame))


def _entity_funnel(backend: Backend, audience: Audience) -> CountTable | None:
    a = applications_regular(backend)
    a = a.filter(a.op_entity == audience.entity)
    frame = stage_counts(a, {"entity": a.op_entity, "year": a.year,
                              "regional_group": a.regional_group})
    return None if frame.is_empty() else CountTable(ENTITY_FUNNEL, frame, posting_years(frame))


def _staff_count(spec: TableSpec,
                 where: Callable[[ir.Table, Audience], ir.BooleanValue] | None = None
                 ) -> Compute:
    """A provider counting staff on the latest snapshot by the spec's dimensions."""
    def compute(backend: Backend, audience: Audience) -> CountTable | None:
        got = staff_latest(backend)
        if got is None:
            return None
        s, snap = got
        if where is not None:
            s = s.filter(where(s, audience))
        frame = Backend.to_polars(s.group_by(list(spec.dims)).agg(staff=s.count()))
        if frame.is_empty():
            return None
        return CountTable(spec, frame, f"staff on the snapshot of {snap}")
    return compute


def _geo_nationals(backend: Backend, audience: Audience) -> CountTable | None:
    got = staff_latest(backend)
    if got is None:
        return None
    s, snap = got
    s = s.filter(s.geo_subject)
    counts = s.group_by("nationality").agg(staff=s.count())
    ms = backend.table("ref_member_states").select("iso3", "regional_group")
    joined = ms.left_join(counts, ms.iso3 == counts.nationality)
    frame = Backend.to_polars(joined.select(
        "regional_group", nationality=joined.iso3, staff=joined.staff.fill_null(0)))
    return CountTable(GEO_NATIONALS, frame,
                      f"staff in posts subject to geographical distribution on {snap}",
                      notes=("Nationals of non-member States and stateless staff are not in "
                             "the system of desirable ranges and are left out.",))


FUNNEL_RG = _funnel_spec("funnel_by_regional_group",
                         "Recruitment funnel by regional group", "regional_group",
                         REGIONAL_GROUP_CODES)
FUNNEL_GENDER = _funnel_spec("funnel_by_gender", "Recruitment funnel by gender", "gender",
                             GENDER_GROUPS)
ENTITY_FUNNEL = _funnel_spec("entity_funnel_by_regional_group",
                             "Your entity's recruitment funnel by regional group",
                             "regional_group", REGIONAL_GROUP_CODES, extra=("entity",))
COMPOSITION = TableSpec(
    name="workforce_by_regional_group_level_gender",
    title="Workforce by regional group, level and gender",
    description="Staff on the latest snapshot by regional group of nationality, level band "
                "(Professional and higher; other categories by their code) and gender.",
    universe="staff_latest", dims=("regional_group", "level_band", "gender"), counts=("staff",),
    additive=("regional_group", "level_band", "gender"),
    domains=(("regional_group", REGIONAL_GROUP_CODES), ("level_band", LEVEL_ORDER),
             ("gender", GENDER_GROUPS)),
    derived=(Derived("regional_group_share", "share", "staff", over="regional_group",
                     description="staff / staff of all regional groups in the same level "
                                 "band and gender"),),
    remainder=GENDER_REMAINDER,
)
ENTITY_GENDER = TableSpec(
    name="workforce_by_entity_gender", title="Workforce by entity and gender",
    description="Staff on the latest snapshot by entity and gender.",
    universe="staff_latest", dims=("entity", "gender"), counts=("staff",),
    additive=("entity", "gender"), domains=(("gender", GENDER_GROUPS),),
    derived=(Derived("gender_share", "share", "staff", over="gender",
                     description="staff / all staff of the entity"),),
    remainder=GENDER_REMAINDER,
)
GENDER_PARITY = TableSpec(
    name="gender_parity_by_level", title="Gender parity by level",
    description="Women and men on the latest snapshot by level band (ASG/USG with D-1/D-2 "
                "as D-1 and above); the share of women is the gender_share of the F rows.",
    universe="staff_latest", dims=("parity_band", "gender"), counts=("staff",),
    additive=("parity_band", "gender"),
    domains=(("parity_band", PARITY_BANDS), ("gender", GENDER_GROUPS)),
    derived=(Derived("gender_share", "share", "staff", over="gender",
                     description="staff / all staff of the band"),),
    weight=10,
    remainder=GENDER_REMAINDER,
)
GEO_NATIONALS = TableSpec(
    name="nationals_in_geographical_posts",
    title="Nationals of each Member State in posts subject to geographical distribution",
    description="Staff counted for the system of desirable ranges, by nationality, on the "
                "latest snapshot; Member States with none are shown with 0.",
    universe="geo_staff_latest", dims=("regional_group", "nationality"), counts=("staff",),
    additive=("regional_group", "nationality"), nested=(("nationality", "regional_group"),),
    rule="nationality_counts", domains=(("regional_group", tuple(REGIONAL_GROUPS)),),
)
NATIONALITY_DETAIL = TableSpec(
    name="own_nationals_by_level_gender", title="Your nationals by level and gender",
    description="Staff of the Member State's nationality on the latest snapshot by level "
                "band and gender.",
    universe="staff_latest", dims=("regional_group", "nationality", "level_band", "gender"),
    counts=("staff",), additive=("level_band", "gender"),
    domains=(("level_band", LEVEL_ORDER), ("gender", GENDER_GROUPS)),
    remainder=GENDER_REMAINDER,
)
ENTITY_DETAIL = TableSpec(
    name="own_entity_by_level_gender", title="Your entity's staff by level and gender",
    description="Staff of the entity on the latest snapshot by level band and gender.",
    universe="staff_latest", dims=("entity", "level_band", "gender"), counts=("staff",),
    additive=("level_band", "gender"),
    domains=(("level_band", LEVEL_ORDER), ("gender", GENDER_GROUPS)),
    remainder=GENDER_REMAINDER,
)

for _p in (
    Provider(FUNNEL_RG, _funnel_regional_group),
    Provider(FUNNEL_GENDER, _funnel_gender),
    Provider(COMPOSITION, _staff_count(COMPOSITION)),
    Provider(ENTITY_GENDER, _staff_count(ENTITY_GENDER)),
    Provider(GENDER_PARITY, _staff_count(GENDER_PARITY)),
    Provider(GEO_NATIONALS, _geo_nationals),
    Provider(NATIONALITY_DETAIL, _staff_count(
        NATIONALITY_DETAIL, lambda s, a: s.nationality == a.nationality), scope="nationality"),
    Provider(ENTITY_DETAIL, _staff_count(
        ENTITY_DETAIL, lambda s, a: s.entity == a.entity), scope="entity"),
    Provider(ENTITY_FUNNEL, _entity_funnel, scope="entity"),
):
    register(_p)

# The all-staff career and timeline tables and the per-organization tables register
# themselves (they need the providers above); importing the catalog always brings them.
from parity.core.disclosure import catalog_flows as catalog_flows  # noqa: E402
from parity.core.disclosure import catalog_orgs as catalog_orgs  # noqa: E402
