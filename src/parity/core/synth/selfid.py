"""Voluntary self-identification (seed 000 §41): race/ethnicity and disability.

A voluntary survey opened on 2021-01-01: about a third of the staff in service from then on
answered it at some date while in service, and a few outside applicants answered it with
their first application from 2021. Answers are given per dimension; some people answered
only one of the two. These data are for statistics only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.core import model
from parity.core.synth.applications import Applications
from parity.core.synth.countries import countries
from parity.core.synth.dates import CUTOFF, day
from parity.core.synth.ledger import WorkforceResult
from parity.core.synth.ordering import order_by

SURVEY_START = day(2021, 1, 1)
STAFF_RESPONSE = 0.35
APPLICANT_RESPONSE = 0.05
DIMENSIONS: tuple[str, ...] = ("race_ethnicity", "disability")
RACE_ETHNICITY: tuple[str, ...] = model.SELF_ID_CODES["race_ethnicity"]
DISABILITY: tuple[str, ...] = model.SELF_ID_CODES["disability"]
#: Distribution of race/ethnicity answers by nationality group (AFR … WEOG, non-member).
_RACE_BY_GROUP = np.array([
    [0.72, 0.12, 0.02, 0.00, 0.01, 0.04, 0.02, 0.02, 0.05],
    [0.00, 0.12, 0.72, 0.00, 0.02, 0.03, 0.02, 0.03, 0.06],
    [0.00, 0.01, 0.02, 0.00, 0.00, 0.03, 0.84, 0.03, 0.07],
    [0.07, 0.00, 0.01, 0.55, 0.05, 0.12, 0.10, 0.02, 0.08],
    [0.04, 0.02, 0.06, 0.03, 0.00, 0.04, 0.72, 0.02, 0.07],
    [0.00, 0.75, 0.00, 0.00, 0.00, 0.00, 0.00, 0.10, 0.15],
])
_DISABILITY_YES = 0.04


@dataclass(frozen=True)
class SelfIdentification:
    subject: np.ndarray
    dimension: np.ndarray
    value: np.ndarray
    collected: np.ndarray
    #: value indexes RACE_ETHNICITY when dimension is 0, DISABILITY when 1.


def _answers(rng: np.random.Generator, subject: np.ndarray, nat_group: np.ndarray,
             collected: np.ndarray) -> SelfIdentification:
    n = subject.size
    race = rng.random(n) < 0.95
    disab = rng.random(n) < 0.85
    race |= ~disab
    cum = np.cumsum(_RACE_BY_GROUP[nat_group], axis=1)
    race_value = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(RACE_ETHNICITY) - 1)
    disab_value = np.where(rng.random(n) < _DISABILITY_YES, 0, 1)
    return SelfIdentification(
        subject=np.concatenate([subject[race], subject[disab]]),
        dimension=np.concatenate([np.zeros(int(race.sum()), np.int64),
                                  np.ones(int(disab.sum()), np.int64)]),
        value=np.concatenate([race_value[race], disab_value[disab]]),
        collected=np.concatenate([collected[race], collected[disab]]),
    )


def self_identification(rng: np.random.Generator, wf: WorkforceResult,
                        apps: Applications) -> SelfIdentification:
    """Answers of the staff members and outside applicants who chose to answer."""
    people = wf.people
    n_staff = people["grade"].size
    eligible = np.flatnonzero(people["sep_day"] > SURVEY_START)
    staff = eligible[rng.random(eligible.size) < STAFF_RESPONSE]
    lo = np.maximum(people["appt_day"][staff], SURVEY_START)
    hi = np.minimum(people["sep_day"][staff] - 1, CUTOFF)
    when = lo + np.floor(rng.random(staff.size) * (hi - lo + 1)).astype(np.int64)

    received = apps.dates["received"]
    late = np.flatnonzero((received >= SURVEY_START) & (apps.applicant >= n_staff))
    order = late[order_by(apps.applicant[late], received[late])]
    first = np.ones(order.size, bool)
    first[1:] = apps.applicant[order][1:] != apps.applicant[order][:-1]
    firsts = order[first]
    chosen = firsts[rng.random(firsts.size) < APPLICANT_RESPONSE]
    applicants = apps.applicant[chosen]

    group = countries().group
    subject = np.concatenate([staff, applicants])
    nat_group = group[np.concatenate([people["nat"][staff], apps.nationality[applicants]])]
    collected = np.concatenate([when, received[chosen]])
    return _answers(rng, subject, nat_group, collected)
