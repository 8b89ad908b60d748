"""Statistics per group × stage, vectorised over the funnel's count table.

The count table is laid out as a dense array ``(panels, groups, stages)`` (a panel is a
year in a trend, or the whole period). The comparisons are those of the one comparison
routine, :func:`parity.core.analytics.compare.compare_blocks` (kind ``proportion``): each
step × panel chooses its reference by the rules documented there (``others``, ``highest``
with at least :data:`MIN_REFERENCE` applications entering the stage and no fallback, or a
fixed group), and the whole page of comparisons is one Benjamini–Hochberg family.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.analytics.compare import (
    HIGHEST,
    MIN_REFERENCE,
    OTHERS,
    OTHERS_LABEL,
    SEPARATOR,
    Block,
    check_reference,
    compare_blocks,
)
from parity.core.analytics.funnel_dims import UNKNOWN, order_of

__all__ = ["HIGHEST", "MIN_REFERENCE", "OTHERS", "OTHERS_LABEL", "SEPARATOR", "Grid",
           "build_grid", "check_reference", "group_label", "stage_sections",
           "stage_statistics"]
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


def stage_statistics(grid: Grid, steps: Sequence[tuple[str, str]],
                     reference: str) -> pl.DataFrame:
    """One record per panel × group × stage (documented in docs/funnel.md).

    ``steps`` lists (stage, previous stage) pairs; ``grid.stages[0]`` gets counts and
    shares only. All comparisons of the grid form one Benjamini–Hochberg family.
    """
    return stage_sections([(grid, steps)], reference)[0]


def stage_blocks(grid: Grid, steps: Sequence[tuple[str, str]], family: int = 0) -> Block:
    """The grid's comparisons as one block of :func:`compare_blocks`: one panel per
    step × grid panel (each chooses its reference), no strata."""
    x = np.stack([grid.column(s) for s, _ in steps])  # (S, P, G)
    n = np.stack([grid.column(p) for _, p in steps])
    shape = (x.shape[0] * x.shape[1], x.shape[2], 1)
    return Block(x.reshape(shape), n.reshape(shape), grid.labels, family=family)


def stage_sections(sections: Sequence[tuple[Grid, Sequence[tuple[str, str]]]],
                   reference: str) -> list[pl.DataFrame]:
    """:func:`stage_statistics` of several sections (the funnel and the roster flow), each
    its own Benjamini–Hochberg family, with every statistic one vectorised call of
    :func:`parity.core.analytics.compare.compare_blocks` over all sections."""
    blocks = [stage_blocks(grid, steps, i) for i, (grid, steps) in enumerate(sections)]
    reports = compare_blocks(blocks, kind="proportion", reference=reference)
    records = []
    for (grid, steps), report in zip(sections, reports, strict=True):
        n_p, n_g = len(grid.panels), len(grid.groups)

        def back(value: npt.NDArray[np.generic], n_s: int = len(steps),
                 n_p: int = n_p, n_g: int = n_g) -> npt.NDArray[np.generic]:
            """(S·P, G) → (P, G, S)."""
            return np.moveaxis(value.reshape(n_s, n_p, n_g), 0, -1)

        by, ratio = report.by_group, report.ratio
        columns: dict[str, npt.NDArray[np.generic]] = {
            "previous_count": back(by["n"]), "pass_rate": back(by["rate"]),
            "pass_rate_low": back(by["rate_low"]), "pass_rate_high": back(by["rate_high"]),
            "reference": back(report.reference), "reference_pass_rate":
            back(report.reference_rate), "selection_ratio": back(ratio["ratio"]),
            "selection_ratio_low": back(ratio["ratio_low"]),
            "selection_ratio_high": back(ratio["ratio_high"]),
            "p_value": back(ratio["p_value"]), "q_value": back(ratio["q_value"]),
            "shortfall": back(report.difference["shortfall"]),
            "shortfall_persons": back(report.difference["shortfall_persons"]),
            "power": back(ratio["power"]), "verdict": back(report.verdicts)}
        records.append((grid, [grid.stages[0], *(s for s, _ in steps)], columns))
    # Sections with the same key columns make one frame, sliced afterwards.
    frames: list[pl.DataFrame | None] = [None] * len(records)
    kinds = [(g.panel_cols, g.group_cols) for g, _, _ in records]
    for kind in dict.fromkeys(kinds):
        same = [i for i, k in enumerate(kinds) if k == kind]
        for i, frame in zip(same, _records([records[i] for i in same]), strict=True):
            frames[i] = frame
    return [f for f in frames if f is not None]


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
    if name in ("previous_count", "shortfall_persons"):
        return pl.Series(name, values, nan_to_null=True).cast(pl.Int64)
    if values.dtype.kind == "f":
        return pl.Series(name, values, nan_to_null=True)
    return pl.Series(name, values)


#: Stable field order of a stage record after the panel and group keys.
FIELDS: tuple[str, ...] = (
    "stage", "count", "share", "previous_count", "pass_rate", "pass_rate_low",
    "pass_rate_high", "reference", "reference_pass_rate", "selection_ratio",
    "selection_ratio_low", "selection_ratio_high", "p_value", "q_value", "shortfall",
    "shortfall_persons", "power", "verdict",
)
