"""The career layer: staff by grade × sex × entity type × separation class, year by year.

One projection year, in this order (each step on arrays of shape runs × cells):

1. separation at the mandatory age (or the entry-cohort age): the class of the year
   leaves, deterministically;
2. other separations: Binomial(n, p_gs) in every cell, p from the run's rates
   (times the scenario's multipliers);
3. vacancies per grade and entity type = posts of the year − staff still there;
4. top-down fill, senior grades first: Binomial(V, π_g) vacancies are offered to the
   grade below, whose staff are chosen by sex in proportion to headcount × promotion
   rate (or at the scenario's women's share) without exceeding who is there, and by
   separation class without replacement; each promotion opens a vacancy below that is
   filled in the same pass;
5. the vacancies left are filled by external recruitment (none in a freeze), split by
   sex with the run's recruitment mix and by separation class with the entrants' age
   distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.core.projection.inputs import ProjectionInputs
from parity.core.projection.rates import RateDraw
from parity.core.projection.recruitment import apply_women_share, women_override
from parity.core.projection.sampler import Array, Sampler
from parity.core.projection.scenario import active
from parity.core.projection.structure import FIELDS, SEXES

FloatArray = npt.NDArray[np.float64]


@dataclass
class CareerYear:
    """The flows of one projection year (runs × grades × sexes unless said)."""

    retired: Array
    separated: Array
    promoted: Array
    recruited: Array
    vacant: Array


def initial_state(inputs: ProjectionInputs, sampler: Sampler, early_p: FloatArray) -> Array:
    """(runs × grades × sexes × fields × classes) base staff; eligible staff take early
    retirement with the run's probability ``early_p``."""
    p = inputs.persons
    runs = early_p.shape[0]
    shape = (inputs.structure.n_grades, len(SEXES), len(FIELDS), inputs.horizon + 1)
    X = sampler.zeros((runs, *shape))
    flat = X.reshape(runs, -1)
    fixed = p.early < 0
    late_idx = np.ravel_multi_index((p.grade, p.sex, p.field, p.late), shape)
    base = np.bincount(late_idx[fixed], p.count[fixed], minlength=flat.shape[1])
    np.add(flat, base[None].astype(flat.dtype), out=flat)
    opt = ~fixed
    rows = np.arange(runs)[:, None]
    if opt.any():
        n = np.broadcast_to(p.count[opt], (runs, int(opt.sum())))
        early = sampler.binomial(n, early_p[:, None])
        early_idx = np.ravel_multi_index((p.grade[opt], p.sex[opt], p.field[opt], p.early[opt]), shape)
        np.add.at(flat, (rows, early_idx[None, :]), early)
        np.add.at(flat, (rows, late_idx[opt][None, :]), n - early)
    return X


def separation_multiplier(inputs: ProjectionInputs, year: int) -> FloatArray:
    """Multiplier of the other-separation rates by sex in ``year``."""
    sep = inputs.scenario.separations
    if not active(sep.from_year, year):
        return np.ones(len(SEXES))
    return np.array([sep.multiplier * sep.multiplier_by_gender.get(s, 1.0) for s in SEXES])  # type: ignore[call-overload]


def effective_separation(inputs: ProjectionInputs, draw: RateDraw, year: int) -> FloatArray:
    return np.clip(draw.separation * separation_multiplier(inputs, year), 0.0, 1.0)


def career_year(X: Array, t: int, inputs: ProjectionInputs, draw: RateDraw, sex_mix: FloatArray,
                sampler: Sampler) -> CareerYear:
    """Advance ``X`` (changed in place) through projection year ``t`` (1-based)."""
    sc = inputs.scenario
    st = inputs.structure
    year = inputs.base_year + t
    k = t - 1
    retired = X[..., k].sum(3)
    X[..., k] = 0
    # Classes before t are empty from now on: work on the active ones only.
    live = X[..., t:]
    p_sep = effective_separation(inputs, draw, year)
    exits = sampler.binomial(live, p_sep[:, :, :, None, None])
    live -= exits
    separated = exits.sum((3, 4))
    N = X.sum((2, 4))
    posts = inputs.establishment[t]
    runs = X.shape[0]
    fill = draw.fill
    prom = sc.promotions
    if prom.internal_fill_share is not None and active(prom.from_year, year):
        fill = np.where(st.feeder >= 0, prom.internal_fill_share, 0.0)[None].repeat(runs, 0)
    weight = draw.promotion
    if prom.gender_neutral and active(prom.from_year, year):
        weight = np.ones_like(weight)
    women_prom = women_override(sc, st, year, "promotion")
    promoted = sampler.zeros((runs, st.n_grades, len(SEXES)))
    vacancies = sampler.zeros((runs, st.n_grades, len(FIELDS)))
    # out_of[:, f] = staff promoted out of grade f (into the grade above), by entity type
    out_of = sampler.zeros((runs, st.n_grades, len(FIELDS)))
    pool = live.transpose(0, 1, 3, 2, 4)  # runs × grades × fields × sexes × classes
    pool_s = pool.sum(-1)
    has_feeder = np.flatnonzero(st.feeder >= 0)
    blocked = bool(inputs.freeze_promotions[k])
    for g in st.fill_order:
        V = np.maximum(posts[g][None] - N[:, g], 0).astype(X.dtype)
        fg = int(st.feeder[g])
        if fg >= 0 and not blocked:
            # The grade below has not changed yet in this pass: promotions into it are
            # filled later (senior grades first), so its post-exit stock is the pool.
            P = np.minimum(sampler.binomial(V, fill[:, g, None]), pool_s[:, fg].sum(-1))
            out_of[:, fg] = P
            N[:, fg] -= P
            N[:, g] += P
            V = V - P
        vacancies[:, g] = V
    if out_of.any():
        # who is promoted: by sex in proportion to headcount × promotion rate (or at the
        # scenario's women's share), then by separation class without replacement
        w = weight[:, :, None, :] * pool_s
        tot = w.sum(-1, keepdims=True)
        probs = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 0.0)
        women = np.full(st.n_grades, np.nan)
        women[st.feeder[has_feeder]] = women_prom[has_feeder]
        chosen = sampler.capped_split(out_of, apply_women_share(probs, women[:, None]), pool_s)
        moved = sampler.split(chosen, pool).transpose(0, 1, 3, 2, 4)
        live -= moved
        live[:, has_feeder] += moved[:, st.feeder[has_feeder]]
        promoted[:, has_feeder] = chosen[:, st.feeder[has_feeder]].sum(2)
    if inputs.freeze_external[k]:
        recruited = sampler.zeros((runs, st.n_grades, len(SEXES)))
        return CareerYear(retired, separated, promoted, recruited, vacancies.sum(-1))
    by_sex = sampler.multinomial(vacancies, sex_mix[:, :, None, :])
    # The class beyond the horizon (the largest) is drawn first so each draw stops early.
    classes = inputs.entry_class[k][:, t:]  # entrants never separate before t + 1
    entrants = sampler.multinomial(by_sex, classes[None, :, None, None, ::-1])[..., ::-1]
    live += entrants.transpose(0, 1, 3, 2, 4)
    return CareerYear(retired, separated, promoted, by_sex.sum(2),
                      sampler.zeros((runs, st.n_grades)))


def recruitment_mix(inputs: ProjectionInputs, base_mix: FloatArray, year: int) -> FloatArray:
    """The run's sex mix of external selections with the scenario's women's shares."""
    women = women_override(inputs.scenario, inputs.structure, year, "recruitment")
    return apply_women_share(base_mix, women)
