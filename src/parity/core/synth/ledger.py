"""Bookkeeping of the workforce simulation: people, events, fills, the 2014 stock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.core.synth import careers as cr
from parity.core.synth.calibration import TARGET_BY_ROW, WINDOW_FIRST, WINDOW_LAST
from parity.core.synth.countries import countries
from parity.core.synth.dates import NEVER, YEARS, year_end, year_of
from parity.core.synth.geography import (
    GEO_GRADE,
    assign_flags,
    geo_plan,
    shortfall_nationalities,
)
from parity.core.synth.organization import (
    BAND_OF,
    GRADE_INDEX,
    GRADES,
    OTHER,
    PROFESSIONAL,
    SENIOR,
    TARGET_YEARS,
    draw_station,
    organization,
)
from parity.core.synth.population import appointment_types, attributes
from parity.core.synth.quotas import (
    N_EDU,
    NONMEMBER_SHARE,
    QuotaStream,
    expand,
    funnel_shares,
    largest_remainder,
    stock_paths,
)

EVENT_APPOINTMENT, EVENT_PROMOTION, EVENT_REASSIGNMENT, EVENT_SEPARATION = range(4)
FILL_EXTERNAL, FILL_PROMOTION, FILL_LATERAL = range(3)
PROMOTIONS_PER_YEAR = TARGET_BY_ROW["promotions"].total / (WINDOW_LAST - WINDOW_FIRST + 1)
FILLS_PER_YEAR = TARGET_BY_ROW["selected"].total / (WINDOW_LAST - WINDOW_FIRST + 1)
#: Share of non-Professional recruitments and promotions made through a job opening.
OTHER_OPENING_SHARE = 0.3
PEOPLE_COLUMNS = ("nat", "nat_group", "edu", "edu_group", "gender", "birth_year",
                  "appt_type", "appt_day", "sep_day", "grade", "entity", "station", "geo",
                  "last_promo")
EVENT_COLUMNS = ("person", "day", "event", "from_grade", "to_grade", "from_entity",
                 "to_entity", "reason")
FILL_COLUMNS = ("person", "kind", "grade", "entity", "event_day", "selected", "posted",
                "posting_type", "professional")
Arrays = dict[str, np.ndarray]
DIRECTOR_GRADES = [GRADE_INDEX["D-1"], GRADE_INDEX["D-2"]]
#: ``geo`` of a person who arrived or moved during the year: decided at the year end.
GEO_UNDECIDED = -1


@dataclass(frozen=True)
class WorkforceResult:
    people: Arrays
    events: Arrays
    fills: Arrays
    snapshots: Arrays


def concat_parts(parts: list[Arrays], keys: tuple[str, ...]) -> Arrays:
    """Concatenate batches of arrays column by column."""
    return {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, np.int64)
            for k in keys}


def in_window(posted: np.ndarray) -> np.ndarray:
    """True for days in the Table 1 window (2018–2022)."""
    y = year_of(posted)
    return (y >= WINDOW_FIRST) & (y <= WINDOW_LAST)


def pair_by_group(slot_groups: np.ndarray, person_groups: np.ndarray,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    """Match slots to persons of the same group; unmatched slots or persons are left out."""
    so = np.argsort(slot_groups, kind="stable")
    po = np.argsort(person_groups, kind="stable")
    sc, pc = np.bincount(slot_groups, minlength=n), np.bincount(person_groups, minlength=n)
    m = np.minimum(sc, pc)
    s_rank = np.arange(so.size) - (np.cumsum(sc) - sc)[slot_groups[so]]
    p_rank = np.arange(po.size) - (np.cumsum(pc) - pc)[person_groups[po]]
    return so[s_rank < m[slot_groups[so]]], po[p_rank < m[person_groups[po]]]


class Ledger:
    """State of the simulation: people (one array per attribute), events, fills, snapshots.

    Quota streams live here too: promotions (nationality groups), selections of openings
    posted inside and outside the Table 1 window (types) and senior leadership appointments;
    and the plan of posts subject to geographical distribution (``geography``).
    """

    def __init__(self, rng: np.random.Generator, scale: float) -> None:
        self.rng = rng
        self.scale = scale
        self.org = organization(scale)
        self.geo = geo_plan(rng, scale)
        self.shares = funnel_shares()
        self.paths = stock_paths()
        self.promo_stream = QuotaStream(self.shares.promotions)
        self.sel_streams = {flag: QuotaStream(self.shares.flat("selected"))
                            for flag in (True, False)}
        self.sl_stream = QuotaStream(self.paths["other"].target_2022)
        self.p: Arrays = {k: np.zeros(0, np.int64) for k in PEOPLE_COLUMNS}
        self.events: list[Arrays] = []
        self.fills: list[Arrays] = []
        self.snapshots: list[Arrays] = []
        t = self.org.targets
        self.prof_posts = {y: float(t[i][:, PROFESSIONAL].sum())
                           for i, y in enumerate(TARGET_YEARS)}
        window = [self.prof_posts[y] for y in range(WINDOW_FIRST, WINDOW_LAST + 1)]
        self.window_posts = sum(window) / len(window)

    def flow_factor(self, y: int) -> float:
        """Size of year ``y``'s Professional flows relative to a Table 1 year (2018–2022).

        Flows follow the number of Professional posts, normalised so that the five window
        years together match Table 1; non-members come on top of the five groups.
        """
        return self.scale / (1 - NONMEMBER_SHARE) * self.prof_posts[y] / self.window_posts

    # ------------------------------------------------------------------ bookkeeping
    def _add_people(self, cols: Arrays) -> np.ndarray:
        start = self.p["grade"].size
        for k in PEOPLE_COLUMNS:
            self.p[k] = np.concatenate([self.p[k], cols[k].astype(np.int64)])
        return np.arange(start, self.p["grade"].size)

    def _record(self, event: int, persons: np.ndarray, days: np.ndarray, **cols: np.ndarray) -> None:
        n = persons.size
        rec = {"person": persons, "day": days, "event": np.full(n, event)}
        for k in EVENT_COLUMNS[3:]:
            rec[k] = cols.get(k, np.full(n, -1))
        self.events.append({k: np.asarray(v, dtype=np.int64) for k, v in rec.items()})

    def _fill(self, persons: np.ndarray, kind: int, event_days: np.ndarray,
              timing_: tuple[np.ndarray, np.ndarray, np.ndarray], professional: bool) -> None:
        p = self.p
        ptype, selected, posted = timing_
        self.fills.append({
            "person": persons, "kind": np.full(persons.size, kind), "grade": p["grade"][persons],
            "entity": p["entity"][persons], "event_day": event_days, "selected": selected,
            "posted": posted, "posting_type": ptype,
            "professional": np.full(persons.size, int(professional)),
        })

    def _move(self, persons: np.ndarray, grade: np.ndarray, entity: np.ndarray) -> None:
        p, rng = self.p, self.rng
        changed = p["entity"][persons] != entity
        p["grade"][persons] = grade
        p["entity"][persons] = entity
        new_station = draw_station(rng, self.org, entity)
        p["station"][persons] = np.where(changed, new_station, p["station"][persons])
        p["geo"][persons] = GEO_UNDECIDED

    def _separate(self, persons: np.ndarray, days: np.ndarray, reasons: np.ndarray) -> None:
        p = self.p
        p["sep_day"][persons] = days
        self._record(EVENT_SEPARATION, persons, days, from_grade=p["grade"][persons],
                     from_entity=p["entity"][persons], reason=reasons)

    def geo_eligible(self, y: int) -> np.ndarray:
        """Staff in service at the end of ``y`` whose post may be geographical (P/D, not field)."""
        p, ye = self.p, year_end(y)
        alive = (p["appt_day"] <= ye) & (p["sep_day"] > ye)
        return alive & GEO_GRADE[p["grade"]] & ~self.org.field[p["entity"]]

    def _flag_geo(self, y: int) -> None:
        """Year-end ``geo`` flags: each country's planned number of eligible nationals."""
        p = self.p
        eligible = self.geo_eligible(y)
        idx = np.flatnonzero(eligible)
        flags = assign_flags(self.rng, p["nat"][idx], p["geo"][idx], self.geo.target(y))
        p["geo"][~eligible] = 0
        p["geo"][idx] = flags

    def _current(self, mask: np.ndarray) -> np.ndarray:
        p, n_g = self.p, len(GRADES)
        n_e = len(self.org.codes)
        flat = np.bincount(p["entity"][mask] * n_g + p["grade"][mask], minlength=n_e * n_g)
        return flat.reshape(n_e, n_g).astype(np.float64)

    def _types(self, persons: np.ndarray) -> np.ndarray:
        return self.p["nat_group"][persons] * N_EDU + self.p["edu_group"][persons]

    # ------------------------------------------------------------------ the 2014 stock
    def initial_stock(self) -> None:
        rng, org = self.rng, self.org
        t = org.target(2014)
        ent_parts, grade_parts, group_parts = [], [], []
        for band in range(5):
            cols = np.flatnonzero(band == BAND_OF)
            cells = t[:, cols]
            n = round(cells.sum())
            counts = largest_remainder(cells.reshape(-1), n)
            flat = np.repeat(np.arange(counts.size), counts)
            ent_parts.append(flat // cols.size)
            grade_parts.append(cols[flat % cols.size])
            if band in (SENIOR, OTHER):
                shares = self.paths["senior" if band == SENIOR else "other"].shares(2014)
                group_parts.append(expand(largest_remainder(shares * n, n), rng))
            else:
                group_parts.append(np.zeros(n, np.int64))
        entity, grade = np.concatenate(ent_parts), np.concatenate(grade_parts)
        nat_group = np.concatenate(group_parts)
        station = draw_station(rng, org, entity)
        # Enough nationals of every country in posts that may be geographical for the plan
        # of the first year; the others by the staff weights.
        directed = shortfall_nationalities(rng, self.geo.target(YEARS[0]), countries().group,
                                           nat_group, GEO_GRADE[grade] & ~org.field[entity])
        a = attributes(rng, org, grade, station, 2014, stock=True,
                       staff_weight=self.geo.staff_weight, nat_group=nat_group,
                       staff_education=self.shares.staff_education, nationality=directed)
        appt = cr.tenure_start(rng, a.birth_year, year_end(2014), grade)
        self._add_people({
            "nat": a.nationality, "nat_group": a.nat_group, "edu": a.education,
            "edu_group": a.edu_group, "gender": a.gender, "birth_year": a.birth_year,
            "appt_type": appointment_types(rng, grade, year_of(appt), org.field[entity]),
            "appt_day": appt, "sep_day": np.full(grade.size, NEVER), "grade": grade,
            "entity": entity, "station": station,
            "geo": np.full(grade.size, GEO_UNDECIDED),
            "last_promo": 2014 - rng.integers(0, 8, size=grade.size),
        })
