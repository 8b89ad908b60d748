"""Stage decomposition of a recruitment funnel (METHODS §1.9).

Counts are the applications that *reached* each stage: ``x[0]`` = all
applications, ``x[s]`` = those that reached stage s (s = 1…S), non-increasing
along the funnel. The conditional pass rate at stage s is p_s = x[s]/x[s−1].
For a focal group g and a reference r the identities are exact:

1. Multiplicative: AIR_total = ∏_s AIR_s with AIR_s = p_{g,s}/p_{r,s}, so
   log AIR_total = Σ_s log AIR_s, and stage s's *share* of the gap is
   log AIR_s / log AIR_total (signed: a stage that favours the focal group has
   a negative share, and the others then add to more than 100 %). Order-free.
2. Katz variances telescope: Σ_s Var(log AIR_s) = Var(log AIR_total), so stage
   standard errors add in quadrature to the standard error of the total.
3. Additive shortfall (ordered, telescoping):
   SF = x_{g,0}(P_{r,S} − P_{g,S})
      = Σ_s x_{g,0}·(∏_{k<s} p_{g,k})·(p_{r,s} − p_{g,s})·(∏_{k>s} p_{r,k}),
   computed as SF_s = (x_{g,s−1}·p_{r,s} − x_{g,s}) · x_{r,S}/x_{r,s}: the
   selections lost at stage s given the focal group's actual progression up to s
   and reference pass rates afterwards.

Zero counts: a stage nobody of a group reached makes the later conditional
rates of that group undefined (NaN). A stage the focal group reached with
nobody passing gives AIR_s = 0 and log shares NaN; the shortfall terms stay
finite as long as the reference has someone at every stage. A reference with
nobody at some stage makes every quantity involving its later rates NaN.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from parity.core.stats._common import FloatArray, as_float

__all__ = ["GAP_READINGS", "MIN_SELECTIONS", "FunnelDecomposition", "GapReading",
           "decompose_funnel", "describe_funnel", "gap_stage", "overall_interval", "read_gaps"]


@dataclass(frozen=True)
class FunnelDecomposition:
    """Per-group, per-stage decomposition of the overall selection ratio.

    Arrays have one row per group (G) and one column per stage transition (S);
    ``stages[s]`` names the stage reached at transition s (e.g. "screening").
    """

    stages: tuple[str, ...]
    focal_counts: FloatArray  # (G, S + 1)
    reference_counts: FloatArray  # (G, S + 1)
    stage_air: FloatArray  # (G, S) p_{g,s} / p_{r,s}
    overall_air: FloatArray  # (G,)
    log_share: FloatArray  # (G, S) log AIR_s / log AIR_total
    stage_se_log: FloatArray  # (G, S) Katz SE of log AIR_s
    overall_se_log: FloatArray  # (G,)
    stage_shortfall: FloatArray  # (G, S) selections lost at stage s
    total_shortfall: FloatArray  # (G,) x_{g,0}·P_{r,S} − x_{g,S}


def _as_funnel(counts: npt.ArrayLike, what: str) -> FloatArray:
    x = as_float(counts)
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(
            f"The {what} counts must be one funnel (stages) or a 2-D array (groups × stages) "
            "with at least two stages."
        )
    with np.errstate(invalid="ignore"):
        if np.any(x < 0):
            raise ValueError(f"The {what} counts must be zero or positive.")
        if np.any(np.diff(x, axis=1) > 0):
            raise ValueError(
                f"The {what} counts must not increase along the funnel: each stage counts "
                "the applications that reached it."
            )
    return x


def decompose_funnel(
    focal: npt.ArrayLike,
    reference: npt.ArrayLike,
    stages: Sequence[str] | None = None,
) -> FunnelDecomposition:
    """Decompose each group's overall AIR and shortfall into stage contributions.

    ``focal`` has shape (S + 1,) for one group or (G, S + 1) for G groups;
    ``reference`` has shape (S + 1,) (one reference for all groups, e.g. the
    highest-rate group) or (G, S + 1) (e.g. "all others" per group). ``stages``
    names the S stages reached after the first column (default "stage 1" …).

    Example (METHODS §1.9): focal 1000 → 600 → 240 → 60 → 30 → 10 against
    reference 2000 → 1300 → 600 → 180 → 100 → 40 gives stage AIRs 0.923, 0.867,
    0.833, 0.900, 0.833 whose product is the overall AIR 0.500, log shares
    11.5 %, 20.6 %, 26.3 %, 15.2 %, 26.3 %, and shortfall terms 1.54, 2.46, 2.67,
    1.33, 2.00 summing to 10.0.
    """
    xg = _as_funnel(focal, "focal")
    xr = _as_funnel(reference, "reference")
    if xr.shape[1] != xg.shape[1]:
        raise ValueError("Focal and reference funnels must have the same number of stages.")
    xg, xr = np.broadcast_arrays(xg, xr)
    xg = np.array(xg, dtype=np.float64)
    xr = np.array(xr, dtype=np.float64)
    n_stages = xg.shape[1] - 1
    if stages is None:
        names = tuple(f"stage {s}" for s in range(1, n_stages + 1))
    else:
        names = tuple(stages)
        if len(names) != n_stages:
            raise ValueError(
                f"{len(names)} stage names were given for {n_stages} stage transitions."
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        pg = xg[:, 1:] / xg[:, :-1]
        pr = xr[:, 1:] / xr[:, :-1]
        stage_air = pg / pr
        overall_air = (xg[:, -1] / xg[:, 0]) / (xr[:, -1] / xr[:, 0])
        log_total = np.log(overall_air)
        log_share = np.log(stage_air) / log_total[:, np.newaxis]
        finite = np.isfinite(log_share) & np.isfinite(log_total)[:, np.newaxis]
        log_share = np.where(finite, log_share, np.nan)
        stage_var = 1 / xg[:, 1:] - 1 / xg[:, :-1] + 1 / xr[:, 1:] - 1 / xr[:, :-1]
        overall_var = 1 / xg[:, -1] - 1 / xg[:, 0] + 1 / xr[:, -1] - 1 / xr[:, 0]
        tail = xr[:, -1:] / xr[:, 1:]  # ∏_{k>s} p_{r,k}
        stage_shortfall = (xg[:, :-1] * pr - xg[:, 1:]) * tail
        total_shortfall = xg[:, 0] * xr[:, -1] / xr[:, 0] - xg[:, -1]
    return FunnelDecomposition(
        stages=names,
        focal_counts=xg,
        reference_counts=xr,
        stage_air=stage_air,
        overall_air=overall_air,
        log_share=log_share,
        stage_se_log=np.sqrt(stage_var),
        overall_se_log=np.sqrt(overall_var),
        stage_shortfall=stage_shortfall,
        total_shortfall=total_shortfall,
    )


def gap_stage(decomposition: FunnelDecomposition) -> list[str | None]:
    """Name, per group, the stage that opens most of the gap.

    That is the stage with the largest (signed) share of log AIR_total, i.e. the
    most negative log AIR_s, when the overall AIR is below 1; ties go to the
    earliest stage. ``None`` when the
    overall AIR is ≥ 1 (no gap), undefined, or 0 (the funnel closes: see
    :func:`describe_funnel`).
    """
    result: list[str | None] = []
    for g in range(decomposition.stage_air.shape[0]):
        air = decomposition.overall_air[g]
        share = decomposition.log_share[g]
        if not (0 < air < 1) or np.all(np.isnan(share)):
            result.append(None)
        else:
            # Ties (within 1e-9) go to the earliest stage: the one where the gap opens.
            top = np.nanmax(share)
            result.append(decomposition.stages[int(np.flatnonzero(share >= top - 1e-9)[0])])
    return result


#: Selections a group needs before a sentence attributes its gap to a stage.
MIN_SELECTIONS = 10

#: The readings of a group's gap (:func:`read_gaps`), in the order they are checked.
GAP_READINGS: tuple[str, ...] = (
    "not comparable", "no selections", "no gap", "too few selections", "not significant",
    "mixed", "opens at",
)


@dataclass(frozen=True)
class GapReading:
    """How a group's gap reads: one of :data:`GAP_READINGS`, the stage named (only for
    ``"opens at"``) and the overall ratio's 95 % interval."""

    reading: str
    stage: str | None
    low: float
    high: float


def overall_interval(decomposition: FunnelDecomposition,
                     alpha: float = 0.05) -> tuple[FloatArray, FloatArray]:
    """The overall ratio's Katz interval: exp(log AIR ± z·SE), with the decomposition's
    standard error (the one whose square the stage variances add up to)."""
    z = float(norm.isf(alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_air = np.log(decomposition.overall_air)
        se = decomposition.overall_se_log
        return np.exp(log_air - z * se), np.exp(log_air + z * se)


def read_gaps(decomposition: FunnelDecomposition, min_selections: int = MIN_SELECTIONS,
              alpha: float = 0.05) -> list[GapReading]:
    """Per group, whether a stage can be named as where the gap opens (first match wins):

    * ``not comparable``: the overall ratio is undefined;
    * ``no selections``: the focal group has none (the funnel closes);
    * ``no gap``: the overall ratio is at least 1;
    * ``too few selections``: fewer than ``min_selections`` selections;
    * ``not significant``: the overall ratio's interval (:func:`overall_interval`)
      includes 1;
    * ``mixed``: the stages pull in different directions: some stage favours the group
      and the stage with the largest share carries less than 50 % or more than 100 % of
      the log ratio;
    * ``opens at``: the stage of :func:`gap_stage`.
    """
    low, high = overall_interval(decomposition, alpha)
    tops = gap_stage(decomposition)
    out: list[GapReading] = []
    for g, top in enumerate(tops):
        air = float(decomposition.overall_air[g])
        share = decomposition.log_share[g]
        selections = float(decomposition.focal_counts[g, -1])
        if np.isnan(air):
            reading = "not comparable"
        elif air == 0:
            reading = "no selections"
        elif air >= 1 or top is None:
            reading = "no gap"
        elif selections < min_selections:
            reading = "too few selections"
        elif not high[g] < 1:
            reading = "not significant"
        else:
            top_share = float(share[decomposition.stages.index(top)])
            same_sign = bool(np.all(share[np.isfinite(share)] >= 0))
            reading = "opens at" if same_sign or 0.5 <= top_share <= 1 else "mixed"
        out.append(GapReading(reading, top if reading == "opens at" else None,
                              float(low[g]), float(high[g])))
    return out


def describe_funnel(
    decomposition: FunnelDecomposition,
    group_names: Sequence[str],
    reference_name: str = "the reference",
    subject: str = "Applicants from {group}",
    reversals: Sequence[Collection[str]] | None = None,
    min_selections: int = MIN_SELECTIONS,
    stratum: str = "strata",
) -> list[str]:
    """One plain-English sentence per group, following :func:`read_gaps`.

    For example: "Applicants from African States are selected at 0.61 times the rate of
    the reference; most of the gap opens at screening (54% of the log ratio)." A stage is
    named only when the group has at least ``min_selections`` selections, the overall
    ratio's 95 % interval excludes 1 and the stage shares are meaningful (every stage
    works against the group, or the named stage carries 50–100 % of the log ratio);
    otherwise the sentence says why no stage is named. "most of the gap" is used when the
    stage's share is at least 50 %, "the largest part of the gap" otherwise; when other
    stages favour the focal group the sentence says the gap is partly offset elsewhere.
    ``reversals`` lists, per group, the stages a stratified comparison flags as a
    Simpson reversal (within ``stratum``): such a stage is never named without saying so.
    ``subject`` is a template with ``{group}``.
    """
    if len(group_names) != decomposition.stage_air.shape[0]:
        raise ValueError(
            f"{len(group_names)} group names were given for "
            f"{decomposition.stage_air.shape[0]} groups."
        )
    readings = read_gaps(decomposition, min_selections)
    sentences: list[str] = []
    for g, (name, read) in enumerate(zip(group_names, readings, strict=True)):
        who = subject.format(group=name)
        air = float(decomposition.overall_air[g])
        share = decomposition.log_share[g]
        head = f"{who} are selected at {air:.2f} times the rate of {reference_name}"
        interval = f"95% CI {read.low:.2f}–{read.high:.2f}"
        if read.reading == "not comparable":
            sentences.append(
                f"{who} cannot be compared with {reference_name}: one of the two groups "
                "has nobody at some stage of the funnel."
            )
        elif read.reading == "no selections":
            closed = int(np.flatnonzero(decomposition.focal_counts[g, 1:] == 0)[0])
            sentences.append(
                f"{who} have no selections: the funnel closes for them at "
                f"{decomposition.stages[closed]}, where none of them passed."
            )
        elif read.reading == "no gap":
            sentences.append(f"{head}; there is no gap to attribute to a stage.")
        elif read.reading == "too few selections":
            count = int(decomposition.focal_counts[g, -1])
            sentences.append(
                f"{head}, from only {count} selection{'s' if count != 1 else ''}; a stage is "
                f"named only from {min_selections} selections."
            )
        elif read.reading == "not significant":
            sentences.append(
                f"{head} ({interval}, which includes parity); the gap is not attributed to "
                "a stage."
            )
        elif read.reading == "mixed":
            parts = ", ".join(f"{stage} {value:+.0%}" for stage, value
                              in zip(decomposition.stages, share, strict=True)
                              if np.isfinite(value))
            sentences.append(
                f"{head}; the stages pull in different directions ({parts} of the log "
                "ratio), so no single stage opens the gap."
            )
        else:
            stage = str(read.stage)
            top = float(share[decomposition.stages.index(stage)])
            amount = "most of the gap" if top >= 0.5 else "the largest part of the gap"
            tail = ", partly offset at other stages" if np.nanmin(share) < 0 else ""
            flag = ""
            if reversals is not None and stage in reversals[g]:
                flag = (f"; but within {stratum} the comparison at {stage} reverses "
                        "(Simpson's paradox), so read it with the stratified comparison")
            sentences.append(
                f"{head}; {amount} opens at {stage} ({top:.0%} of the log ratio{tail}){flag}."
            )
    return sentences
