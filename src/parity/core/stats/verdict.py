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

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import as_float, check_alpha
from parity.core.stats.power import power_for_air

__all__ = [
    "ADVERSE_IMPACT",
    "INSUFFICIENT_DATA",
    "NO_EVIDENCE",
    "VERDICTS",
    "WATCH",
    "classify_verdict",
    "verdict_from_power",
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
