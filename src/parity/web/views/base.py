"""What a view is: parameters, a compute step (cached) and a presentation step.

A view module defines ``VIEW = View(...)``:

- ``compute(source, params)`` calls the core and returns named polars frames. It runs once
  per store state, audience and parameter set (see :mod:`parity.web.cache`); the frames
  are the view's data: its JSON twin, its downloads and its HTML tables.
- ``present(data, params, fmt)`` turns those frames into text in one language: summary
  sentences, tables with typed columns, and Vega-Lite charts, each tied to a table.

Nothing here computes a statistic; the frames come from ``parity.core``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from parity.core.backend import Backend
from parity.core.errors import UserInputError
from parity.core.store import Store
from parity.web.formatting import Formatter
from parity.web.users import ANALYST_ROLES, User

Params = Mapping[str, str | None]
Data = dict[str, pl.DataFrame]


@dataclass
class Source:
    """What a compute step may read: the store (one cursor per call) and the audience."""

    store: Store
    user: User

    def backend(self) -> Backend:
        return Backend.from_store(self.store)


@dataclass(frozen=True)
class Param:
    """A filter: a query-string key, its label and its allowed values."""

    name: str
    label: str
    options: Callable[[Source], Sequence[str]]
    kind: str = "text"
    default: Callable[[Sequence[str]], str | None] = lambda values: None
    labels: Mapping[str, str] = field(default_factory=dict)
    all_label: str | None = None

    def parse(self, raw: str | None, values: Sequence[str]) -> str | None:
        """The validated value of ``raw`` (the default when empty)."""
        if raw is None or raw == "":
            return self.default(values) if self.all_label is None else None
        if raw not in values:
            shown = ", ".join(list(values)[:12]) + (" …" if len(values) > 12 else "")
            raise UserInputError(f"'{raw}' is not a value of the filter '{self.name}'.",
                                 f"Use one of: {shown}.")
        return raw

    def option_label(self, value: str, fmt: Formatter) -> str:
        if value in self.labels:
            return fmt._(self.labels[value])
        return fmt.value(self.kind, value)


@dataclass(frozen=True)
class Column:
    """A shown column: its name in the frame, its header (msgid) and how to format it."""

    name: str
    label: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "count", "share", "points", "decimal")


@dataclass
class Table:
    """A data table shown on the page: ``name`` is the key of its frame in the view's data."""

    name: str
    title: str
    columns: Sequence[Column]
    frame: pl.DataFrame
    row_header: str | None = None

    def rows(self, fmt: Formatter) -> list[list[str]]:
        return [[fmt.value(c.kind, row[c.name]) for c in self.columns]
                for row in self.frame.iter_rows(named=True)]


@dataclass
class Chart:
    """A chart drawn from one of the page's tables, with a caption that says what it shows."""

    table: str
    caption: str
    spec: dict[str, Any]


@dataclass
class Page:
    """A view in one language."""

    summary: list[str]
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    """A dashboard view. Register its module in :data:`parity.web.views.VIEW_MODULES`."""

    slug: str
    title: str
    description: str
    params: Sequence[Param]
    compute: Callable[[Source, Params], Data]
    present: Callable[[Data, Params, Formatter], Page]
    template: str
    #: Roles that may open the view. Until a view releases its data through
    #: parity.core.disclosure, only analysts see it.
    roles: frozenset[str] = ANALYST_ROLES
    order: int = 100

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def require_rows(frame: pl.DataFrame, what: str) -> pl.DataFrame:
    """Refuse to present an empty table with a message that says what is missing."""
    if frame.height == 0:
        from parity.core.errors import EmptyStoreError

        raise EmptyStoreError(f"There are no {what} for these filters.",
                              "Widen the filters or load more data.")
    return frame
