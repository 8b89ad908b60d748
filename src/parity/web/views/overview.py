"""Overview: applications and selections by regional group (seed 000, Table 1) and staff."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import polars as pl

from parity.core.analytics import composition, summary
from parity.core.errors import EmptyStoreError, UserInputError
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import options
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

SCOPES = {"professional": N_("Professional and higher"), "all": N_("All grades")}


def _years(params: Params) -> tuple[int, int]:
    y_from, y_to = int(params["year_from"] or 0), int(params["year_to"] or 0)
    if y_from > y_to:
        raise UserInputError(f"The period starts ({y_from}) after it ends ({y_to}).",
                             "Choose a first year on or before the last year.")
    return y_from, y_to


def compute(source: Source, params: Params) -> Data:
    backend = source.backend()
    y_from, y_to = _years(params)
    selections = summary.selections_by_regional_group(
        backend, y_from, y_to, professional_only=params["scope"] != "all")
    try:
        staff = composition.composition(backend, ["category"])
    except EmptyStoreError:
        staff = pl.DataFrame(schema={"snapshot_date": pl.Date, "category": pl.Utf8,
                                     "staff": pl.Int64, "share": pl.Float64})
    return {"selections": selections, "staff": staff}


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    sel, staff = data["selections"], data["staff"]
    _ = fmt._
    member = sel.filter(pl.col("received_share").is_not_null())
    total_received = int(member["received"].sum())
    total_selected = int(member["selected"].sum())
    period = {"start": params["year_from"], "end": params["year_to"]}
    lines = [_("From %(start)s to %(end)s, %(received)s applications were received and "
               "%(selected)s candidates were selected.", **period,
               received=fmt.integer(total_received), selected=fmt.integer(total_selected))]
    if total_received:
        for row in member.iter_rows(named=True):
            lines.append(_("Applicants from %(group)s were %(applications)s of applications and "
                           "%(selections)s of selections.", group=fmt.group(row["regional_group"]),
                           applications=fmt.percent(row["received_share"]),
                           selections=fmt.percent(row["selected_share"])))
    if staff.height:
        lines.append(_("On %(date)s the organization had %(staff)s staff.",
                       date=fmt.date(staff["snapshot_date"][0]),
                       staff=fmt.integer(int(staff["staff"].sum()))))
    rows = []
    for row in member.iter_rows(named=True):
        group = fmt.group(row["regional_group"])
        for measure, label in (("received_share", _("Share of applications")),
                               ("selected_share", _("Share of selections"))):
            rows.append({"group": group, "measure": label, "value": row[measure],
                         "tooltip": f"{group} · {label}: {fmt.percent(row[measure])}"})
    chart = charts.bar(rows, category="group", value="value", series="measure",
                       value_title=_("Share"), category_title=_("Regional group"),
                       series_title=_("Measure"), percent=True, rtl=fmt.dir == "rtl")
    sel_cols = [Column("regional_group", N_("Regional group"), "group"),
                Column("received", N_("Applications"), "int"),
                Column("received_share", N_("Share of applications"), "share"),
                Column("screened", N_("Screened"), "int"),
                Column("selected", N_("Selected"), "int"),
                Column("selected_share", N_("Share of selections"), "share"),
                Column("rostered", N_("Rostered"), "int"),
                Column("selection_rate", N_("Selection rate"), "share")]
    staff_cols = [Column("category", N_("Category"), "category"), Column("staff", N_("Staff"), "int"),
                  Column("share", N_("Share of staff"), "share")]
    caption = _("Share of applications and of selections by regional group of nationality, "
                "%(start)s–%(end)s.", **period)
    return Page(
        summary=lines,
        tables=[Table("selections", _("Applications and selections by regional group"),
                      sel_cols, sel, row_header="regional_group"),
                Table("staff", _("Staff by category on the latest snapshot"), staff_cols, staff,
                      row_header="category")],
        charts=[Chart("selections", caption, chart)],
        notes=[_("Shares are over the five regional groups; nationals of non-member States and "
                 "stateless applicants are shown apart, without a share.")],
    )


_latest = cast(Callable[[Sequence[str]], str | None], options.latest)
_fifth = cast(Callable[[Sequence[str]], str | None], options.oldest_of_last(5))

VIEW = View(
    slug="overview",
    title=N_("Overview"),
    description=N_("Applications and selections by regional group, and staff by category."),
    params=(
        Param("year_from", N_("From year"), options.posting_years, default=_fifth),
        Param("year_to", N_("To year"), options.posting_years, default=_latest),
        Param("scope", N_("Grades"), lambda s: list(SCOPES), labels=SCOPES,
              default=lambda v: "professional"),
    ),
    compute=compute,
    present=present,
    template="views/overview.html",
    order=0,
)
