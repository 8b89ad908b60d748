"""Rates published next to the counts, computed only from published counts.

A rate is shown only when every count it is computed from is published and its
denominator reaches the policy's minimum (20; 30 respondents for self-identification
shares); a selection-rate ratio only when both groups reach the minimum. Otherwise the
cell is empty. Since every input is itself published, a rate adds no information.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from parity.core.disclosure.policy import DisclosurePolicy
from parity.core.disclosure.tables import ALL, Derived

Row = dict[str, Any]


def min_denominator(d: Derived, rule: str, policy: DisclosurePolicy) -> int:
    """The smallest denominator for which ``d`` is shown."""
    if d.min_denominator is not None:
        return d.min_denominator
    if d.kind == "ratio_to_rest":
        return policy.min_ratio_group
    if rule == "selfid" and d.kind == "share":
        return policy.selfid_min_denominator
    return policy.min_rate_denominator


def _key(row: Row, dims: list[str], over: str | None = None, value: str = ALL) -> tuple:
    return tuple(value if d == over else row[d] for d in dims)


def _margin_less(index: dict[tuple, Row], dims: list[str], row: Row, d: Derived,
                 col: str) -> int | None:
    """The margin of ``row`` over ``d.over`` less the excluded categories, if published."""
    margin = index.get(_key(row, dims, d.over))
    if margin is None or margin[col] is None:
        return None
    total = int(margin[col])
    for ex in d.exclude:
        other = index.get(_key(row, dims, d.over, ex))
        if other is None:
            continue
        if other[col] is None:
            return None
        total -= int(other[col])
    return total


def compute_one(d: Derived, rows: list[Row], dims: list[str], minimum: int) -> list[float | None]:
    """The values of one derived column (None where not shown)."""
    index = {tuple(r[k] for k in dims): r for r in rows}
    out: list[float | None] = []
    for r in rows:
        value: float | None = None
        num = r[d.numerator]
        if d.kind == "row_rate":
            den = r[d.denominator] if d.denominator else None
            if num is not None and den is not None and den >= minimum:
                value = num / den
        elif d.kind == "share" and d.over is not None:
            if r[d.over] not in (ALL, *d.exclude) and num is not None:
                den = _margin_less(index, dims, r, d, d.numerator)
                if den is not None and den >= minimum:
                    value = num / den
        elif d.kind == "response_rate" and d.over is not None:
            if r[d.over] == ALL and num is not None:
                respondents = _margin_less(index, dims, r, d, d.numerator)
                if respondents is not None and num >= minimum:
                    value = respondents / num
        elif d.kind == "ratio_to_rest" and d.over is not None and d.denominator:
            margin = index.get(_key(r, dims, d.over))
            den = r[d.denominator]
            if r[d.over] != ALL and margin is not None and None not in (
                    num, den, margin[d.numerator], margin[d.denominator]):
                rest_num = margin[d.numerator] - num
                rest_den = margin[d.denominator] - den
                if min(den, rest_den) >= minimum and rest_num > 0:
                    value = (num / den) / (rest_num / rest_den)
        out.append(value)
    return out


def add_derived(frame: pl.DataFrame, dims: list[str], derived: list[Derived], rule: str,
                policy: DisclosurePolicy) -> pl.DataFrame:
    """Append every derived column to a published frame (nulls for suppressed counts)."""
    rows = frame.to_dicts()
    cols = {d.column: pl.Series(d.column, compute_one(d, rows, dims,
                                                      min_denominator(d, rule, policy)),
                                dtype=pl.Float64)
            for d in derived}
    return frame.with_columns(list(cols.values())) if cols else frame
