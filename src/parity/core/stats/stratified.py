"""Stratified 2×2 tables: Mantel–Haenszel pooling, CMH test, Breslow–Day (METHODS §1.6).

A comparison stratified by job opening (or grade × job family × entity) is a
stack of K 2×2 tables ``[[a_k, b_k], [c_k, d_k]]``: rows focal / reference,
columns pass / fail, n_k = a_k + b_k + c_k + d_k. Functions take an array of shape
``(..., K, 2, 2)``; leading axes are independent comparisons (vectorised). Build
correctly oriented tables from counts with :func:`tables_from_counts`, the one
place where orientation is decided.

Notation per stratum: n1k = a + b (focal), n0k = c + d (reference),
m1k = a + c (passes), m0k = b + d.

* MH odds ratio  OR_MH = Σ a d/n / Σ b c/n, with the Robins–Breslow–Greenland
  (1986) variance of log OR_MH, valid for many sparse strata and for few large
  ones.
* MH risk ratio (the stratified AIR)  RR_MH = Σ a·n0/n / Σ c·n1/n, with the
  Greenland–Robins (1985) variance
  Var(log RR_MH) = Σ (n1 n0 m1 − a c n)/n² / (R·S), R = Σ a n0/n, S = Σ c n1/n.
  (statsmodels 0.15 gives the point estimate only.)
* CMH test (1 df): [|Σ(a − E)| − ½]² / Σ V with E = n1 m1/n,
  V = n1 n0 m1 m0 / (n²(n − 1)); without the ½ when uncorrected. The corrected
  numerator is floored at 0, as scipy floors Yates' correction (statsmodels
  does not floor, which only matters when |Σ(a − E)| < ½).
* Breslow–Day homogeneity test (K − 1 df, informative strata) with optional Tarone
  adjustment. Not valid with many sparse strata (use it at grade or job-family level).

Strata with n_k ≤ 1 carry no information and drop out of every sum. Zero
conventions for pooled ratios follow the Katz interval: estimate 0 gives
(0, NaN), estimate +inf gives (NaN, +inf), 0/0 gives NaN throughout.

References: Mantel & Haenszel (1959); Greenland & Robins (1985) Biometrics 41:55–68;
Robins, Breslow & Greenland (1986); Breslow & Day (1980); Tarone (1985).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import (
    FloatArray,
    Floats,
    TestResult,
    as_float,
    check_alpha,
    check_counts,
    chi2_sf,
    out,
    z_two_sided,
)
from parity.core.stats.likelihood import profile_risk_ratio_interval
from parity.core.stats.proportions import chi_square_test

__all__ = [
    "HomogeneityTest",
    "PooledRatio",
    "StratifiedComparison",
    "StratifiedSummary",
    "breslow_day_test",
    "cmh_test",
    "compare_crude_and_stratified",
    "explain_crude_and_stratified",
    "mh_odds_ratio",
    "mh_risk_ratio",
    "summarise_strata",
    "tables_from_counts",
]


@dataclass(frozen=True)
class PooledRatio:
    """A pooled ratio with its Wald interval on the log scale.

    ``estimate``, ``lower``, ``upper`` and ``se_log`` (standard error of the log
    estimate) have the shape of the leading axes of the input tables.
    """

    estimate: Floats
    lower: Floats
    upper: Floats
    se_log: Floats


@dataclass(frozen=True)
class HomogeneityTest:
    """Breslow–Day statistic, its degrees of freedom and p-value."""

    statistic: Floats
    df: Floats
    pvalue: Floats


def tables_from_counts(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> FloatArray:
    """Stack per-stratum counts into tables ``[[x1, n1 − x1], [x2, n2 − x2]]``.

    Arguments broadcast; the last axis is the stratum axis. The result has shape
    ``(..., K, 2, 2)`` with the focal row first and the "pass" column first.
    """
    a, b, c, d = np.broadcast_arrays(as_float(x1), as_float(n1), as_float(x2), as_float(n2))
    check_counts(a, b)
    check_counts(c, d)
    top = np.stack([a, b - a], axis=-1)
    bottom = np.stack([c, d - c], axis=-1)
    return np.stack([top, bottom], axis=-2)


class _Cells:
    """The cells of stacked tables and their margins (shared by every statistic)."""

    def __init__(self, tables: npt.ArrayLike) -> None:
        t = as_float(tables)
        if t.ndim < 3 or t.shape[-2:] != (2, 2):
            raise ValueError("Stratified tables must have shape (..., K, 2, 2).")
        if (t < 0).any():
            raise ValueError("Every cell of a stratified table must be zero or positive.")
        a, b, c, d = t[..., 0, 0], t[..., 0, 1], t[..., 1, 0], t[..., 1, 1]
        self.a, self.b, self.c, self.d = a, b, c, d
        self.n = a + b + c + d
        self.n1, self.n0, self.m1, self.m0 = a + b, c + d, a + c, b + d
        #: comparisons with a missing (NaN) cell in any stratum: their results are NaN
        self.missing = np.isnan(t).any(axis=(-1, -2)).any(axis=-1)


def _with_missing(result: PooledRatio, missing: npt.ArrayLike) -> PooledRatio:
    """NaN in, NaN out: blank the comparisons that have a missing cell."""
    if not np.any(missing):
        return result
    return PooledRatio(*(out(np.where(missing, np.nan, np.asarray(v, dtype=np.float64)))
                         for v in (result.estimate, result.lower, result.upper, result.se_log)))


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    """num/den where den > 0, else 0 (a stratum that carries no information); call under
    ``np.errstate``."""
    return np.where(den > 0, num / den, 0.0)


def _log_interval(r_sum: FloatArray, s_sum: FloatArray, var: FloatArray, z: float) -> PooledRatio:
    est = r_sum / s_sum
    se = np.sqrt(var)
    lower = est * np.exp(-z * se)
    upper = est * np.exp(z * se)
    zero = (r_sum == 0) & (s_sum > 0)
    infinite = (s_sum == 0) & (r_sum > 0)
    lower = np.where(zero, 0.0, np.where(infinite, np.nan, lower))
    upper = np.where(zero, np.nan, np.where(infinite, np.inf, upper))
    se = np.where(zero | infinite, np.nan, se)
    return PooledRatio(
        out(np.asarray(est, dtype=np.float64)),
        out(np.asarray(lower, dtype=np.float64)),
        out(np.asarray(upper, dtype=np.float64)),
        out(np.asarray(se, dtype=np.float64)),
    )


def mh_odds_ratio(tables: npt.ArrayLike, alpha: float = 0.05) -> PooledRatio:
    """Mantel–Haenszel pooled odds ratio with the Robins–Breslow–Greenland interval.

    OR_MH = R/S with R = Σ a d/n, S = Σ b c/n. With P = (a + d)/n, Q = (b + c)/n:
    Var(log OR_MH) = Σ P·ad/n / (2R²) + Σ (P·bc/n + Q·ad/n) / (2RS) + Σ Q·bc/n / (2S²).
    Interval exp(log OR_MH ± z·SE). Equal to statsmodels ``StratifiedTable``
    ``oddsratio_pooled``, ``logodds_pooled_se`` and ``oddsratio_pooled_confint()``.
    """
    cells = _Cells(tables)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _odds(cells, z_two_sided(alpha))


def _odds(t: _Cells, z: float) -> PooledRatio:
    a, b, c, d, n = t.a, t.b, t.c, t.d, t.n
    r = _safe_div(a * d, n)
    s = _safe_div(b * c, n)
    p = _safe_div(a + d, n)
    q = _safe_div(b + c, n)
    r_sum = r.sum(axis=-1)
    s_sum = s.sum(axis=-1)
    var = (
        (p * r).sum(axis=-1) / (2 * r_sum**2)
        + (p * s + q * r).sum(axis=-1) / (2 * r_sum * s_sum)
        + (q * s).sum(axis=-1) / (2 * s_sum**2)
    )
    return _with_missing(_log_interval(r_sum, s_sum, var, z), t.missing)


def mh_risk_ratio(tables: npt.ArrayLike, alpha: float = 0.05) -> PooledRatio:
    """Mantel–Haenszel pooled risk ratio (stratified AIR), Greenland–Robins interval.

    RR_MH = R/S with R = Σ a·n0/n and S = Σ c·n1/n, and

        Var(log RR_MH) = Σ_k (n1k·n0k·m1k − a_k·c_k·n_k) / n_k²  /  (R·S).

    Interval exp(log RR_MH ± z·SE). With one stratum the variance reduces to the
    Katz variance 1/a − 1/n1 + 1/c − 1/n0. Where a group has no failures in any
    stratum this variance collapses, and the interval is the profile-likelihood one of
    :func:`parity.core.stats.likelihood.profile_risk_ratio_interval` (``se_log`` NaN).
    Reference: Greenland & Robins (1985)
    Biometrics 41:55–68, eq. (13); SAS PROC FREQ documentation, "Adjusted relative
    risks".
    """
    cells = _Cells(tables)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _risk(cells, z_two_sided(alpha))


def _risk(t: _Cells, z: float) -> PooledRatio:
    a, c, n, n1, n0, m1 = t.a, t.c, t.n, t.n1, t.n0, t.m1
    r_sum = _safe_div(a * n0, n).sum(axis=-1)
    s_sum = _safe_div(c * n1, n).sum(axis=-1)
    num = _safe_div(n1 * n0 * m1 - a * c * n, n**2).sum(axis=-1)
    var = num / (r_sum * s_sum)
    wald = _log_interval(r_sum, s_sum, var, z)
    # A group with no failures at all: the Wald variance collapses; use the profile-
    # likelihood interval (parity.core.stats.likelihood) for those comparisons.
    used = n > 1
    boundary = (((np.where(used, t.b, 0.0).sum(axis=-1) == 0)
                 | (np.where(used, t.d, 0.0).sum(axis=-1) == 0))
                & (r_sum > 0) & (s_sum > 0))
    boundary &= ~t.missing
    if not np.any(boundary):
        return _with_missing(wald, t.missing)
    lower, upper, se = (np.array(v, dtype=np.float64) for v in (wald.lower, wald.upper, wald.se_log))
    for i in np.ndindex(boundary.shape):
        if not boundary[i]:
            continue
        fa, fb, rc, rd = (np.where(used[i], v[i], 0.0) for v in (t.a, t.b, t.c, t.d))
        _, lower[i], upper[i] = profile_risk_ratio_interval(fa, fb, rc, rd, z)
        se[i] = np.nan
    return _with_missing(PooledRatio(wald.estimate, out(lower), out(upper), out(se)), t.missing)


def cmh_test(tables: npt.ArrayLike, correction: bool = False) -> TestResult:
    """Cochran–Mantel–Haenszel test of a common odds ratio of 1 (1 df).

    χ²_MH = (|Σ(a − E)| − c)² / Σ V, c = ½ with ``correction`` (floored at 0) else 0,
    E = n1·m1/n, V = n1·n0·m1·m0 / (n²(n − 1)). NaN when Σ V = 0 (no stratum
    has variation). Equal to statsmodels ``StratifiedTable.test_null_odds``.
    """
    cells = _Cells(tables)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _cmh(cells, correction)


def _cmh(t: _Cells, correction: bool) -> TestResult:
    a, n, n1, n0, m1, m0 = t.a, t.n, t.n1, t.n0, t.m1, t.m0
    expected = _safe_div(n1 * m1, n)
    var = _safe_div(n1 * n0 * m1 * m0, n**2 * (n - 1)).sum(axis=-1)
    dev = np.abs((a - expected).sum(axis=-1))
    if correction:
        dev = np.maximum(dev - 0.5, 0.0)
    stat = np.where(var > 0, dev**2 / var, np.nan)
    pval = chi2_sf(stat, 1.0)
    return TestResult(out(stat.astype(np.float64)), out(np.asarray(pval, dtype=np.float64)))


def breslow_day_test(tables: npt.ArrayLike, tarone: bool = False) -> HomogeneityTest:
    """Breslow–Day test that the K odds ratios are equal (df = informative strata − 1).

    For each stratum, e_k is the expected a_k given the margins and a common odds
    ratio ψ = OR_MH: the root in [max(0, m1 − n0), min(n1, m1)] of
    (1 − ψ)e² + (n0 − m1 + ψ(n1 + m1))e − ψ·n1·m1 = 0, computed as
    e = 2ψ·n1·m1 / (B + √(B² + 4(1 − ψ)ψ·n1·m1)), B = n0 − m1 + ψ(n1 + m1), which
    is exact also at ψ = 1 (where statsmodels 0.15 divides by zero and returns
    NaN; METHODS §1.6). v_k = 1 / (1/e + 1/(n1 − e) + 1/(m1 − e) + 1/(n0 − m1 + e)).
    Statistic Σ (a − e)²/v; Tarone subtracts (Σ(a − e))² / Σ v. Strata with
    v_k = 0 (a zero margin) are dropped and not counted in df. NaN when OR_MH is
    0, +inf or undefined, or fewer than two strata are informative.

    Equal to statsmodels ``StratifiedTable.test_equal_odds(adjust=tarone)`` when
    every stratum is informative and OR_MH ≠ 1.
    """
    cells = _Cells(tables)
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = np.asarray(_odds(cells, z_two_sided(0.05)).estimate, dtype=np.float64)
        return _breslow_day(cells, psi, tarone)


def _breslow_day(t: _Cells, odds: FloatArray, tarone: bool) -> HomogeneityTest:
    a, n1, n0, m1 = t.a, t.n1, t.n0, t.m1
    psi = odds[..., np.newaxis]
    ok_psi = np.isfinite(psi) & (psi > 0)
    psi_ = np.where(ok_psi, psi, 1.0)
    big_b = n0 - m1 + psi_ * (n1 + m1)
    disc = np.maximum(big_b**2 + 4.0 * (1.0 - psi_) * psi_ * n1 * m1, 0.0)
    e = np.where(n1 * m1 > 0, 2.0 * psi_ * n1 * m1 / (big_b + np.sqrt(disc)), 0.0)
    inv = 1.0 / e + 1.0 / (n1 - e) + 1.0 / (m1 - e) + 1.0 / (n0 - m1 + e)
    # A stratum with an empty row or column carries no information (computed exactly,
    # not from a variance that rounding leaves just above zero).
    margins = (n1 > 0) & (n0 > 0) & (m1 > 0) & (t.m0 > 0)
    v = np.where(margins & np.isfinite(inv) & (inv > 0), 1.0 / inv, 0.0)
    informative = v > 0
    terms = np.where(informative, (a - e) ** 2 / np.where(informative, v, 1.0), 0.0)
    stat = terms.sum(axis=-1)
    if tarone:
        dev = np.where(informative, a - e, 0.0).sum(axis=-1)
        v_sum = v.sum(axis=-1)
        stat = stat - np.where(v_sum > 0, dev**2 / v_sum, np.nan)
    df = informative.sum(axis=-1).astype(np.float64) - 1.0
    bad = ~ok_psi[..., 0] | (df < 1)
    stat = np.where(bad, np.nan, stat)
    df = np.where(bad, np.nan, df)
    pval = np.where(bad, np.nan, chi2_sf(stat, np.where(bad, 1.0, df)))
    return HomogeneityTest(
        out(stat.astype(np.float64)), out(df.astype(np.float64)), out(pval.astype(np.float64))
    )


class StratifiedSummary(NamedTuple):
    """Every pooled statistic of a stack of comparisons (see :func:`summarise_strata`)."""

    odds: PooledRatio
    risk: PooledRatio
    cmh: TestResult
    homogeneity: HomogeneityTest


def summarise_strata(tables: npt.ArrayLike, alpha: float = 0.05) -> StratifiedSummary:
    """:func:`mh_odds_ratio`, :func:`mh_risk_ratio`, :func:`cmh_test` (uncorrected) and
    :func:`breslow_day_test` (Tarone) of the same tables in one call, sharing the cells,
    margins and OR_MH: the same numbers as the four calls, for a page of comparisons."""
    cells = _Cells(tables)
    z = z_two_sided(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = _odds(cells, z)
        return StratifiedSummary(
            odds, _risk(cells, z), _cmh(cells, False),
            _breslow_day(cells, np.asarray(odds.estimate, dtype=np.float64), True))


# ---------------------------------------------------------------------------
# Crude versus stratified (Simpson's paradox) in plain English
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StratifiedComparison:
    """Crude and stratified answers to "is the focal group selected less often?".

    ``kind`` is one of ``"agree"``, ``"reversal"``, ``"explained by strata"``,
    ``"revealed by strata"``, ``"threshold differs"`` or ``"not estimable"``;
    ``heterogeneous`` is True when Breslow–Day rejects a common odds ratio.
    ``message`` says it in one or two plain sentences.
    """

    crude_ratio: float
    crude_pvalue: float
    pooled_ratio: float
    pooled_lower: float
    pooled_upper: float
    pooled_pvalue: float
    homogeneity_pvalue: float
    kind: str
    heterogeneous: bool
    message: str


def _fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def _side(ratio: float) -> str:
    if ratio < 1:
        return "less often"
    if ratio > 1:
        return "more often"
    return "equally often"


def compare_crude_and_stratified(
    tables: npt.ArrayLike,
    alpha: float = 0.05,
    threshold: float = 0.8,
    focal: str = "the focal group",
) -> StratifiedComparison:
    """Say in plain English whether crude and stratified answers disagree.

    ``tables`` has shape (K, 2, 2) (one comparison). The crude answer is the
    selection-rate ratio of the collapsed table with the Pearson χ² test (no
    continuity correction); the stratified answer is RR_MH (Greenland–Robins interval)
    with the uncorrected CMH test. Rules, first match wins (sig = p < ``alpha``):

    1. either ratio undefined → "not estimable";
    2. the ratios lie on opposite sides of 1 and the crude one is significant →
       "reversal" (Simpson's paradox: the crude direction is reversed within strata);
    3. crude sig, pooled not → "explained by strata" (a composition effect);
    4. pooled sig, crude not → "revealed by strata" (the crude view masks it,
       whichever side of 1 the crude ratio lies);
    5. both sig, and the ratios lie on opposite sides of ``threshold`` →
       "threshold differs";
    6. otherwise → "agree".

    If Breslow–Day (with Tarone adjustment) has p < ``alpha``, a sentence saying
    the strata disagree with each other is appended and ``heterogeneous`` is True.
    """
    check_alpha(alpha)
    t = as_float(tables)
    if t.ndim != 3 or t.shape[1:] != (2, 2):
        raise ValueError("compare_crude_and_stratified takes one comparison: shape (K, 2, 2).")
    crude_table = t.sum(axis=0)[np.newaxis]
    a, b = crude_table[0, 0]
    c, d = crude_table[0, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        crude_ratio = float((a / (a + b)) / (c / (c + d)))
    crude_p = float(chi_square_test(a, a + b, c, c + d).pvalue)
    pooled = mh_risk_ratio(t, alpha)
    pooled_ratio = float(pooled.estimate)
    pooled_p = float(cmh_test(t).pvalue)
    bd_p = float(breslow_day_test(t, tarone=True).pvalue)
    kind, heterogeneous, message = explain_crude_and_stratified(
        crude_ratio, crude_p, pooled_ratio, pooled_p, bd_p, alpha, threshold, focal)
    return StratifiedComparison(
        crude_ratio=crude_ratio,
        crude_pvalue=crude_p,
        pooled_ratio=pooled_ratio,
        pooled_lower=float(pooled.lower),
        pooled_upper=float(pooled.upper),
        pooled_pvalue=pooled_p,
        homogeneity_pvalue=bd_p,
        kind=kind,
        heterogeneous=heterogeneous,
        message=message,
    )


def explain_crude_and_stratified(
    crude_ratio: float,
    crude_p: float,
    pooled_ratio: float,
    pooled_p: float,
    bd_p: float,
    alpha: float = 0.05,
    threshold: float = 0.8,
    focal: str = "the focal group",
) -> tuple[str, bool, str]:
    """(kind, heterogeneous, message) of :func:`compare_crude_and_stratified` from its
    numbers: the crude ratio and χ² p, RR_MH and the CMH p, and the Breslow–Day (Tarone)
    p. Plain floats in, so a page of comparisons costs one Python call each.
    """
    heterogeneous = bool(bd_p < alpha)

    def ratio_text(r: float, p: float) -> str:
        return f"ratio {r:.2f}, p = {_fmt_p(p)}"

    finite = all(math.isfinite(v) for v in (crude_ratio, pooled_ratio, crude_p, pooled_p))
    sig_c = crude_p < alpha
    sig_p = pooled_p < alpha
    if not finite:
        kind = "not estimable"
        message = (
            "The crude and stratified ratios cannot both be computed: "
            "a group has no applicants or no passes in the strata that matter."
        )
    elif (crude_ratio - 1) * (pooled_ratio - 1) < 0 and sig_c:
        kind = "reversal"
        message = (
            f"Simpson's paradox: overall, {focal} is selected {_side(crude_ratio)} than the "
            f"reference ({ratio_text(crude_ratio, crude_p)}), but within strata it is selected "
            f"{_side(pooled_ratio)} ({ratio_text(pooled_ratio, pooled_p)})."
        )
    elif sig_c and not sig_p:
        kind = "explained by strata"
        message = (
            f"The crude disparity ({ratio_text(crude_ratio, crude_p)}) disappears within "
            f"strata (pooled {ratio_text(pooled_ratio, pooled_p)}): it comes from how the "
            "groups are spread across strata, not from different rates within them."
        )
    elif sig_p and not sig_c:
        kind = "revealed by strata"
        message = (
            f"Within strata, {focal} is selected {_side(pooled_ratio)} than the reference "
            f"({ratio_text(pooled_ratio, pooled_p)}), a difference the crude comparison "
            f"({ratio_text(crude_ratio, crude_p)}) hides."
        )
    elif sig_c and sig_p and (crude_ratio - threshold) * (pooled_ratio - threshold) < 0:
        kind = "threshold differs"
        below, above = ("crude", "pooled") if crude_ratio < threshold else ("pooled", "crude")
        message = (
            f"Both comparisons are significant, but the {below} ratio is below "
            f"{threshold:g} and the {above} ratio is not (crude {crude_ratio:.2f}, "
            f"pooled {pooled_ratio:.2f}): the four-fifths conclusion depends on stratifying."
        )
    else:
        kind = "agree"
        message = (
            f"Crude and stratified answers agree (crude {ratio_text(crude_ratio, crude_p)}; "
            f"pooled {ratio_text(pooled_ratio, pooled_p)})."
        )
    if heterogeneous:
        message += (
            f" The strata disagree with each other (Breslow–Day p = {_fmt_p(bd_p)}): "
            "report them separately rather than the pooled ratio."
        )
    return kind, heterogeneous, message
