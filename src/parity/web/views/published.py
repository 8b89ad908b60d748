"""Published figures: the tables released by parity.core.disclosure for the viewer's audience.

Every role may open this view; it shows only released tables (suppressed cells stay
hidden), so it is what all staff, Member State delegations and managers see.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.releases import visible_tables
from parity.web.users import ROLES
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View
from parity.web.views.published_labels import (
    ALL,
    TABLE_TITLES,
    TITLES,
    audience_label,
    count_label,
    derived_label,
    dim_label,
    dim_value,
    reference_label,
)

CHART_ROWS = 25


def table_names(source: Source) -> list[str]:
    return list(visible_tables(source.store, source.user))


def compute(source: Source, params: Params) -> Data:
    name = params["table"]
    tables = visible_tables(source.store, source.user)
    if name is None or name not in tables:
        return {}
    t = tables[name]
    meta = t.meta
    info = pl.DataFrame({
        "release_id": [t.release_id], "audience": [t.audience], "created_at": [t.created_at],
        "table": [t.name], "title": [meta["title"]], "reference": [meta.get("reference", "")],
        "dims": [",".join(meta["dims"])], "counts": [",".join(meta["counts"])],
        "derived": [json.dumps(meta["derived"])], "cells": [meta.get("cells", 0)],
        "suppressed_cells": [meta.get("suppressed_cells", 0)],
        "notes": [" ".join(meta.get("notes", []))],
    })
    return {"table": t.frame, "release": info}


def _chart_rows(frame: pl.DataFrame, dims: list[str], primary: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """Rows of the primary dimension, with every other dimension fixed (All when it exists)."""
    rows = frame.filter(pl.col(primary) != ALL)
    fixed: dict[str, str] = {}
    for d in dims:
        if d == primary:
            continue
        values = rows[d].unique().to_list()
        choice = ALL if ALL in values else (max(values) if values else None)
        if choice is not None and rows.filter(pl.col(d) == choice).height:
            rows = rows.filter(pl.col(d) == choice)
            fixed[d] = choice
    return rows, fixed


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    if "table" not in data:
        return Page(summary=[_("No figures have been published for your audience yet.")], tables=[])
    frame, info = data["table"], data["release"].row(0, named=True)
    dims, counts = info["dims"].split(","), info["counts"].split(",")
    derived = json.loads(info["derived"])
    lines = [_("Published in release %(release)s on %(date)s for %(audience)s.",
               release=info["release_id"], date=fmt.date(str(info["created_at"])[:10]),
               audience=audience_label(fmt, info["audience"])),
             _("%(hidden)s of %(cells)s cells are hidden under the disclosure rules, so that no "
               "person can be identified.", hidden=fmt.integer(info["suppressed_cells"]),
               cells=fmt.integer(info["cells"]))]
    primary = dims[-1]
    chart_rows, fixed = _chart_rows(frame, dims, primary)
    if primary == "nationality" and counts:
        chart_rows = chart_rows.sort(counts[0], descending=True, nulls_last=True).head(CHART_ROWS)
    where = "; ".join(f"{dim_label(fmt, d)}: {dim_value(fmt, d, v)}" for d, v in fixed.items())
    if where:
        lines.append(_("The figures below are for %(where)s.", where=where))
    for r in chart_rows.head(8).iter_rows(named=True):
        parts = [f"{count_label(fmt, c)} {fmt.integer(r[c]) if r[c] is not None else _('hidden')}"
                 for c in counts]
        lines.append(_("%(group)s: %(figures)s.", group=dim_value(fmt, primary, r[primary]),
                       figures=", ".join(parts)))
    bars = [{"group": dim_value(fmt, primary, r[primary]), "measure": count_label(fmt, c),
             "value": r[c], "tooltip": f"{dim_value(fmt, primary, r[primary])} · "
                                       f"{count_label(fmt, c)}: {fmt.integer(r[c])}"}
            for r in chart_rows.iter_rows(named=True) for c in counts if r[c] is not None]
    chart = charts.bar(bars, category="group", value="value", value_title=_("Count"),
                       log_title=_("Count (logarithmic scale)"),
                       category_title=dim_label(fmt, primary),
                       series="measure" if len(counts) > 1 else None, series_title=_("Measure"),
                       rtl=fmt.dir == "rtl")
    caption = _("%(title)s, by %(dimension)s.", title=_(TITLES.get(info["title"], info["title"])),
                dimension=dim_label(fmt, primary).lower())
    if where:
        caption += " " + _("Shown for %(where)s.", where=where)
    caption += " " + _("Hidden cells are not drawn.")
    shown = frame.with_columns(
        pl.Series(f"{d}__label", [dim_value(fmt, d, v) for v in frame[d].to_list()], dtype=pl.Utf8)
        for d in dims)
    cols = [Column(f"{d}__label", dim_label(fmt, d), "text") for d in dims]
    cols += [Column(c, count_label(fmt, c), "count") for c in counts]
    cols += [Column(d["column"], derived_label(fmt, d), "decimal" if d["kind"] == "ratio_to_rest"
                    else "share") for d in derived]
    notes = [_("Reference: %(reference)s.", reference=reference_label(fmt, info["reference"]))] \
        if info["reference"] else []
    notes.append(_("Dimensions marked “All” are totals. A hidden count is shown as “hidden”; a "
                   "rate is left out when its counts are hidden or its denominator is too small."))
    return Page(
        summary=lines,
        tables=[Table("table", _(TITLES.get(info["title"], info["title"])), cols, shown),
                Table("release", _("About this release"),
                      [Column("release_id", N_("Release")),
                       Column("created_at", N_("Published"), "datetime"),
                       Column("audience", N_("Audience")), Column("cells", N_("Cells"), "int"),
                       Column("suppressed_cells", N_("Hidden cells"), "int")], data["release"])],
        charts=[Chart("table", caption, chart)] if bars else [],
        notes=notes,
    )


def _default(values: Sequence[str]) -> str | None:
    return values[0] if values else None


VIEW = View(
    slug="published",
    title=N_("Published figures"),
    description=N_("Tables released for your audience under the disclosure rules: workforce "
                   "composition, gender parity, nationals in geographical posts and recruitment."),
    params=(Param("table", N_("Table"), table_names, labels=TABLE_TITLES, default=_default),),
    compute=compute,
    present=present,
    template="views/published.html",
    roles=frozenset(ROLES),
    order=5,
)
