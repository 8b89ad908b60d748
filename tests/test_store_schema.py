"""The store schema: copies of the opening on each application, and upgrades of older stores."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import WriteRows
from parity.core import model
from parity.core.errors import StoreError
from parity.core.ingest import ingest
from parity.core.store import SCHEMA_VERSION, open_store

OPENINGS = [
    {"opening_id": "JO-1", "entity": "DPPA", "grade": "P-3", "job_family": "Political affairs",
     "posting_type": "position_specific", "posted_date": "2019-12-30"},
    {"opening_id": "JO-2", "entity": "MINUSCA", "grade": "D-1",
     "posting_type": "recruit_from_roster", "posted_date": "2021-03-01"},
]


def _app(i: int, opening: str) -> dict[str, object]:
    return {"application_id": f"A{i}", "opening_id": opening, "applicant_id": f"P{i}",
            "nationality": "KEN", "gender": "F", "received_date": "2022-01-05",
            "screened_date": "2022-02-01" if i % 2 == 0 else ""}


#: The copies recomputed by a join, independently of the store's own copy code.
RECOMPUTE = """
SELECT a.application_id, o.entity, o.grade::VARCHAR, o.job_family, o.posting_type::VARCHAR,
       year(o.posted_date)
FROM main.applications a JOIN main.openings o ON o.opening_id = a.opening_id ORDER BY 1"""
STORED = """
SELECT application_id, opening_entity, opening_grade::VARCHAR, opening_job_family,
       opening_posting_type::VARCHAR, opening_year FROM main.applications ORDER BY 1"""


def _loaded(tmp_path: Path, write_rows: WriteRows) -> Path:
    db = tmp_path / "parity.duckdb"
    with open_store(db) as store:
        ingest([write_rows("openings", OPENINGS)], store)
        # A later load refers to openings loaded before (the copies come from the store).
        ingest([write_rows("applications", [_app(i, f"JO-{1 + i % 2}") for i in range(5)])],
               store)
    return db


def test_applications_carry_their_openings_attributes(tmp_path: Path,
                                                      write_rows: WriteRows) -> None:
    db = _loaded(tmp_path, write_rows)
    with open_store(db, read_only=True) as store:
        stored = store.con.execute(STORED).fetchall()
        assert stored == store.con.execute(RECOMPUTE).fetchall()
    assert stored[0] == ("A0", "DPPA", "P-3", "Political affairs", "position_specific", 2019)
    assert stored[1] == ("A1", "MINUSCA", "D-1", None, "recruit_from_roster", 2021)


def test_openings_and_applications_in_one_load(tmp_path: Path, write_rows: WriteRows) -> None:
    db = tmp_path / "one.duckdb"
    with open_store(db) as store:
        ingest([write_rows("applications", [_app(i, "JO-2") for i in range(3)]),
                write_rows("openings", OPENINGS)], store)
        assert store.con.execute(STORED).fetchall() == store.con.execute(RECOMPUTE).fetchall()
        assert {r[2] for r in store.con.execute(STORED).fetchall()} == {"D-1"}


def _make_version_1(db: Path) -> None:
    """Turn a store into what the first schema held: no copies, schema_version 1."""
    con = duckdb.connect(str(db))
    for c in (*model.APPLICATIONS.copies, *model.APPLICATIONS.derived):
        con.execute(f"ALTER TABLE main.applications DROP COLUMN {c.name}")
    for name in ("staff", "openings", "applications"):
        con.execute(f"ALTER TABLE main.{name} DROP COLUMN organization")
    con.execute("DROP TYPE organization_t")
    con.execute("UPDATE main.meta SET value = '1' WHERE key = 'schema_version'")
    con.close()


def test_an_older_store_is_upgraded_when_opened(tmp_path: Path, write_rows: WriteRows) -> None:
    db = _loaded(tmp_path, write_rows)
    _make_version_1(db)
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    # Read-only opening upgrades through a writable connection first, then reads.
    with open_store(db, read_only=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.con.execute(STORED).fetchall() == store.con.execute(RECOMPUTE).fetchall()
    with open_store(copy) as store:  # writable: upgraded in place
        assert store.schema_version() == SCHEMA_VERSION
        assert store.con.execute(STORED).fetchall() == store.con.execute(RECOMPUTE).fetchall()
        cols = [r[0] for r in store.con.execute("DESCRIBE main.applications").fetchall()]
    with open_store(tmp_path / "new.duckdb") as fresh:
        fresh_cols = [r[0] for r in fresh.con.execute("DESCRIBE main.applications").fetchall()]
    assert cols == fresh_cols  # an upgraded store has the layout of a new one


def test_an_older_store_that_cannot_be_written_is_refused_clearly(
        tmp_path: Path, write_rows: WriteRows) -> None:
    db = _loaded(tmp_path, write_rows)
    _make_version_1(db)
    # Another program reads the store (a shared lock): it cannot be opened for writing.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; "
         f"c = duckdb.connect({str(db)!r}, read_only=True); print('ready', flush=True); "
         "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError) as info:
            open_store(db, read_only=True)
    finally:
        holder.communicate("")
    text = str(info.value)
    assert "written by an earlier version of Parity" in text
    assert "could not be opened for writing to upgrade it" in text


def test_a_newer_store_is_refused(tmp_path: Path, write_rows: WriteRows) -> None:
    db = _loaded(tmp_path, write_rows)
    con = duckdb.connect(str(db))
    con.execute("UPDATE main.meta SET value = ? WHERE key = 'schema_version'",
                [str(SCHEMA_VERSION + 1)])
    con.close()
    for read_only in (True, False):
        with pytest.raises(StoreError, match="written by a newer version of Parity"):
            open_store(db, read_only=read_only)


BITS = """SELECT application_id, stages_reached,
       (screened_date IS NOT NULL)::INT + 2 * (assessed_date IS NOT NULL)::INT
       + 4 * (interviewed_date IS NOT NULL)::INT + 8 * (recommended_date IS NOT NULL)::INT
       + 16 * (selected_date IS NOT NULL)::INT AS recomputed
FROM main.applications ORDER BY application_id"""


def test_stage_bits_are_stored_at_load_and_by_the_upgrade(
        tmp_path: Path, write_rows: WriteRows) -> None:
    """``stages_reached`` holds one bit per stage whose date is set, whether the rows were
    loaded into a new store or stored before the column existed (schema 3)."""
    db = _loaded(tmp_path, write_rows)
    with open_store(db, read_only=True) as store:
        rows = store.con.execute(BITS).fetchall()
    assert rows and all(bits == recomputed for _, bits, recomputed in rows)
    assert len({bits for _, bits, _ in rows}) > 1  # the fixture reaches different stages
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE main.applications DROP COLUMN stages_reached")
    con.execute("UPDATE main.meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with open_store(db, read_only=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.con.execute(BITS).fetchall() == rows
