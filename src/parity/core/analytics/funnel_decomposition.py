"""Which stage opens the gap: exact stage decomposition of each group's funnel (METHODS §1.9).

For every group the overall selection ratio (selected/received against the reference's)
is the product of the stage ratios, and the shortfall in persons is the sum of the stage
shortfalls (:func:`parity.core.stats.decompose_funnel`). The reference must be the same
people at every stage for these identities to hold, so:

* ``others``: all other applicants (per group);
* a fixed group: that group;
* ``highest``: the group with the highest overall selection rate among groups with at
  least :data:`~parity.core.analytics.compare.MIN_REFERENCE` applications received and one
  selection (one group for the whole funnel; no fallback).

The summary's sentence names the stage where the gap opens only when
:func:`parity.core.stats.read_gaps` allows it (enough selections, an overall interval
that excludes 1, stage shares that do not pull in different directions), and says so when
the stratified section flags that stage as a Simpson reversal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from parity.core.analytics.compare import OTHERS_LABEL, check_reference, choose_reference
from parity.core.analytics.funnel_dims import subject
from parity.core.analytics.funnel_stats import Grid
from parity.core.stats import decompose_funnel, describe_funnel, read_gaps, round_half_away

FIELDS: tuple[str, ...] = ("stage", "reference", "stage_ratio", "log_share", "se_log",
                           "shortfall", "gap_stage")
#: How a sentence names the step into each stage.
STAGE_NOUNS: dict[str, str] = {"screened": "screening", "assessed": "assessment",
                               "interviewed": "interview", "recommended": "recommendation",
                               "selected": "selection"}
SUMMARY_FIELDS: tuple[str, ...] = ("reference", "overall_ratio", "overall_ratio_low",
                                   "overall_ratio_high", "shortfall", "shortfall_persons",
                                   "gap_reading", "gap_stage", "sentence")


def decomposition(grid: Grid, chain: Sequence[str], reference: str,
                  stratified: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(table, summary): one record per group × stage (and an ``overall`` record per
    group), and one plain-English sentence per group. ``grid`` has one panel;
    ``stratified`` is the stratified section, whose Simpson reversals the sentences name."""
    labels = grid.labels
    rule = check_reference(reference, labels)
    focal = np.stack([grid.column(s)[0] for s in chain], -1)  # (G, C)
    keep = np.arange(len(labels))
    if rule == "others":
        ref_rows = focal.sum(axis=0, keepdims=True) - focal
        ref_name = "all other applicants"
        ref_label = OTHERS_LABEL
    else:
        idx = choose_reference(focal[None, :, -1], focal[None, :, 0], rule, labels)
        assert idx is not None
        r = int(idx[0])
        if r < 0:
            return _empty(grid), _empty_summary(grid)
        keep = keep[keep != r]
        ref_rows = np.broadcast_to(focal[r], focal.shape)
        ref_label = labels[r]
        ref_name = subject(grid.group_cols, grid.groups[r])
    if keep.size == 0:
        return _empty(grid), _empty_summary(grid)
    nouns = [STAGE_NOUNS.get(s, s) for s in chain[1:]]
    back = dict(zip(nouns, chain[1:], strict=True))
    dec = decompose_funnel(focal[keep], ref_rows[keep], stages=nouns)
    names = [subject(grid.group_cols, grid.groups[g]) for g in keep]
    flagged = _reversals(stratified, grid, keep)
    sentences = describe_funnel(
        dec, [n[0].upper() + n[1:] for n in names], reference_name=ref_name,
        subject="{group}", reversals=[{STAGE_NOUNS.get(s, s) for s in f} for f in flagged],
        stratum=str(stratified["strata"][0]) if stratified is not None and
        stratified.height else "strata")
    readings = read_gaps(dec)
    gaps = [None if r.stage is None else back[r.stage] for r in readings]
    table: dict[str, list[object]] = {c: [] for c in (*grid.group_cols, *FIELDS)}
    for i, g in enumerate(keep):
        rows = [(s, dec.stage_air[i, j], dec.log_share[i, j], dec.stage_se_log[i, j],
                 dec.stage_shortfall[i, j]) for j, s in enumerate(chain[1:])]
        total = float(dec.overall_air[i])
        whole = 1.0 if np.isfinite(total) and total > 0 and total != 1 else None
        rows.append(("overall", total, whole,
                     dec.overall_se_log[i], dec.total_shortfall[i]))
        for stage, ratio, share, se, short in rows:
            for j, c in enumerate(grid.group_cols):
                table[c].append(grid.groups[g][j])
            for key, value in zip(FIELDS, (stage, ref_label, ratio, share, se, short, gaps[i]),
                                  strict=True):
                table[key].append(value)
    summary: dict[str, list[Any]] = {
        c: [grid.groups[g][j] for g in keep] for j, c in enumerate(grid.group_cols)}
    summary.update(reference=[ref_label] * keep.size,
                   overall_ratio=list(dec.overall_air),
                   overall_ratio_low=[r.low for r in readings],
                   overall_ratio_high=[r.high for r in readings],
                   shortfall=list(dec.total_shortfall),
                   shortfall_persons=[None if not np.isfinite(v) else int(v) for v in
                                      np.atleast_1d(round_half_away(dec.total_shortfall))],
                   gap_reading=[r.reading for r in readings],
                   gap_stage=list(gaps), sentence=sentences)
    return _finish(pl.DataFrame(table, strict=False)), _finish(
        pl.DataFrame(summary, strict=False))


def _reversals(stratified: pl.DataFrame | None, grid: Grid,
               keep: np.ndarray) -> list[set[str]]:
    """Per kept group, the stages the stratified section flags as a Simpson reversal."""
    flagged: list[set[str]] = [set() for _ in keep]
    if stratified is None or stratified.height == 0:
        return flagged
    where = {grid.groups[g]: i for i, g in enumerate(keep)}
    cols = list(grid.group_cols)
    for row in stratified.filter(pl.col("simpson") == "reversal").select(
            *cols, "stage").iter_rows():
        i = where.get(tuple(row[:-1]))
        if i is not None:
            flagged[i].add(str(row[-1]))
    return flagged


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    floats = [c for c, t in frame.schema.items() if t == pl.Float64]
    return frame.with_columns(pl.col(floats).fill_nan(None))


def _empty(grid: Grid) -> pl.DataFrame:
    schema: dict[str, Any] = {c: pl.Utf8 for c in grid.group_cols}
    schema.update({"stage": pl.Utf8, "reference": pl.Utf8, "stage_ratio": pl.Float64,
                   "log_share": pl.Float64, "se_log": pl.Float64, "shortfall": pl.Float64,
                   "gap_stage": pl.Utf8})
    return pl.DataFrame(schema=schema)


def _empty_summary(grid: Grid) -> pl.DataFrame:
    schema: dict[str, Any] = {c: pl.Utf8 for c in grid.group_cols}
    schema.update({"reference": pl.Utf8, "overall_ratio": pl.Float64,
                   "overall_ratio_low": pl.Float64, "overall_ratio_high": pl.Float64,
                   "shortfall": pl.Float64, "shortfall_persons": pl.Int64,
                   "gap_reading": pl.Utf8, "gap_stage": pl.Utf8, "sentence": pl.Utf8})
    return pl.DataFrame(schema=schema)
