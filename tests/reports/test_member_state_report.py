"""The Member State profile: its nationals by grade, gender and entity equal plain SQL
over the store, its ranges are the core's on each snapshot, its funnel is the core's
funnel, what it would take to come into range says what the range table says, and the
Member State audience sees only its release."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from parity.core.analytics.funnel import funnel
from parity.core.analytics.ranges import desirable_ranges
from parity.core.disclosure import release_audience
from parity.core.disclosure.tables import ALL
from parity.core.errors import UserInputError
from parity.core.reports import member_state as ms
from parity.core.reports._common import released_tables
from parity.core.reports.document import Document
from parity.core.store import Store
from parity.reports.words import Words
from parity.web.i18n import LANGUAGES

from ._store import check_pdf, sql

SHAPES = {
    "ms_total": ["snapshot_date", "staff"],
    "ms_grade_gender": ["snapshot_date", "grade", "gender", "staff"],
    "ms_entity": ["snapshot_date", "entity", "staff"],
    "ms_range": ["snapshot_date", "lower", "midpoint", "upper", "staff", "status",
                 "needed_to_reach_lower"],
    "ms_funnel": ["stage", "count", "pass_rate", "reference_pass_rate", "selection_ratio",
                  "verdict"],
}
YEAR_ENDS = "(SELECT max(snapshot_date) FROM staff GROUP BY year(snapshot_date))"


@pytest.fixture(scope="module")
def ctx(report_store: Store) -> ms.Context:
    return ms.context(report_store)


@pytest.fixture(scope="module")
def state(report_store: Store) -> str:
    top = sql(report_store, """SELECT CAST(nationality AS VARCHAR) AS n, count(*) AS c
        FROM staff WHERE nationality <> 'XXX' GROUP BY 1 ORDER BY c DESC, n LIMIT 1""")
    return str(top["n"][0])


@pytest.fixture(scope="module")
def doc(report_store: Store, ctx: ms.Context, state: str) -> Document:
    return ms.build_member_state(report_store, state, ctx=ctx)


def test_table_shapes_are_the_contract(doc: Document) -> None:
    assert {k: list(t.frame.columns) for k, t in doc.tables().items()} == SHAPES


def test_nationals_by_grade_and_gender_equal_plain_sql(doc: Document, report_store: Store,
                                                       state: str, ctx: ms.Context) -> None:
    want = sql(report_store, f"""SELECT snapshot_date, CAST(grade AS VARCHAR) AS grade,
        CAST(gender AS VARCHAR) AS gender, count(*) AS staff FROM staff
        WHERE nationality = ? AND snapshot_date IN {YEAR_ENDS} GROUP BY ALL""", state)
    want = want.filter(pl.col("snapshot_date").is_in(list(ctx.dates)))
    key = ["snapshot_date", "grade", "gender"]
    got = doc.tables()["ms_grade_gender"].frame
    assert got.sort(key, nulls_last=True).to_dicts() == want.with_columns(
        pl.col("staff").cast(pl.Int64)).sort(key, nulls_last=True).to_dicts()
    totals = doc.tables()["ms_total"].frame
    assert totals["staff"].to_list() == [
        int(got.filter(pl.col("snapshot_date") == d)["staff"].sum()) for d in ctx.dates]
    assert len(ctx.dates) == 5


def test_nationals_by_entity_equal_plain_sql(doc: Document, report_store: Store,
                                             state: str, ctx: ms.Context) -> None:
    want = sql(report_store, f"""SELECT snapshot_date, entity, count(*) AS staff FROM staff
        WHERE nationality = ? AND snapshot_date IN {YEAR_ENDS} GROUP BY ALL""", state)
    want = want.filter(pl.col("snapshot_date").is_in(list(ctx.dates)))
    key = ["snapshot_date", "entity"]
    assert doc.tables()["ms_entity"].frame.sort(key).to_dicts() == want.with_columns(
        pl.col("staff").cast(pl.Int64)).sort(key).to_dicts()


def test_range_on_each_snapshot_is_the_core_result(doc: Document, report_store: Store,
                                                   state: str, ctx: ms.Context) -> None:
    got = doc.tables()["ms_range"].frame
    for row in got.iter_rows(named=True):
        core = desirable_ranges(report_store, row["snapshot_date"]).states.filter(
            pl.col("iso3") == state).row(0, named=True)
        assert {k: core[k] for k in row if k != "snapshot_date"} == {
            k: v for k, v in row.items() if k != "snapshot_date"}
    last = got.row(got.height - 1, named=True)
    come = doc.sections[1].paragraphs[1]
    assert come.values["needed"] == last["needed_to_reach_lower"]
    if last["status"] in ("unrepresented", "underrepresented"):
        assert last["staff"] + last["needed_to_reach_lower"] >= last["lower"]
        assert "floor" in come.msgid


def test_funnel_is_the_core_funnel(doc: Document, report_store: Store, state: str,
                                   ctx: ms.Context) -> None:
    core = funnel(report_store, ["nationality"], year_from=ctx.dates[0].year,
                  year_to=ctx.snapshot.year).filter(pl.col("nationality") == state)
    got = doc.tables()["ms_funnel"].frame
    assert got.to_dicts() == core.select(got.columns).to_dicts()
    sentence = doc.sections[2].paragraphs[0].values
    assert sentence["received"] == got.filter(pl.col("stage") == "received")["count"][0]
    assert sentence["selected"] == got.filter(pl.col("stage") == "selected")["count"][0]


def test_member_state_audience_sees_only_its_release(report_store: Store,
                                                     state: str) -> None:
    audience = f"member_state:{state}"
    own = ms.build_member_state(report_store, state, audience=audience)
    assert own.audience == audience
    rel = released_tables(report_store, release_audience("member_state", state))[
        "own_nationals_by_level_gender"]
    table = own.tables()["released_nationals"]
    assert table.protection == "released"
    joined = table.frame.join(rel.filter((pl.col("level_band") != ALL)
                                         & (pl.col("gender") != ALL)),
                              on=["level_band", "gender"], how="left", suffix="_rel")
    assert joined.height == table.frame.height
    assert joined["staff"].to_list() == joined["staff_rel"].to_list()
    with pytest.raises(UserInputError, match="cannot be made"):
        ms.build_member_state(report_store, "FRA" if state != "FRA" else "KEN",
                              audience=audience)


def test_not_a_member_state_is_one_clear_sentence(report_store: Store,
                                                  ctx: ms.Context) -> None:
    with pytest.raises(UserInputError, match="not the ISO3 code"):
        ms.build_member_state(report_store, "ZZZ", ctx=ctx)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_renders_in_every_language(doc: Document, tmp_path: Path, lang: str) -> None:
    words = Words(lang)
    funnel_counts = doc.tables()["ms_funnel"].frame["count"]
    check_pdf(doc, lang, tmp_path, [words.fmt.integer(int(funnel_counts[0]))])
