"""Seed 000 Table 1: the rostered and promotions rows are reproduced exactly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from parity.core.analytics.careers import careers, careers_counts
from parity.core.store import Store
from parity.core.synth.calibration import table1

from . import _table1


def _by_group(frame: pl.DataFrame, outcome: str) -> dict[str, dict[str, object]]:
    return {r["regional_group"]: r for r in frame.filter(pl.col("outcome") == outcome)
            .iter_rows(named=True)}


def test_rostered_row_counts_and_shares(table1_store: tuple[Store, Path]) -> None:
    store, _ = table1_store
    frame = careers(store, "roster", ["regional_group"], 2018, 2022, scope="professional")
    rows = _by_group(frame, "membership")
    total = sum(_table1.ROSTERED.values())
    assert total == 43_656
    for g, want in _table1.ROSTERED.items():
        assert rows[g]["count"] == want
        assert rows[g]["share"] == pytest.approx(want / total, abs=1e-15)
        assert round(100 * rows[g]["share"], 1) == _table1.ROSTERED_PCT[g]
    # Non-member nationals are counted but stay out of the five-group shares.
    assert rows["NONMEMBER"]["count"] == 12 and rows["NONMEMBER"]["share"] is None
    # The denominator is every application received for those openings.
    assert rows["AFR"]["total"] == 8_172 + 817


def test_promotions_row_counts_and_shares(table1_store: tuple[Store, Path]) -> None:
    store, _ = table1_store
    frame = careers(store, "promotion", ["regional_group"], 2018, 2022, scope="professional")
    rows = _by_group(frame, "promotion")
    total = sum(_table1.PROMOTIONS.values())
    assert total == 2_619
    for g, want in _table1.PROMOTIONS.items():
        assert rows[g]["count"] == want
        assert rows[g]["share"] == pytest.approx(want / total, abs=1e-15)
        assert round(100 * rows[g]["share"], 1) == _table1.PROMOTIONS_PCT[g]
    assert rows["NONMEMBER"]["count"] == 9 and rows["NONMEMBER"]["share"] is None


def test_scope_and_years_matter(table1_store: tuple[Store, Path]) -> None:
    """Without the scope and the years, the noise around Table 1 is counted too."""
    store, _ = table1_store
    everything = careers_counts(store, "promotion", ["regional_group"])
    afr = everything.filter(pl.col("regional_group") == "AFR")["count"].sum()
    assert afr == 463 + 20 + 15  # window and General Service promotions included
    roster = careers_counts(store, "roster", ["regional_group"])
    afr = roster.filter((pl.col("regional_group") == "AFR") & (pl.col("outcome") == "membership"))
    assert afr["count"].sum() == 8_172 + 50 + 30


def test_roster_conversion(table1_store: tuple[Store, Path]) -> None:
    store, _ = table1_store
    frame = careers(store, "roster", ["regional_group"], 2018, 2022, scope="professional")
    rows = _by_group(frame, "conversion")
    for g, want in _table1.CONVERTED.items():
        assert rows[g]["count"] == want
        assert rows[g]["total"] == _table1.ROSTERED[g]  # distinct roster members


def test_matches_the_synthetic_generators_own_table1(table1_store: tuple[Store, Path]) -> None:
    """An independent implementation (parity.core.synth.calibration) on the same files."""
    _, folder = table1_store
    frames = {name: pl.read_csv(folder / f"{name}.csv", infer_schema_length=0)
              for name in ("staff", "openings", "applications", "events")}
    t1 = table1(frames["staff"], frames["openings"], frames["applications"], frames["events"])
    for row, target in (("rostered", _table1.ROSTERED), ("promotions", _table1.PROMOTIONS)):
        got = dict(t1.filter(pl.col("row") == row).select("regional_group", "count").iter_rows())
        assert got == target
