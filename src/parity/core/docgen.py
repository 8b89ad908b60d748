"""Generate ``docs/data-model.md`` from the model declarations.

Run ``python -m parity.core.docgen docs/data-model.md``; a test fails when the committed
file differs from what this produces, so the document cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from parity.core import model, schema
from parity.core.ingest.normalise import MAX_LENGTH, SHOWN
from parity.core.ingest.plausible import EARLIEST, GRACE_DAYS, MAX_STAGE_YEARS
from parity.core.ingest.read_excel import HEADER_SCAN
from parity.core.ingest.validate import MAX_AGE, MIN_AGE

_LIMITS = ", ".join(f"{k} {v}" for k, v in MAX_LENGTH.items())

_RULES = [
    ("every file", "a required column is empty", "`is empty but required`"),
    ("every file", "a code outside its list (grade, category, gender, posting_type, event, "
     "reason, appointment_type)", "`'P-9' is not a valid grade; expected one of: …`"),
    ("every file", "a nationality or education country that is not ISO 3166-1 alpha-3",
     "`'ZZZ' is not an ISO 3166-1 alpha-3 country code (use XXX for stateless persons or "
     "non-member nationals)`"),
    ("every file", "a date not in `YYYY-MM-DD` form or not a calendar date",
     "`'2020-13-01' is not a date in YYYY-MM-DD form`"),
    ("every file", "a boolean other than `true`/`false`", "`'yes' is not true or false`"),
    ("every file", "a control or invisible character in a value (NUL, a line break, a "
     "zero-width space…)", "`contains the character U+0000 (NUL), which is not allowed in a "
     "value; remove it`"),
    ("every file", f"a value longer than its column's limit (characters by kind: {_LIMITS})",
     "`is 2,000,000 characters long; entity takes at most 200`"),
    ("every file", f"a date before {EARLIEST} or after the load date plus {GRACE_DAYS} days",
     "`0000-01-01 is before 1945, earlier than any plausible date; check the year`; "
     "`2099-12-31 is after 2027-03-08 (the load date 2026-12-06 plus 92 days); check the "
     "year`"),
    ("CSV", "a row with more (or fewer) cells than the header (empty trailing cells are "
     "accepted)", "`has 13 cells but the header has 12 columns; a value holding a comma must "
     "be in double quotes`"),
    ("Excel", "an error cell", "`is the Excel error #DIV/0!, not a value; fix the formula or "
     "type the value in the spreadsheet`"),
    ("Excel", "a formula whose value was never saved",
     "`is a formula whose value was never saved (the workbook was written by a program that "
     "does not calculate); open it in Excel and save it, or type the value`"),
    ("Parquet", "a binary cell that is not UTF-8",
     "`holds bytes that are not UTF-8 text; export the column as UTF-8 text`"),
    ("every file", "two rows with the same key in one file (the later rows are rejected)",
     "`duplicates the key (application_id) of row 6 in the same file`"),
    ("every file", "a row whose key is already stored, by another file of this load or an "
     "earlier load, with other values",
     "`has the same key (snapshot_date, person_id) as row 2 of staff_a.csv in this load but "
     "different values; keep one version of the row`; `… as a row of openings.csv loaded "
     "earlier (load 1) but different values; …`"),
    ("staff", "a grade outside its category", "`grade 'G-5' does not belong to category 'P'`"),
    ("staff", f"an age on the snapshot date outside {MIN_AGE}–{MAX_AGE}",
     f"`gives an age of 7 on the snapshot date; expected {MIN_AGE} to {MAX_AGE}`"),
    ("staff", "a birth year that is not four digits", "`'85' is not a four-digit year …`"),
    ("openings", "a deadline before the posting date", "`is before posted_date 2020-02-01`"),
    ("applications", "received before the opening was posted",
     "`1999-12-01 is before the opening was posted (2000-01-10); check the date or the "
     "opening_id`"),
    ("applications", f"a stage (or the roster date) more than {MAX_STAGE_YEARS} years after "
     "the application was received",
     "`2019-12-01 is more than 5 years after received_date 1999-12-01; check the year`"),
    ("applications", "an opening that is neither in the load nor in the store",
     "`'O9' is not a known opening (neither in this load nor in the store)`"),
    ("applications", "an organization other than its opening's",
     "`'WHO' is not the organization of opening JO-1 ('UN'); leave the cell empty to take "
     "the opening's`"),
    ("applications", "a stage date earlier than an earlier stage's date",
     "`2020-01-10 is earlier than an earlier stage's date (2020-02-02)`"),
    ("applications", "a stage skipped while a later one is set (except assessed and "
     "interviewed for a `recruit_from_roster` opening)",
     "`is empty but a later stage (assessed_date) is set`"),
    ("applications", "rostered without being recommended",
     "`is set but recommended_date is empty (only recommended applications are rostered)`"),
    ("events", "a promotion without both grades, or to a grade that is not senior",
     "`'P-3' is not senior to from_grade 'P-4', so this is not a promotion`"),
    ("events", "a separation without a reason, or a reason on another event",
     "`is empty but a separation needs a reason`"),
    ("events", "a reassignment without the entity after it",
     "`is empty but a reassignment needs the entity after it`"),
    ("self_identification", "a dimension that is not declared (any case is accepted and "
     "stored as declared)", "`'religion' is not a declared self-identification dimension; "
     "declared: race_ethnicity, disability`"),
    ("self_identification", "a value not in the dimension's declared list (any case)",
     "`'perhaps' is not a declared value of disability; declared (any case): yes, no`"),
    ("self_identification", "a subject that is neither a staff person_id nor an "
     "applicant_id (in the load or the store)", "`'U9' is neither a person_id in staff nor "
     "an applicant_id in applications (in this load or the store); load staff and "
     "applications first, or check the id`"),
]

#: Problems that stop a whole file (nothing of the load is written), with their message.
_FILE_RULES = [
    ("CSV", "a double quote never closed",
     "`staff.csv: a double quote opened at row 3 is never closed, so the rest of the file "
     "would be one value.`"),
    ("CSV", "columns separated by semicolons, tabs or vertical bars",
     "`staff.csv separates its columns with semicolons (;), not commas, so its header reads "
     "as one column.`"),
    ("CSV", "not UTF-8", "`staff.csv is not UTF-8 text (undecodable byte at row 2).`"),
    ("every file", "a column of the table twice in the header",
     "`staff.csv has the column entity 2 times in its header (columns 8, 13); Parity will "
     "not guess which one holds the data.`"),
    ("every file", "a column of the table missing",
     "`staff.csv lacks the columns … of staff (its header is: …).`"),
    ("Excel", "a header row missing a column of the table",
     "`staff.xlsx: the staff header on row 2 of sheet 'Data' lacks the column geo_subject.`"),
    ("Excel", f"no sheet whose first {HEADER_SCAN} rows hold the table's header",
     "`staff.xlsx has no sheet whose first 30 rows hold the header of staff (…); 'Cover' "
     "starts with: Staff export; …`"),
    ("Excel", "the header on two or more sheets",
     "`staff.xlsx holds the staff header on 2 sheets ('2022', '2023'); Parity reads one "
     "sheet per file, so rows on the others would be lost.`"),
    ("Parquet", "a column of lists or records",
     "`staff.parquet: the column 'entity' (List(String)) holds lists or records, not one "
     "value per cell.`"),
]


def render() -> str:
    lines = [
        "# Data model",
        "",
        "<!-- Generated by `python -m parity.core.docgen docs/data-model.md`; do not edit. -->",
        "",
        "Parity stores what an HR system exports in five tables that map one to one onto the",
        "interchange files, plus reference data shipped with the package, a load log, a",
        "quarantine of rejected rows, the release log and the dashboard's accounts; the audit",
        "log lives in a control database beside the store (see Other tables). Group columns",
        "are DuckDB ENUM types. Voluntary self-identification lives in the separate",
        "`restricted` schema.",
        "",
        "## Stages",
        "",
        " < ".join(f"`{s}`" for s in model.STAGES)
        + ". A `recruit_from_roster` selection may skip "
        + ", ".join(f"`{s}`" for s in sorted(model.ROSTER_SKIPPABLE)) + ". `rostered` is not "
        "a stage of the funnel: it marks recommended candidates placed on the roster.",
        "",
    ]
    for table in model.DATA_TABLES:
        lines += [
            f"## `{table.qualified_name}` — from `{table.file_stem}.csv`",
            "",
            table.description,
            "",
            f"Key: {', '.join(f'`{k}`' for k in table.key)}.",
            "",
            "| column | type | required | meaning | allowed values |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in table.columns:
            allowed = "a code under Organizations" if c.codes == tuple(model.ORGANIZATIONS) else (
                ", ".join(f"`{v}`" for v in c.codes) if c.codes else None) or (
                "ISO 3166-1 alpha-3 or `XXX`" if c.kind == "iso3" else
                "`YYYY-MM-DD`" if c.kind == "date" else
                "`true`/`false`" if c.kind == "bool" else "")
            pseud = " Pseudonymised on ingest when a secret is set." if c.pseudonymous else ""
            lines.append(f"| `{c.name}` | {c.kind} | {'yes' if c.required else 'no'} | "
                         f"{c.description}{pseud} | {allowed} |")
        lines.append("")
        if table.copies:
            lines += ["Columns the store adds to each row when it is loaded (not in the file):",
                      "", "| column | type | copied from | meaning |", "| --- | --- | --- | --- |"]
            lines += [f"| `{c.name}` | {c.kind} | `{c.copied_from}` | {c.description} |"
                      for c in table.copies]
            lines.append("")
        if table.derived:
            lines += ["Columns the store computes from each row when it is loaded (not in the "
                      "file):", "", "| column | type | meaning |", "| --- | --- | --- |"]
            lines += [f"| `{c.name}` | {c.kind} | {c.description} |" for c in table.derived]
            lines.append("")
        lines += [f"{n}" for n in table.notes]
        if table.notes:
            lines.append("")
    lines += [
        "## Grades and categories",
        "",
        "| category | meaning | grades, most senior first |",
        "| --- | --- | --- |",
    ]
    for cat, name in model.CATEGORIES.items():
        lines.append(f"| `{cat}` | {name} | {', '.join(model.GRADES_BY_CATEGORY[cat])} |")
    lines += [
        "",
        "Professional and higher = categories "
        + ", ".join(f"`{c}`" for c in sorted(model.PROFESSIONAL_AND_HIGHER))
        + ". Level bands: "
        + "; ".join(f"{g} → {b}" for g, b in model.LEVEL_BANDS.items()) + ".",
        "",
        "## Organizations",
        "",
        "The `organization` column of staff, openings and applications takes these codes "
        "(`parity.core.model.ORGANIZATIONS`). A file may leave the column out or a cell "
        "empty: staff and openings rows then take the `organization` setting (`"
        + model.DEFAULT_ORGANIZATION + "` by default), an application its opening's. Ids "
        "(person_id, opening_id, application_id) must be unique across the organizations "
        "of one store: prefix them with the organization when combining exports.",
        "",
        "| code | organization |",
        "| --- | --- |",
        *(f"| `{k}` | {v} |" for k, v in model.ORGANIZATIONS.items()),
        "",
                "## Reference tables",
        "",
        "| table | content | source |",
        "| --- | --- | --- |",
        "| `ref_member_states` | 193 Member States, ISO codes, UN name, regional group | "
        "`parity/core/reference/data/PROVENANCE.md` |",
        "| `ref_country_regions` | every ISO3 code → regional group (`NONMEMBER` otherwise) | "
        "derived |",
        "| `ref_scale` | scale of assessments (percent) by State and year, 2019–2026 | "
        "UN assessment circulars |",
        "| `ref_population` | population by State and year, 2015–2024 | World Bank SP.POP.TOTL |",
        "| `ref_grades` | grade, category, rank, level band, professional_and_higher | "
        "`parity.core.model` |",
        "",
        "## Ingest rules",
        "",
        "Row numbers are those a person sees: the line where the row starts in a CSV file as "
        "a text editor numbers it (a value with a quoted line break or a blank line above do "
        "not shift it) or the row in a spreadsheet (the header is row 1 unless it sits lower "
        "on the sheet); the record number (from 1) in a Parquet file. Every rejected "
        "row is kept with all its problems; for every file rows read = rows loaded + rows "
        "quarantined. A file whose bytes were loaded before is skipped; a row already stored "
        "with identical values is counted as loaded but not inserted twice.",
        "",
        "Every format is read the same way: each cell is trimmed of surrounding white space "
        "(including non-breaking spaces), put in Unicode normal form NFC, and an empty cell "
        "means unknown. Blank rows are skipped and counted in the load's notes; in Excel the "
        f"table is on the one sheet whose header row is among its first {HEADER_SCAN} rows "
        "(other sheets and the rows above the header are noted, not read). A value shown in a "
        f"message or the quarantine report is cut to {SHOWN} characters, control characters "
        "replaced by �.",
        "",
        "### Rows quarantined",
        "",
        "| file or table | rule | reason text |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t} | {r} | {m} |" for t, r, m in _RULES]
    lines += [
        "",
        "### Files refused",
        "",
        "A file with one of these problems stops the load; nothing is written.",
        "",
        "| file | problem | message |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t} | {r} | {m} |" for t, r, m in _FILE_RULES]
    lines += [
        "",
        "### Self-identification code lists",
        "",
        "The default declaration (`parity.core.model.SELF_ID_CODES`); an organisation with "
        "other categories passes its own to `parity.core.ingest.ingest(..., self_id_codes=…)`.",
        "",
        "| dimension | declared values (any case; stored as written here) |",
        "| --- | --- |",
    ]
    lines += [f"| `{d}` | {', '.join(v)} |" for d, v in model.SELF_ID_CODES.items()]
    lines += [
        "",
        "### Exit codes of `parity ingest`",
        "",
        "| code | meaning |",
        "| --- | --- |",
        "| 0 | every row read was loaded |",
        "| 6 | the load was committed but some rows were quarantined; the last line says how "
        "many and where the report is |",
        "| 2 | nothing was loaded: a file was refused, or `--strict` found rows it would "
        "quarantine (the report is written as `STORE-quarantine-refused.csv`) |",
        "| 3 | nothing was loaded: the store could not be opened or written |",
        "",
    ]
    lines.append("")
    lines += _system_tables()
    return "\n".join(lines)


_DATABASES = {
    "store": "the store (DuckDB)",
    "control": "the control database `<stem>.control.sqlite` (SQLite) beside the store, "
               "e.g. `parity.control.sqlite` beside `parity.duckdb`",
}


def _system_tables() -> list[str]:
    lines = [
        "## Other tables",
        "",
        "Declared in `parity.core.schema`; created from those declarations. The control "
        "database holds what every process must be able to write while others read or serve "
        "the store (see docs/architecture.md).",
        "",
    ]
    for t in schema.SYSTEM_TABLES:
        lines += [f"### `{t.qualified_name}` — in {_DATABASES[t.database]}", "", t.description,
                  ""]
        if t.key:
            lines += [f"Key: {', '.join(f'`{k}`' for k in t.key)}.", ""]
        lines += ["| column | type | required | meaning |", "| --- | --- | --- | --- |"]
        lines += [f"| `{f.name}` | {f.sql_type} | {'yes' if f.required or f.name in t.key else 'no'}"
                  f" | {f.description} |" for f in t.fields]
        lines.append("")
        lines += [*t.notes, ""] if t.notes else []
    return lines


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("docs/data-model.md")
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
