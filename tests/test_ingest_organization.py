"""The organization column: optional in files, defaulted, validated, stored, upgraded."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from conftest import WriteRows
from parity.core import model
from parity.core.errors import SettingsError
from parity.core.ingest import ingest
from parity.core.settings import Settings
from parity.core.store import SCHEMA_VERSION, open_store

OPENINGS = [
    {"opening_id": "JO-1", "entity": "DPPA", "grade": "P-3", "posting_type": "position_specific",
     "posted_date": "2021-01-04"},
    {"opening_id": "JO-2", "entity": "HQ", "grade": "P-4", "posting_type": "position_specific",
     "posted_date": "2021-02-01", "organization": "WHO"},
]
STAFF = [
    {"snapshot_date": "2022-12-31", "person_id": "S1", "nationality": "KEN", "gender": "F",
     "category": "P", "grade": "P-3", "entity": "DPPA", "field": False,
     "appointment_type": "fixed-term", "geo_subject": True},
    {"snapshot_date": "2022-12-31", "person_id": "S2", "nationality": "FRA", "gender": "M",
     "category": "P", "grade": "P-4", "entity": "HQ", "field": False,
     "appointment_type": "fixed-term", "geo_subject": False, "organization": "WHO"},
]


def _app(i: int, opening: str, org: str | None = None) -> dict[str, object]:
    return {"application_id": f"A{i}", "opening_id": opening, "applicant_id": f"P{i}",
            "nationality": "KEN", "gender": "F", "received_date": "2022-01-05",
            "organization": org}


def _write(folder: Path, table: str, rows: list[dict[str, object]]) -> Path:
    """Rows (dicts; missing keys = empty cells) as TABLE.csv with every column a file may
    hold, the optional organization included."""
    spec = model.TABLES_BY_NAME[table]
    path = folder / f"{spec.file_stem}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(spec.file_columns)
        for row in rows:
            w.writerow(["" if row.get(c) is None else str(row[c]).lower()
                        if isinstance(row[c], bool) else str(row[c])
                        for c in spec.file_columns])
    return path


def test_files_without_the_column_load_as_the_configured_organization(
        tmp_path: Path, write_rows: WriteRows) -> None:
    # The interchange columns only, as files were written before the column existed.
    files = [write_rows("openings", OPENINGS[:1]), write_rows("staff", STAFF[:1]),
             write_rows("applications", [_app(1, "JO-1")])]
    assert "organization" not in files[0].read_text().splitlines()[0]
    with open_store(tmp_path / "a.duckdb") as store:
        report = ingest(files, store)
        assert report.rows_quarantined == 0 and report.rows_loaded == 3
        for table in ("openings", "staff", "applications"):
            assert store.con.execute(
                f"SELECT organization::VARCHAR FROM main.{table}").fetchall() == [("UN",)]
    with open_store(tmp_path / "b.duckdb") as store:
        ingest(files, store, organization="UNICEF")
        assert store.con.execute("SELECT organization::VARCHAR FROM main.staff").fetchall() == [
            ("UNICEF",)]


def test_given_and_empty_cells(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.duckdb") as store:
        report = ingest([_write(tmp_path, "openings", OPENINGS),
                         _write(tmp_path, "staff", STAFF),
                         _write(tmp_path, "applications", [_app(1, "JO-1"), _app(2, "JO-2"),
                                                           _app(3, "JO-2", "WHO")])], store)
        assert report.rows_quarantined == 0
        assert store.con.execute(
            "SELECT person_id, organization::VARCHAR FROM main.staff ORDER BY 1").fetchall() == [
            ("S1", "UN"), ("S2", "WHO")]
        # An application's empty cell takes its opening's organization.
        assert store.con.execute(
            "SELECT application_id, organization::VARCHAR FROM main.applications "
            "ORDER BY 1").fetchall() == [("A1", "UN"), ("A2", "WHO"), ("A3", "WHO")]


def test_a_bad_code_and_a_mismatch_are_quarantined_with_a_reason(tmp_path: Path) -> None:
    bad_staff = [dict(STAFF[0], organization="WHOO")]
    with open_store(tmp_path / "q.duckdb") as store:
        report = ingest([_write(tmp_path, "openings", OPENINGS),
                         _write(tmp_path, "staff", bad_staff),
                         _write(tmp_path, "applications", [_app(1, "JO-1", "WHO")])], store)
        assert report.rows_quarantined == 2
        rows = store.con.execute(
            "SELECT table_name, row_number, column_name, value, reason FROM main.quarantine "
            "ORDER BY table_name").fetchall()
    assert rows[0][:4] == ("applications", 2, "organization", "WHO")
    assert rows[0][4] == ("'WHO' is not the organization of opening JO-1 ('UN'); leave the "
                          "cell empty to take the opening's")
    assert rows[1][:4] == ("staff", 2, "organization", "WHOO")
    assert rows[1][4].startswith("'WHOO' is not a valid organization; expected one of: UN, FAO")


def test_the_setting_is_validated(tmp_path: Path) -> None:
    assert Settings.load(cwd=tmp_path).organization == model.DEFAULT_ORGANIZATION == "UN"
    assert Settings.load({"organization": "WFP"}, cwd=tmp_path).organization == "WFP"
    (tmp_path / "parity.toml").write_text('[parity]\norganization = "XYZ"\n')
    with pytest.raises(SettingsError, match="Invalid setting 'organization'"):
        Settings.load(cwd=tmp_path)


def test_a_store_of_schema_2_is_upgraded(tmp_path: Path, write_rows: WriteRows,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.duckdb"
    with open_store(db) as store:
        ingest([write_rows("openings", OPENINGS[:1]), write_rows("staff", STAFF[:1]),
                write_rows("applications", [_app(1, "JO-1")])], store)
    con = duckdb.connect(str(db))
    for name in ("staff", "openings", "applications"):
        con.execute(f"ALTER TABLE main.{name} DROP COLUMN organization")
    con.execute("DROP TYPE organization_t")
    con.execute("ALTER TABLE main.applications DROP COLUMN stages_reached")
    con.execute("UPDATE main.meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    # The rows stored before belong to the configured organization.
    (tmp_path / "parity.toml").write_text('[parity]\norganization = "UNDP"\n')
    monkeypatch.chdir(tmp_path)
    with open_store(db, read_only=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        for table in ("openings", "staff", "applications"):
            assert store.con.execute(
                f"SELECT organization::VARCHAR FROM main.{table}").fetchall() == [("UNDP",)]


def test_parquet_and_excel_with_and_without_the_column(tmp_path: Path) -> None:
    import polars as pl

    rows = [{k: (str(v).lower() if isinstance(v, bool) else v) for k, v in r.items()}
            for r in STAFF]
    with_org = pl.DataFrame(rows, schema={c: pl.Utf8 for c in model.STAFF.file_columns})
    with_org.write_parquet(tmp_path / "staff.parquet")
    with_org.drop("organization").write_excel(tmp_path / "staff.xlsx")
    with open_store(tmp_path / "f.duckdb") as store:
        assert ingest([tmp_path / "staff.parquet"], store).rows_quarantined == 0
        assert store.con.execute("SELECT person_id, organization::VARCHAR FROM main.staff "
                                 "ORDER BY 1").fetchall() == [("S1", "UN"), ("S2", "WHO")]
    with open_store(tmp_path / "g.duckdb") as store:
        assert ingest([tmp_path / "staff.xlsx"], store, organization="ILO").rows_loaded == 2
        assert store.con.execute("SELECT DISTINCT organization::VARCHAR FROM main.staff"
                                 ).fetchall() == [("ILO",)]
