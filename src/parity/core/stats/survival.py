"""Time-to-event statistics with right censoring (METHODS §1.11).

Used for time to selection (posting → decision, open job openings censored) and
for time to promotion or separation. ``time`` is the observed time, ``event``
is 1 when the event happened at ``time`` and 0 when the record was censored
then (still open, still serving).

Kaplan–Meier at the distinct event times t_1 < … < t_J, with n_j at risk
(time ≥ t_j) and d_j events:

* S(t) = ∏_{t_j ≤ t} (1 − d_j/n_j)
* Greenwood: Var S(t) = S(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j)); the standard
  error is NaN once S = 0.
* log-log ("cloglog") pointwise interval: S^{exp(±z·σ)} with
  σ = √(Σ d_j/(n_j(n_j − d_j))) / |log S|; NaN where S = 0.
* Quantile q_p (p = 0.5 for the median): the first event time with S(t) < 1 − p
  (strict inequality, the SAS and statsmodels convention); NaN when S never
  falls below 1 − p.
* Interval for q_p (Brookmeyer & Crowley 1982, log-log transform, as SAS
  PROC LIFETEST): the event times t with |g(S(t)) − g(1 − p)| ≤ z·|g′(S(t))|·SE(S(t)),
  g(s) = log(−log s); lower = the first such time, upper = the event time after
  the last such time (+inf when that is the last event time).

These equal ``statsmodels.duration.survfunc.SurvfuncRight`` (``surv_prob``,
``surv_prob_se``, ``n_risk``, ``n_events``, ``quantile``, ``quantile_ci``).

The log-rank test of equal survival across G ≥ 2 groups uses, at every event
time, observed d_gj, expected n_gj·d_j/n_j and the hypergeometric covariance
V_gh = d_j (n_j − d_j)/(n_j − 1) · (n_gj/n_j)(δ_gh − n_hj/n_j); the statistic
(O − E)ᵀ V⁻¹ (O − E) over the first G − 1 groups is χ² with G − 1 df. Equal to
``statsmodels.duration.survfunc.survdiff``.

References: Kaplan & Meier (1958) JASA 53:457–481; Greenwood (1926);
Kalbfleisch & Prentice (2002) §1.4; Brookmeyer & Crowley (1982) Biometrics
38:29–41; Mantel (1966); Peto & Peto (1972).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from parity.core.stats._common import FloatArray, Interval, as_float, z_two_sided

__all__ = ["KaplanMeier", "LogRankTest", "kaplan_meier", "logrank_test"]


def _check_survival_input(
    time: npt.ArrayLike, event: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    t = as_float(time).reshape(-1)
    e = as_float(event).reshape(-1)
    if t.shape != e.shape:
        raise ValueError("time and event must have the same length.")
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("Every time must be finite and zero or positive.")
    if np.any((e != 0) & (e != 1)):
        raise ValueError("event must be 1 (event observed) or 0 (censored).")
    return t, e

#: Tolerance for comparing a survival product with a quantile level.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan–Meier estimate at the distinct event times.

    ``time``, ``n_at_risk``, ``n_events``, ``survival``, ``se`` (Greenwood SE of
    S), ``lower`` and ``upper`` (log-log interval at level 1 − ``alpha``) are
    aligned arrays.
    """

    time: FloatArray
    n_at_risk: FloatArray
    n_events: FloatArray
    survival: FloatArray
    se: FloatArray
    lower: FloatArray
    upper: FloatArray
    alpha: float

    def survival_at(self, t: npt.ArrayLike) -> FloatArray:
        """S(t) as a right-continuous step function (1 before the first event)."""
        idx = np.searchsorted(self.time, as_float(t), side="right") - 1
        padded = np.concatenate([[1.0], self.survival])
        return np.asarray(padded[idx + 1], dtype=np.float64)

    def quantile(self, p: float) -> float:
        """First event time with S(t) < 1 − p (NaN if S never falls that low).

        "Below" allows for rounding: a product of factors that is exactly 1 − p in exact
        arithmetic but lands a few ulps under it in floating point does not count.
        """
        if not 0 < p < 1:
            raise ValueError(f"The quantile probability must lie between 0 and 1, got {p}.")
        hit = np.flatnonzero(self.survival < 1 - p - _ROUNDING)
        return float(self.time[hit[0]]) if hit.size else float("nan")

    @property
    def median(self) -> float:
        """Median time: :meth:`quantile` at p = 0.5."""
        return self.quantile(0.5)

    def quantile_interval(self, p: float, alpha: float | None = None) -> Interval:
        """Brookmeyer–Crowley interval (log-log transform) for the p-quantile.

        ``alpha`` defaults to the estimate's own. (NaN, NaN) when no event time
        is compatible with the quantile.
        """
        if not 0 < p < 1:
            raise ValueError(f"The quantile probability must lie between 0 and 1, got {p}.")
        z = z_two_sided(self.alpha if alpha is None else alpha)
        s = self.survival
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.log(-np.log(s))
            gprime = np.abs(1.0 / (s * np.log(s)))
            r = (g - np.log(-np.log(1 - p))) / (gprime * self.se)
        inside = np.flatnonzero(np.abs(r) <= z)
        if inside.size == 0:
            return Interval(np.float64(np.nan), np.float64(np.nan))
        lower = self.time[inside[0]]
        last = inside[-1]
        upper = np.inf if last == self.time.size - 1 else self.time[last + 1]
        return Interval(np.float64(lower), np.float64(upper))

    def median_interval(self, alpha: float | None = None) -> Interval:
        """Interval for the median: :meth:`quantile_interval` at p = 0.5."""
        return self.quantile_interval(0.5, alpha)


def kaplan_meier(time: npt.ArrayLike, event: npt.ArrayLike, alpha: float = 0.05) -> KaplanMeier:
    """Kaplan–Meier survival with Greenwood SE and log-log interval.

    See the module docstring for the formulas. With no events the arrays are
    empty (S = 1 throughout).
    """
    z = z_two_sided(alpha)
    t, e = _check_survival_input(time, event)
    event_times = np.unique(t[e == 1])
    sorted_t = np.sort(t)
    n_risk = (t.size - np.searchsorted(sorted_t, event_times, side="left")).astype(np.float64)
    d = np.array([np.sum((t == u) & (e == 1)) for u in event_times], dtype=np.float64)
    surv = np.asarray(np.cumprod(1.0 - d / n_risk), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cum = np.cumsum(d / (n_risk * (n_risk - d)))
        se = np.where(surv > 0, surv * np.sqrt(cum), np.nan)
        sigma = np.sqrt(cum) / np.abs(np.log(surv))
        lower = surv ** np.exp(z * sigma)
        upper = surv ** np.exp(-z * sigma)
    lower = np.where(surv > 0, lower, np.nan)
    upper = np.where(surv > 0, upper, np.nan)
    return KaplanMeier(
        time=event_times.astype(np.float64),
        n_at_risk=n_risk,
        n_events=d,
        survival=surv,
        se=se,
        lower=lower,
        upper=upper,
        alpha=alpha,
    )


@dataclass(frozen=True)
class LogRankTest:
    """Log-rank χ², degrees of freedom, p-value, and observed/expected events per group."""

    statistic: float
    df: int
    pvalue: float
    groups: tuple[object, ...]
    observed: FloatArray
    expected: FloatArray


def logrank_test(time: npt.ArrayLike, event: npt.ArrayLike, group: npt.ArrayLike) -> LogRankTest:
    """Log-rank test that ≥ 2 groups share one survival curve (see module docstring).

    NaN statistic and p when there is no event or the covariance is singular
    (e.g. a group has nobody at risk at any event time).
    """
    t, e = _check_survival_input(time, event)
    g = np.asarray(group).reshape(-1)
    if g.shape != t.shape:
        raise ValueError("group must have the same length as time.")
    labels, codes = np.unique(g, return_inverse=True)
    if labels.size < 2:
        raise ValueError("The log-rank test needs at least two groups.")
    event_times = np.unique(t[e == 1])
    n_groups = labels.size
    at_risk = np.empty((event_times.size, n_groups))
    deaths = np.empty((event_times.size, n_groups))
    for j in range(n_groups):
        tj = np.sort(t[codes == j])
        at_risk[:, j] = tj.size - np.searchsorted(tj, event_times, side="left")
        ev = t[(codes == j) & (e == 1)]
        deaths[:, j] = np.array([np.sum(ev == u) for u in event_times])
    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    observed = deaths.sum(axis=0)
    expected = (at_risk * (d / n)[:, np.newaxis]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    frac = at_risk / n[:, np.newaxis]
    cov = np.einsum("t,tg,th->gh", factor, frac, -frac)
    cov[np.diag_indices(n_groups)] += (factor[:, np.newaxis] * frac).sum(axis=0)
    diff = (observed - expected)[:-1]
    sub = cov[:-1, :-1]
    groups = tuple(labels.tolist())
    if event_times.size == 0 or np.linalg.matrix_rank(sub) < n_groups - 1:
        return LogRankTest(float("nan"), n_groups - 1, float("nan"), groups, observed, expected)
    chisq = float(diff @ np.linalg.solve(sub, diff))
    pvalue = float(stats.chi2.sf(chisq, n_groups - 1))
    return LogRankTest(chisq, n_groups - 1, pvalue, groups, observed, expected)
