"""A report as an XLSX workbook, by the one writer's rules (:mod:`parity.core.output.xlsx_out`).

An "About" sheet (named in the report's language) holds the title, the parameters, the
data version and every sentence of the report; then one sheet per table: readable
headers in the report's language in row 1, the column codes in row 2, typed cells
(counts as integers, shares as percentages). A column of dimension codes is preceded by
a column of their names in the language (``<column>_label``).
"""

from __future__ import annotations

import polars as pl

from parity.core.output.xlsx_out import workbook
from parity.core.reports.document import N_, Document, Table
from parity.reports.html import audience_line
from parity.reports.words import Words


def sheet_frame(table: Table, words: Words) -> tuple[pl.DataFrame, dict[str, str]]:
    """The table's shown columns, each coded column preceded by its names; the headers."""
    columns: list[pl.Series] = []
    headers: dict[str, str] = {}
    for c in table.columns:
        head = words.t(table.columns[c])
        if c in table.dimensions or c in table.labels:
            names = [words.cell(table, c, v) for v in table.frame[c].to_list()]
            columns.append(pl.Series(f"{c}_label", names, dtype=pl.Utf8))
            headers[f"{c}_label"] = head
            headers[c] = f"{head} ({words.t(N_('code'))})"
        else:
            headers[c] = head
        columns.append(table.frame[c])
    return pl.DataFrame(columns), headers


def render_xlsx(document: Document, lang: str) -> bytes:
    """The report as XLSX bytes in ``lang``."""
    words = Words(lang)
    params = [(str(k), str(v)) for k, v in document.parameters.items()]
    about: list[tuple[str, list[tuple[str, str]]]] = [
        (words.t(N_("Parameters")), [*params, (words.t(N_("Language")), lang),
                                    (words.t(N_("Audience")), audience_line(document, words))]),
    ]
    if document.data_as_of is not None:
        about.append((words.t(N_("Data")), [("data_version", document.data_as_of.version),
                                            ("", words.data_as_of(document.data_as_of))]))
    sentences: list[str] = []
    for s in document.sections:
        sentences.extend(words.phrase(p) for p in s.paragraphs)
    about.append((words.t(N_("Summary")), [(str(i + 1), t) for i, t in enumerate(sentences)]))
    sections = {t.key: sheet_frame(t, words) for s in document.sections for t in s.tables}
    title = words.phrase(document.title)
    if document.subtitle is not None:
        title = f"{title}: {words.phrase(document.subtitle)}"
    return workbook(title, about, [words.phrase(n) for n in document.notes], sections,
                    notes_heading=words.t(N_("Notes")), about_sheet=words.t(N_("About"))[:31])
