"""Recruitment funnel equity: every group at every stage, with sound statistics.

:func:`funnel_report` counts once (:mod:`~parity.core.analytics.funnel_counts`) and derives
every section from that count table:

* ``stages``: one record per group × stage: count, share, pass rate from the previous
  stage (Wilson interval), selection-rate ratio against the reference (Koopman score
  interval), Fisher exact p, Benjamini–Hochberg q over the page, shortfall in persons,
  power and verdict (:mod:`~parity.core.analytics.funnel_stats`);
* ``roster``: selections from ``recruit_from_roster`` openings as their own flow
  (received → selected), never mixed into the stage rates;
* ``stratified`` (``strata=``): CMH, Mantel–Haenszel odds and risk ratios, Breslow–Day and
  the crude-versus-stratified sentence (:mod:`~parity.core.analytics.funnel_strata`);
* ``decomposition`` and ``summary`` (``decompose=True``): which stage opens the gap
  (:mod:`~parity.core.analytics.funnel_decomposition`);
* ``trend`` and ``trend_tests`` (``trend=True``): per posting year, and Cochran–Armitage
  (:mod:`~parity.core.analytics.funnel_trend`).

Field names are documented in docs/funnel.md and stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from parity.core import model
from parity.core.analytics.funnel_counts import ROSTER_KEY, STAGES, CountRequest, count_table
from parity.core.analytics.funnel_decomposition import decomposition
from parity.core.analytics.funnel_dims import (
    DIMENSIONS,
    SELF_ID_EXAMPLES,
    Filter,
    canonical,
    parse_filters,
    unknown_dimension,
)
from parity.core.analytics.funnel_selfid import NOTE, SELFID_CHAIN, SELFID_STEPS, selfid_counts
from parity.core.analytics.funnel_stats import (
    OTHERS,
    SEPARATOR,
    build_grid,
    check_reference,
    stage_sections,
)
from parity.core.analytics.funnel_strata import stratified_statistics
from parity.core.analytics.funnel_trend import trend_statistics
from parity.core.backend import Backend
from parity.core.dimensions import is_dimension, registry
from parity.core.errors import AccessDeniedError, UserInputError
from parity.core.store import Store

#: (stage, previous stage) for the regular (non-roster) funnel, and for roster openings.
STEPS: tuple[tuple[str, str], ...] = model.STAGE_STEPS
ROSTER_STEPS: tuple[tuple[str, str], ...] = model.ROSTER_STEPS
STRATA: tuple[str, ...] = ("grade", "job_family", "entity", "opening", "level_band", "category",
                           "entity_type", "posting_type", "internal", "year")
#: Said when a filter keeps only the applications selected in some months or years.
PERIOD_NOTE = ("Only applications selected in the months or years asked for are counted, so "
               "every stage count equals the selections: the 'selected' counts are the "
               "selections decided then; the pass rates and ratios compare nothing.")


@dataclass(frozen=True)
class FunnelReport:
    """Every section of a funnel analysis (polars frames) and what produced it."""

    by: tuple[str, ...]
    reference: str
    stages: pl.DataFrame
    roster: pl.DataFrame
    strata: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    filters: tuple[str, ...] = ()
    stratified: pl.DataFrame | None = None
    decomposition: pl.DataFrame | None = None
    summary: pl.DataFrame | None = None
    trend: pl.DataFrame | None = None
    trend_tests: pl.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def sections(self) -> dict[str, pl.DataFrame]:
        """The sections present, in a fixed order."""
        names = ("stages", "roster", "stratified", "decomposition", "summary", "trend",
                 "trend_tests")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def meta(self) -> dict[str, Any]:
        return {"by": list(self.by), "reference": self.reference, "strata": self.strata,
                "from": self.year_from, "to": self.year_to, "where": list(self.filters),
                "notes": list(self.notes)}


def _backend(source: Store | Backend) -> tuple[Backend, Store | None]:
    if isinstance(source, Backend):
        return source, None
    return Backend.from_store(source), source


def _dimensions(by: Sequence[str]) -> tuple[list[str], str | None]:
    """Canonical --by names, and the self-identification dimension if one is asked for."""
    names: list[str] = []
    selfid: str | None = None
    for raw in by:
        for part in raw.split(","):
            if not part.strip():
                continue
            name = canonical(part)
            if name in registry.WHERE_ONLY["funnel"]:
                raise UserInputError(
                    f"The funnel cannot be broken down by {name}: applications selected in a "
                    "period reached every stage, those never selected none, so the rates "
                    "would say nothing.",
                    f"Filter with --where {name}=VALUE to count the selections decided then "
                    f"(e.g. --by regional_group --where {name}="
                    f"{'2022-03' if name == 'selection_month' else '2022'}), or use "
                    f"'parity timelines --by {name}'.")
            if name not in DIMENSIONS:
                if selfid is not None or is_dimension(name) \
                        or not name.replace("_", "").isalnum():
                    raise unknown_dimension(part.strip())
                selfid = name
            elif name in names:
                raise UserInputError(f"The dimension {name} is given twice.",
                                     "Give each --by dimension once.")
            names.append(name)
    if not names:
        raise UserInputError("A funnel needs at least one --by dimension.",
                             "For example: --by regional_group.")
    return names, selfid


def funnel_report(
    source: Store | Backend,
    by: Sequence[str],
    *,
    strata: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    where: Sequence[str | Filter] = (),
    reference: str = OTHERS,
    decompose: bool = False,
    trend: bool = False,
    actor: object | None = None,
) -> FunnelReport:
    """The funnel by ``by`` (one or more dimensions: an intersection), with every section.

    ``reference``: ``"others"`` (default), ``"highest"`` or a group label (values joined
    by ``+`` for intersections). ``where``: ``DIM=V``, ``DIM!=V`` or ``DIM=V1,V2``
    (ANDed). ``actor``: a :class:`parity.core.disclosure.Actor` (analyst with a purpose),
    needed only for a self-identification dimension.
    """
    if year_from is not None and year_to is not None and year_from > year_to:
        raise UserInputError(f"--from {year_from} is after --to {year_to}.",
                             "Give the earlier year first.")
    dims, selfid = _dimensions(by)
    filters = parse_filters(where)
    stratum = canonical(strata) if strata else None
    if stratum is not None and (stratum not in STRATA or stratum in dims):
        raise UserInputError(
            f"'{strata}' cannot stratify this funnel.",
            f"Use one of: {', '.join(s for s in STRATA if s not in dims)}.")
    if trend and "year" in dims:
        raise UserInputError("--trend already breaks the funnel down by year.",
                             "Drop 'year' from --by or drop --trend.")
    backend, store = _backend(source)
    notes: list[str] = [PERIOD_NOTE] if any(
        f.dimension in registry.WHERE_ONLY["funnel"] and not f.negate
        and "unknown" not in f.values for f in filters) else []
    steps, chain = STEPS, STAGES
    if selfid is not None:
        if actor is None and selfid not in SELF_ID_EXAMPLES:
            raise unknown_dimension(selfid)
        if actor is None:
            raise AccessDeniedError(
                f"'{selfid}' is voluntary self-identification data, which only an analyst "
                "with a declared purpose may analyse.",
                "Pass --purpose \"…\" (and --as NAME) as an analyst; the read is audited.")
        if stratum is not None:
            raise UserInputError(
                "A self-identification funnel cannot be stratified: the audited interface "
                "exposes no opening attributes.", "Drop --strata.")
        counts = selfid_counts(store, actor, selfid, [d for d in dims if d != selfid],
                               year_from, year_to, filters, trend)
        steps, chain = SELFID_STEPS, SELFID_CHAIN
        notes.append(NOTE)
    else:
        keys = [*dims, *([stratum] if stratum else []), *(["year"] if trend else [])]
        counts = count_table(backend, CountRequest(tuple(keys), year_from, year_to, filters))
    return report_from_counts(
        counts, dims, stratum=stratum, reference=reference, steps=steps, chain=chain,
        decompose=decompose, trend=trend, year_from=year_from, year_to=year_to,
        filters=tuple(str(f) for f in filters), notes=tuple(notes))


def report_from_counts(
    counts: pl.DataFrame,
    dims: Sequence[str],
    *,
    stratum: str | None = None,
    reference: str = OTHERS,
    steps: Sequence[tuple[str, str]] = STEPS,
    chain: Sequence[str] = STAGES,
    decompose: bool = False,
    trend: bool = False,
    year_from: int | None = None,
    year_to: int | None = None,
    filters: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> FunnelReport:
    """Every section of :func:`funnel_report` from a count table (no store, no query).

    ``counts`` is what :func:`~parity.core.analytics.funnel_counts.count_table` returns
    for the keys ``dims`` (+ ``stratum``) (+ ``year`` with ``trend``): the key columns,
    ``roster`` and one column per stage. ``dims`` are canonical dimension names; the
    remaining arguments are as validated by :func:`funnel_report`.
    """
    dims = list(dims)
    notes = list(notes)
    # One pass over the count table: every group by roster flag (and stratum, and year);
    # each section sums the panels it needs.
    extra = [*([stratum] if stratum else []), *(["year"] if trend else [])]
    full = build_grid(counts, dims, [ROSTER_KEY, *extra], STAGES)

    def regular(panel: tuple[object, ...]) -> bool:  # a null flag is neither (as filter)
        return panel[0] is not None and not panel[0]

    grid = full.collapse([], regular)
    reference = check_reference(reference, grid.labels)
    roster = full.collapse([], lambda panel: panel[0] is not None and bool(panel[0]))
    stages, roster_stats = stage_sections([(grid, steps), (roster, ROSTER_STEPS)], reference)
    report: dict[str, Any] = {}
    if stratum is not None:
        report["stratified"] = stratified_statistics(
            full.collapse([stratum], regular), dims, stratum, STAGES, steps, reference,
            grid.groups, [f"the group {SEPARATOR.join(str(v) for v in g)}" for g in grid.groups])
        if stratum == "opening":
            notes.append("Breslow–Day is not valid with many sparse strata such as single "
                         "openings; test homogeneity with --strata grade or job_family.")
    if decompose:
        report["decomposition"], report["summary"] = decomposition(
            grid, chain, reference, report.get("stratified"))
    if trend:
        report["trend"], report["trend_tests"] = trend_statistics(
            full.collapse(["year"], regular), dims, STAGES, steps, reference, grid.groups)
    return FunnelReport(
        by=tuple(dims), reference=reference, stages=stages, roster=roster_stats,
        strata=stratum, year_from=year_from, year_to=year_to,
        filters=tuple(filters), notes=tuple(notes), **report)


def funnel(source: Store | Backend, by: Sequence[str], **options: Any) -> pl.DataFrame:
    """The ``stages`` section of :func:`funnel_report`: one record per group × stage."""
    return funnel_report(source, by, **options).stages
