"""proportions.py against scipy/statsmodels on seeded random tables, zeros and tiny n."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.stats.contingency import relative_risk
from statsmodels.stats import proportion as smp
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from parity.core import stats as ps


def random_pairs(seed: int, size: int, max_n: int = 60) -> tuple[np.ndarray, ...]:
    """Random (x1, n1, x2, n2) with tiny n, zeros and full cells over-represented."""
    rng = np.random.default_rng(seed)
    n1 = rng.integers(1, max_n, size)
    n2 = rng.integers(1, max_n, size)
    x1 = rng.binomial(n1, rng.uniform(0, 1, size))
    x2 = rng.binomial(n2, rng.uniform(0, 1, size))
    # Force some zeros and full rows.
    x1[::11] = 0
    x2[5::13] = 0
    x1[7::17] = n1[7::17]
    x2[3::19] = n2[3::19]
    n1[::23] = 1
    x1[::23] = 0
    return x1, n1, x2, n2


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ---------------------------------------------------------------- single rates


def test_wilson_and_clopper_pearson_match_statsmodels() -> None:
    rng = np.random.default_rng(1)
    n = np.concatenate([rng.integers(1, 50, 300), [1, 1, 2, 1000]])
    x = rng.binomial(n, rng.uniform(0, 1, n.size))
    x[:20] = 0
    x[20:40] = n[20:40]
    for alpha in (0.05, 0.1):
        lo, hi = ps.wilson_interval(x, n, alpha)
        ref_lo, ref_hi = proportion_confint(x, n, alpha=alpha, method="wilson")
        np.testing.assert_allclose(lo, ref_lo, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(hi, ref_hi, rtol=1e-10, atol=1e-13)
        lo, hi = ps.clopper_pearson_interval(x, n, alpha)
        ref_lo, ref_hi = proportion_confint(x, n, alpha=alpha, method="beta")
        np.testing.assert_allclose(lo, ref_lo, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(hi, ref_hi, rtol=1e-10, atol=1e-13)
    assert ps.clopper_pearson_interval(0, 10).lower == 0
    assert ps.clopper_pearson_interval(10, 10).upper == 1


def test_empty_group_gives_nan_not_exception() -> None:
    assert all(math.isnan(v) for v in ps.wilson_interval(0, 0))
    assert all(math.isnan(v) for v in ps.clopper_pearson_interval(0, 0))
    assert math.isnan(ps.selection_rate_ratio(0, 0, 5, 10))
    assert all(math.isnan(v) for v in ps.koopman_interval(3, 10, 0, 0))
    assert math.isnan(ps.fisher_exact_p(0, 0, 5, 10))
    assert math.isnan(ps.chi_square_test(3, 10, 0, 0).pvalue)
    assert math.isnan(ps.air_score_test(0, 10, 0, 10).pvalue)


def test_invalid_counts_raise() -> None:
    with pytest.raises(ValueError):
        ps.wilson_interval(5, 4)
    with pytest.raises(ValueError):
        ps.selection_rate_ratio(-1, 4, 2, 5)
    with pytest.raises(ValueError):
        ps.fisher_exact_p(1.5, 4, 2, 5)
    with pytest.raises(ValueError):
        ps.fisher_exact_p(1, 4, 2, 5, alternative="smaller")


# ---------------------------------------------------------------- ratio intervals


def test_koopman_matches_statsmodels_on_interior_tables() -> None:
    x1, n1, x2, n2 = random_pairs(2, 400, max_n=80)
    interior = (x1 > 0) & (x1 < n1) & (x2 > 0) & (x2 < n2)
    lo, hi = ps.koopman_interval(x1, n1, x2, n2)
    lo_mn, hi_mn = ps.koopman_interval(x1, n1, x2, n2, correction=True)
    checked = 0
    for i in np.flatnonzero(interior):
        args = (int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]))
        ref = confint_proportions_2indep(*args, method="score", compare="ratio", correction=False)
        ref_mn = confint_proportions_2indep(*args, method="score", compare="ratio", correction=True)
        np.testing.assert_allclose([lo[i], hi[i]], np.real(ref), rtol=1e-7)
        np.testing.assert_allclose([lo_mn[i], hi_mn[i]], np.real(ref_mn), rtol=1e-7)
        checked += 1
    assert checked > 200


def test_koopman_limits_are_where_the_statsmodels_score_test_hits_alpha() -> None:
    # Defining property on every table, zeros and full rows included: at each
    # finite, positive limit the two-sided score test (statsmodels) has p = α.
    x1, n1, x2, n2 = random_pairs(3, 300)
    lo, hi = ps.koopman_interval(x1, n1, x2, n2, alpha=0.05)
    checked = 0
    for i in range(x1.size):
        args = (int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]))
        for limit in (lo[i], hi[i]):
            if np.isfinite(limit) and limit > 0:
                res = quiet(
                    smp.test_proportions_2indep,
                    *args,
                    value=float(limit),
                    compare="ratio",
                    method="score",
                    correction=False,
                )
                assert res.pvalue == pytest.approx(0.05, abs=1e-6), args
                checked += 1
    assert checked > 400


def test_koopman_zero_conventions() -> None:
    lo, hi = ps.koopman_interval([0, 4, 0], [10, 10, 10], [3, 0, 0], [10, 10, 10])
    assert lo[0] == 0 and np.isfinite(hi[0])
    assert lo[1] > 0 and hi[1] == np.inf
    assert lo[2] == 0 and hi[2] == np.inf
    # All passed in both groups: the ratio 1 is inside a finite interval
    # (statsmodels' closed form returns a degenerate lower limit here).
    lo, hi = ps.koopman_interval(20, 20, 100, 100)
    assert 0.8 < lo < 1 < hi < 1.1


def test_katz_matches_scipy_including_zeros() -> None:
    x1, n1, x2, n2 = random_pairs(4, 300)
    lo, hi = ps.katz_interval(x1, n1, x2, n2)
    air = ps.selection_rate_ratio(x1, n1, x2, n2)
    for i in range(x1.size):
        res = quiet(relative_risk, int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]))
        ci = quiet(res.confidence_interval, 0.95)
        np.testing.assert_allclose(air[i], res.relative_risk, rtol=1e-12)
        np.testing.assert_allclose([lo[i], hi[i]], [ci.low, ci.high], rtol=1e-10)


def test_newcombe_matches_statsmodels() -> None:
    x1, n1, x2, n2 = random_pairs(5, 200)
    lo, hi = ps.newcombe_difference_interval(x1, n1, x2, n2)
    for i in range(x1.size):
        ref = confint_proportions_2indep(
            int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]), method="newcomb", compare="diff"
        )
        np.testing.assert_allclose([lo[i], hi[i]], ref, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- tests


def test_fisher_matches_scipy() -> None:
    x1, n1, x2, n2 = random_pairs(6, 300)
    rng = np.random.default_rng(66)
    big_n1 = rng.integers(100, 600, 40)
    big_n2 = rng.integers(100, 600, 40)
    x1 = np.concatenate([x1, rng.binomial(big_n1, 0.1)])
    x2 = np.concatenate([x2, rng.binomial(big_n2, 0.15)])
    n1 = np.concatenate([n1, big_n1])
    n2 = np.concatenate([n2, big_n2])
    for alternative in ("two-sided", "less", "greater"):
        p = ps.fisher_exact_p(x1, n1, x2, n2, alternative=alternative)
        for i in range(x1.size):
            table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
            ref = stats.fisher_exact(table, alternative=alternative).pvalue
            assert p[i] == pytest.approx(ref, rel=1e-9, abs=1e-14), (table, alternative)


def test_chi_square_matches_scipy() -> None:
    x1, n1, x2, n2 = random_pairs(7, 300)
    for correction in (False, True):
        stat, p = ps.chi_square_test(x1, n1, x2, n2, correction=correction)
        for i in range(x1.size):
            table = np.array([[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]])
            if np.any(table.sum(axis=0) == 0):
                assert math.isnan(stat[i]) and math.isnan(p[i])
                continue
            ref = stats.chi2_contingency(table, correction=correction)
            assert stat[i] == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
            assert p[i] == pytest.approx(ref.pvalue, rel=1e-9)


def test_z_test_matches_statsmodels_and_equals_chi_square() -> None:
    x1, n1, x2, n2 = random_pairs(8, 200)
    z, p = ps.two_proportion_z_test(x1, n1, x2, n2)
    chi2, _ = ps.chi_square_test(x1, n1, x2, n2)
    for i in range(x1.size):
        pooled = (x1[i] + x2[i]) / (n1[i] + n2[i])
        if pooled in (0.0, 1.0):
            assert math.isnan(z[i])
            continue
        ref_z, ref_p = proportions_ztest([x1[i], x2[i]], [n1[i], n2[i]])
        assert z[i] == pytest.approx(ref_z, rel=1e-9)
        assert p[i] == pytest.approx(ref_p, rel=1e-9)
        assert z[i] ** 2 == pytest.approx(chi2[i], rel=1e-9)
    _, p_less = ps.two_proportion_z_test(30, 200, 60, 250, alternative="less")
    _, ref = proportions_ztest([30, 60], [200, 250], alternative="smaller")
    assert p_less == pytest.approx(ref, rel=1e-12)


def test_hypergeometric_sd_matches_scipy_moments() -> None:
    x1, n1, x2, n2 = random_pairs(9, 200)
    sd = ps.hypergeometric_sd(x1, n1, x2, n2)
    for i in range(x1.size):
        mean, var = quiet(stats.hypergeom.stats, n1[i] + n2[i], x1[i] + x2[i], n1[i], moments="mv")
        if var == 0:
            assert math.isnan(sd[i])
        else:
            assert sd[i] == pytest.approx((x1[i] - mean) / np.sqrt(var), rel=1e-9)


@pytest.mark.parametrize("value", [0.5, 0.8, 1.0, 1.25])
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("correction", [True, False])
def test_air_score_test_matches_statsmodels(
    value: float, alternative: str, correction: bool
) -> None:
    x1, n1, x2, n2 = random_pairs(10, 60)
    keep = (x1 + x2) > 0
    x1, n1, x2, n2 = x1[keep], n1[keep], x2[keep], n2[keep]
    stat, p = ps.air_score_test(
        x1, n1, x2, n2, value=value, alternative=alternative, correction=correction
    )
    sm_alt = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}[alternative]
    compared = 0
    for i in range(x1.size):
        ref = quiet(
            smp.test_proportions_2indep,
            int(x1[i]),
            int(n1[i]),
            int(x2[i]),
            int(n2[i]),
            value=value,
            compare="ratio",
            method="score",
            alternative=sm_alt,
            correction=correction,
        )
        if not np.isfinite(ref.statistic):
            continue
        assert stat[i] == pytest.approx(ref.statistic, rel=1e-7, abs=1e-9)
        assert p[i] == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-12)
        compared += 1
    assert compared > 40


# ---------------------------------------------------------------- shortfall


def test_shortfall_properties() -> None:
    x1, n1, x2, n2 = random_pairs(11, 300)
    # Against the pooled rate, the two groups' shortfalls cancel exactly.
    total = ps.shortfall_vs_pooled(x1, n1, x2, n2) + ps.shortfall_vs_pooled(x2, n2, x1, n1)
    np.testing.assert_allclose(total, 0, atol=1e-9)
    # Against the reference: zero when the rates are equal.
    assert ps.shortfall_vs_reference(15, 100, 30, 200) == 0
    # Four-fifths: adding the shortfall reaches 0.8; one person fewer does not.
    need = ps.shortfall_to_four_fifths(x1, n1, x2, n2)
    for i in range(x1.size):
        if x2[i] == 0 or need[i] == 0:
            continue
        ok = (x1[i] + need[i]) / n1[i] >= 0.8 * x2[i] / n2[i] - 1e-12
        assert ok
        assert (x1[i] + need[i] - 1) / n1[i] < 0.8 * x2[i] / n2[i]


def test_round_half_away() -> None:
    np.testing.assert_array_equal(
        ps.round_half_away([2.5, -2.5, 0.49, 1.5, -0.5, 3.0]), [3, -3, 0, 2, -1, 3]
    )
    assert math.isnan(ps.round_half_away(float("nan")))


def test_vectorised_equals_elementwise() -> None:
    x1, n1, x2, n2 = random_pairs(12, 15)
    lo, hi = ps.koopman_interval(x1, n1, x2, n2)
    for i in range(x1.size):
        lo_i, hi_i = ps.koopman_interval(x1[i], n1[i], x2[i], n2[i])
        assert lo_i == pytest.approx(lo[i], rel=1e-12) or lo_i == lo[i]
        assert hi_i == pytest.approx(hi[i], rel=1e-12) or hi_i == hi[i]
    grid = ps.selection_rate_ratio(np.array([[1, 2], [3, 4]]), 10, 5, 10)
    assert grid.shape == (2, 2)
