"""stratified.py against statsmodels StratifiedTable, a hand computation of the
Greenland–Robins variance, one-stratum properties and the Simpson messages."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from parity.core import stats as ps


def random_strata(rng: np.random.Generator, informative: bool) -> np.ndarray:
    """A (K, 2, 2) stack; with ``informative`` every stratum has all margins > 0."""
    k = int(rng.integers(2, 7))
    while True:
        n1 = rng.integers(1, 40, k)
        n0 = rng.integers(1, 40, k)
        x1 = rng.binomial(n1, rng.uniform(0.05, 0.95, k))
        x0 = rng.binomial(n0, rng.uniform(0.05, 0.95, k))
        tables = ps.tables_from_counts(x1, n1, x0, n0)
        margins_ok = np.all(tables.sum(axis=1) > 0) and np.all(tables.sum(axis=2) > 0)
        if not informative or margins_ok:
            return tables


def sm_table(tables: np.ndarray) -> StratifiedTable:
    return StratifiedTable(np.moveaxis(tables, 0, -1).astype(float))


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_tables_from_counts_orientation() -> None:
    t = ps.tables_from_counts([3, 4], [10, 12], [5, 6], [20, 30])
    assert t.shape == (2, 2, 2)
    np.testing.assert_array_equal(t[0], [[3, 7], [5, 15]])  # focal row, pass column first
    np.testing.assert_array_equal(t[1], [[4, 8], [6, 24]])


def test_matches_statsmodels_on_random_strata() -> None:
    rng = np.random.default_rng(30)
    compared_bd = 0
    for _ in range(150):
        tables = random_strata(rng, informative=True)
        st = sm_table(tables)
        odds = ps.mh_odds_ratio(tables)
        if not (0 < st.oddsratio_pooled < np.inf):
            continue
        assert odds.estimate == pytest.approx(st.oddsratio_pooled, rel=1e-12)
        assert odds.se_log == pytest.approx(st.logodds_pooled_se, rel=1e-10)
        np.testing.assert_allclose(
            [odds.lower, odds.upper], st.oddsratio_pooled_confint(), rtol=1e-10
        )
        assert ps.mh_risk_ratio(tables).estimate == pytest.approx(st.riskratio_pooled, rel=1e-12)
        for correction in (False, True):
            ours = ps.cmh_test(tables, correction=correction)
            ref = st.test_null_odds(correction=correction)
            dev = abs(
                np.sum(
                    tables[:, 0, 0]
                    - tables[:, 0].sum(1) * tables[:, :, 0].sum(1) / tables.sum((1, 2))
                )
            )
            if correction and dev < 0.5:
                assert ours.statistic == 0  # floored; statsmodels squares a negative
                continue
            assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
            assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
        if abs(st.oddsratio_pooled - 1) > 1e-9:
            for tarone in (False, True):
                ours_bd = ps.breslow_day_test(tables, tarone=tarone)
                ref_bd = st.test_equal_odds(adjust=tarone)
                assert ours_bd.df == tables.shape[0] - 1
                assert ours_bd.statistic == pytest.approx(ref_bd.statistic, rel=1e-8, abs=1e-10)
                assert ours_bd.pvalue == pytest.approx(ref_bd.pvalue, rel=1e-8, abs=1e-12)
            compared_bd += 1
    assert compared_bd > 120


def test_vectorised_over_comparisons() -> None:
    rng = np.random.default_rng(31)
    stack = np.stack([random_strata(rng, informative=True)[:2] for _ in range(20)])
    odds = ps.mh_odds_ratio(stack)
    risk = ps.mh_risk_ratio(stack)
    cmh = ps.cmh_test(stack)
    bd = ps.breslow_day_test(stack, tarone=True)
    for i in range(20):
        assert odds.estimate[i] == pytest.approx(ps.mh_odds_ratio(stack[i]).estimate)
        assert risk.upper[i] == pytest.approx(ps.mh_risk_ratio(stack[i]).upper)
        assert cmh.pvalue[i] == pytest.approx(ps.cmh_test(stack[i]).pvalue)
        single = ps.breslow_day_test(stack[i], tarone=True).pvalue
        assert bd.pvalue[i] == pytest.approx(single) or (
            math.isnan(single) and math.isnan(bd.pvalue[i])
        )


def test_breslow_day_at_pooled_odds_ratio_one() -> None:
    # statsmodels 0.15 returns NaN here (division by 1 − ψ = 0); the quadratic
    # degenerates to e = n1·m1/n, the expected count under independence.
    tables = ps.tables_from_counts([10, 10], [20, 100], [50, 2], [100, 20])
    assert math.isnan(quiet(sm_table(tables).test_equal_odds).pvalue)
    bd = ps.breslow_day_test(tables)
    assert bd.statistic == pytest.approx(0, abs=1e-12) and bd.pvalue == pytest.approx(1)
    # A heterogeneous pair with OR_MH exactly 1: stratum ORs 4 and 1/4 (mirror tables).
    tables = np.array([[[20, 10], [10, 20]], [[10, 20], [20, 10]]], dtype=float)
    assert ps.mh_odds_ratio(tables).estimate == pytest.approx(1.0)
    e = 15.0  # n1·m1/n = 30·30/60 in both strata
    v = 1 / (4 / e)
    expected = 2 * (20 - e) ** 2 / v
    bd = ps.breslow_day_test(tables)
    assert bd.statistic == pytest.approx(expected)
    assert bd.pvalue == pytest.approx(stats.chi2.sf(expected, 1))


def test_mh_risk_ratio_greenland_robins_by_hand() -> None:
    # Three strata [[a, b], [c, d]]:
    #   k=1: a=4 b=6  (n1=10) c=3 d=12 (n0=15) n=25 m1=7
    #   k=2: a=7 b=13 (n1=20) c=5 d=25 (n0=30) n=50 m1=12
    #   k=3: a=2 b=3  (n1=5)  c=6 d=4  (n0=10) n=15 m1=8
    # R = Σ a·n0/n = 4·15/25 + 7·30/50 + 2·10/15 = 2.4 + 4.2 + 1.3333 = 7.9333 (= 119/15)
    # S = Σ c·n1/n = 3·10/25 + 5·20/50 + 6·5/15  = 1.2 + 2.0 + 2.0    = 5.2    (= 26/5)
    # RR_MH = R/S = 119/78 = 1.525641
    # Σ (n1·n0·m1 − a·c·n)/n²:
    #   k=1: (10·15·7 − 4·3·25)/625  = (1050 − 300)/625  = 1.2
    #   k=2: (20·30·12 − 7·5·50)/2500 = (7200 − 1750)/2500 = 2.18
    #   k=3: (5·10·8 − 2·6·15)/225    = (400 − 180)/225   = 0.977778
    #   sum = 4.357778 (= 9805/2250)
    # Var(log RR_MH) = 4.357778 / (7.933333 · 5.2) = 4.357778 / 41.253333 = 0.1056346
    # SE = 0.3250147; 95 % limits = 1.525641 · exp(∓1.959964 · 0.3250147) = 0.806862, 2.884731
    strata = [(4, 6, 3, 12), (7, 13, 5, 25), (2, 3, 6, 4)]
    r = sum(Fraction(a * (c + d), a + b + c + d) for a, b, c, d in strata)
    s = sum(Fraction(c * (a + b), a + b + c + d) for a, b, c, d in strata)
    num = sum(
        Fraction((a + b) * (c + d) * (a + c) - a * c * (a + b + c + d), (a + b + c + d) ** 2)
        for a, b, c, d in strata
    )
    assert (r, s, num) == (Fraction(119, 15), Fraction(26, 5), Fraction(9805, 2250))
    var = num / (r * s)
    assert float(var) == pytest.approx(0.1056346, rel=1e-6)
    tables = np.array([[[a, b], [c, d]] for a, b, c, d in strata], dtype=float)
    res = ps.mh_risk_ratio(tables)
    assert res.estimate == pytest.approx(float(r / s), rel=1e-14)
    assert res.estimate == pytest.approx(1.525641, rel=1e-6)
    assert res.se_log == pytest.approx(math.sqrt(float(var)), rel=1e-13)
    assert res.lower == pytest.approx(0.806862, rel=1e-6)
    assert res.upper == pytest.approx(2.884731, rel=1e-6)


def test_one_stratum_equals_crude_ratio_and_katz() -> None:
    rng = np.random.default_rng(32)
    for _ in range(200):
        n1, n0 = rng.integers(2, 80, 2)
        x1, x0 = rng.integers(1, n1), rng.integers(1, n0)
        table = ps.tables_from_counts([x1], [n1], [x0], [n0])
        res = ps.mh_risk_ratio(table, alpha=0.1)
        assert res.estimate == pytest.approx(ps.selection_rate_ratio(x1, n1, x0, n0), rel=1e-12)
        lo, hi = ps.katz_interval(x1, n1, x0, n0, alpha=0.1)
        assert res.lower == pytest.approx(lo, rel=1e-10)
        assert res.upper == pytest.approx(hi, rel=1e-10)
        # One-stratum CMH = Pearson χ² × (n − 1)/n.
        chi2 = ps.chi_square_test(x1, n1, x0, n0).statistic
        n = n1 + n0
        assert ps.cmh_test(table).statistic == pytest.approx(chi2 * (n - 1) / n, rel=1e-10)


def test_zero_conventions_do_not_raise() -> None:
    # No focal passes anywhere: RR = 0 with (0, NaN); no reference passes: +inf.
    zero = ps.tables_from_counts([0, 0], [10, 5], [3, 2], [10, 5])
    res = ps.mh_risk_ratio(zero)
    assert res.estimate == 0 and res.lower == 0 and math.isnan(res.upper)
    inf = ps.tables_from_counts([3, 2], [10, 5], [0, 0], [10, 5])
    res = ps.mh_odds_ratio(inf)
    assert res.estimate == np.inf and res.upper == np.inf and math.isnan(res.lower)
    # Strata with one person or nobody drop out.
    t = ps.tables_from_counts([3, 1, 0], [10, 1, 0], [2, 0, 0], [10, 0, 0])
    np.testing.assert_allclose(ps.cmh_test(t).statistic, ps.cmh_test(t[:1]).statistic, rtol=1e-12)
    # Nothing informative: NaN.
    empty = ps.tables_from_counts([0, 0], [3, 2], [0, 0], [4, 2])
    assert math.isnan(ps.cmh_test(empty).statistic)
    assert math.isnan(ps.breslow_day_test(empty).pvalue)


def test_messages_for_each_kind() -> None:
    def t(*rows: tuple[int, int, int, int]) -> np.ndarray:
        x1, n1, x2, n2 = zip(*rows, strict=True)
        return ps.tables_from_counts(list(x1), list(n1), list(x2), list(n2))

    # Reversal: within each grade the focal group does better, yet worse overall.
    rev = ps.compare_crude_and_stratified(t((60, 100, 500, 1000), (100, 1000, 5, 100)))
    assert rev.kind == "reversal"
    assert rev.crude_ratio < 1 < rev.pooled_ratio
    assert rev.message.startswith("Simpson's paradox")
    # Revealed: no significant crude difference, lower within strata.
    revealed = ps.compare_crude_and_stratified(t((150, 300, 120, 200), (20, 200, 38, 300)))
    assert revealed.kind == "revealed by strata", revealed.message
    assert revealed.crude_pvalue > 0.05 and revealed.pooled_pvalue < 0.05
    assert "selected less often than the reference" in revealed.message
    # Threshold differs: both significant, crude below 0.8, pooled above.
    thr = ps.compare_crude_and_stratified(t((200, 400, 540, 900), (90, 900, 48, 400)))
    assert thr.kind == "threshold differs", (thr.crude_ratio, thr.pooled_ratio)
    assert "four-fifths" in thr.message
    # Agreement.
    agree = ps.compare_crude_and_stratified(t((30, 200, 60, 250), (30, 200, 60, 250)))
    assert agree.kind == "agree" and not agree.heterogeneous
    assert agree.message.startswith("Crude and stratified answers agree")
    # Not estimable: nobody passed at all.
    none = ps.compare_crude_and_stratified(t((0, 10, 0, 10), (0, 5, 0, 5)))
    assert none.kind == "not estimable"
    with pytest.raises(ValueError):
        ps.compare_crude_and_stratified(np.zeros((2, 2)))


def test_breslow_day_ignores_a_stratum_with_an_empty_row() -> None:
    # A stratum with no reference applicants once counted as informative through a
    # variance that rounding left just above zero (4.861 on 2 df instead of 4.843 on 1).
    from statsmodels.stats.contingency_tables import StratifiedTable

    from parity.core.stats.stratified import summarise_strata, tables_from_counts

    got = summarise_strata(tables_from_counts([0, 1, 1], [1, 2, 1], [1, 0, 0], [1, 0, 2])).homogeneity
    want = StratifiedTable([np.array([[0.0, 1], [1, 0]]), np.array([[1.0, 0], [0, 2]])]
                           ).test_equal_odds(adjust=True)
    assert got.df == 1
    assert got.statistic == pytest.approx(want.statistic, rel=1e-9)
