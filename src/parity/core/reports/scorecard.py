"""An entity's scorecard against its compact targets, as a :class:`Document`.

The targets are those of the typed parameter file ``params/data/compact.yaml`` (each with
its source, seed 001 §29, §42, §47 and Table 2): the share of selections at Professional
and higher grades going to nationals of unrepresented and underrepresented Member States
(their status on the year-end snapshot before the selection year), women's share by level
within the parity band, the share of position-specific openings filled within the
recruitment days (Kaplan-Meier, :mod:`parity.core.analytics.timelines`), and regional
diversity (the largest regional group's share of the entity's Professional and higher
staff). Each indicator is shown on the latest year and over five years. The projection
component gives, for each level, the first year women's share is likely within the band
(:func:`parity.core.projection.summarize.first_likely_year`) and its probability then:
the projection is of the whole Secretariat (it has no entity dimension), so the year is
the Secretariat's, shown beside the entity's level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from parity.core.analytics import composition as comp
from parity.core.analytics.ranges import OUTREACH, desirable_ranges
from parity.core.analytics.timelines import timelines_report
from parity.core.backend import Backend
from parity.core.disclosure import Audience
from parity.core.errors import UserInputError
from parity.core.params import (
    CompactParameters,
    GenderParameters,
    load_compact_parameters,
    load_gender_parameters,
)
from parity.core.projection import project
from parity.core.projection.summarize import first_likely_year
from parity.core.reports._common import (
    ANALYST,
    as_of_data,
    audience_key,
    audience_of,
    check_day,
    parse_day,
    prefixed,
    released,
    released_tables,
    trend_dates,
    without_margins,
)
from parity.core.reports.document import (
    N_,
    Document,
    Phrase,
    Section,
    Share,
    Table,
)
from parity.core.reports.kinds import Option, ReportKind, register
from parity.core.store import Store

INDICATORS: dict[str, str] = {
    "geographical_selections": N_("Selections of nationals of unrepresented and "
                                  "underrepresented Member States"),
    "gender_parity": N_("Women's share"),
    "recruitment": N_("Openings filled within the target days"),
    "regional_diversity": N_("Largest regional group's share"),
}
MET: dict[str, str] = {"yes": N_("Yes"), "no": N_("No")}
_TARGET_COLUMNS: dict[str, str] = {
    "indicator": N_("Indicator"), "level_band": N_("Level"), "value": N_("Latest value"),
    "target_low": N_("Target: at least"), "target_high": N_("Target: at most"),
    "met": N_("Met"), "likely_year": N_("Likely met from"),
    "probability": N_("Probability in the target year"),
}
_TREND_COLUMNS: dict[str, str] = {"year": N_("Year"), "indicator": N_("Indicator"),
                                  "level_band": N_("Level"), "value": N_("Value")}


@dataclass(frozen=True)
class Context:
    """What every entity's scorecard is cut from, computed once for all entities."""

    snapshot: date
    years: tuple[int, ...]
    selections: pl.DataFrame  # entity, year, selections, outreach
    gender: pl.DataFrame  # entity, year, level_band, women, known
    recruitment: pl.DataFrame  # entity, year, value
    regional: pl.DataFrame  # entity, year, largest (share)
    likely: pl.DataFrame  # level_band, likely_year, probability
    compact: CompactParameters
    gender_params: GenderParameters


def _selections(source: Backend | Store, dates: Sequence[date]) -> pl.DataFrame:
    """Selections at Professional and higher grades per entity and selection year, and how
    many went to nationals of States un- or under-represented at the year-end before."""
    backend = comp.as_backend(source)
    a = backend.table("applications")
    g = backend.table("ref_grades")
    sel = a.filter(a.selected_date.notnull()).join(
        g, a.opening_grade.cast("string") == g.grade)
    sel = sel.filter(sel.professional_and_higher).select(
        entity=sel.opening_entity, year=sel.selected_date.year(),
        nationality=sel.nationality.cast("string"))
    frame = Backend.to_polars(sel)
    years = [d.year for d in dates]
    frame = frame.filter(pl.col("year").is_in(years))
    every = comp.snapshot_dates(backend)
    statuses = []
    for y in years:
        before = [d for d in every if d.year < y] or every[:1]
        st = desirable_ranges(backend, max(before)).states
        statuses.append(st.select(pl.lit(y).alias("year"), pl.col("iso3").alias(
            "nationality"), pl.col("status").is_in(OUTREACH).alias("outreach")))
    status = pl.concat(statuses).with_columns(pl.col("year").cast(frame.schema["year"]))
    return (frame.join(status, on=["year", "nationality"], how="left")
            .group_by("entity", "year").agg(pl.len().cast(pl.Int64).alias("selections"),
                                            pl.col("outreach").fill_null(False).sum()
                                            .cast(pl.Int64).alias("outreach")))


def _gender(source: Backend | Store, dates: Sequence[date]) -> pl.DataFrame:
    frame = comp.composition_trend(source, ["entity", "level_band", "gender"],
                                   scope="professional", date_to=max(dates))
    frame = frame.filter(pl.col("snapshot_date").is_in(list(dates)))
    return frame.group_by("entity", pl.col("snapshot_date").dt.year().alias("year"),
                          "level_band").agg(
        pl.col("staff").filter(pl.col("gender") == "F").sum().alias("women"),
        pl.col("staff").filter(pl.col("gender").is_in(["F", "M", "X"])).sum().alias("known"))


def _regional(source: Backend | Store, dates: Sequence[date]) -> pl.DataFrame:
    frame = comp.composition_trend(source, ["entity", "regional_group"], scope="professional",
                                   date_to=max(dates))
    frame = frame.filter(pl.col("snapshot_date").is_in(list(dates)))
    return frame.group_by("entity", pl.col("snapshot_date").dt.year().alias("year")).agg(
        (pl.col("staff").max() / pl.col("staff").sum()).alias("largest"))


def _recruitment(source: Backend | Store, years: Sequence[int], days: int) -> pl.DataFrame:
    t = timelines_report(source, ["entity", "year"], year_from=min(years),
                         year_to=max(years), target_days=days).timelines
    return t.filter(pl.col("entity") != "all").select(
        "entity", pl.col("year").cast(pl.Int64), pl.col("within_target").alias("value"))


def _likely(source: Backend | Store, runs: int, target_year: int) -> pl.DataFrame:
    """Per level of the Secretariat-wide projection: the first year women's share is
    likely within the parity band (null: not within the projection's years) and the
    probability it is within the band in the target year (its last year if earlier)."""
    levels = project(source, runs=runs).levels
    rows = []
    for (level,), part in levels.sort("year").group_by(["level"], maintain_order=True):
        years = part["year"].to_list()
        p = part["p_in_band"].to_numpy().astype(np.float64)
        at = min(max(target_year, years[0]), years[-1])
        rows.append({"level_band": level, "likely_year": first_likely_year(years, p),
                     "probability": float(p[years.index(at)])})
    return pl.DataFrame(rows, schema={"level_band": pl.Utf8, "likely_year": pl.Int64,
                                      "probability": pl.Float64})


def context(source: Backend | Store, as_of: date | None = None, runs: int = 200,
            compact: CompactParameters | None = None) -> Context:
    """Every entity's figures (five years up to the snapshot for ``as_of``), once."""
    compact = compact or load_compact_parameters()
    snapshot = comp.resolve_snapshot(comp.snapshot_dates(comp.as_backend(source)), as_of)
    dates = trend_dates(source, snapshot)
    years = tuple(d.year for d in dates)
    return Context(snapshot, years, _selections(source, dates), _gender(source, dates),
                   _recruitment(source, years, compact.recruitment_days.value),
                   _regional(source, dates),
                   _likely(source, runs, compact.gender_parity_year.value), compact,
                   load_gender_parameters())


def entities(source: Backend | Store, as_of: date | None = None) -> list[str]:
    """Every entity with staff on the snapshot for ``as_of``."""
    frame = comp.composition(source, ["entity"], as_of=as_of)
    return sorted(e for e in frame["entity"].to_list() if e is not None)


def _series(ctx: Context, entity: str) -> pl.DataFrame:
    """The entity's indicators by year: year, indicator, level_band, value."""
    schema = {"year": pl.Int64, "indicator": pl.Utf8, "level_band": pl.Utf8,
              "value": pl.Float64}
    s = ctx.selections.filter(pl.col("entity") == entity)
    g = ctx.gender.filter((pl.col("entity") == entity) & (pl.col("known") > 0))
    parts = [
        s.select(pl.col("year").cast(pl.Int64), pl.lit("geographical_selections")
                 .alias("indicator"), pl.lit(None, pl.Utf8).alias("level_band"),
                 (pl.col("outreach") / pl.col("selections")).alias("value")),
        g.select(pl.col("year").cast(pl.Int64), pl.lit("gender_parity").alias("indicator"),
                 "level_band", (pl.col("women") / pl.col("known")).alias("value")),
        ctx.recruitment.filter(pl.col("entity") == entity).select(
            "year", pl.lit("recruitment").alias("indicator"),
            pl.lit(None, pl.Utf8).alias("level_band"), "value"),
        ctx.regional.filter(pl.col("entity") == entity).select(
            pl.col("year").cast(pl.Int64), pl.lit("regional_diversity").alias("indicator"),
            pl.lit(None, pl.Utf8).alias("level_band"), pl.col("largest").alias("value")),
    ]
    frame = pl.concat([p.cast(schema) for p in parts])  # type: ignore[arg-type]
    order = {k: i for i, k in enumerate(INDICATORS)}
    return frame.with_columns(pl.col("indicator").replace_strict(order).alias("_o")).sort(
        "_o", "level_band", "year", nulls_last=True).drop("_o")


def _targets(ctx: Context, series: pl.DataFrame) -> pl.DataFrame:
    c, band = ctx.compact, ctx.gender_params.parity_band
    latest = series.filter(pl.col("year") == pl.col("year").max().over(
        "indicator", "level_band"))
    low = {"geographical_selections": c.geographical_selections.value,
           "gender_parity": band.lower, "recruitment": c.recruitment_within_share.value}
    high = {"gender_parity": band.upper,
            "regional_diversity": c.regional_group_max_share.value}
    out = latest.with_columns(
        pl.col("indicator").replace_strict(low, default=None, return_dtype=pl.Float64)
        .alias("target_low"),
        pl.col("indicator").replace_strict(high, default=None, return_dtype=pl.Float64)
        .alias("target_high"))
    met = ((pl.col("target_low").is_null() | (pl.col("value") >= pl.col("target_low") - 1e-12))
           & (pl.col("target_high").is_null()
              | (pl.col("value") <= pl.col("target_high") + 1e-12)))
    out = out.with_columns(pl.when(pl.col("value").is_null()).then(None)
                           .when(met).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("met"))
    likely = ctx.likely.with_columns(pl.lit("gender_parity").alias("indicator"))
    out = out.join(likely, on=["indicator", "level_band"], how="left")
    return out.select(list(_TARGET_COLUMNS))


def _analyst(ctx: Context, entity: str) -> list[Section]:
    series = _series(ctx, entity)
    targets = _targets(ctx, series)
    met = int((targets["met"] == "yes").sum())
    paragraphs = [Phrase(N_("On {date}, {entity} met {met} of its {targets} compact targets "
                            "with a value."),
                         {"date": ctx.snapshot, "entity": entity, "met": met,
                          "targets": int(targets["met"].is_not_null().sum())})]
    for row in targets.filter(pl.col("indicator") == "geographical_selections").iter_rows(
            named=True):
        paragraphs.append(Phrase(
            N_("In {year}, {share} of its selections at Professional and higher grades "
               "went to nationals of unrepresented and underrepresented Member States "
               "(target: at least {target})."),
            {"year": str(series.filter(pl.col("indicator") == "geographical_selections")
                         ["year"].max()),
             "share": Share(row["value"]), "target": Share(row["target_low"])}))
    series = series.with_columns(pl.col("year").cast(pl.Utf8))
    targets = targets.with_columns(pl.col("likely_year").cast(pl.Utf8))
    t_table = Table("scorecard_targets", Phrase(N_("{entity} against its compact targets"),
                                                {"entity": entity}),
                    targets, _TARGET_COLUMNS,
                    dimensions={"level_band": "level_band"},
                    labels={"indicator": INDICATORS, "met": MET},
                    shares=["value", "target_low", "target_high", "probability"],
                    note=Phrase(N_("Likely met from: the first year the Secretariat-wide "
                                   "projection puts women's share of the level within the "
                                   "parity band with a probability of at least one half, in "
                                   "that year and every later one (none: not within the "
                                   "projection's years). Probability in the target year: "
                                   "that the level is within the band in {year}."),
                                {"year": str(ctx.compact.gender_parity_year.value)}))
    trend = Table("scorecard_trend", Phrase(N_("{entity}: the indicators year by year"),
                                            {"entity": entity}),
                  series, _TREND_COLUMNS,
                  dimensions={"level_band": "level_band"}, labels={"indicator": INDICATORS},
                  shares=["value"])
    gender = Table("scorecard_gender", Phrase(N_("Women's share by level, year by year")),
                   series.filter(pl.col("indicator") == "gender_parity").select(
                       "year", "level_band", "value"),
                   {"year": N_("Year"), "level_band": N_("Level"), "value": N_("Women's share")},
                   dimensions={"level_band": "level_band"}, shares=["value"])
    return [Section("targets", Phrase(N_("Compact targets")), paragraphs, [t_table]),
            Section("trend", Phrase(N_("Five-year trend")), (), [trend, gender])]


def _released(source: Store, aud: Audience, entity: str) -> list[Section]:
    rel = released_tables(source, aud)
    wf = without_margins(rel["workforce_by_entity_gender"], ("gender",)).filter(
        pl.col("entity") == entity)
    tables = [Table("released_entity_gender", Phrase(N_("Staff by gender")),
                    wf.select("gender", "staff", "gender_share"),
                    {"gender": N_("Gender"), "staff": N_("Staff"), "gender_share": N_("Share")},
                    dimensions={"gender": "gender"}, shares=["gender_share"],
                    source="workforce_by_entity_gender")]
    if "own_entity_by_level_gender" in rel:
        own = without_margins(rel["own_entity_by_level_gender"], ("level_band", "gender"))
        tables.append(Table("released_entity_level_gender",
                            Phrase(N_("Staff by level and gender")),
                            own.select("level_band", "gender", "staff"),
                            {"level_band": N_("Level"), "gender": N_("Gender"),
                             "staff": N_("Staff")},
                            dimensions={"level_band": "level_band", "gender": "gender"},
                            source="own_entity_by_level_gender"))
    women = wf.filter(pl.col("gender") == "F")["gender_share"]
    paragraphs = [Phrase(N_("Women were {women} of the staff of {entity}."),
                         {"women": Share(women[0]), "entity": entity})] \
        if women.len() and women[0] is not None else []
    return [Section("released", Phrase(N_("Gender parity")), paragraphs, tables)]


def build_scorecard(source: Backend | Store, entity: str, as_of: date | None = None,
                    audience: Audience | str | None = ANALYST,
                    ctx: Context | None = None) -> Document:
    """The scorecard of ``entity`` (``ctx`` from :func:`context`, to share it among
    entities)."""
    aud, snapshot, sections, notes = _scorecard(source, entity, as_of, audience, ctx)
    return Document("scorecard", Phrase(N_("Scorecard of {entity}"), {"entity": entity}),
                    {"entity": entity, "as_of": snapshot}, audience_key(aud), sections,
                    notes, as_of_data(source))


def _scorecard(source: Backend | Store, entity: str, as_of: date | None,
               audience: Audience | str | None, ctx: Context | None
               ) -> tuple[Audience | None, date, list[Section], list[Phrase]]:
    known = entities(source, as_of)
    if entity not in known:
        raise UserInputError(f"'{entity}' is not an entity with staff in the store.",
                             f"Use one of: {', '.join(known)}.")
    aud = audience_of(audience)
    if aud is None:
        ctx = ctx or context(source, as_of)
        c = ctx.compact
        notes = [Phrase("{name}: {source}", {"name": name, "source": getattr(c, name).source})
                 for name in ("geographical_selections", "gender_parity_year",
                              "recruitment_days", "recruitment_within_share",
                              "regional_group_max_share")]
        return aud, ctx.snapshot, _analyst(ctx, entity), notes
    if not isinstance(source, Store):
        released_tables(source, aud)
    assert isinstance(source, Store)
    snapshot = comp.resolve_snapshot(comp.snapshot_dates(comp.as_backend(source)), as_of)
    return aud, snapshot, released(_released(source, aud, entity)), []


def build_scorecards(source: Backend | Store, as_of: date | None = None,
                     audience: Audience | str | None = ANALYST) -> Document:
    """Every entity's scorecard in one report (one section per entity), the shared
    figures computed once."""
    aud = audience_of(audience)
    ctx = context(source, as_of) if aud is None else None
    sections: list[Section] = []
    notes: list[Phrase] = []
    snapshot: date | None = None
    for e in entities(source, as_of):
        _, snapshot, parts, notes = _scorecard(source, e, as_of, aud, ctx)
        sections.append(prefixed(parts, e, Phrase(N_("Scorecard of {entity}"),
                                                  {"entity": e})))
    return Document("scorecard", Phrase(N_("Scorecards of every entity")),
                    {"entity": "all", "as_of": snapshot}, audience_key(aud), sections,
                    notes, as_of_data(source))


def build(store: Store, *, entity: str | None = None, as_of: str | None = None,
          audience: str = ANALYST) -> Document:
    """The ``parity report scorecard`` entry point: one entity, or every one."""
    day = parse_day(as_of, "--as-of") if as_of else None
    if entity is None:
        return build_scorecards(store, day, audience)
    return build_scorecard(store, entity, day, audience)


KIND = register(ReportKind(
    name="scorecard",
    help="An entity's scorecard against its compact targets (compact.yaml, each with its "
         "source): selections of nationals of un- and under-represented States, gender "
         "parity by level, recruitment within 120 days, regional diversity; the five-year "
         "trend; the year each level is likely within the parity band. Without --entity, "
         "every entity.",
    options=(Option("entity", "--entity", "The entity (default: every entity).",
                    metavar="ENTITY"),
             Option("as_of", "--as-of", "The snapshot: the latest on or before this date "
                    "(YYYY-MM-DD; default: the latest).", check_day, metavar="YYYY-MM-DD")),
    build=build))
