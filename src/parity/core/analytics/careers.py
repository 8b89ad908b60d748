"""Career flows by group: promotions, mobility, separations and rosters (issue 8).

:func:`careers` answers one flow for any dimensions, counting once in the engine
(:mod:`careers_exposure` for the rate flows, :mod:`careers_roster` for rosters) and deriving
every statistic from the count table (:mod:`careers_compare`). Time to promotion is in
:mod:`careers_survival`.

Flows, outcomes and the adverse direction:

=============  ==============================================================  ==========
flow           outcomes (events per staff-year at risk, or proportions)         adverse
=============  ==============================================================  ==========
promotion      promotion (per staff-year in the grade below; USG excluded)      lower
reassignment   any, between_entities, field_change, duty_station                lower
separation     all, retirement, non_retirement, then each other reason          higher
roster         membership (rostered / received), conversion (selected from      lower
               the roster / roster members)
=============  ==============================================================  ==========

Output columns (one row per outcome and group): ``flow``, ``outcome``, the dimensions,
``count``, ``staff_years`` (rate flows) or ``total`` (roster), ``share`` (of the outcome's
count; with regional groups, of the five groups' count), ``rate`` with ``rate_low`` and
``rate_high`` (exact Poisson, or Wilson), ``reference``, ``reference_rate``, ``ratio`` with
``ratio_low``/``ratio_high`` (exact conditional, or Koopman) and ``p_value`` (exact
conditional binomial, or Fisher); with strata ``mh_ratio``, ``mh_ratio_low``, ``mh_ratio_high``,
``mh_p_value``, ``stratified`` and ``stratified_note``; then ``q_value`` (Benjamini–Hochberg
over every row of the table; the stratified test when strata are given), ``power``,
``verdict``, ``direction``, ``period_start`` and ``period_end``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import polars as pl

from parity.core.analytics import careers_exposure as ce
from parity.core.analytics import careers_roster as cr
from parity.core.analytics import careers_survival as cs
from parity.core.analytics.careers_compare import REFERENCE_OTHERS, compare
from parity.core.analytics.careers_events import Sources
from parity.core.analytics.careers_stats import Direction
from parity.core.analytics.funnel_dims import Filter, parse_filters
from parity.core.backend import Backend
from parity.core.dimensions import UNKNOWN
from parity.core.errors import UserInputError
from parity.core.stats.rates import poisson_rate_interval
from parity.core.store import Store

FLOWS: dict[str, str] = {
    "promotion": "Promotions per staff-year at risk in the grade below.",
    "reassignment": "Reassignments (between entities, field/non-field, duty station) per "
                    "staff-year.",
    "separation": "Separations per staff-year, by reason (retirement apart).",
    "roster": "Roster placements per application, and selections from the roster per "
              "roster member.",
}
DIRECTIONS: dict[str, Direction] = {"promotion": "lower", "reassignment": "lower",
                                    "separation": "higher", "roster": "lower"}


def as_backend(source: Backend | Store) -> Backend:
    """Accept either an open store or a backend."""
    return source if isinstance(source, Backend) else Backend.from_store(source)


def check_flow(flow: str) -> str:
    name = flow.strip().lower()
    if name not in FLOWS:
        raise UserInputError(f"'{flow}' is not a career flow.",
                             f"Use one of: {', '.join(FLOWS)}.")
    return name


def resolve_dimensions(flow: str, by: Sequence[str],
                       strata: Sequence[str]) -> tuple[list[str], list[str]]:
    """Canonical group and strata dimensions for ``flow`` (regional group by default)."""
    command = "careers --flow roster" if flow == "roster" else "careers"
    dims = ce.dimension_names(list(by) or ["regional_group"], command)
    layers = ce.dimension_names([*dims, *strata], command)[len(dims):]
    return dims, layers


def monthly_rates(counts: pl.DataFrame, flow: str, dims: Sequence[str]) -> pl.DataFrame:
    """Each month's (and group's) events, staff-years and rate per staff-year with its exact
    Poisson interval; no comparison (see :func:`_event_counts_only`)."""
    order = {o: i for i, o in enumerate(ce.OUTCOMES[flow])}
    counts = counts.sort([*dims, pl.col("outcome").replace_strict(order)])
    low, high = poisson_rate_interval(counts["count"].to_numpy(),
                                      counts["staff_years"].to_numpy())
    known = pl.col("staff_years") > 0
    return counts.select(
        pl.lit(flow).alias("flow"), "outcome", *dims, "count", "staff_years",
        pl.when(known).then(pl.col("count") / pl.col("staff_years")).alias("rate"),
        pl.when(known).then(pl.Series(np.nan_to_num(low, nan=0.0))).alias("rate_low"),
        pl.when(known).then(pl.Series(np.nan_to_num(high, nan=0.0))).alias("rate_high"))


def _event_counts_only(flow: str, dims: Sequence[str], layers: Sequence[str],
                       reference: str) -> None:
    """With event_month, career flows are monthly rates: say what is not available."""
    if ce.EVENT_MONTH not in [*dims, *layers]:
        return
    drop = [*(["--strata"] if layers else []),
            *(["--reference"] if reference != REFERENCE_OTHERS else [])]
    if flow == "roster" or drop:
        raise UserInputError(
            "Career flows by event_month give each month's events, staff-years and rate "
            "with its interval, but no ratios, tests, strata or reference groups (a month "
            "holds too few events to compare groups)" + (
                ", and the roster flow has no event dates" if flow == "roster" else "") + ".",
            ("Use --flow promotion, reassignment or separation" if flow == "roster" else
             f"Drop {' and '.join(drop)}") + ", or drop event_month for rates by year "
            "(--from/--to).")


def flow_filters(flow: str, where: Sequence[str | Filter]) -> tuple[Filter, ...]:
    """``DIM=V``, ``DIM!=V`` or ``DIM=V1,V2`` filters on the flow's dimensions (ANDed)."""
    for item in where:
        if isinstance(item, str) and "=" in item:
            resolve_dimensions(flow, [item.partition("!=" if "!=" in item else "=")[0]], [])
    filters = parse_filters(where)
    for f in filters:
        resolve_dimensions(flow, [f.dimension], [])
        if f.dimension == ce.EVENT_MONTH:
            raise UserInputError("Career flows cannot be filtered by event_month.",
                                 "Use --from/--to for the period, or --by event_month.")
    return filters


def restrict(counts: pl.DataFrame, keys: Sequence[str], filters: Sequence[Filter],
             exposure: str) -> pl.DataFrame:
    """The count table of the staff (or applications) the filters admit, by ``keys``.

    ``counts`` holds the filters' dimensions as extra keys; counts and exposure add up
    over groups, so keeping the admitted rows and summing over those extra keys is the
    count table of the restricted population. ``unknown`` also matches a missing value.
    """
    if not filters:
        return counts
    keep = pl.lit(True)
    for f in filters:
        col = pl.col(f.dimension).cast(pl.Utf8)
        wanted = [v for v in f.values if v != UNKNOWN]
        cond = col.is_in(wanted) if wanted else pl.lit(False)
        if UNKNOWN in f.values:
            cond = cond | col.is_null() | (col == UNKNOWN)
        cond = cond.fill_null(False)
        keep = keep & (~cond if f.negate else cond)
    return counts.filter(keep).group_by([*keys, "outcome"], maintain_order=True).agg(
        pl.col("count").sum().cast(pl.Int64), pl.col(exposure).sum())


def careers_counts(source: Backend | Store, flow: str, by: Sequence[str] = (),
                   year_from: int | None = None, year_to: int | None = None,
                   strata: Sequence[str] = (), scope: str = "all") -> pl.DataFrame:
    """The count table of a flow: dimensions, strata, outcome, count and exposure.

    Rate flows give ``staff_years``; the roster flow gives ``total``. Every statistic of
    :func:`careers` is computed from this table alone.
    """
    backend = as_backend(source)
    flow = check_flow(flow)
    dims, layers = resolve_dimensions(flow, by, strata)
    if flow == "roster":
        return cr.roster_counts(backend, [*dims, *layers], year_from, year_to, scope)
    src = Sources.of(backend)
    window = ce.resolve_window(ce.snapshot_dates(src), year_from, year_to)
    return ce.flow_counts(src, flow, [*dims, *layers], window, scope)


def careers(source: Backend | Store, flow: str, by: Sequence[str] = (),
            year_from: int | None = None, year_to: int | None = None,
            strata: Sequence[str] = (), reference: str = REFERENCE_OTHERS,
            scope: str = "all", where: Sequence[str | Filter] = ()) -> pl.DataFrame:
    """Counts, rates, ratios, tests and verdicts of one career flow by group.

    ``by``: dimensions (and their intersection); ``strata``: dimensions to stratify by
    (Mantel–Haenszel within strata, e.g. grade or entity); ``year_from``/``year_to``: the
    calendar years (events and time at risk for rate flows, clipped to the snapshots'
    coverage; the posting year of the openings for rosters); ``reference``: "others",
    "best" or a group label; ``scope``: "all" or "professional"; ``where``: ``DIM=V``,
    ``DIM!=V`` or ``DIM=V1,V2`` on the flow's dimensions (ANDed), restricting the staff (or
    applications) counted. See the module docstring for the columns.
    """
    backend = as_backend(source)
    flow = check_flow(flow)
    dims, layers = resolve_dimensions(flow, by, strata)
    filters = flow_filters(flow, where)
    keys = [*dims, *layers]
    extra = [d for d in dict.fromkeys(f.dimension for f in filters) if d not in keys]
    direction = DIRECTIONS[flow]
    _event_counts_only(flow, dims, layers, reference)
    if ce.EVENT_MONTH in dims:
        window = ce.resolve_window(ce.snapshot_dates(Sources.of(backend)), year_from, year_to)
        counts = restrict(ce.flow_counts(Sources.of(backend), flow, [*dims, *extra], window,
                                         scope), dims, filters, "staff_years")
        return monthly_rates(counts, flow, dims).with_columns(
            pl.lit(window.start + timedelta(days=1), dtype=pl.Date).alias("period_start"),
            pl.lit(window.end, dtype=pl.Date).alias("period_end"))
    if flow == "roster":
        if year_from is not None and year_to is not None and year_from > year_to:
            raise UserInputError(f"--from {year_from} is after --to {year_to}.",
                                 "Give the earlier year with --from.")
        counts = restrict(cr.roster_counts(backend, [*keys, *extra], year_from, year_to, scope),
                          keys, filters, "total")
        if counts.height == 0:
            raise UserInputError(
                "There are no applications to openings posted in the years and scope asked "
                "for, so there is no roster to analyse.",
                "Widen --from/--to or --scope, or load openings.csv and applications.csv.")
        result = compare(counts, dims, layers, kind="proportion", exposure="total",
                         outcomes=cr.OUTCOMES, directions=dict.fromkeys(cr.OUTCOMES, direction),
                         reference=reference)
        start = date(year_from, 1, 1) if year_from is not None else None
        end = date(year_to, 12, 31) if year_to is not None else None
    else:
        src = Sources.of(backend)
        window = ce.resolve_window(ce.snapshot_dates(src), year_from, year_to)
        counts = restrict(ce.flow_counts(src, flow, [*keys, *extra], window, scope), keys,
                          filters, "staff_years")
        outcomes = ce.OUTCOMES[flow]
        result = compare(counts, dims, layers, kind="rate", exposure="staff_years",
                         outcomes=outcomes, directions=dict.fromkeys(outcomes, direction),
                         reference=reference)
        start, end = window.start + timedelta(days=1), window.end
    return result.select(
        pl.lit(flow).alias("flow"), pl.all(),
        pl.lit(start, dtype=pl.Date).alias("period_start"),
        pl.lit(end, dtype=pl.Date).alias("period_end"),
    )


def _survival_dimensions(by: Sequence[str],
                         strata: Sequence[str]) -> tuple[list[str], list[str]]:
    dims, layers = resolve_dimensions("promotion", by, strata)
    if ce.EVENT_MONTH in [*dims, *layers]:
        raise UserInputError(
            "Time to promotion cannot be broken down by event_month: a spell in a grade "
            "has no single month.",
            "Use 'parity careers --flow promotion --by event_month' to count promotions "
            "by month.")
    return dims, layers


def careers_survival(source: Backend | Store, by: Sequence[str] = (),
                     year_from: int | None = None, year_to: int | None = None,
                     strata: Sequence[str] = (), reference: str = REFERENCE_OTHERS,
                     scope: str = "all", horizon: float = 3.0) -> pl.DataFrame:
    """Time in grade until promotion by group (Kaplan–Meier, log-rank), per stratum.

    Spells are entries into a grade within the period (see
    :mod:`parity.core.analytics.careers_survival`). Columns: the strata and dimensions,
    spells, promotions, censored, person_years, median_years with median_years_low and
    median_years_high, horizon_years, promoted_by (share promoted within the horizon) with its
    interval, reference, ratio (hazard ratio) with its interval, p_value (log-rank against
    the reference), q_value, logrank_p (all groups of the stratum), power, verdict,
    direction, period_start and period_end.
    """
    if not horizon > 0:
        raise UserInputError(f"The horizon must be a positive number of years, not {horizon}.",
                             "Give for example --horizon 3.")
    backend = as_backend(source)
    dims, layers = _survival_dimensions(by, strata)
    src = Sources.of(backend)
    window = ce.resolve_window(ce.snapshot_dates(src), year_from, year_to)
    counts = cs.spell_counts(src, [*dims, *layers], window, scope)
    table = cs.survival_table(counts, dims, layers, reference, horizon)
    return table.select(pl.lit("promotion").alias("flow"), pl.all(),
                        pl.lit(window.start + timedelta(days=1)).alias("period_start"),
                        pl.lit(window.end).alias("period_end"))


def careers_survival_curves(source: Backend | Store, by: Sequence[str] = (),
                            year_from: int | None = None, year_to: int | None = None,
                            strata: Sequence[str] = (), scope: str = "all") -> pl.DataFrame:
    """The Kaplan–Meier steps behind :func:`careers_survival` (years, at_risk, promotions,
    survival = share not yet promoted, lower, upper) per stratum and group."""
    backend = as_backend(source)
    dims, layers = _survival_dimensions(by, strata)
    src = Sources.of(backend)
    window = ce.resolve_window(ce.snapshot_dates(src), year_from, year_to)
    counts = cs.spell_counts(src, [*dims, *layers], window, scope)
    return cs.survival_curves(counts, dims, layers)
