"""The workforce, simulated year by year from the 2014-12-31 stock to 2024-12-31.

Each year, in order: staff reaching 65 retire; missions that close separate or reassign
their staff; General Service, Field Service and National Officers separate at their rates;
Professionals are promoted; vacancies are filled by recruits; some staff move laterally
through job openings; Professionals separate; field staff rotate. Every change is an event
and the year-end state is the snapshot, so snapshots and events agree by construction.
A person has at most one event a year besides their appointment.

Calibration (see ``quotas``): promotions to Professional grades take their nationality
groups from a quota stream on the Table 1 promotion shares; recruits through openings take
their (nationality, education) types from the residual of the Table 1 selection shares after
promotions and lateral moves of the same batch; and the discretionary separations of each
Professional band absorb whatever remains, so that the band's year-end composition follows
its path through the 2022 Table 1 composition.

At the year end, staff in posts subject to geographical distribution are flagged, country
by country, to the numbers planned in ``geography`` (the desirable-range statuses).
"""

from __future__ import annotations

import numpy as np

from parity.core.synth import careers as cr
from parity.core.synth.dates import YEARS, day, uniform_in_year, year_end
from parity.core.synth.hiring import Hiring
from parity.core.synth.ledger import (
    DIRECTOR_GRADES,
    EVENT_COLUMNS,
    EVENT_PROMOTION,
    EVENT_REASSIGNMENT,
    FILL_COLUMNS,
    FILL_PROMOTION,
    OTHER_OPENING_SHARE,
    PROMOTIONS_PER_YEAR,
    Arrays,
    WorkforceResult,
    concat_parts,
    in_window,
    pair_by_group,
)
from parity.core.synth.organization import BAND_FS, BAND_OF, GRADES, OTHER, PROFESSIONAL, SENIOR
from parity.core.synth.quotas import N_EDU, N_GROUPS, expand, largest_remainder, pick_by_group
from parity.core.synth.timing import fill_timing


class _Simulation(Hiring):
    """The yearly steps: separations, promotions, recruitment, moves, the snapshot."""

    def year(self, y: int) -> None:
        p = self.p
        prev_end, ye = year_end(y - 1), year_end(y)
        active = (p["appt_day"] <= prev_end) & (p["sep_day"] > prev_end)
        busy = ~active
        self._retirements(y, active, busy)
        self._closures(y, active, busy)
        self._other_separations(y, active, busy)
        age = y - p["birth_year"]
        w_sep = cr.separation_weight(p["grade"], p["appt_type"], age)
        avail = active & ~busy & PROFESSIONAL[p["grade"]]
        d_plan = {b: round(w_sep[avail & (BAND_OF[p["grade"]] == b)].sum())
                  for b in (SENIOR, OTHER)}
        n_g = len(GRADES)
        expected = np.bincount(p["entity"][avail] * n_g + p["grade"][avail], weights=w_sep[avail],
                               minlength=len(self.org.codes) * n_g).reshape(-1, n_g)
        promos = self._promotions(y, active, busy)
        self._ladder_promotions(y, active, busy)
        hires = self._plan_professional_hires(y, active, d_plan, expected)
        laterals = self._laterals(y, active, busy, promos, hires)
        self._hire_types(hires, promos, laterals)
        self._professional_separations(y, active, busy, d_plan, w_sep, hires)
        other = self._plan_other_hires(y, active)
        self._rotations(y, active, busy)
        self._create_hires(y, hires, other)
        self._flag_geo(y)
        alive = (p["appt_day"] <= ye) & (p["sep_day"] > ye)
        idx = np.flatnonzero(alive)
        self.snapshots.append({"year": np.full(idx.size, y), "person": idx,
                               **{k: p[k][idx].copy() for k in ("grade", "entity", "station",
                                                                 "geo")}})

    def _closures(self, y: int, active: np.ndarray, busy: np.ndarray) -> None:
        rng, org, p = self.rng, self.org, self.p
        closing = np.flatnonzero((org.close_day >= day(y)) & (org.close_day <= year_end(y)))
        for e in closing:
            idx = np.flatnonzero(active & ~busy & (p["entity"] == e))
            if idx.size == 0:
                continue
            busy[idx] = True
            days = np.maximum(org.close_day[e] - rng.integers(0, 60, size=idx.size), day(y))
            intl = PROFESSIONAL[p["grade"][idx]] | (BAND_OF[p["grade"][idx]] == BAND_FS)
            mover = intl & (rng.random(idx.size) < 0.4)
            cur = self._current(active & (p["sep_day"] > year_end(y)))
            dest = cr.destinations(rng, org, org.target(y), cur, p["grade"][idx[mover]],
                                   p["entity"][idx[mover]], days[mover], field_only=True)
            movers = idx[mover][dest >= 0]
            self._record(EVENT_REASSIGNMENT, movers, days[mover][dest >= 0],
                         from_entity=p["entity"][movers], to_entity=dest[dest >= 0])
            self._move(movers, p["grade"][movers], dest[dest >= 0])
            leave = np.setdiff1d(idx, movers)
            self._separate(leave, np.maximum(org.close_day[e] - rng.integers(0, 30, leave.size),
                                             day(y)), np.full(leave.size, cr.END_OF_APPOINTMENT))

    def _retirements(self, y: int, active: np.ndarray, busy: np.ndarray) -> None:
        p = self.p
        idx = np.flatnonzero(active & ~busy & (p["birth_year"] + cr.MANDATORY_AGE <= y))
        busy[idx] = True
        days = np.minimum(uniform_in_year(self.rng, y, idx.size),
                          self.org.close_day[p["entity"][idx]])
        self._separate(idx, days, np.full(idx.size, cr.RETIREMENT))

    def _other_separations(self, y: int, active: np.ndarray, busy: np.ndarray) -> None:
        p, rng = self.p, self.rng
        cand = np.flatnonzero(active & ~busy & ~PROFESSIONAL[p["grade"]])
        age = y - p["birth_year"][cand]
        w = cr.separation_weight(p["grade"][cand], p["appt_type"][cand], age)
        hit = rng.random(cand.size) < w
        idx = cand[hit]
        busy[idx] = True
        self._separate(idx, uniform_in_year(rng, y, idx.size),
                       cr.separation_reasons(rng, p["appt_type"][idx], age[hit]))

    # ------------------------------------------------------------------ promotions
    def _promotions(self, y: int, active: np.ndarray, busy: np.ndarray) -> Arrays:
        rng, org, p = self.rng, self.org, self.p
        elig = active & ~busy & (p["appt_day"] <= day(y - 2)) & (p["last_promo"] < y - 1)
        cand = np.flatnonzero(elig & (cr.PROMOTION_RATE[p["grade"]] > 0))
        to_grade = cr.UP_PROMOTION[p["grade"][cand]]
        to_band = BAND_OF[to_grade]
        women_to_d = (p["gender"][cand] == 0) & np.isin(to_grade, DIRECTOR_GRADES)
        rate = cr.PROMOTION_RATE[p["grade"][cand]] * np.where(women_to_d, 1.6, 1.0)
        n_total = round(PROMOTIONS_PER_YEAR * self.flow_factor(y))
        n_band = largest_remainder(np.array([rate[to_band == b].sum() for b in (SENIOR, OTHER)]),
                                   n_total)
        persons_parts, days_parts, timing_parts = [], [], []
        for b, n in zip((SENIOR, OTHER), n_band, strict=True):
            days = uniform_in_year(rng, y, int(n))
            tm = fill_timing(rng, days, np.ones(days.size, bool), professional=True)
            win = in_window(tm.posted)
            labels = np.zeros(days.size, np.int64)
            for flag in (True, False):
                sel = np.flatnonzero(win == flag)
                labels[sel] = expand(self.promo_stream.take(sel.size), rng)
            in_band = to_band == b
            chosen = pick_by_group(rng, cand[in_band], p["nat_group"][cand[in_band]],
                                   rate[in_band], np.bincount(labels, minlength=N_GROUPS))
            s_idx, c_idx = pair_by_group(labels, p["nat_group"][chosen], N_GROUPS)
            persons_parts.append(chosen[c_idx])
            days_parts.append(days[s_idx])
            timing_parts.append(np.stack([tm.posting_type[s_idx], tm.selected[s_idx],
                                          tm.posted[s_idx]]))
        persons = np.concatenate(persons_parts)
        days = np.concatenate(days_parts)
        tmat = np.concatenate(timing_parts, axis=1)
        busy[persons] = True
        from_grade, from_entity = p["grade"][persons], p["entity"][persons]
        grade = cr.UP_PROMOTION[from_grade]
        t = org.target(y)
        stay = (t[from_entity, grade] > 0) & (rng.random(persons.size) < 0.75)
        cur = self._current(active & (p["sep_day"] > year_end(y)))
        dest = cr.destinations(rng, org, t, cur, grade, from_entity, days)
        entity = np.where(stay | (dest < 0), from_entity, dest)
        self._record(EVENT_PROMOTION, persons, days, from_grade=from_grade, to_grade=grade,
                     from_entity=from_entity, to_entity=entity)
        self._move(persons, grade, entity)
        p["last_promo"][persons] = y
        self._fill(persons, FILL_PROMOTION, days, (tmat[0], tmat[1], tmat[2]), True)
        return {"band": BAND_OF[grade], "window": in_window(tmat[2]),
                "type": self._types(persons)}

    def _ladder_promotions(self, y: int, active: np.ndarray, busy: np.ndarray) -> None:
        rng, p = self.rng, self.p
        elig = active & ~busy & (p["appt_day"] <= day(y - 2)) & (p["last_promo"] < y - 1)
        cand = np.flatnonzero(elig & (cr.LADDER_RATE[p["grade"]] > 0))
        idx = cand[rng.random(cand.size) < cr.LADDER_RATE[p["grade"][cand]]]
        busy[idx] = True
        days = uniform_in_year(rng, y, idx.size)
        from_grade, ent = p["grade"][idx], p["entity"][idx]
        self._record(EVENT_PROMOTION, idx, days, from_grade=from_grade,
                     to_grade=cr.UP[from_grade], from_entity=ent, to_entity=ent)
        self._move(idx, cr.UP[from_grade], ent)
        p["last_promo"][idx] = y
        via = rng.random(idx.size) < OTHER_OPENING_SHARE
        tm = fill_timing(rng, days[via], np.ones(int(via.sum()), bool), professional=False)
        self._fill(idx[via], FILL_PROMOTION, days[via], (tm.posting_type, tm.selected, tm.posted),
                   False)

    # ------------------------------------------------------------------ separations
    def _professional_separations(self, y: int, active: np.ndarray, busy: np.ndarray,
                                  d_plan: dict[int, int], w_sep: np.ndarray,
                                  hires: Arrays) -> None:
        rng, p = self.rng, self.p
        alive = active & (p["sep_day"] > year_end(y))
        band_now = BAND_OF[p["grade"]]
        for b, name in ((SENIOR, "senior"), (OTHER, "other")):
            in_b = alive & (band_now == b)
            hired = np.bincount(hires["type"][hires["band"] == b] // N_EDU, minlength=N_GROUPS)
            cur = np.bincount(p["nat_group"][in_b], minlength=N_GROUPS) + hired
            end_total = int(cur.sum()) - d_plan[b]
            target = largest_remainder(self.paths[name].shares(y) * end_total, end_total)
            cand = np.flatnonzero(in_b & ~busy)
            avail = np.bincount(p["nat_group"][cand], minlength=N_GROUPS)
            quota = np.clip(cur - target, 0, avail)
            diff = d_plan[b] - int(quota.sum())
            if diff > 0:
                quota += np.minimum(largest_remainder(avail - quota, diff), avail - quota)
            elif diff < 0:
                quota -= largest_remainder(quota.astype(np.float64), -diff)
            idx = pick_by_group(rng, cand, p["nat_group"][cand], w_sep[cand], quota)
            busy[idx] = True
            self._separate(idx, uniform_in_year(rng, y, idx.size),
                           cr.separation_reasons(rng, p["appt_type"][idx], y - p["birth_year"][idx]))

    # ------------------------------------------------------------------ field rotation
    def _rotations(self, y: int, active: np.ndarray, busy: np.ndarray) -> None:
        """Field staff reassigned between missions outside the job-opening system."""
        rng, org, p = self.rng, self.org, self.p
        intl = PROFESSIONAL[p["grade"]] | (BAND_OF[p["grade"]] == BAND_FS)
        cand = np.flatnonzero(active & ~busy & (p["sep_day"] > year_end(y)) & intl
                              & org.field[p["entity"]] & (p["appt_day"] <= day(y - 1)))
        idx = cand[rng.random(cand.size) < 0.03]
        days = uniform_in_year(rng, y, idx.size)
        cur = self._current(active & (p["sep_day"] > year_end(y)))
        dest = cr.destinations(rng, org, org.target(y), cur, p["grade"][idx], p["entity"][idx],
                               days, field_only=True)
        ok = dest >= 0
        idx, days, dest = idx[ok], days[ok], dest[ok]
        busy[idx] = True
        self._record(EVENT_REASSIGNMENT, idx, days, from_entity=p["entity"][idx], to_entity=dest)
        self._move(idx, p["grade"][idx], dest)


def simulate(rng: np.random.Generator, scale: float) -> WorkforceResult:
    """Run the workforce simulation at ``scale``."""
    sim = _Simulation(rng, scale)
    sim.initial_stock()
    for y in YEARS:
        sim.year(y)
    return WorkforceResult(
        people=sim.p,
        events=concat_parts(sim.events, EVENT_COLUMNS),
        fills=concat_parts(sim.fills, FILL_COLUMNS),
        snapshots=concat_parts(sim.snapshots,
                               ("year", "person", "grade", "entity", "station", "geo")),
    )

