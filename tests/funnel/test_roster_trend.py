"""Roster selections as their own flow; trends by year with the Cochran–Armitage test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from parity.core.analytics.funnel import funnel_report
from parity.core.errors import UserInputError
from parity.core.store import Store, open_store

from .conftest import Cell, frames, load


def _store(tmp: Path, cells: list[Cell]) -> Store:
    store = open_store(tmp / "parity.duckdb")
    openings, apps = frames(cells)
    load(store, tmp / "in", openings, apps)
    return store


def test_roster_selections_are_a_separate_flow(tmp_path: Path) -> None:
    cells = [Cell([100, 60, 30, 20, 10, 4], nationality="KEN"),
             Cell([80, 50, 25, 15, 8, 3], nationality="FRA"),
             Cell([20, 15, 0, 0, 6, 5], nationality="KEN", posting_type="recruit_from_roster"),
             Cell([30, 25, 0, 0, 12, 9], nationality="FRA", posting_type="recruit_from_roster")]
    with _store(tmp_path, cells) as store:
        report = funnel_report(store, ["regional_group"])
    stages = {(r["regional_group"], r["stage"]): r for r in report.stages.iter_rows(named=True)}
    assert stages[("AFR", "received")]["count"] == 100
    assert stages[("AFR", "selected")]["count"] == 4
    assert stages[("WEOG", "selected")]["count"] == 3
    roster = {(r["regional_group"], r["stage"]): r for r in report.roster.iter_rows(named=True)}
    assert set(roster) == {(g, s) for g in ("AFR", "WEOG") for s in ("received", "selected")}
    assert roster[("AFR", "received")]["count"] == 20
    assert roster[("AFR", "selected")]["count"] == 5
    assert roster[("WEOG", "selected")]["count"] == 9
    assert roster[("AFR", "selected")]["share"] == pytest.approx(5 / 14)
    assert roster[("AFR", "selected")]["pass_rate"] == pytest.approx(5 / 20)
    assert roster[("AFR", "selected")]["selection_ratio"] == pytest.approx((5 / 20) / (9 / 30))
    fisher = stats.fisher_exact([[5, 15], [9, 21]]).pvalue
    assert roster[("AFR", "selected")]["p_value"] == pytest.approx(fisher)


YEARS = {2019: ([200, 120, 60, 30, 15, 8], [200, 150, 80, 40, 20, 9]),
         2020: ([220, 110, 50, 25, 12, 5], [180, 140, 75, 35, 18, 8]),
         2021: ([250, 100, 40, 20, 10, 3], [160, 130, 70, 30, 16, 7])}


def _trend_store(tmp: Path) -> Store:
    cells = []
    for year, (afr, weog) in YEARS.items():
        cells.append(Cell(afr, nationality="KEN", year=year, openings=3))
        cells.append(Cell(weog, nationality="FRA", year=year, openings=3))
    return _store(tmp, cells)


def _cochran_armitage(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> float:
    """z by the textbook formula (Agresti 2013 §5.3.5), independent of parity.core.stats."""
    p = x.sum() / n.sum()
    tbar = (n * t).sum() / n.sum()
    num = (t * (x - n * p)).sum()
    return float(num / np.sqrt(p * (1 - p) * (n * (t - tbar) ** 2).sum()))


def test_trend_by_year_and_cochran_armitage(tmp_path: Path) -> None:
    with _trend_store(tmp_path) as store:
        report = funnel_report(store, ["regional_group"], trend=True)
    assert report.trend is not None and report.trend_tests is not None
    trend = report.trend
    assert sorted(trend["year"].unique().to_list()) == [2019, 2020, 2021]
    row = trend.filter(year=2020, regional_group="AFR", stage="screened").row(0, named=True)
    assert row["count"] == 110
    assert row["pass_rate"] == pytest.approx(110 / 220)
    assert row["selection_ratio"] == pytest.approx((110 / 220) / (140 / 180))
    assert row["p_value"] == pytest.approx(
        stats.fisher_exact([[110, 110], [140, 40]]).pvalue)
    # One BH family over every year shown.
    assert trend.filter(pl.col("p_value").is_not_null()).height == 3 * 2 * 5
    years = np.array([2019.0, 2020.0, 2021.0])
    x = np.array([YEARS[y][0][1] for y in (2019, 2020, 2021)], dtype=float)
    n = np.array([YEARS[y][0][0] for y in (2019, 2020, 2021)], dtype=float)
    test = report.trend_tests.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert test["z"] == pytest.approx(_cochran_armitage(x, n, years))
    assert test["p_value"] == pytest.approx(2 * stats.norm.sf(abs(test["z"])))
    assert test["direction"] == "falling"
    assert (test["first_year"], test["last_year"], test["years"]) == (2019, 2021, 3)
    assert test["first_pass_rate"] == pytest.approx(120 / 200)
    # The rates shown beside the slope are the weighted least-squares line's (numpy's
    # polyfit with weights √n), so they move in the slope's direction.
    b, a = np.polyfit(years, x / n, 1, w=np.sqrt(n))
    assert test["slope"] == pytest.approx(b)
    assert test["trend_first_pass_rate"] == pytest.approx(a + b * 2019)
    assert test["trend_last_pass_rate"] == pytest.approx(a + b * 2021)
    assert (test["trend_last_pass_rate"] - test["trend_first_pass_rate"]) * test["slope"] > 0
    assert test["slope_pp"] == round(100 * b, 2)
    overall = report.trend_tests.filter(regional_group="AFR", stage="overall").row(0, named=True)
    xs = np.array([YEARS[y][0][5] for y in (2019, 2020, 2021)], dtype=float)
    assert overall["z"] == pytest.approx(_cochran_armitage(xs, n, years))


def test_trend_needs_two_years_and_not_year_in_by(tmp_path: Path) -> None:
    with _store(tmp_path, [Cell([50, 30, 20, 10, 5, 2], year=2020),
                           Cell([40, 30, 20, 10, 5, 2], nationality="FRA", year=2020)]) as store:
        with pytest.raises(UserInputError, match="at least two years"):
            funnel_report(store, ["regional_group"], trend=True)
        with pytest.raises(UserInputError, match="already breaks the funnel down by year"):
            funnel_report(store, ["year"], trend=True)
