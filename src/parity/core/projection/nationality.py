"""The nationality layer: staff in posts subject to geographical distribution, by
nationality × separation class, and each Member State's status against its range.

Two stocks per run: the base staff and the staff appointed during the projection.
Each year: the class of the year reaches the separation age and leaves; other
separations are Binomial(n, h) with h the State's own mean separation probability (its
base nationals' grade × sex mix weighted by the run's rates) for base staff and the
entrants' mean for new staff; the geographical posts of the year left vacant (none in
a freeze) are filled by a Multinomial draw over nationalities with the recruitment mix
of that run, year and status (levers that target un- or under-represented States see
each run's own statuses); the appointees' separation classes follow the entry ages of
the grades they are appointed to, which are those of the career layer's external
recruits in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.core.projection.inputs import ProjectionInputs
from parity.core.projection.recruitment import (
    NO_RANGE,
    OVERREPRESENTED,
    UNDERREPRESENTED,
    UNREPRESENTED,
    WITHIN,
)
from parity.core.projection.sampler import Array, Sampler
from parity.core.projection.structure import SEXES

FloatArray = npt.NDArray[np.float64]


@dataclass
class NationalityState:
    """Base and new geographical staff, runs × classes × nationalities."""

    base: Array
    new: Array

    def counts(self) -> Array:
        return self.base.sum(1) + self.new.sum(1)


def initial_state(inputs: ProjectionInputs, sampler: Sampler, early_p: FloatArray) -> NationalityState:
    p = inputs.persons
    runs = early_p.shape[0]
    shape = (inputs.horizon + 1, len(inputs.nationalities))
    Q = sampler.zeros((runs, *shape))
    flat = Q.reshape(runs, -1)
    geo = p.geo
    fixed = geo & (p.early < 0)
    late_idx = np.ravel_multi_index((p.late, p.nationality), shape)
    base = np.bincount(late_idx[fixed], p.count[fixed], minlength=flat.shape[1])
    np.add(flat, base[None].astype(flat.dtype), out=flat)
    opt = geo & (p.early >= 0)
    rows = np.arange(runs)[:, None]
    if opt.any():
        n = np.broadcast_to(p.count[opt], (runs, int(opt.sum())))
        early = sampler.binomial(n, early_p[:, None])
        early_idx = np.ravel_multi_index((p.early[opt], p.nationality[opt]), shape)
        np.add.at(flat, (rows, early_idx[None, :]), early)
        np.add.at(flat, (rows, late_idx[opt][None, :]), n - early)
    return NationalityState(Q, sampler.zeros((runs, *shape)))


def composition(inputs: ProjectionInputs) -> FloatArray:
    """(nationalities × grades·sexes) geographical base staff."""
    p = inputs.persons
    G = inputs.structure.n_grades
    S = len(SEXES)
    comp = np.zeros((len(inputs.nationalities), G * S))
    np.add.at(comp, (p.nationality[p.geo], (p.grade * S + p.sex)[p.geo]), p.count[p.geo])
    return comp


def base_hazards(comp: FloatArray, p_sep: FloatArray, fallback: FloatArray) -> FloatArray:
    """(runs × nationalities) mean separation probability of each State's base staff."""
    runs = p_sep.shape[0]
    n = comp.sum(1)
    h = (comp @ p_sep.reshape(runs, -1).T).T
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(n[None] > 0, h / np.where(n > 0, n, 1.0)[None], fallback[:, None])
    return out


def classify(counts: Array, lower: FloatArray, upper: FloatArray, lower_inclusive: bool = True,
             upper_inclusive: bool = True) -> npt.NDArray[np.int8]:
    """Status code of each count against the limits (NaN limit = no range)."""
    below = counts < lower if lower_inclusive else counts <= lower
    above = counts > upper if upper_inclusive else counts >= upper
    with np.errstate(invalid="ignore"):
        st = np.where(counts <= 0, UNREPRESENTED,
                      np.where(below, UNDERREPRESENTED, np.where(above, OVERREPRESENTED, WITHIN)))
    return np.where(np.isnan(lower), NO_RANGE, st).astype(np.int8)


def geo_grade_weights(inputs: ProjectionInputs, recruited: Array) -> FloatArray:
    """(runs × grades) grade mix of this year's geographical appointments."""
    staff = inputs.establishment[0].sum(1)
    geo_g = (inputs.geo_share * inputs.establishment[0]).sum(1)
    share = np.where(staff > 0, geo_g / np.where(staff > 0, staff, 1.0), 0.0)
    w = recruited.sum(-1) * share[None]
    tot = w.sum(1, keepdims=True)
    fb = geo_g / geo_g.sum() if geo_g.sum() > 0 else np.full(share.size, 1.0 / share.size)
    return np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), fb[None])


def nationality_year(state: NationalityState, t: int, inputs: ProjectionInputs, p_sep: FloatArray,
                     comp: FloatArray, recruited: Array, sel_rates: FloatArray,
                     status: npt.NDArray[np.int8], sampler: Sampler) -> tuple[Array, Array]:
    """Advance ``state`` (changed in place) through year ``t``; returns the separations
    and the appointments by nationality (runs × nationalities)."""
    k = t - 1
    year = inputs.base_year + t
    sep = state.base[:, k] + state.new[:, k]
    state.base[:, k] = 0
    state.new[:, k] = 0
    w = geo_grade_weights(inputs, recruited)
    p_grade = (p_sep * recruited).sum(-1) / np.maximum(recruited.sum(-1), 1e-12)
    p_grade = np.where(recruited.sum(-1) > 0, p_grade, p_sep.mean(-1))
    h_new = (w * p_grade).sum(1)
    h_base = base_hazards(comp, p_sep, h_new)
    base, new = state.base[:, t:], state.new[:, t:]  # classes before t are empty
    out_b = sampler.binomial(base, h_base[:, None, :])
    out_n = sampler.binomial(new, h_new[:, None, None])
    base -= out_b
    new -= out_n
    sep = sep + out_b.sum(1) + out_n.sum(1)
    if inputs.freeze_external[k]:
        return sep, sampler.zeros(sep.shape)
    vacant = np.maximum(inputs.geo_establishment[t] - state.counts().sum(1), 0).astype(state.new.dtype)
    mix = inputs.recruitment.nationality_mix(inputs.scenario, year, status, w, sel_rates)
    # Classes first (runs × classes), then nationalities within each class: the same
    # joint distribution as nationality then class, with far fewer non-zero draws.
    by_class = sampler.multinomial(sampler.multinomial(vacant, w @ inputs.entry_class[k][:, t:]),
                                   mix[:, None, :])
    new += by_class
    return sep, by_class.sum(1)
