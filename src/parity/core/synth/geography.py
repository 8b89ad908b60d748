"""Posts subject to geographical distribution: how many, and whose nationals hold them.

The system of desirable ranges (:mod:`parity.core.analytics.ranges`) compares each Member
State's nationals in posts subject to geographical distribution (``geo_subject``) with a
range computed from the number of such posts. The generator plans that number for every
State and year, then flags staff at each year end to meet the plan:

* **base**: 3,600 posts on 2019-12-31 — the "approximately 3,600" regular-budget
  geographical posts of RANGES.md §1.3 — and 0.5 % more each later year, 0.5 % fewer each
  earlier one (the trend is an assumption). Only Professional and Director staff (P-1 …
  D-2) outside field operations hold such posts: the pre-2024 definition, kept for 2024
  too (the 2024 extension to missions, RANGES.md §1.1, is not modelled);
* **regional totals**: the base split by the composition path of all Professional and
  higher staff (``quotas.stock_paths``: Table 1's 2022 shares and their drift), so the
  system has the regional mix Table 1 gives to the whole P+ workforce;
* **2019 statuses**: exactly the published counts (seed 001 §43): 22 unrepresented, 34
  underrepresented, 108 within range and 29 overrepresented. Each State gets a latent
  count: its group's ratio of regional total to the sum of the group's midpoints, times
  lognormal noise (30 %, less for large States), times its midpoint. Unrepresented
  States are drawn among the smallest (midpoint under 9 posts: membership share only),
  favouring small populations and the groups below their midpoints; the others are
  ranked by where the latent count falls in their range, the 34 lowest underrepresented
  and the 29 highest overrepresented;
* **2019 counts**: each State's latent count, clipped to the interval of its status (the
  limits come from ``range_limits`` and ``classify``, with the shipped parameters), then
  scaled within each group so that the group meets its regional total;
* **other years**: each State's 2019 level follows a random walk (6 % a year), rescaled to
  the year's regional totals; unrepresented States gain a national at 8 % a year, and
  States with one or two lose theirs as often in all (so the number of unrepresented
  States stays level), backwards in time as well.

The plan is made at scale 1 and shrunk to the run's scale. Nationality weights of
Professionals within each group follow the planned counts (:attr:`GeoPlan.staff_weight`);
recruits to posts that may be geographical first fill any State's shortfall against the
plan (as the Senior Managers' Compact asks for nationals of un- and underrepresented
States, RANGES.md §1.5) and the 2014 stock covers the first year's plan, so the year-end
flags meet the plan whenever the group has recruits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import polars as pl

from parity.core import model
from parity.core.analytics.ranges import (
    STATUSES,
    classify,
    range_limits,
    reference_membership,
    status_expr,
)
from parity.core.params import RangeParameters, load_range_parameters
from parity.core.synth.calibration import TARGET_BY_ROW
from parity.core.synth.countries import NON_MEMBER_CODES, countries
from parity.core.synth.dates import YEARS
from parity.core.synth.quotas import N_GROUPS, NONMEMBER, largest_remainder, stock_paths

#: Posts subject to geographical distribution on 2019-12-31 at scale 1 (RANGES.md §1.3).
BASE_2019 = 3_600
#: Yearly growth of the base (an assumption: the figure is known for one date only).
BASE_GROWTH = 0.005
PLAN_YEAR = 2019
#: Published status counts for 2019 (seed 001 §43; overrepresented = 193 - 108 - 34 - 22).
PUBLISHED_2019: dict[str, int] = {"unrepresented": 22, "underrepresented": 34,
                                  "within_range": 108, "overrepresented": 29}
#: Grades of posts subject to geographical distribution (categories P and D).
GEO_GRADE = np.array([model.CATEGORY_OF_GRADE[g] in {"P", "D"} for g in model.GRADES])

_UNREP, _UNDER, _WITHIN, _OVER = 0, 1, 2, 3
#: Spread (log scale) of the latent 2019 count around group ratio x midpoint, for States
#: with midpoints under 9 posts; above, it shrinks as midpoint^-0.3 (large States' counts
#: vary less, and the largest would otherwise decide their group's total alone).
_SIGMA = 0.3
_SMALL_MIDPOINT = 9.0  # unrepresented States are drawn among those below this midpoint
_OVER_CAP = 1.5  # an overrepresented State holds at most this multiple of its upper limit
_WALK = 0.06  # yearly step (log scale) of a State's count away from 2019
_TURNOVER = 0.08  # yearly chance that an unrepresented State gains a national
_WEIGHT_FLOOR = 0.5  # staff weight of a State with no planned post, in planned posts


def base_figure(year: int) -> int:
    """Posts subject to geographical distribution at the end of ``year``, scale 1."""
    return round(BASE_2019 * (1.0 + BASE_GROWTH) ** (year - PLAN_YEAR))


def regional_totals(year: int, base: int) -> np.ndarray:
    """The base split over the six groups like all P+ staff of ``year`` (stock paths)."""
    paths, t = stock_paths(), TARGET_BY_ROW
    n_senior = t["staff_senior"].total
    n_other = t["staff_p_and_higher"].total - n_senior
    shares = n_senior * paths["senior"].shares(year) + n_other * paths["other"].shares(year)
    return largest_remainder(shares, base)


@dataclass(frozen=True)
class Limits:
    """Each Member State's range for one year (in ``countries()`` order)."""

    frame: pl.DataFrame  # range_limits columns, sorted by iso3
    midpoint: np.ndarray
    first_within: np.ndarray  # smallest count within range
    last_within: np.ndarray  # largest count within range

    def statuses(self, staff: np.ndarray) -> np.ndarray:
        """Status of each State (index into ``ranges.STATUSES``) with ``staff`` nationals."""
        got = classify(self.frame.with_columns(pl.Series("staff", staff)), _params())
        return np.array([STATUSES.index(s) for s in got["status"].to_list()])


@lru_cache(maxsize=1)
def _params() -> RangeParameters:
    """The shipped range parameters (those of ``parity ranges`` without ``--params``)."""
    return load_range_parameters()


def limits(year: int, base: float) -> Limits:
    """Ranges of ``year`` with base ``base``, as ``parity ranges`` computes them by default."""
    params = _params()
    members, _, _ = reference_membership(date(year, 12, 31), params, [])
    frame = range_limits(members, base, params).sort("iso3")
    n = frame.height
    if tuple(frame["iso3"].to_list()) != countries().iso3[:n]:
        raise ValueError("The range membership and the generator's Member States differ.")
    first = classify(frame.with_columns(pl.lit(0).alias("staff")), params)
    top = frame.with_columns(pl.col("upper").floor().cast(pl.Int64).alias("top"))
    top = top.with_columns(status_expr(pl.col("top"), params).alias("top_status"))
    last = np.where(top["top_status"].to_numpy() == "overrepresented",
                    top["top"].to_numpy() - 1, top["top"].to_numpy())
    return Limits(frame, frame["midpoint"].to_numpy(),
                  first["needed_to_reach_lower"].to_numpy().astype(np.int64),
                  last.astype(np.int64))


def _fit(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: int) -> np.ndarray:
    """Integers in [lo, hi] summing to ``total`` (clipped to what the bounds allow),
    proportional to ``x`` as far as the bounds let them be."""
    total = int(np.clip(total, lo.sum(), hi.sum()))
    lo_f, hi_f = lo.astype(np.float64), hi.astype(np.float64)

    def filled(lam: float) -> np.ndarray:
        return np.clip(lam * x, lo_f, hi_f)

    a, b = 0.0, 1.0
    while filled(b).sum() < total and b < 1e12:
        b *= 2.0
    for _ in range(100):
        m = 0.5 * (a + b)
        a, b = (m, b) if filled(m).sum() < total else (a, m)
    v = filled(b)
    out = np.floor(v + 1e-9).astype(np.int64)
    rest = total - int(out.sum())
    if rest > 0:
        room = np.flatnonzero(out < hi)
        order = room[np.argsort(-(v[room] - out[room]), kind="stable")]
        out[order[:rest]] += 1
    elif rest < 0:
        room = np.flatnonzero(out > lo)
        order = room[np.argsort(v[room] - out[room], kind="stable")]
        out[order[:-rest]] -= 1
    return out


def _repair_totals(totals: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Regional totals moved inside what each group's statuses allow, sum kept."""
    fixed = np.clip(totals, low, high)
    excess = int(totals.sum() - fixed.sum())
    if excess > 0:
        fixed += np.minimum(largest_remainder(high - fixed, excess), high - fixed)
    elif excess < 0:
        fixed -= np.minimum(largest_remainder(fixed - low, -excess), fixed - low)
    return fixed


def _plan_2019(rng: np.random.Generator, lim: Limits, group: np.ndarray,
               population: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Nationals per Member State in 2019: the published status counts, regional totals."""
    n = group.size
    mid, first, last = lim.midpoint, lim.first_within, lim.last_within
    sums = np.bincount(group, weights=mid, minlength=N_GROUPS)[:NONMEMBER]
    ratio = totals[:NONMEMBER] / sums
    sigma = _SIGMA * np.minimum(1.0, (_SMALL_MIDPOINT / mid) ** 0.3)
    latent = ratio[group] * mid * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
    latent *= (totals[:NONMEMBER] / np.bincount(group, weights=latent, minlength=N_GROUPS)[
        :NONMEMBER])[group]

    status = np.full(n, _WITHIN)
    small = np.flatnonzero(mid < _SMALL_MIDPOINT)
    weight = population[small] ** -0.8 / ratio[group[small]]
    keys = np.log(rng.random(small.size)) / weight
    status[small[np.argsort(-keys)[: PUBLISHED_2019["unrepresented"]]]] = _UNREP
    rest = np.flatnonzero((status != _UNREP) & (first >= 2))
    where = (latent[rest] - first[rest]) / np.maximum(last[rest] - first[rest], 1)
    order = rest[np.argsort(where, kind="stable")]
    status[order[: PUBLISHED_2019["underrepresented"]]] = _UNDER
    status[order[order.size - PUBLISHED_2019["overrepresented"]:]] = _OVER

    lo = np.select([status == _UNREP, status == _UNDER, status == _OVER],
                   [0, 1, last + 1], first)
    hi = np.select([status == _UNREP, status == _UNDER, status == _OVER],
                   [0, first - 1, np.maximum(_OVER_CAP * last, last + 10).astype(np.int64)],
                   last)
    low = np.bincount(group, weights=lo, minlength=N_GROUPS)[:NONMEMBER].astype(np.int64)
    high = np.bincount(group, weights=hi, minlength=N_GROUPS)[:NONMEMBER].astype(np.int64)
    goal = _repair_totals(totals[:NONMEMBER], low, high)
    counts = np.zeros(n, np.int64)
    for g in range(NONMEMBER):
        sel = group == g
        counts[sel] = _fit(np.maximum(latent[sel], 1e-6), lo[sel], hi[sel], int(goal[g]))
    return counts


def _years_away(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Years until an event that happens with probability ``rate`` each year."""
    return rng.geometric(np.clip(rate, 1e-6, 1.0))


def _evolve(rng: np.random.Generator, c2019: np.ndarray, group: np.ndarray,
            totals: dict[int, np.ndarray]) -> np.ndarray:
    """Nationals per Member State and year: random walks of the 2019 levels."""
    n, years = c2019.size, np.array(YEARS)
    level = np.where(c2019 > 0, c2019, 1).astype(np.float64)
    steps = rng.normal(0.0, _WALK, size=(years.size, n))
    walk = np.zeros((years.size, n))
    k = YEARS.index(PLAN_YEAR)
    walk[k + 1:] = np.cumsum(steps[k + 1:], axis=0)
    walk[:k] = np.cumsum(steps[:k][::-1], axis=0)[::-1]
    absent, few = c2019 == 0, (c2019 > 0) & (c2019 <= 2)
    # Absent States enter (after 2019) or had been there (before); States with one or
    # two nationals leave after 2019, or had not yet arrived before. Leaving is as
    # frequent in all as entering, so the number of unrepresented States stays level.
    leave = _TURNOVER * absent.sum() / max(int(few.sum()), 1)
    rate = np.where(absent, _TURNOVER, min(leave, 0.5))
    after, before = PLAN_YEAR + _years_away(rng, rate), PLAN_YEAR - _years_away(rng, rate)
    later, earlier = years[:, None] > PLAN_YEAR, years[:, None] < PLAN_YEAR
    present = np.where(absent, (later & (years[:, None] >= after))
                       | (earlier & (years[:, None] <= before)), True)
    present &= ~(few & ((later & (years[:, None] >= after))
                        | (earlier & (years[:, None] <= before))))
    out = np.zeros((years.size, n), np.int64)
    for i, y in enumerate(YEARS):
        if y == PLAN_YEAR:
            out[i] = c2019
            continue
        x = level * np.exp(walk[i]) * present[i]
        for g in range(NONMEMBER):
            sel = group == g
            out[i, sel] = largest_remainder(x[sel], int(totals[y][g]))
    return out


@dataclass(frozen=True)
class GeoPlan:
    """Planned nationals in posts subject to geographical distribution, by year and country.

    ``counts`` (scale 1) and ``targets`` (the run's scale) are indexed [year - 2015,
    country] over ``countries().iso3`` (Member States, then non-member codes);
    ``status`` gives each Member State's status (index into ``ranges.STATUSES``) that the
    scale-1 counts have against that year's ranges.
    """

    counts: np.ndarray
    targets: np.ndarray
    status: np.ndarray
    staff_weight: np.ndarray

    def target(self, year: int) -> np.ndarray:
        return self.targets[year - YEARS[0]]


def geo_plan(rng: np.random.Generator, scale: float) -> GeoPlan:
    """The plan for a run at ``scale`` (drawn at scale 1, then shrunk)."""
    cc = countries()
    n_all = len(cc.iso3)
    n_members = n_all - len(NON_MEMBER_CODES)
    group = cc.group[:n_members]
    lims = {y: limits(y, float(base_figure(y))) for y in YEARS}
    totals = {y: regional_totals(y, base_figure(y)) for y in YEARS}
    pop = lims[PLAN_YEAR].frame["population"].fill_null(1e5).to_numpy()
    c2019 = _plan_2019(rng, lims[PLAN_YEAR], group, pop, totals[PLAN_YEAR])
    members = _evolve(rng, c2019, group, totals)
    nm_share = np.array([w for _, w in NON_MEMBER_CODES])
    nonmembers = np.stack([largest_remainder(nm_share, int(totals[y][NONMEMBER]))
                           for y in YEARS])
    counts = np.concatenate([members, nonmembers], axis=1)
    targets = np.stack([largest_remainder(counts[i].astype(np.float64),
                                          round(base_figure(y) * scale))
                        for i, y in enumerate(YEARS)])
    status = np.stack([lims[y].statuses(members[i]) for i, y in enumerate(YEARS)])
    weight = counts.mean(axis=0) + _WEIGHT_FLOOR
    weight[n_members:] = nm_share
    for g in range(N_GROUPS):
        sel = cc.group == g
        weight[sel] /= weight[sel].sum()
    return GeoPlan(counts, targets, status, weight)


def assign_flags(rng: np.random.Generator, nationality: np.ndarray, previous: np.ndarray,
                 target: np.ndarray) -> np.ndarray:
    """Year-end ``geo_subject`` flags of the staff eligible for them (0 or 1 each).

    Each country gets ``target`` flags among its eligible nationals: first those already
    flagged (1 in ``previous``), then those who moved or arrived during the year (-1),
    then the others (0); at random within each class.
    """
    rank_class = np.where(previous == 1, 0, np.where(previous < 0, 1, 2))
    order = np.lexsort((rng.random(nationality.size), rank_class, nationality))
    nat_sorted = nationality[order]
    starts = np.searchsorted(nat_sorted, np.arange(target.size), side="left")
    rank = np.arange(order.size) - starts[nat_sorted]
    flags = np.zeros(nationality.size, np.int64)
    flags[order] = (rank < target[nat_sorted]).astype(np.int64)
    return flags


def shortfall_nationalities(rng: np.random.Generator, shortfall: np.ndarray,
                            country_group: np.ndarray, hire_group: np.ndarray,
                            eligible: np.ndarray) -> np.ndarray:
    """Nationalities given to recruits so that countries below their plan catch up.

    ``shortfall[c]`` is how many more eligible nationals country ``c`` needs; recruits
    where ``eligible`` (to a geographical post) of the country's group are chosen at random
    to be its nationals. Returns a country per recruit, -1 where the recruit is not chosen.
    """
    out = np.full(hire_group.size, -1, np.int64)
    need = np.maximum(shortfall, 0)
    for g in range(N_GROUPS):
        members = np.flatnonzero(country_group == g)
        wanted = rng.permutation(np.repeat(members, need[members]))
        cand = rng.permutation(np.flatnonzero(eligible & (hire_group == g)))
        k = min(wanted.size, cand.size)
        out[cand[:k]] = wanted[:k]
    return out
