"""Who applies: staff members applying internally and a pool of outside applicants.

Application slots arrive with an applicant *type* (nationality group × education group) and
a received date. Slots left after internal applicants are matched to outside applicants by
rank: every applicant gets a number of applications (heavy-tailed, median about 2.5) spread
over time from a start date, and within each type the applicants' desired dates and the
slots' dates are sorted and paired. Recruits apply to a few other openings before the one
that hired them (their *companion* applications), so the same ``applicant_id`` appears in
several openings with the same nationality, gender and country of education.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.core.synth.countries import countries
from parity.core.synth.ordering import order_by, random_ties
from parity.core.synth.population import draw_gender
from parity.core.synth.quotas import N_EDU, N_TYPES

#: Share of women among outside applicants, by nationality group.
FEMALE_APPLICANTS = np.array([0.36, 0.40, 0.55, 0.50, 0.52, 0.38])


@dataclass(frozen=True)
class Pool:
    """Outside applicants created so far; ids run from ``first_id``."""

    first_id: int
    type: np.ndarray


def sample_internal(rng: np.random.Generator, slot_type: np.ndarray, slot_day: np.ndarray,
                    staff_type: np.ndarray, appt_day: np.ndarray, sep_day: np.ndarray,
                    rounds: int = 5) -> np.ndarray:
    """A staff member of the slot's type in service on the slot's day, or -1."""
    out = np.full(slot_type.size, -1, dtype=np.int64)
    order = np.argsort(staff_type, kind="stable")
    counts = np.bincount(staff_type, minlength=N_TYPES)
    starts = np.cumsum(counts) - counts
    todo = np.flatnonzero(counts[slot_type] > 0)
    for _ in range(rounds):
        if todo.size == 0:
            break
        t = slot_type[todo]
        pick = order[starts[t] + (rng.random(todo.size) * counts[t]).astype(np.int64)]
        ok = (appt_day[pick] <= slot_day[todo]) & (slot_day[todo] < sep_day[pick])
        out[todo[ok]] = pick[ok]
        todo = todo[~ok]
    return out


def from_roster(rng: np.random.Generator, want_type: np.ndarray, want_day: np.ndarray,
                roster_type: np.ndarray, roster_day: np.ndarray,
                roster_applicant: np.ndarray) -> np.ndarray:
    """An applicant of the wanted type placed on the roster before the wanted day, or -1."""
    order = order_by(roster_type, roster_day)
    t_s, a_s = roster_type[order], roster_applicant[order]
    key = (t_s << 32) | roster_day[order]
    start = np.searchsorted(t_s, want_type, side="left")
    end = np.searchsorted(key, (want_type.astype(np.int64) << 32) | want_day, side="left")
    n = end - start
    pick = np.minimum(start + (rng.random(want_type.size) * n).astype(np.int64), a_s.size - 1)
    return np.where(n > 0, a_s[np.maximum(pick, 0)], -1)


def _pool_counts(rng: np.random.Generator, need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Applicants (type, number of applications) whose counts sum to ``need[type]``."""
    est = np.ceil(need / 3.0).astype(np.int64) + 16
    types = np.repeat(np.arange(need.size), est)
    c = np.maximum(1, np.rint(rng.lognormal(0.9, 0.9, size=types.size))).astype(np.int64)
    cum = np.cumsum(c)
    first = np.cumsum(est) - est
    offset = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
    before = cum - offset[types] - c
    keep = before < need[types]
    c = np.where(keep, np.minimum(c, need[types] - before), 0)
    short = need - np.bincount(types, weights=c, minlength=need.size).astype(np.int64)
    types = np.concatenate([types[keep], np.flatnonzero(short > 0)])
    c = np.concatenate([c[keep], short[short > 0]])
    order = np.argsort(types, kind="stable")
    return types[order], c[order]


def match(rng: np.random.Generator, slot_type: np.ndarray, slot_day: np.ndarray,
          hire_person: np.ndarray, hire_type: np.ndarray, hire_day: np.ndarray,
          first_id: int) -> tuple[np.ndarray, Pool]:
    """Applicant of each slot: recruits' companion applications first, then a new pool."""
    n_comp = rng.poisson(2.0, size=hire_person.size)
    comp_person = np.repeat(hire_person, n_comp)
    comp_type = np.repeat(hire_type, n_comp)
    gaps = 10 + rng.exponential(40.0, size=comp_person.size)
    run = np.cumsum(gaps)
    offsets = np.repeat(np.cumsum(n_comp) - n_comp, n_comp)
    base = np.concatenate([[0.0], run])[offsets]
    comp_time = np.repeat(hire_day, n_comp) - (run - base)
    # Never more companions of a type than slots of that type.
    slots_per_type = np.bincount(slot_type, minlength=N_TYPES)
    order = rng.permutation(comp_person.size)
    comp_type_o = comp_type[order]
    rank = _rank_within(comp_type_o)
    keep = order[rank < slots_per_type[comp_type_o]]
    comp_person, comp_type, comp_time = comp_person[keep], comp_type[keep], comp_time[keep]

    need = slots_per_type - np.bincount(comp_type, minlength=N_TYPES)
    p_type, p_count = _pool_counts(rng, need)
    ids = first_id + np.arange(p_type.size)
    copies_id = np.repeat(ids, p_count)
    copies_type = np.repeat(p_type, p_count)
    # Start dates follow the slots' own dates of the type; applications then every ~5 weeks.
    by_type = order_by(slot_type, slot_day)
    sorted_days = slot_day[by_type]
    t_start = np.cumsum(slots_per_type) - slots_per_type
    pick = t_start[p_type] + (rng.random(p_type.size) * slots_per_type[p_type]).astype(np.int64)
    start = sorted_days[np.minimum(pick, sorted_days.size - 1)].astype(np.float64)
    step = rng.exponential(35.0, size=copies_id.size)
    cum = np.cumsum(step)
    first_copy = np.cumsum(p_count) - p_count
    cum -= np.repeat(np.concatenate([[0.0], cum])[first_copy], p_count)
    copies_time = np.repeat(start, p_count) + cum - step

    all_type = np.concatenate([comp_type, copies_type])
    all_time = np.concatenate([comp_time, copies_time])
    all_id = np.concatenate([comp_person, copies_id])
    quarter_days = np.rint(np.maximum(all_time, 0.0) * 4).astype(np.int64)
    who = order_by(all_type, quarter_days, random_ties(rng, all_id.size))
    slots = order_by(slot_type, slot_day, random_ties(rng, slot_type.size))
    out = np.empty(slot_type.size, dtype=np.int64)
    out[slots] = all_id[who]
    return out, Pool(first_id, p_type)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Rank of each element among the elements of its group, in array order."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    counts = np.bincount(g, minlength=int(g.max(initial=-1)) + 1)
    rank_sorted = np.arange(g.size) - (np.cumsum(counts) - counts)[g]
    out = np.empty(groups.size, dtype=np.int64)
    out[order] = rank_sorted
    return out


@dataclass(frozen=True)
class PoolAttributes:
    nationality: np.ndarray
    education: np.ndarray
    gender: np.ndarray


def pool_attributes(rng: np.random.Generator, types: np.ndarray) -> PoolAttributes:
    """Nationality, country of education and gender of outside applicants of ``types``."""
    cc = countries()
    nat_group, edu_group = types // N_EDU, types % N_EDU
    nat = cc.draw(rng, nat_group, cc.applicant_weight)
    edu = cc.education(rng, nat, edu_group, home_share=0.75)
    gender = draw_gender(rng, FEMALE_APPLICANTS[nat_group])
    return PoolAttributes(nat, edu, gender)
