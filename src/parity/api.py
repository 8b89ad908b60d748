"""The Python API for notebooks: open a store, run analyses, get polars frames.

Every analysis takes the store first and the same keywords: ``by`` (a sequence of
dimensions), ``strata`` (a sequence), ``year_from``/``year_to`` (calendar years) and
``as_of`` (a snapshot date). Each returns an ordinary polars DataFrame (call
``.to_pandas()`` for pandas), or a dict of them. This module is part of the core and never
imports the edges. The examples run as doctests (tests/test_api_doctest.py) on a small
synthetic store whose path is ``path``:

>>> from parity import api
>>> store = api.open(path, read_only=True)
>>> api.table(store, "ref_grades").columns[:2]
['grade', 'category']
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl

from parity.core.analytics import summary
from parity.core.backend import Backend
from parity.core.engines import publish
from parity.core.errors import AccessDeniedError, UserInputError
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
    When the ``engine`` setting names PostgreSQL or Spark, the store is then copied there.

    With ``strict``, nothing is loaded if any row would be quarantined
    (:class:`parity.core.ingest.StrictRefusal`)."""
    settings = Settings.load()
    report = _ingest(paths, store, id_secret=settings.id_secret,
                     quarantine_dir=settings.quarantine_dir, strict=strict,
                     organization=settings.organization)
    engine = settings.engine_spec(store.path)
    if engine is not None:  # the engine setting names PostgreSQL or Spark: copy the store there
        publish(store, engine)
    return report


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


def _strata(strata: str | Sequence[str] | None) -> list[str]:
    """``strata`` as a list (a single name, a sequence, or comma-separated names)."""
    if strata is None:
        return []
    items = [strata] if isinstance(strata, str) else list(strata)
    return [p.strip() for item in items for p in item.split(",") if p.strip()]


def _section(sections: dict[str, pl.DataFrame], section: str, what: str) -> pl.DataFrame:
    if section not in sections:
        raise UserInputError(f"'{section}' is not a section of {what}.",
                             f"Use one of: {', '.join(sections)}.")
    return sections[section]


def funnel(store: Store, by: Sequence[str], *, strata: str | Sequence[str] | None = (),
           year_from: int | None = None, year_to: int | None = None,
           where: Sequence[str] = (), reference: str = "others", actor: object | None = None,
           section: str = "stages", decompose: bool = False,
           trend: bool = False) -> pl.DataFrame:
    """The recruitment funnel by ``by`` (several dimensions: an intersection).

    Returns one section of :func:`parity.core.analytics.funnel.funnel_report` (default
    ``stages``: one record per group × stage; also ``roster``, ``stratified`` (needs
    ``strata``: one dimension, e.g. ``["grade"]``), ``decomposition``/``summary``
    (``decompose=True``), ``trend``/``trend_tests`` (``trend=True``)). Fields:
    docs/funnel.md.

    >>> stages = api.funnel(store, ["gender"], year_from=2019, year_to=2022)
    >>> stages.filter(pl.col("stage") == "selected")["gender"].sort().to_list()
    ['F', 'M', 'X', 'unknown']
    >>> received = stages.filter(pl.col("stage") == "received")
    >>> round(float(received["share"].sum()), 9)
    1.0
    >>> cmh = api.funnel(store, ["gender"], strata=["grade"], section="stratified")
    >>> "cmh_p_value" in cmh.columns
    True

    The selections decided in a month (``selection_month``/``selection_year`` are filters
    only): every stage count of those applications is the number selected.

    >>> march = api.funnel(store, ["regional_group"], where=["selection_month=2022-03"])
    >>> march.group_by("regional_group").agg(pl.col("count").n_unique())["count"].max()
    1
    """
    from parity.core.analytics.funnel import funnel_report

    layers = _strata(strata)
    if len(layers) > 1:
        raise UserInputError("The funnel is stratified by one dimension at a time.",
                             f"Give one of {', '.join(layers)} as strata.")
    report = funnel_report(store, by, strata=layers[0] if layers else None,
                           year_from=year_from, year_to=year_to,
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
    dimensions, with Kaplan–Meier censoring of open recruitments. Fields: docs/funnel.md.

    >>> days = api.timelines(store, ["level_band"], year_from=2019)
    >>> {"openings", "median_days"} <= set(days.columns)
    True

    By the month of the opening's first selection (``unknown``: not filled by ``as_of``):

    >>> by_month = api.timelines(store, ["selection_month"])
    >>> by_month.filter(pl.col("selection_month") == "unknown")["selected"].to_list()
    [0]
    """
    from parity.core.analytics.timelines import timelines_report

    report = timelines_report(store, by, year_from=year_from, year_to=year_to, where=where,
                              as_of=as_of, target_days=target_days)
    return _section(report.sections(), section, "the timelines")


def careers(store: Store, flow: str, by: Sequence[str] = (), *, year_from: int | None = None,
            year_to: int | None = None, strata: Sequence[str] = (), reference: str = "others",
            scope: str = "all", where: Sequence[str] = ()) -> pl.DataFrame:
    """Promotions, reassignments, separations or rosters by group: counts, rates with exact
    intervals, ratios to a reference, exact tests, BH q-values, verdicts (docs/careers.md).

    ``flow`` is promotion, reassignment, separation or roster; ``by`` the dimensions (default
    regional_group); ``strata`` adds Mantel–Haenszel ratios within e.g. grade or entity.

    >>> promo = api.careers(store, "promotion", ["gender"], strata=["grade"])
    >>> sorted(set(promo["gender"].drop_nulls()))
    ['F', 'M', 'X']
    >>> {"rate", "mh_ratio", "verdict"} <= set(promo.columns)
    True

    ``event_month`` gives each month's events, staff-years spent in it and rate, without
    comparisons; the months add up to the year:

    >>> monthly = api.careers(store, "promotion", ["event_month"], year_from=2022, year_to=2022)
    >>> sorted(set(monthly["event_month"].str.slice(0, 4))), "ratio" in monthly.columns
    (['2022'], False)
    >>> yearly = api.careers(store, "promotion", year_from=2022, year_to=2022)
    >>> int(monthly["count"].sum()) == int(yearly["count"].sum())
    True
    """
    from parity.core.analytics.careers import careers as run

    return run(store, flow, by, year_from, year_to, _strata(strata), reference, scope, where)


def careers_counts(store: Store, flow: str, by: Sequence[str] = (), *,
                   year_from: int | None = None, year_to: int | None = None,
                   strata: Sequence[str] = (), scope: str = "all",
                   where: Sequence[str] = ()) -> pl.DataFrame:
    """The count table behind :func:`careers`: events and staff-years at risk (or placements
    and applications, for rosters) by group and outcome.

    >>> counts = api.careers_counts(store, "separation", ["gender"])
    >>> counts.columns
    ['gender', 'outcome', 'count', 'staff_years']
    >>> int(counts["count"].sum()) == int(api.careers(store, "separation", ["gender"])["count"].sum())
    True
    """
    from parity.core.analytics.careers import careers_counts as run

    return run(store, flow, by, year_from, year_to, _strata(strata), scope, where)


def careers_survival(store: Store, by: Sequence[str] = (), *, year_from: int | None = None,
                     year_to: int | None = None, strata: Sequence[str] = (),
                     reference: str = "others", scope: str = "all", horizon: float = 3.0,
                     curves: bool = False, where: Sequence[str] = ()) -> pl.DataFrame:
    """Time in grade until promotion by group: Kaplan–Meier medians, the share promoted
    within ``horizon`` years, log-rank tests and hazard ratios; with ``curves``, the
    Kaplan–Meier steps instead (docs/careers.md).

    >>> km = api.careers_survival(store, ["gender"], curves=True)
    >>> bool(km["survival"].is_between(0, 1).all())
    True
    """
    from parity.core.analytics.careers import careers_survival as run
    from parity.core.analytics.careers import careers_survival_curves

    layers = _strata(strata)
    if curves:
        return careers_survival_curves(store, by, year_from, year_to, layers, scope, where)
    return run(store, by, year_from, year_to, layers, reference, scope, horizon, where)


def composition(store: Store, by: Sequence[str] = (), *, as_of: date | None = None,
                scope: str = "all", trend: bool = False, yearly: bool = False,
                year_from: int | None = None, year_to: int | None = None,
                compare: date | None = None, where: Sequence[str] = ()) -> pl.DataFrame:
    """Staff and shares by ``by`` on the snapshot for ``as_of`` (default: the latest); with
    ``trend``, on every snapshot of ``year_from``–``year_to`` (``yearly``: the last of each
    year); with ``compare``, the change between two snapshots; ``where`` keeps the staff
    with the values given, e.g. ``["organization=UNICEF"]`` (docs/organizations.md).
    Fields: docs/workforce.md.

    >>> staff = api.composition(store, ["gender"], scope="professional")
    >>> round(float(staff["share"].sum()), 9)
    1.0
    >>> api.composition(store, ["gender"], trend=True, yearly=True).columns[:2]
    ['snapshot_date', 'gender']
    >>> un = api.composition(store, ["gender"], where=["organization=UN"])
    >>> int(un["staff"].sum()) == int(api.composition(store, ["gender"])["staff"].sum())
    True
    """
    from parity.core.analytics import composition as comp

    if compare is not None:
        if trend or yearly:
            raise UserInputError("trend and compare cannot be combined.",
                                 "Ask for the trend or for the comparison of two snapshots.")
        return comp.composition_change(store, list(by), compare=compare, as_of=as_of,
                                       scope=scope, where=where)
    if trend or yearly or year_from is not None or year_to is not None:
        start = date(year_from, 1, 1) if year_from is not None else None
        end = date(year_to, 12, 31) if year_to is not None else as_of
        return comp.composition_trend(store, list(by), scope=scope, date_from=start,
                                      date_to=end, yearly=yearly, where=where)
    return comp.composition(store, list(by), as_of=as_of, scope=scope, where=where)


def ranges(store: Store, *, as_of: date | None = None,
           section: str = "states") -> pl.DataFrame:
    """The desirable range and status of every Member State on the snapshot for ``as_of``:
    ``states`` (one row per State), ``status_counts`` or ``outreach`` (un- and
    under-represented States, furthest below their range first). Fields: docs/workforce.md.

    >>> states = api.ranges(store)
    >>> bool((states["lower"] <= states["upper"]).all())
    True
    >>> int(api.ranges(store, section="status_counts")["states"].sum()) == states.height
    True
    """
    from parity.core.analytics.ranges import desirable_ranges

    result = desirable_ranges(store, as_of=as_of)
    return _section({"states": result.states, "status_counts": result.status_counts,
                     "outreach": result.outreach}, section, "the desirable ranges")


def gender(store: Store, by: Sequence[str] = ("level",), *, as_of: date | None = None,
           all_categories: bool = False, where: Sequence[str] = ()) -> pl.DataFrame:
    """Women's share by ``by`` (one of level, entity, field or organization) against the parity band, with
    the entrant share needed to reach parity (docs/workforce.md). Professional and higher
    staff unless ``all_categories``.

    >>> parity = api.gender(store, ["level"])
    >>> bool(parity["women_share"].is_between(0, 1).all())
    True
    """
    from parity.core.analytics.gender import gender_parity

    names = _strata(by)
    if len(names) != 1:
        raise UserInputError("Gender parity is broken down by one dimension at a time.",
                             "Give by=['level'], ['entity'] or ['field'].")
    return gender_parity(store, as_of=as_of, by=names[0],  # type: ignore[arg-type]
                         all_categories=all_categories, where=where).table


def projection(store: Store, scenario: str | Path | None = None, *, years: int = 10,
               runs: int = 1000, seed: int = 0, expected: bool = False,
               year_from: int | None = None,
               table: str | None = None) -> pl.DataFrame | dict[str, pl.DataFrame]:
    """Project the staff ``years`` years ahead from the snapshot of ``year_from`` (default:
    the latest) under ``scenario`` (a YAML file or the name of a shipped example; default:
    the baseline). Returns every table by name, or the one named ``table`` (levels,
    targets, flows, field, ranges, states, groups, parameters; docs/projection.md).

    >>> levels = api.projection(store, years=2, runs=20, table="levels")
    >>> levels["year"].max() - levels["year"].min()
    2
    """
    from parity.core import projection as pj

    chosen = pj.BASELINE if scenario is None else pj.load_scenario(str(scenario))
    result = pj.project(store, chosen, years=years, runs=runs, seed=seed, expected=expected,
                        base_year=year_from)
    tables = result.tables()
    return tables if table is None else _section(tables, table, "the projection")


def releases(store: Store) -> pl.DataFrame:
    """Every disclosure-checked release made from the store, oldest first.

    >>> api.releases(store).columns[:3]
    ['release_id', 'seq', 'created_at']
    """
    from parity.core.disclosure.release_log import releases as listed

    return listed(store)


def release_tables(store: Store, audience: str = "public", *, nationality: str | None = None,
                   entity: str | None = None, actor: object | None = None
                   ) -> dict[str, pl.DataFrame]:
    """The tables a release for ``audience`` would publish, protected (suppressed cells
    null) but not written; ``actor`` defaults to an admin (no self-identification tables).
    Publish with ``parity release``. Fields: docs/disclosure.md.

    >>> tables = api.release_tables(store, "public")
    >>> "workforce_by_regional_group_level_gender" in tables
    True
    """
    from parity.core.disclosure import Actor, build_release, release_audience

    who = actor if isinstance(actor, Actor) else Actor("api", "admin")
    made = build_release(store, release_audience(audience, nationality, entity), who)
    return {t.name: t.frame for t in made.tables}
