"""Fisher's exact test (one vectorised routine for every table size) against scipy, exact
rational arithmetic and a 50-digit reference for tables of up to 10⁸ applications."""

from __future__ import annotations

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from parity.core import stats as ps
from parity.core.stats.hypergeom import fisher_exact_pvalues, hypergeom_logpmf

ALTERNATIVES = ("two-sided", "less", "greater")


@st.composite
def tables(draw: st.DrawFn, max_n: int) -> tuple[int, int, int, int]:
    """(x1, n1, x2, n2): any sizes up to max_n, rates near each other or not, with zero
    cells, full rows and one-person groups over-represented."""
    n1 = draw(st.one_of(st.integers(1, 3), st.integers(1, max_n)))
    n2 = draw(st.one_of(st.integers(1, 3), st.integers(1, max_n)))
    rate = draw(st.floats(0.0, 1.0))
    gap = draw(st.sampled_from([1.0, 1.0, 0.999, 0.99, 0.9, 0.5, 0.0]))
    x1 = draw(st.one_of(st.just(0), st.just(n1), st.just(round(n1 * rate * gap)),
                        st.integers(0, n1)))
    x2 = draw(st.one_of(st.just(0), st.just(n2), st.just(round(n2 * rate)),
                        st.integers(0, n2)))
    return min(x1, n1), n1, min(x2, n2), n2


def scipy_p(x1: int, n1: int, x2: int, n2: int, alternative: str) -> float:
    return float(stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative).pvalue)


def check_against(p: float, ref: float, rel: float) -> None:
    """p against scipy: scipy rounds 1 − 2e-16 to exactly 1 (its one-sided sums) and
    underflows to exactly 0 a little earlier or later; exact 1s are checked against
    rational arithmetic below."""
    if ref == 1.0:
        assert p == pytest.approx(1.0, abs=1e-15), (p, ref)
    elif ref == 0.0:
        assert p < 1e-300, (p, ref)
    else:
        assert p == pytest.approx(ref, rel=rel, abs=1e-300), (p, ref)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.one_of(tables(12), tables(300), tables(20_000), tables(1_000_000)))
def test_matches_scipy_up_to_a_million(table: tuple[int, int, int, int]) -> None:
    # Below about 10⁶ applications scipy's hypergeometric probabilities are exact enough
    # to compare at 1e-9; exactly 0 and 1 must agree exactly.
    for alternative in ALTERNATIVES:
        p = float(ps.fisher_exact_p(*table, alternative=alternative))
        check_against(p, scipy_p(*table, alternative), 1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(100_000_000))
def test_close_to_scipy_up_to_1e8(table: tuple[int, int, int, int]) -> None:
    # scipy's own probabilities drift by ~1e-8 at 10⁸ (see the exact tests below).
    p = float(ps.fisher_exact_p(*table))
    check_against(p, scipy_p(*table, "two-sided"), 1e-6)


def exact_p(x1: int, n1: int, x2: int, n2: int, alternative: str) -> Fraction:
    """Fisher's p in rational arithmetic (R's rule: P(k) ≤ P(x1)(1 + 10⁻⁷))."""
    m = x1 + x2
    lo, hi = max(0, m - n2), min(n1, m)
    weight = {k: math.comb(n1, k) * math.comb(n2, m - k) for k in range(lo, hi + 1)}
    total = sum(weight.values())
    if alternative == "less":
        part = sum(w for k, w in weight.items() if k <= x1)
    elif alternative == "greater":
        part = sum(w for k, w in weight.items() if k >= x1)
    else:
        part = sum(w for w in weight.values() if w * 10**7 <= weight[x1] * (10**7 + 1))
    return min(Fraction(part, total), Fraction(1))


@settings(max_examples=300, deadline=None)
@given(table=st.one_of(tables(10), tables(400), tables(3000)))
def test_equals_exact_rational_arithmetic(table: tuple[int, int, int, int]) -> None:
    # Exactly 1 when every table counts; within 1e-12 otherwise.
    for alternative in ALTERNATIVES:
        p = float(ps.fisher_exact_p(*table, alternative=alternative))
        exact = exact_p(*table, alternative)
        if exact == 1:
            assert p == 1.0
        else:
            assert p == pytest.approx(float(exact), rel=1e-12, abs=1e-300), (p, exact)


# ------------------------------------------------ a 50-digit reference for huge tables

getcontext().prec = 50
_HALF_LOG_2PI = Decimal(2 * 314159265358979323846264338327950288419716939937510) \
    .scaleb(-50).ln() / 2
_BERNOULLI = (Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510))


def log_factorial(n: int) -> Decimal:
    """log n! to 50 digits: Stirling's series at n + 30 and the recurrence down to n."""
    shift = max(0, 30 - n)
    x = Decimal(n + 1 + shift)
    value = (x - Decimal("0.5")) * x.ln() - x + _HALF_LOG_2PI
    for k, b in enumerate(_BERNOULLI, start=1):
        value += Decimal(b.numerator) / Decimal(b.denominator) / (2 * k * (2 * k - 1)) \
            / x ** (2 * k - 1)
    for j in range(1, shift + 1):
        value -= Decimal(n + j).ln()
    return value


def reference_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p: the boundary by bisection on log P (50 digits), the tails summed with
    exact ratios until the terms are below 1e-30 of the first."""
    m, big_n = x1 + x2, n1 + n2
    lo, hi = max(0, m - n2), min(n1, m)
    norm = log_factorial(m) + log_factorial(big_n - m) - log_factorial(big_n)

    def log_p(k: int) -> Decimal:
        return (norm + log_factorial(n1) - log_factorial(k) - log_factorial(n1 - k)
                + log_factorial(n2) - log_factorial(m - k) - log_factorial(n2 - m + k))

    def ratio(k: int, step: int) -> Decimal:  # P(k + step) / P(k)
        if step > 0:
            return Decimal((n1 - k) * (m - k)) / Decimal((k + 1) * (n2 - m + k + 1))
        return Decimal(k * (n2 - m + k)) / Decimal((n1 - k + 1) * (m - k + 1))

    def tail(start: int, step: int) -> Decimal:
        term, total, k = Decimal(1), Decimal(1), start
        while lo <= k + step <= hi and term > Decimal("1e-30"):
            term *= ratio(k, step)
            total += term
            k += step
        return log_p(start).exp() * total

    mode = (m + 1) * (n1 + 1) // (big_n + 2)
    level = log_p(x1) + Decimal("1.0000001").ln()
    step = 1 if x1 < mode else -1
    edge = hi if step > 0 else lo
    result = tail(x1, -step)
    if log_p(edge) <= level:  # bisection for the first k past the mode at or below level
        inside, outside = mode, edge
        while abs(outside - inside) > 1:
            mid = (inside + outside) // 2
            if log_p(mid) <= level:
                outside = mid
            else:
                inside = mid
        result += tail(outside, step)
    return float(min(result, Decimal(1)))


@pytest.mark.parametrize("table", [
    (2_048_847, 3_895_754, 5_839_833, 11_303_235),   # 16M applications, p ≈ 9e-219
    (1_343_772, 2_593_888, 6_544_908, 12_605_101),   # p ≈ 6e-4
    (507_240, 2_048_847, 1_445_301, 5_839_833),      # p ≈ 0.81
    (200_130, 20_000_000, 801_000, 80_000_000),      # 10⁸ applications, p ≈ 0.81
    (199_100, 20_000_000, 801_000, 80_000_000),      # p ≈ 0.02
    (10_028_000, 20_000_000, 40_100_000, 80_000_000),  # rates near ½, p ≈ 0.23
    (10_033_000, 20_000_000, 40_100_000, 80_000_000),  # p ≈ 1.4e-3 (scipy: 1.3e-8 off)
    (9_970_000, 20_000_000, 40_100_000, 80_000_000),   # p ≈ 3e-107
])
def test_huge_tables_against_a_50_digit_reference(table: tuple[int, int, int, int]) -> None:
    ref = reference_p(*table)
    assert float(ps.fisher_exact_p(*table)) == pytest.approx(ref, rel=1e-11)


def test_logpmf_against_exact_integers() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        n1, n2 = (int(v) for v in rng.integers(1, 50_000, 2))
        m = int(rng.integers(0, n1 + n2 + 1))
        lo, hi = max(0, m - n2), min(n1, m)
        for k in {lo, hi, (lo + hi) // 2, int(rng.integers(lo, hi + 1))}:
            exact = Fraction(math.comb(n1, k) * math.comb(n2, m - k), math.comb(n1 + n2, m))
            if exact < Fraction(1, 10**300):
                continue
            scaled = exact.numerator * 10**400 // exact.denominator  # ≥ 10¹⁰⁰: many digits
            reference = math.log(scaled) - 400 * math.log(10)
            got = float(hypergeom_logpmf(k, n1, n2, m))
            assert got == pytest.approx(reference, abs=1e-12 * max(1.0, abs(reference)))
    assert hypergeom_logpmf(5, 4, 10, 6) == -np.inf  # outside the support
    assert hypergeom_logpmf(0, 3, 0, 0) == 0.0  # a single table


def test_degenerate_and_invalid_tables() -> None:
    # Nobody or everybody passed, or a single possible table: p = 1 exactly, as scipy.
    for table in ((0, 5, 0, 7), (5, 5, 7, 7), (1, 1, 3, 3), (2, 2, 0, 0)):
        if table[3] == 0:
            assert math.isnan(ps.fisher_exact_p(*table))
        else:
            for alternative in ALTERNATIVES:
                assert ps.fisher_exact_p(*table, alternative=alternative) == 1.0
    # The observed table is the most likely one: exactly 1.
    assert ps.fisher_exact_p(500_000, 1_000_000, 500_000, 1_000_000) == 1.0
    assert ps.fisher_exact_p(10, 20, 10, 20) == 1.0
    # Far beyond double precision: exactly 0, as scipy.
    assert ps.fisher_exact_p(0, 10_000_000, 9_000_000, 10_000_000) == 0.0
    assert scipy_p(0, 10_000_000, 9_000_000, 10_000_000, "two-sided") == 0.0


def test_vectorised_equals_one_by_one() -> None:
    rng = np.random.default_rng(8)
    n1 = rng.integers(1, 2_000_000, 60)
    n2 = rng.integers(1, 2_000_000, 60)
    x1 = rng.binomial(n1, 0.3)
    x2 = rng.binomial(n2, rng.choice([0.3, 0.29, 0.2], 60))
    together = fisher_exact_pvalues(x1, n1, x2, n2)
    for i in range(60):
        alone = fisher_exact_pvalues(x1[i:i + 1], n1[i:i + 1], x2[i:i + 1], n2[i:i + 1])
        assert together[i] == pytest.approx(alone[0], rel=1e-13, abs=1e-300)
