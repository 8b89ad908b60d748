"""Headline figures and their change over a year, each from the analytic that defines it.

:func:`headlines` gives three figures on the latest snapshot (or the one for ``as_of``)
and on the snapshot a year earlier:

- ``staff``: staff in post (every category), from :func:`composition.composition`;
- ``women_share_professional``: women's share of the Professional and higher staff with a
  recorded gender, the Total row of :func:`gender.gender_parity`;
- ``selections_under_represented``: of the selections in the year up to the snapshot to
  openings at Professional and higher grades, of nationals of Member States, the share
  going to nationals of States unrepresented or underrepresented on that snapshot
  (:func:`ranges.desirable_ranges`).

Output: one row per figure with ``figure``, ``unit`` (count or share), ``value``,
``period_start`` and ``period_end`` (the snapshot, or the year of selections),
``previous_value``, ``previous_start``, ``previous_end`` (null without a snapshot a year or
more earlier) and ``change`` (value minus previous value; share points as fractions).
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import polars as pl

from parity.core import model
from parity.core.analytics import composition, gender, ranges
from parity.core.backend import Backend
from parity.core.store import Store

FIGURES: dict[str, str] = {
    "staff": "Staff in post on the snapshot (every category).",
    "women_share_professional": "Women's share of the Professional and higher staff with a "
                                "recorded gender.",
    "selections_under_represented": "Share of the year's selections to Professional and "
                                    "higher openings, of Member States' nationals, that went "
                                    "to nationals of unrepresented or underrepresented States.",
}
#: Statuses whose nationals the third figure counts.
UNDER = ("unrepresented", "underrepresented")


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _staff(backend: Backend, snapshot: date) -> float:
    frame = composition.composition(backend, [], as_of=snapshot)
    return float(frame["staff"].sum())


def _women_share(backend: Backend, snapshot: date) -> float | None:
    table = gender.gender_parity(backend, as_of=snapshot).table
    total = table.filter(pl.col("level_band") == gender.TOTAL)
    value = total["women_share"][0] if total.height else None
    return None if value is None else float(value)


def _selections_share(backend: Backend, snapshot: date) -> float | None:
    states = ranges.desirable_ranges(backend, as_of=snapshot).states
    under = set(states.filter(pl.col("status").is_in(UNDER))["iso3"].to_list())
    members = set(states["iso3"].to_list())
    apps = backend.table("applications")
    start = year_before(snapshot)
    picked = apps.filter(apps.selected_date.notnull() & (apps.selected_date > start)
                         & (apps.selected_date <= snapshot)
                         & apps.opening_grade.cast("string").isin(model.professional_grades()))
    counts = Backend.to_polars(picked.group_by(nationality=picked.nationality.cast("string"))
                               .agg(n=ibis._.count()))
    counts = counts.filter(pl.col("nationality").is_in(sorted(members)))
    total = int(counts["n"].sum())
    if total == 0:
        return None
    return int(counts.filter(pl.col("nationality").is_in(sorted(under)))["n"].sum()) / total


def headlines(source: Backend | Store, as_of: date | None = None) -> pl.DataFrame:
    """The headline figures and their change since the snapshot a year earlier."""
    backend = composition.as_backend(source)
    dates = composition.snapshot_dates(backend)
    cur = composition.resolve_snapshot(dates, as_of)
    earlier = [d for d in dates if d <= year_before(cur)]
    prev = max(earlier) if earlier else None
    rows = []
    for name, unit, fn in (("staff", "count", _staff),
                           ("women_share_professional", "share", _women_share),
                           ("selections_under_represented", "share", _selections_share)):
        value = fn(backend, cur)
        before = fn(backend, prev) if prev is not None else None
        yearly = name == "selections_under_represented"
        rows.append({
            "figure": name, "unit": unit, "value": value,
            "period_start": year_before(cur) + timedelta(days=1) if yearly else cur,
            "period_end": cur, "previous_value": before,
            "previous_start": (year_before(prev) + timedelta(days=1) if yearly else prev)
            if prev is not None else None,
            "previous_end": prev,
            "change": value - before if value is not None and before is not None else None,
        })
    return pl.DataFrame(rows, schema={
        "figure": pl.Utf8, "unit": pl.Utf8, "value": pl.Float64, "period_start": pl.Date,
        "period_end": pl.Date, "previous_value": pl.Float64, "previous_start": pl.Date,
        "previous_end": pl.Date, "change": pl.Float64})
