"""One comparison of counts by group: the routine behind the funnel and the career flows.

Input: counts by group, as arrays ``x`` (passes or events) and ``n`` (entrants, or exposure
in staff-years) of shape ``(P, G, K)``: P panels (a year, a stage, an outcome: each panel
chooses its own reference), G groups, K strata (1 without strata). Two kinds:

* ``"proportion"``: x of n (a pass rate, a roster placement). Rate with the Wilson
  interval, selection-rate ratio with the Koopman interval, Fisher exact p, power to detect
  the four-fifths ratio (:func:`parity.core.stats.power_for_air`); within strata the
  Mantel–Haenszel risk ratio and the CMH test.
* ``"rate"``: events over exposure (person-years). Exact Poisson rate interval, exact
  conditional rate ratio and test, power by the log-scale normal approximation
  (:func:`parity.core.analytics.careers_stats.rate_power`); within strata the
  Mantel–Haenszel rate ratio.

Reference rules (``reference``), the same for every caller:

* ``"others"``: each group against all other groups pooled (per panel and stratum).
* ``"highest"`` (``"best"`` is the same rule; the career flows call it so): per panel, the
  group with the most favourable rate (the highest, or the lowest when a higher rate is
  adverse, as for separations) among the groups with at least :data:`MIN_REFERENCE` in the
  denominator (applications entering the stage, persons, or staff-years) and at least one
  event. Ties go to the larger group, then the first in order. **No fallback:** when no
  group qualifies the panel has no reference, and its groups read "insufficient data"
  (a reference resting on a handful of people would make every other group look
  adverse or favoured by chance).
* a group label (``WEOG``, or ``WEOG+F`` for an intersection; case-insensitive): a fixed
  reference. An unknown label is a :class:`~parity.core.errors.UserInputError`.

The reference group's own row has no comparison (no ratio, test or verdict).

Output: one :class:`ComparisonReport` per block of counts, with the fairlearn MetricFrame
vocabulary: ``by_group`` (counts, rate and interval), ``overall`` (the pooled rate of all
groups), ``ratio`` (ratio to the reference, interval, p, Benjamini–Hochberg q),
``difference`` (rate minus the reference rate; the shortfall n1·r2 − x1 as a fraction and in
whole persons), ``strata`` (pooled ratio and the crude-versus-stratified reading) and
``verdicts`` (:func:`parity.core.stats.verdict_from_power`'s rule on the impact ratio).
Blocks that share a ``family`` number form one Benjamini–Hochberg family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.careers_stats import (
    Direction,
    oriented,
    rate_power,
    stratified_kind,
)
from parity.core.errors import UserInputError
from parity.core.stats import (
    PooledRateRatio,
    PooledRatio,
    bh_adjust,
    cmh_test,
    compare_crude_and_stratified,
    fisher_exact_p,
    koopman_interval,
    mh_rate_ratio,
    mh_risk_ratio,
    poisson_rate_interval,
    power_for_air,
    rate_ratio_exact,
    round_half_away,
    selection_rate_ratio,
    shortfall_vs_reference,
    tables_from_counts,
    verdict_from_power,
    wilson_interval,
)

Kind = Literal["proportion", "rate"]
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
IndexArray = npt.NDArray[np.int64]

OTHERS = "others"
HIGHEST = "highest"
#: Other names of ``highest`` (the career flows' word for the most favourable group).
HIGHEST_ALIASES: tuple[str, ...] = (HIGHEST, "best")
OTHERS_LABEL = "all others"
SEPARATOR = "+"
#: What a group needs in the denominator to be the ``highest`` reference (and one event).
MIN_REFERENCE = 30


def check_reference(reference: str, labels: Sequence[str]) -> str:
    """The rule (``others`` or ``highest``) or the group label ``reference`` names.

    Raises a :class:`UserInputError` naming the groups when it names none of them.
    """
    rule = reference.strip().lower()
    if rule == OTHERS:
        return OTHERS
    if rule in HIGHEST_ALIASES:
        return HIGHEST
    if reference in labels:
        return reference
    lookup = {lab.lower(): lab for lab in labels}
    if rule in lookup:
        return lookup[rule]
    shown = ", ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
    raise UserInputError(
        f"'{reference}' is not one of the groups compared, so it cannot be the reference.",
        f"Use others, highest (or best) or one of: {shown} (join intersection values with "
        f"'{SEPARATOR}').")


def choose_reference(x: FloatArray, n: FloatArray, rule: str, labels: Sequence[str], *,
                     direction: Direction = "lower",
                     size: FloatArray | None = None) -> IndexArray | None:
    """Reference group index per leading position of ``x``/``n`` (shape (..., G)).

    None for ``others``; -1 where ``highest`` finds no group with ``size`` (default ``n``)
    of at least :data:`MIN_REFERENCE` and at least one event. ``direction`` says which
    rate is adverse: ``"lower"`` (the favourable rate is the highest) or ``"higher"``.
    """
    if rule == OTHERS:
        return None
    if rule != HIGHEST:
        return np.full(x.shape[:-1], list(labels).index(rule), dtype=np.int64)
    flat_x = x.reshape(-1, x.shape[-1])
    flat_n = n.reshape(-1, n.shape[-1])
    flat_s = flat_n if size is None else size.reshape(-1, size.shape[-1])
    chosen = np.full(flat_x.shape[0], -1, dtype=np.int64)
    for i, (xi, ni, si) in enumerate(zip(flat_x, flat_n, flat_s, strict=True)):
        ok = np.flatnonzero((si >= MIN_REFERENCE) & (xi > 0) & (ni > 0))
        if ok.size:
            rate = xi[ok] / ni[ok]
            favour = -rate if direction == "lower" else rate
            # Most favourable rate first, then the larger group, then the first in order.
            chosen[i] = ok[np.lexsort((ok, -si[ok], favour))[0]]
    return chosen.reshape(x.shape[:-1])


def reference_counts(x: FloatArray, n: FloatArray,
                     ref: IndexArray | None) -> tuple[FloatArray, FloatArray]:
    """Reference counts for every group: x, n have shape (P, G, ...).

    ``others`` when ``ref`` is None (totals minus the group); else the chosen group's counts
    (``ref`` has shape (P,)); NaN where there is no reference.
    """
    if ref is None:
        return x.sum(axis=1, keepdims=True) - x, n.sum(axis=1, keepdims=True) - n
    safe = np.where(ref < 0, 0, ref)
    shape = (len(ref), 1) + (1,) * (x.ndim - 2)
    x2 = np.take_along_axis(x, safe.reshape(shape), axis=1)
    n2 = np.take_along_axis(n, safe.reshape(shape), axis=1)
    bad = (ref < 0).reshape(shape)
    return (np.where(bad, np.nan, x2) * np.ones_like(x),
            np.where(bad, np.nan, n2) * np.ones_like(n))


def reference_labels(ref: IndexArray | None, labels: Sequence[str],
                     shape: tuple[int, int]) -> ObjectArray:
    """The reference's name per panel × group (None where there is none)."""
    if ref is None:
        return np.full(shape, OTHERS_LABEL, dtype=object)
    names = np.array([*labels, None], dtype=object)
    return np.repeat(names[np.where(ref < 0, len(labels), ref)][:, None], shape[1], axis=1)


@dataclass(frozen=True)
class Block:
    """Counts to compare: ``x``, ``n`` of shape (P, G, K) (see the module docstring)."""

    x: FloatArray
    n: FloatArray
    labels: Sequence[str]
    direction: Direction = "lower"
    family: int = 0
    #: Optional (P, G) sizes for the ``highest`` minimum (default: ``n`` summed over strata).
    size: FloatArray | None = None


@dataclass(frozen=True)
class ComparisonReport:
    """One block's comparisons; every array has shape (P, G) unless said otherwise."""

    kind: Kind
    labels: tuple[str, ...]
    direction: Direction
    #: ``count``, ``n``, ``rate``, ``rate_low``, ``rate_high``.
    by_group: dict[str, FloatArray]
    #: ``count``, ``n``, ``rate`` of all groups pooled, shape (P,).
    overall: dict[str, FloatArray]
    #: The reference's name (None: no reference), its rate, and which rows it is.
    reference: ObjectArray
    reference_rate: FloatArray
    is_reference: npt.NDArray[np.bool_]
    #: Rows with a comparison (a reference other than themselves).
    compared: npt.NDArray[np.bool_]
    #: ``ratio``, ``ratio_low``, ``ratio_high``, ``p_value``, ``q_value``, ``power``.
    ratio: dict[str, FloatArray]
    #: ``difference`` (rate − reference rate), ``shortfall`` (n1·r2 − x1, a fraction) and
    #: ``shortfall_persons`` (rounded half away from zero).
    difference: dict[str, FloatArray]
    #: With strata: ``mh_ratio``, ``mh_ratio_low``, ``mh_ratio_high``, ``mh_p_value``,
    #: ``stratified`` and ``stratified_note`` (text, None where not compared).
    strata: dict[str, npt.NDArray[np.generic]] = field(default_factory=dict)
    #: The verdict per row (None for the reference's own row).
    verdicts: ObjectArray = field(default_factory=lambda: np.empty((0, 0), dtype=object))

    def frame(self) -> pl.DataFrame:
        """The report as one tidy record per panel × group (``panel`` is the panel's
        index), in the order by group, reference, ratio, difference, strata, verdict;
        undefined numbers are null."""
        n_p, n_g = self.is_reference.shape
        columns: dict[str, Any] = {"panel": np.repeat(np.arange(n_p), n_g),
                                   "group": list(self.labels) * n_p}
        columns |= {k: v.reshape(-1) for k, v in self.by_group.items()}
        columns |= {"reference": self.reference.reshape(-1).tolist(),
                    "reference_rate": self.reference_rate.reshape(-1)}
        columns |= {k: v.reshape(-1) for k, v in self.ratio.items()}
        columns |= {k: v.reshape(-1) for k, v in self.difference.items()}
        columns |= {k: (v.reshape(-1).tolist() if v.dtype.kind == "O" else v.reshape(-1))
                    for k, v in self.strata.items()}
        columns["verdict"] = self.verdicts.reshape(-1).tolist()
        frame = pl.DataFrame(columns, nan_to_null=True, strict=False)
        return frame.with_columns(pl.col("shortfall_persons").cast(pl.Int64),
                                  pl.col("reference", "verdict").cast(pl.Utf8))


def compare_blocks(blocks: Sequence[Block], *, kind: Kind, reference: str,
                   stratified: bool = False, alpha: float = 0.05, threshold: float = 0.8,
                   absent_reference: Literal["error", "none"] = "error",
                   ) -> list[ComparisonReport]:
    """Compare every block's groups with the reference (one vectorised pass over all
    blocks); blocks sharing a ``family`` share one Benjamini–Hochberg family. With
    ``stratified``, the q-value and verdict use the stratified (Mantel–Haenszel) test.

    A reference label that names no group of a block is an error, or with
    ``absent_reference="none"`` (for callers that checked it against a wider table) leaves
    that block without a reference."""
    prepared = [_prepare(b, reference, absent_reference) for b in blocks]
    cells = [np.concatenate([p[key][p["compared"]] for p in prepared]) if prepared
             else np.zeros((0, 1)) for key in ("x1", "n1", "x2", "n2")]
    rho_dir = np.concatenate([np.full(int(p["compared"].sum()), b.direction == "lower")
                              for b, p in zip(blocks, prepared, strict=True)]) \
        if prepared else np.zeros(0, dtype=bool)
    stats = _statistics(*cells, kind=kind, lower_adverse=rho_dir, stratified=stratified,
                        alpha=alpha, threshold=threshold)
    families = np.concatenate([np.full(int(p["compared"].sum()), b.family)
                               for b, p in zip(blocks, prepared, strict=True)]) \
        if prepared else np.zeros(0, dtype=np.int64)
    test_p = stats["mh_p_value"] if stratified else stats["p_value"]
    q = np.full(test_p.shape, np.nan)
    for fam in np.unique(families):
        q[families == fam] = bh_adjust(test_p[families == fam])
    stats["q_value"] = q
    measured = np.asarray(stats["mh_ratio"] if stratified else stats["ratio"], dtype=np.float64)
    impact = np.where(rho_dir, measured, oriented(measured, "higher"))
    stats["verdict"] = verdict_from_power(impact, q, stats["power"], air_threshold=threshold,
                                          q_threshold=alpha)
    reports = []
    start = 0
    for block, prep in zip(blocks, prepared, strict=True):
        size = int(prep["compared"].sum())
        part = {k: v[start:start + size] for k, v in stats.items()}
        start += size
        reports.append(_report(block, prep, part, kind, stratified, alpha))
    return reports


def _prepare(block: Block, reference: str,
             absent: str) -> dict[str, npt.NDArray[np.generic]]:
    labels = list(block.labels)
    x, n = block.x, block.n
    xt, nt = x.sum(-1), n.sum(-1)
    ref: IndexArray | None
    try:
        rule = check_reference(reference, labels)
    except UserInputError:
        if absent != "none":
            raise
        ref = np.full(xt.shape[:-1], -1, dtype=np.int64)
    else:
        ref = choose_reference(xt, nt, rule, labels, direction=block.direction,
                               size=block.size)
    x2, n2 = reference_counts(x, n, ref)
    n_p, n_g = xt.shape
    own = np.zeros((n_p, n_g), dtype=bool) if ref is None else (
        ref[:, None] == np.arange(n_g)[None, :])
    has_ref = ~np.isnan(n2[..., 0])
    return {"x1": x, "n1": n, "x2": x2, "n2": n2, "own": own, "has_ref": has_ref,
            "compared": has_ref & ~own, "names": reference_labels(ref, labels, (n_p, n_g))}


def _statistics(x1k: FloatArray, n1k: FloatArray, x2k: FloatArray, n2k: FloatArray, *,
                kind: Kind, lower_adverse: npt.NDArray[np.bool_], stratified: bool,
                alpha: float, threshold: float) -> dict[str, npt.NDArray[np.generic]]:
    """Every statistic of the compared cells (rows of the (M, K) arrays)."""
    a, b, c, d = x1k.sum(-1), n1k.sum(-1), x2k.sum(-1), n2k.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = np.where(d > 0, c / d, np.nan)
    out: dict[str, npt.NDArray[np.generic]] = {}
    ok = (b > 0) & (d > 0)
    if kind == "proportion":
        sa, sb = np.where(ok, a, 0.0), np.where(ok, b, 1.0)
        sc, sd = np.where(ok, c, 0.0), np.where(ok, d, 1.0)
        low, high = koopman_interval(sa, sb, sc, sd, alpha)
        out["ratio"] = np.where(ok, selection_rate_ratio(sa, sb, sc, sd), np.nan)
        out["ratio_low"] = np.where(ok, low, np.nan)
        out["ratio_high"] = np.where(ok, high, np.nan)
        out["p_value"] = np.where(ok, fisher_exact_p(sa, sb, sc, sd), np.nan)
        out["power"] = np.asarray(power_for_air(b, d, ref_rate, threshold, alpha),
                                  dtype=np.float64)
    else:
        rr = rate_ratio_exact(a, b, c, d, alpha)
        out["ratio"], out["ratio_low"], out["ratio_high"], out["p_value"] = (
            np.asarray(v, dtype=np.float64) for v in (rr.ratio, rr.lower, rr.upper, rr.pvalue))
        power = np.full(a.shape, np.nan)
        for adverse_low, rho in ((True, threshold), (False, 1.0 / threshold)):
            pick = lower_adverse == adverse_low
            if pick.any():
                power[pick] = rate_power(b[pick], d[pick], ref_rate[pick], rho, alpha)
        out["power"] = power
    with np.errstate(divide="ignore", invalid="ignore"):
        out["difference"] = np.where(b > 0, a / b, np.nan) - ref_rate
    if kind == "proportion":
        out["shortfall"] = np.asarray(shortfall_vs_reference(a, b, c, d), dtype=np.float64)
    else:  # events expected at the reference rate minus observed (events may exceed time)
        out["shortfall"] = b * ref_rate - a
    if stratified:
        out |= _stratified(x1k, n1k, x2k, n2k, out, kind, lower_adverse, alpha, threshold)
    return out


def _stratified(x1k: FloatArray, n1k: FloatArray, x2k: FloatArray, n2k: FloatArray,
                crude: dict[str, npt.NDArray[np.generic]], kind: Kind,
                lower_adverse: npt.NDArray[np.bool_], alpha: float,
                threshold: float) -> dict[str, npt.NDArray[np.generic]]:
    """Mantel–Haenszel pooled ratio, its test, and the crude-versus-stratified reading."""
    notes: list[tuple[str | None, str | None]] = []
    mh: PooledRatio | PooledRateRatio
    if kind == "proportion":
        tables = tables_from_counts(x1k, n1k, x2k, n2k)
        mh = mh_risk_ratio(tables, alpha)
        mh_p = np.asarray(cmh_test(tables).pvalue, dtype=np.float64)
        for table in tables:
            read = compare_crude_and_stratified(table, alpha, threshold)
            notes.append((read.kind, read.message))
    else:
        mh = mh_rate_ratio(x1k, n1k, x2k, n2k, alpha)
        mh_p = np.asarray(mh.pvalue, dtype=np.float64)
        est = np.asarray(mh.estimate, dtype=np.float64)
        ratio = np.asarray(crude["ratio"], dtype=np.float64)
        p = np.asarray(crude["p_value"], dtype=np.float64)
        for i, low in enumerate(lower_adverse):
            side: Direction = "lower" if low else "higher"
            notes.append(stratified_kind(float(oriented(ratio[i], side)), float(p[i]),
                                         float(oriented(est[i], side)), float(mh_p[i]),
                                         alpha, threshold))
    return {"mh_ratio": np.asarray(mh.estimate, dtype=np.float64),
            "mh_ratio_low": np.asarray(mh.lower, dtype=np.float64),
            "mh_ratio_high": np.asarray(mh.upper, dtype=np.float64), "mh_p_value": mh_p,
            "stratified": np.array([k for k, _ in notes], dtype=object),
            "stratified_note": np.array([m for _, m in notes], dtype=object)}


def _report(block: Block, prep: dict[str, npt.NDArray[np.generic]],
            stats: dict[str, npt.NDArray[np.generic]], kind: Kind, stratified: bool,
            alpha: float) -> ComparisonReport:
    x = np.asarray(prep["x1"], dtype=np.float64).sum(-1)
    n = np.asarray(prep["n1"], dtype=np.float64).sum(-1)
    compared = np.asarray(prep["compared"], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, x / n, np.nan)
        x2 = np.asarray(prep["x2"], dtype=np.float64).sum(-1)
        n2 = np.asarray(prep["n2"], dtype=np.float64).sum(-1)
        ref_rate = np.where(n2 > 0, x2 / n2, np.nan)
        pooled = np.where(n.sum(1) > 0, x.sum(1) / n.sum(1), np.nan)
    if kind == "proportion":
        low, high = (np.clip(np.asarray(v, dtype=np.float64), 0.0, 1.0)
                     for v in wilson_interval(x, n, alpha))
    else:
        low, high = (np.asarray(v, dtype=np.float64) for v in poisson_rate_interval(x, n, alpha))

    def spread(key: str) -> npt.NDArray[np.generic]:
        value = stats[key]
        text = value.dtype.kind == "O"
        full = np.full(compared.shape, None if text else np.nan,
                       dtype=object if text else np.float64)
        full[compared] = value
        return full

    ratio = {k: np.asarray(spread(k), dtype=np.float64)
             for k in ("ratio", "ratio_low", "ratio_high", "p_value", "q_value", "power")}
    shortfall = np.asarray(spread("shortfall"), dtype=np.float64)
    verdicts = spread("verdict").astype(object)
    own = np.asarray(prep["own"], dtype=bool)
    verdicts[~compared & ~own] = "insufficient data"
    verdicts[own] = None
    strata = {k: spread(k) for k in ("mh_ratio", "mh_ratio_low", "mh_ratio_high",
                                     "mh_p_value", "stratified", "stratified_note")} \
        if stratified else {}
    return ComparisonReport(
        kind=kind, labels=tuple(block.labels), direction=block.direction,
        by_group={"count": x, "n": n, "rate": rate, "rate_low": low, "rate_high": high},
        overall={"count": x.sum(1), "n": n.sum(1), "rate": pooled},
        reference=np.asarray(prep["names"], dtype=object),
        reference_rate=np.where(np.asarray(prep["has_ref"], dtype=bool), ref_rate, np.nan),
        is_reference=own, compared=compared, ratio=ratio,
        difference={"difference": np.asarray(spread("difference"), dtype=np.float64),
                    "shortfall": shortfall,
                    "shortfall_persons": np.asarray(round_half_away(shortfall),
                                                    dtype=np.float64)},
        strata=strata, verdicts=verdicts)
