"""A sequence of public releases on a copy of a store: additions, a correction, a new
snapshot. Used by the differencing attack test and runnable on the demo store:

    python -m tests.disclosure.sequence /work/demo/parity.duckdb /tmp/seq
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl

PY = sys.executable


def _cli(*args: str) -> None:
    res = subprocess.run([PY, "-m", "parity.cli.main", *args], capture_output=True, text=True)
    assert res.returncode == 0, (args, res.stdout[-2000:], res.stderr[-2000:])


def release(db: Path, out: Path) -> Path:
    _cli("release", "--audience", "public", "--db", str(db), "--out", str(out), "--as", "t")
    return out


def _latest_staff(db: Path) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(
            "SELECT * EXCLUDE (load_id) FROM main.staff "
            "WHERE snapshot_date = (SELECT max(snapshot_date) FROM main.staff) "
            "ORDER BY person_id").pl()


def additions(db: Path, work: Path,
              answers: tuple[str, str] = ("Arab or Middle Eastern", "Indigenous")) -> None:
    """3 staff, 4 self-identification answers and 2 applications, loaded as files."""
    staff = _latest_staff(db)
    new = staff.filter(pl.col("grade").is_in(["P-4", "G-5", "P-3"])).head(3).with_columns(
        person_id=pl.Series([f"NEW{i:05d}" for i in range(3)]))
    selfid = pl.DataFrame({
        "subject_id": ["NEW00000", "NEW00001", "NEW00002", "NEW00000"],
        "dimension": ["race_ethnicity", "race_ethnicity", "race_ethnicity", "disability"],
        "value": [answers[0], answers[1], answers[0], "yes"],
        "collected_date": ["2024-12-01"] * 4})
    with duckdb.connect(str(db), read_only=True) as con:
        apps = con.sql(
            "SELECT * EXCLUDE (load_id, opening_entity, opening_grade, opening_job_family, "
            "opening_posting_type, opening_year) FROM main.applications a "
            "WHERE opening_grade LIKE 'P-%' ORDER BY received_date DESC, application_id "
            "LIMIT 2").pl()
    apps = apps.with_columns(application_id=pl.Series(["NEWAPP0", "NEWAPP1"]),
                             applicant_id=pl.Series(["NEWP0", "NEWP1"]))
    paths = []
    for name, frame in (("staff", new), ("self_identification", selfid),
                        ("applications", apps)):
        path = work / f"{name}_add.csv"
        frame.write_csv(path)
        paths.append(str(path))
    _cli("ingest", *paths, "--db", str(db))


def correction(db: Path) -> None:
    """Remove 4 staff rows of the latest snapshot and 3 applications in place."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            "DELETE FROM main.staff WHERE snapshot_date = (SELECT max(snapshot_date) FROM "
            "main.staff) AND person_id IN (SELECT person_id FROM main.staff WHERE "
            "snapshot_date = (SELECT max(snapshot_date) FROM main.staff) AND grade IN "
            "('P-5', 'G-4', 'D-1') ORDER BY person_id LIMIT 4)")
        con.execute(
            "DELETE FROM main.applications WHERE application_id IN (SELECT application_id "
            "FROM main.applications WHERE opening_grade = 'P-3' ORDER BY application_id "
            "LIMIT 3)")


def new_snapshot(db: Path, work: Path) -> None:
    """A snapshot one year later: the same staff less 2 %, and 40 recruits."""
    staff = _latest_staff(db)
    year = staff["snapshot_date"][0].year + 1
    kept = staff.filter(pl.int_range(pl.len()) % 50 != 7)
    recruits = staff.filter(pl.int_range(pl.len()) % 97 == 3).head(40).with_columns(
        person_id=pl.format("REC{}", pl.int_range(pl.len())))
    snap = pl.concat([kept, recruits]).with_columns(
        snapshot_date=pl.lit(f"{year}-12-31"))
    path = work / "staff_next.csv"
    snap.write_csv(path)
    _cli("ingest", str(path), "--db", str(db))


def build(source: Path, work: Path) -> list[Path]:
    """Releases r1 (as is), r2 (additions), r3 (correction), r4 (new snapshot)."""
    work.mkdir(parents=True, exist_ok=True)
    db = work / "parity.duckdb"
    shutil.copy(source, db)
    return run(db, work)


def run(db: Path, work: Path, answers: tuple[str, str] = ("Arab or Middle Eastern",
                                                         "Indigenous")) -> list[Path]:
    """The four releases on the store ``db`` (changed in place)."""
    out = [release(db, work / "r1")]
    additions(db, work, answers)
    out.append(release(db, work / "r2"))
    correction(db)
    out.append(release(db, work / "r3"))
    new_snapshot(db, work)
    out.append(release(db, work / "r4"))
    return out


if __name__ == "__main__":
    for folder in build(Path(sys.argv[1]), Path(sys.argv[2])):
        print(folder)


#: What an attacker told about the sequence knows: additions only grow every count, the
#: correction only removed rows, the new snapshot replaced the staff stock (no
#: assumption) and left the applications as they were.
TOLD = {(0, "staff_latest"): 1, (0, "geo_staff_latest"): 1, (0, "applications_pplus_regular"): 1,
        (1, "staff_latest"): -1, (1, "geo_staff_latest"): -1, (1, "applications_pplus_regular"): -1,
        (2, "staff_latest"): 0, (2, "geo_staff_latest"): 0, (2, "applications_pplus_regular"): 1}


def truth(db: Path, folders: list[Path]) -> tuple[dict, dict]:
    """True values and statuses of every released cell, from the store's release log
    (to judge the attack only; the attacker never reads them)."""
    import json

    # the log records a folder inside the store's folder relative to it
    index = {str(f): i for i, f in enumerate(folders)}
    index.update({f.resolve().relative_to(db.resolve().parent).as_posix(): i
                  for i, f in enumerate(folders) if f.resolve().is_relative_to(db.resolve().parent)})
    values: dict = {}
    status: dict = {}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT r.out_dir, c.cell, c.status, c.held FROM main.disclosure_release_cells c "
            "JOIN main.disclosure_releases r USING (release_id)").fetchall()
    for out, cell, st, held in rows:
        u, m, pairs = json.loads(cell)
        key = (index[out], (u, m, tuple(tuple(p) for p in pairs)))
        values[key] = held
        status[key] = st
    return values, status
