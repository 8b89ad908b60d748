"""Workforce composition: staff by a chosen dimension on a snapshot, and its trend."""

from __future__ import annotations

from datetime import date

import polars as pl

from parity.core.analytics import composition
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import analytic, options
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

#: Dimensions offered, with their label and how their values are shown.
BREAKDOWNS: dict[str, tuple[str, str, str]] = {
    "regional_group": (N_("Regional group"), N_("by regional group"), "group"),
    "gender": (N_("Gender"), N_("by gender"), "gender"),
    "level_band": (N_("Level"), N_("by level"), "text"),
    "category": (N_("Category"), N_("by category"), "category"),
    "nationality": (N_("Nationality"), N_("by nationality"), "country"),
    "appointment_type": (N_("Appointment type"), N_("by appointment type"), "text"),
    "entity_type": (N_("Field or non-field"), N_("by field or non-field entity"), "text"),
}
SCOPES = {"all": N_("All staff"), "professional": N_("Professional and higher"),
          "senior": N_("Senior levels (P-5, D-1, D-2)"),
          "geo": N_("Posts subject to geographical distribution")}
#: Most bars drawn in one chart; the table always holds every row.
CHART_ROWS = 25


def compute(source: Source, params: Params) -> Data:
    backend = source.backend()
    dim, scope, entity = params["by"] or "regional_group", params["scope"] or "all", params["entity"]
    as_of = date.fromisoformat(params["as_of"]) if params["as_of"] else None
    by = ["entity", dim] if entity else [dim]
    where = options.where(params)
    snap = composition.composition(backend, by, as_of=as_of, scope=scope, where=where)
    trend = composition.composition_trend(backend, by, scope=scope, where=where)
    if entity:
        snap = snap.filter(pl.col("entity") == entity).drop("share").rename(
            {"share_within": "share"})
        trend = trend.filter(pl.col("entity") == entity).drop("share").rename(
            {"share_within": "share"})
    keep = ["snapshot_date", *by, "staff", "share"]
    return {"composition": snap.select(keep),
            "trend": trend.select([*keep, "change"])}


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    dim = params["by"] or "regional_group"
    label, phrase, kind = BREAKDOWNS[dim]

    def show(value: object) -> str:
        return analytic.label(fmt, dim, value) if dim == "entity_type" else fmt.value(kind, value)

    by_text = _(phrase)
    snap, trend = data["composition"], data["trend"]
    where = params["entity"] or _("the whole organization")
    scope_key = params["scope"] or "all"
    scope = _(SCOPES[scope_key])
    lines: list[str] = []
    if snap.height:
        total = int(snap["staff"].sum())
        lines.append(_("On %(date)s, %(where)s had %(staff)s staff. Population: %(scope)s.",
                       date=fmt.date(snap["snapshot_date"][0]), where=where,
                       staff=fmt.integer(total), scope=scope))
        top = snap.sort("staff", descending=True).row(0, named=True)
        lines.append(_("Counted %(by)s, the largest group was %(group)s, with %(staff)s staff "
                       "(%(share)s).", by=by_text,
                       group=show(top[dim]), staff=fmt.integer(top["staff"]),
                       share=fmt.percent(top["share"])))
    else:
        lines.append(_("No staff match these filters."))
    shown = snap.sort("staff", descending=True).head(CHART_ROWS) if dim == "nationality" else snap
    bars = [{"group": show(r[dim]), "value": r["share"],
             "tooltip": f"{show(r[dim])}: {fmt.percent(r['share'])} "
                        f"({fmt.integer(r['staff'])})"} for r in shown.iter_rows(named=True)]
    snap_chart = charts.bar(bars, category="group", value="value", value_title=_("Share of staff"),
                            category_title=_(label), percent=True, rtl=fmt.dir == "rtl")
    trend_shown = trend.filter(pl.col(dim).is_in(shown[dim].to_list())) if shown.height else trend
    points = [{"date": r["snapshot_date"].isoformat(), "group": show(r[dim]),
               "value": r["share"],
               "tooltip": f"{show(r[dim])}, {fmt.date(r['snapshot_date'])}: "
                          f"{fmt.percent(r['share'])}"}
              for r in trend_shown.iter_rows(named=True)]
    trend_chart = charts.line(points, x="date", y="value", series="group", x_title=_("Snapshot"),
                              y_title=_("Share of staff"), series_title=_(label), percent=True,
                              rtl=fmt.dir == "rtl")
    cols = [Column(dim, label, kind), Column("staff", N_("Staff"), "int"),
            Column("share", N_("Share of staff"), "share")]
    trend_cols = [Column("snapshot_date", N_("Snapshot"), "date"), *cols,
                  Column("change", N_("Change since the previous snapshot"), "int")]
    snap_caption = _("Share of staff %(by)s on %(date)s, %(where)s. Population: %(scope)s.",
                     by=by_text, where=where, scope=scope,
                     date=fmt.date(snap["snapshot_date"][0]) if snap.height else "–")
    if dim == "nationality" and snap.height > CHART_ROWS:
        snap_caption += " " + _("The chart shows the %(n)s largest groups; the table lists all.",
                                n=fmt.integer(CHART_ROWS))
    return Page(
        summary=lines,
        tables=[Table("composition", _("Staff %(by)s", by=by_text), cols, snap, row_header=dim),
                Table("trend", _("Staff %(by)s on every snapshot", by=by_text), trend_cols, trend)],
        charts=[Chart("composition", snap_caption, snap_chart),
                Chart("trend", _("Share of staff %(by)s on every snapshot, %(where)s.",
                                 by=by_text, where=where), trend_chart)],
    )


VIEW = View(
    slug="composition",
    title=N_("Workforce composition"),
    description=N_("Staff by regional group, gender, level, category, nationality or "
                   "appointment type, on a snapshot and over time."),
    params=(
        Param("as_of", N_("Snapshot"), options.snapshot_dates, kind="date",
              default=options.latest),
        Param("by", N_("Break down by"), lambda s: list(BREAKDOWNS),
              labels={k: v[0] for k, v in BREAKDOWNS.items()}, default=lambda v: "regional_group"),
        Param("scope", N_("Staff"), lambda s: list(SCOPES), labels=SCOPES,
              default=lambda v: "all"),
        Param("entity", N_("Entity"), options.entities, all_label=N_("All entities")),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/composition.html",
    order=10,
)
