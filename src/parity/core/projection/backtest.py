"""Rolling-origin back-test (METHODS §2.7): fit on the history up to a year, project the
following years, compare with the snapshots that actually followed.

For each origin T0 the model is prepared with ``base_year=T0`` (rates, recruitment mix
and ranges from data on or before T0 only) and projected up to ``horizon`` years. The
women's share of each level is compared with the actual share in T0 + h; the baselines
are persistence (the share in T0) and a linear trend fitted by least squares to the
shares of T0 − 4 … T0. Reported: mean absolute error and mean error in percentage
points by method and horizon, and how often the actual share fell within the model's
80 % (10–90 %) and 90 % (5–95 %) bands. For Member States: the Brier score of
P(within range) against the actual status (model and persistence) and the coverage of
the 90 % band of nationals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from parity.core.analytics.composition import as_backend, snapshot_dates
from parity.core.backend import Backend
from parity.core.errors import UserInputError
from parity.core.projection.nationality import classify
from parity.core.projection.project import prepare
from parity.core.projection.recruitment import WITHIN, nationality_codes
from parity.core.projection.scenario import BASELINE, Scenario
from parity.core.projection.simulate import SimulationOutput, simulate
from parity.core.projection.structure import SCOPE_CATEGORIES, level_of
from parity.core.projection.summarize import level_counts, shares
from parity.core.store import Store


@dataclass(frozen=True)
class BacktestResult:
    """detail: one row per origin, horizon and level; summary: per method and horizon;
    states: per origin and horizon."""

    detail: pl.DataFrame
    summary: pl.DataFrame
    states: pl.DataFrame


def _actual_shares(backend: Backend, categories: frozenset[str]) -> pl.DataFrame:
    """Women's share by year and level band on each year's last snapshot."""
    staff = backend.table("staff")
    staff = staff.filter(staff.category.cast("string").isin(sorted(categories)))
    counts = staff.group_by(date=staff.snapshot_date, grade=staff.grade.cast("string"),
                            gender=staff.gender.cast("string")).agg(n=staff.count())
    frame = Backend.to_polars(counts).with_columns(pl.col("date").dt.year().alias("year"))
    last = frame.group_by("year").agg(pl.col("date").max().alias("last"))
    frame = frame.join(last, on="year").filter(pl.col("date") == pl.col("last"))
    frame = frame.with_columns(pl.col("grade").map_elements(level_of, return_dtype=pl.Utf8).alias("level"))
    both = pl.concat([frame, frame.with_columns(pl.lit("All levels").alias("level"))])
    return both.group_by("year", "level").agg(
        (pl.col("n").filter(pl.col("gender") == "F").sum()
         / pl.col("n").filter(pl.col("gender").is_in(["F", "M", "X"])).sum()).alias("actual"))


def _actual_nationals(backend: Backend) -> pl.DataFrame:
    staff = backend.table("staff")
    geo = staff.filter(staff.geo_subject)
    counts = geo.group_by(date=geo.snapshot_date, iso3=geo.nationality.cast("string")).agg(n=geo.count())
    frame = Backend.to_polars(counts).with_columns(pl.col("date").dt.year().alias("year"))
    last = frame.group_by("year").agg(pl.col("date").max().alias("last"))
    return frame.join(last, on="year").filter(pl.col("date") == pl.col("last")).select("year", "iso3", "n")


def _trend(actual: pl.DataFrame, level: str, origin: int, year: int) -> float | None:
    past = actual.filter((pl.col("level") == level) & pl.col("year").is_between(origin - 4, origin)
                         & pl.col("actual").is_not_null())
    if past.height < 2:
        return None
    x = past["year"].to_numpy().astype(float)
    y = past["actual"].to_numpy()
    slope, icept = np.polyfit(x, y, 1)
    return float(np.clip(icept + slope * year, 0.0, 1.0))


def backtest(source: Backend | Store, origins: list[int] | None = None, horizon: int = 3,
             runs: int = 200, seed: int = 0, scenario: Scenario = BASELINE) -> BacktestResult:
    """Back-test the projection from each origin year (default: every year with at least
    three earlier snapshot years and one later one)."""
    backend = as_backend(source)
    years = sorted({d.year for d in snapshot_dates(backend)})
    last = years[-1]
    if origins is None:
        origins = [y for y in years if y - 3 >= years[0] and y < last]
    origins = [o for o in origins if o < last]
    if not origins:
        raise UserInputError("The store has too few snapshot years for a back-test.",
                             "Load at least four years of staff snapshots.")
    actual = _actual_shares(backend, SCOPE_CATEGORIES[scenario.scope])
    nationals = _actual_nationals(backend)
    rows, state_rows = [], []
    for origin in origins:
        h_max = min(horizon, last - origin)
        inputs = prepare(backend, scenario, h_max, origin)
        out = simulate(inputs, runs, seed)
        levels, _, women, known = level_counts(out)
        share = shares(women, known)
        for h in range(1, h_max + 1):
            year = origin + h
            for li, level in enumerate(levels):
                act = actual.filter((pl.col("year") == year) & (pl.col("level") == level))["actual"]
                base = actual.filter((pl.col("year") == origin) & (pl.col("level") == level))["actual"]
                if act.len() == 0 or act[0] is None or base.len() == 0 or base[0] is None:
                    continue
                s = share[:, h, li]
                s = s[np.isfinite(s)]
                if s.size == 0:
                    continue
                q05, q10, q50, q90, q95 = np.quantile(s, [0.05, 0.10, 0.5, 0.90, 0.95])
                rows.append({"origin": origin, "horizon": h, "year": year, "level": level,
                             "actual": float(act[0]), "model": float(q50), "p05": float(q05),
                             "p10": float(q10), "p90": float(q90), "p95": float(q95),
                             "persistence": float(base[0]),
                             "linear_trend": _trend(actual, level, origin, year)})
            if inputs.limits is not None and not np.isnan(inputs.lower[h]).all():
                state_rows.append(_states_row(out, nationals, inputs.nationalities, origin, h))
    detail = pl.DataFrame(rows)
    return BacktestResult(detail, _summary(detail), pl.DataFrame(state_rows))


def _states_row(out: SimulationOutput, nationals: pl.DataFrame, nats: tuple[str, ...], origin: int,
                h: int) -> dict[str, object]:

    inp = out.inputs
    counts = np.zeros(len(nats))
    now = nationals.filter(pl.col("year") == origin + h)
    np.add.at(counts, nationality_codes(now["iso3"], nats), now["n"].to_numpy().astype(float))
    has = ~np.isnan(inp.lower[h])
    lim = inp.limits
    incl = (lim.lower_inclusive, lim.upper_inclusive) if lim is not None else (True, True)
    actual_within = classify(counts, inp.lower[h], inp.upper[h], *incl) == WITHIN
    p_model = (out.status[:, h] == WITHIN).mean(0)
    p_persist = (out.status[0, 0] == WITHIN).astype(float)
    n = out.nationals[:, h].astype(float)
    lo, hi = np.quantile(n, 0.05, axis=0), np.quantile(n, 0.95, axis=0)
    y = actual_within[has].astype(float)
    return {"origin": origin, "horizon": h, "states": int(has.sum()),
            "brier_model": float(np.mean((p_model[has] - y) ** 2)),
            "brier_persistence": float(np.mean((p_persist[has] - y) ** 2)),
            "coverage90_nationals": float(np.mean((counts[has] >= lo[has]) & (counts[has] <= hi[has]))),
            "within_actual": int(y.sum()), "within_expected": float(p_model[has].sum())}


def _summary(detail: pl.DataFrame) -> pl.DataFrame:
    if detail.height == 0:
        return pl.DataFrame()
    parts = []
    for method in ("model", "persistence", "linear_trend"):
        err = (pl.col(method) - pl.col("actual")) * 100
        agg = detail.filter(pl.col(method).is_not_null()).group_by("horizon").agg(
            pl.lit(method).alias("method"), err.abs().mean().alias("mae_pp"), err.mean().alias("bias_pp"),
            pl.len().alias("n"),
            (((pl.col("actual") >= pl.col("p10")) & (pl.col("actual") <= pl.col("p90"))).mean()
             if method == "model" else pl.lit(None, pl.Float64)).alias("coverage80"),
            (((pl.col("actual") >= pl.col("p05")) & (pl.col("actual") <= pl.col("p95"))).mean()
             if method == "model" else pl.lit(None, pl.Float64)).alias("coverage90"),
        )
        parts.append(agg)
    return pl.concat(parts).select("method", "horizon", "n", "mae_pp", "bias_pp", "coverage80",
                                   "coverage90").sort("horizon", "method")
