"""Personal attributes of staff members: nationality, education, gender, age, contract.

Professional staff get their nationality *group* from a quota (see ``quotas``) and their
country from the staff weights of that group (see ``geography``). General Service and
National Professional Officers are mostly nationals of the duty station's host country;
Field Service staff are recruited internationally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from parity.core.synth.countries import countries
from parity.core.synth.organization import (
    BAND_FS,
    BAND_GS,
    BAND_NO,
    BAND_OF,
    GRADES,
    PROFESSIONAL,
    Organization,
)
from parity.core.synth.quotas import N_EDU, N_GROUPS, NONMEMBER

GENDER_CODES: tuple[str, ...] = ("F", "M", "X", "")
#: Appointment types, in the order of ``model.APPOINTMENT_TYPES``.
PERMANENT, CONTINUING, FIXED_TERM, TEMPORARY = range(4)

# Mean and standard deviation of age, by grade: at recruitment and in the 2014 stock.
_AGE_HIRE = {"USG": (58, 5), "ASG": (55, 5), "D-2": (53, 5), "D-1": (50, 5), "P-5": (46, 6),
             "P-4": (41, 6), "P-3": (35, 5), "P-2": (29, 3), "P-1": (26, 2)}
_AGE_STOCK = {"USG": (60, 4), "ASG": (58, 4), "D-2": (56, 5), "D-1": (54, 5), "P-5": (51, 6),
              "P-4": (47, 7), "P-3": (41, 7), "P-2": (33, 5), "P-1": (29, 3)}
# Share of women in the 2014 stock and among recruits in 2015 and 2024 (linear in between).
_F_STOCK = {"USG": 0.30, "ASG": 0.30, "D-2": 0.30, "D-1": 0.35, "P-5": 0.36, "P-4": 0.41,
            "P-3": 0.45, "P-2": 0.55, "P-1": 0.55}
_F_HIRE_2015 = {"USG": 0.45, "ASG": 0.45, "D-2": 0.54, "D-1": 0.54, "P-5": 0.49, "P-4": 0.51,
                "P-3": 0.53, "P-2": 0.56, "P-1": 0.56}
_F_HIRE_2024 = {"USG": 0.55, "ASG": 0.55, "D-2": 0.66, "D-1": 0.66, "P-5": 0.58, "P-4": 0.58,
                "P-3": 0.58, "P-2": 0.58, "P-1": 0.58}
# Grades of the GS, FS and NO bands share their band's values.
_BAND_AGE_HIRE = {BAND_GS: (32, 7), BAND_FS: (37, 7), BAND_NO: (33, 6)}
_BAND_AGE_STOCK = {BAND_GS: (45, 9), BAND_FS: (47, 8), BAND_NO: (42, 8)}
#: Share of women by band: 2014 stock, recruits of 2015, recruits of 2024.
_BAND_F = {BAND_GS: (0.55, 0.52, 0.52), BAND_FS: (0.24, 0.30, 0.35),
           BAND_NO: (0.38, 0.45, 0.50)}


def _ages(table: Mapping[str, tuple[float, float]],
          by_band: Mapping[int, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    rows = [table.get(g) or by_band[int(BAND_OF[i])] for i, g in enumerate(GRADES)]
    arr = np.array(rows, dtype=np.float64)
    return arr[:, 0], arr[:, 1]


def _women(table: Mapping[str, float], pos: int) -> np.ndarray:
    return np.array([table[g] if g in table else _BAND_F[int(BAND_OF[i])][pos]
                     for i, g in enumerate(GRADES)])


_AGE_HIRE_MEAN, _AGE_HIRE_SD = _ages(_AGE_HIRE, _BAND_AGE_HIRE)
_AGE_STOCK_MEAN, _AGE_STOCK_SD = _ages(_AGE_STOCK, _BAND_AGE_STOCK)
_F0 = _women(_F_STOCK, 0)
_F15 = _women(_F_HIRE_2015, 1)
_F24 = _women(_F_HIRE_2024, 2)


def female_share(grade: np.ndarray, year: int | None) -> np.ndarray:
    """Probability that a person is a woman: 2014 stock (``year=None``) or recruits of ``year``."""
    if year is None:
        return _F0[grade]
    w = min(max((year - 2015) / 9.0, 0.0), 1.0)
    return ((1.0 - w) * _F15 + w * _F24)[grade]


def draw_gender(rng: np.random.Generator, p_female: np.ndarray) -> np.ndarray:
    """Gender codes (indices into GENDER_CODES); a few X and a few unknown."""
    u = rng.random(p_female.size)
    out = np.where(u < p_female, 0, 1)
    v = rng.random(p_female.size)
    out = np.where(v < 0.001, 2, out)
    return np.where((v >= 0.001) & (v < 0.003), 3, out).astype(np.int8)


def birth_years(rng: np.random.Generator, grade: np.ndarray, year: int, stock: bool) -> np.ndarray:
    """Birth years giving ages 22–64 at the end of ``year``."""
    mean = _AGE_STOCK_MEAN[grade] if stock else _AGE_HIRE_MEAN[grade]
    sd = _AGE_STOCK_SD[grade] if stock else _AGE_HIRE_SD[grade]
    age = np.clip(np.rint(rng.normal(mean, sd)), 22, 64 if stock else 62)
    return (year - age).astype(np.int64)


def appointment_types(rng: np.random.Generator, grade: np.ndarray, appointed: np.ndarray,
                      field: np.ndarray) -> np.ndarray:
    """Appointment type from the year of appointment (permanent ones stopped in 2009)."""
    u = rng.random(grade.size)
    old = appointed < 2009
    mid = (appointed >= 2009) & (appointed < 2013)
    temp_share = np.where(field, 0.08, 0.05)
    out = np.full(grade.size, FIXED_TERM, dtype=np.int8)
    out[old & (u < 0.30)] = PERMANENT
    out[old & (u >= 0.30) & (u < 0.80)] = CONTINUING
    out[mid & (u < 0.40)] = CONTINUING
    out[~old & ~mid & (u > 1.0 - temp_share)] = TEMPORARY
    return out


@dataclass(frozen=True)
class Attributes:
    nationality: np.ndarray
    nat_group: np.ndarray
    education: np.ndarray
    edu_group: np.ndarray
    gender: np.ndarray
    birth_year: np.ndarray


#: Nationality-group mix of internationally recruited non-Professional staff (FS, and the
#: GS not recruited locally).
_INTERNATIONAL_MIX = np.array([0.33, 0.27, 0.12, 0.08, 0.195, 0.005])


def attributes(
    rng: np.random.Generator,
    org: Organization,
    grade: np.ndarray,
    station: np.ndarray,
    year: int,
    stock: bool,
    staff_weight: np.ndarray,
    nat_group: np.ndarray | None = None,
    edu_group: np.ndarray | None = None,
    staff_education: np.ndarray | None = None,
    nationality: np.ndarray | None = None,
) -> Attributes:
    """Attributes of new persons (the 2014 stock when ``stock``, else recruits of ``year``).

    For Professionals ``nat_group`` must be given (a quota) and the country is drawn with
    ``staff_weight`` within the group, unless ``nationality`` gives it (-1: draw it);
    ``edu_group`` may be given (a joint quota) or is drawn from ``staff_education``
    (education group given nationality).
    """
    cc = countries()
    n = grade.size
    prof = PROFESSIONAL[grade]
    band = BAND_OF[grade]
    host = org.station_host[station]
    local_p = np.select([band == BAND_GS, band == BAND_NO], [0.75, 1.0], 0.0)
    local = (~prof) & (host >= 0) & (rng.random(n) < local_p)
    intl_group = rng.choice(N_GROUPS, size=n, p=_INTERNATIONAL_MIX)
    groups = intl_group if nat_group is None else np.where(prof, nat_group, intl_group)
    nat = np.where(prof, cc.draw(rng, groups, staff_weight),
                   cc.draw(rng, groups, cc.applicant_weight))
    if nationality is not None:
        nat = np.where(prof & (nationality >= 0), nationality, nat)
    nat = np.where(local, np.maximum(host, 0), nat)
    ngroup = cc.group[nat]

    egroup = np.where(rng.random(n) < 0.85, np.minimum(ngroup, N_EDU - 1), 4)
    egroup = np.where(ngroup == NONMEMBER, np.where(rng.random(n) < 0.6, 1, 4), egroup)
    if staff_education is not None:
        cum = np.cumsum(staff_education[ngroup], axis=1)
        drawn = (rng.random(n)[:, None] > cum).sum(axis=1)
        egroup = np.where(prof, np.minimum(drawn, N_EDU - 1), egroup)
    if edu_group is not None:
        egroup = np.where(edu_group >= 0, edu_group, egroup)
    edu = cc.education(rng, nat, egroup, home_share=0.7 if stock else 0.6)
    gender = draw_gender(rng, female_share(grade, None if stock else year))
    return Attributes(nat, ngroup, edu, cc.group[edu], gender,
                      birth_years(rng, grade, year, stock))
