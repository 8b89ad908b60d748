"""Time in grade until promotion: the spells, and the statistics against statsmodels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from parity.core.analytics import careers_exposure as ce
from parity.core.analytics.careers import careers_survival, careers_survival_curves
from parity.core.analytics.careers_survival import spell_counts, survival_table
from parity.core.backend import Backend
from parity.core.ingest import ingest
from parity.core.store import Store, open_store

from ._data import write_csv

SNAPS = ("2019-12-31", "2020-12-31", "2021-12-31", "2022-12-31")


def _row(pid: str, day: str, grade: str, nat: str = "KEN") -> dict[str, object]:
    return {"snapshot_date": day, "person_id": pid, "nationality": nat, "gender": "F",
            "birth_year": 1980, "category": "P", "grade": grade, "entity": "HQA",
            "duty_station": "Nairobi", "field": False, "appointment_type": "fixed-term",
            "geo_subject": True}


@pytest.fixture(scope="module")
def spells_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder: Path = tmp_path_factory.mktemp("spells")
    staff = [
        # A: appointed P-2 in 2020, promoted to P-3 on 2021-06-01, still P-3 at the end.
        _row("A", SNAPS[1], "P-2"), _row("A", SNAPS[2], "P-3"), _row("A", SNAPS[3], "P-3"),
        # B: promoted to P-4 in 2020, separated in 2021.
        _row("B", SNAPS[0], "P-3", "FRA"), _row("B", SNAPS[1], "P-4", "FRA"),
        # C: appointed in 2020, missing from the 2021 snapshot without a separation.
        _row("C", SNAPS[1], "P-3", "FRA"), _row("C", SNAPS[3], "P-3", "FRA"),
        # D: on every snapshot, no entry in the period: no spell.
        *[_row("D", s, "P-4") for s in SNAPS],
    ]
    events = [
        {"person_id": "A", "event_date": "2020-03-01", "event": "appointment",
         "to_grade": "P-2", "to_entity": "HQA"},
        {"person_id": "A", "event_date": "2021-06-01", "event": "promotion",
         "from_grade": "P-2", "to_grade": "P-3"},
        {"person_id": "B", "event_date": "2020-05-01", "event": "promotion",
         "from_grade": "P-3", "to_grade": "P-4"},
        {"person_id": "B", "event_date": "2021-02-01", "event": "separation",
         "from_grade": "P-4", "reason": "resignation"},
        {"person_id": "C", "event_date": "2020-07-01", "event": "appointment",
         "to_grade": "P-3", "to_entity": "HQA"},
    ]
    files = [write_csv(folder / "staff.csv", "staff", staff),
             write_csv(folder / "events.csv", "events", events)]
    store = open_store(folder / "p.duckdb")
    assert ingest(files, store).rows_quarantined == 0
    return store


def test_spells_by_hand(spells_store: Store) -> None:
    backend = Backend.from_store(spells_store)
    window = ce.resolve_window(ce.snapshot_dates(backend), None, None)
    counts = spell_counts(backend, ["grade", "regional_group"], window)
    got = sorted((r["grade"], r["regional_group"], round(r["years"] * 365.25), r["promoted"],
                  r["n"]) for r in counts.iter_rows(named=True))
    assert got == sorted([
        ("P-2", "AFR", 457, 1, 1),   # A: 2020-03-01 → promoted 2021-06-01
        ("P-3", "AFR", 578, 0, 1),   # A: 2021-06-01 → end of the period, censored
        ("P-4", "WEOG", 276, 0, 1),  # B: 2020-05-01 → separated 2021-02-01, censored
        ("P-3", "WEOG", 548, 0, 1),  # C: 2020-07-01 → missing from 2021-12-31, censored
    ])


def test_survival_table_on_the_store(spells_store: Store) -> None:
    table = careers_survival(spells_store, ["regional_group"])
    assert table["spells"].sum() == 4 and table["promotions"].sum() == 1
    assert set(table["verdict"].to_list()) == {"insufficient data"}
    curves = careers_survival_curves(spells_store, ["regional_group"])
    assert curves.filter(pl.col("regional_group") == "AFR")["promotions"].to_list() == [1]


def _random_counts(seed: int) -> tuple[pl.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows = []
    for g, scale in (("AFR", 6.0), ("WEOG", 4.0), ("EEG", 5.0)):
        t = np.round(rng.exponential(scale, 300) * 365.25) / 365.25
        c = rng.uniform(0, 9, 300)
        time = np.minimum(t, c)
        event = (t <= c).astype(float)
        data[g] = (time, event)
        for x, e in zip(time, event, strict=True):
            rows.append({"regional_group": g, "years": float(x), "promoted": int(e), "n": 1})
    return pl.DataFrame(rows), data


def test_kaplan_meier_and_log_rank_equal_statsmodels() -> None:
    counts, data = _random_counts(11)
    table = survival_table(counts, ["regional_group"], [])
    for r in table.iter_rows(named=True):
        time, event = data[r["regional_group"]]
        sf = SurvfuncRight(time, event)
        assert r["median_years"] == pytest.approx(sf.quantile(0.5))
        lo, hi = sf.quantile_ci(0.5)
        assert r["median_years_low"] == pytest.approx(lo)
        assert (r["median_years_high"] or np.inf) == pytest.approx(hi)
        others = [g for g in data if g != r["regional_group"]]
        t2 = np.concatenate([data[g][0] for g in others])
        e2 = np.concatenate([data[g][1] for g in others])
        _, p = survdiff(np.concatenate([time, t2]), np.concatenate([event, e2]),
                        np.concatenate([np.zeros(time.size), np.ones(t2.size)]))
        assert r["p_value"] == pytest.approx(p, rel=1e-6)
        assert r["promoted_by"] == pytest.approx(
            1 - sf.surv_prob[np.searchsorted(sf.surv_times, 3.0, side="right") - 1])
    all_t = np.concatenate([d[0] for d in data.values()])
    all_e = np.concatenate([d[1] for d in data.values()])
    groups = np.concatenate([np.full(d[0].size, i) for i, d in enumerate(data.values())])
    _, p_all = survdiff(all_t, all_e, groups)
    assert table["logrank_p"].to_list() == pytest.approx([p_all] * 3, rel=1e-6)
    # The slowest group (AFR, mean 6 years in grade) has the lowest hazard ratio.
    hr = dict(table.select("regional_group", "ratio").iter_rows())
    assert hr["AFR"] < 1 < hr["WEOG"]
