"""What the store says about the past, counted once per question with Ibis.

:func:`read_history` returns small count tables (polars) that the estimators use:
the base snapshot by cell, person-years at risk with their separations and promotions,
promotions and appointments by grade, appointees' ages and genders, applications and
selections by grade and nationality. Everything is limited to
data on or before ``as_of`` so that a back-test can fit on the past only.

Entry year of a person (for the entry-cohort retirement rules): the year of their first
appointment event; failing that, the year of their first snapshot if it is not the
store's first; failing that (in the first snapshot with no appointment on record) the
earlier of that year and birth year + the median age at appointment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core.analytics.composition import as_backend, snapshot_dates
from parity.core.backend import Backend
from parity.core.errors import EmptyStoreError, UserInputError
from parity.core.store import Store

DEFAULT_ENTRY_AGE = 35


@dataclass(frozen=True)
class History:
    """Count tables read from the store for one projection origin."""

    base_date: date
    base: pl.DataFrame
    person_years: pl.DataFrame
    fills: pl.DataFrame
    appointments: pl.DataFrame
    applications: pl.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: For the trend of the women's share of recruits (year, grade, gender, selected, source):
    #: external selections by posting year in the recruitment window's and the estimation
    #: window's years (source "selection"), and appointments by year in the estimation
    #: window (source "appointment", used for grades without selections).
    selections: pl.DataFrame | None = None

    @property
    def base_year(self) -> int:
        return self.base_date.year


#: A year's outcomes count only when its last snapshot is at least this many days after
#: the previous year's: a year seen for a month (e.g. one January snapshot on top of yearly
#: ones) would read a month of separations as a year's.
FULL_YEAR_DAYS = 335


def estimation_years(snaps: dict[int, date], base_year: int, window_years: int) -> tuple[
        list[int], list[int]]:
    """The ``window_years`` latest years up to the base year with a year at risk before
    them, and the years left out because the store covers them only partly (the window
    then reaches back as many years further)."""
    years: list[int] = []
    partial: list[int] = []
    y = base_year
    while y > base_year - window_years - len(partial) and len(years) < window_years:
        if y - 1 in snaps:
            if y in snaps and (snaps[y] - snaps[y - 1]).days < FULL_YEAR_DAYS:
                partial.append(y)
            else:
                years.append(y)
        y -= 1
    return sorted(years), partial


def _yearly_snapshots(dates: list[date], as_of: int | None) -> dict[int, date]:
    """The last snapshot date of each year (up to ``as_of``)."""
    out: dict[int, date] = {}
    for d in sorted(dates):
        if as_of is None or d.year <= as_of:
            out[d.year] = d
    return out


def _staff(backend: Backend, categories: frozenset[str], snaps: list[date]) -> ir.Table:
    s = backend.table("staff")
    s = s.filter(s.snapshot_date.isin(snaps) & s.category.cast("string").isin(sorted(categories)))
    return s.select(
        person_id=s.person_id, year=s.snapshot_date.year(), grade=s.grade.cast("string"),
        gender=s.gender.cast("string"), birth_year=s.birth_year.cast("int32"),
        nationality=s.nationality.cast("string"), field=s.field, geo=s.geo_subject,
    )


def _persons(backend: Backend, as_of: int) -> ir.Table:
    s = backend.table("staff")
    s = s.filter(s.snapshot_date.year() <= as_of)
    return s.group_by("person_id").agg(
        first_year=s.snapshot_date.year().min(), p_birth=s.birth_year.cast("int32").max(),
        p_gender=s.gender.cast("string").max())


def _events(backend: Backend, as_of: int) -> ir.Table:
    e = backend.table("events")
    e = e.filter(e.event_date.year() <= as_of)
    return e.select(person_id=e.person_id, ev_year=e.event_date.year(), event=e.event.cast("string"),
                    from_grade=e.from_grade.cast("string"), to_grade=e.to_grade.cast("string"),
                    reason=e.reason.cast("string"))


def _median_entry_age(backend: Backend, as_of: int) -> int:
    ev = _events(backend, as_of)
    persons = _persons(backend, as_of)
    appt = ev.filter(ev.event == "appointment")
    j = appt.join(persons, "person_id")
    ages = j.filter(j.p_birth.notnull()).aggregate(age=(j.ev_year - j.p_birth).median())
    value = Backend.to_polars(ages)["age"].to_list()
    return round(float(value[0])) if value and value[0] is not None else DEFAULT_ENTRY_AGE


def _with_cohort(table: ir.Table, backend: Backend, as_of: int, first_store_year: int,
                 entry_age: int) -> ir.Table:
    """Add ``cohort`` (0 before 1990, 1 for 1990–2013, 2 from 2014) to a table with person_id."""
    ev = _events(backend, as_of)
    appt = ev.filter(ev.event == "appointment").group_by("person_id").agg(appt_year=ev.ev_year.min())
    persons = _persons(backend, as_of).join(appt, "person_id", how="left")
    guess = ibis.cases((persons.p_birth.isnull(), persons.first_year),
                       else_=ibis.least(persons.first_year, persons.p_birth + entry_age))
    entry = ibis.coalesce(
        persons.appt_year,
        ibis.cases((persons.first_year > first_store_year, persons.first_year), else_=guess))
    cohorts = persons.select("person_id", cohort=ibis.cases(
        (entry < 1990, 0), (entry < 2014, 1), else_=2))
    return table.join(cohorts, "person_id", how="left")


def read_history(source: Backend | Store, categories: frozenset[str], as_of: int | None = None,
                 window_years: int = 5, applications_window: tuple[int, int] = (2018, 2022)
                 ) -> History:
    """Count tables for a projection from the snapshot of year ``as_of`` (default: the latest).

    Rates use the ``window_years`` years up to the base year; applications use the
    openings posted in ``applications_window`` (clipped to the base year; if nothing was
    posted then, every opening posted up to the base year).
    """
    backend = as_backend(source)
    dates = snapshot_dates(backend)
    snaps = _yearly_snapshots(dates, as_of)
    if not snaps:
        first = min(dates).year if dates else None
        raise UserInputError(f"There is no staff snapshot in or before {as_of}.",
                             f"Give a base year of {first} or later." if first else
                             "Load staff.csv with 'parity ingest' first (or run 'parity demo').")
    base_year = max(snaps)
    base_date = snaps[base_year]
    first_store_year = min(d.year for d in dates)
    notes: list[str] = []
    entry_age = _median_entry_age(backend, base_year)
    staff = _staff(backend, categories, list(snaps.values()))

    base = staff.filter(staff.year == base_year)
    base = _with_cohort(base, backend, base_year, first_store_year, entry_age)
    base_counts = base.group_by(["grade", "gender", "field", "geo", "nationality", "birth_year",
                                 "cohort"]).agg(n=base.count())
    base_frame = Backend.to_polars(base_counts)
    if base_frame.height == 0:
        raise EmptyStoreError(f"The snapshot of {base_date} has no staff in the projection's scope.",
                              "Choose scope: all in the scenario or load staff of those categories.")

    years, partial = estimation_years(snaps, base_year, window_years)
    if partial:
        notes.append(
            "Rates leave out " + ", ".join(map(str, partial)) + ": the store covers "
            + ("that year" if len(partial) == 1 else "those years") + " only up to "
            + ", ".join(str(snaps[y]) for y in partial) + ", less than a year after the "
            "previous snapshot.")
    if not years:
        notes.append("The store has a single snapshot year, so rates come from the priors only.")
    risk = staff.filter(staff.year.isin([y - 1 for y in years] or [-1]))
    risk = risk.mutate(y=risk.year + 1)
    ev = _events(backend, base_year)
    sep = ev.filter(ev.event == "separation")
    sep = sep.group_by(["person_id", "ev_year"]).agg(
        sep_n=sep.count(), ret_n=(sep.reason == "retirement").ifelse(1, 0).max())
    prom = ev.filter(ev.event == "promotion")
    prom = prom.group_by(["person_id", "ev_year"]).agg(prom_n=prom.count())
    j = risk.left_join(sep, [risk.person_id == sep.person_id, risk.y == sep.ev_year])
    j = j.select(*risk.columns, "sep_n", "ret_n")
    j = j.left_join(prom, [j.person_id == prom.person_id, j.y == prom.ev_year])
    j = j.select(*risk.columns, "sep_n", "ret_n", "prom_n")
    j = _with_cohort(j, backend, base_year, first_store_year, entry_age)
    py = j.group_by(year=j.y, grade=j.grade, gender=j.gender, age=j.y - j.birth_year,
                    cohort=j.cohort).agg(
        at_risk=j.count(),
        separated=j.sep_n.notnull().ifelse(1, 0).sum(),
        retired=(j.ret_n.fill_null(0) > 0).ifelse(1, 0).sum(),
        promoted=j.prom_n.notnull().ifelse(1, 0).sum(),
    )
    person_years = Backend.to_polars(py)

    in_window = ev.filter(ev.ev_year.isin(years or [-1]))
    fills = in_window.filter(ev.event.isin(["promotion", "appointment"]) & ev.to_grade.notnull())
    fills = fills.group_by(["event", "from_grade", "to_grade"]).agg(n=fills.count())
    fills_frame = Backend.to_polars(fills)

    appt = in_window.filter(in_window.event == "appointment")
    appt = appt.join(_persons(backend, base_year), "person_id")
    appt = appt.filter(appt.to_grade.notnull())
    appt_counts = appt.group_by(grade=appt.to_grade, gender=appt.p_gender,
                                age=appt.ev_year - appt.p_birth).agg(n=appt.count())
    appointments = Backend.to_polars(appt_counts)
    appt_years = Backend.to_polars(appt.group_by(year=appt.ev_year, grade=appt.to_grade,
                                                 gender=appt.p_gender).agg(selected=appt.count()))

    applications, selections = _applications(backend, categories, applications_window, base_year,
                                             window_years, notes)
    return History(base_date=base_date, base=base_frame, person_years=person_years,
                   fills=fills_frame, appointments=appointments, applications=applications,
                   notes=tuple(notes), selections=pl.concat([
                       selections.with_columns(pl.lit("selection").alias("source")),
                       _typed(appt_years, selections).with_columns(pl.lit("appointment").alias("source"))]))


def _typed(frame: pl.DataFrame, like: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.col(c).cast(like.schema[c]) for c in like.columns)


def _applications(backend: Backend, categories: frozenset[str], window: tuple[int, int],
                  base_year: int, window_years: int, notes: list[str]
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    apps = backend.table("applications")
    op = backend.table("openings")
    grades = backend.table("ref_grades")
    op = op.join(grades, op.grade.cast("string") == grades.grade).select(
        opening_id=op.opening_id, grade=grades.grade, category=grades.category,
        posted=op.posted_date.year())
    op = op.filter(op.category.isin(sorted(categories)))
    joined = apps.join(op, "opening_id")
    counts = joined.group_by(
        year=joined.posted, grade=joined.grade, nationality=joined.nationality.cast("string"),
        gender=joined.gender.cast("string"), internal=joined.internal.fill_null(False),
    ).agg(applications=joined.count(), selected=joined.selected_date.notnull().ifelse(1, 0).sum())
    frame = Backend.to_polars(counts).filter(pl.col("year") <= base_year)
    lo, hi = window[0], min(window[1], base_year)
    chosen = frame.filter(pl.col("year").is_between(lo, hi))
    if chosen.height == 0 and frame.height:
        years = sorted(set(frame["year"].to_list()))
        lo, hi = max(years[0], years[-1] - 4), years[-1]
        chosen = frame.filter(pl.col("year").is_between(lo, hi))
        notes.append(f"No opening was posted in {window[0]}–{window[1]} up to the base year; the "
                     f"recruitment mix uses the openings posted in {lo}–{hi}.")
    elif frame.height == 0:
        notes.append("The store has no applications in scope; the recruitment mix comes from the "
                     "appointments on record (gender) and the base snapshot (nationality).")
    elif hi < window[1]:
        notes.append(f"The recruitment mix uses the openings posted in {lo}–{hi} (the window "
                     f"ends at the base year).")
    in_trend = (pl.col("year").is_between(lo, hi)
                | pl.col("year").is_between(base_year - window_years + 1, base_year))
    selections = frame.filter(in_trend & ~pl.col("internal") & (pl.col("selected") > 0)).group_by(
        ["year", "grade", "gender"]).agg(pl.col("selected").sum()).sort("year", "grade", "gender")
    return chosen.group_by(["grade", "nationality", "gender", "internal"]).agg(
        pl.col("applications").sum(), pl.col("selected").sum()), selections
