"""Recruitment timelines: days from posting to selection and per stage (METHODS §1.11).

One Ibis pass over the applications gives, per job opening, the first date any of its
applications reached each stage (the opening's milestones; the first date keeps the
milestones in order, since each application's dates are). Time to selection is the first
selection date minus the posting date. Openings with no selection by the data's last date
(``as_of``: the latest date in the store, or given) are censored at ``as_of`` − posted,
not dropped, and every median, percentile and share within the target comes from the
Kaplan–Meier estimate (:func:`parity.core.stats.kaplan_meier`).

Stages: posted → deadline (the closing date), deadline → screened, screened → assessed,
assessed → interviewed, interviewed → recommended, recommended → selected; a
``recruit_from_roster`` opening goes screened → recommended (no assessment or
interview). A stage is at risk once the opening reached the previous milestone by
``as_of``; screening that began before the deadline counts as 0 days after it.

Default scope: ``position_specific`` openings (the 120-day target of seed 001 §29 applies
to them); ``--where posting_type=...`` changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from parity.core import precompute
from parity.core.analytics.funnel_dims import (
    DIMENSIONS,
    Filter,
    canonical,
    entity_types,
    execute,
    label_expr,
    parse_filters,
    unknown_dimension,
)
from parity.core.analytics.funnel_stats import build_grid
from parity.core.backend import Backend
from parity.core.errors import EmptyStoreError, UserInputError
from parity.core.stats import KaplanMeier, kaplan_meier
from parity.core.store import Store

TARGET_DAYS = 120
MILESTONES: tuple[str, ...] = ("screened", "assessed", "interviewed", "recommended",
                               "selected")
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("posted", "deadline"), ("deadline", "screened"), ("screened", "assessed"),
    ("assessed", "interviewed"), ("interviewed", "recommended"), ("recommended", "selected"),
)
ROSTER_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("posted", "deadline"), ("deadline", "screened"), ("screened", "recommended"),
    ("recommended", "selected"),
)
ALL = "all"
SUMMARY_FIELDS: tuple[str, ...] = (
    "openings", "selected", "censored", "median_days", "median_days_low", "median_days_high",
    "p25_days", "p75_days", "within_target", "selections_within_target", "target_days",
)
STAGE_FIELDS: tuple[str, ...] = (
    "from_stage", "to_stage", "openings", "completed", "censored", "median_days",
    "median_days_low", "median_days_high", "p25_days", "p75_days",
)


@dataclass(frozen=True)
class TimelinesReport:
    """Time to selection per group (``timelines``) and per stage (``stages``)."""

    by: tuple[str, ...]
    as_of: date
    target_days: int
    timelines: pl.DataFrame
    stages: pl.DataFrame
    filters: tuple[str, ...] = ()

    def sections(self) -> dict[str, pl.DataFrame]:
        return {"timelines": self.timelines, "stages": self.stages}

    def meta(self) -> dict[str, Any]:
        return {"by": list(self.by), "as_of": self.as_of.isoformat(),
                "target_days": self.target_days, "where": list(self.filters)}


def _dims(by: Sequence[str]) -> list[str]:
    names: list[str] = []
    for raw in by:
        for part in raw.split(","):
            if not part.strip():
                continue
            name = canonical(part)
            if name not in DIMENSIONS or DIMENSIONS[name].level != "opening" or name == "opening":
                raise unknown_dimension(part.strip(), "opening")
            if name not in names:
                names.append(name)
    return names


def opening_milestones(backend: Backend, columns: Sequence[str]) -> pl.DataFrame:
    """One row per opening: posted and closing dates, the raw ``columns``, the first date
    each stage was reached, and the latest date seen (for ``as_of``). One pass over the
    applications, kept per data version (:mod:`parity.core.precompute`): any period or
    filter is a selection of these rows."""
    return precompute.memoized(backend, ("opening_milestones", tuple(columns)),
                               lambda: _milestones(backend, columns))


def _milestones(backend: Backend, columns: Sequence[str]) -> pl.DataFrame:
    apps = backend.table("applications")
    openings = backend.table("openings")
    dates = ["received", *MILESTONES]
    agg = apps.group_by("opening_id").agg(
        **{f"first_{s}": apps[f"{s}_date"].min() for s in MILESTONES},
        **{f"last_{s}": apps[f"{s}_date"].max() for s in dates},
    )
    extra = {c: openings[c] for c in columns
             if c in openings.columns and c not in ("year", "posting_type")}
    o = openings.select("opening_id", "posted_date", "closed_date", "posting_type",
                        year=openings.posted_date.year().cast("int32"), **extra)
    joined = o.left_join(agg, o.opening_id == agg.opening_id)
    keep = [c for c in joined.columns if c != "opening_id_right"]
    return execute(backend, joined.select(keep))


def _days(end: pl.Expr, start: pl.Expr) -> pl.Expr:
    return (end - start).dt.total_days().cast(pl.Float64)


def timelines_report(
    source: Store | Backend,
    by: Sequence[str] = (),
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    where: Sequence[str | Filter] = (),
    as_of: date | None = None,
    target_days: int = TARGET_DAYS,
) -> TimelinesReport:
    """Kaplan–Meier time to selection and per stage by opening dimensions (see module)."""
    if target_days <= 0:
        raise UserInputError(f"The target of {target_days} days is not positive.",
                             "Give a number of days such as 120.")
    dims = _dims(by)
    filters = parse_filters(where)
    for f in filters:
        if DIMENSIONS[f.dimension].level != "opening":
            raise UserInputError(
                f"Timelines describe job openings, so they cannot be filtered by "
                f"{f.dimension}.", "Filter by an opening dimension such as grade or entity.")
    if "posting_type" not in dims and not any(f.dimension == "posting_type" for f in filters):
        filters = (*filters, Filter("posting_type", ("position_specific",)))
    backend = source if isinstance(source, Backend) else Backend.from_store(source)
    used = {DIMENSIONS[d].column for d in [*dims, *(f.dimension for f in filters)]}
    needs_types = any(DIMENSIONS[d].kind == "entity_type"
                      for d in [*dims, *(f.dimension for f in filters)])
    types = entity_types(backend) if needs_types else {}
    frame = opening_milestones(backend, sorted(used - {"opening_id"}))
    if frame.is_empty():
        raise EmptyStoreError("The store has no job openings, so there are no timelines.",
                              "Load openings.csv and applications.csv with 'parity ingest'.")
    last_cols = [c for c in frame.columns if c.startswith(("first_", "last_"))]
    seen = frame.select(pl.max_horizontal("posted_date", *last_cols).max()).item()
    cutoff: date = as_of or seen
    # A selection after as_of is not yet made (nor dated, for selection_month/year).
    frame = frame.with_columns(pl.when(pl.col("first_selected") <= cutoff)
                               .then(pl.col("first_selected")).alias("first_selected"))
    frame = _select(frame, dims, filters, types, year_from, year_to)
    if frame.is_empty():
        raise UserInputError("No job openings match the years and filters.",
                             "Widen --from/--to or change --where.")
    frame = frame.with_columns(pl.lit(cutoff).alias("_as_of"))
    totals = _summaries(frame, dims, target_days)
    stages = _stage_summaries(frame, dims)
    return TimelinesReport(tuple(dims), cutoff, target_days, totals, stages,
                           tuple(str(f) for f in filters))


#: Applicant dimensions :func:`selection_counts` groups selections by.
SELECTION_GROUPS: tuple[str, ...] = ("regional_group", "gender")


def selection_counts(source: Store | Backend, by: str, *,
                     posting_types: Sequence[str] = ("position_specific",),
                     target_days: int = TARGET_DAYS) -> pl.DataFrame:
    """Selections per year of selection and group of the selected applicant, and how many
    were made within ``target_days`` of the posting (seed 001 §29): ``selection_year``,
    ``by`` (the regional group of the applicant's nationality, or the recorded gender code;
    null when unknown), ``selections`` and ``within_target``. A selection is a selected
    application of an opening of ``posting_types`` (the default scope of the timelines);
    its days from posting are the selection date minus the posting date, as in
    :func:`timelines_report` for an opening's first selection."""
    if by not in SELECTION_GROUPS:
        raise UserInputError(f"Selections cannot be grouped by {by}.",
                             f"Use one of: {', '.join(SELECTION_GROUPS)}.")
    backend = source if isinstance(source, Backend) else Backend.from_store(source)
    apps, openings = backend.table("applications"), backend.table("openings")
    a = apps.filter(apps.selected_date.notnull())
    o = openings.filter(openings.posting_type.cast("string").isin(list(posting_types)))
    j = a.join(o.select(oid=o.opening_id, posted=o.posted_date), a.opening_id == o.opening_id)
    if by == "regional_group":
        regions = backend.table("ref_country_regions")
        j = j.left_join(regions, j.nationality.cast("string") == regions.iso3)
        group = j.regional_group.cast("string")
    else:
        group = j.gender.cast("string")
    rows = execute(backend, j.select(selected=j.selected_date, posted=j.posted,
                                     group=group))
    return (rows.with_columns(pl.col("selected").dt.year().cast(pl.Utf8).alias("selection_year"),
                              (_days(pl.col("selected"), pl.col("posted")) <= target_days)
                              .alias("_in"))
            .group_by("selection_year", "group")
            .agg(pl.len().cast(pl.Int64).alias("selections"),
                 pl.col("_in").sum().cast(pl.Int64).alias("within_target"))
            .rename({"group": by}).sort(["selection_year", by], nulls_last=True))


def _select(frame: pl.DataFrame, dims: Sequence[str], filters: Sequence[Filter],
            types: dict[str, str], year_from: int | None, year_to: int | None) -> pl.DataFrame:
    if year_from is not None:
        frame = frame.filter(pl.col("year") >= year_from)
    if year_to is not None:
        frame = frame.filter(pl.col("year") <= year_to)
    for f in filters:
        d = DIMENSIONS[f.dimension]
        hit = label_expr(d, d.column, types).cast(pl.Utf8).is_in(list(f.values))
        frame = frame.filter(~hit if f.negate else hit)
    labels = [label_expr(DIMENSIONS[d], DIMENSIONS[d].column, types).alias(f"__{d}")
              for d in dims]
    frame = frame.with_columns(labels)
    return frame.drop([d for d in dims if d in frame.columns]).rename(
        {f"__{d}": d for d in dims})


def _groups(frame: pl.DataFrame, dims: Sequence[str]) -> list[tuple[tuple[object, ...],
                                                                      pl.DataFrame]]:
    """The whole selection first (labelled ``all``), then each group in natural order."""
    out: list[tuple[tuple[object, ...], pl.DataFrame]] = [((ALL,) * len(dims), frame)]
    if dims:
        order = build_grid(frame.with_columns(pl.lit(1).alias("_n")), dims, [], ["_n"]).groups
        parts = frame.partition_by(list(dims), as_dict=True)
        out.extend((g, parts[g]) for g in order if g in parts)
    return out


def _km(time: np.ndarray, event: np.ndarray) -> tuple[dict[str, float | None],
                                                        KaplanMeier | None]:
    """Median (Brookmeyer–Crowley interval) and quartiles of the Kaplan–Meier estimate."""
    if time.size == 0:
        return dict.fromkeys(("median_days", "median_days_low", "median_days_high",
                              "p25_days", "p75_days")), None
    km = kaplan_meier(time, event)
    low, high = km.median_interval()

    def val(v: float) -> float | None:
        return None if np.isnan(v) else float(v)

    return {"median_days": val(km.median), "median_days_low": val(float(low)),
            "median_days_high": val(float(high)), "p25_days": val(km.quantile(0.25)),
            "p75_days": val(km.quantile(0.75))}, km


def _summaries(frame: pl.DataFrame, dims: Sequence[str], target: int) -> pl.DataFrame:
    selected = pl.col("first_selected").is_not_null() & (pl.col("first_selected") <= pl.col(
        "_as_of"))
    timed = frame.filter(pl.col("posted_date") <= pl.col("_as_of")).with_columns(
        pl.when(selected)
        .then(_days(pl.col("first_selected"), pl.col("posted_date")))
        .otherwise(_days(pl.col("_as_of"), pl.col("posted_date")))
        .clip(lower_bound=0).alias("_t"),
        selected.alias("_e"))
    rows = []
    for key, part in _groups(timed, dims):
        t = part["_t"].to_numpy()
        e = part["_e"].to_numpy().astype(np.float64)
        stats, km = _km(t, e)
        within = None if km is None else float(1 - km.survival_at(target))
        sel = t[e == 1]
        rows.append({**dict(zip(dims, key, strict=True)), "openings": int(t.size),
                     "selected": int(e.sum()), "censored": int(t.size - e.sum()), **stats,
                     "within_target": within,
                     "selections_within_target": float(np.mean(sel <= target)) if sel.size
                     else None, "target_days": target})
    return _frame(rows, dims, SUMMARY_FIELDS)


def _stage_summaries(frame: pl.DataFrame, dims: Sequence[str]) -> pl.DataFrame:
    roster = pl.col("posting_type") == "recruit_from_roster"
    rows = []
    for key, part in _groups(frame, dims):
        for segments, subset in ((SEGMENTS, part.filter(~roster.fill_null(False))),
                                 (ROSTER_SEGMENTS, part.filter(roster.fill_null(False)))):
            if subset.is_empty():
                continue
            for start, end in segments:
                t, e = _segment(subset, start, end)
                stats, _ = _km(t, e)
                rows.append({**dict(zip(dims, key, strict=True)), "from_stage": start,
                             "to_stage": end, "openings": int(t.size),
                             "completed": int(e.sum()), "censored": int(t.size - e.sum()),
                             **stats})
    return _frame(rows, dims, STAGE_FIELDS)


def _milestone(name: str) -> pl.Expr:
    if name == "posted":
        return pl.col("posted_date")
    if name == "deadline":
        return pl.col("closed_date")
    return pl.col(f"first_{name}")


def _segment(frame: pl.DataFrame, start: str, end: str) -> tuple[np.ndarray, np.ndarray]:
    """Durations (days) and event flags for openings at risk of the segment."""
    s, e, cut = _milestone(start), _milestone(end), pl.col("_as_of")
    at_risk = frame.filter(s.is_not_null() & (s <= cut))
    # A deadline is known in advance; any other milestone counts once reached by as_of.
    done = e.is_not_null() if end == "deadline" else e.is_not_null() & (e <= cut)
    timed = at_risk.select(
        pl.when(done).then(_days(e, s)).otherwise(_days(cut, s)).clip(lower_bound=0).alias("t"),
        done.alias("e"))
    return timed["t"].to_numpy(), timed["e"].to_numpy().astype(np.float64)


def _frame(rows: list[dict[str, Any]], dims: Sequence[str],
           fields: Sequence[str]) -> pl.DataFrame:
    schema: dict[str, Any] = {d: pl.Utf8 for d in dims}
    for f in fields:
        schema[f] = pl.Utf8 if f.endswith("_stage") else (
            pl.Int64 if f in ("openings", "selected", "censored", "completed", "target_days")
            else pl.Float64)
    data = [{**r, **{d: str(r[d]) for d in dims}} for r in rows]
    return pl.DataFrame(data, schema=schema) if data else pl.DataFrame(schema=schema)


def timelines(source: Store | Backend, by: Sequence[str] = (), **options: Any) -> pl.DataFrame:
    """The ``timelines`` section of :func:`timelines_report`: one record per group."""
    return timelines_report(source, by, **options).timelines

