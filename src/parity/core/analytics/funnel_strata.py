"""Stratified comparisons per group × stage: CMH, Mantel–Haenszel ratios, Breslow–Day.

From the same count table, split by a stratum (grade, job family, entity, opening, …),
each comparison becomes a stack of 2×2 tables ``[[x1_k, n1_k − x1_k], [x2_k, n2_k − x2_k]]``
(focal row first, "pass" column first; :func:`parity.core.stats.tables_from_counts`). The
whole page (groups × stages × strata) is one array, and every statistic is one vectorised
call of :mod:`parity.core.stats`. The reference per stratum follows the crude rule: all
other applicants in the stratum; the crude highest-rate group's applicants in the stratum
("highest"); or the fixed group's.

The plain-English comparison of crude and stratified answers (Simpson's paradox) is that of
:func:`parity.core.stats.compare_crude_and_stratified`: its numbers come from the page-wide
calls, its wording from :func:`parity.core.stats.explain_crude_and_stratified`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.compare import (
    check_reference,
    choose_reference,
    reference_counts,
    reference_labels,
)
from parity.core.analytics.funnel_stats import Grid, build_grid
from parity.core.stats import (
    bh_adjust,
    chi_square_test,
    classify_verdict,
    explain_crude_and_stratified,
    summarise_strata,
    tables_from_counts,
)

#: Stable field order of a stratified record after the group keys.
FIELDS: tuple[str, ...] = (
    "stage", "strata", "strata_used", "reference", "crude_ratio", "crude_p_value",
    "pooled_ratio", "pooled_ratio_low", "pooled_ratio_high", "pooled_odds_ratio",
    "pooled_odds_ratio_low", "pooled_odds_ratio_high", "cmh_statistic", "cmh_p_value",
    "cmh_q_value", "breslow_day_statistic", "breslow_day_p_value", "simpson",
    "heterogeneous", "message", "verdict",
)
FloatArray = npt.NDArray[np.float64]


def _as_float(v: object) -> FloatArray:
    return np.asarray(v, dtype=np.float64)


def stratified_statistics(counts: pl.DataFrame | Grid, group_cols: Sequence[str], stratum: str,
                          stages: Sequence[str], steps: Sequence[tuple[str, str]],
                          reference: str, groups: Sequence[tuple[object, ...]],
                          subject: Sequence[str]) -> pl.DataFrame:
    """One record per group × stage comparing the group with the reference within strata.

    ``counts`` has the group columns, the stratum column and the stage counts (or is their
    grid, with the stratum as panels and these groups); ``groups`` fixes the group order
    (the crude table's), ``subject`` names each group in sentences.
    """
    grid = counts if isinstance(counts, Grid) else build_grid(
        counts, group_cols, [stratum], stages, groups=groups)
    labels = grid.labels
    rule = check_reference(reference, labels)
    n_g = len(groups)
    x1s, n1s, x2s, n2s, refs, own = [], [], [], [], [], []
    for stage, prev in steps:
        x, n = grid.column(stage), grid.column(prev)  # (K, G)
        crude_x, crude_n = x.sum(axis=0)[None, :], n.sum(axis=0)[None, :]
        ref = choose_reference(crude_x, crude_n, rule, labels)  # (1,) or None
        per_stratum = None if ref is None else np.repeat(ref, x.shape[0])
        x2, n2 = reference_counts(x, n, per_stratum)  # (K, G): the reference in each stratum
        x1s.append(x.T)
        n1s.append(n.T)
        x2s.append(x2.T)
        n2s.append(n2.T)
        refs.append(reference_labels(ref, labels, (1, n_g))[0])
        own.append(np.zeros(n_g, bool) if ref is None else np.arange(n_g) == ref[0])
    x1, n1 = np.stack(x1s, 1), np.stack(n1s, 1)  # (G, S, K)
    x2, n2 = np.stack(x2s, 1), np.stack(n2s, 1)
    compared = ~np.stack(own, 1) & ~np.isnan(n2).any(axis=-1)  # (G, S)
    cols = _empty_columns(compared.shape)
    cols["reference"] = np.stack(refs, 1)
    if compared.any():
        tables, used = compact_tables(x1[compared], n1[compared], x2[compared], n2[compared])
        pooled = _pooled(tables, used, [subject[int(g)] for g in np.nonzero(compared)[0]])
        for key, value in pooled.items():
            cols[key][compared] = value
    rows_g = np.repeat(np.arange(n_g), len(steps)).tolist()
    rows_s = np.tile(np.arange(len(steps)), n_g).tolist()
    series = [pl.Series(c, [groups[g][j] for g in rows_g], strict=False)
              for j, c in enumerate(group_cols)]
    series.append(pl.Series("stage", [steps[s][0] for s in rows_s], strict=False))
    series.append(pl.Series("strata", [stratum] * len(rows_s), strict=False))
    for key in FIELDS[2:]:
        value = cols[key].reshape(-1)  # group-major, as the rows
        if key == "strata_used":
            series.append(pl.Series(key, value).cast(pl.Int64))
        elif key == "heterogeneous":
            series.append(pl.Series(key, value.tolist(), dtype=pl.Boolean))
        elif value.dtype.kind == "O":
            series.append(pl.Series(key, value.tolist(), strict=False))
        else:
            series.append(pl.Series(key, value, nan_to_null=True))
    return pl.DataFrame(series)


def _empty_columns(shape: tuple[int, ...]) -> dict[str, npt.NDArray[np.generic]]:
    cols: dict[str, npt.NDArray[np.generic]] = {}
    for key in FIELDS[2:]:
        text = key in ("reference", "simpson", "heterogeneous", "message", "verdict")
        cols[key] = np.full(shape, None, dtype=object) if text else np.full(shape, np.nan)
    cols["strata_used"] = np.zeros(shape)
    return cols


def compact_tables(x1: FloatArray, n1: FloatArray, x2: FloatArray,
                   n2: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Stacks of 2×2 tables (M, K', 2, 2) keeping, per comparison, only the strata where
    both groups have entrants, plus two pooled strata: every stratum with only the focal
    group, and every stratum with only the reference.

    The pooled strata carry no information (one row of their table is empty), so every
    Mantel–Haenszel sum, the CMH test and Breslow–Day are unchanged, and the crude table
    (the sum over strata) is preserved. Returns the tables and the number of strata with
    both groups per comparison (its first ``used[m]`` strata).
    """
    both = (n1 > 0) & (n2 > 0)
    used = both.sum(axis=-1)
    width = int(used.max(initial=0))
    order = np.argsort(~both, axis=-1, kind="stable")[:, :width]

    def pick(v: FloatArray) -> FloatArray:
        return np.take_along_axis(np.where(both, v, 0.0), order, axis=-1)

    focal_only = ~both & (n1 > 0)
    ref_only = ~both & (n2 > 0)
    zeros = np.zeros((len(x1), 1))

    def extra(v: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        return np.where(mask, v, 0.0).sum(axis=-1, keepdims=True)

    a = np.concatenate([pick(x1), extra(x1, focal_only), zeros], -1)
    b = np.concatenate([pick(n1), extra(n1, focal_only), zeros], -1)
    c = np.concatenate([pick(x2), zeros, extra(x2, ref_only)], -1)
    d = np.concatenate([pick(n2), zeros, extra(n2, ref_only)], -1)
    return tables_from_counts(a, b, c, d), used.astype(np.int64)


def _pooled(tables: FloatArray, used: npt.NDArray[np.int64],
            subject: Sequence[str]) -> dict[str, npt.NDArray[np.generic]]:
    """Every stratified column, one vectorised call per statistic for the whole page, and
    the crude-versus-stratified sentence per comparison.

    The sentence is :func:`parity.core.stats.compare_crude_and_stratified` on the
    comparison's own strata; the padding strata of :func:`compact_tables` are empty tables
    that drop out of every sum, so the page-wide RR_MH, CMH and Breslow–Day are the same
    numbers, and only the wording (:func:`parity.core.stats.explain_crude_and_stratified`)
    is per comparison.
    """
    odds, risk, cmh, bd = summarise_strata(tables)
    q = bh_adjust(_as_float(cmh.pvalue))
    crude = tables.sum(axis=-3)  # (M, 2, 2)
    x1, x2 = crude[:, 0, 0], crude[:, 1, 0]
    n1, n2 = crude[:, 0].sum(-1), crude[:, 1].sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ref = x2 / n2
        crude_ratio = (x1 / n1) / p_ref
    crude_p = _as_float(chi_square_test(x1, n1, x2, n2).pvalue)
    out: dict[str, npt.NDArray[np.generic]] = {key: _as_float(value) for key, value in (
        ("pooled_ratio", risk.estimate), ("pooled_ratio_low", risk.lower),
        ("pooled_ratio_high", risk.upper), ("pooled_odds_ratio", odds.estimate),
        ("pooled_odds_ratio_low", odds.lower), ("pooled_odds_ratio_high", odds.upper),
        ("cmh_statistic", cmh.statistic), ("cmh_p_value", cmh.pvalue), ("cmh_q_value", q),
        ("breslow_day_statistic", bd.statistic), ("breslow_day_p_value", bd.pvalue),
        ("strata_used", used), ("crude_ratio", crude_ratio), ("crude_p_value", crude_p))}
    out["verdict"] = classify_verdict(out["pooled_ratio"], q, n1, n2, p_ref).astype(object)
    m = len(tables)
    texts = [np.full(m, None, dtype=object) for _ in range(3)]
    numbers = zip(crude_ratio.tolist(), crude_p.tolist(), out["pooled_ratio"].tolist(),
                  out["cmh_p_value"].tolist(), out["breslow_day_p_value"].tolist(), strict=True)
    for i, (cr, cp, pr, pp, bp) in enumerate(numbers):
        texts[0][i], texts[1][i], texts[2][i] = explain_crude_and_stratified(
            cr, cp, pr, pp, bp, focal=subject[i])
    out["simpson"], out["heterogeneous"], out["message"] = texts
    return out
