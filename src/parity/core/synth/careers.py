"""Career rules: who separates and why, promotion ladders, where vacancies are.

Pure functions over arrays; the year-by-year bookkeeping lives in ``workforce``.
"""

from __future__ import annotations

import numpy as np

from parity.core import model
from parity.core.synth.organization import (
    BAND_OF,
    GRADE_INDEX,
    GRADES,
    PROFESSIONAL,
    Organization,
)
from parity.core.synth.population import TEMPORARY
from parity.core.synth.quotas import largest_remainder

#: Separation reasons, in the order of ``model.SEPARATION_REASONS``.
RETIREMENT, RESIGNATION, END_OF_APPOINTMENT, TERMINATION, DEATH, OTHER = range(6)
MANDATORY_AGE = 65

# Next grade up each ladder (-1: top of the ladder or no promotion modelled).
UP = np.full(len(GRADES), -1)
for _cat, _ladder in model.GRADES_BY_CATEGORY.items():
    if _cat == "SL":
        continue
    for _lo, _hi in zip(_ladder[1:], _ladder[:-1], strict=True):
        UP[GRADE_INDEX[_lo]] = GRADE_INDEX[_hi]
UP[GRADE_INDEX["D-1"]] = GRADE_INDEX["D-2"]
UP[GRADE_INDEX["P-5"]] = GRADE_INDEX["D-1"]
UP[GRADE_INDEX["D-2"]] = -1
#: Young Professionals: a few G-6/G-7 staff move to P-2 each year.
G_TO_P = np.zeros(len(GRADES), dtype=bool)
G_TO_P[[GRADE_INDEX["G-6"], GRADE_INDEX["G-7"]]] = True
UP_PROMOTION = np.where(G_TO_P, GRADE_INDEX["P-2"], UP)

_RATES = {"P-1": 0.30, "P-2": 0.12, "P-3": 0.05, "P-4": 0.035, "P-5": 0.015, "D-1": 0.05,
          "G-7": 0.004, "G-6": 0.002}
#: Relative chance of promotion of eligible staff by current grade (Professional ladders;
#: G-6/G-7 here means the move to P-2).
PROMOTION_RATE = np.array([_RATES.get(g, 0.0) for g in GRADES])
#: Annual promotion probability on the GS, FS and NO ladders.
LADDER_RATE = np.where(PROFESSIONAL | (UP < 0), 0.0, 0.05)

_BASE_SEPARATION = {"P": 0.06, "GS": 0.04, "FS": 0.06, "NO": 0.06}
_TYPE_FACTOR = np.array([0.45, 0.7, 1.0, 8.0])  # permanent, continuing, fixed-term, temporary


def separation_weight(grade: np.ndarray, appt_type: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Annual probability of a discretionary separation (not the mandatory retirement)."""
    cat = np.array([model.CATEGORY_OF_GRADE[g] for g in GRADES])[grade]
    base = np.select([np.isin(cat, ["SL", "D", "P"]), cat == "GS", cat == "FS"],
                     [_BASE_SEPARATION["P"], _BASE_SEPARATION["GS"], _BASE_SEPARATION["FS"]],
                     _BASE_SEPARATION["NO"])
    age_factor = np.where(age >= 60, 1.6, np.where(age < 35, 1.3, 1.0))
    return np.minimum(base * _TYPE_FACTOR[appt_type] * age_factor, 0.9)


_REASONS_TEMP = np.array([0.0, 0.12, 0.85, 0.0, 0.0, 0.03])
_REASONS_OLD = np.array([0.45, 0.25, 0.15, 0.03, 0.05, 0.07])
_REASONS_YOUNG = np.array([0.0, 0.55, 0.30, 0.05, 0.02, 0.08])


def separation_reasons(rng: np.random.Generator, appt_type: np.ndarray,
                       age: np.ndarray) -> np.ndarray:
    """Reasons of discretionary separations (early retirement from 58)."""
    p = np.where((appt_type == TEMPORARY)[:, None], _REASONS_TEMP,
                 np.where((age >= 58)[:, None], _REASONS_OLD, _REASONS_YOUNG))
    cum = np.cumsum(p, axis=1)
    u = rng.random(age.size)[:, None]
    return np.minimum((u >= cum).sum(axis=1), OTHER).astype(np.int64)


def hire_appointment_types(rng: np.random.Generator, grade: np.ndarray) -> np.ndarray:
    """Recruits get fixed-term appointments, some temporary ones (never permanent)."""
    temp = np.where(BAND_OF[grade] >= 2, 0.18, 0.10)
    return np.where(rng.random(grade.size) < temp, TEMPORARY, 2).astype(np.int8)


def deficits(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Unfilled posts per (entity, grade) cell, never negative."""
    return np.maximum(target - current, 0.0)


def split_over_grades(total: int, grades: np.ndarray, target: np.ndarray,
                      current: np.ndarray) -> np.ndarray:
    """Spread ``total`` recruits over ``grades`` in proportion to the grades' vacancies."""
    t = target.sum(axis=0)[grades]
    c = current.sum(axis=0)[grades]
    need = np.maximum(t - c, 0.0)
    return largest_remainder(need if need.sum() > 0 else t, total)


def place_in_entities(rng: np.random.Generator, org: Organization, year_target: np.ndarray,
                      current: np.ndarray, grade: int, days: np.ndarray) -> np.ndarray:
    """Entities of recruits of one grade, where the vacancies are.

    Entities opening during the year get the latest recruits, so that nobody joins an
    entity before it exists; any left before the opening are moved to an open entity.
    """
    n = days.size
    need = deficits(year_target[:, grade], current[:, grade]) + 1e-6 * year_target[:, grade]
    if need.sum() <= 0:
        need = year_target[:, grade] + 1e-9
    counts = largest_remainder(need, n)
    ents = np.repeat(np.arange(counts.size), counts)
    new_open = org.open_day[ents] > days.min(initial=0)
    late = ents[new_open]
    late = late[np.argsort(-org.open_day[late], kind="stable")]
    rest = rng.permutation(ents[~new_open])
    order = np.argsort(-days, kind="stable")
    out = np.empty(n, dtype=np.int64)
    out[order] = np.concatenate([late, rest])
    bad = ~org.open_at(days, out)
    if bad.any():
        fallback = np.flatnonzero((org.open_day < days.min(initial=0)) & (year_target[:, grade] > 0))
        if fallback.size == 0:
            fallback = np.flatnonzero(org.open_day < days.min(initial=0))
        out[bad] = fallback[rng.integers(0, fallback.size, size=int(bad.sum()))]
    return out


def destinations(rng: np.random.Generator, org: Organization, year_target: np.ndarray,
                 current: np.ndarray, grade: np.ndarray, origin: np.ndarray,
                 days: np.ndarray, field_only: bool = False) -> np.ndarray:
    """A new entity for each mover: where posts of the grade are vacant, never the origin.

    Returns -1 where no open entity has posts of that grade.
    """
    if grade.size == 0:
        return np.zeros(0, dtype=np.int64)
    table = deficits(year_target, current) + 0.05 * year_target  # (entities, grades)
    w = table.T[grade]  # (movers, entities)
    if field_only:
        w = w * org.field[None, :]
    is_open = (org.open_day[None, :] <= days[:, None]) & (days[:, None] < org.close_day[None, :])
    w = w * is_open
    w[np.arange(grade.size), origin] = 0.0
    total = w.sum(axis=1)
    cum = np.cumsum(w, axis=1)
    pick = (cum < (rng.random(grade.size) * total)[:, None]).sum(axis=1)
    return np.where(total > 0, np.minimum(pick, w.shape[1] - 1), -1).astype(np.int64)


def tenure_start(rng: np.random.Generator, birth_year: np.ndarray, last_day: int,
                 grade: np.ndarray) -> np.ndarray:
    """Appointment day of the 2014 stock: up to 30 years back, after the 23rd birthday."""
    age = 2014 - birth_year
    max_years = np.clip(age - 23, 0, 30)
    senior = BAND_OF[grade] == 0
    years = rng.random(grade.size) ** np.where(senior, 0.6, 1.0) * max_years
    return (last_day - np.rint(years * 365.25)).astype(np.int64)
