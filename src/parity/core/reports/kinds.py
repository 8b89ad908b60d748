"""The kinds of report, by name: each one's builder and options.

``parity report <name>`` (and any other edge) finds a report here. A report module
declares its kind once, at import, with :func:`register`; :data:`REPORT_MODULES` lists
those modules, so adding a report is one module plus one line here::

    register(ReportKind(
        name="composition", help="The annual composition report ...",
        options=(Option("as_of", "--as-of", "Snapshot date (YYYY-MM-DD).", parse_date,
                        required=True),),
        build=build))

``build(store, audience=..., **options)`` returns the analyst's :class:`Document`
(its parsed options as keyword arguments); :func:`make` then protects its tables for
every other audience (:mod:`parity.core.reports.audience`) and calls ``rewrite`` to write
the sentences again from the protected tables. A report module should import the
analytics inside its functions, so that listing the reports (``parity --help``) stays
fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parity.core.errors import UserInputError
from parity.core.reports.document import Document
from parity.core.store import Store

#: Modules that register report kinds, imported on first use.
REPORT_MODULES: list[str] = [
    "parity.core.reports.monthly",
    "parity.core.reports.composition",
    "parity.core.reports.scorecard",
    "parity.core.reports.member_state",
]


@dataclass(frozen=True)
class Option:
    """One option of a report: its keyword, its flag, help, and a parser of the text
    typed (raising UserInputError with one sentence for bad input)."""

    name: str
    flag: str
    help: str
    parse: Callable[[str], Any] = str
    required: bool = False
    default: str | None = None
    metavar: str = "TEXT"


@dataclass(frozen=True)
class ReportKind:
    """A report: its name (the subcommand), help, options and builder."""

    name: str
    help: str
    options: tuple[Option, ...]
    build: Callable[..., Document]
    #: Writes the sentences again from the document's tables, after they were protected
    #: for an audience other than the analyst (None: the sentences do not depend on them).
    rewrite: Callable[[Document], Document] | None = None


_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    """Declare a kind of report (once per name)."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"Two reports are named {kind.name!r}.")
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, ReportKind]:
    """Every kind of report, by name, in the order of :data:`REPORT_MODULES`."""
    for module in REPORT_MODULES:
        importlib.import_module(module)
    return dict(_KINDS)


def get(name: str) -> ReportKind:
    known = kinds()
    if name not in known:
        raise UserInputError(f"'{name}' is not a report.", f"Use one of: {', '.join(known)}.")
    return known[name]


def make(store: Store, name: str, audience: str = "analyst", **raw: str | None) -> Document:
    """The report ``name`` for ``audience`` from the options as typed (text): each is
    parsed by its :class:`Option`, the builder runs, and the tables are protected for
    every audience but the analyst."""
    from parity.core.reports.audience import check_audience, for_audience

    kind = get(name)
    check_audience(audience)
    values: dict[str, Any] = {}
    for opt in kind.options:
        text = raw.get(opt.name, opt.default)
        if text is None:
            if opt.required:
                raise UserInputError(f"The {name} report needs {opt.flag}.",
                                     f"Add {opt.flag} {opt.metavar}.")
            continue
        values[opt.name] = opt.parse(text)
    document = kind.build(store, audience=audience, **values)
    return for_audience(store, document, audience, rewrite=kind.rewrite)
