"""Recruitment timelines: posting types, durations and the dates of each stage.

A *fill* is a post filled through a job opening: an external appointment, a promotion or a
lateral move. It is generated backwards from the date the career event takes effect:

    posted_date ── ~60 days ── closed_date ── screening, assessment, interview,
    recommendation ── selected_date ── onboarding lag ── event_date

Position-specific openings take a median of about 205 days from posting to selection;
selections from the roster about 90 days, so that a minority of selections (roughly one in
five) meet the 120-day target of seed 001.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Posting types, in the order of ``model.POSTING_TYPES``.
POSITION_SPECIFIC, GENERIC, FROM_ROSTER = range(3)
#: Stage milestones of an opening (the received date is per application).
MILESTONES: tuple[str, ...] = ("screened", "assessed", "interviewed", "recommended", "selected")
_MEDIAN_DAYS = {POSITION_SPECIFIC: 205.0, GENERIC: 230.0, FROM_ROSTER: 90.0}
_SIGMA = {POSITION_SPECIFIC: 0.32, GENERIC: 0.30, FROM_ROSTER: 0.22}
_BOUNDS = {POSITION_SPECIFIC: (105, 480), GENERIC: (110, 500), FROM_ROSTER: (78, 200)}
#: Share of posting types among fills of Professional posts and of other posts.
_TYPE_MIX = {True: (0.78, 0.06, 0.16), False: (0.88, 0.02, 0.10)}
OPEN_DAYS = 60


@dataclass(frozen=True)
class FillTiming:
    posting_type: np.ndarray
    selected: np.ndarray
    posted: np.ndarray


def durations(rng: np.random.Generator, posting_type: np.ndarray) -> np.ndarray:
    """Days from posting to selection."""
    out = np.zeros(posting_type.size, dtype=np.int64)
    z = rng.standard_normal(posting_type.size)
    for t, median in _MEDIAN_DAYS.items():
        sel = posting_type == t
        lo, hi = _BOUNDS[t]
        out[sel] = np.clip(np.rint(median * np.exp(_SIGMA[t] * z[sel])), lo, hi)
    return out


def fill_timing(rng: np.random.Generator, event_day: np.ndarray, internal: np.ndarray,
                professional: bool) -> FillTiming:
    """Posting type, selection and posting dates of fills taking effect on ``event_day``."""
    n = event_day.size
    ptype = rng.choice(3, size=n, p=_TYPE_MIX[professional]).astype(np.int64)
    lag = np.where(internal, rng.integers(10, 46, size=n), rng.integers(30, 121, size=n))
    selected = event_day - lag
    posted = selected - durations(rng, ptype)
    return FillTiming(ptype, selected, posted)


def closing_days(rng: np.random.Generator, posted: np.ndarray) -> np.ndarray:
    return posted + OPEN_DAYS + rng.integers(-3, 4, size=posted.size)


def milestones(rng: np.random.Generator, closed: np.ndarray, selected: np.ndarray,
               posting_type: np.ndarray) -> np.ndarray:
    """Stage milestone days (5, n) between closing and selection, at least 6 days apart.

    Roster selections have no assessment or interview; their three milestones (screening,
    recommendation, selection) are at least 3 days apart and the unused ones repeat the
    screening day.
    """
    n = closed.size
    span = np.maximum(selected - closed, 0)
    roster = posting_type == FROM_ROSTER
    w = rng.gamma(np.array([3.0, 4.0, 4.0, 4.0, 2.0])[:, None], size=(5, n))
    w[1:3, roster] = 0.0
    w /= w.sum(axis=0, keepdims=True)
    gap_min = np.where(roster, 3, 6)
    n_gaps = np.where(roster, 3, 5)
    free = np.maximum(span - gap_min * n_gaps, 0)
    gaps = np.floor(w * free).astype(np.int64) + np.where(w > 0, gap_min, 0)
    out = closed + np.cumsum(gaps, axis=0)
    out[4] = np.maximum(selected, out[3] + gap_min)
    return out


def jitter_limit(posting_type: np.ndarray) -> np.ndarray:
    """Largest per-application shift before a milestone that keeps stage dates monotone."""
    return np.where(posting_type == FROM_ROSTER, 2, 5)
