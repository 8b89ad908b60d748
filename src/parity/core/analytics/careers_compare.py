"""Group comparisons of a career flow, from its count table (no database here).

Input: a tidy count table with ``outcome``, the group dimensions, optional strata, the
events (``count``) and the exposure (staff-years for rates, a total for proportions).
Output: one tidy record per outcome and group with the rate and its interval, the ratio to
the reference and its interval, the exact test, the Mantel–Haenszel ratio within strata,
the Benjamini–Hochberg q-value over every comparison of the table (the family shown
together) and the verdict.

References (``reference``): ``"others"`` (each group against all other groups pooled, the
default), ``"best"`` (the group with the most favourable rate among groups with enough
exposure (100 staff-years, or 30 for proportions) and at least one event) or a group label
such as ``"WEOG"`` or ``"WEOG+F"`` for intersections (labels as in the funnel). ``"highest"``
is accepted for ``"best"``: for separations the most favourable rate is the lowest. The
reference group's own row has no ratio or verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from parity.core import model
from parity.core.analytics.careers_stats import (
    DIRECTION_TEXT,
    Direction,
    FloatArray,
    oriented,
    rate_power,
    rate_verdict,
    stratified_kind,
)
from parity.core.dimensions import LEVEL_ORDER
from parity.core.errors import UserInputError
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS
from parity.core.stats import (
    bh_adjust,
    classify_verdict,
    cmh_test,
    compare_crude_and_stratified,
    fisher_exact_p,
    koopman_interval,
    mh_rate_ratio,
    mh_risk_ratio,
    poisson_rate_interval,
    power_for_air,
    rate_ratio_exact,
    selection_rate_ratio,
    tables_from_counts,
    wilson_interval,
)

Kind = Literal["rate", "proportion"]
REFERENCE_OTHERS = "others"
REFERENCE_BEST = "best"
#: Other names of "best" (the funnel calls its most favourable group "highest").
BEST_ALIASES: tuple[str, ...] = ("best", "highest")
SEPARATOR = "+"
#: Exposure a group needs to be the "best" reference.
BEST_MINIMUM: dict[str, float] = {"rate": 100.0, "proportion": 30.0}
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


def _reference(grid: _Grid, reference: str, kind: Kind,
               direction: Direction) -> tuple[FloatArray, FloatArray, list[str], np.ndarray]:
    """Reference counts per group (G × K), the reference's label and the reference rows."""
    g_count = len(grid.groups)
    labels = [label(g) for g in grid.groups]
    is_ref = np.zeros(g_count, dtype=bool)
    if reference.lower() == REFERENCE_OTHERS:
        xr = grid.x.sum(axis=0, keepdims=True) - grid.x
        nr = grid.n.sum(axis=0, keepdims=True) - grid.n
        return xr, nr, ["all others"] * g_count, is_ref
    if reference.lower() in BEST_ALIASES:
        nt, xt = grid.n.sum(axis=1), grid.x.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(nt > 0, xt / nt, np.nan)
        usable = np.isfinite(rate) & (xt > 0)
        eligible = usable & (nt >= BEST_MINIMUM[kind])
        if not eligible.any():
            eligible = usable
        if not eligible.any():
            idx = 0
        else:
            score = np.where(eligible, rate if direction == "lower" else -rate, -np.inf)
            idx = int(np.argmax(score))
    else:
        wanted = reference.strip().lower()
        matches = [i for i, lab in enumerate(labels) if lab.lower() == wanted]
        if not matches:
            return (np.zeros_like(grid.x), np.zeros_like(grid.n), [reference] * g_count,
                    is_ref)
        idx = matches[0]
    is_ref[idx] = True
    xr = np.broadcast_to(grid.x[idx], grid.x.shape).copy()
    nr = np.broadcast_to(grid.n[idx], grid.n.shape).copy()
    return xr, nr, [labels[idx]] * g_count, is_ref


def check_reference(counts: pl.DataFrame, dims: Sequence[str], reference: str) -> None:
    """A UserInputError when ``reference`` is a label that names no group."""
    if reference.lower() in (REFERENCE_OTHERS, *BEST_ALIASES) or counts.height == 0:
        return
    labels = sorted({label(r) for r in counts.select(dims).unique().rows()}) if dims else ["all"]
    if reference.strip().lower() not in {lab.lower() for lab in labels}:
        shown = ", ".join(labels[:12]) + (", …" if len(labels) > 12 else "")
        raise UserInputError(
            f"The reference group '{reference}' is not among the groups of this table.",
            f"Use 'others', 'best' (or 'highest') or one of: {shown}.",
        )


def compare(counts: pl.DataFrame, dims: Sequence[str], strata: Sequence[str], *,
            kind: Kind, exposure: str, outcomes: Sequence[str],
            directions: Mapping[str, Direction], reference: str = REFERENCE_OTHERS,
            alpha: float = ALPHA, threshold: float = THRESHOLD) -> pl.DataFrame:
    """Tidy comparison records for every outcome and group (see the module docstring)."""
    check_reference(counts, dims, reference)
    parts: list[dict[str, Any]] = []
    for grid in _grids(counts, dims, strata, exposure, outcomes):
        direction = directions[grid.outcome]
        xr, nr, ref_labels, is_ref = _reference(grid, reference, kind, direction)
        x1, n1, x2, n2 = grid.x.sum(1), grid.n.sum(1), xr.sum(1), nr.sum(1)
        part: dict[str, Any] = {
            "outcome": [grid.outcome] * len(grid.groups),
            "groups": grid.groups, "x1": x1, "n1": n1, "x2": x2, "n2": n2,
            "is_ref": is_ref, "reference": ref_labels, "direction": direction,
        }
        part |= (_rate_stats(grid.x, grid.n, xr, nr, direction, alpha, threshold)
                 if kind == "rate" else _proportion_stats(grid.x, grid.n, xr, nr, alpha, threshold))
        parts.append(part)
    return _assemble(parts, dims, strata, kind, exposure, outcomes, alpha, threshold)


def _rate_stats(x: FloatArray, n: FloatArray, xr: FloatArray, nr: FloatArray,
                direction: Direction, alpha: float, threshold: float) -> dict[str, Any]:
    x1, n1, x2, n2 = x.sum(1), n.sum(1), xr.sum(1), nr.sum(1)
    lo, hi = poisson_rate_interval(x1, n1, alpha)
    rr = rate_ratio_exact(x1, n1, x2, n2, alpha)
    mh = mh_rate_ratio(x, n, xr, nr, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = np.where(n2 > 0, x2 / n2, np.nan)
        rate = np.where(n1 > 0, x1 / n1, np.nan)
    rho = threshold if direction == "lower" else 1.0 / threshold
    return {"rate": rate, "lo": np.asarray(lo), "hi": np.asarray(hi), "ref_rate": ref_rate,
            "ratio": np.asarray(rr.ratio), "r_lo": np.asarray(rr.lower),
            "r_hi": np.asarray(rr.upper), "p": np.asarray(rr.pvalue),
            "mh": np.asarray(mh.estimate), "mh_lo": np.asarray(mh.lower),
            "mh_hi": np.asarray(mh.upper), "mh_p": np.asarray(mh.pvalue),
            "power": rate_power(n1, n2, ref_rate, rho, alpha)}


def _proportion_stats(x: FloatArray, n: FloatArray, xr: FloatArray, nr: FloatArray,
                      alpha: float, threshold: float) -> dict[str, Any]:
    x1, n1, x2, n2 = x.sum(1), n.sum(1), xr.sum(1), nr.sum(1)
    lo, hi = (np.clip(np.asarray(v, dtype=np.float64), 0.0, 1.0)
              for v in wilson_interval(x1, n1, alpha))
    ok = (n1 > 0) & (n2 > 0)
    a, b = np.where(ok, x1, 0.0), np.where(ok, n1, 1.0)
    c, d = np.where(ok, x2, 0.0), np.where(ok, n2, 1.0)
    air = np.where(ok, selection_rate_ratio(a, b, c, d), np.nan)
    k_lo, k_hi = koopman_interval(a, b, c, d, alpha)
    p = np.where(ok, fisher_exact_p(a, b, c, d), np.nan)
    tables = tables_from_counts(x, n, xr, nr)
    mh = mh_risk_ratio(tables, alpha)
    mh_p = np.asarray(cmh_test(tables).pvalue)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = np.where(n2 > 0, x2 / n2, np.nan)
        rate = np.where(n1 > 0, x1 / n1, np.nan)
    return {"rate": rate, "lo": np.asarray(lo), "hi": np.asarray(hi), "ref_rate": ref_rate,
            "ratio": air, "r_lo": np.where(ok, k_lo, np.nan), "r_hi": np.where(ok, k_hi, np.nan),
            "p": p, "mh": np.asarray(mh.estimate), "mh_lo": np.asarray(mh.lower),
            "mh_hi": np.asarray(mh.upper), "mh_p": mh_p,
            "power": np.asarray(power_for_air(n1, n2, ref_rate, threshold, alpha)),
            "tables": tables}


def _assemble(parts: list[dict[str, Any]], dims: Sequence[str], strata: Sequence[str],
              kind: Kind, exposure: str, outcomes: Sequence[str], alpha: float,
              threshold: float) -> pl.DataFrame:
    if not parts:
        return _empty(dims, strata, exposure)

    def cat(key: str) -> np.ndarray:
        return np.concatenate([np.asarray(p[key], dtype=np.float64) for p in parts])

    is_ref = np.concatenate([p["is_ref"] for p in parts])
    test_p = cat("mh_p") if strata else cat("p")
    test_p = np.where(is_ref | ~np.isfinite(test_p), np.nan, test_p)
    q = bh_adjust(test_p)
    crude = np.concatenate([oriented(p["ratio"], p["direction"]) for p in parts])
    pooled = np.concatenate([oriented(p["mh"], p["direction"]) for p in parts])
    impact = pooled if strata else crude
    power = cat("power")
    if kind == "rate":
        raw = rate_verdict(impact, q, power, threshold=threshold, q_threshold=alpha)
    else:
        raw = classify_verdict(impact, q, cat("n1"), cat("n2"), cat("ref_rate"),
                               air_threshold=threshold, q_threshold=alpha).astype(object)
    verdict = [None if r else str(v) for r, v in zip(is_ref, raw, strict=True)]
    groups = [g for p in parts for g in p["groups"]]
    columns: dict[str, Any] = {"outcome": [o for p in parts for o in p["outcome"]]}
    for i, d in enumerate(dims):
        columns[d] = [g[i] for g in groups]
    columns |= {
        "count": cat("x1"), exposure: cat("n1"), "rate": cat("rate"),
        "rate_low": cat("lo"), "rate_high": cat("hi"),
        "reference": [r for p in parts for r in p["reference"]],
        "reference_rate": cat("ref_rate"), "ratio": cat("ratio"),
        "ratio_low": cat("r_lo"), "ratio_high": cat("r_hi"), "p_value": cat("p"),
    }
    if strata:
        columns |= {"mh_ratio": cat("mh"), "mh_ratio_low": cat("mh_lo"),
                    "mh_ratio_high": cat("mh_hi"), "mh_p_value": cat("mh_p")}
        kinds = _kinds(parts, crude, pooled, kind, alpha, threshold)
        columns |= {"stratified": [k[0] for k in kinds], "stratified_note": [k[1] for k in kinds]}
    columns |= {"q_value": q, "power": power, "verdict": verdict,
                "direction": [DIRECTION_TEXT[p["direction"]] for p in parts
                              for _ in p["groups"]]}
    frame = pl.DataFrame(columns, nan_to_null=True, strict=False)
    ref_mask = pl.Series(is_ref)
    frame = frame.with_columns(
        pl.col("count").cast(pl.Int64),
        *[pl.when(ref_mask).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("ratio", "ratio_low", "ratio_high", "p_value", "power",
                    *(("mh_ratio", "mh_ratio_low", "mh_ratio_high", "mh_p_value")
                      if strata else ()))],
    )
    if kind == "proportion":
        frame = frame.with_columns(pl.col(exposure).cast(pl.Int64))
    frame = frame.with_columns(_share(frame, dims).alias("share"))
    front = ["outcome", *dims, "count", exposure, "share"]
    frame = frame.select(*front, *[c for c in frame.columns if c not in front])
    return sort_frame(frame, dims, first=("outcome", outcomes))


def _kinds(parts: list[dict[str, Any]], crude: FloatArray, pooled: FloatArray, kind: Kind,
           alpha: float, threshold: float) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = []
    i = 0
    for p in parts:
        for j in range(len(p["groups"])):
            if p["is_ref"][j]:
                out.append((None, None))
            elif kind == "proportion":
                c = compare_crude_and_stratified(p["tables"][j], alpha, threshold)
                out.append((c.kind, c.message))
            else:
                out.append(stratified_kind(float(crude[i]), float(p["p"][j]),
                                           float(pooled[i]), float(p["mh_p"][j]),
                                           alpha, threshold))
            i += 1
    return out


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
