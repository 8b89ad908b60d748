"""Desirable-range limits for the projection years.

The simulator takes the limits as a frame (year, iso3, lower, upper). From a store they
come from :mod:`parity.core.analytics.ranges` (the range of each Member State on the base
snapshot, from the General Assembly formula); for later years the formula is applied
again with that year's scale of assessments (``ranges.follow_scale``; the shipped scale
ends in 2026, later years keep it) and with a base figure that follows the
geographical establishment of the scenario (``ranges.follow_establishment``, when the
base figure is the staff count). Without that module, or without geographical staff,
the Member-State outputs are left out and a note says so.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.backend import Backend
from parity.core.errors import ParityError
from parity.core.projection.scenario import Ranges


@dataclass(frozen=True)
class RangeLimits:
    """Limits by projection year (year, iso3, lower, upper) and the State names."""

    frame: pl.DataFrame
    states: pl.DataFrame
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ranges_module() -> ModuleType | None:
    try:
        return importlib.import_module("parity.core.analytics.ranges")
    except ImportError:
        return None


_NEAREST = re.compile(r"The (.+) of (\d{4}) is not in the shipped data; that of (\d{4}) was used\.")


def _condense(notes: list[str]) -> tuple[str, ...]:
    """Merge the per-year 'not in the shipped data' notes into one note per item."""
    years: dict[tuple[str, str], list[int]] = {}
    other: list[str] = []
    for note in notes:
        m = _NEAREST.fullmatch(note)
        if m:
            years.setdefault((m.group(1), m.group(3)), []).append(int(m.group(2)))
        elif note not in other:
            other.append(note)
    for (what, used), ys in years.items():
        span = f"{min(ys)}" if len(set(ys)) == 1 else f"{min(ys)}–{max(ys)}"
        other.append(f"The {what} of {span} is not in the shipped data; that of {used} is used "
                     f"for the projected ranges.")
    return tuple(other)


def constant_limits(frame: pl.DataFrame, base_year: int, horizon: int) -> RangeLimits:
    """Limits given once (iso3, lower, upper[, name, regional_group]) kept for every year."""
    years = pl.DataFrame({"year": list(range(base_year, base_year + horizon + 1))})
    limits = years.join(frame.select("iso3", pl.col("lower").cast(pl.Float64),
                                     pl.col("upper").cast(pl.Float64)), how="cross")
    names = frame.select(
        "iso3",
        pl.col("name") if "name" in frame.columns else pl.col("iso3").alias("name"),
        pl.col("regional_group") if "regional_group" in frame.columns
        else pl.lit(None, pl.Utf8).alias("regional_group"))
    return RangeLimits(limits, names)


def projected_limits(backend: Backend, base_date: date, horizon: int,
                     geo_establishment: npt.NDArray[np.float64], options: Ranges) -> RangeLimits | None:
    """Limits for base_year … base_year + horizon, or None when they cannot be computed."""
    ranges = _ranges_module()
    if ranges is None:
        return None
    try:
        base = ranges.desirable_ranges(backend, as_of=base_date)
    except ParityError:
        return None
    params = base.params
    notes: list[str] = []
    states = base.states.select("iso3", "name", "regional_group")
    frames = []
    staff_mode = base.base_figure_mode == "staff_count"
    for t in range(horizon + 1):
        year = base_date.year + t
        members = base.states.select("iso3", "name", "regional_group", "population",
                                     "assessment_rate_percent")
        if options.follow_scale and t > 0 and params.membership.frame() is None:
            members, _, _ = ranges.reference_membership(date(year, 12, 31), params, notes)
        figure = base.base_figure
        if options.follow_establishment and staff_mode and geo_establishment[0] > 0:
            figure = base.base_figure * float(geo_establishment[t] / geo_establishment[0])
        lim = ranges.range_limits(members, figure, params)
        frames.append(lim.select(pl.lit(year).alias("year"), "iso3", "lower", "upper"))
    unique_notes = _condense(notes)
    return RangeLimits(pl.concat(frames), states, params.limits.lower_limit_inclusive.value,
                       params.limits.upper_limit_inclusive.value, unique_notes)
