"""Power and minimum detectable adverse-impact ratio (METHODS §0 point 4, §1.10).

The test is the two-sided pooled z test of p1 = p2 at level α (equivalently
Pearson χ² without correction), for a focal group of n1 and a reference
group of n2 = k·n1 with reference pass rate p2 and focal rate p1 = AIR·p2,
difference δ = p1 − p2. With p̄ = (p1 + k·p2)/(1 + k),

    σ0 = √(p̄(1 − p̄)(1 + 1/k))            (standard deviation under H0, × 1/√n1)
    σ1 = √(p1(1 − p1) + p2(1 − p2)/k)      (under the alternative)
    power = Φ((|δ|√n1 − z_{α/2}σ0)/σ1) + Φ((−|δ|√n1 − z_{α/2}σ0)/σ1)

which equals ``statsmodels.stats.proportion.power_proportions_2indep``. The
sample size ignores the far tail (as ``samplesize_proportions_2indep_onetail``):

    n1 = ((z_{α/2}σ0 + z_{power}σ1) / δ)²

At α = 0.05 and 80 % power, AIR = 0.8 needs n1 = n2 ≈ 1,447 at p2 = 20 % and
≈ 6,745 at p2 = 5 %.

The minimum detectable AIR (below 1) is the AIR at which the power equals the
target, found by bisection on (0, 1); it is NaN when even AIR = 0 is not
detected with that power, or when n1, n2 or p2 leave nothing to test
(n = 0, p2 ∉ (0, 1]).

References: Fleiss, Levin & Paik (2003) *Statistical Methods for Rates and
Proportions* §4.2; Chow, Shao & Wang (2008) §4.2.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

from parity.core.stats._common import (
    FloatArray,
    Floats,
    as_float,
    check_alpha,
    normal_quantile,
    out,
    z_two_sided,
)

__all__ = ["minimum_detectable_air", "power_for_air", "sample_size_for_air"]


def _sigmas(
    air: FloatArray, p_ref: FloatArray, ratio: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    p1 = air * p_ref
    pbar = (p1 + ratio * p_ref) / (1 + ratio)
    sigma0 = np.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
    sigma1 = np.sqrt(p1 * (1 - p1) + p_ref * (1 - p_ref) / ratio)
    return p1 - p_ref, sigma0, sigma1


def _power(
    n1: FloatArray, ratio: FloatArray, p_ref: FloatArray, air: FloatArray, alpha: float
) -> FloatArray:
    crit = z_two_sided(alpha)  # scipy.stats.norm.isf(alpha / 2)
    delta, s0, s1 = _sigmas(air, p_ref, ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.abs(delta) * np.sqrt(n1) / s1
        # scipy.stats.norm.cdf is special.ndtr
        pw = special.ndtr(shift - crit * s0 / s1) + special.ndtr(-shift - crit * s0 / s1)
    return np.asarray(pw, dtype=np.float64)


def power_for_air(
    n1: npt.ArrayLike,
    n2: npt.ArrayLike,
    p_ref: npt.ArrayLike,
    air: npt.ArrayLike = 0.8,
    alpha: float = 0.05,
) -> Floats:
    """Power of the two-sided pooled z test to detect ``air`` (see module docstring).

    NaN when n1 or n2 is 0 or p_ref ∉ (0, 1].
    """
    check_alpha(alpha)
    a, b, p, r = np.broadcast_arrays(as_float(n1), as_float(n2), as_float(p_ref), as_float(air))
    valid = (a > 0) & (b > 0) & (p > 0) & (p <= 1) & (r >= 0) & (r * p <= 1)
    safe = np.where(valid, 1.0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pw = _power(a * safe, b / a * safe, p * safe, r * safe, alpha)
    return out(np.where(valid, pw, np.nan))


def sample_size_for_air(
    p_ref: npt.ArrayLike,
    air: npt.ArrayLike = 0.8,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
) -> Floats:
    """Focal-group size n1 (n2 = ``ratio``·n1) to detect ``air`` with ``power``.

    n1 = ((z_{α/2}σ0 + z_{power}σ1)/δ)², the one-tail approximation (module
    docstring). AIR 0.8: ≈ 1,447 per group at p_ref = 0.20, ≈ 6,745 at 0.05.
    Not rounded up: take ``ceil`` for a head count. NaN when AIR = 1 (no
    difference to detect) or p_ref ∉ (0, 1].
    """
    check_alpha(alpha)
    if not 0 < power < 1:
        raise ValueError(f"power must lie strictly between 0 and 1, got {power}.")
    if not ratio > 0:
        raise ValueError(f"ratio must be positive, got {ratio}.")
    p, r = np.broadcast_arrays(as_float(p_ref), as_float(air))
    valid = (p > 0) & (p <= 1) & (r >= 0) & (r != 1) & (r * p <= 1)
    safe = np.where(valid, 1.0, np.nan)
    delta, s0, s1 = _sigmas(r * safe, p * safe, np.full(p.shape, float(ratio)))
    crit = z_two_sided(alpha)
    crit_power = normal_quantile(power)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = (np.maximum(crit * s0 + crit_power * s1, 0.0) / delta) ** 2
    return out(np.where(valid, n, np.nan).astype(np.float64))


def minimum_detectable_air(
    n1: npt.ArrayLike,
    n2: npt.ArrayLike,
    p_ref: npt.ArrayLike,
    power: float = 0.8,
    alpha: float = 0.05,
) -> Floats:
    """Largest AIR below 1 detected with probability ``power`` (vectorised).

    Solves :func:`power_for_air` (n1, n2, p_ref, AIR) = ``power`` for AIR in
    (0, 1) by bisection (power falls as AIR rises towards 1). A group is large
    enough to detect four-fifths exactly when this is ≥ 0.8. NaN when even
    AIR = 0 would be missed, or the inputs leave nothing to test.
    """
    check_alpha(alpha)
    if not 0 < power < 1:
        raise ValueError(f"power must lie strictly between 0 and 1, got {power}.")
    a, b, p = np.broadcast_arrays(as_float(n1), as_float(n2), as_float(p_ref))
    valid = (a > 0) & (b > 0) & (p > 0) & (p <= 1)
    a_ = np.where(valid, a, 1.0)
    ratio = np.where(valid, b, 1.0) / a_
    p_ = np.where(valid, p, 0.5)
    reachable = _power(a_, ratio, p_, np.zeros(a_.shape), alpha) >= power
    lo = np.zeros(a_.shape)
    hi = np.ones(a_.shape)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        enough = _power(a_, ratio, p_, mid, alpha) >= power
        lo = np.where(enough, mid, lo)
        hi = np.where(enough, hi, mid)
    return out(np.where(valid & reachable, lo, np.nan).astype(np.float64))
