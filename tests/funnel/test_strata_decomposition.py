"""Stratified comparisons against statsmodels; stage decomposition against METHODS §1.9."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import StratifiedTable

from parity.core.analytics.funnel import funnel_report
from parity.core.store import Store, open_store

from .conftest import Cell, frames, load

GRADES = ("P-2", "P-3", "P-4", "P-5")


def _flat(x: int, n: int) -> list[int]:
    """A funnel whose only filter is screening: x of n screened, all screened selected."""
    return [n, x, x, x, x, x]


def _store(tmp: Path, cells: list[Cell]) -> Store:
    store = open_store(tmp / "parity.duckdb")
    openings, apps = frames(cells)
    load(store, tmp / "in", openings, apps)
    return store


def _stratified_cells(strata: dict[str, tuple[int, int, int, int]]) -> list[Cell]:
    """Per grade: (x_AFR, n_AFR, x_WEOG, n_WEOG) at the screening stage."""
    cells = []
    for grade, (a, b, c, d) in strata.items():
        if b:
            cells.append(Cell(_flat(a, b), nationality="KEN", grade=grade))
        if d:
            cells.append(Cell(_flat(c, d), nationality="FRA", grade=grade))
    return cells


def test_simpson_example_is_explained_by_grade(tmp_path: Path) -> None:
    """METHODS §1.6: P-2 10/20 vs 50/100, P-4 10/100 vs 2/20: crude 0.385, stratified 1."""
    cells = _stratified_cells({"P-2": (10, 20, 50, 100), "P-4": (10, 100, 2, 20)})
    with _store(tmp_path, cells) as store:
        report = funnel_report(store, ["regional_group"], strata="grade", reference="WEOG")
    assert report.stratified is not None
    row = report.stratified.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert row["crude_ratio"] == pytest.approx((20 / 120) / (52 / 120))
    assert row["pooled_ratio"] == pytest.approx(1.0)
    assert row["pooled_odds_ratio"] == pytest.approx(1.0)
    assert row["cmh_p_value"] == pytest.approx(1.0)
    assert row["simpson"] == "explained by strata"
    assert "disappears within strata" in row["message"]
    assert row["strata_used"] == 2
    crude = report.stages.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert crude["verdict"] == "adverse impact"
    assert row["verdict"] != "adverse impact"


def test_heterogeneous_example_matches_methods_and_statsmodels(tmp_path: Path) -> None:
    """METHODS §1.6: 18/30 vs 60/120 and 6/70 vs 8/40."""
    strata = {"P-3": (18, 30, 60, 120), "P-4": (6, 70, 8, 40)}
    with _store(tmp_path, _stratified_cells(strata)) as store:
        report = funnel_report(store, ["regional_group"], strata="grade", reference="WEOG")
    assert report.stratified is not None
    row = report.stratified.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert row["pooled_odds_ratio"] == pytest.approx(0.946, abs=5e-4)
    assert (row["pooled_odds_ratio_low"], row["pooled_odds_ratio_high"]) == pytest.approx(
        (0.496, 1.805), abs=5e-4)
    assert row["pooled_ratio"] == pytest.approx(0.970, abs=5e-4)
    assert (row["pooled_ratio_low"], row["pooled_ratio_high"]) == pytest.approx(
        (0.697, 1.351), abs=5e-4)
    assert row["cmh_p_value"] == pytest.approx(0.864, abs=5e-4)
    _compare_with_statsmodels(row, [strata["P-3"], strata["P-4"]])


def _greenland_robins(tables: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    r = s = num = 0.0
    for a, n1, c, n0 in tables:
        n = n1 + n0
        r += a * n0 / n
        s += c * n1 / n
        num += (n1 * n0 * (a + c) - a * c * n) / n**2
    est = r / s
    se = math.sqrt(num / (r * s))
    return est, est * math.exp(-1.959963984540054 * se), est * math.exp(1.959963984540054 * se)


def _compare_with_statsmodels(row: dict[str, object],
                              strata: list[tuple[int, int, int, int]]) -> None:
    both = [t for t in strata if t[1] > 0 and t[3] > 0]
    tables = [np.array([[a, b - a], [c, d - c]], dtype=float) for a, b, c, d in both]
    assert row["strata_used"] == len(both)
    if not both:
        assert row["pooled_ratio"] is None
        return
    st_ = StratifiedTable(tables)
    cmh = st_.test_null_odds(correction=False)
    if np.isfinite(cmh.pvalue):
        assert row["cmh_statistic"] == pytest.approx(cmh.statistic, rel=1e-9, abs=1e-12)
        assert row["cmh_p_value"] == pytest.approx(cmh.pvalue, rel=1e-9, abs=1e-12)
    else:
        assert row["cmh_p_value"] is None
    r_sum = sum(t[0, 0] * t[1, 1] / t.sum() for t in tables)
    s_sum = sum(t[0, 1] * t[1, 0] / t.sum() for t in tables)
    if r_sum > 0 and s_sum > 0:
        assert row["pooled_odds_ratio"] == pytest.approx(st_.oddsratio_pooled, rel=1e-9)
        lo, hi = st_.oddsratio_pooled_confint()
        assert row["pooled_odds_ratio_low"] == pytest.approx(lo, rel=1e-9)
        assert row["pooled_odds_ratio_high"] == pytest.approx(hi, rel=1e-9)
    gr = [(int(t[0, 0]), int(t[0].sum()), int(t[1, 0]), int(t[1].sum())) for t in tables]
    r_part = sum(a * n0 / (n1 + n0) for a, n1, _, n0 in gr)
    s_part = sum(c * n1 / (n1 + n0) for _, n1, c, n0 in gr)
    no_failures = (sum(n1 - a for a, n1, _, _ in gr) == 0
                   or sum(n0 - c for _, _, c, n0 in gr) == 0)
    if r_part > 0 and s_part > 0 and no_failures:
        # The Wald interval collapses here; the profile-likelihood interval replaces it
        # (checked against a brute-force profile in tests/stats/test_stratified_boundary.py).
        assert row["pooled_ratio"] == pytest.approx(st_.riskratio_pooled, rel=1e-9)
        assert row["pooled_ratio_low"] <= row["pooled_ratio"] <= row["pooled_ratio_high"]
    elif r_part > 0 and s_part > 0:
        est, lo, hi = _greenland_robins(gr)
        assert row["pooled_ratio"] == pytest.approx(st_.riskratio_pooled, rel=1e-9)
        assert row["pooled_ratio"] == pytest.approx(est, rel=1e-9)
        assert row["pooled_ratio_low"] == pytest.approx(lo, rel=1e-9)
        assert row["pooled_ratio_high"] == pytest.approx(hi, rel=1e-9)
    informative = all(t[0].sum() > 0 and t[1].sum() > 0 and 0 < t[:, 0].sum() < t.sum()
                      for t in tables)
    odds = row["pooled_odds_ratio"]
    if (len(tables) >= 2 and informative and isinstance(odds, float)
            and 0 < odds < math.inf and abs(odds - 1) > 1e-9):
        bd = st_.test_equal_odds(adjust=True)
        assert row["breslow_day_statistic"] == pytest.approx(bd.statistic, rel=1e-7, abs=1e-9)
        assert row["breslow_day_p_value"] == pytest.approx(bd.pvalue, rel=1e-7, abs=1e-9)


@st.composite
def strata_counts(draw: st.DrawFn) -> dict[str, tuple[int, int, int, int]]:
    grades = draw(st.lists(st.sampled_from(GRADES), min_size=1, max_size=4, unique=True))
    out = {}
    for g in grades:
        b, d = draw(st.integers(0, 40)), draw(st.integers(0, 40))
        out[g] = (draw(st.integers(0, b)), b, draw(st.integers(0, d)), d)
    return out


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(strata=strata_counts())
@example(strata={"P-2": (0, 1, 1, 1), "P-3": (0, 0, 0, 0), "P-4": (1, 2, 0, 0), "P-5": (1, 1, 0, 2)})
@example(strata={"P-3": (2, 2, 10, 20), "P-4": (2, 2, 10, 20)})
def test_stratified_statistics_match_statsmodels(tmp_path_factory: pytest.TempPathFactory,
                                                 strata: dict[str, tuple[int, int, int, int]]
                                                 ) -> None:
    if not any(t[1] for t in strata.values()) or not any(t[3] for t in strata.values()):
        return
    with _store(tmp_path_factory.mktemp("strata"), _stratified_cells(strata)) as store:
        report = funnel_report(store, ["regional_group"], strata="grade", reference="WEOG")
    assert report.stratified is not None
    row = report.stratified.filter(regional_group="AFR", stage="screened").row(0, named=True)
    _compare_with_statsmodels(row, list(strata.values()))


def test_decomposition_reproduces_methods_example(tmp_path: Path) -> None:
    """METHODS §1.9: focal 1000→600→240→60→30→10 vs reference 2000→1300→600→180→100→40."""
    cells = [Cell([1000, 600, 240, 60, 30, 10], gender="F", openings=5),
             Cell([2000, 1300, 600, 180, 100, 40], gender="M", openings=5)]
    with _store(tmp_path, cells) as store:
        report = funnel_report(store, ["gender"], reference="M", decompose=True)
    assert report.decomposition is not None and report.summary is not None
    d = report.decomposition.filter(gender="F")
    assert d["stage"].to_list() == ["screened", "assessed", "interviewed", "recommended",
                                    "selected", "overall"]
    assert d["stage_ratio"].to_list()[:5] == pytest.approx([0.923, 0.867, 0.833, 0.900, 0.833],
                                                           abs=5e-4)
    assert d["stage_ratio"][5] == pytest.approx(0.5)
    assert math.prod(d["stage_ratio"].to_list()[:5]) == pytest.approx(0.5)
    assert d["log_share"].to_list()[:5] == pytest.approx([0.115, 0.206, 0.263, 0.152, 0.263],
                                                         abs=5e-4)
    assert d["shortfall"].to_list()[:5] == pytest.approx([1.54, 2.46, 2.67, 1.33, 2.00],
                                                         abs=5e-3)
    assert d["shortfall"][5] == pytest.approx(10.0)
    assert sum(d["shortfall"].to_list()[:5]) == pytest.approx(10.0)
    assert d["se_log"][5] == pytest.approx(0.3514, abs=5e-4)
    assert d["gap_stage"][0] == "interviewed"
    stage_ratios = report.stages.filter(gender="F")["selection_ratio"].to_list()[1:]
    assert stage_ratios == pytest.approx(d["stage_ratio"].to_list()[:5])
    sentence = report.summary.filter(gender="F")["sentence"].item()
    assert sentence == ("Women are selected at 0.50 times the rate of men; the largest part "
                        "of the gap opens at interview (26% of the log ratio).")
    assert report.summary.filter(gender="M").is_empty()


def test_decomposition_identities_against_all_others(tmp_path: Path) -> None:
    cells = [Cell([500, 300, 90, 40, 20, 6], nationality="KEN"),
             Cell([400, 280, 100, 50, 30, 9], nationality="IND"),
             Cell([300, 240, 110, 60, 35, 12], nationality="FRA")]
    with _store(tmp_path, cells) as store:
        report = funnel_report(store, ["regional_group"], decompose=True)
    assert report.decomposition is not None
    for group in ("AFR", "APG", "WEOG"):
        d = report.decomposition.filter(regional_group=group)
        ratios, shortfalls = d["stage_ratio"].to_list(), d["shortfall"].to_list()
        assert math.prod(ratios[:5]) == pytest.approx(ratios[5])
        assert sum(shortfalls[:5]) == pytest.approx(shortfalls[5])
        stage = report.stages.filter(regional_group=group)["selection_ratio"].to_list()[1:]
        assert stage == pytest.approx(ratios[:5])


def test_a_stage_flagged_as_a_simpson_reversal_is_named_with_a_warning(tmp_path: Path) -> None:
    """AFR applies mostly to the grade where few pass: crude 390/1100 against 875/1100
    (ratio 0.45), but within each grade AFR passes screening more often (0.30 vs 0.25,
    0.90 vs 0.85). The whole gap opens at screening, which the sentence names, and says
    that the stratified section reverses it."""
    cells = _stratified_cells({"P-2": (300, 1000, 25, 100), "P-4": (90, 100, 850, 1000)})
    with _store(tmp_path, cells) as store:
        report = funnel_report(store, ["regional_group"], strata="grade", reference="WEOG",
                               decompose=True)
        plain = funnel_report(store, ["regional_group"], reference="WEOG", decompose=True)
    assert report.stratified is not None and report.summary is not None
    row = report.stratified.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert row["simpson"] == "reversal"
    assert row["crude_ratio"] == pytest.approx((390 / 1100) / (875 / 1100))
    assert row["pooled_ratio"] > 1
    summary = report.summary.filter(regional_group="AFR").row(0, named=True)
    assert (summary["gap_reading"], summary["gap_stage"]) == ("opens at", "screened")
    assert summary["sentence"].endswith(
        "most of the gap opens at screening (100% of the log ratio); but within grade the "
        "comparison at screening reverses (Simpson's paradox), so read it with the stratified "
        "comparison.")
    # Without strata there is nothing to flag.
    assert plain.summary is not None
    assert "Simpson" not in plain.summary.filter(regional_group="AFR")["sentence"].item()
