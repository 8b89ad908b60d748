"""Every validation rule: a bad file, the exact message, and nothing lost."""

from __future__ import annotations

import polars as pl
import pytest

from parity.core.ingest import ingest

OPENING = {"opening_id": "O1", "entity": "DPPA", "grade": "P-4", "job_family": "Political affairs",
           "posting_type": "position_specific", "posted_date": "2020-01-10",
           "closed_date": "2020-03-10"}
ROSTER_OPENING = {**OPENING, "opening_id": "O2", "posting_type": "recruit_from_roster"}
APP = {"application_id": "A1", "opening_id": "O1", "applicant_id": "P1", "nationality": "KEN",
       "gender": "F", "education_country": "GBR", "internal": "false",
       "received_date": "2020-01-11", "screened_date": "2020-02-01"}
STAFF = {"snapshot_date": "2022-12-31", "person_id": "S1", "nationality": "FRA", "gender": "M",
         "birth_year": "1980", "category": "P", "grade": "P-4", "entity": "DPPA",
         "duty_station": "New York", "field": "false", "appointment_type": "continuing",
         "geo_subject": "true"}
EVENT = {"person_id": "S1", "event_date": "2021-05-01", "event": "promotion",
         "from_grade": "P-3", "to_grade": "P-4", "from_entity": "DPPA", "to_entity": "DPPA"}
SELF_ID = {"subject_id": "S1", "dimension": "disability", "value": "no",
           "collected_date": "2022-01-01"}

# (table, bad row, column, reason)
CASES = [
    ("staff", {**STAFF, "nationality": None}, "nationality", "is empty but required"),
    ("staff", {**STAFF, "grade": "P-9"}, "grade",
     "'P-9' is not a valid grade; expected one of: USG, ASG, D-2, D-1, P-5, P-4, P-3, P-2, "
     "P-1, FS-7, FS-6, FS-5, FS-4, FS-3, FS-2, FS-1, NO-E, NO-D, NO-C, NO-B, NO-A, G-7, G-6, "
     "G-5, G-4, G-3, G-2, G-1"),
    ("staff", {**STAFF, "category": "Z"}, "category",
     "'Z' is not a valid category; expected one of: SL, D, P, FS, NO, GS"),
    ("staff", {**STAFF, "grade": "G-5"}, "grade", "grade 'G-5' does not belong to category 'P'"),
    ("staff", {**STAFF, "nationality": "ZZZ"}, "nationality",
     "'ZZZ' is not an ISO 3166-1 alpha-3 country code (use XXX for stateless persons or "
     "non-member nationals)"),
    ("staff", {**STAFF, "gender": "Q"}, "gender", "'Q' is not a valid gender; expected one of: F, M, X"),
    ("staff", {**STAFF, "field": "yes"}, "field", "'yes' is not true or false"),
    ("staff", {**STAFF, "snapshot_date": "2022-13-31"}, "snapshot_date",
     "'2022-13-31' is not a date in YYYY-MM-DD form"),
    ("staff", {**STAFF, "snapshot_date": "31/12/2022"}, "snapshot_date",
     "'31/12/2022' is not a date in YYYY-MM-DD form"),
    ("staff", {**STAFF, "birth_year": "80"}, "birth_year",
     "'80' is not a four-digit year between 1900 and 2100"),
    ("staff", {**STAFF, "birth_year": "2015"}, "birth_year",
     "gives an age of 7 on the snapshot date; expected 16 to 90"),
    ("staff", {**STAFF, "appointment_type": "casual"}, "appointment_type",
     "'casual' is not a valid appointment_type; expected one of: permanent, continuing, "
     "fixed-term, temporary"),
    ("openings", {**OPENING, "closed_date": "2020-01-01"}, "closed_date",
     "is before posted_date 2020-01-10"),
    ("openings", {**OPENING, "posting_type": "internal"}, "posting_type",
     "'internal' is not a valid posting_type; expected one of: position_specific, generic, "
     "recruit_from_roster"),
    ("applications", {**APP, "opening_id": "O9"}, "opening_id",
     "'O9' is not a known opening (neither in this load nor in the store)"),
    ("applications", {**APP, "screened_date": "2020-01-05"}, "screened_date",
     "2020-01-05 is earlier than an earlier stage's date (2020-01-11)"),
    ("applications", {**APP, "assessed_date": "2020-03-01", "screened_date": None},
     "screened_date", "is empty but a later stage (assessed_date) is set"),
    ("applications", {**APP, "selected_date": "2020-06-01"}, "assessed_date",
     "is empty but a later stage (selected_date) is set"),
    ("applications", {**APP, "rostered_date": "2020-06-01"}, "rostered_date",
     "is set but recommended_date is empty (only recommended applications are rostered)"),
    ("applications", {**APP, "assessed_date": "2020-03-01", "interviewed_date": "2020-04-01",
                      "recommended_date": "2020-05-01", "rostered_date": "2020-04-20"},
     "rostered_date", "is before recommended_date 2020-05-01"),
    ("applications", {**APP, "internal": "maybe"}, "internal", "'maybe' is not true or false"),
    ("applications", {**APP, "education_country": "UK"}, "education_country",
     "'UK' is not an ISO 3166-1 alpha-3 country code (use XXX for stateless persons or "
     "non-member nationals)"),
    ("events", {**EVENT, "to_grade": "P-3", "from_grade": "P-4"}, "to_grade",
     "'P-3' is not senior to from_grade 'P-4', so this is not a promotion"),
    ("events", {**EVENT, "from_grade": None}, "from_grade",
     "is empty but a promotion needs the grade before it"),
    ("events", {**EVENT, "event": "separation", "reason": None}, "reason",
     "is empty but a separation needs a reason"),
    ("events", {**EVENT, "event": "appointment", "reason": "retirement"}, "reason",
     "is set but only separations carry a reason (event is 'appointment')"),
    ("events", {**EVENT, "event": "reassignment", "to_entity": None}, "to_entity",
     "is empty but a reassignment needs the entity after it"),
    ("events", {**EVENT, "event": "transfer"}, "event",
     "'transfer' is not a valid event; expected one of: appointment, promotion, "
     "reassignment, separation"),
    ("self_identification", {**SELF_ID, "value": None}, "value", "is empty but required"),
]


@pytest.mark.parametrize(("table", "bad", "column", "reason"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_rule_rejects_row_with_exact_message(store, write_rows, table, bad, column, reason):
    good = {"staff": STAFF, "openings": OPENING, "applications": APP, "events": EVENT,
            "self_identification": SELF_ID}[table]
    files = [write_rows("openings", [OPENING, ROSTER_OPENING])] if table != "openings" else []
    if table == "self_identification":  # its subjects must be known people
        files.append(write_rows("staff", [STAFF, {**STAFF, "person_id": "S2"}]))
    good2 = {**good, **({"application_id": "A2"} if table == "applications" else {}),
             **({"person_id": "S2"} if table in ("staff", "events") else {}),
             **({"subject_id": "S2"} if table == "self_identification" else {}),
             **({"opening_id": "O5"} if table == "openings" else {})}
    path = write_rows(table, [good2, bad])
    report = ingest([*files, path], store)
    fr = next(f for f in report.files if f.table == table)
    assert (fr.rows_read, fr.rows_loaded, fr.rows_quarantined) == (2, 1, 1)
    q = store.frame("SELECT row_number, column_name, value, reason FROM main.quarantine "
                    "WHERE table_name = ?", [table])
    assert q.filter(pl.col("column_name") == column)["reason"].to_list() == [reason]
    assert set(q["row_number"].to_list()) == {3}  # header is row 1, the bad row is row 3
    assert report.quarantine_csv is not None
    csv = pl.read_csv(report.quarantine_csv, infer_schema=False)
    assert csv.columns == ["load_id", "file", "table_name", "row_number", "column_name",
                           "value", "reason"]
    assert reason in csv["reason"].to_list()
    assert csv["file"].unique().to_list() == [str(path)]


def test_roster_selection_may_skip_assessment_and_interview(store, write_rows):
    o = write_rows("openings", [ROSTER_OPENING])
    a = write_rows("applications", [{**APP, "opening_id": "O2", "recommended_date": "2020-03-01",
                                     "selected_date": "2020-03-05"}])
    report = ingest([o, a], store)
    assert report.rows_quarantined == 0
    # The same skip on a position-specific opening is rejected.
    a2 = write_rows("applications", [{**APP, "application_id": "A9",
                                      "recommended_date": "2020-03-01",
                                      "selected_date": "2020-03-05"}], name="applications_2.csv")
    report = ingest([a2], store)
    assert report.rows_quarantined == 1


def test_duplicate_key_within_file_keeps_first(store, write_rows):
    o = write_rows("openings", [OPENING])
    a = write_rows("applications", [APP, {**APP, "gender": "M"}])
    report = ingest([o, a], store)
    q = store.frame("SELECT row_number, reason FROM main.quarantine")
    assert q.to_dicts() == [{"row_number": 3, "reason":
                             "duplicates the key (application_id) of row 2 in the same file"}]
    assert store.frame("SELECT CAST(gender AS VARCHAR) g FROM applications")["g"].to_list() == ["F"]
    assert report.rows_read == report.rows_loaded + report.rows_quarantined


def test_conflict_with_earlier_load_is_quarantined(store, write_rows):
    o = write_rows("openings", [OPENING])
    ingest([o], store)
    changed = write_rows("openings", [{**OPENING, "grade": "P-5"}], name="openings_v2.csv")
    report = ingest([changed], store)
    q = store.frame("SELECT reason FROM main.quarantine")
    assert q["reason"].to_list() == [
        "has the same key (opening_id) as a row of openings.csv loaded earlier (load 1) but "
        "different values; keep one version of the row"]
    assert report.files[0].rows_quarantined == 1
    assert store.frame("SELECT CAST(grade AS VARCHAR) g FROM openings")["g"].to_list() == ["P-4"]


def test_identical_rows_in_a_new_file_are_not_duplicated(store, write_rows):
    o = write_rows("openings", [OPENING])
    ingest([o], store)
    again = write_rows("openings", [OPENING, {**OPENING, "opening_id": "O7"}],
                       name="openings_more.csv")
    report = ingest([again], store)
    fr = report.files[0]
    assert (fr.rows_read, fr.rows_loaded, fr.rows_new, fr.rows_quarantined) == (2, 2, 1, 0)
    assert store.row_counts()["openings"] == 2
