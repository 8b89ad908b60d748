"""The exact rate-ratio p-value at tens of millions of events: accuracy and memory.

Checked against exact rational arithmetic (moderate counts) and scipy's binomtest
(large counts), with the memory of one call measured by tracemalloc.
"""

from __future__ import annotations

import math
import tracemalloc
from fractions import Fraction

import pytest
from scipy import stats

from parity.core.stats import rate_ratio_exact


def _exact_two_sided(k1: int, k: int, pi0: Fraction) -> Fraction:
    pmf = [math.comb(k, j) * pi0**j * (1 - pi0) ** (k - j) for j in range(k + 1)]
    bound = pmf[k1] * Fraction(10_000_001, 10_000_000)
    return sum((p for p in pmf if p <= bound), Fraction(0))


@pytest.mark.parametrize(("k1", "k2", "t1", "t2"), [
    (3, 9, 2, 5), (40, 61, 3, 4), (120, 80, 7, 3), (0, 25, 1, 1), (160, 240, 1, 1),
])
def test_two_sided_p_equals_exact_rational_arithmetic(k1: int, k2: int, t1: int, t2: int) -> None:
    got = float(rate_ratio_exact(k1, t1, k2, t2).pvalue)
    want = _exact_two_sided(k1, k1 + k2, Fraction(t1, t1 + t2))
    assert got == pytest.approx(float(min(want, Fraction(1))), rel=1e-12)


@pytest.mark.parametrize("events", [10**6, 10**7, 4 * 10**7])
@pytest.mark.parametrize("offset_sd", [-4.0, -1.5, 0.3, 2.5, 6.0])
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_large_counts_keep_accuracy_and_bounded_memory(events: int, offset_sd: float,
                                                        alternative: str) -> None:
    t1, t2 = 37.0, 63.0
    pi0 = t1 / (t1 + t2)
    k1 = int(events * pi0 + offset_sd * math.sqrt(events * pi0 * (1 - pi0)))
    tracemalloc.start()
    got = float(rate_ratio_exact(k1, t1, events - k1, t2, alternative=alternative).pvalue)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    want = stats.binomtest(k1, events, pi0, alternative=alternative).pvalue
    assert got == pytest.approx(want, rel=1e-12)
    assert peak < 2 * 2**20  # under 2 MiB, whatever the number of events
