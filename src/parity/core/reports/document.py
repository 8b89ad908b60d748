"""What a report says, before any language or format: the document model.

A report builder (one module per report in this package) reads the core's results and
returns a :class:`Document`. Nothing in it is translated or formatted yet: every piece of
text is a :class:`Phrase` (an English message id, also the key of the six catalogs, with
named values), every table a polars frame with its column labels, every chart a
description of what to draw from one of those tables. A renderer (HTML, PDF, XLSX)
translates the phrases into the report's language, formats the numbers the locale's way
and draws the charts; so a figure in a sentence, in its table and in its chart is the
same value, and a test can compare a report's tables with the core's result directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import polars as pl

from parity.core.output import DataAsOf


def N_(message: str) -> str:
    """Mark ``message`` as a message id for the catalogs without translating it here."""
    return message


@dataclass(frozen=True)
class Share:
    """A proportion (0-1), written as a percentage in the report's language."""

    value: float | None
    digits: int = 1


@dataclass(frozen=True)
class Label:
    """A value to translate: a message id (a stage, a level band) or a dimension value
    (``dimension`` set: rendered with that dimension's label for the value)."""

    value: str
    dimension: str | None = None


@dataclass(frozen=True)
class Country:
    """A State by ISO 3166-1 alpha-3 code, named with the UN's official name in the
    report's language."""

    iso3: str


@dataclass(frozen=True)
class Month:
    """A calendar month, written the locale's way ("June 2024", "juin 2024")."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` as a month (ValueError when it is not one)."""
        year, sep, month = text.strip().partition("-")
        if not (sep and len(year) == 4 and year.isdigit() and month.isdigit()
                and 1 <= int(month) <= 12 and len(month) == 2):
            raise ValueError(text)
        return cls(int(year), int(month))

    def shift(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        k = self.year * 12 + self.month - 1 + months
        return Month(k // 12, k % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


#: A value inside a phrase: a count (int), a number (float), text kept as it is (str,
#: e.g. an entity code), a date, a month, a share, a label or a country.
Value = int | float | str | date | Month | Share | Label | Country | None


@dataclass(frozen=True)
class Phrase:
    """One sentence or title: an English message id with ``{name}`` placeholders and the
    values that fill them."""

    msgid: str
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """One table of a report.

    ``key`` is its stable name (the XLSX sheet, the snapshot a test compares). ``columns``
    gives each column shown, in order, with the message id of its heading. ``dimensions``
    maps a column holding dimension values to that dimension's name, so a renderer writes
    each value's label in the report's language (codes stay in the XLSX's second header
    row). ``shares`` lists columns holding proportions. ``source`` names the released
    table the figures come from, for every audience but the analyst.
    """

    key: str
    title: Phrase
    frame: pl.DataFrame
    columns: Mapping[str, str]
    dimensions: Mapping[str, str] = field(default_factory=dict)
    shares: Sequence[str] = ()
    source: str | None = None
    note: Phrase | None = None
    #: Columns whose values are codes named by message ids of the builder: column →
    #: {value: message id} (e.g. the periods of a table).
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: For audiences other than the analyst (:mod:`parity.core.reports.audience`): the
    #: count columns of a count table over its one dimension (protected as a release
    #: table, with its margins), each count column's share column, and the cumulative
    #: columns: {larger: smaller} where larger = smaller + a part an earlier report may
    #: already have published (the year to date = the month + January to the month
    #: before, which last month's report gave).
    counts: Sequence[str] = ()
    count_shares: Mapping[str, str] = field(default_factory=dict)
    cumulative: Mapping[str, str] = field(default_factory=dict)
    #: How a table without ``counts`` is protected: "comparison" (verdicts only, under the
    #: ratio rule), "timeline" (small counts and rates on small counts hidden) or
    #: "released" (read from a release made for the audience: shown as it is).
    protection: str | None = None


ChartKind = Literal["bar", "stacked_bar", "line"]


@dataclass(frozen=True)
class Chart:
    """A chart drawn from table ``table`` (a key of the same section): ``x`` the category
    or time column, ``y`` the value column, ``color`` the series column if any."""

    key: str
    title: Phrase
    table: str
    kind: ChartKind
    x: str
    y: str
    color: str | None = None


@dataclass(frozen=True)
class Section:
    """A heading, its sentences (generated from the numbers beside them), tables and charts."""

    key: str
    title: Phrase
    paragraphs: Sequence[Phrase] = ()
    tables: Sequence[Table] = ()
    charts: Sequence[Chart] = ()

    def table(self, key: str) -> Table:
        """The table named ``key``."""
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


@dataclass(frozen=True)
class Document:
    """A whole report: ``kind`` (monthly, composition, scorecard, member-state), its title,
    the parameters it was made with, the audience it is for, its sections, closing notes
    and the data it was computed from."""

    kind: str
    title: Phrase
    parameters: Mapping[str, Any]
    audience: str
    sections: Sequence[Section]
    notes: Sequence[Phrase] = ()
    data_as_of: DataAsOf | None = None
    #: Named values for the parameters' line of every format (e.g. the month as a Month).
    subtitle: Phrase | None = None

    def tables(self) -> dict[str, Table]:
        """Every table of the report by key (keys are unique across sections)."""
        out: dict[str, Table] = {}
        for s in self.sections:
            for t in s.tables:
                if t.key in out:
                    raise ValueError(f"Two tables of the report are named {t.key!r}.")
                out[t.key] = t
        return out
