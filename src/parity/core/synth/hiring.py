"""Recruitment in the workforce simulation: how many, which grades and entities, who.

Recruits to posts that may be geographical (P-1 … D-2 outside field operations) are first
given the nationalities of countries short of their planned number (``geography``)."""

from __future__ import annotations

import numpy as np

from parity.core.synth import careers as cr
from parity.core.synth.countries import countries
from parity.core.synth.dates import NEVER, day, uniform_in_year, year_end
from parity.core.synth.geography import GEO_GRADE, shortfall_nationalities
from parity.core.synth.ledger import (
    EVENT_APPOINTMENT,
    EVENT_REASSIGNMENT,
    FILL_EXTERNAL,
    FILL_LATERAL,
    FILLS_PER_YEAR,
    GEO_UNDECIDED,
    OTHER_OPENING_SHARE,
    Arrays,
    Ledger,
    in_window,
)
from parity.core.synth.organization import (
    BAND_FS,
    BAND_GS,
    BAND_NO,
    BAND_OF,
    OPENING_GRADE,
    OTHER,
    SENIOR,
    draw_station,
)
from parity.core.synth.population import attributes
from parity.core.synth.quotas import N_EDU, N_TYPES, expand
from parity.core.synth.timing import fill_timing


class Hiring(Ledger):
    """How many recruits each year, at which grades and entities, and with which types.

    Professional recruits fill each band up to its posts (net of the separations planned
    for the year); General Service, Field Service and National Officers fill their posts.
    """

    def _place(self, y: int, bands: tuple[int, ...], totals: list[int],
               current: np.ndarray) -> Arrays:
        """Grades, entities and dates of recruits to ``bands`` (``totals`` each)."""
        rng, org = self.rng, self.org
        t = org.target(y)
        grades, ents, days = [], [], []
        for b, total in zip(bands, totals, strict=True):
            cols = np.flatnonzero(b == BAND_OF)
            for g, n in zip(cols, cr.split_over_grades(total, cols, t, current), strict=True):
                d = uniform_in_year(rng, y, int(n))
                grades.append(np.full(n, g))
                days.append(d)
                ents.append(cr.place_in_entities(rng, org, t, current, int(g), d))
        grade = np.concatenate(grades) if grades else np.zeros(0, np.int64)
        return {"grade": grade, "entity": np.concatenate(ents), "day": np.concatenate(days),
                "band": BAND_OF[grade]}

    def _plan_professional_hires(self, y: int, active: np.ndarray, d_plan: dict[int, int],
                                 expected: np.ndarray) -> Arrays:
        p, t = self.p, self.org.target(y)
        cur = self._current(active & (p["sep_day"] > year_end(y)))
        totals = []
        for b in (SENIOR, OTHER):
            cols = b == BAND_OF
            have = cur[:, cols].sum() - d_plan[b]
            totals.append(max(0, round(t[:, cols].sum() - have)))
        h = self._place(y, (SENIOR, OTHER), totals, cur - expected)
        fill = OPENING_GRADE[h["grade"]]
        tm = fill_timing(self.rng, h["day"], np.zeros(h["day"].size, bool), professional=True)
        h.update(fill=fill, posting_type=tm.posting_type, selected=tm.selected, posted=tm.posted,
                 window=in_window(tm.posted) & fill, type=np.full(fill.size, -1))
        return h

    def _laterals(self, y: int, active: np.ndarray, busy: np.ndarray, promos: Arrays,
                  hires: Arrays) -> Arrays:
        rng, org, p = self.rng, self.org, self.p
        goal = FILLS_PER_YEAR * self.flow_factor(y)
        n = max(round(goal - promos["band"].size - hires["fill"].sum()),
                round(0.04 * goal))
        cand = np.flatnonzero(active & ~busy & OPENING_GRADE[p["grade"]]
                              & (p["appt_day"] <= day(y - 2)))
        chosen = rng.permutation(cand)[: min(n, cand.size)]
        days = uniform_in_year(rng, y, chosen.size)
        cur = self._current(active & (p["sep_day"] > year_end(y)))
        dest = cr.destinations(rng, org, org.target(y), cur, p["grade"][chosen],
                               p["entity"][chosen], days)
        ok = dest >= 0
        persons, days, dest = chosen[ok], days[ok], dest[ok]
        busy[persons] = True
        self._record(EVENT_REASSIGNMENT, persons, days, from_entity=p["entity"][persons],
                     to_entity=dest)
        self._move(persons, p["grade"][persons], dest)
        tm = fill_timing(rng, days, np.ones(days.size, bool), professional=True)
        self._fill(persons, FILL_LATERAL, days, (tm.posting_type, tm.selected, tm.posted), True)
        return {"band": BAND_OF[p["grade"][persons]], "window": in_window(tm.posted),
                "type": self._types(persons)}

    def _hire_types(self, hires: Arrays, promos: Arrays, laterals: Arrays) -> None:
        """(Nationality, education) types of Professional recruits, from the quotas."""
        rng = self.rng
        for b in (SENIOR, OTHER):
            for flag in (True, False):
                sel = np.flatnonzero(hires["fill"] & (hires["band"] == b)
                                     & (hires["window"] == flag))
                fixed = np.zeros(N_TYPES)
                for part in (promos, laterals):
                    m = (part["band"] == b) & (part["window"] == flag)
                    fixed += np.bincount(part["type"][m], minlength=N_TYPES)
                hires["type"][sel] = expand(self.sel_streams[flag].take(sel.size, fixed), rng)
        sl = np.flatnonzero(~hires["fill"])
        groups = expand(self.sl_stream.take(sl.size), rng)
        cum = np.cumsum(self.shares.staff_education[groups], axis=1)
        edu = np.minimum((rng.random(sl.size)[:, None] > cum).sum(axis=1), N_EDU - 1)
        hires["type"][sl] = groups * N_EDU + edu

    def _plan_other_hires(self, y: int, active: np.ndarray) -> Arrays:
        p, t = self.p, self.org.target(y)
        cur = self._current(active & (p["sep_day"] > year_end(y)))
        bands = (BAND_GS, BAND_FS, BAND_NO)
        totals = [max(0, round(t[:, b == BAND_OF].sum() - cur[:, b == BAND_OF].sum()))
                  for b in bands]
        h = self._place(y, bands, totals, cur)
        fill = self.rng.random(h["grade"].size) < OTHER_OPENING_SHARE
        tm = fill_timing(self.rng, h["day"], np.zeros(fill.size, bool), professional=False)
        h.update(fill=fill, posting_type=tm.posting_type, selected=tm.selected, posted=tm.posted,
                 type=np.full(fill.size, -1))
        return h

    def _create_hires(self, y: int, prof: Arrays, other: Arrays) -> None:
        rng, org = self.rng, self.org
        h = {k: np.concatenate([prof[k], other[k]]) for k in
             ("grade", "entity", "day", "fill", "posting_type", "selected", "posted", "type")}
        grade, entity = h["grade"], h["entity"]
        station = draw_station(rng, org, entity)
        typed = h["type"] >= 0
        nat_group = np.where(typed, h["type"] // N_EDU, 0)
        have = np.bincount(self.p["nat"][self.geo_eligible(y)], minlength=self.geo.targets.shape[1])
        directed = shortfall_nationalities(
            rng, self.geo.target(y) - have, countries().group, nat_group,
            typed & GEO_GRADE[grade] & ~org.field[entity])
        a = attributes(rng, org, grade, station, y, stock=False,
                       staff_weight=self.geo.staff_weight, nat_group=nat_group,
                       edu_group=np.where(typed, h["type"] % N_EDU, -1), nationality=directed)
        persons = self._add_people({
            "nat": a.nationality, "nat_group": a.nat_group, "edu": a.education,
            "edu_group": a.edu_group, "gender": a.gender, "birth_year": a.birth_year,
            "appt_type": cr.hire_appointment_types(rng, grade), "appt_day": h["day"],
            "sep_day": np.full(grade.size, NEVER), "grade": grade, "entity": entity,
            "station": station, "geo": np.full(grade.size, GEO_UNDECIDED),
            "last_promo": np.full(grade.size, y),
        })
        self._record(EVENT_APPOINTMENT, persons, h["day"], to_grade=grade, to_entity=entity)
        n_prof = prof["grade"].size
        for lo, hi, professional in ((0, n_prof, True), (n_prof, grade.size, False)):
            sel = np.arange(lo, hi)[h["fill"][lo:hi]]
            self._fill(persons[sel], FILL_EXTERNAL, h["day"][sel],
                       (h["posting_type"][sel], h["selected"][sel], h["posted"][sel]),
                       professional)
