"""Dates as integer day numbers (days since 1970-01-01) for vectorised arithmetic."""

from __future__ import annotations

import numpy as np

#: Years covered by the synthetic organization (snapshots at 12-31 of each).
FIRST_YEAR = 2015
LAST_YEAR = 2024
YEARS: tuple[int, ...] = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
#: Sentinel for "never" (a person still in service, a stage not reached).
NEVER = np.int32(2**31 - 1)


def day(year: int, month: int = 1, dom: int = 1) -> int:
    """Day number of a calendar date."""
    return int(np.datetime64(f"{year:04d}-{month:02d}-{dom:02d}", "D").astype(np.int64))


#: The extraction date: nothing in the files happens after it.
CUTOFF = day(LAST_YEAR, 12, 31)


def year_start(year: int) -> int:
    return day(year, 1, 1)


def year_end(year: int) -> int:
    return day(year, 12, 31)


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def uniform_in_year(rng: np.random.Generator, year: int, n: int,
                    first: int | None = None) -> np.ndarray:
    """``n`` days drawn uniformly in ``year`` (from ``first`` if given)."""
    lo = year_start(year) if first is None else max(first, year_start(year))
    hi = year_end(year)
    return rng.integers(lo, hi + 1, size=n).astype(np.int64)
