"""Values the filters offer, read from the store through the core (no statistics)."""

from __future__ import annotations

from collections.abc import Sequence

from parity.core.analytics import composition
from parity.core.analytics.funnel_dims import Filter
from parity.core.backend import Backend
from parity.core.model import ORGANIZATIONS
from parity.web.i18n import N_
from parity.web.views.base import Param, Params, Source


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


def organizations(source: Source) -> list[str]:
    """Every organization with staff or openings in the store, in the code list's order."""
    backend = source.backend()
    found: set[str] = set()
    for name in ("staff", "openings"):
        table = backend.table(name)
        frame = Backend.to_polars(table.select(o=table.organization.cast("string")).distinct())
        found |= set(frame["o"].drop_nulls().to_list())
    order = list(ORGANIZATIONS)
    return sorted(found, key=lambda o: order.index(o) if o in order else len(order))


#: The organization filter of the views counting staff or recruitment: none = system-wide.
ORGANIZATION = Param("organization", N_("Organization"), organizations,
                     all_label=N_("All organizations"))


def value_filter(dimension: str, value: str | None) -> Filter:
    """The core filter keeping one value chosen from a view's option list. Given as a
    :class:`Filter`, not as ``DIM=VALUE`` text, so a value holding "=" or "," (an entity
    named like a formula) is kept whole."""
    return Filter(dimension, (value or "",))


def where(params: Params) -> list[str | Filter]:
    """The core's ``--where`` filters for the view's organization filter (none when all)."""
    org = params.get("organization")
    return [value_filter("organization", org)] if org else []
