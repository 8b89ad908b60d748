"""Interchange files built to match seed 000 Table 1's "rostered" and "promotions" rows.

Rostered (applications to P-1 … D-2 openings posted 2018–2022, placed on a roster):
AFR 8,172, APG 6,641, EEG 3,022, GRULAC 2,793, WEOG 23,028 (total 43,656). Promotions
(Professional and higher, dated 2018–2022): 463, 458, 185, 220, 1,293 (total 2,619).
Around them, rows that must not count: placements in openings posted in 2017 and 2023 and
in a General Service opening, promotions in 2017 and 2023 and on the General Service
ladder, and nationals of non-member States (in the counts, never in the five-group shares).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from parity.core import model

from ._data import write_csv

GROUPS = ("AFR", "APG", "EEG", "GRULAC", "WEOG")
NATIONALITY = {"AFR": "KEN", "APG": "CHN", "EEG": "POL", "GRULAC": "BRA", "WEOG": "FRA"}
ROSTERED = {"AFR": 8_172, "APG": 6_641, "EEG": 3_022, "GRULAC": 2_793, "WEOG": 23_028}
PROMOTIONS = {"AFR": 463, "APG": 458, "EEG": 185, "GRULAC": 220, "WEOG": 1_293}
ROSTERED_PCT = {"AFR": 18.7, "APG": 15.2, "EEG": 6.9, "GRULAC": 6.4, "WEOG": 52.7}
PROMOTIONS_PCT = {"AFR": 17.7, "APG": 17.5, "EEG": 7.1, "GRULAC": 8.4, "WEOG": 49.4}
#: Roster members later selected from a recruit_from_roster opening, per group.
CONVERTED = {"AFR": 40, "APG": 35, "EEG": 20, "GRULAC": 10, "WEOG": 150}
SNAPSHOTS = tuple(date(y, 12, 31) for y in range(2016, 2024))
LADDER = ("P-2", "P-3", "P-4", "P-5", "D-1")


def _openings() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for year in range(2017, 2024):
        for i, grade in enumerate(("P-2", "P-3", "P-4", "D-1", "G-5")):
            rows.append({"opening_id": f"JO{year}{i}", "entity": "DESA", "grade": grade,
                         "job_family": "Economics", "posting_type": "generic",
                         "posted_date": f"{year}-03-01", "closed_date": f"{year}-04-01"})
    rows.append({"opening_id": "RFR1", "entity": "DESA", "grade": "P-3", "job_family": "Economics",
                 "posting_type": "recruit_from_roster", "posted_date": "2023-05-01",
                 "closed_date": "2023-05-15"})
    return rows


def _application(aid: str, opening: str, applicant: str, nationality: str, year: int,
                 rostered: bool) -> dict[str, object]:
    row: dict[str, object] = {"application_id": aid, "opening_id": opening,
                              "applicant_id": applicant, "nationality": nationality,
                              "gender": "F", "education_country": nationality,
                              "received_date": f"{year}-03-10"}
    if rostered:
        row |= {"screened_date": f"{year}-04-10", "assessed_date": f"{year}-05-10",
                "interviewed_date": f"{year}-06-10", "recommended_date": f"{year}-07-10",
                "rostered_date": f"{year}-07-20"}
    return row


def applications() -> list[dict[str, object]]:
    """Rostered placements (Table 1 and the noise around it) and unrostered applications."""
    rows: list[dict[str, object]] = []
    n = 0

    def add(opening: str, applicant: str, nationality: str, year: int, rostered: bool) -> None:
        nonlocal n
        n += 1
        rows.append(_application(f"A{n:06d}", opening, applicant, nationality, year, rostered))

    for g, count in ROSTERED.items():
        nat = NATIONALITY[g]
        for i in range(count):
            year = 2018 + i % 5
            add(f"JO{year}{i % 4}", f"{g}{i:05d}", nat, year, True)
        for i in range(count // 10):  # applications not placed on a roster
            year = 2018 + i % 5
            add(f"JO{year}{i % 4}", f"{g}N{i:05d}", nat, year, False)
        for year in (2017, 2023):  # outside the window
            for i in range(25):
                add(f"JO{year}{i % 4}", f"{g}{year}{i:03d}", nat, year, True)
        for i in range(30):  # a General Service opening: outside the Table 1 scope
            add(f"JO{2018 + i % 5}4", f"{g}G{i:03d}", nat, 2018 + i % 5, True)
    for i in range(12):  # nationals of non-member States: counted, never in the shares
        add(f"JO{2018 + i % 5}1", f"XX{i:03d}", "XXX", 2018 + i % 5, True)
    for g, count in CONVERTED.items():  # selections from the roster, after the placement
        for i in range(count):
            n += 1
            rows.append({"application_id": f"A{n:06d}", "opening_id": "RFR1",
                         "applicant_id": f"{g}{i:05d}", "nationality": NATIONALITY[g],
                         "gender": "F", "education_country": NATIONALITY[g],
                         "received_date": "2023-05-10", "screened_date": "2023-05-20",
                         "recommended_date": "2023-06-01", "selected_date": "2023-06-10"})
    return rows


def careers() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Staff snapshots 2016–2023 and promotion events (one promotion per person)."""
    people: list[tuple[str, str, str, date | None, str]] = []  # id, nat, grade, date, to

    def plan(prefix: str, nat: str, count: int, years: tuple[int, ...], ladder: tuple[str, ...],
             ) -> None:
        for i in range(count):
            year = years[i % len(years)]
            day = date(year, 1, 1) + timedelta(days=(i * 37) % 365)
            frm = ladder[i % (len(ladder) - 1)]
            people.append((f"{prefix}{i:05d}", nat, frm, day,
                           ladder[ladder.index(frm) + 1]))

    for g, count in PROMOTIONS.items():
        nat = NATIONALITY[g]
        plan(f"P{g}", nat, count, (2018, 2019, 2020, 2021, 2022), LADDER)
        plan(f"O{g}", nat, 20, (2017, 2023), LADDER)  # outside the window
        plan(f"G{g}", nat, 15, (2019, 2021), ("G-4", "G-5", "G-6"))  # General Service
        for i in range(40):  # never promoted
            people.append((f"S{g}{i:04d}", nat, "P-3", None, "P-3"))
    plan("PXX", "XXX", 9, (2019, 2020), LADDER)
    staff: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for pid, nat, frm, day, to in people:
        if day is not None:
            events.append({"person_id": pid, "event_date": day.isoformat(), "event": "promotion",
                           "from_grade": frm, "to_grade": to, "from_entity": "DESA",
                           "to_entity": "DESA"})
        for snap in SNAPSHOTS:
            grade = to if day is not None and day <= snap else frm
            staff.append({"snapshot_date": snap.isoformat(), "person_id": pid,
                          "nationality": nat, "gender": "M", "birth_year": 1980,
                          "category": model.CATEGORY_OF_GRADE[grade], "grade": grade,
                          "entity": "DESA", "duty_station": "New York", "field": False,
                          "appointment_type": "fixed-term", "geo_subject": True})
    return staff, events


def write_files(folder: Path) -> list[Path]:
    """The four interchange files, written to ``folder``."""
    staff, events = careers()
    return [write_csv(folder / "openings.csv", "openings", _openings()),
            write_csv(folder / "staff.csv", "staff", staff),
            write_csv(folder / "events.csv", "events", events),
            write_csv(folder / "applications.csv", "applications", applications())]
