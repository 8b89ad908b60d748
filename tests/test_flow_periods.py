"""Flow measures are annual whatever the snapshot frequency.

One organization, simulated person by person (hire, promotion and separation dates), is
loaded three times: with yearly (31 December), quarterly and monthly snapshots of the same
people and the same events. Gender entrants and exits, career rates and the projection's
person-years must agree; a single January snapshot on top of yearly ones must not read a
month of flows as a year's.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from parity.core.analytics.careers import careers
from parity.core.analytics.gender import gender_parity
from parity.core.ingest import ingest
from parity.core.projection.history import read_history
from parity.core.store import Store, open_store

START, END = date(2019, 1, 1), date(2025, 12, 31)
SEPARATION, PROMOTION = 0.08, 0.10  # yearly hazards


def _people(seed: int = 7, stock: int = 3000, hires_per_year: int = 260) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n_hires = hires_per_year * 7
    start = np.concatenate([np.full(stock, -1), rng.integers(0, (END - START).days, n_hires)])
    n = start.size
    days_out = (rng.exponential(1 / SEPARATION, n) * 365.25).astype(int) + 1
    days_promo = (rng.exponential(1 / PROMOTION, n) * 365.25).astype(int) + 1
    base = np.maximum(start, 0)
    women = rng.random(n) < np.where(start < 0, 0.42, 0.55)
    return pl.DataFrame({
        "person_id": [f"S{i}" for i in range(n)],
        "start": [START + timedelta(days=int(s)) if s >= 0 else None for s in start],
        "end": [START + timedelta(days=int(b + d)) for b, d in zip(base, days_out, strict=True)],
        "promo": [START + timedelta(days=int(b + d)) for b, d in zip(base, days_promo,
                                                                      strict=True)],
        "gender": np.where(women, "F", "M"),
        "entity": rng.choice(["DPPA", "OCHA", "DESA"], n),
        "nationality": rng.choice(["KEN", "FRA", "BRA", "CHN", "IND"], n),
    })


def _month_ends(first: date, last: date, every: int) -> list[date]:
    out, y, m = [], first.year, first.month
    while True:
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        d = nxt - timedelta(days=1)
        if d > last:
            return out
        if (m - first.month) % every == 0:
            out.append(d)
        y, m = nxt.year, nxt.month


def _staff(people: pl.DataFrame, dates: list[date]) -> pl.DataFrame:
    snaps = pl.DataFrame({"snapshot_date": dates})
    rows = people.join(snaps, how="cross").filter(
        (pl.col("start").is_null() | (pl.col("start") <= pl.col("snapshot_date")))
        & (pl.col("end") > pl.col("snapshot_date")))
    return rows.select(
        pl.col("snapshot_date").cast(pl.Utf8), "person_id", "nationality", "gender",
        pl.lit("1980").alias("birth_year"), pl.lit("P").alias("category"),
        pl.when(pl.col("promo") <= pl.col("snapshot_date")).then(pl.lit("P-4"))
        .otherwise(pl.lit("P-3")).alias("grade"),
        "entity", pl.lit("New York").alias("duty_station"), pl.lit("false").alias("field"),
        pl.lit("continuing").alias("appointment_type"), pl.lit("true").alias("geo_subject"))


def _events(people: pl.DataFrame) -> pl.DataFrame:
    promoted = pl.col("promo") < pl.col("end")
    grade_at_end = pl.when(promoted).then(pl.lit("P-4")).otherwise(pl.lit("P-3"))
    null = pl.lit(None, pl.Utf8)
    appt = people.filter(pl.col("start").is_not_null()).select(
        "person_id", pl.col("start").alias("event_date"), pl.lit("appointment").alias("event"),
        null.alias("from_grade"), pl.lit("P-3").alias("to_grade"), null.alias("from_entity"),
        pl.col("entity").alias("to_entity"), null.alias("reason"))
    promo = people.filter(promoted & (pl.col("promo") <= END)).select(
        "person_id", pl.col("promo").alias("event_date"), pl.lit("promotion").alias("event"),
        pl.lit("P-3").alias("from_grade"), pl.lit("P-4").alias("to_grade"),
        pl.col("entity").alias("from_entity"), pl.col("entity").alias("to_entity"),
        null.alias("reason"))
    sep = people.filter(pl.col("end") <= END).select(
        "person_id", pl.col("end").alias("event_date"), pl.lit("separation").alias("event"),
        grade_at_end.alias("from_grade"), null.alias("to_grade"),
        pl.col("entity").alias("from_entity"), null.alias("to_entity"),
        pl.lit("resignation").alias("reason"))
    return pl.concat([appt, promo, sep]).with_columns(pl.col("event_date").cast(pl.Utf8))


def _store(tmp: Path, name: str, people: pl.DataFrame, dates: list[date]) -> Store:
    folder = tmp / name
    folder.mkdir()
    _staff(people, dates).write_csv(folder / "staff.csv")
    _events(people).write_csv(folder / "events.csv")
    store = open_store(folder / "parity.duckdb")
    report = ingest([folder / "staff.csv", folder / "events.csv"], store,
                    today=date(2026, 12, 6))
    assert report.rows_quarantined == 0
    return store


YEARLY = [date(y, 12, 31) for y in range(2019, 2025)]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Store]:
    tmp = tmp_path_factory.mktemp("periods")
    people = _people()
    out = {
        "yearly": _store(tmp, "yearly", people, YEARLY),
        "quarterly": _store(tmp, "quarterly", people, _month_ends(date(2019, 3, 1),
                                                                  date(2024, 12, 31), 3)),
        "monthly": _store(tmp, "monthly", people, _month_ends(date(2019, 1, 1),
                                                              date(2024, 12, 31), 1)),
        "yearly+january": _store(tmp, "mixed", people, [*YEARLY, date(2025, 1, 31)]),
    }
    yield out
    for s in out.values():
        s.close()


def test_the_stores_hold_the_same_people_at_different_frequencies(stores) -> None:
    n = {k: s.frame("SELECT count(DISTINCT snapshot_date) AS n FROM staff")["n"][0]
         for k, s in stores.items()}
    assert n == {"yearly": 6, "quarterly": 24, "monthly": 72, "yearly+january": 7}


def test_gender_flows_are_annual_whatever_the_frequency(stores) -> None:
    tables = {}
    for name in ("yearly", "quarterly", "monthly"):
        result = gender_parity(stores[name], as_of=date(2024, 12, 31))
        assert result.flow_from == date(2023, 12, 31)
        tables[name] = result.table
    # the flows and stocks are the same whatever the frequency; the parity-year columns come
    # from a projection whose rates are estimated from the snapshots given, so they differ
    projected = ["parity_year", "p_in_band_year", "p_in_band_at_target", "max_p_in_band"]
    flows = {k: t.drop(projected) for k, t in tables.items()}
    assert flows["yearly"].equals(flows["quarterly"])
    assert flows["yearly"].equals(flows["monthly"])
    total = tables["yearly"].filter(pl.col("level_band") == "Total").row(0, named=True)
    # independent check: the hand count of leavers over 2024 among the 2023-12-31 stock
    people = _people()
    stock = people.filter((pl.col("start").is_null() | (pl.col("start") <= date(2023, 12, 31)))
                          & (pl.col("end") > date(2023, 12, 31)))
    left = stock.filter(pl.col("end") <= date(2024, 12, 31)).height
    span = (date(2024, 12, 31) - date(2023, 12, 31)).days / 365.25
    assert total["exit_rate"] == pytest.approx(1 - (1 - left / stock.height) ** (1 / span))
    assert total["exit_rate"] == pytest.approx(1 - np.exp(-SEPARATION), abs=0.02)


def test_a_january_snapshot_on_top_of_yearly_ones_keeps_annual_flows(stores) -> None:
    yearly = gender_parity(stores["yearly"], as_of=date(2024, 12, 31)).table
    mixed = gender_parity(stores["yearly+january"], as_of=date(2025, 1, 31))
    assert mixed.flow_from == date(2023, 12, 31)  # closest to 2024-01-31, not 2024-12-31
    assert any("measured from 2023-12-31 to 2025-01-31" in n for n in mixed.notes)
    for band in ("P-3", "P-4", "Total"):
        a = yearly.filter(pl.col("level_band") == band).row(0, named=True)
        b = mixed.table.filter(pl.col("level_band") == band).row(0, named=True)
        # within sampling error of the yearly rate (a few thousand staff: ±3 points)
        assert b["exit_rate"] == pytest.approx(a["exit_rate"], abs=0.03), band
        assert b["entrant_women_share"] == pytest.approx(a["entrant_women_share"], abs=0.08)
        assert b["exit_rate"] > 0.05


@pytest.mark.parametrize("flow", ["separation", "promotion"])
def test_career_rates_use_person_time_whatever_the_frequency(stores, flow: str) -> None:
    # Someone hired and gone between two yearly snapshots is on no yearly snapshot, so
    # their gender is unknown there (a handful of staff-years): the rates of women and men
    # agree within sampling error, not to the last digit.
    rates = {}
    for name in ("yearly", "quarterly", "monthly"):
        t = careers(stores[name], flow, by=["gender"], year_from=2020, year_to=2024)
        rates[name] = t.filter(pl.col("gender").is_not_null()).select(
            "outcome", "gender", "count", "staff_years", "rate").sort("outcome", "gender")
    for name in ("quarterly", "monthly"):
        np.testing.assert_allclose(rates[name]["staff_years"], rates["yearly"]["staff_years"],
                                   rtol=0.005)
        # within two Poisson standard errors of the yearly rate
        y = rates["yearly"]
        se = (y["count"].cast(pl.Float64).sqrt() / y["staff_years"]).to_numpy()
        assert (np.abs(rates[name]["rate"].to_numpy() - y["rate"].to_numpy())
                <= 2 * se + 1e-12).all(), (name, rates[name], y)
    if flow == "separation":
        main = rates["monthly"].filter(pl.col("outcome") == "all")
        assert main["rate"].to_list() == pytest.approx([SEPARATION, SEPARATION], abs=0.015)


def test_projection_person_years_are_annual_whatever_the_frequency(stores) -> None:
    frames = {}
    for name in ("yearly", "quarterly", "monthly", "yearly+january"):
        h = read_history(stores[name], frozenset({"P"}))
        frames[name] = h.person_years.sort(h.person_years.columns)
        if name == "yearly+january":
            assert h.base_date == date(2025, 1, 31)
            assert any("Rates leave out 2025" in n for n in h.notes), h.notes
    assert frames["yearly"].equals(frames["quarterly"])
    assert frames["yearly"].equals(frames["monthly"])
    assert frames["yearly"].equals(frames["yearly+january"])
