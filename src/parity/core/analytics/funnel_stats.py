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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.funnel_dims import UNKNOWN, order_of
from parity.core.errors import UserInputError
from parity.core.stats import (
    bh_adjust,
    koopman_interval,
    power_for_air,
    round_half_away,
    selection_rate_ratio,
    shortfall_vs_reference,
    verdict_from_power,
    wilson_interval,
)
from parity.core.stats.hypergeom import fisher_exact_pvalues

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

    def collapse(self, keep: Sequence[str],
                 where: Callable[[tuple[object, ...]], bool] | None = None) -> Grid:
        """The grid with only the panel columns ``keep`` (summing over the others), from the
        panels for which ``where`` holds: what :func:`build_grid` gives on the matching rows
        with those panel columns and the same groups."""
        at = [self.panel_cols.index(c) for c in keep]
        chosen = [(i, tuple(p[j] for j in at)) for i, p in enumerate(self.panels)
                  if where is None or where(p)]
        panels: list[tuple[object, ...]] = sorted(
            {k for _, k in chosen}, key=lambda p: _order(keep, p)) if keep else [()]
        position = {p: i for i, p in enumerate(panels)}
        counts = np.zeros((len(panels), *self.counts.shape[1:]))
        for i, key in chosen:
            counts[position[key]] += self.counts[i]
        return Grid(tuple(keep), self.group_cols, panels, list(self.groups), self.stages,
                    counts)


def group_label(values: Sequence[object]) -> str:
    return SEPARATOR.join(str(v) for v in values)


def _sort_key(col: str, value: object) -> tuple[int, int, str]:
    order = order_of(col)
    if value is None:
        return (2, 1, "")
    if value == UNKNOWN:
        return (2, 0, "")
    if order is not None and value in order:
        return (0, order.index(str(value)), "")
    if isinstance(value, int):
        return (1, value, "")
    return (1, 0, str(value))


#: Count tables up to this many rows are laid out in Python (a few dict look-ups per row);
#: larger ones are summed and located by polars (group_by and joins), which costs more per
#: call (about a millisecond) but less per row.
PYTHON_ROWS = 20_000


def build_grid(frame: pl.DataFrame, group_cols: Sequence[str], panel_cols: Sequence[str],
               stages: Sequence[str],
               groups: Sequence[tuple[object, ...]] | None = None) -> Grid:
    """Sum ``frame`` by panel × group into a dense array (absent cells are 0).

    ``groups`` fixes the groups and their order (others in ``frame`` are dropped);
    by default every group in ``frame``, in the dimensions' natural order.
    """
    if frame.height > PYTHON_ROWS:
        return _build_grid_polars(frame, group_cols, panel_cols, stages, groups)
    n_p = len(panel_cols)
    columns = [frame.get_column(c).to_list() for c in (*panel_cols, *group_cols)]
    rows = list(zip(*columns, strict=True)) if columns else [()] * frame.height
    if groups is None:
        groups = sorted({r[n_p:] for r in rows}, key=lambda g: _order(group_cols, g))
    groups = list(groups)
    panels: list[tuple[object, ...]] = sorted(
        {r[:n_p] for r in rows}, key=lambda p: _order(panel_cols, p)) if panel_cols else [()]
    counts = np.zeros((len(panels), len(groups), len(stages)))
    where_g = {g: i for i, g in enumerate(groups)}
    where_p = {p: i for i, p in enumerate(panels)}
    g_idx = np.fromiter((where_g.get(r[n_p:], -1) for r in rows), np.int64, len(rows))
    p_idx = np.fromiter((where_p[r[:n_p]] for r in rows), np.int64, len(rows))
    keep = g_idx >= 0
    if keep.any():
        values = np.empty((len(rows), len(stages)))
        for j, stage in enumerate(stages):
            col = frame.get_column(stage)
            values[:, j] = (col.fill_null(0) if col.null_count() else col).to_numpy()
        np.add.at(counts, (p_idx[keep], g_idx[keep]), values[keep])
    return Grid(tuple(panel_cols), tuple(group_cols), panels, groups, tuple(stages), counts)


def _order(cols: Sequence[str], key: tuple[object, ...]) -> list[tuple[int, int, str]]:
    return [_sort_key(c, v) for c, v in zip(cols, key, strict=True)]


def _build_grid_polars(frame: pl.DataFrame, group_cols: Sequence[str],
                       panel_cols: Sequence[str], stages: Sequence[str],
                       groups: Sequence[tuple[object, ...]] | None) -> Grid:
    """:func:`build_grid` for large frames, in polars."""
    keys = [*panel_cols, *group_cols]
    summed = frame.group_by(keys).agg(pl.col(s).sum() for s in stages) if keys else \
        frame.select(pl.col(s).sum() for s in stages)
    if groups is None:
        groups = sorted({tuple(r) for r in summed.select(group_cols).iter_rows()},
                        key=lambda g: _order(group_cols, g))
    groups = list(groups)
    panels: list[tuple[object, ...]] = sorted(
        {tuple(r) for r in summed.select(panel_cols).iter_rows()},
        key=lambda p: _order(panel_cols, p),
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
    return stage_sections([(grid, steps)], reference)[0]


def stage_sections(sections: Sequence[tuple[Grid, Sequence[tuple[str, str]]]],
                   reference: str) -> list[pl.DataFrame]:
    """:func:`stage_statistics` of several sections (the funnel and the roster flow), each
    its own Benjamini–Hochberg family, with every statistic one vectorised call over the
    comparisons of all sections."""
    parts = [_comparisons(grid, steps, reference) for grid, steps in sections]
    results = _assess([part[:5] for part in parts])
    sizes = [part[0].size for part in parts]
    flat = [np.concatenate([part[i].reshape(-1) for part in parts]) for i in (0, 1)]
    wilson = [np.split(np.asarray(v), np.cumsum(sizes)[:-1])
              for v in wilson_interval(flat[0], flat[1])]
    records = []
    for i, ((grid, steps), part) in enumerate(zip(sections, parts, strict=True)):
        x1, n1, x2, n2, compared, refs, own = part
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = x1 / n1
            ref_rate = np.where(compared | own, x2 / n2, np.nan)
        columns: dict[str, npt.NDArray[np.generic]] = {
            "previous_count": n1, "pass_rate": rate,
            "pass_rate_low": wilson[0][i].reshape(x1.shape),
            "pass_rate_high": wilson[1][i].reshape(x1.shape), "reference": refs,
            "reference_pass_rate": ref_rate, **results[i]}
        records.append((grid, [grid.stages[0], *(s for s, _ in steps)], columns))
    # Sections with the same key columns make one frame, sliced afterwards.
    frames: list[pl.DataFrame | None] = [None] * len(records)
    kinds = [(g.panel_cols, g.group_cols) for g, _, _ in records]
    for kind in dict.fromkeys(kinds):
        same = [i for i, k in enumerate(kinds) if k == kind]
        for i, frame in zip(same, _records([records[i] for i in same]), strict=True):
            frames[i] = frame
    return [f for f in frames if f is not None]


def _comparisons(grid: Grid, steps: Sequence[tuple[str, str]], reference: str) -> tuple[
        FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_],
        npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """(x1, n1, x2, n2, compared, reference labels, own) per panel × group × step: the
    group's passes and entrants, its reference's, whether it is compared, the reference's
    name, and whether the group is its own reference."""
    n_p, n_g = len(grid.panels), len(grid.groups)
    labels = grid.labels
    rule = check_reference(reference, labels)
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
    own_ref = np.stack(selfs, -1)
    compared = ~own_ref & ~np.isnan(n2)
    return x1, n1, x2, n2, compared, np.stack(refs, -1), own_ref


def fisher_p(x1: FloatArray, n1: FloatArray, x2: FloatArray, n2: FloatArray) -> FloatArray:
    """Two-sided Fisher exact p per comparison (1-D arrays of whole counts, n1, n2 > 0):
    every table, of any size, in one call of the vectorised exact routine
    (:func:`parity.core.stats.hypergeom.fisher_exact_pvalues`)."""
    return fisher_exact_pvalues(x1.astype(np.int64), n1.astype(np.int64),
                                x2.astype(np.int64), n2.astype(np.int64))


def _assess(parts: Sequence[tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                  npt.NDArray[np.bool_]]],
            ) -> list[dict[str, npt.NDArray[np.generic]]]:
    """Ratio, Koopman interval, Fisher p, BH q (one family per part), shortfall, power and
    verdict for the compared cells of every part, computed together."""
    outs: list[dict[str, npt.NDArray[np.generic]]] = []
    for x1, *_ in parts:
        out: dict[str, npt.NDArray[np.generic]] = {k: np.full(x1.shape, np.nan) for k in (
            "selection_ratio", "selection_ratio_low", "selection_ratio_high", "p_value",
            "q_value", "shortfall", "power")}
        out["verdict"] = np.full(x1.shape, None, dtype=object)
        outs.append(out)
    sizes = [int(compared.sum()) for *_, compared in parts]
    if not sum(sizes):
        return outs
    a, b, c, d = (np.concatenate([part[i][part[4]] for part in parts]) for i in range(4))
    p = np.full(a.shape, np.nan)
    valid = (b > 0) & (d > 0)
    p[valid] = fisher_p(a[valid], b[valid], c[valid], d[valid])
    bounds = np.cumsum([0, *sizes])
    q = np.concatenate([bh_adjust(p[lo:hi]) for lo, hi in pairwise(bounds)])
    ratio = np.asarray(selection_rate_ratio(a, b, c, d), dtype=np.float64)
    low, high = koopman_interval(a, b, c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ref = c / d
    power = np.asarray(power_for_air(b, d, p_ref), dtype=np.float64)
    values: dict[str, npt.NDArray[np.generic]] = {
        "selection_ratio": ratio, "selection_ratio_low": np.asarray(low),
        "selection_ratio_high": np.asarray(high), "p_value": p, "q_value": q,
        "shortfall": np.asarray(round_half_away(shortfall_vs_reference(a, b, c, d))),
        "power": power,
        "verdict": verdict_from_power(ratio, q, power)}
    for out, part, lo, hi in zip(outs, parts, bounds[:-1], bounds[1:], strict=True):
        for key, value in values.items():
            out[key][part[4]] = value[lo:hi]
    return outs


def _records(sections: Sequence[tuple[Grid, Sequence[str],
                                      dict[str, npt.NDArray[np.generic]]]]) -> list[pl.DataFrame]:
    """The record frames of several sections (grid, stage chain, columns), built as one frame
    and sliced (the sections share their key columns)."""
    keys: dict[str, list[object]] = {}
    data: dict[str, list[npt.NDArray[np.generic] | list[object]]] = {f: [] for f in FIELDS}
    heights = []
    for grid, chain, columns in sections:
        n_p, n_g = len(grid.panels), len(grid.groups)
        counts = np.stack([grid.column(s) for s in chain], -1)  # (P, G, C)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = counts / counts.sum(axis=1, keepdims=True)
        rows_p = np.repeat(np.arange(n_p), n_g * len(chain)).tolist()
        rows_g = np.tile(np.repeat(np.arange(n_g), len(chain)), n_p).tolist()
        rows_c = np.tile(np.arange(len(chain)), n_p * n_g).tolist()
        heights.append(len(rows_c))
        for j, col in enumerate(grid.panel_cols):
            keys.setdefault(col, []).extend(grid.panels[p][j] for p in rows_p)
        for j, col in enumerate(grid.group_cols):
            keys.setdefault(col, []).extend(grid.groups[g][j] for g in rows_g)
        data["stage"].append([chain[c] for c in rows_c])
        data["count"].append(counts.reshape(-1).astype(np.int64))
        data["share"].append(share.reshape(-1))
        for key, value in columns.items():
            blank = np.full((n_p, n_g, 1), np.nan if value.dtype.kind == "f" else None,
                            dtype=value.dtype)
            flat = np.concatenate([blank, value], axis=-1).reshape(-1)
            data[key].append(flat.tolist() if value.dtype.kind == "O" else flat)
    series = [pl.Series(col, values, strict=False) for col, values in keys.items()]
    for field in FIELDS:
        parts = data[field]
        joined: npt.NDArray[np.generic] | list[object] = (
            [v for part in parts for v in part] if isinstance(parts[0], list)
            else np.concatenate(parts))  # type: ignore[arg-type]
        series.append(_series(field, joined))
    frame = pl.DataFrame(series)
    starts = np.cumsum([0, *heights])
    return [frame.slice(int(lo), int(hi - lo)) for lo, hi in pairwise(starts)]


def _series(name: str, values: npt.NDArray[np.generic] | list[object]) -> pl.Series:
    """A record column: text, whole numbers (NaN → null) or floats (NaN → null)."""
    if isinstance(values, list):
        return pl.Series(name, values, dtype=pl.Utf8)
    if name in ("previous_count", "shortfall"):
        return pl.Series(name, values, nan_to_null=True).cast(pl.Int64)
    if values.dtype.kind == "f":
        return pl.Series(name, values, nan_to_null=True)
    return pl.Series(name, values)


#: Stable field order of a stage record after the panel and group keys.
FIELDS: tuple[str, ...] = (
    "stage", "count", "share", "previous_count", "pass_rate", "pass_rate_low",
    "pass_rate_high", "reference", "reference_pass_rate", "selection_ratio",
    "selection_ratio_low", "selection_ratio_high", "p_value", "q_value", "shortfall",
    "power", "verdict",
)
