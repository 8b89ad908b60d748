"""Shared types and small helpers for :mod:`parity.core.stats`.

Every public function in the package accepts scalars or numpy arrays and
broadcasts them. Results are numpy arrays of the broadcast shape; a 0-d result
is returned as a numpy scalar (``np.float64``, a subclass of ``float``), so a
call on plain numbers returns plain-looking numbers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray: TypeAlias = npt.NDArray[np.float64]
#: What a vectorised function returns: a float (numpy scalar) for scalar input,
#: else an array of the broadcast shape.
Floats: TypeAlias = float | FloatArray
Alternative: TypeAlias = Literal["two-sided", "less", "greater"]

ALTERNATIVES: tuple[str, ...] = ("two-sided", "less", "greater")


class Interval(NamedTuple):
    """A confidence interval: ``lower`` and ``upper`` limits (scalars or arrays)."""

    lower: Floats
    upper: Floats


class TestResult(NamedTuple):
    """A test statistic and its p-value (scalars or arrays)."""

    statistic: Floats
    pvalue: Floats


# Tell pytest that this class, imported into test modules, is not a test class.
setattr(TestResult, "__test__", False)  # noqa: B010


def as_float(values: npt.ArrayLike) -> FloatArray:
    """Return ``values`` as a float64 numpy array (no copy when already one)."""
    return np.asarray(values, dtype=np.float64)


def out(values: FloatArray) -> Floats:
    """Return a 0-d array as a numpy scalar and any other array unchanged."""
    if values.ndim == 0:
        return np.float64(values[()])
    return values


def z_two_sided(alpha: float) -> float:
    """Standard normal quantile z with P(|Z| > z) = alpha (``scipy.stats.norm.isf(alpha/2)``,
    which is −Φ⁻¹(alpha/2): ``scipy.special.ndtri``)."""
    check_alpha(alpha)
    return _z_upper(float(alpha) / 2.0)


@lru_cache(maxsize=64)
def _z_upper(tail: float) -> float:
    return float(-special.ndtri(tail))


def normal_quantile(q: float) -> float:
    """Φ⁻¹(q) for 0 < q < 1 (``scipy.stats.norm.ppf``), cached."""
    return float(-_z_upper(q))


def chi2_sf(stat: npt.ArrayLike, df: npt.ArrayLike) -> FloatArray:
    """P(χ²_df > stat), equal to ``scipy.stats.chi2.sf(stat, df)`` for df > 0 (1 below the
    support, NaN for NaN) without the distribution object's per-call overhead."""
    x = np.asarray(stat, dtype=np.float64)
    p = special.chdtrc(df, x)
    return np.asarray(np.where(x < 0, 1.0, p), dtype=np.float64)


def any_nan(*arrays: FloatArray) -> npt.NDArray[np.bool_]:
    """True where any of the (broadcast) arrays is NaN: the entries whose results must be
    NaN too ("NaN in, NaN out", promised by every function of the package)."""
    mask = np.zeros(np.broadcast_shapes(*(a.shape for a in arrays)), dtype=bool)
    for a in arrays:
        mask = mask | np.isnan(a)
    return mask


def check_alpha(alpha: float) -> None:
    """Raise ``ValueError`` unless 0 < alpha < 1."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}.")


def check_alternative(alternative: str) -> None:
    """Raise ``ValueError`` unless ``alternative`` is one of :data:`ALTERNATIVES`."""
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}."
        )


def check_counts(x: FloatArray, n: FloatArray, what: str = "count") -> None:
    """Raise ``ValueError`` when a count is negative or exceeds its total.

    NaN entries are let through (they propagate to NaN results).
    """
    # One reduction for the common case (comparisons with NaN are False, silently).
    if not ((n < 0) | (x < 0) | (x > n)).any():
        return
    if np.any(n < 0) or np.any(x < 0):
        raise ValueError(f"Every {what} and every total must be zero or positive.")
    raise ValueError(f"A {what} cannot exceed its total.")


def counts_pair(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Broadcast (x1, n1, x2, n2) to float arrays and validate them as counts."""
    a, b, c, d = np.broadcast_arrays(as_float(x1), as_float(n1), as_float(x2), as_float(n2))
    check_counts(a, b)
    check_counts(c, d)
    return a, b, c, d


def normal_pvalue(z: FloatArray, alternative: str) -> FloatArray:
    """p-value of a standard normal statistic ``z``.

    ``"less"``: Φ(z); ``"greater"``: 1 − Φ(z); ``"two-sided"``: 2·Φ(−|z|).
    NaN statistics give NaN p-values.
    """
    check_alternative(alternative)
    # scipy.stats.norm: cdf(z) = ndtr(z), sf(z) = ndtr(−z).
    if alternative == "less":
        return np.asarray(special.ndtr(z), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(special.ndtr(-np.asarray(z)), dtype=np.float64)
    return np.asarray(2.0 * special.ndtr(-np.abs(z)), dtype=np.float64)
