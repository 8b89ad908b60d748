"""power.py against statsmodels; verdict.py rule by rule and as a property."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
)

from parity.core import stats as ps


def test_power_and_sample_size_match_statsmodels() -> None:
    rng = np.random.default_rng(80)
    for _ in range(200):
        p_ref = rng.uniform(0.01, 0.9)
        air = rng.uniform(0.2, 0.98)
        n1 = rng.integers(5, 5000)
        ratio = rng.uniform(0.2, 5)
        ours = ps.power_for_air(n1, ratio * n1, p_ref, air)
        ref = power_proportions_2indep(p_ref * (air - 1), p_ref, n1, ratio=ratio)
        assert ours == pytest.approx(ref.power, rel=1e-10)
        n = ps.sample_size_for_air(p_ref, air, power=0.8, ratio=ratio)
        ref_n = samplesize_proportions_2indep_onetail(p_ref * (air - 1), p_ref, 0.8, ratio=ratio)
        assert n == pytest.approx(ref_n, rel=1e-10)


def test_minimum_detectable_air_solves_the_power_equation() -> None:
    rng = np.random.default_rng(81)
    n1 = rng.integers(20, 20000, 200)
    n2 = rng.integers(20, 20000, 200)
    p_ref = rng.uniform(0.02, 0.8, 200)
    mda = ps.minimum_detectable_air(n1, n2, p_ref)
    for i in range(200):
        if math.isnan(mda[i]):
            # Even AIR = 0 is missed: power at 0 below 80 %.
            assert ps.power_for_air(n1[i], n2[i], p_ref[i], 0.0) < 0.8
            continue
        assert 0 < mda[i] < 1
        ref = power_proportions_2indep(
            p_ref[i] * (mda[i] - 1), p_ref[i], n1[i], ratio=n2[i] / n1[i]
        )
        assert ref.power == pytest.approx(0.8, abs=1e-9)
    # More applicants → a smaller gap is detectable.
    sizes = np.array([100, 400, 1600, 6400])
    assert np.all(np.diff(ps.minimum_detectable_air(sizes, sizes, 0.2)) > 0)


def test_power_inputs_with_nothing_to_test() -> None:
    assert math.isnan(ps.power_for_air(0, 100, 0.2))
    assert math.isnan(ps.power_for_air(100, 100, 0.0))
    assert math.isnan(ps.minimum_detectable_air(100, 0, 0.2))
    assert math.isnan(ps.minimum_detectable_air(3, 3, 0.05))  # hopelessly small
    assert math.isnan(ps.sample_size_for_air(0.2, air=1.0))
    with pytest.raises(ValueError):
        ps.sample_size_for_air(0.2, power=1.5)


# ---------------------------------------------------------------- verdict

BIG = 5000  # powered at p_ref = 0.3
SMALL = 20  # not powered


@pytest.mark.parametrize(
    ("air", "q", "n", "expected"),
    [
        (0.6, 0.01, SMALL, "adverse impact"),  # rule 1 (significance beats power)
        (0.6, 0.01, BIG, "adverse impact"),
        (0.79, 0.049, BIG, "adverse impact"),
        (0.9, 0.01, BIG, "watch"),  # rule 2
        (0.9, 0.01, SMALL, "watch"),
        (0.8, 0.01, BIG, "watch"),  # τ itself is not below τ
        (1.3, 0.01, SMALL, "no evidence"),  # rule 3 (significantly favoured)
        (1.0, 0.01, SMALL, "insufficient data"),  # parity itself is not favoured
        (0.6, 0.30, SMALL, "insufficient data"),  # rule 4
        (1.0, 0.90, SMALL, "insufficient data"),
        (1.3, 0.30, SMALL, "insufficient data"),
        (float("nan"), 0.5, BIG, "insufficient data"),
        (0.9, float("nan"), BIG, "insufficient data"),
        (0.7, 0.20, BIG, "watch"),  # rule 5
        (0.95, 0.20, BIG, "no evidence"),  # rule 6
        (1.3, 0.01, BIG, "no evidence"),
        (0.79, 0.05, BIG, "watch"),  # q must be strictly below 0.05
    ],
)
def test_verdict_rules(air: float, q: float, n: int, expected: str) -> None:
    assert str(ps.classify_verdict(air, q, n, n, 0.3)) == expected


def test_verdict_thresholds_are_parameters() -> None:
    assert (
        str(ps.classify_verdict(0.85, 0.01, BIG, BIG, 0.3, air_threshold=0.9)) == "adverse impact"
    )
    assert str(ps.classify_verdict(0.7, 0.04, BIG, BIG, 0.3, q_threshold=0.01)) == "watch"
    assert str(ps.classify_verdict(0.95, 0.5, 1500, 1500, 0.2)) == "no evidence"
    assert (
        str(ps.classify_verdict(0.95, 0.5, 1500, 1500, 0.2, target_power=0.9))
        == "insufficient data"
    )
    assert set(ps.VERDICTS) == {"adverse impact", "watch", "insufficient data", "no evidence"}


def test_reference_rate_of_one_is_testable() -> None:
    # Everybody in the reference passed: power is still defined (p1 = 0.8 < 1).
    assert 0.99 < ps.power_for_air(500, 500, 1.0) <= 1
    assert str(ps.classify_verdict(0.97, 0.3, 500, 500, 1.0)) == "no evidence"
    assert str(ps.classify_verdict(0.97, 0.3, 500, 500, 0.0)) == "insufficient data"
