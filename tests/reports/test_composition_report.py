"""The composition report: every number of its tables equals a plain SQL recomputation
over the store (or the core's result for the same question), its sentences say what its
tables say, its table shapes are a contract, and the public version shows only released
cells."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from parity.core.analytics import composition as comp
from parity.core.analytics.careers import careers_counts
from parity.core.analytics.ranges import desirable_ranges
from parity.core.disclosure import DisclosurePolicy, release_audience
from parity.core.disclosure.tables import ALL
from parity.core.reports._common import released_tables
from parity.core.reports.composition import build_composition
from parity.core.reports.document import Document
from parity.core.store import Store
from parity.reports.words import Words
from parity.web.i18n import LANGUAGES

from ._store import check_pdf, sql

#: The population of the Secretary-General's report, written as plain SQL.
SG_POPULATION = ("(g.professional_and_higher OR s.category = 'FS') "
                 "AND s.appointment_type <> 'temporary'")
AGE_BAND_SQL = """CASE WHEN s.birth_year IS NULL THEN 'unknown'
  WHEN year(s.snapshot_date) - s.birth_year >= 60 THEN '60_and_over'
  WHEN year(s.snapshot_date) - s.birth_year >= 50 THEN '50-59'
  WHEN year(s.snapshot_date) - s.birth_year >= 40 THEN '40-49'
  WHEN year(s.snapshot_date) - s.birth_year >= 30 THEN '30-39' ELSE 'under_30' END"""
#: The report's tables and their columns: a contract the renderers and readers rely on.
SHAPES: dict[str, list[str]] = {
    "by_category": ["category", "staff", "share"],
    "by_appointment_type": ["appointment_type", "staff", "share"],
    "by_grade_gender": ["grade", "gender", "staff", "share_within"],
    "by_regional_group": ["regional_group", "staff", "share"],
    "by_nationality": ["nationality", "staff", "share"],
    "by_entity": ["entity", "staff", "share"],
    "by_duty_station": ["duty_station", "staff", "share"],
    "by_age_band_gender": ["age_band", "gender", "staff", "share_within"],
    "range_status_counts": ["status", "states"],
    "range_annex": ["iso3", "regional_group", "lower", "midpoint", "upper", "staff", "status",
                    "needed_to_reach_lower"],
    "trend_total": ["snapshot_date", "staff"],
    "trend_gender": ["snapshot_date", "gender", "staff", "share"],
    "trend_regional_group": ["snapshot_date", "regional_group", "staff", "share"],
}
#: The raw SQL expression of each dimension.
RAW = {"category": "CAST(s.category AS VARCHAR)", "grade": "CAST(s.grade AS VARCHAR)",
       "gender": "CAST(s.gender AS VARCHAR)",
       "regional_group": "coalesce(r.regional_group, 'NONMEMBER')",
       "nationality": "CAST(s.nationality AS VARCHAR)", "entity": "s.entity",
       "duty_station": "s.duty_station",
       "appointment_type": "CAST(s.appointment_type AS VARCHAR)", "age_band": AGE_BAND_SQL}


@pytest.fixture(scope="module")
def doc(report_store: Store) -> Document:
    return build_composition(report_store)


def _snapshot(doc: Document) -> object:
    return doc.parameters["as_of"]


def _sql_counts(db: Store, dims: list[str], where: str, snapshot: object) -> pl.DataFrame:
    cols = ", ".join(f"{RAW[d]} AS {d}" for d in dims)
    return sql(db, f"""SELECT {cols}, count(*) AS staff FROM staff s
        LEFT JOIN ref_grades g ON CAST(s.grade AS VARCHAR) = g.grade
        LEFT JOIN ref_country_regions r ON CAST(s.nationality AS VARCHAR) = r.iso3
        WHERE s.snapshot_date = ? AND {where} GROUP BY ALL""", snapshot)


def _same_counts(table: pl.DataFrame, expected: pl.DataFrame, dims: list[str]) -> None:
    got = table.select(*dims, "staff").sort(dims, nulls_last=True)
    want = expected.with_columns(pl.col("staff").cast(pl.Int64)).sort(dims, nulls_last=True)
    assert got.to_dicts() == want.to_dicts()


def test_table_shapes_are_the_contract(doc: Document) -> None:
    assert {k: list(t.frame.columns) for k, t in doc.tables().items()} == SHAPES
    assert doc.kind == "composition" and doc.audience == "analyst"


@pytest.mark.parametrize("key", ["by_grade_gender", "by_regional_group", "by_nationality",
                                 "by_entity", "by_duty_station", "by_age_band_gender"])
def test_population_tables_equal_plain_sql(doc: Document, report_store: Store, key: str) -> None:
    table = doc.tables()[key]
    dims = [c for c in table.frame.columns if c not in ("staff", "share", "share_within")]
    _same_counts(table.frame, _sql_counts(report_store, dims, SG_POPULATION, _snapshot(doc)), dims)
    share = "share_within" if len(dims) == 2 else "share"
    over = dims[:1] if len(dims) == 2 else []
    expected = table.frame["staff"] / (table.frame.select(
        pl.col("staff").sum().over(over) if over else pl.col("staff").sum())["staff"])
    assert table.frame[share].to_list() == pytest.approx(expected.to_list())


@pytest.mark.parametrize("key", ["by_category", "by_appointment_type"])
def test_all_staff_tables_equal_plain_sql(doc: Document, report_store: Store, key: str) -> None:
    dim = key.removeprefix("by_")
    _same_counts(doc.tables()[key].frame, _sql_counts(report_store, [dim], "true",
                                                      _snapshot(doc)), [dim])


def test_age_band_is_the_snapshot_year_minus_the_birth_year(report_store: Store) -> None:
    core = comp.composition_trend(report_store, ["age_band"])
    want = sql(report_store, f"""SELECT s.snapshot_date, {AGE_BAND_SQL} AS age_band,
        count(*) AS staff FROM staff s GROUP BY ALL""")
    got = core.filter(pl.col("staff") > 0).select("snapshot_date", "age_band", "staff")
    key = ["snapshot_date", "age_band"]
    assert got.sort(key).to_dicts() == want.with_columns(
        pl.col("staff").cast(pl.Int64)).sort(key).to_dicts()
    assert set(got["age_band"]) <= {"under_30", "30-39", "40-49", "50-59", "60_and_over",
                                    "unknown"}


def test_age_band_in_career_flows_adds_up_to_the_whole(report_store: Store) -> None:
    whole = careers_counts(report_store, "separation", ["gender"])
    banded = careers_counts(report_store, "separation", ["age_band"])
    for outcome in ("all", "retirement"):
        w = whole.filter(pl.col("outcome") == outcome)
        b = banded.filter(pl.col("outcome") == outcome)
        assert int(b["count"].sum()) == int(w["count"].sum())
        assert float(b["staff_years"].sum()) == pytest.approx(float(w["staff_years"].sum()))
    retire = banded.filter(pl.col("outcome") == "retirement")
    assert int(retire.filter(pl.col("age_band").is_in(["under_30", "30-39"]))["count"]
               .sum()) == 0


def test_named_population_is_declared_once_and_accepted_by_composition(
        report_store: Store) -> None:
    assert "sg_report" in comp.SCOPES
    frame = comp.composition(report_store, ["category"], scope="sg_report")
    want = _sql_counts(report_store, ["category"], SG_POPULATION, frame["snapshot_date"][0])
    _same_counts(frame, want, ["category"])
    assert set(frame["category"]) <= {"SL", "D", "P", "FS"}


def test_annex_is_the_ranges_of_all_193_member_states(doc: Document,
                                                      report_store: Store) -> None:
    annex = doc.tables()["range_annex"].frame
    core = desirable_ranges(report_store, _snapshot(doc)).states  # type: ignore[arg-type]
    assert annex.height == 193 == core.height
    assert annex.to_dicts() == core.select(annex.columns).sort("iso3").to_dicts()
    counts = doc.tables()["range_status_counts"].frame
    assert counts["states"].sum() == 193
    sentence = doc.sections[2].paragraphs[0].values
    n = dict(zip(counts["status"], counts["states"], strict=True))
    assert sentence["unrepresented"] == n["unrepresented"]
    assert sentence["within"] == n["within_below_midpoint"] + n["within_above_midpoint"]


def test_trends_equal_plain_sql_on_five_year_ends(doc: Document, report_store: Store) -> None:
    total = doc.tables()["trend_total"].frame
    assert total.height == 5
    assert [d.month for d in total["snapshot_date"]] == [12] * 5
    for d, staff in total.iter_rows():
        want = _sql_counts(report_store, ["category"], SG_POPULATION, d)["staff"].sum()
        assert staff == want
    sentence = doc.sections[3].paragraphs[0].values
    assert (sentence["first"], sentence["last"]) == (total["staff"][0], total["staff"][-1])


def test_sentences_say_what_the_tables_say(doc: Document, report_store: Store) -> None:
    first = doc.sections[0].paragraphs[0].values
    all_staff = doc.tables()["by_category"].frame["staff"].sum()
    population = doc.tables()["by_regional_group"].frame["staff"].sum()
    assert (first["total"], first["population"]) == (all_staff, population)
    women = doc.tables()["by_grade_gender"].frame
    share = women.filter(pl.col("gender") == "F")["staff"].sum() / women["staff"].sum()
    assert doc.sections[0].paragraphs[1].values["women_population"].value == pytest.approx(
        share)
    ages = doc.tables()["by_age_band_gender"].frame
    older = doc.sections[1].paragraphs[1].values["older"]
    assert older == ages.filter(pl.col("age_band") == "60_and_over")["staff"].sum()


def test_public_report_shows_only_released_cells(report_store: Store) -> None:
    public = build_composition(report_store, audience="public")
    assert public.audience == "public"
    released = released_tables(report_store, release_audience("public"))
    threshold = DisclosurePolicy().threshold
    for table in public.tables().values():
        assert table.protection == "released", table.key
        if table.key.startswith("range_status"):
            continue
        rel = released[str(table.source)].rename({"nationality": "iso3"}, strict=False)
        dims = [c for c in table.frame.columns if c in rel.columns and c != "staff"
                and rel.schema[c] == pl.Utf8]
        assert not table.frame.select(pl.any_horizontal(pl.col(dims) == ALL).any()).item()
        joined = table.frame.join(rel, on=dims, how="left", suffix="_rel")
        assert joined["staff"].to_list() == joined["staff_rel"].to_list(), table.key
        if table.key == "released_workforce":  # the threshold rule, checked on its own
            shown = table.frame["staff"].drop_nulls()
            assert not shown.is_between(1, threshold - 1).any()
            truth = sql(report_store, """SELECT coalesce(r.regional_group, 'NONMEMBER') AS
                regional_group, coalesce(g.level_band, CAST(s.category AS VARCHAR)) AS
                level_band, CAST(s.gender AS VARCHAR) AS gender, count(*) AS n FROM staff s
                LEFT JOIN ref_grades g ON CAST(s.grade AS VARCHAR) = g.grade
                LEFT JOIN ref_country_regions r ON CAST(s.nationality AS VARCHAR) = r.iso3
                WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM staff)
                  AND s.gender IN ('F', 'M') GROUP BY ALL""")
            check = table.frame.filter(pl.col("gender").is_in(["F", "M"])
                                       & pl.col("staff").is_not_null()).join(
                truth, on=["regional_group", "level_band", "gender"], how="left")
            assert check["staff"].to_list() == check["n"].fill_null(0).to_list()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_renders_in_every_language(doc: Document, tmp_path: Path, lang: str) -> None:
    words = Words(lang)
    total = doc.sections[0].paragraphs[0].values["total"]
    annex = doc.tables()["range_annex"].frame
    check_pdf(doc, lang, tmp_path, [words.fmt.integer(int(total)),
                                    words.fmt.integer(int(annex["staff"].sum()))])
