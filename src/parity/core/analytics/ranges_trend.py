"""One Member State's desirable range, nationals and status over the years.

:func:`state_trend` reads :func:`parity.core.analytics.ranges.desirable_ranges` on the last
snapshot of each calendar year and keeps one State's row. The count of its nationals in
posts subject to geographical distribution is the one-dimensional table the disclosure
policy publishes in full (``nationality_counts_exempt``, as in the UN composition reports);
when a policy withdraws that exemption, a count from 1 to threshold-1 is hidden (null) with
the figures derived from it.
"""

from __future__ import annotations

import polars as pl

from parity.core.analytics import composition, ranges
from parity.core.backend import Backend
from parity.core.disclosure.policy import DisclosurePolicy
from parity.core.errors import UserInputError
from parity.core.store import Store

#: Columns derived from the count of nationals (hidden with it).
FROM_STAFF = ("staff", "distance_to_range", "needed_to_reach_lower")


def state_trend(source: Backend | Store, iso3: str,
                policy: DisclosurePolicy | None = None) -> pl.DataFrame:
    """The State's range and status on the last snapshot of every year, oldest first.

    Columns: snapshot_date, iso3, name, regional_group, lower, midpoint, upper, staff,
    status, distance_to_range, needed_to_reach_lower, staff_hidden (True where the policy
    hides a small count), change (staff minus staff on the previous row; null on the first
    or when either is hidden).
    """
    policy = policy or DisclosurePolicy()
    backend = composition.as_backend(source)
    code = iso3.strip().upper()
    dates = composition.snapshot_dates(backend)
    composition.resolve_snapshot(dates, None)
    yearly = [d for d in dates if d == max(x for x in dates if x.year == d.year)]
    rows = []
    for day in yearly:
        states = ranges.desirable_ranges(backend, as_of=day).states
        row = states.filter(pl.col("iso3") == code)
        if row.height == 0:
            raise UserInputError(f"'{iso3}' is not a Member State in the system of desirable "
                                 "ranges.", "Give the ISO 3166-1 alpha-3 code of a Member "
                                 "State, e.g. KEN.")
        rows.append(row.select(
            pl.lit(day).alias("snapshot_date"), "iso3", "name", "regional_group", "lower",
            "midpoint", "upper", "staff", "status", "distance_to_range",
            "needed_to_reach_lower"))
    frame = pl.concat(rows, how="vertical_relaxed")
    hidden = pl.lit(False) if policy.nationality_counts_exempt else (
        (pl.col("staff") > 0) & (pl.col("staff") < policy.threshold))
    frame = frame.with_columns(hidden.alias("staff_hidden"))
    frame = frame.with_columns(
        pl.when(pl.col("staff_hidden")).then(None).otherwise(pl.col(c)).alias(c)
        for c in FROM_STAFF)
    return frame.with_columns((pl.col("staff") - pl.col("staff").shift(1)).alias("change"))
