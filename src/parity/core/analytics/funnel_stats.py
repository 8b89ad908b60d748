"""Statistics per group × stage, vectorised over the funnel's count table.

The count table is laid out as a dense array ``(panels, groups, stages)`` (a panel is a
year in a trend, or the whole period); every statistic is one broadcast call of
:mod:`parity.core.stats` over that array, and the whole page of comparisons is one
Benjamini–Hochberg family.

Reference rules (``reference``):

* ``"others"`` (default): each group against all other applicants at the same stage
  (METHODS §1.2 option 2). Defined for every group, fixed across stages, so the stage
  ratios multiply to the overall ratio.
* ``"highest"``: per stage, the group with the highest pass rate among groups with at
  least ``MIN_HIGHEST`` applications entering the stage (UGESP 1607.4(D), restricted as
  METHODS §1.2 advises); ties go to the larger group. No qualifying group: no comparison.
* a group label (e.g. ``WEOG`` or ``WEOG+F`` for an intersection): a fixed policy
  reference. The reference group's own row carries no comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats as scipy_stats

from parity.core.analytics.funnel_dims import UNKNOWN, order_of
from parity.core.errors import UserInputError
from parity.core.stats import (
    bh_adjust,
    classify_verdict,
    fisher_exact_p,
    koopman_interval,
    power_for_air,
    round_half_away,
    selection_rate_ratio,
    shortfall_vs_reference,
    wilson_interval,
)

MIN_HIGHEST = 30
OTHERS = "others"
HIGHEST = "highest"
OTHERS_LABEL = "all others"
SEPARATOR = "+"
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grid:
    """Counts as a dense array: ``counts[p, g, c]`` = group g in panel p at stage c."""

    panel_cols: tuple[str, ...]
    group_cols: tuple[str, ...]
    panels: list[tuple[object, ...]]
    groups: list[tuple[object, ...]]
    stages: tuple[str, ...]
    counts: FloatArray

    @property
    def labels(self) -> list[str]:
        return [group_label(g) for g in self.groups]

    def column(self, stage: str) -> FloatArray:
        return self.counts[..., self.stages.index(stage)]


def group_label(values: Sequence[object]) -> str:
    return SEPARATOR.join(str(v) for v in values)


def _sort_key(col: str, value: object) -> tuple[int, int, str]:
    order = order_of(col)
    if value is None or value == UNKNOWN:
        return (2, 0, "")
    if order is not None and value in order:
        return (0, order.index(str(value)), "")
    if isinstance(value, int):
        return (1, value, "")
    return (1, 0, str(value))


def build_grid(frame: pl.DataFrame, group_cols: Sequence[str], panel_cols: Sequence[str],
               stages: Sequence[str],
               groups: Sequence[tuple[object, ...]] | None = None) -> Grid:
    """Sum ``frame`` by panel × group into a dense array (absent cells are 0).

    ``groups`` fixes the groups and their order (others in ``frame`` are dropped);
    by default every group in ``frame``, in the dimensions' natural order.
    """
    keys = [*panel_cols, *group_cols]
    summed = frame.group_by(keys).agg(pl.col(s).sum() for s in stages) if keys else \
        frame.select(pl.col(s).sum() for s in stages)
    if groups is None:
        groups = sorted({tuple(r) for r in summed.select(group_cols).iter_rows()},
                        key=lambda g: [_sort_key(c, v)
                                       for c, v in zip(group_cols, g, strict=True)])
    groups = list(groups)
    panels: list[tuple[object, ...]] = sorted(
        {tuple(r) for r in summed.select(panel_cols).iter_rows()},
        key=lambda p: [_sort_key(c, v) for c, v in zip(panel_cols, p, strict=True)],
    ) if panel_cols else [()]
    counts = np.zeros((len(panels), len(groups), len(stages)))
    located = summed.join(_index(groups, group_cols, summed, "_g"), on=list(group_cols),
                          how="inner", nulls_equal=True)
    if panel_cols:
        located = located.join(_index(panels, panel_cols, summed, "_p"), on=list(panel_cols),
                               how="inner", nulls_equal=True)
    else:
        located = located.with_columns(pl.lit(0, dtype=pl.UInt32).alias("_p"))
    if located.height:
        values = located.select(stages).to_numpy().astype(np.float64)
        counts[located["_p"].to_numpy(), located["_g"].to_numpy()] = values
    return Grid(tuple(panel_cols), tuple(group_cols), panels, groups, tuple(stages), counts)


def _index(keys: Sequence[tuple[object, ...]], cols: Sequence[str], like: pl.DataFrame,
           name: str) -> pl.DataFrame:
    """A frame of ``keys`` (one column per ``cols``, dtypes of ``like``) with their index."""
    data = {c: [k[j] for k in keys] for j, c in enumerate(cols)}
    frame = pl.DataFrame(data, schema={c: like.schema[c] for c in cols})
    return frame.with_row_index(name)


def check_reference(reference: str, labels: Sequence[str]) -> str:
    """Validate ``reference`` against the groups; return the rule or the label."""
    if reference.lower() in (OTHERS, HIGHEST):
        return reference.lower()
    if reference in labels:
        return reference
    lookup = {lab.lower(): lab for lab in labels}
    if reference.lower() in lookup:
        return lookup[reference.lower()]
    shown = ", ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
    raise UserInputError(
        f"'{reference}' is not one of the groups compared, so it cannot be the reference.",
        f"Use others, highest or one of: {shown} (join intersection values with "
        f"'{SEPARATOR}').")


def choose_reference(x: FloatArray, n: FloatArray, reference: str,
                     labels: Sequence[str]) -> npt.NDArray[np.int64] | None:
    """Reference group index per leading position of ``x``/``n`` (shape (..., G)).

    None for "others"; -1 where "highest" finds no group with n ≥ MIN_HIGHEST.
    """
    if reference == OTHERS:
        return None
    if reference != HIGHEST:
        return np.full(x.shape[:-1], list(labels).index(reference), dtype=np.int64)
    flat_x = x.reshape(-1, x.shape[-1])
    flat_n = n.reshape(-1, n.shape[-1])
    chosen = np.full(flat_x.shape[0], -1, dtype=np.int64)
    for i, (xi, ni) in enumerate(zip(flat_x, flat_n, strict=True)):
        ok = np.flatnonzero(ni >= MIN_HIGHEST)
        if ok.size:
            rate = xi[ok] / ni[ok]
            # Highest rate first, then the larger group, then the first in order.
            best = np.lexsort((ok, -ni[ok], -rate))[0]
            chosen[i] = ok[best]
    return chosen.reshape(x.shape[:-1])


def reference_counts(x: FloatArray, n: FloatArray,
                     ref: npt.NDArray[np.int64] | None) -> tuple[FloatArray, FloatArray]:
    """Reference passes and entrants for every group: x, n have shape (P, G, ...).

    "others" when ``ref`` is None (totals minus the group); else the chosen group's counts
    (``ref`` has shape (P,)); NaN where there is no reference.
    """
    if ref is None:
        return x.sum(axis=1, keepdims=True) - x, n.sum(axis=1, keepdims=True) - n
    safe = np.where(ref < 0, 0, ref)
    take = np.take_along_axis
    shape = (len(ref), 1) + (1,) * (x.ndim - 2)
    x2 = take(x, safe.reshape(shape), axis=1)
    n2 = take(n, safe.reshape(shape), axis=1)
    bad = (ref < 0).reshape(shape)
    x2 = np.where(bad, np.nan, x2) * np.ones_like(x)
    n2 = np.where(bad, np.nan, n2) * np.ones_like(n)
    return x2, n2


def reference_labels(ref: npt.NDArray[np.int64] | None, labels: Sequence[str],
                     shape: tuple[int, int]) -> npt.NDArray[np.object_]:
    if ref is None:
        return np.full(shape, OTHERS_LABEL, dtype=object)
    names = np.array([*labels, None], dtype=object)
    return np.repeat(names[np.where(ref < 0, len(labels), ref)][:, None], shape[1], axis=1)


def stage_statistics(grid: Grid, steps: Sequence[tuple[str, str]],
                     reference: str) -> pl.DataFrame:
    """One record per panel × group × stage (documented in docs/funnel.md).

    ``steps`` lists (stage, previous stage) pairs; ``grid.stages[0]`` gets counts and
    shares only. All comparisons of the grid form one Benjamini–Hochberg family.
    """
    n_p, n_g = len(grid.panels), len(grid.groups)
    labels = grid.labels
    rule = check_reference(reference, labels)
    first = grid.stages[0]
    xs, ns, x2s, n2s, refs, selfs = [], [], [], [], [], []
    for stage, prev in steps:
        x, n = grid.column(stage), grid.column(prev)
        ref = choose_reference(x, n, rule, labels)
        x2, n2 = reference_counts(x, n, ref)
        xs.append(x)
        ns.append(n)
        x2s.append(x2)
        n2s.append(n2)
        refs.append(reference_labels(ref, labels, (n_p, n_g)))
        own = np.zeros((n_p, n_g), dtype=bool) if ref is None else (
            ref[:, None] == np.arange(n_g)[None, :])
        selfs.append(own)
    x1, n1 = np.stack(xs, -1), np.stack(ns, -1)
    x2, n2 = np.stack(x2s, -1), np.stack(n2s, -1)
    compared = ~np.stack(selfs, -1) & ~np.isnan(n2)
    results = _assess(x1, n1, x2, n2, compared)
    low, high = wilson_interval(x1, n1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = x1 / n1
        ref_rate = np.where(compared | np.stack(selfs, -1), x2 / n2, np.nan)
    columns: dict[str, npt.NDArray[np.generic]] = {
        "previous_count": n1, "pass_rate": rate, "pass_rate_low": np.asarray(low),
        "pass_rate_high": np.asarray(high), "reference": np.stack(refs, -1),
        "reference_pass_rate": ref_rate, **results}
    return _records(grid, first, [s for s, _ in steps], columns)


#: Tables whose hypergeometric support is wider than this use scipy's Fisher test (the
#: same two-sided minimum-likelihood test; parity.core.stats sums the whole support).
FISHER_SUPPORT_LIMIT = 20_000


def fisher_p(x1: FloatArray, n1: FloatArray, x2: FloatArray, n2: FloatArray) -> FloatArray:
    """Two-sided Fisher exact p per comparison (1-D arrays of whole counts, n1, n2 > 0).

    :func:`parity.core.stats.fisher_exact_p` for ordinary tables; for very large ones
    (millions of applications) ``scipy.stats.fisher_exact``, which finds the tail
    boundary by bisection instead of summing every table and returns the same p.
    """
    m = x1 + x2
    support = np.minimum(n1, m) - np.maximum(0.0, m - n2)
    small = support <= FISHER_SUPPORT_LIMIT
    p = np.full(x1.shape, np.nan)
    if small.any():
        p[small] = fisher_exact_p(x1[small], n1[small], x2[small], n2[small])
    for i in np.flatnonzero(~small):
        table = [[int(x1[i]), int(n1[i] - x1[i])], [int(x2[i]), int(n2[i] - x2[i])]]
        p[i] = scipy_stats.fisher_exact(table).pvalue
    return p


def _assess(x1: FloatArray, n1: FloatArray, x2: FloatArray, n2: FloatArray,
            compared: npt.NDArray[np.bool_]) -> dict[str, npt.NDArray[np.generic]]:
    """Ratio, Koopman interval, Fisher p, BH q (one family), shortfall, power, verdict."""
    out: dict[str, npt.NDArray[np.generic]] = {k: np.full(x1.shape, np.nan) for k in (
        "selection_ratio", "selection_ratio_low", "selection_ratio_high", "p_value",
        "q_value", "shortfall", "power")}
    verdict = np.full(x1.shape, None, dtype=object)
    a, b, c, d = x1[compared], n1[compared], x2[compared], n2[compared]
    if a.size:
        p = np.full(a.shape, np.nan)
        valid = (b > 0) & (d > 0)
        p[valid] = fisher_p(a[valid], b[valid], c[valid], d[valid])
        q = bh_adjust(p)
        ratio = np.asarray(selection_rate_ratio(a, b, c, d), dtype=np.float64)
        low, high = koopman_interval(a, b, c, d)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_ref = c / d
        for key, values in (
            ("selection_ratio", ratio), ("selection_ratio_low", low),
            ("selection_ratio_high", high), ("p_value", p), ("q_value", q),
            ("shortfall", round_half_away(shortfall_vs_reference(a, b, c, d))),
            ("power", power_for_air(b, d, p_ref)),
        ):
            out[key][compared] = np.asarray(values, dtype=np.float64)
        verdict[compared] = classify_verdict(ratio, q, b, d, p_ref).astype(object)
    out["verdict"] = verdict
    return out


def _records(grid: Grid, first: str, later: Sequence[str],
             columns: dict[str, npt.NDArray[np.generic]]) -> pl.DataFrame:
    n_p, n_g = len(grid.panels), len(grid.groups)
    chain = [first, *later]
    counts = np.stack([grid.column(s) for s in chain], -1)  # (P, G, C)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts / counts.sum(axis=1, keepdims=True)
    rows_p = np.repeat(np.arange(n_p), n_g * len(chain))
    rows_g = np.tile(np.repeat(np.arange(n_g), len(chain)), n_p)
    rows_c = np.tile(np.arange(len(chain)), n_p * n_g)
    data: dict[str, object] = {}
    for j, col in enumerate(grid.panel_cols):
        data[col] = [grid.panels[p][j] for p in rows_p]
    for j, col in enumerate(grid.group_cols):
        data[col] = [grid.groups[g][j] for g in rows_g]
    data["stage"] = [chain[c] for c in rows_c]
    data["count"] = counts.reshape(-1).astype(np.int64)
    data["share"] = share.reshape(-1)
    for key, value in columns.items():
        blank = np.full((n_p, n_g, 1), np.nan if value.dtype.kind == "f" else None,
                        dtype=value.dtype)
        flat = np.concatenate([blank, value], axis=-1).reshape(-1)
        data[key] = flat.tolist() if value.dtype.kind == "O" else flat
    frame = pl.DataFrame(data, strict=False)
    ints = ("previous_count", "shortfall")
    floats = [c for c, t in frame.schema.items() if t == pl.Float64 and c not in ints]
    frame = frame.with_columns(pl.col(floats).fill_nan(None),
                               pl.col(ints).fill_nan(None).cast(pl.Int64),
                               pl.col("reference", "verdict").cast(pl.Utf8))
    return frame.select(*grid.panel_cols, *grid.group_cols, *FIELDS)


#: Stable field order of a stage record after the panel and group keys.
FIELDS: tuple[str, ...] = (
    "stage", "count", "share", "previous_count", "pass_rate", "pass_rate_low",
    "pass_rate_high", "reference", "reference_pass_rate", "selection_ratio",
    "selection_ratio_low", "selection_ratio_high", "p_value", "q_value", "shortfall",
    "power", "verdict",
)
