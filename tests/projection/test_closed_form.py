"""The simulator reproduces the flow-balance closed form of METHODS §2.4 in expectation.

A one-grade organization of 1,000 staff, everyone far from the mandatory age, leaving at
rate r and replaced by entrants with women's share h; its rates are estimated from a
million person-years, so the parameter posteriors are practically points. Then:

* the expected-value mode is the recursion itself and must match
  w_t = h + (w_0 − h)(1 − r)^t to rounding (1e-4 covers the shrinkage of an estimate
  from a million person-years, of order 1e-5);
* the Monte Carlo mean over runs is unbiased for it, so it must lie within 4 Monte
  Carlo standard errors (sample s.d. / √runs) of the closed form at every year; with
  ten years checked, the chance of a false failure is below 1e-3.
"""

from __future__ import annotations

import numpy as np

from parity.core.projection import build_inputs, simulate
from parity.core.projection.closed_form import (
    differential_exits,
    entrant_share_needed,
    flow_balance_share,
)
from parity.core.projection.scenario import BASELINE
from parity.core.projection.summarize import level_counts, shares

from ._data import homogeneous_history


def _women_share(out: object) -> np.ndarray:
    _, _, women, known = level_counts(out)  # type: ignore[arg-type]
    return shares(women, known)[:, :, -1]


def test_expected_value_mode_is_the_flow_balance_recursion() -> None:
    history = homogeneous_history(300, 700, 0.10, 0.10, 0.60)
    inputs = build_inputs(history, BASELINE, horizon=10)
    ev = _women_share(simulate(inputs, expected=True))[0]
    closed = flow_balance_share(0.3, 0.6, 0.10, np.arange(11))
    assert np.allclose(ev, closed, atol=1e-4)


def test_monte_carlo_mean_matches_the_closed_form_within_its_error() -> None:
    history = homogeneous_history(300, 700, 0.10, 0.10, 0.60)
    inputs = build_inputs(history, BASELINE, horizon=10)
    out = simulate(inputs, runs=2000, seed=11, nationalities=False)
    share = _women_share(out)
    closed = flow_balance_share(0.3, 0.6, 0.10, np.arange(11))
    mean = share.mean(0)
    se = share.std(0, ddof=1) / np.sqrt(share.shape[0])
    assert abs(mean[0] - 0.3) < 1e-12
    assert np.all(np.abs(mean[1:] - closed[1:]) <= 4 * se[1:] + 1e-4), (mean, closed, se)
    # and the runs do vary: process uncertainty is there
    assert se[5] > 0


def test_different_exit_rates_follow_the_iteration() -> None:
    history = homogeneous_history(400, 600, 0.12, 0.06, 0.5)
    inputs = build_inputs(history, BASELINE, horizon=8)
    expected = differential_exits(400, 600, 0.12, 0.06, 0.5, 8)
    assert np.allclose(_women_share(simulate(inputs, expected=True))[0], expected, atol=1e-4)
    share = _women_share(simulate(inputs, runs=1500, seed=3, nationalities=False))
    se = share.std(0, ddof=1) / np.sqrt(share.shape[0])
    assert np.all(np.abs(share.mean(0)[1:] - expected[1:]) <= 4 * se[1:] + 1e-4)


def test_required_entrant_share_worked_example() -> None:
    # METHODS §2.4: P-5 at 40 %, r = 10 %, target 47 % in three years → 65.8 %.
    assert round(float(entrant_share_needed(0.40, 0.10, 3, 0.47)), 3) == 0.658
    assert np.isclose(flow_balance_share(0.40, 0.658, 0.10, 3), 0.47, atol=1e-3)
