"""Cochran–Armitage test for a linear trend in proportions across ordered years.

With x_i passes out of n_i at ordered scores t_i (years, default 0, 1, …),
N = Σ n_i, p̄ = Σ x_i / N and t̄ = Σ n_i t_i / N:

    T = Σ t_i (x_i − n_i p̄) = Σ (t_i − t̄)(x_i − n_i p̄)
    Var₀(T) = p̄ (1 − p̄) Σ n_i (t_i − t̄)²
    z = T / √Var₀(T)

z² is the score (Rao) statistic for β = 0 in the logistic model
logit p_i = α + β t_i (Armitage 1955). The linear-by-linear association test
(Mantel 1963; statsmodels ``Table.test_ordinal_association``) uses the
hypergeometric variance instead, so its z equals this z × √((N − 1)/N).

``slope`` is the weighted least-squares slope of p̂_i on t_i (change in the pass
rate per unit score): Σ n_i (t_i − t̄)(p̂_i − p̄) / Σ n_i (t_i − t̄)² = T / Σ n_i (t_i − t̄)².

Years with n_i = 0 drop out. z is NaN when p̄ is 0 or 1 or fewer than two years
have applicants (no variation to test).

References: Cochran (1954) Biometrics 10:417–451; Armitage (1955) Biometrics
11:375–386; Agresti (2013) *Categorical Data Analysis* §5.3.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import Floats, as_float, check_counts, normal_pvalue, out

__all__ = ["TrendTest", "cochran_armitage_test"]


@dataclass(frozen=True)
class TrendTest:
    """Cochran–Armitage z, its p-value and the pass-rate slope per unit score."""

    statistic: Floats
    pvalue: Floats
    slope: Floats


def cochran_armitage_test(
    x: npt.ArrayLike,
    n: npt.ArrayLike,
    scores: npt.ArrayLike | None = None,
    alternative: str = "two-sided",
) -> TrendTest:
    """Cochran–Armitage trend test over the last axis (years); leading axes vectorise.

    ``alternative="less"`` tests for a decreasing pass rate (p = Φ(z)),
    ``"greater"`` for an increasing one. See the module docstring for formulas.
    """
    xs, ns = np.broadcast_arrays(as_float(x), as_float(n))
    check_counts(xs, ns)
    if xs.ndim == 0 or xs.shape[-1] < 2:
        raise ValueError("A trend test needs counts for at least two ordered years.")
    t = np.arange(xs.shape[-1], dtype=np.float64) if scores is None else as_float(scores)
    if t.shape != (xs.shape[-1],):
        raise ValueError("There must be one score per year (the last axis of the counts).")
    big_n = ns.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar = xs.sum(axis=-1) / big_n
        tbar = (ns * t).sum(axis=-1) / big_n
        dt = t - tbar[..., np.newaxis]
        stat_t = (dt * (xs - ns * pbar[..., np.newaxis])).sum(axis=-1)
        sxx = (ns * dt**2).sum(axis=-1)
        z = stat_t / np.sqrt(pbar * (1 - pbar) * sxx)
        slope = np.where(sxx > 0, stat_t / sxx, np.nan)
    z = np.where((sxx > 0) & (pbar > 0) & (pbar < 1), z, np.nan)
    return TrendTest(
        statistic=out(np.asarray(z, dtype=np.float64)),
        pvalue=out(normal_pvalue(np.asarray(z, dtype=np.float64), alternative)),
        slope=out(np.asarray(slope, dtype=np.float64)),
    )
