"""multiple.py against statsmodels multipletests and scipy false_discovery_control.

statsmodels' ``multipletests`` runs a full garbage collection on every call
(≈ 60 ms here), so it is called on a dozen families; scipy checks BH on
hundreds.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from parity.core import stats as ps


def random_family(rng: np.random.Generator) -> np.ndarray:
    m = int(rng.integers(1, 40))
    p = rng.uniform(0, 1, m) ** rng.uniform(0.5, 4)
    p[rng.uniform(size=m) < 0.1] = 1.0
    if m > 3:
        p[1] = p[2]  # ties
    return p


def test_bh_matches_scipy_on_random_families() -> None:
    rng = np.random.default_rng(20)
    for _ in range(400):
        p = random_family(rng)
        np.testing.assert_allclose(ps.bh_adjust(p), stats.false_discovery_control(p), rtol=1e-12)


def test_bh_and_holm_match_statsmodels() -> None:
    rng = np.random.default_rng(21)
    for _ in range(8):
        p = random_family(rng)
        np.testing.assert_allclose(
            ps.bh_adjust(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12
        )
        np.testing.assert_allclose(
            ps.holm_adjust(p), multipletests(p, method="holm")[1], rtol=1e-12
        )


def test_holm_properties() -> None:
    rng = np.random.default_rng(22)
    for _ in range(200):
        p = random_family(rng)
        h = ps.holm_adjust(p)
        order = np.argsort(p, kind="mergesort")
        assert np.all(np.diff(h[order]) >= 0)  # monotone in p
        assert np.all(h >= p) and np.all(h <= 1)
        assert h[order[0]] == pytest.approx(min(1.0, p.size * p[order[0]]))
        assert np.all(h >= ps.bh_adjust(p) - 1e-15)  # FWER is stricter than FDR


def test_nan_entries_are_ignored_and_kept() -> None:
    rng = np.random.default_rng(23)
    for i in range(100):
        p = rng.uniform(0, 0.2, 15)
        missing = rng.uniform(size=15) < 0.3
        p_nan = np.where(missing, np.nan, p)
        q = ps.bh_adjust(p_nan)
        h = ps.holm_adjust(p_nan)
        assert np.all(np.isnan(q[missing])) and np.all(np.isnan(h[missing]))
        if (~missing).any():
            np.testing.assert_allclose(q[~missing], stats.false_discovery_control(p[~missing]))
            if i < 4:
                np.testing.assert_allclose(
                    h[~missing], multipletests(p[~missing], method="holm")[1]
                )


def test_shape_is_kept_and_all_nan_is_fine() -> None:
    grid = np.array([[0.01, 0.02], [np.nan, 0.5]])
    q = ps.bh_adjust(grid)
    assert q.shape == (2, 2)
    np.testing.assert_allclose(q[0], [0.03, 0.03])
    assert np.all(np.isnan(ps.bh_adjust([np.nan, np.nan])))
    assert ps.bh_adjust([]).size == 0


def test_invalid_pvalues_raise() -> None:
    with pytest.raises(ValueError):
        ps.bh_adjust([0.5, 1.2])
    with pytest.raises(ValueError):
        ps.holm_adjust([-0.1])
