"""Gender parity by level, entity or field: shares, Wilson bounds, the parity band, and
what the entrant mix must be to reach the band by the target date.

Flow-balance model (METHODS.md §2.4): for a group of constant size whose leavers are
representative of it, with annual replacement fraction r (all exits, including
promotions out, over the stock) and a women's share h among entrants,

    w_{t+1} = (1 − r)·w_t + r·h   ⇒   w_t = h + (w_0 − h)(1 − r)^t,

so the women's share among entrants needed to reach T in t years is

    h* = (T − w_0·(1 − r)^t) / (1 − (1 − r)^t).

r and h are estimated over a stated period, the ``period_months`` (12) months before the
as-of snapshot, whatever the snapshot frequency: the flow snapshot is the earlier snapshot
closest to that start (with monthly, quarterly or yearly snapshots, the one exactly 12 months
before), and persons are matched by id between it and the as-of snapshot: a person in the
group then and not now is an exit; one in it now and not then is an entrant. The exit
rate is annualised over the actual span between the two snapshots,
1 − (1 − exits/stock)^(1/years).

The parity year (by level or by field) is not a flow-balance figure: it is the projection's
answer, :func:`parity.core.projection.parity_year.first_likely_year` over the baseline
projection from the snapshot's year (the first year from which the chance of being within
the band is at least one half in every later year of the horizon), so ``parity gender`` and
``parity project`` give the same year.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.composition import (
    as_backend,
    resolve_snapshot,
    scoped,
    snapshot_dates,
    staff_view,
)
from parity.core.analytics.funnel_dims import Filter, parse_filters, where_labels
from parity.core.backend import Backend
from parity.core.dimensions import LEVEL_ORDER, canonical, resolve
from parity.core.params import GenderParameters, load_gender_parameters
from parity.core.stats.proportions import wilson_interval
from parity.core.store import Store

GenderBy = Literal["level", "entity", "field", "organization"]
#: Length of the period flows are measured over, before the as-of snapshot.
FLOW_MONTHS = 12
#: The breakdowns offered by name (any alias of the registry works too) → the dimension
#: and output column: level_band, entity, entity_type (field or non-field entity).
BY_COLUMN: dict[str, str] = {name: canonical(name)
                             for name in ("level", "entity", "field", "organization")}
TOTAL = "Total"


def required_entrant_share(w0: npt.ArrayLike, r: npt.ArrayLike, years: npt.ArrayLike,
                           target: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """h* = (T − w0·(1 − r)^t) / (1 − (1 − r)^t); NaN when r = 0 or t ≤ 0.

    A value above 1 (or below 0) means the target cannot be reached in time at that
    replacement rate, whatever the entrant mix.
    """
    w0_, r_, t_, T_ = (np.asarray(v, dtype=np.float64) for v in (w0, r, years, target))
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (1.0 - r_) ** t_
        out = (T_ - w0_ * keep) / (1.0 - keep)
    return np.where((r_ > 0) & (t_ > 0), out, np.nan)


def share_after(w0: float, h: float, r: float, years: float) -> float:
    """Women's share after ``years`` years at entrant share h: h + (w0 − h)(1 − r)^t."""
    return h + (w0 - h) * (1.0 - r) ** years


@dataclass(frozen=True)
class GenderParityResult:
    """Women's share per group against the parity band, with the required entrant mix."""

    snapshot_date: date
    flow_from: date | None
    by: str
    params: GenderParameters
    table: pl.DataFrame
    notes: tuple[str, ...] = ()


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (clipped to the month's last day)."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def flow_start(dates: list[date], cur: date, months: int = FLOW_MONTHS) -> date | None:
    """The earlier snapshot closest to ``months`` before ``cur`` (ties: the earlier one)."""
    earlier = [d for d in dates if d < cur]
    if not earlier:
        return None
    target = months_before(cur, months)
    return min(earlier, key=lambda d: (abs((d - target).days), d))


def _key(column: str) -> Callable[[ir.Table], ir.Value]:
    return lambda t: t[column]


def _stock(view: ir.Table, dates: list[date], key: Callable[[ir.Table], ir.Value]) -> ir.Table:
    v = view.filter(view.snapshot_date.isin(dates))
    return v.group_by(snapshot_date=v.snapshot_date, group=key(v), gender=v.gender).agg(
        staff=v.count())


def _flows(view: ir.Table, prev: date, cur: date,
           keys: list[Callable[[ir.Table], ir.Value]]) -> ir.Table:
    """Exits from and entrants into each group between two snapshots (one union)."""
    parts = []
    for key in keys:
        a = view.filter(view.snapshot_date == prev)
        a = a.select(pid0=a.person_id, k0=key(a).cast("string"))
        b = view.filter(view.snapshot_date == cur)
        b = b.select(pid1=b.person_id, k1=key(b).cast("string"), gender=b.gender)
        j = a.outer_join(b, a.pid0 == b.pid1)
        out = j.filter(j.k0.notnull() & (j.k1.isnull() | (j.k1 != j.k0)))
        parts.append(out.group_by(group=out.k0).agg(
            exits=out.count(), entrants=ibis.literal(0, "int64"),
            entrants_women=ibis.literal(0, "int64"), entrants_known=ibis.literal(0, "int64")))
        inn = j.filter(j.k1.notnull() & (j.k0.isnull() | (j.k1 != j.k0)))
        parts.append(inn.group_by(group=inn.k1).agg(
            exits=ibis.literal(0, "int64"), entrants=inn.count(),
            entrants_women=(inn.gender == "F").ifelse(1, 0).sum(),
            entrants_known=inn.gender.notnull().ifelse(1, 0).sum()))
    return ibis.union(*parts, distinct=False)


def _targets(frame: pl.DataFrame, by: str, year: int, params: GenderParameters,
             organization: str | None) -> pl.DataFrame:
    """Each group's target year: its level's, among its organization's own targets (the
    group's with --by organization, else the one organization filtered on) if any."""
    years = []
    for group in frame["group"].to_list():
        level = group if by == "level_band" and group != TOTAL else None
        org = group if by == "organization" and group != TOTAL else organization
        target = params.targets_for(level, year, org)
        years.append(target.year if target else None)
    return frame.with_columns(pl.Series("target_year", years, dtype=pl.Int64))


def gender_parity(source: Backend | Store, as_of: date | None = None, by: str = "level",
                  params: GenderParameters | None = None,
                  all_categories: bool = False,
                  period_months: int = FLOW_MONTHS,
                  where: Sequence[str | Filter] = (), projection_runs: int | None = None,
                  projection_seed: int | None = None,
                  projection_years: int | None = None) -> GenderParityResult:
    """Women's share by level band, entity or field/non-field on the snapshot for ``as_of``.

    Staff in the Professional and higher categories unless ``all_categories``. Columns:
    snapshot_date, the group (level_band, entity or entity_type), staff, women, men, other,
    unknown, women_share (of staff with a recorded gender), ci_lower, ci_upper,
    band_lower, band_upper, band_status, ci_vs_band, target_year, years_to_target,
    exit_rate, entrants, entrant_women_share, target_share, required_entrant_share,
    required_feasible, parity_year, p_in_band_year, p_in_band_at_target, max_p_in_band.
    Flows are measured over the ``period_months`` before the snapshot (see the module
    docstring; ``flow_from`` is where they start). The last four columns come from the
    projection (the chance of being within the band in ``p_in_band_year``, the target year
    within the horizon)
    (``projection_runs``, ``projection_seed`` and ``projection_years``, by default those of
    ``parity project``); they are null by entity, which the projection does not model.
    See docs/workforce.md.
    """
    column = resolve([by], "gender", split=False)[0]
    params = params or load_gender_parameters()
    backend = as_backend(source)
    dates = snapshot_dates(backend)
    cur = resolve_snapshot(dates, as_of)
    prev = flow_start(dates, cur, period_months)
    filters = parse_filters(where, "gender")
    view = where_labels(scoped(staff_view(backend), "all" if all_categories else "professional"),
                        filters)
    one = [f.values[0] for f in filters
           if f.dimension == "organization" and not f.negate and len(f.values) == 1]
    key = _key(column)
    stock = Backend.to_polars(_stock(view, [d for d in (prev, cur) if d], key))
    notes: list[str] = []
    total_key: Callable[[ir.Table], ir.Value] = lambda t: ibis.literal(TOTAL)  # noqa: E731
    if prev is not None:
        flows = Backend.to_polars(_flows(view, prev, cur, [key, total_key]))
        flows = flows.group_by("group").agg(pl.col("*").sum())
        stated = months_before(cur, period_months)
        if prev != stated:
            notes.append(
                f"Entrants and exits are measured from {prev} to {cur}, the earlier snapshot "
                f"closest to {stated} ({period_months} months before); the exit rate is "
                "annualised over that span.")
    else:
        flows = pl.DataFrame(schema={"group": pl.Utf8, "exits": pl.Int64, "entrants": pl.Int64,
                                     "entrants_women": pl.Int64, "entrants_known": pl.Int64})
        notes.append(f"Entrant and exit rates need an earlier snapshot than {cur}; the store "
                     "has none, so the required entrant share and parity year are not given.")
    table = _assemble(stock, flows, cur, prev, column, params, one[0] if one else None)
    table, more = _with_parity_year(backend, table, cur, column, params, all_categories,
                                    projection_runs, projection_seed, projection_years)
    return GenderParityResult(cur, prev, by, params, table, (*notes, *more))


def _with_parity_year(backend: Backend, table: pl.DataFrame, cur: date, column: str,
                      params: GenderParameters, all_categories: bool, runs: int | None,
                      seed: int | None, years: int | None) -> tuple[pl.DataFrame, list[str]]:
    """Join the projection's parity year and the chances it rests on to each group."""
    from parity.core.errors import ParityError
    from parity.core.projection import parity_year as py

    empty = table.with_columns(pl.lit(None, pl.Int64).alias("parity_year"),
                               pl.lit(None, pl.Int64).alias("p_in_band_year"),
                               pl.lit(None, pl.Float64).alias("p_in_band_at_target"),
                               pl.lit(None, pl.Float64).alias("max_p_in_band"))
    if column not in ("level_band", "entity_type"):
        return empty, ["The parity year comes from the projection, which models levels and "
                       "field or non-field staff, not entities: it is not given by entity."]
    targets = dict(zip(table[column].to_list(), table["target_year"].to_list(), strict=True))
    try:
        projected = py.projected_parity(
            backend, cur, params.parity_band.lower, params.parity_band.upper, column, targets,
            all_categories, years or py.YEARS, runs or py.RUNS,
            py.SEED if seed is None else seed)
    except ParityError as exc:
        return empty, [f"The parity year needs a projection from {cur.year}, which cannot "
                       f"run here: {exc}"]
    keep = projected.table.select(
        "group", "parity_year", pl.col("evaluated_year").alias("p_in_band_year"),
        "p_in_band_at_target", "max_p_in_band").rename({"group": column})
    joined = table.join(keep, on=column, how="left", maintain_order="left")
    return joined, list(projected.notes)


def _assemble(stock: pl.DataFrame, flows: pl.DataFrame, cur: date, prev: date | None,
              column: str, params: GenderParameters,
              organization: str | None = None) -> pl.DataFrame:
    stock = stock.with_columns(pl.col("group").cast(pl.Utf8), pl.col("staff").cast(pl.Int64))
    stock = pl.concat([stock, stock.with_columns(pl.lit(TOTAL).alias("group"))])
    now = stock.filter(pl.col("snapshot_date") == cur).group_by("group").agg(
        pl.col("staff").sum(),
        pl.col("staff").filter(pl.col("gender") == "F").sum().alias("women"),
        pl.col("staff").filter(pl.col("gender") == "M").sum().alias("men"),
        pl.col("staff").filter(pl.col("gender") == "X").sum().alias("other"),
        pl.col("staff").filter(pl.col("gender").is_null()).sum().alias("unknown"),
    )
    before = stock.filter(pl.col("snapshot_date") == pl.lit(prev, pl.Date)).group_by(
        "group").agg(pl.col("staff").sum().alias("staff_before"))
    frame = now.join(before, on="group", how="left").join(flows, on="group", how="left")
    if prev is not None:
        counts = ["staff_before", "exits", "entrants", "entrants_women", "entrants_known"]
        frame = frame.with_columns(pl.col(counts).fill_null(0))
    known = (frame["women"] + frame["men"] + frame["other"]).to_numpy()
    alpha = 1.0 - params.confidence_level.value
    lo, hi = wilson_interval(frame["women"].to_numpy(), known, alpha=alpha)
    band_lo, band_hi = params.parity_band.lower, params.parity_band.upper
    span = (cur - prev).days / 365.25 if prev else float("nan")
    share = pl.col("women") / (pl.col("women") + pl.col("men") + pl.col("other"))
    frame = frame.with_columns(
        share.fill_nan(None).alias("women_share"),
        pl.Series("ci_lower", np.atleast_1d(lo)).fill_nan(None),
        pl.Series("ci_upper", np.atleast_1d(hi)).fill_nan(None),
        pl.lit(band_lo).alias("band_lower"), pl.lit(band_hi).alias("band_upper"),
        # annual replacement rate: 1 − (1 − exits/stock)^(1/years between snapshots)
        (1.0 - (1.0 - pl.col("exits") / pl.col("staff_before")) ** (1.0 / span))
        .fill_nan(None).alias("exit_rate"),
        (pl.col("entrants_women") / pl.col("entrants_known")).fill_nan(None).alias(
            "entrant_women_share"),
    ).with_columns(
        pl.when(pl.col("women_share") < band_lo).then(pl.lit("below"))
        .when(pl.col("women_share") > band_hi).then(pl.lit("above"))
        .when(pl.col("women_share").is_not_null()).then(pl.lit("within")).alias("band_status"),
        pl.when(pl.col("ci_upper") < band_lo).then(pl.lit("below"))
        .when(pl.col("ci_lower") > band_hi).then(pl.lit("above"))
        .when(pl.col("ci_lower").is_not_null()).then(pl.lit("overlaps")).alias("ci_vs_band"),
    )
    frame = _targets(frame, column, cur.year, params, organization).with_columns(
        (pl.col("target_year") - cur.year).alias("years_to_target"),
        pl.when(pl.col("band_status") == "below").then(pl.lit(band_lo))
        .when(pl.col("band_status") == "above").then(pl.lit(band_hi)).alias("target_share"),
    )
    req = required_entrant_share(
        frame["women_share"].to_numpy(allow_copy=True).astype(np.float64),
        frame["exit_rate"].to_numpy(allow_copy=True).astype(np.float64),
        frame["years_to_target"].to_numpy(allow_copy=True).astype(np.float64),
        frame["target_share"].to_numpy(allow_copy=True).astype(np.float64))
    frame = frame.with_columns(
        pl.Series("required_entrant_share", req).fill_nan(None),
    ).with_columns(
        pl.col("required_entrant_share").is_between(0.0, 1.0).alias("required_feasible"),
        pl.lit(cur).alias("snapshot_date"),
    )
    order = {g: i for i, g in enumerate(LEVEL_ORDER)} if column == "level_band" else {}
    frame = frame.with_columns(
        pl.when(pl.col("group") == TOTAL).then(10**6)
        .otherwise(pl.col("group").replace_strict(order, default=len(order),
                                                  return_dtype=pl.Int64)).alias("_o"),
    ).sort(["_o", "group"]).drop("_o")
    return frame.rename({"group": column}).select(
        "snapshot_date", column, "staff", "women", "men", "other", "unknown", "women_share",
        "ci_lower", "ci_upper", "band_lower", "band_upper", "band_status", "ci_vs_band",
        "target_year", "years_to_target", "exit_rate", "entrants", "entrant_women_share",
        "target_share", "required_entrant_share", "required_feasible",
    )
