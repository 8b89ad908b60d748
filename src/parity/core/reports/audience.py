"""A report for an audience other than the analyst: every table under the disclosure rules.

The analyst sees the builder's figures. For the public, a Member State's delegation or an
entity's manager (the release audiences of :mod:`parity.core.disclosure`), each report
table is protected with the disclosure component itself, never a rule of its own:

- *count tables* (a table with ``counts``: one or more count columns over one dimension)
  are expanded with their margins (:func:`~parity.core.disclosure.tables.expand`), all
  linked into one system (a total shared by two tables is one cell), given primary cells
  by the policy's rules (:func:`primary_cells`) and complementary cells until every
  hidden cell is protected (:func:`protect`, with its linear-programming audit). A
  cumulative count (the year to date) is the margin of its new part (the month) and its
  earlier part (January to the month before), and the earlier part is taken as already
  published by the previous month's report: the month stays protected against a reader
  who subtracts two reports. A hidden count is shown empty; a share is shown only when its
  count and its total are shown and the total reaches ``min_rate_denominator``;
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
from typing import TYPE_CHECKING

import polars as pl

from parity.core.errors import UserInputError
from parity.core.reports.document import Document, Table

if TYPE_CHECKING:  # the disclosure component is imported only for protected audiences
    from parity.core.disclosure.policy import DisclosurePolicy
    from parity.core.disclosure.tables import Expanded, TableSpec
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
    from parity.core.disclosure.policy import release_audience

    role, _, scope = audience.partition(":")
    try:
        return release_audience(role, nationality=scope or None if role == "member_state"
                                else None, entity=scope or None if role == "manager" else None)
    except UserInputError:
        raise UserInputError(
            f"'{audience}' is not an audience of reports.",
            "Use analyst, public, member_state:ISO3 (e.g. member_state:KEN) or "
            "manager:ENTITY (e.g. manager:DPPA).") from None


#: The dimension that splits a cumulative count into its new part and its earlier part.
PERIOD = "period"
NEW, EARLIER = "new", "earlier"


def _specs(table: Table, universe: str) -> list[tuple[TableSpec, pl.DataFrame]]:
    """The release tables of a count table: one per cumulative column (its new part and
    its earlier part as the values of a ``period`` dimension, so the cumulative count is
    their margin) and one for the other count columns."""
    from parity.core.disclosure.tables import TableSpec

    dim = next(iter(table.dimensions))
    frame = table.frame.with_columns(pl.col(dim).cast(pl.Utf8))
    out: list[tuple[TableSpec, pl.DataFrame]] = []
    for big, small in table.cumulative.items():
        long = pl.concat([
            frame.select(dim, pl.lit(NEW).alias(PERIOD), pl.col(small).alias("n")),
            frame.select(dim, pl.lit(EARLIER).alias(PERIOD),
                         (pl.col(big) - pl.col(small)).alias("n"))])
        out.append((TableSpec(name=f"{table.key}:{big}", title=table.key, description="",
                              universe=f"{universe}:{big}", dims=(dim, PERIOD), counts=("n",),
                              additive=(dim, PERIOD), domains=((PERIOD, (NEW, EARLIER)),)),
                    long))
    plain = [c for c in table.counts if c not in table.cumulative
             and c not in table.cumulative.values()]
    if plain:
        out.append((TableSpec(name=table.key, title=table.key, description="",
                              universe=universe, dims=(dim,), counts=tuple(plain),
                              additive=(dim,)), frame.select(dim, *plain)))
    return out


def protect_counts(tables: Sequence[Table], universe: str, policy: DisclosurePolicy
                   ) -> dict[str, pl.DataFrame]:
    """Each count table's frame with its hidden counts null (and shares recomputed).

    The earlier part of a cumulative count is taken as already published (last month's
    report gave it): it is a known cell, never hidden, so a cell of the new part is
    protected against a reader who subtracts the two reports."""
    from parity.core.disclosure.auditor import link
    from parity.core.disclosure.suppression import primary_cells, protect
    from parity.core.disclosure.tables import ALL, CountTable, expand

    parts = {t.key: [expand(CountTable(spec, frame)) for spec, frame in _specs(t, universe)]
             for t in tables}
    expanded = [e for es in parts.values() for e in es]
    earlier = {cid for e in expanded for cid in e.ids.values()
               if (PERIOD, EARLIER) in cid[2]}
    system = link(expanded)
    primary = {c: r for c, r in primary_cells(expanded, policy).items() if c not in earlier}
    protection = protect(system, primary, policy, known=earlier, tables=expanded)

    def shown(e: Expanded, i: int, col: str) -> int | None:
        ok = protection.status.get(e.ids[(i, col)], "published") == "published"
        return int(e.frame[col][i]) if ok else None

    frames: dict[str, pl.DataFrame] = {}
    for t in tables:
        dim = next(iter(t.dimensions))
        cells: dict[tuple[str, str], int | None] = {}
        for e in parts[t.key]:
            rows = e.frame.iter_rows(named=True)
            for i, r in enumerate(rows):
                if PERIOD in e.spec.dims:
                    big = e.spec.name.rpartition(":")[2]
                    if r[PERIOD] == NEW:
                        cells[(str(r[dim]), t.cumulative[big])] = shown(e, i, "n")
                    elif r[PERIOD] == ALL:
                        cells[(str(r[dim]), big)] = shown(e, i, "n")
                else:
                    for c in e.spec.counts:
                        cells[(str(r[dim]), c)] = shown(e, i, c)
        keys = [str(v) for v in t.frame[dim].to_list()]
        frame = t.frame.with_columns(
            pl.Series(c, [cells.get((k, c)) for k in keys], dtype=pl.Int64) for c in t.counts)
        for c, share in t.count_shares.items():
            total = cells.get((ALL, c))
            ok = total is not None and policy.rate_allowed(total)
            frame = frame.with_columns(
                (pl.col(c) / total if ok and total else pl.lit(None, pl.Float64))
                .cast(pl.Float64).alias(share))
        frames[t.key] = frame
    return frames


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
    from parity.core.disclosure.policy import DisclosurePolicy

    policy = policy or DisclosurePolicy()
    count_tables = [t for s in document.sections for t in s.tables if t.counts]
    universe = f"report:{document.kind}:" + ",".join(
        f"{k}={v}" for k, v in document.parameters.items() if k != "audience")
    frames = protect_counts(count_tables, universe, policy) if count_tables else {}
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
