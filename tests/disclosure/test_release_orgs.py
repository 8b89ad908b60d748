"""Per-organization release tables beside the system-wide ones, against differencing.

A real store of a synthetic system of three organizations (``synthesize(...,
organizations=3)``). The public release carries the per-organization tables; their cells
are checked against plain SQL on the stored rows, and the independent attacker of
``attacker.py`` (which reads only the published folders) tries to pin the hidden small
cells from the system-wide and per-organization tables together, in one release and
across two consecutive releases. The same tables protected one group at a time (the
system-wide tables apart from the per-organization ones) are pinned by that attacker.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from parity.core import model
from parity.core.backend import Backend
from parity.core.disclosure import (
    CATALOG,
    DisclosurePolicy,
    Release,
    build_release,
    expand,
    link,
    primary_cells,
    protect,
    publish,
    release_audience,
)
from parity.core.disclosure.catalog_orgs import ORG_SPECS
from parity.core.disclosure.checks import read_published_csv
from parity.core.disclosure.release import ReleaseTable, _publish_frame
from parity.core.disclosure.tables import CountTable
from parity.core.ingest import ingest
from parity.core.store import Store, open_store
from parity.core.synth import synthesize
from parity.web import i18n
from parity.web.formatting import Formatter
from parity.web.users import User
from parity.web.views import published
from parity.web.views.base import Source
from parity.web.views.published_labels import TABLE_TITLES

from . import sequence
from .attacker import Key, Published
from .conftest import ANALYST
from .differencing import Sequence

PUBLIC = release_audience("public")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
POLICY = DisclosurePolicy()
WIDTH = POLICY.protection_width
#: Each per-organization table and the system-wide table its organization margins repeat.
SYSTEM_WIDE = {"workforce_by_organization_regional_group":
               "workforce_by_regional_group_level_gender",
               "gender_parity_by_organization_level": "gender_parity_by_level",
               "funnel_by_organization_regional_group": "funnel_by_regional_group",
               "funnel_by_organization_gender": "funnel_by_gender"}


@pytest.fixture(scope="module")
def system_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of three organizations (scale 0.01 for the Secretariat-like one)."""
    folder = tmp_path_factory.mktemp("orgs")
    synthesize(folder / "data", scale=0.01, seed=4, organizations=3)
    with open_store(folder / "parity.duckdb") as store:
        assert ingest(sorted((folder / "data").glob("*.csv")), store).rows_quarantined == 0
    return folder / "parity.duckdb"


@pytest.fixture(scope="module")
def released(system_db: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, Path, Release]:
    """The public release of a copy of the store: (store, folder, release)."""
    work = tmp_path_factory.mktemp("released")
    db = work / "parity.duckdb"
    shutil.copy(system_db, db)
    with open_store(db) as store:
        rel = publish(store, PUBLIC, ANALYST, work / "r")
    return db, work / "r", rel


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _primaries(db: Path, folders: list[Path]) -> tuple[dict, dict]:
    values, status = sequence.truth(db, folders)
    return values, {k for k, s in status.items() if s == "primary"}


def _narrow(got: dict, values: dict, index: int = 0) -> dict:
    return {k: (values.get((index, k)), iv) for k, iv in got.items()
            if iv is None or iv[1] - iv[0] < WIDTH}


# ------------------------------------------------------------------------- the numbers

def _sql_staff(store: Store, by: str) -> pl.DataFrame:
    band = ("CASE WHEN coalesce(g.level_band, CAST(s.category AS VARCHAR)) IN "
            "('D-1/D-2', 'ASG/USG') THEN 'D-1 and above' "
            "ELSE coalesce(g.level_band, CAST(s.category AS VARCHAR)) END")
    gender = ("CASE WHEN CAST(s.gender AS VARCHAR) IN ('F', 'M') THEN CAST(s.gender AS VARCHAR) "
              "ELSE 'other_or_unknown' END")
    cols = {"regional_group": "r.regional_group", "parity_band": band, "gender": gender}
    keys = [k for k in ("regional_group", "parity_band", "gender") if k in by.split(",")]
    select = ", ".join(f"{cols[k]} AS {k}" for k in keys)
    return store.frame(
        f"SELECT CAST(s.organization AS VARCHAR) AS organization, {select}, count(*) AS staff "
        "FROM main.staff s JOIN main.ref_grades g ON CAST(s.grade AS VARCHAR) = g.grade "
        "JOIN main.ref_country_regions r ON CAST(s.nationality AS VARCHAR) = r.iso3 "
        "WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM main.staff) "
        "GROUP BY ALL")


def _sql_funnel(store: Store, by: str) -> pl.DataFrame:
    group = ("r.regional_group" if by == "regional_group" else
             "CASE WHEN CAST(a.gender AS VARCHAR) IN ('F', 'M') THEN CAST(a.gender AS VARCHAR) "
             "ELSE 'other_or_unknown' END")
    stages = ", ".join(f"count(a.{s}_date) AS {s}" for s in model.STAGES if s != "received")
    grades = ", ".join(f"'{g}'" for g in model.professional_grades())
    return store.frame(
        f"SELECT CAST(a.organization AS VARCHAR) AS organization, "
        f"CAST(a.opening_year AS VARCHAR) AS year, {group} AS {by}, count(*) AS received, "
        f"{stages} FROM main.applications a JOIN main.ref_country_regions r "
        "ON CAST(a.nationality AS VARCHAR) = r.iso3 "
        f"WHERE CAST(a.opening_grade AS VARCHAR) IN ({grades}) "
        f"AND CAST(a.opening_posting_type AS VARCHAR) <> '{model.ROSTER_POSTING}' "
        "GROUP BY ALL")


def _expected(store: Store, name: str) -> pl.DataFrame:
    if name == "workforce_by_organization_regional_group":
        return _sql_staff(store, "regional_group")
    if name == "gender_parity_by_organization_level":
        return _sql_staff(store, "parity_band,gender")
    return _sql_funnel(store, "regional_group" if name.endswith("regional_group") else "gender")


def test_per_organization_cells_are_the_stored_rows(released: tuple[Path, Path, Release]
                                                    ) -> None:
    db, folder, rel = released
    frames = {m["name"]: (m, read_published_csv(folder / m["file"], m))
              for m in _manifest(folder)["tables"]}
    assert set(ORG_SPECS) <= set(frames)
    with open_store(db, read_only=True) as store:
        truths = {name: _expected(store, name) for name in ORG_SPECS}
    for name, spec in ORG_SPECS.items():
        _meta, published = frames[name]
        dims, counts = list(spec.dims), list(spec.counts)
        truth = truths[name]
        assert sorted(truth["organization"].unique().to_list()) == ["UN", "UNICEF", "WHO"]
        # the interior as computed equals SQL (zero rows of the completed grid aside)
        inner = rel.table(name)
        full = next(t.expanded.frame for t in rel.tables if t.name == name)
        interior = full.filter(pl.all_horizontal(pl.col(d) != "All" for d in dims))
        got = interior.filter(pl.sum_horizontal(counts) > 0).sort(dims)
        want = truth.select(*dims, *[pl.col(c).cast(pl.Int64) for c in counts]).sort(dims)
        assert got.to_dicts() == want.to_dicts(), name
        # every published count, margins included, is the SQL sum over its row
        for row in published.iter_rows(named=True):
            keep = [pl.col(d) == row[d] for d in dims if row[d] != "All"]
            part = truth.filter(pl.all_horizontal(keep)) if keep else truth
            for c in counts:
                if row[c] is not None:
                    assert row[c] == int(part[c].sum()), (name, row, c)
        assert inner.frame.height == published.height
        # the rows over all organizations are the system-wide table's cells
        base_meta, base = frames[SYSTEM_WIDE[name]]
        over = published.filter(pl.col("organization") == "All").drop("organization")
        shared = [d for d in over.columns if d in base_meta["dims"]
                  and d in spec.dims]
        rest = [d for d in base_meta["dims"] if d not in shared]
        base_rows = base.filter(pl.all_horizontal(pl.col(d) == "All" for d in rest)
                                ) if rest else base
        joined = over.join(base_rows, on=shared, suffix="_sys")
        assert joined.height == over.height
        for c in counts:
            assert joined[c].to_list() == joined[f"{c}_sys"].to_list(), (name, c)


def test_published_view_labels_the_tables_in_six_languages(
        released: tuple[Path, Path, Release]) -> None:
    db, _, _ = released
    with open_store(db, read_only=True) as store:
        source = Source(store, User("reader", "public"))
        assert set(ORG_SPECS) <= set(published.table_names(source))
        for lang in i18n.LANGUAGES:
            fmt = Formatter(lang)
            for name, spec in ORG_SPECS.items():
                assert TABLE_TITLES[name] == spec.title
                page = published.present(published.compute(source, {"table": name}),
                                         {"table": name}, fmt)
                table, _about = page.tables
                assert table.title == fmt._(spec.title)
                assert lang == "en" or table.title != spec.title, (lang, name)
                assert table.columns[0].label == fmt._("Organization")
                assert lang == "en" or table.columns[0].label != "Organization"
                shown = set(table.frame["organization__label"].to_list())
                assert shown == {"UN", "UNICEF", "WHO", fmt._("All")}, (lang, shown)
                visible = " ".join([table.title, *page.summary,
                                    *(c.label for c in table.columns)])
                assert not SNAKE.search(visible), (lang, name, SNAKE.findall(visible))


def test_a_single_organization_has_no_per_organization_tables(org) -> None:
    store, _ = org
    rel = build_release(store, PUBLIC, ANALYST)
    names = {t.name for t in rel.tables}
    assert "gender_parity_by_level" in names
    assert not names & set(ORG_SPECS)


# ------------------------------------------------------------------------- the attacker

def test_the_linked_release_resists_the_attacker(released: tuple[Path, Path, Release]
                                                 ) -> None:
    db, folder, _ = released
    values, primary = _primaries(db, [folder])
    attack = Published([folder])
    targets = {k for k in attack.hidden if (0, k) in primary}
    by_org = {k for k in targets if "organization" in dict(k[2])}
    assert len(by_org) > 50 and len(targets - by_org) > 50
    got = attack.intervals(targets, width=WIDTH)
    assert not _narrow(got, values)


def _unlinked(store: Store, folder: Path) -> dict[Key, int]:
    """The same tables, with the per-organization tables' suppressions chosen apart from
    the system-wide tables' (each group linked and audited on its own), written as one
    folder. Returns the values of the cells either group hid by a rule."""
    backend = Backend.from_store(store)
    computed = [t for p in CATALOG.values() if p.scope == "organisation"
                for t in [p.compute(backend, PUBLIC)] if t is not None]
    groups: list[list[CountTable]] = [
        [t for t in computed if t.spec.name not in ORG_SPECS],
        [t for t in computed if t.spec.name in ORG_SPECS]]
    folder.mkdir()
    metas, primary = [], {}
    for group in groups:
        expanded = [expand(t) for t in group]
        hits = primary_cells(expanded, POLICY)
        prot = protect(link(expanded), hits, POLICY, tables=expanded,
                       collapsed={c for e in expanded for c in e.collapsed})
        for e, t in zip(expanded, group, strict=True):
            table: ReleaseTable = _publish_frame(e, t.notes, prot, POLICY)
            table.frame.write_csv(folder / f"{e.spec.name}.csv")
            metas.append(table.meta(POLICY))
            primary.update({cid: v for _, _, cid, v in e.cells() if cid in hits})
    (folder / "manifest.json").write_text(json.dumps({"release_id": "u", "tables": metas}),
                                          encoding="utf-8")
    return primary


def test_suppressions_chosen_per_group_are_pinned(system_db: Path, tmp_path: Path) -> None:
    """The check can fail: the system-wide tables and the per-organization tables, each
    safe on its own, published together, let the attacker pin hidden small cells."""
    with open_store(system_db, read_only=True) as store:
        primary = _unlinked(store, tmp_path / "u")
    attack = Published([tmp_path / "u"])
    targets = {k for k in attack.hidden if k in primary}
    got = attack.intervals(targets, width=WIDTH)
    narrow = {k: (primary[k], iv) for k, iv in got.items() if iv[1] - iv[0] < WIDTH}
    assert narrow
    # solved to the end (narrower than the width), each interval holds the true count
    assert all(lo <= value <= hi for value, (lo, hi) in narrow.values()), narrow


def test_two_consecutive_releases_resist_the_attacker(system_db: Path, tmp_path: Path
                                                      ) -> None:
    """A release, 3 staff and 2 applications added, the next release: the attacker who is
    told that counts only grew reads both folders."""
    db = tmp_path / "parity.duckdb"
    shutil.copy(system_db, db)
    folders = [sequence.release(db, tmp_path / "r1")]
    sequence.additions(db, tmp_path)
    folders.append(sequence.release(db, tmp_path / "r2"))
    assert set(ORG_SPECS) <= {m["name"] for m in _manifest(folders[1])["tables"]}
    values, primary = _primaries(db, folders)
    attack = Sequence(folders, {k: v for k, v in sequence.TOLD.items() if k[0] == 0})
    # the populations the per-organization tables count (the career and
    # self-identification tables have their own sequence test)
    shared = {s.universe for s in ORG_SPECS.values()}
    targets = {v for v in attack.hidden() if v in primary and v[1][0] in shared}
    assert {i for i, _ in targets} == {0, 1}
    assert any("organization" in dict(k[2]) for _, k in targets)
    got = attack.intervals(targets)
    narrow = {v: (values[v], iv) for v, iv in got.items() if iv is None or iv[1] - iv[0] < WIDTH}
    assert not narrow, list(narrow.items())[:5]
