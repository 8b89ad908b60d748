"""Separation, promotion and internal-fill rates estimated from the history, with shrinkage.

Estimator (documented in docs/projection.md). A person-year at risk is a staff member on
the snapshot of year y − 1; the outcomes are a separation or a promotion event in year
y. Person-years in which the person reaches their scheduled separation age are left out
(those separations are deterministic in the model). For grade g and sex s, with d
events in e person-years:

* the grade mean p̄_g = (d_g + κ·p̄_L) / (e_g + κ), itself shrunk toward the mean of
  its ladder L (p̄_L = (d_L + κ·p̄) / (e_L + κ), p̄ the overall rate);
* the cell's posterior is Beta(d_gs + κ·p̄_g, e_gs − d_gs + κ·(1 − p̄_g)), whose mean
  (d_gs + κ·p̄_g) / (e_gs + κ) is the cell's own rate when e_gs ≫ κ and the grade mean
  when the cell is small. κ = ``estimation.prior_staff_years`` (default 20).

The internal-fill share of grade g (the share of its vacancies filled by promotion from
the grade below) is Beta(P_g + κ_f·π̄_L, A_g + κ_f·(1 − π̄_L)) with P_g promotions from
the grade below, A_g appointments (and promotions from other ladders) and κ_f = 10.
Each Monte Carlo run draws every rate from its posterior (parameter uncertainty); the
expected-value mode uses the posterior means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.projection.scenario import Retirement
from parity.core.projection.structure import COHORT_EARLY_AGE, SEXES, Structure

FloatArray = npt.NDArray[np.float64]
FILL_PRIOR = 10.0
_DEFAULT = {"separation": 0.06, "promotion": 0.06}


@dataclass(frozen=True)
class RateDraw:
    """Rates for each run: separation and promotion probabilities (runs × grades × sexes),
    internal-fill shares (runs × grades) and early-retirement probability (runs)."""

    separation: FloatArray
    promotion: FloatArray
    fill: FloatArray
    early: FloatArray


@dataclass(frozen=True)
class Rates:
    """Beta posteriors of every rate, with the counts they come from."""

    structure: Structure
    sep_events: FloatArray
    prom_events: FloatArray
    exposure: FloatArray
    sep_a: FloatArray
    sep_b: FloatArray
    prom_a: FloatArray
    prom_b: FloatArray
    fill_in: FloatArray
    fill_out: FloatArray
    fill_a: FloatArray
    fill_b: FloatArray
    early_a: float
    early_b: float
    early_fixed: float | None

    def mean(self) -> RateDraw:
        early = self.early_fixed if self.early_fixed is not None else self.early_a / (
            self.early_a + self.early_b)
        return RateDraw(
            separation=(self.sep_a / (self.sep_a + self.sep_b))[None],
            promotion=(self.prom_a / (self.prom_a + self.prom_b))[None],
            fill=_ratio(self.fill_a, self.fill_a + self.fill_b)[None],
            early=np.array([early]),
        )

    def draw(self, rng: np.random.Generator, runs: int) -> RateDraw:
        early = (np.full(runs, self.early_fixed) if self.early_fixed is not None
                 else rng.beta(self.early_a, self.early_b, size=runs))
        fill = np.zeros((runs, self.structure.n_grades))
        has = self.fill_a + self.fill_b > 0
        fill[:, has] = rng.beta(self.fill_a[has], self.fill_b[has], size=(runs, int(has.sum())))
        return RateDraw(
            separation=rng.beta(self.sep_a, self.sep_b, size=(runs, *self.sep_a.shape)),
            promotion=rng.beta(self.prom_a, self.prom_b, size=(runs, *self.prom_a.shape)),
            fill=fill,
            early=early,
        )

    def table(self) -> pl.DataFrame:
        """One row per grade and sex: person-years, events, raw and shrunk rates."""
        mean = self.mean()
        rows = []
        for g, grade in enumerate(self.structure.grades):
            for s, sex in enumerate(SEXES):
                e = self.exposure[g, s]
                rows.append({
                    "grade": grade, "gender": sex, "person_years": float(e),
                    "separations": float(self.sep_events[g, s]),
                    "separation_rate_raw": float(self.sep_events[g, s] / e) if e else None,
                    "separation_rate": float(mean.separation[0, g, s]),
                    "promotions": float(self.prom_events[g, s]),
                    "promotion_rate_raw": float(self.prom_events[g, s] / e) if e else None,
                    "promotion_rate": float(mean.promotion[0, g, s]),
                    "internal_fill_share": float(mean.fill[0, g]),
                })
        return pl.DataFrame(rows)


def _ratio(a: FloatArray, b: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def ladder_roots(structure: Structure) -> npt.NDArray[np.int64]:
    """For each grade, the index of the most junior grade of its ladder (the ladder id)."""
    roots = np.arange(structure.n_grades)
    for g in range(structure.n_grades):
        r = g
        while structure.feeder[r] >= 0:
            r = int(structure.feeder[r])
        roots[g] = r
    return roots


def _shrunk(events: FloatArray, exposure: FloatArray, roots: npt.NDArray[np.int64], kappa: float,
            default: float) -> tuple[FloatArray, FloatArray]:
    """Beta(a, b) per (grade, sex) shrunk toward the grade, ladder and overall means."""
    total_e = exposure.sum()
    overall = events.sum() / total_e if total_e > 0 else default
    d_g, e_g = events.sum(1), exposure.sum(1)
    ladder_mean = np.empty_like(d_g)
    for r in np.unique(roots):
        m = roots == r
        ladder_mean[m] = (d_g[m].sum() + kappa * overall) / (e_g[m].sum() + kappa) if (
            e_g[m].sum() + kappa) > 0 else overall
    k = max(kappa, 1e-9)
    grade_mean = (d_g + k * ladder_mean) / (e_g + k)
    k_cell = np.where(exposure > 0, kappa, max(kappa, 1.0))
    a = events + k_cell * grade_mean[:, None]
    b = np.maximum(exposure - events, 0.0) + k_cell * (1.0 - grade_mean[:, None])
    return np.maximum(a, 1e-9), np.maximum(b, 1e-9)


def _sex_code(gender: pl.Expr) -> pl.Expr:
    return gender.replace_strict({"F": 0, "M": 1, "X": 2}, default=3, return_dtype=pl.Int64)


def estimate_rates(structure: Structure, person_years: pl.DataFrame, fills: pl.DataFrame,
                   retirement: Retirement, prior_staff_years: float) -> Rates:
    """Posteriors of separation, promotion and internal-fill rates (see the module doc)."""
    grade_idx = {g: i for i, g in enumerate(structure.grades)}
    py = person_years.filter(pl.col("grade").is_in(list(grade_idx))).with_columns(
        pl.col("grade").replace_strict(grade_idx, return_dtype=pl.Int64).alias("g"),
        _sex_code(pl.col("gender")).alias("s"),
    )
    mas = retirement.mandatory_age
    early_age = pl.col("cohort").replace_strict(
        {i: (a if a is not None else mas) for i, a in enumerate(COHORT_EARLY_AGE)},
        default=mas, return_dtype=pl.Int64)
    age = pl.col("age")
    option_row = pl.lit(False)
    if retirement.rule == "entry_cohort":
        due = age >= early_age
    else:
        due = age >= mas
        if retirement.rule == "entry_cohort_option":
            option_row = (age == early_age) & (early_age < mas)
    py = py.with_columns(due.fill_null(False).alias("due"), option_row.fill_null(False).alias("opt"))
    option = py.filter(pl.col("opt") & ~pl.col("due"))
    ordinary = py.filter(~pl.col("due") & ~pl.col("opt"))
    promo_rows = py.filter(~pl.col("due"))
    shape = (structure.n_grades, len(SEXES))
    sep_d, expo = np.zeros(shape), np.zeros(shape)
    prom_d, prom_e = np.zeros(shape), np.zeros(shape)
    for frame, d_col, d_arr, e_arr in ((ordinary, "separated", sep_d, expo),
                                       (promo_rows, "promoted", prom_d, prom_e)):
        agg = frame.group_by(["g", "s"]).agg(pl.col(d_col).sum(), pl.col("at_risk").sum())
        for g, s, d, e in agg.select("g", "s", d_col, "at_risk").iter_rows():
            d_arr[g, s] += d
            e_arr[g, s] += e
    roots = ladder_roots(structure)
    sep_a, sep_b = _shrunk(sep_d, expo, roots, prior_staff_years, _DEFAULT["separation"])
    prom_a, prom_b = _shrunk(prom_d, prom_e, roots, prior_staff_years, _DEFAULT["promotion"])
    fill_in, fill_out = _fill_counts(structure, fills)
    fill_a, fill_b = _fill_posterior(structure, roots, fill_in, fill_out)
    ret = float(option["retired"].sum()) if option.height else 0.0
    n = float(option["at_risk"].sum()) if option.height else 0.0
    return Rates(structure, sep_d, prom_d, expo, sep_a, sep_b, prom_a, prom_b, fill_in, fill_out,
                 fill_a, fill_b, ret + 1.0, n - ret + 1.0, retirement.early_retirement_probability)


def _fill_counts(structure: Structure, fills: pl.DataFrame) -> tuple[FloatArray, FloatArray]:
    n = structure.n_grades
    fill_in, fill_out = np.zeros(n), np.zeros(n)
    idx = {g: i for i, g in enumerate(structure.grades)}
    for event, src, dst, count in fills.select("event", "from_grade", "to_grade", "n").iter_rows():
        g = idx.get(dst)
        if g is None:
            continue
        feeder = structure.feeder[g]
        if event == "promotion" and feeder >= 0 and src == structure.grades[feeder]:
            fill_in[g] += count
        else:
            fill_out[g] += count
    return fill_in, fill_out


def _fill_posterior(structure: Structure, roots: npt.NDArray[np.int64], fill_in: FloatArray,
                    fill_out: FloatArray) -> tuple[FloatArray, FloatArray]:
    has_feeder = structure.feeder >= 0
    a, b = np.zeros(structure.n_grades), np.zeros(structure.n_grades)
    for r in np.unique(roots):
        m = (roots == r) & has_feeder
        tot = fill_in[m].sum() + fill_out[m].sum()
        mean = fill_in[m].sum() / tot if tot > 0 else 0.5
        a[m] = fill_in[m] + FILL_PRIOR * mean
        b[m] = fill_out[m] + FILL_PRIOR * (1.0 - mean)
    return a, b
