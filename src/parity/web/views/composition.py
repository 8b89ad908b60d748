"""Workforce composition: staff cross-tabulated by up to three dimensions on a snapshot,
with filters, and the trend of the first dimension."""

from __future__ import annotations

from datetime import date

import polars as pl

from parity.core.analytics import composition
from parity.core.analytics.funnel_dims import Filter
from parity.core.dimensions import registry
from parity.core.dimensions.levels import LEVEL_ORDER
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS
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
    "entity": (N_("Entity"), N_("by entity"), "text"),
}
SCOPES = {"all": N_("All staff"), "professional": N_("Professional and higher"),
          "senior": N_("Senior levels (P-5, D-1, D-2)"),
          "geo": N_("Posts subject to geographical distribution")}
#: The filters: query key → (dimension, label, label of "no filter", values, value kind).
FILTERS: dict[str, tuple[str, str, str, tuple[str, ...], str]] = {
    "group": ("regional_group", N_("Regional group"), N_("All regional groups"),
              (*REGIONAL_GROUPS, NON_MEMBER_GROUP), "group"),
    "gender": ("gender", N_("Gender"), N_("All genders"),
               registry.order_of("gender") or (), "gender"),
    "level": ("level_band", N_("Level"), N_("All levels"), LEVEL_ORDER, "text"),
}
#: Most bars drawn in one chart; the table always holds every row.
CHART_ROWS = 25


def dimensions(params: Params) -> list[str]:
    """The chosen dimensions in order (the first always set; empty choices skipped)."""
    chosen = [params["by"] or "regional_group", params.get("by2"), params.get("by3")]
    return [d for d in chosen if d]


def where(params: Params) -> list[str | Filter]:
    """The filters chosen, as core filters."""
    out: list[str | Filter] = [options.value_filter(dim, params[key])
                               for key, (dim, *_rest) in FILTERS.items() if params.get(key)]
    if params.get("entity"):
        out.append(options.value_filter("entity", params["entity"]))
    return out + options.where(params)


def compute(source: Source, params: Params) -> Data:
    backend = source.backend()
    dims, scope, filters = dimensions(params), params["scope"] or "all", where(params)
    as_of = date.fromisoformat(params["as_of"]) if params["as_of"] else None
    snap = composition.composition(backend, dims, as_of=as_of, scope=scope, where=filters)
    trend = composition.composition_trend(backend, dims[:1], scope=scope, where=filters)
    keep = ["snapshot_date", *dims, "staff", "share", *(["share_within"] if len(dims) > 1 else [])]
    data = {"composition": snap.select(keep),
            "trend": trend.select(["snapshot_date", dims[0], "staff", "share", "change"])}
    if len(dims) == 3:
        pair = composition.composition(backend, dims[:2], as_of=as_of, scope=scope,
                                       where=filters)
        data["first_two"] = pair.select(["snapshot_date", *dims[:2], "staff", "share",
                                         "share_within"])
    return data


def shown(fmt: Formatter, dim: str, value: object) -> str:
    """A value of one of the offered dimensions in the reader's language."""
    kind = BREAKDOWNS[dim][2]
    if dim == "entity_type" or value is None or value == registry.UNKNOWN:
        return analytic.label(fmt, dim, value)
    return fmt.value(kind, value)


def filter_summary(params: Params, fmt: Formatter) -> list[str]:
    """A sentence naming the filters applied (none when there are none)."""
    chosen = [f"{fmt._(label)}: {analytic.label(fmt, dim, params[key])}"
              for key, (dim, label, *_rest) in FILTERS.items() if params.get(key)]
    if params.get("entity"):
        chosen.append(f"{fmt._('Entity')}: {params['entity']}")
    return [fmt._("Filters: %(filters)s.", filters="; ".join(chosen))] if chosen else []


def _phrase(fmt: Formatter, dims: list[str]) -> str:
    return ", ".join(fmt._(BREAKDOWNS[d][1]) for d in dims)


def _pair_chart(frame: pl.DataFrame, dims: list[str], fmt: Formatter) -> dict[str, object]:
    """Bars of the first dimension's groups, split by the second (share within the first)."""
    _ = fmt._
    first, second = dims[0], dims[1]
    rows = [{"group": shown(fmt, first, r[first]), "series": shown(fmt, second, r[second]),
             "value": r["share_within"],
             "tooltip": f"{shown(fmt, first, r[first])} · {shown(fmt, second, r[second])}: "
                        f"{fmt.percent(r['share_within'])} ({fmt.integer(r['staff'])})"}
            for r in frame.iter_rows(named=True) if r["share_within"] is not None]
    return charts.bar(rows, category="group", value="value", series="series",
                      value_title=_("Share within the group"),
                      category_title=_(BREAKDOWNS[first][0]),
                      series_title=_(BREAKDOWNS[second][0]), percent=True, rtl=fmt.dir == "rtl")


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    dims = dimensions(params)
    dim = dims[0]
    label = BREAKDOWNS[dim][0]
    by_text = _phrase(fmt, dims)
    snap, trend = data["composition"], data["trend"]
    where_text = params["entity"] or _("the whole organization")
    scope = _(SCOPES[params["scope"] or "all"])
    lines: list[str] = []
    if snap.height:
        total = int(snap["staff"].sum())
        lines.append(_("On %(date)s, %(where)s had %(staff)s staff. Population: %(scope)s.",
                       date=fmt.date(snap["snapshot_date"][0]), where=where_text,
                       staff=fmt.integer(total), scope=scope))
        top = snap.sort("staff", descending=True).row(0, named=True)
        lines.append(_("Counted %(by)s, the largest group was %(group)s, with %(staff)s staff "
                       "(%(share)s).", by=by_text,
                       group=" · ".join(shown(fmt, d, top[d]) for d in dims),
                       staff=fmt.integer(top["staff"]), share=fmt.percent(top["share"])))
    else:
        lines.append(_("No staff match these filters."))
    lines.extend(filter_summary(params, fmt))
    cols = [*(Column(d, BREAKDOWNS[d][0], BREAKDOWNS[d][2]) for d in dims),
            Column("staff", N_("Staff"), "int"), Column("share", N_("Share of staff"), "share")]
    if len(dims) > 1:
        cols.append(Column("share_within", N_("Share within the group"), "share"))
    date_text = fmt.date(snap["snapshot_date"][0]) if snap.height else "–"
    tables = [Table("composition", _("Staff %(by)s", by=by_text), cols, snap, row_header=dim)]
    page_charts: list[Chart] = []
    if len(dims) == 1:
        top_rows = snap.sort("staff", descending=True).head(CHART_ROWS) \
            if dim == "nationality" else snap
        bars = [{"group": shown(fmt, dim, r[dim]), "value": r["share"],
                 "tooltip": f"{shown(fmt, dim, r[dim])}: {fmt.percent(r['share'])} "
                            f"({fmt.integer(r['staff'])})"} for r in top_rows.iter_rows(named=True)]
        snap_chart = charts.bar(bars, category="group", value="value",
                                value_title=_("Share of staff"), category_title=_(label),
                                percent=True, rtl=fmt.dir == "rtl")
        caption = _("Share of staff %(by)s on %(date)s, %(where)s. Population: %(scope)s.",
                    by=by_text, where=where_text, scope=scope, date=date_text)
        if dim == "nationality" and snap.height > CHART_ROWS:
            caption += " " + _("The chart shows the %(n)s largest groups; the table lists all.",
                               n=fmt.integer(CHART_ROWS))
        page_charts.append(Chart("composition", caption, snap_chart))
        trend_groups = top_rows[dim].to_list() if top_rows.height else None
    else:
        pair_name = "first_two" if "first_two" in data else "composition"
        pair = data[pair_name]
        if pair_name == "first_two":
            pair_cols = [*cols[:2], *cols[3:]]
            tables.append(Table("first_two", _("Staff %(by)s", by=_phrase(fmt, dims[:2])),
                                pair_cols, pair, row_header=dim))
        if dim != "nationality" and dims[1] != "nationality":
            caption = _("Share of each group %(by)s within the groups %(first)s on %(date)s, "
                        "%(where)s. Population: %(scope)s.", by=_(BREAKDOWNS[dims[1]][1]),
                        first=_(BREAKDOWNS[dim][1]), date=date_text, where=where_text,
                        scope=scope)
            page_charts.append(Chart(pair_name, caption, _pair_chart(pair, dims, fmt)))
        trend_groups = None
    trend_shown = trend.filter(pl.col(dim).is_in(trend_groups)) if trend_groups else trend
    points = [{"date": r["snapshot_date"].isoformat(), "group": shown(fmt, dim, r[dim]),
               "value": r["share"],
               "tooltip": f"{shown(fmt, dim, r[dim])}, {fmt.date(r['snapshot_date'])}: "
                          f"{fmt.percent(r['share'])}"}
              for r in trend_shown.iter_rows(named=True)]
    trend_chart = charts.line(points, x="date", y="value", series="group", x_title=_("Snapshot"),
                              y_title=_("Share of staff"), series_title=_(label), percent=True,
                              rtl=fmt.dir == "rtl")
    first_text = _(BREAKDOWNS[dim][1])
    trend_cols = [Column("snapshot_date", N_("Snapshot"), "date"),
                  Column(dim, label, BREAKDOWNS[dim][2]), Column("staff", N_("Staff"), "int"),
                  Column("share", N_("Share of staff"), "share"),
                  Column("change", N_("Change since the previous snapshot"), "int")]
    tables.append(Table("trend", _("Staff %(by)s on every snapshot", by=first_text),
                        trend_cols, trend))
    page_charts.append(Chart("trend", _("Share of staff %(by)s on every snapshot, %(where)s.",
                                        by=first_text, where=where_text), trend_chart))
    return Page(summary=lines, tables=tables, charts=page_charts)


def _choices(source: Source) -> list[str]:
    return list(BREAKDOWNS)


def _filter(key: str) -> Param:
    _dim, label, all_label, values, kind = FILTERS[key]
    return Param(key, label, lambda s: list(values), kind=kind, all_label=all_label,
                 labels={registry.UNKNOWN: N_("Unknown")})


def filter_params() -> tuple[Param, ...]:
    """The filters on regional group, gender, level and entity (empty: everyone)."""
    return (*(_filter(k) for k in FILTERS),
            Param("entity", N_("Entity"), options.entities, all_label=N_("All entities")))


VIEW = View(
    slug="composition",
    title=N_("Workforce composition"),
    description=N_("Staff by regional group, gender, level, category, nationality or "
                   "appointment type, on a snapshot and over time."),
    params=(
        Param("as_of", N_("Snapshot"), options.snapshot_dates, kind="date",
              default=options.latest),
        Param("by", N_("Break down by"), _choices,
              labels={k: v[0] for k, v in BREAKDOWNS.items()}, default=lambda v: "regional_group"),
        Param("by2", N_("Then by"), _choices, labels={k: v[0] for k, v in BREAKDOWNS.items()},
              all_label=N_("No further breakdown")),
        Param("by3", N_("And then by"), _choices, labels={k: v[0] for k, v in BREAKDOWNS.items()},
              all_label=N_("No further breakdown")),
        Param("scope", N_("Staff"), lambda s: list(SCOPES), labels=SCOPES,
              default=lambda v: "all"),
        *filter_params(),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/composition.html",
    order=10,
)
