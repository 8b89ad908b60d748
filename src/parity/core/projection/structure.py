"""The cell structure of the projection: grades and their ladders, sexes, entity types,
the level bands that gender parity is measured on, and the separation-year classes.

Career cells are ``grade × sex × entity type × separation class``. Age enters the model
only through the mandatory age of separation, so a person's age is carried as the year
in which they will reach their separation age: class ``k`` (0-based) holds the staff who
separate at the start of projection year ``base_year + k + 1``; the last class holds
everyone whose separation year lies beyond the horizon. This is exact for every person
who reaches the separation age within the horizon and keeps the state about five times
smaller than single-year ages would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from parity.core import model
from parity.core.dimensions import LEVEL_ORDER, level_band

Scope = Literal["professional", "all"]
#: Sex codes of the model: women, men, another gender (X), gender not recorded.
SEXES: tuple[str, ...] = ("F", "M", "X", "U")
F, M, X, U = range(4)
#: Entity types: non-field (0) and field operations (1).
FIELDS: tuple[str, ...] = ("non-field", "field")
#: Ladders, junior to senior. A promotion fills a vacancy from the grade just below.
_LADDERS: dict[str, tuple[str, ...]] = {
    "GS": ("G-1", "G-2", "G-3", "G-4", "G-5", "G-6", "G-7"),
    "NO": ("NO-A", "NO-B", "NO-C", "NO-D", "NO-E"),
    "FS": ("FS-1", "FS-2", "FS-3", "FS-4", "FS-5", "FS-6", "FS-7"),
    "P": ("P-1", "P-2", "P-3", "P-4", "P-5", "D-1", "D-2", "ASG", "USG"),
}
SCOPE_CATEGORIES: dict[str, frozenset[str]] = {
    "professional": frozenset(model.PROFESSIONAL_AND_HIGHER),
    "all": frozenset(model.CATEGORIES),
}
#: Entry cohorts for the separation-age rules of METHODS §2.3: appointed before 1990,
#: 1990–2013, 2014 or later.
COHORTS: tuple[str, ...] = ("before 1990", "1990-2013", "2014 or later")
#: Normal retirement age of each cohort (the age they may retire at without reduction).
COHORT_EARLY_AGE: tuple[int | None, ...] = (60, 62, None)


def cohort_of(entry_year: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Cohort code (0, 1, 2) of each entry year."""
    y = np.asarray(entry_year)
    return np.where(y < 1990, 0, np.where(y < 2014, 1, 2)).astype(np.int8)


def level_of(grade: str) -> str:
    """The level band of a grade (P-1/P-2 … ASG/USG), or its category (FS, NO, GS)."""
    return level_band(grade)


@dataclass(frozen=True)
class Structure:
    """Grades in scope with their promotion ladders and level bands."""

    scope: str
    grades: tuple[str, ...]
    feeder: npt.NDArray[np.int64]
    fill_order: tuple[int, ...]
    levels: tuple[str, ...]
    level_of_grade: npt.NDArray[np.int64]

    @property
    def n_grades(self) -> int:
        return len(self.grades)

    @property
    def categories(self) -> frozenset[str]:
        return SCOPE_CATEGORIES[self.scope]

    def grade_index(self, grade: str) -> int:
        return self.grades.index(grade)

    def grades_of_level(self, level: str) -> list[int]:
        i = self.levels.index(level)
        return [g for g in range(self.n_grades) if self.level_of_grade[g] == i]

    def level_matrix(self) -> npt.NDArray[np.float64]:
        """(grades × levels) 0/1 matrix that sums grade counts into level counts."""
        out = np.zeros((self.n_grades, len(self.levels)))
        out[np.arange(self.n_grades), self.level_of_grade] = 1.0
        return out


def build_structure(scope: str = "professional") -> Structure:
    """The grades of ``scope`` ('professional' or 'all'), junior to senior per ladder."""
    if scope not in SCOPE_CATEGORIES:
        raise ValueError(f"unknown scope {scope!r}")
    cats = SCOPE_CATEGORIES[scope]
    grades: list[str] = []
    feeder: list[int] = []
    for ladder in _LADDERS.values():
        kept = [g for g in ladder if model.CATEGORY_OF_GRADE[g] in cats]
        for i, g in enumerate(kept):
            feeder.append(len(grades) - 1 if i > 0 else -1)
            grades.append(g)
    # Fill senior grades first so that each promotion's vacancy below is filled in the
    # same pass (the vacancy chain).
    ladder_of = {g: name for name, gs in _LADDERS.items() for g in gs}
    order = sorted(range(len(grades)),
                   key=lambda i: (ladder_of[grades[i]], -_LADDERS[ladder_of[grades[i]]]
                                  .index(grades[i])))
    present = {level_of(g) for g in grades}
    levels = tuple(lv for lv in LEVEL_ORDER if lv in present)
    return Structure(
        scope=scope,
        grades=tuple(grades),
        feeder=np.array(feeder, dtype=np.int64),
        fill_order=tuple(order),
        levels=levels,
        level_of_grade=np.array([levels.index(level_of(g)) for g in grades], dtype=np.int64),
    )


def separation_class(separation_year: npt.ArrayLike, base_year: int,
                     horizon: int) -> npt.NDArray[np.int64]:
    """Class index of each separation year: 0 = leaves in base_year + 1 (also anyone
    already past the separation age), horizon = beyond the projection."""
    y = np.asarray(separation_year, dtype=np.int64)
    return np.clip(y - base_year - 1, 0, horizon)
