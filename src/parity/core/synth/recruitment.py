"""Job openings and how far their applications get.

Every fill of the workforce simulation whose opening was posted in 2015 or later becomes an
opening with one selection. To these are added openings that end without a selection
(cancelled position-specific openings, roster-building generic openings) and, in the last
year, openings still in progress at the cutoff.

Each opening then gets its number of applications and the number that stop at each *depth*
(0 received only, 1 screened, 2 assessed, 3 interviewed, 4 recommended, 5 selected). For
Professional openings the yearly totals are pinned to Table 1: applications received grow
with a mild trend and sum over 2018–2022 to the Table 1 total; screened and rostered are the
Table 1 ratios of it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from parity.core.synth.calibration import TARGET_BY_ROW
from parity.core.synth.dates import YEARS, day, year_of
from parity.core.synth.ledger import Arrays
from parity.core.synth.organization import GRADE_INDEX, Organization, draw_family
from parity.core.synth.quotas import NONMEMBER_SHARE, largest_remainder
from parity.core.synth.timing import (
    FROM_ROSTER,
    GENERIC,
    POSITION_SPECIFIC,
    closing_days,
    durations,
    milestones,
)

PROFESSIONAL_SEGMENT, OTHER_SEGMENT = 0, 1
#: Applications received by posting year, relative to the 2018–2022 average.
VOLUME_TREND: dict[int, float] = {2015: 0.84, 2016: 0.88, 2017: 0.93, 2018: 0.96, 2019: 1.00,
                                  2020: 0.97, 2021: 1.02, 2022: 1.05, 2023: 1.08, 2024: 1.06}
RECEIVED_PER_YEAR = TARGET_BY_ROW["received"].total / 5
SCREENED_RATIO = TARGET_BY_ROW["screened"].total / TARGET_BY_ROW["received"].total
ROSTERED_RATIO = TARGET_BY_ROW["rostered"].total / TARGET_BY_ROW["received"].total
#: Extra openings per fill: cancelled position-specific and roster-building generic ones.
CANCELLED_SHARE = {PROFESSIONAL_SEGMENT: 0.08, OTHER_SEGMENT: 0.05}
ROSTER_BUILDING_SHARE = {PROFESSIONAL_SEGMENT: 0.03, OTHER_SEGMENT: 0.0}
_MEDIAN_APPS = {"P-1": 150, "P-2": 420, "P-3": 230, "P-4": 170, "P-5": 120, "D-1": 90,
                "D-2": 70}
_KIND_FACTOR = {POSITION_SPECIFIC: 1.0, GENERIC: 5.0}
#: Share of selections from non-roster openings that are (also) placed on the roster.
SELECTED_ROSTERED = 0.9


@dataclass
class Openings:
    segment: np.ndarray
    posting_type: np.ndarray
    grade: np.ndarray
    entity: np.ndarray
    family: np.ndarray
    posted: np.ndarray
    closed: np.ndarray
    #: Milestones (5, n): screened, assessed, interviewed, recommended, selected.
    milestone: np.ndarray
    #: Index of the fill selected, or -1.
    fill: np.ndarray
    selected_rostered: np.ndarray
    #: Applications stopping at each depth (6, n).
    depth: np.ndarray

    @property
    def size(self) -> int:
        return int(self.posted.size)

    @property
    def year(self) -> np.ndarray:
        return year_of(self.posted)

    def take(self, idx: np.ndarray) -> Openings:
        vals = {f.name: getattr(self, f.name) for f in fields(self)}
        return Openings(**{k: (v[:, idx] if v.ndim == 2 else v[idx]) for k, v in vals.items()})


def bounded_allocation(total: int, weights: np.ndarray, lo: np.ndarray,
                       hi: np.ndarray) -> np.ndarray:
    """Integers ``lo <= x <= hi`` summing to ``total`` (if feasible), spread by ``weights``."""
    x = lo.astype(np.int64).copy()
    left = total - int(x.sum())
    for _ in range(30):
        room = hi - x
        if left <= 0 or room.sum() <= 0:
            break
        w = np.where(room > 0, np.maximum(weights, 1e-9), 0.0)
        add = np.minimum(largest_remainder(w, min(left, int(room.sum()))), room)
        x += add
        left -= int(add.sum())
    return x


def _base(fills: Arrays, org: Organization, rng: np.random.Generator) -> Openings:
    keep = np.flatnonzero(fills["posted"] >= day(YEARS[0]))
    n = keep.size
    ptype = fills["posting_type"][keep]
    closed = closing_days(rng, fills["posted"][keep])
    return Openings(
        segment=np.where(fills["professional"][keep] == 1, PROFESSIONAL_SEGMENT, OTHER_SEGMENT),
        posting_type=ptype, grade=fills["grade"][keep], entity=fills["entity"][keep],
        family=draw_family(rng, org, fills["entity"][keep]), posted=fills["posted"][keep],
        closed=closed,
        milestone=milestones(rng, closed, fills["selected"][keep], ptype), fill=keep,
        selected_rostered=(ptype != FROM_ROSTER) & (rng.random(n) < SELECTED_ROSTERED),
        depth=np.zeros((6, n), np.int64),
    )


def _unfilled(rng: np.random.Generator, org: Organization, like: Openings,
              posted: np.ndarray, ptype: np.ndarray) -> Openings:
    """Openings like ``like`` (entity, grade, segment) but without a selection."""
    n = posted.size
    closed = closing_days(rng, posted)
    selected = posted + durations(rng, ptype)
    return Openings(
        segment=like.segment, posting_type=ptype, grade=like.grade, entity=like.entity,
        family=draw_family(rng, org, like.entity), posted=posted, closed=closed,
        milestone=milestones(rng, closed, selected, ptype), fill=np.full(n, -1),
        selected_rostered=np.zeros(n, bool), depth=np.zeros((6, n), np.int64),
    )


def _concat(parts: list[Openings]) -> Openings:
    names = [f.name for f in fields(Openings)]
    return Openings(**{k: np.concatenate([getattr(p, k) for p in parts],
                                         axis=1 if k in ("milestone", "depth") else 0)
                       for k in names})


def build_openings(rng: np.random.Generator, org: Organization, fills: Arrays) -> Openings:
    """All openings: from fills, cancelled, roster-building and in progress at the cutoff."""
    base = _base(fills, org, rng)
    parts = [base]
    years = base.year
    for seg in (PROFESSIONAL_SEGMENT, OTHER_SEGMENT):
        for y in YEARS:
            pool = np.flatnonzero((base.segment == seg) & (years == y)
                                  & (base.posting_type != FROM_ROSTER))
            if pool.size == 0:
                continue
            for share, ptype in ((CANCELLED_SHARE[seg], POSITION_SPECIFIC),
                                 (ROSTER_BUILDING_SHARE[seg], GENERIC)):
                k = round(share * pool.size)
                like = base.take(rng.choice(pool, size=k))
                posted = np.clip(like.posted + rng.integers(-60, 61, size=k), day(y),
                                 day(y, 12, 31))
                parts.append(_unfilled(rng, org, like, posted, np.full(k, ptype)))
    # Openings posted in the last year whose selection falls after the cutoff: as many as the
    # openings of the year before that were still running at its end.
    last = YEARS[-1]
    running = np.flatnonzero((years == last - 1) & (base.milestone[4] >= day(last)))
    like = base.take(running)
    posted = like.posted + 366
    ok = org.open_at(posted, like.entity)
    like = like.take(np.flatnonzero(ok))
    parts.append(_unfilled(rng, org, like, posted[ok], like.posting_type))
    return _concat(parts)


def _professional_sizes(rng: np.random.Generator, op: Openings, idx: np.ndarray,
                        volume: int) -> np.ndarray:
    """Applications per Professional opening, summing to ``volume``."""
    ptype = op.posting_type[idx]
    roster = ptype == FROM_ROSTER
    sizes = np.zeros(idx.size, np.int64)
    sizes[roster] = 3 + rng.poisson(9.0, size=int(roster.sum()))
    grades = op.grade[idx]
    median = np.zeros(idx.size)
    for g, m in _MEDIAN_APPS.items():
        median[grades == GRADE_INDEX[g]] = m
    kind = np.where(ptype == GENERIC, _KIND_FACTOR[GENERIC], 1.0)
    kind = np.where(op.fill[idx] < 0, kind * 0.8, kind)
    w = median * kind * rng.lognormal(0.0, 0.55, size=idx.size)
    rest = np.flatnonzero(~roster)
    lo = np.full(rest.size, 12)
    sizes[rest] = bounded_allocation(volume - int(sizes[roster].sum()), w[rest], lo,
                                     np.full(rest.size, 10**9))
    return sizes


def _depths(rng: np.random.Generator, op: Openings, idx: np.ndarray, apps: np.ndarray,
            screened_total: int | None, rostered_total: int | None) -> np.ndarray:
    """Applications stopping at each depth, for the openings ``idx`` (6, len(idx))."""
    n = idx.size
    ptype = op.posting_type[idx]
    roster = ptype == FROM_ROSTER
    d = np.zeros((6, n), np.int64)
    d[5] = op.fill[idx] >= 0
    d[3] = np.where(roster, 0, rng.poisson(1.5, size=n))
    d[3] = np.minimum(d[3], apps - d[5])
    hi4 = np.where(roster, 0, apps - d[5] - d[3])
    w4 = np.where(ptype == GENERIC, 8.0, 1.0) * np.where(op.fill[idx] < 0, 0.5, 1.0)
    w4 = w4 * rng.gamma(4.0, 0.25, size=n)
    if rostered_total is None:
        d[4] = np.minimum(rng.poisson(2.0, size=n), hi4)
    else:
        rs = int((op.selected_rostered[idx] & (d[5] == 1)).sum())
        d[4] = bounded_allocation(rostered_total - rs, w4, np.zeros(n, np.int64), hi4)
    fixed = d[3] + d[4] + d[5]
    screened = np.where(roster, d[5] + rng.binomial(apps - d[5], 0.7), fixed)
    if screened_total is None:
        screened = np.where(roster, screened, np.maximum(rng.binomial(apps, 0.45), fixed))
    else:
        rest = np.flatnonzero(~roster)
        left = screened_total - int(screened[roster].sum())
        screened[rest] = bounded_allocation(left, apps[rest] * rng.beta(6.0, 4.0, size=rest.size),
                                            fixed[rest], apps[rest])
    d[2] = np.where(roster, 0, rng.binomial(np.maximum(screened - fixed, 0), 0.1))
    d[1] = screened - d[2] - fixed
    d[0] = apps - screened
    return d


def plan_applications(rng: np.random.Generator, op: Openings, scale: float) -> None:
    """Fill ``op.depth``: how many applications each opening receives and how far they get."""
    years = op.year
    for y in YEARS:
        for seg in (PROFESSIONAL_SEGMENT, OTHER_SEGMENT):
            idx = np.flatnonzero((years == y) & (op.segment == seg))
            if idx.size == 0:
                continue
            if seg == PROFESSIONAL_SEGMENT:
                volume = round(RECEIVED_PER_YEAR * VOLUME_TREND[y] * scale
                               / (1.0 - NONMEMBER_SHARE))
                apps = _professional_sizes(rng, op, idx, volume)
                op.depth[:, idx] = _depths(rng, op, idx, apps, round(SCREENED_RATIO * volume),
                                           round(ROSTERED_RATIO * volume))
            else:
                apps = np.maximum(np.rint(60 * rng.lognormal(0.0, 0.6, size=idx.size)), 8)
                apps = np.where(op.posting_type[idx] == FROM_ROSTER, 3 + rng.poisson(6.0, idx.size),
                                apps).astype(np.int64)
                op.depth[:, idx] = _depths(rng, op, idx, apps, None, None)
