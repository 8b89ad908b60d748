"""Event rates per person-time for career flows (promotions, separations).

A flow is ``events`` over ``person_time`` (staff-years at risk), modelled as
Poisson. Group 1 is the focal group, group 2 (or 0 in strata) the reference.

* Exact (Garwood) interval for a rate λ = k/T:
  lower = χ²_{α/2}(2k) / 2T (0 when k = 0), upper = χ²_{1−α/2}(2k + 2) / 2T.
  Equal to ``statsmodels.stats.rates.confint_poisson(k, T, method="exact-c")``.
* Rate ratio RR = (k1/T1)/(k2/T2) by the exact conditional method: given the
  total k = k1 + k2, k1 ~ Binomial(k, π) with π = T1·RR / (T1·RR + T2). The
  Clopper–Pearson limits (π_L, π_U) for k1/k map to RR = π/(1 − π) · T2/T1; the
  test of RR = ρ0 is the exact binomial test of π0 = T1ρ0/(T1ρ0 + T2), two-sided
  by the minimum-likelihood rule (P(j) ≤ P(k1)(1 + 10⁻⁷)). The p-value equals
  ``statsmodels.stats.rates.test_poisson_2indep(k1, T1, k2, T2, value=ρ0,
  method="exact-cond")`` ("less"/"greater" = statsmodels "smaller"/"larger").
* Mantel–Haenszel rate ratio over strata k with M_k = a_k + b_k events and
  T_k = T1k + T0k:
  RR_MH = Σ a_k T0k/T_k / Σ b_k T1k/T_k,
  Var(log RR_MH) = Σ M_k T1k T0k / T_k²  /  (Σ a_k T0k/T_k · Σ b_k T1k/T_k)
  (Greenland & Robins 1985, person-time form; one stratum gives 1/a + 1/b), and
  the conditional score test z = Σ (a_k − M_k T1k/T_k) / √(Σ M_k T1k T0k / T_k²)
  (one stratum: statsmodels ``test_poisson_2indep(method="score")``).

Zero conventions: T = 0 gives NaN. k1 = 0 gives ratio 0 and lower limit 0;
k2 = 0 gives ratio +inf and upper limit +inf; no events at all gives ratio NaN,
interval (0, +inf) and exact p = 1 (the conditional distribution is degenerate).

References: Garwood (1936) Biometrika 28:437–442; Breslow & Day (1987)
*Statistical Methods in Cancer Research II* §2.3 and §3.4; Greenland & Robins
(1985) Biometrics 41:55–68.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from parity.core.stats._common import (
    FloatArray,
    Floats,
    Interval,
    any_nan,
    as_float,
    check_alpha,
    check_alternative,
    normal_pvalue,
    out,
    z_two_sided,
)

__all__ = [
    "PooledRateRatio",
    "RateRatio",
    "mh_rate_ratio",
    "poisson_rate_interval",
    "rate_ratio_exact",
]


def _events_time(
    events: npt.ArrayLike, person_time: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    k, t = np.broadcast_arrays(as_float(events), as_float(person_time))
    with np.errstate(invalid="ignore"):
        if np.any(k < 0) or np.any(t < 0):
            raise ValueError("Event counts and person-time must be zero or positive.")
    return k, t


def poisson_rate_interval(
    events: npt.ArrayLike, person_time: npt.ArrayLike, alpha: float = 0.05
) -> Interval:
    """Exact (Garwood, chi-square form) interval for the rate events/person_time.

    lower = χ²⁻¹(α/2; 2k) / 2T (0 when k = 0), upper = χ²⁻¹(1 − α/2; 2k + 2) / 2T.
    ``person_time = 0`` gives (NaN, NaN).
    """
    check_alpha(alpha)
    k, t = _events_time(events, person_time)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / (2 * t), 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / (2 * t)
    valid = (t > 0) & ~any_nan(k, t)
    lower = np.where(valid, lower, np.nan).astype(np.float64)
    upper = np.where(valid, upper, np.nan).astype(np.float64)
    return Interval(out(lower), out(upper))


@dataclass(frozen=True)
class RateRatio:
    """Rate ratio with its exact conditional interval and p-value."""

    ratio: Floats
    lower: Floats
    upper: Floats
    pvalue: Floats


def _binom_p(k1: int, k: int, pi0: float, alternative: str) -> float:
    """Exact binomial p-value for k1 successes in k trials at probability pi0.

    One-sided p-values are binomial tail sums (``scipy.stats.binom.cdf``/``sf``, computed
    by the regularised incomplete beta function). The two-sided p-value adds to the
    observed tail the opposite tail of every outcome j with P(j) ≤ P(k1)·(1 + 10⁻⁷); the
    pmf is unimodal, so those outcomes form one tail whose boundary is found by bisection
    on the log pmf. Both steps keep 1e-12 relative accuracy and constant memory at any k
    (the full pmf is never built), and equal ``scipy.stats.binomtest``.
    """
    if k == 0:
        return 1.0
    dist = stats.binom(k, pi0)
    if alternative == "less":
        return float(min(dist.cdf(k1), 1.0))
    if alternative == "greater":
        return float(min(dist.sf(k1 - 1), 1.0))
    mode = k * pi0
    if k1 == mode:
        return 1.0
    bound = float(dist.logpmf(k1)) + math.log1p(1e-7)
    if k1 < mode:
        # Smallest j above the mode with log P(j) <= bound: P(j) decreases from the mode.
        lo, hi = math.ceil(mode), k + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if dist.logpmf(mid) <= bound:
                hi = mid
            else:
                lo = mid + 1
        p = dist.cdf(k1) + (dist.sf(lo - 1) if lo <= k else 0.0)
    else:
        # Largest j below the mode with log P(j) <= bound.
        lo, hi = -1, math.floor(mode)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if dist.logpmf(mid) <= bound:
                lo = mid
            else:
                hi = mid - 1
        p = dist.sf(k1 - 1) + (dist.cdf(lo) if lo >= 0 else 0.0)
    return float(min(p, 1.0))


def rate_ratio_exact(
    events1: npt.ArrayLike,
    time1: npt.ArrayLike,
    events2: npt.ArrayLike,
    time2: npt.ArrayLike,
    alpha: float = 0.05,
    value: float = 1.0,
    alternative: str = "two-sided",
) -> RateRatio:
    """Rate ratio (k1/T1)/(k2/T2) with exact conditional (binomial) interval and test.

    See the module docstring for the method and the zero conventions. The
    interval is always the two-sided 1 − ``alpha`` interval; ``alternative``
    and ``value`` apply to the p-value only.
    """
    check_alpha(alpha)
    check_alternative(alternative)
    if not value > 0:
        raise ValueError(f"The rate ratio under the null hypothesis must be positive, got {value}.")
    k1, t1 = _events_time(events1, time1)
    k2, t2 = _events_time(events2, time2)
    k1, t1, k2, t2 = np.broadcast_arrays(k1, t1, k2, t2)
    missing = any_nan(k1, t1, k2, t2)
    if np.any(((k1 % 1 != 0) | (k2 % 1 != 0)) & ~missing):
        raise ValueError("The exact rate-ratio method needs whole-number event counts.")
    valid = (t1 > 0) & (t2 > 0) & ~missing
    k = k1 + k2
    scale = np.where(valid, t2, 1.0) / np.where(valid, t1, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (k1 / t1) / (k2 / t2)
        pi_lo = np.where(k1 > 0, stats.beta.ppf(alpha / 2, k1, k - k1 + 1), 0.0)
        pi_hi = np.where(k2 > 0, stats.beta.ppf(1 - alpha / 2, k1 + 1, k - k1), 1.0)
        lower = pi_lo / (1 - pi_lo) * scale
        upper = np.where(pi_hi < 1, pi_hi / (1 - pi_hi) * scale, np.inf)
    pvalue = np.full(k1.shape, np.nan)
    for i in np.ndindex(k1.shape):
        if valid[i]:
            pi0 = t1[i] * value / (t1[i] * value + t2[i])
            pvalue[i] = _binom_p(int(k1[i]), int(k[i]), float(pi0), alternative)
    nan = np.float64(np.nan)
    return RateRatio(
        ratio=out(np.where(valid, ratio, nan).astype(np.float64)),
        lower=out(np.where(valid, lower, nan).astype(np.float64)),
        upper=out(np.where(valid, upper, nan).astype(np.float64)),
        pvalue=out(pvalue),
    )


@dataclass(frozen=True)
class PooledRateRatio:
    """Mantel–Haenszel rate ratio across strata, its interval and score test."""

    estimate: Floats
    lower: Floats
    upper: Floats
    se_log: Floats
    statistic: Floats
    pvalue: Floats


def mh_rate_ratio(
    events1: npt.ArrayLike,
    time1: npt.ArrayLike,
    events0: npt.ArrayLike,
    time0: npt.ArrayLike,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> PooledRateRatio:
    """Mantel–Haenszel pooled rate ratio over strata (last axis; leading axes vectorise).

    RR_MH = Σ a T0/T / Σ b T1/T with Greenland–Robins variance
    Var(log RR_MH) = Σ M T1 T0/T² / (Σ a T0/T · Σ b T1/T), interval
    exp(log RR_MH ± z·SE), and the conditional score test
    z = Σ (a − M T1/T) / √(Σ M T1 T0/T²) (p two-sided by default). Strata with
    no person-time drop out. Estimate 0 gives (0, NaN); +inf gives (NaN, +inf).
    """
    check_alternative(alternative)
    z_crit = z_two_sided(alpha)
    a, t1 = _events_time(events1, time1)
    b, t0 = _events_time(events0, time0)
    a, t1, b, t0 = np.broadcast_arrays(a, t1, b, t0)
    if a.ndim == 0:
        a, t1, b, t0 = (v[np.newaxis] for v in (a, t1, b, t0))
    tt = t1 + t0
    m = a + b
    missing = any_nan(a, t1, b, t0).any(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_sum = np.where(tt > 0, a * t0 / tt, 0.0).sum(axis=-1)
        s_sum = np.where(tt > 0, b * t1 / tt, 0.0).sum(axis=-1)
        v_sum = np.where(tt > 0, m * t1 * t0 / tt**2, 0.0).sum(axis=-1)
        dev = np.where(tt > 0, a - m * t1 / tt, 0.0).sum(axis=-1)
        est = r_sum / s_sum
        se = np.sqrt(v_sum / (r_sum * s_sum))
        lower = est * np.exp(-z_crit * se)
        upper = est * np.exp(z_crit * se)
        z = np.where(v_sum > 0, dev / np.sqrt(v_sum), np.nan)
    zero = (r_sum == 0) & (s_sum > 0)
    infinite = (s_sum == 0) & (r_sum > 0)
    lower = np.where(zero, 0.0, np.where(infinite, np.nan, lower))
    upper = np.where(zero, np.nan, np.where(infinite, np.inf, upper))
    se = np.where(zero | infinite, np.nan, se)
    est, lower, upper, se, z = (np.where(missing, np.nan, v) for v in (est, lower, upper, se, z))
    return PooledRateRatio(
        estimate=out(np.asarray(est, dtype=np.float64)),
        lower=out(np.asarray(lower, dtype=np.float64)),
        upper=out(np.asarray(upper, dtype=np.float64)),
        se_log=out(np.asarray(se, dtype=np.float64)),
        statistic=out(np.asarray(z, dtype=np.float64)),
        pvalue=out(normal_pvalue(np.asarray(z, dtype=np.float64), alternative)),
    )
