"""Applications: who applied to each opening, and the date each stage was reached.

For each segment (Professional openings, other openings) and posting year, the depth
counts of the openings (see ``recruitment``) are given applicant *types* by quota:

* selected: the persons of the fills (their types were set by the workforce quotas);
* recommended, not selected (all rostered): the rostered target shares, net of the
  selections that are also rostered;
* screened, not recommended: the screened target shares, net of the deeper stages, split
  between screened / assessed / interviewed with the types that go furthest on the roster
  going further;
* received only: the received target shares, net of everything screened.

Each quota stream carries its rounding remainder from year to year, so that the 2018–2022
totals of every Table 1 row (and its education variant) hold within one application per type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.core.synth.applicants import from_roster, match, pool_attributes, sample_internal
from parity.core.synth.dates import CUTOFF, NEVER, YEARS
from parity.core.synth.ledger import FILL_EXTERNAL, WorkforceResult
from parity.core.synth.ordering import order_by
from parity.core.synth.quotas import N_EDU, N_TYPES, FunnelShares, QuotaStream, expand
from parity.core.synth.recruitment import (
    OTHER_SEGMENT,
    PROFESSIONAL_SEGMENT,
    Openings,
    bounded_allocation,
)
from parity.core.synth.timing import FROM_ROSTER, jitter_limit

#: Share of applications (not selected) made by serving staff members.
INTERNAL_SHARE = {PROFESSIONAL_SEGMENT: 0.12, OTHER_SEGMENT: 0.20}
STAGE_COLUMNS = ("received", "screened", "assessed", "interviewed", "recommended", "rostered",
                 "selected")


@dataclass
class Applications:
    opening: np.ndarray
    applicant: np.ndarray
    depth: np.ndarray
    internal: np.ndarray
    dates: dict[str, np.ndarray]
    #: Attributes by person id (staff first, then outside applicants).
    nationality: np.ndarray
    gender: np.ndarray
    education: np.ndarray


class _Streams:
    def __init__(self, rec: np.ndarray, scr: np.ndarray, ro: np.ndarray) -> None:
        self.rec, self.scr, self.ro = QuotaStream(rec), QuotaStream(scr), QuotaStream(ro)
        s = scr / scr.sum()
        r = ro / ro.sum()
        self.further = np.where(s > 0, r / np.maximum(s, 1e-12), 1.0)

    def quotas(self, n: np.ndarray, sel: np.ndarray, sel_rostered: np.ndarray) -> list[np.ndarray]:
        """Types per depth (0–4) for one batch with ``n[d]`` slots at depth ``d``."""
        d4 = self.ro.take(int(n[4]), sel_rostered)
        mid = self.scr.take(int(n[1] + n[2] + n[3]), d4 + sel)
        zero = np.zeros(N_TYPES, np.int64)
        d3 = bounded_allocation(int(n[3]), mid * self.further**0.7, zero, mid)
        d2 = bounded_allocation(int(n[2]), (mid - d3) * self.further**0.4, zero, mid - d3)
        d0 = self.rec.take(int(n[0]), mid + d4 + sel)
        return [d0, mid - d2 - d3, d2, d3, d4]


def _slots(rng: np.random.Generator, op: Openings, wf: WorkforceResult,
           shares: FunnelShares, person_type: np.ndarray) -> tuple[np.ndarray, ...]:
    """Slots (opening, depth, type, applicant or -1), batch by batch."""
    other_types = np.bincount(person_type[wf.fills["person"][wf.fills["professional"] == 0]],
                              minlength=N_TYPES) + 1.0
    streams = {PROFESSIONAL_SEGMENT: _Streams(shares.flat("received"), shares.flat("screened"),
                                              shares.flat("rostered")),
               OTHER_SEGMENT: _Streams(other_types, other_types, other_types)}
    years = op.year
    parts: list[tuple[np.ndarray, ...]] = []
    for y in YEARS:
        for seg in (PROFESSIONAL_SEGMENT, OTHER_SEGMENT):
            idx = np.flatnonzero((years == y) & (op.segment == seg))
            if idx.size == 0:
                continue
            n = op.depth[:, idx].sum(axis=1)
            chosen = idx[op.depth[5, idx] == 1]
            persons = wf.fills["person"][op.fill[chosen]]
            types = person_type[persons]
            sel = np.bincount(types, minlength=N_TYPES)
            sel_ro = np.bincount(types[op.selected_rostered[chosen]], minlength=N_TYPES)
            for d, q in enumerate(streams[seg].quotas(n, sel, sel_ro)):
                o = np.repeat(idx, op.depth[d, idx])
                parts.append((o, np.full(o.size, d), expand(q, rng), np.full(o.size, -1)))
            parts.append((chosen, np.full(chosen.size, 5), types, persons))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))


def _stage_dates(rng: np.random.Generator, op: Openings, o: np.ndarray,
                 depth: np.ndarray) -> dict[str, np.ndarray]:
    n = o.size
    posted = op.posted[o]
    last = np.minimum(op.closed[o], CUTOFF)
    received = posted + np.floor(rng.random(n) ** 0.8 * (last - posted + 1)).astype(np.int64)
    roster = op.posting_type[o] == FROM_ROSTER
    jit = jitter_limit(op.posting_type[o]) + 1
    never = np.int64(NEVER)

    def stage(k: int, reached: np.ndarray, jitter: bool = True) -> np.ndarray:
        m = op.milestone[k, o]
        if jitter:
            m = m - (rng.random(n) * jit).astype(np.int64)
        return np.where(reached & (m <= CUTOFF), m, never)

    out = {"received": received,
           "screened": stage(0, depth >= 1),
           "assessed": stage(1, (depth >= 2) & ~roster),
           "interviewed": stage(2, (depth >= 3) & ~roster),
           "recommended": stage(3, depth >= 4),
           "selected": stage(4, depth == 5, jitter=False)}
    on_roster = ((depth == 4) & ~roster) | ((depth == 5) & op.selected_rostered[o])
    rostered = out["recommended"] + (rng.random(n) * 15).astype(np.int64)
    out["rostered"] = np.where(on_roster & (out["recommended"] < never) & (rostered <= CUTOFF),
                               rostered, never)
    return out


def build_applications(rng: np.random.Generator, op: Openings, wf: WorkforceResult,
                       shares: FunnelShares) -> Applications:
    """Every application with its applicant and stage dates."""
    people = wf.people
    n_staff = people["grade"].size
    person_type = people["nat_group"] * N_EDU + people["edu_group"]
    opening, depth, types, applicant = _slots(rng, op, wf, shares, person_type)
    dates = _stage_dates(rng, op, opening, depth)
    received = dates["received"]
    seg = op.segment[opening]

    share = np.where(seg == PROFESSIONAL_SEGMENT, INTERNAL_SHARE[PROFESSIONAL_SEGMENT],
                     INTERNAL_SHARE[OTHER_SEGMENT])
    want = np.flatnonzero((depth < 5) & (rng.random(opening.size) < share))
    applicant[want] = sample_internal(rng, types[want], received[want], person_type,
                                      people["appt_day"], people["sep_day"])
    priority = np.where(depth == 5, 0, np.where(applicant >= 0, 1, 2))

    next_id = n_staff
    pool_types: list[np.ndarray] = []
    kind = np.full(opening.size, -1)
    kind[depth == 5] = wf.fills["kind"][op.fill[opening[depth == 5]]]
    for s in (PROFESSIONAL_SEGMENT, OTHER_SEGMENT):
        free = np.flatnonzero((seg == s) & (applicant < 0))
        hires = np.flatnonzero((seg == s) & (depth == 5) & (kind == FILL_EXTERNAL))
        ids, pool = match(rng, types[free], received[free], applicant[hires], types[hires],
                          received[hires], next_id)
        applicant[free] = ids
        pool_types.append(pool.type)
        next_id += pool.type.size

    # Applicants to roster-based openings are candidates rostered earlier.
    ro = np.flatnonzero(dates["rostered"] < NEVER)
    q = np.flatnonzero((op.posting_type[opening] == FROM_ROSTER) & (depth < 5))
    found = from_roster(rng, types[q], op.posted[opening[q]], types[ro], dates["rostered"][ro],
                        applicant[ro])
    applicant[q] = np.where(found >= 0, found, applicant[q])

    # One application per applicant and opening: later duplicates go to new applicants.
    order = order_by(applicant, opening, priority)
    a_s, o_s = applicant[order], opening[order]
    dup = np.zeros(order.size, bool)
    dup[1:] = (a_s[1:] == a_s[:-1]) & (o_s[1:] == o_s[:-1])
    dups = order[dup]
    applicant[dups] = next_id + np.arange(dups.size)
    pool_types.append(types[dups])

    all_pool = np.concatenate(pool_types)
    attrs = pool_attributes(rng, all_pool)
    appt = people["appt_day"]
    staff = applicant < n_staff
    safe = np.where(staff, applicant, 0)
    internal = staff & (appt[safe] <= received) & (received < people["sep_day"][safe])
    return Applications(
        opening=opening, applicant=applicant, depth=depth, internal=internal, dates=dates,
        nationality=np.concatenate([people["nat"], attrs.nationality]),
        gender=np.concatenate([people["gender"], attrs.gender]),
        education=np.concatenate([people["edu"], attrs.education]),
    )
