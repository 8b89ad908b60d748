"""Excel and Parquet carry the same columns as CSV and load to the same rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from parity.core import model
from parity.core.ingest import ingest, pseudonymise
from parity.core.store import open_store

STAFF_ROWS = [
    {"snapshot_date": "2022-12-31", "person_id": f"S{i}", "nationality": nat, "gender": g,
     "birth_year": str(1960 + i), "category": "P", "grade": grade, "entity": "DPPA",
     "duty_station": "New York", "field": "false", "appointment_type": "continuing",
     "geo_subject": "true" if i % 2 else "false"}
    for i, (nat, g, grade) in enumerate(
        [("KEN", "F", "P-4"), ("FRA", "M", "P-3"), ("BRA", "", "P-5"), ("CHN", "X", "P-2")])
]


def _dump(db: Path) -> list[dict[str, object]]:
    with open_store(db, read_only=True) as s:
        return s.frame(
            "SELECT * EXCLUDE (load_id) FROM staff ORDER BY person_id").to_dicts()


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """The staff rows with real types, as an HR system would export to Excel/Parquet."""
    return frame.with_columns(
        pl.col("snapshot_date").str.to_date(),
        pl.col("birth_year").cast(pl.Int64),
        pl.col("field") == "true",
        pl.col("geo_subject") == "true",
        pl.col("gender").replace("", None),
    )


def test_csv_excel_parquet_load_identically(tmp_path: Path, write_rows) -> None:
    csv = write_rows("staff", STAFF_ROWS)
    frame = pl.read_csv(csv, infer_schema=False)
    typed = _typed(frame)
    (tmp_path / "x").mkdir()
    typed.write_excel(tmp_path / "x" / "staff.xlsx")
    typed.write_parquet(tmp_path / "x" / "staff.parquet")
    frame.write_parquet(tmp_path / "x" / "staff_text.parquet")  # all-text parquet works too
    dumps = []
    for i, path in enumerate([csv, tmp_path / "x" / "staff.xlsx", tmp_path / "x" / "staff.parquet",
                              tmp_path / "x" / "staff_text.parquet"]):
        db = tmp_path / f"s{i}.duckdb"
        with open_store(db) as s:
            report = ingest([path], s)
        assert report.rows_loaded == 4 and report.rows_quarantined == 0, path
        dumps.append(_dump(db))
    assert dumps[0] == dumps[1] == dumps[2] == dumps[3]
    assert dumps[0][2]["gender"] is None  # empty cell = unknown


def test_excel_error_row_numbers_match_the_sheet(tmp_path: Path) -> None:
    rows = [dict(r) for r in STAFF_ROWS]
    rows[2]["grade"] = "P-9"
    typed = _typed(pl.DataFrame(rows))
    typed.write_excel(tmp_path / "staff.xlsx")
    typed.write_parquet(tmp_path / "staff.parquet")
    for path, expected_row in ((tmp_path / "staff.xlsx", 4), (tmp_path / "staff.parquet", 3)):
        with open_store(tmp_path / f"{path.suffix[1:]}.duckdb") as s:
            ingest([path], s)
            q = s.frame("SELECT row_number, column_name, value FROM quarantine")
        assert q.to_dicts() == [{"row_number": expected_row, "column_name": "grade",
                                 "value": "P-9"}]


def test_ids_are_replaced_by_a_keyed_hash(tmp_path: Path, write_rows) -> None:
    csv = write_rows("staff", STAFF_ROWS)
    secret = "a-long-secret-for-tests-only"
    with open_store(tmp_path / "p.duckdb") as s:
        ingest([csv], s, id_secret=secret)
        ids = s.frame("SELECT person_id FROM staff ORDER BY person_id")["person_id"].to_list()
    assert not set(ids) & {r["person_id"] for r in STAFF_ROWS}
    expected = pseudonymise(pl.Series(["S0", "S1", "S2", "S3"]), secret).sort().to_list()
    assert ids == expected
    # keyed: another secret gives other ids; the same id always maps to the same hash
    other = pseudonymise(pl.Series(["S0"]), "another-long-secret-value")[0]
    assert other not in ids
    assert pseudonymise(pl.Series(["S0", "S0"]), secret).n_unique() == 1
    import hashlib
    import hmac
    assert expected[0] in {hmac.new(secret.encode(), f"S{i}".encode(), hashlib.sha256)
                           .hexdigest()[:24] for i in range(4)}


def test_extra_columns_are_ignored_and_reported(tmp_path: Path) -> None:
    frame = pl.DataFrame(STAFF_ROWS).with_columns(pl.lit("x").alias("comment"))
    frame.write_csv(tmp_path / "staff.csv")
    with open_store(tmp_path / "p.duckdb") as s:
        report = ingest([tmp_path / "staff.csv"], s)
    assert report.files[0].ignored_columns == ("comment",)
    assert report.rows_loaded == 4


def test_header_order_does_not_matter(tmp_path: Path) -> None:
    cols = list(reversed(model.STAFF.column_names))
    pl.DataFrame(STAFF_ROWS).select(cols).write_csv(tmp_path / "staff.csv")
    with open_store(tmp_path / "p.duckdb") as s:
        assert ingest([tmp_path / "staff.csv"], s).rows_loaded == 4
