"""The system of desirable ranges: each Member State's range, its nationals and status.

For Member State i, base figure B and N Member States (parameters in
``parity/core/params/data/ranges.yaml``, documented in docs/ranges-parameters.md)::

    midpoint_i = B · (w_m / N + w_p · pop_i / Σpop + w_c · rate_i / Σrate)
    half_i     = max(flexibility · midpoint_i, minimum_half_width)
    lower_i    = max(midpoint_i − half_i, 0),  upper_i = max(midpoint_i + half_i, minimum_upper)

Lower and upper limits are then rounded as the parameters say and a State's nationals
in posts subject to geographical distribution (staff rows with ``geo_subject`` on the
snapshot) are compared with them. The counting is one Ibis expression; the arithmetic is
in polars.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date
from typing import Literal

import polars as pl

from parity.core.analytics.composition import as_backend, resolve_snapshot, snapshot_dates
from parity.core.backend import Backend
from parity.core.dimensions.registry import RANGE_STATUSES
from parity.core.errors import EmptyStoreError, SettingsError, UserInputError
from parity.core.params import RangeParameters, load_range_parameters
from parity.core.reference import member_states, population, scale_of_assessments
from parity.core.store import Store

#: Status codes, from furthest below to above the range (the values of the range_status
#: dimension but its last, ``no_range``).
STATUSES: tuple[str, ...] = RANGE_STATUSES[:-1]
STATUS_LABELS: dict[str, str] = {
    "unrepresented": "Unrepresented",
    "underrepresented": "Underrepresented",
    "within_below_midpoint": "Within range (below midpoint)",
    "within_above_midpoint": "Within range (above midpoint)",
    "overrepresented": "Overrepresented",
}
#: Statuses whose States are the outreach list.
OUTREACH: tuple[str, ...] = ("unrepresented", "underrepresented")
Allocation = Literal["largest_gap", "smallest_gap"]
_EPS = 1e-9


@dataclass(frozen=True)
class RangesResult:
    """Ranges and status of every Member State on one snapshot."""

    snapshot_date: date
    base_figure: float
    base_figure_mode: str
    scale_year: int | None
    population_year: int | None
    params: RangeParameters
    states: pl.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def status_counts(self) -> pl.DataFrame:
        """Number of States per status (every status listed, zeros included)."""
        return status_counts(self.states)

    @property
    def outreach(self) -> pl.DataFrame:
        """Un- and under-represented States, furthest below their lower limit first."""
        return (self.states.filter(pl.col("status").is_in(OUTREACH))
                .sort(["needed_to_reach_lower", "iso3"], descending=[True, False])
                .select("iso3", "name", "regional_group", "staff", "lower", "midpoint",
                        "upper", "status", "needed_to_reach_lower"))


def _round_lower(x: pl.Expr, how: str) -> pl.Expr:
    if how == "nearest":
        return (x + 0.5 + _EPS).floor()
    if how == "outward":
        return (x + _EPS).floor()
    return x


def _round_upper(x: pl.Expr, how: str) -> pl.Expr:
    if how == "nearest":
        return (x + 0.5 + _EPS).floor()
    if how == "outward":
        return (x - _EPS).ceil()
    return x


def range_limits(members: pl.DataFrame, base_figure: float,
                 params: RangeParameters) -> pl.DataFrame:
    """Add the three components, midpoint and limits to ``members``.

    ``members`` needs iso3, population and assessment_rate_percent. Adds
    membership_component, population_component, contribution_component, midpoint,
    half_width, lower_exact, upper_exact and the rounded lower and upper.
    """
    w, lim = params.weights, params.limits
    n = members.height
    mid = pl.col("membership_component") + pl.col("population_component") + pl.col(
        "contribution_component")
    half = pl.max_horizontal(lim.flexibility.value * pl.col("midpoint"),
                             pl.lit(lim.minimum_half_width.value))
    lower = pl.max_horizontal(pl.col("midpoint") - pl.col("half_width"), pl.lit(0.0))
    upper = pl.max_horizontal(pl.col("midpoint") + pl.col("half_width"),
                              pl.lit(float(lim.minimum_upper_limit.value)))
    how = lim.rounding.value
    return (
        members.with_columns(
            pl.lit(base_figure * w.membership.value / n).alias("membership_component"),
            (base_figure * w.population.value * pl.col("population")
             / pl.col("population").sum()).alias("population_component"),
            (base_figure * w.contribution.value * pl.col("assessment_rate_percent")
             / pl.col("assessment_rate_percent").sum()).alias("contribution_component"),
        )
        .with_columns(mid.alias("midpoint"))
        .with_columns(half.alias("half_width"))
        .with_columns(lower.alias("lower_exact"), upper.alias("upper_exact"))
        .with_columns(_round_lower(pl.col("lower_exact"), how).alias("lower"),
                      _round_upper(pl.col("upper_exact"), how).alias("upper"))
    )


def status_expr(staff: pl.Expr, params: RangeParameters) -> pl.Expr:
    """The status of ``staff`` nationals against the columns lower, midpoint and upper."""
    lim = params.limits
    below = staff < pl.col("lower") if lim.lower_limit_inclusive.value else staff <= pl.col(
        "lower")
    above = staff > pl.col("upper") if lim.upper_limit_inclusive.value else staff >= pl.col(
        "upper")
    return (pl.when(staff == 0).then(pl.lit("unrepresented"))
            .when(below).then(pl.lit("underrepresented"))
            .when(above).then(pl.lit("overrepresented"))
            .when(staff < pl.col("midpoint")).then(pl.lit("within_below_midpoint"))
            .otherwise(pl.lit("within_above_midpoint")))


def _first_within(params: RangeParameters) -> pl.Expr:
    """The smallest number of nationals that is within range (at least 1)."""
    lower = pl.col("lower")
    first = (lower - _EPS).ceil() if params.limits.lower_limit_inclusive.value else (
        lower + _EPS).floor() + 1
    return pl.max_horizontal(first, pl.lit(1.0)).cast(pl.Int64)


def classify(frame: pl.DataFrame, params: RangeParameters) -> pl.DataFrame:
    """Add status, distance_to_range and needed_to_reach_lower from staff and the limits.

    distance_to_range is staff − lower below the range (negative), staff − upper above
    it (positive) and 0 within; needed_to_reach_lower is the number of further nationals
    that would bring the State within range (0 if it is within or above).
    """
    staff = pl.col("staff")
    status = status_expr(staff, params)
    return frame.with_columns(status.alias("status")).with_columns(
        pl.when(pl.col("status").is_in(OUTREACH)).then(staff - pl.col("lower"))
        .when(pl.col("status") == "overrepresented").then(staff - pl.col("upper"))
        .otherwise(0.0).alias("distance_to_range"),
        pl.max_horizontal(_first_within(params) - staff, pl.lit(0)).alias(
            "needed_to_reach_lower"),
    )


def status_counts(states: pl.DataFrame, column: str = "status") -> pl.DataFrame:
    """States per status, every status listed in order."""
    counts = states.group_by(column).len()
    every = pl.DataFrame({"status": list(STATUSES)})
    return (every.join(counts.rename({column: "status", "len": "states"}), on="status",
                       how="left")
            .with_columns(pl.col("states").fill_null(0).cast(pl.Int64),
                          pl.col("status").replace_strict(STATUS_LABELS).alias("label"))
            .select("status", "label", "states"))


def _year(rule: int | str, snapshot: date, available: list[int], what: str,
          params: RangeParameters, key: str, notes: list[str]) -> int:
    year = {"snapshot_year": snapshot.year, "previous_year": snapshot.year - 1}.get(
        str(rule), rule)
    assert isinstance(year, int)
    if year in available:
        return year
    if params.reference_years.outside_available_years.value == "error":
        raise SettingsError(
            f"The {what} of {year} is not in the shipped data ({min(available)}–"
            f"{max(available)}), as reference_years.{key} asks for the snapshot of {snapshot}.",
            "Set reference_years.outside_available_years to nearest, choose a year with data "
            "or give the membership in membership.states_file.",
        )
    nearest = min(available, key=lambda y: (abs(y - year), -y))
    notes.append(f"The {what} of {year} is not in the shipped data; that of {nearest} was used.")
    return nearest


def reference_membership(snapshot: date, params: RangeParameters,
                         notes: list[str]) -> tuple[pl.DataFrame, int | None, int | None]:
    """Members with population and assessment rate for ``snapshot`` (and the years used)."""
    given = params.membership.frame()
    if given is not None:
        notes.append(f"Membership, population and rates as given in the parameters "
                     f"({given.height} States).")
        return given.with_columns(pl.col("name").fill_null(pl.col("iso3"))), None, None
    scale = scale_of_assessments()
    pop = population()
    ry = params.reference_years
    s_year = _year(ry.scale_year.value, snapshot, sorted(set(scale["year"].to_list())),
                   "scale of assessments", params, "scale_year", notes)
    p_year = _year(ry.population_year.value, snapshot, sorted(set(pop["year"].to_list())),
                   "population", params, "population_year", notes)
    members = (
        member_states().select("iso3", pl.col("un_name").alias("name"), "regional_group")
        .join(pop.filter(pl.col("year") == p_year).select("iso3", "population"), on="iso3",
              how="left")
        .join(scale.filter(pl.col("year") == s_year).select("iso3", "assessment_rate_percent"),
              on="iso3", how="left")
        .with_columns(pl.col("population").cast(pl.Float64),
                      pl.col("assessment_rate_percent").cast(pl.Float64).fill_null(0.0))
    )
    return members, s_year, p_year


def geo_staff_by_nationality(backend: Backend, snapshot: date) -> pl.DataFrame:
    """Staff in posts subject to geographical distribution on ``snapshot``, by nationality."""
    staff = backend.table("staff")
    geo = staff.filter((staff.snapshot_date == snapshot) & staff.geo_subject)
    counts = geo.group_by(iso3=geo.nationality.cast("string")).agg(staff=geo.count())
    return Backend.to_polars(counts).with_columns(pl.col("staff").cast(pl.Int64))


def _base_figure(params: RangeParameters, snapshot: date, geo_total: int) -> float:
    bf = params.base_figure
    if bf.mode.value == "fixed":
        value = bf.fixed_by_year.value.get(snapshot.year)
        if value is None:
            raise SettingsError(
                f"base_figure.mode is fixed but base_figure.fixed_by_year has no value for "
                f"{snapshot.year} (the snapshot of {snapshot}) in the parameters "
                f"({params.origin}).",
                f"Add '{snapshot.year}: <base figure>' under base_figure.fixed_by_year, or set "
                "base_figure.mode to staff_count.",
            )
        return float(value)
    if geo_total == 0:
        raise EmptyStoreError(
            f"No staff row of the snapshot of {snapshot} is in a post subject to geographical "
            "distribution (geo_subject = true), so the base figure would be 0.",
            "Load staff.csv with the geo_subject column filled in, or set base_figure.mode to "
            "fixed in a --params file.",
        )
    return float(geo_total)


def desirable_ranges(source: Backend | Store, as_of: date | None = None,
                     params: RangeParameters | None = None) -> RangesResult:
    """Every Member State's desirable range and status on the snapshot for ``as_of``.

    ``states`` columns: iso3, name, regional_group, population, assessment_rate_percent,
    membership_component, population_component, contribution_component, midpoint,
    lower_exact, upper_exact, lower, upper, staff, status, distance_to_range,
    needed_to_reach_lower.
    """
    params = params or load_range_parameters()
    backend = as_backend(source)
    snapshot = resolve_snapshot(snapshot_dates(backend), as_of)
    notes: list[str] = []
    members, s_year, p_year = reference_membership(snapshot, params, notes)
    if "regional_group" not in members.columns:
        members = members.with_columns(pl.lit(None, pl.Utf8).alias("regional_group"))
    counts = geo_staff_by_nationality(backend, snapshot)
    geo_total = int(counts["staff"].sum())
    base = _base_figure(params, snapshot, geo_total)
    outside = counts.join(members.select("iso3"), on="iso3", how="anti")["staff"].sum()
    if outside:
        notes.append(f"{outside} staff in the system are nationals of no listed Member State; "
                     "they count in the base figure but in no State's range.")
    states = range_limits(members, base, params).join(counts, on="iso3", how="left")
    states = classify(states.with_columns(pl.col("staff").fill_null(0)), params)
    states = states.select(
        "iso3", "name", "regional_group", "population", "assessment_rate_percent",
        "membership_component", "population_component", "contribution_component", "midpoint",
        "lower_exact", "upper_exact", "lower", "upper", "staff", "status", "distance_to_range",
        "needed_to_reach_lower",
    ).sort("iso3")
    return RangesResult(snapshot, base, params.base_figure.mode.value, s_year, p_year, params,
                        states, tuple(notes))


@dataclass(frozen=True)
class WhatIf:
    """The effect of ``appointments`` appointments of un- and under-represented nationals."""

    appointments: int
    allocation: str
    unallocated: int
    states: pl.DataFrame
    status_counts: pl.DataFrame


def _allocate(states: pl.DataFrame, n: int, allocation: Allocation) -> dict[str, int]:
    """Appointments per State (only un- and under-represented States receive any)."""
    todo = states.filter(pl.col("status").is_in(OUTREACH)).select(
        "iso3", "needed_to_reach_lower").rows()
    given: dict[str, int] = {}
    left = n
    if allocation == "largest_gap":
        heap = [(-need, iso3) for iso3, need in todo if need > 0]
        heapq.heapify(heap)
        while left > 0 and heap:
            neg, iso3 = heapq.heappop(heap)
            given[iso3] = given.get(iso3, 0) + 1
            left -= 1
            if neg + 1 < 0:
                heapq.heappush(heap, (neg + 1, iso3))
        return given
    for iso3, need in sorted(todo, key=lambda r: (r[1], r[0])):
        if left <= 0:
            break
        take = min(need, left)
        given[iso3] = take
        left -= take
    return given


def what_if(result: RangesResult, appointments: int,
            allocation: Allocation = "largest_gap") -> WhatIf:
    """Give ``appointments`` appointments to un- and under-represented States.

    ``largest_gap`` gives each appointment, one at a time, to the State with the most
    appointments still needed to reach its lower limit (ties: ISO3 order), which spreads
    them over the States furthest below; ``smallest_gap`` fills the States needing the
    fewest first, which brings the most States into range. A State stops receiving once
    it reaches its lower limit; what is left over is ``unallocated``. The appointments fill
    vacancies: the base figure, the ranges and the other States' nationals are unchanged.
    """
    if appointments < 0:
        raise UserInputError(f"--what-if must be zero or more, not {appointments}.",
                             "Give the number of appointments to allocate.")
    if allocation not in ("largest_gap", "smallest_gap"):
        raise UserInputError(f"'{allocation}' is not an allocation rule.",
                             "Use largest_gap or smallest_gap.")
    given = _allocate(result.states, appointments, allocation)
    alloc = pl.DataFrame({"iso3": list(given), "allocated": list(given.values())},
                         schema={"iso3": pl.Utf8, "allocated": pl.Int64})
    states = (result.states.join(alloc, on="iso3", how="left")
              .with_columns(pl.col("allocated").fill_null(0))
              .with_columns((pl.col("staff") + pl.col("allocated")).alias("staff_after")))
    states = states.with_columns(status_expr(pl.col("staff_after"), result.params)
                                 .alias("status_after"))
    before = status_counts(states).rename({"states": "states_before"})
    after = status_counts(states, "status_after").select("status", pl.col("states").alias(
        "states_after"))
    counts = before.join(after, on="status").with_columns(
        (pl.col("states_after") - pl.col("states_before")).alias("change"))
    shown = states.filter(pl.col("status").is_in(OUTREACH)).select(
        "iso3", "name", "regional_group", "staff", "lower", "status", "needed_to_reach_lower",
        "allocated", "staff_after", "status_after",
    ).sort(["needed_to_reach_lower", "iso3"], descending=[True, False])
    return WhatIf(appointments, allocation, appointments - sum(given.values()), shown, counts)


def status_by_nationality(source: Backend | Store, as_of: date | None = None) -> dict[str, str]:
    """Each Member State's status (ISO3 → status) in the desirable-range table of the latest
    snapshot on or before ``as_of`` (the first snapshot when none is that early; the latest
    when ``as_of`` is None): the labels of the ``range_status`` dimension."""
    backend = as_backend(source)
    dates = snapshot_dates(backend)
    if as_of is not None and dates and min(dates) > as_of:
        as_of = min(dates)
    states = desirable_ranges(backend, as_of).states
    return dict(zip(states["iso3"].to_list(), states["status"].to_list(), strict=True))
