"""The vectorised Newton search of the Koopman (and Miettinen–Nurminen) interval against a
slow, scalar, obviously correct bisection written here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.core import stats as ps

Z95 = 1.959963984540054


def score_z(phi: float, x1: int, n1: int, x2: int, n2: int, correction: bool) -> float:
    """(p̂1 − φp̂2)/√V(φ) with the restricted MLE, straight from the formulas (Koopman
    1984; Miettinen & Nurminen 1985)."""
    big_n = n1 + n2
    b, c = -(phi * (n1 + x2) + x1 + n2), x1 + x2
    # B² − 4AC (A = Nφ) written as a sum of squares, which it is.
    disc = (phi * (n1 + x2) - (x1 + n2)) ** 2 + 4 * phi * (n1 - x1) * (n2 - x2)
    p2 = 2 * c / (-b + math.sqrt(disc)) if c > 0 else 0.0
    p2 = min(max(p2, 0.0), 1.0)
    p1 = min(max(phi * p2, 0.0), 1.0)
    var = p1 * (1 - p1) / n1 + phi * phi * p2 * (1 - p2) / n2
    if correction:
        var *= big_n / (big_n - 1)
    num = x1 / n1 - phi * x2 / n2
    if num == 0:
        return 0.0
    if var <= 0:
        return math.copysign(math.inf, num)
    return num / math.sqrt(var)


def bisection_interval(x1: int, n1: int, x2: int, n2: int,
                       correction: bool = False) -> tuple[float, float]:
    """{φ : |z(φ)| ≤ z} by bisection on log φ ∈ [−60, 60] to a width of 1e-13."""
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan

    def solve(target: float) -> float:
        lo, hi = -60.0, 60.0
        while hi - lo > 1e-13:
            mid = 0.5 * (lo + hi)
            if score_z(math.exp(mid), x1, n1, x2, n2, correction) > target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    lower = 0.0 if x1 == 0 else math.exp(solve(Z95))
    upper = math.inf if x2 == 0 else math.exp(solve(-Z95))
    return lower, upper


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, int, int, int]:
    top = draw(st.sampled_from([5, 60, 5_000, 1_000_000]))
    n1, n2 = draw(st.integers(0, top)), draw(st.integers(1, top))
    x1 = draw(st.one_of(st.just(0), st.just(n1), st.integers(0, n1)))
    x2 = draw(st.one_of(st.just(0), st.just(n2), st.integers(0, n2)))
    return x1, n1, x2, n2


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(tables(), min_size=1, max_size=25), correction=st.booleans())
def test_newton_search_equals_slow_bisection(batch: list[tuple[int, int, int, int]],
                                             correction: bool) -> None:
    x1, n1, x2, n2 = (np.array(v) for v in zip(*batch, strict=True))
    lower, upper = ps.koopman_interval(x1, n1, x2, n2, correction=correction)
    for i, table in enumerate(batch):
        ref = bisection_interval(*table, correction=correction)
        for got, want in zip((lower[i], upper[i]), ref, strict=True):
            if math.isnan(want) or want in (0.0, math.inf):
                assert got == want or (math.isnan(got) and math.isnan(want)), (table, got, want)
            else:
                assert got == pytest.approx(want, rel=1e-9), (table, got, want)


def test_random_funnel_sized_tables() -> None:
    # Thousands to millions of applications, rates from 1 % to 60 %: the search's answer is
    # the bisection's to 1e-12.
    rng = np.random.default_rng(11)
    n1 = rng.integers(1_000, 2_000_000, 40)
    n2 = rng.integers(1_000, 8_000_000, 40)
    rate = rng.uniform(0.01, 0.6, 40)
    x1 = rng.binomial(n1, rate * rng.uniform(0.7, 1.1, 40))
    x2 = rng.binomial(n2, rate)
    lower, upper = ps.koopman_interval(x1, n1, x2, n2)
    for i in range(40):
        ref = bisection_interval(int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]))
        assert (lower[i], upper[i]) == pytest.approx(ref, rel=1e-12)
