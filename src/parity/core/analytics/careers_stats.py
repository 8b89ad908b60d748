"""Statistics of career flows, from count tables: rates, ratios, tests, verdicts.

Pure numpy on small arrays (groups × strata); every formula is a committed function of
:mod:`parity.core.stats` except the two small pieces that rates need and proportions do
not, which live here:

* :func:`rate_power`: power of the two-sided test of a rate ratio to detect ρ (the
  four-fifths threshold τ = 0.8 when a lower rate is adverse, 1/τ = 1.25 when a higher rate
  is), by the normal approximation on the log scale (Breslow & Day 1987, §3.4): with the
  reference rate λ2, focal person-time T1 and reference T2, the expected events under the
  alternative are E1 = ρ·λ2·T1 and E2 = λ2·T2, σ = √(1/E1 + 1/E2) and
  power = Φ(|log ρ|/σ − z) + Φ(−|log ρ|/σ − z), z = Φ⁻¹(1 − α/2).
* :func:`rate_verdict`: :func:`parity.core.stats.classify_verdict`'s rule, first match
  wins, applied to the *impact ratio* r = the rate ratio oriented so that r < 1 is adverse
  (r = RR when a lower rate is adverse, as for promotions, mobility and rosters; r = 1/RR
  when a higher rate is adverse, as for separations):
  r < τ and q < α_q → adverse impact; τ ≤ r < 1 and q < α_q → watch; r > 1 and
  q < α_q → no evidence; r or q undefined, or not powered → insufficient data; r < τ →
  watch; otherwise no evidence.
* :func:`stratified_kind`: the crude-versus-stratified reading of
  :func:`parity.core.stats.compare_crude_and_stratified`, applied to rate ratios.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from parity.core.stats import verdict_from_power

Direction = Literal["lower", "higher"]
#: How the ``direction`` column reads.
DIRECTION_TEXT: dict[str, str] = {"lower": "lower is adverse", "higher": "higher is adverse"}

FloatArray = npt.NDArray[np.float64]


def oriented(ratio: npt.ArrayLike, direction: Direction) -> FloatArray:
    """The impact ratio: ``ratio`` when a lower rate is adverse, 1/``ratio`` otherwise."""
    r = np.asarray(ratio, dtype=np.float64)
    if direction == "lower":
        return r
    with np.errstate(divide="ignore"):
        return np.asarray(1.0 / r, dtype=np.float64)


def rate_power(time1: npt.ArrayLike, time2: npt.ArrayLike, ref_rate: npt.ArrayLike,
               rho: float, alpha: float = 0.05) -> FloatArray:
    """Power to detect a rate ratio ``rho`` (see the module docstring); NaN if untestable."""
    t1, t2, lam = np.broadcast_arrays(np.asarray(time1, dtype=np.float64),
                                      np.asarray(time2, dtype=np.float64),
                                      np.asarray(ref_rate, dtype=np.float64))
    valid = (t1 > 0) & (t2 > 0) & (lam > 0) & np.isfinite(lam)
    crit = float(sps.norm.isf(alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = rho * lam * t1
        e2 = lam * t2
        shift = abs(np.log(rho)) / np.sqrt(1.0 / e1 + 1.0 / e2)
        power = sps.norm.cdf(shift - crit) + sps.norm.cdf(-shift - crit)
    return np.asarray(np.where(valid, power, np.nan), dtype=np.float64)


def rate_verdict(impact: npt.ArrayLike, qvalue: npt.ArrayLike, power: npt.ArrayLike, *,
                 threshold: float = 0.8, q_threshold: float = 0.05,
                 target_power: float = 0.8) -> npt.NDArray[np.object_]:
    """Verdict per comparison from the impact ratio, its q-value and power (vectorised)."""
    return verdict_from_power(impact, qvalue, power, air_threshold=threshold,
                              q_threshold=q_threshold, target_power=target_power)


def _side(r: float) -> str:
    return "below" if r < 1 else "above" if r > 1 else "equal to"


def stratified_kind(crude: float, crude_p: float, pooled: float, pooled_p: float,
                    alpha: float = 0.05, threshold: float = 0.8) -> tuple[str, str]:
    """(kind, sentence) comparing crude and pooled impact ratios, first match wins:

    not estimable; reversal (opposite sides of 1, crude significant); explained by strata
    (crude significant, pooled not); revealed by strata (pooled significant, crude not);
    threshold differs (both significant, opposite sides of ``threshold``); agree.
    """
    values = (crude, crude_p, pooled, pooled_p)
    if not all(np.isfinite(v) for v in values):
        return ("not estimable",
                "The crude and stratified ratios cannot both be computed: a group has no "
                "events or no time at risk in the strata that matter.")
    sig_c, sig_p = crude_p < alpha, pooled_p < alpha
    text = f"crude {crude:.2f} (p = {crude_p:.2g}), within strata {pooled:.2f} (p = {pooled_p:.2g})"
    if (crude - 1) * (pooled - 1) < 0 and sig_c:
        return ("reversal", f"Simpson's paradox: the crude ratio is {_side(crude)} 1 but the "
                            f"ratio within strata is {_side(pooled)} 1; {text}.")
    if sig_c and not sig_p:
        return ("explained by strata", f"The crude difference disappears within strata, so it "
                                       f"comes from how the groups spread across them; {text}.")
    if sig_p and not sig_c:
        return ("revealed by strata", f"Within strata there is a difference the crude "
                                      f"comparison hides; {text}.")
    if sig_c and sig_p and (crude - threshold) * (pooled - threshold) < 0:
        return ("threshold differs", f"Both are significant but only one is below "
                                     f"{threshold:g}; {text}.")
    return ("agree", f"Crude and stratified answers agree; {text}.")
