"""A small, deterministic organization loaded into a real store, for the disclosure tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from parity.core import model
from parity.core.disclosure import Actor
from parity.core.ingest import ingest
from parity.core.store import Store

SNAPSHOT = "2022-12-31"
ENTITIES = ("DPPA", "OCHA", "DESA", "OHCHR", "UNEP", "DOS")
# (nationality, weight): big and small Member States of every regional group, and XXX
NATIONS = (("USA", 12), ("FRA", 8), ("GBR", 7), ("DEU", 5), ("ITA", 4), ("MLT", 1),
           ("KEN", 6), ("NGA", 5), ("ETH", 4), ("CPV", 1), ("IND", 6), ("CHN", 5), ("JPN", 4),
           ("TUV", 1), ("RUS", 4), ("POL", 3), ("MNE", 1), ("BRA", 4), ("MEX", 4),
           ("ARG", 3), ("KNA", 1), ("XXX", 1))
GRADES = (("P-2", 10), ("P-3", 22), ("P-4", 22), ("P-5", 12), ("D-1", 4), ("D-2", 2),
          ("ASG", 1), ("G-5", 18), ("G-6", 10), ("FS-5", 5), ("NO-B", 4))
RACES = (("Asian", 30), ("White", 25), ("African or Black", 20), ("Indigenous", 4),
         ("Mixed or multiple", 2))

WriteRows = Callable[..., Path]


def _pick(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def staff_rows(n: int, seed: int, prefix: str = "S") -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        grade = _pick(rng, GRADES)
        gender = rng.choices(["F", "M", "X", None], weights=[48, 48, 1, 3])[0]
        rows.append({
            "snapshot_date": SNAPSHOT, "person_id": f"{prefix}{i:05d}",
            "nationality": _pick(rng, NATIONS), "gender": gender,
            "birth_year": rng.randint(1960, 1995), "category": model.CATEGORY_OF_GRADE[grade],
            "grade": grade, "entity": rng.choice(ENTITIES), "duty_station": "New York",
            "field": False, "appointment_type": "fixed-term",
            "geo_subject": model.CATEGORY_OF_GRADE[grade] in ("P", "D") and rng.random() < 0.8,
        })
    return rows


def opening_rows(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        year = 2020 + i % 3
        posted = date(year, 1 + rng.randint(0, 9), 1)
        rows.append({"opening_id": f"O{i:04d}", "entity": rng.choice(ENTITIES),
                     "grade": rng.choice(("P-2", "P-3", "P-4", "P-5", "D-1", "G-5")),
                     "job_family": "Political affairs", "posting_type": "position_specific",
                     "posted_date": posted.isoformat(),
                     "closed_date": (posted + timedelta(days=60)).isoformat()})
    return rows


def application_rows(openings: Sequence[dict[str, object]], per_opening: int, seed: int,
                     prefix: str = "A") -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    k = 0
    for op in openings:
        start = date.fromisoformat(str(op["posted_date"]))
        for _ in range(rng.randint(per_opening // 2, per_opening * 3 // 2)):
            k += 1
            row: dict[str, object] = {
                "application_id": f"{prefix}{k:06d}", "opening_id": op["opening_id"],
                "applicant_id": f"{prefix}P{rng.randint(0, 3000):05d}",
                "nationality": _pick(rng, NATIONS),
                "gender": rng.choices(["F", "M", "X", None], weights=[45, 50, 1, 4])[0],
                "education_country": "GBR", "internal": rng.random() < 0.2,
                "received_date": (start + timedelta(days=rng.randint(0, 30))).isoformat(),
            }
            day = date.fromisoformat(str(row["received_date"]))
            for stage, p in (("screened", 0.5), ("assessed", 0.4), ("interviewed", 0.5),
                             ("recommended", 0.5), ("selected", 0.4)):
                if rng.random() > p:
                    break
                day += timedelta(days=rng.randint(1, 20))
                row[f"{stage}_date"] = day.isoformat()
            rows.append(row)
    return rows


def selfid_rows(staff: Sequence[dict[str, object]], seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for s in staff:
        if rng.random() < 0.7:
            rows.append({"subject_id": s["person_id"], "dimension": "race_ethnicity",
                         "value": _pick(rng, RACES), "collected_date": "2022-06-01"})
        if rng.random() < 0.5:
            rows.append({"subject_id": s["person_id"], "dimension": "disability",
                         "value": rng.choices(["yes", "no"], weights=[8, 92])[0],
                         "collected_date": "2022-06-01"})
    return rows


def load_org(store: Store, write_rows: WriteRows, n_staff: int = 600, n_openings: int = 36,
             seed: int = 1) -> dict[str, list[dict[str, object]]]:
    """Write a small organization's interchange files and ingest them into ``store``."""
    staff = staff_rows(n_staff, seed=seed)
    openings = opening_rows(n_openings, seed=seed + 1)
    apps = application_rows(openings, 45, seed=seed + 2)
    selfid = selfid_rows(staff, seed=seed + 3)
    paths = [write_rows("staff", staff), write_rows("openings", openings),
             write_rows("applications", apps), write_rows("self_identification", selfid)]
    report = ingest(paths, store)
    assert report.rows_quarantined == 0
    return {"staff": staff, "openings": openings, "applications": apps,
            "self_identification": selfid}


@pytest.fixture
def org(store: Store, write_rows: WriteRows) -> tuple[Store, dict[str, list[dict[str, object]]]]:
    """The shared ``store`` fixture holding a small organization with self-identification."""
    return store, load_org(store, write_rows, n_staff=400, n_openings=30)


ANALYST = Actor("ana", "analyst", purpose="annual composition report")
ADMIN = Actor("ada", "admin")
