"""Values the filters offer, read from the store through the core (no statistics)."""

from __future__ import annotations

from collections.abc import Sequence

from parity.core.analytics import composition
from parity.core.backend import Backend
from parity.web.views.base import Source


def snapshot_dates(source: Source) -> list[str]:
    """Every staff snapshot date (ISO), newest first."""
    return [d.isoformat() for d in reversed(composition.snapshot_dates(source.backend()))]


def posting_years(source: Source) -> list[str]:
    """Every year in which an opening was posted, newest first."""
    openings = source.backend().table("openings")
    frame = Backend.to_polars(openings.select(year=openings.posted_date.year()).distinct())
    return [str(y) for y in sorted(frame["year"].drop_nulls().to_list(), reverse=True)]


def entities(source: Source) -> list[str]:
    """Every entity with staff on some snapshot, alphabetically."""
    staff = source.backend().table("staff")
    frame = Backend.to_polars(staff.select("entity").distinct())
    return sorted(frame["entity"].drop_nulls().to_list())


def latest(values: Sequence[str]) -> str | None:
    return values[0] if values else None


def oldest_of_last(n: int) -> object:
    """A default picking the n-th newest value (e.g. the first year of the last five)."""
    def pick(values: Sequence[str]) -> str | None:
        return values[min(n, len(values)) - 1] if values else None
    return pick
