"""Recruitment timelines: Kaplan–Meier with open recruitments censored, against statsmodels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from parity.core.analytics.timelines import timelines_report
from parity.core.errors import UserInputError
from parity.core.store import Store, open_store

from .conftest import load

START = date(2022, 1, 3)
RNG = np.random.default_rng(7)
# 39 openings: with this draw no Kaplan–Meier step lands exactly on 0.25, 0.5 or 0.75, where
# the strict "S(t) < 1 − p" rule would depend on floating-point rounding of the product.
N = 39
#: Days from posting to selection, or None for an opening still open.
DURATIONS: list[int | None] = [
    None if RNG.random() < 0.25 else int(RNG.integers(75, 260)) for _ in range(N)]
ENTITIES = ["MONUSCO" if k % 3 == 0 else "DPPA" for k in range(N)]
GRADES = ["P-3" if k % 2 else "P-4" for k in range(N)]


def _iso(d: date) -> str:
    return d.isoformat()


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    op, ap = [], []
    for k in range(N + 1):
        roster = k == N
        posted = START + timedelta(days=5 * k)
        op.append({"opening_id": f"JO{k}", "entity": "DPPA" if roster else ENTITIES[k],
                   "grade": "P-3" if roster else GRADES[k], "job_family": "Finance",
                   "posting_type": "recruit_from_roster" if roster else "position_specific",
                   "posted_date": _iso(posted), "closed_date": _iso(posted + timedelta(days=30))})
        d = 100 if roster else DURATIONS[k]
        for i in range(2):  # one candidate goes further than the other
            row = {"application_id": f"A{k}-{i}", "opening_id": f"JO{k}",
                   "applicant_id": f"P{k}-{i}", "nationality": "KEN", "gender": "F",
                   "education_country": "KEN", "internal": "false",
                   "received_date": _iso(posted + timedelta(days=2 + i))}
            stages = [("screened", 40), ("recommended", 70)] if roster else [
                ("screened", 40), ("assessed", 50), ("interviewed", 60), ("recommended", 70)]
            for stage, day in stages:
                row[f"{stage}_date"] = _iso(posted + timedelta(days=day + i))
            if i == 0 and d is not None:
                row["selected_date"] = _iso(posted + timedelta(days=d))
            ap.append(row)
    staff = pl.DataFrame({
        "snapshot_date": ["2022-12-31"] * 3, "person_id": ["S1", "S2", "S3"],
        "nationality": ["KEN"] * 3, "gender": ["F"] * 3, "birth_year": ["1980"] * 3,
        "category": ["P"] * 3, "grade": ["P-3"] * 3, "entity": ["MONUSCO", "MONUSCO", "DPPA"],
        "duty_station": ["Goma", "Goma", "New York"], "field": ["true", "false", "false"],
        "appointment_type": ["fixed-term"] * 3, "geo_subject": ["true"] * 3})
    cols = ["application_id", "opening_id", "applicant_id", "nationality", "gender",
            "education_country", "internal", "received_date", "screened_date", "assessed_date",
            "interviewed_date", "recommended_date", "rostered_date", "selected_date"]
    apps = pl.DataFrame(ap).with_columns(pl.lit(None, pl.Utf8).alias("rostered_date"))
    for c in cols:
        if c not in apps.columns:
            apps = apps.with_columns(pl.lit(None, pl.Utf8).alias(c))
    return pl.DataFrame(op), apps.select(cols), staff


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("timelines")
    openings, apps, staff = _frames()
    s = open_store(tmp / "parity.duckdb")
    load(s, tmp / "in", openings, apps, staff)
    yield s
    s.close()


def _last_date() -> date:
    dates = [START + timedelta(days=5 * k + d) for k, d in enumerate(DURATIONS) if d is not None]
    dates += [START + timedelta(days=5 * k + 71) for k in range(N + 1)]
    return max(dates)


def _expected(keep: list[int], as_of: date) -> tuple[np.ndarray, np.ndarray]:
    t = [DURATIONS[k] if DURATIONS[k] is not None else
         (as_of - (START + timedelta(days=5 * k))).days for k in keep]
    e = [DURATIONS[k] is not None for k in keep]
    return np.array(t, dtype=float), np.array(e, dtype=float)


def _survival_at(sf: SurvfuncRight, t: float) -> float:
    idx = np.flatnonzero(sf.surv_times <= t)
    return 1.0 if idx.size == 0 else float(sf.surv_prob[idx[-1]])


def _check(row: dict[str, object], keep: list[int], as_of: date) -> None:
    t, e = _expected(keep, as_of)
    sf = SurvfuncRight(t, e)
    assert all(np.abs(sf.surv_prob - q).min() > 1e-9 for q in (0.25, 0.5, 0.75))
    assert row["openings"] == len(keep)
    assert row["selected"] == int(e.sum())
    assert row["censored"] == int(len(keep) - e.sum())
    assert row["median_days"] == pytest.approx(sf.quantile(0.5))
    assert row["p25_days"] == pytest.approx(sf.quantile(0.25))
    assert row["p75_days"] == pytest.approx(sf.quantile(0.75), nan_ok=True) or \
        row["p75_days"] is None
    low, high = sf.quantile_ci(0.5)
    assert row["median_days_low"] == pytest.approx(low)
    assert row["median_days_high"] == pytest.approx(high)
    assert row["within_target"] == pytest.approx(1 - _survival_at(sf, 120))
    done = t[e == 1]
    assert row["selections_within_target"] == pytest.approx(np.mean(done <= 120))


def test_time_to_selection_matches_statsmodels(store: Store) -> None:
    report = timelines_report(store, ["entity_type"])
    as_of = _last_date()
    assert report.as_of == as_of
    rows = {r["entity_type"]: r for r in report.timelines.iter_rows(named=True)}
    assert set(rows) == {"all", "field", "non-field"}
    _check(rows["all"], list(range(N)), as_of)
    _check(rows["field"], [k for k in range(N) if ENTITIES[k] == "MONUSCO"], as_of)
    _check(rows["non-field"], [k for k in range(N) if ENTITIES[k] == "DPPA"], as_of)
    assert rows["all"]["target_days"] == 120


def test_censoring_date_and_grade_breakdown(store: Store) -> None:
    as_of = date(2022, 9, 30)
    report = timelines_report(store, ["grade"], as_of=as_of, target_days=150)
    row = report.timelines.filter(grade="P-4").row(0, named=True)
    keep = [k for k in range(N) if GRADES[k] == "P-4"
            and START + timedelta(days=5 * k) <= as_of]
    durations = [d if d is not None and START + timedelta(days=5 * k + d) <= as_of else None
                 for k, d in ((k, DURATIONS[k]) for k in keep)]
    t = np.array([d if d is not None else (as_of - (START + timedelta(days=5 * k))).days
                  for k, d in zip(keep, durations, strict=True)], dtype=float)
    e = np.array([d is not None for d in durations], dtype=float)
    sf = SurvfuncRight(t, e)
    assert row["openings"] == len(keep)
    assert row["selected"] == int(e.sum())
    assert row["median_days"] == pytest.approx(sf.quantile(0.5), nan_ok=True)
    assert row["within_target"] == pytest.approx(1 - _survival_at(sf, 150))


def test_stage_durations_and_roster_openings(store: Store) -> None:
    report = timelines_report(store)
    stages = {(r["from_stage"], r["to_stage"]): r for r in report.stages.iter_rows(named=True)}
    assert stages[("posted", "deadline")]["median_days"] == 30
    assert stages[("deadline", "screened")]["median_days"] == 10
    assert stages[("screened", "assessed")]["median_days"] == 10
    assert stages[("interviewed", "recommended")]["completed"] == N
    sel = stages[("recommended", "selected")]
    assert sel["completed"] == sum(d is not None for d in DURATIONS)
    assert ("screened", "recommended") not in stages  # roster openings are out of scope
    roster = timelines_report(store, where=["posting_type=recruit_from_roster"])
    assert roster.timelines["openings"].to_list() == [1]
    assert roster.timelines["median_days"].to_list() == [100]
    rs = {(r["from_stage"], r["to_stage"]) for r in roster.stages.iter_rows(named=True)}
    assert ("screened", "recommended") in rs and ("screened", "assessed") not in rs


def test_timeline_errors(store: Store) -> None:
    with pytest.raises(UserInputError, match="cannot be filtered by nationality"):
        timelines_report(store, where=["nationality=KEN"])
    with pytest.raises(UserInputError, match="is not a dimension"):
        timelines_report(store, ["gender"])
    with pytest.raises(UserInputError, match="No job openings match"):
        timelines_report(store, year_from=2030)
