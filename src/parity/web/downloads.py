"""What a dashboard XLSX download holds, in the language of the page it was taken from.

A CSV download keeps its contract: the table's frame as the JSON twin has it, field names
in the header row and codes in the cells, whatever the page's language (scripts read it).
An XLSX download is for people: row 1 has the page's column headers in its language, row
2 the field names (the core writer's rule, :mod:`parity.core.output.xlsx_out`), and each
coded column (country, regional group, gender, category, yes/no) is followed by a column
of its names in that language, so that the codes stay beside the words.
"""

from __future__ import annotations

import polars as pl

from parity.web.formatting import Formatter
from parity.web.views.base import Data, Params, Table, View

#: Column kinds whose cells are codes a reader needs named (see Formatter.value).
CODE_KINDS = frozenset({"country", "group", "gender", "category", "bool"})
#: Suffix of the field name of a coded column's names.
NAME_SUFFIX = "_name"


def _shown_table(view: View, data: Data, params: Params, fmt: Formatter,
                 name: str) -> Table | None:
    page = view.present(data, params, fmt)
    return next((t for t in page.tables if t.name == name), None)


def labelled(view: View, data: Data, params: Params, fmt: Formatter,
             name: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame ``name`` for a workbook, with its headers in ``fmt``'s language.

    The frame is the page's table when it holds every field of the data (it adds the
    names the page shows, such as a status in words), else the data's frame.
    """
    frame = data[name]
    table = _shown_table(view, data, params, fmt, name)
    if table is None:
        return frame, {}
    if set(frame.columns) <= set(table.frame.columns) and table.frame.height == frame.height:
        frame = table.frame
    columns = {c.name: c for c in table.columns}
    series: list[pl.Series] = []
    headers: dict[str, str] = {}
    coded = {f"{c.name}{NAME_SUFFIX}" for c in table.columns if c.kind in CODE_KINDS}
    for col in frame.columns:
        if col in coded:  # names in English from the core: replaced by the page's words
            continue
        series.append(frame[col])
        column = columns.get(col)
        if column is None:
            continue
        header = fmt._(column.label)
        if column.kind in CODE_KINDS:
            named = f"{col}{NAME_SUFFIX}"
            headers[col] = fmt._("%(column)s (code)", column=header)
            headers[named] = header
            series.append(pl.Series(named, [fmt.value(column.kind, v)
                                            for v in frame[col].to_list()], dtype=pl.Utf8))
        else:
            headers[col] = header
    return pl.DataFrame(series), headers
