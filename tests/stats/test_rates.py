"""rates.py against statsmodels.stats.rates, hand computations and properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from statsmodels.stats import rates as smr
from statsmodels.stats.proportion import proportion_confint

from parity.core import stats as ps


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_poisson_interval_matches_statsmodels_exact_c() -> None:
    rng = np.random.default_rng(60)
    k = np.concatenate([[0, 0, 1, 2], rng.integers(0, 300, 300)])
    t = np.concatenate([[1.0, 250.0, 0.5, 10.0], rng.uniform(0.5, 3000, 300)])
    for alpha in (0.05, 0.1):
        lo, hi = ps.poisson_rate_interval(k, t, alpha)
        ref_lo, ref_hi = smr.confint_poisson(k, t, method="exact-c", alpha=alpha)
        np.testing.assert_allclose(lo, np.nan_to_num(ref_lo), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(hi, ref_hi, rtol=1e-10)
    assert ps.poisson_rate_interval(0, 100).lower == 0
    assert all(math.isnan(v) for v in ps.poisson_rate_interval(3, 0))


def random_rates(seed: int, size: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    t1 = rng.uniform(10, 2000, size)
    t2 = rng.uniform(10, 2000, size)
    lam = rng.uniform(0.001, 0.08, size)
    k1 = rng.poisson(lam * t1 * rng.uniform(0.4, 1.6, size))
    k2 = rng.poisson(lam * t2)
    k1[::13] = 0
    k2[4::17] = 0
    return k1, t1, k2, t2


@pytest.mark.parametrize("value", [1.0, 0.8, 1.5])
def test_exact_conditional_pvalue_matches_statsmodels(value: float) -> None:
    k1, t1, k2, t2 = random_rates(61, 150)
    sm_alt = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}
    for alternative in ("two-sided", "less", "greater"):
        res = ps.rate_ratio_exact(k1, t1, k2, t2, value=value, alternative=alternative)
        for i in range(k1.size):
            if k1[i] + k2[i] == 0:
                assert res.pvalue[i] == 1.0
                continue
            ref = quiet(
                smr.test_poisson_2indep,
                int(k1[i]),
                t1[i],
                int(k2[i]),
                t2[i],
                value=value,
                method="exact-cond",
                alternative=sm_alt[alternative],
            )
            assert res.pvalue[i] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)


def test_exact_conditional_interval() -> None:
    k1, t1, k2, t2 = random_rates(62, 200)
    res = ps.rate_ratio_exact(k1, t1, k2, t2, alpha=0.05)
    for i in range(k1.size):
        k = int(k1[i] + k2[i])
        if k == 0:
            assert math.isnan(res.ratio[i]) and res.lower[i] == 0 and res.upper[i] == np.inf
            continue
        # Clopper–Pearson for π = k1/k, mapped to the rate ratio.
        pi_lo, pi_hi = proportion_confint(int(k1[i]), k, method="beta")
        scale = t2[i] / t1[i]
        assert res.lower[i] == pytest.approx(pi_lo / (1 - pi_lo) * scale, rel=1e-9, abs=1e-15)
        if k2[i] == 0:
            assert res.upper[i] == np.inf
        else:
            assert res.upper[i] == pytest.approx(pi_hi / (1 - pi_hi) * scale, rel=1e-9)
        # Defining property: at each finite positive limit the one-sided exact
        # conditional test (statsmodels) has p = α/2.
        if res.lower[i] > 0:
            p = quiet(
                smr.test_poisson_2indep,
                int(k1[i]),
                t1[i],
                int(k2[i]),
                t2[i],
                value=float(res.lower[i]),
                method="exact-cond",
                alternative="larger",
            ).pvalue
            assert p == pytest.approx(0.025, rel=1e-6)
        if np.isfinite(res.upper[i]):
            p = quiet(
                smr.test_poisson_2indep,
                int(k1[i]),
                t1[i],
                int(k2[i]),
                t2[i],
                value=float(res.upper[i]),
                method="exact-cond",
                alternative="smaller",
            ).pvalue
            assert p == pytest.approx(0.025, rel=1e-6)


def test_rate_ratio_zero_conventions() -> None:
    res = ps.rate_ratio_exact([0, 5, 3], [100, 100, 0], [4, 0, 2], [100, 100, 50])
    assert res.ratio[0] == 0 and res.lower[0] == 0 and np.isfinite(res.upper[0])
    assert res.ratio[1] == np.inf and res.upper[1] == np.inf and res.lower[1] > 0
    assert math.isnan(res.ratio[2]) and math.isnan(res.pvalue[2])
    with pytest.raises(ValueError):
        ps.rate_ratio_exact(1.5, 10, 2, 10)


def test_mh_rate_ratio_by_hand() -> None:
    # Two strata (a, T1, b, T0): (12, 300, 20, 400), (5, 100, 30, 500)
    #   T = 700, 600;  M = 32, 35
    #   R = Σ a T0/T = 12·400/700 + 5·500/600 = 6.857143 + 4.166667 = 11.023810
    #   S = Σ b T1/T = 20·300/700 + 30·100/600 = 8.571429 + 5.0     = 13.571429
    #   RR_MH = 0.812281
    #   V = Σ M T1 T0/T² = 32·300·400/490000 + 35·100·500/360000
    #     = 7.836735 + 4.861111 = 12.697846
    #   Var(log RR_MH) = V/(R·S) = 12.697846/149.608844 = 0.084874
    #   score: Σ (a − M T1/T) = (12 − 13.714286) + (5 − 5.833333) = −2.547619
    #   z = −2.547619/√12.697846 = −0.714939
    a = np.array([12.0, 5.0])
    t1 = np.array([300.0, 100.0])
    b = np.array([20.0, 30.0])
    t0 = np.array([400.0, 500.0])
    tt = t1 + t0
    r = np.sum(a * t0 / tt)
    s = np.sum(b * t1 / tt)
    v = np.sum((a + b) * t1 * t0 / tt**2)
    assert (r, s, v) == pytest.approx((11.023810, 13.571429, 12.697846), rel=1e-6)
    res = ps.mh_rate_ratio(a, t1, b, t0)
    assert res.estimate == pytest.approx(0.812281, rel=1e-5)
    assert res.se_log == pytest.approx(math.sqrt(0.084874), rel=1e-4)
    assert res.se_log == pytest.approx(math.sqrt(v / (r * s)), rel=1e-13)
    assert res.statistic == pytest.approx(-0.714939, rel=1e-5)
    z = 1.959963984540054
    assert res.lower == pytest.approx(r / s * math.exp(-z * math.sqrt(v / (r * s))), rel=1e-13)


def test_mh_rate_ratio_one_stratum_and_common_ratio() -> None:
    k1, t1, k2, t2 = random_rates(63, 100)
    for i in range(k1.size):
        if k1[i] == 0 or k2[i] == 0:
            continue
        res = ps.mh_rate_ratio([k1[i]], [t1[i]], [k2[i]], [t2[i]])
        assert res.estimate == pytest.approx((k1[i] / t1[i]) / (k2[i] / t2[i]), rel=1e-12)
        assert res.se_log == pytest.approx(math.sqrt(1 / k1[i] + 1 / k2[i]), rel=1e-12)
        ref = quiet(smr.test_poisson_2indep, int(k1[i]), t1[i], int(k2[i]), t2[i], method="score")
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    # Strata sharing one rate ratio (0.5) with different baselines: RR_MH = 0.5.
    t1s = np.array([100.0, 400.0, 50.0])
    t0s = np.array([300.0, 100.0, 200.0])
    base = np.array([0.2, 0.05, 0.6])
    res = ps.mh_rate_ratio(0.5 * base * t1s, t1s, base * t0s, t0s)
    assert res.estimate == pytest.approx(0.5, rel=1e-12)
    # Vectorised over comparisons (leading axis).
    stacked = ps.mh_rate_ratio(np.stack([0.5 * base * t1s] * 3), t1s, base * t0s, t0s)
    np.testing.assert_allclose(stacked.estimate, 0.5)


def test_mh_rate_ratio_zero_conventions() -> None:
    res = ps.mh_rate_ratio([0, 0], [10, 20], [3, 4], [10, 20])
    assert res.estimate == 0 and res.lower == 0 and math.isnan(res.upper)
    res = ps.mh_rate_ratio([2, 1], [10, 20], [0, 0], [10, 20])
    assert res.estimate == np.inf and res.upper == np.inf
    res = ps.mh_rate_ratio([0, 0], [10, 0], [0, 0], [10, 0])
    assert math.isnan(res.estimate) and math.isnan(res.pvalue)
