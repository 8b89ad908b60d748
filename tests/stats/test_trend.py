"""trend.py: hand computation, logistic score test and linear-by-linear association."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.contingency_tables import Table

from parity.core import stats as ps


def test_hand_computation() -> None:
    # Years 0, 1, 2 with 2/20, 5/25, 9/30 passing.
    # N = 75, p̄ = 16/75, Σ n t = 85, Σ n t² = 145, Σ t x = 23
    # T = 23 − (16/75)·85 = 73/15 = 4.866667
    # Σ n (t − t̄)² = 145 − 85²/75 = 146/3 = 48.666667
    # Var₀ = (16/75)(59/75)(146/3) = 137824/16875 = 8.167348
    # z = 4.866667 / √8.167348 = 1.702908; two-sided p = 0.088585
    # slope = T / Σ n (t − t̄)² = (73/15)/(146/3) = 0.1
    x, n, t = [2, 5, 9], [20, 25, 30], [0, 1, 2]
    big_n = sum(n)
    pbar = Fraction(sum(x), big_n)
    stat_t = sum(ti * xi for ti, xi in zip(t, x, strict=True)) - pbar * sum(
        ni * ti for ni, ti in zip(n, t, strict=True)
    )
    sxx = sum(ni * ti * ti for ni, ti in zip(n, t, strict=True)) - Fraction(
        sum(ni * ti for ni, ti in zip(n, t, strict=True)) ** 2, big_n
    )
    var = pbar * (1 - pbar) * sxx
    assert (stat_t, sxx, var) == (Fraction(73, 15), Fraction(146, 3), Fraction(137824, 16875))
    z = float(stat_t) / math.sqrt(float(var))
    res = ps.cochran_armitage_test(x, n)
    assert res.statistic == pytest.approx(z, rel=1e-13)
    assert res.statistic == pytest.approx(1.702908, rel=1e-6)
    assert res.pvalue == pytest.approx(0.088585, rel=1e-4)
    assert res.slope == pytest.approx(0.1, rel=1e-12)
    assert ps.cochran_armitage_test(x, n, alternative="greater").pvalue == pytest.approx(
        stats.norm.sf(z)
    )


def random_years(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    years = int(rng.integers(2, 8))
    n = rng.integers(1, 200, years)
    slope = rng.normal(0, 0.3)
    p = 1 / (1 + np.exp(-(rng.normal(-1, 1) + slope * np.arange(years))))
    x = rng.binomial(n, p)
    scores = np.sort(rng.choice(np.arange(2015, 2030), years, replace=False)).astype(float)
    return x, n, scores


def test_equals_logistic_score_test_and_ordinal_association() -> None:
    rng = np.random.default_rng(50)
    checked = 0
    for _ in range(120):
        x, n, scores = random_years(rng)
        if x.sum() in (0, n.sum()):
            assert math.isnan(ps.cochran_armitage_test(x, n, scores).statistic)
            continue
        res = ps.cochran_armitage_test(x, n, scores)
        # Rao score test of β = 0 in logit p = α + β·t (statsmodels GLM).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(np.c_[x, n - x], np.ones((x.size, 1)), family=sm.families.Binomial()).fit()
            score = fit.score_test(exog_extra=(scores - scores.mean())[:, None])
        assert res.statistic**2 == pytest.approx(float(score.statistic[0]), rel=1e-7)
        assert res.pvalue == pytest.approx(float(score.pvalue[0]), rel=1e-6, abs=1e-14)
        # Linear-by-linear association: z × √((N − 1)/N), same sign.
        table = Table(np.c_[n - x, x].astype(float), shift_zeros=False)
        lbl = table.test_ordinal_association(row_scores=scores, col_scores=np.array([0.0, 1.0]))
        big_n = n.sum()
        assert res.statistic * math.sqrt((big_n - 1) / big_n) == pytest.approx(lbl.zscore, rel=1e-7)
        checked += 1
    assert checked > 100


def test_vectorised_over_groups_and_degenerate_cases() -> None:
    rng = np.random.default_rng(51)
    x = rng.binomial(50, 0.3, (10, 5))
    n = np.full((10, 5), 50)
    res = ps.cochran_armitage_test(x, n)
    assert res.statistic.shape == (10,)
    for g in range(10):
        assert res.statistic[g] == pytest.approx(ps.cochran_armitage_test(x[g], n[g]).statistic)
    # A single year with applicants: no trend to test.
    assert math.isnan(ps.cochran_armitage_test([3, 0], [10, 0]).statistic)
    # Constant rates: z = 0, slope = 0.
    flat = ps.cochran_armitage_test([10, 20, 30], [100, 200, 300])
    assert flat.statistic == pytest.approx(0, abs=1e-12) and flat.slope == pytest.approx(
        0, abs=1e-15
    )
    with pytest.raises(ValueError):
        ps.cochran_armitage_test([1], [2])
    with pytest.raises(ValueError):
        ps.cochran_armitage_test([1, 2], [2, 3], scores=[1, 2, 3])
