"""survival.py against statsmodels SurvfuncRight / survdiff and a textbook data set."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from parity.core import stats as ps

# Freireich et al. (1963) leukaemia remission times; "+" = censored.
SIX_MP = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"
PLACEBO = "1 1 2 2 3 4 4 5 5 8 8 8 8 11 11 12 12 15 17 22 23"


def parse(text: str) -> tuple[np.ndarray, np.ndarray]:
    time = np.array([float(v.rstrip("+")) for v in text.split()])
    event = np.array([0.0 if v.endswith("+") else 1.0 for v in text.split()])
    return time, event


def test_textbook_kaplan_meier() -> None:
    # Klein & Moeschberger (2003) Table 4.1A: S and Greenwood SE for the 6-MP arm.
    time, event = parse(SIX_MP)
    km = ps.kaplan_meier(time, event)
    np.testing.assert_array_equal(km.time, [6, 7, 10, 13, 16, 22, 23])
    np.testing.assert_array_equal(km.n_at_risk, [21, 17, 15, 12, 11, 7, 6])
    np.testing.assert_array_equal(km.n_events, [3, 1, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(
        km.survival, [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448], atol=5e-4
    )
    np.testing.assert_allclose(km.se, [0.076, 0.087, 0.096, 0.107, 0.114, 0.128, 0.135], atol=5e-4)
    assert km.median == 23
    assert km.survival_at([0, 6, 8.5, 40]).tolist() == pytest.approx(
        [1, 6 / 7, km.survival[1], km.survival[-1]]
    )


def test_log_log_interval_by_hand() -> None:
    # At t = 6: S = 18/21 = 6/7, Σ d/(n(n − d)) = 3/(21·18) = 1/126,
    # σ = √(1/126)/|log(6/7)| = 0.0890871/0.1541507 = 0.577922,
    # lower = (6/7)^exp(1.959964·0.577922) = (6/7)^3.104046 = 0.619718,
    # upper = (6/7)^exp(−1.959964·0.577922) = (6/7)^0.322160 = 0.951552.
    time, event = parse(SIX_MP)
    km = ps.kaplan_meier(time, event)
    sigma = math.sqrt(1 / 126) / abs(math.log(6 / 7))
    assert sigma == pytest.approx(0.577922, rel=1e-6)
    assert km.lower[0] == pytest.approx((6 / 7) ** math.exp(1.959963984540054 * sigma), rel=1e-12)
    assert km.lower[0] == pytest.approx(0.619718, rel=1e-6)
    assert km.upper[0] == pytest.approx(0.951552, rel=1e-6)
    # The interval always contains the estimate and stays inside (0, 1).
    assert np.all((km.lower < km.survival) & (km.survival < km.upper) & (km.upper < 1))


def test_textbook_log_rank() -> None:
    t1, e1 = parse(SIX_MP)
    t0, e0 = parse(PLACEBO)
    time = np.concatenate([t1, t0])
    event = np.concatenate([e1, e0])
    group = np.array(["6-MP"] * t1.size + ["placebo"] * t0.size)
    res = ps.logrank_test(time, event, group)
    assert round(res.statistic, 1) == 16.8  # the classic textbook value
    assert res.df == 1 and res.pvalue < 1e-4
    np.testing.assert_array_equal(res.observed, [9, 21])
    assert res.expected.sum() == pytest.approx(30)
    assert res.groups == ("6-MP", "placebo")


def random_sample(rng: np.random.Generator, groups: int) -> tuple[np.ndarray, ...]:
    n = int(rng.integers(15, 120))
    g = rng.integers(0, groups, n)
    scale = np.array([8.0, 12.0, 20.0, 10.0])[g]
    t_event = rng.exponential(scale)
    t_cens = rng.uniform(0, 40, n)
    time = np.minimum(t_event, t_cens)
    time = np.where(rng.uniform(size=n) < 0.5, np.ceil(time), time)  # ties
    event = (t_event <= t_cens).astype(float)
    return time, event, g


def test_kaplan_meier_matches_statsmodels() -> None:
    rng = np.random.default_rng(70)
    for _ in range(60):
        time, event, _ = random_sample(rng, 1)
        if event.sum() == 0:
            continue
        km = ps.kaplan_meier(time, event)
        sf = SurvfuncRight(time, event)
        np.testing.assert_allclose(km.time, sf.surv_times)
        np.testing.assert_allclose(km.survival, sf.surv_prob, rtol=1e-12)
        np.testing.assert_allclose(km.n_at_risk, sf.n_risk)
        np.testing.assert_allclose(km.n_events, sf.n_events)
        finite = km.survival > 0
        np.testing.assert_allclose(km.se[finite], sf.surv_prob_se[finite], rtol=1e-10)
        for p in (0.25, 0.5, 0.75):
            ours = km.quantile(p)
            ref = sf.quantile(p)
            assert ours == ref or (math.isnan(ours) and math.isnan(ref))
            lo, hi = km.quantile_interval(p)
            with np.errstate(divide="ignore", invalid="ignore"):
                ref_lo, ref_hi = sf.quantile_ci(p, method="cloglog")
            assert (lo, hi) == (ref_lo, ref_hi) or (
                math.isnan(lo) and math.isnan(ref_lo) and math.isnan(hi) and math.isnan(ref_hi)
            )


@pytest.mark.parametrize("groups", [2, 3, 4])
def test_log_rank_matches_statsmodels(groups: int) -> None:
    rng = np.random.default_rng(71 + groups)
    for _ in range(40):
        time, event, g = random_sample(rng, groups)
        if np.unique(g).size < 2 or event.sum() == 0:
            continue
        res = ps.logrank_test(time, event, g)
        chisq, pvalue = survdiff(time, event, g)
        assert res.statistic == pytest.approx(chisq, rel=1e-9)
        assert res.pvalue == pytest.approx(pvalue, rel=1e-8, abs=1e-15)
        assert res.df == np.unique(g).size - 1
        assert res.observed.sum() == pytest.approx(res.expected.sum())


def test_edge_cases() -> None:
    km = ps.kaplan_meier([3, 5, 7], [0, 0, 0])  # all censored
    assert km.time.size == 0 and math.isnan(km.median)
    km = ps.kaplan_meier([1, 2, 2], [1, 1, 1])  # everybody has the event
    assert km.survival[-1] == 0 and math.isnan(km.se[-1]) and math.isnan(km.lower[-1])
    res = ps.logrank_test([1, 2, 3, 4], [0, 0, 0, 0], [0, 0, 1, 1])
    assert math.isnan(res.statistic)
    with pytest.raises(ValueError):
        ps.kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError):
        ps.logrank_test([1, 2], [1, 1], [0, 0])
    with pytest.raises(ValueError):
        ps.kaplan_meier([1, 2], [1, 1]).quantile(1.5)


def test_median_when_survival_is_exactly_one_half() -> None:
    # 11 subjects; by hand S(3)=0.9, S(7)=0.8, S(12)=0.7, S(14)=0.7*5/7=0.5 exactly, S(17)=0.4.
    # The median is the first time S falls strictly below 0.5: 17, whatever the rounding of
    # the product in floating point (statsmodels' product rounds under 0.5 here and says 14).
    t = np.array([14, 3, 17, 23, 23, 12, 14, 18, 26, 2, 7], dtype=float)
    e = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1], dtype=float)
    assert ps.kaplan_meier(t, e).median == 17.0
    t2 = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert ps.kaplan_meier(t2, np.ones(6)).median == 4.0  # S(3) = 1/2 exactly, S(4) = 1/3
    # Here the product of the factors is exactly 1/2 at t = 12 in exact arithmetic but
    # rounds to 0.49999999999999994; the median is still the next event time, 16.
    from fractions import Fraction

    t3 = np.array([12, 10, 7, 17, 7, 1, 23, 17, 24, 20, 16, 24, 7, 4, 18, 17, 6, 24], dtype=float)
    e3 = np.array([1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1], dtype=float)
    km3 = ps.kaplan_meier(t3, e3)
    exact, at = Fraction(1), {}
    for tt in km3.time:
        d = int(((t3 == tt) & (e3 == 1)).sum())
        r = int((t3 >= tt).sum())
        exact *= Fraction(r - d, r)
        at[float(tt)] = exact
    half = min(k for k, v in at.items() if v == Fraction(1, 2))
    below = min(k for k, v in at.items() if v < Fraction(1, 2))
    assert km3.survival[list(km3.time).index(half)] < 0.5  # the rounding this guards against
    assert km3.median == below

