"""Small invented staff files for the workforce tests (no synthetic generator needed)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np

from parity.core import model

DATES = (date(2021, 12, 31), date(2022, 12, 31), date(2023, 12, 31))
NATIONALITIES = ("FRA", "KEN", "BRA", "CHN", "USA", "IND", "POL", "NRU", "XXX")
ENTITIES = ("DESA", "DPO", "OCHA", "MINUSCA")
STATIONS = ("New York", "Geneva", "Bangui", "Nairobi")
LADDER = ("P-1", "P-2", "P-3", "P-4", "P-5", "D-1", "D-2", "ASG", "USG")
OTHER = ("G-4", "G-5", "FS-4", "NO-B")


def staff_rows(seed: int = 7, people: int = 240, dates: tuple[date, ...] = DATES,
               exit_rate: float = 0.12) -> list[dict[str, object]]:
    """Rows of staff.csv: ``people`` staff on the first date, then yearly exits,
    replacements (new person ids) and promotions, one snapshot per date."""
    rng = np.random.default_rng(seed)
    next_id = 0

    def new_person() -> dict[str, object]:
        nonlocal next_id
        next_id += 1
        prof = rng.random() < 0.7
        grade = str(rng.choice(LADDER[:5], p=[0.1, 0.25, 0.3, 0.25, 0.1])) if prof else str(
            rng.choice(OTHER))
        if prof and rng.random() < 0.06:
            grade = str(rng.choice(LADDER[5:]))
        entity = str(rng.choice(ENTITIES))
        return {
            "person_id": f"S{next_id:05d}",
            "nationality": str(rng.choice(NATIONALITIES)),
            "gender": str(rng.choice(["F", "M", "X", ""], p=[0.45, 0.5, 0.02, 0.03])) or None,
            "birth_year": int(rng.integers(1960, 1998)),
            "grade": grade,
            "entity": entity,
            "duty_station": None if rng.random() < 0.05 else str(rng.choice(STATIONS)),
            "field": entity == "MINUSCA",
            "appointment_type": str(rng.choice(model.APPOINTMENT_TYPES)),
            "geo_subject": prof and entity != "MINUSCA" and rng.random() < 0.8,
        }

    current = [new_person() for _ in range(people)]
    rows: list[dict[str, object]] = []
    for i, d in enumerate(dates):
        if i > 0:
            stay = [p for p in current if rng.random() >= exit_rate]
            for p in stay:
                g = str(p["grade"])
                if g in LADDER[:-1] and rng.random() < 0.1:
                    p["grade"] = LADDER[LADDER.index(g) + 1]
            current = stay + [new_person() for _ in range(people - len(stay) + 5 * i)]
        for p in current:
            rows.append({**p, "snapshot_date": d.isoformat(),
                         "category": model.CATEGORY_OF_GRADE[str(p["grade"])]})
    return rows


def write_staff_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    """Write rows as an interchange staff.csv (booleans as true/false, None as empty)."""
    columns = model.STAFF.column_names
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            cells = []
            for c in columns:
                v = row.get(c)
                cells.append("" if v is None else "true" if v is True else "false"
                             if v is False else str(v))
            w.writerow(cells)
    return path


def person(pid: str, nationality: str, grade: str = "P-3", gender: str | None = "F",
           geo: bool = True, **extra: object) -> dict[str, object]:
    """One staff row with sensible defaults (snapshot_date to be set by the caller)."""
    return {
        "person_id": pid, "nationality": nationality, "gender": gender, "birth_year": 1980,
        "category": model.CATEGORY_OF_GRADE[grade], "grade": grade, "entity": "DESA",
        "duty_station": "New York", "field": False, "appointment_type": "fixed-term",
        "geo_subject": geo, **extra,
    }
