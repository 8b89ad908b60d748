"""A small organization's history written as interchange rows, loaded into a real store.

The history is generated here with a few lines of plain Python (not the synthetic
generator): yearly snapshots, separations (with retirements at 65), promotions to the
next grade, appointments that refill every vacancy, and for each appointment an opening
with a handful of applications, one of them selected.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from parity.core import model
from parity.core.projection.history import History

LADDER = ("P-2", "P-3", "P-4", "P-5", "D-1")
POSTS = {"P-2": 40, "P-3": 70, "P-4": 60, "P-5": 30, "D-1": 10}
STATES = ("FRA", "USA", "DEU", "CHN", "IND", "JPN", "BRA", "MEX", "NGA", "KEN", "EGY", "RUS",
          "POL", "UKR", "ARG", "PHL")


@dataclass
class Person:
    pid: str
    grade: str
    gender: str
    nationality: str
    birth_year: int
    field: bool
    geo: bool


def history_rows(first_year: int = 2015, last_year: int = 2021, seed: int = 7,
                 women_entry: float = 0.5, scale: int = 1) -> dict[str, list[dict[str, object]]]:
    rnd = random.Random(seed)
    staff: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    openings: list[dict[str, object]] = []
    apps: list[dict[str, object]] = []
    counter = [0]

    def new_person(grade: str, year: int, women: float) -> Person:
        counter[0] += 1
        age = {"P-2": 29, "P-3": 36, "P-4": 43, "P-5": 49, "D-1": 53}[grade] + rnd.randint(-6, 6)
        return Person(f"S{counter[0]:05d}", grade, "F" if rnd.random() < women else "M",
                      rnd.choice(STATES), year - age, rnd.random() < 0.3, rnd.random() < 0.7)

    people = [new_person(g, first_year, 0.4) for g, n in POSTS.items() for _ in range(n * scale)]
    for p in people:
        p.birth_year -= rnd.randint(0, 10)

    def snapshot(year: int) -> None:
        for p in people:
            staff.append({"snapshot_date": f"{year}-12-31", "person_id": p.pid,
                          "nationality": p.nationality, "gender": p.gender,
                          "birth_year": p.birth_year, "category": "D" if p.grade == "D-1" else "P",
                          "grade": p.grade, "entity": "DESA" if not p.field else "MINUSCA",
                          "field": p.field, "appointment_type": "fixed-term", "geo_subject": p.geo})

    snapshot(first_year)
    for year in range(first_year + 1, last_year + 1):
        stay = []
        for p in people:
            age = year - p.birth_year
            if age >= 65 or rnd.random() < (0.07 if p.gender == "F" else 0.05):
                events.append({"person_id": p.pid, "event_date": f"{year}-06-30", "event": "separation",
                               "from_grade": p.grade,
                               "reason": "retirement" if age >= 65 else "resignation"})
            else:
                stay.append(p)
        people = stay
        for i in range(len(LADDER) - 1, -1, -1):
            g = LADDER[i]
            have = sum(1 for p in people if p.grade == g)
            vacancies = POSTS[g] * scale - have
            if vacancies <= 0:
                continue
            internal = [p for p in people if i > 0 and p.grade == LADDER[i - 1]]
            rnd.shuffle(internal)
            n_prom = min(len(internal), round(vacancies * 0.6)) if i > 0 else 0
            for p in internal[:n_prom]:
                events.append({"person_id": p.pid, "event_date": f"{year}-03-01", "event": "promotion",
                               "from_grade": p.grade, "to_grade": g})
                p.grade = g
            for _ in range(vacancies - n_prom):
                p = new_person(g, year, women_entry)
                people.append(p)
                events.append({"person_id": p.pid, "event_date": f"{year}-04-01", "event": "appointment",
                               "to_grade": g, "to_entity": "DESA"})
                oid = f"JO{len(openings):05d}"
                openings.append({"opening_id": oid, "entity": "DESA", "grade": g,
                                 "posting_type": "position_specific", "posted_date": f"{year}-01-15",
                                 "closed_date": f"{year}-02-15"})
                for k in range(6):
                    sel = k == 0
                    apps.append({
                        "application_id": f"A{len(apps):06d}", "opening_id": oid,
                        "applicant_id": p.pid if sel else f"X{len(apps):06d}",
                        "nationality": p.nationality if sel else rnd.choice(STATES),
                        "gender": p.gender if sel else rnd.choice("FM"), "internal": False,
                        "received_date": f"{year}-02-01",
                        "screened_date": f"{year}-02-20" if sel or k < 3 else None,
                        "selected_date": f"{year}-03-20" if sel else None,
                        "assessed_date": f"{year}-03-01" if sel else None,
                        "interviewed_date": f"{year}-03-10" if sel else None,
                        "recommended_date": f"{year}-03-15" if sel else None,
                    })
        snapshot(year)
    return {"staff": staff, "events": events, "openings": openings, "applications": apps}


def write_csvs(folder: Path, rows: dict[str, list[dict[str, object]]]) -> list[Path]:
    """Write interchange rows as TABLE.csv files in ``folder``."""
    paths = []
    for name, table in rows.items():
        spec = model.TABLES_BY_NAME[name]
        path = folder / f"{spec.file_stem}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(spec.column_names)
            for row in table:
                w.writerow(["" if row.get(c) is None else "true" if row.get(c) is True
                            else "false" if row.get(c) is False else str(row.get(c))
                            for c in spec.column_names])
        paths.append(path)
    return paths


def homogeneous_history(women: int, men: int, sep_women: float, sep_men: float, women_entry: float,
                        grade: str = "P-3", base_year: int = 2024, birth_year: int = 1985,
                        exposure: int = 1_000_000, births: list[int] | None = None) -> History:
    """A one-grade organization whose rates are known almost exactly (huge exposure).

    ``births`` gives one birth year per person instead (then women + men rows of 1)."""
    if births is None:
        base = pl.DataFrame({"grade": [grade, grade], "gender": ["F", "M"], "field": [False, False],
                             "geo": [True, True], "nationality": ["FRA", "KEN"],
                             "birth_year": [birth_year, birth_year], "cohort": [2, 2],
                             "n": [women, men]})
    else:
        k = len(births)
        base = pl.DataFrame({"grade": [grade] * k, "gender": ["F" if i < women else "M" for i in range(k)],
                             "field": [i % 2 == 0 for i in range(k)], "geo": [True] * k,
                             "nationality": ["FRA"] * k, "birth_year": births, "cohort": [2] * k,
                             "n": [1] * k})
    person_years = pl.DataFrame({
        "year": [base_year, base_year], "grade": [grade, grade], "gender": ["F", "M"], "age": [40, 40],
        "cohort": [2, 2], "at_risk": [exposure, exposure],
        "separated": [round(sep_women * exposure), round(sep_men * exposure)],
        "retired": [0, 0], "promoted": [0, 0]})
    fills = pl.DataFrame(schema={"event": pl.Utf8, "from_grade": pl.Utf8, "to_grade": pl.Utf8,
                                 "n": pl.Int64})
    appointments = pl.DataFrame({"grade": [grade], "gender": ["F"], "age": [35], "n": [1000]})
    applications = pl.DataFrame({
        "grade": [grade, grade], "nationality": ["FRA", "KEN"], "gender": ["F", "M"],
        "internal": [False, False], "applications": [10 * exposure, 10 * exposure],
        "selected": [round(women_entry * exposure), round((1 - women_entry) * exposure)]})
    return History(date(base_year, 12, 31), base, person_years, fills, appointments, applications)
