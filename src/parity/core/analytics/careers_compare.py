"""Group comparisons of a career flow, from its count table (no database here).

Input: a tidy count table with ``outcome``, the group dimensions, optional strata, the
events (``count``) and the exposure (staff-years for rates, a total for proportions).
Output: one tidy record per outcome and group with the rate and its interval, the ratio to
the reference and its interval, the exact test, the Mantel–Haenszel ratio within strata,
the Benjamini–Hochberg q-value over every comparison of the table (the family shown
together) and the verdict.

Every statistic comes from the one comparison routine shared with the funnel,
:func:`parity.core.analytics.compare.compare_blocks` (one block per outcome, the whole
table one Benjamini–Hochberg family), with its reference rules: ``"others"`` (each group
against all other groups pooled, the default), ``"best"`` (the same rule as the funnel's
``"highest"``, which is accepted too: the group with the most favourable rate, the lowest
for separations, among groups with at least
:data:`~parity.core.analytics.compare.MIN_REFERENCE` staff-years or applications and at
least one event; no fallback) or a group label such as ``"WEOG"`` or ``"WEOG+F"`` for
intersections (labels as in the funnel). The reference group's own row has no ratio or
verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core import model
from parity.core.analytics.careers_stats import DIRECTION_TEXT, Direction, FloatArray
from parity.core.analytics.compare import (
    HIGHEST_ALIASES,
    OTHERS,
    SEPARATOR,
    Block,
    ComparisonReport,
    Kind,
    compare_blocks,
)
from parity.core.analytics.compare import check_reference as compare_check
from parity.core.dimensions import LEVEL_ORDER
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS

REFERENCE_OTHERS = OTHERS
REFERENCE_BEST = "best"
#: Names of the most favourable group ("best" here, "highest" in the funnel): one rule.
BEST_ALIASES: tuple[str, ...] = HIGHEST_ALIASES
__all__ = ["BEST_ALIASES", "REFERENCE_BEST", "REFERENCE_OTHERS", "SEPARATOR", "check_reference",
           "compare", "label", "sort_frame"]
THRESHOLD = 0.8
ALPHA = 0.05

_ORDERS: dict[str, tuple[str, ...]] = {
    "regional_group": (*REGIONAL_GROUPS, NON_MEMBER_GROUP),
    "grade": model.GRADES,
    "level_band": LEVEL_ORDER,
    "category": tuple(model.CATEGORIES),
    "gender": model.GENDERS,
    "appointment_type": model.APPOINTMENT_TYPES,
}


def label(values: Sequence[Any]) -> str:
    """A group's label: its values joined by '+' (null = 'unknown'), as in the funnel."""
    def one(v: Any) -> str:
        if v is None:
            return "unknown"
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)
    return SEPARATOR.join(one(v) for v in values) if values else "all"


def sort_frame(frame: pl.DataFrame, keys: Sequence[str],
               first: tuple[str, Sequence[str]] | None = None) -> pl.DataFrame:
    """Sort by ``keys``, code lists in their documented order, others alphabetically."""
    exprs: list[pl.Expr] = []
    sort_by: list[str] = []
    if first is not None:
        name, order = first
        exprs.append(pl.col(name).replace_strict({v: i for i, v in enumerate(order)},
                                                 default=len(order), return_dtype=pl.Int64)
                     .alias("_o_first"))
        sort_by.append("_o_first")
    for i, key in enumerate(keys):
        codes = _ORDERS.get(key)
        if codes is not None and frame.schema[key] == pl.Utf8:
            exprs.append(pl.col(key).replace_strict({v: j for j, v in enumerate(codes)},
                                                    default=len(codes), return_dtype=pl.Int64)
                         .alias(f"_o{i}"))
            sort_by.append(f"_o{i}")
        sort_by.append(key)
    out = frame.with_columns(exprs) if exprs else frame
    return out.sort(sort_by, nulls_last=True).drop([c for c in sort_by if c.startswith("_o")])


@dataclass
class _Grid:
    """One outcome's counts as arrays: groups × strata."""

    outcome: str
    groups: list[tuple[Any, ...]]
    x: FloatArray
    n: FloatArray


def _grids(counts: pl.DataFrame, dims: Sequence[str], strata: Sequence[str],
           exposure: str, outcomes: Sequence[str]) -> list[_Grid]:
    grids: list[_Grid] = []
    for outcome in outcomes:
        part = counts.filter(pl.col("outcome") == outcome)
        if part.height == 0:
            continue
        gkeys = sort_frame(part.select(dims).unique(), dims).rows() if dims else [()]
        skeys = part.select(strata).unique().rows() if strata else [()]
        gi = {k: i for i, k in enumerate(gkeys)}
        si = {k: i for i, k in enumerate(skeys)}
        x = np.zeros((len(gkeys), len(skeys)))
        n = np.zeros((len(gkeys), len(skeys)))
        for row in part.select(*dims, *strata, "count", exposure).rows():
            g = gi[tuple(row[: len(dims)])]
            s = si[tuple(row[len(dims): len(dims) + len(strata)])]
            x[g, s] += row[-2] or 0
            n[g, s] += row[-1] or 0
        grids.append(_Grid(outcome, gkeys, x, n))
    return grids


def check_reference(counts: pl.DataFrame, dims: Sequence[str], reference: str) -> None:
    """A UserInputError when ``reference`` is a label that names no group of the table."""
    if counts.height == 0:
        return
    labels = sorted({label(r) for r in counts.select(dims).unique().rows()}) if dims else ["all"]
    compare_check(reference, labels)


def compare(counts: pl.DataFrame, dims: Sequence[str], strata: Sequence[str], *,
            kind: Kind, exposure: str, outcomes: Sequence[str],
            directions: Mapping[str, Direction], reference: str = REFERENCE_OTHERS,
            alpha: float = ALPHA, threshold: float = THRESHOLD) -> pl.DataFrame:
    """Tidy comparison records for every outcome and group (see the module docstring)."""
    check_reference(counts, dims, reference)
    grids = _grids(counts, dims, strata, exposure, outcomes)
    blocks = [Block(grid.x[None], grid.n[None], [label(g) for g in grid.groups],
                    direction=directions[grid.outcome]) for grid in grids]
    reports = compare_blocks(blocks, kind=kind, reference=reference,
                             stratified=bool(strata), alpha=alpha, threshold=threshold,
                             absent_reference="none")
    return _assemble(grids, reports, dims, strata, exposure, outcomes)


def _assemble(grids: list[_Grid], reports: list[ComparisonReport], dims: Sequence[str],
              strata: Sequence[str], exposure: str, outcomes: Sequence[str]) -> pl.DataFrame:
    if not grids:
        return _empty(dims, strata, exposure)
    kind = reports[0].kind

    def cat(values: Sequence[npt.NDArray[np.generic]], text: bool = False) -> Any:
        joined = np.concatenate([np.asarray(v)[0] for v in values])
        return joined.tolist() if text else joined.astype(np.float64)

    groups = [g for grid in grids for g in grid.groups]
    columns: dict[str, Any] = {"outcome": [grid.outcome for grid in grids
                                           for _ in grid.groups]}
    for i, d in enumerate(dims):
        columns[d] = [g[i] for g in groups]
    by = [r.by_group for r in reports]
    ratio = [r.ratio for r in reports]
    columns |= {
        "count": cat([b["count"] for b in by]), exposure: cat([b["n"] for b in by]),
        "rate": cat([b["rate"] for b in by]), "rate_low": cat([b["rate_low"] for b in by]),
        "rate_high": cat([b["rate_high"] for b in by]),
        "reference": cat([r.reference for r in reports], text=True),
        "reference_rate": cat([r.reference_rate for r in reports]),
        "ratio": cat([q["ratio"] for q in ratio]),
        "ratio_low": cat([q["ratio_low"] for q in ratio]),
        "ratio_high": cat([q["ratio_high"] for q in ratio]),
        "p_value": cat([q["p_value"] for q in ratio]),
    }
    if strata:
        for key in ("mh_ratio", "mh_ratio_low", "mh_ratio_high"):
            columns[key] = cat([r.strata[key] for r in reports])
        columns["mh_p_value"] = cat([r.strata["mh_p_value"] for r in reports])
        columns["stratified"] = cat([r.strata["stratified"] for r in reports], text=True)
        columns["stratified_note"] = cat([r.strata["stratified_note"] for r in reports],
                                         text=True)
    columns |= {"q_value": cat([q["q_value"] for q in ratio]),
                "power": cat([q["power"] for q in ratio]),
                "verdict": cat([r.verdicts for r in reports], text=True),
                "direction": [DIRECTION_TEXT[r.direction] for r in reports
                              for _ in r.labels]}
    frame = pl.DataFrame(columns, nan_to_null=True, strict=False)
    frame = frame.with_columns(pl.col("count").cast(pl.Int64),
                               *[pl.col(c).cast(pl.Utf8) for c in
                                 ("reference", "verdict",
                                  *(("stratified", "stratified_note") if strata else ()))])
    if kind == "proportion":
        frame = frame.with_columns(pl.col(exposure).cast(pl.Int64))
    frame = frame.with_columns(_share(frame, dims).alias("share"))
    front = ["outcome", *dims, "count", exposure, "share"]
    frame = frame.select(*front, *[c for c in frame.columns if c not in front])
    return sort_frame(frame, dims, first=("outcome", outcomes))


def _share(frame: pl.DataFrame, dims: Sequence[str]) -> pl.Expr:
    """Count over the outcome's total; with regional groups, over the five groups only."""
    if "regional_group" in dims:
        member = pl.col("regional_group").is_in(list(REGIONAL_GROUPS))
        total = pl.when(member).then(pl.col("count")).otherwise(0).sum().over("outcome")
        return pl.when(member & (total > 0)).then(pl.col("count") / total)
    total = pl.col("count").sum().over("outcome")
    return pl.when(total > 0).then(pl.col("count") / total)


def _empty(dims: Sequence[str], strata: Sequence[str], exposure: str) -> pl.DataFrame:
    schema: dict[str, Any] = {"outcome": pl.Utf8, **{d: pl.Utf8 for d in dims},
                              "count": pl.Int64, exposure: pl.Float64, "share": pl.Float64}
    for c in ("rate", "rate_low", "rate_high"):
        schema[c] = pl.Float64
    schema["reference"] = pl.Utf8
    for c in ("reference_rate", "ratio", "ratio_low", "ratio_high", "p_value"):
        schema[c] = pl.Float64
    if strata:
        schema |= {c: pl.Float64
                   for c in ("mh_ratio", "mh_ratio_low", "mh_ratio_high", "mh_p_value")}
        schema |= {"stratified": pl.Utf8, "stratified_note": pl.Utf8}
    schema |= {"q_value": pl.Float64, "power": pl.Float64, "verdict": pl.Utf8,
               "direction": pl.Utf8}
    return pl.DataFrame(schema=schema)
