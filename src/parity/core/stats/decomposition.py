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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.core.stats._common import FloatArray, as_float

__all__ = ["FunnelDecomposition", "decompose_funnel", "describe_funnel", "gap_stage"]


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


def describe_funnel(
    decomposition: FunnelDecomposition,
    group_names: Sequence[str],
    reference_name: str = "the reference",
    subject: str = "Applicants from {group}",
) -> list[str]:
    """One plain-English sentence per group.

    For example: "Applicants from African States are selected at 0.61 times the
    rate of the reference; most of the gap opens at screening (54% of the log
    ratio)." "most of the gap" is used when the stage's share is at least 50 %,
    "the largest part of the gap" otherwise; when other stages favour the
    focal group the sentence says the gap is partly offset elsewhere.
    ``subject`` is a template with ``{group}``.
    """
    if len(group_names) != decomposition.stage_air.shape[0]:
        raise ValueError(
            f"{len(group_names)} group names were given for "
            f"{decomposition.stage_air.shape[0]} groups."
        )
    stages_named = gap_stage(decomposition)
    sentences: list[str] = []
    for g, name in enumerate(group_names):
        who = subject.format(group=name)
        air = float(decomposition.overall_air[g])
        xg = decomposition.focal_counts[g]
        if np.isnan(air):
            sentences.append(
                f"{who} cannot be compared with {reference_name}: one of the two groups "
                "has nobody at some stage of the funnel."
            )
            continue
        if air == 0:
            closed = int(np.flatnonzero(xg[1:] == 0)[0])
            sentences.append(
                f"{who} have no selections: the funnel closes for them at "
                f"{decomposition.stages[closed]}, where none of them passed."
            )
            continue
        head = f"{who} are selected at {air:.2f} times the rate of {reference_name}"
        stage = stages_named[g]
        if air >= 1 or stage is None:
            sentences.append(f"{head}; there is no gap to attribute to a stage.")
            continue
        s = decomposition.stages.index(stage)
        share = float(decomposition.log_share[g, s])
        amount = "most of the gap" if share >= 0.5 else "the largest part of the gap"
        offset = np.nanmin(decomposition.log_share[g]) < 0
        tail = ", partly offset at other stages" if offset else ""
        sentences.append(f"{head}; {amount} opens at {stage} ({share:.0%} of the log ratio{tail}).")
    return sentences
