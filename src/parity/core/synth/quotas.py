"""Exact allocation of counts to groups: the machinery that makes calibration hold.

Random draws would leave the Table 1 shares of small rows (8,886 selections, 2,765 senior
staff) with a binomial standard error of 0.5–1 percentage point. Instead, every calibrated
flow is given *quotas*: integer counts per group computed from the target shares by the
largest-remainder method, with the rounding remainder carried from one batch to the next
(:class:`QuotaStream`), so that any run of consecutive batches matches its target within one
unit per group. Randomness only decides *which* individual fills a quota.

Groups are indexed 0–4 for AFR, APG, EEG, GRULAC, WEOG and 5 for non-member nationals.
An applicant *type* is ``nationality_group * 5 + education_group`` (30 types).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from parity.core.synth.calibration import TARGET_BY_ROW

N_GROUPS = 6
NONMEMBER = 5
N_EDU = 5
N_TYPES = N_GROUPS * N_EDU
#: Share of non-member nationals in every calibrated flow and stock.
NONMEMBER_SHARE = 0.003


def largest_remainder(expected: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers summing to ``total``, as close as possible to ``expected``."""
    e = np.clip(np.asarray(expected, dtype=np.float64), 0.0, None)
    out = np.zeros(e.shape, dtype=np.int64)
    if total <= 0:
        return out
    s = e.sum()
    e = np.full(e.shape, total / e.size) if s <= 0 else e * (total / s)
    out = np.floor(e).astype(np.int64)
    rest = int(total - out.sum())
    if rest > 0:
        order = np.argsort(-(e - out), kind="stable")
        out[order[:rest]] += 1
    return out


class QuotaStream:
    """Successive integer allocations whose running totals track fixed shares.

    ``take(n, fixed)`` allocates ``n`` free units for a batch in which ``fixed`` units per
    group are already placed: the batch as a whole (fixed plus free) should follow the shares.
    What rounding (or a negative residual) leaves over is carried into the next batch.
    """

    def __init__(self, shares: np.ndarray) -> None:
        s = np.asarray(shares, dtype=np.float64)
        self.shares = s / s.sum()
        self.carry = np.zeros_like(self.shares)

    def take(self, n: int, fixed: np.ndarray | None = None) -> np.ndarray:
        fx = np.zeros_like(self.shares) if fixed is None else fixed.astype(np.float64)
        want = self.shares * (n + fx.sum()) + self.carry - fx
        got = largest_remainder(want, n)
        self.carry = want - got
        return got


def ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, sweeps: int = 500) -> np.ndarray:
    """Iterative proportional fitting of ``seed`` to row and column margins (sums of 1)."""
    m = seed.astype(np.float64).copy()
    for _ in range(sweeps):
        m *= (rows / m.sum(axis=1))[:, None]
        m *= (cols / m.sum(axis=0))[None, :]
    return m / m.sum()


def with_nonmember(five: tuple[float, ...] | np.ndarray, share: float = NONMEMBER_SHARE) -> np.ndarray:
    """Six-group shares: the five target shares scaled down, plus the non-member share."""
    v = np.asarray(five, dtype=np.float64)
    return np.append(v / v.sum() * (1.0 - share), share)


def _seed(weog_pull: float) -> np.ndarray:
    """Education seed: mostly educated in one's own region, many in WEOG countries."""
    m = np.full((N_GROUPS, N_EDU), 0.02)
    m[np.arange(N_EDU), np.arange(N_EDU)] = 1.0
    m[:4, 4] = weog_pull
    m[NONMEMBER] = (0.08, 0.55, 0.02, 0.02, 0.33)
    return m


@dataclass(frozen=True)
class FunnelShares:
    """Target joint shares (nationality group × education group) at each funnel stage."""

    received: np.ndarray
    screened: np.ndarray
    rostered: np.ndarray
    selected: np.ndarray
    #: Promotions by nationality group (6).
    promotions: np.ndarray
    #: Education group given nationality group for Professional staff (rows sum to 1).
    staff_education: np.ndarray

    def flat(self, stage: str) -> np.ndarray:
        arr: np.ndarray = getattr(self, stage)
        return arr.reshape(-1)


def _conditional(joint: np.ndarray) -> np.ndarray:
    return joint / joint.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def funnel_shares() -> FunnelShares:
    """Joint shares derived from Table 1 by iterative proportional fitting.

    Received and selected have both margins in Table 1; screened and rostered have only the
    nationality margin, so their education mix is interpolated between the received and
    selected conditional distributions (screening is an early stage, the roster a late one).
    """
    t = TARGET_BY_ROW
    edu_rec = np.asarray(t["received_by_education"].shares) / 100.0
    edu_sel = np.asarray(t["selected_by_education"].shares) / 100.0
    received = ipf(_seed(0.35), with_nonmember(t["received"].shares), edu_rec)
    selected = ipf(_seed(1.0), with_nonmember(t["selected"].shares), edu_sel)
    c_rec, c_sel = _conditional(received), _conditional(selected)

    def between(row: str, weight: float) -> np.ndarray:
        cond = (1.0 - weight) * c_rec + weight * c_sel
        return with_nonmember(t[row].shares)[:, None] * cond

    return FunnelShares(
        received=received,
        screened=between("screened", 0.35),
        rostered=between("rostered", 0.85),
        selected=selected,
        promotions=with_nonmember(t["promotions"].shares),
        staff_education=c_sel,
    )


@dataclass(frozen=True)
class StockPath:
    """Nationality-group composition of a band of Professional staff, year by year.

    The 2022 composition is the Table 1 target; other years move along a gentle linear trend
    (``drift`` is the change of each share per year, in share units).
    """

    target_2022: np.ndarray
    drift: np.ndarray

    def shares(self, year: int) -> np.ndarray:
        s = np.clip(self.target_2022 + (year - 2022) * self.drift, 1e-4, None)
        return s / s.sum()


def stock_paths() -> dict[str, StockPath]:
    """Paths for the two Professional bands: ``senior`` (P-5, D-1, D-2) and ``other``."""
    t = TARGET_BY_ROW
    senior = np.asarray(t["staff_senior"].counts, dtype=np.float64)
    other = np.asarray(t["staff_p_and_higher"].counts, dtype=np.float64) - senior
    # WEOG's share falls slowly while the other groups gain (per year, share units).
    drift_other = np.array([0.0006, 0.0006, 0.0001, 0.0002, -0.0015, 0.0])
    drift_senior = np.array([0.0010, 0.0012, 0.0003, 0.0005, -0.0030, 0.0])
    return {
        "senior": StockPath(with_nonmember(senior), drift_senior),
        "other": StockPath(with_nonmember(other), drift_other),
    }


def expand(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Labels ``i`` repeated ``counts[i]`` times, in random order."""
    labels = np.repeat(np.arange(counts.size), counts)
    return rng.permutation(labels)


def pick_by_group(
    rng: np.random.Generator,
    candidates: np.ndarray,
    groups: np.ndarray,
    weights: np.ndarray,
    quota: np.ndarray,
) -> np.ndarray:
    """Weighted sampling without replacement of ``quota[g]`` candidates from each group ``g``.

    Efraimidis–Spirakis keys (``log(u) / w``): the largest keys within each group win.
    Returns the chosen candidates; a group with too few candidates gives all it has.
    """
    if candidates.size == 0:
        return candidates
    w = np.maximum(weights, 1e-12)
    keys = np.log(rng.random(candidates.size)) / w
    order = np.lexsort((-keys, groups))
    g_sorted = groups[order]
    starts = np.searchsorted(g_sorted, np.arange(quota.size), side="left")
    rank = np.arange(order.size) - starts[g_sorted]
    return candidates[order[rank < quota[g_sorted]]]
