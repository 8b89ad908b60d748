"""Everything the simulator needs, as arrays: built from a :class:`History` and a scenario.

:func:`build_inputs` is pure (no store): tests and notebooks can give it hand-made count
tables. The establishment path, freezes and the entrants' separation classes are fixed
here; rates, recruitment mixes and ranges come from their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.errors import SettingsError
from parity.core.projection.history import History
from parity.core.projection.ranges_input import RangeLimits
from parity.core.projection.rates import Rates, estimate_rates, ladder_roots
from parity.core.projection.recruitment import (
    RecruitmentModel,
    build_recruitment,
    nationality_codes,
    nationality_index,
)
from parity.core.projection.scenario import Scenario
from parity.core.projection.structure import (
    COHORT_EARLY_AGE,
    FIELDS,
    Structure,
    build_structure,
    separation_class,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PersonGroups:
    """Base staff grouped by cell: grade, sex, field, geo, nationality, the separation
    class if they stay to the mandatory age (``late``) and if they take early retirement
    (``early``, −1 when not eligible), and the count."""

    grade: IntArray
    sex: IntArray
    field: IntArray
    geo: npt.NDArray[np.bool_]
    nationality: IntArray
    late: IntArray
    early: IntArray
    count: IntArray


@dataclass(frozen=True)
class ProjectionInputs:
    """Arrays for one projection: structure, base staff, rates, mixes, posts, limits."""

    scenario: Scenario
    structure: Structure
    base_year: int
    horizon: int
    persons: PersonGroups
    rates: Rates
    recruitment: RecruitmentModel
    entry_class: FloatArray
    establishment: FloatArray
    freeze_external: npt.NDArray[np.bool_]
    freeze_promotions: npt.NDArray[np.bool_]
    geo_share: FloatArray
    nationalities: tuple[str, ...]
    lower: FloatArray
    upper: FloatArray
    limits: RangeLimits | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.base_year + self.horizon + 1))

    @property
    def geo_establishment(self) -> FloatArray:
        return np.rint((self.establishment * self.geo_share[None]).sum((1, 2)))


def _sex(values: pl.Series) -> IntArray:
    return np.array([{"F": 0, "M": 1, "X": 2}.get(v, 3) for v in values.to_list()], dtype=np.int64)


def person_groups(structure: Structure, base: pl.DataFrame, scenario: Scenario, base_year: int,
                  horizon: int, nationalities: tuple[str, ...]) -> PersonGroups:
    """Group the base snapshot into cells with each group's separation classes."""
    gidx = {g: i for i, g in enumerate(structure.grades)}
    frame = base.filter(pl.col("grade").is_in(list(gidx)))
    med = frame.filter(pl.col("birth_year").is_not_null()).group_by("grade").agg(
        pl.col("birth_year").median().round().cast(pl.Int64).alias("_med"))
    frame = frame.join(med, on="grade", how="left").with_columns(
        pl.coalesce("birth_year", "_med", pl.lit(base_year - 45)).cast(pl.Int64).alias("birth"),
        pl.col("cohort").fill_null(2).cast(pl.Int64))
    ret = scenario.retirement
    mas = ret.mandatory_age
    early_age = np.array([a if a is not None else mas for a in COHORT_EARLY_AGE])
    birth = frame["birth"].to_numpy()
    cohort = frame["cohort"].to_numpy()
    ea = early_age[cohort]
    if ret.rule == "entry_cohort":
        late = separation_class(birth + ea, base_year, horizon)
        early = np.full(len(birth), -1)
    else:
        late = separation_class(birth + mas, base_year, horizon)
        early = (separation_class(birth + ea, base_year, horizon)
                 if ret.rule == "entry_cohort_option" else np.full(len(birth), -1))
        early = np.where(ea < mas, early, -1)
    return PersonGroups(
        grade=frame["grade"].replace_strict(gidx, return_dtype=pl.Int64).to_numpy(),
        sex=_sex(frame["gender"]),
        field=frame["field"].fill_null(False).cast(pl.Int64).to_numpy(),
        geo=frame["geo"].fill_null(False).to_numpy(),
        nationality=nationality_codes(frame["nationality"], nationalities),
        late=late.astype(np.int64),
        early=early.astype(np.int64),
        count=frame["n"].to_numpy().astype(np.int64),
    )


def entry_classes(structure: Structure, appointments: pl.DataFrame, base_year: int, horizon: int,
                  mandatory_age: int, base: pl.DataFrame) -> FloatArray:
    """(years × grades × classes) distribution of entrants' separation classes.

    Entry ages by grade come from the appointments on record (pooled over the ladder
    when a grade has fewer than 20), else from the ages on the base snapshot.
    """
    G, K = structure.n_grades, horizon + 1
    ages = np.arange(15, 80)
    dist = np.zeros((G, ages.size))
    gidx = {g: i for i, g in enumerate(structure.grades)}
    for grade, age, n in appointments.select("grade", "age", "n").iter_rows():
        if grade in gidx and age is not None and 15 <= age < 80:
            dist[gidx[grade], age - 15] += n
    stock = np.zeros((G, ages.size))
    for grade, by, n in base.select("grade", "birth_year", "n").iter_rows():
        if grade in gidx and by is not None and 15 <= base_year - by < 80:
            stock[gidx[grade], base_year - by - 15] += n
    roots = ladder_roots(structure)
    for g in range(G):
        if dist[g].sum() < 20:
            pooled = dist[roots == roots[g]].sum(0)
            dist[g] = dist[g] + pooled if pooled.sum() >= 20 else dist[g] + stock[g]
        if dist[g].sum() == 0:
            dist[g, 35 - 15] = 1.0
    dist /= dist.sum(1, keepdims=True)
    out = np.zeros((horizon, G, K))
    for t in range(1, horizon + 1):
        k = np.clip(t + mandatory_age - ages - 1, t, horizon)
        for g in range(G):
            np.add.at(out[t - 1, g], k, dist[g])
    return out


def establishment_path(structure: Structure, persons: PersonGroups, scenario: Scenario,
                       base_year: int, horizon: int) -> FloatArray:
    """(years+1 × grades × fields) posts: base headcount, growth, one-off changes."""
    G, nf = structure.n_grades, len(FIELDS)
    base = np.zeros((G, nf))
    np.add.at(base, (persons.grade, persons.field), persons.count)
    est = scenario.establishment
    out = np.zeros((horizon + 1, G, nf))
    delta = np.zeros((horizon + 1, G, nf))
    for change in est.changes:
        if change.grades == "all":
            sel = np.ones(G, dtype=bool)
        else:
            missing = [g for g in change.grades if g not in structure.grades]
            if missing:
                raise SettingsError(
                    f"Invalid scenario key 'establishment.changes' in {scenario.origin or 'the scenario'}: "
                    f"grade {', '.join(missing)} is not in the projection's scope ({structure.scope}).",
                    "Fix: list grades of the scope, or set scope: all.")
            sel = np.array([g in change.grades for g in structure.grades])
        weights = base * sel[:, None]
        if weights.sum() == 0:
            weights = sel[:, None] * np.ones((G, nf)) / nf
        share = weights / weights.sum() * change.posts
        alloc = np.trunc(share)
        rest = round(float(change.posts - alloc.sum()))
        order = np.argsort(-(np.abs(share - alloc)).ravel())[:abs(rest)]
        alloc.ravel()[order] += np.sign(rest)
        t0 = max(change.year - base_year, 1)
        if t0 <= horizon:
            delta[t0:] += alloc
    for t in range(horizon + 1):
        out[t] = np.maximum(np.rint(base * (1.0 + est.annual_growth) ** t) + delta[t], 0.0)
    return out


def build_inputs(history: History, scenario: Scenario, horizon: int,
                 limits: RangeLimits | None = None) -> ProjectionInputs:
    """Arrays for projecting ``horizon`` years from the history's base snapshot."""
    structure = build_structure(scenario.scope)
    base_year = history.base_year
    nats, _ = nationality_index()
    persons = person_groups(structure, history.base, scenario, base_year, horizon, nats)
    rates = estimate_rates(structure, history.person_years, history.fills, scenario.retirement,
                           scenario.estimation.prior_staff_years)
    base_geo = history.base.filter(pl.col("geo")).group_by("grade", "nationality").agg(pl.col("n").sum())
    recruitment = build_recruitment(structure, history.applications, history.appointments, base_geo,
                                    scenario.estimation.prior_selections, history.selections,
                                    scenario.estimation.recruitment_mix)
    entry = entry_classes(structure, history.appointments, base_year, horizon,
                          scenario.retirement.mandatory_age, history.base)
    est = establishment_path(structure, persons, scenario, base_year, horizon)
    years = np.arange(base_year + 1, base_year + horizon + 1)
    freeze_ext = np.zeros(horizon, dtype=bool)
    freeze_prom = np.zeros(horizon, dtype=bool)
    for f in scenario.establishment.freezes:
        covered = (years >= f.from_year) & (years <= f.to_year)
        freeze_ext |= covered
        if not f.promotions:
            freeze_prom |= covered
    G, nf = structure.n_grades, len(FIELDS)
    staff = np.zeros((G, nf))
    geo = np.zeros((G, nf))
    np.add.at(staff, (persons.grade, persons.field), persons.count)
    np.add.at(geo, (persons.grade, persons.field), persons.count * persons.geo)
    geo_share = np.where(staff > 0, geo / np.where(staff > 0, staff, 1.0), 0.0)
    n_nat = len(nats)
    notes = list(history.notes)
    if persons.count.sum() == 0:
        raise SettingsError("The base snapshot has no staff in the scenario's scope.",
                            "Set scope: all in the scenario, or load staff of those grades.")
    nan = np.full((horizon + 1, n_nat), np.nan)
    inputs = ProjectionInputs(scenario, structure, base_year, horizon, persons, rates, recruitment,
                              entry, est, freeze_ext, freeze_prom, geo_share, nats, nan, nan.copy(),
                              None, tuple(notes))
    return attach_limits(inputs, limits)


def attach_limits(inputs: ProjectionInputs, limits: RangeLimits | None) -> ProjectionInputs:
    """The inputs with desirable-range limits by year (None: no Member-State results)."""
    H, nats = inputs.horizon, inputs.nationalities
    lower = np.full((H + 1, len(nats)), np.nan)
    upper = np.full((H + 1, len(nats)), np.nan)
    notes = [n for n in inputs.notes if not n.startswith("Desirable ranges are not available")]
    if limits is not None:
        idx = {c: i for i, c in enumerate(nats)}
        for year, iso3, lo, hi in limits.frame.select("year", "iso3", "lower", "upper").iter_rows():
            t = year - inputs.base_year
            if 0 <= t <= H and iso3 in idx:
                lower[t, idx[iso3]] = lo
                upper[t, idx[iso3]] = hi
        notes.extend(n for n in limits.notes if n not in notes)
    else:
        notes.append("Desirable ranges are not available for this store, so the projection shows "
                     "no Member-State results.")
    return replace(inputs, lower=lower, upper=upper, limits=limits, notes=tuple(notes))
