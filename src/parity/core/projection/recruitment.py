"""Who is recruited: the gender and nationality mix of external selections.

Gender, per grade: the external selections by gender in the applications table (openings
posted in the recruitment window; the appointments on record when a grade has none),
Dirichlet(counts + κ·ladder mix) with κ = ``estimation.prior_selections``. With
``estimation.recruitment_mix: trend`` the women's share follows a logistic trend in
posting year instead (``sex_trend.py``) and the Dirichlet only splits the other sexes.

Nationality, for appointments to posts subject to geographical distribution: nationals
of State i are selected at grade g in proportion to A_gi · s_i, with A_gi the external
applications from i to openings at g and s_i the State's selection rate pooled over
grades, Beta(S_i + κ, A_i − S_i + κ·(1 − r_G)/r_G) with r_G the rate of its regional
group (κ prior selections: a State with few applications gets its group's rate).

Scenario levers act on these: equal selection rates across regional groups (each
State's rate is divided by its group's rate and multiplied by the overall rate),
application multipliers (A_gi × factor for a fixed list of States or for the States that
are un- or under-represented in that run and year), a floor on the share of
geographical selections that go to un- or under-represented States, and the women's
share of selections at given grades.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.projection.rates import ladder_roots
from parity.core.projection.scenario import Scenario, active
from parity.core.projection.sex_trend import SexTrend, fit_sex_trend
from parity.core.projection.structure import SEXES, Structure
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS, member_states

FloatArray = npt.NDArray[np.float64]
GROUPS: tuple[str, ...] = (*REGIONAL_GROUPS, NON_MEMBER_GROUP)
NON_MEMBER_CODE = "XXX"
UNREPRESENTED, UNDERREPRESENTED, WITHIN, OVERREPRESENTED, NO_RANGE = range(5)
STATUS_NAMES: tuple[str, ...] = ("unrepresented", "underrepresented", "within", "overrepresented",
                                 "no range")
_SETS = {"unrepresented": (UNREPRESENTED,), "underrepresented": (UNDERREPRESENTED,),
         "under_or_unrepresented": (UNREPRESENTED, UNDERREPRESENTED)}


def nationality_index() -> tuple[tuple[str, ...], npt.NDArray[np.int64]]:
    """The Member States (ISO3 order) then XXX for everyone else, with their group codes."""
    ms = member_states().sort("iso3")
    codes = (*ms["iso3"].to_list(), NON_MEMBER_CODE)
    groups = [GROUPS.index(g) if g in GROUPS else len(GROUPS) - 1
              for g in ms["regional_group"].to_list()]
    return codes, np.array([*groups, len(GROUPS) - 1], dtype=np.int64)


def nationality_codes(values: pl.Series, nationalities: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """Index of each nationality; anything not a Member State maps to XXX (the last)."""
    idx = {c: i for i, c in enumerate(nationalities)}
    last = len(nationalities) - 1
    return np.array([idx.get(v, last) for v in values.to_list()], dtype=np.int64)


@dataclass(frozen=True)
class RecruitmentModel:
    """Posteriors of the recruitment mix and the applicant pools."""

    structure: Structure
    nationalities: tuple[str, ...]
    group_of: npt.NDArray[np.int64]
    sex_alpha: FloatArray
    applications: FloatArray
    sel_a: FloatArray
    sel_b: FloatArray
    trend: SexTrend | None = None

    def sex_mix(self, rng: np.random.Generator | None, runs: int) -> FloatArray:
        """(runs × grades × sexes) mix of external selections over the recruitment window
        (the constant mix); the mean when rng is None."""
        if rng is None:
            alpha = self.sex_alpha[None]
            total = alpha.sum(-1, keepdims=True)
            return np.where(total > 0, alpha / np.where(total > 0, total, 1.0), 0.0)
        g = rng.gamma(np.broadcast_to(self.sex_alpha, (runs, *self.sex_alpha.shape)))
        total = g.sum(-1, keepdims=True)
        return g / np.where(total > 0, total, 1.0)

    def sex_mix_path(self, rng: np.random.Generator | None, trend_rng: np.random.Generator | None,
                     runs: int, years: npt.ArrayLike) -> FloatArray:
        """(runs × years × grades × sexes) mix of external selections in each year: the
        constant mix, with the women's share from the trend where one was fitted (drawn
        with ``trend_rng``). Posterior means when rng is None."""
        yrs = np.asarray(years)
        base = self.sex_mix(rng, runs)
        path = np.broadcast_to(base[:, None], (base.shape[0], yrs.size, *base.shape[1:]))
        if self.trend is None:
            return path
        women = self.trend.women(yrs, None if rng is None else trend_rng, base.shape[0])
        return apply_women_share(path, women)

    def selection_rates(self, rng: np.random.Generator | None, runs: int) -> FloatArray:
        """(runs × nationalities) selection rates; the posterior mean when rng is None."""
        if rng is None:
            return (self.sel_a / (self.sel_a + self.sel_b))[None]
        return rng.beta(self.sel_a, self.sel_b, size=(runs, self.sel_a.size))

    def _state_mask(self, states: object, status: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
        if isinstance(states, str):
            return np.isin(status, _SETS[states])
        assert isinstance(states, list)
        fixed = np.array([c in states or GROUPS[self.group_of[i]] in states
                          for i, c in enumerate(self.nationalities)])
        return np.broadcast_to(fixed, status.shape)

    def nationality_mix(self, scenario: Scenario, year: int, status: npt.NDArray[np.int8],
                        grade_weights: FloatArray, rates: FloatArray) -> FloatArray:
        """(runs × nationalities) shares of this year's geographical appointments.

        ``status`` (runs × nationalities) is each State's status at the start of the year,
        ``grade_weights`` (runs × grades) the grades of the appointments, ``rates`` the
        runs' selection rates.
        """
        rec = scenario.recruitment
        s = rates
        A = self.applications
        if rec.equal_selection_rates is not None and active(rec.equal_selection_rates.from_year, year):
            pooled = A.sum(0)
            num = np.zeros((s.shape[0], len(GROUPS)))
            den = np.zeros(len(GROUPS))
            np.add.at(num.T, self.group_of, (s * pooled).T)
            np.add.at(den, self.group_of, pooled)
            with np.errstate(divide="ignore", invalid="ignore"):
                grp = num / den
                overall = (s * pooled).sum(1, keepdims=True) / max(pooled.sum(), 1e-12)
                factor = np.where(grp[:, self.group_of] > 0, overall / grp[:, self.group_of], 1.0)
            s = s * factor
        mult = np.ones(status.shape)
        for lever in rec.application_multipliers:
            if active(lever.from_year, year):
                mult = np.where(self._state_mask(lever.states, status), mult * lever.factor, mult)
        ms = mult * s
        den = ms @ A.T
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(den > 0, grade_weights / np.where(den > 0, den, 1.0), 0.0)
        mix = ms * (w @ A)
        total = mix.sum(1, keepdims=True)
        mix = np.where(total > 0, mix / np.where(total > 0, total, 1.0), 1.0 / mix.shape[1])
        floor = rec.minimum_share_underrepresented
        if floor is not None and active(floor.from_year, year):
            mix = self._apply_floor(mix, floor.share, np.isin(status, _SETS["under_or_unrepresented"]),
                                    s)
        return mix

    def _apply_floor(self, mix: FloatArray, share: float, under: npt.NDArray[np.bool_],
                     rates: FloatArray) -> FloatArray:
        """Raise the share of un-/under-represented States to at least ``share``.

        Their mix is scaled up and the others' down. When they have no applicants at all,
        the floor is spread over them in proportion to (applications + 1) × rate.
        """
        cur = (mix * under).sum(1, keepdims=True)
        need = (cur < share) & under.any(1, keepdims=True)
        pseudo = (self.applications.sum(0) + 1.0) * rates * under
        pseudo_tot = pseudo.sum(1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(cur > 0, mix * share / cur, share * pseudo / np.where(pseudo_tot > 0,
                                                                               pseudo_tot, 1.0))
            down = mix * np.where(cur < 1, (1 - share) / (1 - cur), 0.0)
        new = np.where(under, up, down)
        return np.where(need, new, mix)


def women_override(scenario: Scenario, structure: Structure, year: int,
                   kind: str) -> FloatArray:
    """Women's share of selections set by the scenario for each grade (NaN = not set)."""
    out = np.full(structure.n_grades, np.nan)
    for lever in scenario.recruitment.women_share:
        if kind in lever.applies_to and active(lever.from_year, year):
            for g, grade in enumerate(structure.grades):
                if lever.grades == "all" or grade in lever.grades:
                    out[g] = lever.share
    return out


def apply_women_share(mix: FloatArray, women: npt.ArrayLike) -> FloatArray:
    """Set the women's share of ``mix`` (sexes on the last axis) where ``women`` (broadcast
    to the leading axes) is not NaN; the other sexes keep their relative shares."""
    h_all = np.broadcast_to(np.asarray(women, dtype=np.float64), mix.shape[:-1])
    set_ = ~np.isnan(h_all)
    if not set_.any():
        return mix
    rest = mix[..., 1:].sum(-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        others = np.where(rest > 0, mix[..., 1:] / np.where(rest > 0, rest, 1.0), 0.0)
    others[..., 0] = np.where(rest[..., 0] > 0, others[..., 0], 1.0)
    h = np.nan_to_num(h_all)[..., None]
    new = np.concatenate([h, (1.0 - h) * others], axis=-1)
    return np.where(set_[..., None], new, mix)


def build_recruitment(structure: Structure, applications: pl.DataFrame,
                      appointments: pl.DataFrame, base_geo: pl.DataFrame,
                      prior_selections: float, selections: pl.DataFrame | None = None,
                      mix: str = "constant") -> RecruitmentModel:
    """Posteriors from the applications (external, in the window) and the appointments.

    ``base_geo`` (grade, nationality, n): the geographical staff on the base snapshot,
    used as the applicant pool when the store has no applications. ``selections`` (year,
    grade, gender, selected): external selections by posting year, for ``mix="trend"``.
    """
    nats, group_of = nationality_index()
    gidx = {g: i for i, g in enumerate(structure.grades)}
    G, n_nat, S = structure.n_grades, len(nats), len(SEXES)
    ext = applications.filter(~pl.col("internal") & pl.col("grade").is_in(list(gidx)))
    sex = np.zeros((G, S))
    sel = ext.filter(pl.col("selected") > 0)
    for g, gender, n in sel.select("grade", "gender", "selected").iter_rows():
        sex[gidx[g], {"F": 0, "M": 1, "X": 2}.get(gender, 3)] += n
    appt = appointments.filter(pl.col("grade").is_in(list(gidx)))
    no_selections = sex.sum(1) == 0
    for g, gender, n in appt.select("grade", "gender", "n").iter_rows():
        if no_selections[gidx[g]]:
            sex[gidx[g], {"F": 0, "M": 1, "X": 2}.get(gender, 3)] += n
    roots = ladder_roots(structure)
    overall = sex.sum(0)
    alpha = np.zeros((G, S))
    for r in np.unique(roots):
        m = roots == r
        pooled = sex[m].sum(0)
        prior = pooled if pooled.sum() > 0 else overall
        prior = prior / prior.sum() if prior.sum() > 0 else np.array([0.5, 0.5, 0.0, 0.0])
        alpha[m] = sex[m] + max(prior_selections, 1e-6) * prior
    A = np.zeros((G, n_nat))
    Sel = np.zeros((G, n_nat))
    if ext.height:
        g_i = ext["grade"].replace_strict(gidx, return_dtype=pl.Int64).to_numpy()
        n_i = nationality_codes(ext["nationality"], nats)
        np.add.at(A, (g_i, n_i), ext["applications"].to_numpy().astype(float))
        np.add.at(Sel, (g_i, n_i), ext["selected"].to_numpy().astype(float))
    if A.sum() == 0:
        geo = base_geo.filter(pl.col("grade").is_in(list(gidx)))
        if geo.height:
            np.add.at(A, (geo["grade"].replace_strict(gidx, return_dtype=pl.Int64).to_numpy(),
                          nationality_codes(geo["nationality"], nats)), geo["n"].to_numpy().astype(float))
        Sel = A * 0.05
    empty = A.sum(1) == 0
    A[empty] = A.sum(0)
    a_i, s_i = A.sum(0), Sel.sum(0)
    grp_a = np.bincount(group_of, a_i, len(GROUPS))
    grp_s = np.bincount(group_of, s_i, len(GROUPS))
    overall_rate = s_i.sum() / a_i.sum() if a_i.sum() > 0 else 0.05
    grp_rate = np.where(grp_s > 0, grp_s / np.where(grp_a > 0, grp_a, 1.0), overall_rate)
    r = np.clip(grp_rate[group_of], 1e-6, 1 - 1e-6)
    k = max(prior_selections, 1e-6)
    sel_a = s_i + k
    sel_b = np.maximum(a_i - s_i, 0.0) + k * (1 - r) / r
    trend = (fit_sex_trend(structure, selections, alpha, prior_selections)
             if mix == "trend" and selections is not None else None)
    return RecruitmentModel(structure, nats, group_of, alpha, A, sel_a, sel_b, trend)
