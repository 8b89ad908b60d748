"""The range_status dimension in the funnel: each application labelled with the status of
its nationality's State in the desirable-range table in force, checked against a plain
recomputation from the store and the ranges' own table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from parity.core.analytics.funnel import funnel_report
from parity.core.analytics.ranges import desirable_ranges
from parity.core.dimensions import DIMENSIONS, order_of
from parity.core.store import Store


def by_nationality(db: Path, year_from: int, year_to: int) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT CAST(nationality AS VARCHAR), count(*), count(selected_date) "
            "FROM applications WHERE opening_year BETWEEN ? AND ? "
            "AND opening_posting_type <> 'recruit_from_roster' GROUP BY 1",
            [year_from, year_to]).fetchall()
    finally:
        con.close()
    return pl.DataFrame(rows, schema=["iso3", "received", "selected"], orient="row")


def test_funnel_by_range_status_uses_the_table_in_force_on_1_january(
        report_store: Store, report_db: Path) -> None:
    states = desirable_ranges(report_store, date(2024, 1, 1)).states.select("iso3", "status")
    expected = (by_nationality(report_db, 2023, 2024)
                .join(states, on="iso3", how="left")
                .with_columns(pl.col("status").fill_null("no_range"))
                .group_by("status").agg(pl.col("received").sum(), pl.col("selected").sum()))
    stages = funnel_report(report_store, ["range_status"], year_from=2023, year_to=2024).stages
    for stage in ("received", "selected"):
        got = stages.filter(pl.col("stage") == stage)
        assert dict(zip(got["range_status"], got["count"], strict=True)) == dict(
            zip(expected["status"], expected[stage], strict=True))


def test_filtering_on_range_status_keeps_those_nationals(report_store: Store,
                                                         report_db: Path) -> None:
    states = desirable_ranges(report_store, date(2024, 1, 1)).states
    below = set(states.filter(pl.col("status").is_in(["unrepresented", "underrepresented"]))
                ["iso3"].to_list())
    apps = by_nationality(report_db, 2023, 2024)
    wanted = apps.filter(pl.col("iso3").is_in(list(below)))
    stages = funnel_report(report_store, ["gender"], year_from=2023, year_to=2024,
                           where=["range_status=unrepresented,underrepresented"]).stages
    received = stages.filter(pl.col("stage") == "received")["count"].sum()
    assert received == wanted["received"].sum() > 0
    outside = funnel_report(report_store, ["gender"], year_from=2023, year_to=2024,
                            where=["range_status=no_range"]).stages
    members = set(states["iso3"].to_list())
    assert outside.filter(pl.col("stage") == "received")["count"].sum() == apps.filter(
        ~pl.col("iso3").is_in(list(members)) | pl.col("iso3").is_null())["received"].sum()


def test_range_status_is_declared_once() -> None:
    from parity.core.analytics.ranges import STATUSES

    assert order_of("range_status") == (*STATUSES, "no_range")
    assert "funnel" in DIMENSIONS["range_status"].commands
    from parity.core.analytics.funnel_dims import parse_filter
    from parity.core.errors import UserInputError

    with pytest.raises(UserInputError, match="not a value of range_status"):
        parse_filter("range_status=somewhere")
