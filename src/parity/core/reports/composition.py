"""The annual report on the composition of the Secretariat, as a :class:`Document`.

Its structure follows the Secretary-General's report (seed 001 §26, §43): the staff by
category, grade, gender, regional group, nationality, entity, duty station, appointment
type and age band; the population the report defines (``sg_report``: Professional and
higher categories plus Field Service, excluding temporary appointments); the
desirable-range annex for every Member State; five-year trends; charts. Every figure is
the core's result for the same question (:mod:`parity.core.analytics.composition` and
:mod:`parity.core.analytics.ranges`); every sentence is filled from those figures.

Audiences other than the analyst read a release instead (the disclosure component's
suppressed tables, see :func:`parity.core.reports._common.released_tables`), so the
report shows nothing the audience may not see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

import polars as pl

from parity.core import model
from parity.core.analytics import composition as comp
from parity.core.analytics.ranges import classify, desirable_ranges, status_counts
from parity.core.backend import Backend
from parity.core.dimensions import registry
from parity.core.disclosure import Audience
from parity.core.reports._common import (
    ANALYST,
    as_of_data,
    audience_key,
    audience_of,
    check_day,
    parse_day,
    released,
    released_tables,
    staff_table,
    trend_dates,
    without_margins,
)
from parity.core.reports.document import (
    N_,
    Chart,
    Document,
    Label,
    Phrase,
    Section,
    Share,
    Table,
)
from parity.core.reports.kinds import Option, ReportKind, register
from parity.core.store import Store

POPULATION = "sg_report"
#: The breakdowns of the population (table key → dimensions), in the report's order.
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "by_grade_gender": ("grade", "gender"),
    "by_regional_group": ("regional_group",),
    "by_nationality": ("nationality",),
    "by_entity": ("entity",),
    "by_duty_station": ("duty_station",),
    "by_age_band_gender": ("age_band", "gender"),
}
#: Breakdowns of all staff (the population leaves out some categories and appointments).
ALL_STAFF: dict[str, tuple[str, ...]] = {
    "by_category": ("category",),
    "by_appointment_type": ("appointment_type",),
}
_TITLES: dict[str, str] = {
    "by_category": N_("All staff by category"),
    "by_appointment_type": N_("All staff by appointment type"),
    "by_grade_gender": N_("Staff in the report's population by grade and gender"),
    "by_regional_group": N_("Staff in the report's population by regional group"),
    "by_nationality": N_("Staff in the report's population by nationality"),
    "by_entity": N_("Staff in the report's population by entity"),
    "by_duty_station": N_("Staff in the report's population by duty station"),
    "by_age_band_gender": N_("Staff in the report's population by age band and gender"),
}
#: The age bands' names (message ids).
AGE_BAND_NAMES: dict[str, str] = {
    "under_30": N_("Under 30"), "30-39": N_("30 to 39"), "40-49": N_("40 to 49"),
    "50-59": N_("50 to 59"), "60_and_over": N_("60 and over"), "unknown": N_("Unknown"),
}
#: The appointment types' names (message ids).
APPOINTMENT_NAMES: dict[str, str] = {
    "permanent": N_("Permanent appointment"), "continuing": N_("Continuing appointment"),
    "fixed-term": N_("Fixed-term appointment"), "temporary": N_("Temporary appointment"),
}
#: Columns named by the builder's message ids rather than by the dashboard's labels.
_NAMED: dict[str, Mapping[str, str]] = {"age_band": AGE_BAND_NAMES,
                                        "appointment_type": APPOINTMENT_NAMES,
                                        "category": model.CATEGORIES}
_ANNEX_COLUMNS: dict[str, str] = {
    "iso3": N_("Member State"), "regional_group": N_("Regional group"),
    "lower": N_("Lower limit"), "midpoint": N_("Midpoint"), "upper": N_("Upper limit"),
    "staff": N_("Nationals in geographical posts"), "status": N_("Status"),
    "needed_to_reach_lower": N_("Needed to reach the range"),
}


def _women(frame: pl.DataFrame) -> float | None:
    total = int(frame["staff"].sum())
    women = int(frame.filter(pl.col("gender") == "F")["staff"].sum())
    return women / total if total else None


def _breakdown(source: Backend | Store, key: str, dims: tuple[str, ...], snapshot: date,
               scope: str) -> Table:
    frame = comp.composition(source, list(dims), as_of=snapshot, scope=scope)
    share = "share_within" if len(dims) > 1 else "share"
    table = staff_table(key, Phrase(_TITLES[key]), frame, dims, share=share)
    named = {d: _NAMED[d] for d in dims if d in _NAMED}
    if not named:
        return table
    return dataclasses.replace(
        table, labels=named,
        dimensions={k: v for k, v in table.dimensions.items() if k not in named})


def _charts(key: str, dims: tuple[str, ...]) -> list[Chart]:
    """A bar chart of a one-dimension table of few groups (the long lists, nationality,
    entity and duty station, are read in their tables)."""
    if len(dims) != 1 or key in ("by_nationality", "by_duty_station", "by_entity"):
        return []
    return [Chart(key + "_chart", Phrase(_TITLES[key]), key, "bar", dims[0], "staff")]


def _summary(source: Backend | Store, snapshot: date) -> Section:
    everyone = comp.composition(source, ["gender"], as_of=snapshot)
    pop = comp.composition(source, ["gender"], as_of=snapshot, scope=POPULATION)
    total, in_pop = int(everyone["staff"].sum()), int(pop["staff"].sum())
    paragraphs = [
        Phrase(N_("On {date}, the Secretariat had {total} staff; {population} of them "
                  "({share}) were in the population of this report: the Professional and "
                  "higher categories and the Field Service, excluding temporary "
                  "appointments."),
               {"date": snapshot, "total": total, "population": in_pop,
                "share": Share(in_pop / total if total else None)}),
        Phrase(N_("Women were {women} of all staff and {women_population} of the report's "
                  "population."),
               {"women": Share(_women(everyone)), "women_population": Share(_women(pop))}),
    ]
    tables, charts = [], []
    for key, dims in ALL_STAFF.items():
        tables.append(_breakdown(source, key, dims, snapshot, "all"))
        charts += _charts(key, dims)
    return Section("summary", Phrase(N_("Overview")), paragraphs, tables, charts)


def _population(source: Backend | Store, snapshot: date) -> Section:
    tables, charts = [], []
    for key, dims in BREAKDOWNS.items():
        tables.append(_breakdown(source, key, dims, snapshot, POPULATION))
        charts += _charts(key, dims)
    ages = tables[-1].frame
    older = int(ages.filter(pl.col("age_band") == "60_and_over")["staff"].sum())
    total = int(ages["staff"].sum())
    groups = tables[1].frame.sort(["staff", "regional_group"], descending=[True, False])
    paragraphs = [
        Phrase(N_("The largest regional group in the population was {group}, with {staff} "
                  "staff ({share})."),
               {"group": Label(groups["regional_group"][0], "regional_group"),
                "staff": int(groups["staff"][0]), "share": Share(groups["share"][0])}),
        Phrase(N_("{older} staff ({share}) were 60 or older on the snapshot."),
               {"older": older, "share": Share(older / total if total else None)}),
    ] if groups.height else []
    return Section("population", Phrase(N_("The report's population")), paragraphs, tables,
                   charts)


def _annex(states: pl.DataFrame, snapshot: date, source: str | None = None) -> Section:
    counts = status_counts(states.filter(pl.col("status").is_not_null()))
    n = dict(zip(counts["status"].to_list(), counts["states"].to_list(), strict=True))
    annex = states.select(list(_ANNEX_COLUMNS)).sort("iso3")
    paragraphs = [Phrase(
        N_("On {date}, {unrepresented} Member States were unrepresented, {under} "
           "underrepresented, {within} within their desirable range and {over} "
           "overrepresented."),
        {"date": snapshot, "unrepresented": n["unrepresented"], "under": n["underrepresented"],
         "within": n["within_below_midpoint"] + n["within_above_midpoint"],
         "over": n["overrepresented"]})]
    status_table = Table("range_status_counts", Phrase(N_("Member States by status")),
                         counts.select("status", "states"),
                         {"status": N_("Status"), "states": N_("Member States")},
                         dimensions={"status": "range_status"}, source=source)
    annex_table = Table("range_annex", Phrase(N_("Desirable ranges of the Member States on "
                                                 "{date}"), {"date": snapshot}),
                        annex, _ANNEX_COLUMNS,
                        dimensions={"iso3": "nationality", "regional_group": "regional_group",
                                    "status": "range_status"}, source=source)
    chart = Chart("range_status_chart", Phrase(N_("Member States by status")),
                  "range_status_counts", "bar", "status", "states")
    return Section("ranges", Phrase(N_("Annex: desirable ranges")), paragraphs,
                   [status_table, annex_table], [chart])


def _trends(source: Backend | Store, snapshot: date) -> Section:
    dates = trend_dates(source, snapshot)
    tables, charts = [], []
    specs = {"trend_total": (), "trend_gender": ("gender",),
             "trend_regional_group": ("regional_group",)}
    titles = {"trend_total": N_("Staff in the report's population, year by year"),
              "trend_gender": N_("Staff in the report's population by gender, year by year"),
              "trend_regional_group": N_("Staff in the report's population by regional "
                                         "group, year by year")}
    for key, dims in specs.items():
        frame = comp.composition_trend(source, list(dims), scope=POPULATION,
                                       date_to=snapshot)
        frame = frame.filter(pl.col("snapshot_date").is_in(dates))
        cols = {"snapshot_date": N_("Snapshot"), **{d: registry.label_of(d) for d in dims},
                "staff": N_("Staff"), **({"share": N_("Share")} if dims else {})}
        table = Table(key, Phrase(titles[key]), frame.select(list(cols)), cols,
                      dimensions={d: d for d in dims}, shares=["share"] if dims else [])
        tables.append(table)
        if not dims:
            charts.append(Chart(key + "_chart", Phrase(titles[key]), key, "bar",
                                "snapshot_date", "staff"))
    total = tables[0].frame
    first, last = int(total["staff"][0]), int(total["staff"][-1])
    women = tables[1].frame.filter(pl.col("gender") == "F")
    paragraphs = [Phrase(
        N_("From {first_date} to {last_date}, the report's population went from {first} to "
           "{last} staff, and the share of women from {women_first} to {women_last}."),
        {"first_date": dates[0], "last_date": dates[-1], "first": first, "last": last,
         "women_first": Share(women["share"][0] if women.height else None),
         "women_last": Share(women["share"][-1] if women.height else None)})]
    return Section("trends", Phrase(N_("Five-year trends")), paragraphs, tables, charts)


def _released(source: Store, audience: Audience, snapshot: date) -> list[Section]:
    """The public version: the released tables, suppressed cells left empty."""
    rel = released_tables(source, audience)
    src = "workforce_by_regional_group_level_gender"
    wf = without_margins(rel[src], ("regional_group", "level_band", "gender"))
    parity = without_margins(rel["gender_parity_by_level"], ("parity_band", "gender"))
    nationals = rel["nationals_in_geographical_posts"]
    tables = [
        Table("released_workforce", Phrase(N_("Staff by regional group, level and gender")),
              wf.select("regional_group", "level_band", "gender", "staff"),
              {"regional_group": N_("Regional group"), "level_band": N_("Level"),
               "gender": N_("Gender"), "staff": N_("Staff")},
              dimensions={"regional_group": "regional_group", "level_band": "level_band",
                          "gender": "gender"}, source=src),
        Table("released_gender_parity", Phrase(N_("Gender parity by level")),
              parity.select("parity_band", "gender", "staff", "gender_share"),
              {"parity_band": N_("Level"), "gender": N_("Gender"), "staff": N_("Staff"),
               "gender_share": N_("Share")},
              dimensions={"parity_band": "parity_band", "gender": "gender"},
              shares=["gender_share"], source="gender_parity_by_level"),
    ]
    women = parity.filter(pl.col("gender") == "F")
    paragraphs = [Phrase(N_("Women were {women} of the staff at the {band} level."),
                         {"women": Share(r["gender_share"]),
                          "band": Label(r["parity_band"], "parity_band")})
                  for r in women.iter_rows(named=True) if r["gender_share"] is not None]
    ranges = desirable_ranges(source, snapshot)
    limits = ranges.states.drop("staff", "status", "distance_to_range",
                                "needed_to_reach_lower")
    joined = limits.join(nationals.select("nationality", "staff").rename(
        {"nationality": "iso3"}), on="iso3", how="left")
    known = classify(joined.filter(pl.col("staff").is_not_null()), ranges.params)
    hidden = joined.filter(pl.col("staff").is_null()).with_columns(
        pl.lit(None, pl.Utf8).alias("status"), pl.lit(None, pl.Float64).alias(
            "distance_to_range"), pl.lit(None, pl.Int64).alias("needed_to_reach_lower"))
    states = pl.concat([known, hidden.select(known.columns)], how="vertical_relaxed")
    return [Section("workforce", Phrase(N_("Workforce")), paragraphs, tables),
            _annex(states, snapshot, "nationals_in_geographical_posts")]


def build_composition(source: Backend | Store, as_of: date | None = None,
                      audience: Audience | str | None = ANALYST) -> Document:
    """The composition report on the latest snapshot on or before ``as_of``: the store's
    figures for the analyst, a release's for every other audience."""
    aud = audience_of(audience)
    snapshot = comp.resolve_snapshot(comp.snapshot_dates(comp.as_backend(source)), as_of)
    if aud is None:
        sections = [_summary(source, snapshot), _population(source, snapshot),
                    _annex(desirable_ranges(source, snapshot).states, snapshot),
                    _trends(source, snapshot)]
    else:
        if not isinstance(source, Store):
            released_tables(source, aud)  # the one clear error
        assert isinstance(source, Store)
        sections = released(_released(source, aud, snapshot))
    notes = [Phrase(N_("Ages are the snapshot's year minus the year of birth. Nationals in "
                       "geographical posts are the staff counted for the desirable ranges "
                       "(posts subject to geographical distribution)."))]
    return Document("composition", Phrase(N_("Composition of the Secretariat")),
                    {"as_of": snapshot, "population": POPULATION}, audience_key(aud),
                    sections, notes, as_of_data(source),
                    subtitle=Phrase(N_("Staff on {date}"), {"date": snapshot}))


def build(store: Store, *, as_of: str | None = None, audience: str = ANALYST) -> Document:
    """The ``parity report composition`` entry point (options as parsed text)."""
    return build_composition(store, parse_day(as_of, "--as-of") if as_of else None, audience)


KIND = register(ReportKind(
    name="composition",
    help="The annual report on the composition of the Secretariat: staff by category, grade, "
         "gender, regional group, nationality, entity, duty station, appointment type and "
         "age band; the report's population (P and higher plus FS, no temporary "
         "appointments); the desirable-range annex of the 193 Member States; five-year "
         "trends.",
    options=(Option("as_of", "--as-of", "The snapshot: the latest on or before this date "
                    "(YYYY-MM-DD; default: the latest).", check_day, metavar="YYYY-MM-DD"),),
    build=build))
