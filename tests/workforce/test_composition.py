"""Composition: totals equal the snapshot rows; counts equal an independent recomputation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from parity.core.analytics.composition import (
    DIMENSIONS,
    composition,
    composition_change,
    composition_trend,
    dimension_names,
    snapshot_dates,
)
from parity.core.errors import EmptyStoreError, UserInputError
from parity.core.ingest import ingest
from parity.core.model import LEVEL_BANDS
from parity.core.reference import member_states
from parity.core.store import Store

from ._data import DATES, person

Generated = tuple[Store, Path]


def independent(csv_path: Path) -> pl.DataFrame:
    """The staff file read straight with polars, with the dimensions derived by hand."""
    groups = member_states().select("iso3", "regional_group")
    raw = pl.read_csv(csv_path, infer_schema=False)
    if "organization" not in raw.columns:  # a file without it loads as the default, UN
        raw = raw.with_columns(pl.lit("UN").alias("organization"))
    # field entity: at least half its staff in the field on its latest snapshot
    latest = raw.filter(pl.col("snapshot_date") == pl.col("snapshot_date").max().over("entity"))
    types = latest.group_by("entity").agg(
        ((pl.col("field") == "true").sum() * 2 >= pl.len()).alias("_f")).select(
        "entity", pl.when(pl.col("_f")).then(pl.lit("field")).otherwise(pl.lit("non-field"))
        .alias("entity_type"))
    raw = raw.join(types, on="entity", how="left")
    return raw.join(groups, left_on="nationality", right_on="iso3", how="left").with_columns(
        pl.col("snapshot_date").str.to_date(),
        pl.col("regional_group").fill_null("NONMEMBER"),
        pl.col("grade").replace_strict(LEVEL_BANDS, default=pl.col("category"))
        .alias("level_band"),
        (pl.col("field") == "true").alias("field"),
        (pl.col("geo_subject") == "true").alias("geo_subject"),
    ).with_columns(_age_band(pl.col("snapshot_date").dt.year()
                             - pl.col("birth_year").replace("", None).cast(pl.Int32)))


def _age_band(age: pl.Expr) -> pl.Expr:
    """The age bands written out by hand: under 30, 30-39, 40-49, 50-59, 60 and over."""
    return (pl.when(age.is_null()).then(pl.lit("unknown"))
            .when(age >= 60).then(pl.lit("60_and_over")).when(age >= 50).then(pl.lit("50-59"))
            .when(age >= 40).then(pl.lit("40-49")).when(age >= 30).then(pl.lit("30-39"))
            .otherwise(pl.lit("under_30")).alias("age_band"))


def test_snapshots_and_latest(generated: Generated) -> None:
    store, _ = generated
    assert snapshot_dates(store) == list(DATES)
    assert composition(store, ["gender"])["snapshot_date"].unique().to_list() == [DATES[-1]]
    mid = composition(store, ["gender"], as_of=date(2023, 6, 30))
    assert mid["snapshot_date"].unique().to_list() == [DATES[1]]


@pytest.mark.parametrize("dim", list(DIMENSIONS))
def test_totals_equal_snapshot_rows(generated: Generated, dim: str) -> None:
    store, csv_path = generated
    every = composition_trend(store, [dim]).group_by("snapshot_date").agg(
        pl.col("staff").sum(), pl.col("share").sum()).sort("snapshot_date")
    rows = store.frame("SELECT snapshot_date, count(*) AS n FROM main.staff GROUP BY ALL "
                       "ORDER BY snapshot_date")
    assert every["staff"].to_list() == rows["n"].to_list()
    assert every["share"].to_list() == pytest.approx([1.0] * len(DATES))
    # the latest snapshot against polars on the raw file
    raw = independent(csv_path).filter(pl.col("snapshot_date") == DATES[-1])
    mine = composition(store, [dim]).select(dim, "staff")
    theirs = raw.group_by(dim).len().rename({"len": "staff"}).with_columns(
        pl.col("staff").cast(pl.Int64))
    if theirs.schema[dim] == pl.Utf8:
        theirs = theirs.with_columns(pl.col(dim).replace("", None))
        theirs = theirs.group_by(dim).agg(pl.col("staff").sum())
    assert mine.sort(dim, nulls_last=True).to_dicts() == theirs.sort(
        dim, nulls_last=True).to_dicts()


def test_two_dimensions_against_duckdb_sql(generated: Generated) -> None:
    store, _ = generated
    frame = composition(store, ["grade", "gender"], scope="professional")
    sql = store.frame(
        "SELECT grade::VARCHAR AS grade, gender::VARCHAR AS gender, count(*) AS staff "
        "FROM main.staff WHERE snapshot_date = ? AND category IN ('SL','D','P') "
        "GROUP BY ALL", [DATES[-1]])
    key = ["grade", "gender"]
    assert frame.select(*key, "staff").sort(key, nulls_last=True).to_dicts() == sql.with_columns(
        pl.col("staff").cast(pl.Int64)).sort(key, nulls_last=True).to_dicts()
    within = frame.group_by("grade").agg(pl.col("share_within").sum())
    assert within["share_within"].to_list() == pytest.approx([1.0] * within.height)
    # senior grades first (USG … P-1)
    assert frame["grade"].unique(maintain_order=True).to_list()[:2] == ["USG", "ASG"]


def test_scopes(generated: Generated) -> None:
    store, _ = generated
    senior = composition(store, ["grade"], scope="senior")
    assert set(senior["grade"]) <= {"P-5", "D-1", "D-2"}
    geo = composition(store, [], scope="geo")["staff"].item()
    n = store.frame("SELECT count(*) AS n FROM main.staff WHERE geo_subject AND "
                    "snapshot_date = ?", [DATES[-1]])["n"].item()
    assert geo == n


def test_trend(generated: Generated) -> None:
    store, csv_path = generated
    trend = composition_trend(store, ["regional_group"])
    assert trend["snapshot_date"].unique().sort().to_list() == list(DATES)
    raw = independent(csv_path)
    per_date = raw.group_by("snapshot_date").len().sort("snapshot_date")["len"].to_list()
    assert trend.group_by("snapshot_date").agg(pl.col("staff").sum()).sort(
        "snapshot_date")["staff"].to_list() == per_date
    afr = trend.filter(pl.col("regional_group") == "AFR").sort("snapshot_date")
    assert afr["change"].to_list()[1:] == afr["staff"].diff().to_list()[1:]
    assert afr["change"][0] is None
    upto = composition_trend(store, ["regional_group"], date_to=DATES[1])
    assert upto["snapshot_date"].max() == DATES[1]


def test_yearly_trend_keeps_the_last_snapshot_of_each_year(store: Store, write_rows) -> None:  # type: ignore[no-untyped-def]
    dates = ["2022-06-30", "2022-12-31", "2023-03-31", "2023-09-30"]
    rows = [{**person(f"S{i}", "FRA", gender="F" if i % 2 else "M"), "snapshot_date": d}
            for j, d in enumerate(dates) for i in range(j + 2)]
    ingest([write_rows("staff", rows)], store)
    yearly = composition_trend(store, ["gender"], yearly=True)
    assert sorted(set(yearly["snapshot_date"])) == [date(2022, 12, 31), date(2023, 9, 30)]
    assert yearly.group_by("snapshot_date").agg(pl.col("staff").sum()).sort(
        "snapshot_date")["staff"].to_list() == [3, 5]
    assert yearly.filter(pl.col("gender") == "F")["change"].to_list() == [None, 1]


def test_change(generated: Generated) -> None:
    store, _ = generated
    change = composition_change(store, ["level_band"], compare=DATES[0])
    first = composition(store, ["level_band"], as_of=DATES[0])
    last = composition(store, ["level_band"])
    assert change["staff_from"].sum() == first["staff"].sum()
    assert change["staff_to"].sum() == last["staff"].sum()
    assert (change["change"] == change["staff_to"] - change["staff_from"]).all()
    assert change["share_change"].sum() == pytest.approx(0.0, abs=1e-12)
    assert change["date_from"].unique().to_list() == [DATES[0]]
    with pytest.raises(UserInputError, match="pick the same snapshot"):
        composition_change(store, ["gender"], compare=date(2024, 1, 5))


def test_user_errors(generated: Generated, store: Store) -> None:
    s, _ = generated
    with pytest.raises(UserInputError, match="'colour' is not a dimension"):
        composition(s, ["colour"])
    with pytest.raises(UserInputError, match="no staff snapshot on or before 2000-01-01"):
        composition(s, ["gender"], as_of=date(2000, 1, 1))
    with pytest.raises(UserInputError, match="not a staff scope"):
        composition(s, ["gender"], scope="junior")
    with pytest.raises(EmptyStoreError):
        composition(store, ["gender"])
    assert dimension_names(["Group", "level", "sex"]) == ["regional_group", "level_band",
                                                          "gender"]
