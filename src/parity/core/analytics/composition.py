"""Workforce composition: staff counts and shares by any dimension, per snapshot.

Every function counts in one Ibis expression (group by snapshot date and the requested
dimensions once) and derives shares, changes and trends from that count table in polars.
The output is tidy: one row per snapshot (or pair of snapshots) and group; the columns
are documented in docs/workforce.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core import model, precompute
from parity.core.analytics.funnel_dims import Filter, parse_filters, where_labels
from parity.core.backend import Backend
from parity.core.dimensions import UNKNOWN, entity_type_table, registry
from parity.core.dimensions.age import age_band_expr, age_expr
from parity.core.errors import EmptyStoreError, UserInputError
from parity.core.reference import NON_MEMBER_GROUP
from parity.core.store import Store

#: Dimensions a composition can be broken down by, with their meaning (from the registry).
DIMENSIONS: dict[str, str] = {n: registry.DIMENSIONS[n].description
                              for n in registry.COMMANDS["composition"]}
#: Populations a composition can be restricted to.
SCOPES: dict[str, str] = {
    "all": "All staff.",
    "professional": "Professional and higher categories (P, D, ASG/USG).",
    "senior": "Senior levels P-5, D-1 and D-2.",
    "geo": "Staff in posts subject to geographical distribution (geo_subject = true).",
    "sg_report": "The population of the Secretary-General's report on the composition of "
                 "the Secretariat: Professional and higher categories plus Field Service, "
                 "excluding temporary appointments.",
}
#: Category codes of the ``sg_report`` population (with the Professional and higher ones).
SG_REPORT_EXTRA_CATEGORIES: tuple[str, ...] = ("FS",)
SG_REPORT_EXCLUDED_APPOINTMENTS: tuple[str, ...] = ("temporary",)


def as_backend(source: Backend | Store) -> Backend:
    """Accept either an open store or a backend."""
    return source if isinstance(source, Backend) else Backend.from_store(source)


def dimension_names(by: Sequence[str]) -> list[str]:
    """Canonical names of ``by`` (aliases resolved); a UserInputError for unknown ones."""
    return registry.resolve(by, "composition", split=False)


def snapshot_dates(source: Backend | Store) -> list[date]:
    """Every snapshot date in the store, oldest first (read once per data version)."""
    backend = as_backend(source)

    def read() -> list[date]:
        staff = backend.table("staff")
        frame = Backend.to_polars(staff.select("snapshot_date").distinct())
        return sorted(frame["snapshot_date"].to_list())

    return list(precompute.memoized(backend, "snapshot_dates", read))


def resolve_snapshot(dates: Sequence[date], as_of: date | None, option: str = "--as-of") -> date:
    """The latest snapshot on or before ``as_of`` (the latest of all when None)."""
    if not dates:
        raise EmptyStoreError(
            "The store has no staff snapshots.",
            "Load staff.csv with 'parity ingest' first (or run 'parity demo').",
        )
    if as_of is None:
        return max(dates)
    earlier = [d for d in dates if d <= as_of]
    if not earlier:
        raise UserInputError(
            f"There is no staff snapshot on or before {as_of} ({option}); the first one is "
            f"{min(dates)}.",
            f"Give {option} {min(dates)} or later.",
        )
    return max(earlier)


def staff_view(backend: Backend) -> ir.Table:
    """Staff rows with every composition dimension as a plain column."""
    s = backend.table("staff")
    g = backend.table("ref_grades")
    r = backend.table("ref_country_regions")
    types = entity_type_table(s)
    joined = s.left_join(g, s.grade.cast("string") == g.grade).left_join(
        r, s.nationality.cast("string") == r.iso3).left_join(types, s.entity == types.entity)
    return joined.select(
        snapshot_date=s.snapshot_date,
        person_id=s.person_id,
        regional_group=r.regional_group.fill_null(NON_MEMBER_GROUP),
        nationality=s.nationality.cast("string"),
        gender=s.gender.cast("string"),
        grade=s.grade.cast("string"),
        level_band=ibis.coalesce(g.level_band, s.category.cast("string")),
        category=s.category.cast("string"),
        entity=s.entity,
        organization=s.organization.cast("string"),
        duty_station=s.duty_station,
        entity_type=types.entity_type.fill_null(UNKNOWN),
        appointment_type=s.appointment_type.cast("string"),
        age_band=age_band_expr(age_expr(s.snapshot_date, s.birth_year)),
        geo_subject=s.geo_subject,
        professional=g.professional_and_higher,
    )


def scoped(view: ir.Table, scope: str) -> ir.Table:
    """Restrict the staff view to one of :data:`SCOPES`."""
    if scope not in SCOPES:
        raise UserInputError(f"'{scope}' is not a staff scope.", f"Use one of: {', '.join(SCOPES)}.")
    if scope == "professional":
        return view.filter(view.professional)
    if scope == "senior":
        return view.filter(view.grade.isin(sorted(model.SENIOR_GRADES)))
    if scope == "geo":
        return view.filter(view.geo_subject)
    if scope == "sg_report":
        return view.filter(
            (view.professional.fill_null(False)
             | view.category.isin(list(SG_REPORT_EXTRA_CATEGORIES)))
            & ~view.appointment_type.isin(list(SG_REPORT_EXCLUDED_APPOINTMENTS))
            .fill_null(False))
    return view


def count_staff(backend: Backend, by: Sequence[str], dates: Sequence[date] | None,
                scope: str = "all", where: Sequence[str | Filter] = ()) -> pl.DataFrame:
    """Staff per snapshot date and group: one Ibis expression, one execution. ``where``:
    ``--where`` filters (``DIM=V1,V2`` or ``DIM!=V``) on any composition dimension. The
    count of every snapshot is kept per data version (:mod:`parity.core.precompute`) and
    ``dates`` are a selection of its rows."""
    filters = parse_filters(where, "composition")
    if not precompute.enabled(backend):
        return _count_staff(backend, by, dates, scope, filters)
    every = precompute.memoized(backend, ("staff_counts", tuple(by), scope, filters),
                                lambda: _count_staff(backend, by, None, scope, filters))
    return every if dates is None else every.filter(pl.col("snapshot_date").is_in(list(dates)))


def _count_staff(backend: Backend, by: Sequence[str], dates: Sequence[date] | None,
                 scope: str, filters: Sequence[Filter]) -> pl.DataFrame:
    view = where_labels(scoped(staff_view(backend), scope), filters)
    if dates is not None:
        view = view.filter(view.snapshot_date.isin(list(dates)))
    counts = view.group_by(["snapshot_date", *by]).agg(staff=view.count())
    return Backend.to_polars(counts).with_columns(pl.col("staff").cast(pl.Int64))


def _sort(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Sort by ``keys``: code lists in their documented order, other values alphabetically."""
    helpers: list[str] = []
    exprs: list[pl.Expr] = []
    for i, key in enumerate(keys):
        order = registry.order_of(key) if key in DIMENSIONS else None
        if order is not None and frame.schema[key] == pl.Utf8:
            rank = {v: j for j, v in enumerate(order)}
            exprs.append(pl.col(key).replace_strict(rank, default=len(order),
                                                    return_dtype=pl.Int64).alias(f"_o{i}"))
            helpers.append(f"_o{i}")
        else:
            helpers.append(key)
    frame = frame.with_columns(exprs) if exprs else frame
    return frame.sort([*helpers, *keys], nulls_last=True).drop(
        [h for h in helpers if h.startswith("_o")])


def _shares(frame: pl.DataFrame, by: Sequence[str], date_col: str = "snapshot_date",
            count: str = "staff", suffix: str = "") -> pl.DataFrame:
    out = frame.with_columns(
        (pl.col(count) / pl.col(count).sum().over(date_col)).alias(f"share{suffix}"))
    if len(by) >= 2:
        out = out.with_columns(
            (pl.col(count) / pl.col(count).sum().over([date_col, by[0]]))
            .alias(f"share_within{suffix}"))
    return out.with_columns(pl.col(f"^share.*{suffix}$").fill_nan(None))


def composition(source: Backend | Store, by: Sequence[str], as_of: date | None = None,
                scope: str = "all", where: Sequence[str | Filter] = ()) -> pl.DataFrame:
    """Staff and shares by ``by`` (one or more dimensions: a cross-tabulation) on the latest
    snapshot on or before ``as_of``, counting only the staff ``where`` admits.

    Columns: snapshot_date, the ``by`` dimensions, staff, share (of all staff in the scope
    and filters on that date) and, with two or more dimensions, share_within (of the staff
    in the same group of the first dimension, e.g. the women's share within each grade).
    """
    backend = as_backend(source)
    dims = dimension_names(by)
    snapshot = resolve_snapshot(snapshot_dates(backend), as_of)
    frame = count_staff(backend, dims, [snapshot], scope, where)
    return _sort(_shares(frame, dims), ["snapshot_date", *dims])


def _complete(frame: pl.DataFrame, dims: Sequence[str], dates: Sequence[date]) -> pl.DataFrame:
    """Every group seen on any date, on every date (staff 0 where absent)."""
    groups = frame.select(dims).unique() if dims else pl.DataFrame({"_k": [0]})
    grid = pl.DataFrame({"snapshot_date": list(dates)}, schema={"snapshot_date": pl.Date})
    grid = grid.join(groups, how="cross")
    keys = ["snapshot_date", *dims]
    full = grid.join(frame, on=keys, how="left", nulls_equal=True) if dims else grid.join(
        frame, on="snapshot_date", how="left").drop("_k")
    return full.with_columns(pl.col("staff").fill_null(0))


def composition_trend(source: Backend | Store, by: Sequence[str], scope: str = "all",
                      date_from: date | None = None, date_to: date | None = None,
                      yearly: bool = False,
                      where: Sequence[str | Filter] = ()) -> pl.DataFrame:
    """Staff and shares by ``by`` on every snapshot (optionally between two dates).

    With ``yearly``, only the last snapshot of each calendar year. Columns as
    :func:`composition`, plus change (staff minus staff on the previous snapshot shown for
    the same group; null on the first). A group absent on a date has staff 0.
    """
    backend = as_backend(source)
    dims = dimension_names(by)
    every = snapshot_dates(backend)
    resolve_snapshot(every, None)
    dates = [d for d in every
             if (date_from is None or d >= date_from) and (date_to is None or d <= date_to)]
    if not dates:
        raise UserInputError(
            f"No staff snapshot lies between {date_from} and {date_to}.",
            "Widen the period or omit it.")
    if yearly:
        dates = [d for d in dates if d == max(x for x in dates if x.year == d.year)]
    frame = _complete(count_staff(backend, dims, dates, scope, where), dims, dates)
    frame = _shares(frame, dims).sort("snapshot_date")
    change = pl.col("staff") - pl.col("staff").shift(1)
    frame = frame.with_columns((change.over(dims) if dims else change).alias("change"))
    return _sort(frame, ["snapshot_date", *dims])


def composition_change(source: Backend | Store, by: Sequence[str], compare: date,
                       as_of: date | None = None, scope: str = "all",
                       where: Sequence[str | Filter] = ()) -> pl.DataFrame:
    """Staff and shares by ``by`` on two snapshots and the change between them.

    ``compare`` and ``as_of`` each pick the latest snapshot on or before them; the earlier
    becomes date_from. Columns: the ``by`` dimensions, date_from, date_to, staff_from,
    staff_to, change, pct_change (null when staff_from is 0), share_from, share_to,
    share_change (in share points, i.e. fractions).
    """
    backend = as_backend(source)
    dims = dimension_names(by)
    dates = snapshot_dates(backend)
    d_to = resolve_snapshot(dates, as_of)
    d_cmp = resolve_snapshot(dates, compare, "--compare")
    if d_cmp == d_to:
        raise UserInputError(
            f"--compare {compare} and --as-of pick the same snapshot ({d_to}).",
            "Give a --compare date that falls before another snapshot.")
    d_from, d_to = sorted([d_cmp, d_to])
    frame = _complete(count_staff(backend, dims, [d_from, d_to], scope, where), dims, [d_from, d_to])
    frame = _shares(frame, dims).drop("share_within", strict=False)
    before = frame.filter(pl.col("snapshot_date") == d_from).drop("snapshot_date").rename(
        {"staff": "staff_from", "share": "share_from"})
    after = frame.filter(pl.col("snapshot_date") == d_to).drop("snapshot_date").rename(
        {"staff": "staff_to", "share": "share_to"})
    joined = before.join(after, on=dims, how="full", coalesce=True, nulls_equal=True) if dims \
        else pl.concat([before, after], how="horizontal")
    out = joined.with_columns(
        pl.lit(d_from).alias("date_from"), pl.lit(d_to).alias("date_to"),
        (pl.col("staff_to") - pl.col("staff_from")).alias("change"),
        pl.when(pl.col("staff_from") > 0)
        .then(pl.col("staff_to") / pl.col("staff_from") - 1.0).otherwise(None).alias("pct_change"),
        (pl.col("share_to") - pl.col("share_from")).alias("share_change"),
    ).select(*dims, "date_from", "date_to", "staff_from", "staff_to", "change", "pct_change",
             "share_from", "share_to", "share_change")
    return _sort(out, dims) if dims else out
