"""The inverse solver's reachable/not-reachable decision: sequential, with its Monte Carlo
error, and stable when the number of runs changes."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from parity.core.projection import BASELINE, prepare, solve
from parity.core.projection.inverse import (
    MAX_DECISION_RUNS,
    NOT_REACHABLE,
    REACHABLE,
    TOO_CLOSE,
    decide,
    mc_error,
)
from parity.core.stats.proportions import wilson_interval
from parity.core.store import Store


def _bernoulli(truth: list[float], seed: int = 0):  # type: ignore[no-untyped-def]
    """An estimator of known true probabilities from r independent draws, recording r."""
    rng = np.random.default_rng(seed)
    calls: list[int] = []

    def prob(r: int) -> np.ndarray:
        calls.append(r)
        return rng.binomial(r, truth) / r

    return prob, calls


def test_clear_cases_are_decided_with_the_first_runs() -> None:
    prob, calls = _bernoulli([0.99, 0.40])
    d = decide(prob, 0.8, 200)
    assert d.verdict == [REACHABLE, NOT_REACHABLE] and calls == [200] and d.runs == 200


def test_close_cases_take_more_runs_until_the_interval_excludes_p() -> None:
    # At 50 runs the 95 % interval is about ±0.11 wide: 0.82 cannot be told from 0.8 yet.
    prob, calls = _bernoulli([0.82], seed=3)
    d = decide(prob, 0.8, 50)
    assert calls[0] == 50 and all(b == 2 * a or b == MAX_DECISION_RUNS
                                   for a, b in itertools.pairwise(calls))
    assert d.verdict == [REACHABLE]
    lo, _ = wilson_interval(round(d.probability[0] * d.runs), d.runs)
    assert lo > 0.8
    assert len(calls) > 1


def test_a_probability_equal_to_the_target_is_too_close_to_call() -> None:
    prob, calls = _bernoulli([0.8], seed=1)
    d = decide(prob, 0.8, 200, max_runs=3200)
    assert d.verdict == [TOO_CLOSE] and calls[-1] == 3200


@pytest.mark.parametrize("truth", [0.70, 0.76, 0.85, 0.9])
def test_the_decision_does_not_depend_on_the_starting_runs(truth: float) -> None:
    verdicts = set()
    for runs in (100, 200, 400):
        prob, _ = _bernoulli([truth], seed=runs)
        verdicts.add(decide(prob, 0.8, runs).verdict[0])
    assert len(verdicts) == 1


def test_mc_error_is_the_binomial_standard_error() -> None:
    assert float(mc_error(0.8, 400)) == pytest.approx(0.02)
    assert float(mc_error(1.0, 400)) == 0.0


def test_solver_decisions_agree_between_run_counts(history_store: Store) -> None:
    inputs = prepare(history_store, BASELINE, years=6)
    tables = [solve(inputs, "women", 2026, runs=r, seed=2, iterations=5).table for r in (100, 200)]
    first, second = (t.select("level", "decision") for t in tables)
    assert first.equals(second)
    for t in tables:
        ok = t.filter(pl.col("decision") == REACHABLE)
        assert ok.height
        assert (ok["probability"] >= 0.8).all()
        assert ok["mc_error"].is_not_null().all()
        assert t["probability_at_extreme"].is_not_null().all()
