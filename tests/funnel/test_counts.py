"""The one count table against a hand-written DuckDB query and a polars recomputation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from parity.core import reference
from parity.core.analytics.funnel_counts import CountRequest, count_table
from parity.core.analytics.funnel_dims import parse_filters
from parity.core.backend import Backend
from parity.core.store import Store, open_store

from .conftest import STAGES, Cell, frames, load

CELLS = [
    Cell([40, 30, 12, 8, 5, 2], nationality="KEN", gender="F", grade="P-2", year=2019,
         education_country="GBR", internal=True, openings=3),
    Cell([25, 20, 9, 6, 3, 1], nationality="NGA", gender="M", grade="P-4", entity="MONUSCO",
         year=2020, education_country="NGA", openings=2),
    Cell([30, 15, 7, 4, 2, 1], nationality="FRA", gender=None, grade="P-4", year=2021,
         education_country=None, internal=None, job_family="Finance"),
    Cell([12, 9, 5, 3, 2, 1], nationality="XXX", gender="X", grade="G-5", year=2020,
         education_country="XXX", internal=False),
    Cell([18, 10, 0, 0, 4, 3], nationality="IND", gender="F", grade="P-3", year=2021,
         posting_type="recruit_from_roster", education_country="USA", openings=2),
    Cell([22, 14, 6, 4, 2, 0], nationality="BRA", gender="M", grade="D-1", year=2019,
         posting_type="generic", education_country="BRA", job_family=""),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, pl.DataFrame]]:
    tmp = tmp_path_factory.mktemp("counts")
    openings, apps = frames(CELLS)
    staff = pl.DataFrame({
        "snapshot_date": ["2021-12-31", "2021-12-31", "2021-12-31"],
        "person_id": ["S1", "S2", "S3"], "nationality": ["KEN", "FRA", "IND"],
        "gender": ["F", "M", "F"], "birth_year": ["1980", "1975", "1990"],
        "category": ["P", "P", "P"], "grade": ["P-3", "P-4", "P-2"],
        "entity": ["MONUSCO", "MONUSCO", "DPPA"], "duty_station": ["Goma", "Goma", "New York"],
        "field": ["true", "true", "false"], "appointment_type": ["fixed-term"] * 3,
        "geo_subject": ["true"] * 3})
    store = open_store(tmp / "parity.duckdb")
    load(store, tmp / "in", openings, apps, staff)
    yield store, _labelled(openings, apps)
    store.close()


def _labelled(openings: pl.DataFrame, apps: pl.DataFrame) -> pl.DataFrame:
    """Every application with its labels, recomputed in polars from the CSV frames."""
    region = dict(zip(reference.country_regions()["iso3"], reference.country_regions()[
        "regional_group"], strict=True))
    bands = {"P-2": "P-1/P-2", "P-3": "P-3", "P-4": "P-4", "D-1": "D-1/D-2", "G-5": "GS"}
    j = apps.join(openings, on="opening_id")
    empty = pl.lit("")
    return j.with_columns(
        regional_group=pl.col("nationality").replace_strict(region),
        gender=pl.when(pl.col("gender") == empty).then(pl.lit("unknown")).otherwise("gender"),
        education_region=pl.when(pl.col("education_country") == empty).then(pl.lit("unknown"))
        .otherwise(pl.col("education_country").replace_strict(region, default="NONMEMBER")),
        internal=pl.when(pl.col("internal") == "true").then(pl.lit("internal"))
        .when(pl.col("internal") == "false").then(pl.lit("external")).otherwise(pl.lit("unknown")),
        level_band=pl.col("grade").replace_strict(bands),
        job_family=pl.when(pl.col("job_family") == empty).then(pl.lit("unknown"))
        .otherwise("job_family"),
        entity_type=pl.when(pl.col("entity") == "MONUSCO").then(pl.lit("field"))
        .otherwise(pl.lit("non-field")),
        year=pl.col("posted_date").str.slice(0, 4).cast(pl.Int64),
        roster=pl.col("posting_type") == "recruit_from_roster",
        **{s: pl.col(f"{s}_date") != empty for s in STAGES},
    )


def _expected(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return (frame.group_by([*keys, "roster"])
            .agg(pl.col(s).cast(pl.Int64).sum() for s in STAGES).sort([*keys, "roster"]))


CASES: list[tuple[list[str], list[str], int | None, int | None]] = [
    (["regional_group"], [], None, None),
    (["regional_group", "gender"], [], None, None),
    (["education_region", "internal"], [], 2019, 2020),
    (["nationality"], ["grade=P-2,P-4"], None, None),
    (["level_band", "entity_type"], ["regional_group!=WEOG"], None, None),
    (["gender"], ["gender=unknown,X"], None, None),
    (["job_family", "year"], ["entity_type=field"], None, None),
    (["regional_group"], ["internal!=internal", "level_band=P-1/P-2,P-4"], None, None),
]


@pytest.mark.parametrize(("keys", "where", "year_from", "year_to"), CASES)
def test_count_table_matches_polars_recomputation(loaded: tuple[Store, pl.DataFrame],
                                                  keys: list[str], where: list[str],
                                                  year_from: int | None,
                                                  year_to: int | None) -> None:
    store, labelled = loaded
    got = count_table(Backend.from_store(store),
                      CountRequest(tuple(keys), year_from, year_to, parse_filters(where)))
    frame = labelled
    if year_from is not None:
        frame = frame.filter(pl.col("year") >= year_from)
    if year_to is not None:
        frame = frame.filter(pl.col("year") <= year_to)
    for f in parse_filters(where):
        hit = pl.col(f.dimension).cast(pl.Utf8).is_in(list(f.values))
        frame = frame.filter(~hit if f.negate else hit)
    expected = _expected(frame, keys)
    assert got.select(expected.columns).sort([*keys, "roster"]).to_dicts() == expected.to_dicts()


def test_count_table_matches_hand_written_duckdb_sql(loaded: tuple[Store, pl.DataFrame]) -> None:
    store, _ = loaded
    sql = """
        SELECT r.regional_group, coalesce(a.gender::VARCHAR, 'unknown') AS gender,
               o.grade::VARCHAR AS grade, o.posting_type = 'recruit_from_roster' AS roster,
               count(*) AS received, count(a.screened_date) AS screened,
               count(a.assessed_date) AS assessed, count(a.interviewed_date) AS interviewed,
               count(a.recommended_date) AS recommended, count(a.selected_date) AS selected
        FROM main.applications a
        JOIN main.openings o USING (opening_id)
        JOIN main.ref_country_regions r ON r.iso3 = a.nationality::VARCHAR
        WHERE year(o.posted_date) BETWEEN 2019 AND 2021
        GROUP BY ALL ORDER BY ALL"""
    expected = store.frame(sql)
    got = count_table(Backend.from_store(store),
                      CountRequest(("regional_group", "gender", "grade"), 2019, 2021))
    assert got.sort(["regional_group", "gender", "grade", "roster"]).to_dicts() == \
        expected.sort(["regional_group", "gender", "grade", "roster"]).to_dicts()


def test_count_query_is_one_grouped_aggregation(loaded: tuple[Store, pl.DataFrame]) -> None:
    """One pass: the applications are scanned once, by one GROUP BY over small codes (the
    stage bits stored at load time, not the stage dates) with one count."""
    import ibis

    from parity.core.analytics.funnel_counts import count_expression

    store, _ = loaded
    expr, _ = count_expression(Backend.from_store(store),
                               CountRequest(("regional_group",), 2019, 2021,
                                            parse_filters(["grade=P-4"])), {})
    sql = ibis.to_sql(expr, dialect="duckdb")
    assert sql.count("GROUP BY") == 1
    assert sql.count('"applications"') == 1
    assert '"openings"' not in sql  # opening attributes are the copies on each application
    assert sql.count("COUNT(") == 1  # COUNT(*) by the stage bits
    assert '"stages_reached"' in sql and "_date" not in sql.split("FROM")[0]
    plan = store.frame("EXPLAIN " + sql)["explain_value"].str.join("\n").item()
    assert plan.count("applications") == 1


def test_unknown_values_and_dims_are_refused(tmp_path: Path) -> None:
    from parity.core.errors import UserInputError

    with pytest.raises(UserInputError, match="not a value of regional_group"):
        parse_filters(["regional_group=AFRICA"])
    with pytest.raises(UserInputError, match="is not a filter"):
        parse_filters(["regional_group"])
    with pytest.raises(UserInputError, match="not an ISO 3166-1 alpha-3 code"):
        parse_filters(["nationality=Kenya"])
    with pytest.raises(UserInputError, match="is not a dimension"):
        parse_filters(["colour=red"])
