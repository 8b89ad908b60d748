"""The verdict shown for each comparison (METHODS §0 point 2, §1.2, §1.10).

Vocabulary (exact strings): ``"adverse impact"``, ``"watch"``,
``"insufficient data"``, ``"no evidence"``. "No adverse impact" is never said.

Inputs per comparison: the selection-rate ratio AIR = p1/p2, its
Benjamini–Hochberg q-value q over the family shown together (test of AIR = 1),
the group sizes n1, n2 and the reference rate p2. Parameters (defaults):
``air_threshold`` τ = 0.8, ``q_threshold`` α_q = 0.05, ``target_power`` 0.8,
``alpha`` 0.05. "Powered" means the two-sided pooled z test at level ``alpha``
has power ≥ ``target_power`` to detect AIR = τ with these n1, n2 and p2
(:func:`parity.core.stats.power.power_for_air`). The rule, first match wins:

1. AIR < τ and q < α_q                      → "adverse impact"
2. τ ≤ AIR < 1 and q < α_q                  → "watch"  (significantly below
   parity although above four-fifths; UGESP 1607.4(D) says such differences
   may still be adverse impact)
3. AIR > 1 and q < α_q                      → "no evidence"  (significantly
   above parity: the focal group is favoured)
4. AIR or q undefined (an empty group, no reference passes), or not
   powered (p2 = 0 counts as not powered)     → "insufficient data"
5. AIR < τ (not significant, but powered)   → "watch"
6. otherwise                                → "no evidence"

A significant result is reported whatever the power (rules 1–3 come first):
low power makes a real difference hard to see, not a seen one less real. So a
group whose rate is significantly above the others' reads "no evidence" of
adverse impact against it even in a small family; an AIR above 1 that is not
significant reads "no evidence" when powered and "insufficient data" when not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import FloatArray, as_float, check_alpha
from parity.core.stats.multiple import bh_adjust
from parity.core.stats.power import minimum_detectable_air, power_for_air
from parity.core.stats.proportions import (
    air_score_test,
    chi_square_test,
    fisher_exact_p,
    koopman_interval,
    selection_rate_ratio,
)
from parity.core.stats.shortfall import shortfall_vs_pooled, shortfall_vs_reference

__all__ = [
    "ADVERSE_IMPACT",
    "INSUFFICIENT_DATA",
    "NO_EVIDENCE",
    "VERDICTS",
    "WATCH",
    "Assessment",
    "assess_comparisons",
    "classify_verdict",
]

ADVERSE_IMPACT = "adverse impact"
WATCH = "watch"
INSUFFICIENT_DATA = "insufficient data"
NO_EVIDENCE = "no evidence"
VERDICTS: tuple[str, ...] = (ADVERSE_IMPACT, WATCH, INSUFFICIENT_DATA, NO_EVIDENCE)


def classify_verdict(
    air: npt.ArrayLike,
    qvalue: npt.ArrayLike,
    n1: npt.ArrayLike,
    n2: npt.ArrayLike,
    p_ref: npt.ArrayLike,
    *,
    air_threshold: float = 0.8,
    q_threshold: float = 0.05,
    target_power: float = 0.8,
    alpha: float = 0.05,
) -> npt.NDArray[np.str_]:
    """Verdict per comparison by the rule in the module docstring (vectorised).

    Returns an array of the broadcast shape holding strings from :data:`VERDICTS`.
    """
    check_alpha(alpha)
    r, q, a, b, p = np.broadcast_arrays(
        as_float(air), as_float(qvalue), as_float(n1), as_float(n2), as_float(p_ref)
    )
    pw = np.asarray(power_for_air(a, b, p, air_threshold, alpha), dtype=np.float64)
    return verdict_from_power(r, q, pw, air_threshold=air_threshold, q_threshold=q_threshold,
                              target_power=target_power).astype(np.str_)


def verdict_from_power(
    air: npt.ArrayLike,
    qvalue: npt.ArrayLike,
    power: npt.ArrayLike,
    *,
    air_threshold: float = 0.8,
    q_threshold: float = 0.05,
    target_power: float = 0.8,
) -> npt.NDArray[np.object_]:
    """The verdict rule given each comparison's power (for ratios whose power is computed
    elsewhere, e.g. rate ratios of career flows). Same rule as :func:`classify_verdict`."""
    r, q, pw = np.broadcast_arrays(as_float(air), as_float(qvalue), as_float(power))
    significant = q < q_threshold
    below = r < air_threshold
    defined = ~np.isnan(r) & ~np.isnan(q)
    powered = pw >= target_power
    verdict = np.full(r.shape, NO_EVIDENCE, dtype=object)
    verdict[below] = WATCH
    verdict[~defined | ~powered] = INSUFFICIENT_DATA
    verdict[significant & (r > 1)] = NO_EVIDENCE
    verdict[significant & (r >= air_threshold) & (r < 1)] = WATCH
    verdict[significant & below] = ADVERSE_IMPACT
    return verdict


@dataclass(frozen=True)
class Assessment:
    """Everything the dashboard shows for a family of comparisons (arrays, same shape)."""

    air: FloatArray
    lower: FloatArray  # Koopman score interval for the AIR
    upper: FloatArray
    pvalue: FloatArray  # test of AIR = 1
    qvalue: FloatArray  # Benjamini–Hochberg over the whole family
    power: FloatArray  # power to detect AIR = air_threshold
    minimum_detectable_air: FloatArray
    shortfall_pooled: FloatArray  # n1·X/N − x1
    shortfall_reference: FloatArray  # n1·p2 − x1
    verdict: npt.NDArray[np.str_]


def assess_comparisons(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    *,
    test: str = "fisher",
    air_threshold: float = 0.8,
    q_threshold: float = 0.05,
    target_power: float = 0.8,
    alpha: float = 0.05,
) -> Assessment:
    """AIR, Koopman interval, p, BH q, power, shortfalls and verdict for a family.

    All entries of the (broadcast) arrays form one family for the BH adjustment.
    ``test`` chooses the p-value of AIR = 1: ``"fisher"`` (two-sided exact,
    default), ``"score"`` (two-sided score test, the inversion of the Koopman
    interval) or ``"chi-square"`` (Pearson, no correction). Comparisons whose
    test is undefined (NaN) stay out of the family and get "insufficient data".
    Power and the minimum detectable AIR use the observed reference rate x2/n2.
    """
    check_alpha(alpha)
    a, b, c, d = np.broadcast_arrays(as_float(x1), as_float(n1), as_float(x2), as_float(n2))
    if test == "fisher":
        p = as_float(fisher_exact_p(a, b, c, d))
    elif test == "score":
        p = as_float(
            air_score_test(a, b, c, d, value=1.0, alternative="two-sided", correction=False).pvalue
        )
    elif test == "chi-square":
        p = as_float(chi_square_test(a, b, c, d).pvalue)
    else:
        raise ValueError(f"test must be 'fisher', 'score' or 'chi-square'; got {test!r}.")
    q = bh_adjust(p)
    air = as_float(selection_rate_ratio(a, b, c, d))
    lower, upper = koopman_interval(a, b, c, d, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ref = c / d
    pw = as_float(power_for_air(b, d, p_ref, air_threshold, alpha))
    mda = as_float(minimum_detectable_air(b, d, p_ref, target_power, alpha))
    verdict = classify_verdict(
        air,
        q,
        b,
        d,
        p_ref,
        air_threshold=air_threshold,
        q_threshold=q_threshold,
        target_power=target_power,
        alpha=alpha,
    )
    return Assessment(
        air=air,
        lower=as_float(lower),
        upper=as_float(upper),
        pvalue=p,
        qvalue=q,
        power=pw,
        minimum_detectable_air=mda,
        shortfall_pooled=as_float(shortfall_vs_pooled(a, b, c, d)),
        shortfall_reference=as_float(shortfall_vs_reference(a, b, c, d)),
        verdict=verdict,
    )
