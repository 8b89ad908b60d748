"""The year a group reaches the parity band: one definition for every answer.

A group (a level band, all levels, field or non-field staff) is *likely within the parity
band from* year Y when, over the Monte Carlo runs of the projection, the chance that its
women's share lies within the band (both edges included) is at least one half in Y and in
every later year of the horizon. No such year: ``None`` ("not in the horizon"). A group
whose chance rises above one half and falls back below it later is not called likely
from the earlier year.

``parity project`` (its ``targets`` table), ``parity gender`` (its ``parity_year``
column) and the dashboard's projections and gender views all take the year from
:func:`first_likely_year` over :func:`in_band` of the same simulation, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]
#: Tolerance on the band's edges (shares are ratios of counts).
EDGE = 1e-12
#: The projection the parity year of ``parity gender`` rests on, as ``parity project``'s
#: defaults: years ahead, Monte Carlo runs and seed.
YEARS, RUNS, SEED = 10, 1000, 0
#: The chance at or above which a future state is called likely.
LIKELY = 0.5


def in_band(share: npt.ArrayLike, lower: float, upper: float) -> npt.NDArray[np.bool_]:
    """True where a share lies within [lower, upper] (NaN, a group without staff: False)."""
    s = np.asarray(share, dtype=np.float64)
    return np.asarray((s >= lower - EDGE) & (s <= upper + EDGE))


def p_in_band(share: npt.ArrayLike, lower: float, upper: float) -> FloatArray:
    """The chance of being within the band: the mean of :func:`in_band` over the runs
    (the leading axis)."""
    return np.asarray(in_band(share, lower, upper).mean(0), dtype=np.float64)


def first_likely_year(years: list[int], p_in_band: npt.ArrayLike) -> int | None:
    """The first year from which the chance of being within the band is at least
    :data:`LIKELY` in that year and every later year of the horizon; None when there is
    no such year."""
    p = np.asarray(p_in_band, dtype=np.float64)
    for k, year in enumerate(years):
        if bool(np.all(p[k:] >= LIKELY)):
            return year
    return None


@dataclass(frozen=True)
class ProjectedParity:
    """Per group: the parity year and the chances it rests on, from one projection."""

    base_year: int
    years: int
    runs: int
    seed: int
    table: pl.DataFrame
    notes: tuple[str, ...] = ()


def projected_parity(source: object, snapshot: date, lower: float, upper: float,
                     by: str, target_years: dict[str, int | None],
                     all_categories: bool = False, years: int = YEARS, runs: int = RUNS,
                     seed: int = SEED) -> ProjectedParity:
    """Project the staff of ``snapshot``'s year (the baseline scenario, as ``parity
    project`` does) and give, per group of ``by`` (``level_band`` or ``entity_type``;
    ``Total`` for all), ``parity_year`` (:func:`first_likely_year`), ``evaluated_year``
    (the group's target year, within the horizon), ``p_in_band_at_target`` and
    ``max_p_in_band`` over the horizon. A target year beyond the horizon is evaluated in
    the horizon's last year, as the projection's ``targets`` table does."""
    from parity.core.projection.project import prepare, run
    from parity.core.projection.scenario import BASELINE
    from parity.core.projection.summarize import ALL_LEVELS, level_counts, shares

    scenario = BASELINE.model_copy(update={"scope": "all" if all_categories else "professional"})
    inputs = prepare(source, scenario, years, snapshot.year)  # type: ignore[arg-type]
    result = run(inputs, runs, seed, keep_output=True)
    out = result.output
    assert out is not None
    year_list = list(out.inputs.years)
    if by == "level_band":
        names, _, women, known = level_counts(out)
        share = shares(women, known)
        names = ["Total" if n == ALL_LEVELS else n for n in names]
    else:  # field or non-field entity, and all staff
        s = out.stock.sum(2).astype(np.float64)  # runs × years × sexes × entity types
        share = np.stack([shares(s[..., 0, 0], s[..., :3, 0].sum(-1)),
                          shares(s[..., 0, 1], s[..., :3, 1].sum(-1)),
                          shares(s[..., 0, :].sum(-1), s[..., :3, :].sum((-1, -2)))], axis=-1)
        names = ["non-field", "field", "Total"]
    chance = p_in_band(share, lower, upper)  # years × groups
    last = year_list[-1]
    rows = []
    for i, name in enumerate(names):
        target = target_years.get(name)
        evaluated = None if target is None else min(max(target, year_list[0]), last)
        rows.append({
            "group": name,
            "parity_year": first_likely_year(year_list, chance[:, i]),
            "evaluated_year": evaluated,
            "p_in_band_at_target": None if evaluated is None
            else float(chance[year_list.index(evaluated), i]),
            "max_p_in_band": float(chance[:, i].max()),
        })
    table = pl.DataFrame(rows, schema={"group": pl.Utf8, "parity_year": pl.Int64,
                                       "evaluated_year": pl.Int64,
                                       "p_in_band_at_target": pl.Float64,
                                       "max_p_in_band": pl.Float64})
    notes = (f"The parity year is the first year from which at least half of {runs:,} "
             f"projection runs (baseline scenario, seed {seed}, {years} years from "
             f"{out.inputs.base_year}) put the group within the band in that year and every "
             "later year, as in 'parity project'; '–' when there is none in the horizon.",)
    return ProjectedParity(out.inputs.base_year, years, runs, seed, table, notes)
