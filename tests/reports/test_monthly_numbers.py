"""Every number of the monthly report against an independent computation or the core's own
result for the same question; the report's tables as contracts; sentences from the tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from parity.core.analytics.funnel import funnel_report
from parity.core.analytics.ranges import desirable_ranges
from parity.core.analytics.timelines import timelines_report
from parity.core.reports.document import Document, Month, Share
from parity.core.store import Store

from .conftest import MONTH

MEMBER_STATES = (Path(__file__).resolve().parents[2] / "src" / "parity" / "core" / "reference"
                 / "data" / "un_member_states.csv")
PERIODS = {"month": ("2024-06-01", "2024-07-01"), "year_to_date": ("2024-01-01", "2024-07-01"),
           "year_earlier": ("2023-06-01", "2023-07-01")}


def sql_selections(db: Path, column: str) -> dict[str, pl.DataFrame]:
    """Plain SQL: selections per value of ``column`` of applications, by selection date."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {p: pl.DataFrame(con.execute(
            f"SELECT coalesce(CAST({column} AS VARCHAR), 'unknown') AS value, count(*) AS n "
            "FROM applications "
            "WHERE selected_date >= ? AND selected_date < ? GROUP BY 1",
            [date.fromisoformat(a), date.fromisoformat(b)]).fetchall(), schema=["value", "n"],
            orient="row") for p, (a, b) in PERIODS.items()}
    finally:
        con.close()


def as_dict(frame: pl.DataFrame, key: str, value: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in zip(frame[key], frame[value], strict=True) if v}


def test_selections_by_regional_group_equal_plain_sql(monthly: Document, report_db: Path) -> None:
    groups = pl.read_csv(MEMBER_STATES).select("iso3", "regional_group")
    table = monthly.tables()["selections_by_regional_group"].frame
    for period, counts in sql_selections(report_db, "nationality").items():
        mapped = (counts.join(groups, left_on="value", right_on="iso3", how="left")
                  .with_columns(pl.col("regional_group").fill_null("NONMEMBER"))
                  .group_by("regional_group").agg(pl.col("n").sum()))
        assert as_dict(table, "regional_group", period) == as_dict(mapped, "regional_group", "n")
        total = int(table[period].sum())
        assert total == int(counts["n"].sum()) > 0
        for r in table.iter_rows(named=True):
            assert r[f"{period}_share"] == pytest.approx(r[period] / total)


@pytest.mark.parametrize(("dim", "column"), [("gender", "gender"), ("grade", "opening_grade"),
                                             ("entity", "opening_entity"),
                                             ("posting_type", "opening_posting_type")])
def test_other_breakdowns_equal_plain_sql(monthly: Document, report_db: Path, dim: str,
                                          column: str) -> None:
    table = monthly.tables()[f"selections_by_{dim}"].frame
    for period, counts in sql_selections(report_db, column).items():
        assert as_dict(table, dim, period) == as_dict(counts, "value", "n")


def test_range_status_is_the_table_in_force_at_the_start_of_each_period(
        monthly: Document, report_store: Store, report_db: Path) -> None:
    table = monthly.tables()["selections_by_range_status"].frame
    starts = {"month": date(2024, 6, 1), "year_to_date": date(2024, 1, 1),
              "year_earlier": date(2023, 6, 1)}
    for period, counts in sql_selections(report_db, "nationality").items():
        states = desirable_ranges(report_store, starts[period]).states.select("iso3", "status")
        assert desirable_ranges(report_store, starts[period]).snapshot_date < starts[period]
        mapped = (counts.join(states, left_on="value", right_on="iso3", how="left")
                  .with_columns(pl.col("status").fill_null("no_range"))
                  .group_by("status").agg(pl.col("n").sum()))
        assert as_dict(table, "range_status", period) == as_dict(mapped, "status", "n")


@pytest.mark.parametrize("dim", ["regional_group", "gender"])
def test_verdicts_are_the_funnel_reports(monthly: Document, report_store: Store, dim: str) -> None:
    table = monthly.tables()[f"funnel_verdicts_by_{dim}"].frame
    stages = funnel_report(report_store, [dim], year_from=2023, year_to=2024).stages
    expected = stages.filter(pl.col("verdict").is_not_null()).with_columns(pl.col(dim).cast(pl.Utf8))
    cols = [dim, "stage", "previous_count", "count", "pass_rate", "reference_pass_rate",
            "selection_ratio", "q_value", "verdict"]
    assert table.select(cols).equals(expected.select(cols))
    # the others' applicants: every group's previous_count at the stage minus its own
    for r in table.iter_rows(named=True):
        same = stages.filter(pl.col("stage") == r["stage"])
        assert r["reference_previous_count"] == same["previous_count"].sum() - r["previous_count"]


def test_timeline_is_the_timelines_report(monthly: Document, report_store: Store) -> None:
    table = monthly.tables()["timeline"].frame
    where = {"month": "selection_month=2024-06",
             "year_to_date": "selection_month=" + ",".join(f"2024-{m:02d}" for m in range(1, 7)),
             "year_earlier": "selection_month=2023-06"}
    for r in table.iter_rows(named=True):
        t = timelines_report(report_store, [], where=[where[r["period"]]],
                             as_of=date(2024, 6, 30)).timelines.row(0, named=True)
        assert (r["openings"], r["median_days"], r["within_target"], r["target_days"]) == (
            t["openings"], t["median_days"], t["within_target"], 120)


CONTRACT = {
    **{f"selections_by_{d}": [d, "month", "month_share", "year_to_date", "year_to_date_share",
                              "year_earlier", "year_earlier_share"]
       for d in ("regional_group", "range_status", "gender", "grade", "entity", "posting_type")},
    **{f"funnel_verdicts_by_{d}": [d, "stage", "previous_count", "count", "pass_rate",
                                   "reference_pass_rate", "selection_ratio", "q_value", "verdict",
                                   "reference_previous_count"] for d in ("regional_group", "gender")},
    "timeline": ["period", "openings", "median_days", "within_target", "target_days"],
}


def test_tables_keep_their_contract(monthly: Document) -> None:
    tables = monthly.tables()
    assert {k: t.frame.columns for k, t in tables.items()} == CONTRACT
    assert [s.key for s in monthly.sections] == [
        "summary", "regional_group", "range_status", "gender", "grade", "entity", "posting_type",
        "funnel", "timeline"]
    assert tables["selections_by_regional_group"].frame["regional_group"].to_list() == [
        "AFR", "APG", "EEG", "GRULAC", "WEOG", "NONMEMBER"]
    assert tables["timeline"].frame["period"].to_list() == ["month", "year_to_date",
                                                            "year_earlier"]
    for t in tables.values():
        assert t.frame.schema[next(iter(t.columns))] == pl.Utf8
        for c in ("month", "year_to_date", "year_earlier", "count", "openings"):
            if c in t.frame.columns:
                assert t.frame.schema[c] == pl.Int64


def test_sentences_state_the_tables_figures(monthly: Document) -> None:
    tables = monthly.tables()
    rg = tables["selections_by_regional_group"].frame
    first = monthly.sections[0].paragraphs[0]
    assert first.values["month"] == Month(2024, 6)
    assert (first.values["count"], first.values["ytd"], first.values["earlier"]) == (
        rg["month"].sum(), rg["year_to_date"].sum(), rg["year_earlier"].sum())
    g = tables["selections_by_gender"].frame.filter(pl.col("gender") == "F")
    women = monthly.sections[0].paragraphs[2].values
    assert women["count"] == g["month"].item() and women["ytd"] == g["year_to_date"].item()
    share = women["share"]
    assert isinstance(share, Share) and share.value == pytest.approx(
        g["month"].item() / rg["month"].sum())
    for section in monthly.sections[1:7]:
        frame = tables[f"selections_by_{section.key}"].frame
        (p,) = section.paragraphs
        if "value" in p.values:
            top = frame.filter(pl.col("month") == frame["month"].max())
            assert top.height == 1 and p.values["value"].value == top[section.key].item()  # type: ignore[union-attr]
            assert p.values["count"] == top["month"].item()
    verdicts = [tables[f"funnel_verdicts_by_{d}"].frame for d in ("regional_group", "gender")]
    counted = monthly.sections[7].paragraphs[0].values
    assert counted["number"] == sum(f.height for f in verdicts)
    assert counted["adverse"] == sum(
        f.filter(pl.col("verdict") == "adverse impact").height for f in verdicts)


def test_month_must_be_a_month(report_store: Store) -> None:
    from parity.core.errors import UserInputError
    from parity.core.reports.kinds import make

    for bad in ("2024-13", "June", "2024-6"):
        with pytest.raises(UserInputError, match="is not a month"):
            make(report_store, "monthly", month=bad)
    assert MONTH == "2024-06"
