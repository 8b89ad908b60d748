"""Countries: who applies, who is hired, where degrees come from.

Country index ``i`` refers to ``Countries.iso3[i]``: the 193 Member States (sorted by ISO3)
followed by the non-member codes. Weights within each regional group say how likely a
national of that group is to hold each nationality:

* applicants: population to the power 0.7 (large countries send more applications, but less
  than in proportion);
* education hubs: countries where degrees of the group's region are commonly earned.

Professional staff are drawn with other weights, planned with the desirable ranges of each
run (``geography.GeoPlan.staff_weight``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from parity.core import reference
from parity.core.model import NON_MEMBER
from parity.core.synth.quotas import N_GROUPS, NONMEMBER

#: Non-member nationalities used, with their relative frequency.
NON_MEMBER_CODES: tuple[tuple[str, float], ...] = (("PSE", 0.75), (NON_MEMBER, 0.25))

_HUBS: dict[str, tuple[tuple[str, float], ...]] = {
    "AFR": (("ZAF", 25), ("EGY", 15), ("KEN", 15), ("NGA", 12), ("SEN", 6), ("GHA", 6),
            ("ETH", 5), ("MAR", 5), ("UGA", 4), ("CMR", 4), ("TUN", 3)),
    "APG": (("IND", 25), ("CHN", 15), ("JPN", 8), ("PHL", 6), ("THA", 6), ("KOR", 6),
            ("LBN", 6), ("JOR", 5), ("MYS", 5), ("SGP", 5), ("PAK", 5), ("IRN", 4)),
    "EEG": (("RUS", 30), ("POL", 15), ("UKR", 12), ("CZE", 8), ("HUN", 7), ("ROU", 7),
            ("SRB", 5), ("BGR", 5), ("GEO", 4), ("HRV", 3), ("LTU", 2), ("SVK", 2)),
    "GRULAC": (("MEX", 20), ("ARG", 18), ("BRA", 18), ("CHL", 12), ("COL", 12), ("PER", 6),
               ("CRI", 4), ("CUB", 4), ("URY", 3), ("VEN", 3)),
    "WEOG": (("USA", 30), ("GBR", 20), ("FRA", 10), ("CAN", 7), ("DEU", 6), ("CHE", 5),
             ("AUS", 5), ("NLD", 4), ("BEL", 4), ("ITA", 3), ("ESP", 3), ("SWE", 1),
             ("IRL", 1), ("AUT", 1)),
}


@dataclass(frozen=True)
class Countries:
    iso3: tuple[str, ...]
    group: np.ndarray
    applicant_weight: np.ndarray
    hub_weight: np.ndarray

    def index(self, code: str) -> int:
        return self.iso3.index(code)

    def draw(self, rng: np.random.Generator, groups: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """One country per element of ``groups``, drawn with ``weight`` within the group."""
        out = np.zeros(groups.size, dtype=np.int64)
        u = rng.random(groups.size)
        for g in range(N_GROUPS):
            sel = np.flatnonzero(groups == g)
            if sel.size == 0:
                continue
            members = np.flatnonzero(self.group == g)
            cum = np.cumsum(weight[members])
            cum /= cum[-1]
            pos = np.minimum(np.searchsorted(cum, u[sel], side="right"), members.size - 1)
            out[sel] = members[pos]
        return out

    def education(self, rng: np.random.Generator, nationality: np.ndarray,
                  edu_group: np.ndarray, home_share: float = 0.7) -> np.ndarray:
        """Country of the highest degree: often one's own country when in its region."""
        hub = self.draw(rng, edu_group, self.hub_weight)
        home = (self.group[nationality] == edu_group) & (rng.random(nationality.size) < home_share)
        return np.where(home, nationality, hub)


def _pop_weight(iso3: list[str]) -> np.ndarray:
    pop = reference.population().filter(pl.col("year") == 2022)
    found = dict(zip(pop["iso3"].to_list(), pop["population"].to_list(), strict=True))
    return np.array([float(found.get(c) or 1e5) for c in iso3])


def _normalise_within(weight: np.ndarray, group: np.ndarray) -> np.ndarray:
    out = weight.astype(np.float64).copy()
    for g in range(N_GROUPS):
        sel = group == g
        total = out[sel].sum()
        if total > 0:
            out[sel] /= total
    return out


@lru_cache(maxsize=1)
def countries() -> Countries:
    """The country catalogue used by the generator (built once from the reference data)."""
    groups = reference.regional_group_of()
    group_names = list(reference.REGIONAL_GROUPS)
    members = sorted(groups)
    iso3 = [*members, *(c for c, _ in NON_MEMBER_CODES)]
    group = np.array([group_names.index(groups[c]) for c in members]
                     + [NONMEMBER] * len(NON_MEMBER_CODES), dtype=np.int64)

    pop = _pop_weight(members)
    applicant = _normalise_within(np.append(pop**0.7, [w for _, w in NON_MEMBER_CODES]), group)

    hub = np.zeros(len(iso3))
    for name, pairs in _HUBS.items():
        g = group_names.index(name)
        for code, w in pairs:
            i = iso3.index(code)
            if group[i] == g:
                hub[i] = w
    # Non-member nationals take their degrees in the hubs of the five groups; the NONMEMBER
    # row of the hub weights is never used, but must not be empty.
    hub[group == NONMEMBER] = 1.0
    return Countries(
        iso3=tuple(iso3),
        group=group,
        applicant_weight=applicant,
        hub_weight=_normalise_within(hub, group),
    )
