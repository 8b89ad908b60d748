"""A small, deterministic organization written as interchange CSVs and ingested.

Three staff snapshots of ~500 people in five entities, ~60 openings over five years
and ~3,000 applications whose stage pass rates differ by regional group, so every view
has something to show. Used by the web tests (the synthetic generator is much larger).
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from parity.core import model, reference
from parity.core.ingest import ingest
from parity.core.store import open_store

ENTITIES = ("DPPA", "DESA", "OCHA", "DPO", "OHCHR")
SNAPSHOTS = (date(2021, 12, 31), date(2022, 12, 31), date(2023, 12, 31))
#: Chance of passing each stage after received, by regional group.
PASS = {"AFR": 0.55, "APG": 0.6, "EEG": 0.65, "GRULAC": 0.62, "WEOG": 0.78}
GRADE_MIX = (("P", "P-2", 10), ("P", "P-3", 18), ("P", "P-4", 16), ("P", "P-5", 9),
             ("D", "D-1", 3), ("D", "D-2", 1), ("GS", "G-5", 20), ("GS", "G-6", 12),
             ("FS", "FS-5", 6), ("NO", "NO-B", 5))


def _write(path: Path, table: model.Table, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(table.column_names)
        for row in rows:
            w.writerow(["" if row.get(c) is None else
                        ("true" if row[c] is True else "false" if row[c] is False else str(row[c]))
                        for c in table.column_names])
    return path


def write_files(folder: Path, seed: int = 7, people: int = 500, openings: int = 60) -> list[Path]:
    rng = random.Random(seed)
    ms = reference.member_states()
    nat_by_group: dict[str, list[str]] = {}
    for iso3, group in zip(ms["iso3"].to_list(), ms["regional_group"].to_list(), strict=True):
        nat_by_group.setdefault(group, []).append(iso3)
    groups = list(PASS)
    weights = (18, 22, 12, 14, 34)

    def nationality() -> str:
        group = rng.choices(groups, weights)[0]
        return rng.choice(nat_by_group[group][:12])

    staff_rows: list[dict[str, object]] = []
    persons = []
    for i in range(people):
        cat, grade, _w = rng.choices(GRADE_MIX, [g[2] for g in GRADE_MIX])[0]
        persons.append({
            "person_id": f"S{i:05d}", "nationality": nationality(),
            "gender": rng.choices(["F", "M", "X", None], (47, 51, 1, 1))[0],
            "birth_year": rng.randint(1960, 1995), "category": cat, "grade": grade,
            "entity": rng.choice(ENTITIES), "field": rng.random() < 0.3,
            "appointment_type": rng.choice(model.APPOINTMENT_TYPES[:3]),
        })
    for k, snap in enumerate(SNAPSHOTS):
        for j, p in enumerate(persons):
            if j >= people - 60 + 30 * k:
                continue  # the organization grows
            staff_rows.append({**p, "snapshot_date": snap.isoformat(),
                               "duty_station": "New York" if not p["field"] else "Nairobi",
                               "geo_subject": p["category"] in ("P", "D")
                               and p["appointment_type"] != "temporary"})
    opening_rows = []
    app_rows: list[dict[str, object]] = []
    n_app = 0
    for o in range(openings):
        posted = date(2019 + o % 5, 1 + (o * 7) % 12, 1 + o % 27)
        grade = rng.choice(("P-2", "P-3", "P-4", "P-5", "D-1", "G-5"))
        posting = rng.choice(model.POSTING_TYPES[:2])
        oid = f"O{o:04d}"
        opening_rows.append({"opening_id": oid, "entity": rng.choice(ENTITIES), "grade": grade,
                             "job_family": "Political affairs", "posting_type": posting,
                             "posted_date": posted.isoformat(),
                             "closed_date": (posted + timedelta(days=60)).isoformat()})
        selected_left = 1
        for _a in range(rng.randint(25, 75)):
            nat = nationality()
            group = reference.regional_group_of()[nat]
            row: dict[str, object] = {
                "application_id": f"A{n_app:06d}", "opening_id": oid,
                "applicant_id": f"P{rng.randint(0, 9999):05d}", "nationality": nat,
                "gender": rng.choice(["F", "M"]), "education_country": nat,
                "internal": rng.random() < 0.2,
                "received_date": (posted + timedelta(days=rng.randint(0, 50))).isoformat()}
            n_app += 1
            day = posted + timedelta(days=61)
            for stage in model.STAGES[1:]:
                if stage == "selected" and selected_left == 0:
                    break
                if rng.random() > PASS[group]:
                    break
                day += timedelta(days=rng.randint(5, 30))
                row[f"{stage}_date"] = day.isoformat()
                if stage == "selected":
                    selected_left -= 1
            app_rows.append(row)
    return [
        _write(folder / "openings.csv", model.OPENINGS, opening_rows),
        _write(folder / "staff.csv", model.STAFF, staff_rows),
        _write(folder / "applications.csv", model.APPLICATIONS, app_rows),
    ]


def build_store(folder: Path, seed: int = 7) -> Path:
    """Write the files into ``folder`` and ingest them into ``folder/parity.duckdb``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = write_files(folder, seed)
    db = folder / "parity.duckdb"
    with open_store(db) as store:
        report = ingest(files, store, quarantine_dir=folder)
    assert report.rows_quarantined == 0, f"{report.rows_quarantined} rows quarantined"
    return db
