"""The Python API for notebooks: open a store, run analyses, get data frames.

Every function returns an ordinary polars DataFrame (call ``.to_pandas()`` for pandas).
This module is part of the core and never imports the edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl

from parity.core.analytics import summary
from parity.core.backend import Backend
from parity.core.errors import AccessDeniedError
from parity.core.ingest import LoadReport
from parity.core.ingest import ingest as _ingest
from parity.core.settings import Settings
from parity.core.store import Store, open_store


def open(db: Path | str | None = None, read_only: bool = False) -> Store:
    """Open the store at ``db`` (default from settings: PARITY_DB, parity.toml)."""
    path = Path(db) if db is not None else Settings.load().db
    return open_store(path, read_only=read_only)


def ingest(paths: Sequence[Path | str], store: Store, strict: bool = False) -> LoadReport:
    """Validate and load interchange files into ``store``; see :func:`parity.core.ingest.ingest`.

    With ``strict``, nothing is loaded if any row would be quarantined
    (:class:`parity.core.ingest.StrictRefusal`)."""
    settings = Settings.load()
    return _ingest(paths, store, id_secret=settings.id_secret,
                   quarantine_dir=settings.quarantine_dir, strict=strict)


def table(store: Store, name: str) -> pl.DataFrame:
    """A whole data or reference table as a frame; the restricted table is refused."""
    if name == "self_identification":
        raise AccessDeniedError(
            "Self-identification data cannot be read as a table.",
            "Use the audited aggregate functions of parity.core.disclosure with an analyst purpose.",
        )
    return Backend.from_store(store).table(name).to_polars()


def selections_by_regional_group(store: Store, year_from: int = 2018, year_to: int = 2022,
                                 professional_only: bool = True) -> pl.DataFrame:
    """Applications, screened, selected and rostered by regional group (seed 000 Table 1)."""
    return summary.selections_by_regional_group(
        Backend.from_store(store), year_from, year_to, professional_only)


def funnel(store: Store, by: Sequence[str], *, strata: str | None = None,
           year_from: int | None = None, year_to: int | None = None,
           where: Sequence[str] = (), reference: str = "others", actor: object | None = None,
           section: str = "stages", decompose: bool = False,
           trend: bool = False) -> pl.DataFrame:
    """The recruitment funnel by ``by`` (several dimensions: an intersection).

    Returns one section of :func:`parity.core.analytics.funnel.funnel_report` (default
    ``stages``: one record per group × stage; also ``roster``, ``stratified`` (needs
    ``strata``), ``decomposition``/``summary`` (``decompose=True``),
    ``trend``/``trend_tests`` (``trend=True``)). Field names: docs/funnel.md.
    """
    from parity.core.analytics.funnel import funnel_report
    from parity.core.errors import UserInputError

    report = funnel_report(store, by, strata=strata, year_from=year_from, year_to=year_to,
                           where=where, reference=reference, actor=actor,
                           decompose=decompose or section in ("decomposition", "summary"),
                           trend=trend or section in ("trend", "trend_tests"))
    sections = report.sections()
    if section not in sections:
        raise UserInputError(f"'{section}' is not a section of this funnel.",
                             f"Use one of: {', '.join(sections)} (stratified needs strata).")
    return sections[section]


def timelines(store: Store, by: Sequence[str] = (), *, year_from: int | None = None,
              year_to: int | None = None, where: Sequence[str] = (),
              as_of: date | None = None, target_days: int = 120,
              section: str = "timelines") -> pl.DataFrame:
    """Days from posting to selection (``timelines``) or per stage (``stages``), by opening
    dimensions, with Kaplan–Meier censoring of open recruitments. Fields: docs/funnel.md."""
    from parity.core.analytics.timelines import timelines_report
    from parity.core.errors import UserInputError

    report = timelines_report(store, by, year_from=year_from, year_to=year_to, where=where,
                              as_of=as_of, target_days=target_days)
    sections = report.sections()
    if section not in sections:
        raise UserInputError(f"'{section}' is not a section of the timelines.",
                             f"Use one of: {', '.join(sections)}.")
    return sections[section]


def careers(store: Store, flow: str, by: Sequence[str] = (), *, year_from: int | None = None,
            year_to: int | None = None, strata: Sequence[str] = (), reference: str = "others",
            scope: str = "all") -> pl.DataFrame:
    """Promotions, reassignments, separations or rosters by group: counts, rates with exact
    intervals, ratios to a reference, exact tests, BH q-values, verdicts (docs/careers.md).

    ``flow`` is promotion, reassignment, separation or roster; ``by`` the dimensions (default
    regional_group); ``strata`` adds Mantel–Haenszel ratios within e.g. grade or entity.
    """
    from parity.core.analytics.careers import careers as run

    return run(store, flow, by, year_from, year_to, strata, reference, scope)


def careers_counts(store: Store, flow: str, by: Sequence[str] = (), *,
                   year_from: int | None = None, year_to: int | None = None,
                   strata: Sequence[str] = (), scope: str = "all") -> pl.DataFrame:
    """The count table behind :func:`careers`: events and staff-years at risk (or placements
    and applications, for rosters) by group and outcome."""
    from parity.core.analytics.careers import careers_counts as run

    return run(store, flow, by, year_from, year_to, strata, scope)


def careers_survival(store: Store, by: Sequence[str] = (), *, year_from: int | None = None,
                     year_to: int | None = None, strata: Sequence[str] = (),
                     reference: str = "others", scope: str = "all", horizon: float = 3.0,
                     curves: bool = False) -> pl.DataFrame:
    """Time in grade until promotion by group: Kaplan–Meier medians, the share promoted
    within ``horizon`` years, log-rank tests and hazard ratios; with ``curves``, the
    Kaplan–Meier steps instead (docs/careers.md)."""
    from parity.core.analytics.careers import careers_survival as run
    from parity.core.analytics.careers import careers_survival_curves

    if curves:
        return careers_survival_curves(store, by, year_from, year_to, strata, scope)
    return run(store, by, year_from, year_to, strata, reference, scope, horizon)
