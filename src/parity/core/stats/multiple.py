"""Multiple-comparison adjustment of p-values (METHODS §1.8).

The family is every test shown together on one dashboard page for one release.
Both functions take an array of any shape, treat NaN entries as "no test"
(they stay NaN and do not count in m, the number of tests) and return adjusted
values of the same shape.

* Benjamini–Hochberg (false discovery rate), for monitoring many comparisons:
  sort the m finite p-values p(1) ≤ … ≤ p(m); q(i) = min_{j ≥ i} min(1, m·p(j)/j).
  Equal to ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]``
  and ``scipy.stats.false_discovery_control(p, method="bh")`` on NaN-free input.
  Reference: Benjamini & Hochberg (1995) JRSS B 57:289–300.
* Holm (family-wise error), for small confirmatory families:
  q(i) = max_{j ≤ i} min(1, (m − j + 1)·p(j)). Equal to
  ``multipletests(p, method="holm")[1]``. Reference: Holm (1979) Scand J Stat 6:65–70.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import FloatArray, as_float

__all__ = ["bh_adjust", "holm_adjust"]


def _finite_pvalues(pvalues: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    p = as_float(pvalues)
    flat = p.reshape(-1)
    keep = ~np.isnan(flat)
    finite = flat[keep]
    if np.any((finite < 0) | (finite > 1)):
        raise ValueError("p-values must lie between 0 and 1 (NaN marks a missing test).")
    return p, keep, finite


def bh_adjust(pvalues: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN entries are ignored.

    q(i) = min_{j ≥ i} min(1, m·p(j)/j) over the m non-NaN p-values sorted
    ascending; each q is returned at the position of its p.
    """
    p, keep, finite = _finite_pvalues(pvalues)
    result = np.full(p.size, np.nan)
    m = finite.size
    if m:
        order = np.argsort(finite, kind="mergesort")
        ranked = finite[order] * m / np.arange(1, m + 1)
        q_sorted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        q = np.empty(m)
        q[order] = q_sorted
        result[keep] = q
    return result.reshape(p.shape)


def holm_adjust(pvalues: npt.ArrayLike) -> FloatArray:
    """Holm step-down adjusted p-values; NaN entries are ignored.

    q(i) = max_{j ≤ i} min(1, (m − j + 1)·p(j)) over the m non-NaN p-values
    sorted ascending.
    """
    p, keep, finite = _finite_pvalues(pvalues)
    result = np.full(p.size, np.nan)
    m = finite.size
    if m:
        order = np.argsort(finite, kind="mergesort")
        ranked = finite[order] * (m - np.arange(m))
        q_sorted = np.minimum(np.maximum.accumulate(ranked), 1.0)
        q = np.empty(m)
        q[order] = q_sorted
        result[keep] = q
    return result.reshape(p.shape)
