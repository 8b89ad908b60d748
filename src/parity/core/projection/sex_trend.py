"""Trend in the women's share of external selections (``estimation.recruitment_mix: trend``).

The constant mix (``recruitment.py``) holds each grade's women's share of external
selections at its window average. Where that share has been moving, the projection then
lags the history, most visibly at the senior grades whose few posts turn over through
recruitment. This module fits, per ladder (the grades of one ``ladder_roots`` root), a
Bayesian logistic regression of the selections by posting year:

    logit P(woman | grade g, year y) = a_g + (b + d_g) · (y − c)

* ``a_g`` the grade's level at the ladder's centre year ``c`` (the selection-weighted mean
  posting year). Like the constant mix, each grade gets κ_s = ``estimation.prior_selections``
  pseudo-selections at year ``c`` with its ladder's pooled women's share, so a grade with
  few selections is drawn toward its ladder. A grade without selections in the trend window
  takes its constant-mix posterior (appointments on record + κ_s·ladder share) instead.
* ``b`` the ladder's slope (logit per year), prior N(0, 0.1²); ``d_g`` the grade's
  deviation from it, prior N(0, 0.05²). A slope of 0.1 is about 2.5 points a year at a
  share near one half; the priors shrink a slope toward 0 when a few years of data do not
  determine it (its standard error is comparable to the prior's), and toward the ladder's
  common slope when a grade has few selections, while a slope estimated from several
  hundred selections keeps its value. A flat history gives slopes of 0 and the constant
  mix's level.
* Data: external selections (selected applicants of openings posted in the year) in the
  posting years of ``recruitment.window`` and of the ``estimation.window_years`` years up to
  the base year (both clipped to the base year), so the trend has several years even when
  the recruitment window is short; for a grade without selections (as the constant mix
  does), the appointments on record by year of the estimation window.

The posterior is approximated at its mode (Newton–Raphson on the penalized binomial
log-likelihood) by a normal with the inverse Hessian as covariance (Laplace). When the
year-to-year scatter of the share around the fitted trend exceeds the binomial
(Pearson χ² / residual degrees of freedom φ > 1), the covariance is multiplied by φ
(quasi-binomial). Each Monte Carlo run draws the ladder's coefficients from that normal,
so parameter uncertainty widens the bands with the horizon; the expected-value mode uses
the posterior mean of the share (E[expit(η)] by Gauss–Hermite quadrature), which the
mean over runs approaches. With a flat history the median share stays at the constant
mix's level; its mean drifts slightly toward one half as the slope's uncertainty grows
with the horizon (under a point at ten years with a dozen selections a year).

Guard against wild extrapolation: beside the shrinkage, the share moves with the trend
for at most :data:`TREND_YEARS` years after the last posting year with data and stays
there afterwards, and the logistic link keeps it inside (0, 1). A scenario's women's
share of recruitment (``recruitment.women_share``) replaces the trend where it applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.projection.rates import ladder_roots
from parity.core.projection.structure import Structure

FloatArray = npt.NDArray[np.float64]
SLOPE_SD = 0.1
GRADE_SLOPE_SD = 0.05
TREND_YEARS = 10
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(32)


def fit_logistic(X: FloatArray, successes: FloatArray, trials: FloatArray,
                 prior_precision: FloatArray | None = None, max_iter: int = 100,
                 tol: float = 1e-10) -> tuple[FloatArray, FloatArray]:
    """Mode and inverse Hessian of a binomial logit model with an N(0, P⁻¹) prior.

    ``X`` (observations × parameters), ``successes`` and ``trials`` per observation
    (fractional counts allowed), ``prior_precision`` the diagonal of P (None: no prior,
    i.e. maximum likelihood, whose inverse Hessian is the usual asymptotic covariance).
    """
    X = np.asarray(X, dtype=np.float64)
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    prec = np.zeros(X.shape[1]) if prior_precision is None else np.asarray(prior_precision, float)
    beta = np.zeros(X.shape[1])
    for _ in range(max_iter):
        p = _expit(X @ beta)
        grad = X.T @ (k - n * p) - prec * beta
        hess = (X * (n * p * (1 - p))[:, None]).T @ X + np.diag(prec)
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    p = _expit(X @ beta)
    hess = (X * (n * p * (1 - p))[:, None]).T @ X + np.diag(prec)
    cov: FloatArray = np.linalg.inv(hess).astype(np.float64)
    return beta, cov


def _expit(x: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))


@dataclass(frozen=True)
class LadderTrend:
    """One ladder's fit: its grades, centre year, last data year, coefficients
    (a_g for each grade, then b, then d_g for each grade) and their covariance."""

    grades: npt.NDArray[np.int64]
    centre: float
    last_year: int
    coef: FloatArray
    cov: FloatArray
    dispersion: float

    def design(self, years: FloatArray) -> FloatArray:
        """(years × grades × parameters): the linear predictor's coefficients."""
        m = self.grades.size
        x = np.minimum(years, self.last_year + TREND_YEARS) - self.centre
        D = np.zeros((years.size, m, 2 * m + 1))
        idx = np.arange(m)
        D[:, idx, idx] = 1.0
        D[:, :, m] = x[:, None]
        D[:, idx, m + 1 + idx] = x[:, None]
        return D

    def slopes(self) -> FloatArray:
        """Posterior-mode slope of each grade (logit per year)."""
        m = self.grades.size
        return self.coef[m] + self.coef[m + 1:]


@dataclass(frozen=True)
class SexTrend:
    """The fitted ladders of a structure (grades in no ladder fit keep the constant mix)."""

    n_grades: int
    ladders: tuple[LadderTrend, ...]

    def women(self, years: npt.ArrayLike, rng: np.random.Generator | None,
              runs: int) -> FloatArray:
        """(runs × years × grades) women's share of external selections; NaN where no
        ladder was fitted. ``rng`` None: the posterior mean (one run)."""
        yrs = np.asarray(years, dtype=np.float64)
        out = np.full((1 if rng is None else runs, yrs.size, self.n_grades), np.nan)
        for lad in self.ladders:
            D = lad.design(yrs)
            if rng is None:
                mu = D @ lad.coef
                sd = np.sqrt(np.maximum(np.einsum("tgp,pq,tgq->tg", D, lad.cov, D), 0.0))
                eta = mu[..., None] + np.sqrt(2.0) * sd[..., None] * _GH_X
                out[0][:, lad.grades] = (_expit(eta) * _GH_W).sum(-1) / np.sqrt(np.pi)
            else:
                coef = rng.multivariate_normal(lad.coef, lad.cov, size=runs, method="cholesky")
                out[:, :, lad.grades] = _expit(np.einsum("tgp,rp->rtg", D, coef))
        return out


def fit_sex_trend(structure: Structure, selections: pl.DataFrame, constant_alpha: FloatArray,
                  prior_selections: float) -> SexTrend | None:
    """Fit the trend per ladder from ``selections`` (year, grade, gender, selected).

    ``constant_alpha`` (grades × sexes) is the constant mix's Dirichlet parameters, the
    prior of a grade without selections in the window. None when no ladder has selections
    in two or more posting years.
    """
    gidx = {g: i for i, g in enumerate(structure.grades)}
    sel = selections.filter(pl.col("grade").is_in(list(gidx)) & (pl.col("selected") > 0))
    if "source" in sel.columns:  # appointments stand in for a grade without selections
        has = sel.filter(pl.col("source") == "selection")["grade"].unique().to_list()
        sel = sel.filter((pl.col("source") == "selection") | ~pl.col("grade").is_in(has))
    if sel.height == 0:
        return None
    years = sorted({int(y) for y in sel["year"].to_list()})
    yidx = {y: i for i, y in enumerate(years)}
    G, T = structure.n_grades, len(years)
    women = np.zeros((G, T))
    total = np.zeros((G, T))
    for y, g, gender, n in sel.select("year", "grade", "gender", "selected").iter_rows():
        total[gidx[g], yidx[y]] += n
        if gender == "F":
            women[gidx[g], yidx[y]] += n
    roots = ladder_roots(structure)
    yr = np.array(years, dtype=np.float64)
    kappa = max(prior_selections, 1e-6)
    ladders = []
    for r in np.unique(roots):
        grades = np.flatnonzero(roots == r)
        w, n = women[grades], total[grades]
        if n.sum() == 0 or (n.sum(0) > 0).sum() < 2:
            continue
        ladders.append(_fit_ladder(grades, w, n, yr, constant_alpha[grades], kappa))
    return SexTrend(G, tuple(ladders)) if ladders else None


def _fit_ladder(grades: npt.NDArray[np.int64], w: FloatArray, n: FloatArray, yr: FloatArray,
                alpha: FloatArray, kappa: float) -> LadderTrend:
    m, T = grades.size, yr.size
    centre = float((n.sum(0) * yr).sum() / n.sum())
    x = yr - centre
    ladder_share = w.sum() / n.sum()
    rows, k, trials = [], [], []
    for j in range(m):
        for t in range(T):
            if n[j, t] > 0:
                row = np.zeros(2 * m + 1)
                row[j], row[m], row[m + 1 + j] = 1.0, x[t], x[t]
                rows.append(row)
                k.append(w[j, t])
                trials.append(n[j, t])
    n_data = len(rows)
    for j in range(m):
        row = np.zeros(2 * m + 1)
        row[j] = 1.0
        rows.append(row)
        if n[j].sum() > 0:
            k.append(kappa * ladder_share)
            trials.append(kappa)
        else:
            k.append(float(alpha[j, 0]))
            trials.append(max(float(alpha[j].sum()), 1e-6))
    X = np.array(rows)
    kk, nn = np.array(k), np.array(trials)
    prec = np.concatenate([np.zeros(m), [SLOPE_SD ** -2], np.full(m, GRADE_SLOPE_SD ** -2)])
    coef, cov = fit_logistic(X, kk, nn, prec)
    Xd, p = X[:n_data], _expit(X[:n_data] @ coef)
    var = np.maximum(nn[:n_data] * p * (1 - p), 1e-12)
    pearson = float((((kk[:n_data] - nn[:n_data] * p) ** 2) / var).sum())
    edf = float(np.trace(cov @ ((Xd * var[:, None]).T @ Xd)))  # the data's share of the fit
    df = n_data - edf
    phi = max(pearson / df, 1.0) if df >= 1.0 else 1.0
    last = int(yr[(n.sum(0) > 0)].max())
    return LadderTrend(grades, centre, last, coef, cov * phi, phi)
