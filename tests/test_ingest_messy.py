"""Messy real-world files: each gets one clear sentence or a correct load, never a
traceback, a silent drop or a silent change; rows read = rows loaded + rows quarantined."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from parity.core import model
from parity.core.errors import InputFileError
from parity.core.ingest import StrictRefusal, ingest
from parity.core.store import Store, open_store

TODAY = date(2026, 12, 6)
HEADER = ",".join(model.STAFF.column_names)
ROW = "2022-12-31,{pid},FRA,F,1980,P,{grade},DPPA,New York,false,continuing,true"
STAFF = dict(zip(model.STAFF.column_names,
                 ["2022-12-31", "S1", "FRA", "F", "1980", "P", "P-4", "DPPA", "New York",
                  "false", "continuing", "true"], strict=True))


def _load(store: Store, *paths: Path, **kw: object):
    report = ingest(list(paths), store, today=TODAY, **kw)  # type: ignore[arg-type]
    for f in report.files:
        assert f.balanced, f
    return report


def _quarantine(store: Store) -> list[dict[str, object]]:
    return store.frame("SELECT file, row_number, column_name, value, reason FROM quarantine "
                       "ORDER BY file, row_number, column_name").to_dicts()


def _one_error(store: Store, path: Path) -> str:
    with pytest.raises(InputFileError) as info:
        ingest([path], store, today=TODAY)
    assert store.row_counts()["staff"] == 0
    return " ".join(str(info.value).split())


def _csv(tmp_path: Path, text: str, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# ------------------------------------------------------------------ Parquet
def test_parquet_list_column_is_refused_in_a_sentence(store: Store, tmp_path: Path) -> None:
    frame = pl.DataFrame([STAFF]).with_columns(pl.col("entity").map_elements(
        lambda v: [v, "x"], return_dtype=pl.List(pl.Utf8)))
    frame.write_parquet(tmp_path / "staff.parquet")
    msg = _one_error(store, tmp_path / "staff.parquet")
    assert "the column 'entity' (List(String)) holds lists or records, not one value per cell" in msg
    frame = pl.DataFrame([STAFF]).with_columns(pl.struct("entity", "grade").alias("entity"))
    frame.write_parquet(tmp_path / "staff.parquet")
    assert "holds lists or records" in _one_error(store, tmp_path / "staff.parquet")


def test_parquet_binary_with_invalid_utf8_quarantines_the_row(store: Store, tmp_path: Path) -> None:
    cols = {k: pa.array([v, v.replace("S1", "S2")]) for k, v in STAFF.items()}
    cols["entity"] = pa.array([b"DPPA", b"DP\xffPA"], type=pa.binary())
    pq.write_table(pa.table(cols), tmp_path / "staff.parquet")
    report = _load(store, tmp_path / "staff.parquet")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    (q,) = _quarantine(store)
    assert (q["row_number"], q["column_name"]) == (2, "entity")
    assert q["reason"] == "holds bytes that are not UTF-8 text; export the column as UTF-8 text"


# ------------------------------------------------------------------ Excel
def _sheet(wb: Workbook, title: str, rows: list[list[object]], first: bool = False):
    ws = wb.active if first else wb.create_sheet(title)
    ws.title = title
    for r in rows:
        ws.append(r)
    return ws


def _staff_rows(*pids: str, **change: object) -> list[list[object]]:
    return [[{**STAFF, "person_id": p, **change}[c] for c in model.STAFF.column_names]
            for p in pids]


def test_excel_second_sheet_with_the_header_is_refused_by_name(store: Store,
                                                               tmp_path: Path) -> None:
    wb = Workbook()
    _sheet(wb, "2022", [list(model.STAFF.column_names), *_staff_rows("S1", "S2")], first=True)
    _sheet(wb, "2023", [list(model.STAFF.column_names), *_staff_rows("S3")])
    wb.save(tmp_path / "staff.xlsx")
    msg = _one_error(store, tmp_path / "staff.xlsx")
    assert "holds the staff header on 2 sheets ('2022', '2023')" in msg
    assert "Move all rows onto one sheet, or save each sheet as its own file" in msg


def test_excel_cover_sheet_and_header_lower_down_are_found(store: Store, tmp_path: Path) -> None:
    wb = Workbook()
    _sheet(wb, "Cover", [["Staff export"], ["Prepared by HR"]], first=True)
    _sheet(wb, "Data", [["Staff on 31 December 2022"], [], list(model.STAFF.column_names),
                        *_staff_rows("S1"), [], *_staff_rows("S2", grade="P-9")])
    wb.save(tmp_path / "staff.xlsx")
    report = _load(store, tmp_path / "staff.xlsx")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert report.files[0].notes == ("header found on row 3 of sheet 'Data'",
                                     "sheet 'Cover' ignored (no staff header)",
                                     "1 blank row skipped")
    (q,) = _quarantine(store)
    assert (q["row_number"], q["column_name"]) == (6, "grade")  # the blank row 5 counts


def test_excel_without_the_header_names_its_sheets(store: Store, tmp_path: Path) -> None:
    wb = Workbook()
    _sheet(wb, "Cover", [["Staff export"]], first=True)
    _sheet(wb, "Data", [["id", "name"], ["S1", "x"]])
    wb.save(tmp_path / "staff.xlsx")
    msg = _one_error(store, tmp_path / "staff.xlsx")
    assert "has no sheet whose first 30 rows hold the header of staff (snapshot_date" in msg
    assert "'Cover' starts with: Staff export; 'Data' starts with: id, name" in msg


def test_excel_error_cells_and_unsaved_formulas_are_quarantined_as_such(
        store: Store, tmp_path: Path) -> None:
    wb = Workbook()
    rows = _staff_rows("S1", "S2", "S3")
    rows[1][model.STAFF.column_names.index("grade")] = "#DIV/0!"
    rows[2][model.STAFF.column_names.index("entity")] = "=CONCAT(\"DP\",\"PA\")"
    _sheet(wb, "Staff", [list(model.STAFF.column_names), *rows], first=True)
    wb.save(tmp_path / "staff.xlsx")  # openpyxl saves formulas without a computed value
    report = _load(store, tmp_path / "staff.xlsx")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 1, 2)
    assert _quarantine(store) == [
        {"file": str(tmp_path / "staff.xlsx"), "row_number": 3, "column_name": "grade",
         "value": "#DIV/0!", "reason": "is the Excel error #DIV/0!, not a value; fix the "
         "formula or type the value in the spreadsheet"},
        {"file": str(tmp_path / "staff.xlsx"), "row_number": 4, "column_name": "entity",
         "value": None, "reason": "is a formula whose value was never saved (the workbook was "
         "written by a program that does not calculate); open it in Excel and save it, or "
         "type the value"},
    ]


def test_spaces_are_trimmed_the_same_in_every_format(tmp_path: Path) -> None:
    row = {**STAFF, "person_id": " X1 ", "entity": "\u00a0DPPA ", "grade": "P-3 "}
    (tmp_path / "c").mkdir()
    pl.DataFrame([row]).write_csv(tmp_path / "c" / "staff.csv")
    pl.DataFrame([row]).write_parquet(tmp_path / "staff.parquet")
    wb = Workbook()
    _sheet(wb, "S", [list(row), list(row.values())], first=True)
    wb.save(tmp_path / "staff.xlsx")
    dumps = []
    for i, path in enumerate([tmp_path / "c" / "staff.csv", tmp_path / "staff.parquet",
                              tmp_path / "staff.xlsx"]):
        with open_store(tmp_path / f"{i}.duckdb") as s:
            report = _load(s, path)
            assert report.rows_loaded == 1, _quarantine(s)
            dumps.append(s.frame("SELECT person_id, entity, grade FROM staff").to_dicts())
    assert dumps[0] == dumps[1] == dumps[2] == [{"person_id": "X1", "entity": "DPPA",
                                                 "grade": "P-3"}]


def test_unicode_forms_are_one_value(store: Store, tmp_path: Path) -> None:
    decomposed, composed = "Bure\u0301", "Bur\u00e9"
    path = _csv(tmp_path, f"{HEADER}\n" + ROW.format(pid="S1", grade="P-4").replace(
        "DPPA", decomposed) + "\n" + ROW.format(pid="S2", grade="P-4").replace(
        "DPPA", composed) + "\n")
    _load(store, path)
    assert store.frame("SELECT DISTINCT entity FROM staff")["entity"].to_list() == [composed]


# ------------------------------------------------------------------ CSV structure
def test_quoted_line_break_does_not_shift_row_numbers(store: Store, tmp_path: Path) -> None:
    good = ROW.format(pid="S1", grade="P-4").replace("New York", '"New\nYork"')
    path = _csv(tmp_path, f"{HEADER}\n{good}\n{ROW.format(pid='S2', grade='P-9')}\n")
    report = _load(store, path)
    assert (report.rows_read, report.rows_quarantined) == (2, 2)
    assert [(q["row_number"], q["column_name"], q["reason"]) for q in _quarantine(store)] == [
        (2, "duty_station", "contains the character U+000A (line break), which is not allowed "
         "in a value; remove it"),
        (4, "grade", "'P-9' is not a valid grade; expected one of: " + ", ".join(model.GRADES)),
    ]  # line 4 in a text editor, not record 3


def test_blank_lines_are_not_rows(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n\n"
                f"{ROW.format(pid='S2', grade='P-9')}\n\n\n")
    report = _load(store, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert report.files[0].notes == ("3 blank rows skipped",)
    assert _quarantine(store)[0]["row_number"] == 4


def test_file_ending_in_two_newlines_reads_its_rows_only(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n"
                f"{ROW.format(pid='S2', grade='P-4')}\n\n")
    report = _load(store, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 2, 0)


def test_more_cells_than_the_header_quarantines_that_row(store: Store, tmp_path: Path) -> None:
    bad = ROW.format(pid="S2", grade="P-4").replace("New York", "New York, NY")
    path = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n{bad}\n"
                f"{ROW.format(pid='S3', grade='P-4')},\n")  # a trailing comma is harmless
    report = _load(store, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert _quarantine(store) == [{
        "file": str(path), "row_number": 3, "column_name": "(row)", "value": None,
        "reason": "has 13 cells but the header has 12 columns; a value holding a comma must "
                  "be in double quotes"}]


def test_unbalanced_quote_names_the_row(store: Store, tmp_path: Path) -> None:
    bad = ROW.format(pid="S2", grade="P-4").replace("New York", '"New York')
    path = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n{bad}\n"
                f"{ROW.format(pid='S3', grade='P-4')}\n")
    msg = _one_error(store, path)
    assert msg.startswith(f"{path}: a double quote opened at row 3 is never closed")
    assert "with every quote inside it doubled" in msg


def test_cr_only_line_endings_load(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEADER}\r{ROW.format(pid='S1', grade='P-4')}\r"
                f"{ROW.format(pid='S2', grade='P-9')}\r")
    report = _load(store, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert _quarantine(store)[0]["row_number"] == 3


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons (;)"), ("\t", "tabs")])
def test_other_separators_are_named(store: Store, tmp_path: Path, sep: str, name: str) -> None:
    text = f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n".replace(",", sep)
    msg = _one_error(store, _csv(tmp_path, text))
    assert f"separates its columns with {name}, not commas" in msg
    assert "Export it again as 'CSV UTF-8 (Comma delimited)'" in msg


def test_duplicated_header_column_is_refused(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEADER},entity\n{ROW.format(pid='S1', grade='P-4')},OCHA\n")
    msg = _one_error(store, path)
    assert "has the column entity 2 times in its header (columns 8, 13)" in msg


def test_key_repeated_in_two_files_of_one_load_names_the_other_file(
        store: Store, tmp_path: Path) -> None:
    a = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n", "staff_a.csv")
    b = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S2', grade='P-4')}\n"
             f"{ROW.format(pid='S1', grade='P-5')}\n", "staff_b.csv")
    report = _load(store, a, b)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    (q,) = _quarantine(store)
    assert (q["file"], q["row_number"]) == (str(b), 3)
    assert q["reason"] == ("has the same key (snapshot_date, person_id) as row 2 of "
                           "staff_a.csv in this load but different values; keep one version "
                           "of the row")


# ------------------------------------------------------------------ plausibility
def test_implausible_staff_values(store: Store, tmp_path: Path) -> None:
    rows = [
        ROW.format(pid="S1", grade="P-4"),
        ROW.format(pid="S2", grade="P-4").replace("2022-12-31", "2099-12-31").replace(
            "1980", "2050"),
        ROW.format(pid="S3", grade="P-4").replace("2022-12-31", "0000-01-01"),
        ROW.format(pid="S4", grade="P-4").replace("2022-12-31", "1930-12-31").replace(
            "1980", "1900"),
        ROW.format(pid="S5", grade="P-4").replace("DPPA", "DP\x00PA"),
        ROW.format(pid="S6", grade="P-4").replace("DPPA", "D" * 2_000_000),
    ]
    path = _csv(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    report = _load(store, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (6, 1, 5)
    got = {(q["row_number"], q["column_name"]): (q["value"], q["reason"])
           for q in _quarantine(store)}
    assert got[(3, "snapshot_date")] == ("2099-12-31", "2099-12-31 is after 2027-03-08 (the "
                                         "load date 2026-12-06 plus 92 days); check the year")
    assert got[(4, "snapshot_date")] == ("0000-01-01",
                                         "0000-01-01 is before 1945, earlier than any plausible "
                                         "date; check the year")
    assert got[(5, "snapshot_date")][1].startswith("1930-12-31 is before 1945")
    assert got[(6, "entity")] == ("DP\ufffdPA", "contains the character U+0000 (NUL), which is not allowed in a value; remove it")
    value, reason = got[(7, "entity")]
    assert reason == "is 2,000,000 characters long; entity takes at most 200"
    assert value is not None and len(value) == 80 and value.endswith("…")
    assert max(len(r) for _, r in got.values()) < 300  # no message carries the 2 MB value


OPENING = "opening_id,entity,grade,job_family,posting_type,posted_date,closed_date\n" \
          "O1,DPPA,P-4,Political affairs,position_specific,2000-01-10,2000-03-10\n"
APPS_HEADER = ",".join(model.APPLICATIONS.column_names)


def test_application_stage_dates_must_be_plausible(store: Store, tmp_path: Path) -> None:
    o = _csv(tmp_path, OPENING, "openings.csv")
    rows = ["A1,O1,P1,KEN,F,GBR,false,2000-01-20,2000-02-01,,,,,",
            "A2,O1,P2,KEN,F,GBR,false,1999-12-01,2019-12-01,,,,,"]
    a = _csv(tmp_path, APPS_HEADER + "\n" + "\n".join(rows) + "\n", "applications.csv")
    report = _load(store, o, a)
    assert report.rows_quarantined == 1
    assert [(q["row_number"], q["column_name"], q["reason"]) for q in _quarantine(store)] == [
        (3, "received_date", "1999-12-01 is before the opening was posted (2000-01-10); check "
         "the date or the opening_id"),
        (3, "screened_date", "2019-12-01 is more than 5 years after received_date 1999-12-01; "
         "check the year"),
    ]


SELF_ID_HEADER = "subject_id,dimension,value,collected_date\n"


def test_self_identification_codes_and_subjects(store: Store, tmp_path: Path) -> None:
    staff = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n"
                 f"{ROW.format(pid='S2', grade='P-4')}\n{ROW.format(pid='S3', grade='P-4')}\n")
    rows = ["S1,race_ethnicity,white,2022-01-01",
            "S2,Race_Ethnicity,White,2022-01-01",
            "S3,RACE_ETHNICITY,WHITE,2022-01-01",
            "S1,disability,perhaps,2022-02-01",
            "S1,religion,none,2022-03-01",
            "U9,disability,no,2099-01-01"]
    si = _csv(tmp_path, SELF_ID_HEADER + "\n".join(rows) + "\n", "self_identification.csv")
    report = _load(store, staff, si)
    fr = report.files[-1]
    assert (fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == (6, 3, 3)
    stored = store.frame("SELECT DISTINCT dimension, value FROM restricted.self_identification")
    assert stored.to_dicts() == [{"dimension": "race_ethnicity", "value": "White"}]
    got = [(q["row_number"], q["column_name"], q["reason"]) for q in _quarantine(store)
           if q["file"] == str(si)]
    assert got == [
        (5, "value", "'perhaps' is not a declared value of disability; declared (any case): "
         "yes, no"),
        (6, "dimension", "'religion' is not a declared self-identification dimension; "
         "declared: race_ethnicity, disability"),
        (7, "collected_date", "2099-01-01 is after 2027-03-08 (the load date 2026-12-06 plus "
         "92 days); check the year"),
    ]
    # A subject that no staff or applications row knows is quarantined on its own too.
    si2 = _csv(tmp_path, SELF_ID_HEADER + "U9,disability,no,2022-01-01\n",
               "self_identification_2.csv")
    _load(store, si2)
    assert _quarantine(store)[-1]["reason"] == (
        "'U9' is neither a person_id in staff nor an applicant_id in applications (in this "
        "load or the store); load staff and applications first, or check the id")


# ------------------------------------------------------------------ strict and exit codes
def test_strict_refuses_the_whole_load(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n"
                f"{ROW.format(pid='S2', grade='P-9')}\n")
    with pytest.raises(StrictRefusal) as info:
        ingest([path], store, today=TODAY, strict=True)
    msg = str(info.value)
    assert msg.startswith("1 row in 1 file would be quarantined, so the strict load loaded "
                          f"nothing (first: {path} row 3, grade: 'P-9' is not a valid grade")
    assert store.row_counts()["staff"] == 0
    assert store.frame("SELECT * FROM loads").height == 0
    report = tmp_path / "parity-quarantine-refused.csv"
    assert str(report) in msg and pl.read_csv(report).height == 1
    assert ingest([path], store, today=TODAY).rows_loaded == 1  # without strict: loads


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parity.cli.main", *args],
                          capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(Path(__file__).parents[1] / "src")})


def test_cli_exit_codes_tell_clean_from_quarantined(tmp_path: Path) -> None:
    clean = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n")
    res = _cli("ingest", str(clean), "--db", str(tmp_path / "a.duckdb"))
    assert res.returncode == 0, res.stderr
    dirty = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n"
                 f"{ROW.format(pid='S2', grade='P-9')}\n", "staff_dirty.csv")
    res = _cli("ingest", str(dirty), "--db", str(tmp_path / "b.duckdb"))
    assert res.returncode == 6, res.stderr
    last = " ".join(res.stdout.strip().splitlines()[-1:])
    assert last.startswith("1 row quarantined in 1 file; the rows, with file, row, column, "
                           "value and reason, are in ")
    assert last.endswith("b-quarantine-load1.csv")
    res = _cli("ingest", str(dirty), "--strict", "--db", str(tmp_path / "c.duckdb"))
    assert res.returncode == 2
    assert "would be quarantined, so the strict load loaded nothing" in " ".join(
        res.stderr.split())
    assert "Traceback" not in res.stderr


def test_quoted_and_plain_csv_read_the_same(tmp_path: Path) -> None:
    """A file without quotes takes a fast path; one quoted cell sends it through the full
    CSV parser. Both give the same rows, row numbers, notes and quarantine."""
    lines = [ROW.format(pid="S1", grade="P-4"), "", ROW.format(pid="S2", grade="P-9"),
             " , ,", ROW.format(pid="S3", grade="P-3")]
    plain = "\r\n".join([HEADER, *lines]) + "\r\n\r\n"
    quoted = plain.replace("S3,FRA", '"S3",FRA')
    out = []
    for i, text in enumerate([plain, quoted]):
        (tmp_path / str(i)).mkdir()
        path = _csv(tmp_path / str(i), text)
        with open_store(tmp_path / f"{i}.duckdb") as s:
            report = _load(s, path)
            out.append((report.rows_read, report.rows_loaded, report.files[0].notes,
                        [(q["row_number"], q["column_name"], q["reason"]) for q in _quarantine(s)],
                        s.frame("SELECT * EXCLUDE (load_id) FROM staff ORDER BY person_id")
                        .to_dicts()))
    assert out[0] == out[1]
    assert out[0][:4] == (3, 2, ("3 blank rows skipped",),
                          [(4, "grade", "'P-9' is not a valid grade; expected one of: "
                            + ", ".join(model.GRADES))])


def test_excel_header_missing_a_column_names_sheet_row_and_column(store: Store,
                                                                  tmp_path: Path) -> None:
    wb = Workbook()
    header = [c for c in model.STAFF.column_names if c != "geo_subject"]
    _sheet(wb, "Cover", [["Staff export"]], first=True)
    _sheet(wb, "Data", [[], header, [STAFF[c] for c in header]])
    wb.save(tmp_path / "staff.xlsx")
    msg = _one_error(store, tmp_path / "staff.xlsx")
    assert msg.startswith(f"{tmp_path / 'staff.xlsx'}: the staff header on row 2 of sheet "
                          "'Data' lacks the column geo_subject.")


def test_quarantine_report_cells_never_run_as_formulas(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEADER}\n" + ROW.format(pid="S1", grade="=1+1") + "\n"
                + ROW.format(pid="S2", grade="@SUM(A1)") + "\n")
    report = _load(store, path)
    values = pl.read_csv(report.quarantine_csv, infer_schema=False)["value"].to_list()
    assert values == ["'=1+1", "'@SUM(A1)"]
    assert [q["value"] for q in _quarantine(store)] == ["=1+1", "@SUM(A1)"]  # the store keeps it


def test_mangled_csv_files_never_raise_anything_but_a_sentence(tmp_path: Path) -> None:
    """Random damage to a good file (quotes, separators, line breaks, NUL, bad bytes, BOMs):
    every outcome is a balanced load or one InputFileError, never another exception."""
    import random

    rng = random.Random(14)
    good = (f"{HEADER}\n" + "\n".join(ROW.format(pid=f"S{i}", grade="P-4") for i in range(6))
            + "\n").encode("utf-8")
    pieces = [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b";",
              b"\t", b" ", "\u00e9".encode(), b'""', b"\n\n"]
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(120):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            if rng.random() < 0.3:
                del data[at:at + rng.randint(1, 8)]
            else:
                data[at:at] = rng.choice(pieces)
        path = tmp_path / f"m{i}" / "staff.csv"
        path.parent.mkdir()
        path.write_bytes(bytes(data))
        with open_store(path.parent / "p.duckdb") as s:
            try:
                report = ingest([path], s, today=TODAY)
            except InputFileError as exc:
                assert str(exc).strip() and "\n" not in exc.message
                outcomes["refused"] += 1
                continue
            assert all(f.balanced for f in report.files)
            outcomes["loaded"] += 1
    assert outcomes["loaded"] > 20 and outcomes["refused"] > 5, outcomes


def test_an_organisation_declares_its_own_code_lists(store: Store, tmp_path: Path) -> None:
    staff = _csv(tmp_path, f"{HEADER}\n{ROW.format(pid='S1', grade='P-4')}\n")
    si = _csv(tmp_path, SELF_ID_HEADER + "S1,Religion,none,2022-01-01\n"
              "S1,disability,yes,2022-01-01\n", "self_identification.csv")
    report = _load(store, staff, si, self_id_codes={"religion": ("None", "Some")})
    assert report.files[-1].rows_loaded == 1
    assert store.frame("SELECT dimension, value FROM restricted.self_identification"
                       ).to_dicts() == [{"dimension": "religion", "value": "None"}]
    assert _quarantine(store)[0]["reason"] == (
        "'disability' is not a declared self-identification dimension; declared: religion")
