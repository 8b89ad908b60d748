"""METHODS.md test vectors (§1.12, §1.3–§1.6, §1.9, §1.10, §0), checked as printed.

``assert_printed(value, "0.41963")`` passes when ``value`` rounds to the printed
figure: |value − printed| ≤ half a unit in its last printed digit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from parity.core import stats as ps

FOCAL = (30, 200)
REF = (60, 250)


def assert_printed(value: float, printed: str) -> None:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    target = float(printed)
    tol = 0.5 * 10.0**-decimals + 1e-12
    assert abs(float(value) - target) <= tol, f"{value!r} does not print as {printed}"


def test_assert_printed_can_fail() -> None:
    assert_printed(0.419634, "0.41963")
    with pytest.raises(AssertionError):
        assert_printed(0.419644, "0.41963")


# ---------------------------------------------------------------- §1.12 and §1.3


def test_air() -> None:
    assert_printed(ps.selection_rate_ratio(*FOCAL, *REF), "0.625")


def test_katz_interval() -> None:
    lo, hi = ps.katz_interval(*FOCAL, *REF)
    assert_printed(lo, "0.420267")
    assert_printed(hi, "0.929470")


def test_koopman_interval() -> None:
    lo, hi = ps.koopman_interval(*FOCAL, *REF)
    assert_printed(lo, "0.41963")
    assert_printed(hi, "0.92338")


def test_miettinen_nurminen_interval() -> None:
    lo, hi = ps.koopman_interval(*FOCAL, *REF, correction=True)
    assert_printed(lo, "0.41945")
    assert_printed(hi, "0.92377")


def test_newcombe_difference() -> None:
    lo, hi = ps.newcombe_difference_interval(*FOCAL, *REF)
    assert_printed(lo, "-0.161016")
    assert_printed(hi, "-0.015711")


def test_wilson_and_clopper_pearson() -> None:
    lo, hi = ps.wilson_interval(*FOCAL)
    assert_printed(lo, "0.107136")
    assert_printed(hi, "0.206056")
    lo, hi = ps.clopper_pearson_interval(*FOCAL)
    assert_printed(lo, "0.10355")
    assert_printed(hi, "0.20716")


def test_fisher() -> None:
    assert_printed(ps.fisher_exact_p(*FOCAL, *REF), "0.0180903")
    assert_printed(ps.fisher_exact_p(*FOCAL, *REF, alternative="less"), "0.01160")


def test_chi_square_and_z() -> None:
    stat, p = ps.chi_square_test(*FOCAL, *REF)
    assert_printed(stat, "5.625")
    assert_printed(p, "0.0177061")
    stat, p = ps.chi_square_test(*FOCAL, *REF, correction=True)
    assert_printed(stat, "5.077")
    assert_printed(p, "0.02425")
    z, p = ps.two_proportion_z_test(*FOCAL, *REF)
    assert_printed(z, "-2.371708")
    assert_printed(p, "0.01771")


def test_hypergeometric_sd() -> None:
    assert_printed(ps.hypergeometric_sd(*FOCAL, *REF), "-2.36907")


def test_shortfalls() -> None:
    # §1.5: pooled rate X/N = 90/450 = 0.20 → 200·0.20 − 30; reference 0.24 → 200·0.24 − 30.
    assert_printed(ps.shortfall_vs_pooled(*FOCAL, *REF), "10.0")
    assert_printed(ps.shortfall_vs_reference(*FOCAL, *REF), "18.0")
    assert ps.shortfall_to_four_fifths(*FOCAL, *REF) == 9  # ⌈38.4⌉ − 30


def test_h0_air_at_least_four_fifths() -> None:
    stat, p = ps.air_score_test(*FOCAL, *REF, value=0.8, alternative="less")
    assert_printed(p, "0.10953")
    assert_printed(p, "0.1095")  # §1.4
    assert stat < 0


def test_benjamini_hochberg_vector() -> None:
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    printed = [".01", ".04", ".084", ".084", ".084", ".10", ".1057", ".216", ".216", ".216"]
    q = ps.bh_adjust(p)
    for value, text in zip(q, printed, strict=True):
        assert_printed(value, "0" + text)


# ------------------------------------------------------------------------- §1.9


FUNNEL_FOCAL = [1000, 600, 240, 60, 30, 10]
FUNNEL_REF = [2000, 1300, 600, 180, 100, 40]


def test_funnel_example() -> None:
    d = ps.decompose_funnel(FUNNEL_FOCAL, FUNNEL_REF)
    for value, text in zip(
        d.stage_air[0], ["0.923", "0.867", "0.833", "0.900", "0.833"], strict=True
    ):
        assert_printed(value, text)
    assert_printed(np.prod(d.stage_air[0]), "0.500")
    assert_printed(d.overall_air[0], "0.500")
    for value, text in zip(d.log_share[0], ["11.5", "20.6", "26.3", "15.2", "26.3"], strict=True):
        assert_printed(100 * value, text)
    for value, text in zip(
        d.stage_se_log[0], ["0.031", "0.058", "0.128", "0.145", "0.286"], strict=True
    ):
        assert_printed(value, text)
    assert_printed(math.sqrt(np.sum(d.stage_se_log[0] ** 2)), "0.3514")
    assert_printed(d.overall_se_log[0], "0.3514")
    for value, text in zip(
        d.stage_shortfall[0], ["1.54", "2.46", "2.67", "1.33", "2.00"], strict=True
    ):
        assert_printed(value, text)
    assert_printed(np.sum(d.stage_shortfall[0]), "10.0")
    assert_printed(d.total_shortfall[0], "10.0")
    # "no single stage falls below 0.8 although the bottom line is 0.5"
    assert np.all(d.stage_air[0] > 0.8)


# ------------------------------------------------------------------------- §1.6


def test_cmh_clean_simpson() -> None:
    # P-2 stratum 10/20 vs 50/100; P-4 stratum 10/100 vs 2/20.
    tables = ps.tables_from_counts([10, 10], [20, 100], [50, 2], [100, 20])
    crude = tables.sum(axis=0)
    assert_printed(100 * crude[0, 0] / crude[0].sum(), "16.7")
    assert_printed(100 * crude[1, 0] / crude[1].sum(), "43.3")
    assert_printed(ps.selection_rate_ratio(20, 120, 52, 120), "0.385")
    assert_printed(ps.chi_square_test(20, 120, 52, 120).pvalue * 1e6, "6.6")
    assert_printed(ps.mh_odds_ratio(tables).estimate, "1.000")
    assert_printed(ps.mh_risk_ratio(tables).estimate, "1.000")
    assert_printed(ps.cmh_test(tables).pvalue, "1.0")
    verdict = ps.compare_crude_and_stratified(tables)
    assert verdict.kind == "explained by strata"
    assert verdict.crude_pvalue < 1e-5
    assert "disappears within strata" in verdict.message


def test_cmh_heterogeneous_strata() -> None:
    # 18/30 vs 60/120 and 6/70 vs 8/40.
    tables = ps.tables_from_counts([18, 6], [30, 70], [60, 8], [120, 40])
    odds = ps.mh_odds_ratio(tables)
    assert_printed(odds.estimate, "0.946")
    assert_printed(odds.lower, "0.496")
    assert_printed(odds.upper, "1.805")
    risk = ps.mh_risk_ratio(tables)
    assert_printed(risk.estimate, "0.970")
    assert_printed(risk.lower, "0.697")
    assert_printed(risk.upper, "1.351")
    assert_printed(ps.cmh_test(tables).pvalue, "0.864")
    assert_printed(ps.breslow_day_test(tables).pvalue, "0.048")
    verdict = ps.compare_crude_and_stratified(tables)
    assert verdict.heterogeneous
    assert "Breslow–Day p = 0.048" in verdict.message


# ------------------------------------------------------------------ §1.10 and §0


def test_zero_cell_example() -> None:
    lo, hi = ps.katz_interval(0, 20, 15, 100)
    assert lo == 0 and math.isnan(hi)
    lo, hi = ps.koopman_interval(0, 20, 15, 100)
    assert lo == 0
    assert_printed(hi, "1.107")
    assert_printed(ps.fisher_exact_p(0, 20, 15, 100), "0.073")


def test_power_numbers() -> None:
    n20 = ps.sample_size_for_air(0.20, air=0.8)
    n05 = ps.sample_size_for_air(0.05, air=0.8)
    assert round(n20) == 1447 and round(n05) == 6745  # §1.10
    assert round(n20 / 50) * 50 == 1450 and round(n05 / 50) * 50 == 6750  # §0 point 4
    # Power of the worked example (n = 200/250, 15 % vs 24 %): ≈ 0.66–0.67.
    power = ps.power_for_air(200, 250, 0.24, air=0.625)
    assert 0.655 <= power <= 0.675
    # A group of 1,447 at 20 % can just detect four-fifths; 1,000 cannot.
    assert ps.minimum_detectable_air(1447, 1447, 0.20) == pytest.approx(0.8, abs=1e-3)
    assert ps.minimum_detectable_air(1000, 1000, 0.20) < 0.8
