"""The command line through a real subprocess: one clear sentence, non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from parity import __version__

PARITY = [sys.executable, "-m", "parity.cli.main"]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    import os
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([*PARITY, *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=300)


def assert_user_error(res: subprocess.CompletedProcess[str], sentence: str) -> None:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr + res.stdout
    assert sentence in " ".join(res.stderr.split()), res.stderr


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"parity {__version__}"
    for cmd in ([], ["ingest"], ["synth"], ["demo"], ["status"]):
        res = run(*cmd, "--help")
        assert res.returncode == 0 and "Usage" in res.stdout, cmd


def test_missing_file(tmp_path: Path) -> None:
    res = run("ingest", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "p.duckdb"))
    assert_user_error(res, f"Error: {tmp_path / 'nope.csv'} does not exist. Check the path")
    assert res.returncode == 2


def test_wrong_columns(tmp_path: Path) -> None:
    (tmp_path / "staff.csv").write_text("snapshot_date,person_id\n2022-12-31,S1\n")
    res = run("ingest", str(tmp_path / "staff.csv"), "--db", str(tmp_path / "p.duckdb"))
    assert_user_error(res, "lacks the columns nationality, gender, birth_year")
    assert "Its header must hold: snapshot_date, person_id, nationality" in " ".join(
        res.stderr.split())
    (tmp_path / "mystery.csv").write_text("a,b\n1,2\n")
    res = run("ingest", str(tmp_path / "mystery.csv"), "--db", str(tmp_path / "p.duckdb"))
    assert_user_error(res, "does not match any Parity table (its columns are: a, b)")


def test_unreadable_encoding(tmp_path: Path) -> None:
    path = tmp_path / "openings.csv"
    path.write_bytes("opening_id,entity\nO1,Département\n".encode("latin-1"))
    res = run("ingest", str(path), "--db", str(tmp_path / "p.duckdb"))
    assert_user_error(res, "is not UTF-8 text (undecodable byte at row 2). Save it again as UTF-8")


def test_locked_store(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    (tmp_path / "openings.csv").write_text(
        "opening_id,entity,grade,job_family,posting_type,posted_date,closed_date\n"
        "O1,DPPA,P-4,Finance,generic,2020-01-01,2020-02-01\n")
    holder = duckdb.connect(str(db))  # another program holds the write lock
    try:
        res = subprocess.run(
            [*PARITY, "ingest", str(tmp_path / "openings.csv"), "--db", str(db)],
            capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert_user_error(res, f"The store {db} is in use by another program")
    assert "Wait for it to finish or close it" in " ".join(res.stderr.split())
    assert res.returncode == 3


def test_missing_store_for_status(tmp_path: Path) -> None:
    res = run("status", "--db", str(tmp_path / "none.duckdb"))
    assert_user_error(res, "does not exist. Load data with 'parity ingest'")


def test_bad_settings_file_names_file_key_and_fix(tmp_path: Path) -> None:
    (tmp_path / "parity.toml").write_text("[parity]\ndatabase = 'x.duckdb'\n")
    res = run("status", cwd=tmp_path)
    assert_user_error(res, f"Invalid setting 'database' (from {tmp_path / 'parity.toml'})")
    assert "Fix: remove 'database'; known keys: db, id_secret" in " ".join(res.stderr.split())


def test_ingest_prints_balance(tmp_path: Path) -> None:
    (tmp_path / "openings.csv").write_text(
        "opening_id,entity,grade,job_family,posting_type,posted_date,closed_date\n"
        "O1,DPPA,P-4,Finance,generic,2020-01-01,2020-02-01\n"
        "O2,DPPA,P-44,Finance,generic,2020-01-01,2020-02-01\n")
    res = run("ingest", str(tmp_path / "openings.csv"), "--db", str(tmp_path / "p.duckdb"))
    assert res.returncode == 6, res.stderr  # loaded, with quarantined rows
    assert "Rows read 2 = rows loaded 1 + rows quarantined 1." in res.stdout
    assert "p-quarantine-load1.csv" in res.stdout.replace("\n", "")
