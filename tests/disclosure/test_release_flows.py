"""All-staff career and timeline tables in public releases of the demo store: equal to the
careers and timelines analyses (and to a plain SQL count) where shown, listed in the
manifest, labelled in six languages on the published view, and safe against the
differencing attacker over two releases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from babel.messages.pofile import read_po

from parity.core.analytics.careers import careers, yearly_event_counts
from parity.core.analytics.timelines import selection_counts
from parity.core.backend import Backend
from parity.core.disclosure import CATALOG, DisclosurePolicy
from parity.core.disclosure.catalog_flows import (
    FLOW_COUNTS,
    FLOW_SPECS,
    WITHIN,
    flow_table_name,
)
from parity.core.store import open_store
from parity.web.formatting import Formatter
from parity.web.users import User
from parity.web.views import published
from parity.web.views.base import Source
from parity.web.views.published_labels import COUNTS, TABLE_TITLES

from . import sequence
from .differencing import Sequence

SRC = Path(__file__).resolve().parents[2] / "src"
LOCALES = SRC / "parity" / "web" / "locales"
WIDTH = DisclosurePolicy().protection_width
NEW = sorted(FLOW_SPECS)
LANGS = ("ar", "zh", "en", "fr", "ru", "es")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The demo store (``parity demo``), a public release, a year of new staff data and
    a few added applications, and a second public release."""
    work = tmp_path_factory.mktemp("flows")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run([sys.executable, "-m", "parity.cli.main", "demo", "--dir",
                          str(work / "demo")], cwd=work, env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    (db,) = (work / "demo").glob("*.duckdb")
    db = Path(shutil.copy(db, work / "parity.duckdb"))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(SRC)
    try:
        first = sequence.release(db, work / "r1")
        sequence.additions(db, work)
        sequence.new_snapshot(db, work)
        second = sequence.release(db, work / "r2")
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    return db, [first, second]


def _read(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{name}.csv", infer_schema_length=0)


def _shown(frame: pl.DataFrame, dims: list[str], count: str) -> dict[tuple[str, ...], int]:
    rows = frame.filter(pl.col(count).is_not_null() & (pl.col(count) != ""))
    return {tuple(r[d] for d in dims): int(r[count]) for r in rows.iter_rows(named=True)}


def _groups(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """The analyses' codes as the release groups them (other or unknown gender apart)."""
    if by == "gender":
        return frame.filter(pl.col(by).is_in(["F", "M"]))
    return frame.filter(pl.col(by).is_not_null())


def test_released_counts_equal_the_analyses(releases: tuple[Path, list[Path]]) -> None:
    db, folders = releases
    last = folders[-1]
    checked = 0
    with open_store(db, read_only=True) as store:
        backend = Backend.from_store(store)
        for flow, columns in FLOW_COUNTS.items():
            for by in ("regional_group", "gender"):
                events = yearly_event_counts(backend, flow, [by])
                table = _read(last, flow_table_name(flow, by))
                for column, outcome in columns.items():
                    shown = _shown(table, ["year", by], column)
                    truth = _groups(events.filter(pl.col("outcome") == outcome), by)
                    for r in truth.iter_rows(named=True):
                        key = (r["year"], r[by])
                        if key in shown:
                            assert shown[key] == r["count"], (flow, column, key)
                            checked += 1
                    totals = events.filter(pl.col("outcome") == outcome).group_by("year").agg(
                        pl.col("count").sum())
                    for r in totals.iter_rows(named=True):
                        if (r["year"], "All") in shown:
                            assert shown[(r["year"], "All")] == r["count"]
                            checked += 1
        for by in ("regional_group", "gender"):
            counts = _groups(selection_counts(backend, by), by)
            table = _read(last, f"selection_timelines_by_{by}")
            for column, source in (("selections", "selections"), (WITHIN, "within_target")):
                shown = _shown(table, ["year", by], column)
                for r in counts.iter_rows(named=True):
                    key = (r["selection_year"], r[by])
                    if key in shown:
                        assert shown[key] == r[source], (by, column, key)
                        checked += 1
    assert checked > 200


def test_selection_counts_against_plain_sql(releases: tuple[Path, list[Path]]) -> None:
    db, _ = releases
    with duckdb.connect(str(db), read_only=True) as con:
        sql = con.sql(
            "SELECT CAST(year(a.selected_date) AS VARCHAR) AS selection_year, "
            "CAST(a.gender AS VARCHAR) AS gender, count(*) AS selections, "
            "sum(CASE WHEN a.selected_date - o.posted_date <= 120 THEN 1 ELSE 0 END) AS w "
            "FROM main.applications a JOIN main.openings o USING (opening_id) "
            "WHERE a.selected_date IS NOT NULL "
            "AND CAST(o.posting_type AS VARCHAR) = 'position_specific' "
            "GROUP BY ALL").pl()
    with open_store(db, read_only=True) as store:
        got = selection_counts(store, "gender")
    joined = got.join(sql, on=["selection_year", "gender"], how="full", nulls_equal=True)
    assert joined.height == got.height == sql.height
    assert (joined["selections"] == joined["selections_right"]).all()
    assert (joined["within_target"] == joined["w"]).all()


def test_manifest_lists_the_new_tables_with_their_rules(releases: tuple[Path, list[Path]]
                                                       ) -> None:
    _, folders = releases
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        tables = {t["name"]: t for t in manifest["tables"]}
        assert set(NEW) <= set(tables)
        for name in NEW:
            spec = CATALOG[name].spec
            entry = tables[name]
            assert entry["title"] == spec.title and entry["universe"] == spec.universe
            assert entry["counts"] == list(spec.counts)
            assert (folder / entry["file"]).is_file()
        assert manifest["rules_applied"]
    # the second release states how each new population changed since the first
    second = json.loads((folders[1] / "manifest.json").read_text(encoding="utf-8"))
    universes = {c["universe"] for c in second["changes_since_earlier_release"]}
    assert {"career_events_all_staff", "selections_position_specific"} <= universes


def test_the_differencing_attacker_finds_nothing(releases: tuple[Path, list[Path]]) -> None:
    db, folders = releases
    values, status = sequence.truth(db, folders)
    attack = Sequence(folders)
    new = {"career_events_all_staff", "selections_position_specific"}
    targets = {v for v in attack.hidden() if status.get(v) == "primary" and v[1][0] in new}
    assert len(targets) > 50 and {i for i, _ in targets} == {0, 1}
    got = attack.intervals(targets)
    narrow = {v: (values[v], iv) for v, iv in got.items() if iv is None or iv[1] - iv[0] < WIDTH}
    assert not narrow, list(narrow.items())[:5]


def test_published_view_labels_the_new_tables_in_six_languages(
        releases: tuple[Path, list[Path]]) -> None:
    db, _ = releases
    for name in NEW:
        assert TABLE_TITLES[name] == CATALOG[name].spec.title
        for count in CATALOG[name].spec.counts:
            assert count in COUNTS
    with open_store(db, read_only=True) as store:
        source = Source(store, User("reader", "public"))
        assert set(NEW) <= set(published.table_names(source))
        for lang in LANGS:
            fmt = Formatter(lang)
            with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
                catalog = read_po(f)
            for name in NEW:
                spec = CATALOG[name].spec
                title, words = fmt._(spec.title), [fmt._(COUNTS[c]) for c in spec.counts]
                for msgid in (spec.title, *(COUNTS[c] for c in spec.counts)):
                    assert catalog.get(msgid) is not None and catalog[msgid].string, (lang, msgid)
                if lang != "en":
                    assert title != spec.title, (lang, name)
                page = published.present(published.compute(source, {"table": name}),
                                         {"table": name}, fmt)
                (table, _about) = page.tables
                assert table.title == title
                assert [c.label for c in table.columns[2:2 + len(words)]] == words


def test_yearly_events_add_up_to_the_careers_analysis(releases: tuple[Path, list[Path]]
                                                      ) -> None:
    db, _ = releases
    with open_store(db, read_only=True) as store:
        for flow, columns in FLOW_COUNTS.items():
            yearly = yearly_event_counts(store, flow, ["regional_group"])
            whole = careers(store, flow, ["regional_group"])
            for outcome in columns.values():
                summed = yearly.filter(pl.col("outcome") == outcome).group_by(
                    "regional_group").agg(pl.col("count").sum())
                got = dict(summed.iter_rows())
                want = dict(whole.filter(pl.col("outcome") == outcome)
                            .select("regional_group", "count").iter_rows())
                assert got == want, (flow, outcome)
