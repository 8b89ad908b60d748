"""Turn the generated arrays into the five interchange files (INTERCHANGE.md).

Columns are written in the order of ``parity.core.model``; dates as YYYY-MM-DD, booleans as
true/false, unknown or not reached as an empty cell. Rows are sorted on stable keys so that
the same seed and scale give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from parity.core import model
from parity.core.synth.applications import STAGE_COLUMNS, Applications
from parity.core.synth.countries import countries
from parity.core.synth.dates import NEVER, YEARS, year_end, year_of
from parity.core.synth.ledger import WorkforceResult
from parity.core.synth.ordering import order_by
from parity.core.synth.organization import CATEGORY_NAMES, CATEGORY_OF, JOB_FAMILIES, Organization
from parity.core.synth.population import GENDER_CODES
from parity.core.synth.recruitment import Openings
from parity.core.synth.selfid import DIMENSIONS, DISABILITY, RACE_ETHNICITY, SelfIdentification

PERSON_WIDTH = 8
_GENDERS = tuple(g if g else None for g in GENDER_CODES)


def codes(name: str, labels: tuple[str | None, ...], idx: np.ndarray) -> pl.Series:
    """Labels by index; a negative index gives an empty cell."""
    table = pl.Series(name, [*labels, None], dtype=pl.Utf8)
    return table.gather(np.where(idx < 0, len(labels), idx))


def ids(name: str, prefix: str, values: np.ndarray, width: int) -> pl.Series:
    """``prefix`` and the value zero-padded to ``width`` digits (e.g. P00000042)."""
    padded = (pl.Series(values.astype(np.int64)) + 10**width).cast(pl.Utf8).str.slice(1)
    return pl.select(pl.format(f"{prefix}{{}}", padded).alias(name)).to_series()


def dates(name: str, days: np.ndarray) -> pl.Series:
    arr = np.asarray(days, dtype=np.int64)
    missing = pl.Series(arr >= int(NEVER))
    s = pl.Series(name, np.where(arr >= int(NEVER), 0, arr).astype(np.int32)).cast(pl.Date)
    return pl.select(pl.when(missing).then(None).otherwise(s).alias(name)).to_series()


def _frame(table: model.Table, cols: list[pl.Series]) -> pl.DataFrame:
    df = pl.DataFrame(cols)
    # A column a file may leave out (organization) is written only when it was made.
    return df.select([c for c in table.file_columns if c in df.columns])


def staff_frame(wf: WorkforceResult, org: Organization) -> pl.DataFrame:
    s, p = wf.snapshots, wf.people
    person = s["person"]
    grade = s["grade"]
    return _frame(model.STAFF, [
        dates("snapshot_date", np.array([year_end(y) for y in YEARS])[s["year"] - YEARS[0]]),
        ids("person_id", "P", person, PERSON_WIDTH),
        codes("nationality", countries().iso3, p["nat"][person]),
        codes("gender", _GENDERS, p["gender"][person]),
        pl.Series("birth_year", p["birth_year"][person].astype(np.int16)),
        codes("category", CATEGORY_NAMES, CATEGORY_OF[grade]),
        codes("grade", model.GRADES, grade),
        codes("entity", org.codes, s["entity"]),
        codes("duty_station", org.station_names, s["station"]),
        pl.Series("field", org.field[s["entity"]]),
        codes("appointment_type", model.APPOINTMENT_TYPES, p["appt_type"][person]),
        pl.Series("geo_subject", s["geo"].astype(bool)),
    ])


def opening_order(op: Openings) -> tuple[np.ndarray, np.ndarray]:
    """Openings sorted by posting date (stable keys), and each opening's rank."""
    order = np.lexsort((op.fill, op.grade, op.entity, op.segment, op.posted))
    rank = np.empty(order.size, np.int64)
    rank[order] = np.arange(order.size)
    return order, rank


def opening_ids(op: Openings, rank: np.ndarray) -> pl.Series:
    """``JO-YYYY-NNNNNN``: the posting year and the rank within the year."""
    year = year_of(op.posted)
    first = np.full(year.max(initial=0) + 1, 0, np.int64)
    for y in np.unique(year):
        first[y] = rank[year == y].min()
    s = pl.Series("opening_id", rank - first[year]).cast(pl.Utf8).str.zfill(6)
    return pl.select(
        pl.format("JO-{}-{}", pl.Series(year).cast(pl.Utf8), s).alias("opening_id")
    ).to_series()


def openings_frame(op: Openings, org: Organization, opening_id: pl.Series,
                   order: np.ndarray) -> pl.DataFrame:
    df = _frame(model.OPENINGS, [
        opening_id,
        codes("entity", org.codes, op.entity),
        codes("grade", model.GRADES, op.grade),
        codes("job_family", JOB_FAMILIES, op.family),
        codes("posting_type", model.POSTING_TYPES, op.posting_type),
        dates("posted_date", op.posted),
        dates("closed_date", op.closed),
    ])
    return df[order]


def applications_frame(apps: Applications, opening_id: pl.Series,
                       rank: np.ndarray) -> pl.DataFrame:
    received = apps.dates["received"]
    order = order_by(rank[apps.opening], received, apps.applicant)
    a = apps.applicant[order]
    cc = countries()
    cols = [
        ids("application_id", "APP", np.arange(order.size), 9),
        opening_id.gather(apps.opening[order]),
        ids("applicant_id", "P", a, PERSON_WIDTH),
        codes("nationality", cc.iso3, apps.nationality[a]),
        codes("gender", _GENDERS, apps.gender[a]),
        codes("education_country", cc.iso3, apps.education[a]),
        pl.Series("internal", apps.internal[order]),
    ]
    cols += [dates(f"{k}_date", apps.dates[k][order]) for k in STAGE_COLUMNS]
    return _frame(model.APPLICATIONS, cols)


def events_frame(wf: WorkforceResult, org: Organization) -> pl.DataFrame:
    e = wf.events
    order = order_by(e["person"], e["day"], e["event"])
    return _frame(model.EVENTS, [
        ids("person_id", "P", e["person"][order], PERSON_WIDTH),
        dates("event_date", e["day"][order]),
        codes("event", model.EVENT_TYPES, e["event"][order]),
        codes("from_grade", model.GRADES, e["from_grade"][order]),
        codes("to_grade", model.GRADES, e["to_grade"][order]),
        codes("from_entity", org.codes, e["from_entity"][order]),
        codes("to_entity", org.codes, e["to_entity"][order]),
        codes("reason", model.SEPARATION_REASONS, e["reason"][order]),
    ])


def self_identification_frame(si: SelfIdentification) -> pl.DataFrame:
    order = order_by(si.subject, si.dimension)
    dim = si.dimension[order]
    value = si.value[order]
    race = codes("value", RACE_ETHNICITY, np.where(dim == 0, value, -1))
    disability = codes("value", DISABILITY, np.where(dim == 1, value, -1))
    return _frame(model.SELF_IDENTIFICATION, [
        ids("subject_id", "P", si.subject[order], PERSON_WIDTH),
        codes("dimension", DIMENSIONS, dim),
        race.fill_null(disability),
        dates("collected_date", si.collected[order]),
    ])


def write(out_dir: Path, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Write ``{file_stem: frame}`` as CSV files; return rows written per file name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for stem, df in frames.items():
        name = f"{stem}.csv"
        df.write_csv(out_dir / name, include_header=True, date_format="%Y-%m-%d")
        counts[name] = df.height
    return counts
