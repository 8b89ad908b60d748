"""What the composition, scorecard and Member State builders share: the audience, the
released tables a non-analyst audience reads, the years of a five-year trend and the
table of staff and shares by one dimension."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

import polars as pl

from parity.core.analytics.composition import as_backend, snapshot_dates
from parity.core.backend import Backend
from parity.core.dimensions import registry
from parity.core.disclosure import Actor, Audience, build_release
from parity.core.disclosure.tables import ALL
from parity.core.errors import UserInputError
from parity.core.output import DataAsOf
from parity.core.output.result import data_as_of
from parity.core.reports.audience import parse as parse_audience
from parity.core.reports.document import Chart, Phrase, Section, Table
from parity.core.store import Store
from parity.core.version import data_version

ANALYST = "analyst"
#: How many calendar years a trend covers (the latest year-end snapshot and four before).
TREND_YEARS = 5


def audience_of(audience: Audience | str | None) -> Audience | None:
    """The release audience of ``audience`` (``public``, ``member_state:ISO3``,
    ``manager:ENTITY`` or an :class:`Audience`); None for the analyst, who reads the store."""
    if audience is None or isinstance(audience, Audience):
        return audience
    parsed = parse_audience(audience)
    assert parsed is None or isinstance(parsed, Audience)
    return parsed


def parse_day(text: str, flag: str) -> date:
    """A ``YYYY-MM-DD`` option as a date; one clear sentence when it is not one."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserInputError(f"{flag} '{text}' is not a date.",
                             f"Write it as YYYY-MM-DD, e.g. {flag} 2024-12-31.") from None


def check_day(text: str) -> str:
    """A ``--as-of`` option checked and kept as text (YYYY-MM-DD)."""
    return parse_day(text, "--as-of").isoformat()


def audience_key(audience: Audience | None) -> str:
    return ANALYST if audience is None else audience.key


#: Releases already built in this process, by store file, data version and audience: a
#: report of every entity or State, and the tests, read the one release of an audience.
_RELEASES: dict[tuple[str, str, str], dict[str, pl.DataFrame]] = {}


def released_tables(source: Backend | Store, audience: Audience) -> dict[str, pl.DataFrame]:
    """The tables of a release for ``audience``, built and checked by the disclosure
    component (threshold rule, complementary suppression, linked audit); hidden cells are
    null. Nothing is written: the release is not published. Built once per store, data
    version and audience in a process."""
    if not isinstance(source, Store):
        raise UserInputError(
            f"A report for the {audience.key} audience is made from a release, which needs "
            "the store itself.", "Open the store and pass it instead of a backend.")
    key = (str(source.path), data_version(source), audience.key)
    if key not in _RELEASES:
        release = build_release(source, audience, Actor("report", "admin"))
        if len(_RELEASES) >= 8:
            _RELEASES.pop(next(iter(_RELEASES)))
        _RELEASES[key] = {t.name: t.frame for t in release.tables}
    return _RELEASES[key]


def released(sections: Sequence[Section]) -> list[Section]:
    """``sections`` with every table marked as read from a checked release (shown as it
    is to the audience the release was made for)."""
    return [dataclasses.replace(s, tables=[dataclasses.replace(t, protection="released")
                                           for t in s.tables]) for s in sections]


def prefixed(sections: Sequence[Section], prefix: str, title: Phrase,
             charts: bool = True) -> Section:
    """One report's sections as one section of a report of many (table and chart keys
    prefixed, so they stay unique): every entity's scorecard, every State's profile
    (without ``charts``: the tables only, for a report of 193 States)."""
    tables: list[Table] = []
    drawn: list[Chart] = []
    paragraphs: list[Phrase] = []
    for s in sections:
        paragraphs += list(s.paragraphs)
        tables += [dataclasses.replace(t, key=f"{prefix}_{t.key}") for t in s.tables]
        drawn += [dataclasses.replace(c, key=f"{prefix}_{c.key}", table=f"{prefix}_{c.table}")
                  for c in s.charts] if charts else []
    return Section(prefix, title, paragraphs, tables, drawn)


def without_margins(frame: pl.DataFrame, dims: Sequence[str]) -> pl.DataFrame:
    """A released frame without its margin rows (``All`` in any of ``dims``)."""
    cond = pl.lit(True)
    for d in dims:
        cond = cond & (pl.col(d) != ALL)
    return frame.filter(cond)


def as_of_data(source: Backend | Store) -> DataAsOf | None:
    return data_as_of(source) if isinstance(source, Store) else None


def trend_dates(source: Backend | Store, snapshot: date) -> list[date]:
    """The last snapshot of each of the :data:`TREND_YEARS` calendar years up to the one
    of ``snapshot`` (``snapshot`` itself for its year), oldest first."""
    every = [d for d in snapshot_dates(as_backend(source)) if d <= snapshot]
    years = sorted({d.year for d in every})[-TREND_YEARS:]
    return [max(d for d in every if d.year == y) if y != snapshot.year else snapshot
            for y in years]


def staff_table(key: str, title: Phrase, frame: pl.DataFrame, dims: Sequence[str], *,
                share: str = "share", source: str | None = None,
                note: Phrase | None = None) -> Table:
    """A table of staff (and share) by ``dims``: dims first (headed by their labels in
    the one registry), then staff and the share."""
    cols = {d: registry.label_of(d) for d in dims} | {"staff": "Staff"}
    if share in frame.columns:
        cols[share] = "Share"
    return Table(key, title, frame.select(list(cols)), cols,
                 dimensions={d: d for d in dims}, shares=[share] if share in cols else [],
                 source=source, note=note)
