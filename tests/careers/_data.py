"""Invented interchange rows for the career-flow tests (no synthetic generator needed).

:func:`small_case` simulates a few dozen careers over four yearly snapshots with every
awkward thing real exports contain: several events in one year, separations dated on a
snapshot date (with and without the person on that snapshot), people missing from a
snapshot and coming back, recruits who leave before their first snapshot, events after a
separation, events before the first and after the last snapshot, unknown genders and
duty stations, a top-grade USG.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from parity.core import model

SNAPSHOTS = (date(2019, 12, 31), date(2020, 12, 31), date(2021, 12, 31), date(2022, 12, 31))
ENTITIES = {"HQA": False, "HQB": False, "MSN": True, "MSO": True}
STATIONS = {"HQA": ("New York",), "HQB": ("Geneva", "Vienna"), "MSN": ("Juba", "Wau"),
            "MSO": ("Bangui",)}
LADDER = ("P-1", "P-2", "P-3", "P-4", "P-5", "D-1", "D-2")
NATIONALITIES = ("KEN", "FRA", "CHN", "BRA", "POL", "USA", "IND", "XXX")
REASONS = ("retirement", "resignation", "end_of_appointment", "termination", "death", "other")


def _day(rng: np.random.Generator, lo: date, hi: date) -> date:
    """A random date in (lo, hi]."""
    return lo + timedelta(days=int(rng.integers(1, (hi - lo).days + 1)))


def small_case(seed: int, people: int = 60) -> tuple[list[dict[str, object]],
                                                     list[dict[str, object]]]:
    """(staff rows, event rows) of an invented organization, 2019-12-31 … 2022-12-31."""
    rng = np.random.default_rng(seed)
    staff: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for i in range(people):
        pid = f"Q{seed:02d}{i:03d}"
        nat = str(rng.choice(NATIONALITIES))
        gender = None if rng.random() < 0.08 else str(rng.choice(["F", "M", "X"], p=[.48, .48, .04]))
        grade = "USG" if i == 0 else str(rng.choice((*LADDER[:5], "G-5", "G-6")))
        entity = str(rng.choice(list(ENTITIES)))
        station: str | None = str(rng.choice(STATIONS[entity]))
        appt = str(rng.choice(model.APPOINTMENT_TYPES))
        on_stock = rng.random() < 0.75
        active = on_stock
        hire_slot = -1 if on_stock else int(rng.integers(-1, 3))
        if not on_stock:
            lo = SNAPSHOTS[0] - timedelta(days=365) if hire_slot < 0 else SNAPSHOTS[hire_slot]
            d = _day(rng, lo, SNAPSHOTS[hire_slot + 1])
            events.append({"person_id": pid, "event_date": d.isoformat(), "event": "appointment",
                           "to_grade": grade, "to_entity": entity})
            active = True
        for k, snap in enumerate(SNAPSHOTS):
            present = active
            if k > 0 and active and k - 1 >= hire_slot:
                lo = SNAPSHOTS[k - 1]
                n_events = int(rng.choice([0, 0, 1, 1, 2, 3]))
                days = sorted({_day(rng, lo, snap) for _ in range(n_events)})
                for d in days:
                    if not active:
                        if rng.random() < 0.3:  # an event after a separation
                            events.append({"person_id": pid, "event_date": d.isoformat(),
                                           "event": "reassignment", "from_entity": entity,
                                           "to_entity": str(rng.choice(list(ENTITIES)))})
                        continue
                    kind = str(rng.choice(["promotion", "reassignment", "separation"],
                                          p=[.4, .35, .25]))
                    if kind == "promotion" and grade in LADDER[:-1]:
                        new = LADDER[LADDER.index(grade) + 1]
                        events.append({"person_id": pid, "event_date": d.isoformat(),
                                       "event": "promotion", "from_grade": grade, "to_grade": new,
                                       "from_entity": entity, "to_entity": entity})
                        grade = new
                    elif kind == "reassignment":
                        new_e = str(rng.choice([e for e in ENTITIES if e != entity]))
                        events.append({"person_id": pid, "event_date": d.isoformat(),
                                       "event": "reassignment", "from_entity": entity,
                                       "to_entity": new_e})
                        entity, station = new_e, str(rng.choice(STATIONS[new_e]))
                    elif kind == "separation":
                        if rng.random() < 0.3:
                            d = snap  # separated on the snapshot date itself
                        events.append({"person_id": pid, "event_date": d.isoformat(),
                                       "event": "separation", "from_grade": grade,
                                       "from_entity": entity, "reason": str(rng.choice(REASONS))})
                        active = False
                        present = d == snap and rng.random() < 0.5
                if active and rng.random() < 0.1 and station is not None:
                    station = str(rng.choice(STATIONS[entity]))  # moved without an event
                present = present or active
                if active and rng.random() < 0.06:
                    present = False  # missing from this snapshot without a separation
            if k < hire_slot + 1:
                present = False
            if present:
                staff.append({
                    "snapshot_date": snap.isoformat(), "person_id": pid, "nationality": nat,
                    "gender": gender, "birth_year": 1975, "grade": grade,
                    "category": model.CATEGORY_OF_GRADE[grade], "entity": entity,
                    "duty_station": None if rng.random() < 0.05 else station,
                    "field": ENTITIES[entity], "appointment_type": appt, "geo_subject": True,
                })
        if active and rng.random() < 0.2:  # an event after the last snapshot
            events.append({"person_id": pid, "event_date": "2023-03-01", "event": "separation",
                           "from_grade": grade, "reason": "resignation"})
    # A recruit who leaves before the first snapshot they would have been on.
    events.append({"person_id": f"Q{seed:02d}999", "event_date": "2021-02-01",
                   "event": "appointment", "to_grade": "P-3", "to_entity": "HQA"})
    events.append({"person_id": f"Q{seed:02d}999", "event_date": "2021-09-01",
                   "event": "separation", "from_grade": "P-3", "reason": "resignation"})
    return staff, _unique(events)


def _unique(events: list[dict[str, object]]) -> list[dict[str, object]]:
    """Drop exact duplicates (the store's key would reject them)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for e in events:
        key = tuple(e.get(c) for c in model.EVENTS.key)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def write_csv(path: Path, table: str, rows: list[dict[str, object]]) -> Path:
    """Rows of an interchange file (booleans true/false, None empty)."""
    columns = model.TABLES_BY_NAME[table].column_names
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            w.writerow(["" if row.get(c) is None else "true" if row.get(c) is True else "false"
                        if row.get(c) is False else str(row.get(c)) for c in columns])
    return path
