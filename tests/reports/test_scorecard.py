"""The entity scorecard: every indicator equals a plain SQL recomputation over the store
or the core's result for the same question (ranges, timelines, projection); the targets
come from the typed parameter file with their sources; the table shapes are a contract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from parity.core.analytics.ranges import desirable_ranges
from parity.core.analytics.timelines import timelines_report
from parity.core.disclosure import release_audience
from parity.core.errors import SettingsError, UserInputError
from parity.core.params import load_compact_parameters, load_gender_parameters
from parity.core.projection import project
from parity.core.projection.summarize import first_likely_year
from parity.core.reports import scorecard as sc
from parity.core.reports._common import released_tables
from parity.core.reports.document import Document
from parity.core.store import Store
from parity.reports.words import Words
from parity.web.i18n import LANGUAGES

from ._store import check_pdf, sql

SHAPES = {
    "scorecard_targets": ["indicator", "level_band", "value", "target_low", "target_high",
                          "met", "likely_year", "probability"],
    "scorecard_trend": ["year", "indicator", "level_band", "value"],
    "scorecard_gender": ["year", "level_band", "value"],
}


@pytest.fixture(scope="module")
def ctx(report_store: Store) -> sc.Context:
    return sc.context(report_store, runs=100)


@pytest.fixture(scope="module")
def entity(report_store: Store) -> str:
    counts = sql(report_store, """SELECT entity, count(*) AS n FROM staff
        WHERE snapshot_date = (SELECT max(snapshot_date) FROM staff) GROUP BY 1
        ORDER BY n DESC, entity LIMIT 1""")
    return str(counts["entity"][0])


@pytest.fixture(scope="module")
def doc(report_store: Store, ctx: sc.Context, entity: str) -> Document:
    return sc.build_scorecard(report_store, entity, ctx=ctx)


def _trend(doc: Document, indicator: str) -> pl.DataFrame:
    t = doc.tables()["scorecard_trend"].frame
    return t.filter(pl.col("indicator") == indicator).with_columns(pl.col("year").cast(pl.Int64))


def test_table_shapes_are_the_contract(doc: Document) -> None:
    assert {k: list(t.frame.columns) for k, t in doc.tables().items()} == SHAPES
    assert doc.kind == "scorecard"


def test_every_target_has_its_source() -> None:
    params = load_compact_parameters()
    for name in ("geographical_selections", "gender_parity_year", "recruitment_days",
                 "recruitment_within_share", "regional_group_max_share"):
        value = getattr(params, name)
        assert value.source and value.confirmation in ("verified", "corroborated",
                                                        "not_found", "user")
    assert "§42" in params.geographical_selections.source
    assert params.recruitment_days.value == 120


def test_a_bad_target_file_is_one_clear_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "compact.yaml"
    bad.write_text("geographical_selections:\n  value: 1.5\n  source: mine\n"
                   "  confirmation: user\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_compact_parameters(bad)
    assert "geographical_selections" in str(err.value) and str(bad) in str(err.value)


def test_geographical_selections_equal_plain_sql(doc: Document, report_store: Store,
                                                 entity: str, ctx: sc.Context) -> None:
    got = _trend(doc, "geographical_selections")
    assert got.height > 0
    snapshots = sql(report_store, "SELECT DISTINCT snapshot_date AS d FROM staff ORDER BY 1")
    every: list[date] = snapshots["d"].to_list()
    for year, value in got.select("year", "value").iter_rows():
        before = max([d for d in every if d.year < year] or every[:1])
        states = desirable_ranges(report_store, before).states
        outreach = states.filter(pl.col("status").is_in(["unrepresented",
                                                         "underrepresented"]))["iso3"]
        sel = sql(report_store, """SELECT CAST(a.nationality AS VARCHAR) AS nationality
            FROM applications a JOIN ref_grades g ON CAST(a.opening_grade AS VARCHAR) = g.grade
            WHERE a.selected_date IS NOT NULL AND g.professional_and_higher
              AND a.opening_entity = ? AND year(a.selected_date) = ?""", entity, year)
        want = sel["nationality"].is_in(outreach.to_list()).sum() / sel.height
        assert value == pytest.approx(want)


def test_gender_by_level_equals_plain_sql(doc: Document, report_store: Store,
                                          entity: str) -> None:
    got = _trend(doc, "gender_parity")
    want = sql(report_store, """SELECT year(s.snapshot_date) AS year, g.level_band,
        count(*) FILTER (WHERE s.gender = 'F') / count(s.gender) AS value
        FROM staff s JOIN ref_grades g ON CAST(s.grade AS VARCHAR) = g.grade
        WHERE s.entity = ? AND g.professional_and_higher
          AND s.snapshot_date IN (SELECT max(snapshot_date) FROM staff
                                  GROUP BY year(snapshot_date))
        GROUP BY ALL HAVING count(s.gender) > 0""", entity)
    years = set(got["year"])
    want = want.filter(pl.col("year").is_in(list(years)))
    key = ["year", "level_band"]
    got = got.select(*key, "value").sort(key)
    want = want.with_columns(pl.col("year").cast(pl.Int64)).sort(key)
    assert got.select(key).rows() == want.select(key).rows()
    assert got["value"].to_list() == pytest.approx(want["value"].to_list())


def test_regional_diversity_equals_plain_sql(doc: Document, report_store: Store,
                                             entity: str) -> None:
    got = _trend(doc, "regional_diversity")
    for year, value in got.select("year", "value").iter_rows():
        counts = sql(report_store, """SELECT coalesce(r.regional_group, 'NONMEMBER') AS grp,
            count(*) AS n FROM staff s
            JOIN ref_grades g ON CAST(s.grade AS VARCHAR) = g.grade
            LEFT JOIN ref_country_regions r ON CAST(s.nationality AS VARCHAR) = r.iso3
            WHERE s.entity = ? AND g.professional_and_higher
              AND s.snapshot_date = (SELECT max(snapshot_date) FROM staff
                                     WHERE year(snapshot_date) = ?)
            GROUP BY 1""", entity, year)
        assert value == pytest.approx(counts["n"].max() / counts["n"].sum())


def test_recruitment_is_the_timelines_result(doc: Document, report_store: Store,
                                             entity: str, ctx: sc.Context) -> None:
    got = _trend(doc, "recruitment")
    core = timelines_report(report_store, ["entity", "year"], year_from=min(ctx.years),
                            year_to=max(ctx.years), target_days=120).timelines
    core = core.filter(pl.col("entity") == entity)
    assert got["value"].to_list() == pytest.approx(
        core.sort("year")["within_target"].to_list(), nan_ok=True)


def test_likely_year_is_the_projection_result(doc: Document, report_store: Store) -> None:
    levels = project(report_store, runs=100).levels
    targets = doc.tables()["scorecard_targets"].frame.filter(
        pl.col("indicator") == "gender_parity")
    year = load_gender_parameters().targets.value[-1].year
    for row in targets.iter_rows(named=True):
        part = levels.filter(pl.col("level") == row["level_band"]).sort("year")
        p = part["p_in_band"].to_numpy().astype(np.float64)
        first = first_likely_year(part["year"].to_list(), p)
        assert row["likely_year"] == (None if first is None else str(first))
        at = min(max(year, part["year"][0]), part["year"][-1])
        assert row["probability"] == pytest.approx(
            float(part.filter(pl.col("year") == at)["p_in_band"][0]))


def test_met_follows_the_targets(doc: Document) -> None:
    for r in doc.tables()["scorecard_targets"].frame.iter_rows(named=True):
        if r["value"] is None:
            assert r["met"] is None
            continue
        ok = (r["target_low"] is None or r["value"] >= r["target_low"] - 1e-12) and (
            r["target_high"] is None or r["value"] <= r["target_high"] + 1e-12)
        assert r["met"] == ("yes" if ok else "no")
    first = doc.sections[0].paragraphs[0].values
    frame = doc.tables()["scorecard_targets"].frame
    assert first["met"] == (frame["met"] == "yes").sum()


def test_every_entity_at_once_and_unknown_entity(report_store: Store,
                                                 ctx: sc.Context) -> None:
    with pytest.raises(UserInputError, match="not an entity"):
        sc.build_scorecard(report_store, "NO-SUCH-ENTITY", ctx=ctx)
    every = sc.entities(report_store)
    assert len(every) > 3


@pytest.mark.parametrize("lang", LANGUAGES)
def test_renders_in_every_language(doc: Document, tmp_path: Path, lang: str,
                                   entity: str) -> None:
    words = Words(lang)
    regional = _trend(doc, "regional_diversity")["value"]
    text = check_pdf(doc, lang, tmp_path, [words.fmt.percent(float(regional[-1]), 1)])
    assert entity in text


def test_manager_sees_only_the_release_of_its_entity(report_store: Store,
                                                     entity: str) -> None:
    audience = f"manager:{entity}"
    doc = sc.build_scorecard(report_store, entity, audience=audience)
    rel = released_tables(report_store, release_audience("manager", entity=entity))
    tables = doc.tables()
    assert set(tables) == {"released_entity_gender", "released_entity_level_gender"}
    for table in tables.values():
        assert table.protection == "released"
        source = rel[str(table.source)]
        dims = [c for c in table.frame.columns if c in ("level_band", "gender")]
        if "entity" in source.columns:
            source = source.filter(pl.col("entity") == entity)
        joined = table.frame.join(source, on=dims, how="left", suffix="_rel")
        assert joined.height == table.frame.height
        assert joined["staff"].to_list() == joined["staff_rel"].to_list()
    women = doc.sections[0].paragraphs
    shares = tables["released_entity_gender"].frame.filter(pl.col("gender") == "F")
    if women:
        assert women[0].values["women"].value == shares["gender_share"][0]
