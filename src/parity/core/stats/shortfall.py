"""Shortfall in persons: practical significance of a gap (METHODS §1.5).

Same notation and orientation as :mod:`parity.core.stats.proportions`: focal
group ``x1`` passes out of ``n1``, reference ``x2`` out of ``n2``; arguments
broadcast. A positive shortfall means the focal group got fewer passes than the
comparison rate implies. Report shortfalls as integers with
:func:`round_half_away` and the definition in the tooltip.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import Floats, as_float, counts_pair, out

__all__ = [
    "round_half_away",
    "shortfall_to_four_fifths",
    "shortfall_vs_pooled",
    "shortfall_vs_reference",
]


def shortfall_vs_pooled(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> Floats:
    """Shortfall against the pooled rate (EEO convention): n1·(X/N) − x1.

    X = x1 + x2 selected and N = n1 + n2 applicants in the comparison. Positive =
    the focal group got fewer passes than the pooled rate implies. 30/200 vs
    60/250 gives 200·0.20 − 30 = 10.0. NaN when N = 0.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return out(b * (a + c) / (b + d) - a)


def shortfall_vs_reference(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> Floats:
    """Shortfall against the reference rate: n1·(x2/n2) − x1 (30/200 vs 60/250: 18.0).

    NaN when n2 = 0.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return out(b * (c / d) - a)


def shortfall_to_four_fifths(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    threshold: float = 0.8,
) -> Floats:
    """Persons the focal group lacks to reach ``threshold`` × the reference rate.

    max(⌈n1·threshold·(x2/n2)⌉ − x1, 0) (30/200 vs 60/250: ⌈38.4⌉ − 30 = 9). The
    ceiling ignores floating-point excess below 1e−9 (so 38.000000000001 counts
    as 38). 0 when the group is already at or above the threshold; NaN when
    n2 = 0.
    """
    a, b, c, d = counts_pair(x1, n1, x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.ceil(b * threshold * (c / d) - 1e-9)
    return out(np.maximum(needed - a, 0.0))


def round_half_away(values: npt.ArrayLike) -> Floats:
    """Round to the nearest integer, halves away from zero (2.5 → 3, −2.5 → −3).

    METHODS §1.5 reports shortfalls as integers with this rule (numpy's
    ``round`` rounds halves to even). NaN stays NaN.
    """
    v = as_float(values)
    return out(np.sign(v) * np.floor(np.abs(v) + 0.5))
