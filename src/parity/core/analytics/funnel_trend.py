"""Funnel trends: the same statistics per posting year, and a trend test per group × stage.

The count table carries the posting year as one more key, so the trend costs no extra pass
over the applications. Per year, every group is compared with the reference of that year
(one Benjamini–Hochberg family for the whole page); per group and stage, the
Cochran–Armitage test (:func:`parity.core.stats.cochran_armitage_test`) asks whether the
group's pass rate rises or falls across the years (scores = the years), with its own
Benjamini–Hochberg family. The ``overall`` row tests selected / received.

The rates shown beside the slope are those of the fitted trend line (``trend_first_pass_rate``
and ``trend_last_pass_rate``: the weighted least-squares line of the pass rate on the year at
the first and last year), so they always move in the slope's direction; the observed rates of
the first and last year stay in ``first_pass_rate`` and ``last_pass_rate`` (a single year can
move against the trend). ``slope_pp`` is the slope in percentage points per year rounded to
two decimals, with negative zero made 0 (so no table shows "-0.00").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.funnel_stats import Grid, build_grid, stage_statistics
from parity.core.errors import UserInputError
from parity.core.stats import bh_adjust, cochran_armitage_test

YEAR = "year"
TEST_FIELDS: tuple[str, ...] = (
    "stage", "first_year", "last_year", "years", "first_pass_rate", "last_pass_rate",
    "trend_first_pass_rate", "trend_last_pass_rate", "slope", "slope_pp", "z", "p_value",
    "q_value", "direction",
)
#: Decimals of ``slope_pp``.
SLOPE_DECIMALS = 2


def clean_round(values: npt.ArrayLike, decimals: int) -> npt.NDArray[np.float64]:
    """Round to ``decimals`` and turn negative zero into zero (NaN stays NaN)."""
    rounded = np.round(np.asarray(values, dtype=np.float64), decimals)
    return np.asarray(rounded + 0.0, dtype=np.float64)


def trend_statistics(counts: pl.DataFrame | Grid, group_cols: Sequence[str],
                     stages: Sequence[str],
                     steps: Sequence[tuple[str, str]], reference: str,
                     groups: Sequence[tuple[object, ...]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(by_year, tests): stage records per year × group, and one trend test per group ×
    stage (plus ``overall``)."""
    grid = counts if isinstance(counts, Grid) else build_grid(
        counts, group_cols, [YEAR], stages, groups=groups)
    if len(grid.panels) < 2:
        raise UserInputError(
            "A trend needs applications to openings posted in at least two years; the "
            f"selection covers {len(grid.panels)}.",
            "Widen --from/--to or drop --trend.")
    by_year = stage_statistics(grid, steps, reference)
    return by_year, _tests(grid, steps)


def _tests(grid: Grid, steps: Sequence[tuple[str, str]]) -> pl.DataFrame:
    years = np.array([p[0] for p in grid.panels], dtype=np.float64)
    pairs = [*steps, (steps[-1][0], grid.stages[0])]
    names = [s for s, _ in steps] + ["overall"]
    x = np.stack([grid.column(s).T for s, _ in pairs], 1)  # (G, S, Y)
    n = np.stack([grid.column(p).T for _, p in pairs], 1)
    res = cochran_armitage_test(x, n, scores=years)
    z = np.asarray(res.statistic, dtype=np.float64)
    p = np.asarray(res.pvalue, dtype=np.float64)
    q = bh_adjust(p)
    slope = np.asarray(res.slope, dtype=np.float64)
    slope_pp = clean_round(100 * slope, SLOPE_DECIMALS)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = n.sum(-1)
        pbar = x.sum(-1) / total
        tbar = (n * years).sum(-1) / total
    data: dict[str, list[object]] = {c: [] for c in (*grid.group_cols, *TEST_FIELDS)}
    for g, key in enumerate(grid.groups):
        for s, name in enumerate(names):
            seen = np.flatnonzero(n[g, s] > 0)
            first, last = (int(seen[0]), int(seen[-1])) if seen.size else (None, None)
            for j, c in enumerate(grid.group_cols):
                data[c].append(key[j])
            direction = "no clear trend"
            if np.isfinite(q[g, s]) and q[g, s] < 0.05:
                direction = "rising" if z[g, s] > 0 else "falling"
            elif not np.isfinite(z[g, s]):
                direction = "not testable"
            line = [None, None] if first is None or not np.isfinite(slope[g, s]) else [
                float(np.clip(pbar[g, s] + slope[g, s] * (years[i] - tbar[g, s]), 0, 1))
                for i in (first, last)]
            values = (
                name,
                None if first is None else int(years[first]),
                None if last is None else int(years[last]),
                int(seen.size),
                None if first is None else x[g, s, first] / n[g, s, first],
                None if last is None else x[g, s, last] / n[g, s, last],
                line[0], line[1], slope[g, s], slope_pp[g, s], z[g, s], p[g, s], q[g, s],
                direction,
            )
            for field, value in zip(TEST_FIELDS, values, strict=True):
                data[field].append(value)
    frame = pl.DataFrame(data, strict=False)
    floats = [c for c, t in frame.schema.items() if t == pl.Float64]
    return frame.with_columns(pl.col(floats).fill_nan(None))
