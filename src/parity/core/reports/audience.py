"""A report for an audience other than the analyst: every table under the disclosure rules.

The analyst sees the builder's figures. For the public, a Member State's delegation or an
entity's manager (the release audiences of :mod:`parity.core.disclosure`), each report
table is protected with the disclosure component itself, never a rule of its own:

- *count tables* (a table with ``counts``: one or more count columns over one dimension)
  are expanded with their margins (:func:`~parity.core.disclosure.tables.expand`), all
  linked into one system (a total shared by two tables is one cell; a period inside
  another, such as the month inside the year to date, is an order constraint), given
  primary cells by the policy's rules (:func:`primary_cells`) and complementary cells
  until every hidden cell is protected (:func:`protect`, with its linear-programming
  audit). A hidden count is shown empty; a share is shown only when its count and its
  total are shown and the total reaches the policy's ``min_rate_denominator``;
- *comparison tables* (the funnel's verdicts) keep only the group, the stage and the
  verdict, and only where both groups compared have at least ``min_ratio_group``
  applicants at that stage: the policy's rule for ratios; their counts and rates are not
  shown;
- *timeline tables* keep a count only outside 1 … threshold-1, and their median and share
  within the target only on at least ``min_rate_denominator`` openings.

The sentences are written again from the protected tables by the ``rewrite`` hook of the
report's kind (:class:`~parity.core.reports.kinds.ReportKind`), so a sentence never
states what its table hides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import polars as pl

from parity.core.disclosure.auditor import link
from parity.core.disclosure.policy import DisclosurePolicy, release_audience
from parity.core.disclosure.suppression import primary_cells, protect
from parity.core.disclosure.tables import ALL, CountTable, Expanded, TableSpec, expand
from parity.core.errors import UserInputError
from parity.core.reports.document import Document, Table
from parity.core.store import Store

ANALYST = "analyst"


def check_audience(audience: str) -> None:
    """One clear sentence for an audience that is not analyst, public, member_state:ISO3
    or manager:ENTITY."""
    parse(audience)


def parse(audience: str) -> object | None:
    """The disclosure audience of ``audience`` (None for the analyst)."""
    if audience == ANALYST:
        return None
    role, _, scope = audience.partition(":")
    try:
        return release_audience(role, nationality=scope or None if role == "member_state"
                                else None, entity=scope or None if role == "manager" else None)
    except UserInputError:
        raise UserInputError(
            f"'{audience}' is not an audience of reports.",
            "Use analyst, public, member_state:ISO3 (e.g. member_state:KEN) or "
            "manager:ENTITY (e.g. manager:DPPA).") from None


def _spec(table: Table, universe: str) -> TableSpec:
    dim = next(iter(table.dimensions))
    return TableSpec(name=table.key, title=table.key, description="", universe=universe,
                     dims=(dim,), counts=tuple(table.counts), additive=(dim,),
                     order=tuple(table.order))


def protect_counts(tables: Sequence[Table], universe: str, policy: DisclosurePolicy
                   ) -> tuple[dict[str, pl.DataFrame], dict[str, dict[str, int | None]]]:
    """Each count table's frame with its hidden counts null, and each table's margins
    (count column → total, None when hidden)."""
    expanded: list[Expanded] = []
    for t in tables:
        dim = next(iter(t.dimensions))
        frame = t.frame.select(dim, *t.counts).with_columns(pl.col(dim).cast(pl.Utf8))
        expanded.append(expand(CountTable(_spec(t, universe), frame)))
    system = link(expanded)
    primary = primary_cells(expanded, policy)
    protection = protect(system, primary, policy, tables=expanded)
    frames: dict[str, pl.DataFrame] = {}
    totals: dict[str, dict[str, int | None]] = {}
    for t, e in zip(tables, expanded, strict=True):
        dim = next(iter(t.dimensions))
        shown: dict[tuple[str, str], int | None] = {}
        for (i, col), cid in e.ids.items():
            ok = protection.status.get(cid, "published") == "published"
            shown[(str(e.frame[dim][i]), col)] = int(e.frame[col][i]) if ok else None
        totals[t.key] = {c: shown.get((ALL, c)) for c in t.counts}
        keys = [str(v) for v in t.frame[dim].to_list()]
        frame = t.frame.with_columns(
            pl.Series(c, [shown.get((k, c)) for k in keys], dtype=pl.Int64) for c in t.counts)
        for c, share in t.count_shares.items():
            total = totals[t.key][c]
            ok = total is not None and policy.rate_allowed(total)
            frame = frame.with_columns(
                (pl.col(c) / total if ok and total else pl.lit(None, pl.Float64))
                .cast(pl.Float64).alias(share))
        frames[t.key] = frame
    return frames, totals


def protect_comparison(table: Table, policy: DisclosurePolicy) -> pl.DataFrame:
    """Verdicts only where the ratio rule allows them; no counts nor rates."""
    keep = [c for c in table.frame.columns if c in table.dimensions]
    f = table.frame
    allowed = [policy.ratio_allowed(a, b) for a, b in zip(
        f["previous_count"].to_list(), f["reference_previous_count"].to_list(), strict=True)]
    return f.filter(pl.Series(allowed, dtype=pl.Boolean)).select(keep)


def protect_timeline(table: Table, policy: DisclosurePolicy) -> pl.DataFrame:
    n = pl.col("openings")
    rate_ok = n >= policy.min_rate_denominator
    return table.frame.with_columns(
        pl.when(n.is_between(1, policy.threshold - 1)).then(None).otherwise(n).alias("openings"),
        *(pl.when(rate_ok).then(pl.col(c)).otherwise(None).alias(c)
          for c in table.frame.columns if c in ("median_days", "within_target")))


def for_audience(store: Store, document: Document, audience: str,
                 policy: DisclosurePolicy | None = None,
                 rewrite: Callable[[Document], Document] | None = None) -> Document:
    """``document`` as ``audience`` may see it (unchanged for the analyst); ``rewrite``
    writes its sentences again from the protected tables."""
    target = parse(audience)
    if target is None:
        return document
    policy = policy or DisclosurePolicy()
    count_tables = [t for s in document.sections for t in s.tables if t.counts]
    universe = f"report:{document.kind}:" + ",".join(
        f"{k}={v}" for k, v in document.parameters.items() if k != "audience")
    frames, _totals = protect_counts(count_tables, universe, policy) if count_tables else ({}, {})
    sections = []
    for s in document.sections:
        tables = []
        for t in s.tables:
            if t.counts:
                frame = frames[t.key]
            elif t.protection == "comparison":
                frame = protect_comparison(t, policy)
            elif t.protection == "timeline":
                frame = protect_timeline(t, policy)
            elif t.protection == "released":  # read from a release made for this audience
                frame = t.frame
            else:
                raise ValueError(f"Table {t.key} declares no protection for other audiences.")
            columns = {c: h for c, h in t.columns.items() if c in frame.columns}
            tables.append(dataclasses.replace(t, frame=frame, columns=columns))
        sections.append(dataclasses.replace(s, tables=tuple(tables)))
    protected = dataclasses.replace(document, sections=tuple(sections), audience=audience,
                                    parameters={**document.parameters, "audience": audience})
    return rewrite(protected) if rewrite is not None else protected
