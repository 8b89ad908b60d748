"""Stratified comparisons per group × stage: CMH, Mantel–Haenszel ratios, Breslow–Day.

From the same count table, split by a stratum (grade, job family, entity, opening, …),
each comparison becomes a stack of 2×2 tables ``[[x1_k, n1_k − x1_k], [x2_k, n2_k − x2_k]]``
(focal row first, "pass" column first; :func:`parity.core.stats.tables_from_counts`). The
whole page (groups × stages × strata) is one array, and every statistic is one vectorised
call of :mod:`parity.core.stats`. The reference per stratum follows the crude rule: all
other applicants in the stratum; the crude highest-rate group's applicants in the stratum
("highest"); or the fixed group's.

The plain-English comparison of crude and stratified answers (Simpson's paradox) is
:func:`parity.core.stats.compare_crude_and_stratified`, one call per comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.funnel_stats import (
    build_grid,
    check_reference,
    choose_reference,
    reference_counts,
    reference_labels,
)
from parity.core.stats import (
    bh_adjust,
    breslow_day_test,
    classify_verdict,
    cmh_test,
    compare_crude_and_stratified,
    mh_odds_ratio,
    mh_risk_ratio,
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


def stratified_statistics(counts: pl.DataFrame, group_cols: Sequence[str], stratum: str,
                          stages: Sequence[str], steps: Sequence[tuple[str, str]],
                          reference: str, groups: Sequence[tuple[object, ...]],
                          subject: Sequence[str]) -> pl.DataFrame:
    """One record per group × stage comparing the group with the reference within strata.

    ``counts`` has the group columns, the stratum column and the stage counts; ``groups``
    fixes the group order (the crude table's), ``subject`` names each group in sentences.
    """
    grid = build_grid(counts, group_cols, [stratum], stages, groups=groups)
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
        pooled: dict[str, npt.NDArray[np.generic]] = dict(_pooled(tables, used))
        pooled.update(_messages(tables, used,
                                [subject[int(g)] for g in np.nonzero(compared)[0]]))
        for key, value in pooled.items():
            cols[key][compared] = value
    rows = [(g, s) for g in range(n_g) for s in range(len(steps))]
    data: dict[str, object] = {
        c: [groups[g][j] for g, _ in rows] for j, c in enumerate(group_cols)}
    data["stage"] = [steps[s][0] for _, s in rows]
    data["strata"] = [stratum] * len(rows)
    for key, value in cols.items():
        data[key] = [value[g, s] for g, s in rows]
    frame = pl.DataFrame(data, strict=False)
    floats = [c for c, t in frame.schema.items() if t == pl.Float64 and c != "strata_used"]
    return frame.with_columns(pl.col(floats).fill_nan(None),
                              pl.col("strata_used").cast(pl.Int64),
                              pl.col("heterogeneous").cast(pl.Boolean)).select(
        *group_cols, *FIELDS)


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


def _pooled(tables: FloatArray,
            used: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[np.generic]]:
    odds = mh_odds_ratio(tables)
    risk = mh_risk_ratio(tables)
    cmh = cmh_test(tables)
    bd = breslow_day_test(tables, tarone=True)
    q = bh_adjust(_as_float(cmh.pvalue))
    crude = tables.sum(axis=-3)  # (M, 2, 2)
    n1, n2 = crude[:, 0].sum(-1), crude[:, 1].sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ref = crude[:, 1, 0] / n2
    out: dict[str, npt.NDArray[np.generic]] = {key: _as_float(value) for key, value in (
        ("pooled_ratio", risk.estimate), ("pooled_ratio_low", risk.lower),
        ("pooled_ratio_high", risk.upper), ("pooled_odds_ratio", odds.estimate),
        ("pooled_odds_ratio_low", odds.lower), ("pooled_odds_ratio_high", odds.upper),
        ("cmh_statistic", cmh.statistic), ("cmh_p_value", cmh.pvalue), ("cmh_q_value", q),
        ("breslow_day_statistic", bd.statistic), ("breslow_day_p_value", bd.pvalue),
        ("strata_used", used))}
    out["verdict"] = classify_verdict(out["pooled_ratio"], q, n1, n2, p_ref).astype(object)
    return out


def _messages(tables: FloatArray, used: npt.NDArray[np.int64],
              subject: Sequence[str]) -> dict[str, npt.NDArray[np.generic]]:
    """compare_crude_and_stratified per comparison, on its own informative strata."""
    m = len(tables)
    out: dict[str, npt.NDArray[np.generic]] = {
        "crude_ratio": np.full(m, np.nan), "crude_p_value": np.full(m, np.nan),
        "simpson": np.full(m, None, dtype=object),
        "heterogeneous": np.full(m, None, dtype=object),
        "message": np.full(m, None, dtype=object)}
    width = tables.shape[1] - 2
    for i in range(m):
        keep = np.r_[0:used[i], width:width + 2]
        res = compare_crude_and_stratified(tables[i, keep], focal=subject[i])
        out["crude_ratio"][i] = res.crude_ratio
        out["crude_p_value"][i] = res.crude_pvalue
        out["simpson"][i] = res.kind
        out["heterogeneous"][i] = res.heterogeneous
        out["message"][i] = res.message
    return out
