"""NaN in, NaN out: every statistics function returns NaN for an entry with a missing
input, as the package docstring promises (never a number, never an exception)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from parity.core import stats as S
from parity.core.stats import stratified as ST

NAN = float("nan")

SCALAR_CASES: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "wilson_interval": (S.wilson_interval, (3, 10)),
    "clopper_pearson_interval": (S.clopper_pearson_interval, (3, 10)),
    "selection_rate_ratio": (S.selection_rate_ratio, (3, 10, 4, 10)),
    "koopman_interval": (S.koopman_interval, (3, 10, 4, 10)),
    "katz_interval": (S.katz_interval, (3, 10, 4, 10)),
    "newcombe_difference_interval": (S.newcombe_difference_interval, (3, 10, 4, 10)),
    "fisher_exact_p": (S.fisher_exact_p, (3, 10, 4, 10)),
    "chi_square_test": (S.chi_square_test, (3, 10, 4, 10)),
    "two_proportion_z_test": (S.two_proportion_z_test, (3, 10, 4, 10)),
    "hypergeometric_sd": (S.hypergeometric_sd, (3, 10, 4, 10)),
    "air_score_test": (S.air_score_test, (3, 10, 4, 10)),
    "poisson_rate_interval": (S.poisson_rate_interval, (3, 10.0)),
    "rate_ratio_exact": (S.rate_ratio_exact, (3, 10.0, 4, 10.0)),
    "shortfall_vs_pooled": (S.shortfall_vs_pooled, (3, 10, 4, 10)),
    "shortfall_vs_reference": (S.shortfall_vs_reference, (3, 10, 4, 10)),
    "shortfall_to_four_fifths": (S.shortfall_to_four_fifths, (3, 10, 4, 10)),
    "power_for_air": (S.power_for_air, (10, 100, 0.3)),
    "minimum_detectable_air": (S.minimum_detectable_air, (10, 100, 0.3)),
}


def _numbers(result: object) -> Iterator[np.ndarray]:
    if isinstance(result, tuple | list):
        for item in result:
            yield from _numbers(item)
    elif hasattr(result, "__dataclass_fields__"):
        for name in result.__dataclass_fields__:  # type: ignore[attr-defined]
            yield from _numbers(getattr(result, name))
    elif isinstance(result, float | int | np.floating | np.ndarray):
        yield np.asarray(result, dtype=np.float64)


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
def test_a_missing_argument_gives_nan(name: str) -> None:
    func, args = SCALAR_CASES[name]
    for position in range(len(args)):
        call = list(args)
        call[position] = NAN
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = func(*call)
        for value in _numbers(result):
            assert np.all(np.isnan(value)), (name, position, result)


def test_koopman_with_nan_is_not_a_huge_number() -> None:
    # The case that once returned (1.1e26, inf).
    lower, upper = S.koopman_interval(NAN, 10, 3, 10)
    assert np.isnan(lower) and np.isnan(upper)


def test_nan_blanks_only_its_own_entry() -> None:
    lower, upper = S.koopman_interval([NAN, 3], [10, 10], [3, 4], [10, 10])
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    expected = S.koopman_interval(3, 10, 4, 10)
    assert lower[1] == pytest.approx(expected.lower) and upper[1] == pytest.approx(expected.upper)


@pytest.mark.parametrize("func", [ST.mh_odds_ratio, ST.mh_risk_ratio])
def test_a_missing_cell_in_one_stratum_blanks_the_pooled_ratio(func: Callable[..., Any]) -> None:
    tables = ST.tables_from_counts([[NAN, 2], [1, 2]], [[5, 5], [5, 5]],
                                   [[3, 4], [3, 4]], [[10, 10], [10, 10]])
    result = func(tables)
    for value in _numbers(result):
        assert np.isnan(value[0])
    complete = func(tables[1])
    assert result.estimate[1] == pytest.approx(complete.estimate)


def test_stratified_tests_and_rate_ratio_propagate_nan() -> None:
    tables = ST.tables_from_counts([NAN, 2], [5, 5], [3, 4], [10, 10])
    assert np.isnan(ST.cmh_test(tables).pvalue)
    assert np.isnan(ST.breslow_day_test(tables).pvalue)
    pooled = S.mh_rate_ratio([3, 2], [10.0, NAN], [4, 1], [10.0, 4.0])
    assert all(np.isnan(v) for v in _numbers(pooled))
    trend = S.cochran_armitage_test([NAN, 2, 3], [10, 10, 10])
    assert all(np.isnan(v) for v in _numbers(trend))
