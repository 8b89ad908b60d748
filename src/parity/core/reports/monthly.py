"""The monthly report of staff selection decisions (MISSION capability 9; seed 000 annex II §4).

For a month M it reports the selections *decided* in M (by selection date, whatever the
posting year of the opening), in the year to date (January to M) and in the same month a
year earlier, by regional group, by the desirable-range status of the selected person's
State (``range_status``: the table in force at the start of each period), by gender,
grade, entity and posting type. Every count is the funnel's own counting pass
(:func:`~parity.core.analytics.funnel_counts.count_table`, filtered with
``selection_month``): selections from rosters are counted with the others. Then the
funnel's verdicts (:func:`~parity.core.analytics.funnel.funnel_report`, nothing
recomputed) for the openings posted in the years the twelve months to the end of M cover
(the funnel counts by posting year, its finest period), and the 120-day recruitment
timeline (:func:`~parity.core.analytics.timelines.timelines_report`) of the openings whose
first selection fell in each period. The sentences are written from those figures by
:mod:`parity.core.reports.monthly_text`.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from parity.core.errors import UserInputError
from parity.core.reports import monthly_text as text
from parity.core.reports.document import (
    N_,
    Chart,
    Document,
    Label,
    Month,
    Phrase,
    Section,
    Table,
)
from parity.core.reports.kinds import Option, ReportKind, register

if TYPE_CHECKING:  # the analytics are imported when a report is built, not when listed
    from parity.core.backend import Backend
    from parity.core.store import Store

#: The breakdowns of the selections, in the order of the report.
BREAKDOWNS: tuple[str, ...] = ("regional_group", "range_status", "gender", "grade", "entity",
                               "posting_type")
#: The funnel's breakdowns whose verdicts the report shows.
FUNNEL_BREAKDOWNS: tuple[str, ...] = ("regional_group", "gender")
#: The three periods of every selection table, with their column names.
PERIODS: dict[str, str] = {"month": N_("Selections in the month"),
                           "year_to_date": N_("Selections in the year to date"),
                           "year_earlier": N_("Selections in the same month a year earlier")}
SHARES: dict[str, str] = {"month_share": N_("Share of the month's selections"),
                          "year_to_date_share": N_("Share of the year to date"),
                          "year_earlier_share": N_("Share a year earlier")}
PERIOD_LABELS: dict[str, str] = {"month": N_("The month"),
                                 "year_to_date": N_("The year to date"),
                                 "year_earlier": N_("The same month a year earlier")}
TITLES: dict[str, str] = {
    "regional_group": N_("Selections by regional group"),
    "range_status": N_("Selections by desirable-range status of the selected person's State"),
    "gender": N_("Selections by gender"),
    "grade": N_("Selections by grade"),
    "entity": N_("Selections by entity"),
    "posting_type": N_("Selections by posting type"),
}
HEADINGS: dict[str, str] = {
    "regional_group": N_("Regional group"), "range_status": N_("Desirable-range status"),
    "gender": N_("Gender"), "grade": N_("Grade"), "entity": N_("Entity"),
    "posting_type": N_("Posting type"), "stage": N_("Stage"), "verdict": N_("Verdict"),
}


def parse_month(value: str) -> Month:
    """``YYYY-MM`` as a :class:`Month`, or one clear error."""
    try:
        return Month.parse(value)
    except ValueError:
        raise UserInputError(f"'{value}' is not a month.",
                             "Write the month as YYYY-MM, e.g. --month 2024-06.") from None


def periods(month: Month) -> dict[str, tuple[str, ...]]:
    """The months (YYYY-MM) of each period of the report for ``month``."""
    return {"month": (str(month),),
            "year_to_date": tuple(str(Month(month.year, m)) for m in range(1, month.month + 1)),
            "year_earlier": (str(month.shift(-12)),)}


def selections(backend: Backend, dim: str, periods_: dict[str, tuple[str, ...]]
               ) -> dict[str, pl.DataFrame]:
    """Selections decided in each period's months by ``dim`` (columns ``dim``,
    ``selected``): the funnel's count table filtered on selection_month, roster openings
    included. One count by ``dim`` and month serves every period, except for range_status,
    whose labels come from the desirable-range table in force at each period's start."""
    from parity.core.analytics.funnel_counts import CountRequest, count_table
    from parity.core.analytics.funnel_dims import Filter

    def count(keys: tuple[str, ...], months: tuple[str, ...]) -> pl.DataFrame:
        request = CountRequest(keys, filters=(Filter("selection_month", months),))
        try:
            return count_table(backend, request)
        except UserInputError:  # no application was selected in those months
            return pl.DataFrame(schema={**{k: pl.Utf8 for k in keys}, "selected": pl.Int64})

    def by_dim(frame: pl.DataFrame) -> pl.DataFrame:
        return (frame.group_by(dim).agg(pl.col("selected").sum().cast(pl.Int64))
                .with_columns(pl.col(dim).cast(pl.Utf8)))

    if dim == "range_status":
        return {p: by_dim(count((dim,), months)) for p, months in periods_.items()}
    every = tuple(sorted({m for months in periods_.values() for m in months}))
    counts = count((dim, "selection_month"), every)
    return {p: by_dim(counts.filter(pl.col("selection_month").is_in(list(months))))
            for p, months in periods_.items()}


def _ordered(frame: pl.DataFrame, dim: str) -> pl.DataFrame:
    """Rows in the dimension's natural order (every value listed), else by count."""
    from parity.core.dimensions import order_of

    order = order_of(dim)
    if order is not None:
        every = pl.DataFrame({dim: [v for v in order if v != "unknown"]})
        extra = frame.join(every, on=dim, how="anti")
        return pl.concat([every.join(frame, on=dim, how="left"), extra], how="diagonal")
    return frame.sort(["month", "year_to_date", dim], descending=[True, True, False])


def selection_table(backend: Backend, dim: str, month: Month) -> pl.DataFrame:
    """One breakdown: counts and shares of the month, the year to date and a year earlier."""
    frame: pl.DataFrame | None = None
    for period, counts in selections(backend, dim, periods(month)).items():
        part = counts.rename({"selected": period})
        frame = part if frame is None else frame.join(part, on=dim, how="full", coalesce=True)
    assert frame is not None
    frame = _ordered(frame, dim).with_columns(pl.col(p).fill_null(0).cast(pl.Int64)
                                              for p in PERIODS)
    if dim == "grade":  # 28 grades: only those with a selection in one of the periods
        frame = frame.filter(pl.any_horizontal(pl.col(p) > 0 for p in PERIODS))
    return frame.with_columns(
        (pl.col(p) / pl.col(p).sum()).alias(f"{p}_share") for p in PERIODS
    ).select(dim, "month", "month_share", "year_to_date", "year_to_date_share", "year_earlier",
             "year_earlier_share")


def funnel_window(month: Month) -> tuple[int, int]:
    """The posting years the twelve months to the end of ``month`` cover."""
    return month.shift(-11).year, month.year


def verdict_table(backend: Backend, dim: str, month: Month) -> pl.DataFrame:
    """The funnel's verdicts by ``dim`` at every step, from the funnel report itself."""
    from parity.core.analytics.funnel import funnel_report

    year_from, year_to = funnel_window(month)
    stages = funnel_report(backend, [dim], year_from=year_from, year_to=year_to).stages
    # The others' applicants at the stage (each group is compared with all the others).
    stages = stages.with_columns(
        (pl.col("previous_count").sum().over("stage") - pl.col("previous_count"))
        .alias("reference_previous_count"))
    return (stages.filter(pl.col("verdict").is_not_null())
            .with_columns(pl.col(dim).cast(pl.Utf8))
            .select(dim, "stage", "previous_count", "count", "pass_rate", "reference_pass_rate",
                    "selection_ratio", "q_value", "verdict", "reference_previous_count"))


def timeline_table(backend: Backend, month: Month, as_of: date | None) -> pl.DataFrame:
    """Time from posting to first selection of the openings first filled in each period."""
    from parity.core.analytics.timelines import TARGET_DAYS, timelines_report

    rows: list[dict[str, Any]] = []
    for period, months in periods(month).items():
        try:
            t = timelines_report(backend, [], where=[f"selection_month={','.join(months)}"],
                                 as_of=as_of).timelines
        except UserInputError:
            t = pl.DataFrame()
        r = t.row(0, named=True) if t.height else {}
        rows.append({"period": period, "openings": r.get("openings", 0),
                     "median_days": r.get("median_days"),
                     "within_target": r.get("within_target"),
                     "target_days": r.get("target_days", TARGET_DAYS)})
    return pl.DataFrame(rows, schema={"period": pl.Utf8, "openings": pl.Int64,
                                      "median_days": pl.Float64, "within_target": pl.Float64,
                                      "target_days": pl.Int64})


def _selection_section(dim: str, frame: pl.DataFrame, month: Month) -> Section:
    columns = {dim: HEADINGS[dim], "month": PERIODS["month"], "month_share": SHARES["month_share"],
               "year_to_date": PERIODS["year_to_date"],
               "year_to_date_share": SHARES["year_to_date_share"],
               "year_earlier": PERIODS["year_earlier"],
               "year_earlier_share": SHARES["year_earlier_share"]}
    key = f"selections_by_{dim}"
    table = Table(key, Phrase(TITLES[dim]), frame, columns, dimensions={dim: dim},
                  shares=tuple(SHARES), counts=tuple(PERIODS),
                  count_shares={p: f"{p}_share" for p in PERIODS},
                  cumulative={"year_to_date": "month"})
    charts = () if dim == "entity" else (
        Chart(f"{key}_chart", Phrase(N_("Selections in {month}"), {"month": month}), key,
              "bar", dim, "month"),)
    return Section(dim, Phrase(TITLES[dim]), (), (table,), charts)


def build(store: Store, *, month: str, audience: str = "analyst") -> Document:
    """The monthly selection-decision report for ``month`` (YYYY-MM), analyst figures.

    For every other audience, :func:`parity.core.reports.audience.for_audience` protects
    the tables afterwards (the registry of report kinds does it for every report).
    """
    from parity.core.backend import Backend
    from parity.core.output import data_as_of

    m = parse_month(month)
    backend = Backend.from_store(store)
    as_of = data_as_of(store)
    end = m.shift(1)
    cutoff = date(end.year, end.month, 1)
    sections: list[Section] = []
    tables = {dim: selection_table(backend, dim, m) for dim in BREAKDOWNS}
    if int(tables["regional_group"]["year_to_date"].sum()) == 0 and int(
            tables["regional_group"]["year_earlier"].sum()) == 0:
        raise UserInputError(f"No selection was decided in {m.year} up to {m} nor in "
                             f"{m.shift(-12)}.",
                             "Choose a month covered by the loaded applications.")
    sections.append(Section("summary", Phrase(N_("Summary"))))
    sections.extend(_selection_section(dim, tables[dim], m) for dim in BREAKDOWNS)
    year_from, year_to = funnel_window(m)
    verdict_tables = []
    for dim in FUNNEL_BREAKDOWNS:
        frame = verdict_table(backend, dim, m)
        verdict_tables.append(Table(
            f"funnel_verdicts_by_{dim}",
            Phrase(N_("Funnel verdicts by {dimension}, openings posted {first}–{last}"),
                   {"dimension": Label(HEADINGS[dim]), "first": str(year_from), "last": str(year_to)}),
            frame,
            {dim: HEADINGS[dim], "stage": HEADINGS["stage"],
             "previous_count": N_("At the previous stage"), "count": N_("Passed"),
             "pass_rate": N_("Pass rate"), "reference_pass_rate": N_("Pass rate of the others"),
             "selection_ratio": N_("Ratio to the others"), "q_value": N_("q-value"),
             "verdict": HEADINGS["verdict"]},
            dimensions={dim: dim, "stage": "stage", "verdict": "verdict"},
            shares=("pass_rate", "reference_pass_rate"), protection="comparison"))
    sections.append(Section("funnel", Phrase(N_("The funnel's verdicts")), (),
                            tuple(verdict_tables)))
    timeline = timeline_table(backend, m, cutoff - timedelta(days=1))
    sections.append(Section(
        "timeline", Phrase(N_("Recruitment timeline against the {days}-day target"),
                           {"days": int(timeline["target_days"][0])}), (),
        (Table("timeline", Phrase(N_("Days from posting to first selection")), timeline,
               {"period": N_("Period"), "openings": N_("Openings filled"),
                "median_days": N_("Median days"), "within_target": N_("Share filled within the target"),
                "target_days": N_("Target (days)")},
               shares=("within_target",), labels={"period": PERIOD_LABELS},
               protection="timeline"),)))
    return write_sentences(Document(
        "monthly", Phrase(N_("Staff selection decisions: monthly report")),
        {"month": str(m), "audience": audience, "funnel_years": f"{year_from}-{year_to}"},
        audience, tuple(sections),
        notes=(Phrase(N_("Selections are counted by the date of the selection decision, "
                         "whatever the year the job opening was posted; selections from "
                         "rosters are included.")),
               Phrase(N_("Desirable-range status is that of the selected person's State in "
                         "the desirable-range table in force at the start of each period.")),
               Phrase(N_("The funnel's verdicts cover the job openings posted in "
                         "{first}–{last}, the posting years of the twelve months to the end "
                         "of {month}."), {"first": str(year_from), "last": str(year_to),
                                          "month": m})),
        data_as_of=as_of,
        subtitle=Phrase(N_("Selections decided in {month}"), {"month": m})))


def write_sentences(document: Document) -> Document:
    """The sentences of every section, written from the tables the document holds (the
    analyst's, or those protected for another audience)."""
    m = Month.parse(str(document.parameters["month"]))
    year_from, year_to = (int(y) for y in str(document.parameters["funnel_years"]).split("-"))
    tables = document.tables()
    frames = {dim: tables[f"selections_by_{dim}"].frame for dim in BREAKDOWNS}
    verdicts = [tables[f"funnel_verdicts_by_{dim}"] for dim in FUNNEL_BREAKDOWNS]
    written = {"summary": text.summary(frames, m),
               **{dim: text.breakdown(dim, frames[dim], m) for dim in BREAKDOWNS},
               "funnel": text.verdicts(verdicts, year_from, year_to),
               "timeline": text.timeline(tables["timeline"].frame, m)}
    return dataclasses.replace(document, sections=tuple(
        dataclasses.replace(s, paragraphs=tuple(written.get(s.key, s.paragraphs)))
        for s in document.sections))


def _month_option(value: str) -> str:
    return str(parse_month(value))


KIND = register(ReportKind(
    name="monthly",
    help="The monthly report of staff selection decisions: selections decided in the month, "
         "the year to date and the same month a year earlier by regional group, "
         "desirable-range status, gender, grade, entity and posting type; the funnel's "
         "verdicts over the twelve months to the end of the month; the 120-day timeline.",
    options=(Option("month", "--month", "The month of the selection decisions (YYYY-MM).",
                    _month_option, required=True, metavar="YYYY-MM"),),
    build=build, rewrite=write_sentences))
