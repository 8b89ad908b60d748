"""The trend of the women's share of external selections (estimation.recruitment_mix)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from parity.core.errors import SettingsError
from parity.core.projection import build_inputs, simulate
from parity.core.projection.recruitment import RecruitmentModel, build_recruitment
from parity.core.projection.scenario import BASELINE, parse_scenario
from parity.core.projection.sex_trend import TREND_YEARS, fit_logistic
from parity.core.projection.structure import build_structure

from ._data import homogeneous_history

YEARS = list(range(2018, 2024))
EMPTY_APPT = pl.DataFrame(schema={"grade": pl.Utf8, "gender": pl.Utf8, "age": pl.Int64, "n": pl.Int64})
EMPTY_GEO = pl.DataFrame(schema={"grade": pl.Utf8, "nationality": pl.Utf8, "n": pl.Int64})


def _model(women: dict[str, list[int]], total: dict[str, list[int]], mix: str = "trend",
           prior: float = 5.0) -> RecruitmentModel:
    """Selections by grade and posting year (YEARS): ``women`` of ``total``."""
    rows = []
    for g in women:
        for y, w, n in zip(YEARS, women[g], total[g], strict=True):
            rows += [{"year": y, "grade": g, "gender": "F", "selected": w},
                     {"year": y, "grade": g, "gender": "M", "selected": n - w}]
    sel = pl.DataFrame(rows)
    apps = sel.group_by("grade", "gender").agg(pl.col("selected").sum()).with_columns(
        pl.lit("FRA").alias("nationality"), pl.lit(False).alias("internal"),
        (pl.col("selected") * 10).alias("applications"))
    return build_recruitment(build_structure("professional"), apps, EMPTY_APPT, EMPTY_GEO, prior,
                             sel, mix)


def test_logistic_fit_matches_statsmodels_glm() -> None:
    x = np.array(YEARS, dtype=float) - 2020.5
    X = np.column_stack([np.ones_like(x), x])
    n = np.array([40.0, 55.0, 38.0, 61.0, 47.0, 52.0])
    k = np.array([18.0, 27.0, 20.0, 35.0, 29.0, 33.0])
    coef, cov = fit_logistic(X, k, n)
    glm = sm.GLM(np.column_stack([k, n - k]), X, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(coef, glm.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(cov, glm.cov_params(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), glm.bse, rtol=1e-6)
    # a prior on the slope pulls it toward 0; a very tight one removes it
    shrunk, _ = fit_logistic(X, k, n, np.array([0.0, 1.0 / 0.05 ** 2]))
    assert 0 < shrunk[1] < coef[1]
    flat, _ = fit_logistic(X, k, n, np.array([0.0, 1e12]))
    assert abs(flat[1]) < 1e-8
    np.testing.assert_allclose(1 / (1 + np.exp(-flat[0])), k.sum() / n.sum(), rtol=1e-8)


def test_flat_history_has_no_slope_and_the_constant_mean() -> None:
    women = {"P-3": [60] * 6, "P-4": [30] * 6, "D-1": [5] * 6}
    total = {"P-3": [100] * 6, "P-4": [80] * 6, "D-1": [12] * 6}
    model = _model(women, total)
    assert model.trend is not None
    (ladder,) = model.trend.ladders
    assert np.abs(ladder.slopes()).max() < 1e-8
    constant = model.sex_mix(None, 1)[0, :, 0]
    # the posterior mode is the constant mix's mean (Dirichlet with the same pseudo-counts) …
    mode = 1 / (1 + np.exp(-ladder.coef[:ladder.grades.size]))
    np.testing.assert_allclose(mode, constant[ladder.grades], rtol=1e-9)
    # … and the posterior mean E[expit(η)] is close to it in the first years (12 selections
    # a year at D-1 is the largest gap); later the slope's uncertainty moves the mean share
    # (not the median) slightly toward one half
    path = model.sex_mix_path(None, None, 1, range(2024, 2035))[0, :, :, 0]
    np.testing.assert_allclose(path[:3], np.broadcast_to(constant, path[:3].shape), atol=3e-3)
    gap = path - constant
    assert np.abs(gap).max() < 0.01 and (gap * (0.5 - constant) >= -1e-4).all()
    # the constant setting ignores the years
    same = _model(women, total, mix="constant")
    assert same.trend is None
    np.testing.assert_array_equal(same.sex_mix_path(None, None, 1, [2024, 2025])[0, 1], same.sex_mix(None, 1)[0])


def test_rising_history_is_extrapolated_then_held() -> None:
    total = {"P-3": [200] * 6, "P-5": [60] * 6}
    women = {"P-3": [90, 96, 102, 108, 114, 120], "P-5": [24, 26, 28, 31, 33, 35]}
    model = _model(women, total)
    st = model.structure
    years = np.arange(2024, 2024 + TREND_YEARS + 6)
    w = model.sex_mix_path(None, None, 1, years)[0, :, :, 0]
    p3 = st.grade_index("P-3")
    assert w[0, p3] > 120 / 200 and (np.diff(w[:TREND_YEARS, p3]) > 0).all()
    # no movement beyond TREND_YEARS after the last posting year (2023)
    np.testing.assert_allclose(w[TREND_YEARS - 1:, p3], w[TREND_YEARS - 1, p3], atol=1e-12)
    assert w.max() < 1.0
    # a grade without data follows the ladder's slope from its prior level
    d2 = st.grade_index("D-2")
    assert w[5, d2] > w[0, d2]


def test_monte_carlo_mean_approaches_the_deterministic_path() -> None:
    total = {"P-3": [150] * 6, "P-4": [40] * 6}
    women = {"P-3": [60, 66, 70, 75, 81, 84], "P-4": [14, 15, 17, 18, 18, 21]}
    model = _model(women, total)
    years = np.arange(2024, 2031)
    runs = 20_000
    rng = np.random.default_rng(1)
    draws = model.sex_mix_path(rng, np.random.default_rng(2), runs, years)
    mean = model.sex_mix_path(None, None, 1, years)[0]
    se = draws.std(0) / np.sqrt(runs)
    assert (np.abs(draws.mean(0) - mean) <= 4 * se + 1e-9).all()
    # the spread of the share grows with the horizon (the slope is uncertain)
    p4 = model.structure.grade_index("P-4")
    assert draws[:, -1, p4, 0].std() > draws[:, 0, p4, 0].std()


def _rising_history() -> object:
    h = homogeneous_history(200, 200, 0.08, 0.08, 0.5)
    rows = []
    for i, y in enumerate(YEARS):
        rows += [{"year": y, "grade": "P-3", "gender": "F", "selected": 40 + 4 * i},
                 {"year": y, "grade": "P-3", "gender": "M", "selected": 60 - 4 * i}]
    sel = pl.DataFrame(rows).with_columns(pl.lit("selection").alias("source"))
    return replace(h, selections=sel)


def test_the_trend_moves_the_projection_and_its_expected_mode_tracks_the_mean() -> None:
    h = _rising_history()
    trend = parse_scenario({"name": "t", "estimation": {"recruitment_mix": "trend"}}, "t.yaml")
    inputs = build_inputs(h, trend, horizon=4)  # type: ignore[arg-type]
    flat = build_inputs(h, BASELINE, horizon=4)  # type: ignore[arg-type]
    g = inputs.structure.grade_index("P-3")
    exp_t = simulate(inputs, expected=True, nationalities=False)
    exp_c = simulate(flat, expected=True, nationalities=False)
    women_t = exp_t.recruited[0, :, g, 0] / exp_t.recruited[0, :, g].sum(-1)
    women_c = exp_c.recruited[0, :, g, 0] / exp_c.recruited[0, :, g].sum(-1)
    assert (np.diff(women_t) > 0).all() and (women_t > women_c + 0.02).all()
    mc = simulate(inputs, runs=2000, seed=3, nationalities=False)
    mc_women = mc.recruited[:, :, g, 0].sum(0) / mc.recruited[:, :, g].sum((0, -1))
    np.testing.assert_allclose(mc_women, women_t, atol=0.01)


def test_a_scenario_womens_share_overrides_the_trend() -> None:
    h = _rising_history()
    lever = parse_scenario({"name": "w", "estimation": {"recruitment_mix": "trend"},
                            "recruitment": {"women_share": [
                                {"share": 0.3, "grades": ["P-3"], "from_year": 2026,
                                 "applies_to": ["recruitment"]}]}}, "w.yaml")
    inputs = build_inputs(h, lever, horizon=4)  # type: ignore[arg-type]
    g = inputs.structure.grade_index("P-3")
    out = simulate(inputs, expected=True, nationalities=False)
    women = out.recruited[0, :, g, 0] / out.recruited[0, :, g].sum(-1)
    years = inputs.years[1:]
    assert women[years.index(2025)] > 0.5  # the trend before the lever starts
    np.testing.assert_allclose(women[years.index(2026):], 0.3, atol=1e-12)


def test_an_unknown_mix_names_the_file_the_key_and_the_fix() -> None:
    with pytest.raises(SettingsError) as err:
        parse_scenario({"name": "x", "estimation": {"recruitment_mix": "linear"}}, "my.yaml")
    text = str(err.value)
    assert "my.yaml" in text and "estimation.recruitment_mix" in text
    assert "'trend'" in text and "Fix" in text
    assert parse_scenario({"name": "x"}, "my.yaml").estimation.recruitment_mix == "constant"
