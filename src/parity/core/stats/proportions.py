"""Single rates and two-group comparisons of selection rates.

Notation (METHODS §1.3): focal group ``x1`` passes out of ``n1``, reference
group ``x2`` out of ``n2``; p̂i = xi/ni; z = Φ⁻¹(1 − α/2). The 2×2 table is
oriented ``[[x1, n1 − x1], [x2, n2 − x2]]`` (focal row first, "pass" column
first). Every function broadcasts its count arguments against each other, so a
whole funnel (groups × stages) is one call.

Zero cells never raise. The conventions, per function, are:

* ``n = 0`` (a group with nobody at that stage): rates, intervals, ratios and
  tests are NaN.
* No passes in the reference group (``x2 = 0``): the selection-rate ratio is
  +inf when ``x1 > 0`` and NaN when ``x1 = 0`` too; score intervals give the
  proper bound (upper limit +inf, or (0, +inf) when nobody passed at all).
* No passes in the focal group (``x1 = 0``): the ratio is 0; score intervals have
  lower limit 0; the Katz interval follows ``scipy.stats.contingency.relative_risk``
  (R ``epitools``): (0, NaN), because the log scale has no finite variance.

Invalid input (negative counts, a count above its total) raises ``ValueError``.

References: Wilson (1927); Clopper & Pearson (1934); Koopman (1984) and Nam (1995)
for the score interval of a ratio; Miettinen & Nurminen (1985); Katz et al. (1978);
Newcombe (1998); Agresti, *Categorical Data Analysis* (3rd ed.), ch. 3.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

from parity.core.stats._common import (
    FloatArray,
    Floats,
    Interval,
    TestResult,
    any_nan,
    as_float,
    check_alpha,
    check_alternative,
    check_counts,
    chi2_sf,
    counts_pair,
    normal_pvalue,
    out,
    z_two_sided,
)
from parity.core.stats.hypergeom import fisher_exact_pvalues

__all__ = [
    "air_score_test",
    "chi_square_test",
    "clopper_pearson_interval",
    "fisher_exact_p",
    "hypergeometric_sd",
    "katz_interval",
    "koopman_interval",
    "newcombe_difference_interval",
    "selection_rate_ratio",
    "two_proportion_z_test",
    "wilson_interval",
]


# ---------------------------------------------------------------------------
# Single rates
# ---------------------------------------------------------------------------


def wilson_interval(x: npt.ArrayLike, n: npt.ArrayLike, alpha: float = 0.05) -> Interval:
    """Wilson score interval for a proportion x/n.

    (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).

    Equal to ``statsmodels.stats.proportion.proportion_confint(x, n, method="wilson")``.
    ``n = 0`` gives (NaN, NaN). Reference: Wilson (1927), JASA 22:209–212.
    """
    xs, ns = np.broadcast_arrays(as_float(x), as_float(n))
    check_counts(xs, ns)
    z = z_two_sided(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = xs / ns
        denom = 1.0 + z**2 / ns
        centre = (p + z**2 / (2.0 * ns)) / denom
        half = z * np.sqrt(p * (1.0 - p) / ns + z**2 / (4.0 * ns**2)) / denom
    return Interval(out(centre - half), out(centre + half))


def clopper_pearson_interval(x: npt.ArrayLike, n: npt.ArrayLike, alpha: float = 0.05) -> Interval:
    """Clopper–Pearson ("exact") interval for a proportion x/n.

    lower = Beta⁻¹(α/2; x, n − x + 1), upper = Beta⁻¹(1 − α/2; x + 1, n − x), with
    lower = 0 when x = 0 and upper = 1 when x = n. ``n = 0`` gives (NaN, NaN).
    Equal to ``proportion_confint(x, n, method="beta")``.
    """
    xs, ns = np.broadcast_arrays(as_float(x), as_float(n))
    check_counts(xs, ns)
    check_alpha(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(xs > 0, stats.beta.ppf(alpha / 2, xs, ns - xs + 1), 0.0)
        upper = np.where(xs < ns, stats.beta.ppf(1 - alpha / 2, xs + 1, ns - xs), 1.0)
    empty = ~(ns > 0) | any_nan(xs, ns)
    lower = np.where(empty, np.nan, lower).astype(np.float64)
    upper = np.where(empty, np.nan, upper).astype(np.float64)
    return Interval(out(lower), out(upper))


# ---------------------------------------------------------------------------
# Ratio of selection rates (adverse-impact ratio)
# ---------------------------------------------------------------------------


def selection_rate_ratio(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> Floats:
    """Selection-rate ratio (adverse-impact ratio) AIR = (x1/n1) / (x2/n2).

    x2 = 0 gives +inf when x1 > 0 and NaN when x1 = 0; n1 = 0 or n2 = 0 gives NaN.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return out((a / b) / (c / d))


def _ratio_score_z(
    phi: FloatArray,
    x1: FloatArray,
    n1: FloatArray,
    x2: FloatArray,
    n2: FloatArray,
    correction: bool,
) -> FloatArray:
    """Score statistic z(φ) = (p̂1 − φp̂2) / √V(φ) for H0: p1/p2 = φ.

    V(φ) = p̃1(1 − p̃1)/n1 + φ²·p̃2(1 − p̃2)/n2 with the restricted MLEs
    (times N/(N − 1) with the Miettinen–Nurminen correction). A zero numerator
    gives 0; a zero variance with a non-zero numerator gives ±inf.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _score_and_slope(phi, x1, n1, x2, n2, correction, slope=False)[0]


def _score_and_slope(
    phi: FloatArray,
    x1: FloatArray,
    n1: FloatArray,
    x2: FloatArray,
    n2: FloatArray,
    correction: bool,
    slope: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """z(φ) of :func:`_ratio_score_z` and, with ``slope``, dz/d log φ.

    The restricted MLE p̃2 = (−B − √(B² − 4AC))/2A, A = Nφ, B = −(φ(n1 + x2) + x1 + n2),
    C = x1 + x2, is computed in the cancellation-free form 2C/(−B + √(B² − 4AC)), with
    B² − 4AC = (φ(n1 + x2) − (x1 + n2))² + 4φ(n1 − x1)(n2 − x2). The
    slope differentiates it implicitly: with f(p) = Ap² + Bp + C, dp̃2/dφ = −(∂f/∂φ)/(∂f/∂p)
    = (N p̃2² − (n1 + x2) p̃2)/√(B² − 4AC) for the smaller root. Call under ``np.errstate``.
    """
    nn = n1 + n2
    big_b = -(phi * (n1 + x2) + x1 + n2)
    big_c = x1 + x2
    # B² − 4AC = (φ(n1 + x2) − (x1 + n2))² + 4φ(n1 − x1)(n2 − x2): a sum of squares, free
    # of the cancellation of B² − 4AC when φ is near p̂1/p̂2 and a rate near 0 or 1.
    root = np.sqrt((phi * (n1 + x2) - (x1 + n2)) ** 2 + 4.0 * phi * (n1 - x1) * (n2 - x2))
    p2u = np.where(big_c > 0, 2.0 * big_c / (-big_b + root), 0.0)
    # np.clip(·, 0, 1), written out (np.clip costs several times more per call)
    p2t = np.minimum(np.maximum(p2u, 0.0), 1.0)
    p1u = phi * p2t
    p1t = np.minimum(np.maximum(p1u, 0.0), 1.0)
    var = p1t * (1.0 - p1t) / n1 + phi**2 * p2t * (1.0 - p2t) / n2
    if correction:
        var = var * nn / (nn - 1.0)
    num = x1 / n1 - phi * x2 / n2
    sd = np.sqrt(var)
    z = num / sd
    z = np.where(num == 0.0, 0.0, z)
    z = np.where((var <= 0.0) & (num != 0.0), np.copysign(np.inf, num), z)
    if not slope:
        return z, z
    dp2 = np.where((p2t != p2u) | (big_c <= 0), 0.0, (nn * p2t * p2t - (n1 + x2) * p2t) / root)
    dp1 = np.where(p1t != p1u, 0.0, p2t + phi * dp2)
    dvar = ((1.0 - 2.0 * p1t) * dp1 / n1 + 2.0 * phi * p2t * (1.0 - p2t) / n2
            + phi**2 * (1.0 - 2.0 * p2t) * dp2 / n2)
    if correction:
        dvar = dvar * nn / (nn - 1.0)
    dz = (-x2 / n2 - 0.5 * num * dvar / var) / sd
    return z, phi * dz


_LOG_PHI_RANGE = 60.0  # search bracket for log φ: φ in [e^-60, e^60]


def _score_limits(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, z: float, correction: bool
) -> tuple[FloatArray, FloatArray]:
    """log φ where z(φ) = +z (lower limit) and −z (upper limit), every table at once.

    z(φ) falls as φ rises, so the root is bracketed in log φ ∈ [−60, 60] and found by
    Newton steps on log φ (falling back to bisection whenever a step leaves the bracket),
    from the Katz interval with ½ added to every count; each step keeps the bracket. A side
    where z cannot cross the target (no passes on that side) is left unfinished: the
    caller replaces it by 0 or +inf.
    """
    n = a.size
    target = np.concatenate([np.full(n, z), np.full(n, -z)])
    x1, n1, x2, n2 = (np.concatenate([v, v]) for v in (a, b, c, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        ha, hb, hc, hd = x1 + 0.5, n1 + 0.5, x2 + 0.5, n2 + 0.5
        se = np.sqrt(np.maximum(1.0 / ha - 1.0 / hb + 1.0 / hc - 1.0 / hd, 0.0))
        u = np.log(ha / hb) - np.log(hc / hd) - np.sign(target) * z * se
        u = np.clip(np.where(np.isfinite(u), u, 0.0), -_LOG_PHI_RANGE, _LOG_PHI_RANGE)
        # With passes in both groups z crosses ±z inside the bracket (|z| > 10⁵ at its
        # ends for counts up to 10⁸); without, the limit is 0 (x1 = 0, lower) or +inf
        # (x2 = 0, upper) whatever the search gives, so those searches are not waited for.
        fixed = np.where(target > 0, x1 == 0, x2 == 0)
        lo = np.full(u.shape, -_LOG_PHI_RANGE)
        hi = np.full(u.shape, _LOG_PHI_RANGE)
        for _ in range(200):
            value, slope = _score_and_slope(np.exp(u), x1, n1, x2, n2, correction)
            above = value > target
            lo = np.where(above, u, lo)
            hi = np.where(above, hi, u)
            nxt = u - (value - target) / slope
            # A step below the tolerance is convergence even where rounding puts it on
            # the bracket; any other step leaving the bracket is replaced by bisection.
            small = np.abs(nxt - u) <= 1e-14 * np.maximum(1.0, np.abs(u))
            ok = np.isfinite(nxt) & (((nxt > lo) & (nxt < hi)) | small)
            u = np.where(ok, nxt, 0.5 * (lo + hi))
            if np.all((small & ok) | (hi - lo <= 1e-14) | fixed):
                break
    return u[:n], u[n:]


def koopman_interval(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    alpha: float = 0.05,
    correction: bool = False,
) -> Interval:
    """Koopman asymptotic score interval for the ratio p1/p2 (METHODS §1.3).

    The interval is {φ : |z(φ)| ≤ z_{α/2}}, where z(φ) is the score statistic of
    H0: p1 = φ·p2, (p̂1 − φp̂2) / √(p̃1(1−p̃1)/n1 + φ²p̃2(1−p̃2)/n2), with the
    restricted MLE p̃2 = (−B − √(B²−4AC))/(2A), A = Nφ, B = −(φ(n1+x2) + x1 + n2),
    C = x1 + x2, p̃1 = φp̃2. z(φ) decreases in φ, so each limit is the one root in
    log φ ∈ [−60, 60], found by safeguarded Newton steps on log φ (to machine
    precision; all limits of all tables in one vectorised search). ``correction=True``
    multiplies the variance by N/(N − 1): the Miettinen–Nurminen interval.

    Equal to ``statsmodels.stats.proportion.confint_proportions_2indep(x1, n1, x2,
    n2, method="score", compare="ratio", correction=False)`` (or ``True``), which
    uses Nam's (1995) closed-form cubic; this root search stays valid where the
    cubic breaks down (x2 = n2, x1 = 0 with x2 = n2).

    Zero cells: x1 = 0 gives lower limit 0; x2 = 0 gives upper limit +inf;
    x1 = x2 = 0 gives (0, +inf) (every ratio is compatible with the data);
    n1 = 0 or n2 = 0 gives (NaN, NaN).

    References: Koopman (1984) Biometrics 40:513–517; Nam (1995) Biometrics
    51:1293–1300; Miettinen & Nurminen (1985) Stat Med 4:213–226.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    z = z_two_sided(alpha)
    valid = (b > 0) & (d > 0) & ~any_nan(a, c)
    # Replace invalid rows by a harmless table so the arithmetic stays finite.
    a_, b_, c_, d_ = (np.where(valid, v, w) for v, w in ((a, 1.0), (b, 2.0), (c, 1.0), (d, 2.0)))
    shape = a_.shape
    log_lower, log_upper = _score_limits(
        a_.reshape(-1), b_.reshape(-1), c_.reshape(-1), d_.reshape(-1), z, correction)
    log_lower, log_upper = log_lower.reshape(shape), log_upper.reshape(shape)
    lower = np.exp(log_lower)
    upper = np.exp(log_upper)
    lower = np.where((a_ == 0) | (log_lower <= -_LOG_PHI_RANGE + 1e-6), 0.0, lower)
    upper = np.where((c_ == 0) | (log_upper >= _LOG_PHI_RANGE - 1e-6), np.inf, upper)
    lower = np.where(valid, lower, np.nan).astype(np.float64)
    upper = np.where(valid, upper, np.nan).astype(np.float64)
    return Interval(out(lower), out(upper))


def katz_interval(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    alpha: float = 0.05,
) -> Interval:
    """Katz log (Wald) interval for the ratio p1/p2.

    exp(log AIR ± z·√(1/x1 − 1/n1 + 1/x2 − 1/n2)).

    Equal to ``scipy.stats.contingency.relative_risk(x1, n1, x2, n2)
    .confidence_interval(1 − alpha)`` including its zero conventions: x1 = 0 gives
    (0, NaN), x2 = 0 gives (NaN, +inf), both zero (NaN, NaN). Do not use it with
    zero cells; prefer :func:`koopman_interval`. Reference: Katz, Baptista, Azen &
    Pike (1978) Biometrics 34:469–474.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    z = z_two_sided(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (a / b) / (c / d)
        se = np.sqrt(1.0 / a - 1.0 / b + 1.0 / c - 1.0 / d)
        lower = ratio * np.exp(-z * se)
        upper = ratio * np.exp(z * se)
    lower = np.where((a == 0) & (c > 0), 0.0, lower)
    upper = np.where((a == 0) & (c > 0), np.nan, upper)
    lower = np.where((c == 0) & (a > 0), np.nan, lower)
    upper = np.where((c == 0) & (a > 0), np.inf, upper)
    both = (a == 0) & (c == 0)
    lower = np.where(both, np.nan, lower).astype(np.float64)
    upper = np.where(both, np.nan, upper).astype(np.float64)
    return Interval(out(lower), out(upper))


def newcombe_difference_interval(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    alpha: float = 0.05,
) -> Interval:
    """Newcombe hybrid score interval for the difference p1 − p2.

    With Wilson limits (lᵢ, uᵢ) and d = p̂1 − p̂2:
    (d − √((p̂1 − l1)² + (u2 − p̂2)²), d + √((u1 − p̂1)² + (p̂2 − l2)²)).
    Equal to ``confint_proportions_2indep(..., compare="diff", method="newcomb")``.
    Reference: Newcombe (1998) Stat Med 17:873–890, method 10.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    l1, u1 = wilson_interval(a, b, alpha)
    l2, u2 = wilson_interval(c, d, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = a / b
        p2 = c / d
    diff = p1 - p2
    lower = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(out(np.asarray(lower)), out(np.asarray(upper)))


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def fisher_exact_p(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    alternative: str = "two-sided",
) -> Floats:
    """Fisher's exact (conditional, hypergeometric) test of p1 = p2.

    Conditioning on both margins, X1 ~ Hypergeometric(N, n1, m) with m = x1 + x2.
    Two-sided p = Σ P(k) over tables with P(k) ≤ P(x1)·(1 + 10⁻⁷) (the
    "minimum likelihood" rule of R's ``fisher.test``; scipy 1.17 uses 1 + 10⁻¹⁴, which
    differs only when a table's probability is within 10⁻⁷ of P(x1) without being
    equal to it); ``"less"`` = P(X1 ≤ x1) (focal rate lower), ``"greater"`` =
    P(X1 ≥ x1).

    Equal to ``scipy.stats.fisher_exact([[x1, n1 − x1], [x2, n2 − x2]],
    alternative).pvalue`` (within a few 1e-10, relative, up to a million
    applications; beyond that scipy's own probabilities drift, by about 1e-8 at 10⁸,
    while these stay within about 1e-13 of a 50-digit computation). Every table size
    goes through the same vectorised routine,
    :func:`parity.core.stats.hypergeom.fisher_exact_pvalues`, which sums only the
    probabilities that matter (Loader's saddle-point log pmf and exact ratios of
    consecutive probabilities). Degenerate tables where nobody or everybody passed give
    1.0 (as scipy); n1 = 0 or n2 = 0 gives NaN (scipy: 1.0), because there is no
    comparison to test. Reference: Agresti (2013) §3.5.
    """
    check_alternative(alternative)
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    missing = any_nan(a, b, c, d)
    if np.any(((a % 1 != 0) | (b % 1 != 0) | (c % 1 != 0) | (d % 1 != 0)) & ~missing):
        raise ValueError("Fisher's exact test needs whole-number counts.")
    result = np.full(a.shape, np.nan)
    valid = (b > 0) & (d > 0) & ~missing
    if valid.any():
        ints = [v[valid].astype(np.int64) for v in (a, b, c, d)]
        result[valid] = fisher_exact_pvalues(ints[0], ints[1], ints[2], ints[3], alternative)
    return out(result)


def chi_square_test(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    correction: bool = False,
) -> TestResult:
    """Pearson chi-square test of p1 = p2 on the 2×2 table (1 df).

    χ² = N·(ad − bc)² / (n1·n2·m1·m0); with Yates' correction
    χ² = N·max(|ad − bc| − N/2, 0)² / (n1·n2·m1·m0).
    Equal to ``scipy.stats.chi2_contingency(table, correction=...)`` (statistic and
    p). A zero margin (n1 = 0, n2 = 0, nobody or everybody passed) gives NaN,
    where scipy raises.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    nn = b + d
    m1 = a + c
    m0 = nn - m1
    cross = a * (d - c) - (b - a) * c
    if correction:
        cross = np.maximum(np.abs(cross) - nn / 2.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = nn * cross**2 / (b * d * m1 * m0)
    stat = np.where((b > 0) & (d > 0) & (m1 > 0) & (m0 > 0), stat, np.nan)
    pval = chi2_sf(stat, 1.0)
    return TestResult(out(stat.astype(np.float64)), out(np.asarray(pval, dtype=np.float64)))


def two_proportion_z_test(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    alternative: str = "two-sided",
) -> TestResult:
    """Pooled two-proportion z test: z = (p̂1 − p̂2) / √(p̄(1 − p̄)(1/n1 + 1/n2)).

    p̄ = (x1 + x2)/(n1 + n2); z² equals the uncorrected Pearson χ². Equal to
    ``statsmodels.stats.proportion.proportions_ztest([x1, x2], [n1, n2])``
    ("less" = statsmodels "smaller"). NaN when p̄ is 0 or 1 or a group is empty.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar = (a + c) / (b + d)
        z = (a / b - c / d) / np.sqrt(pbar * (1 - pbar) * (1 / b + 1 / d))
    z = np.where((pbar > 0) & (pbar < 1) & (b > 0) & (d > 0), z, np.nan)
    return TestResult(out(z.astype(np.float64)), out(normal_pvalue(z, alternative)))


def hypergeometric_sd(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> Floats:
    """Number of hypergeometric standard deviations (OFCCP convention).

    (x1 − E)/√V with E = n1·S/N, V = n1·n2·S·(N − S) / (N²(N − 1)), S = x1 + x2,
    N = n1 + n2. NaN when V = 0.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    nn = b + d
    s = a + c
    with np.errstate(divide="ignore", invalid="ignore"):
        e = b * s / nn
        v = b * d * s * (nn - s) / (nn**2 * (nn - 1))
        sd = (a - e) / np.sqrt(v)
    return out(np.where(v > 0, sd, np.nan).astype(np.float64))


def air_score_test(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    value: float = 0.8,
    alternative: str = "less",
    correction: bool = True,
) -> TestResult:
    """Score test of H0: p1/p2 = ``value`` (default: is the AIR below four-fifths?).

    z = (p̂1 − φ0·p̂2) / √V(φ0) with the restricted MLEs of :func:`koopman_interval`
    (METHODS §1.3, §1.4). ``alternative="less"`` tests H0: AIR ≥ φ0 against
    AIR < φ0 (p = Φ(z)). ``correction=True`` (default) multiplies V by N/(N − 1)
    (Miettinen–Nurminen), which is the statsmodels default and reproduces
    METHODS §1.12 (p = 0.10953 for 30/200 vs 60/250); ``correction=False`` gives
    the test whose inversion is the Koopman interval.

    Equal to ``test_proportions_2indep(x1, n1, x2, n2, value=value,
    compare="ratio", method="score", alternative=..., correction=...)`` with
    "less"/"greater" for statsmodels' "smaller"/"larger". Nobody passed in either
    group (no information), n1 = 0 or n2 = 0: statistic and p are NaN.
    """
    if not value > 0:
        raise ValueError(f"The ratio under the null hypothesis must be positive, got {value}.")
    check_alternative(alternative)
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    valid = (b > 0) & (d > 0) & (a + c > 0)
    a_, b_, c_, d_ = (np.where(valid, v, w) for v, w in ((a, 1.0), (b, 2.0), (c, 1.0), (d, 2.0)))
    z = _ratio_score_z(np.full(a_.shape, float(value)), a_, b_, c_, d_, correction)
    z = np.where(valid, z, np.nan)
    return TestResult(out(z.astype(np.float64)), out(normal_pvalue(z, alternative)))
